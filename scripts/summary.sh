#!/bin/sh
# Print "LABEL: N passed, N failed, N skipped" from automake's .trs files
# under DIR (one result per TAP line, i.e. per test case). Exit 1 on failures.
label=${1:-unit}
dir=${2:-.}
find "$dir" -name '*.trs' -exec cat {} + 2>/dev/null | awk -v label="$label" '
	/^:test-result: (PASS|XFAIL)/ { pass++ }
	/^:test-result: (FAIL|XPASS|ERROR)/ { fail++ }
	/^:test-result: SKIP/ { skip++ }
	END {
		printf "%s: %d passed, %d failed, %d skipped\n", label, pass, fail, skip
		exit fail > 0 || pass == 0
	}'
