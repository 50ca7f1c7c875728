/*
 * Names of L2TP message types, attributes and result codes, so that every
 * teardown is logged in words (RFC 2661 §3.2, §4.4.2).
 */
#include <stddef.h>

#include "l2tp/proto.h"
#include "lib/util.h"

static const char *const msg_names[] = {
    [L2TP_SCCRQ] = "SCCRQ",     [L2TP_SCCRP] = "SCCRP", [L2TP_SCCCN] = "SCCCN",
    [L2TP_STOPCCN] = "StopCCN", [L2TP_HELLO] = "HELLO", [L2TP_OCRQ] = "OCRQ",
    [L2TP_OCRP] = "OCRP",       [L2TP_OCCN] = "OCCN",   [L2TP_ICRQ] = "ICRQ",
    [L2TP_ICRP] = "ICRP",       [L2TP_ICCN] = "ICCN",   [L2TP_CDN] = "CDN",
    [L2TP_WEN] = "WEN",         [L2TP_SLI] = "SLI",
};

static const char *const avp_names[L2TP_AVP_TYPE_COUNT] = {
    "Message Type",
    "Result Code",
    "Protocol Version",
    "Framing Capabilities",
    "Bearer Capabilities",
    "Tie Breaker",
    "Firmware Revision",
    "Host Name",
    "Vendor Name",
    "Assigned Tunnel ID",
    "Receive Window Size",
    "Challenge",
    "Q.931 Cause Code",
    "Challenge Response",
    "Assigned Session ID",
    "Call Serial Number",
    "Minimum BPS",
    "Maximum BPS",
    "Bearer Type",
    "Framing Type",
    NULL,
    "Called Number",
    "Calling Number",
    "Sub-Address",
    "(Tx) Connect Speed",
    "Physical Channel ID",
    "Initial Received LCP CONFREQ",
    "Last Sent LCP CONFREQ",
    "Last Received LCP CONFREQ",
    "Proxy Authen Type",
    "Proxy Authen Name",
    "Proxy Authen Challenge",
    "Proxy Authen ID",
    "Proxy Authen Response",
    "Call Errors",
    "ACCM",
    "Random Vector",
    "Private Group ID",
    "Rx Connect Speed",
    "Sequencing Required",
};

static const char *const stopccn_words[] = {
    "reserved result code 0",
    "general request to clear control connection",
    "general error (see error code)",
    "control channel already exists",
    "requester is not authorized to establish a control channel",
    "protocol version of the requester is not supported",
    "requester is being shut down",
    "finite state machine error",
};

static const char *const cdn_words[] = {
    "reserved result code 0",
    "call disconnected due to loss of carrier",
    "call disconnected for the reason indicated in error code",
    "call disconnected for administrative reasons",
    "call failed: appropriate facilities temporarily unavailable",
    "call failed: appropriate facilities permanently unavailable",
    "invalid destination",
    "call failed: no carrier detected",
    "call failed: busy signal",
    "call failed: no dial tone",
    "call was not established within the time allotted by the LAC",
    "call was connected but no appropriate framing was detected",
};

static const char *const error_words[] = {
    "no general error",
    "no control connection exists yet for this LAC-LNS pair",
    "length is wrong",
    "a field value was out of range or a reserved field was non-zero",
    "insufficient resources to handle this operation now",
    "the session ID is invalid in this context",
    "a generic vendor-specific error occurred in the LAC",
    "try another LNS",
    "shut down after receipt of an unknown AVP with the M bit set",
};

const char *l2tp_msg_type_name(uint16_t type)
{
	if (type < ARRAY_SIZE(msg_names) && msg_names[type])
		return msg_names[type];
	return "unknown message";
}

const char *l2tp_avp_name(uint16_t type)
{
	if (type < ARRAY_SIZE(avp_names) && avp_names[type])
		return avp_names[type];
	return "unknown AVP";
}

const char *l2tp_stopccn_result_words(uint16_t result)
{
	return result < ARRAY_SIZE(stopccn_words) ? stopccn_words[result] : "unknown result code";
}

const char *l2tp_cdn_result_words(uint16_t result)
{
	return result < ARRAY_SIZE(cdn_words) ? cdn_words[result] : "unknown result code";
}

const char *l2tp_error_code_words(uint16_t error)
{
	return error < ARRAY_SIZE(error_words) ? error_words[error] : "unknown error code";
}
