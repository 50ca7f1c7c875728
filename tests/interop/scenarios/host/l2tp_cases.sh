#!/bin/bash
# The L2TP engine's case list against xl2tpd on this host (tests/l2tp/
# run-host-tests.sh): port 1701, ephemeral and auto, tunnel secrets right
# and wrong, and 20% loss with duplication and reordering through a lossy
# relay. Each case must pass.
set -u
top=$(cd "$(dirname "$0")/../../../.." && pwd)
build=${L2TPSEC_BUILDDIR:-.}
[ -x "$build/tests/l2tp/l2tp_probe" ] || { echo "SKIP l2tp_cases: l2tp_probe not built"; exit 77; }
out=$(bash "$top/tests/l2tp/run-host-tests.sh" "$build" 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|ok)' | sed 's/^/  /'
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n1)
echo "RESULT scenario=host-l2tp_cases ${line// /_}"
[ $rc -eq 0 ] && [ -n "$line" ] && [ "${line#* passed, }" = "0 failed" ]
