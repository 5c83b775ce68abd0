/*
 * Help and usage, as a user sees them: dmctl CMD --help and dmctl help
 * CMD explain a command and exit 0, usage errors exit 2 with the usage
 * line, dmsup --help lists its options; and dmsup names what a request
 * lacks, from the same table.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "dmsup/ctl/cmdtab.h"
#include "libdmsup/frame.h"
#include "tests/local/dmsup/harness.h"

/* dmctl @args must exit @rc with @want in its stdout (0) or stderr. */
static void assert_dmctl(int rc, const char *want, const char *a1,
			 const char *a2, const char *a3)
{
	char *out, *err;

	ck_assert_int_eq(h_dmctl(&out, &err, a1, a2, a3, NULL), rc);
	ck_assert_msg(strstr(rc ? err : out, want),
		      "dmctl %s %s: '%s' lacks "
		      "'%s'",
		      a1, a2 ? a2 : "", rc ? err : out, want);
	free(out);
	free(err);
}

/* dmsup's reply to one request frame. */
static struct json_object *request(const char *json)
{
	struct json_object *req = json_tokener_parse(json), *reply = NULL;
	struct evbuffer *buf = evbuffer_new();
	const char *err;
	int fd = h_connect(), r;

	ck_assert(fd >= 0 && req && buf && !frame_put(buf, req));
	while (evbuffer_get_length(buf))
		ck_assert_int_gt(evbuffer_write(buf, fd), 0);
	while (!(r = frame_take(buf, &reply, &err)))
		ck_assert_int_gt(evbuffer_read(buf, fd, 4096), 0);
	ck_assert_int_eq(r, 1);
	close(fd);
	evbuffer_free(buf);
	json_object_put(req);
	return reply;
}

static void assert_refused(const char *json, const char *want)
{
	struct json_object *reply = request(json);

	ck_assert_str_eq(h_str(reply, "step"), "request");
	ck_assert_str_eq(h_str(reply, "error"), want);
	json_object_put(reply);
}

START_TEST(start_help_exits_0_and_prints_its_usage)
{
	assert_dmctl(0,
		     "usage: dmctl start [--xl XL-FILE] [--restore FILE] "
		     "[--domid DOMID] "
		     "CONFIG-FILE|DOMAIN\n",
		     "start", "--help", NULL);
	assert_dmctl(0,
		     "usage: dmctl start [--xl XL-FILE] [--restore FILE] "
		     "[--domid DOMID] "
		     "CONFIG-FILE|DOMAIN\n",
		     "help", "start", NULL);
}
END_TEST

START_TEST(help_for_an_unknown_command_exits_2_naming_it)
{
	assert_dmctl(2, "dmctl: unknown command 'nosuch'", "help", "nosuch",
		     NULL);
}
END_TEST

START_TEST(unknown_command_exits_2_with_the_usage)
{
	assert_dmctl(2,
		     "usage: dmctl [-s SOCKET] [-t SECONDS] [--json] COMMAND",
		     "frobnicate", NULL, NULL);
}
END_TEST

START_TEST(help_and_dash_dash_help_list_every_command)
{
	char *help, *dashes;

	ck_assert_int_eq(h_dmctl(&help, NULL, "help", NULL), 0);
	ck_assert_int_eq(h_dmctl(&dashes, NULL, "--help", NULL), 0);
	ck_assert_str_eq(help, dashes);
	for (size_t i = 0; i < CMDTAB_N; i++) {
		char row[64];
		snprintf(row, sizeof(row), "\n  %-10s ", cmdtab[i].name);
		ck_assert_msg(!strstr(help, row) ==
				  !(cmdtab[i].where & CMDTAB_CLI),
			      "'%s' is %slisted", cmdtab[i].name,
			      strstr(help, row) ? "" : "not ");
	}
	free(help);
	free(dashes);
}
END_TEST

START_TEST(a_command_help_lists_its_options_and_arguments)
{
	static const char *const wants[] = {
	    "usage: dmctl log [-f] [-n N] DOMAIN\n", "\n  -f, --follow ",
	    "\n  -n, --lines N ", "\n  DOMAIN "};

	for (size_t i = 0; i < sizeof(wants) / sizeof(*wants); i++)
		assert_dmctl(0, wants[i], "log", "--help", NULL);
}
END_TEST

START_TEST(a_missing_argument_exits_2_with_the_usage_line)
{
	assert_dmctl(2, "usage: dmctl stop DOMAIN\n", "stop", NULL, NULL);
	assert_dmctl(2, "usage: dmctl set DOMAIN KEY=VALUE...\n", "set", "vm1",
		     NULL);
}
END_TEST

START_TEST(an_option_of_another_command_exits_2)
{
	assert_dmctl(2, "usage: dmctl stop DOMAIN\n", "stop", "-f", "vm1");
}
END_TEST

START_TEST(an_extra_argument_exits_2)
{
	assert_dmctl(2, "usage: dmctl undefine DOMAIN\n", "undefine", "vm1",
		     "vm2");
}
END_TEST

START_TEST(a_number_option_refuses_what_is_not_a_number)
{
	assert_dmctl(2, "dmctl: log: N must be a number, not 'many'", "log",
		     "-nmany", "vm1");
}
END_TEST

START_TEST(dmsup_help_exits_0_listing_its_options)
{
	static const char *const opts[] = {"\n  -f ",
					   "\n  -v ",
					   "\n  -s control-socket ",
					   "\n  -d state-dir ",
					   "\n  -l log-dir ",
					   "\n  -h, --help ",
					   "\n  -R, --restrict-adopted "};
	char *out;

	ck_assert_int_eq(h_dmsup(&out, NULL, "--help"), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: dmsup [-fvR] "));
	for (size_t i = 0; i < sizeof(opts) / sizeof(*opts); i++)
		ck_assert_msg(strstr(out, opts[i]), "dmsup --help lacks '%s'",
			      opts[i] + 3);
	free(out);
}
END_TEST

START_TEST(dmsup_refuses_an_unknown_option_with_exit_2)
{
	char *err;

	ck_assert_int_eq(h_dmsup(NULL, &err, "-x"), 2);
	ck_assert_ptr_nonnull(strstr(err, "usage: dmsup "));
	free(err);
}
END_TEST

START_TEST(dmsup_names_the_field_a_request_lacks)
{
	assert_refused("{\"cmd\": \"stop\"}", "stop needs a domain");
	assert_refused("{\"cmd\": \"start\"}", "start needs a domain or a "
					       "config");
}
END_TEST

START_TEST(dmctl_only_commands_are_unknown_to_dmsup)
{
	assert_refused("{\"cmd\": \"plan\"}", "unknown command 'plan'");
	assert_refused("{\"cmd\": \"help\"}", "unknown command 'help'");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    start_help_exits_0_and_prints_its_usage,
	    help_for_an_unknown_command_exits_2_naming_it,
	    unknown_command_exits_2_with_the_usage,
	    help_and_dash_dash_help_list_every_command,
	    a_command_help_lists_its_options_and_arguments,
	    a_missing_argument_exits_2_with_the_usage_line,
	    an_option_of_another_command_exits_2,
	    an_extra_argument_exits_2,
	    a_number_option_refuses_what_is_not_a_number,
	    dmsup_help_exits_0_listing_its_options,
	    dmsup_refuses_an_unknown_option_with_exit_2,
	    dmsup_names_the_field_a_request_lacks,
	    dmctl_only_commands_are_unknown_to_dmsup,
	};

	return h_main("dmsup-help", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
