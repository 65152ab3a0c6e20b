/*  fo_spawner and fo_proc_start_on: processes spawned on a spawner's
    threads behave as fo_proc_start's (output, status, process group,
    timeout, kill), a spawn that fails there says what fo_proc_start
    says, a proc destroyed or killed before its spawn has ended leaves
    nothing behind, and a sweep running beside spawns on several threads
    never reaps one of them. Real processes; no timing asserted beyond
    generous limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_proc.h"
#include "proc_drive.h"
#include "fo_reaper.h"
#include "fo_spawner.h"

static fo_proc *
start_on (fo_spawner *sp, const char *const *args, const char *cwd, uint32_t timeout_ms,
          char *err, size_t errlen)
{
    fo_strv argv = { 0 };
    for (size_t i = 0; args[i]; i++)
        fo_strv_push (&argv, args[i]);
    fo_proc_spec spec = { .argv = &argv, .cwd = cwd, .timeout_ms = timeout_ms };
    fo_proc *p = fo_proc_start_on (sp, &spec, err, errlen);
    fo_strv_free (&argv);       /* the proc keeps what it needs */
    return p;
}

static char *
rendered (const fo_capture *c)
{
    fo_buf b = { 0 };
    fo_capture_render (c, &b);
    fo_buf_puts (&b, "");
    return fo_buf_steal (&b);
}

/* Four at once on two threads: each gets its own output and status, in
   its own process group. */
static void
test_output_status_group (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (2);
    assert_non_null (sp);
    enum { N = 4 };
    fo_proc *p[N];
    char err[256];
    for (int i = 0; i < N; i++) {
        char script[128];
        snprintf (script, sizeof script,
                  "set -- $(cat /proc/$$/stat); [ \"$5\" = $$ ] || exit 99; "
                  "echo out%d; echo err%d >&2; exit %d", i, i, i + 3);
        const char *args[] = { "sh", "-c", script, NULL };
        p[i] = start_on (sp, args, NULL, 0, err, sizeof err);
        assert_non_null (p[i]);
    }
    for (int i = 0; i < N; i++) {
        drive (p[i], 20000);
        assert_int_equal (fo_proc_start_failed (p[i], NULL), 0);
        assert_true (fo_proc_pid (p[i]) > 0);
        const fo_proc_status *st = fo_proc_status_get (p[i]);
        assert_true (st->exited);
        assert_int_equal (st->exit_code, i + 3);
        char want[16];
        char *out = rendered (fo_proc_stdout (p[i]));
        snprintf (want, sizeof want, "out%d\n", i);
        assert_string_equal (out, want);
        free (out);
        char *errs = rendered (fo_proc_stderr (p[i]));
        snprintf (want, sizeof want, "err%d\n", i);
        assert_string_equal (errs, want);
        free (errs);
        fo_proc_destroy (&p[i]);
    }
    /* Every count taken: nothing left to wake a loop. */
    assert_int_equal (poll (&(struct pollfd) { .fd = fo_spawner_notify_fd (sp), .events = POLLIN },
                            1, 0), 0);
    fo_spawner_destroy (&sp);
    assert_null (sp);
}

/* A failed spawn: not NULL at once, but a finished proc that says what
   fo_proc_start says, with its errno; the failed child is reaped. */
static void
expect_same_failure (fo_spawner *sp, const char *const *args, const char *cwd, int want_errno)
{
    char sync_err[512] = "";
    fo_strv argv = { 0 };
    for (size_t i = 0; args[i]; i++)
        fo_strv_push (&argv, args[i]);
    fo_proc_spec spec = { .argv = &argv, .cwd = cwd };
    errno = 0;
    assert_null (fo_proc_start (&spec, sync_err, sizeof sync_err));
    assert_int_equal (errno, want_errno);
    fo_strv_free (&argv);

    char err[512] = "";
    fo_proc *p = start_on (sp, args, cwd, 0, err, sizeof err);
    assert_non_null (p);
    drive (p, 20000);
    const char *message = NULL;
    assert_int_equal (fo_proc_start_failed (p, &message), want_errno);
    assert_non_null (message);
    assert_string_equal (message, sync_err);
    assert_false (fo_proc_status_get (p)->exited);
    assert_int_equal (fo_proc_pollfds (p, (int[3]) { 0 }), 0);
    fo_proc_destroy (&p);
    assert_true (waitpid (-1, NULL, WNOHANG) <= 0);     /* no zombie */
}

static void
test_failures_in_the_same_words (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (1);
    const char *missing[] = { "nosuchprog-fanout-test", NULL };
    expect_same_failure (sp, missing, NULL, ENOENT);
    const char *abs_missing[] = { "/nonexistent/prog", NULL };
    expect_same_failure (sp, abs_missing, NULL, ENOENT);
    const char *dir[] = { "/tmp", NULL };
    expect_same_failure (sp, dir, NULL, EACCES);
    const char *ok[] = { "/bin/true", NULL };
    expect_same_failure (sp, ok, "/nonexistent-fanout-dir", ENOENT);
    expect_same_failure (sp, ok, "/bin/true", ENOTDIR);

    /* Found, but not runnable: ENOEXEC from the child itself. */
    char tmp[] = "/tmp/fo-test-spawner-XXXXXX";
    assert_non_null (mkdtemp (tmp));
    char script[PATH_MAX];
    snprintf (script, sizeof script, "%s/noshebang", tmp);
    FILE *f = fopen (script, "w");
    assert_non_null (f);
    fputs ("echo should not run\n", f);
    fclose (f);
    chmod (script, 0755);
    const char *noexec[] = { "./noshebang", NULL };
    expect_same_failure (sp, noexec, tmp, ENOEXEC);
    unlink (script);
    rmdir (tmp);
    fo_spawner_destroy (&sp);
}

/* The limit runs from the spawn, and a kill asked for before the spawn
   had ended is carried out once it has. */
static void
test_timeout_and_early_kill (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (2);
    char err[256];
    const char *sleeper[] = { "sleep", "30", NULL };

    fo_proc *p = start_on (sp, sleeper, NULL, 200, err, sizeof err);
    assert_non_null (p);
    drive (p, 20000);
    const fo_proc_status *st = fo_proc_status_get (p);
    assert_true (st->timed_out);
    assert_int_equal (st->signal, SIGTERM);
    assert_true (st->duration_us >= 200000);
    fo_proc_destroy (&p);

    p = start_on (sp, sleeper, NULL, 0, err, sizeof err);
    assert_non_null (p);
    fo_proc_kill (p);           /* most likely before the spawner got to it */
    drive (p, 20000);
    st = fo_proc_status_get (p);
    assert_false (st->timed_out);
    assert_int_equal (st->signal, SIGTERM);
    fo_proc_destroy (&p);
    fo_spawner_destroy (&sp);
}

/* Destroyed at once, while its spawn is queued or running: the child is
   killed and reaped, no descriptor is left open, and its count is taken
   off the eventfd (which would wake a loop for nothing otherwise). */
static void
test_destroy_while_starting (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (2);
    int before = count_fds ();
    char err[256];
    const char *sleeper[] = { "sleep", "30", NULL };
    for (int i = 0; i < 20; i++) {
        fo_proc *p = start_on (sp, sleeper, NULL, 0, err, sizeof err);
        assert_non_null (p);
        fo_proc_destroy (&p);
    }
    assert_int_equal (count_fds (), before);
    assert_true (waitpid (-1, NULL, WNOHANG) <= 0);
    assert_int_equal (poll (&(struct pollfd) { .fd = fo_spawner_notify_fd (sp), .events = POLLIN },
                            1, 0), 0);
    const char *t[] = { "true", NULL };
    fo_proc *p = start_on (sp, t, NULL, 0, err, sizeof err);
    drive (p, 20000);
    assert_true (fo_proc_status_get (p)->exited);
    assert_int_equal (fo_proc_status_get (p)->exit_code, 0);
    fo_proc_destroy (&p);
    fo_spawner_destroy (&sp);
}

/* A job held on its thread until released. */
typedef struct {
    fo_spawner_job job;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool release;
} held_job;

static void
run_held (fo_spawner_job *job)
{
    held_job *h = (held_job *) job;
    pthread_mutex_lock (&h->lock);
    while (!h->release)
        pthread_cond_wait (&h->cond, &h->lock);
    pthread_mutex_unlock (&h->lock);
}

static bool
notify_readable (fo_spawner *sp, int timeout_ms)
{
    return poll (&(struct pollfd) { .fd = fo_spawner_notify_fd (sp), .events = POLLIN }, 1,
                 timeout_ms) == 1;
}

/* The spawner's word comes only for a job asked about before it was
   done: a job nobody asked about ends without waking the loop (a wake-up
   per test), one asked about wakes it, and asking about a job that is
   done already says so (no word will come). */
static void
test_word_only_when_asked (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (1);
    held_job h = { .job.run = run_held, .lock = PTHREAD_MUTEX_INITIALIZER,
                   .cond = PTHREAD_COND_INITIALIZER };

    /* Not asked: done, and the eventfd stays quiet. */
    h.release = true;
    fo_spawner_submit (sp, &h.job);
    fo_spawner_wait (sp, &h.job);
    assert_true (fo_spawner_done (&h.job));
    assert_false (notify_readable (sp, 0));
    assert_false (fo_spawner_ask (sp, &h.job));     /* done already */
    assert_false (fo_spawner_asked (&h.job));
    fo_spawner_take (sp, &h.job);
    assert_false (notify_readable (sp, 0));

    /* Asked while it runs: the word comes when it is done, and taking
       the job takes it off. */
    h.release = false;
    fo_spawner_submit (sp, &h.job);
    assert_true (fo_spawner_ask (sp, &h.job));
    assert_true (fo_spawner_asked (&h.job));
    assert_false (notify_readable (sp, 0));
    pthread_mutex_lock (&h.lock);
    h.release = true;
    pthread_cond_signal (&h.cond);
    pthread_mutex_unlock (&h.lock);
    assert_true (notify_readable (sp, 20000));
    assert_true (fo_spawner_done (&h.job));
    fo_spawner_take (sp, &h.job);
    assert_false (notify_readable (sp, 0));
    fo_spawner_destroy (&sp);
}

/* A child that ends while what it started keeps its pipes open: no pipe
   wakes the loop, so the proc settles at its look (FO_PROC_SETTLE_MS)
   and its pidfd tells the end; the group member is killed with it. */
static void
test_end_with_pipes_held (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (1);
    char err[256];
    const char *args[] = { "sh", "-c", "sleep 30 & exit 5", NULL };
    fo_proc *p = start_on (sp, args, NULL, 0, err, sizeof err);
    assert_non_null (p);
    int fds[3];
    assert_int_equal (fo_proc_pollfds (p, fds), 2);        /* its pipes, not the eventfd */
    uint64_t look = fo_proc_deadline_ms (p);
    assert_true (look != UINT64_MAX);
    /* The loop's wait: nothing on the pipes (the sleep holds them) until
       the look. */
    struct pollfd pfd[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
    for (uint64_t now = fo_now_ms (); now < look; now = fo_now_ms ())
        assert_int_equal (poll (pfd, 2, (int) (look - now)), 0);
    drive (p, 20000);
    assert_true (fo_proc_status_get (p)->exited);
    assert_int_equal (fo_proc_status_get (p)->exit_code, 5);
    fo_proc_destroy (&p);
    assert_false (notify_readable (sp, 0));
    fo_spawner_destroy (&sp);
}

/* A child's SIGCHLD goes to the spawner's thread that created it, which
   drops it (default action, not blocked): it is never queued for the
   process, where it would wake another thread (the broker's loop in
   `fanout run`) for every test. This thread blocks SIGCHLD, so one
   queued for the process would stay pending here. */
static void
test_sigchld_not_queued (void **state)
{
    (void) state;
    sigset_t chld, old, pending;
    sigemptyset (&chld);
    sigaddset (&chld, SIGCHLD);
    pthread_sigmask (SIG_BLOCK, &chld, &old);
    fo_spawner *sp = fo_spawner_new (1);
    char err[256];
    const char *t[] = { "true", NULL };
    for (int i = 0; i < 3; i++) {
        fo_proc *p = start_on (sp, t, NULL, 0, err, sizeof err);
        drive (p, 20000);
        assert_true (fo_proc_status_get (p)->exited);
        fo_proc_destroy (&p);
    }
    sigpending (&pending);
    bool queued = sigismember (&pending, SIGCHLD);
    fo_spawner_destroy (&sp);
    if (queued) {           /* not left pending for the tests after */
        siginfo_t si;
        sigtimedwait (&chld, &si, &(struct timespec) { 0 });
    }
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    assert_false (queued);
}

/* fo_reaper_pass reaps zombies among our children that are not tracked:
   it must never see one that a spawner's thread has just started and not
   yet tracked (the spawn lock is shared among spawns, exclusive for a
   pass). Every proc must keep its exit status. */
typedef struct {
    atomic_bool stop;
    size_t passes;
} sweeping;

static void *
sweep_loop (void *arg)
{
    sweeping *sw = arg;
    const char *prefix = "fanout-no-such-token";
    while (!atomic_load (&sw->stop)) {
        fo_reaper_pass (&prefix, 1, NULL);
        sw->passes++;
    }
    return NULL;
}

static void
test_sweeps_beside_spawns (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (2);
    sweeping sw = { .passes = 0 };
    atomic_init (&sw.stop, false);
    pthread_t sweeper;
    assert_int_equal (pthread_create (&sweeper, NULL, sweep_loop, &sw), 0);
    enum { SLOTS = 2, RUNS = 100 };
    fo_proc *p[SLOTS] = { 0 };
    char err[256];
    const char *t[] = { "true", NULL };
    int lost = 0;
    for (int run = 0; run < RUNS; run++) {
        for (int i = 0; i < SLOTS; i++)
            p[i] = start_on (sp, t, NULL, 0, err, sizeof err);
        for (int i = 0; i < SLOTS; i++) {
            drive (p[i], 20000);
            const fo_proc_status *st = fo_proc_status_get (p[i]);
            if (!st->exited || st->exit_code != 0)
                lost++;
            fo_proc_destroy (&p[i]);
        }
    }
    atomic_store (&sw.stop, true);
    pthread_join (sweeper, NULL);
    fo_spawner_destroy (&sp);
    assert_true (sw.passes > 0);
    assert_int_equal (lost, 0);
}

/* How many threads an agent gets. */
static void
test_threads_for (void **state)
{
    (void) state;
    unsetenv ("FANOUT_SPAWN_THREADS");
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    assert_int_equal (fo_spawner_threads_for (1), 0);
    unsigned two = fo_spawner_threads_for (2);
    assert_int_equal (two, cpus >= 2 ? 2 : 1);
    assert_true (fo_spawner_threads_for (1000) <= FO_SPAWNER_MAX_THREADS);
    setenv ("FANOUT_SPAWN_THREADS", "0", 1);
    assert_int_equal (fo_spawner_threads_for (8), 0);
    setenv ("FANOUT_SPAWN_THREADS", "3", 1);
    assert_int_equal (fo_spawner_threads_for (1), 3);
    /* Not a number in range: ignored. */
    setenv ("FANOUT_SPAWN_THREADS", "99", 1);
    assert_int_equal (fo_spawner_threads_for (2), two);
    setenv ("FANOUT_SPAWN_THREADS", "-1", 1);
    assert_int_equal (fo_spawner_threads_for (2), two);
    setenv ("FANOUT_SPAWN_THREADS", "2x", 1);
    assert_int_equal (fo_spawner_threads_for (2), two);
    unsetenv ("FANOUT_SPAWN_THREADS");
    assert_null (fo_spawner_new (0));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_output_status_group),
        cmocka_unit_test (test_failures_in_the_same_words),
        cmocka_unit_test (test_timeout_and_early_kill),
        cmocka_unit_test (test_destroy_while_starting),
        cmocka_unit_test (test_sweeps_beside_spawns),
        cmocka_unit_test (test_word_only_when_asked),
        cmocka_unit_test (test_end_with_pipes_held),
        cmocka_unit_test (test_sigchld_not_queued),
        cmocka_unit_test (test_threads_for),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
