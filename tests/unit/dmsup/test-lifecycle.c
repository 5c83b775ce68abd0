/*
 * The device-model lifecycle (docs/supervision.md): which event moves a
 * domain from which state to which, and what is refused. The entry
 * actions are domain.c's business; here they only record that they ran.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dmsup/domain.h"
#include "dmsup/lifecycle.h"
#include "dmsup/observe.h"
#include "tests/unit/dmsup/run.h"

static enum dm_state entered;
static int n_entered, n_announced, n_saved;

static void record(struct domain *d)
{
	entered = d->state;
	n_entered++;
}

/* In place of domain.c's entry actions and its two subscribers. */
static const struct lifecycle_actions recording = {{
    [DM_STARTING] = record,
    [DM_STOPPING] = record,
    [DM_STOPPED] = record,
    [DM_CRASHED] = record,
    [DM_FAILED] = record,
}};

static void announced(void *arg, struct domain *d)
{
	n_announced++;
}

static void saved(void *arg, struct domain *d)
{
	n_saved++;
}

static const struct dm_observer saver = {.changed = saved};
static const struct dm_observer announcer = {.changed = announced};

static struct dmsup sup;
static struct domain dom;
static FILE *logged;

/* dmsup's log (stderr) goes to a file the tests can read. */
static void setup(void)
{
	logged = tmpfile();
	ck_assert_ptr_nonnull(logged);
	fflush(stderr);
	dup2(fileno(logged), 2);
}

static char *read_log(void)
{
	static char buf[4096];
	size_t n;

	fflush(stderr);
	rewind(logged);
	n = fread(buf, 1, sizeof(buf) - 1, logged);
	buf[n] = '\0';
	return buf;
}

static void in_state(enum dm_state s)
{
	memset(&dom, 0, sizeof(dom));
	memset(&sup, 0, sizeof(sup));
	sup.actions = &recording;
	observe_add(&sup, &saver, NULL);
	observe_add(&sup, &announcer, NULL);
	dom.sup = &sup;
	dom.cfg.name = (char *)"vm";
	dom.state = s;
	n_entered = n_announced = n_saved = 0;
	entered = DM_N_STATES;
}

/* The documented table, row by row. */
static const struct {
	enum dm_state from;
	enum dm_event ev;
	enum dm_state to;
} documented[] = {
    {DM_DEFINED, DM_EV_START, DM_STARTING},
    {DM_STOPPED, DM_EV_START, DM_STARTING},
    {DM_CRASHED, DM_EV_START, DM_STARTING},
    {DM_FAILED, DM_EV_START, DM_STARTING},
    {DM_STARTING, DM_EV_READY, DM_RUNNING},
    {DM_STARTING, DM_EV_NOT_READY, DM_STOPPING},
    {DM_STARTING, DM_EV_SPAWN_FAILED, DM_FAILED},
    {DM_STARTING, DM_EV_DIED, DM_CRASHED},
    {DM_STARTING, DM_EV_DIED_FAILING, DM_FAILED},
    {DM_STARTING, DM_EV_STOP, DM_STOPPING},
    {DM_RUNNING, DM_EV_STOP, DM_STOPPING},
    {DM_RUNNING, DM_EV_DIED, DM_CRASHED},
    {DM_RUNNING, DM_EV_DIED_FAILING, DM_CRASHED},
    {DM_STOPPING, DM_EV_DIED, DM_STOPPED},
    {DM_STOPPING, DM_EV_DIED_FAILING, DM_FAILED},
    {DM_CRASHED, DM_EV_STOP, DM_STOPPED},
    {DM_CRASHED, DM_EV_RESTART, DM_STARTING},
    {DM_CRASHED, DM_EV_GIVE_UP, DM_FAILED},
    {DM_DEFINED, DM_EV_ADOPT_ALIVE, DM_RUNNING},
    {DM_DEFINED, DM_EV_ADOPT_STARTING, DM_STARTING},
    {DM_DEFINED, DM_EV_ADOPT_DEAD, DM_CRASHED},
};

static int documented_to(enum dm_state from, enum dm_event ev)
{
	for (size_t i = 0; i < sizeof(documented) / sizeof(*documented); i++)
		if (documented[i].from == from && documented[i].ev == ev)
			return (int)documented[i].to;
	return -1;
}

START_TEST(every_documented_transition_happens_and_is_announced)
{
	for (size_t i = 0; i < sizeof(documented) / sizeof(*documented); i++) {
		in_state(documented[i].from);
		ck_assert_int_eq(lifecycle_post(&dom, documented[i].ev), 0);
		ck_assert_msg(dom.state == documented[i].to, "%s + %s -> %s",
			      lifecycle_state_name(documented[i].from),
			      lifecycle_event_name(documented[i].ev),
			      lifecycle_state_name(dom.state));
		ck_assert_int_eq(n_announced, 1);
		ck_assert_int_eq(n_saved, 1);
	}
}
END_TEST

START_TEST(every_other_event_is_refused_and_changes_nothing)
{
	for (int s = 0; s < DM_N_STATES; s++) {
		for (int ev = 0; ev < DM_N_EVENTS; ev++) {
			if (documented_to(s, ev) >= 0)
				continue;
			in_state(s);
			ck_assert_msg(lifecycle_post(&dom, ev) == -1,
				      "%s accepted %s", lifecycle_state_name(s),
				      lifecycle_event_name(ev));
			ck_assert_int_eq(dom.state, s);
			ck_assert_int_eq(n_entered + n_announced + n_saved, 0);
		}
	}
}
END_TEST

START_TEST(entering_a_state_runs_its_action_except_running)
{
	in_state(DM_STOPPED);
	lifecycle_post(&dom, DM_EV_START);
	ck_assert_int_eq(n_entered, 1);
	ck_assert_int_eq(entered, DM_STARTING);
	in_state(DM_STARTING);
	lifecycle_post(&dom, DM_EV_READY);
	ck_assert_int_eq(n_entered, 0);
}
END_TEST

START_TEST(a_second_start_of_a_running_domain_is_refused)
{
	in_state(DM_RUNNING);
	ck_assert_int_eq(lifecycle_post(&dom, DM_EV_START), -1);
	ck_assert_int_eq(dom.state, DM_RUNNING);
}
END_TEST

START_TEST(only_starting_running_and_stopping_are_active)
{
	for (int s = 0; s < DM_N_STATES; s++)
		ck_assert_int_eq(lifecycle_is_active(s), s == DM_STARTING ||
							     s == DM_RUNNING ||
							     s == DM_STOPPING);
}
END_TEST

START_TEST(each_transition_is_logged_with_the_domid)
{
	in_state(DM_RUNNING);
	dom.cfg.domid = 42;
	lifecycle_post(&dom, DM_EV_DIED);
	ck_assert_ptr_nonnull(
	    strstr(read_log(), "domid 42 (vm): running -> crashed (died)\n"));
}
END_TEST

/* ---- events posted during a transition ---- */

static char seq[256]; /* what happened, in order */
static enum dm_event post_on_starting[2];
static int n_post_on_starting;
static enum dm_state state_after_post;

static void seq_add(const char *what, enum dm_state s)
{
	size_t n = strlen(seq);

	snprintf(seq + n, sizeof(seq) - n, "%s%s %s", n ? ", " : "", what,
		 lifecycle_state_name(s));
}

static void posting_enter_starting(struct domain *d)
{
	seq_add("enter", d->state);
	for (int i = 0; i < n_post_on_starting; i++)
		lifecycle_post(d, post_on_starting[i]);
	state_after_post = d->state;
	seq_add("left", d->state);
}

static void posting_enter_other(struct domain *d)
{
	seq_add("enter", d->state);
}

static void seq_changed(void *arg, struct domain *d)
{
	seq_add("announce", d->state);
}

static const struct lifecycle_actions posting = {{
    [DM_STARTING] = posting_enter_starting,
    [DM_STOPPING] = posting_enter_other,
    [DM_STOPPED] = posting_enter_other,
    [DM_CRASHED] = posting_enter_other,
    [DM_FAILED] = posting_enter_other,
}};

static const struct dm_observer seq_observer = {.changed = seq_changed};

static void posting_in_state(enum dm_state s, enum dm_event ev1,
			     enum dm_event ev2, int n)
{
	in_state(s);
	memset(&sup, 0, sizeof(sup));
	sup.actions = &posting;
	observe_add(&sup, &seq_observer, NULL);
	seq[0] = '\0';
	post_on_starting[0] = ev1;
	post_on_starting[1] = ev2;
	n_post_on_starting = n;
}

START_TEST(an_event_posted_by_an_entry_action_waits_for_the_transition)
{
	posting_in_state(DM_STOPPED, DM_EV_SPAWN_FAILED, 0, 1);
	ck_assert_int_eq(lifecycle_post(&dom, DM_EV_START), 0);
	/* The entry action still sees its own state after posting. */
	ck_assert_int_eq(state_after_post, DM_STARTING);
	ck_assert_str_eq(seq, "announce starting, enter starting, "
			      "left starting, announce failed, enter failed");
	ck_assert_int_eq(dom.state, DM_FAILED);
}
END_TEST

START_TEST(events_posted_during_a_transition_run_in_order_all_logged)
{
	posting_in_state(DM_STOPPED, DM_EV_NOT_READY, DM_EV_DIED, 2);
	lifecycle_post(&dom, DM_EV_START);
	ck_assert_str_eq(seq, "announce starting, enter starting, "
			      "left starting, announce stopping, "
			      "enter stopping, announce stopped, "
			      "enter stopped");
	ck_assert_int_eq(dom.state, DM_STOPPED);
	char *log = read_log();
	char *a = strstr(log, "stopped -> starting (start)\n");
	char *b = strstr(log, "starting -> stopping (not-ready)\n");
	char *c = strstr(log, "stopping -> stopped (died)\n");
	ck_assert_msg(a && b && c && a < b && b < c, "log: %s", log);
}
END_TEST

START_TEST(a_queued_event_is_refused_if_its_turn_finds_it_not_allowed)
{
	posting_in_state(DM_STOPPED, DM_EV_READY, DM_EV_START, 2);
	lifecycle_post(&dom, DM_EV_START);
	ck_assert_int_eq(dom.state, DM_RUNNING);
	ck_assert_str_eq(seq, "announce starting, enter starting, "
			      "left starting, announce running");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    every_documented_transition_happens_and_is_announced,
	    every_other_event_is_refused_and_changes_nothing,
	    entering_a_state_runs_its_action_except_running,
	    a_second_start_of_a_running_domain_is_refused,
	    only_starting_running_and_stopping_are_active,
	    each_transition_is_logged_with_the_domid,
	    an_event_posted_by_an_entry_action_waits_for_the_transition,
	    events_posted_during_a_transition_run_in_order_all_logged,
	    a_queued_event_is_refused_if_its_turn_finds_it_not_allowed,
	};

	return run_suite("dmsup-lifecycle", setup, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
