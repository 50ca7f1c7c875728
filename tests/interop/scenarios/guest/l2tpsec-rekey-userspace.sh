#!/bin/bash
# l2tpsec-rekey.sh on the userspace data path (ESP, L2TP and PPP in-process).
export L2TPSEC_DATAPATH=userspace REKEY_NAME_SUFFIX=-userspace
exec bash "$(dirname "$0")/l2tpsec-rekey.sh" "$@"
