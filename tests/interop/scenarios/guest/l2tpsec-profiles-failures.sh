#!/bin/bash
# l2tpsec (kernel data path) with NetworkManager-l2tp profiles and with the
# failures a user meets, in one boot (gateway restarted between cases):
#  refused - the gateway accepts only aes256-sha512-modp4096, the client
#            offers only aes128-sha1-modp2048: exit 5, the output names MM1
#            and NO_PROPOSAL_CHOSEN, nothing left behind
#  badpass - wrong PPP password: exit 7, nothing left behind
#  nm      - `connect --nm FILE.nmconnection` (0600, secrets in [vpn-secrets])
#  import  - `import FILE NAME --dir DIR`, `check`, `connect DIR/NAME.conf`
# The connecting cases make the usual checks (pool address, ping, status,
# the gateway's CHILD_SA has l2tpsec's SPIs, wire, nothing left).
. "$(dirname "$0")/../../lib/scenario.sh"
. "$(dirname "$0")/../../lib/l2tpsec.sh"
export L2TPSEC_DATAPATH=kernel
rig_cases_setup l2tpsec-profiles-failures
for c in ${L2TPSEC_CASES:-refused badpass nm import}; do
	rig_case "$c" "rig_l2tpsec_case_$c"
done
rig_cases_end
