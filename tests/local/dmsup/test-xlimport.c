/*
 * dmctl import-xl, start --xl and plan --xl against a real dmsup: an
 * xl.cfg's device model is defined, started with its memory reaching QEMU,
 * planned without dmsup; what is not mapped is named with its line; a
 * broken file defines nothing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>

#include "tests/local/dmsup/harness.h"

/* Writes <dir>/<name>.cfg: an HVM guest of 32 MiB on the test's QEMU,
 * then @extra lines. */
static char *xl_file(const char *name, const char *extra)
{
	char *path;

	ck_assert_int_ge(asprintf(&path, "%s/%s.cfg", H.dir, name), 0);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"# xl.cfg of %s\n"
		"name = \"%s\"\n"
		"type = \"hvm\"\n"
		"memory = 32\n"
		"vnc = 0\n"
		"device_model_override = \"%s\"\n"
		"%s",
		name, name, H_QEMU, extra);
	fclose(f);
	return path;
}

static void assert_has(const char *text, const char *want)
{
	ck_assert_msg(text && strstr(text, want), "'%s' lacks '%s'", text,
		      want);
}

START_TEST(import_xl_defines_and_the_domain_starts_with_its_memory)
{
	char *cfg = xl_file("xg1", "on_reboot = 'restart'\n");
	char *out = NULL, *err = NULL;

	ck_assert_int_eq(
	    h_dmctl(&out, &err, "import-xl", "--domid", "31", cfg, NULL), 0);
	assert_has(out, "xg1 (domid 31): defined");
	assert_has(err, "xg1.cfg:7: on_reboot: not mapped");
	struct json_object *st = h_status("xg1");
	ck_assert_str_eq(h_str(st, "state"), "defined");
	json_object_put(st);
	free(out);
	free(err);
	/* No Xen here: the rest of what a local QEMU needs, then a start. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "set", "xg1", "xen=false",
				 "machine=none", "vga=none", NULL),
			 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", "xg1", NULL), 0);
	out = h_qmp_json("xg1", "query-memory-size-summary");
	assert_has(out, "33554432"); /* memory = 32 (MiB) */
	free(out);
	free(cfg);
}
END_TEST

START_TEST(start_xl_imports_then_starts)
{
	char *cfg = xl_file("xg2", "");
	char *err = NULL;

	/* A Xen guest on a machine without Xen: it gets as far as "xen". */
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "start", "--xl", cfg, "--domid", "32", NULL),
	    1);
	assert_has(err, "xg2 (domid 32)");
	struct json_object *st = h_status("xg2");
	ck_assert_str_eq(h_str(st, "step"), "xen");
	ck_assert_int_eq(h_int(st, "domid"), 32);
	json_object_put(st);
	free(err);
	free(cfg);
}
END_TEST

START_TEST(a_broken_xl_file_is_refused_naming_the_line_and_defines_nothing)
{
	char *cfg = xl_file("xg3", "disk = [ '/a.img,raw,hda,rw'\nvcpus = 2\n");
	char *out = NULL, *err = NULL;

	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "import-xl", "--domid", "33", cfg, NULL), 1);
	assert_has(err, "xg3.cfg:8:");
	free(err);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "start", "--xl", cfg, "--domid", "33", NULL),
	    1);
	assert_has(err, "xg3.cfg:8:");
	free(err);
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	ck_assert_ptr_null(strstr(out, "xg3"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(a_pv_guest_is_refused)
{
	char *cfg = xl_file("xg4", "type = 'pv'\n");
	char *err = NULL;

	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "import-xl", "--domid", "34", cfg, NULL), 1);
	assert_has(err, "xg4.cfg:7: type: 'pv' is not supported");
	free(err);
	free(cfg);
}
END_TEST

START_TEST(print_and_plan_need_no_dmsup)
{
	char *cfg = xl_file("xg5", "maxmem = 64\nvga = 'stdvga'\n");
	char *out = NULL, *err = NULL;

	h_stop_dmsup(SIGTERM);
	ck_assert_int_eq(h_dmctl(&out, &err, "import-xl", "--print", cfg, NULL),
			 0);
	struct json_object *o = json_tokener_parse(out);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(h_str(o, "name"), "xg5");
	ck_assert_int_eq(h_int(o, "memory"), 32);
	ck_assert_str_eq(h_str(o, "vga"), "std");
	assert_has(err, "xg5.cfg:7: maxmem: not mapped");
	json_object_put(o);
	free(out);
	free(err);
	ck_assert_int_eq(h_dmctl(&out, NULL, "plan", "--xl", cfg, NULL), 0);
	assert_has(out, "stdvga ROM");
	free(out);
	free(cfg);
}
END_TEST

START_TEST(xl_options_are_checked_before_anything_is_sent)
{
	char *fifo;

	/* --xl with a config: usage (--domid alone binds: test-domid). */
	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "start", "--xl", "/x.cfg", "vm1", NULL), 2);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "import-xl", NULL), 2);
	/* A FIFO is refused at once, as every file dmctl reads. */
	ck_assert_int_ge(asprintf(&fifo, "%s/fifo.cfg", H.dir), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	h_dmctl_refused("not a regular file", "import-xl", fifo, NULL);
	free(fifo);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    import_xl_defines_and_the_domain_starts_with_its_memory,
	    start_xl_imports_then_starts,
	    a_broken_xl_file_is_refused_naming_the_line_and_defines_nothing,
	    a_pv_guest_is_refused,
	    print_and_plan_need_no_dmsup,
	    xl_options_are_checked_before_anything_is_sent,
	};

	return h_main("dmsup-xlimport", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
