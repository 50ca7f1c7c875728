#include "client/explain.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "client/conn.h"

/* A rule applies when the failure line contains every needle (up to three,
 * unused ones NULL). First match wins, so specific rules come before general
 * ones. */
struct rule {
	const char *needle[3];
	const char *advice;
};

static const struct rule rules[] = {
    /* ---- IKE: proposals ---- */
    /* The default lists hold every transform we implement, strongest
     * first, so a hint never names a shorter or weaker list than the one
     * that failed (issue 15): it points at the settings that narrowed ours. */
    {{"IKE failed at MM", "NO_PROPOSAL_CHOSEN", NULL},
     "the gateway accepts none of our IKE proposals (by default AES-256/128 with SHA-256 or "
     "SHA-1 down to 3DES-SHA1-MODP1024); remove `ike =` (--ike) or its trailing `!` and "
     "`dh2048 = require` from [ipsec] so that all of them are offered, or put the gateway's "
     "proposal in front of them: `ike = CIPHER-HASH-GROUP` (no `!`)"},
    {{"IKE failed at MM", "proposal mismatch", NULL},
     "the gateway chose an IKE proposal we did not offer; add the gateway's proposal with "
     "`ike = CIPHER-HASH-GROUP` (--ike, no trailing `!`: our defaults follow it)"},
    {{"IKE failed at QM1", "NO_PROPOSAL_CHOSEN", NULL},
     "the gateway accepts none of our ESP proposals (by default AES-GCM, AES with SHA-256 or "
     "SHA-1, 3DES); a gateway that refuses them all most often wants PFS: set `pfs = on` (or "
     "its group, e.g. `pfs = modp1024`) in [ipsec], and remove `esp =` (--esp) or its "
     "trailing `!` so that all of ours are offered"},
    {{"IKE failed at QM1", "proposal mismatch", NULL},
     "the gateway's ESP choice (cipher, encapsulation or PFS group) is not one we offered; "
     "set `pfs` to the gateway's group and add its proposal with `esp =` (--esp, no "
     "trailing `!`: our defaults follow it)"},
    /* ---- IKE: identities ---- */
    {{"IKE failed at", "INVALID_ID_INFORMATION", NULL},
     "the gateway refused our identity; set `local-id` (some gateways need the group name, "
     "e.g. `local-id = @group`) and `local-id-type`, and check `remote-id` in [ipsec]"},
    {{"IKE failed at", "identity mismatch", NULL},
     "the gateway identified itself differently from `remote-id`; correct `remote-id` (and "
     "`remote-id-type`) or remove it to accept what the gateway sends"},
    /* ---- IKE: authentication ---- */
    {{"IKE failed at MM5", "pre-shared key", NULL},
     "the gateway and we have different keys: wrong pre-shared key; check `psk` / `psk-file` "
     "(--psk-file) in [ipsec]"},
    {{"IKE failed at MM5", "AUTHENTICATION_FAILED", NULL},
     "the gateway rejected our authentication: wrong pre-shared key or certificate; check "
     "`psk` / `psk-file` (or `cert`, `key`) in [ipsec]"},
    {{"IKE failed at MM5", "INVALID_HASH_INFORMATION", NULL},
     "the gateway could not verify our hash: wrong pre-shared key; check `psk` / `psk-file` "
     "(--psk-file) in [ipsec]"},
    {{"IKE failed at MM5", "INVALID_PAYLOAD_TYPE", NULL},
     "the gateway could not decrypt our authentication: wrong pre-shared key; check `psk` / "
     "`psk-file` (--psk-file) in [ipsec]"},
    {{"IKE failed at MM5", "authentication failed", NULL},
     "the gateway's certificate or signature did not verify; check `ca`, `cert`, `key` and "
     "`remote-id` in [ipsec]"},
    /* ---- IKE: NAT ---- */
    {{"IKE failed at", "NAT policy", "forced"},
     "the gateway does not support NAT traversal, which the userspace data path needs; try "
     "`datapath = kernel` with `force-encaps = no`"},
    {{"IKE failed at", "NAT policy", NULL},
     "a NAT is in the way and the NAT policy refuses it; set `assume-udp-encapsulation = 2` in "
     "[ipsec]"},
    /* ---- IKE: silence and endings ---- */
    {{"IKE failed at MM1", "timeout", NULL},
     "the gateway does not answer: it is unreachable, the address is wrong or UDP 500 is "
     "blocked on this network; check `host` in [gateway] and the firewall"},
    {{"IKE failed at MM3", "timeout", NULL},
     "the gateway went silent after accepting our proposal (key exchange refused or "
     "fragments lost); try `dh2048 = off` or another `ike =` group"},
    {{"IKE failed at MM5", "timeout", NULL},
     "the gateway did not answer our authentication: wrong pre-shared key (some gateways stay "
     "silent) or UDP 4500 blocked; check `psk` and the firewall"},
    {{"IKE failed at QM1", "timeout", NULL},
     "the gateway did not answer Quick Mode: it silently refuses our ESP proposals or "
     "identity; check `esp =`, `pfs` and `local-id` in [ipsec]"},
    {{"IKE failed at", "dead peer", NULL},
     "the gateway stopped answering dead peer detection: the network or the gateway went "
     "away; reconnect (`reconnect = yes` does it by itself)"},
    {{"IKE failed at", "deleted by the gateway", NULL},
     "the gateway ended the IPsec connection (administrator, idle or session limit); "
     "reconnect"},
    {{"IKE could not start", NULL, NULL},
     "the IKE ports could not be opened; stop other IPsec software using UDP 500/4500 "
     "(charon, racoon) or check the network"},
    /* ---- L2TP ---- */
    {{"L2TP", "no answer from the LNS to SCCRQ", NULL},
     "IPsec is up but the gateway's L2TP does not answer; try `port = ephemeral` (or `port = "
     "1701`) in [l2tp], and check that the gateway serves L2TP"},
    {{"L2TP", "tunnel secret", NULL},
     "L2TP tunnel authentication failed; set or correct `secret` / `secret-file` in [l2tp]"},
    {{"L2TP", "tunnel challenge", NULL},
     "the gateway did not answer our L2TP tunnel challenge; remove `secret` from [l2tp] or "
     "set the same secret on the gateway"},
    {{"L2TP", "not authorized", NULL},
     "the gateway does not let us open an L2TP tunnel; check `secret` in [l2tp] and that "
     "this user or host may connect"},
    {{"L2TP", "kernel L2TP", NULL},
     "the kernel L2TP data path failed (module l2tp_ppp missing?); try `datapath = "
     "userspace` in [client]"},
    {{"L2TP", "tunnel dead", NULL},
     "the gateway stopped answering L2TP: the network or the gateway went away; reconnect"},
    {{"L2TP", "facilities", NULL},
     "the gateway has no free L2TP sessions (licence or pool exhausted); try later or ask "
     "its administrator"},
    {{"L2TP closed by the gateway", NULL, NULL},
     "the gateway closed the L2TP tunnel (see its reason); reconnect, and ask its "
     "administrator if it repeats"},
    /* ---- PPP ---- */
    {{"this connection refuses", NULL, NULL},
     "a weaker PPP method lets anyone with the PSK pose as the gateway and learn the "
     "password; allow it (as the message says) only if the gateway cannot use MS-CHAPv2"},
    {{"offers no PPP authentication", NULL, NULL},
     "without PPP authentication the gateway proves nothing beyond the PSK; allow it only "
     "if the gateway cannot use MS-CHAPv2"},
    {{"demands MPPE", NULL, NULL},
     "turn off MPPE (require-mppe) on the gateway: the IPsec SA already encrypts"},
    {{"PPP authentication", "no answer to PAP", NULL},
     "the gateway ignores PAP; allow another method: `auth-methods = mschapv2, chap` in "
     "[ppp]"},
    {{"PPP authentication", "no Challenge", NULL},
     "the gateway does not use the method we asked for; try `auth-methods = pap` (or "
     "mschapv2) in [ppp]"},
    {{"PPP authentication", "one-time password was used", NULL},
     "a new PPP session needs a new one-time code and nobody could be asked; connect from "
     "a terminal, or set `password-prompt = ask-password` in [ppp] for services"},
    {{"PPP authentication", NULL, NULL},
     "user name or password rejected; check `user` (a Windows domain is DOMAIN\\user) and "
     "`password` / `password-file` in [ppp], or try another `auth-methods` (e.g. pap)"},
    {{"PPP down", "authentication failed", NULL},
     "user name or password rejected; check `user`, `password` / `password-file` and "
     "`auth-methods` in [ppp]"},
    {{"PPP down", "peer failed to authenticate", NULL},
     "the authentication methods do not match the gateway's; try `auth-methods = pap` (or "
     "mschapv2, chap) in [ppp]"},
    {{"PPP down", "negotiation failed", NULL},
     "PPP options were not agreed (MTU/MRU or authentication method); try `mtu = 1280` and "
     "`mru = 1280`, or other `auth-methods` in [ppp]"},
    {{"PPP down", "not responding to echo", NULL},
     "the gateway stopped answering LCP echoes: the network or the gateway went away; "
     "reconnect (raise `lcp-echo-failure` on a lossy link)"},
    {{"PPP down", "terminated by peer", NULL},
     "the gateway ended the PPP link (administrator, idle or session limit); reconnect"},
    {{"PPP down", "lower layer down", NULL},
     "the L2TP session under PPP went away: the network or the gateway; reconnect"},
    {{"PPP down", "loopback", NULL},
     "PPP sees its own messages: a loop on the path or gateway misconfiguration; check "
     "`host` in [gateway]"},
    /* ---- local ---- */
    {{"datapath = kernel is not possible", NULL, NULL},
     "the kernel data path is not available here; set `datapath = auto` or `userspace` in "
     "[client]"},
    {{"cannot install the IPsec SA", NULL, NULL},
     "the kernel refused the IPsec SA (xfrm modules missing?); try `datapath = userspace` in "
     "[client]"},
};

static bool rule_matches(const struct rule *r, const char *line)
{
	for (size_t i = 0; i < sizeof(r->needle) / sizeof(r->needle[0]); i++)
		if (r->needle[i] && !strstr(line, r->needle[i]))
			return false;
	return true;
}

static const char *exit_stage(int exit_code)
{
	switch (exit_code) {
	case CONN_EXIT_CONFIG:
		return "configuration";
	case CONN_EXIT_NETWORK:
		return "network";
	case CONN_EXIT_IKE:
		return "IKE";
	case CONN_EXIT_L2TP:
		return "L2TP";
	case CONN_EXIT_PPP_AUTH:
		return "PPP authentication";
	case CONN_EXIT_PPP:
		return "PPP";
	case CONN_EXIT_PEER_CLOSED:
		return "connected";
	case CONN_EXIT_GW_AUTH:
		return "gateway authentication";
	default:
		return "local setup";
	}
}

/* "IKE failed at MM3: ..." names its stage; the others are named by layer. */
static void line_stage(int exit_code, const char *line, char *out, size_t outsz)
{
	static const char at[] = "IKE failed at ";
	const char *p = strstr(line, at);

	if (p) {
		const char *name = p + sizeof(at) - 1;
		int n = (int)strcspn(name, ":");

		snprintf(out, outsz, "IKE %s(%.*s)",
		         name[0] == 'M' && name[1] == 'M'   ? "Main Mode "
		         : name[0] == 'Q' && name[1] == 'M' ? "Quick Mode "
		                                            : "",
		         n > 20 ? 20 : n, name);
	} else if (strncmp(line, "L2TP", 4) == 0) {
		snprintf(out, outsz, "L2TP");
	} else if (strncmp(line, "PPP authentication", 18) == 0) {
		snprintf(out, outsz, "PPP authentication");
	} else if (strncmp(line, "PPP", 3) == 0) {
		snprintf(out, outsz, "PPP");
	} else {
		snprintf(out, outsz, "%s", exit_stage(exit_code));
	}
}

static const char *fallback_advice(int exit_code)
{
	switch (exit_code) {
	case CONN_EXIT_CONFIG:
		return "the profile is not usable; run `l2tpsec check` on it";
	case CONN_EXIT_NETWORK:
		return "no way to the gateway; check `host` in [gateway], name resolution and the "
		       "network";
	case CONN_EXIT_PEER_CLOSED:
		return "the connection was lost; reconnect";
	case CONN_EXIT_GW_AUTH:
		return "the gateway refused our credentials; check `psk` / `psk-file` (or `cert`, "
		       "`key`, `ca`) in [ipsec] and `secret` in [l2tp]";
	default:
		return "no known cause; see `l2tpsec log` for the details";
	}
}

int explain_failure(int exit_code, const char *failure_line, char *out, size_t outsz)
{
	const char *line = failure_line ? failure_line : "";
	char stage[48];

	if (outsz == 0)
		return 0;
	line_stage(exit_code, line, stage, sizeof(stage));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rule_matches(&rules[i], line)) {
			snprintf(out, outsz, "%s: %s", stage, rules[i].advice);
			return 1;
		}
	}
	if (line[0])
		snprintf(out, outsz, "%s: %s (%s)", stage, fallback_advice(exit_code), line);
	else
		snprintf(out, outsz, "%s: %s", stage, fallback_advice(exit_code));
	return 0;
}
