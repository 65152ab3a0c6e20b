/*  Tests for fo_execution: one lease, built by hand, run with real
    processes (sh -c ...) and driven as the agent's loop drives it: poll()
    on fo_execution_pollfds until fo_execution_deadline_ms, then
    fo_execution_service. Results are deep-copied in the callback (their
    strings only live during the call).

    Every step runs in a temporary directory, where scripts leave marker
    files to show whether they ran. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_execution.h"
#include "fo_util.h"
#include "tmpdir_support.h"

#define HOST "agenthost"
#define WORKER 3
#define LEASE_ID 42
#define ATTEMPT 2
#define WAIT_LIMIT_MS 10000u

/* ---- collected results --------------------------------------------------- */

typedef struct {
    uint64_t lease;
    uint32_t step;
    char *test;
    fo_outcome outcome;
    uint64_t duration_us;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    char *message;
    char *host;
    uint32_t worker;
    uint32_t attempt;
} got_result;

typedef struct {
    char dir[64];
    fo_lease lease;         /* being built; handed to the execution */
    fo_execution *exec;
    got_result results[32];
    size_t nresults;
    size_t calls;           /* callbacks, including any beyond the array */
    bool spans_set;         /* the test set the steps' spans itself */
} harness;

static void
on_result (void *arg, const fo_result *r)
{
    harness *h = arg;
    h->calls++;
    if (h->nresults == sizeof h->results / sizeof h->results[0])
        return;
    got_result *g = &h->results[h->nresults++];
    *g = (got_result) {
        .lease = r->lease,
        .step = r->step,
        .test = fo_xstrdup (r->test),
        .outcome = r->outcome,
        .duration_us = r->duration_us,
        .out = fo_xstrndup (r->out ? r->out : "", r->out_len),
        .out_len = r->out_len,
        .err = fo_xstrndup (r->err ? r->err : "", r->err_len),
        .err_len = r->err_len,
        .message = fo_xstrdup (r->message ? r->message : ""),
        .host = fo_xstrdup (r->host),
        .worker = r->worker,
        .attempt = r->attempt,
    };
}

static int
h_setup (void **state)
{
    harness *h = fo_xcalloc (1, sizeof *h);
    snprintf (h->dir, sizeof h->dir, "/tmp/fo-test-exec-XXXXXX");
    if (!mkdtemp (h->dir)) {
        free (h);
        return -1;
    }
    h->lease.lease = LEASE_ID;
    h->lease.attempt = ATTEMPT;
    h->lease.output_cap = 4096;
    h->lease.skip_code = 77;
    *state = h;
    return 0;
}

/* Runs even when the test failed: kills the step's process, frees all. */
static int
h_teardown (void **state)
{
    harness *h = *state;
    fo_execution_destroy (&h->exec);
    fo_msg lease_msg = { .type = FO_MSG_LEASE };
    lease_msg.u.lease = h->lease;       /* only when never handed over */
    fo_msg_free (&lease_msg);
    for (size_t i = 0; i < h->nresults; i++) {
        got_result *g = &h->results[i];
        free (g->test);
        free (g->out);
        free (g->err);
        free (g->message);
        free (g->host);
    }
    remove_dir (h->dir);
    free (h);
    return 0;
}

/* ---- building the lease ------------------------------------------------ */

static fo_step *
add_step_argv (harness *h, fo_step_kind kind, const char *name, const char *const *argv)
{
    h->lease.steps = fo_xrealloc (h->lease.steps, (h->lease.nsteps + 1) * sizeof *h->lease.steps);
    fo_step *step = &h->lease.steps[h->lease.nsteps++];
    memset (step, 0, sizeof *step);
    step->kind = kind;
    step->name = fo_xstrdup (name);
    for (size_t i = 0; argv[i]; i++)
        fo_strv_push (&step->argv, argv[i]);
    step->cwd = fo_xstrdup (h->dir);
    step->reader = FO_READER_EXIT_STATUS;
    if (kind == FO_STEP_TEST)
        fo_strv_push (&step->tests, name);
    return step;
}

static fo_step *
add_step (harness *h, fo_step_kind kind, const char *name, const char *script)
{
    const char *argv[] = { "sh", "-c", script, NULL };
    return add_step_argv (h, kind, name, argv);
}

/* The leases here are written as the planner writes them: a step inside a
   context's scope is named under the context's id ("db", "db/t1"). This
   gives them the spans (fo_steps.h) the planner would: a setup covers the
   run of steps after it named under it, through its own teardown; a
   teardown covers the run before it, back to its own setup. Tests that
   need a scope no name could tell set spans themselves (spans_set). */
static bool
named_under (const char *scope, const char *name)
{
    size_t n = strlen (scope);
    return n == 0 || (strncmp (name, scope, n) == 0 && (name[n] == '\0' || name[n] == '/'));
}

static void
spans_from_names (fo_lease *l)
{
    for (size_t i = 0; i < l->nsteps; i++) {
        fo_step *s = &l->steps[i];
        if (s->kind == FO_STEP_SETUP) {
            size_t j = i + 1;
            while (j < l->nsteps && named_under (s->name, l->steps[j].name)) {
                bool own_teardown = l->steps[j].kind == FO_STEP_TEARDOWN
                                    && strcmp (l->steps[j].name, s->name) == 0;
                j++;
                if (own_teardown)
                    break;
            }
            s->span = (uint32_t) (j - i - 1);
        }
        else if (s->kind == FO_STEP_TEARDOWN) {
            size_t j = i;
            while (j > 0 && named_under (s->name, l->steps[j - 1].name)) {
                j--;
                if (l->steps[j].kind == FO_STEP_SETUP && strcmp (l->steps[j].name, s->name) == 0)
                    break;
            }
            s->span = (uint32_t) (i - j);
        }
    }
}

#define SETUP(h, name, script) add_step ((h), FO_STEP_SETUP, (name), (script))
#define TEST(h, name, script) add_step ((h), FO_STEP_TEST, (name), (script))
#define TEARDOWN(h, name, script) add_step ((h), FO_STEP_TEARDOWN, (name), (script))

static void
start (harness *h)
{
    if (!h->spans_set)
        spans_from_names (&h->lease);
    h->exec = fo_execution_new (&h->lease, WORKER, HOST, on_result, h);
    assert_non_null (h->exec);
    assert_null (h->lease.steps);       /* ownership taken, struct zeroed */
    assert_int_equal (h->lease.nsteps, 0);
}

/* ---- driving ----------------------------------------------------------- */

/* One turn of the agent's loop: poll the step's fds until its deadline (at
   most 100 ms), then service. True when the execution has finished. */
static bool
turn (harness *h)
{
    int fds[FO_EXECUTION_MAX_FDS];
    struct pollfd pfds[FO_EXECUTION_MAX_FDS];
    int n = fo_execution_pollfds (h->exec, fds);
    assert_true (n >= 0 && n <= 3);
    for (int i = 0; i < n; i++)
        pfds[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
    uint64_t now = fo_now_ms ();
    uint64_t deadline = fo_execution_deadline_ms (h->exec);
    int timeout = 100;
    if (deadline != UINT64_MAX && deadline < now + (uint64_t) timeout)
        timeout = deadline > now ? (int) (deadline - now) : 0;
    if (n > 0 || timeout > 0)
        poll (pfds, (nfds_t) n, timeout);
    return fo_execution_service (h->exec);
}

static void
run_to_end (harness *h)
{
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    while (!fo_execution_service (h->exec)) {
        if (fo_now_ms () > limit)
            fail_msg ("the execution did not finish in %u ms", WAIT_LIMIT_MS);
        if (turn (h))
            break;
    }
    /* finished stays finished, and says nothing more */
    size_t calls = h->calls;
    assert_true (fo_execution_service (h->exec));
    assert_int_equal (fo_execution_pollfds (h->exec, (int[FO_EXECUTION_MAX_FDS]) { 0 }), 0);
    assert_true (fo_execution_deadline_ms (h->exec) == UINT64_MAX);
    assert_int_equal (h->calls, calls);
}

/* Hands the lease built so far to a new execution and runs it to its end. */
static void
run_lease (harness *h)
{
    start (h);
    run_to_end (h);
}

/* ---- checking ------------------------------------------------------------ */

static bool
file_exists (const harness *h, const char *name)
{
    char *path = fo_xasprintf ("%s/%s", h->dir, name);
    struct stat st;
    bool exists = stat (path, &st) == 0;
    free (path);
    return exists;
}

#define assert_contains(haystack, needle)                                                   \
    do {                                                                                    \
        const char *h_ = (haystack);                                                        \
        if (!h_ || !strstr (h_, (needle)))                                                  \
            fail_msg ("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle));          \
    } while (0)

/* The result for `test` (exactly one); "" finds a fixture error. */
static const got_result *
result_for (const harness *h, const char *test)
{
    const got_result *found = NULL;
    for (size_t i = 0; i < h->nresults; i++)
        if (strcmp (h->results[i].test, test) == 0) {
            if (found)
                fail_msg ("two results for '%s'", test);
            found = &h->results[i];
        }
    if (!found)
        fail_msg ("no result for '%s'", test);
    return found;
}

static void
expect_result (const harness *h, const char *test, uint32_t step, fo_outcome outcome,
               const char *message)
{
    const got_result *g = result_for (h, test);
    if (g->outcome != outcome)
        fail_msg ("'%s': outcome %s, expected %s (message: %s)", test,
                  fo_outcome_name (g->outcome), fo_outcome_name (outcome), g->message);
    assert_int_equal (g->step, step);
    assert_int_equal (g->lease, LEASE_ID);
    assert_int_equal (g->attempt, ATTEMPT);
    assert_int_equal (g->worker, WORKER);
    assert_string_equal (g->host, HOST);
    if (message)
        assert_string_equal (g->message, message);
}

static void
expect_status (const harness *h, int32_t exit_status, int32_t sig)
{
    int32_t got_exit = 12345, got_signal = 12345;
    fo_execution_status (h->exec, &got_exit, &got_signal);
    assert_int_equal (got_exit, exit_status);
    assert_int_equal (got_signal, sig);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_outcomes (void **state)
{
    harness *h = *state;
    TEST (h, "t/pass", "echo out; echo err >&2");
    TEST (h, "t/fail", "echo failing; exit 3");
    TEST (h, "t/skip", "exit 77");
    TEST (h, "t/crash", "ulimit -c 0; kill -SEGV $$");
    TEST (h, "t/after", "true");
    start (h);
    assert_int_equal (fo_execution_lease (h->exec), LEASE_ID);
    assert_int_equal (fo_execution_worker (h->exec), WORKER);
    run_to_end (h);

    assert_int_equal (h->calls, 5);
    /* in step order */
    for (size_t i = 0; i < h->nresults; i++)
        assert_int_equal (h->results[i].step, i);

    expect_result (h, "t/pass", 0, FO_PASSED, "");
    const got_result *pass = result_for (h, "t/pass");
    assert_int_equal (pass->out_len, 4);
    assert_memory_equal (pass->out, "out\n", 4);
    assert_int_equal (pass->err_len, 4);
    assert_memory_equal (pass->err, "err\n", 4);

    expect_result (h, "t/fail", 1, FO_FAILED, "exit status 3");
    assert_string_equal (result_for (h, "t/fail")->out, "failing\n");
    expect_result (h, "t/skip", 2, FO_SKIPPED, "exit status 77");
    expect_result (h, "t/crash", 3, FO_CRASHED, "killed by SIGSEGV");
    expect_result (h, "t/after", 4, FO_PASSED, "");
    /* the first failure is the task's status */
    expect_status (h, 3, 0);
}

static void
test_status_all_passed (void **state)
{
    harness *h = *state;
    TEST (h, "a", "true");
    TEST (h, "b", "exit 0");
    run_lease (h);
    assert_int_equal (h->calls, 2);
    expect_result (h, "a", 0, FO_PASSED, "");
    expect_result (h, "b", 1, FO_PASSED, "");
    expect_status (h, 0, 0);
}

static void
test_status_signal (void **state)
{
    harness *h = *state;
    TEST (h, "crash", "ulimit -c 0; kill -SEGV $$");
    TEST (h, "fail", "exit 4");
    run_lease (h);
    expect_result (h, "crash", 0, FO_CRASHED, "killed by SIGSEGV");
    expect_result (h, "fail", 1, FO_FAILED, "exit status 4");
    expect_status (h, -1, SIGSEGV);
}

static void
test_timeout (void **state)
{
    harness *h = *state;
    fo_step *step = TEST (h, "slow", "exec sleep 30");
    step->timeout_ms = 200;
    TEST (h, "next", "true");
    start (h);
    uint64_t started = fo_now_ms ();
    run_to_end (h);
    assert_true (fo_now_ms () - started < 5000);
    expect_result (h, "slow", 0, FO_TIMEOUT, NULL);
    assert_contains (result_for (h, "slow")->message, "timed out");
    expect_result (h, "next", 1, FO_PASSED, "");
}

/* A program that does not exist: an error for its test; the task goes on. */
static void
test_spawn_failure (void **state)
{
    harness *h = *state;
    add_step_argv (h, FO_STEP_TEST, "missing", (const char *[]) { "/nonexistent/fo-no-such-program",
                                                                  NULL });
    TEST (h, "next", "touch next-ran");
    run_lease (h);
    assert_int_equal (h->calls, 2);
    expect_result (h, "missing", 0, FO_ERROR, NULL);
    assert_contains (result_for (h, "missing")->message, "fo-no-such-program");
    expect_result (h, "next", 1, FO_PASSED, "");
    assert_true (file_exists (h, "next-ran"));
    expect_status (h, 127, 0);
}

/* A failed setup: every step up to the teardown of the same name is
   skipped, the tests in scope are errors carrying the setup's output, that
   teardown does not run, and the steps after it run normally. */
static void
test_setup_failure_skips_scope (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "echo setup-out; echo setup-err >&2; exit 2");
    TEST (h, "db/t1", "touch t1-ran");
    SETUP (h, "db/inner", "touch inner-setup-ran");
    TEST (h, "db/inner/t2", "touch t2-ran");
    TEARDOWN (h, "db/inner", "touch inner-teardown-ran");
    TEARDOWN (h, "db", "touch db-teardown-ran");
    TEST (h, "other", "touch other-ran");
    run_lease (h);

    assert_int_equal (h->calls, 4);     /* the two tests, "other", and the setup's fixture error */
    const char *message = "setup of context 'db' failed: exit status 2";
    expect_result (h, "", 0, FO_ERROR, message);
    assert_string_equal (result_for (h, "")->out, "setup-out\n");
    expect_result (h, "db/t1", 1, FO_ERROR, message);
    expect_result (h, "db/inner/t2", 3, FO_ERROR, message);
    const char *in_scope[] = { "db/t1", "db/inner/t2" };
    for (size_t i = 0; i < 2; i++) {
        const got_result *g = result_for (h, in_scope[i]);
        assert_int_equal (g->out_len, strlen ("setup-out\n"));
        assert_string_equal (g->out, "setup-out\n");
        assert_int_equal (g->err_len, strlen ("setup-err\n"));
        assert_string_equal (g->err, "setup-err\n");
    }
    expect_result (h, "other", 6, FO_PASSED, "");
    assert_false (file_exists (h, "t1-ran"));
    assert_false (file_exists (h, "inner-setup-ran"));
    assert_false (file_exists (h, "t2-ran"));
    assert_false (file_exists (h, "inner-teardown-ran"));
    assert_false (file_exists (h, "db-teardown-ran"));
    assert_true (file_exists (h, "other-ran"));
    expect_status (h, 2, 0);
}

/* The scope of a failed setup ends at its teardown: a step after it runs,
   even one named under the context (the planner never writes that, but the
   rule is "up to the teardown with the same name"). */
static void
test_scope_ends_at_teardown (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "exit 1");
    TEST (h, "db/t1", "touch t1-ran");
    TEARDOWN (h, "db", "touch teardown-ran");
    TEST (h, "db/t2", "touch t2-ran");
    run_lease (h);
    assert_int_equal (h->calls, 3);
    expect_result (h, "", 0, FO_ERROR, "setup of context 'db' failed: exit status 1");
    expect_result (h, "db/t1", 1, FO_ERROR, "setup of context 'db' failed: exit status 1");
    expect_result (h, "db/t2", 3, FO_PASSED, "");
    assert_false (file_exists (h, "t1-ran"));
    assert_false (file_exists (h, "teardown-ran"));
    assert_true (file_exists (h, "t2-ran"));
}

/* The same when the setup cannot even start. */
static void
test_setup_cannot_start (void **state)
{
    harness *h = *state;
    add_step_argv (h, FO_STEP_SETUP, "db", (const char *[]) { "/nonexistent/fo-no-such-setup",
                                                              NULL });
    TEST (h, "db/t1", "touch t1-ran");
    TEARDOWN (h, "db", "touch db-teardown-ran");
    TEST (h, "after", "true");
    run_lease (h);
    assert_int_equal (h->calls, 3);
    expect_result (h, "", 0, FO_ERROR, NULL);
    expect_result (h, "db/t1", 1, FO_ERROR, NULL);
    assert_contains (result_for (h, "db/t1")->message, "setup of context 'db' failed");
    assert_contains (result_for (h, "db/t1")->message, "fo-no-such-setup");
    expect_result (h, "after", 3, FO_PASSED, "");
    assert_false (file_exists (h, "t1-ran"));
    assert_false (file_exists (h, "db-teardown-ran"));
}

/* A context without teardown: the scope ends at the first step named
   outside it ("ctxother" is not under "ctx"), which runs normally, and so
   does everything after it. */
static void
test_setup_failure_without_teardown (void **state)
{
    harness *h = *state;
    SETUP (h, "ctx", "echo no; exit 1");
    TEST (h, "ctx/t1", "touch t1-ran");
    TEST (h, "ctx/sub/t2", "touch t2-ran");
    TEST (h, "ctxother", "touch other-ran");
    TEST (h, "ctx/t3", "touch t3-ran");
    run_lease (h);
    assert_int_equal (h->calls, 5);
    expect_result (h, "", 0, FO_ERROR, "setup of context 'ctx' failed: exit status 1");
    expect_result (h, "ctx/t1", 1, FO_ERROR, "setup of context 'ctx' failed: exit status 1");
    assert_string_equal (result_for (h, "ctx/t1")->out, "no\n");
    expect_result (h, "ctx/sub/t2", 2, FO_ERROR, "setup of context 'ctx' failed: exit status 1");
    expect_result (h, "ctxother", 3, FO_PASSED, "");
    expect_result (h, "ctx/t3", 4, FO_PASSED, "");
    assert_false (file_exists (h, "t1-ran"));
    assert_false (file_exists (h, "t2-ran"));
    assert_true (file_exists (h, "other-ran"));
    assert_true (file_exists (h, "t3-ran"));
}

/* Scopes are the spans the broker sent, not what names suggest: a test
   named "db/x" outside the context "db" (names may hold '/') runs although
   db's setup failed, and one named "other" inside db's scope is an error. */
static void
test_scope_is_span_not_name (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "exit 1")->span = 2;
    TEST (h, "db/t1", "touch t1-ran");
    TEST (h, "other", "touch other-ran");
    TEST (h, "db/x", "touch x-ran");
    h->spans_set = true;
    run_lease (h);
    assert_int_equal (h->calls, 4);
    expect_result (h, "db/t1", 1, FO_ERROR, "setup of context 'db' failed: exit status 1");
    expect_result (h, "other", 2, FO_ERROR, "setup of context 'db' failed: exit status 1");
    expect_result (h, "db/x", 3, FO_PASSED, "");
    assert_false (file_exists (h, "other-ran"));
    assert_true (file_exists (h, "x-ran"));
}

/* The root context's id "" covers every step. */
static void
test_root_setup_failure (void **state)
{
    harness *h = *state;
    SETUP (h, "", "exit 1");
    TEST (h, "a", "touch a-ran");
    TEST (h, "b/c", "touch c-ran");
    TEARDOWN (h, "", "touch teardown-ran");
    run_lease (h);
    assert_int_equal (h->calls, 3);
    expect_result (h, "", 0, FO_ERROR, "setup of context '' failed: exit status 1");
    expect_result (h, "a", 1, FO_ERROR, "setup of context '' failed: exit status 1");
    expect_result (h, "b/c", 2, FO_ERROR, "setup of context '' failed: exit status 1");
    assert_false (file_exists (h, "a-ran"));
    assert_false (file_exists (h, "c-ran"));
    assert_false (file_exists (h, "teardown-ran"));
}

/* Setups that succeed: their teardowns run, tests run in between. */
static void
test_fixtures_pass (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "echo up >> log");
    TEST (h, "db/t", "echo test >> log");
    TEARDOWN (h, "db", "echo down >> log");
    run_lease (h);
    assert_int_equal (h->calls, 1);
    expect_result (h, "db/t", 1, FO_PASSED, "");
    char *path = fo_xasprintf ("%s/log", h->dir);
    FILE *f = fopen (path, "r");
    free (path);
    assert_non_null (f);
    char text[64] = "";
    size_t n = fread (text, 1, sizeof text - 1, f);
    fclose (f);
    text[n] = '\0';
    assert_string_equal (text, "up\ntest\ndown\n");
    expect_status (h, 0, 0);
}

/* A failing teardown: one result with test "" and outcome error. */
static void
test_teardown_failure (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "true");
    TEST (h, "db/t", "true");
    TEARDOWN (h, "db", "echo bye; echo gone >&2; exit 5");
    TEST (h, "after", "true");
    run_lease (h);
    assert_int_equal (h->calls, 3);
    expect_result (h, "db/t", 1, FO_PASSED, "");
    expect_result (h, "", 2, FO_ERROR, "teardown of context 'db' failed: exit status 5");
    const got_result *g = result_for (h, "");
    assert_string_equal (g->out, "bye\n");
    assert_string_equal (g->err, "gone\n");
    expect_result (h, "after", 3, FO_PASSED, "");
    expect_status (h, 5, 0);
}

static void
test_teardown_cannot_start (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "true");
    TEST (h, "db/t", "true");
    add_step_argv (h, FO_STEP_TEARDOWN, "db",
                   (const char *[]) { "/nonexistent/fo-no-such-teardown", NULL });
    run_lease (h);
    assert_int_equal (h->calls, 2);
    expect_result (h, "", 2, FO_ERROR, NULL);
    assert_contains (result_for (h, "")->message, "teardown of context 'db' failed");
    assert_contains (result_for (h, "")->message, "fo-no-such-teardown");
}

/* Reads a pid written by a step, waiting for it to appear. */
static pid_t
wait_for_pid (harness *h, const char *name)
{
    char *path = fo_xasprintf ("%s/%s", h->dir, name);
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    long pid = 0;
    while (pid <= 0) {
        FILE *f = fopen (path, "r");
        if (f) {
            if (fscanf (f, "%ld", &pid) != 1)
                pid = 0;
            fclose (f);
        }
        if (pid > 0)
            break;
        if (fo_now_ms () > limit) {
            free (path);
            fail_msg ("no pid in %s", name);
        }
        assert_false (turn (h));
    }
    free (path);
    return (pid_t) pid;
}

/* Cancel while a step runs: its process is killed, the remaining tests are
   not run with the reason, nothing else runs, and it ends quickly. */
static void
test_cancel_running_step (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "true");
    TEST (h, "db/slow", "echo $$ > pid; exec sleep 30");
    TEST (h, "db/next", "touch next-ran");
    TEARDOWN (h, "db", "touch teardown-ran");
    TEST (h, "after", "touch after-ran");
    start (h);
    pid_t pid = wait_for_pid (h, "pid");
    assert_int_equal (kill (pid, 0), 0);     /* running */
    assert_int_equal (h->calls, 0);

    uint64_t cancelled = fo_now_ms ();
    fo_execution_cancel (h->exec, "the broker is stopping");
    fo_execution_cancel (h->exec, "a second reason");     /* ignored */
    run_to_end (h);
    assert_true (fo_now_ms () - cancelled < 3000);
    /* killed and reaped: the pid is gone */
    errno = 0;
    assert_int_equal (kill (pid, 0), -1);
    assert_int_equal (errno, ESRCH);

    assert_int_equal (h->calls, 3);
    const char *message = "not run (the broker is stopping)";
    expect_result (h, "db/slow", 1, FO_NOT_RUN, message);
    expect_result (h, "db/next", 2, FO_NOT_RUN, message);
    expect_result (h, "after", 4, FO_NOT_RUN, message);
    assert_false (file_exists (h, "next-ran"));
    assert_false (file_exists (h, "after-ran"));
    int32_t exit_status, sig;
    fo_execution_status (h->exec, &exit_status, &sig);
    assert_int_equal (exit_status, -1);
    assert_int_equal (sig, SIGTERM);
}

/* Cancel while a setup runs: its tests are not run (not errors of a
   failed setup), and its teardown does not run. */
static void
test_cancel_during_setup (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "echo $$ > pid; exec sleep 30");
    TEST (h, "db/t", "touch t-ran");
    TEARDOWN (h, "db", "touch teardown-ran");
    start (h);
    pid_t pid = wait_for_pid (h, "pid");
    uint64_t cancelled = fo_now_ms ();
    fo_execution_cancel (h->exec, "stopped");
    run_to_end (h);
    assert_true (fo_now_ms () - cancelled < 3000);
    errno = 0;
    assert_int_equal (kill (pid, 0), -1);
    assert_int_equal (errno, ESRCH);
    assert_int_equal (h->calls, 1);
    expect_result (h, "db/t", 1, FO_NOT_RUN, "not run (stopped)");
    assert_false (file_exists (h, "t-ran"));
    assert_false (file_exists (h, "teardown-ran"));
}

/* Cancelled before anything ran: nothing runs at all. */
static void
test_cancel_before_start (void **state)
{
    harness *h = *state;
    SETUP (h, "db", "touch setup-ran");
    TEST (h, "db/t", "touch t-ran");
    TEARDOWN (h, "db", "touch teardown-ran");
    start (h);
    fo_execution_cancel (h->exec, "stopped");
    run_to_end (h);
    assert_int_equal (h->calls, 1);
    expect_result (h, "db/t", 1, FO_NOT_RUN, "not run (stopped)");
    assert_false (file_exists (h, "setup-ran"));
    assert_false (file_exists (h, "t-ran"));
    assert_false (file_exists (h, "teardown-ran"));
    expect_status (h, 0, 0);
}

/* A cancel after the end changes nothing. */
static void
test_cancel_after_end (void **state)
{
    harness *h = *state;
    TEST (h, "a", "true");
    run_lease (h);
    fo_execution_cancel (h->exec, "late");
    assert_true (fo_execution_service (h->exec));
    assert_int_equal (h->calls, 1);
    expect_result (h, "a", 0, FO_PASSED, "");
}

/* Destroyed while a step runs: the process is killed, no callback. */
static void
test_destroy_while_running (void **state)
{
    harness *h = *state;
    TEST (h, "slow", "echo $$ > pid; exec sleep 30");
    start (h);
    pid_t pid = wait_for_pid (h, "pid");
    fo_execution_destroy (&h->exec);
    assert_null (h->exec);
    errno = 0;
    assert_int_equal (kill (pid, 0), -1);
    assert_int_equal (errno, ESRCH);
    assert_int_equal (h->calls, 0);
}

/* A step judged by CTest's rules (the ctest reader and its verdict). */
static fo_step *
ctest_step (harness *h, const char *name, const char *script)
{
    fo_step *s = TEST (h, name, script);
    s->reader = FO_READER_CTEST;
    s->verdict.skip_code = -1;
    return s;
}

/* CTest's steps the agent holds back: DISABLED ones, and those whose
   fixture setup (`needs`) failed or did not run - never started, as CTest
   does not start them; a cleanup needing nothing still runs. */
static void
test_ctest_held (void **state)
{
    harness *h = *state;
    ctest_step (h, "u/setup", "exit 1");
    fo_strv_push (&ctest_step (h, "u/user", "touch user-ran")->verdict.needs, "u/setup");
    ctest_step (h, "u/disabled", "touch disabled-ran")->verdict.disabled = true;
    fo_strv_push (&ctest_step (h, "u/chained", "touch chained-ran")->verdict.needs, "u/user");
    ctest_step (h, "u/cleanup", "touch cleanup-ran");
    fo_strv_push (&ctest_step (h, "u/after", "exit 1")->verdict.needs, "u/cleanup");
    h->lease.steps[5].verdict.will_fail = true;
    run_lease (h);
    expect_result (h, "u/setup", 0, FO_FAILED, "exit status 1");
    expect_result (h, "u/user", 1, FO_NOT_RUN, "fixture setup 'u/setup' did not pass");
    expect_result (h, "u/disabled", 2, FO_SKIPPED, "disabled (DISABLED)");
    expect_result (h, "u/chained", 3, FO_NOT_RUN, "fixture setup 'u/user' did not pass");
    expect_result (h, "u/cleanup", 4, FO_PASSED, "");
    expect_result (h, "u/after", 5, FO_PASSED, "failed as WILL_FAIL expects");
    assert_false (file_exists (h, "user-ran"));
    assert_false (file_exists (h, "disabled-ran"));
    assert_false (file_exists (h, "chained-ran"));
    assert_true (file_exists (h, "cleanup-ran"));
}

static void
test_empty_lease (void **state)
{
    harness *h = *state;
    start (h);
    assert_true (fo_execution_service (h->exec));
    assert_int_equal (h->calls, 0);
    expect_status (h, 0, 0);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T (test_outcomes),
        T (test_status_all_passed),
        T (test_status_signal),
        T (test_timeout),
        T (test_spawn_failure),
        T (test_setup_failure_skips_scope),
        T (test_scope_ends_at_teardown),
        T (test_setup_cannot_start),
        T (test_setup_failure_without_teardown),
        T (test_scope_is_span_not_name),
        T (test_root_setup_failure),
        T (test_fixtures_pass),
        T (test_teardown_failure),
        T (test_teardown_cannot_start),
        T (test_cancel_running_step),
        T (test_cancel_during_setup),
        T (test_cancel_before_start),
        T (test_cancel_after_end),
        T (test_destroy_while_running),
        T (test_empty_lease),
        T (test_ctest_held),
    };
#undef T
    return cmocka_run_group_tests (tests, NULL, NULL);
}
