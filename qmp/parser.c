/* libqmp framing: bytes in, one JSON object out at a time (see parser.h). */
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp/parser.h"
#include "qmp/qmp.h"

/* The buffer starts small and goes back to nothing once a message larger
 * than this was consumed: 1,000 idle device models must not each keep
 * the largest reply they ever sent. */
#define QMP_PARSER_MIN_CAP 1024
#define QMP_PARSER_KEEP_CAP 4096

struct qmp_parser {
	struct json_tokener *tok;
	size_t max_message;
	char *buf;
	size_t len, pos, cap;
	size_t msg_bytes; /* bytes of the current message framed so far */
	int in_msg;	  /* the current message's '{' was seen */
	int max_depth;
	int depth, in_str, escaped; /* where the framing is in the message */
	int failed;
	/* UTF-8 checked here, not by json-c: json-c checks the byte after
	 * a message's '}' too, so a message was lost or not depending on
	 * whether invalid bytes after it came in the same read. */
	int u8_need;		    /* continuation bytes still expected */
	unsigned char u8_lo, u8_hi; /* the range of the next one */
	char error[160];
};

struct qmp_parser *qmp_parser_new(size_t max_message, int max_depth)
{
	struct qmp_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->max_message = max_message ? max_message : QMP_DEFAULT_MAX_MESSAGE;
	/* A message goes to json-c in one call, whose length is an int. */
	if (p->max_message > INT_MAX)
		p->max_message = INT_MAX;
	p->max_depth = max_depth > 0 ? max_depth : QMP_DEFAULT_MAX_DEPTH;
	p->tok = json_tokener_new_ex(p->max_depth);
	if (!p->tok) {
		free(p);
		return NULL;
	}
	json_tokener_set_flags(p->tok, JSON_TOKENER_STRICT);
	return p;
}

void qmp_parser_free(struct qmp_parser *p)
{
	if (!p)
		return;
	json_tokener_free(p->tok);
	free(p->buf);
	free(p);
}

int qmp_parser_feed(struct qmp_parser *p, const void *buf, size_t len)
{
	if (!len)
		return 0;
	if (p->pos == p->len)
		p->pos = p->len = 0;
	if (p->len + len > p->cap) {
		size_t cap = p->cap ? p->cap : QMP_PARSER_MIN_CAP;
		char *nbuf;

		/* Drop what was consumed before growing. */
		if (p->pos) {
			memmove(p->buf, p->buf + p->pos, p->len - p->pos);
			p->len -= p->pos;
			p->pos = 0;
		}
		while (cap < p->len + len)
			cap *= 2;
		if (cap > p->cap) {
			nbuf = realloc(p->buf, cap);
			if (!nbuf)
				return QMP_E_NOMEM;
			p->buf = nbuf;
			p->cap = cap;
		}
	}
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	return 0;
}

static int qmp_parser_fail(struct qmp_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int qmp_parser_fail(struct qmp_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	p->failed = 1;
	return QMP_E_PROTOCOL;
}

static int qmp_parser_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One byte of UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF); sequences may span calls. Returns 0 or -1. */
static int qmp_parser_utf8(struct qmp_parser *p, unsigned char c)
{
	if (p->u8_need) {
		if (c < p->u8_lo || c > p->u8_hi)
			return -1;
		p->u8_need--;
		p->u8_lo = 0x80;
		p->u8_hi = 0xbf;
		return 0;
	}
	if (c < 0x80)
		return 0;
	p->u8_lo = 0x80;
	p->u8_hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		p->u8_need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		p->u8_need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		p->u8_need = 3;
	else
		return -1;
	if (c == 0xe0)
		p->u8_lo = 0xa0;
	else if (c == 0xed)
		p->u8_hi = 0x9f;
	else if (c == 0xf0)
		p->u8_lo = 0x90;
	else if (c == 0xf4)
		p->u8_hi = 0x8f;
	return 0;
}

/*
 * The message's bytes are framed here and handed to json-c whole, in one
 * call: json-c 0.16 mis-parses a number cut by the end of a chunk
 * (`{"a": 7` then `-}` gives {"a": 7}, while the same bytes whole are
 * refused), so what QEMU sent must not depend on how reads split it.
 * The framing also sees what json-c lets through: raw control characters
 * (valid only as blanks between tokens, never inside a string) and
 * invalid UTF-8. Returns 1 at the message's closing brace, 0 if the input
 * ran out, or an error.
 */
static int qmp_parser_scan(struct qmp_parser *p)
{
	while (p->pos + p->msg_bytes < p->len) {
		unsigned char c = (unsigned char)p->buf[p->pos + p->msg_bytes];

		if (++p->msg_bytes > p->max_message)
			return qmp_parser_fail(p, "message exceeds %zu bytes",
					       p->max_message);
		if (qmp_parser_utf8(p, c))
			return qmp_parser_fail(
			    p, "invalid JSON: invalid UTF-8 (byte 0x%02x)", c);
		if (c < 0x20 && (p->in_str || !qmp_parser_is_blank((char)c)))
			return qmp_parser_fail(
			    p, "control character 0x%02x in message", c);
		if (p->in_str) {
			if (p->escaped)
				p->escaped = 0;
			else if (c == '\\')
				p->escaped = 1;
			else if (c == '"')
				p->in_str = 0;
			continue;
		}
		if (c == '"') {
			p->in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++p->depth > p->max_depth)
				return qmp_parser_fail(
				    p, "invalid JSON: nesting deeper than %d",
				    p->max_depth);
		} else if ((c == '}' || c == ']') && --p->depth == 0) {
			return 1;
		}
	}
	return 0;
}

/* Start a message at the first non-blank byte, which must be '{'.
 * Returns 1 if a message started, 0 if the input ran out, or an error. */
static int qmp_parser_start(struct qmp_parser *p)
{
	unsigned char c;

	while (p->pos < p->len && qmp_parser_is_blank(p->buf[p->pos]))
		p->pos++;
	if (p->pos == p->len)
		return 0;
	c = (unsigned char)p->buf[p->pos];
	if (c != '{')
		return qmp_parser_fail(
		    p, "message is not a JSON object (starts with byte 0x%02x)",
		    c);
	p->in_msg = 1;
	p->msg_bytes = 0;
	p->depth = 0;
	p->in_str = p->escaped = 0;
	return 1;
}

/* The framed message, parsed in one call; json-c must use all of it. */
static int qmp_parser_parse(struct qmp_parser *p, struct json_object **msg_r)
{
	struct json_object *obj;
	enum json_tokener_error jerr;

	json_tokener_reset(p->tok);
	obj = json_tokener_parse_ex(p->tok, p->buf + p->pos, (int)p->msg_bytes);
	jerr = json_tokener_get_error(p->tok);
	if (!obj || json_tokener_get_parse_end(p->tok) != p->msg_bytes) {
		json_object_put(obj);
		return qmp_parser_fail(p, "invalid JSON: %s",
				       obj || jerr == json_tokener_continue
					   ? "unexpected end of object"
					   : json_tokener_error_desc(jerr));
	}
	p->pos += p->msg_bytes;
	p->in_msg = 0;
	*msg_r = obj;
	return 1;
}

int qmp_parser_next(struct qmp_parser *p, struct json_object **msg_r)
{
	int rc;

	*msg_r = NULL;
	if (p->failed)
		return QMP_E_PROTOCOL;
	if (!p->in_msg && (rc = qmp_parser_start(p)) <= 0) {
		if (!rc && p->cap > QMP_PARSER_KEEP_CAP) {
			free(p->buf);
			p->buf = NULL;
			p->len = p->pos = p->cap = 0;
		}
		return rc;
	}
	rc = qmp_parser_scan(p);
	return rc <= 0 ? rc : qmp_parser_parse(p, msg_r);
}

size_t qmp_parser_capacity(const struct qmp_parser *p)
{
	return p->cap;
}

const char *qmp_parser_error(const struct qmp_parser *p)
{
	return p->error;
}
