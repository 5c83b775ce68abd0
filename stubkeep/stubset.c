/*
 * stubset.c - counting a set of PV devices (see stubset.h).
 */
#include "stubkeep/stubset.h"

#include <stdarg.h>
#include <stdio.h>

#include "stubdom-proto/pvdev.h"

void stubset_info(struct stubset *s, const char *fmt, ...)
{
	va_list ap;

	if (s->len && s->len < sizeof(s->info) - 1)
		s->len += (size_t)snprintf(s->info + s->len,
					   sizeof(s->info) - s->len, ", ");
	if (s->len >= sizeof(s->info))
		s->len = sizeof(s->info) - 1;
	va_start(ap, fmt);
	s->len += (size_t)vsnprintf(s->info + s->len, sizeof(s->info) - s->len,
				    fmt, ap);
	va_end(ap);
	if (s->len >= sizeof(s->info))
		s->len = sizeof(s->info) - 1;
}

void stubset_result(struct stubset *s, const struct pvdev_result *res)
{
	if (s->done_called)
		return;
	if (res->rc) {
		s->done_called = true;
		s->done(res->rc, res->error, s->arg);
		return;
	}
	if (++s->connected == s->n) {
		s->done_called = true;
		s->done(0, s->info, s->arg);
	}
}
