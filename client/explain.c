#include "client/explain.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "client/conn.h"

#include "lib/util.h"

/* RFC 2408 §3.14.1 notify types */
enum {
	INVALID_PAYLOAD_TYPE = 1,
	NO_PROPOSAL_CHOSEN = 14,
	INVALID_ID_INFORMATION = 18,
	INVALID_HASH_INFORMATION = 23,
	AUTHENTICATION_FAILED = 24,
};

/* RFC 2661 §4.4.2 result codes: a StopCCN's and a CDN's differ */
enum {
	STOPCCN_NOT_AUTHORIZED = 4,
	CDN_NO_FACILITIES_TEMPORARY = 4,
	CDN_NO_FACILITIES_PERMANENT = 5,
};

/* Which fields of a rule must equal the failure's. */
enum {
	M_STAGE = 1 << 0,     /* IKE or L2TP stage */
	M_MAIN_MODE = 1 << 1, /* IKE stage MM1, MM3 or MM5 */
	M_REASON = 1 << 2,    /* IKE reason or PPP down reason */
	M_NOTIFY = 1 << 3,
	M_CAUSE = 1 << 4,  /* L2TP: StopCCN, CDN, no answer, which auth check */
	M_RESULT = 1 << 5, /* L2TP: the StopCCN's or CDN's result code */
	M_AUTH = 1 << 6,
	M_REFUSAL = 1 << 7,
	M_LOCAL = 1 << 8,
	M_FLAG = 1 << 9,     /* IKE: psk (MM5) or forced_encaps (MM1) */
	M_MESSAGE = 1 << 10, /* the PPP layer's own message contains it */
	M_ECDSA = 1 << 11,   /* IKE: we sign with an ECDSA certificate */
};

/* A rule applies when the failure is of its layer and every field named
 * in match equals. First match wins, so specific rules come before
 * general ones. */
struct rule {
	enum conn_fail_layer layer;
	unsigned match;
	int stage, reason, notify, cause, result, auth, refusal, local;
	bool flag;
	const char *message;
	const char *advice;
};

static const struct rule rules[] = {
    /* IKE: proposals. The default lists hold every transform we implement,
     * strongest first, so a hint never names a shorter or weaker list than
     * the one that failed (issue 15): it points at the settings that
     * narrowed ours. */
    {.layer = CONN_FAIL_IKE,
     .match = M_MAIN_MODE | M_REASON | M_NOTIFY,
     .reason = IKE_FAIL_NOTIFY,
     .notify = NO_PROPOSAL_CHOSEN,
     .advice =
         "the gateway accepts none of our IKE proposals (by default AES-256/128 with SHA-256 or "
         "SHA-1 down to 3DES-SHA1-MODP1024); remove `ike =` (--ike) or its trailing `!` and "
         "`dh2048 = require` from [ipsec] so that all of them are offered, or put the gateway's "
         "proposal in front of them: `ike = CIPHER-HASH-GROUP` (no `!`)"},
    {.layer = CONN_FAIL_IKE,
     .match = M_MAIN_MODE | M_REASON,
     .reason = IKE_FAIL_PROPOSAL,
     .advice =
         "the gateway chose an IKE proposal we did not offer; add the gateway's proposal with "
         "`ike = CIPHER-HASH-GROUP` (--ike, no trailing `!`: our defaults follow it)"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON | M_NOTIFY,
     .stage = IKE_STAGE_QM1,
     .reason = IKE_FAIL_NOTIFY,
     .notify = NO_PROPOSAL_CHOSEN,
     .advice =
         "the gateway accepts none of our ESP proposals (by default AES-GCM, AES with SHA-256 or "
         "SHA-1, 3DES); a gateway that refuses them all most often wants PFS: set `pfs = on` (or "
         "its group, e.g. `pfs = modp1024`) in [ipsec], and remove `esp =` (--esp) or its "
         "trailing `!` so that all of ours are offered"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON,
     .stage = IKE_STAGE_QM1,
     .reason = IKE_FAIL_PROPOSAL,
     .advice =
         "the gateway's ESP choice (cipher, encapsulation or PFS group) is not one we offered; "
         "set `pfs` to the gateway's group and add its proposal with `esp =` (--esp, no "
         "trailing `!`: our defaults follow it)"},
    /* ---- IKE: identities ---- */
    {.layer = CONN_FAIL_IKE,
     .match = M_REASON | M_NOTIFY,
     .reason = IKE_FAIL_NOTIFY,
     .notify = INVALID_ID_INFORMATION,
     .advice =
         "the gateway refused our identity; set `local-id` (some gateways need the group name, "
         "e.g. `local-id = @group`) and `local-id-type`, and check `remote-id` in [ipsec]"},
    {.layer = CONN_FAIL_IKE,
     .match = M_REASON,
     .reason = IKE_FAIL_ID,
     .advice =
         "the gateway identified itself differently from `remote-id`; correct `remote-id` (and "
         "`remote-id-type`) or remove it to accept what the gateway sends"},
    /* IKE: authentication (flag: we use a pre-shared key) */
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON | M_FLAG,
     .stage = IKE_STAGE_MM5,
     .reason = IKE_FAIL_AUTH,
     .flag = true,
     .advice =
         "the gateway and we have different keys: wrong pre-shared key; check `psk` / `psk-file` "
         "(--psk-file) in [ipsec]"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON | M_NOTIFY,
     .stage = IKE_STAGE_MM5,
     .reason = IKE_FAIL_NOTIFY,
     .notify = AUTHENTICATION_FAILED,
     .advice =
         "the gateway rejected our authentication: wrong pre-shared key or certificate; check "
         "`psk` / `psk-file` (or `cert`, `key`) in [ipsec]"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON | M_NOTIFY,
     .stage = IKE_STAGE_MM5,
     .reason = IKE_FAIL_NOTIFY,
     .notify = INVALID_HASH_INFORMATION,
     .advice =
         "the gateway could not verify our hash: wrong pre-shared key; check `psk` / `psk-file` "
         "(--psk-file) in [ipsec]"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON | M_NOTIFY,
     .stage = IKE_STAGE_MM5,
     .reason = IKE_FAIL_NOTIFY,
     .notify = INVALID_PAYLOAD_TYPE,
     .advice =
         "the gateway could not decrypt our authentication: wrong pre-shared key; check `psk` / "
         "`psk-file` (--psk-file) in [ipsec]"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON,
     .stage = IKE_STAGE_MM5,
     .reason = IKE_FAIL_AUTH,
     .advice =
         "the gateway's certificate or signature did not verify; check `ca`, `cert`, `key` and "
         "`remote-id` in [ipsec]"},
    /* IKE: NAT (flag: we forced UDP encapsulation; the gateway's MM2 shows
     * it has no NAT-T) */
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON | M_FLAG,
     .stage = IKE_STAGE_MM1,
     .reason = IKE_FAIL_NAT_POLICY,
     .flag = true,
     .advice =
         "the gateway does not support NAT traversal, which the userspace data path needs; try "
         "`datapath = kernel` with `force-encaps = no`"},
    {.layer = CONN_FAIL_IKE,
     .match = M_REASON,
     .reason = IKE_FAIL_NAT_POLICY,
     .advice =
         "a NAT is in the way and the NAT policy refuses it; set `assume-udp-encapsulation = 2` in "
         "[ipsec]"},
    /* ---- IKE: silence and endings ---- */
    /* Libreswan has no ECDSA in IKEv1 and drops such an MM1 unanswered
     * (ipsec.conf(5) `authby`; rig gw-libreswan certfrag_kernel) */
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON | M_ECDSA,
     .stage = IKE_STAGE_MM1,
     .reason = IKE_FAIL_TIMEOUT,
     .advice = "the gateway does not answer; some (Libreswan, and others without RFC 4754) drop "
               "a Main Mode offering ECDSA signatures without a word: if `host` in [gateway] is "
               "right, try an RSA certificate in `cert` and `key`"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON,
     .stage = IKE_STAGE_MM1,
     .reason = IKE_FAIL_TIMEOUT,
     .advice = "the gateway does not answer: it is unreachable, the address is wrong or UDP 500 is "
               "blocked on this network; check `host` in [gateway] and the firewall"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON,
     .stage = IKE_STAGE_MM3,
     .reason = IKE_FAIL_TIMEOUT,
     .advice = "the gateway went silent after accepting our proposal (key exchange refused or "
               "fragments lost); try `dh2048 = off` or another `ike =` group"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON,
     .stage = IKE_STAGE_MM5,
     .reason = IKE_FAIL_TIMEOUT,
     .advice =
         "the gateway did not answer our authentication: wrong pre-shared key (some gateways stay "
         "silent) or UDP 4500 blocked; check `psk` and the firewall"},
    {.layer = CONN_FAIL_IKE,
     .match = M_STAGE | M_REASON,
     .stage = IKE_STAGE_QM1,
     .reason = IKE_FAIL_TIMEOUT,
     .advice = "the gateway did not answer Quick Mode: it silently refuses our ESP proposals or "
               "identity; check `esp =`, `pfs` and `local-id` in [ipsec]"},
    {.layer = CONN_FAIL_IKE,
     .match = M_REASON,
     .reason = IKE_FAIL_DPD,
     .advice = "the gateway stopped answering dead peer detection: the network or the gateway went "
               "away; reconnect (`reconnect = yes` does it by itself)"},
    {.layer = CONN_FAIL_IKE,
     .match = M_REASON,
     .reason = IKE_FAIL_DELETED,
     .advice = "the gateway ended the IPsec connection (administrator, idle or session limit); "
               "reconnect"},
    {.layer = CONN_FAIL_LOCAL,
     .match = M_LOCAL,
     .local = CONN_LOCAL_IKE_SOCKETS,
     .advice = "the IKE ports could not be opened; stop other IPsec software using UDP 500/4500 "
               "(charon, racoon) or check the network"},
    /* ---- L2TP: what ended it (cause), with the RFC 2661 §4.4.2 result
     * codes of the gateway's StopCCN or CDN ---- */
    {.layer = CONN_FAIL_L2TP,
     .match = M_STAGE | M_CAUSE,
     .stage = L2TP_STAGE_TUNNEL_SETUP,
     .cause = L2TP_CAUSE_NO_ANSWER,
     .advice =
         "IPsec is up but the gateway's L2TP does not answer; try `port = ephemeral` (or `port = "
         "1701`) in [l2tp], and check that the gateway serves L2TP"},
    /* tunnel authentication (RFC 2661 §5.1.1): which check failed */
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE,
     .cause = L2TP_CAUSE_AUTH_NO_SECRET,
     .advice = "the gateway asks for L2TP tunnel authentication and we have no tunnel secret; set "
               "`secret` / `secret-file` in [l2tp] to the gateway's"},
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE,
     .cause = L2TP_CAUSE_AUTH_WRONG,
     .advice = "L2TP tunnel authentication failed: the gateway's answer to our challenge shows a "
               "tunnel secret other than ours; correct `secret` / `secret-file` in [l2tp]"},
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE,
     .cause = L2TP_CAUSE_AUTH_NO_RESPONSE,
     .advice = "the gateway did not answer our L2TP tunnel challenge: it has no tunnel secret; "
               "remove `secret` from [l2tp] if the gateway uses none, or give the gateway the "
               "same one"},
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE | M_RESULT,
     .cause = L2TP_CAUSE_STOPCCN,
     .result = STOPCCN_NOT_AUTHORIZED,
     .advice = "the gateway does not let us open an L2TP tunnel; check `secret` in [l2tp] and that "
               "this user or host may connect"},
    /* ---- the kernel refused our tunnel or session ---- */
    {.layer = CONN_FAIL_L2TP,
     .match = M_STAGE | M_CAUSE,
     .stage = L2TP_STAGE_SETUP,
     .cause = L2TP_CAUSE_LOCAL,
     .advice = "the kernel L2TP data path failed (module l2tp_ppp missing?); try `datapath = "
               "userspace` in [client]"},
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE,
     .cause = L2TP_CAUSE_NO_ANSWER,
     .advice =
         "the gateway stopped answering L2TP: the network or the gateway went away; reconnect"},
    /* ---- the gateway's CDN for our call ---- */
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE | M_RESULT,
     .cause = L2TP_CAUSE_CDN,
     .result = CDN_NO_FACILITIES_TEMPORARY,
     .advice = "the gateway has no free L2TP session for now (temporary lack of resources); "
               "l2tpsec tries again by itself (`reconnect = yes`, once connected before), or "
               "connect again later"},
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE | M_RESULT,
     .cause = L2TP_CAUSE_CDN,
     .result = CDN_NO_FACILITIES_PERMANENT,
     .advice = "the gateway has no L2TP sessions for us (permanent lack of resources: licence or "
               "pool exhausted); ask its administrator"},
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE,
     .cause = L2TP_CAUSE_CDN,
     .advice = "the gateway ended our L2TP call (see its reason); reconnect, and ask its "
               "administrator if it repeats"},
    {.layer = CONN_FAIL_L2TP,
     .match = M_CAUSE,
     .cause = L2TP_CAUSE_STOPCCN,
     .advice = "the gateway closed the L2TP tunnel (see its reason); reconnect, and ask its "
               "administrator if it repeats"},
    /* ---- PPP ---- */
    {.layer = CONN_FAIL_PPP,
     .match = M_REFUSAL,
     .refusal = CONN_REFUSAL_METHOD,
     .advice = "a weaker PPP method lets anyone with the PSK pose as the gateway and learn the "
               "password; allow it (as the message says) only if the gateway cannot use MS-CHAPv2"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REFUSAL,
     .refusal = CONN_REFUSAL_NO_AUTH,
     .advice =
         "without PPP authentication the gateway proves nothing beyond the PSK; allow it only "
         "if the gateway cannot use MS-CHAPv2"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REFUSAL,
     .refusal = CONN_REFUSAL_MPPE,
     .advice = "turn off MPPE (require-mppe) on the gateway: the IPsec SA already encrypts"},
    /* the PPP layer tells an unanswered authentication from a rejection only
     * in its own words (ppp/pap.c, ppp/chap.c): matched there, not in our
     * line */
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON | M_AUTH | M_MESSAGE,
     .reason = PPP_DOWN_AUTH_FAILED,
     .auth = PPP_AUTH_PAP,
     .message = "no answer",
     .advice = "the gateway ignores PAP; allow another method: `auth-methods = mschapv2, chap` in "
               "[ppp]"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON | M_MESSAGE,
     .reason = PPP_DOWN_AUTH_FAILED,
     .message = "no Challenge",
     .advice = "the gateway does not use the method we asked for; try `auth-methods = pap` (or "
               "mschapv2) in [ppp]"},
    {.layer = CONN_FAIL_LOCAL,
     .match = M_LOCAL,
     .local = CONN_LOCAL_OTP_USED,
     .advice =
         "a new PPP session needs a new one-time code and nobody could be asked; connect from "
         "a terminal, or set `password-prompt = ask-password` in [ppp] for services"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON,
     .reason = PPP_DOWN_AUTH_FAILED,
     .advice =
         "user name or password rejected; check `user` (a Windows domain is DOMAIN\\user) and "
         "`password` / `password-file` in [ppp], or try another `auth-methods` (e.g. pap)"},
    /* ---- pppd's exit status 11 (ppp/pppd_report.c) ---- */
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON | M_MESSAGE,
     .reason = PPP_DOWN_NEGOTIATION_FAILED,
     .message = "peer failed to authenticate",
     .advice =
         "the authentication methods do not match the gateway's; try `auth-methods = pap` (or "
         "mschapv2, chap) in [ppp]"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON,
     .reason = PPP_DOWN_NEGOTIATION_FAILED,
     .advice =
         "PPP options were not agreed (MTU/MRU or authentication method); try `mtu = 1280` and "
         "`mru = 1280`, or other `auth-methods` in [ppp]"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON,
     .reason = PPP_DOWN_ECHO_TIMEOUT,
     .advice = "the gateway stopped answering LCP echoes: the network or the gateway went away; "
               "reconnect (raise `lcp-echo-failure` on a lossy link)"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON,
     .reason = PPP_DOWN_PEER_TERMINATE,
     .advice = "the gateway ended the PPP link (administrator, idle or session limit); reconnect"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON,
     .reason = PPP_DOWN_LOWER_DOWN,
     .advice = "the L2TP session under PPP went away: the network or the gateway; reconnect"},
    {.layer = CONN_FAIL_PPP,
     .match = M_REASON,
     .reason = PPP_DOWN_LOOPBACK,
     .advice = "PPP sees its own messages: a loop on the path or gateway misconfiguration; check "
               "`host` in [gateway]"},
    /* ---- local ---- */
    {.layer = CONN_FAIL_LOCAL,
     .match = M_LOCAL,
     .local = CONN_LOCAL_KERNEL_PATH,
     .advice =
         "the kernel data path is not available here; set `datapath = auto` or `userspace` in "
         "[client]"},
    {.layer = CONN_FAIL_LOCAL,
     .match = M_LOCAL,
     .local = CONN_LOCAL_SA_INSTALL,
     .advice =
         "the kernel refused the IPsec SA (xfrm modules missing?); try `datapath = userspace` in "
         "[client]"},
};

static bool rule_flag(const struct conn_failure *f)
{
	return f->ike.stage == IKE_STAGE_MM1 ? f->ike.forced_encaps : f->ike.psk;
}

static bool is_main_mode(enum ike_stage s)
{
	return s == IKE_STAGE_MM1 || s == IKE_STAGE_MM3 || s == IKE_STAGE_MM5;
}

static bool rule_matches(const struct rule *r, const struct conn_failure *f)
{
	bool ike = f->layer == CONN_FAIL_IKE;
	int stage = ike ? (int)f->ike.stage : (int)f->l2tp.stage;
	int reason = ike ? (int)f->ike.reason : (int)f->ppp.reason;

	if (r->layer != f->layer)
		return false;
	return (!(r->match & M_STAGE) || r->stage == stage) &&
	       (!(r->match & M_MAIN_MODE) || is_main_mode(f->ike.stage)) &&
	       (!(r->match & M_REASON) || r->reason == reason) &&
	       (!(r->match & M_NOTIFY) || r->notify == f->ike.notify) &&
	       (!(r->match & M_CAUSE) || r->cause == (int)f->l2tp.cause) &&
	       (!(r->match & M_RESULT) || r->result == f->l2tp.result) &&
	       (!(r->match & M_AUTH) || r->auth == (int)f->ppp.auth) &&
	       (!(r->match & M_REFUSAL) || r->refusal == (int)f->ppp.refusal) &&
	       (!(r->match & M_LOCAL) || r->local == (int)f->local) &&
	       (!(r->match & M_FLAG) || r->flag == rule_flag(f)) &&
	       (!(r->match & M_MESSAGE) || strstr(f->ppp.message, r->message)) &&
	       (!(r->match & M_ECDSA) || f->ike.ecdsa);
}

static const char *exit_stage(int exit_code)
{
	switch (exit_code) {
	case EXIT_CONFIG:
		return "configuration";
	case EXIT_NETWORK:
		return "network";
	case EXIT_IKE:
		return "IKE";
	case EXIT_L2TP:
		return "L2TP";
	case EXIT_PPP_AUTH:
		return "PPP authentication";
	case EXIT_PPP:
		return "PPP";
	case EXIT_PEER_CLOSED:
		return "connected";
	case EXIT_GW_AUTH:
		return "gateway authentication";
	default:
		return "local setup";
	}
}

/* The stage reached, from the layer's values: "IKE Main Mode (MM3)". */
static void failure_stage(const struct conn_failure *f, char *out, size_t outsz)
{
	const char *name = ike_stage_name(f->ike.stage);

	switch (f->layer) {
	case CONN_FAIL_IKE:
		snprintf(out, outsz, "IKE %s(%s)",
		         is_main_mode(f->ike.stage)      ? "Main Mode "
		         : f->ike.stage == IKE_STAGE_QM1 ? "Quick Mode "
		                                         : "",
		         name);
		break;
	case CONN_FAIL_L2TP:
		snprintf(out, outsz, "L2TP");
		break;
	case CONN_FAIL_PPP:
		snprintf(out, outsz, "%s",
		         f->exit_code == EXIT_PPP_AUTH ? "PPP authentication" : "PPP");
		break;
	default:
		snprintf(out, outsz, "%s", exit_stage(f->exit_code));
	}
}

static const char *fallback_advice(int exit_code)
{
	switch (exit_code) {
	case EXIT_CONFIG:
		return "the profile is not usable; run `l2tpsec check` on it";
	case EXIT_NETWORK:
		return "no way to the gateway; check `host` in [gateway], name resolution and the "
		       "network";
	case EXIT_PEER_CLOSED:
		return "the connection was lost; reconnect";
	case EXIT_GW_AUTH:
		return "the gateway refused our credentials; check `psk` / `psk-file` (or `cert`, "
		       "`key`, `ca`) in [ipsec] and `secret` in [l2tp]";
	default:
		return "no known cause; see `l2tpsec log` for the details";
	}
}

int explain_failure(const struct conn_failure *f, char *out, size_t outsz)
{
	char stage[48];

	if (outsz == 0)
		return 0;
	failure_stage(f, stage, sizeof(stage));
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		if (rule_matches(&rules[i], f)) {
			snprintf(out, outsz, "%s: %s", stage, rules[i].advice);
			return 1;
		}
	}
	if (f->text[0])
		snprintf(out, outsz, "%s: %s (%s)", stage, fallback_advice(f->exit_code), f->text);
	else
		snprintf(out, outsz, "%s: %s", stage, fallback_advice(f->exit_code));
	return 0;
}
