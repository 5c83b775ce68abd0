/* Shared between libqmp's own files; not installed. */
#ifndef QMP_INTERNAL_H
#define QMP_INTERNAL_H

#include "qmp/qmp.h"

/* Format and pass a line to the user's log callback, if any. */
void qmp_logf(struct qmp *q, enum qmp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
