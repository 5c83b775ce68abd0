/* The man pages (and the protocol notes) describe what the programs do. */
#include <check.h>
#include <ctype.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/config.h"
#include "dmsup/ctl/cmdtab.h"
#include "tests/local/dmsup/harness.h"

static char *man_page(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/docs/%s", SRCDIR, name);
	char *text = h_read_file(path);
	ck_assert_msg(text != NULL, "%s is missing", path);
	return text;
}

/* The .TP entry of the page that starts with @word, or NULL. */
static const char *find_entry(const char *text, const char *word)
{
	static const struct {
		const char *macro, *end;
	} forms[] = {{".B", "\n"}, {".BI", " "}, {".BR", " "}};
	const char *at = NULL;
	char pat[128];

	for (size_t i = 0; !at && i < sizeof(forms) / sizeof(*forms); i++) {
		snprintf(pat, sizeof(pat), ".TP\n%s %s%s", forms[i].macro, word,
			 forms[i].end);
		at = strstr(text, pat);
	}
	return at;
}

/* A .TP entry of the page starts with @word (a command, field, option). */
static void assert_entry(const char *page, const char *text, const char *word)
{
	ck_assert_msg(find_entry(text, word), "%s has no entry for '%s'", page,
		      word);
}

/* The entry for @word, up to the next entry or section; malloc'd. */
static char *entry_text(const char *text, const char *word)
{
	const char *at = find_entry(text, word), *end;

	ck_assert_ptr_nonnull(at);
	end = at + 4;
	while (*end && strncmp(end, "\n.TP\n", 5) && strncmp(end, "\n.SH", 4))
		end++;
	return strndup(at, (size_t)(end - at));
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* @word stands in @text as a word of its own. */
static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *at = strstr(text, word); at; at = strstr(at + 1, word))
		if ((at == text || !is_word_char(at[-1])) &&
		    !is_word_char(at[n]))
			return true;
	return false;
}

/* Each word of @a's metavar (KEY=VALUE: key, value) is in @entry, as
 * the page writes it (lowercase, or N as N); each option as \-f or
 * \-\-watch. */
static void assert_argument_documented(const char *cmd, const char *entry,
				       const struct cmdtab_arg *a)
{
	char var[128], opt[64];

	if (a->opt || a->longopt) {
		if (a->opt)
			snprintf(opt, sizeof(opt), "\\-%c", a->opt);
		else
			snprintf(opt, sizeof(opt), "\\-\\-%s", a->longopt);
		ck_assert_msg(strstr(entry, opt), "dmctl.8: %s lacks %s", cmd,
			      opt);
	}
	cmdtab_metavar(a, var, sizeof(var));
	for (char *w = strtok(var, "[],=|."); w; w = strtok(NULL, "[],=|.")) {
		char lower[128];
		size_t i;
		for (i = 0; w[i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)tolower((unsigned char)w[i]);
		lower[i] = '\0';
		ck_assert_msg(has_word(entry, lower) || has_word(entry, w),
			      "dmctl.8: %s lacks its argument %s", cmd, w);
	}
}

START_TEST(dmctl_8_has_an_entry_for_every_command)
{
	char *usage, *page = man_page("dmctl.8");
	int n = 0;

	ck_assert_int_eq(h_dmctl(&usage, NULL, "--help", NULL), 0);
	for (char *line = strtok(usage, "\n"); line;
	     line = strtok(NULL, "\n")) {
		char cmd[32];
		if (!strncmp(line, "  ", 2) && line[2] != ' ' &&
		    sscanf(line, "%31s", cmd) == 1) {
			assert_entry("dmctl.8", page, cmd);
			n++;
		}
	}
	ck_assert_int_ge(n, 7);
	free(usage);
	free(page);
}
END_TEST

START_TEST(dmctl_8_has_every_command_of_the_table_with_its_arguments)
{
	char *page = man_page("dmctl.8");

	for (size_t i = 0; i < CMDTAB_N; i++) {
		if (!(cmdtab[i].where & CMDTAB_CLI))
			continue;
		assert_entry("dmctl.8", page, cmdtab[i].name);
		char *entry = entry_text(page, cmdtab[i].name);
		for (const struct cmdtab_arg *a = cmdtab[i].args; a->field; a++)
			assert_argument_documented(cmdtab[i].name, entry, a);
		free(entry);
	}
	free(page);
}
END_TEST

/* dmctl help CMD and dmctl CMD --help: exit 0, the table's usage line. */
START_TEST(dmctl_help_prints_the_usage_line_of_every_command)
{
	char use[256], want[300], *out;

	for (size_t i = 0; i < CMDTAB_N; i++) {
		const char *name = cmdtab[i].name;
		if (!(cmdtab[i].where & CMDTAB_CLI))
			continue;
		snprintf(want, sizeof(want), "usage: dmctl %s\n",
			 cmdtab_usage(&cmdtab[i], use, sizeof(use)));
		ck_assert_int_eq(h_dmctl(&out, NULL, "help", name, NULL), 0);
		ck_assert_msg(strstr(out, want), "dmctl help %s: %s", name,
			      out);
		free(out);
		ck_assert_int_eq(h_dmctl(&out, NULL, name, "--help", NULL), 0);
		ck_assert_msg(strstr(out, want), "dmctl %s --help: %s", name,
			      out);
		free(out);
	}
}
END_TEST

START_TEST(control_protocol_lists_every_request_dmsup_answers)
{
	char path[4096], row[64];

	snprintf(path, sizeof(path), "%s/docs/control-protocol.md", SRCDIR);
	char *doc = h_read_file(path);
	ck_assert_ptr_nonnull(doc);
	for (size_t i = 0; i < CMDTAB_N; i++) {
		if (!(cmdtab[i].where & CMDTAB_WIRE))
			continue;
		snprintf(row, sizeof(row), "\n| `%s` |", cmdtab[i].name);
		ck_assert_msg(strstr(doc, row),
			      "control-protocol.md has no row for '%s'",
			      cmdtab[i].name);
	}
	free(doc);
}
END_TEST

START_TEST(dmctl_8_documents_the_exit_code_of_an_unreachable_dmsup)
{
	char *page = man_page("dmctl.8"), *err;

	h_stop_dmsup(SIGTERM);
	ck_assert_int_eq(h_dmctl(NULL, &err, "list", NULL), 3);
	ck_assert_ptr_nonnull(strstr(err, "cannot reach dmsup"));
	ck_assert_ptr_nonnull(strstr(page, ".B 3\ndmsup could not be reached"));
	free(err);
	free(page);
}
END_TEST

START_TEST(dmsup_config_5_has_an_entry_for_every_field)
{
	struct dm_config cfg;
	char *err, *page = man_page("dmsup-config.5");

	ck_assert_int_eq(
	    config_from_string(
		&cfg,
		"{\"domid\": 1, \"name\": \"a\", \"qemu\": \"/q\", "
		"\"uuid\": \"01234567-89ab-cdef-0123-456789abcdef\", "
		"\"disks\": [{\"path\": \"/d\"}], "
		"\"nics\": [{\"mac\": \"00:16:3e:00:00:01\", "
		"\"ifname\": \"vif1\", \"backend\": \"tap\"}]}",
		&err),
	    0);
	struct json_object *json = config_to_json(&cfg);
	json_object_object_foreach(json, key, val)
	{
		assert_entry("dmsup-config.5", page, key);
		struct json_object *elem = val;
		if (json_object_is_type(val, json_type_array) &&
		    json_object_array_length(val))
			elem = json_object_array_get_idx(val, 0);
		if (!json_object_is_type(elem, json_type_object))
			continue;
		json_object_object_foreach(elem, sub, subval)
		{
			char quoted[64];
			(void)subval;
			snprintf(quoted, sizeof(quoted), "\\(dq%s\\(dq", sub);
			ck_assert_msg(strstr(page, quoted),
				      "dmsup-config.5 lacks %s.%s", key, sub);
		}
	}
	json_object_put(json);
	config_dispose(&cfg);
	free(page);
}
END_TEST

START_TEST(dmsup_8_has_an_entry_for_every_option)
{
	char *page = man_page("dmsup.8");
	static const char *const opts[] = {"\\-f", "\\-v", "\\-s", "\\-d",
					   "\\-l"};

	for (size_t i = 0; i < sizeof(opts) / sizeof(*opts); i++)
		assert_entry("dmsup.8", page, opts[i]);
	free(page);
}
END_TEST

/* Every option `dmsup --help` lists ("  -s control-socket ..."). */
START_TEST(dmsup_8_has_an_entry_for_every_option_of_dmsup_help)
{
	char *out, *page = man_page("dmsup.8");
	int n = 0;

	ck_assert_int_eq(h_dmsup(&out, NULL, "--help"), 0);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char opt[8];
		if (!strncmp(line, "  -", 3) && line[3] != '-') {
			snprintf(opt, sizeof(opt), "\\-%c", line[3]);
			assert_entry("dmsup.8", page, opt);
			n++;
		}
	}
	ck_assert_int_ge(n, 5);
	free(out);
	free(page);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    dmctl_8_has_an_entry_for_every_command,
	    dmctl_8_has_every_command_of_the_table_with_its_arguments,
	    dmctl_help_prints_the_usage_line_of_every_command,
	    control_protocol_lists_every_request_dmsup_answers,
	    dmctl_8_documents_the_exit_code_of_an_unreachable_dmsup,
	    dmsup_config_5_has_an_entry_for_every_field,
	    dmsup_8_has_an_entry_for_every_option,
	    dmsup_8_has_an_entry_for_every_option_of_dmsup_help,
	};

	return h_main("dmsup-docs", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
