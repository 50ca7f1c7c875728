/*
 * nm-l2tpsec-service: NetworkManager's VPN service for l2tpsec.
 *
 * NetworkManager starts it (the .name file in /usr/lib/NetworkManager/VPN)
 * and hands it a VPN connection of NetworkManager-l2tp's service type or
 * ours, with its secrets. We write that connection, as NetworkManager's own
 * keyfile, into a private directory (0700, the file 0600) and run
 *   l2tpsec connect --nm FILE --name NAME --hook HELPER
 * so that l2tpsec maps the settings with the same code as `l2tpsec import`
 * (config/nmconn.c) and checks the file like any secret file. Secrets never
 * reach argv or the environment. l2tpsec runs the helper as its hook, with
 * the vpnc-script environment; the helper writes what it was told into the
 * same directory and pokes a fifo, and we pass it on to NetworkManager as
 * the IPv4 configuration (address, peer, DNS, routes, MTU).
 *
 * GLib and libnm live here only: l2tpsec itself stays free of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <NetworkManager.h>

#include "nm/nm-l2tpsec-config.h"

#define NM_L2TPSEC_STOP_TIMEOUT_MS 15000

typedef struct {
	NMVpnServicePlugin parent;
	GPid pid; /* l2tpsec connect, 0 when none */
	guint child_watch;
	guint fifo_watch;
	int fifo_fd;
	char *dir;         /* private directory of the running connection */
	gboolean stopping; /* we asked l2tpsec to stop: its exit is no failure */
	gboolean connected;
} NmL2tpsecPlugin;

typedef struct {
	NMVpnServicePluginClass parent;
} NmL2tpsecPluginClass;

static GType nm_l2tpsec_plugin_get_type(void);
G_DEFINE_TYPE(NmL2tpsecPlugin, nm_l2tpsec_plugin, NM_TYPE_VPN_SERVICE_PLUGIN)
#define NM_L2TPSEC_PLUGIN(o)                                                                       \
	(G_TYPE_CHECK_INSTANCE_CAST((o), nm_l2tpsec_plugin_get_type(), NmL2tpsecPlugin))

/* ---- the private directory ------------------------------------------------ */

static void remove_dir(NmL2tpsecPlugin *self)
{
	static const char *const files[] = {NM_L2TPSEC_KEYFILE, NM_L2TPSEC_CONFIG_FILE,
	                                    NM_L2TPSEC_CONFIG_FILE ".tmp", NM_L2TPSEC_FIFO};

	if (self->fifo_watch)
		g_source_remove(self->fifo_watch);
	self->fifo_watch = 0;
	if (self->fifo_fd >= 0)
		close(self->fifo_fd);
	self->fifo_fd = -1;
	if (!self->dir)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(self->dir, files[i], NULL);

		g_unlink(path);
	}
	g_rmdir(self->dir);
	g_clear_pointer(&self->dir, g_free);
}

/* The directory is named after the connection (nm-l2tpsec-config.h), so a
 * directory left by a crashed service is emptied and reused. */
static gboolean make_dir(NmL2tpsecPlugin *self, const char *name, GError **error)
{
	if (g_mkdir_with_parents(NM_L2TPSEC_RUN_DIR, 0700) < 0 ||
	    chmod(NM_L2TPSEC_RUN_DIR, 0700) < 0) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED, "%s: %s",
		            NM_L2TPSEC_RUN_DIR, g_strerror(errno));
		return FALSE;
	}
	self->dir = g_build_filename(NM_L2TPSEC_RUN_DIR, name, NULL);
	if (g_file_test(self->dir, G_FILE_TEST_IS_DIR))
		remove_dir(self);
	self->dir = g_build_filename(NM_L2TPSEC_RUN_DIR, name, NULL);
	if (g_mkdir(self->dir, 0700) < 0) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED, "%s: %s",
		            self->dir, g_strerror(errno));
		g_clear_pointer(&self->dir, g_free);
		return FALSE;
	}
	return TRUE;
}

static gboolean write_keyfile(NMConnection *connection, const char *path, GError **error)
{
	gsize len = 0;
	g_autofree char *text = nm_l2tpsec_keyfile(connection, &len);
	gboolean ok = g_file_set_contents_full(path, text, (gssize)len,
	                                       G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);

	explicit_bzero(text, len); /* it holds the secrets */
	return ok;
}

static void send_config(NmL2tpsecPlugin *self, GHashTable *env)
{
	GVariant *cfg = NULL, *ip4 = NULL;

	if (!nm_l2tpsec_ip4_config(env, &cfg, &ip4)) {
		g_warning("the hook's report lacks TUNDEV, VPNGATEWAY or INTERNAL_IP4_ADDRESS");
		return;
	}
	nm_vpn_service_plugin_set_config(NM_VPN_SERVICE_PLUGIN(self), cfg);
	nm_vpn_service_plugin_set_ip4_config(NM_VPN_SERVICE_PLUGIN(self), ip4);
	self->connected = TRUE;
}

static gboolean on_fifo(int fd, GIOCondition cond, gpointer data)
{
	NmL2tpsecPlugin *self = data;
	g_autofree char *path = NULL, *text = NULL;
	g_autoptr(GHashTable) env = NULL;
	char buf[256];
	const char *reason;

	while (read(fd, buf, sizeof(buf)) > 0) /* drain the pokes: the file is what counts */
		;
	path = g_build_filename(self->dir, NM_L2TPSEC_CONFIG_FILE, NULL);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return G_SOURCE_CONTINUE;
	env = nm_l2tpsec_parse_report(text);
	reason = g_hash_table_lookup(env, "reason");
	g_message("l2tpsec hook: %s", reason ? reason : "(no reason)");
	/* A reconnect is a new PPP session: its address may differ. */
	if (reason && (strcmp(reason, "connect") == 0 || strcmp(reason, "reconnect") == 0))
		send_config(self, env);
	return G_SOURCE_CONTINUE;
}

/* ---- l2tpsec connect ------------------------------------------------------ */

/* l2tpsec's exit statuses (l2tpsec(8)): 7 and 10 are authentication. */
static NMVpnPluginFailure failure_for(int status, gboolean connected)
{
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 7 || WEXITSTATUS(status) == 10))
		return NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED;
	return connected ? NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED
	                 : NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG;
}

static void on_child_exit(GPid pid, int status, gpointer data)
{
	NmL2tpsecPlugin *self = data;
	gboolean asked = self->stopping;

	g_message("l2tpsec (pid %d) ended: %s %d", (int)pid,
	          WIFEXITED(status) ? "exit status" : "signal",
	          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	g_spawn_close_pid(pid);
	self->pid = 0;
	self->child_watch = 0;
	remove_dir(self);
	self->stopping = FALSE;
	if (asked)
		return;
	if (!self->connected || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		nm_vpn_service_plugin_failure(NM_VPN_SERVICE_PLUGIN(self),
		                              failure_for(status, self->connected));
	self->connected = FALSE;
	nm_vpn_service_plugin_disconnect(NM_VPN_SERVICE_PLUGIN(self), NULL);
}

static gboolean open_fifo(NmL2tpsecPlugin *self, GError **error)
{
	g_autofree char *path = g_build_filename(self->dir, NM_L2TPSEC_FIFO, NULL);

	/* Read-write: the fifo always has a writer, so no EOF between pokes, and
	 * the helper's open never blocks while we live. */
	if (mkfifo(path, 0600) < 0 ||
	    (self->fifo_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED, "%s: %s",
		            path, g_strerror(errno));
		return FALSE;
	}
	self->fifo_watch = g_unix_fd_add(self->fifo_fd, G_IO_IN, on_fifo, self);
	return TRUE;
}

static gboolean start_l2tpsec(NmL2tpsecPlugin *self, const char *keyfile, const char *name,
                              GError **error)
{
	const char *argv[] = {NM_L2TPSEC_BIN, "connect",         "--nm", keyfile, "--name", name,
	                      "--hook",       NM_L2TPSEC_HELPER, NULL};
	GPid pid;

	if (!g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
	                   error))
		return FALSE;
	g_message("started l2tpsec (pid %d) for %s", (int)pid, name);
	self->pid = pid;
	self->child_watch = g_child_watch_add(pid, on_child_exit, self);
	return TRUE;
}

/* ---- NMVpnServicePlugin --------------------------------------------------- */

static NMSettingVpn *our_vpn_setting(NMConnection *connection, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
	const char *type = s_vpn ? nm_setting_vpn_get_service_type(s_vpn) : NULL;

	if (!type || !nm_l2tpsec_service_type_ok(type)) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
		            "not an L2TP connection (service type %s)", type ? type : "missing");
		return NULL;
	}
	return s_vpn;
}

static gboolean real_connect(NMVpnServicePlugin *plugin, NMConnection *connection, GError **error)
{
	NmL2tpsecPlugin *self = NM_L2TPSEC_PLUGIN(plugin);
	NMSettingVpn *s_vpn = our_vpn_setting(connection, error);
	char name[NM_L2TPSEC_NAME_MAX];
	g_autofree char *keyfile = NULL;

	if (!s_vpn)
		return FALSE;
	if (self->pid) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_WRONG_STATE,
		            "a connection is already running");
		return FALSE;
	}
	nm_l2tpsec_name_for(nm_connection_get_uuid(connection), name, sizeof(name));
	if (!make_dir(self, name, error))
		return FALSE;
	keyfile = g_build_filename(self->dir, NM_L2TPSEC_KEYFILE, NULL);
	if (!write_keyfile(connection, keyfile, error) || !open_fifo(self, error) ||
	    !start_l2tpsec(self, keyfile, name, error)) {
		remove_dir(self);
		return FALSE;
	}
	self->connected = FALSE;
	self->stopping = FALSE;
	return TRUE;
}

static gboolean real_need_secrets(NMVpnServicePlugin *plugin, NMConnection *connection,
                                  const char **setting_name, GError **error)
{
	NMSettingVpn *s_vpn = our_vpn_setting(connection, error);
	const char *missing;

	if (!s_vpn)
		return FALSE;
	missing = nm_l2tpsec_missing_secret(s_vpn);
	if (!missing)
		return FALSE;
	g_message("secret '%s' missing: asking NetworkManager's agents", missing);
	*setting_name = NM_SETTING_VPN_SETTING_NAME;
	return TRUE;
}

/* Waits for l2tpsec to undo everything (l2tpsec(8): SIGTERM is disconnect),
 * so that NetworkManager reports the connection down only once it is. */
static void stop_l2tpsec(NmL2tpsecPlugin *self)
{
	int status = 0;
	gint64 deadline;

	if (!self->pid)
		return;
	self->stopping = TRUE;
	if (self->child_watch)
		g_source_remove(self->child_watch);
	self->child_watch = 0;
	kill(self->pid, SIGTERM);
	deadline = g_get_monotonic_time() + NM_L2TPSEC_STOP_TIMEOUT_MS * 1000;
	while (waitpid(self->pid, &status, WNOHANG) == 0) {
		if (g_get_monotonic_time() > deadline) {
			g_warning("l2tpsec (pid %d) did not stop in %d s: killed", (int)self->pid,
			          NM_L2TPSEC_STOP_TIMEOUT_MS / 1000);
			kill(self->pid, SIGKILL);
			waitpid(self->pid, &status, 0);
			break;
		}
		g_usleep(50000);
	}
	g_spawn_close_pid(self->pid);
	self->pid = 0;
	self->stopping = FALSE;
	self->connected = FALSE;
	remove_dir(self);
}

static gboolean real_disconnect(NMVpnServicePlugin *plugin, GError **error)
{
	stop_l2tpsec(NM_L2TPSEC_PLUGIN(plugin));
	return TRUE;
}

static void nm_l2tpsec_plugin_init(NmL2tpsecPlugin *self)
{
	self->fifo_fd = -1;
}

static void dispose(GObject *object)
{
	stop_l2tpsec(NM_L2TPSEC_PLUGIN(object));
	G_OBJECT_CLASS(nm_l2tpsec_plugin_parent_class)->dispose(object);
}

static void nm_l2tpsec_plugin_class_init(NmL2tpsecPluginClass *klass)
{
	NMVpnServicePluginClass *parent = NM_VPN_SERVICE_PLUGIN_CLASS(klass);

	G_OBJECT_CLASS(klass)->dispose = dispose;
	parent->connect = real_connect;
	parent->need_secrets = real_need_secrets;
	parent->disconnect = real_disconnect;
}

/* ---- main ----------------------------------------------------------------- */

static gboolean on_signal(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static void on_quit(NMVpnServicePlugin *plugin, gpointer loop)
{
	g_main_loop_quit(loop);
}

int main(int argc, char **argv)
{
	gboolean persist = FALSE, debug = FALSE;
	char *bus_name = NULL;
	GOptionEntry entries[] = {
	    {"persist", 0, 0, G_OPTION_ARG_NONE, &persist,
	     "Do not quit when VPN connection terminates", NULL},
	    {"debug", 0, 0, G_OPTION_ARG_NONE, &debug,
	     "Do not watch NetworkManager (for debugging)", NULL},
	    {"bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name,
	     "D-Bus name to use for this instance", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;
	NMVpnServicePlugin *plugin;
	GMainLoop *loop;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx, "NetworkManager's VPN service for l2tpsec (L2TP/IPsec).");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("nm-l2tpsec-service: %s\n", error->message);
		return 1;
	}
	plugin = g_initable_new(nm_l2tpsec_plugin_get_type(), NULL, &error,
	                        NM_VPN_SERVICE_PLUGIN_DBUS_SERVICE_NAME,
	                        bus_name ? bus_name : NM_L2TPSEC_DBUS_SERVICE,
	                        NM_VPN_SERVICE_PLUGIN_DBUS_WATCH_PEER, !debug, NULL);
	if (!plugin) {
		g_printerr("nm-l2tpsec-service: %s\n", error->message);
		return 1;
	}
	loop = g_main_loop_new(NULL, FALSE);
	if (!persist)
		g_signal_connect(plugin, "quit", G_CALLBACK(on_quit), loop);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_main_loop_run(loop);
	g_object_unref(plugin); /* dispose stops a running l2tpsec */
	g_main_loop_unref(loop);
	g_free(bus_name);
	return 0;
}
