/*
 * xs-mem.h - an in-memory xenstore for unit tests ONLY.
 *
 * It behaves like xenstored where the project relies on it: nodes with
 * values and permissions (owner + per-domain read/write, dom0 bypasses
 * them, a stub domain also gets its target's access), watches that fire on
 * the node, on its children and once on registration, delivered later
 * from the event loop and only to watchers that may read the node,
 * transactions that fail with EAGAIN when a node they touched changed,
 * and the size limits (one message: path + NUL + value <= 4096 bytes).
 *
 * One store, several connections, each acting as one domain: a test can
 * play dom0 (the toolstack), the stub domain and the guest at once.
 */
#ifndef TESTS_UNIT_PROTO_XS_MEM_H
#define TESTS_UNIT_PROTO_XS_MEM_H

struct event_base;
struct xsp;
struct xsp_mem_store;

struct xsp_mem_store *xsp_mem_store_new(void);
/* Every connection must have been closed (xsp_close) before. */
void xsp_mem_store_free(struct xsp_mem_store *st);
/* A connection acting as `domid` (0 = privileged). NULL on ENOMEM. */
struct xsp *xsp_mem_open(struct xsp_mem_store *st, struct event_base *base,
			 unsigned int domid);

/* Fires a special event (XSP_WATCH_INTRODUCE, XSP_WATCH_RELEASE) to the
 * dom0 connections watching it, as xenstored does when a domain is
 * introduced or released. */
void xsp_mem_special(struct xsp_mem_store *st, const char *event);

#endif
