/*
 * test-handshake.c - the MiniOS command/parameter/state handshake
 * (stubdom-proto/handshake.h) against a scripted stub domain that talks
 * to the in-memory xenstore through its own, unprivileged connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "stubdom-proto/handshake.h"
#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/proto/helpers.h"

#define DM "/local/domain/0/device-model/5"
#define FLAPS 100000

/* --- a scripted stub domain --- */

enum peer_mode {
	PEER_NORMAL,	  /* answers as qemu-traditional does */
	PEER_SILENT,	  /* never answers */
	PEER_WRONG,	  /* answers "paused" to everything */
	PEER_OVERSIZED,	  /* answers with a 1499-byte state */
	PEER_RM_STATE,	  /* deletes its state node */
	PEER_INSERT_FAIL, /* refuses pci-ins with a reason */
	PEER_FLAP,	  /* flaps state FLAPS times, then turns normal */
};

struct peer {
	struct xsp *xs;
	enum peer_mode mode;
	unsigned int ncmds;
	char cmds[16][32];
	char params[16][64];
	unsigned int done_at_cmd[16]; /* completions seen at each command */
	unsigned long flaps;
	unsigned long state_writes;
};

static struct fx f;
static struct peer peer;
static struct stubdom_hs *hs;
static unsigned int completions;
static char logbuf[8192];

static void peer_state(const char *val)
{
	peer.state_writes++;
	ck_assert_int_eq(xsp_write_str(peer.xs, 0, DM "/state", val), 0);
}

static void peer_answer(const char *cmd)
{
	if (!strcmp(cmd, "pci-ins")) {
		ck_assert_int_eq(
		    xsp_write_str(peer.xs, 0, DM "/parameter", "0x07"), 0);
		peer_state("pci-inserted");
	} else if (!strcmp(cmd, "pci-rem"))
		peer_state("pci-removed");
	else if (!strcmp(cmd, "save"))
		peer_state("paused");
	else if (!strcmp(cmd, "continue"))
		peer_state("running");
}

static void peer_command_cb(struct xsp *xs, const char *path, void *arg)
{
	static char big[1500];
	char *cmd = NULL, *param = NULL;
	unsigned int i = peer.ncmds;

	if (xsp_read(xs, 0, DM "/command", &cmd, NULL) || !*cmd) {
		free(cmd);
		return;
	}
	if (i < 16) {
		snprintf(peer.cmds[i], sizeof(peer.cmds[i]), "%s", cmd);
		xsp_read(xs, 0, DM "/parameter", &param, NULL);
		snprintf(peer.params[i], sizeof(peer.params[i]), "%s",
			 param ? param : "");
		peer.done_at_cmd[i] = completions;
		free(param);
	}
	peer.ncmds++;
	switch (peer.mode) {
	case PEER_NORMAL:
		peer_answer(cmd);
		break;
	case PEER_SILENT:
		break;
	case PEER_WRONG:
		peer_state("paused");
		break;
	case PEER_OVERSIZED:
		memset(big, 'A', sizeof(big) - 1);
		peer_state(big);
		break;
	case PEER_RM_STATE:
		ck_assert_int_eq(xsp_rm(xs, 0, DM "/state"), 0);
		break;
	case PEER_INSERT_FAIL:
		xsp_write_str(xs, 0, DM "/parameter", "no free hotplug slots");
		peer_state("pci-insert-failed");
		break;
	case PEER_FLAP:
		peer.flaps = FLAPS;
		peer_state("bogus");
		break;
	}
	free(cmd);
}

/* Flapping goes through the loop: one write per state event. */
static void peer_state_cb(struct xsp *xs, const char *path, void *arg)
{
	if (peer.mode != PEER_FLAP || !peer.flaps)
		return;
	if (--peer.flaps == 0) {
		peer.mode = PEER_NORMAL;
		peer_state("running");
		return;
	}
	peer_state(peer.flaps % 2 ? "bogus" : "running");
}

/* --- results --- */

struct done {
	bool called;
	unsigned int calls;
	unsigned int order; /* 1-based place among all completions */
	int rc;
	int vdevfn;
	enum stubdom_cmd cmd;
	char error[512];
	char state[128];
	char parameter[128];
};

static void done_cb(const struct stubdom_hs_result *res, void *arg)
{
	struct done *d = arg;

	d->called = true;
	d->calls++;
	d->order = ++completions;
	d->rc = res->rc;
	d->vdevfn = res->vdevfn;
	d->cmd = res->cmd;
	snprintf(d->error, sizeof(d->error), "%s",
		 res->error ? res->error : "");
	snprintf(d->state, sizeof(d->state), "%s", res->state);
	snprintf(d->parameter, sizeof(d->parameter), "%s", res->parameter);
}

static void log_cb(void *arg, enum stubdom_log_level level, unsigned int domid,
		   const char *msg)
{
	size_t n = strlen(logbuf);

	if (n + strlen(msg) + 2 < sizeof(logbuf))
		snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

/* --- fixture --- */

static void open_hs(unsigned int cmd_ms, unsigned int start_ms)
{
	struct stubdom_hs_config cfg = {
	    .kind = STUBDOM_MINIOS,
	    .domid = T_GUEST,
	    .stub_domid = T_STUB,
	    .cmd_timeout_ms = cmd_ms,
	    .start_timeout_ms = start_ms,
	    .queue_max = 8,
	    .log = log_cb,
	};
	int err = 0;

	hs = stubdom_hs_new(f.dom0, &cfg, &err);
	ck_assert_msg(hs != NULL, "stubdom_hs_new: %d", err);
}

static void setup(void)
{
	static const char *const args[] = {"-m", "48"};
	struct stubdom_setup s = {STUBDOM_MINIOS,
				  T_GUEST,
				  T_STUB,
				  "00000000-0000-0000-0000-000000000005",
				  args,
				  2,
				  NULL};
	char err[256];

	fx_open(&f);
	memset(&peer, 0, sizeof(peer));
	completions = 0;
	logbuf[0] = '\0';
	hs = NULL;
	ck_assert_int_eq(stubdom_setup_write(f.dom0, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(xsp_set_target(f.dom0, T_STUB, T_GUEST), 0);
	peer.xs = f.stub;
	ck_assert_int_eq(
	    xsp_watch(f.stub, DM "/command", peer_command_cb, NULL, NULL), 0);
	ck_assert_int_eq(
	    xsp_watch(f.stub, DM "/state", peer_state_cb, NULL, NULL), 0);
}

static void teardown(void)
{
	stubdom_hs_destroy(hs);
	fx_settle(&f);
	fx_close(&f);
}

static bool wait_calls(struct done *d)
{
	return fx_until(&f, &d->called);
}

/* Submits and waits for the one completion. */
static void run(enum stubdom_cmd cmd, const char *param, struct done *d)
{
	ck_assert_int_eq(stubdom_hs_submit(hs, cmd, param, done_cb, d), 0);
	ck_assert_uint_eq(d->calls, 0);
	ck_assert_msg(wait_calls(d), "no completion within %d s", T_WAIT_S);
}

/* A running stub domain in `mode` answers one command. */
static void run_with(enum peer_mode mode, enum stubdom_cmd cmd,
		     const char *param, struct done *d)
{
	peer_state("running");
	peer.mode = mode;
	open_hs(0, 0);
	run(cmd, param, d);
}

/* --- start --- */

START_TEST(start_completes_when_the_stub_writes_running)
{
	struct done d = {0};

	open_hs(0, 0);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, STUBDOM_CMD_START, NULL, done_cb, &d), 0);
	fx_settle(&f);
	ck_assert_uint_eq(d.calls, 0);
	peer_state("running");
	ck_assert(wait_calls(&d));
	ck_assert_int_eq(d.rc, 0);
	ck_assert_str_eq(d.state, "running");
}
END_TEST

START_TEST(start_times_out_naming_domain_and_last_state)
{
	struct done d = {0};

	open_hs(0, 50);
	run(STUBDOM_CMD_START, NULL, &d);
	ck_assert_int_eq(d.rc, -ETIMEDOUT);
	ck_assert_msg(strstr(d.error, "dom 5") && strstr(d.error, "start") &&
			  strstr(d.error, "last state seen: ''"),
		      "unclear error: %s", d.error);
}
END_TEST

/* --- each command's happy path --- */

START_TEST(pci_ins_reports_the_vdevfn_and_restores_running)
{
	struct done d = {0};

	run_with(PEER_NORMAL, STUBDOM_CMD_PCI_INS, "0000:00:1f.3", &d);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_int_eq(d.vdevfn, 7);
	ck_assert_str_eq(peer.cmds[0], "pci-ins");
	ck_assert_str_eq(peer.params[0], "0000:00:1f.3");
	ck_assert_str_eq(fx_read(f.dom0, DM "/state"), "running");
}
END_TEST

START_TEST(pci_ins_reply_channel_closes_after_the_command)
{
	struct done d = {0};

	peer_state("running");
	open_hs(0, 0);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, DM "/parameter", "x"),
			 -EACCES);
	run(STUBDOM_CMD_PCI_INS, "0000:00:1f.3", &d);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, DM "/parameter", "x"),
			 -EACCES);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, DM "/command", "save"),
			 -EACCES);
}
END_TEST

START_TEST(pci_ins_refused_reports_the_stubs_reason)
{
	struct done d = {0};

	run_with(PEER_INSERT_FAIL, STUBDOM_CMD_PCI_INS, "0000:00:1f.3", &d);
	ck_assert_int_eq(d.rc, -EREMOTEIO);
	ck_assert_int_eq(d.vdevfn, -1);
	ck_assert_msg(strstr(d.error, "pci-insert-failed") &&
			  strstr(d.error, "no free hotplug slots"),
		      "unclear error: %s", d.error);
	ck_assert_str_eq(fx_read(f.dom0, DM "/state"), "running");
}
END_TEST

START_TEST(pci_rem_completes_on_pci_removed_and_restores_running)
{
	struct done d = {0};

	run_with(PEER_NORMAL, STUBDOM_CMD_PCI_REM, "0000:00:1f.3", &d);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_str_eq(peer.cmds[0], "pci-rem");
	ck_assert_str_eq(d.state, "pci-removed");
	ck_assert_str_eq(fx_read(f.dom0, DM "/state"), "running");
}
END_TEST

START_TEST(save_completes_on_paused_and_continue_on_running)
{
	struct done s = {0}, c = {0};

	peer_state("running");
	open_hs(0, 0);
	run(STUBDOM_CMD_SAVE, NULL, &s);
	ck_assert_int_eq(s.rc, 0);
	ck_assert_str_eq(fx_read(f.dom0, DM "/state"), "paused");
	run(STUBDOM_CMD_CONTINUE, NULL, &c);
	ck_assert_int_eq(c.rc, 0);
	ck_assert_str_eq(peer.cmds[0], "save");
	ck_assert_str_eq(peer.cmds[1], "continue");
	ck_assert_str_eq(fx_read(f.dom0, DM "/state"), "running");
}
END_TEST

/* --- failures --- */

START_TEST(command_times_out_naming_command_domain_and_last_state)
{
	struct done d = {0};

	peer_state("running");
	peer.mode = PEER_SILENT;
	open_hs(50, 0);
	run(STUBDOM_CMD_SAVE, NULL, &d);
	ck_assert_int_eq(d.rc, -ETIMEDOUT);
	ck_assert_msg(strstr(d.error, "dom 5") && strstr(d.error, "'save'") &&
			  strstr(d.error, "last state seen: 'running'"),
		      "unclear error: %s", d.error);
}
END_TEST

START_TEST(wrong_state_fails_with_what_was_seen)
{
	struct done d = {0};

	run_with(PEER_WRONG, STUBDOM_CMD_PCI_REM, "0000:00:1f.3", &d);
	ck_assert_int_eq(d.rc, -EPROTO);
	ck_assert_msg(strstr(d.error, "unexpected state 'paused'") &&
			  strstr(d.error, "pci-removed"),
		      "unclear error: %s", d.error);
}
END_TEST

START_TEST(oversized_state_fails_without_echoing_it_whole)
{
	struct done d = {0};

	run_with(PEER_OVERSIZED, STUBDOM_CMD_SAVE, NULL, &d);
	ck_assert_int_eq(d.rc, -EMSGSIZE);
	ck_assert_msg(strstr(d.error, "1499 bytes"), "unclear error: %s",
		      d.error);
	ck_assert_uint_lt(strlen(d.error), 400);
}
END_TEST

START_TEST(deleted_state_node_fails_the_command)
{
	struct done d = {0};

	run_with(PEER_RM_STATE, STUBDOM_CMD_SAVE, NULL, &d);
	ck_assert_int_eq(d.rc, -ENOENT);
	ck_assert_msg(strstr(d.error, DM "/state was deleted"),
		      "unclear error: %s", d.error);
}
END_TEST

START_TEST(deleted_device_model_directory_fails_the_command)
{
	struct done d = {0};

	peer_state("running");
	peer.mode = PEER_SILENT;
	open_hs(0, 0);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, STUBDOM_CMD_SAVE, NULL, done_cb, &d), 0);
	fx_settle(&f);
	ck_assert_uint_eq(peer.ncmds, 1);
	ck_assert_int_eq(xsp_rm(f.dom0, 0, DM), 0);
	ck_assert(wait_calls(&d));
	ck_assert_int_eq(d.rc, -ENOENT);
	ck_assert_msg(strstr(d.error, "directory " DM " was deleted"),
		      "unclear error: %s", d.error);
}
END_TEST

START_TEST(state_flapping_100000_times_ends_the_command_once)
{
	struct done d = {0}, again = {0};

	run_with(PEER_FLAP, STUBDOM_CMD_SAVE, NULL, &d);
	ck_assert_int_eq(d.rc, -EPROTO);
	ck_assert_msg(strstr(d.error, "'bogus'"), "unclear error: %s", d.error);
	while (peer.mode == PEER_FLAP)
		event_base_loop(f.base, EVLOOP_ONCE);
	fx_settle(&f);
	ck_assert_uint_ge(peer.state_writes, FLAPS);
	ck_assert_uint_eq(d.calls, 1);
	/* The channel still works once the stub behaves. */
	run(STUBDOM_CMD_SAVE, NULL, &again);
	ck_assert_int_eq(again.rc, 0);
	ck_assert_uint_eq(d.calls, 1);
}
END_TEST

/* --- queueing and lifetime --- */

START_TEST(queued_commands_run_one_at_a_time_in_order)
{
	static const enum stubdom_cmd cmds[] = {
	    STUBDOM_CMD_PCI_INS, STUBDOM_CMD_SAVE, STUBDOM_CMD_CONTINUE,
	    STUBDOM_CMD_PCI_REM};
	static const char *const names[] = {"pci-ins", "save", "continue",
					    "pci-rem"};
	struct done d[4] = {{0}};
	unsigned int i;

	peer_state("running");
	open_hs(0, 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(
		    stubdom_hs_submit(hs, cmds[i], NULL, done_cb, &d[i]), 0);
	ck_assert(wait_calls(&d[3]));
	for (i = 0; i < 4; i++) {
		ck_assert_str_eq(peer.cmds[i], names[i]);
		ck_assert_uint_eq(peer.done_at_cmd[i], i); /* one in flight */
		ck_assert_uint_eq(d[i].order, i + 1);
		ck_assert_uint_eq(d[i].calls, 1);
	}
	ck_assert_int_eq(d[0].rc, 0);
}
END_TEST

START_TEST(destroy_fails_the_queue_exactly_once)
{
	struct done d[3] = {{0}};
	unsigned int i;

	peer_state("running");
	peer.mode = PEER_SILENT;
	open_hs(0, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(stubdom_hs_submit(hs, STUBDOM_CMD_SAVE, NULL,
						   done_cb, &d[i]),
				 0);
	fx_settle(&f);
	ck_assert_uint_eq(peer.ncmds, 1);
	stubdom_hs_destroy(hs);
	hs = NULL;
	ck_assert_uint_eq(d[0].calls, 0); /* later, from the loop */
	fx_settle(&f);
	peer_state("paused");
	fx_settle(&f);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(d[i].calls, 1);
		ck_assert_int_eq(d[i].rc, -ECANCELED);
		ck_assert_msg(strstr(d[i].error, "dom 5") &&
				  strstr(d[i].error, "destroyed"),
			      "unclear error: %s", d[i].error);
	}
}
END_TEST

static void destroy_cb(const struct stubdom_hs_result *res, void *arg)
{
	done_cb(res, arg);
	stubdom_hs_destroy(hs);
	hs = NULL;
}

START_TEST(a_callback_may_destroy_the_channel)
{
	struct done first = {0}, second = {0};

	peer_state("running");
	open_hs(0, 0);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, STUBDOM_CMD_SAVE, NULL, destroy_cb, &first),
	    0);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, STUBDOM_CMD_CONTINUE, NULL, done_cb, &second),
	    0);
	ck_assert(wait_calls(&second));
	fx_settle(&f);
	ck_assert_int_eq(first.rc, 0);
	ck_assert_int_eq(second.rc, -ECANCELED);
	ck_assert_uint_eq(first.calls + second.calls, 2);
}
END_TEST

START_TEST(a_failing_command_still_calls_back_from_the_loop)
{
	struct done d = {0};

	open_hs(0, 0);
	ck_assert_int_eq(xsp_rm(f.dom0, 0, DM), 0);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, STUBDOM_CMD_SAVE, NULL, done_cb, &d), 0);
	ck_assert_uint_eq(d.calls, 0);
	ck_assert(wait_calls(&d));
	ck_assert_int_eq(d.rc, -ENOENT);
}
END_TEST

START_TEST(a_full_queue_refuses_more)
{
	struct done d[9] = {{0}};
	unsigned int i;

	open_hs(0, 0);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(stubdom_hs_submit(hs, STUBDOM_CMD_SAVE, NULL,
						   done_cb, &d[i]),
				 0);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, STUBDOM_CMD_SAVE, NULL, done_cb, &d[8]),
	    -ENOSPC);
	stubdom_hs_destroy(hs); /* while d[] is still in scope */
	hs = NULL;
	fx_settle(&f);
	ck_assert_uint_eq(d[7].calls, 1);
	ck_assert_uint_eq(d[8].calls, 0);
}
END_TEST

START_TEST(transitions_are_logged_with_the_domid)
{
	struct done d = {0};

	run_with(PEER_NORMAL, STUBDOM_CMD_SAVE, NULL, &d);
	ck_assert_msg(strstr(logbuf, "dom 5: handshake: IDLE --kick--> WAIT") &&
			  strstr(logbuf, "dom 5: handshake: WAIT --watch--> "
					 "IDLE save"),
		      "log: %s", logbuf);
}
END_TEST

static Suite *hs_suite(void)
{
	Suite *s = suite_create("handshake");
	TCase *tc = tcase_create("MiniOS handshake");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120); /* the flapping test, under sanitizers */
	tcase_add_test(tc, start_completes_when_the_stub_writes_running);
	tcase_add_test(tc, start_times_out_naming_domain_and_last_state);
	tcase_add_test(tc, pci_ins_reports_the_vdevfn_and_restores_running);
	tcase_add_test(tc, pci_ins_reply_channel_closes_after_the_command);
	tcase_add_test(tc, pci_ins_refused_reports_the_stubs_reason);
	tcase_add_test(tc,
		       pci_rem_completes_on_pci_removed_and_restores_running);
	tcase_add_test(tc, save_completes_on_paused_and_continue_on_running);
	tcase_add_test(tc,
		       command_times_out_naming_command_domain_and_last_state);
	tcase_add_test(tc, wrong_state_fails_with_what_was_seen);
	tcase_add_test(tc, oversized_state_fails_without_echoing_it_whole);
	tcase_add_test(tc, deleted_state_node_fails_the_command);
	tcase_add_test(tc, deleted_device_model_directory_fails_the_command);
	tcase_add_test(tc, state_flapping_100000_times_ends_the_command_once);
	tcase_add_test(tc, queued_commands_run_one_at_a_time_in_order);
	tcase_add_test(tc, destroy_fails_the_queue_exactly_once);
	tcase_add_test(tc, a_callback_may_destroy_the_channel);
	tcase_add_test(tc, a_failing_command_still_calls_back_from_the_loop);
	tcase_add_test(tc, a_full_queue_refuses_more);
	tcase_add_test(tc, transitions_are_logged_with_the_domid);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(hs_suite());
}
