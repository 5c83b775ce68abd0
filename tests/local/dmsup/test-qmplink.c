/*
 * A QMP connection QEMU drops while it lives is reconnected (kind dom0,
 * real QEMU, no Xen): `dmctl watch` hears the link go reconnecting then
 * connected, status says so, and `dmctl qmp` works again on the same
 * QEMU. A command pending when it drops fails once, naming the domain.
 *
 * How the connection is dropped from QEMU's side: QEMU has no command
 * that closes its monitor's connection, and `ss -K` does not work for
 * unix sockets; so the test takes a duplicate of QEMU's own end of the
 * connection (pidfd_getfd) and shuts it down (tests/local/qmp/qmp-drop.c).
 * QEMU reads EOF, closes its end and accepts the next client, as after
 * any hang-up: what dmsup sees is exactly a peer that went away, and the
 * reconnected session is served by the same real QEMU.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "tests/local/dmsup/harness.h"
#include "tests/local/qmp/qmp-drop.h"

static const char *link_of(struct json_object *st)
{
	const char *s = h_str(st, "qmp_link");

	return s ? s : "(none)";
}

/* Status polled until vm1's link is @want, for at most @ms. */
static bool link_within(const char *want, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		struct json_object *st = h_status("vm1");
		bool is = !strcmp(link_of(st), want);
		json_object_put(st);
		if (is)
			return true;
		usleep(10000);
	}
	return false;
}

static bool link_becomes(const char *want)
{
	return link_within(want, 30000);
}

static void drop(pid_t pid, const char *qmp)
{
	char err[256];

	ck_assert_msg(qmp_drop_server_side(pid, qmp, err, sizeof(err)) == 1,
		      "%s", err);
}

START_TEST(a_connection_qemu_drops_is_reconnected_and_carries_qmp_again)
{
	char *cfg = h_start_pc(), *out, qmp[256];
	struct json_object *st = h_status("vm1");
	pid_t pid = (pid_t)h_int(st, "pid");
	int ev;

	ck_assert_str_eq(link_of(st), "connected");
	snprintf(qmp, sizeof(qmp), "%s", h_str(st, "qmp"));
	json_object_put(st);
	pid_t watch = h_dmctl_bg(&ev, "status", "--watch", "vm1", NULL);
	ck_assert(h_read_until(ev, "vm1"));

	drop(pid, qmp);
	ck_assert_msg(h_read_until(ev, "\"qmp_link\":\"reconnecting\""),
		      "no qmp event 'reconnecting'");
	ck_assert_msg(h_read_until(ev, "\"qmp_link\":\"connected\""),
		      "no qmp event 'connected' after the drop");
	st = h_status("vm1");
	ck_assert_str_eq(link_of(st), "connected");
	ck_assert_int_eq(h_int(st, "pid"), pid); /* the same QEMU */
	ck_assert_int_eq(h_int(st, "spawns"), 1);
	ck_assert_str_eq(h_str(st, "state"), "running");
	json_object_put(st);
	out = h_qmp_json("vm1", "query-status");
	ck_assert_msg(strstr(out, "\"status\""), "query-status: %s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "vm1", NULL), 0);
	ck_assert_msg(strstr(out, "qmp_link connected"), "status: %s", out);
	free(out);

	/* Again: each drop is reconnected, not only the first. */
	drop(pid, qmp);
	ck_assert(h_read_until(ev, "\"qmp_link\":\"reconnecting\""));
	ck_assert(h_read_until(ev, "\"qmp_link\":\"connected\""));
	out = h_qmp_json("vm1", "query-status");
	free(out);
	kill(watch, SIGTERM);
	waitpid(watch, NULL, 0);
	close(ev);
	free(cfg);
}
END_TEST

/* Waits until the request dmsup sent sits in QEMU's end of the
 * connection (QEMU is stopped, so nobody reads it). */
static bool request_waits_for_qemu(pid_t pid, const char *qmp)
{
	char err[256];
	int fd = qmp_dup_server_side(pid, qmp, err, sizeof(err)), inq = 0;

	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert(!ioctl(fd, SIOCINQ, &inq));
	close(fd);
	return inq > 0;
}

START_TEST(a_command_pending_when_the_connection_drops_fails_once_naming_vm1)
{
	char *cfg = h_start_pc(), *out, qmp[256], buf[4096];
	struct json_object *st = h_status("vm1");
	pid_t pid = (pid_t)h_int(st, "pid");
	int fd, status;
	size_t got = 0;
	ssize_t n;

	snprintf(qmp, sizeof(qmp), "%s", h_str(st, "qmp"));
	json_object_put(st);
	ck_assert(!kill(pid, SIGSTOP));
	pid_t c = h_dmctl_bg(&fd, "qmp", "vm1", "query-status", NULL);
	for (int i = 0; i < 3000 && !request_waits_for_qemu(pid, qmp); i++)
		usleep(10000); /* polled: a wait for an event, bounded */
	ck_assert_msg(request_waits_for_qemu(pid, qmp),
		      "dmsup's query-status never reached QEMU's socket");
	drop(pid, qmp);
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	ck_assert_int_eq(waitpid(c, &status, 0), c);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
		      "dmctl qmp: status %d: %s", status, buf);
	ck_assert_msg(strstr(buf, "device model of vm1 (domid 11) ended while "
				  "the command was pending"),
		      "dmctl qmp: %s", buf);
	close(fd);
	ck_assert(!kill(pid, SIGCONT));
	ck_assert(link_becomes("connected"));
	out = h_qmp_json("vm1", "query-status");
	free(out);
	free(cfg);
}
END_TEST

/*
 * dmsup restarted while QEMU does not answer (stopped): the first
 * connection after the reattach gets no greeting within the readiness
 * timeout. QEMU lives, so the link reconnects (it was lost for good,
 * until the next dmsup restart), and QMP works once QEMU answers.
 */
START_TEST(a_reattach_whose_first_connection_fails_keeps_trying)
{
	char *cfg = h_config("vm1", 11, "\"ready_timeout\": 2"), *out;
	pid_t pid = h_start(cfg);

	ck_assert(!kill(pid, SIGSTOP));
	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	ck_assert_msg(link_becomes("reconnecting"),
		      "the reattach's QMP link never went reconnecting");
	/* Twice the readiness timeout on, it still tries: never lost. */
	ck_assert(!link_within("lost", 4000));
	ck_assert(!kill(pid, SIGCONT));
	ck_assert_msg(link_becomes("connected"), "QMP never came back");
	out = h_qmp_json("vm1", "query-status");
	ck_assert_msg(strstr(out, "\"running\""), "query-status: %s", out);
	free(out);
	struct json_object *st = h_status("vm1");
	ck_assert_int_eq(h_int(st, "pid"), pid);
	json_object_put(st);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_connection_qemu_drops_is_reconnected_and_carries_qmp_again,
	    a_command_pending_when_the_connection_drops_fails_once_naming_vm1,
	    a_reattach_whose_first_connection_fails_keeps_trying,
	};

	return h_main("dmsup-qmplink", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
