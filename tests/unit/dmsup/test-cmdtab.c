/*
 * The table of commands: every entry is whole, each side finds only its
 * own commands, usage lines come from the arguments, and a request
 * without a required field is caught, naming what it lacks.
 */
#include <check.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/ctl/cmdtab.h"
#include "tests/unit/dmsup/run.h"

static const struct cmdtab *entry(const char *name)
{
	const struct cmdtab *e = cmdtab_find(name, CMDTAB_CLI | CMDTAB_WIRE);

	ck_assert_msg(e != NULL, "no entry '%s'", name);
	return e;
}

static void assert_usage(const char *name, const char *want)
{
	char buf[256];

	ck_assert_str_eq(cmdtab_usage(entry(name), buf, sizeof(buf)), want);
}

/* What dmsup would say about @json for command @name, or "" if nothing. */
static const char *missing(const char *name, const char *json)
{
	struct json_object *req = json_tokener_parse(json);
	const struct cmdtab_arg *a;

	ck_assert_ptr_nonnull(req);
	a = cmdtab_missing(entry(name), req);
	json_object_put(req);
	return a ? a->missing : "";
}

START_TEST(every_entry_has_a_unique_name_a_summary_and_help)
{
	for (size_t i = 0; i < CMDTAB_N; i++) {
		const struct cmdtab *e = &cmdtab[i];
		ck_assert_msg(e->name && e->summary && e->help && e->where,
			      "entry %zu is not whole", i);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(cmdtab[j].name, e->name);
	}
}
END_TEST

START_TEST(every_argument_has_a_name_a_help_and_a_metavar_or_an_option)
{
	for (size_t i = 0; i < CMDTAB_N; i++)
		for (const struct cmdtab_arg *a = cmdtab[i].args; a->field;
		     a++) {
			ck_assert_msg(a->help &&
					  (a->metavar || a->opt || a->longopt),
				      "%s: %s lacks help or a name",
				      cmdtab[i].name, a->field);
			ck_assert_msg(a->metavar || a->type == CMDTAB_FLAG,
				      "%s: option %s takes a value without a "
				      "name for it",
				      cmdtab[i].name, a->field);
		}
}
END_TEST

/* Or dmsup would answer "<name> (null)". */
START_TEST(every_field_dmsup_requires_says_what_is_missing)
{
	for (size_t i = 0; i < CMDTAB_N; i++)
		for (const struct cmdtab_arg *a = cmdtab[i].args; a->field; a++)
			if ((a->flags & CMDTAB_REQUIRED) &&
			    !(a->flags & CMDTAB_LOCAL) &&
			    (cmdtab[i].where & CMDTAB_WIRE))
				ck_assert_msg(a->missing, "%s: %s",
					      cmdtab[i].name, a->field);
}
END_TEST

START_TEST(dmctl_and_dmsup_each_find_only_their_commands)
{
	ck_assert_ptr_nonnull(cmdtab_find("start", CMDTAB_CLI));
	ck_assert_ptr_nonnull(cmdtab_find("start", CMDTAB_WIRE));
	ck_assert_ptr_null(cmdtab_find("watch", CMDTAB_CLI));
	ck_assert_ptr_nonnull(cmdtab_find("watch", CMDTAB_WIRE));
	ck_assert_ptr_nonnull(cmdtab_find("plan", CMDTAB_CLI));
	ck_assert_ptr_null(cmdtab_find("plan", CMDTAB_WIRE));
	ck_assert_ptr_null(cmdtab_find("help", CMDTAB_WIRE));
	ck_assert_ptr_null(cmdtab_find("reboot", CMDTAB_CLI | CMDTAB_WIRE));
}
END_TEST

START_TEST(usage_lines_come_from_the_arguments)
{
	assert_usage("start",
		     "start [--xl XL-FILE] [--restore FILE] [--domid DOMID] "
		     "CONFIG-FILE|DOMAIN");
	assert_usage("status", "status [--watch] [DOMAIN]");
	assert_usage("list", "list");
	assert_usage("log", "log [-f] [-n N] DOMAIN");
	assert_usage("qmp", "qmp DOMAIN COMMAND [ARGS-JSON]");
	assert_usage("set", "set DOMAIN KEY=VALUE...");
	assert_usage("nic-attach", "nic-attach DOMAIN MODEL[,mac=MAC][,id=ID]");
	assert_usage("help", "help [COMMAND]");
}
END_TEST

START_TEST(a_truncated_usage_line_stays_a_string)
{
	char buf[8];

	ck_assert_str_eq(cmdtab_usage(entry("nic-attach"), buf, sizeof(buf)),
			 "nic-att");
}
END_TEST

START_TEST(options_are_found_by_letter_or_past_the_letters)
{
	const struct cmdtab *status = entry("status"), *log = entry("log");

	ck_assert_str_eq(cmdtab_option(log, 'n')->field, "lines");
	ck_assert_str_eq(cmdtab_option(log, 'f')->field, "follow");
	ck_assert_ptr_null(cmdtab_option(log, 'w'));
	/* --watch has no letter: the getopt value of its index. */
	ck_assert_str_eq(cmdtab_option(status, 0x100)->field, "watch");
	ck_assert_ptr_null(cmdtab_option(status, 0x101)); /* DOMAIN */
}
END_TEST

START_TEST(a_request_without_a_required_field_names_what_it_lacks)
{
	ck_assert_str_eq(missing("stop", "{}"), "needs a domain");
	ck_assert_str_eq(missing("qmp", "{\"domain\": \"vm1\"}"),
			 "needs a command");
	ck_assert_str_eq(missing("set", "{\"domain\": \"vm1\"}"),
			 "needs key=value assignments");
	ck_assert_str_eq(missing("nic-attach", "{\"domain\": \"vm1\"}"),
			 "needs a NIC model");
	ck_assert_str_eq(missing("nic-detach", "{\"domain\": \"vm1\"}"),
			 "needs the NIC's id");
	ck_assert_str_eq(missing("pci-detach", "{\"domain\": \"vm1\"}"),
			 "needs a PCI address like 0000:03:00.0");
	ck_assert_str_eq(missing("start", "{}"), "needs a domain or a config");
}
END_TEST

START_TEST(an_empty_or_mistyped_required_field_is_missing)
{
	ck_assert_str_eq(missing("stop", "{\"domain\": 7}"), "needs a domain");
	ck_assert_str_eq(missing("qmp", "{\"domain\": \"vm1\", \"command\": "
					"\"\"}"),
			 "needs a command");
	ck_assert_str_eq(missing("set", "{\"domain\": \"vm1\", \"set\": []}"),
			 "needs key=value assignments");
	ck_assert_str_eq(missing("set", "{\"domain\": \"vm1\", \"set\": "
					"\"memory=1\"}"),
			 "needs key=value assignments");
}
END_TEST

START_TEST(a_whole_request_lacks_nothing)
{
	ck_assert_str_eq(missing("status", "{}"), "");
	ck_assert_str_eq(missing("watch", "{}"), "");
	ck_assert_str_eq(missing("stop", "{\"domain\": \"vm1\"}"), "");
	ck_assert_str_eq(missing("log", "{\"domain\": \"vm1\"}"), "");
	ck_assert_str_eq(missing("qmp", "{\"domain\": \"vm1\", \"command\": "
					"\"query-status\"}"),
			 "");
	ck_assert_str_eq(missing("set", "{\"domain\": \"vm1\", \"set\": "
					"[\"memory=1\"]}"),
			 "");
	ck_assert_str_eq(missing("start", "{\"domain\": \"vm1\"}"), "");
	/* Whatever the config is, config_from_json says what is wrong. */
	ck_assert_str_eq(missing("start", "{\"config\": 1}"), "");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    every_entry_has_a_unique_name_a_summary_and_help,
	    every_argument_has_a_name_a_help_and_a_metavar_or_an_option,
	    every_field_dmsup_requires_says_what_is_missing,
	    dmctl_and_dmsup_each_find_only_their_commands,
	    usage_lines_come_from_the_arguments,
	    a_truncated_usage_line_stays_a_string,
	    options_are_found_by_letter_or_past_the_letters,
	    a_request_without_a_required_field_names_what_it_lacks,
	    an_empty_or_mistyped_required_field_is_missing,
	    a_whole_request_lacks_nothing,
	};

	return run_suite("dmsup-cmdtab", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
