/* dmctl cd-insert and cd-eject on a real QEMU without Xen (kind dom0):
 * what QEMU's query-block then shows, what status and the stored
 * configuration say, across a restart of dmsup, and the refusals. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/local/dmsup/harness.h"

/* vm1 on a PC machine (IDE) with a disk at hda and an empty CD at hdc. */
static char *start_with_cd(void)
{
	char disk[400], extra[1200], *cfg;
	FILE *f;

	snprintf(disk, sizeof(disk), "%s/disk.img", H.dir);
	ck_assert_ptr_nonnull(f = fopen(disk, "w"));
	ck_assert_int_eq(ftruncate(fileno(f), 1 << 20), 0);
	fclose(f);
	snprintf(extra, sizeof(extra),
		 "\"machine\": \"pc-i440fx-3.1\", \"disks\": ["
		 "{\"path\": \"%s\", \"vdev\": \"hda\"}, "
		 "{\"media\": \"cdrom\", \"vdev\": \"hdc\"}]",
		 disk);
	cfg = h_config("vm1", 11, extra);
	h_start(cfg);
	return cfg;
}

/* vm1 started as dmsup keeps it (not redefined from its file). */
static void start_defined(void)
{
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", "vm1", NULL), 0);
}

/* A 64 KiB file in the test dir; its path, malloc'd. */
static char *make_iso(const char *name)
{
	char *path;
	FILE *f;

	ck_assert_int_gt(asprintf(&path, "%s/%s", H.dir, name), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(ftruncate(fileno(f), 64 << 10), 0);
	fclose(f);
	return path;
}

/* The file of the medium in the CD (libxl's id ide-5632) as QEMU's
 * query-block tells it, malloc'd; "" for none. */
static char *cd_medium(void)
{
	char *out = h_qmp_json("vm1", "query-block"), *file = NULL;
	struct json_object *list = json_tokener_parse(out), *v, *ins;

	ck_assert_msg(json_object_is_type(list, json_type_array), "%s", out);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *b = json_object_array_get_idx(list, i);
		if (!json_object_object_get_ex(b, "qdev", &v) ||
		    strcmp(json_object_get_string(v), "ide-5632"))
			continue;
		file = strdup(json_object_object_get_ex(b, "inserted", &ins) &&
				      json_object_object_get_ex(ins, "file", &v)
				  ? json_object_get_string(v)
				  : "");
	}
	ck_assert_msg(file, "no device ide-5632 in query-block: %s", out);
	json_object_put(list);
	free(out);
	return file;
}

static bool block_has(const char *want)
{
	char *file = cd_medium();
	bool yes = !strcmp(file, want);

	free(file);
	return yes;
}

static bool block_cd_empty(void)
{
	return block_has("");
}

static void status_says(const char *want)
{
	char *out;

	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "vm1", NULL), 0);
	ck_assert_msg(strstr(out, want), "status lacks '%s': %s", want, out);
	free(out);
}

/* The stored configuration's disk at hdc has the medium @want. */
static void stored_config_says(const char *want)
{
	char path[400], *text;
	struct json_object *cfg, *disks, *v;
	const char *got = NULL;

	snprintf(path, sizeof(path), "%s/vm1.json", H.state);
	ck_assert_ptr_nonnull(text = h_read_file(path));
	cfg = json_tokener_parse(text);
	ck_assert(json_object_object_get_ex(cfg, "disks", &disks));
	for (size_t i = 0; i < json_object_array_length(disks); i++) {
		struct json_object *k = json_object_array_get_idx(disks, i);
		if (json_object_object_get_ex(k, "vdev", &v) &&
		    !strcmp(json_object_get_string(v), "hdc"))
			got = json_object_object_get_ex(k, "path", &v)
				  ? json_object_get_string(v)
				  : "";
	}
	ck_assert_msg(got && !strcmp(got, want), "%s: hdc has '%s', not '%s'",
		      path, got ? got : "(no hdc)", want);
	json_object_put(cfg);
	free(text);
}

START_TEST(cd_insert_gives_qemu_the_medium_and_the_config_keeps_it)
{
	char *cfg = start_with_cd(), *iso = make_iso("a.iso"), *out, want[600];

	ck_assert(block_cd_empty());
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "cd-insert", "vm1", "hdc", iso, NULL), 0);
	snprintf(want, sizeof(want), "vm1: CD-ROM hdc holds %s", iso);
	ck_assert_msg(strstr(out, want), "dmctl said: %s", out);
	free(out);
	ck_assert(block_has(iso));
	snprintf(want, sizeof(want), "hdc: %s", iso);
	status_says(want);
	stored_config_says(iso);
	free(iso);
	free(cfg);
}
END_TEST

START_TEST(cd_eject_leaves_the_drive_empty)
{
	char *cfg = start_with_cd(), *iso = make_iso("a.iso"), *out;

	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "cd-insert", "vm1", "hdc", iso, NULL), 0);
	ck_assert_int_eq(h_dmctl(&out, NULL, "cd-eject", "vm1", "hdc", NULL),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "vm1: CD-ROM hdc is empty"));
	free(out);
	ck_assert(block_cd_empty());
	status_says("hdc: empty");
	stored_config_says("");
	free(iso);
	free(cfg);
}
END_TEST

START_TEST(the_medium_survives_a_restart_of_dmsup)
{
	char *cfg = start_with_cd(), *iso = make_iso("b.iso"), want[600];

	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "cd-insert", "vm1", "hdc", iso, NULL), 0);
	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	snprintf(want, sizeof(want), "hdc: %s", iso);
	status_says(want);
	ck_assert(block_has(iso));
	/* And the next start of the device model gets it on its argv. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	start_defined();
	ck_assert(block_has(iso));
	free(iso);
	free(cfg);
}
END_TEST

START_TEST(cd_insert_of_a_stopped_domain_applies_at_the_next_start)
{
	char *cfg = start_with_cd(), *iso = make_iso("c.iso"), *out;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "cd-insert", "vm1", "hdc", iso, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "at the next start"));
	free(out);
	start_defined();
	ck_assert(block_has(iso));
	free(iso);
	free(cfg);
}
END_TEST

START_TEST(cd_insert_refuses_an_unknown_vdev_naming_the_disks)
{
	char *cfg = start_with_cd(), *iso = make_iso("a.iso");

	h_dmctl_refused("vm1 (domid 11): cd-insert: no disk at vdev 'hdd' "
			"(its disks: hda, hdc (cdrom))",
			"cd-insert", "vm1", "hdd", iso, NULL);
	free(iso);
	free(cfg);
}
END_TEST

START_TEST(cd_insert_refuses_a_disk_that_is_not_a_cdrom)
{
	char *cfg = start_with_cd(), *iso = make_iso("a.iso");

	h_dmctl_refused("cd-insert: hda is a disk, not a CD-ROM", "cd-insert",
			"vm1", "hda", iso, NULL);
	h_dmctl_refused("cd-eject: hda is a disk, not a CD-ROM", "cd-eject",
			"vm1", "hda", NULL);
	free(iso);
	free(cfg);
}
END_TEST

START_TEST(cd_insert_refuses_a_missing_file)
{
	char *cfg = start_with_cd(), missing[400];

	snprintf(missing, sizeof(missing), "%s/nothing.iso", H.dir);
	h_dmctl_refused("No such file or directory", "cd-insert", "vm1", "hdc",
			missing, NULL);
	h_dmctl_refused("not an absolute path", "cd-insert", "vm1", "hdc",
			"rel.iso", NULL);
	/* Nothing changed: still empty, in QEMU and in the config. */
	ck_assert(block_cd_empty());
	status_says("hdc: empty");
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    cd_insert_gives_qemu_the_medium_and_the_config_keeps_it,
	    cd_eject_leaves_the_drive_empty,
	    the_medium_survives_a_restart_of_dmsup,
	    cd_insert_of_a_stopped_domain_applies_at_the_next_start,
	    cd_insert_refuses_an_unknown_vdev_naming_the_disks,
	    cd_insert_refuses_a_disk_that_is_not_a_cdrom,
	    cd_insert_refuses_a_missing_file,
	};

	return h_main("dmsup-cdrom", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
