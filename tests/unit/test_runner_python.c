/*  fo_runner_python (agent/fo_runner_python.h) driven through fo_execution
    as the agent drives it, with Debian's /usr/bin/python3 and fanout's own
    helper on a module written here: a task's setup, tests and teardown in
    one worker (the module's state seen by its tests), a step of another
    reader in a process of its own, the worker kept across leases (one
    pid) or replaced after each task (max_tasks 1), a test past its
    timeout taking the worker down and the next lease getting a new one,
    a cancel, a KeyboardInterrupt that stops its lease (the tests sent
    with it not run), a task's tests in one request (a crash in the
    middle, what each writes to fd 1 itself), the steps sent ahead stopped
    when their lease ends first (fo_runner_idle), a split context set up
    once per worker, a worker retired at a restart while the step after
    it waits (not the caller), stopped or dying meanwhile, and a slot's
    next lease chained after the running
    one (fo_execution_chain): begun by the worker on its own, skipped
    after a step that stops, run again after a crash, cancelled. Skipped
    without python3-msgpack. Waits are bounded and
    generous; no timing is asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_execution.h"
#include "fo_python_dir.h"
#include "fo_reaper.h"
#include "result_sink.h"
#include "fo_runner_python.h"
#include "fo_sweeper.h"
#include "tmpdir_support.h"

#define WAIT_LIMIT_MS 30000u
#define PY "/usr/bin/python3"

static const char module[] =
    "import os, time\n"
    "STATE = []\n"
    "def setup_module():\n"
    "    STATE.append('up')\n"
    "def teardown_module():\n"
    "    STATE.remove('up')\n"
    "def test_state():\n"
    "    assert STATE == ['up'], STATE\n"
    "def test_pid():\n"
    "    print(os.getpid())\n"
    "def test_fail():\n"
    "    assert 1 == 2, 'one is not two'\n"
    "def test_sleep():\n"
    "    time.sleep(60)\n"
    "def test_interrupt():\n"
    "    raise KeyboardInterrupt\n"
    "def test_raw():\n"
    "    os.write(1, ('raw %s\\n' % os.environ['FANOUT_STEP_TOKEN'].rsplit('/', 1)[1]).encode())\n"
    "def test_crash():\n"
    "    os.kill(os.getpid(), 9)\n"
    "def test_touch():\n"
    "    with open(os.path.join(os.path.dirname(__file__), 'touched'), 'a') as f:\n"
    "        f.write('x')\n"
    "def test_late():\n"
    "    time.sleep(0.5)\n"
    "    test_touch()\n"
    "def _gate():\n"
    "    gate = os.path.join(os.path.dirname(__file__), 'gate')\n"
    "    for _ in range(3000):\n"
    "        if os.path.exists(gate):\n"
    "            return\n"
    "        time.sleep(0.01)\n"
    "def test_gated():\n"
    "    _gate()\n"
    "def test_gated_crash():\n"
    "    _gate()\n"
    "    os.kill(os.getpid(), 9)\n"
    "def test_mark():\n"
    "    with open(os.path.join(os.path.dirname(__file__), 'marks'), 'a') as f:\n"
    "        f.write(os.environ['FANOUT_STEP_TOKEN'].rsplit('/', 2)[1] + ' ')\n"
    "    print(os.getpid())\n";

/* A context whose setup fails once the gate is open. */
static const char gated_bad_module[] =
    "import test_mod\n"
    "def setup_module():\n"
    "    test_mod._gate()\n"
    "    raise RuntimeError('setup broke')\n"
    "def test_x():\n"
    "    pass\n";

/* A split context (nose's _multiprocess_can_split_): its calls go to
   split.log beside it; test_count prints how often this process set it
   up. */
static const char split_module[] =
    "import os\n"
    "_multiprocess_can_split_ = True\n"
    "SETUPS = []\n"
    "def _mark(what):\n"
    "    with open(os.path.join(os.path.dirname(__file__), 'split.log'), 'a') as f:\n"
    "        f.write(what + ' ')\n"
    "def setup():\n"
    "    SETUPS.append(1)\n"
    "    _mark('setup')\n"
    "def teardown():\n"
    "    _mark('teardown')\n"
    "def test_count():\n"
    "    print(len(SETUPS))\n";

/* A split context whose teardown waits for the gate (test_mod._gate), then
   dies when a file `die` is there: its calls go to split.log too. */
static const char gated_split_module[] =
    "import os, test_mod\n"
    "_multiprocess_can_split_ = True\n"
    "HERE = os.path.dirname(__file__)\n"
    "def _mark(what):\n"
    "    with open(os.path.join(HERE, 'split.log'), 'a') as f:\n"
    "        f.write(what + ' ')\n"
    "def setup():\n"
    "    _mark('setup')\n"
    "def teardown():\n"
    "    _mark('began')\n"
    "    test_mod._gate()\n"
    "    if os.path.exists(os.path.join(HERE, 'die')):\n"
    "        os.kill(os.getpid(), 9)\n"
    "    _mark('teardown')\n"
    "def test_x():\n"
    "    print(os.getpid())\n";

typedef struct {
    char dir[64];
    char *helper;
    fo_runner *runner;
    fo_sweeper *sweeper;
    sink sink;                  /* what the leases reported */
    uint64_t next_lease;
} world;

static world *
new_world (const fo_python_worker_options *options)
{
    world *w = fo_xcalloc (1, sizeof *w);
    snprintf (w->dir, sizeof w->dir, "/tmp/fo-test-py-XXXXXX");
    assert_non_null (mkdtemp (w->dir));
    char *path = fo_xasprintf ("%s/test_mod.py", w->dir);
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (module, f);
    fclose (f);
    free (path);
    path = fo_xasprintf ("%s/test_split.py", w->dir);
    f = fopen (path, "w");
    assert_non_null (f);
    fputs (split_module, f);
    fclose (f);
    free (path);
    path = fo_xasprintf ("%s/test_gsplit.py", w->dir);
    f = fopen (path, "w");
    assert_non_null (f);
    fputs (gated_split_module, f);
    fclose (f);
    free (path);
    path = fo_xasprintf ("%s/test_gbad.py", w->dir);
    f = fopen (path, "w");
    assert_non_null (f);
    fputs (gated_bad_module, f);
    fclose (f);
    free (path);
    w->helper = fo_python_helper ();
    assert_non_null (w->helper);
    char *token = fo_xasprintf ("%s/agent-test/runner-1", fo_reaper_base ());
    w->runner = fo_runner_python_new (token, options);
    free (token);
    w->sweeper = fo_sweeper_new ();
    w->next_lease = 1;
    return w;
}

static void
world_free (world *w)
{
    fo_runner_destroy (&w->runner);
    fo_sweeper_flush (w->sweeper, 5000);
    fo_sweeper_destroy (&w->sweeper);
    sink_free (&w->sink);
    remove_dir (w->dir);
    free (w->helper);
    free (w);
}

static int
group_setup (void **state)
{
    (void) state;
    if (fo_reaper_become_subreaper () != 0)
        return -1;
    return 0;
}

/* A step of the helper: OP (setup, teardown, test) of ADDRESS. */
static void
add_py (world *w, fo_lease *l, fo_step_kind kind, const char *name, const char *address,
        uint32_t timeout_ms)
{
    l->steps = fo_xrealloc (l->steps, (l->nsteps + 1) * sizeof *l->steps);
    fo_step *s = &l->steps[l->nsteps++];
    memset (s, 0, sizeof *s);
    s->kind = kind;
    s->name = fo_xstrdup (name);
    s->reader = FO_READER_PYTHON;
    s->timeout_ms = timeout_ms;
    fo_strv_push (&s->argv, PY);
    fo_strv_push (&s->argv, w->helper);
    fo_strv_push (&s->argv, kind == FO_STEP_SETUP ? "setup" : kind == FO_STEP_TEARDOWN ? "teardown"
                                                                                       : "test");
    fo_strv_push (&s->argv, "--root");
    fo_strv_push (&s->argv, w->dir);
    fo_strv_push (&s->argv, address);
    s->cwd = fo_xstrdup (w->dir);
    if (kind == FO_STEP_TEST)
        fo_strv_push (&s->tests, name);
}

/* A setup covering the steps after it, its teardown closing them
   (fo_steps.h): call once the lease's steps are all there. */
static void
scope (fo_lease *l)
{
    l->steps[0].span = (uint32_t) (l->nsteps - 1);
    l->steps[l->nsteps - 1].span = (uint32_t) (l->nsteps - 1);
}

/* test_touch (or test_late) never ran: the file it writes is not there. */
static void
expect_untouched (const world *w)
{
    char *touched = fo_xasprintf ("%s/touched", w->dir);
    assert_int_not_equal (access (touched, F_OK), 0);
    free (touched);
}

static fo_lease
new_lease (world *w)
{
    return (fo_lease) { .lease = w->next_lease++, .attempt = 1, .output_cap = 65536,
                        .skip_code = 77 };
}

/* Waits up to 20 ms for one of the n fds to be readable. */
static void
wait_readable (const int *fds, int n)
{
    struct pollfd pfd[FO_EXECUTION_MAX_FDS];
    for (int i = 0; i < n && i < FO_EXECUTION_MAX_FDS; i++)
        pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
    poll (pfd, (nfds_t) (n < FO_EXECUTION_MAX_FDS ? n : FO_EXECUTION_MAX_FDS), 20);
}

/* The lease's execution in the world's slot, as the agent makes it. */
static fo_execution *
open_lease (world *w, fo_lease *l)
{
    char *token = fo_xasprintf ("%s/agent-test/1.%llu", fo_reaper_base (),
                                (unsigned long long) l->lease);
    fo_execution *e = fo_execution_new (l, 1, "host", sink_add, &w->sink);
    fo_execution_set_runner (e, w->runner);
    fo_execution_set_scope (e, w->sweeper, token);
    free (token);
    return e;
}

/* Services e to its end (cancel_after: cancel once that many results
   have come), then destroys it. */
static void
finish_lease (world *w, fo_execution *e, size_t cancel_after)
{
    uint64_t until = fo_now_ms () + WAIT_LIMIT_MS;
    bool cancelled = false, done = false;
    while (!done && fo_now_ms () < until) {
        if (cancel_after && !cancelled && w->sink.n >= cancel_after) {
            fo_execution_cancel (e, "stopped");
            cancelled = true;
        }
        if ((done = fo_execution_service (e)))
            break;
        int fds[FO_EXECUTION_MAX_FDS];
        wait_readable (fds, fo_execution_pollfds (e, fds));
        fo_sweeper_service (w->sweeper);
    }
    fo_execution_destroy (&e);
    if (!done)
        fail_msg ("lease did not finish in %u ms", WAIT_LIMIT_MS);
}

/* Runs the lease to its end (cancel_after: as finish_lease). */
static void
run_lease (world *w, fo_lease *l, size_t cancel_after)
{
    finish_lease (w, open_lease (w, l), cancel_after);
}

static bool
have_msgpack (void)
{
    return access (PY, X_OK) == 0
           && system (PY " -c 'import msgpack' >/dev/null 2>&1") == 0;
}

/* The pid test_pid printed in lease (the test named "pid"). */
static long
pid_of_lease (world *w)
{
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_TEST, "pid", "test_mod:test_pid", 0);
    run_lease (w, &l, 0);
    sink_expect (&w->sink, "pid", FO_PASSED);
    long pid = atol (sink_result (&w->sink, "pid")->out);
    assert_true (pid > 1);
    sink_free (&w->sink);
    return pid;
}

static void
test_task_in_one_worker (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_SETUP, "mod", "test_mod", 0);
    add_py (w, &l, FO_STEP_TEST, "state", "test_mod:test_state", 0);
    add_py (w, &l, FO_STEP_TEST, "fail", "test_mod:test_fail", 0);
    /* a step of another reader: a process of its own */
    l.steps = fo_xrealloc (l.steps, (l.nsteps + 1) * sizeof *l.steps);
    fo_step *s = &l.steps[l.nsteps++];
    memset (s, 0, sizeof *s);
    s->kind = FO_STEP_TEST;
    s->name = fo_xstrdup ("shell");
    fo_strv_push (&s->argv, "sh");
    fo_strv_push (&s->argv, "-c");
    fo_strv_push (&s->argv, "echo from sh");
    s->cwd = fo_xstrdup ("");
    fo_strv_push (&s->tests, "shell");
    add_py (w, &l, FO_STEP_TEST, "state again", "test_mod:test_state", 0);
    add_py (w, &l, FO_STEP_TEARDOWN, "mod", "test_mod", 0);
    scope (&l);
    run_lease (w, &l, 0);
    sink_expect (&w->sink, "state", FO_PASSED);
    sink_expect (&w->sink, "state again", FO_PASSED);
    sink_expect (&w->sink, "fail", FO_FAILED);
    assert_string_equal (sink_result (&w->sink, "fail")->message, "AssertionError: one is not two");
    sink_expect (&w->sink, "shell", FO_PASSED);
    assert_string_equal (sink_result (&w->sink, "shell")->out, "from sh\n");
    assert_int_equal (w->sink.n, 4);      /* no fixture error */
    sink_free (&w->sink);

    /* the same worker for the next lease; without its setup the module
       is not set up there (its teardown ran) */
    long first = pid_of_lease (w), second = pid_of_lease (w);
    assert_int_equal (first, second);
    world_free (w);
}

static void
test_restart_after_each_task (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    fo_python_worker_options options = { .max_tasks = 1 };
    world *w = new_world (&options);
    long first = pid_of_lease (w), second = pid_of_lease (w);
    assert_true (first != second);
    world_free (w);
}

static void
test_timeout_and_cancel (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    long before = pid_of_lease (w);
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_TEST, "sleep", "test_mod:test_sleep", 300);
    add_py (w, &l, FO_STEP_TEST, "pid", "test_mod:test_pid", 0);
    run_lease (w, &l, 0);
    sink_expect (&w->sink, "sleep", FO_TIMEOUT);
    sink_expect (&w->sink, "pid", FO_PASSED);           /* the lease goes on, in a new worker */
    long after = atol (sink_result (&w->sink, "pid")->out);
    assert_true (after > 1 && after != before);
    assert_int_not_equal (kill ((pid_t) before, 0), 0);
    sink_free (&w->sink);

    /* a cancel while a test runs: not run, and the worker goes with it */
    l = new_lease (w);
    add_py (w, &l, FO_STEP_TEST, "pid", "test_mod:test_pid", 0);
    add_py (w, &l, FO_STEP_TEST, "sleep", "test_mod:test_sleep", 0);
    run_lease (w, &l, 1);
    sink_expect (&w->sink, "pid", FO_PASSED);
    sink_expect (&w->sink, "sleep", FO_NOT_RUN);
    long killed = atol (sink_result (&w->sink, "pid")->out);
    sink_free (&w->sink);
    assert_true (pid_of_lease (w) != killed);
    world_free (w);
}

/* A test that raises KeyboardInterrupt: not_run, its result asks to stop
   the run (interrupt), and the rest of its lease stops there as on a
   cancel: the next test is not run, the teardown still runs. */
static void
test_interrupt (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_SETUP, "mod", "test_mod", 0);
    add_py (w, &l, FO_STEP_TEST, "state", "test_mod:test_state", 0);
    add_py (w, &l, FO_STEP_TEST, "interrupt", "test_mod:test_interrupt", 0);
    add_py (w, &l, FO_STEP_TEST, "pid", "test_mod:test_pid", 0);
    add_py (w, &l, FO_STEP_TEST, "touch", "test_mod:test_touch", 0);
    add_py (w, &l, FO_STEP_TEARDOWN, "mod", "test_mod", 0);
    scope (&l);
    run_lease (w, &l, 0);
    sink_expect (&w->sink, "state", FO_PASSED);
    assert_false (sink_result (&w->sink, "state")->interrupt);
    /* the worker had the tests after it in the same request: not run */
    expect_untouched (w);
    sink_expect (&w->sink, "touch", FO_NOT_RUN);
    sink_expect (&w->sink, "interrupt", FO_NOT_RUN);
    assert_true (sink_result (&w->sink, "interrupt")->interrupt);
    assert_string_equal (sink_result (&w->sink, "interrupt")->message,
                         "not run (interrupted: the test raised KeyboardInterrupt)");
    sink_expect (&w->sink, "pid", FO_NOT_RUN);
    assert_false (sink_result (&w->sink, "pid")->interrupt);
    assert_string_equal (sink_result (&w->sink, "pid")->message, "not run (interrupted)");
    assert_int_equal (w->sink.n, 4);      /* no fixture error: the teardown ran well */
    sink_free (&w->sink);
    world_free (w);
}

/* The steps after the one started, as fo_execution hands them over. */
static const fo_step *
ahead_in (void *arg, size_t k, fo_buf *token)
{
    const fo_lease *l = arg;
    (void) token;
    return 1 + k < l->nsteps ? &l->steps[1 + k] : NULL;
}

/* A lease that ends while the worker is ahead of the agent (a cancel
   between two steps): fo_runner_idle stops the steps begun ahead, so
   test_late, begun with the first, never gets to write its file. Driven
   through the runner's own API: fo_execution always starts the next step
   begun ahead at once, so it never leaves the worker ahead by itself. */
static void
test_idle_stops_ahead (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_TEST, "pid", "test_mod:test_pid", 0);
    add_py (w, &l, FO_STEP_TEST, "late", "test_mod:test_late", 0);
    fo_runner_step spec = { .step = &l.steps[0], .output_cap = 4096, .ahead = ahead_in,
                            .ahead_arg = &l };
    fo_start_error why;
    assert_int_equal (fo_runner_start (w->runner, &spec, &why), 0);
    uint64_t until = fo_now_ms () + WAIT_LIMIT_MS;
    bool done = false;
    while (!(done = fo_runner_service (w->runner)) && fo_now_ms () < until) {
        int fds[FO_RUNNER_MAX_FDS];
        wait_readable (fds, fo_runner_pollfds (w->runner, fds));
    }
    assert_true (done);
    assert_true (fo_runner_status (w->runner)->exited);
    assert_int_equal (fo_runner_status (w->runner)->exit_code, 0);
    fo_runner_release (w->runner);
    fo_runner_idle (w->runner);
    usleep (1000 * 1000);           /* twice test_late's sleep */
    expect_untouched (w);
    for (size_t i = 0; i < l.nsteps; i++)
        fo_step_free (&l.steps[i]);
    free (l.steps);
    world_free (w);
}

/* A task's tests go to the worker in one request, answered one by one:
   what each writes to fd 1 itself is its own, a crash in the middle ends
   only the test that crashed, and the request's tests after it run in a
   new worker, each once. */
static void
test_batch (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_SETUP, "mod", "test_mod", 0);
    add_py (w, &l, FO_STEP_TEST, "pid", "test_mod:test_pid", 0);
    add_py (w, &l, FO_STEP_TEST, "raw a", "test_mod:test_raw", 0);
    add_py (w, &l, FO_STEP_TEST, "raw b", "test_mod:test_raw", 0);
    add_py (w, &l, FO_STEP_TEST, "state", "test_mod:test_state", 0);
    add_py (w, &l, FO_STEP_TEST, "crash", "test_mod:test_crash", 0);
    add_py (w, &l, FO_STEP_TEST, "pid again", "test_mod:test_pid", 0);
    add_py (w, &l, FO_STEP_TEST, "raw c", "test_mod:test_raw", 0);
    add_py (w, &l, FO_STEP_TEST, "state again", "test_mod:test_state", 0);
    add_py (w, &l, FO_STEP_TEARDOWN, "mod", "test_mod", 0);
    scope (&l);
    run_lease (w, &l, 0);
    sink_expect (&w->sink, "pid", FO_PASSED);
    sink_expect (&w->sink, "raw a", FO_PASSED);
    assert_string_equal (sink_result (&w->sink, "raw a")->out, "raw 2\n");
    sink_expect (&w->sink, "raw b", FO_PASSED);
    assert_string_equal (sink_result (&w->sink, "raw b")->out, "raw 3\n");
    sink_expect (&w->sink, "state", FO_PASSED);
    sink_expect (&w->sink, "crash", FO_CRASHED);
    sink_expect (&w->sink, "pid again", FO_PASSED);
    long first = atol (sink_result (&w->sink, "pid")->out), second = atol (sink_result (&w->sink, "pid again")->out);
    assert_true (first > 1 && second > 1 && first != second);
    sink_expect (&w->sink, "raw c", FO_PASSED);
    assert_string_equal (sink_result (&w->sink, "raw c")->out, "raw 7\n");
    sink_expect (&w->sink, "state again", FO_PASSED);  /* the new worker set the module up */
    assert_int_equal (w->sink.n, 8);      /* each once, no fixture error */
    sink_free (&w->sink);
    world_free (w);
}

static char *
split_log (const world *w)
{
    char *path = fo_xasprintf ("%s/split.log", w->dir);
    char buf[256] = "";
    FILE *f = fopen (path, "r");
    if (f) {
        size_t n = fread (buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose (f);
    }
    free (path);
    return fo_xstrdup (buf);
}

static void
expect_split_log (const world *w, const char *want)
{
    char *log = split_log (w);
    if (strcmp (log, want) != 0)
        fail_msg ("split.log: '%s', expected '%s'", log, want);
    free (log);
}

/* One lease of a split context: [setup, test, teardown], the test
   passing; what the test printed, as a number. */
static long
context_lease (world *w, const char *context, const char *module_name, const char *test,
               const char *test_id)
{
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_SETUP, context, module_name, 0);
    add_py (w, &l, FO_STEP_TEST, test, test_id, 0);
    add_py (w, &l, FO_STEP_TEARDOWN, context, module_name, 0);
    scope (&l);
    run_lease (w, &l, 0);
    sink_expect (&w->sink, test, FO_PASSED);
    assert_int_equal (w->sink.n, 1);
    long n = atol (sink_result (&w->sink, test)->out);
    sink_free (&w->sink);
    return n;
}

/* One lease of the split context; what test_count printed (how often its
   worker set the context up). */
static long
split_lease (world *w)
{
    return context_lease (w, "split", "test_split", "count", "test_split:test_count");
}

/* A split context is set up once per worker, as nose did: kept past its
   teardown step for the worker's next tests of it, torn down when the
   worker turns to another context and when it is retired (destroyed, or
   restarted between tasks). */
static void
test_split_kept (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    assert_int_equal (split_lease (w), 1);
    assert_int_equal (split_lease (w), 1);
    expect_split_log (w, "setup ");
    pid_of_lease (w);                       /* another context: torn down first */
    expect_split_log (w, "setup teardown ");
    assert_int_equal (split_lease (w), 2);  /* set up again, in the same process */
    expect_split_log (w, "setup teardown setup ");
    char *dir = fo_xstrdup (w->dir);
    fo_runner_destroy (&w->runner);         /* the session's end: torn down */
    char *path = fo_xasprintf ("%s/split.log", dir);
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    char buf[256];
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose (f);
    assert_string_equal (buf, "setup teardown setup teardown ");
    free (path);
    free (dir);
    world_free (w);

    /* a new worker per task: the retired one tears it down */
    fo_python_worker_options options = { .max_tasks = 1 };
    w = new_world (&options);
    assert_int_equal (split_lease (w), 1);
    assert_int_equal (split_lease (w), 1);
    expect_split_log (w, "setup teardown setup ");
    world_free (w);
}

static void
touch_file (const world *w, const char *name)
{
    char *path = fo_xasprintf ("%s/%s", w->dir, name);
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fclose (f);
    free (path);
}

static void
open_gate (const world *w)
{
    touch_file (w, "gate");
}

/* ---- a worker retired at a restart (fo_runner_python.h) --------------- */

/* One lease of the gated split context; the pid of the worker that ran it
   (which keeps the context set up). */
static long
gsplit_lease (world *w)
{
    long pid = context_lease (w, "gsplit", "test_gsplit", "x", "test_gsplit:test_x");
    assert_true (pid > 1);
    return pid;
}

/* Services e, which must neither end nor report, until split.log is want;
   meanwhile it polls fds (the retiree's), as the agent's loop does. */
static void
await_split_log (world *w, fo_execution *e, const char *want)
{
    uint64_t until = fo_now_ms () + WAIT_LIMIT_MS;
    for (;;) {
        char *log = split_log (w);
        bool reached = strcmp (log, want) == 0;
        free (log);
        if (reached)
            return;
        if (fo_now_ms () >= until)
            fail_msg ("split.log never became '%s'", want);
        assert_false (fo_execution_service (e));
        assert_int_equal (w->sink.n, 0);
        int fds[FO_EXECUTION_MAX_FDS];
        int n = fo_execution_pollfds (e, fds);
        assert_true (n > 0);
        wait_readable (fds, n);
    }
}

/* The set-up of the retirement tests: a lease of the gated split context
   (its worker's pid in *old), then the next task's step, which needs a new
   worker (max_tasks 1), started while the old one tears the context down,
   held at the gate. */
static fo_execution *
step_while_retiring (world *w, long *old)
{
    *old = gsplit_lease (w);
    expect_split_log (w, "setup ");
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_TEST, "pid", "test_mod:test_pid", 0);
    fo_execution *e = open_lease (w, &l);
    await_split_log (w, e, "setup began ");
    return e;
}

/* The next task's step, started while the retired worker tears the kept
   context down, waits for it without holding the caller: the teardown
   waits for the gate, which this thread opens only once the step's
   service has returned (a retirement that held it killed the worker
   first, the teardown unfinished). The step then runs in a new worker;
   the old one is gone (reaped). */
static void
test_retire_does_not_block (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    fo_python_worker_options options = { .max_tasks = 1 };
    world *w = new_world (&options);
    long old;
    fo_execution *e = step_while_retiring (w, &old);
    open_gate (w);
    finish_lease (w, e, 0);
    expect_split_log (w, "setup began teardown ");
    sink_expect (&w->sink, "pid", FO_PASSED);
    long pid = atol (sink_result (&w->sink, "pid")->out);
    assert_true (pid > 1 && pid != old);
    assert_int_equal (kill ((pid_t) old, 0), -1);
    sink_free (&w->sink);
    world_free (w);
}

/* A step that waits for a retiring worker and is cancelled ends at once,
   not run, and the retiree is killed and reaped (no zombie), its teardown
   unfinished; a retiree that dies in its teardown is replaced as any. */
static void
test_retire_stopped_or_dying (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    fo_python_worker_options options = { .max_tasks = 1 };
    world *w = new_world (&options);
    long old;
    fo_execution *e = step_while_retiring (w, &old);
    fo_execution_cancel (e, "stopped");
    assert_true (fo_execution_service (e));
    fo_execution_destroy (&e);
    sink_expect (&w->sink, "pid", FO_NOT_RUN);
    assert_int_equal (w->sink.n, 1);
    sink_free (&w->sink);
    assert_int_equal (kill ((pid_t) old, 0), -1);

    old = gsplit_lease (w);
    touch_file (w, "die");
    open_gate (w);
    long pid = pid_of_lease (w);
    assert_true (pid != old);
    assert_int_equal (kill ((pid_t) old, 0), -1);
    expect_split_log (w, "setup began setup began ");
    world_free (w);
}

/* A new interpreter retires the worker too; one that cannot start once
   the retiree is gone fails the step as a start would have (an error of
   its test), and the next step of the old interpreter gets a worker. */
static void
test_retire_then_start_fails (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    long old = gsplit_lease (w);
    open_gate (w);
    fo_lease l = new_lease (w);
    add_py (w, &l, FO_STEP_TEST, "nopy", "test_mod:test_pid", 0);
    free (l.steps[0].argv.items[0]);
    l.steps[0].argv.items[0] = fo_xstrdup ("/nonexistent/python3");
    run_lease (w, &l, 0);
    sink_expect (&w->sink, "nopy", FO_ERROR);
    assert_int_equal (w->sink.n, 1);
    assert_non_null (strstr (sink_result (&w->sink, "nopy")->message, "No such file"));
    sink_free (&w->sink);
    expect_split_log (w, "setup began teardown ");
    assert_int_equal (kill ((pid_t) old, 0), -1);
    long pid = pid_of_lease (w);
    assert_true (pid != old);
    world_free (w);
}

/* ---- chained leases (fo_execution_chain) ------------------------------ */

/* Lease a: its one step (TEST at ADDRESS, or a failing setup's scope)
   waits for the gate; lease b (test_mark) is chained after it while it
   waits. Returns b's execution; a's is *a. */
static fo_execution *
chain_behind_gate (world *w, fo_lease *la, fo_execution **a, bool bad_setup, const char *test)
{
    if (bad_setup) {
        add_py (w, la, FO_STEP_SETUP, "gbad", "test_gbad", 0);
        add_py (w, la, FO_STEP_TEST, "x", "test_gbad:test_x", 0);
        add_py (w, la, FO_STEP_TEARDOWN, "gbad", "test_gbad", 0);
        scope (la);
    }
    else
        add_py (w, la, FO_STEP_TEST, "a", test, 0);
    *a = open_lease (w, la);
    assert_false (fo_execution_service (*a));   /* the gate holds it */
    assert_true (fo_execution_sent_to_end (*a));
    fo_lease lb = new_lease (w);
    add_py (w, &lb, FO_STEP_TEST, "b", "test_mod:test_mark", 0);
    fo_execution *b = open_lease (w, &lb);
    assert_int_equal (fo_execution_chain (b), 0);
    return b;
}

/* chain_behind_gate, then the gate opened and lease a run to its end
   (the worker goes on to b's steps meanwhile). Returns b's execution. */
static fo_execution *
first_of_chain (world *w, bool bad_setup, const char *test)
{
    fo_lease la = new_lease (w);
    fo_execution *a, *b = chain_behind_gate (w, &la, &a, bad_setup, test);
    open_gate (w);
    finish_lease (w, a, 0);
    return b;
}

/* Runs the chained lease b to its end: its test passed and ran once
   (test_mark's one mark, of lease 3); returns the pid of its worker. */
static long
finish_chained (world *w, fo_execution *b)
{
    finish_lease (w, b, 0);
    sink_expect (&w->sink, "b", FO_PASSED);
    char *marks = read_text (w->dir, "marks");
    assert_string_equal (marks, "1.3 ");
    free (marks);
    return atol (sink_result (&w->sink, "b")->out);
}

/* The worker goes on to the chained lease by itself: b's test ran before
   b was ever serviced, in the same worker, once. */
static void
test_chain_runs_on (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    long pid = pid_of_lease (w);
    fo_execution *b = first_of_chain (w, false, "test_mod:test_gated");
    sink_expect (&w->sink, "a", FO_PASSED);
    char *marks = NULL;
    for (uint64_t until = fo_now_ms () + WAIT_LIMIT_MS; fo_now_ms () < until; usleep (10000)) {
        free (marks);
        marks = read_text (w->dir, "marks");
        if (marks[0])
            break;
    }
    assert_string_equal (marks, "1.3 ");
    free (marks);
    assert_int_equal (finish_chained (w, b), pid);
    world_free (w);
}

/* A step that stops its request (a setup that raised) stops the chained
   request too: the agent decides what runs next. b then starts as any
   lease, runs once, in the same worker. */
static void
test_chain_skipped_after_stop (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    long pid = pid_of_lease (w);
    fo_execution *b = first_of_chain (w, true, NULL);
    sink_expect (&w->sink, "x", FO_NOT_RUN);   /* its setup failed */
    assert_int_equal (finish_chained (w, b), pid);
    world_free (w);
}

/* The worker dies in the lease before: the chained lease runs in a new
   worker, once. A chained lease cancelled before it begins ends not run,
   and the slot's next lease runs as usual. */
static void
test_chain_crash_and_cancel (void **state)
{
    (void) state;
    if (!have_msgpack ())
        skip ();
    world *w = new_world (NULL);
    long pid = pid_of_lease (w);
    fo_execution *b = first_of_chain (w, false, "test_mod:test_gated_crash");
    sink_expect (&w->sink, "a", FO_CRASHED);
    long second = finish_chained (w, b);
    assert_true (second > 1 && second != pid);
    sink_free (&w->sink);

    char *gate = fo_xasprintf ("%s/gate", w->dir);
    assert_int_equal (unlink (gate), 0);
    free (gate);
    fo_lease lc = new_lease (w);
    fo_execution *c, *d = chain_behind_gate (w, &lc, &c, false, "test_mod:test_gated");
    fo_execution_cancel (d, "stopped");
    open_gate (w);
    finish_lease (w, c, 0);
    sink_expect (&w->sink, "a", FO_PASSED);
    finish_lease (w, d, 0);
    sink_expect (&w->sink, "b", FO_NOT_RUN);
    assert_int_equal (pid_of_lease (w) > 1, 1);
    world_free (w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_task_in_one_worker),
        cmocka_unit_test (test_restart_after_each_task),
        cmocka_unit_test (test_timeout_and_cancel),
        cmocka_unit_test (test_interrupt),
        cmocka_unit_test (test_idle_stops_ahead),
        cmocka_unit_test (test_batch),
        cmocka_unit_test (test_split_kept),
        cmocka_unit_test (test_retire_does_not_block),
        cmocka_unit_test (test_retire_stopped_or_dying),
        cmocka_unit_test (test_retire_then_start_fails),
        cmocka_unit_test (test_chain_runs_on),
        cmocka_unit_test (test_chain_skipped_after_stop),
        cmocka_unit_test (test_chain_crash_and_cancel),
    };
    return cmocka_run_group_tests (tests, group_setup, NULL);
}
