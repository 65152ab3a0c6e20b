/*  fo_spawner's lanes and fo_proc_start_lane: a lane runs its jobs in
    order on its own thread, starts the next one after the last one's
    wait and before that one is done, closes what a job leaves to close
    once it is done, takes back a job not begun, and gives each lane its
    own word; with two CPUs or more its thread is pinned to one, its
    children are not. A proc on a lane behaves as any (output,
    status, timeout, kill), starts only once the proc before it on the
    lane has exited, is never started when destroyed while queued, and
    ends even when something it left behind holds its pipes. Real
    processes; times asserted only as "not before" (sleeps make them
    certain), never as "within". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_proc.h"
#include "proc_drive.h"
#include "fo_spawner.h"

/* ---------------------------------------------------------------------- */
/* Lanes themselves, with jobs that log what ran when */

typedef struct step_job step_job;
struct step_job {
    fo_spawner_job job;
    int id;
    char *log;                  /* shared: appended to under log_lock */
    pthread_t thread;           /* where run ran */
    atomic_bool go;             /* wait returns once set */
    step_job *before;           /* the job queued before it on its lane */
    bool before_done;           /* was it done when this one ran? */
    int pipe[2];                /* its write end is closed after the job */
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void
log_event (step_job *j, char what)
{
    pthread_mutex_lock (&log_lock);
    size_t n = strlen (j->log);
    j->log[n] = what;
    j->log[n + 1] = (char) ('0' + j->id);
    j->log[n + 2] = '\0';
    pthread_mutex_unlock (&log_lock);
}

static void
job_run (fo_spawner_job *job)
{
    step_job *j = (step_job *) job;
    j->thread = pthread_self ();
    j->before_done = j->before && fo_spawner_done (&j->before->job);
    j->job.close_after[0] = j->pipe[1];
    log_event (j, 'r');
}

static void
job_wait (fo_spawner_job *job)
{
    step_job *j = (step_job *) job;
    while (!atomic_load (&j->go))
        usleep (1000);
    log_event (j, 'w');
}

static void
job_init (step_job *j, int id, char *log, step_job *before)
{
    memset (j, 0, sizeof *j);
    j->job.run = job_run;
    j->job.wait = job_wait;
    j->job.close_after[0] = j->job.close_after[1] = -1;
    j->id = id;
    j->log = log;
    j->before = before;
    assert_int_equal (pipe (j->pipe), 0);
}

/* Its write end closed (by the lane's thread, after the job)? */
static bool
pipe_ended (step_job *j)
{
    char c;
    bool ended = read (j->pipe[0], &c, 1) == 0;
    close (j->pipe[0]);
    return ended;
}

/* Jobs queued on a lane while its first waits: each runs on the lane's
   thread, the next one's run comes after the last one's wait and before
   that one is done, and what a job gave to close is closed once it is. */
static void
test_lane_order (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new_lanes (2);
    assert_non_null (sp);
    assert_int_equal (fo_spawner_lanes (sp), 2);
    char log[64] = "";
    step_job a, b, c;
    job_init (&a, 1, log, NULL);
    job_init (&b, 2, log, &a);
    job_init (&c, 3, log, &b);
    fo_spawner_submit_to (sp, 1, &a.job, false);
    fo_spawner_submit_to (sp, 1, &b.job, false);
    fo_spawner_submit_to (sp, 1, &c.job, false);
    /* Not until a's wait ends. */
    usleep (50000);
    assert_false (fo_spawner_done (&a.job));
    pthread_mutex_lock (&log_lock);
    assert_string_equal (log, "r1");
    pthread_mutex_unlock (&log_lock);
    atomic_store (&a.go, true);
    atomic_store (&b.go, true);
    atomic_store (&c.go, true);
    fo_spawner_wait (sp, &c.job);
    fo_spawner_take (sp, &a.job);
    fo_spawner_take (sp, &b.job);
    fo_spawner_take (sp, &c.job);
    assert_true (fo_spawner_done (&a.job) && fo_spawner_done (&b.job));
    assert_string_equal (log, "r1w1r2w2r3w3");
    assert_false (b.before_done);
    assert_false (c.before_done);
    assert_true (pipe_ended (&a) && pipe_ended (&b) && pipe_ended (&c));
    assert_true (pthread_equal (a.thread, b.thread) && pthread_equal (b.thread, c.thread));
    assert_false (pthread_equal (a.thread, pthread_self ()));
    fo_spawner_destroy (&sp);
}

/* A job not begun is taken back and never runs; one begun is not. Each
   lane's word comes on its own eventfd, for a job asked about only. */
static void
test_lane_cancel_and_words (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new_lanes (2);
    assert_non_null (sp);
    char log[64] = "";
    step_job a, b, other;
    job_init (&a, 1, log, NULL);
    job_init (&b, 2, log, &a);
    job_init (&other, 3, log, NULL);
    int fd0 = fo_spawner_job_fd (sp, &a.job);
    fo_spawner_submit_to (sp, 0, &a.job, true);
    fo_spawner_submit_to (sp, 0, &b.job, true);
    fo_spawner_submit_to (sp, 1, &other.job, false);
    assert_int_equal (fo_spawner_job_fd (sp, &a.job), fd0);
    int fd1 = fo_spawner_job_fd (sp, &other.job);
    assert_int_not_equal (fd0, fd1);
    while (!strchr (log, '1'))
        usleep (1000);
    assert_false (fo_spawner_cancel (sp, &a.job));      /* begun */
    assert_true (fo_spawner_cancel (sp, &b.job));       /* still queued */
    assert_false (fo_spawner_cancel (sp, &b.job));
    atomic_store (&a.go, true);
    atomic_store (&other.go, true);
    fo_spawner_wait (sp, &a.job);
    fo_spawner_wait (sp, &other.job);
    /* a's word on lane 0's eventfd; none on lane 1's (not asked). */
    struct pollfd p[2] = { { .fd = fd0, .events = POLLIN }, { .fd = fd1, .events = POLLIN } };
    assert_int_equal (poll (p, 2, 0), 1);
    assert_true (p[0].revents & POLLIN);
    fo_spawner_take (sp, &a.job);
    fo_spawner_take (sp, &other.job);
    assert_int_equal (poll (p, 2, 0), 0);
    usleep (20000);
    assert_null (strchr (log, '2'));                    /* b never ran */
    assert_true (pipe_ended (&a) && pipe_ended (&other));
    close (b.pipe[0]);
    close (b.pipe[1]);          /* never given to the lane */
    fo_spawner_destroy (&sp);
}

static fo_proc *start_lane (fo_spawner *sp, unsigned lane, const char *script, uint32_t timeout_ms);
static char *out_of (const fo_proc *p, int stream);

/* A job that records its thread's CPUs. */
typedef struct {
    fo_spawner_job job;
    cpu_set_t cpus;
} cpus_job;

static void
record_cpus (fo_spawner_job *job)
{
    cpus_job *j = (cpus_job *) job;
    sched_getaffinity (0, sizeof j->cpus, &j->cpus);
}

static void
lane_cpus (fo_spawner *sp, unsigned lane, cpu_set_t *out)
{
    cpus_job j = { .job = { .run = record_cpus, .close_after = { -1, -1 } } };
    fo_spawner_submit_to (sp, lane, &j.job, false);
    fo_spawner_wait (sp, &j.job);
    fo_spawner_take (sp, &j.job);
    *out = j.cpus;
}

/* With two CPUs or more and as many lanes, each lane's thread runs on
   one of them, lane by lane, and its children on all the process's;
   FANOUT_PIN_LANES=0, a single CPU or fewer lanes than CPUs leave the
   lanes on all of them. */
static void
test_lanes_pinned (void **state)
{
    (void) state;
    cpu_set_t mine, a, b;
    assert_int_equal (sched_getaffinity (0, sizeof mine, &mine), 0);
    int ncpus = CPU_COUNT (&mine);
    unsetenv ("FANOUT_PIN_LANES");
    unsigned nlanes = ncpus < 2 ? 2 : ncpus > (int) FO_SPAWNER_MAX_THREADS
                                           ? FO_SPAWNER_MAX_THREADS : (unsigned) ncpus;
    fo_spawner *sp = fo_spawner_new_lanes (nlanes);
    assert_int_equal (fo_spawner_lanes_pinned (sp), ncpus >= 2 && (int) nlanes >= ncpus);
    lane_cpus (sp, 0, &a);
    lane_cpus (sp, 1, &b);
    if (fo_spawner_lanes_pinned (sp)) {
        assert_int_equal (CPU_COUNT (&a), 1);
        assert_int_equal (CPU_COUNT (&b), 1);
        assert_false (CPU_EQUAL (&a, &b));
        cpu_set_t both;
        CPU_AND (&both, &a, &mine);
        assert_int_equal (CPU_COUNT (&both), 1);
    }
    else
        assert_true (CPU_EQUAL (&a, &mine));
    /* The lane's child: the process's CPUs, as listed by the kernel. */
    fo_proc *p = start_lane (sp, 0, "grep Cpus_allowed_list /proc/self/status", 0);
    drive (p, 20000);
    char *child = out_of (p, 1);
    fo_proc_destroy (&p);
    FILE *f = fopen ("/proc/self/status", "r");
    char line[256], parent[256] = "";
    while (f && fgets (line, sizeof line, f))
        if (!strncmp (line, "Cpus_allowed_list", 17))
            snprintf (parent, sizeof parent, "%s", line);
    if (f)
        fclose (f);
    assert_string_equal (child, parent);
    free (child);
    fo_spawner_destroy (&sp);

    setenv ("FANOUT_PIN_LANES", "0", 1);
    sp = fo_spawner_new_lanes (2);
    assert_false (fo_spawner_lanes_pinned (sp));
    lane_cpus (sp, 1, &b);
    assert_true (CPU_EQUAL (&b, &mine));
    fo_spawner_destroy (&sp);
    unsetenv ("FANOUT_PIN_LANES");
    /* Fewer lanes than CPUs: none pinned. */
    if (ncpus >= 3) {
        sp = fo_spawner_new_lanes (2);
        assert_false (fo_spawner_lanes_pinned (sp));
        fo_spawner_destroy (&sp);
    }
}

/* How many lanes an agent gets. */
static void
test_lanes_for (void **state)
{
    (void) state;
    unsetenv ("FANOUT_SPAWN_LANES");
    assert_int_equal (fo_spawner_lanes_for (1), 0);
    assert_int_equal (fo_spawner_lanes_for (2), 2);
    assert_int_equal (fo_spawner_lanes_for (FO_SPAWNER_MAX_THREADS), FO_SPAWNER_MAX_THREADS);
    assert_int_equal (fo_spawner_lanes_for (FO_SPAWNER_MAX_THREADS + 1), 0);
    setenv ("FANOUT_SPAWN_LANES", "0", 1);
    assert_int_equal (fo_spawner_lanes_for (4), 0);
    unsetenv ("FANOUT_SPAWN_LANES");
    assert_null (fo_spawner_new_lanes (0));
    fo_spawner *pool = fo_spawner_new (1);
    assert_int_equal (fo_spawner_lanes (pool), 0);
    fo_spawner_destroy (&pool);
}

/* ---------------------------------------------------------------------- */
/* Procs on lanes */

static fo_proc *
start_lane (fo_spawner *sp, unsigned lane, const char *script, uint32_t timeout_ms)
{
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sh");
    fo_strv_push (&argv, "-c");
    fo_strv_push (&argv, script);
    fo_proc_spec spec = { .argv = &argv, .timeout_ms = timeout_ms };
    char err[256];
    fo_proc *p = fo_proc_start_lane (sp, lane, &spec, err, sizeof err);
    fo_strv_free (&argv);
    assert_non_null (p);
    return p;
}

static char *
out_of (const fo_proc *p, int stream)
{
    fo_buf b = { 0 };
    fo_capture_render (stream == 2 ? fo_proc_stderr (p) : fo_proc_stdout (p), &b);
    fo_buf_puts (&b, "");
    return fo_buf_steal (&b);
}

static uint64_t
number_in (const char *text)
{
    return strtoull (text, NULL, 10);
}

/* Output and status as any proc's; two on one lane run one after the
   other (the second starts after the first has exited), while one on
   another lane runs beside them. No descriptor is left behind. */
static void
test_procs_in_order (void **state)
{
    (void) state;
    int fds_before = count_fds ();
    fo_spawner *sp = fo_spawner_new_lanes (2);
    assert_non_null (sp);
    uint64_t t0 = fo_now_us ();
    fo_proc *first = start_lane (sp, 0, "sleep 0.3; echo out; echo err >&2; exit 3", 0);
    fo_proc *second = start_lane (sp, 0, "date +%s%N", 0);
    fo_proc *beside = start_lane (sp, 1, "date +%s%N", 0);
    drive (beside, 20000);
    drive (first, 20000);
    drive (second, 20000);
    const fo_proc_status *st = fo_proc_status_get (first);
    assert_true (st->exited);
    assert_int_equal (st->exit_code, 3);
    char *o = out_of (first, 1), *e = out_of (first, 2);
    assert_string_equal (o, "out\n");
    assert_string_equal (e, "err\n");
    free (o);
    free (e);
    /* Wall clock in ns from date(1), against ours at the start. */
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    uint64_t real_now_us = (uint64_t) now.tv_sec * 1000000u + (uint64_t) now.tv_nsec / 1000u;
    uint64_t real_t0_us = real_now_us - (fo_now_us () - t0);
    char *s = out_of (second, 1), *b = out_of (beside, 1);
    uint64_t second_us = number_in (s) / 1000u, beside_us = number_in (b) / 1000u;
    assert_true (second_us >= real_t0_us + 300000u);
    assert_true (beside_us < real_t0_us + 300000u);
    free (s);
    free (b);
    fo_proc_destroy (&first);
    fo_proc_destroy (&second);
    fo_proc_destroy (&beside);
    fo_spawner_destroy (&sp);
    assert_int_equal (count_fds (), fds_before);
}

/* A proc destroyed while queued behind one that runs never starts (its
   marker is never made), and the one after it starts in its place. */
static void
test_destroy_queued (void **state)
{
    (void) state;
    char dir[] = "/tmp/fo-lanes-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *marker = fo_xasprintf ("%s/ran", dir), *after = fo_xasprintf ("%s/after", dir);
    char *touch = fo_xasprintf ("touch %s", marker), *touch2 = fo_xasprintf ("touch %s", after);
    int fds_before = count_fds ();
    fo_spawner *sp = fo_spawner_new_lanes (1);
    fo_proc *running = start_lane (sp, 0, "sleep 0.2", 0);
    fo_proc *queued = start_lane (sp, 0, touch, 0);
    fo_proc *next = start_lane (sp, 0, touch2, 0);
    assert_int_equal (fo_proc_pid (queued), 0);
    fo_proc_destroy (&queued);
    drive (running, 20000);
    drive (next, 20000);
    assert_true (fo_proc_status_get (next)->exited);
    struct stat st;
    assert_int_equal (stat (after, &st), 0);
    assert_int_not_equal (stat (marker, &st), 0);
    fo_proc_destroy (&running);
    fo_proc_destroy (&next);
    fo_spawner_destroy (&sp);
    assert_int_equal (count_fds (), fds_before);
    unlink (after);
    rmdir (dir);
    free (marker);
    free (after);
    free (touch);
    free (touch2);
}

/* The limit kills a proc on a lane (timed_out, never before it), a kill
   stops one, one destroyed while it runs is killed, and the lane goes on
   with the next. */
static void
test_timeout_and_kill (void **state)
{
    (void) state;
    int fds_before = count_fds ();
    fo_spawner *sp = fo_spawner_new_lanes (1);
    fo_proc *slow = start_lane (sp, 0, "sleep 30", 200);
    drive (slow, 20000);
    const fo_proc_status *st = fo_proc_status_get (slow);
    assert_true (st->timed_out);
    assert_true (st->duration_us >= 200000u);
    fo_proc_destroy (&slow);

    fo_proc *killed = start_lane (sp, 0, "sleep 30", 0);
    fo_proc_kill (killed);      /* maybe before its spawn: done once it has begun */
    drive (killed, 20000);
    assert_int_equal (fo_proc_status_get (killed)->signal, SIGTERM);
    fo_proc_destroy (&killed);

    fo_proc *dropped = start_lane (sp, 0, "sleep 30", 0);
    while (fo_proc_pid (dropped) == 0)
        fo_proc_service (dropped);
    fo_proc_destroy (&dropped);
    fo_proc *after = start_lane (sp, 0, "echo on", 0);
    drive (after, 20000);
    char *o = out_of (after, 1);
    assert_string_equal (o, "on\n");
    free (o);
    fo_proc_destroy (&after);
    fo_spawner_destroy (&sp);
    assert_int_equal (count_fds (), fds_before);
}

/* Services proc as the agent's loop does, only when one of its fds is
   readable or its deadline has come (drive's 100 ms cap would hide a
   deadline missing); true when it ended within limit_ms. */
static bool
drive_exact (fo_proc *proc, uint64_t limit_ms)
{
    uint64_t give_up = fo_now_ms () + limit_ms;
    for (;;) {
        uint64_t now = fo_now_ms ();
        if (now >= give_up)
            return false;
        int fds[3];
        struct pollfd pfd[3];
        int n = fo_proc_pollfds (proc, fds);
        for (int i = 0; i < n; i++)
            pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        uint64_t until = fo_proc_deadline_ms (proc);
        bool due = until <= give_up;
        if (until > give_up)
            until = give_up;
        if (poll (pfd, (nfds_t) n, until > now ? (int) (until - now) : 0) > 0 || due)
            if (fo_proc_service (proc))
                return true;
    }
}

/* A kill asked while the proc waits on its lane (before its spawn) is
   done once it has started, without anything else waking the loop: the
   proc's deadline says so (an agent cancelling a test it had just
   started waited for the test's own end). */
static void
test_kill_before_launch (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new_lanes (1);
    fo_proc *first = start_lane (sp, 0, "sleep 0.2", 0);
    fo_proc *second = start_lane (sp, 0, "sleep 30", 0);
    fo_proc_kill (second);
    fo_proc_service (second);   /* not begun: it only looks again later */
    assert_true (drive_exact (first, 20000));
    while (fo_proc_pid (second) == 0)
        usleep (1000);          /* begun now, its kill still to do */
    assert_true (drive_exact (second, 10000));
    assert_int_equal (fo_proc_status_get (second)->signal, SIGTERM);
    fo_proc_destroy (&first);
    fo_proc_destroy (&second);
    fo_spawner_destroy (&sp);
}

/* The main process exits while a process it left in the background
   holds its stdout: no end of file comes, the lane's word does, and the
   proc ends with the exit's status (the group killed at its end). A
   program that cannot run ends the proc with fo_proc_start's words. */
static void
test_held_pipes_and_failed_start (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new_lanes (1);
    uint64_t t0 = fo_now_ms ();
    fo_proc *p = start_lane (sp, 0, "sleep 30 & echo bye; exit 4", 0);
    drive (p, 20000);
    assert_true (fo_now_ms () - t0 < 20000);
    assert_int_equal (fo_proc_status_get (p)->exit_code, 4);
    char *o = out_of (p, 1);
    assert_string_equal (o, "bye\n");
    free (o);
    fo_proc_destroy (&p);

    fo_strv argv = { 0 };
    fo_strv_push (&argv, "/nonexistent/fo-no-such-program");
    fo_proc_spec spec = { .argv = &argv };
    char err[256];
    fo_proc *bad = fo_proc_start_lane (sp, 0, &spec, err, sizeof err);
    fo_strv_free (&argv);
    assert_non_null (bad);
    drive (bad, 20000);
    const char *why;
    assert_int_equal (fo_proc_start_failed (bad, &why), ENOENT);
    assert_non_null (strstr (why, "cannot run '/nonexistent/fo-no-such-program'"));
    fo_proc_destroy (&bad);
    fo_spawner_destroy (&sp);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lane_order),
        cmocka_unit_test (test_lane_cancel_and_words),
        cmocka_unit_test (test_lanes_for),
        cmocka_unit_test (test_lanes_pinned),
        cmocka_unit_test (test_procs_in_order),
        cmocka_unit_test (test_destroy_queued),
        cmocka_unit_test (test_timeout_and_kill),
        cmocka_unit_test (test_kill_before_launch),
        cmocka_unit_test (test_held_pipes_and_failed_start),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
