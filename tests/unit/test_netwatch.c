/* sys/netwatch in a private network namespace (needs root; skipped
 * otherwise): real rtnetlink events from route, address and link changes,
 * debounced into one callback per roaming event. The tests run in order and
 * share the namespace's state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/netwatch.h"

#define GATEWAY "203.0.113.5"

static struct logger lg;
static bool have_netns;

struct watch {
	struct loop *loop;
	struct netwatch nw;
	int calls;
	char why[160];
};

static int sh(const char *cmd)
{
	char full[512];

	snprintf(full, sizeof(full), "(%s) >/dev/null 2>&1", cmd);
	return system(full);
}

static int setup_netns(void **state)
{
	(void)state;
	if (getuid() != 0 || unshare(CLONE_NEWNET) != 0)
		return 0; /* tests skip themselves */
	have_netns =
	    sh("ip link set lo up && ip link add v0 type veth peer name v1 && "
	       "ip addr add 192.0.2.1/24 dev v0 && ip link set v0 up && "
	       "ip link set v1 up && ip route add default via 192.0.2.254 dev v0 && "
	       "ip link add l2tpsec9 type veth peer name t9p && ip link set l2tpsec9 up && "
	       "ip link set t9p up") == 0;
	return 0;
}

static void path_changed(void *ctx, const char *why)
{
	struct watch *w = ctx;

	w->calls++;
	snprintf(w->why, sizeof(w->why), "%s", why);
}

static const struct netwatch_callbacks cbs = {.path_changed = path_changed};

/* Dispatch events for ms milliseconds (longer than the debounce). */
static void run_for(struct watch *w, int ms)
{
	uint64_t end = loop_now_ms(w->loop) + (uint64_t)ms;

	for (uint64_t now = loop_now_ms(w->loop); now < end; now = loop_now_ms(w->loop))
		assert_true(loop_run_once(w->loop, (int)(end - now)) >= 0);
}

static int start(void **state)
{
	struct watch *w = calloc(1, sizeof(*w));
	struct in_addr gw;

	if (!have_netns) {
		*state = w;
		return 0;
	}
	inet_pton(AF_INET, GATEWAY, &gw);
	w->loop = loop_new();
	if (!w->loop || netwatch_start(&w->nw, w->loop, &lg, gw, &cbs, w) < 0)
		return -1;
	*state = w;
	return 0;
}

static int stop(void **state)
{
	struct watch *w = *state;

	if (w->loop) {
		netwatch_stop(&w->nw);
		loop_free(w->loop);
	}
	free(w);
	return 0;
}

static struct watch *ready(void **state)
{
	struct watch *w = *state;

	if (!have_netns)
		skip();
	run_for(w, 50);
	w->calls = 0;
	return w;
}

static void test_initial_path(void **state)
{
	struct watch *w = ready(state);
	struct netwatch_path p;
	char addr[INET_ADDRSTRLEN];

	assert_int_equal(netwatch_lookup(&w->nw, &p), 0);
	assert_true(p.valid);
	assert_true(p.up);
	assert_int_equal(p.ifindex, (int)if_nametoindex("v0"));
	assert_string_equal(inet_ntop(AF_INET, &p.via, addr, sizeof(addr)), "192.0.2.254");
	assert_string_equal(inet_ntop(AF_INET, &p.src, addr, sizeof(addr)), "192.0.2.1");
	/* nothing happened: no callback */
	run_for(w, 400);
	assert_int_equal(w->calls, 0);
}

static void test_new_next_hop_gives_one_callback(void **state)
{
	struct watch *w = ready(state);

	/* a burst of changes, as a roam or DHCP renewal makes */
	assert_int_equal(sh("ip route replace default via 192.0.2.252 dev v0 && "
	                    "ip route add 198.51.100.0/24 via 192.0.2.252 && "
	                    "ip route replace default via 192.0.2.253 dev v0"),
	                 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 1);
	assert_non_null(strstr(w->why, "path to the gateway changed"));
	assert_non_null(strstr(w->why, "via 192.0.2.253"));
	/* a change that does not touch the path to the gateway */
	assert_int_equal(sh("ip route del 198.51.100.0/24"), 0);
	run_for(w, 600);
	assert_int_equal(w->calls, 1);
}

static void test_our_routes_and_tunnel_ignored(void **state)
{
	struct watch *w = ready(state);
	int tun = (int)if_nametoindex("l2tpsec9");

	netwatch_set_tunnel_ifindex(&w->nw, tun);
	/* what netcfg does when the tunnel comes up: all would win the
	 * lookup for the gateway if they counted */
	assert_int_equal(sh("ip addr add 10.9.0.2 peer 10.9.0.1 dev l2tpsec9 && "
	                    "ip route add " GATEWAY " via 192.0.2.200 dev v0 proto 157 && "
	                    "ip route add 0.0.0.0/1 dev l2tpsec9 proto 157 && "
	                    "ip route add 203.0.113.0/24 dev l2tpsec9"),
	                 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 0);

	/* the same kind of route via an interface we do not ignore counts */
	netwatch_set_tunnel_ifindex(&w->nw, 0);
	assert_int_equal(sh("ip route add 203.0.113.0/25 dev l2tpsec9"), 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 1);
	assert_non_null(strstr(w->why, "dev l2tpsec9"));
	assert_int_equal(sh("ip route del 203.0.113.0/25 dev l2tpsec9 && "
	                    "ip route del 203.0.113.0/24 dev l2tpsec9 && "
	                    "ip route del 0.0.0.0/1 dev l2tpsec9 proto 157 && "
	                    "ip route del " GATEWAY " proto 157"),
	                 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 2); /* back on v0 */
	assert_non_null(strstr(w->why, "dev v0 via 192.0.2.253"));
}

static void test_address_vanishes(void **state)
{
	struct watch *w = ready(state);

	assert_int_equal(sh("ip addr del 192.0.2.1/24 dev v0"), 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 1);
	assert_string_equal(w->why, "local address 192.0.2.1 vanished");

	/* a new address (another network) and its default route: one more */
	assert_int_equal(sh("ip addr add 192.0.2.77/24 dev v0 && "
	                    "ip route replace default via 192.0.2.254 dev v0"),
	                 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 2);
	assert_non_null(strstr(w->why, "src 192.0.2.77"));
}

static void test_link_down(void **state)
{
	struct watch *w = ready(state);

	assert_int_equal(sh("ip link set v0 down"), 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 1);
	assert_string_equal(w->why, "interface v0 went down");
	/* still down, more events: no new callback */
	assert_int_equal(sh("ip link set v1 down"), 0);
	run_for(w, 600);
	assert_int_equal(w->calls, 1);
}

/* Stopping from inside the callback, as the supervisor will. */
static void stop_in_callback(void *ctx, const char *why)
{
	struct watch *w = ctx;

	(void)why;
	w->calls++;
	netwatch_stop(&w->nw);
}

static void test_stop_from_callback(void **state)
{
	static const struct netwatch_callbacks stopper = {.path_changed = stop_in_callback};
	struct watch *w = ready(state);
	struct in_addr gw;

	netwatch_stop(&w->nw);
	inet_pton(AF_INET, GATEWAY, &gw);
	assert_int_equal(netwatch_start(&w->nw, w->loop, &lg, gw, &stopper, w), 0);
	assert_int_equal(sh("ip link set v1 up && ip link set v0 up && "
	                    "ip route replace default via 192.0.2.254 dev v0"),
	                 0);
	run_for(w, 800);
	assert_int_equal(w->calls, 1);
	assert_false(w->nw.running);
	netwatch_stop(&w->nw); /* again: harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_initial_path, start, stop),
	    cmocka_unit_test_setup_teardown(test_new_next_hop_gives_one_callback, start, stop),
	    cmocka_unit_test_setup_teardown(test_our_routes_and_tunnel_ignored, start, stop),
	    cmocka_unit_test_setup_teardown(test_address_vanishes, start, stop),
	    cmocka_unit_test_setup_teardown(test_link_down, start, stop),
	    cmocka_unit_test_setup_teardown(test_stop_from_callback, start, stop),
	};

	log_init(&lg, LOG_TO_STDERR_PLAIN, LOG_LVL_WARNING);
	return cmocka_run_group_tests_name("netwatch", tests, setup_netns, NULL);
}
