/*
 * minios-agent - plays a MiniOS stub domain (qemu-traditional) on the
 * xenstore side of the protocol, inside a test-bed PV domU that the
 * toolstack treats as the stub domain of a target. The protocol itself is
 * in agent.c; this is the program around it.
 *
 *   minios-agent [-d SELF] [-t TARGET] [-n MAXCMDS] [-f FLAPS] [-m MODE]
 *
 * SELF defaults to the domU's own domid, TARGET to its xenstore `target`.
 * It answers commands until SIGTERM/SIGINT or MAXCMDS commands; with
 * -m probe it tries the forbidden writes and exits 0 if all were refused.
 * Every line on stdout starts with "minios-agent: ", for tests to follow.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <xenstore.h>

#include "stubdom-proto/agent/agent.h"
#include "stubdom-proto/xs.h"

static void minios_agent_say_cb(void *arg, const char *line)
{
	printf("minios-agent: %s\n", line);
	fflush(stdout);
}

static void minios_agent_done_cb(void *arg)
{
	event_base_loopexit(arg, NULL);
}

static void minios_agent_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

/* A domU reads its own id at the relative path "domid", which needs
 * libxenstore itself: xs.h takes absolute paths only. */
static unsigned int minios_agent_own_domid(void)
{
	struct xs_handle *h = xs_open(0);
	unsigned int len;
	long n = 0;
	char *v;

	if (!h)
		return 0;
	v = xs_read(h, XBT_NULL, "domid", &len);
	if (v)
		n = strtol(v, NULL, 10);
	free(v);
	xs_close(h);
	return n > 0 ? (unsigned int)n : 0;
}

static void minios_agent_usage(void)
{
	fputs("usage: minios-agent [-d SELF] [-t TARGET] [-n MAXCMDS] "
	      "[-f FLAPS]\n"
	      "         [-m faithful|silent|wrong|oversized|flap|delete|"
	      "badparam|probe]\n",
	      stderr);
	exit(2);
}

static void minios_agent_options(struct agent_config *cfg, int argc,
				 char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "d:t:n:m:f:")) != -1) {
		switch (c) {
		case 'd':
			cfg->self = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 't':
			cfg->target = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			cfg->max_cmds = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			cfg->flaps = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			cfg->mode = agent_mode_parse(optarg);
			if (cfg->mode == AGENT_NMODES)
				minios_agent_usage();
			break;
		default:
			minios_agent_usage();
		}
	}
}

int main(int argc, char **argv)
{
	struct agent_config cfg = {.say = minios_agent_say_cb};
	struct event *sigs[2] = {NULL, NULL};
	struct event_base *base;
	struct agent *a = NULL;
	struct xsp *xs;
	int err = 0, rc = 1;

	minios_agent_options(&cfg, argc, argv);
	if (!cfg.self)
		cfg.self = minios_agent_own_domid();
	if (!cfg.self) {
		minios_agent_say_cb(NULL, "cannot tell my own domid (use -d)");
		return 1;
	}
	base = event_base_new();
	if (!base)
		return 1;
	cfg.done = minios_agent_done_cb;
	cfg.arg = base;
	xs = xsp_real_open(base, &err);
	if (!xs) {
		printf("minios-agent: cannot open xenstore: %s\n",
		       strerror(-err));
		event_base_free(base);
		return 1;
	}
	if (cfg.mode == AGENT_PROBE) {
		rc = agent_probe(xs, &cfg);
		goto out;
	}
	a = agent_start(xs, &cfg);
	if (!a)
		goto out;
	sigs[0] = evsignal_new(base, SIGTERM, minios_agent_signal_cb, base);
	sigs[1] = evsignal_new(base, SIGINT, minios_agent_signal_cb, base);
	if (sigs[0])
		event_add(sigs[0], NULL);
	if (sigs[1])
		event_add(sigs[1], NULL);
	event_base_dispatch(base);
	agent_stop(a);
	rc = 0;
out:
	if (sigs[0])
		event_free(sigs[0]);
	if (sigs[1])
		event_free(sigs[1]);
	xsp_close(xs);
	event_base_free(base);
	return rc;
}
