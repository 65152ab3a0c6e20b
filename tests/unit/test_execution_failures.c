/*  fo_execution with hostile steps, real processes: the task goes on after
    a timed-out test; a cancel reports not_run and still runs the teardowns
    of completed setups (not of one it interrupted); a task timeout; slow
    notices; GLib paths run in one process (fo_glib_join.h) where one
    crashes part-way (the rest run again in a new process, once) or fanout
    cancels the run. Waits are bounded; no timing is asserted beyond
    generous limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_execution.h"
#include "execution_support.h"
#include "result_sink.h"
#include "tmpdir_support.h"

typedef struct {
    char dir[64];
    sink sink;                  /* what the lease under test reported */
    fo_slow slows[16];
    size_t nslows;
} world;

/* The execution's arg is the world's sink (sink_add's): its world is
   around it. */
static void
on_slow (void *arg, const fo_slow *s)
{
    world *w = (world *) ((char *) arg - offsetof (world, sink));
    if (w->nslows < 16)
        w->slows[w->nslows++] = *s;
}

static void
world_init (world *w)
{
    memset (w, 0, sizeof *w);
    snprintf (w->dir, sizeof w->dir, "/tmp/fo-test-exec-XXXXXX");
    assert_non_null (mkdtemp (w->dir));
}

static void
world_free (world *w)
{
    sink_free (&w->sink);
    char *cmd = fo_xasprintf ("rm -rf '%s'", w->dir);
    assert_int_equal (system (cmd), 0);
    free (cmd);
}

/* A step running `script` with sh in the world's directory. */
static void
add_step (fo_lease *l, fo_step_kind kind, const char *name, const char *script, const world *w,
          uint32_t timeout_ms)
{
    lease_sh_step (l, kind, name, script, w->dir)->timeout_ms = timeout_ms;
}

/* ctx/a (script_a), ctx/b ("true") between a setup and a teardown that
   log to "log"; the setup runs setup_script first. */
static fo_lease
lease_of (const world *w, const char *setup_script, const char *script_a, uint32_t timeout_a)
{
    fo_lease l = { .lease = 7, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    char *setup = fo_xasprintf ("%s; echo up >> log", setup_script);
    add_step (&l, FO_STEP_SETUP, "ctx", setup, w, 0);
    add_step (&l, FO_STEP_TEST, "ctx/a", script_a, w, timeout_a);
    add_step (&l, FO_STEP_TEST, "ctx/b", "true", w, 0);
    add_step (&l, FO_STEP_TEARDOWN, "ctx", "echo down >> log", w, 0);
    l.steps[0].span = l.steps[3].span = 3;     /* each covers the other three (fo_steps.h) */
    free (setup);
    return l;
}

/* Services until finished, or (when path is set) until that file exists.
   Bounded: 20 s. */
static bool
run (fo_execution *e, const world *w, const char *path)
{
    char *full = path ? fo_xasprintf ("%s/%s", w->dir, path) : NULL;
    bool done = drive_execution (e, 20000, full);
    free (full);
    return done;
}

static void
expect_log (const world *w, const char *want)
{
    char *got = read_text (w->dir, "log");
    assert_string_equal (got, want);
    free (got);
}

static void
test_timeout_then_the_next_test_runs (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = lease_of (&w, "true", "echo partial; trap '' TERM; sleep 30", 200);
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_true (run (e, &w, NULL));
    const fo_result *a = sink_result (&w.sink, "ctx/a");
    assert_int_equal (a->outcome, FO_TIMEOUT);
    assert_non_null (strstr (a->message, "(limit 0.2s)"));
    assert_true (a->duration_us >= 200000);
    assert_int_equal (sink_result (&w.sink, "ctx/b")->outcome, FO_PASSED);
    expect_log (&w, "up\ndown\n");
    fo_execution_destroy (&e);
    world_free (&w);
}

static void
test_cancel_runs_the_teardown_of_a_completed_setup (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = lease_of (&w, "true", "touch a.started; sleep 30", 0);
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_false (run (e, &w, "a.started"));
    fo_execution_cancel (e, "interrupted");
    assert_true (run (e, &w, NULL));
    const fo_result *a = sink_result (&w.sink, "ctx/a");
    assert_int_equal (a->outcome, FO_NOT_RUN);
    assert_string_equal (a->message, "not run (interrupted)");
    assert_int_equal (sink_result (&w.sink, "ctx/b")->outcome, FO_NOT_RUN);
    expect_log (&w, "up\ndown\n");        /* it was set up: it is torn down */
    fo_execution_destroy (&e);
    world_free (&w);
}

static void
test_cancel_during_the_setup_skips_its_teardown (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = lease_of (&w, "touch setup.started; sleep 30", "true", 0);
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_false (run (e, &w, "setup.started"));
    fo_execution_cancel (e, "stopped after 1 failure");
    assert_true (run (e, &w, NULL));
    assert_string_equal (sink_result (&w.sink, "ctx/a")->message, "not run (stopped after 1 failure)");
    assert_int_equal (sink_result (&w.sink, "ctx/b")->outcome, FO_NOT_RUN);
    expect_log (&w, "");                  /* never set up, never torn down */
    fo_execution_destroy (&e);
    world_free (&w);
}

/* outer and inner contexts, nested; inner's teardown takes long. */
static fo_lease
nested_lease (const world *w)
{
    fo_lease l = { .lease = 9, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    add_step (&l, FO_STEP_SETUP, "outer", "echo up-outer >> log", w, 0);
    add_step (&l, FO_STEP_SETUP, "inner", "echo up-inner >> log", w, 0);
    add_step (&l, FO_STEP_TEST, "inner/t", "echo $$ > t.pid; touch t.started; exec sleep 30",
              w, 0);
    add_step (&l, FO_STEP_TEARDOWN, "inner", "touch inner.down; sleep 30", w, 0);
    add_step (&l, FO_STEP_TEARDOWN, "outer", "echo down-outer >> log", w, 0);
    l.steps[0].span = l.steps[4].span = 4;
    l.steps[1].span = l.steps[3].span = 2;
    return l;
}

/* An abort after a cancel: the teardown the cancel let run is killed (and
   not reported as failed), and the next teardown never starts. */
static void
test_abort_kills_the_teardown_and_starts_no_other (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = nested_lease (&w);
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_false (run (e, &w, "t.started"));
    fo_execution_cancel (e, "interrupted");
    assert_false (run (e, &w, "inner.down"));      /* the cancel runs it */
    uint64_t aborted = fo_now_ms ();
    fo_execution_abort (e, "cut short");
    assert_true (run (e, &w, NULL));
    assert_true (fo_now_ms () - aborted < 5000);   /* not its 30 s */
    assert_int_equal (w.sink.n, 1);               /* no teardown error */
    assert_string_equal (sink_result (&w.sink, "inner/t")->message, "not run (interrupted)");
    expect_log (&w, "up-outer\nup-inner\n");     /* never torn down */
    fo_execution_destroy (&e);
    world_free (&w);
}

/* The agent's abort flag is set before the run's processes are killed:
   when the running step dies, nothing starts after it. */
static void
test_abort_flag_set_before_the_kill (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = nested_lease (&w);
    volatile sig_atomic_t flag = 0;
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    fo_execution_watch_abort (e, &flag, "cut short");
    assert_false (run (e, &w, "t.started"));
    flag = 1;
    /* What the emergency kill does to the step (all of the run, at once). */
    char *path = fo_xasprintf ("%s/t.pid", w.dir);
    FILE *f = fopen (path, "r");
    free (path);
    assert_non_null (f);
    int pid = 0;
    assert_int_equal (fscanf (f, "%d", &pid), 1);
    fclose (f);
    assert_int_equal (kill (-pid, SIGKILL), 0);
    assert_true (run (e, &w, NULL));
    assert_int_equal (w.sink.n, 1);
    const fo_result *t = sink_result (&w.sink, "inner/t");
    assert_int_equal (t->outcome, FO_NOT_RUN);
    assert_string_equal (t->message, "not run (cut short)");
    expect_log (&w, "up-outer\nup-inner\n");     /* no teardown ran */
    fo_execution_destroy (&e);
    world_free (&w);
}

static void
test_task_timeout (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = lease_of (&w, "true", "sleep 30", 0);
    l.task_timeout_ms = 300;
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_true (run (e, &w, NULL));
    const fo_result *a = sink_result (&w.sink, "ctx/a");
    assert_int_equal (a->outcome, FO_TIMEOUT);
    assert_non_null (strstr (a->message, "task timed out after"));
    assert_non_null (strstr (a->message, "(limit 0.3s)"));
    const fo_result *b = sink_result (&w.sink, "ctx/b");
    assert_int_equal (b->outcome, FO_NOT_RUN);
    assert_non_null (strstr (b->message, "not run (task timed out after"));
    expect_log (&w, "up\ndown\n");
    fo_execution_destroy (&e);
    world_free (&w);
}

static void
test_slow_notices (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = lease_of (&w, "true", "sleep 0.45", 0);
    l.slow_ms = 100;
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    fo_execution_on_slow (e, on_slow);
    assert_true (run (e, &w, NULL));
    assert_true (w.nslows >= 2);
    for (size_t i = 0; i < w.nslows; i++) {
        assert_int_equal (w.slows[i].step, 1);      /* ctx/a only */
        assert_true (w.slows[i].lease == 7);
        assert_true (w.slows[i].elapsed_ms >= 100 * (i + 1));
        /* the multiple passed, however late the loop got to it */
        assert_int_equal (w.slows[i].elapsed_ms % 100, 0);
    }
    assert_int_equal (sink_result (&w.sink, "ctx/a")->outcome, FO_PASSED);
    fo_execution_destroy (&e);
    world_free (&w);
}

static void
test_crash_and_odd_exit_messages (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = { .lease = 1, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    add_step (&l, FO_STEP_TEST, "segv", "kill -SEGV $$", &w, 0);
    add_step (&l, FO_STEP_TEST, "odd", "exit 134", &w, 0);
    add_step (&l, FO_STEP_TEST, "plain", "exit 1", &w, 0);
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_true (run (e, &w, NULL));
    assert_int_equal (sink_result (&w.sink, "segv")->outcome, FO_CRASHED);
    assert_string_equal (sink_result (&w.sink, "segv")->message, "killed by SIGSEGV");
    assert_int_equal (sink_result (&w.sink, "odd")->outcome, FO_FAILED);
    assert_non_null (strstr (sink_result (&w.sink, "odd")->message, "exit status 134 (128 + SIGABRT"));
    assert_string_equal (sink_result (&w.sink, "plain")->message, "exit status 1");
    fo_execution_destroy (&e);
    world_free (&w);
}

/*  SIGCHLD ignored in this process (as a parent may leave it; fanout's
    main puts it back, a library user may not): the kernel reaps each
    step, its status is lost, and no reader may call that exit status 0
    a pass: the exit-status and ctest readers' tests are errors saying so. */
static void
test_lost_status_is_an_error (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    fo_lease l = { .lease = 1, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    add_step (&l, FO_STEP_TEST, "plain", "exit 0", &w, 0);
    add_step (&l, FO_STEP_TEST, "ctest", "exit 0", &w, 0);
    l.steps[1].reader = FO_READER_CTEST;
    l.steps[1].verdict.skip_code = -1;
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigemptyset (&ign.sa_mask);
    sigaction (SIGCHLD, &ign, &old);
    fo_proc_signals_changed ();
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    bool done = run (e, &w, NULL);
    sigaction (SIGCHLD, &old, NULL);
    fo_proc_signals_changed ();
    assert_true (done);
    for (int i = 0; i < 2; i++) {
        const char *id = i ? "ctest" : "plain";
        assert_int_equal (sink_result (&w.sink, id)->outcome, FO_ERROR);
        assert_string_equal (sink_result (&w.sink, id)->message, FO_PROC_STATUS_LOST_TEXT);
    }
    fo_execution_destroy (&e);
    world_free (&w);
}

/* A fake GLib program (the shape fo_glib_join.h joins): for each `-p PATH`
   it logs PATH to "ran" and prints its point; /two crashes, /slow waits.
   Each start logs to "starts". */
static const char fake_glib[] =
    "#!/bin/sh\n"
    "echo start >> starts\n"
    "while [ $# -gt 0 ]; do\n"
    "  if [ \"$1\" = -p ]; then\n"
    "    echo \"$2\" >> ran\n"
    "    case $2 in\n"
    "    /two) kill -SEGV $$ ;;\n"
    "    /slow) touch sleeping; sleep 30 ;;\n"
    "    *) echo \"ok 1 $2\" ;;\n"
    "    esac\n"
    "    shift\n"
    "  fi\n"
    "  shift\n"
    "done\n";

/* A lease of one GLib step per path, "PROG --tap -p PATH", as planned. */
static fo_lease
glib_lease (const world *w, const char *const *paths)
{
    char *prog = fo_xasprintf ("%s/g", w->dir);
    FILE *f = fopen (prog, "w");
    assert_non_null (f);
    fputs (fake_glib, f);
    fclose (f);
    assert_int_equal (chmod (prog, 0755), 0);
    fo_lease l = { .lease = 9, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    for (size_t i = 0; paths[i]; i++) {
        add_step (&l, FO_STEP_TEST, paths[i], "true", w, 0);
        fo_step *s = &l.steps[l.nsteps - 1];
        fo_strv_free (&s->argv);
        const char *argv[] = { prog, "--tap", "-p", paths[i] };
        for (size_t k = 0; k < 4; k++)
            fo_strv_push (&s->argv, argv[k]);
        s->reader = FO_READER_GLIB;
    }
    free (prog);
    return l;
}

static void
test_glib_paths_in_one_process (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    const char *paths[] = { "/one", "/two", "/three", "/four", NULL };
    fo_lease l = glib_lease (&w, paths);
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_true (run (e, &w, NULL));
    assert_int_equal (w.sink.n, 4);     /* one each */
    for (size_t i = 0; i < 4; i++) {
        const fo_result *r = sink_result (&w.sink, paths[i]);
        assert_int_equal (r->step, i);      /* reported with its own step */
        assert_int_equal (r->outcome, i == 1 ? FO_CRASHED : FO_PASSED);
    }
    assert_string_equal (sink_result (&w.sink, "/two")->message, "killed by SIGSEGV");
    char *ran = read_text (w.dir, "ran"), *starts = read_text (w.dir, "starts");
    assert_string_equal (ran, "/one\n/two\n/three\n/four\n");      /* each once */
    assert_string_equal (starts, "start\nstart\n");  /* the crash: a second process */
    free (ran);
    free (starts);
    fo_execution_destroy (&e);
    world_free (&w);
}

static void
test_glib_paths_cancelled (void **state)
{
    (void) state;
    world w;
    world_init (&w);
    const char *paths[] = { "/one", "/slow", "/three", NULL };
    fo_lease l = glib_lease (&w, paths);
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &w.sink);
    assert_false (run (e, &w, "sleeping"));
    fo_execution_cancel (e, "the broker is stopping");
    assert_true (run (e, &w, NULL));
    assert_int_equal (w.sink.n, 3);
    assert_int_equal (sink_result (&w.sink, "/one")->outcome, FO_PASSED);
    for (size_t i = 1; i < 3; i++) {
        const fo_result *r = sink_result (&w.sink, paths[i]);
        assert_int_equal (r->step, i);
        assert_int_equal (r->outcome, FO_NOT_RUN);
        assert_string_equal (r->message, "not run (the broker is stopping)");
    }
    char *starts = read_text (w.dir, "starts");
    assert_string_equal (starts, "start\n");
    free (starts);
    fo_execution_destroy (&e);
    world_free (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_timeout_then_the_next_test_runs),
        cmocka_unit_test (test_cancel_runs_the_teardown_of_a_completed_setup),
        cmocka_unit_test (test_cancel_during_the_setup_skips_its_teardown),
        cmocka_unit_test (test_abort_kills_the_teardown_and_starts_no_other),
        cmocka_unit_test (test_abort_flag_set_before_the_kill),
        cmocka_unit_test (test_task_timeout),
        cmocka_unit_test (test_slow_notices),
        cmocka_unit_test (test_crash_and_odd_exit_messages),
        cmocka_unit_test (test_lost_status_is_an_error),
        cmocka_unit_test (test_glib_paths_in_one_process),
        cmocka_unit_test (test_glib_paths_cancelled),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
