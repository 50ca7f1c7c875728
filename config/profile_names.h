/* The words of l2tpsec.conf(5) for the profile's enums, shared by its
 * reader (config/profile_ini.c) and writer (config/profile_write.c). */
#ifndef L2TPSEC_CLIENT_PROFILE_NAMES_H
#define L2TPSEC_CLIENT_PROFILE_NAMES_H

extern const char *const profile_auth_names[];
extern const char *const profile_id_type_names[];
extern const char *const profile_dh2048_names[];
extern const char *const profile_port_names[];
extern const char *const profile_datapath_names[];
/* password-prompt and password-type, in enum order */
static const char *const profile_prompt_names[] = {"auto", "ask-password", "no"};
static const char *const profile_pwtype_names[] = {"password", "otp"};
/* ipv6, in enum profile_ipv6 order */
static const char *const profile_ipv6_names[] = {"auto", "off", "leak-ok"};

#endif
