/*  Tests for fo_run: the broker's bookkeeping, driven as the broker's loop
    drives it, without sockets. The test plays the agents: it asks for
    leases for agent numbers 0 and 1 and feeds fo_result / fo_done structs,
    losses and stops. Test commands never run; shared fixtures' setups and
    teardowns are real processes (sh -c ...), serviced with poll() on
    fo_run_pollfds like the broker's loop does.

    Suites: tests/data/suites/run_basic.yml and run_serial.yml, and built in
    C for shared fixtures (their commands differ per test and write into a
    temporary directory, the suite's directory and so the fixtures' cwd).

    Every scenario ends with the one-outcome invariant: every test of the
    report has exactly one outcome (fo_report refuses a second one, so
    "done" for every record is the whole check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_plan.h"
#include "fo_proc.h"
#include "fo_report.h"
#include "fo_run.h"
#include "run_support.h"
#include "fo_suite.h"
#include "tmpdir_support.h"

#define BROKER_HOST "brokerhost"
#define WAIT_LIMIT_MS 10000u    /* a fixture process that takes longer is a failure */

/* ---- harness ------------------------------------------------------------ */

typedef struct {
    char dir[64];           /* temporary directory: suite dir, fixtures' cwd */
    fo_suite *suite;
    fo_plan *plan;
    fo_report *report;
    bool report_ready;
    fo_run *run;
} harness;

static int
h_setup (void **state)
{
    harness *h = fo_xcalloc (1, sizeof *h);
    snprintf (h->dir, sizeof h->dir, "/tmp/fo-test-run-XXXXXX");
    if (!mkdtemp (h->dir)) {
        free (h);
        return -1;
    }
    *state = h;
    return 0;
}

/* Runs even when the test failed: kills fixture processes, frees all. */
static int
h_teardown (void **state)
{
    harness *h = *state;
    fo_run_destroy (&h->run);
    fo_plan_destroy (&h->plan);
    if (h->report_ready)
        fo_report_destroy (&h->report);
    fo_suite_destroy (&h->suite);
    remove_dir (h->dir);
    free (h);
    return 0;
}

static void
load_suite (harness *h, const char *name)
{
    char path[512], err[512] = "";
    snprintf (path, sizeof path, "%s/suites/%s", FO_TEST_DATA_DIR, name);
    h->suite = fo_suite_load (path, err, sizeof err);
    if (!h->suite)
        fail_msg ("%s: %s", path, err);
}

/* Plans the suite, fills the report with its tests and creates the run. */
static void
start_run (harness *h, uint32_t max_attempts)
{
    h->plan = fo_plan_build (h->suite);
    assert_non_null (h->plan);
    h->report = plan_report_new (h->plan);
    h->report_ready = true;
    fo_run_options options = {
        .plan = h->plan,
        .report = h->report,
        .reporters = NULL,
        .max_attempts = max_attempts,
        .output_cap = 4096,
        .skip_code = 77,
        .broker_host = BROKER_HOST,
    };
    h->run = fo_run_new (&options);
    assert_non_null (h->run);
}

/* ---- building suites in C (shared fixtures) ----------------------------- */

static void
sh_command (fo_command *cmd, const char *script)
{
    fo_strv_push (&cmd->argv, "/bin/sh");
    fo_strv_push (&cmd->argv, "-c");
    fo_strv_push (&cmd->argv, script);
}

static void
suite_new (harness *h)
{
    h->suite = hand_suite_new (h->dir);
}

/* setup / teardown: shell scripts, or NULL for none. */
static fo_context *
shared_ctx (fo_context *parent, const char *name, const char *setup, const char *teardown)
{
    fo_context *ctx = fo_context_new (parent, name);
    ctx->mode = FO_MODE_SHARED;
    if (setup)
        sh_command (&ctx->setup, setup);
    if (teardown)
        sh_command (&ctx->teardown, teardown);
    return ctx;
}

static void
add_test (fo_context *ctx, const char *name)
{
    fo_test *test = fo_test_new (ctx, name);
    sh_command (&test->run, "true");
}

/* Root test "free" (no fixture), then shared context "db" with db/t1, db/t2:
     task 0: free   task 1: db/t1 {0}   task 2: db/t2 {0} */
static void
shared_suite (harness *h, const char *setup, const char *teardown)
{
    suite_new (h);
    add_test (h->suite->root, "free");
    fo_context *db = shared_ctx (h->suite->root, "db", setup, teardown);
    add_test (db, "t1");
    add_test (db, "t2");
}

/* ---- looking things up ------------------------------------------------- */

static size_t
test_index (const harness *h, const char *id)
{
    for (size_t i = 0; i < h->plan->ntests; i++)
        if (strcmp (h->plan->tests[i]->id, id) == 0)
            return i;
    fail_msg ("no test '%s' in the plan", id);
    return 0;
}

static const fo_test_record *
rec (const harness *h, const char *id)
{
    return fo_report_test (h->report, test_index (h, id));
}

/* The index of the task whose steps the lease carries: the plan's own
   (borrowed), or - for a task leased again after a loss or for a retry -
   a subset of them holding the tests still without an outcome. */
static size_t
lease_task (const harness *h, const fo_lease *lease)
{
    for (size_t i = 0; i < h->plan->ntasks; i++)
        if (fo_plan_steps (h->plan, i) == lease->steps) {
            assert_int_equal (lease->nsteps, h->plan->tasks[i].nsteps);
            return i;
        }
    for (size_t k = 0; k < lease->nsteps; k++) {
        if (lease->steps[k].kind != FO_STEP_TEST || lease->steps[k].tests.len == 0)
            continue;
        const char *id = lease->steps[k].tests.items[0];
        for (size_t i = 0; i < h->plan->ntasks; i++) {
            const fo_task *t = &h->plan->tasks[i];
            for (size_t j = 0; j < t->ntests; j++)
                if (strcmp (h->plan->tests[fo_task_tests (t)[j]]->id, id) == 0) {
                    assert_true (lease->nsteps <= t->nsteps);
                    return i;
                }
        }
    }
    fail_msg ("lease %llu carries steps of no task", (unsigned long long) lease->lease);
    return 0;
}

static uint32_t
step_of (const fo_lease *lease, const char *test)
{
    for (size_t i = 0; i < lease->nsteps; i++)
        if (lease->steps[i].kind == FO_STEP_TEST && strcmp (lease->steps[i].name, test) == 0)
            return (uint32_t) i;
    fail_msg ("no step for '%s' in lease %llu", test, (unsigned long long) lease->lease);
    return 0;
}

static bool
contains (const char *haystack, const char *needle)
{
    return haystack && strstr (haystack, needle);
}

#define assert_contains(haystack, needle)                                                   \
    do {                                                                                    \
        const char *h_ = (haystack);                                                        \
        if (!contains (h_, (needle)))                                                       \
            fail_msg ("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle));          \
    } while (0)

static bool
file_exists (const harness *h, const char *name)
{
    char *path = fo_xasprintf ("%s/%s", h->dir, name);
    struct stat st;
    bool exists = stat (path, &st) == 0;
    free (path);
    return exists;
}

static char *
file_text (const harness *h, const char *name)
{
    char *path = fo_xasprintf ("%s/%s", h->dir, name);
    FILE *f = fopen (path, "r");
    free (path);
    fo_buf buf = { 0 };
    fo_buf_puts (&buf, "");
    if (f) {
        char chunk[256];
        size_t n;
        while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
            fo_buf_append (&buf, chunk, n);
        fclose (f);
    }
    return fo_buf_steal (&buf);
}

/* ---- playing the agents ----------------------------------------------- */

static bool
send_result_full (harness *h, uint32_t agent, const char *host, uint64_t lease, uint32_t step,
                  const char *test, fo_outcome outcome, const char *out, const char *message)
{
    fo_result r = {
        .lease = lease,
        .step = step,
        .test = (char *) test,
        .outcome = outcome,
        .duration_us = 1234,
        .out = (char *) out,
        .out_len = strlen (out),
        .err = (char *) "",
        .err_len = 0,
        .message = (char *) message,
        .host = (char *) host,
        .worker = 2,
        .attempt = 99,      /* the broker must use the lease's attempt, not this */
    };
    return fo_run_result (h->run, agent, host, &r);
}

static bool
send_result (harness *h, uint32_t agent, const char *host, const fo_lease *lease,
             const char *test, fo_outcome outcome)
{
    return send_result_full (h, agent, host, lease->lease, step_of (lease, test), test, outcome,
                             "", outcome == FO_PASSED ? "" : "exit status 1");
}

static bool
send_done (harness *h, uint32_t agent, uint64_t lease, int32_t exit_status, int32_t sig)
{
    fo_done d = { .lease = lease, .exit_status = exit_status, .signal = sig };
    return fo_run_done (h->run, agent, "host-of-done", &d);
}

/* Every test of the lease passes, then done. */
static void
pass_lease (harness *h, uint32_t agent, const char *host, const fo_lease *lease)
{
    for (size_t i = 0; i < lease->nsteps; i++)
        if (lease->steps[i].kind == FO_STEP_TEST)
            assert_true (send_result (h, agent, host, lease, lease->steps[i].name, FO_PASSED));
    assert_true (send_done (h, agent, lease->lease, 0, 0));
}

static void
expect_lease (harness *h, uint32_t agent, fo_lease *lease, size_t task, uint32_t attempt)
{
    memset (lease, 0, sizeof *lease);
    assert_true (fo_run_next_lease (h->run, agent, lease));
    assert_int_equal (lease_task (h, lease), task);
    assert_int_equal (lease->attempt, attempt);
}

/* Tasks from..to-1, in that order and each in its first attempt, are
   leased to the agent, which passes every test of each. */
static void
pass_tasks (harness *h, uint32_t agent, const char *host, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        fo_lease l;
        expect_lease (h, agent, &l, i, 1);
        pass_lease (h, agent, host, &l);
    }
}

static void
expect_no_lease (harness *h, uint32_t agent)
{
    fo_lease lease = { 0 };
    assert_false (fo_run_next_lease (h->run, agent, &lease));
}

/* ---- the fixtures' processes ------------------------------------------ */

/* One turn of the broker's loop for the fixtures: poll (at most 100 ms),
   then service. */
static void
pump (harness *h)
{
    int fds[16];
    struct pollfd pfds[16];
    int n = fo_run_pollfds (h->run, fds, 16);
    for (int i = 0; i < n; i++)
        pfds[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
    uint64_t now = fo_now_ms ();
    uint64_t deadline = fo_run_deadline_ms (h->run);
    int timeout = 100;
    if (deadline != UINT64_MAX && deadline < now + (uint64_t) timeout)
        timeout = deadline > now ? (int) (deadline - now) : 0;
    poll (pfds, (nfds_t) n, timeout);
    fo_run_service (h->run);
}

typedef bool (condition_fn) (harness *h, void *arg);

static void
pump_until (harness *h, condition_fn *cond, void *arg, const char *what)
{
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    while (!cond (h, arg)) {
        if (fo_now_ms () > limit)
            fail_msg ("timed out waiting for %s", what);
        pump (h);
    }
}

static bool
cond_finished (harness *h, void *arg)
{
    (void) arg;
    return fo_run_finished (h->run);
}

/* No fixture process runs. */
static bool
cond_no_process (harness *h, void *arg)
{
    (void) arg;
    int fds[16];
    return fo_run_pollfds (h->run, fds, 16) == 0 && fo_run_deadline_ms (h->run) == UINT64_MAX;
}

static bool
cond_test_done (harness *h, void *arg)
{
    return rec (h, arg)->done;
}

/* The run has a deadline: a fixture process started (its spawn, on the
   fixtures' spawner thread, is over) with a time limit. */
static bool
cond_deadline (harness *h, void *arg)
{
    (void) arg;
    return fo_run_deadline_ms (h->run) != UINT64_MAX;
}

typedef struct {
    uint32_t agent;
    fo_lease *lease;
} lease_wait;

static bool
cond_lease (harness *h, void *arg)
{
    lease_wait *w = arg;
    return fo_run_next_lease (h->run, w->agent, w->lease);
}

/* Pumps until a lease is handed out to `agent`. */
static void
lease_when_ready (harness *h, uint32_t agent, fo_lease *lease)
{
    memset (lease, 0, sizeof *lease);
    lease_wait w = { agent, lease };
    pump_until (h, cond_lease, &w, "a lease");
}

/* ---- checking the report ---------------------------------------------- */

/* Every test has exactly one outcome. */
static void
assert_all_done (const harness *h)
{
    assert_int_equal (fo_report_ntests (h->report), h->plan->ntests);
    for (size_t i = 0; i < fo_report_ntests (h->report); i++) {
        if (!fo_report_test (h->report, i)->done)
            fail_msg ("test '%s' has no outcome", fo_report_test (h->report, i)->id);
        assert_true ((unsigned) fo_report_test (h->report, i)->outcome < FO_OUTCOME_COUNT);
    }
}

static void
assert_none_done (const harness *h)
{
    for (size_t i = 0; i < fo_report_ntests (h->report); i++)
        if (fo_report_test (h->report, i)->done)
            fail_msg ("test '%s' already has an outcome", fo_report_test (h->report, i)->id);
}

/* Everything the report holds, as one string, to compare before and after
   a message that must change nothing. */
static char *
report_digest (const fo_report *r)
{
    fo_buf b = { 0 };
    fo_buf_puts (&b, "");
    for (size_t i = 0; i < fo_report_ntests (r); i++) {
        const fo_test_record *t = fo_report_test (r, i);
        fo_buf_printf (&b, "%s|%d|%d|%llu|%s|%s|%u|%u|%d|", t->id, t->done, (int) t->outcome,
                       (unsigned long long) t->duration_us, t->message ? t->message : "-",
                       t->host ? t->host : "-", t->worker, t->attempt, t->serial);
        if (t->out)
            fo_buf_append (&b, t->out, t->out_len);
        fo_buf_puts (&b, "|");
        if (t->err)
            fo_buf_append (&b, t->err, t->err_len);
        fo_buf_puts (&b, "\n");
    }
    for (size_t i = 0; i < fo_report_nfixture_errors (r); i++) {
        const fo_fixture_error *f = fo_report_fixture_error (r, i);
        fo_buf_printf (&b, "fixture %s|%s|%s|%s\n", f->context, f->phase,
                       f->message ? f->message : "-", f->host ? f->host : "-");
    }
    return fo_buf_steal (&b);
}

/* ---- leasing ------------------------------------------------------------ */

static void
test_plan_shape (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 1);
    /* the scenarios below rely on this plan */
    assert_int_equal (h->plan->ntests, 5);
    assert_int_equal (h->plan->ntasks, 4);
    assert_int_equal (h->plan->tasks[2].nsteps, 4);
    assert_int_equal (fo_plan_steps (h->plan, 2)[0].kind, FO_STEP_SETUP);
    assert_string_equal (fo_plan_steps (h->plan, 2)[1].name, "unit/x");
    assert_string_equal (fo_plan_steps (h->plan, 2)[2].name, "unit/y");
    assert_int_equal (fo_plan_steps (h->plan, 2)[3].kind, FO_STEP_TEARDOWN);
    assert_string_equal (fo_plan_steps (h->plan, 3)[0].name, "c/d");
    assert_false (fo_run_finished (h->run));
    assert_int_equal (fo_run_in_flight (h->run), 0);
    assert_false (fo_run_stopping (h->run));
    assert_string_equal (fo_run_stop_reason (h->run), "");
    assert_int_equal (fo_run_pollfds (h->run, (int[4]) { 0 }, 4), 0);
    assert_true (fo_run_deadline_ms (h->run) == UINT64_MAX);
    assert_none_done (h);
}

typedef struct {
    uint64_t leases[8];
    uint32_t agents[8];
    size_t n;
} lease_list;

static void
collect_lease (void *arg, uint64_t lease, uint32_t agent)
{
    lease_list *list = arg;
    assert_true (list->n < 8);
    list->leases[list->n] = lease;
    list->agents[list->n++] = agent;
}

/* Every task is leased once, in plan order, alternating agents; the lease
   carries the run's options and the plan's steps. */
static void
test_every_task_leased_once_in_order (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 2);
    fo_lease leases[4];
    for (size_t i = 0; i < 4; i++) {
        expect_lease (h, (uint32_t) (i % 2), &leases[i], i, 1);
        assert_int_equal (leases[i].output_cap, 4096);
        assert_int_equal (leases[i].skip_code, 77);
        assert_ptr_equal (leases[i].steps, fo_plan_steps (h->plan, i));
        for (size_t j = 0; j < i; j++)
            assert_true (leases[i].lease != leases[j].lease);
        assert_true (leases[i].lease != 0);
        assert_int_equal (fo_run_in_flight (h->run), i + 1);
    }
    expect_no_lease (h, 0);
    expect_no_lease (h, 1);

    lease_list list = { 0 };
    fo_run_foreach_lease (h->run, collect_lease, &list);
    assert_int_equal (list.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal (list.leases[i], leases[i].lease);
        assert_int_equal (list.agents[i], i % 2);
    }

    for (size_t i = 0; i < 4; i++) {
        assert_false (fo_run_finished (h->run));
        pass_lease (h, (uint32_t) (i % 2), i % 2 ? "hostB" : "hostA", &leases[i]);
        assert_int_equal (fo_run_in_flight (h->run), 3 - i);
    }
    expect_no_lease (h, 0);     /* nothing is leased twice */
    assert_true (fo_run_finished (h->run));
    for (size_t i = 0; i < fo_report_ntests (h->report); i++)
        assert_int_equal (fo_report_test (h->report, i)->outcome, FO_PASSED);
    assert_int_equal (fo_report_nfixture_errors (h->report), 0);
    assert_all_done (h);
}

/* A result is recorded with the host given to fo_run_result and the
   lease's attempt; its other fields are kept as sent. */
static void
test_result_recorded (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 1);
    fo_lease a;
    expect_lease (h, 0, &a, 0, 1);
    fo_result r = {
        .lease = a.lease, .step = 0, .test = (char *) "a", .outcome = FO_FAILED,
        .duration_us = 4321,
        .out = (char *) "o\0ut", .out_len = 4,     /* bytes, NULs kept */
        .err = (char *) "err", .err_len = 3,
        .message = (char *) "exit status 3",
        .host = (char *) "claimed-by-agent", .worker = 5, .attempt = 7,
    };
    assert_true (fo_run_result (h->run, 0, "hostA", &r));
    const fo_test_record *t = rec (h, "a");
    assert_true (t->done);
    assert_int_equal (t->outcome, FO_FAILED);
    assert_int_equal (t->duration_us, 4321);
    assert_int_equal (t->out_len, 4);
    assert_memory_equal (t->out, "o\0ut", 4);
    assert_int_equal (t->err_len, 3);
    assert_memory_equal (t->err, "err", 3);
    assert_string_equal (t->message, "exit status 3");
    assert_string_equal (t->host, "hostA");
    assert_int_equal (t->worker, 5);
    assert_int_equal (t->attempt, 1);
    assert_false (t->serial);
    assert_false (rec (h, "b")->done);
    assert_true (send_done (h, 0, a.lease, 3, 0));

    /* A fixture error (test "") for a fixture step is a report fixture error. */
    fo_lease u;
    expect_lease (h, 1, &u, 1, 1);
    pass_lease (h, 1, "hostB", &u);
    expect_lease (h, 1, &u, 2, 1);
    assert_true (send_result (h, 1, "hostB", &u, "unit/x", FO_PASSED));
    assert_true (send_result (h, 1, "hostB", &u, "unit/y", FO_PASSED));
    assert_true (send_result_full (h, 1, "hostB", u.lease, 3, "", FO_ERROR, "bye\n",
                                   "teardown of context 'unit' failed: exit status 1"));
    assert_int_equal (fo_report_nfixture_errors (h->report), 1);
    assert_string_equal (fo_report_fixture_error (h->report, 0)->context, "unit");
    assert_string_equal (fo_report_fixture_error (h->report, 0)->phase, "teardown");
    assert_string_equal (fo_report_fixture_error (h->report, 0)->host, "hostB");
    assert_string_equal (fo_report_fixture_error (h->report, 0)->message,
                         "teardown of context 'unit' failed: exit status 1");
    assert_int_equal (fo_report_fixture_error (h->report, 0)->out_len, 4);
    /* ... but not for a test step */
    assert_false (send_result_full (h, 1, "hostB", u.lease, 1, "", FO_ERROR, "", "x"));
    assert_int_equal (fo_report_nfixture_errors (h->report), 1);
    assert_true (send_done (h, 1, u.lease, 0, 0));
    expect_lease (h, 0, &u, 3, 1);
    pass_lease (h, 0, "hostA", &u);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* Stale or invalid results and dones are dropped and change nothing. */
static void
test_stale_messages_dropped (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 1);
    fo_lease a, b, u;
    expect_lease (h, 0, &a, 0, 1);
    expect_lease (h, 1, &b, 1, 1);
    expect_lease (h, 0, &u, 2, 1);
    char *before = report_digest (h->report);

    /* the right lease, the wrong agent */
    assert_false (send_result (h, 1, "hostB", &a, "a", FO_PASSED));
    /* unknown lease ids */
    assert_false (send_result_full (h, 0, "hostA", 0, 0, "a", FO_PASSED, "", ""));
    assert_false (send_result_full (h, 0, "hostA", 999, 0, "a", FO_PASSED, "", ""));
    assert_false (send_result_full (h, 0, "hostA", UINT64_MAX, 0, "a", FO_PASSED, "", ""));
    /* step out of range */
    assert_false (send_result_full (h, 0, "hostA", a.lease, 1, "a", FO_PASSED, "", ""));
    assert_false (send_result_full (h, 0, "hostA", u.lease, 4, "unit/x", FO_PASSED, "", ""));
    assert_false (send_result_full (h, 0, "hostA", u.lease, UINT32_MAX, "unit/x", FO_PASSED,
                                    "", ""));
    /* a test of the task, but of another step */
    assert_false (send_result_full (h, 0, "hostA", u.lease, 2, "unit/x", FO_PASSED, "", ""));
    /* a test of the task, reported on its setup step */
    assert_false (send_result_full (h, 0, "hostA", u.lease, 0, "unit/x", FO_PASSED, "", ""));
    /* a test of another task, another lease of the same agent */
    assert_false (send_result_full (h, 0, "hostA", a.lease, 0, "unit/x", FO_PASSED, "", ""));
    assert_false (send_result_full (h, 0, "hostA", a.lease, 0, "b", FO_PASSED, "", ""));
    /* a test that does not exist at all */
    assert_false (send_result_full (h, 0, "hostA", a.lease, 0, "nope", FO_PASSED, "", ""));
    /* done from the wrong agent, or for an unknown lease */
    assert_false (send_done (h, 1, a.lease, 0, 0));
    assert_false (send_done (h, 0, 0, 0, 0));
    assert_false (send_done (h, 0, 999, 0, 0));

    char *after = report_digest (h->report);
    assert_string_equal (after, before);
    free (after);
    assert_int_equal (fo_run_in_flight (h->run), 3);

    /* after its done, a lease takes nothing more */
    pass_lease (h, 0, "hostA", &a);
    free (before);
    before = report_digest (h->report);
    assert_false (send_result (h, 0, "hostA", &a, "a", FO_FAILED));
    assert_false (send_done (h, 0, a.lease, 1, 0));
    assert_int_equal (fo_run_in_flight (h->run), 2);
    after = report_digest (h->report);
    assert_string_equal (after, before);
    assert_int_equal (rec (h, "a")->outcome, FO_PASSED);
    free (after);
    free (before);

    pass_lease (h, 1, "hostB", &b);
    pass_lease (h, 0, "hostA", &u);
    fo_lease d;
    expect_lease (h, 1, &d, 3, 1);
    pass_lease (h, 1, "hostB", &d);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* A second result for a test of a current lease is dropped: the first one
   stays, and fo_run_result says it dropped the message. */
static void
test_duplicate_result_dropped (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 1);
    fo_lease a;
    expect_lease (h, 0, &a, 0, 1);
    assert_true (send_result (h, 0, "hostA", &a, "a", FO_PASSED));
    char *before = report_digest (h->report);
    bool accepted = send_result (h, 0, "hostA", &a, "a", FO_FAILED);
    char *after = report_digest (h->report);
    assert_string_equal (after, before);
    assert_int_equal (rec (h, "a")->outcome, FO_PASSED);
    free (before);
    free (after);
    /* finish the run before the verdict, so that nothing leaks on failure */
    assert_true (send_done (h, 0, a.lease, 0, 0));
    pass_tasks (h, 1, "hostB", 1, 4);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
    if (accepted)
        fail_msg ("fo_run_result returned true for a duplicate result (the report kept the first)");
}

/* The same for a fixture error (test ""): the agent sends one per failed
   fixture step; a second one for the same step of the same lease is a
   duplicate and must not add a second fixture error to the report. */
static void
test_duplicate_fixture_error_dropped (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 1);
    fo_lease l;
    pass_tasks (h, 0, "hostA", 0, 2);
    expect_lease (h, 0, &l, 2, 1);
    assert_true (send_result (h, 0, "hostA", &l, "unit/x", FO_PASSED));
    assert_true (send_result (h, 0, "hostA", &l, "unit/y", FO_PASSED));
    assert_true (send_result_full (h, 0, "hostA", l.lease, 3, "", FO_ERROR, "",
                                   "teardown of context 'unit' failed: exit status 1"));
    char *before = report_digest (h->report);
    bool accepted = send_result_full (h, 0, "hostA", l.lease, 3, "", FO_ERROR, "",
                                      "teardown of context 'unit' failed: exit status 1");
    char *after = report_digest (h->report);
    size_t nfixture_errors = fo_report_nfixture_errors (h->report);
    bool same = strcmp (after, before) == 0;
    free (before);
    free (after);
    assert_true (send_done (h, 0, l.lease, 1, 0));
    expect_lease (h, 0, &l, 3, 1);
    pass_lease (h, 0, "hostA", &l);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
    if (accepted || !same)
        fail_msg ("a duplicate fixture error was %s (%zu fixture errors in the report)",
                  accepted ? "accepted" : "dropped but changed the report", nfixture_errors);
}

/* done without some results: those tests are errors saying why. */
static void
test_done_without_results (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 1);
    fo_lease a, u;
    expect_lease (h, 0, &a, 0, 1);
    expect_lease (h, 1, &u, 1, 1);
    fo_lease unit;
    expect_lease (h, 1, &unit, 2, 1);

    assert_true (send_done (h, 0, a.lease, 2, 0));
    const fo_test_record *t = rec (h, "a");
    assert_true (t->done);
    assert_int_equal (t->outcome, FO_ERROR);
    assert_contains (t->message, "no result");
    assert_contains (t->message, "exit status 2");
    assert_int_equal (t->attempt, 1);

    assert_true (send_done (h, 1, u.lease, -1, SIGKILL));
    assert_int_equal (rec (h, "b")->outcome, FO_ERROR);
    assert_contains (rec (h, "b")->message, "SIGKILL");

    assert_true (send_result (h, 1, "hostB", &unit, "unit/x", FO_PASSED));
    assert_true (send_done (h, 1, unit.lease, 0, 0));
    assert_int_equal (rec (h, "unit/x")->outcome, FO_PASSED);
    assert_int_equal (rec (h, "unit/y")->outcome, FO_ERROR);
    assert_contains (rec (h, "unit/y")->message, "no result");

    fo_lease d;
    expect_lease (h, 0, &d, 3, 1);
    pass_lease (h, 0, "hostA", &d);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* ---- agents lost -------------------------------------------------------- */

/* A lost lease goes back to the front of the queue with attempt 2; results
   already recorded stay as they were; the old lease is dead. */
static void
test_agent_lost_retries (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 2);
    fo_lease a, b, u;
    expect_lease (h, 1, &a, 0, 1);
    expect_lease (h, 1, &b, 1, 1);
    expect_lease (h, 0, &u, 2, 1);
    assert_true (send_result (h, 0, "hostA", &u, "unit/x", FO_PASSED));

    fo_run_agent_lost (h->run, 0, "hostA", "no heartbeat");
    assert_int_equal (fo_run_in_flight (h->run), 2);      /* agent 1's leases go on */
    assert_false (rec (h, "unit/y")->done);
    char *before = report_digest (h->report);
    /* the lost lease is dead, even from the same agent number */
    assert_false (send_result (h, 0, "hostA", &u, "unit/y", FO_PASSED));
    assert_false (send_done (h, 0, u.lease, 0, 0));
    char *after = report_digest (h->report);
    assert_string_equal (after, before);
    free (before);
    free (after);

    /* re-leased first, before c/d, which was never leased */
    fo_lease retry;
    expect_lease (h, 1, &retry, 2, 2);
    assert_true (retry.lease != u.lease);
    /* the retry runs only what has no outcome yet: unit/x is not in it */
    for (size_t i = 0; i < retry.nsteps; i++)
        assert_false (retry.steps[i].kind == FO_STEP_TEST
                      && strcmp (retry.steps[i].name, "unit/x") == 0);
    assert_true (send_result (h, 1, "hostB", &retry, "unit/y", FO_PASSED));
    assert_true (send_done (h, 1, retry.lease, 0, 0));

    const fo_test_record *x = rec (h, "unit/x");
    assert_int_equal (x->outcome, FO_PASSED);
    assert_string_equal (x->host, "hostA");
    assert_int_equal (x->attempt, 1);
    const fo_test_record *y = rec (h, "unit/y");
    assert_int_equal (y->outcome, FO_PASSED);
    assert_string_equal (y->host, "hostB");
    assert_int_equal (y->attempt, 2);

    pass_lease (h, 1, "hostB", &a);
    pass_lease (h, 1, "hostB", &b);
    fo_lease d;
    expect_lease (h, 0, &d, 3, 1);
    pass_lease (h, 0, "hostA", &d);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* An agent with several leases: each goes back ahead of the tasks never
   leased (their order among themselves is not specified). */
static void
test_agent_lost_several_leases (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 3);
    fo_lease a, b;
    expect_lease (h, 0, &a, 0, 1);
    expect_lease (h, 0, &b, 1, 1);
    fo_run_agent_lost (h->run, 0, "hostA", "bye");
    assert_int_equal (fo_run_in_flight (h->run), 0);
    fo_lease r1, r2;
    memset (&r1, 0, sizeof r1);
    memset (&r2, 0, sizeof r2);
    assert_true (fo_run_next_lease (h->run, 1, &r1));
    assert_true (fo_run_next_lease (h->run, 1, &r2));
    size_t t1 = lease_task (h, &r1), t2 = lease_task (h, &r2);
    assert_true ((t1 == 0 && t2 == 1) || (t1 == 1 && t2 == 0));
    assert_int_equal (r1.attempt, 2);
    assert_int_equal (r2.attempt, 2);
    pass_lease (h, 1, "hostB", &r1);
    pass_lease (h, 1, "hostB", &r2);
    pass_tasks (h, 1, "hostB", 2, 4);
    assert_string_equal (rec (h, "a")->host, "hostB");
    assert_int_equal (rec (h, "a")->attempt, 2);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* After max_attempts, the remaining tests are errors naming the host and
   the test that was running; tests already reported keep their outcome. */
static void
test_agent_lost_max_attempts (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 2);
    fo_lease l;
    pass_tasks (h, 0, "hostA", 0, 2);
    expect_lease (h, 0, &l, 2, 1);
    fo_run_agent_lost (h->run, 0, "hostA", "no heartbeat");
    expect_lease (h, 1, &l, 2, 2);
    assert_true (send_result (h, 1, "hostB", &l, "unit/x", FO_PASSED));
    fo_run_agent_lost (h->run, 1, "hostB", "connection reset");
    assert_int_equal (fo_run_in_flight (h->run), 0);

    assert_int_equal (rec (h, "unit/x")->outcome, FO_PASSED);
    assert_string_equal (rec (h, "unit/x")->host, "hostB");
    const fo_test_record *y = rec (h, "unit/y");
    assert_true (y->done);
    assert_int_equal (y->outcome, FO_ERROR);
    assert_contains (y->message, "hostB");
    assert_contains (y->message, "connection reset");
    assert_contains (y->message, "'unit/y'");
    assert_contains (y->message, "attempt 2 of 2");
    assert_string_equal (y->host, "hostB");
    assert_int_equal (y->attempt, 2);

    /* the task is over: the next lease is c/d, and a late result is dropped */
    char *before = report_digest (h->report);
    assert_false (send_result (h, 1, "hostB", &l, "unit/y", FO_PASSED));
    char *after = report_digest (h->report);
    assert_string_equal (after, before);
    free (before);
    free (after);
    expect_lease (h, 0, &l, 3, 1);
    pass_lease (h, 0, "hostA", &l);
    expect_no_lease (h, 0);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* max_attempts 1: the first loss ends the task; the running test is the
   first one without a result. */
static void
test_agent_lost_single_attempt (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 1);
    fo_lease a;
    expect_lease (h, 0, &a, 0, 1);
    fo_run_agent_lost (h->run, 0, "hostA", "killed");
    assert_int_equal (rec (h, "a")->outcome, FO_ERROR);
    assert_contains (rec (h, "a")->message, "hostA");
    assert_contains (rec (h, "a")->message, "'a'");
    assert_contains (rec (h, "a")->message, "attempt 1 of 1");
    /* losing it again changes nothing */
    char *before = report_digest (h->report);
    fo_run_agent_lost (h->run, 0, "hostA", "killed again");
    char *after = report_digest (h->report);
    assert_string_equal (after, before);
    free (before);
    free (after);
    pass_tasks (h, 1, "hostB", 1, 4);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* Lost after reporting every test but before done: the task just ends. */
static void
test_agent_lost_after_all_results (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 2);
    fo_lease l;
    expect_lease (h, 0, &l, 0, 1);
    assert_true (send_result (h, 0, "hostA", &l, "a", FO_FAILED));
    fo_run_agent_lost (h->run, 0, "hostA", "bye");
    assert_int_equal (rec (h, "a")->outcome, FO_FAILED);
    pass_tasks (h, 1, "hostB", 1, 4);    /* not retried: b is next */
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* ---- serial tasks ------------------------------------------------------- */

static void
test_serial_tasks_run_alone (void **state)
{
    harness *h = *state;
    load_suite (h, "run_serial.yml");
    start_run (h, 2);
    assert_int_equal (h->plan->ntasks, 4);
    assert_false (h->plan->tasks[1].serial);
    assert_true (h->plan->tasks[2].serial);
    assert_true (h->plan->tasks[3].serial);

    fo_lease p1, p2, s;
    expect_lease (h, 0, &p1, 0, 1);
    expect_lease (h, 1, &p2, 1, 1);
    expect_no_lease (h, 0);         /* serial tasks wait for an empty run */
    pass_lease (h, 0, "hostA", &p1);
    expect_no_lease (h, 0);         /* p2 is still in flight */
    expect_no_lease (h, 1);
    pass_lease (h, 1, "hostB", &p2);

    expect_lease (h, 1, &s, 2, 1);
    expect_no_lease (h, 0);         /* nothing beside a serial task */
    expect_no_lease (h, 1);
    /* lost: it comes back, still alone */
    fo_run_agent_lost (h->run, 1, "hostB", "no heartbeat");
    assert_int_equal (fo_run_in_flight (h->run), 0);
    expect_lease (h, 0, &s, 2, 2);
    expect_no_lease (h, 1);
    pass_lease (h, 0, "hostA", &s);
    assert_true (rec (h, "ser/s1")->serial);
    assert_int_equal (rec (h, "ser/s1")->attempt, 2);
    assert_false (rec (h, "p1")->serial);

    expect_lease (h, 1, &s, 3, 1);
    expect_no_lease (h, 0);
    pass_lease (h, 1, "hostB", &s);
    assert_true (rec (h, "ser/s2")->serial);
    expect_no_lease (h, 0);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* A serial task may be leased while a parallel one waits for its shared
   setup (nothing is in flight); once the setup is done, the parallel task
   still waits until the serial one has ended. */
static void
test_serial_blocks_tasks_freed_by_a_setup (void **state)
{
    harness *h = *state;
    suite_new (h);
    fo_context *db = shared_ctx (h->suite->root, "db", "sleep 0.2", NULL);
    add_test (db, "t");
    fo_context *ser = fo_context_new (h->suite->root, "ser");
    ser->mode = FO_MODE_SERIAL;
    add_test (ser, "s");
    start_run (h, 1);
    assert_int_equal (h->plan->ntasks, 2);
    assert_false (h->plan->tasks[0].serial);
    assert_true (h->plan->tasks[1].serial);

    fo_lease s, t;
    memset (&s, 0, sizeof s);
    if (fo_run_next_lease (h->run, 0, &s)) {
        /* the serial task went first: nothing beside it, even once the
           parallel task's setup has finished */
        assert_int_equal (lease_task (h, &s), 1);
        pump_until (h, cond_no_process, NULL, "the setup");
        expect_no_lease (h, 1);
        expect_no_lease (h, 0);
        pass_lease (h, 0, "hostA", &s);
        expect_lease (h, 1, &t, 0, 1);
        expect_no_lease (h, 0);
        pass_lease (h, 1, "hostB", &t);
    }
    else {
        /* or the serial task waits for the parallel one */
        lease_when_ready (h, 0, &t);
        assert_int_equal (lease_task (h, &t), 0);
        expect_no_lease (h, 1);
        pass_lease (h, 0, "hostA", &t);
        expect_lease (h, 1, &s, 1, 1);
        pass_lease (h, 1, "hostB", &s);
    }
    assert_true (rec (h, "ser/s")->serial);
    pump_until (h, cond_finished, NULL, "the run to finish");
    assert_all_done (h);
}

/* ---- stopping ------------------------------------------------------------ */

static void
test_stop (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 2);
    fo_lease a, b;
    expect_lease (h, 0, &a, 0, 1);
    expect_lease (h, 1, &b, 1, 1);

    fo_run_stop (h->run, "interrupted by SIGINT");
    assert_true (fo_run_stopping (h->run));
    assert_string_equal (fo_run_stop_reason (h->run), "interrupted by SIGINT");
    const char *never[] = { "unit/x", "unit/y", "c/d" };
    for (size_t i = 0; i < 3; i++) {
        const fo_test_record *t = rec (h, never[i]);
        assert_true (t->done);
        assert_int_equal (t->outcome, FO_NOT_RUN);
        assert_string_equal (t->message, "not run (interrupted by SIGINT)");
        assert_null (t->host);
    }
    assert_false (rec (h, "a")->done);
    assert_false (rec (h, "b")->done);
    expect_no_lease (h, 0);
    expect_no_lease (h, 1);
    assert_false (fo_run_finished (h->run));   /* two leases in flight */

    lease_list list = { 0 };
    fo_run_foreach_lease (h->run, collect_lease, &list);
    assert_int_equal (list.n, 2);
    assert_int_equal (list.leases[0], a.lease);
    assert_int_equal (list.agents[0], 0);
    assert_int_equal (list.leases[1], b.lease);
    assert_int_equal (list.agents[1], 1);

    /* a second stop changes nothing */
    fo_run_stop (h->run, "other reason");
    assert_string_equal (fo_run_stop_reason (h->run), "interrupted by SIGINT");

    /* in-flight leases still take results and done */
    assert_true (send_result (h, 0, "hostA", &a, "a", FO_PASSED));
    assert_true (send_done (h, 0, a.lease, 0, 0));
    assert_int_equal (rec (h, "a")->outcome, FO_PASSED);
    assert_false (fo_run_finished (h->run));
    /* the agent cancelled b: its test comes back not run */
    assert_true (send_result_full (h, 1, "hostB", b.lease, 0, "b", FO_NOT_RUN, "",
                                   "not run (interrupted by SIGINT)"));
    assert_true (send_done (h, 1, b.lease, -1, SIGTERM));
    assert_int_equal (rec (h, "b")->outcome, FO_NOT_RUN);
    assert_string_equal (rec (h, "b")->host, "hostB");
    assert_true (fo_run_finished (h->run));
    assert_int_equal (fo_run_in_flight (h->run), 0);
    assert_all_done (h);
}

/* Lost while stopping: no retry, the remaining tests are not run. */
static void
test_stop_then_agent_lost (void **state)
{
    harness *h = *state;
    load_suite (h, "run_basic.yml");
    start_run (h, 3);
    fo_lease l;
    expect_lease (h, 0, &l, 0, 1);
    expect_lease (h, 0, &l, 1, 1);
    expect_lease (h, 0, &l, 2, 1);
    assert_true (send_result (h, 0, "hostA", &l, "unit/x", FO_PASSED));
    fo_run_stop (h->run, "stopped");
    fo_run_agent_lost (h->run, 0, "hostA", "bye");
    assert_int_equal (fo_run_in_flight (h->run), 0);
    expect_no_lease (h, 1);
    assert_int_equal (rec (h, "unit/x")->outcome, FO_PASSED);
    const char *lost[] = { "a", "b", "unit/y" };
    for (size_t i = 0; i < 3; i++) {
        const fo_test_record *t = rec (h, lost[i]);
        assert_int_equal (t->outcome, FO_NOT_RUN);
        assert_contains (t->message, "not run (stopped");
        assert_contains (t->message, "hostA");
    }
    assert_int_equal (rec (h, "c/d")->outcome, FO_NOT_RUN);
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

static void
test_empty_plan_finished (void **state)
{
    harness *h = *state;
    suite_new (h);
    start_run (h, 1);
    assert_int_equal (h->plan->ntasks, 0);
    assert_true (fo_run_finished (h->run));
    expect_no_lease (h, 0);
    fo_run_stop (h->run, "stopped");
    assert_true (fo_run_finished (h->run));
    assert_all_done (h);
}

/* ---- shared fixtures ---------------------------------------------------- */

/* A task of a shared context is not leased before the setup has finished;
   other tasks flow meanwhile. */
static void
test_shared_waits_for_setup (void **state)
{
    harness *h = *state;
    shared_suite (h, "sleep 0.3; echo up >> log", "echo down >> log");
    start_run (h, 1);
    assert_int_equal (h->plan->nshared, 1);
    assert_int_equal (h->plan->ntasks, 3);
    assert_int_equal (h->plan->tasks[1].nshared, 1);

    fo_lease free_lease, t1, t2;
    expect_lease (h, 0, &free_lease, 0, 1);
    expect_no_lease (h, 1);     /* db/t1 and db/t2 wait; the setup starts */
    int fds[16];
    assert_true (fo_run_pollfds (h->run, fds, 16) > 0);
    assert_false (fo_run_finished (h->run));

    lease_when_ready (h, 1, &t1);
    char *log = file_text (h, "log");
    assert_string_equal (log, "up\n");      /* the setup has finished */
    free (log);
    assert_int_equal (lease_task (h, &t1), 1);
    assert_int_equal (t1.attempt, 1);
    expect_lease (h, 0, &t2, 2, 1);
    expect_no_lease (h, 0);
    assert_int_equal (fo_run_pollfds (h->run, fds, 16), 0);

    pass_lease (h, 0, "hostA", &free_lease);
    pass_lease (h, 1, "hostB", &t1);
    pass_lease (h, 0, "hostA", &t2);
    pump_until (h, cond_finished, NULL, "the run to finish");
    log = file_text (h, "log");
    assert_string_equal (log, "up\ndown\n");
    free (log);
    assert_int_equal (fo_report_nfixture_errors (h->report), 0);
    assert_all_done (h);
}

/* The teardown runs once, after the last task of the context has ended,
   and the run is not finished before it has. */
static void
test_shared_teardown_after_last_task (void **state)
{
    harness *h = *state;
    shared_suite (h, "true", "touch torn");
    start_run (h, 1);
    fo_lease free_lease, t1, t2;
    expect_lease (h, 0, &free_lease, 0, 1);
    lease_when_ready (h, 1, &t1);
    assert_int_equal (lease_task (h, &t1), 1);
    expect_lease (h, 1, &t2, 2, 1);
    pass_lease (h, 0, "hostA", &free_lease);

    pass_lease (h, 1, "hostB", &t1);
    int fds[16];
    assert_int_equal (fo_run_pollfds (h->run, fds, 16), 0);    /* no teardown yet */
    for (int i = 0; i < 3; i++)
        pump (h);
    assert_false (file_exists (h, "torn"));
    assert_false (fo_run_finished (h->run));

    pass_lease (h, 1, "hostB", &t2);    /* the last one */
    assert_true (fo_run_pollfds (h->run, fds, 16) > 0 || file_exists (h, "torn"));
    pump_until (h, cond_finished, NULL, "the teardown");
    assert_true (file_exists (h, "torn"));
    assert_int_equal (fo_report_nfixture_errors (h->report), 0);
    assert_all_done (h);
}

/* A setup that fails: its tests are errors with the setup's output and
   exit status; they are never leased; the teardown does not run. */
static void
test_shared_setup_fails (void **state)
{
    harness *h = *state;
    shared_suite (h, "echo x; echo oops >&2; exit 3", "touch torn");
    start_run (h, 1);
    fo_lease free_lease;
    expect_lease (h, 0, &free_lease, 0, 1);
    expect_no_lease (h, 1);
    pump_until (h, cond_test_done, (void *) "db/t2", "the setup to fail");
    const char *ids[] = { "db/t1", "db/t2" };
    for (size_t i = 0; i < 2; i++) {
        const fo_test_record *t = rec (h, ids[i]);
        assert_true (t->done);
        assert_int_equal (t->outcome, FO_ERROR);
        assert_contains (t->message, "setup of shared context 'db' failed");
        assert_contains (t->message, "exit status 3");
        assert_int_equal (t->out_len, 2);
        assert_memory_equal (t->out, "x\n", 2);
        assert_int_equal (t->err_len, 5);
        assert_memory_equal (t->err, "oops\n", 5);
        assert_string_equal (t->host, BROKER_HOST);
    }
    expect_no_lease (h, 1);
    assert_false (fo_run_finished (h->run));
    pass_lease (h, 0, "hostA", &free_lease);
    pump_until (h, cond_finished, NULL, "the run to finish");
    for (int i = 0; i < 3; i++)
        pump (h);
    assert_false (file_exists (h, "torn"));
    assert_int_equal (rec (h, "free")->outcome, FO_PASSED);
    assert_all_done (h);
}

/* A setup that cannot even start fails the same way (its spawn fails on
   the fixtures' spawner thread: found at a later pump). */
static void
test_shared_setup_cannot_start (void **state)
{
    harness *h = *state;
    suite_new (h);
    fo_context *db = shared_ctx (h->suite->root, "db", NULL, "touch torn");
    fo_strv_push (&db->setup.argv, "/nonexistent/fo-no-such-setup");
    add_test (db, "t1");
    start_run (h, 1);
    expect_no_lease (h, 0);
    pump_until (h, cond_test_done, (void *) "db/t1", "the setup's start to fail");
    const fo_test_record *t = rec (h, "db/t1");
    assert_true (t->done);
    assert_int_equal (t->outcome, FO_ERROR);
    assert_contains (t->message, "setup of shared context 'db' failed");
    assert_contains (t->message, "fo-no-such-setup");
    pump_until (h, cond_finished, NULL, "the run to finish");
    assert_false (file_exists (h, "torn"));
    assert_all_done (h);
}

/* A setup that outlives the context's timeout is killed and fails. */
static void
test_shared_setup_times_out (void **state)
{
    harness *h = *state;
    suite_new (h);
    fo_context *db = shared_ctx (h->suite->root, "db", "exec sleep 30", "touch torn");
    db->timeout_ms = 200;
    add_test (db, "t1");
    start_run (h, 1);
    uint64_t started = fo_now_ms ();
    expect_no_lease (h, 0);
    pump_until (h, cond_deadline, NULL, "the setup's time limit to run");
    pump_until (h, cond_test_done, (void *) "db/t1", "the setup to time out");
    assert_true (fo_now_ms () - started < 5000);
    assert_int_equal (rec (h, "db/t1")->outcome, FO_ERROR);
    assert_contains (rec (h, "db/t1")->message, "timed out");
    pump_until (h, cond_finished, NULL, "the run to finish");
    assert_false (file_exists (h, "torn"));
    assert_all_done (h);
}

/* A teardown that fails is a fixture error of the report, with its output. */
static void
test_shared_teardown_fails (void **state)
{
    harness *h = *state;
    shared_suite (h, "true", "echo bye; exit 4");
    start_run (h, 1);
    fo_lease free_lease, t1, t2;
    expect_lease (h, 0, &free_lease, 0, 1);
    lease_when_ready (h, 0, &t1);
    expect_lease (h, 0, &t2, 2, 1);
    pass_lease (h, 0, "hostA", &free_lease);
    pass_lease (h, 0, "hostA", &t1);
    pass_lease (h, 0, "hostA", &t2);
    pump_until (h, cond_finished, NULL, "the teardown");
    assert_int_equal (fo_report_nfixture_errors (h->report), 1);
    const fo_fixture_error *f = fo_report_fixture_error (h->report, 0);
    assert_string_equal (f->context, "db");
    assert_string_equal (f->phase, "teardown");
    assert_contains (f->message, "exit status 4");
    assert_string_equal (f->host, BROKER_HOST);
    assert_int_equal (f->out_len, 4);
    assert_memory_equal (f->out, "bye\n", 4);
    assert_int_equal (rec (h, "db/t1")->outcome, FO_PASSED);
    assert_int_equal (rec (h, "db/t2")->outcome, FO_PASSED);
    assert_all_done (h);
}

/* Nested shared contexts: outer set up first, inner torn down first, and
   only after every task below the outer one has ended. */
static void
test_shared_nested_order (void **state)
{
    harness *h = *state;
    suite_new (h);
    fo_context *outer = shared_ctx (h->suite->root, "outer", "echo outer-up >> log",
                                    "echo outer-down >> log");
    add_test (outer, "t");
    fo_context *inner = shared_ctx (outer, "inner", "echo inner-up >> log",
                                    "echo inner-down >> log");
    add_test (inner, "u");
    start_run (h, 1);
    assert_int_equal (h->plan->nshared, 2);
    assert_int_equal (h->plan->ntasks, 2);

    fo_lease t, u;
    lease_when_ready (h, 0, &t);
    assert_int_equal (lease_task (h, &t), 0);
    lease_when_ready (h, 1, &u);
    assert_int_equal (lease_task (h, &u), 1);
    char *log = file_text (h, "log");
    assert_string_equal (log, "outer-up\ninner-up\n");
    free (log);

    pass_lease (h, 1, "hostB", &u);     /* inner's last task: inner goes down */
    pump_until (h, cond_no_process, NULL, "the inner teardown");
    log = file_text (h, "log");
    assert_string_equal (log, "outer-up\ninner-up\ninner-down\n");
    free (log);
    assert_false (fo_run_finished (h->run));
    pass_lease (h, 0, "hostA", &t);
    pump_until (h, cond_finished, NULL, "the teardowns");
    log = file_text (h, "log");
    assert_string_equal (log, "outer-up\ninner-up\ninner-down\nouter-down\n");
    free (log);
    assert_int_equal (fo_report_nfixture_errors (h->report), 0);
    assert_all_done (h);
}

/* Both contexts' last tasks end together: the outer teardown waits for the
   inner one to finish (never two teardowns at once here). */
static void
test_shared_nested_teardown_waits_for_inner (void **state)
{
    harness *h = *state;
    suite_new (h);
    fo_context *outer = shared_ctx (h->suite->root, "outer", NULL, "echo outer-down >> log");
    add_test (outer, "t");
    fo_context *inner = shared_ctx (outer, "inner", NULL, "sleep 0.2; echo inner-down >> log");
    add_test (inner, "u");
    start_run (h, 1);
    fo_lease t, u;
    expect_lease (h, 0, &t, 0, 1);
    expect_lease (h, 0, &u, 1, 1);
    pass_lease (h, 0, "hostA", &t);     /* outer still has u below it */
    int fds[16];
    assert_int_equal (fo_run_pollfds (h->run, fds, 16), 0);
    pass_lease (h, 0, "hostA", &u);     /* inner goes down, then outer */
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    while (!fo_run_finished (h->run)) {
        assert_true (fo_run_pollfds (h->run, fds, 16) <= 3);   /* one process at most */
        assert_true (fo_now_ms () < limit);
        pump (h);
    }
    char *log = file_text (h, "log");
    assert_string_equal (log, "inner-down\nouter-down\n");
    free (log);
    assert_all_done (h);
}

/* Nested shared contexts, the inner setup fails: the inner tests are
   errors, the outer test runs, only the outer teardown runs, at the end. */
static void
test_shared_nested_inner_setup_fails (void **state)
{
    harness *h = *state;
    suite_new (h);
    fo_context *outer = shared_ctx (h->suite->root, "outer", "echo outer-up >> log",
                                    "echo outer-down >> log");
    add_test (outer, "t");
    fo_context *inner = shared_ctx (outer, "inner", "echo inner-up >> log; exit 1",
                                    "echo inner-down >> log");
    add_test (inner, "u");
    add_test (inner, "v");
    start_run (h, 1);
    assert_int_equal (h->plan->ntasks, 3);

    fo_lease t;
    lease_when_ready (h, 0, &t);
    assert_int_equal (lease_task (h, &t), 0);
    expect_no_lease (h, 1);     /* the inner setup starts */
    pump_until (h, cond_test_done, (void *) "outer/inner/v", "the inner setup to fail");
    assert_int_equal (rec (h, "outer/inner/u")->outcome, FO_ERROR);
    assert_contains (rec (h, "outer/inner/u")->message, "'outer/inner'");
    assert_contains (rec (h, "outer/inner/u")->message, "exit status 1");
    assert_int_equal (rec (h, "outer/inner/v")->outcome, FO_ERROR);
    expect_no_lease (h, 1);
    assert_false (fo_run_finished (h->run));
    pass_lease (h, 0, "hostA", &t);
    pump_until (h, cond_finished, NULL, "the outer teardown");
    char *log = file_text (h, "log");
    assert_string_equal (log, "outer-up\ninner-up\nouter-down\n");
    free (log);
    assert_int_equal (rec (h, "outer/t")->outcome, FO_PASSED);
    assert_all_done (h);
}

/* A shared context with a teardown only: its tasks are leased at once
   (no process to wait for) and the teardown runs after the last one. */
static void
test_shared_teardown_only (void **state)
{
    harness *h = *state;
    shared_suite (h, NULL, "touch torn");
    start_run (h, 1);
    fo_lease free_lease, t1, t2;
    expect_lease (h, 0, &free_lease, 0, 1);
    expect_lease (h, 1, &t1, 1, 1);
    expect_lease (h, 1, &t2, 2, 1);
    pass_lease (h, 1, "hostB", &t2);
    pass_lease (h, 1, "hostB", &t1);
    pass_lease (h, 0, "hostA", &free_lease);
    pump_until (h, cond_finished, NULL, "the teardown");
    assert_true (file_exists (h, "torn"));
    assert_all_done (h);
}

/* Stopped while a setup runs: the waiting tasks are not run, and the setup
   is killed rather than waited for; it never completed, so its teardown
   does not run. */
static void
test_stop_during_setup (void **state)
{
    harness *h = *state;
    shared_suite (h, "sleep 0.3", "touch torn");
    start_run (h, 1);
    fo_lease free_lease;
    expect_lease (h, 0, &free_lease, 0, 1);
    expect_no_lease (h, 1);
    fo_run_stop (h->run, "stopped by the test");
    assert_int_equal (rec (h, "db/t1")->outcome, FO_NOT_RUN);
    assert_string_equal (rec (h, "db/t1")->message, "not run (stopped by the test)");
    assert_int_equal (rec (h, "db/t2")->outcome, FO_NOT_RUN);
    pass_lease (h, 0, "hostA", &free_lease);
    pump_until (h, cond_finished, NULL, "the killed setup");
    assert_false (file_exists (h, "torn"));
    expect_no_lease (h, 0);
    assert_all_done (h);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T (test_plan_shape),
        T (test_every_task_leased_once_in_order),
        T (test_result_recorded),
        T (test_stale_messages_dropped),
        T (test_duplicate_result_dropped),
        T (test_duplicate_fixture_error_dropped),
        T (test_done_without_results),
        T (test_agent_lost_retries),
        T (test_agent_lost_several_leases),
        T (test_agent_lost_max_attempts),
        T (test_agent_lost_single_attempt),
        T (test_agent_lost_after_all_results),
        T (test_serial_tasks_run_alone),
        T (test_serial_blocks_tasks_freed_by_a_setup),
        T (test_stop),
        T (test_stop_then_agent_lost),
        T (test_empty_plan_finished),
        T (test_shared_waits_for_setup),
        T (test_shared_teardown_after_last_task),
        T (test_shared_setup_fails),
        T (test_shared_setup_cannot_start),
        T (test_shared_setup_times_out),
        T (test_shared_teardown_fails),
        T (test_shared_nested_order),
        T (test_shared_nested_teardown_waits_for_inner),
        T (test_shared_nested_inner_setup_fails),
        T (test_shared_teardown_only),
        T (test_stop_during_setup),
    };
#undef T
    return cmocka_run_group_tests (tests, NULL, NULL);
}
