/*
 * dmctl's bash completion (contrib/bash-completion/dmctl), as bash runs
 * it on a tab: the commands of `dmctl help`, a command's options from
 * its help, and the domains of the dmsup that -s names.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/ctl/cmdtab.h"
#include "tests/local/dmsup/harness.h"

/*
 * What the completion offers for the words of @line, the last being the
 * one completed (may be empty): bash sources the script, sets COMP_WORDS
 * as readline would and calls _dmctl. One candidate per line (nothing
 * offered: one empty line), malloc'd.
 */
static char *complete(const char *line)
{
	char cmd[8192], *out = calloc(1, 65536);
	size_t len = 0, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "PATH='%s':\"$PATH\" bash -c '"
		 ". %s/contrib/bash-completion/dmctl && "
		 "COMP_WORDS=(%s) && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && "
		 "_dmctl && printf \"%%s\\n\" \"${COMPREPLY[@]}\"'",
		 H.bin, SRCDIR, line);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((n = fread(out + len, 1, 65535 - len, p)) > 0)
		len += n;
	ck_assert_int_eq(pclose(p), 0);
	return out;
}

/* @list (one per line) has the line @want. */
static bool has_line(const char *list, const char *want)
{
	size_t n = strlen(want);

	for (const char *at = list; at && *at; at = strchr(at, '\n')) {
		at += *at == '\n';
		if (!strncmp(at, want, n) && (at[n] == '\n' || !at[n]))
			return true;
	}
	return false;
}

START_TEST(an_empty_word_offers_every_command_of_the_table)
{
	char *got = complete("dmctl \"\"");

	for (size_t i = 0; i < CMDTAB_N; i++)
		ck_assert_msg(!has_line(got, cmdtab[i].name) ==
				  !(cmdtab[i].where & CMDTAB_CLI),
			      "'%s' %soffered: %s", cmdtab[i].name,
			      has_line(got, cmdtab[i].name) ? "" : "not ", got);
	free(got);
}
END_TEST

START_TEST(a_prefix_offers_the_commands_it_starts)
{
	char *got = complete("dmctl st");

	ck_assert_str_eq(got, "start\nstop\nstatus\n");
	free(got);
}
END_TEST

START_TEST(a_dash_offers_the_options_of_the_command)
{
	char *got = complete("dmctl log -");

	ck_assert_str_eq(got, "-f\n--follow\n-n\n--lines\n--help\n");
	free(got);
}
END_TEST

/* A running domain @name (a stand-in device model) of the test's dmsup. */
static void start_domain(const char *name, int domid)
{
	char *cfg = h_standin_config(name, domid, "[\"--qmp\"]", "");

	h_start(cfg);
	free(cfg);
}

/* complete() for "dmctl -s <the test's socket> @words". */
static char *complete_on_socket(const char *words)
{
	char line[1024];

	snprintf(line, sizeof(line), "dmctl -s %s %s", H.ctl, words);
	return complete(line);
}

START_TEST(an_option_value_is_not_completed_with_domains)
{
	start_domain("vm-comp", 41);
	char *got = complete_on_socket("log -n \"\"");
	ck_assert_str_eq(got, "\n");
	free(got);
}
END_TEST

START_TEST(a_domain_argument_offers_the_domains_of_that_dmsup)
{
	start_domain("vm-comp", 41);
	start_domain("other", 42);
	char *got = complete_on_socket("stop vm");
	ck_assert_str_eq(got, "vm-comp\n");
	free(got);
	got = complete_on_socket("log -f \"\"");
	ck_assert_msg(has_line(got, "vm-comp") && has_line(got, "other"),
		      "offered: %s", got);
	free(got);
}
END_TEST

START_TEST(help_offers_commands_not_domains)
{
	start_domain("plain", 41);
	char *got = complete_on_socket("help pl");
	ck_assert_str_eq(got, "plan\n");
	free(got);
}
END_TEST

START_TEST(an_xl_file_is_completed_as_a_file)
{
	char line[1024], want[512], *path, *got;

	ck_assert_int_ge(asprintf(&path, "%s/vm-xl.cfg", H.dir), 0);
	fclose(fopen(path, "w"));
	snprintf(want, sizeof(want), "%s\n", path);
	snprintf(line, sizeof(line), "dmctl start --xl %s/vm-x", H.dir);
	got = complete(line);
	ck_assert_str_eq(got, want);
	free(got);
	snprintf(line, sizeof(line), "dmctl import-xl %s/vm-x", H.dir);
	got = complete(line);
	ck_assert_str_eq(got, want);
	free(got);
	free(path);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    an_empty_word_offers_every_command_of_the_table,
	    an_xl_file_is_completed_as_a_file,
	    a_prefix_offers_the_commands_it_starts,
	    a_dash_offers_the_options_of_the_command,
	    an_option_value_is_not_completed_with_domains,
	    a_domain_argument_offers_the_domains_of_that_dmsup,
	    help_offers_commands_not_domains,
	};
	return h_main("completion", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
