/*
 * test-agent.c - the two sides of the MiniOS protocol against each other:
 * the toolstack's handshake (handshake.c) and the stub-side agent
 * (agent/agent.c, which the test bed runs in a real domU), over the
 * in-memory xenstore. The agent's faithful mode must satisfy the
 * handshake; each hostile mode must end in the failure it provokes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "stubdom-proto/agent/agent.h"
#include "stubdom-proto/handshake.h"
#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/proto/helpers.h"
#include "tests/unit/proto/xs-mem.h"

#define UUID "00000000-0000-0000-0000-000000000005"

static struct fx f;
static struct stubdom_hs *hs;
static struct agent *agent;
static char said[16384];

struct done {
	bool called;
	int rc;
	int vdevfn;
	char error[512];
};

static void done_cb(const struct stubdom_hs_result *res, void *arg)
{
	struct done *d = arg;

	d->called = true;
	d->rc = res->rc;
	d->vdevfn = res->vdevfn;
	snprintf(d->error, sizeof(d->error), "%s",
		 res->error ? res->error : "");
}

static void say_cb(void *arg, const char *line)
{
	size_t n = strlen(said);

	snprintf(said + n, sizeof(said) - n, "%s\n", line);
}

/* The toolstack's part for one guest: layout, target, /vm link. */
static void toolstack_setup(unsigned int guest, unsigned int stub)
{
	static const char *const args[] = {"-m", "48", "-vnc", "none"};
	struct stubdom_setup s = {STUBDOM_MINIOS, guest, stub,	   UUID,
				  args,		  4,	 "rombios"};
	const struct xsp_perm vm_perms[] = {{0, XSP_PERM_NONE},
					    {guest, XSP_PERM_READ}};
	char err[256], path[64];

	ck_assert_int_eq(stubdom_setup_write(f.dom0, &s, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "/local/domain/%u/vm", guest);
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, path, "/vm/" UUID), 0);
	/* As libxl: dom0's, readable by the guest (so by its stub). */
	ck_assert_int_eq(xsp_set_perms(f.dom0, 0, path, vm_perms, 2), 0);
	ck_assert_int_eq(xsp_set_target(f.dom0, stub, guest), 0);
}

static struct stubdom_hs *open_hs(unsigned int guest, unsigned int stub)
{
	struct stubdom_hs_config cfg = {
	    .kind = STUBDOM_MINIOS, .domid = guest, .stub_domid = stub};
	struct stubdom_hs *h = stubdom_hs_new(f.dom0, &cfg, NULL);

	ck_assert_ptr_nonnull(h);
	return h;
}

static void start_agent(enum agent_mode mode)
{
	struct agent_config cfg = {.self = T_STUB, .mode = mode, .say = say_cb};
	struct done d = {0};

	agent = agent_start(f.stub, &cfg);
	ck_assert_ptr_nonnull(agent);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, STUBDOM_CMD_START, NULL, done_cb, &d), 0);
	ck_assert(fx_until(&f, &d.called));
	ck_assert_int_eq(d.rc, 0);
}

static void run(enum stubdom_cmd cmd, const char *param, struct done *d)
{
	ck_assert_int_eq(stubdom_hs_submit(hs, cmd, param, done_cb, d), 0);
	ck_assert_msg(fx_until(&f, &d->called), "no completion");
}

static void setup(void)
{
	fx_open(&f);
	said[0] = '\0';
	toolstack_setup(T_GUEST, T_STUB);
	hs = open_hs(T_GUEST, T_STUB);
	agent = NULL;
}

static void teardown(void)
{
	agent_stop(agent);
	stubdom_hs_destroy(hs);
	fx_settle(&f);
	fx_close(&f);
}

START_TEST(faithful_agent_reads_its_layout_and_starts)
{
	start_agent(AGENT_FAITHFUL);
	ck_assert_msg(strstr(said, "stub domain 6 for domain 5") &&
			  strstr(said, "dmargs: -m 48 -vnc none"),
		      "agent said: %s", said);
}
END_TEST

START_TEST(faithful_agent_answers_every_command)
{
	struct done ins = {0}, rem = {0}, save = {0}, cont = {0};

	start_agent(AGENT_FAITHFUL);
	run(STUBDOM_CMD_PCI_INS, "0000:03:00.0", &ins);
	ck_assert_int_eq(ins.rc, 0);
	ck_assert_int_eq(ins.vdevfn, 4 << 3);
	run(STUBDOM_CMD_PCI_REM, "0000:03:00.0", &rem);
	run(STUBDOM_CMD_SAVE, NULL, &save);
	run(STUBDOM_CMD_CONTINUE, NULL, &cont);
	ck_assert_int_eq(rem.rc, 0);
	ck_assert_int_eq(save.rc, 0);
	ck_assert_int_eq(cont.rc, 0);
}
END_TEST

START_TEST(faithful_agent_refuses_a_malformed_bdf)
{
	struct done d = {0};

	start_agent(AGENT_FAITHFUL);
	run(STUBDOM_CMD_PCI_INS, "not-a-bdf", &d);
	ck_assert_int_eq(d.rc, -EREMOTEIO);
	ck_assert_msg(strstr(d.error, "wrong bdf or vslot"), "error: %s",
		      d.error);
}
END_TEST

START_TEST(probing_agent_finds_every_forbidden_write_refused)
{
	struct agent_config cfg = {.self = T_STUB, .say = say_cb};

	ck_assert_int_eq(agent_probe(f.stub, &cfg), 0);
	ck_assert_msg(!strstr(said, "WRONG"), "agent said: %s", said);
}
END_TEST

struct hostile_case {
	enum agent_mode mode;
	enum stubdom_cmd cmd;
	int rc;
	const char *error;
};

static const struct hostile_case hostile[] = {
    {AGENT_WRONG, STUBDOM_CMD_SAVE, -EPROTO, "unexpected state"},
    {AGENT_OVERSIZED, STUBDOM_CMD_SAVE, -EMSGSIZE, "bytes"},
    {AGENT_FLAP, STUBDOM_CMD_SAVE, -EPROTO, "unexpected state 'flap-"},
    {AGENT_DELETE, STUBDOM_CMD_PCI_REM, -ENOENT, "was deleted"},
    {AGENT_BADPARAM, STUBDOM_CMD_PCI_INS, -EPROTO, "is not a vdevfn"},
};

START_TEST(hostile_agent_fails_the_command_and_others_keep_working)
{
	const struct hostile_case *c = &hostile[_i];
	struct xsp *stub2 = xsp_mem_open(f.st, f.base, T_OTHER + 1);
	struct agent_config cfg2 = {.self = T_OTHER + 1};
	struct stubdom_hs *hs2;
	struct agent *agent2;
	struct done bad = {0}, good = {0};

	/* A second, well-behaved pair next to the hostile one. */
	toolstack_setup(T_OTHER, T_OTHER + 1);
	hs2 = open_hs(T_OTHER, T_OTHER + 1);
	agent2 = agent_start(stub2, &cfg2);
	ck_assert_ptr_nonnull(agent2);
	start_agent(c->mode);
	ck_assert_int_eq(
	    stubdom_hs_submit(hs, c->cmd, "0000:03:00.0", done_cb, &bad), 0);
	ck_assert_int_eq(stubdom_hs_submit(hs2, STUBDOM_CMD_PCI_INS,
					   "0000:04:00.0", done_cb, &good),
			 0);
	ck_assert(fx_until(&f, &bad.called));
	ck_assert(fx_until(&f, &good.called));
	ck_assert_int_eq(bad.rc, c->rc);
	ck_assert_msg(strstr(bad.error, c->error), "error: %s", bad.error);
	ck_assert_int_eq(good.rc, 0);
	agent_stop(agent2);
	stubdom_hs_destroy(hs2);
	fx_settle(&f);
	xsp_close(stub2);
}
END_TEST

static Suite *agent_suite(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("handshake against the stub-side agent");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120); /* flapping under sanitizers */
	tcase_add_test(tc, faithful_agent_reads_its_layout_and_starts);
	tcase_add_test(tc, faithful_agent_answers_every_command);
	tcase_add_test(tc, faithful_agent_refuses_a_malformed_bdf);
	tcase_add_test(tc, probing_agent_finds_every_forbidden_write_refused);
	tcase_add_loop_test(
	    tc, hostile_agent_fails_the_command_and_others_keep_working, 0,
	    sizeof(hostile) / sizeof(hostile[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(agent_suite());
}
