/*
 * The cgroup v2 of a restricted device model (cgroup.h). All of it is
 * synchronous and short: a few small writes to cgroupfs, which does not
 * block.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dmsup/cgroup.h"

#define DMCG_SUPER_MAGIC 0x63677270 /* CGROUP2_SUPER_MAGIC */
#define DMCG_TEXT_MAX (256 * 1024)  /* mountinfo of a busy host */

bool dmcg_config_ok(const char *s)
{
	size_t n = strlen(s);

	if (!strcmp(s, "auto") || !strcmp(s, "off"))
		return true;
	if (s[0] != '/' || n < 2 || n >= DMCG_PATH_MAX - 64 || s[n - 1] == '/')
		return false;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x21 || *c == 0x7f)
			return false; /* mountinfo escapes these */
	for (const char *c = s; c; c = strchr(c + 1, '/')) {
		size_t k = strcspn(c + 1, "/");
		if (k == 0 || (k == 1 && c[1] == '.') ||
		    (k == 2 && c[1] == '.' && c[2] == '.'))
			return false;
	}
	return true;
}

uint32_t dmcg_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

int dmcg_path(const char *base, const char *run_dir, const char *name,
	      char *out, size_t len)
{
	int n = snprintf(out, len, "%s/dmsup-%08x-%s", base, dmcg_hash(run_dir),
			 name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void dmcg_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/*
 * The next cgroup2 line of @text from *@pos: its root and mount point
 * (unescaped, each under @len). 1 found, 0 at the end.
 */
static int dmcg_next_mount(const char *text, size_t *pos, char *root, char *mnt,
			   size_t len)
{
	while (text[*pos]) {
		const char *line = text + *pos;
		size_t n = strcspn(line, "\n");
		char buf[2 * DMCG_PATH_MAX], f[4][DMCG_PATH_MAX];
		const char *sep;

		*pos += n + (line[n] == '\n');
		if (n >= sizeof(buf))
			continue;
		memcpy(buf, line, n);
		buf[n] = '\0';
		/* id parent maj:min root mountpoint ... - fstype ... */
		sep = strstr(buf, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(buf, "%1023s %1023s %1023s %1023s", f[0], f[1], f[2],
			   f[3]) != 4)
			continue;
		const char *mp = buf;
		for (int k = 0; k < 4; k++)
			mp = strchr(mp, ' ') + 1;
		size_t m = strcspn(mp, " ");
		if (m >= len || strlen(f[3]) >= len)
			continue;
		memcpy(mnt, mp, m);
		mnt[m] = '\0';
		snprintf(root, len, "%s", f[3]);
		dmcg_unescape(mnt);
		dmcg_unescape(root);
		return 1;
	}
	return 0;
}

/* "/" alone is no component: "" so that joining adds nothing. */
static const char *dmcg_rel(const char *p)
{
	return strcmp(p, "/") ? p : "";
}

/* The "0::" line's path of a /proc/PID/cgroup text, in @out. */
static int dmcg_unified_of(const char *text, char *out, size_t len)
{
	for (const char *l = text; l; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if (strncmp(l, "0::", 3))
			continue;
		size_t n = strcspn(l + 3, "\n");
		if (n == 0 || n >= len)
			return -1;
		memcpy(out, l + 3, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

int dmcg_base_parse(const char *mountinfo, const char *self_cgroup, char *out,
		    size_t len, char *why, size_t why_len)
{
	char root[DMCG_PATH_MAX], mnt[DMCG_PATH_MAX], self[DMCG_PATH_MAX];
	size_t pos = 0, r;

	if (!dmcg_next_mount(mountinfo, &pos, root, mnt, sizeof(mnt))) {
		snprintf(why, why_len, "the host has no cgroup2 mount");
		return -1;
	}
	if (dmcg_unified_of(self_cgroup, self, sizeof(self))) {
		snprintf(why, why_len,
			 "dmsup's /proc/self/cgroup has no cgroup2 (0::) line");
		return -1;
	}
	r = strlen(dmcg_rel(root));
	if (strncmp(self, root, r) || (self[r] != '/' && self[r] != '\0')) {
		snprintf(why, why_len,
			 "dmsup's cgroup %s is not under the cgroup2 mount at "
			 "%s (root %s)",
			 self, mnt, root);
		return -1;
	}
	int n = snprintf(out, len, "%s%s", dmcg_rel(mnt), dmcg_rel(self + r));
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, why_len, "dmsup's cgroup path is too long");
		return -1;
	}
	if (!*out)
		snprintf(out, len, "/");
	/* dmsup in a leaf named supervisor (systemd's DelegateSubgroup=):
	 * the device models' cgroups are its siblings. */
	char *leaf = strrchr(out, '/');
	if (leaf && leaf != out && !strcmp(leaf, "/" DMCG_SUPERVISOR))
		*leaf = '\0';
	return 0;
}

/* The mount holding @path and that mount's root: the mount's length. */
static size_t dmcg_mount_root(const char *mountinfo, const char *path,
			      char *root_r, size_t len)
{
	char root[DMCG_PATH_MAX], mnt[DMCG_PATH_MAX];
	size_t pos = 0, best = 0;

	/* A cgroup2 mount on "/" itself is no host's: not looked at. */
	while (dmcg_next_mount(mountinfo, &pos, root, mnt, sizeof(mnt))) {
		size_t m = strlen(dmcg_rel(mnt));
		if (!m || strncmp(path, mnt, m) ||
		    (path[m] != '/' && path[m]) || m <= best)
			continue;
		best = m;
		snprintf(root_r, len, "%s", root);
	}
	return best;
}

size_t dmcg_mount_of(const char *mountinfo, const char *path)
{
	char root[DMCG_PATH_MAX];

	return dmcg_mount_root(mountinfo, path, root, sizeof(root));
}

/* ---- on the host ---- */

/* A small kernel file, NUL-terminated: its length, or -1. */
static ssize_t dmcg_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r = 0;

	if (fd < 0)
		return -1;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return r < 0 ? -1 : (ssize_t)n;
}

static char *dmcg_read_alloc(const char *path)
{
	char *buf = malloc(DMCG_TEXT_MAX);

	if (buf && dmcg_read(path, buf, DMCG_TEXT_MAX) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int dmcg_write(const char *dir, const char *file, const char *val)
{
	char path[DMCG_PATH_MAX + 64];
	int fd, e;
	ssize_t r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	r = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	errno = e;
	return r == (ssize_t)strlen(val) ? 0 : -1;
}

int dmcg_base(const char *cfg, char *out, size_t len, char *why, size_t why_len)
{
	struct statfs sf;
	char *mi, *self;
	int rc;

	if (strcmp(cfg, "auto")) {
		int r = statfs(cfg, &sf);
		if (r || sf.f_type != DMCG_SUPER_MAGIC) {
			snprintf(why, why_len,
				 "restrict.cgroup %s is not a cgroup2 "
				 "directory%s%s",
				 cfg, r ? ": " : "", r ? strerror(errno) : "");
			return -1;
		}
		snprintf(out, len, "%s", cfg);
		return 0;
	}
	mi = dmcg_read_alloc("/proc/self/mountinfo");
	self = dmcg_read_alloc("/proc/self/cgroup");
	rc =
	    mi && self ? dmcg_base_parse(mi, self, out, len, why, why_len) : -1;
	if (!mi || !self)
		snprintf(why, why_len, "/proc/self cannot be read: %s",
			 strerror(errno));
	free(mi);
	free(self);
	return rc ? 1 : 0;
}

/* Whether @word is one of the space-separated words of @list. */
static bool dmcg_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/*
 * Whether a controller may be enabled in @dir's cgroup.subtree_control:
 * never where processes are, the root excepted (the root alone has no
 * cgroup.type). The kernel would allow a threaded one (pids) there, but
 * then no process could join @dir while a child holds processes: systemd
 * could not start dmsup again in its service's cgroup (status 219/CGROUP)
 * once a device model outlived a stop.
 */
static bool dmcg_may_enable(const char *dir)
{
	char file[DMCG_PATH_MAX + 32], procs[16];

	snprintf(file, sizeof(file), "%s/cgroup.type", dir);
	if (access(file, F_OK))
		return true;
	snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
	return dmcg_read(file, procs, sizeof(procs)) == 0;
}

/* One controller: enabled in @parent and its limit set in @path. */
static void dmcg_limit(const char *parent, const char *path, const char *ctl,
		       long long val, char *miss, size_t len)
{
	char file[DMCG_PATH_MAX + 32], have[512], v[32];

	*miss = '\0';
	if (val <= 0)
		return;
	snprintf(file, sizeof(file), "%s/cgroup.controllers", parent);
	if (dmcg_read(file, have, sizeof(have)) < 0 ||
	    !dmcg_has_word(have, ctl)) {
		snprintf(miss, len,
			 "cgroup %s limit (%s offers no %s controller)", ctl,
			 parent, ctl);
		return;
	}
	snprintf(file, sizeof(file), "%s/cgroup.subtree_control", parent);
	bool on = dmcg_read(file, have, sizeof(have)) >= 0 &&
		  dmcg_has_word(have, ctl);
	if (!on && !dmcg_may_enable(parent)) {
		snprintf(miss, len,
			 "cgroup %s limit (%s holds processes: a controller "
			 "enabled there would keep new ones out, a restart of "
			 "dmsup included; run dmsup in %s/" DMCG_SUPERVISOR ")",
			 ctl, parent, parent);
		return;
	}
	snprintf(v, sizeof(v), "+%s", ctl);
	if (!on && dmcg_write(parent, "cgroup.subtree_control", v)) {
		snprintf(miss, len, "cgroup %s limit (enabling it in %s: %s%s)",
			 ctl, parent, strerror(errno),
			 errno == EBUSY ? "; it holds processes" : "");
		return;
	}
	snprintf(file, sizeof(file), "%s.max", ctl);
	snprintf(v, sizeof(v), "%lld", val);
	if (dmcg_write(path, file, v))
		snprintf(miss, len, "cgroup %s limit (%s/%s: %s)", ctl, path,
			 file, strerror(errno));
}

int dmcg_make(const char *path, const struct dmcg_limits *l, char *miss_pids,
	      char *miss_mem, size_t miss_len, char *err, size_t err_len)
{
	char parent[DMCG_PATH_MAX], kill[DMCG_PATH_MAX + 16];
	struct stat st;
	bool existed = false;

	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent) {
		snprintf(err, err_len, "cgroup %s: no parent", path);
		return -1;
	}
	*slash = '\0';
	if (mkdir(path, 0755)) {
		if (errno != EEXIST) {
			snprintf(err, err_len, "cgroup %s: mkdir: %s", path,
				 strerror(errno));
			return -1;
		}
		existed = true;
	}
	snprintf(kill, sizeof(kill), "%s/cgroup.kill", path);
	if (lstat(path, &st) || !S_ISDIR(st.st_mode) || stat(kill, &st)) {
		snprintf(err, err_len, "cgroup %s: no cgroup.kill (%s)", path,
			 existed ? "not a cgroup"
				 : "the kernel is older than 5.14");
		if (!existed)
			rmdir(path);
		return -1;
	}
	/* A crashed dmsup's run left it: what is still in it goes. */
	if (existed && dmcg_kill(path)) {
		snprintf(err, err_len, "cgroup %s: cgroup.kill: %s", path,
			 strerror(errno));
		return -1;
	}
	dmcg_limit(parent, path, "pids", l->pids, miss_pids, miss_len);
	dmcg_limit(parent, path, "memory", l->memory, miss_mem, miss_len);
	return 0;
}

int dmcg_kill(const char *path)
{
	return dmcg_write(path, "cgroup.kill", "1");
}

int dmcg_remove(const char *path)
{
	if (!rmdir(path) || errno == ENOENT)
		return 0;
	return errno == EBUSY ? 1 : -1;
}

bool dmcg_holds(const char *path, pid_t pid)
{
	char file[64], text[4096], have[DMCG_PATH_MAX], root[DMCG_PATH_MAX];
	char want[2 * DMCG_PATH_MAX];
	char *mi = dmcg_read_alloc("/proc/self/mountinfo");
	size_t m = mi ? dmcg_mount_root(mi, path, root, sizeof(root)) : 0;

	free(mi);
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	if (!m || dmcg_read(file, text, sizeof(text)) < 0 ||
	    dmcg_unified_of(text, have, sizeof(have)))
		return false;
	snprintf(want, sizeof(want), "%s%s", dmcg_rel(root), path + m);
	return !strcmp(have, *want ? want : "/");
}
