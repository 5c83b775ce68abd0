/*
 * libqmp framing: turns the byte stream from QEMU into JSON objects.
 *
 * QMP has no framing of its own: messages are JSON objects one after the
 * other (QEMU ends each with "\r\n"). The parser finds where each
 * message ends itself and gives json-c the whole message at once (json-c
 * mis-parses a number cut between two chunks), one top-level object at a
 * time, so it works for input split anywhere or many messages in one read. It
 * is pure (no I/O), so tests can feed it any bytes.
 *
 * Untrusted input: a message larger than max_message bytes, nested deeper
 * than max_depth, invalid JSON or UTF-8, a raw control character (only
 * \t \n \r may appear outside escapes in valid JSON) or a top-level value
 * that is not an object is an error. After an error the stream position is
 * lost, so the parser stays failed; the connection must be dropped.
 */
#ifndef QMP_PARSER_H
#define QMP_PARSER_H

#include <stddef.h>

struct json_object;
struct qmp_parser;

/* max_message 0 / max_depth 0 mean the defaults of qmp/qmp.h. */
struct qmp_parser *qmp_parser_new(size_t max_message, int max_depth);
void qmp_parser_free(struct qmp_parser *p);

/* Append input (copied). Returns 0 or QMP_E_NOMEM. */
int qmp_parser_feed(struct qmp_parser *p, const void *buf, size_t len);

/*
 * The next complete message. Returns 1 with a new reference in *msg_r,
 * 0 if more input is needed, or QMP_E_PROTOCOL (see qmp_parser_error).
 */
int qmp_parser_next(struct qmp_parser *p, struct json_object **msg_r);

/* Bytes of buffer the parser holds now (what an idle connection costs). */
size_t qmp_parser_capacity(const struct qmp_parser *p);

/* Why the parser failed ("" if it did not). */
const char *qmp_parser_error(const struct qmp_parser *p);

#endif
