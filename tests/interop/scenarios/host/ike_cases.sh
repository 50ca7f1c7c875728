#!/bin/bash
# The IKE engine's case list against charon on this host (tests/ike/
# run-host-tests.sh): proposals, DH 2048, ECP, certificates, refused
# proposals, NAT policy, forced encapsulation, shared and held ports, a
# foreign CA. Each case must pass.
set -u
top=$(cd "$(dirname "$0")/../../../.." && pwd)
build=${L2TPSEC_BUILDDIR:-.}
[ -x "$build/tests/ike/ike-connect" ] || { echo "SKIP ike_cases: ike-connect not built"; exit 77; }
out=$(bash "$top/tests/ike/run-host-tests.sh" "$(cd "$build" && pwd)" 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|ok)' | sed 's/^/  /'
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n1)
echo "RESULT scenario=host-ike_cases ${line// /_}"
[ $rc -eq 0 ] && [ -n "$line" ] && [ "${line#* passed, }" = "0 failed" ]
