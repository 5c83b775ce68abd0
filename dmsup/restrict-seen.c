/*
 * libxl's dm_restrict, as /proc shows it on an adopted QEMU
 * (restrict-seen.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmsup/restrict-config.h"
#include "dmsup/restrict-seen.h"
#include "dropin/dropin.h"

/* Bounds what is read of a QEMU's argv: libxl's are a few KiB. */
#define SEEN_CMDLINE_MAX (64 * 1024)

static int seen_status(pid_t pid, struct restrict_seen *s)
{
	char path[64], line[256];
	unsigned long r, e, n;
	int got = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2) {
			s->uid = (uid_t)e;
			got |= 1;
		} else if (sscanf(line, "Gid: %lu %lu", &r, &e) == 2) {
			s->gid = (gid_t)e;
			got |= 2;
		} else if (sscanf(line, "NoNewPrivs: %lu", &n) == 1)
			s->no_new_privs = n != 0;
		else if (sscanf(line, "Seccomp: %lu", &n) == 1)
			s->seccomp = (int)n;
	}
	fclose(f);
	return got == 3 ? 0 : -1;
}

/* -xen-domid-restrict and -sandbox's value, from the NUL-separated argv. */
static void seen_argv(pid_t pid, struct restrict_seen *s)
{
	char path[64], *buf = malloc(SEEN_CMDLINE_MAX);
	ssize_t n = 0, r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (!buf || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(buf);
		return;
	}
	while (n < SEEN_CMDLINE_MAX - 1 &&
	       (r = read(fd, buf + n, SEEN_CMDLINE_MAX - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	bool after_mon = false;
	for (char *a = buf; a < buf + n; a += strlen(a) + 1) {
		/* After dmsup-qemu-dm's monitor: dmsup's, not libxl's. */
		if (strstr(a, "id=" DROPIN_MON_ID ","))
			after_mon = true;
		else if (!strcmp(a, "-runas"))
			s->by_dmsup = after_mon;
		if (!strcmp(a, "-xen-domid-restrict"))
			s->domid_restrict = true;
		else if (!strcmp(a, "-sandbox") && a + strlen(a) + 1 < buf + n)
			snprintf(s->sandbox, sizeof(s->sandbox), "%s",
				 a + strlen(a) + 1);
	}
	free(buf);
}

int restrict_seen_read(pid_t pid, struct restrict_seen *s)
{
	char path[64];
	ssize_t n;

	memset(s, 0, sizeof(*s));
	if (pid <= 0 || seen_status(pid, s))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	n = readlink(path, s->root, sizeof(s->root) - 1);
	s->root[n > 0 ? n : 0] = '\0';
	seen_argv(pid, s);
	return 0;
}

/* One limit's soft value from a line of /proc/PID/limits ("Max
 * processes  256  256  processes"), after its @name. */
static void seen_limit(const char *line, const char *name, long long *v)
{
	size_t n = strlen(name);
	const char *p = line + n;

	if (strncmp(line, name, n) || (*p != ' ' && *p != '\t'))
		return;
	p += strspn(p, " \t");
	*v = strncmp(p, "unlimited", 9) ? strtoll(p, NULL, 10) : -1;
}

int restrict_seen_limits(pid_t pid, long long *nproc_r, long long *fsize_r)
{
	char path[64], line[256];
	FILE *f;

	*nproc_r = *fsize_r = -1;
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	if (pid <= 0 || !(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		seen_limit(line, "Max processes", nproc_r);
		seen_limit(line, "Max file size", fsize_r);
	}
	fclose(f);
	return 0;
}

void restrict_seen_plan(const struct restrict_seen *s, uid_t range_base,
			int domid, struct restrict_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->fsize = -1;
	if (s->uid == 0) {
		snprintf(p->off_why, sizeof(p->off_why),
			 "started by xl: QEMU runs as root (xl.cfg has no "
			 "dm_restrict)");
		return;
	}
	p->on = true;
	p->uid = s->uid;
	p->gid = s->gid;
	p->domid_restrict = s->domid_restrict;
	snprintf(p->sandbox, sizeof(p->sandbox), "%s", s->sandbox);
	p->shared = !(range_base && s->uid == range_base + (uid_t)domid);
	const char *by = s->by_dmsup ? "dmsup" : "libxl";
	if (p->shared)
		snprintf(p->how, sizeof(p->how), "%s: uid %u", by,
			 (unsigned)s->uid);
	else
		snprintf(p->how, sizeof(p->how),
			 "%s: range " RESTRICT_RANGE_USER " (%u) + %d", by,
			 (unsigned)range_base, domid);
}

struct json_object *restrict_seen_json(const struct restrict_seen *s,
				       const struct restrict_plan *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(p->on));
	json_object_object_add(
	    o, "by", json_object_new_string(s->by_dmsup ? "dmsup" : "libxl"));
	if (!p->on) {
		json_object_object_add(o, "why",
				       json_object_new_string(p->off_why));
		return o;
	}
	json_object_object_add(o, "uid", json_object_new_int((int)p->uid));
	json_object_object_add(o, "gid", json_object_new_int((int)p->gid));
	json_object_object_add(o, "user", json_object_new_string(p->how));
	if (strcmp(s->root, "/"))
		json_object_object_add(o, "chroot",
				       json_object_new_string(s->root));
	if (*s->sandbox)
		json_object_object_add(o, "sandbox",
				       json_object_new_string(s->sandbox));
	json_object_object_add(o, "seccomp",
			       json_object_new_boolean(s->seccomp == 2));
	json_object_object_add(o, "xen_domid_restrict",
			       json_object_new_boolean(s->domid_restrict));
	json_object_object_add(o, "no_new_privs",
			       json_object_new_boolean(s->no_new_privs));
	json_object_object_add(o, "reaped_by_dmsup",
			       json_object_new_boolean(!p->shared));
	return o;
}
