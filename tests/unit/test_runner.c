/*  The runner seam (agent/fo_runner.h) proved with a second, real runner:
    a persistent worker — one long-lived /bin/sh that reads one step per
    line and writes back how it ended — driven through fo_execution for
    leases of several steps, exactly as the agent drives the default
    process-per-step runner. Checked: results and per-step output, every
    step of several leases runs in the same worker, a timeout kills the
    step and not the worker, a cancel, and a step that leaves an orphan
    which the sweep of the step's token removes while the worker lives on.

    The worker and its runner are in shell_runner.h. Waits are bounded and
    generous; no timing is asserted but "at least".
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fo_execution.h"
#include "fo_reaper.h"
#include "execution_support.h"
#include "result_sink.h"
#include "fo_runner.h"
#include "fo_sweeper.h"
#include "shell_runner.h"
#include "tmpdir_support.h"

#define WAIT_LIMIT_MS 20000u

/* ==== driving leases through fo_execution ================================ */

typedef struct {
    char dir[64];               /* where the steps run */
    fo_runner *runner;
    shell_runner *impl;
    fo_sweeper *sweeper;
    char *worker_token;
    sink sink;                  /* what the leases reported */
    uint64_t next_lease;
} world;

static int
w_setup (void **state)
{
    /* Orphans of the steps must come to us to be swept (fo_reaper.h). */
    if (fo_reaper_become_subreaper () != 0)
        return -1;
    world *w = fo_xcalloc (1, sizeof *w);
    snprintf (w->dir, sizeof w->dir, "/tmp/fo-test-steps-XXXXXX");
    if (!mkdtemp (w->dir))
        return -1;
    w->worker_token = fo_xasprintf ("%s/agent-test/runner-1", fo_reaper_base ());
    w->runner = shell_runner_new (w->worker_token, &w->impl);
    w->sweeper = fo_sweeper_new ();
    w->next_lease = 1;
    *state = w;
    return 0;
}

static int
w_teardown (void **state)
{
    world *w = *state;
    fo_runner_destroy (&w->runner);
    fo_sweeper_flush (w->sweeper, 5000);
    fo_sweeper_destroy (&w->sweeper);
    sink_free (&w->sink);
    remove_dir (w->dir);
    free (w->worker_token);
    free (w);
    return 0;
}

static void
add_step (world *w, fo_lease *l, fo_step_kind kind, const char *name, const char *script)
{
    fo_step *s = lease_sh_step (l, kind, name, script, w->dir);
    fo_env_set (&s->env, "STEP_NAME", name);
}

static fo_lease
new_lease (world *w)
{
    return (fo_lease) { .lease = w->next_lease++, .attempt = 1, .output_cap = 4096,
                        .skip_code = 77 };
}

static fo_execution *
begin (world *w, fo_lease *l)
{
    /* As the agent scopes its leases: "<agent token>/<session>.<lease>". */
    char *scope = fo_xasprintf ("%s/agent-test/1.%llu", fo_reaper_base (),
                                (unsigned long long) l->lease);
    fo_execution *e = fo_execution_new (l, 1, "host", sink_add, &w->sink);
    fo_execution_set_runner (e, w->runner);
    fo_execution_set_scope (e, w->sweeper, scope);
    free (scope);
    return e;
}

/* Drives e as the agent's loop does, until it has finished or (when path
   is set) that file exists in the world's directory. */
static bool
drive (world *w, fo_execution *e, const char *path)
{
    char *full = path ? fo_xasprintf ("%s/%s", w->dir, path) : NULL;
    uint64_t until = fo_now_ms () + WAIT_LIMIT_MS;
    bool done = false;
    while (fo_now_ms () < until) {
        if (fo_execution_service (e)) {
            done = true;
            break;
        }
        if (full && access (full, F_OK) == 0)
            break;
        int fds[FO_EXECUTION_MAX_FDS];
        struct pollfd pfd[FO_EXECUTION_MAX_FDS];
        int n = fo_execution_pollfds (e, fds);
        assert_true (n >= 0 && n <= FO_EXECUTION_MAX_FDS);
        for (int i = 0; i < n; i++)
            pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        uint64_t deadline = fo_execution_deadline_ms (e), now = fo_now_ms ();
        uint64_t sweep = fo_sweeper_deadline_ms (w->sweeper);
        if (sweep < deadline)
            deadline = sweep;
        long wait = deadline == UINT64_MAX ? 50 : (deadline > now ? (long) (deadline - now) : 0);
        poll (pfd, (nfds_t) n, wait > 50 ? 50 : (int) wait);
        fo_sweeper_service (w->sweeper);
    }
    free (full);
    return done;
}

static void
run_lease (world *w, fo_lease *l)
{
    fo_execution *e = begin (w, l);
    if (!drive (w, e, NULL))
        fail_msg ("lease did not finish in %u ms", WAIT_LIMIT_MS);
    fo_execution_destroy (&e);
}

static pid_t
worker_pid (const world *w)
{
    assert_non_null (w->impl->worker);
    return fo_proc_pid (w->impl->worker);
}

static bool
alive (pid_t pid)
{
    return kill (pid, 0) == 0;
}

/* ==== tests ============================================================== */

/* Two leases of several steps: outcomes, output kept per step, the step's
   env and token, and every step's parent is the one worker. */
static void
test_results_in_one_worker (void **state)
{
    world *w = *state;
    fo_lease a = new_lease (w);
    add_step (w, &a, FO_STEP_SETUP, "ctx", "echo $PPID >> parents; echo up");
    add_step (w, &a, FO_STEP_TEST, "ctx/pass",
              "echo $PPID >> parents; echo \"out of $STEP_NAME\"; echo err >&2");
    add_step (w, &a, FO_STEP_TEST, "ctx/fail", "echo $PPID >> parents; echo failing; exit 3");
    add_step (w, &a, FO_STEP_TEST, "ctx/skip", "echo $PPID >> parents; exit 77");
    add_step (w, &a, FO_STEP_TEST, "ctx/token",
              "echo $PPID >> parents; printf '%s' \"$FANOUT_STEP_TOKEN\"");
    add_step (w, &a, FO_STEP_TEARDOWN, "ctx", "echo $PPID >> parents");
    a.steps[0].span = a.steps[5].span = 5;     /* each covers the rest (fo_steps.h) */
    run_lease (w, &a);
    pid_t worker = worker_pid (w);

    fo_lease b = new_lease (w);
    add_step (w, &b, FO_STEP_TEST, "crash", "echo $PPID >> parents; ulimit -c 0; kill -SEGV $$");
    add_step (w, &b, FO_STEP_TEST, "last", "echo $PPID >> parents; echo last");
    run_lease (w, &b);

    sink_expect (&w->sink, "ctx/pass", FO_PASSED);
    assert_string_equal (sink_result (&w->sink, "ctx/pass")->out, "out of ctx/pass\n");
    sink_expect (&w->sink, "ctx/fail", FO_FAILED);
    assert_string_equal (sink_result (&w->sink, "ctx/fail")->message, "exit status 3");
    assert_string_equal (sink_result (&w->sink, "ctx/fail")->out, "failing\n");
    sink_expect (&w->sink, "ctx/skip", FO_SKIPPED);
    sink_expect (&w->sink, "ctx/token", FO_PASSED);
    /* "<lease scope>/<step index>", as with a process per step */
    char *want = fo_xasprintf ("%s/agent-test/1.1/4", fo_reaper_base ());
    assert_string_equal (sink_result (&w->sink, "ctx/token")->out, want);
    free (want);
    /* The worker reports a job killed by a signal as 128+N, which it
       cannot tell from an exit status: a shell's way, named as such. */
    sink_expect (&w->sink, "crash", FO_FAILED);
    assert_non_null (strstr (sink_result (&w->sink, "crash")->message, "SIGSEGV"));
    sink_expect (&w->sink, "last", FO_PASSED);
    assert_string_equal (sink_result (&w->sink, "last")->out, "last\n");
    assert_int_equal (w->sink.n, 6);      /* no fixture errors */

    /* All eight steps ran as children of the same, still living, worker. */
    char *parents = read_text (w->dir, "parents");
    char *expected = fo_xasprintf ("%d\n%d\n%d\n%d\n%d\n%d\n%d\n%d\n", (int) worker,
                                   (int) worker, (int) worker, (int) worker, (int) worker,
                                   (int) worker, (int) worker, (int) worker);
    assert_string_equal (parents, expected);
    free (parents);
    free (expected);
    assert_true (alive (worker));
    assert_int_equal (w->impl->workers_started, 1);
}

/* A timeout kills the step's process group, not the worker: the step is
   `timeout` after at least its limit, and the next step runs in the same
   worker. */
static void
test_timeout_kills_the_step_not_the_worker (void **state)
{
    world *w = *state;
    fo_lease l = new_lease (w);
    add_step (w, &l, FO_STEP_TEST, "warm", "true");
    add_step (w, &l, FO_STEP_TEST, "slow", "echo $$ > slow.pid; exec sleep 30");
    add_step (w, &l, FO_STEP_TEST, "next", "echo $PPID");
    l.steps[1].timeout_ms = 300;
    fo_execution *e = begin (w, &l);
    assert_false (drive (w, e, "slow.pid"));
    pid_t worker = worker_pid (w);
    assert_true (drive (w, e, NULL));
    fo_execution_destroy (&e);

    sink_expect (&w->sink, "warm", FO_PASSED);
    sink_expect (&w->sink, "slow", FO_TIMEOUT);
    assert_true (sink_result (&w->sink, "slow")->duration_us >= 300 * 1000ull);
    assert_non_null (strstr (sink_result (&w->sink, "slow")->message, "timed out after"));
    sink_expect (&w->sink, "next", FO_PASSED);
    char *pid_text = fo_xasprintf ("%d\n", (int) worker);
    assert_string_equal (sink_result (&w->sink, "next")->out, pid_text);
    free (pid_text);
    char *slow_pid = read_text (w->dir, "slow.pid");
    assert_false (alive ((pid_t) atoi (slow_pid)));
    free (slow_pid);
    assert_true (alive (worker));
    assert_int_equal (w->impl->workers_started, 1);
}

/* A cancel stops the running step (not_run), its teardown still runs, and
   the worker takes the next lease. */
static void
test_cancel (void **state)
{
    world *w = *state;
    fo_lease l = new_lease (w);
    add_step (w, &l, FO_STEP_SETUP, "ctx", "echo up >> log");
    add_step (w, &l, FO_STEP_TEST, "ctx/hangs", "touch hanging; exec sleep 30");
    add_step (w, &l, FO_STEP_TEST, "ctx/never", "touch never-ran");
    add_step (w, &l, FO_STEP_TEARDOWN, "ctx", "echo down >> log");
    l.steps[0].span = l.steps[3].span = 3;
    fo_execution *e = begin (w, &l);
    assert_false (drive (w, e, "hanging"));
    pid_t worker = worker_pid (w);
    fo_execution_cancel (e, "interrupted");
    assert_true (drive (w, e, NULL));
    fo_execution_destroy (&e);

    sink_expect (&w->sink, "ctx/hangs", FO_NOT_RUN);
    assert_string_equal (sink_result (&w->sink, "ctx/hangs")->message, "not run (interrupted)");
    sink_expect (&w->sink, "ctx/never", FO_NOT_RUN);
    char *log = read_text (w->dir, "log");
    assert_string_equal (log, "up\ndown\n");
    free (log);
    char *path = fo_xasprintf ("%s/never-ran", w->dir);
    assert_true (access (path, F_OK) != 0);
    free (path);

    fo_lease next = new_lease (w);
    add_step (w, &next, FO_STEP_TEST, "after", "exit 0");
    run_lease (w, &next);
    sink_expect (&w->sink, "after", FO_PASSED);
    assert_int_equal (worker_pid (w), worker);
    assert_int_equal (w->impl->workers_started, 1);
}

/* A test step that leaves an orphan (its own session, so not in the
   step's group): the sweep of the step's token kills it; the worker, whose
   token is its own, lives on and runs the next lease. */
static void
test_orphan_swept_worker_survives (void **state)
{
    world *w = *state;
    fo_lease l = new_lease (w);
    add_step (w, &l, FO_STEP_TEST, "leaves",
              "pid=$(setsid sh -c 'echo $$; exec sleep 300 >/dev/null 2>&1' &); "
              "echo $pid > orphan.pid");
    add_step (w, &l, FO_STEP_TEST, "waits", "sleep 0.2");
    run_lease (w, &l);
    sink_expect (&w->sink, "leaves", FO_PASSED);
    pid_t worker = worker_pid (w);
    char *text = read_text (w->dir, "orphan.pid");
    pid_t orphan = (pid_t) atoi (text);
    free (text);
    assert_true (orphan > 0);

    /* Gone by the time the sweeps have run (bounded), the worker not. */
    uint64_t until = fo_now_ms () + WAIT_LIMIT_MS;
    while (alive (orphan) && fo_now_ms () < until) {
        fo_sweeper_service (w->sweeper);
        struct timespec ts = { 0, 5 * 1000000L };
        nanosleep (&ts, NULL);
    }
    assert_false (alive (orphan));
    assert_true (alive (worker));

    /* Sweeping the whole agent's scope, as a session's end does, never
       touches the worker either: it is a tracked child of fo_proc. */
    char *agent_scope = fo_xasprintf ("%s/agent-test", fo_reaper_base ());
    fo_sweeper_add (w->sweeper, agent_scope);
    fo_sweeper_flush (w->sweeper, 2000);
    free (agent_scope);
    assert_true (alive (worker));

    fo_lease next = new_lease (w);
    add_step (w, &next, FO_STEP_TEST, "after", "echo $PPID");
    run_lease (w, &next);
    sink_expect (&w->sink, "after", FO_PASSED);
    char *pid_text = fo_xasprintf ("%d\n", (int) worker);
    assert_string_equal (sink_result (&w->sink, "after")->out, pid_text);
    free (pid_text);
    assert_int_equal (w->impl->workers_started, 1);
}

/* A worker that dies mid-step: that step is crashed (SIGKILL), and the
   next step gets a new worker. */
static void
test_worker_lost_and_replaced (void **state)
{
    world *w = *state;
    fo_lease l = new_lease (w);
    add_step (w, &l, FO_STEP_TEST, "kills-worker", "kill -KILL $PPID; sleep 5");
    add_step (w, &l, FO_STEP_TEST, "after", "echo ok");
    run_lease (w, &l);
    sink_expect (&w->sink, "kills-worker", FO_CRASHED);
    sink_expect (&w->sink, "after", FO_PASSED);
    assert_int_equal (w->impl->workers_started, 2);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_results_in_one_worker, w_setup, w_teardown),
        cmocka_unit_test_setup_teardown (test_timeout_kills_the_step_not_the_worker, w_setup,
                                         w_teardown),
        cmocka_unit_test_setup_teardown (test_cancel, w_setup, w_teardown),
        cmocka_unit_test_setup_teardown (test_orphan_swept_worker_survives, w_setup, w_teardown),
        cmocka_unit_test_setup_teardown (test_worker_lost_and_replaced, w_setup, w_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
