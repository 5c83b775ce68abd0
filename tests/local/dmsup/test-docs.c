/* The man pages describe what the programs do. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/config.h"
#include "tests/local/dmsup/harness.h"

static char *man_page(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/docs/%s", SRCDIR, name);
	char *text = h_read_file(path);
	ck_assert_msg(text != NULL, "%s is missing", path);
	return text;
}

/* A .TP entry of the page starts with @word (a command, field, option). */
static void assert_entry(const char *page, const char *text, const char *word)
{
	char pat[3][128];

	snprintf(pat[0], sizeof(pat[0]), ".TP\n.B %s\n", word);
	snprintf(pat[1], sizeof(pat[1]), ".TP\n.BI %s ", word);
	snprintf(pat[2], sizeof(pat[2]), ".TP\n.BR %s ", word);
	ck_assert_msg(strstr(text, pat[0]) || strstr(text, pat[1]) ||
			  strstr(text, pat[2]),
		      "%s has no entry for '%s'", page, word);
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
		if (!json_object_is_type(val, json_type_array) ||
		    !json_object_array_length(val))
			continue;
		struct json_object *elem = json_object_array_get_idx(val, 0);
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

int main(void)
{
	const TTest *const tests[] = {
	    dmctl_8_has_an_entry_for_every_command,
	    dmctl_8_documents_the_exit_code_of_an_unreachable_dmsup,
	    dmsup_config_5_has_an_entry_for_every_field,
	    dmsup_8_has_an_entry_for_every_option,
	};

	return h_main("dmsup-docs", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
