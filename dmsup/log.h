/* dmsup's own log: stderr in the foreground, syslog as a daemon. */
#ifndef DMSUP_LOG_H
#define DMSUP_LOG_H

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG };

void log_init(enum log_target target, int verbose);
/* SIGHUP: the syslog connection is made again (nothing for stderr). */
void log_reopen(void);
/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
