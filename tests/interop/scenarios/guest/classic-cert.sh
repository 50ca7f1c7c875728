#!/bin/bash
# As classic-psk, but IKE authenticated with RSA certificates from a test CA
# generated at run time (pki).
. "$(dirname "$0")/../../lib/scenario.sh"
export GW_AUTH=cert
rig_classic_scenario classic-cert
