/*  The run's events (lib/report/fo_event.h) as a reporter receives them: a
    recording reporter writes each event as one line, and the test drives
    fo_run as the broker's loop would (agent messages built by hand, the
    shared fixture's setup and teardown real processes serviced with poll)
    through a discovery, a retry on another agent, a shared fixture and a
    serial task, then checks the lines, in order. A second scenario: an
    agent's fixture error, a lost agent and fail fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fo_run.h"
#include "run_support.h"

#define WAIT_LIMIT_MS 10000u    /* a fixture process that takes longer is a failure */

/* ---- the recording reporter -------------------------------------------- */

typedef struct {
    fo_strv lines;
    const fo_report *report;    /* every event must carry the run's report */
    bool destroyed;
} recorder;

static void
record_event (void *state, const fo_event *ev)
{
    recorder *r = state;
    if (ev->report != r->report)
        fail_msg ("a %s event carries another report", fo_event_type_name (ev->type));
    fo_buf b = { 0 };
    fo_buf_puts (&b, fo_event_type_name (ev->type));
    switch (ev->type) {
    case FO_EVENT_RUN_STARTED:
        fo_buf_printf (&b, " tests=%zu tasks=%zu", ev->u.run_started.ntests,
                       ev->u.run_started.ntasks);
        break;
    case FO_EVENT_AGENT_JOINED:
    case FO_EVENT_AGENT_LOST:
        fo_buf_printf (&b, " %u %s slots=%u", ev->u.agent.agent, ev->u.agent.host,
                       ev->u.agent.slots);
        if (ev->u.agent.why)
            fo_buf_printf (&b, " (%s)", ev->u.agent.why);
        break;
    case FO_EVENT_TASK_LEASED: {
        const fo_event_task_leased *l = &ev->u.task_leased;
        fo_buf_printf (&b, " task=%zu lease=%llu agent=%u %s attempt=%u [", l->task,
                       (unsigned long long) l->lease, l->agent, l->host ? l->host : "-",
                       l->attempt);
        for (size_t i = 0; i < l->ntests; i++)
            fo_buf_printf (&b, "%s%s", i ? " " : "", fo_report_test (ev->report, l->tests[i])->id);
        fo_buf_printf (&b, "]%s", l->serial ? " serial" : "");
        break;
    }
    case FO_EVENT_LEASE_ENDED: {
        static const char *const how[] = { "done", "lost", "aborted" };
        const fo_event_lease_ended *l = &ev->u.lease_ended;
        fo_buf_printf (&b, " task=%zu lease=%llu agent=%u %s %s", l->task,
                       (unsigned long long) l->lease, l->agent, l->host ? l->host : "-",
                       how[l->how]);
        break;
    }
    case FO_EVENT_TASK_QUEUED: {
        const fo_event_task_queued *q = &ev->u.task_queued;
        fo_buf_printf (&b, " task=%zu [", q->task);
        for (size_t i = 0; i < q->ntests; i++)
            fo_buf_printf (&b, "%s%s", i ? " " : "", fo_report_test (ev->report, q->tests[i])->id);
        fo_buf_puts (&b, "]");
        break;
    }
    case FO_EVENT_TASK_ENDED:
        fo_buf_printf (&b, " task=%zu", ev->u.task_ended.task);
        break;
    case FO_EVENT_TEST_STARTED: {
        const fo_event_test_started *t = &ev->u.test_started;
        assert_string_equal (t->id, fo_report_test (ev->report, t->test)->id);
        fo_buf_printf (&b, " %s lease=%llu agent=%u %s attempt=%u", t->id,
                       (unsigned long long) t->lease, t->agent, t->host ? t->host : "-",
                       t->attempt);
        break;
    }
    case FO_EVENT_TEST_FINISHED: {
        const fo_test_record *rec = ev->u.test_finished.record;
        assert_ptr_equal (rec, fo_report_test (ev->report, ev->u.test_finished.test));
        assert_true (rec->done);
        fo_buf_printf (&b, " %s %s%s", rec->id, fo_outcome_name (rec->outcome),
                       rec->flaky ? " flaky" : "");
        break;
    }
    case FO_EVENT_TRY_HELD:
        assert_false (ev->u.try_held.record->done);
        fo_buf_printf (&b, " %s %s try %u of %u", ev->u.try_held.record->id,
                       fo_outcome_name (ev->u.try_held.attempt->outcome),
                       ev->u.try_held.attempt->attempt, ev->u.try_held.tries);
        break;
    case FO_EVENT_SLOW:
        fo_buf_printf (&b, " %s%s%s %llu ms on %s", ev->u.slow.what ? ev->u.slow.what : "",
                       ev->u.slow.what ? " " : "", ev->u.slow.name,
                       (unsigned long long) ev->u.slow.elapsed_ms, ev->u.slow.host);
        break;
    case FO_EVENT_FIXTURE_SET_UP:
    case FO_EVENT_FIXTURE_TORN_DOWN:
    case FO_EVENT_FIXTURE_FAILED:
        fo_buf_printf (&b, " %s %s on %s", ev->u.fixture.context, ev->u.fixture.phase,
                       ev->u.fixture.host ? ev->u.fixture.host : "-");
        if (ev->u.fixture.message)
            fo_buf_printf (&b, ": %s", ev->u.fixture.message);
        break;
    case FO_EVENT_TESTS_DISCOVERED:
        fo_buf_printf (&b, " %s %zu on %s total=%zu", ev->u.discovered.context,
                       ev->u.discovered.count, ev->u.discovered.host, ev->u.discovered.total);
        break;
    case FO_EVENT_RUN_STOPPING:
        fo_buf_printf (&b, " %s%s", ev->u.run_stopping.reason,
                       ev->u.run_stopping.on_failures ? " (on failures)" : "");
        break;
    case FO_EVENT_RUN_ENDED:
        fo_buf_printf (&b, " complete=%d exit=%d", ev->u.run_ended.complete,
                       fo_report_exit_status (ev->report));
        break;
    }
    fo_strv_push_owned (&r->lines, fo_buf_steal (&b));
}

static void
recorder_destroy (void *state)
{
    recorder *r = state;
    r->destroyed = true;
}

static const fo_reporter_ops recorder_ops = {
    .name = "recorder",
    .on_event = record_event,
    .destroy = recorder_destroy,
};

/* ---- a run --------------------------------------------------------------- */

typedef struct {
    fo_suite *suite;
    fo_plan *plan;
    fo_report *report;
    fo_reporters *reporters;
    recorder rec;
    fo_run *run;
} world;

static void
command (fo_command *cmd, const char *script)
{
    fo_strv_push (&cmd->argv, "/bin/sh");
    fo_strv_push (&cmd->argv, "-c");
    fo_strv_push (&cmd->argv, script);
}

static fo_context *
context (fo_context *parent, const char *name)
{
    return fo_context_new (parent, name);
}

static void
add_test (fo_context *ctx, const char *name)
{
    fo_test *test = fo_test_new (ctx, name);
    command (&test->run, "true");
}

static void
world_new (world *w)
{
    memset (w, 0, sizeof *w);
    w->suite = hand_suite_new ("/tmp");
}

static void
world_start (world *w, uint32_t retries, uint32_t maxfail, uint32_t max_attempts)
{
    w->plan = fo_plan_build_lean (w->suite);   /* as the broker builds it */
    w->report = plan_report_new (w->plan);
    w->rec.report = w->report;
    w->reporters = fo_reporters_new ();
    fo_reporters_add (w->reporters, fo_reporter_new (&recorder_ops, &w->rec));
    fo_run_options o = {
        .plan = w->plan, .report = w->report, .reporters = w->reporters,
        .max_attempts = max_attempts, .output_cap = 4096, .skip_code = 77,
        .broker_host = "broker", .retries = retries, .maxfail = maxfail,
    };
    w->run = fo_run_new (&o);
}

static void
world_free (world *w)
{
    fo_run_destroy (&w->run);
    fo_reporters_destroy (&w->reporters);
    assert_true (w->rec.destroyed);
    fo_strv_free (&w->rec.lines);
    fo_report_destroy (&w->report);
    fo_plan_destroy (&w->plan);
    fo_suite_destroy (&w->suite);
}

static void
join (world *w, uint32_t agent, const char *host)
{
    fo_run_agent_joined (w->run, &(fo_sched_agent) { .number = agent, .host = host, .slots = 1 });
}

static void
lease (world *w, uint32_t agent, fo_lease *l)
{
    memset (l, 0, sizeof *l);
    assert_true (fo_run_next_lease (w->run, agent, l));
}

static void
result (world *w, uint32_t agent, const char *host, const fo_lease *l, uint32_t step,
        fo_outcome outcome)
{
    fo_result r = {
        .lease = l->lease, .step = step, .test = l->steps[step].tests.items[0],
        .outcome = outcome, .duration_us = 1000, .out = (char *) "", .err = (char *) "",
        .message = (char *) (outcome == FO_PASSED ? "" : "exit status 1"),
        .host = (char *) host, .worker = 1, .attempt = l->attempt,
    };
    assert_true (fo_run_result (w->run, agent, host, &r));
}

static void
done (world *w, uint32_t agent, const char *host, const fo_lease *l)
{
    fo_done d = { .lease = l->lease };
    assert_true (fo_run_done (w->run, agent, host, &d));
}

/* The broker's loop for the fixtures: poll and service until cond. */
static void
pump_until (world *w, bool (*cond) (world *w), const char *what)
{
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    while (!cond (w)) {
        if (fo_now_ms () > limit)
            fail_msg ("timed out waiting for %s", what);
        int fds[16];
        struct pollfd pfds[16];
        int n = fo_run_pollfds (w->run, fds, 16);
        for (int i = 0; i < n; i++)
            pfds[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        poll (pfds, (nfds_t) n, 50);
        fo_run_service (w->run);
    }
}

static bool
no_fixture_process (world *w)
{
    int fds[16];
    return fo_run_pollfds (w->run, fds, 16) == 0 && fo_run_deadline_ms (w->run) == UINT64_MAX;
}

/* The recorded lines from `from` on must be these, exactly. */
static void
expect_lines (const world *w, size_t from, const char *const *want, size_t n)
{
    const fo_strv *got = &w->rec.lines;
    for (size_t i = 0; i < n || from + i < got->len; i++) {
        const char *g = from + i < got->len ? got->items[from + i] : "(nothing)";
        const char *x = i < n ? want[i] : "(nothing)";
        if (strcmp (g, x) != 0)
            fail_msg ("event %zu: got '%s', expected '%s'", from + i, g, x);
    }
}

#define EXPECT_LINES(w, from, ...)                                                       \
    do {                                                                                 \
        const char *const want_[] = { __VA_ARGS__ };                                     \
        expect_lines ((w), (from), want_, sizeof want_ / sizeof want_[0]);               \
    } while (0)

/* ---- the scenarios ------------------------------------------------------- */

/*  A discovery on agent 0 adds gen/n1; "a" fails on agent 0 and is retried
    on agent 1, where it passes (flaky); db/x waits for its shared setup (a
    real process), then its teardown runs; the serial task ser/s runs alone
    at the end and is slow. */
static void
test_events_in_order (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    fo_context *root = w.suite->root;
    fo_context *gen = context (root, "gen");
    command (&gen->discover, "./list");
    gen->discover_on_agent = true;
    gen->run_template_shell = fo_xstrdup ("./t {name}");
    add_test (root, "a");
    fo_context *db = context (root, "db");
    db->mode = FO_MODE_SHARED;
    command (&db->setup, "true");
    command (&db->teardown, "true");
    add_test (db, "x");
    fo_context *ser = context (root, "ser");
    ser->mode = FO_MODE_SERIAL;
    add_test (ser, "s");
    world_start (&w, 1, 0, 2);
    join (&w, 0, "hostA");
    join (&w, 1, "hostB");

    fo_lease d, a1, n1, a2, x, s;
    lease (&w, 0, &d);                              /* the discovery first */
    fo_discovered names = { .lease = d.lease, .error = (char *) "", .err = (char *) "" };
    fo_strv_push (&names.names, "n1");
    assert_true (fo_run_discovered (w.run, 0, "hostA", &names));
    fo_strv_free (&names.names);
    done (&w, 0, "hostA", &d);

    lease (&w, 0, &a1);
    result (&w, 0, "hostA", &a1, 0, FO_FAILED);      /* held for a retry */
    done (&w, 0, "hostA", &a1);
    /* agent 0 may not take the retry (agent 1 is alive): db/x parks on its
       setup, which starts, and gen/n1 goes */
    lease (&w, 0, &n1);
    lease (&w, 1, &a2);                             /* the retry */
    result (&w, 1, "hostB", &a2, 0, FO_PASSED);
    done (&w, 1, "hostB", &a2);
    result (&w, 0, "hostA", &n1, 0, FO_PASSED);
    done (&w, 0, "hostA", &n1);

    pump_until (&w, no_fixture_process, "the shared setup");
    lease (&w, 0, &x);
    result (&w, 0, "hostA", &x, 0, FO_PASSED);
    done (&w, 0, "hostA", &x);
    pump_until (&w, no_fixture_process, "the shared teardown");

    lease (&w, 1, &s);
    fo_slow slow = { .lease = s.lease, .step = 0, .elapsed_ms = 61000 };
    assert_true (fo_run_slow (w.run, 1, "hostB", &slow));
    result (&w, 1, "hostB", &s, 0, FO_PASSED);
    done (&w, 1, "hostB", &s);
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_reporters_end (w.reporters, w.report, true, NULL, NULL), 0);

    EXPECT_LINES (&w, 0,
        "run_started tests=3 tasks=4",
        "agent_joined 0 hostA slots=1",
        "agent_joined 1 hostB slots=1",
        "task_leased task=0 lease=1 agent=0 hostA attempt=1 []",
        "task_queued task=4 [gen/n1]",
        "tests_discovered gen 1 on hostA total=4",
        "lease_ended task=0 lease=1 agent=0 hostA done",
        "task_ended task=0",
        "task_leased task=1 lease=2 agent=0 hostA attempt=1 [a]",
        "test_started a lease=2 agent=0 hostA attempt=1",
        "try_held a failed try 1 of 2",
        "lease_ended task=1 lease=2 agent=0 hostA done",
        "task_queued task=1 [a]",
        "task_leased task=4 lease=3 agent=0 hostA attempt=1 [gen/n1]",
        "test_started gen/n1 lease=3 agent=0 hostA attempt=1",
        "task_leased task=1 lease=4 agent=1 hostB attempt=2 [a]",
        "test_started a lease=4 agent=1 hostB attempt=2",
        "test_finished a passed flaky",
        "lease_ended task=1 lease=4 agent=1 hostB done",
        "task_ended task=1",
        "test_finished gen/n1 passed",
        "lease_ended task=4 lease=3 agent=0 hostA done",
        "task_ended task=4",
        "fixture_set_up db setup on broker",
        "task_leased task=2 lease=5 agent=0 hostA attempt=1 [db/x]",
        "test_started db/x lease=5 agent=0 hostA attempt=1",
        "test_finished db/x passed",
        "lease_ended task=2 lease=5 agent=0 hostA done",
        "task_ended task=2",
        "fixture_torn_down db teardown on broker",
        "task_leased task=3 lease=6 agent=1 hostB attempt=1 [ser/s] serial",
        "test_started ser/s lease=6 agent=1 hostB attempt=1",
        "slow ser/s 61000 ms on hostB",
        "test_finished ser/s passed",
        "lease_ended task=3 lease=6 agent=1 hostB done",
        "task_ended task=3",
        "run_ended complete=1 exit=0");
    world_free (&w);
}

/*  An agent is lost with its lease (leased again on the other agent), a
    unit context's setup fails on an agent (the agent's fixture error), and
    fail fast stops the run at the first failed test: what was never
    leased ends not run, after the stop, and no test is said to start once
    the run stops (the leases in flight are being cancelled). */
static void
test_events_of_failures (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    fo_context *root = w.suite->root;
    add_test (root, "b");
    add_test (root, "c");
    add_test (root, "d");
    fo_context *unit = context (root, "unit");
    command (&unit->setup, "true");
    add_test (unit, "u1");
    add_test (unit, "u2");
    fo_context *z = context (root, "z");
    z->mode = FO_MODE_SERIAL;
    add_test (z, "z1");
    world_start (&w, 0, 1, 2);
    join (&w, 0, "hostA");
    join (&w, 1, "hostB");

    fo_lease b, c1, c2, d, u;
    lease (&w, 0, &b);
    lease (&w, 1, &c1);
    fo_run_agent_lost (w.run, 1, "hostB", "no heartbeat");
    lease (&w, 0, &c2);                 /* c again, at the front */
    lease (&w, 0, &d);
    lease (&w, 0, &u);                  /* +unit unit/u1 unit/u2 */
    assert_int_equal (u.nsteps, 3);
    fo_result setup_failed = {
        .lease = u.lease, .step = 0, .test = (char *) "", .outcome = FO_ERROR,
        .out = (char *) "", .err = (char *) "",
        .message = (char *) "setup of context 'unit' failed: exit status 1",
        .host = (char *) "hostA",
    };
    assert_true (fo_run_result (w.run, 0, "hostA", &setup_failed));
    result (&w, 0, "hostA", &u, 1, FO_ERROR);       /* the first failure: stop */
    result (&w, 0, "hostA", &b, 0, FO_PASSED);
    result (&w, 0, "hostA", &c2, 0, FO_NOT_RUN);    /* cancelled */
    result (&w, 0, "hostA", &d, 0, FO_NOT_RUN);
    result (&w, 0, "hostA", &u, 2, FO_NOT_RUN);
    done (&w, 0, "hostA", &b);
    done (&w, 0, "hostA", &c2);
    done (&w, 0, "hostA", &d);
    done (&w, 0, "hostA", &u);
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_reporters_end (w.reporters, w.report, true, NULL, NULL), 0);

    EXPECT_LINES (&w, 0,
        "run_started tests=6 tasks=5",
        "agent_joined 0 hostA slots=1",
        "agent_joined 1 hostB slots=1",
        "task_leased task=0 lease=1 agent=0 hostA attempt=1 [b]",
        "test_started b lease=1 agent=0 hostA attempt=1",
        "task_leased task=1 lease=2 agent=1 hostB attempt=1 [c]",
        "test_started c lease=2 agent=1 hostB attempt=1",
        "agent_lost 1 hostB slots=1 (no heartbeat)",
        "lease_ended task=1 lease=2 agent=1 hostB lost",
        "task_queued task=1 [c]",
        "task_leased task=1 lease=3 agent=0 hostA attempt=2 [c]",
        "test_started c lease=3 agent=0 hostA attempt=2",
        "task_leased task=2 lease=4 agent=0 hostA attempt=1 [d]",
        "test_started d lease=4 agent=0 hostA attempt=1",
        "task_leased task=3 lease=5 agent=0 hostA attempt=1 [unit/u1 unit/u2]",
        "test_started unit/u1 lease=5 agent=0 hostA attempt=1",
        "fixture_failed unit setup on hostA: setup of context 'unit' failed: exit status 1",
        "test_finished unit/u1 error",
        "run_stopping stopped after 1 failure (on failures)",
        "test_finished z/z1 not_run",
        "task_ended task=4",
        "test_finished b passed",
        "test_finished c not_run",
        "test_finished d not_run",
        "test_finished unit/u2 not_run",
        "lease_ended task=0 lease=1 agent=0 hostA done",
        "task_ended task=0",
        "lease_ended task=1 lease=3 agent=0 hostA done",
        "task_ended task=1",
        "lease_ended task=2 lease=4 agent=0 hostA done",
        "task_ended task=2",
        "lease_ended task=3 lease=5 agent=0 hostA done",
        "task_ended task=3",
        "run_ended complete=1 exit=1");
    world_free (&w);
}

/*  The run cut short (a second interrupt, fo_run_abort): the leases in
    flight end as aborted, then every task left ends, its tests not run. */
static void
test_events_of_abort (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    fo_context *root = w.suite->root;
    add_test (root, "p");
    add_test (root, "q");
    add_test (root, "r");
    world_start (&w, 0, 0, 2);
    join (&w, 0, "hostA");
    fo_lease p, q;
    lease (&w, 0, &p);
    lease (&w, 0, &q);
    result (&w, 0, "hostA", &p, 0, FO_PASSED);
    fo_run_abort (w.run, "interrupted");
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_reporters_end (w.reporters, w.report, true, NULL, NULL), 0);

    EXPECT_LINES (&w, 0,
        "run_started tests=3 tasks=3",
        "agent_joined 0 hostA slots=1",
        "task_leased task=0 lease=1 agent=0 hostA attempt=1 [p]",
        "test_started p lease=1 agent=0 hostA attempt=1",
        "task_leased task=1 lease=2 agent=0 hostA attempt=1 [q]",
        "test_started q lease=2 agent=0 hostA attempt=1",
        "test_finished p passed",
        "run_stopping interrupted",
        "test_finished r not_run",
        "task_ended task=2",
        "lease_ended task=0 lease=1 agent=0 hostA aborted",
        "lease_ended task=1 lease=2 agent=0 hostA aborted",
        "task_ended task=0",
        "test_finished q not_run",
        "task_ended task=1",
        "run_ended complete=1 exit=3");
    world_free (&w);
}

/* The list delivers to every reporter in order; run ended reaches them
   all, then each finish, whose failures are counted and told. */
typedef struct {
    char name;
    fo_buf *log;
    int fail;
} probe;

static void
probe_event (void *state, const fo_event *ev)
{
    probe *p = state;
    fo_buf_printf (p->log, "%c:%s ", p->name, fo_event_type_name (ev->type));
}

static int
probe_finish (void *state, char *err, size_t errlen)
{
    probe *p = state;
    fo_buf_printf (p->log, "%c:finish ", p->name);
    if (p->fail)
        snprintf (err, errlen, "cannot write %c", p->name);
    return p->fail ? -1 : 0;
}

static void
told (void *arg, const char *reporter, const char *err)
{
    fo_buf_printf (arg, "told %s: %s ", reporter, err);
}

static const fo_reporter_ops probe_ops = {
    .name = "probe", .on_event = probe_event, .finish = probe_finish,
};

static void
test_reporters_list (void **state)
{
    (void) state;
    fo_buf log = { 0 };
    fo_buf_puts (&log, "");
    probe p1 = { 'a', &log, 0 }, p2 = { 'b', &log, 1 };
    fo_reporters *list = fo_reporters_new ();
    fo_reporters_add (list, fo_reporter_new (&probe_ops, &p1));
    fo_reporters_add (list, fo_reporter_new (&probe_ops, &p2));
    fo_report *report = fo_report_new (0);
    fo_reporters_emit (list, &(fo_event) { .type = FO_EVENT_RUN_STOPPING, .report = report });
    assert_int_equal (fo_reporters_end (list, report, false, told, &log), 1);
    assert_string_equal (log.data, "a:run_stopping b:run_stopping a:run_ended b:run_ended "
                                   "a:finish b:finish told probe: cannot write b ");
    fo_reporters_emit (NULL, &(fo_event) { .type = FO_EVENT_RUN_ENDED });   /* no list: nothing */
    assert_string_equal (fo_event_type_name ((fo_event_type) 99), "?");
    fo_reporters_destroy (&list);
    fo_report_destroy (&report);
    fo_buf_free (&log);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_events_in_order),
        cmocka_unit_test (test_events_of_failures),
        cmocka_unit_test (test_events_of_abort),
        cmocka_unit_test (test_reporters_list),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
