/* The words of l2tpsec.conf(5) for the profile's enums, shared by its
 * reader (config/settings.c) and writer (config/profile_write.c). */
#ifndef L2TPSEC_CONFIG_PROFILE_NAMES_H
#define L2TPSEC_CONFIG_PROFILE_NAMES_H

extern const char *const profile_auth_names[];
extern const char *const profile_id_type_names[5];
extern const char *const profile_dh2048_names[];
/* ike-fragmentation, in enum profile_ike_frag order */
extern const char *const profile_ike_frag_names[3];
extern const char *const profile_port_names[];
extern const char *const profile_datapath_names[];
extern const char *const profile_queue_names[];
/* auth-methods: bit i of PROFILE_PPP_* is names[i] */
extern const char *const profile_auth_method_names[4];
/* password-prompt and password-type, in enum order */
extern const char *const profile_prompt_names[3];
extern const char *const profile_pwtype_names[2];
/* ipv6, in enum profile_ipv6 order */
extern const char *const profile_ipv6_names[3];
/* family, in enum profile_family order */
extern const char *const profile_family_names[3];

#endif
