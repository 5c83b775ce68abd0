/*
 * Domids are bound at start (issue 18): a definition does not own its
 * domid, only a running device model does. Stand-in device models
 * (xen: false) that answer QMP.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/local/dmsup/harness.h"

/* A stand-in config without a domid: Xen gives it at domain creation. */
static char *config_without_domid(const char *name)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s.json", H.dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"name\": \"%s\", \"xen\": false, \"qemu\": \"%s\", "
		"\"extra_args\": [\"--qmp\"]}\n",
		name, H.standin);
	fclose(f);
	return strdup(path);
}

static long long domid_of(const char *name)
{
	struct json_object *st = h_status(name);
	long long domid = h_int(st, "domid");

	json_object_put(st);
	return domid;
}

START_TEST(a_stopped_definition_gives_its_domid_up)
{
	char *a = h_standin_config("a", 5, "[\"--qmp\"]", ""),
	     *b = config_without_domid("b"), *err;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", a, NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "a", NULL), 0);
	/* The issue: "domid 5 is already used by a". */
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", b, "--domid", "5", NULL),
			 0);
	free(err);
	ck_assert_int_eq(domid_of("b"), 5);
	/* While b runs on 5, a (stored domid 5) cannot start. */
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", "a", NULL), 1);
	ck_assert_msg(strstr(err, "domid 5 is already used by b"), "%s", err);
	free(err);
	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "start", "a", "--domid", "6", NULL), 0);
	ck_assert_int_eq(domid_of("a"), 6);
	/* By domid, the running domain is found. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "5", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "undefine", "b", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "a", NULL), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(a_config_without_domid_needs_one_at_start)
{
	char *b = config_without_domid("b"), *err, *out;

	ck_assert_int_eq(h_dmctl(NULL, &err, "start", b, NULL), 1);
	ck_assert_msg(strstr(err, "domain b has no domid: start it with the "
				  "live domain's (--domid N)"),
		      "%s", err);
	free(err);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "start", "b", "--domid", "0", NULL), 1);
	ck_assert_msg(strstr(err, "'domid' must be 1 to 32751"), "%s", err);
	free(err);
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "start", "b", "--domid", "9", NULL), 0);
	ck_assert_msg(strstr(out, "domid 9"), "%s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "b", NULL), 0);
	/* The bound domid is the default of the next start. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", "b", NULL), 0);
	ck_assert_int_eq(domid_of("b"), 9);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "b", NULL), 0);
	free(b);
}
END_TEST

/* The domain a domid-looking key finds, by name ("" if none). */
static char *name_at(const char *key)
{
	struct json_object *st = h_status(key);
	char *name = strdup(h_str(st, "name"));

	json_object_put(st);
	return name;
}

static void assert_found_at(const char *key, const char *want)
{
	char *name = name_at(key);

	ck_assert_msg(!strcmp(name, want), "%s finds '%s', not '%s'", key, name,
		      want);
	free(name);
}

/* Each way a domid changes (issue 13's index follows it). */
START_TEST(a_changed_domid_finds_the_domain_there_and_only_there)
{
	char *a = h_standin_config("a", 5, "[\"--qmp\"]", "");

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", a, NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "a", NULL), 0);
	assert_found_at("5", "a");
	ck_assert_int_eq(h_dmctl(NULL, NULL, "set", "a", "domid=7", NULL), 0);
	assert_found_at("7", "a");
	h_dmctl_refused("no domain", "status", "5", NULL);
	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "start", "a", "--domid", "8", NULL), 0);
	assert_found_at("8", "a");
	h_dmctl_refused("no domain", "status", "7", NULL);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "8", NULL), 0);
	/* Its file again: a redefinition, back on 5. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", a, NULL), 0);
	assert_found_at("5", "a");
	h_dmctl_refused("no domain", "status", "8", NULL);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "undefine", "5", NULL), 1);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "5", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "undefine", "5", NULL), 0);
	h_dmctl_refused("no domain", "status", "a", NULL);
	free(a);
}
END_TEST

/* A definition named like a domid is a definition of that name: it
 * neither replaces nor renames the idle domain holding that domid. */
START_TEST(a_name_that_looks_like_a_domid_is_a_name)
{
	char *a = h_standin_config("a", 5, "[\"--qmp\"]", ""),
	     *five = h_standin_config("5", 6, "[\"--qmp\"]", "");

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", a, NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "a", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", five, NULL), 0);
	assert_found_at("5", "5");
	assert_found_at("6", "5");
	assert_found_at("a", "a");
	ck_assert_int_eq(domid_of("a"), 5);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "5", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "undefine", "5", NULL), 0);
	/* Now the key 5 is a's domid again. */
	assert_found_at("5", "a");
	free(a);
	free(five);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_stopped_definition_gives_its_domid_up,
	    a_config_without_domid_needs_one_at_start,
	    a_changed_domid_finds_the_domain_there_and_only_there,
	    a_name_that_looks_like_a_domid_is_a_name,
	};

	return h_main("dmsup-domid", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
