#include <pwd.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dmsup/usercache.h"

struct usercache_slot {
	char name[64];
	bool found;
	uid_t uid;
	gid_t gid;
	long long at_ms;
	struct stat passwd; /* /etc/passwd when it was asked */
};

static struct usercache_slot slots[USERCACHE_SLOTS];
static unsigned next_slot;
static usercache_source_fn *source = getpwnam;
static const char *stamp_path = "/etc/passwd";

static long long usercache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool usercache_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static struct usercache_slot *
usercache_find(const char *name, const struct stat *passwd, long long now)
{
	for (unsigned i = 0; i < USERCACHE_SLOTS; i++) {
		struct usercache_slot *s = &slots[i];
		if (s->name[0] && !strcmp(s->name, name) &&
		    now - s->at_ms < USERCACHE_TTL_MS &&
		    usercache_same_file(&s->passwd, passwd))
			return s;
	}
	return NULL;
}

static int usercache_answer(const struct passwd *pw, uid_t *uid_r, gid_t *gid_r)
{
	if (!pw)
		return -1;
	*uid_r = pw->pw_uid;
	*gid_r = pw->pw_gid;
	return 0;
}

int usercache_getpw(const char *name, uid_t *uid_r, gid_t *gid_r)
{
	struct stat passwd = {0};
	long long now = usercache_now_ms();
	struct usercache_slot *s;

	/* A name too long to keep is asked every time. */
	if (strlen(name) >= sizeof(s->name))
		return usercache_answer(source(name), uid_r, gid_r);
	/* No /etc/passwd: the zero stat still keys the answer. */
	(void)stat(stamp_path, &passwd);
	if (!(s = usercache_find(name, &passwd, now))) {
		struct passwd *pw = source(name);
		s = &slots[next_slot++ % USERCACHE_SLOTS];
		strcpy(s->name, name);
		s->found = usercache_answer(pw, &s->uid, &s->gid) == 0;
		s->at_ms = now;
		s->passwd = passwd;
	}
	if (!s->found)
		return -1;
	*uid_r = s->uid;
	*gid_r = s->gid;
	return 0;
}

void usercache_flush(void)
{
	memset(slots, 0, sizeof(slots));
	next_slot = 0;
}

void usercache_set_source(usercache_source_fn *fn, const char *stamp)
{
	source = fn ? fn : getpwnam;
	stamp_path = stamp ? stamp : "/etc/passwd";
	usercache_flush();
}
