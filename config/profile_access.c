/* Profile values about who may do what: the PPP authentication methods the
 * gateway may ask for, and the group that may use the control socket. */
#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "config/profile.h"
#include "config/profile_names.h"
#include "lib/util.h"

const char *const profile_auth_method_names[4] = {"pap", "chap", "mschapv2", "none"};

const char *profile_parse_auth_methods(const char *v, unsigned *out)
{
	const char *const *names = profile_auth_method_names;
	char buf[256], *tok, *save = NULL;
	unsigned methods = 0;

	if (strlen(v) >= sizeof(buf))
		return "list too long";
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		size_t i = 0;

		if (strcmp(tok, "eap") == 0)
			return "EAP is not supported; l2tpsec always refuses it";
		if (strcmp(tok, "mschap") == 0)
			return "MS-CHAP (version 1) is not supported; use mschapv2";
		while (i < ARRAY_SIZE(profile_auth_method_names) && strcmp(tok, names[i]) != 0)
			i++;
		if (i == ARRAY_SIZE(profile_auth_method_names))
			return "unknown method (expected pap, chap, mschapv2, none)";
		methods |= 1u << i;
	}
	if (!methods)
		return "no method given";
	*out = methods;
	return NULL;
}

const char *profile_parse_control_group(const char *v, struct profile *p)
{
	char buf[PROFILE_GROUP_MAX], *colon;
	bool control = false;

	/* "GROUP" (status only) or "GROUP:control" (also disconnect, log) */
	if (strlen(v) >= sizeof(buf))
		return "group name too long";
	snprintf(buf, sizeof(buf), "%s", v);
	colon = strchr(buf, ':');
	if (colon) {
		if (strcmp(colon + 1, "control") != 0)
			return "expected GROUP or GROUP:control";
		*colon = '\0';
		control = true;
	}
	if (!buf[0] || strspn(buf, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
	                   strlen(buf))
		return "not a group name";
	snprintf(p->control_group, sizeof(p->control_group), "%s", buf);
	p->control_group_may_control = control;
	return NULL;
}
