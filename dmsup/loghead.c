/* The start header of a device model's log (loghead.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmsup/loghead.h"

#define LOGHEAD_PREFIX "dmsup: "

struct loghead_buf {
	char *text;
	size_t len, max;
};

static void loghead_put(struct loghead_buf *b, const char *s, size_t n)
{
	if (b->len + n > b->max)
		n = b->max - b->len;
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = '\0';
}

/* One argument: controls and backslashes as \xNN, at most
 * LOGHEAD_ARG_MAX bytes then "...". */
static void loghead_arg(struct loghead_buf *b, const char *arg)
{
	size_t start = b->len;

	loghead_put(b, LOGHEAD_PREFIX "  ", strlen(LOGHEAD_PREFIX) + 2);
	for (const unsigned char *c = (const unsigned char *)arg; *c; c++) {
		char esc[8];
		if (b->len - start >= LOGHEAD_ARG_MAX) {
			loghead_put(b, "...", 3);
			break;
		}
		if (*c < 0x20 || *c == 0x7f || *c == '\\') {
			snprintf(esc, sizeof(esc), "\\x%02x", *c);
			loghead_put(b, esc, strlen(esc));
		} else {
			loghead_put(b, (const char *)c, 1);
		}
	}
	loghead_put(b, "\n", 1);
}

char *loghead_format(const char *name, int domid, unsigned spawn, time_t when,
		     char *const argv[])
{
	/* Room for the last line's "N more arguments" past the cap. */
	struct loghead_buf b = {.max = LOGHEAD_MAX + 128};
	char line[256], ts[32];
	struct tm tm;
	int n = 0;

	if (!(b.text = malloc(b.max + 1)))
		return NULL;
	b.text[0] = '\0';
	gmtime_r(&when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(line, sizeof(line),
		 LOGHEAD_PREFIX "%s: %s (domid %d): spawn %u with arguments:\n",
		 ts, name, domid, spawn);
	loghead_put(&b, line, strlen(line));
	for (; argv[n]; n++) {
		if (b.len + LOGHEAD_ARG_MAX + 64 > LOGHEAD_MAX)
			break;
		loghead_arg(&b, argv[n]);
	}
	int more = 0;
	while (argv[n + more])
		more++;
	if (more) {
		snprintf(line, sizeof(line),
			 LOGHEAD_PREFIX "  ... (%d more arguments)\n", more);
		loghead_put(&b, line, strlen(line));
	}
	return b.text;
}

/* Writes of at most PIPE_BUF bytes are whole or nothing on a pipe. */
static void loghead_write_lines(int fd, const char *text)
{
	size_t len = strlen(text);

	while (len) {
		size_t n = len;
		if (n > PIPE_BUF) {
			n = PIPE_BUF;
			while (n && text[n - 1] != '\n')
				n--;
			if (!n)
				n = PIPE_BUF; /* lines are shorter: no case */
		}
		ssize_t r = write(fd, text, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return; /* full (EAGAIN) or gone: the rest is dropped */
		text += r;
		len -= (size_t)r;
	}
}

void loghead_write(int fd, const char *name, int domid, unsigned spawn,
		   char *const argv[])
{
	char *text = loghead_format(name, domid, spawn, time(NULL), argv);
	int flags = fcntl(fd, F_GETFL);

	/* The device model gets this end blocking, as QEMU expects; it has
	 * not been spawned yet, so the flag is ours for this write. */
	if (!text || flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		free(text);
		return;
	}
	loghead_write_lines(fd, text);
	fcntl(fd, F_SETFL, flags);
	free(text);
}
