/*  The metrics (lib/report/fo_metrics.c): the exposition text from a
    sequence of run events, as the broker emits them (fo_event.h), over a
    real report; no socket. One scenario walks a run through prefetched
    leases, a try held for a retry, a lost agent, a discovered test, a stop
    and the end (where a test that never got an outcome counts as not
    run), checking the numbers after each step; others pin the text's
    format, the escaping of the suite's label, and ADDR
    (fo_metrics_http.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fo_metrics.h"
#include "fo_metrics_http.h"

/* ---- reading the text -------------------------------------------------------- */

static char *
render (fo_metrics *m)
{
    fo_buf b = { 0 };
    fo_metrics_render (m, &b);
    return fo_buf_steal (&b);
}

/* The value of the sample named exactly `sample` ("fanout_agents",
   'fanout_tests{state="queued"}'); fails when it is not there once. */
static long long
value (const char *text, const char *sample)
{
    size_t n = strlen (sample);
    long long v = -1;
    int found = 0;
    for (const char *line = text; *line;) {
        size_t len = strcspn (line, "\n");
        if (len > n && strncmp (line, sample, n) == 0 && line[n] == ' ') {
            v = strtoll (line + n + 1, NULL, 10);
            found++;
        }
        line += len + (line[len] == '\n');
    }
    if (found != 1)
        fail_msg ("sample %s is there %d times in:\n%s", sample, found, text);
    return v;
}

typedef struct {
    long long queued, running, passed, failed, not_run;
    long long queue_tasks, agents, busy, free, results, lost;
} expected;

static void
expect (fo_metrics *m, const char *when, expected want)
{
    char *t = render (m);
    expected got = {
        .queued = value (t, "fanout_tests{state=\"queued\"}"),
        .running = value (t, "fanout_tests{state=\"running\"}"),
        .passed = value (t, "fanout_tests{state=\"passed\"}"),
        .failed = value (t, "fanout_tests{state=\"failed\"}"),
        .not_run = value (t, "fanout_tests{state=\"not_run\"}"),
        .queue_tasks = value (t, "fanout_queue_tasks"),
        .agents = value (t, "fanout_agents"),
        .busy = value (t, "fanout_slots{state=\"busy\"}"),
        .free = value (t, "fanout_slots{state=\"free\"}"),
        .results = value (t, "fanout_results_total"),
        .lost = value (t, "fanout_leases_lost_total"),
    };
    if (memcmp (&got, &want, sizeof got) != 0)
        fail_msg ("%s: got queued=%lld running=%lld passed=%lld failed=%lld not_run=%lld "
                  "queue_tasks=%lld agents=%lld busy=%lld free=%lld results=%lld lost=%lld; "
                  "expected queued=%lld running=%lld passed=%lld failed=%lld not_run=%lld "
                  "queue_tasks=%lld agents=%lld busy=%lld free=%lld results=%lld lost=%lld",
                  when, got.queued, got.running, got.passed, got.failed, got.not_run,
                  got.queue_tasks, got.agents, got.busy, got.free, got.results, got.lost,
                  want.queued, want.running, want.passed, want.failed, want.not_run,
                  want.queue_tasks, want.agents, want.busy, want.free, want.results, want.lost);
    free (t);
}

/* ---- events ------------------------------------------------------------------ */

typedef struct {
    fo_metrics *m;
    fo_report *report;
    uint64_t lease;
} run;

static void
emit (run *r, fo_event ev)
{
    ev.report = r->report;
    fo_metrics_event (r->m, &ev);
}

static void
joined (run *r, uint32_t agent, uint32_t slots)
{
    emit (r, (fo_event) { .type = FO_EVENT_AGENT_JOINED,
                          .u.agent = { .agent = agent, .host = "h", .slots = slots } });
}

/* Task `task` (tests) leased to `agent`; its first test starts. Returns
   the lease id. */
static uint64_t
leased (run *r, size_t task, uint32_t agent, const size_t *tests, size_t ntests)
{
    uint64_t id = ++r->lease;
    emit (r, (fo_event) { .type = FO_EVENT_TASK_LEASED,
                          .u.task_leased = { .task = task, .lease = id, .agent = agent,
                                             .attempt = 1, .tests = tests, .ntests = ntests } });
    emit (r, (fo_event) { .type = FO_EVENT_TEST_STARTED,
                          .u.test_started = { .test = tests[0], .lease = id, .agent = agent } });
    return id;
}

static void
started (run *r, size_t test, uint64_t lease)
{
    emit (r, (fo_event) { .type = FO_EVENT_TEST_STARTED,
                          .u.test_started = { .test = test, .lease = lease } });
}

static void
finished (run *r, size_t test, fo_outcome outcome)
{
    fo_test_result_view v = { .outcome = outcome, .attempt = outcome == FO_NOT_RUN ? 0 : 1 };
    assert_true (fo_report_finish_test (r->report, test, &v));
    emit (r, (fo_event) { .type = FO_EVENT_TEST_FINISHED,
                          .u.test_finished = { .test = test,
                                               .record = fo_report_test (r->report, test) } });
}

static void
held (run *r, size_t test)
{
    fo_test_result_view v = { .outcome = FO_FAILED, .attempt = 1 };
    assert_true (fo_report_retry_test (r->report, test, &v));
    const fo_test_record *rec = fo_report_test (r->report, test);
    emit (r, (fo_event) { .type = FO_EVENT_TRY_HELD,
                          .u.try_held = { .test = test, .record = rec,
                                          .attempt = &fo_report_retried (rec)[rec->nattempts - 1],
                                          .tries = 2 } });
}

static void
lease_ended (run *r, size_t task, uint64_t lease, uint32_t agent, fo_lease_end how)
{
    emit (r, (fo_event) { .type = FO_EVENT_LEASE_ENDED,
                          .u.lease_ended = { .task = task, .lease = lease, .agent = agent,
                                             .how = how } });
}

static void
queued (run *r, size_t task, const size_t *tests, size_t ntests)
{
    emit (r, (fo_event) { .type = FO_EVENT_TASK_QUEUED,
                          .u.task_queued = { .task = task, .tests = tests, .ntests = ntests } });
}

static void
task_ended (run *r, size_t task)
{
    emit (r, (fo_event) { .type = FO_EVENT_TASK_ENDED, .u.task_ended = { .task = task } });
}

/* ---- the scenarios ------------------------------------------------------------ */

/*  Tests a, b, c, d, e in tasks 0 [a], 1 [b], 2 [c d] and 3 [e]; agents 0
    (2 slots) and 1 (1 slot). */
static void
test_numbers_through_a_run (void **state)
{
    (void) state;
    static const size_t A[] = { 0 }, B[] = { 1 }, CD[] = { 2, 3 }, G[] = { 5 };
    run r = { .m = fo_metrics_new ("fanout.yml"), .report = fo_report_new (5) };
    const char *ids[] = { "a", "b", "c", "d", "e" };
    for (size_t i = 0; i < 5; i++)
        fo_report_set_test (r.report, i, ids[i], "");

    expect (r.m, "before the run", (expected) { 0 });
    emit (&r, (fo_event) { .type = FO_EVENT_RUN_STARTED,
                           .u.run_started = { .ntests = 5, .ntasks = 4 } });
    expect (r.m, "run started", (expected) { .queued = 5, .queue_tasks = 4 });
    joined (&r, 0, 2);
    joined (&r, 1, 1);
    expect (r.m, "agents joined",
            (expected) { .queued = 5, .queue_tasks = 4, .agents = 2, .free = 3 });

    /* Agent 0 takes three leases for its two slots: one waits there. */
    uint64_t la = leased (&r, 0, 0, A, 1);
    uint64_t lb = leased (&r, 1, 0, B, 1);
    uint64_t lcd = leased (&r, 2, 0, CD, 2);
    expect (r.m, "three leases on two slots",
            (expected) { .queued = 2, .running = 3, .queue_tasks = 1, .agents = 2, .busy = 2,
                         .free = 1 });

    finished (&r, 0, FO_PASSED);
    lease_ended (&r, 0, la, 0, FO_LEASE_DONE);
    task_ended (&r, 0);
    held (&r, 1);                                   /* b failed: retried */
    lease_ended (&r, 1, lb, 0, FO_LEASE_DONE);
    queued (&r, 1, B, 1);
    expect (r.m, "a passed, b held for a retry",
            (expected) { .queued = 3, .running = 1, .passed = 1, .queue_tasks = 2, .agents = 2,
                         .busy = 1, .free = 2, .results = 2 });

    /* Agent 0 is lost with c running: c and d wait again. */
    emit (&r, (fo_event) { .type = FO_EVENT_AGENT_LOST,
                           .u.agent = { .agent = 0, .host = "h", .slots = 2, .why = "gone" } });
    lease_ended (&r, 2, lcd, 0, FO_LEASE_LOST);
    queued (&r, 2, CD, 2);
    expect (r.m, "agent 0 lost",
            (expected) { .queued = 4, .passed = 1, .queue_tasks = 3, .agents = 1, .free = 1,
                         .results = 2, .lost = 1 });

    /* b's retry passes on agent 1; c runs there, then d. */
    uint64_t lb2 = leased (&r, 1, 1, B, 1);
    finished (&r, 1, FO_PASSED);
    lease_ended (&r, 1, lb2, 1, FO_LEASE_DONE);
    task_ended (&r, 1);
    uint64_t lcd2 = leased (&r, 2, 1, CD, 2);
    finished (&r, 2, FO_FAILED);
    started (&r, 3, lcd2);
    expect (r.m, "the retry passed, c failed, d runs",
            (expected) { .queued = 1, .running = 1, .passed = 2, .failed = 1, .queue_tasks = 1,
                         .agents = 1, .busy = 1, .results = 4, .lost = 1 });

    /* A discovery adds test g in a new task (4), which waits. */
    assert_int_equal (fo_report_add_test (r.report, "g", ""), 5);
    queued (&r, 4, G, 1);
    emit (&r, (fo_event) { .type = FO_EVENT_TESTS_DISCOVERED,
                           .u.discovered = { .context = "", .count = 1, .host = "h",
                                             .total = 6 } });
    expect (r.m, "g discovered",
            (expected) { .queued = 2, .running = 1, .passed = 2, .failed = 1, .queue_tasks = 2,
                         .agents = 1, .busy = 1, .results = 4, .lost = 1 });

    /* The run stops: g is not run; d ends not run, cancelled; e never gets
       an outcome (its task is left as the run could not be served). */
    emit (&r, (fo_event) { .type = FO_EVENT_RUN_STOPPING,
                           .u.run_stopping = { .reason = "interrupted" } });
    finished (&r, 5, FO_NOT_RUN);
    task_ended (&r, 4);
    finished (&r, 3, FO_NOT_RUN);
    lease_ended (&r, 2, lcd2, 1, FO_LEASE_DONE);
    task_ended (&r, 2);
    expect (r.m, "stopped",
            (expected) { .queued = 1, .passed = 2, .failed = 1, .not_run = 2, .queue_tasks = 1,
                         .agents = 1, .free = 1, .results = 4, .lost = 1 });

    /* The end: the report's numbers; nothing waits, no agent is left. */
    emit (&r, (fo_event) { .type = FO_EVENT_RUN_ENDED, .u.run_ended = { .complete = false } });
    expect (r.m, "ended",
            (expected) { .passed = 2, .failed = 1, .not_run = 3, .results = 4, .lost = 1 });
    char *t = render (r.m);
    assert_int_equal (value (t, "fanout_tests{state=\"error\"}"), 0);
    free (t);

    fo_report_destroy (&r.report);
    fo_metrics_destroy (&r.m);
    assert_null (r.m);
}

/* The whole text once, as Prometheus reads it: HELP and TYPE before each
   family, the outcomes in their order. */
static void
test_text_format (void **state)
{
    (void) state;
    fo_metrics *m = fo_metrics_new ("suites/fanout.yml");
    char *t = render (m);
    assert_string_equal (t,
        "# HELP fanout_run_info The run this endpoint reports on: its suite file.\n"
        "# TYPE fanout_run_info gauge\n"
        "fanout_run_info{suite=\"suites/fanout.yml\"} 1\n"
        "# HELP fanout_tests Tests of the run by state: queued (no outcome yet, not running), "
        "running, or their final outcome.\n"
        "# TYPE fanout_tests gauge\n"
        "fanout_tests{state=\"queued\"} 0\n"
        "fanout_tests{state=\"running\"} 0\n"
        "fanout_tests{state=\"passed\"} 0\n"
        "fanout_tests{state=\"failed\"} 0\n"
        "fanout_tests{state=\"error\"} 0\n"
        "fanout_tests{state=\"skipped\"} 0\n"
        "fanout_tests{state=\"timeout\"} 0\n"
        "fanout_tests{state=\"crashed\"} 0\n"
        "fanout_tests{state=\"not_run\"} 0\n"
        "# HELP fanout_queue_tasks Tasks waiting for a lease (queued, parked until a shared "
        "fixture is up, or waiting for a discovery).\n"
        "# TYPE fanout_queue_tasks gauge\n"
        "fanout_queue_tasks 0\n"
        "# HELP fanout_agents Agents connected.\n"
        "# TYPE fanout_agents gauge\n"
        "fanout_agents 0\n"
        "# HELP fanout_slots Worker slots of the agents connected: busy (running a lease) or "
        "free.\n"
        "# TYPE fanout_slots gauge\n"
        "fanout_slots{state=\"busy\"} 0\n"
        "fanout_slots{state=\"free\"} 0\n"
        "# HELP fanout_results_total Test results recorded: final outcomes but not_run, and "
        "failed tries held for a retry.\n"
        "# TYPE fanout_results_total counter\n"
        "fanout_results_total 0\n"
        "# HELP fanout_leases_lost_total Leases lost with their agent.\n"
        "# TYPE fanout_leases_lost_total counter\n"
        "fanout_leases_lost_total 0\n");
    /* No expected seconds of queued work: fanout has no durations from
       past runs yet, and makes none up. */
    assert_null (strstr (t, "fanout_queue_seconds"));
    free (t);
    fo_metrics_destroy (&m);
}

/* A path may hold anything: the label value escapes backslash, double
   quote and newline, and what is not UTF-8 becomes '?'. */
static void
test_suite_label_escaped (void **state)
{
    (void) state;
    fo_metrics *m = fo_metrics_new ("a\"b\\c\nd\xff" "e\xc3\xa9" "f\xe2\x82");
    char *t = render (m);
    assert_non_null (strstr (t, "fanout_run_info{suite=\"a\\\"b\\\\c\\nd?e\xc3\xa9" "f??\"} 1\n"));
    free (t);
    fo_metrics_destroy (&m);
    m = fo_metrics_new (NULL);
    t = render (m);
    assert_non_null (strstr (t, "fanout_run_info{suite=\"\"} 1\n"));
    free (t);
    fo_metrics_destroy (&m);
}

/* ---- ADDR --------------------------------------------------------------------- */

static void
addr_ok (const char *text, int family, const char *host, unsigned port, bool any)
{
    fo_metrics_addr a;
    char err[256] = "";
    if (fo_metrics_addr_parse (text, &a, err, sizeof err) != 0)
        fail_msg ("'%s' refused: %s", text, err);
    assert_int_equal (a.sa.ss_family, family);
    assert_int_equal (a.any, any);
    char got[INET6_ADDRSTRLEN];
    if (family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *) &a.sa;
        inet_ntop (AF_INET, &in->sin_addr, got, sizeof got);
        assert_int_equal (ntohs (in->sin_port), port);
        assert_int_equal (a.len, sizeof *in);
    }
    else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) &a.sa;
        inet_ntop (AF_INET6, &in6->sin6_addr, got, sizeof got);
        assert_int_equal (ntohs (in6->sin6_port), port);
        assert_int_equal (a.len, sizeof *in6);
    }
    assert_string_equal (got, host);
}

static void
addr_bad (const char *text, const char *why)
{
    fo_metrics_addr a;
    char err[256] = "";
    if (fo_metrics_addr_parse (text, &a, err, sizeof err) == 0)
        fail_msg ("'%s' accepted", text);
    if (!strstr (err, why))
        fail_msg ("'%s': the error '%s' does not say '%s'", text, err, why);
}

static void
test_addr (void **state)
{
    (void) state;
    addr_ok ("127.0.0.1:9464", AF_INET, "127.0.0.1", 9464, false);
    addr_ok ("0.0.0.0:0", AF_INET, "0.0.0.0", 0, false);
    addr_ok ("[::1]:65535", AF_INET6, "::1", 65535, false);
    addr_ok (":9464", AF_INET6, "::", 9464, true);
    addr_ok ("*:09464", AF_INET6, "::", 9464, true);
    addr_bad ("9464", "not HOST:PORT");
    addr_bad ("127.0.0.1", "not HOST:PORT");
    addr_bad ("127.0.0.1:", "the port must be a number from 0 to 65535");
    addr_bad ("127.0.0.1:65536", "the port must be a number from 0 to 65535");
    addr_bad ("127.0.0.1:123456", "the port must be a number from 0 to 65535");
    addr_bad ("127.0.0.1:-1", "the port must be a number from 0 to 65535");
    addr_bad ("127.0.0.1:+1", "the port must be a number from 0 to 65535");
    addr_bad ("127.0.0.1: 1", "the port must be a number from 0 to 65535");
    addr_bad ("localhost:9464", "the host must be an IP address");
    addr_bad ("127.1:9464", "the host must be an IP address");
    addr_bad ("::1:9464", "an IPv6 address goes in brackets");
    addr_bad ("[::1:9464", "not HOST:PORT");
    addr_bad ("[fe80::1%lo]:9464", "is not an IPv6 address");
    addr_bad ("[127.0.0.1]:9464", "is not an IPv6 address");
    addr_bad ("[]:9464", "is not an IPv6 address");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_numbers_through_a_run),
        cmocka_unit_test (test_text_format),
        cmocka_unit_test (test_suite_label_escaped),
        cmocka_unit_test (test_addr),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
