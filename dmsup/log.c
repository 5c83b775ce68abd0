/* dmsup's own log: stderr in the foreground, syslog as a daemon. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "dmsup/log.h"

static enum log_target log_target_ = LOG_TO_STDERR;
static int log_verbose;

void log_init(enum log_target target, int verbose)
{
	log_target_ = target;
	log_verbose = verbose;
	if (target == LOG_TO_SYSLOG)
		openlog("dmsup", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_reopen(void)
{
	if (log_target_ != LOG_TO_SYSLOG)
		return;
	closelog();
	openlog("dmsup", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_vwrite(int prio, const char *suffix, const char *fmt,
		       va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_target_ == LOG_TO_SYSLOG) {
		syslog(prio, "%s%s%s", msg, suffix ? ": " : "",
		       suffix ? suffix : "");
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld dmsup: %s%s%s\n", tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, msg,
		suffix ? ": " : "", suffix ? suffix : "");
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}
