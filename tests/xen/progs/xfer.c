/*
 * xfer: a byte stream between two test beds over TCP (the two-host
 * migration, make check-xen-migrate), with bounded waits and an end both
 * sides agree on, which busybox nc does not give:
 *
 *   xfer send HOST PORT [SECS]   stdin to HOST:PORT; retries the connect
 *                                (the peer bed may boot later) for SECS
 *                                (default 300), then shuts its side
 *                                down and waits for the peer to close:
 *                                exit 0 once the peer has read it all
 *   xfer recv PORT [SECS]        accepts one connection within SECS,
 *                                copies it to stdout until its end
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tbprog.h"

static int usage(void)
{
	fprintf(stderr, "usage: xfer send HOST PORT [SECS] | xfer recv PORT "
			"[SECS]\n");
	return 2;
}

/* Writes all of @buf to @fd. */
static int put_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* @from to @to until its end; bytes copied or -1. */
static long long copy(int from, int to)
{
	char buf[65536];
	long long n = 0;
	ssize_t r;

	while ((r = read(from, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || put_all(to, buf, (size_t)r))
			return -1;
		n += r;
	}
	return n;
}

static int connect_until(const char *host, int port, int64_t deadline)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -1;
	while (tbprog_now_ms() < deadline) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && !connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			return s;
		if (s >= 0)
			close(s);
		poll(NULL, 0, 200); /* the peer is not listening yet */
	}
	errno = ETIMEDOUT;
	return -1;
}

static int do_send(const char *host, int port, int secs)
{
	int s = connect_until(host, port, tbprog_now_ms() + secs * 1000LL);
	char c;

	if (s < 0) {
		fprintf(stderr, "xfer: connect %s:%d: %s\n", host, port,
			strerror(errno));
		return 1;
	}
	long long n = copy(STDIN_FILENO, s);
	if (n < 0 || shutdown(s, SHUT_WR)) {
		fprintf(stderr, "xfer: sending: %s\n", strerror(errno));
		return 1;
	}
	/* The peer closes once it has read everything. */
	struct pollfd p = {.fd = s, .events = POLLIN};
	if (poll(&p, 1, secs * 1000) != 1 || read(s, &c, 1) != 0) {
		fprintf(stderr, "xfer: the peer did not take it all\n");
		return 1;
	}
	fprintf(stderr, "xfer: %lld bytes to %s:%d\n", n, host, port);
	close(s);
	return 0;
}

static int do_recv(int port, int secs)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_ANY)};
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;
	struct pollfd p = {.fd = l, .events = POLLIN};

	if (l < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1)) {
		fprintf(stderr, "xfer: listen on %d: %s\n", port,
			strerror(errno));
		return 1;
	}
	if (poll(&p, 1, secs * 1000) != 1 || (s = accept(l, NULL, NULL)) < 0) {
		fprintf(stderr, "xfer: nobody connected to port %d in %d s\n",
			port, secs);
		return 1;
	}
	close(l);
	long long n = copy(s, STDOUT_FILENO);
	close(s);
	if (n < 0) {
		fprintf(stderr, "xfer: receiving: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "xfer: %lld bytes on port %d\n", n, port);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long port, secs = 300;

	if (argc >= 4 && !strcmp(argv[1], "send") &&
	    tbprog_parse_ulong(argv[3], 1, 65535, &port) &&
	    (argc == 4 ||
	     (argc == 5 && tbprog_parse_ulong(argv[4], 1, 3600, &secs))))
		return do_send(argv[2], (int)port, (int)secs);
	if (argc >= 3 && !strcmp(argv[1], "recv") &&
	    tbprog_parse_ulong(argv[2], 1, 65535, &port) &&
	    (argc == 3 ||
	     (argc == 4 && tbprog_parse_ulong(argv[3], 1, 3600, &secs))))
		return do_recv((int)port, (int)secs);
	return usage();
}
