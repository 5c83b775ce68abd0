/*
 * test-pvdev.c - a PV vbd/vif between dom0 and a stub domain
 * (stubdom-proto/pvdev.h) against a scripted backend (dom0's connection,
 * as blkback/netback move their state) and a scripted frontend (the stub's
 * own, unprivileged connection, as blkfront/netfront do), over the
 * in-memory xenstore.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "stubdom-proto/pvdev.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/proto/helpers.h"

#define FE "/local/domain/6/device/vbd/51712"
#define BE "/local/domain/0/backend/vbd/6/51712"
#define VFE "/local/domain/6/device/vif/0"
#define VBE "/local/domain/0/backend/vif/6/0"

enum peer_mode {
	PEER_NORMAL,	 /* blkback/blkfront: 1 -> 2, 3, 4 */
	PEER_BE_STUCK,	 /* the backend stops at InitWait */
	PEER_FE_GARBAGE, /* the frontend writes "x9" */
	PEER_BE_CLOSE,	 /* the backend fails: error node, state 6 */
};

static struct fx f;
static enum peer_mode mode;
static const char *pfe, *pbe;
static bool done, hotplug_fail;
static unsigned int hotplugs, calls, hotplug_not_yet;
static int hotplug_be_state;
static struct pvdev_result last;
static char last_err[PVDEV_ERR_MAX];
static struct pvdev *pv;

static int st(struct xsp *xs, const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/state", dir);
	return atoi(fx_read(xs, path));
}

static void set(struct xsp *xs, const char *dir, const char *key,
		const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	ck_assert_int_eq(xsp_write_str(xs, 0, path, val), 0);
}

static void peer_cb(struct xsp *xs, const char *path, void *arg)
{
	char hp[256];
	int be = st(f.dom0, pbe), fe = st(f.stub, pfe);
	bool hotplugged;

	snprintf(hp, sizeof(hp), "%s/hotplug-status", pbe);
	hotplugged =
	    !strstr(pbe, "/vif/") || !strcmp(fx_read(f.dom0, hp), "connected");
	if (be == 1 && mode == PEER_BE_CLOSE) {
		ck_assert_int_eq(
		    xsp_write_str(f.dom0, 0,
				  "/local/domain/0/error/backend/vbd/6/51712/"
				  "error",
				  "2 opening /dev/loop7"),
		    0);
		set(f.dom0, pbe, "state", "6");
	} else if (be == 1)
		set(f.dom0, pbe, "state", "2");
	else if (be == 2 && fe == 1)
		set(f.stub, pfe, "state", mode == PEER_FE_GARBAGE ? "x9" : "3");
	else if (be == 2 && fe == 3 && hotplugged && mode != PEER_BE_STUCK)
		set(f.dom0, pbe, "state", "4");
	else if (be == 4 && fe == 3)
		set(f.stub, pfe, "state", "4");
}

static void done_cb(const struct pvdev_result *res, void *arg)
{
	calls++;
	last = *res;
	snprintf(last_err, sizeof(last_err), "%s",
		 res->error ? res->error : "");
	done = true;
}

static int hotplug_cb(void *arg, char *err, size_t errsz)
{
	hotplugs++;
	hotplug_be_state = st(f.dom0, pbe);
	if (hotplug_not_yet) {
		hotplug_not_yet--;
		return PVDEV_HOTPLUG_AGAIN;
	}
	if (hotplug_fail) {
		snprintf(err, errsz, "no bridge xenbr9");
		return -1;
	}
	return 0;
}

static void setup(void)
{
	struct xsp_perm perms[] = {{T_STUB, XSP_PERM_NONE}};

	fx_open(&f);
	ck_assert_int_eq(xsp_mkdir(f.dom0, 0, "/local/domain/6"), 0);
	ck_assert_int_eq(xsp_set_perms(f.dom0, 0, "/local/domain/6", perms, 1),
			 0);
	mode = PEER_NORMAL;
	done = hotplug_fail = false;
	hotplugs = calls = hotplug_not_yet = 0;
	hotplug_be_state = -1;
	last_err[0] = '\0';
	pv = NULL;
}

static void teardown(void)
{
	pvdev_destroy(pv);
	fx_close(&f);
}

static const char *const vbd_be_kv[] = {
    "params", "/dev/loop7",	 "type", "phy", "mode", "w", "dev",
    "xvda",   "physical-device", "7:7",	 NULL};
static const char *const vbd_fe_kv[] = {"virtual-device", "51712",
					"device-type", "disk", NULL};

static void start_vbd(unsigned int timeout_ms)
{
	struct pvdev_config cfg = {
	    .type = PVDEV_VBD,
	    .domain = "vm1",
	    .name = "xvda",
	    .fe_domid = T_STUB,
	    .be_domid = 0,
	    .devid = 51712,
	    .fe_kv = vbd_fe_kv,
	    .be_kv = vbd_be_kv,
	    .timeout_ms = timeout_ms,
	};
	char err[256];

	pfe = FE;
	pbe = BE;
	ck_assert_int_eq(xsp_watch(f.dom0, FE, peer_cb, NULL, NULL), 0);
	ck_assert_int_eq(xsp_watch(f.dom0, BE, peer_cb, NULL, NULL), 0);
	pv = pvdev_new(f.dom0, &cfg, done_cb, NULL, err, sizeof(err));
	ck_assert_msg(pv, "%s", err);
	ck_assert(!done); /* never from inside pvdev_new */
}

static void start_vif(void)
{
	static const char *const be_kv[] = {"mac", "00:16:3e:00:00:01",
					    "bridge", "xenbr0", NULL};
	static const char *const fe_kv[] = {"mac", "00:16:3e:00:00:01", NULL};
	struct pvdev_config cfg = {
	    .type = PVDEV_VIF,
	    .domain = "vm1",
	    .name = "0",
	    .fe_domid = T_STUB,
	    .devid = 0,
	    .fe_kv = fe_kv,
	    .be_kv = be_kv,
	    .hotplug = hotplug_cb,
	};
	char err[256];

	pfe = VFE;
	pbe = VBE;
	ck_assert_int_eq(xsp_watch(f.dom0, VFE, peer_cb, NULL, NULL), 0);
	ck_assert_int_eq(xsp_watch(f.dom0, VBE, peer_cb, NULL, NULL), 0);
	pv = pvdev_new(f.dom0, &cfg, done_cb, NULL, err, sizeof(err));
	ck_assert_msg(pv, "%s", err);
}

START_TEST(a_vbd_connects_when_both_ends_reach_4)
{
	start_vbd(0);
	ck_assert(fx_until(&f, &done));
	ck_assert_int_eq(last.rc, 0);
	ck_assert_ptr_null(last.error);
	ck_assert_int_eq(last.fe_state, 4);
	ck_assert_int_eq(last.be_state, 4);
	ck_assert_str_eq(fx_read(f.stub, FE "/backend"), BE);
	ck_assert_str_eq(fx_read(f.stub, FE "/backend-id"), "0");
	ck_assert_str_eq(fx_read(f.stub, FE "/virtual-device"), "51712");
	ck_assert_str_eq(fx_read(f.stub, BE "/frontend"), FE);
	ck_assert_str_eq(fx_read(f.stub, BE "/frontend-id"), "6");
	ck_assert_str_eq(fx_read(f.stub, BE "/online"), "1");
	ck_assert_str_eq(fx_read(f.stub, BE "/params"), "/dev/loop7");
	ck_assert_str_eq(fx_read(f.stub, BE "/physical-device"), "7:7");
	fx_settle(&f);
	ck_assert_uint_eq(calls, 1);
}
END_TEST

START_TEST(the_stub_may_write_its_frontend_but_not_the_backend)
{
	start_vbd(0);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, FE "/ring-ref", "8"), 0);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, BE "/params", "/etc/shadow"),
			 -EACCES);
	ck_assert_int_eq(xsp_write_str(f.guest, 0, FE "/state", "4"), -EACCES);
}
END_TEST

START_TEST(a_vif_runs_its_hotplug_hook_at_initwait_before_connecting)
{
	start_vif();
	ck_assert(fx_until(&f, &done));
	ck_assert_int_eq(last.rc, 0);
	ck_assert_uint_eq(hotplugs, 1);
	ck_assert_int_eq(hotplug_be_state, 2);
	ck_assert_str_eq(fx_read(f.dom0, VBE "/hotplug-status"), "connected");
	ck_assert_str_eq(fx_read(f.dom0, VBE "/handle"), "0");
	ck_assert_str_eq(fx_read(f.dom0, VBE "/bridge"), "xenbr0");
	ck_assert_str_eq(fx_read(f.stub, VFE "/mac"), "00:16:3e:00:00:01");
}
END_TEST

/* netback writes InitWait before it registers vif<stub>.<i>. */
START_TEST(a_hotplug_hook_that_is_not_ready_yet_is_called_again)
{
	hotplug_not_yet = 3;
	start_vif();
	ck_assert(fx_until(&f, &done));
	ck_assert_int_eq(last.rc, 0);
	ck_assert_uint_ge(hotplugs, 4);
	ck_assert_uint_eq(hotplug_not_yet, 0);
	ck_assert_str_eq(fx_read(f.dom0, VBE "/hotplug-status"), "connected");
}
END_TEST

START_TEST(a_failing_hotplug_names_the_device_and_the_reason)
{
	hotplug_fail = true;
	start_vif();
	ck_assert(fx_until(&f, &done));
	ck_assert_int_eq(last.rc, -EIO);
	ck_assert_str_eq(last_err, "vm1: vif 0: hotplug failed: no bridge "
				   "xenbr9");
	ck_assert_str_ne(fx_read(f.dom0, VBE "/hotplug-status"), "connected");
}
END_TEST

START_TEST(a_stuck_backend_times_out_naming_domain_device_and_state)
{
	mode = PEER_BE_STUCK;
	start_vbd(1000);
	ck_assert(fx_until(&f, &done));
	ck_assert_int_eq(last.rc, -ETIMEDOUT);
	ck_assert_str_eq(last_err,
			 "vm1: vbd xvda: backend state stuck at 2 after 1 s");
	fx_settle(&f);
	ck_assert_uint_eq(calls, 1);
}
END_TEST

START_TEST(a_frontend_state_that_is_no_xenbus_state_is_refused)
{
	mode = PEER_FE_GARBAGE;
	start_vbd(0);
	ck_assert(fx_until(&f, &done));
	ck_assert_int_eq(last.rc, -EPROTO);
	ck_assert_str_eq(last_err, "vm1: vbd xvda: frontend state 'x9' is not "
				   "a xenbus state");
}
END_TEST

START_TEST(a_closing_backend_reports_its_own_error)
{
	mode = PEER_BE_CLOSE;
	start_vbd(0);
	ck_assert(fx_until(&f, &done));
	ck_assert_int_eq(last.rc, -ECONNRESET);
	ck_assert_str_eq(last_err, "vm1: vbd xvda: backend closed (state 6): "
				   "2 opening /dev/loop7");
}
END_TEST

START_TEST(destroy_removes_both_ends_and_the_error_node)
{
	mode = PEER_BE_CLOSE;
	start_vbd(0);
	ck_assert(fx_until(&f, &done));
	pvdev_destroy(pv);
	pv = NULL;
	ck_assert_str_eq(fx_read(f.dom0, FE), "<errno 2>");
	ck_assert_str_eq(fx_read(f.dom0, BE), "<errno 2>");
	ck_assert_str_eq(
	    fx_read(f.dom0, "/local/domain/0/error/backend/vbd/6/51712"),
	    "<errno 2>");
}
END_TEST

START_TEST(destroy_before_the_end_never_calls_back)
{
	mode = PEER_BE_STUCK;
	start_vbd(0);
	fx_settle(&f);
	pvdev_destroy(pv);
	pv = NULL;
	fx_settle(&f);
	ck_assert_uint_eq(calls, 0);
	ck_assert_str_eq(fx_read(f.dom0, BE), "<errno 2>");
}
END_TEST

static void destroy_in_cb(const struct pvdev_result *res, void *arg)
{
	done_cb(res, arg);
	pvdev_destroy(pv);
	pv = NULL;
}

START_TEST(the_done_callback_may_destroy_the_device)
{
	struct pvdev_config cfg = {.type = PVDEV_VBD,
				   .domain = "vm1",
				   .name = "xvda",
				   .fe_domid = T_STUB,
				   .devid = 51712};
	char err[256];

	pfe = FE;
	pbe = BE;
	ck_assert_int_eq(xsp_watch(f.dom0, BE, peer_cb, NULL, NULL), 0);
	ck_assert_int_eq(xsp_watch(f.dom0, FE, peer_cb, NULL, NULL), 0);
	pv = pvdev_new(f.dom0, &cfg, destroy_in_cb, NULL, err, sizeof(err));
	ck_assert(pv);
	ck_assert(fx_until(&f, &done));
	fx_settle(&f);
	ck_assert_uint_eq(calls, 1);
	ck_assert_str_eq(fx_read(f.dom0, FE), "<errno 2>");
}
END_TEST

START_TEST(xvd_names_and_numbers_follow_the_vbd_scheme)
{
	unsigned int id;
	char name[8];

	ck_assert_int_eq(pvdev_xvd(0, &id, name, sizeof(name)), 0);
	ck_assert_uint_eq(id, 51712);
	ck_assert_str_eq(name, "xvda");
	ck_assert_int_eq(pvdev_xvd(15, &id, name, sizeof(name)), 0);
	ck_assert_uint_eq(id, 51952);
	ck_assert_str_eq(name, "xvdp");
	ck_assert_int_eq(pvdev_xvd(16, &id, name, sizeof(name)), -EINVAL);
}
END_TEST

static Suite *pvdev_suite(void)
{
	Suite *s = suite_create("pvdev");
	TCase *tc = tcase_create("pvdev");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_vbd_connects_when_both_ends_reach_4);
	tcase_add_test(tc, the_stub_may_write_its_frontend_but_not_the_backend);
	tcase_add_test(
	    tc, a_vif_runs_its_hotplug_hook_at_initwait_before_connecting);
	tcase_add_test(tc,
		       a_hotplug_hook_that_is_not_ready_yet_is_called_again);
	tcase_add_test(tc, a_failing_hotplug_names_the_device_and_the_reason);
	tcase_add_test(
	    tc, a_stuck_backend_times_out_naming_domain_device_and_state);
	tcase_add_test(tc, a_frontend_state_that_is_no_xenbus_state_is_refused);
	tcase_add_test(tc, a_closing_backend_reports_its_own_error);
	tcase_add_test(tc, destroy_removes_both_ends_and_the_error_node);
	tcase_add_test(tc, destroy_before_the_end_never_calls_back);
	tcase_add_test(tc, the_done_callback_may_destroy_the_device);
	tcase_add_test(tc, xvd_names_and_numbers_follow_the_vbd_scheme);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(pvdev_suite());
}
