#!/usr/bin/perl
# l2tpsec interop rig: exec a command (linux.uml) under a seccomp filter that
# makes ptrace(PTRACE_GETREGSET/PTRACE_SETREGSET, pid, NT_X86_XSTATE, ...) fail
# with EIO.  The packaged UML 6.1 kernel uses a fixed-size XSAVE buffer; on
# hosts with a bigger XSAVE area (AVX-512, AMX) the host kernel rejects it
# (EFAULT, "userspace - ptrace set fp regs failed, errno = 14") and init dies.
# With NT_X86_XSTATE unavailable UML falls back to PTRACE_GETFPREGS (FXSAVE).
# Guest syscalls never reach this filter (UML traps them with PTRACE_SYSEMU).
use strict;
use warnings;

sub insn { pack("S C C L", @_) }    # struct sock_filter { u16 code; u8 jt, jf; u32 k; }
my $ALLOW = 0x7fff0000;              # SECCOMP_RET_ALLOW
my $EIO   = 0x00050000 | 5;          # SECCOMP_RET_ERRNO | EIO
my $prog = join '',
  insn(0x20, 0, 0, 4),                # ld  arch
  insn(0x15, 0, 7, 0xc000003e),       # jeq AUDIT_ARCH_X86_64 ? next : allow
  insn(0x20, 0, 0, 0),                # ld  nr
  insn(0x15, 0, 5, 101),              # jeq __NR_ptrace ? next : allow
  insn(0x20, 0, 0, 32),               # ld  args[2] (low 32 bits)
  insn(0x15, 0, 3, 0x202),            # jeq NT_X86_XSTATE ? next : allow
  insn(0x20, 0, 0, 16),               # ld  args[0]
  insn(0x15, 2, 0, 0x4204),           # jeq PTRACE_GETREGSET -> eio
  insn(0x15, 1, 0, 0x4205),           # jeq PTRACE_SETREGSET -> eio
  insn(0x06, 0, 0, $ALLOW),
  insn(0x06, 0, 0, $EIO);
my $fprog = pack("S x6 P", length($prog) / 8, $prog);    # struct sock_fprog
syscall(157, 38, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_NO_NEW_PRIVS): $!\n";
syscall(157, 22, 2, $fprog, 0, 0) == 0 or die "prctl(PR_SET_SECCOMP): $!\n";
exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n";
