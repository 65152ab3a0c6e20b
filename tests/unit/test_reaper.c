/*  fo_proc_scan, fo_reaper, fo_sweeper and fo_watchdog with real processes:
    tokens are read back from /proc, escaped orphans are adopted (this test
    program becomes a subreaper) and killed by token, our own fo_proc
    children are never touched, and the watchdog kills marked processes
    when its parent dies. Waits are bounded and generous. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fo_proc.h"
#include "fo_proc_scan.h"
#include "fo_reaper.h"
#include "fo_sweeper.h"
#include "fo_watchdog.h"

extern char **environ;

static void
nap_ms (long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

/* A shell snippet that starts `cmd` in a new session and prints its pid
   only once it runs there: the command substitution returns when the
   inner shell has called setsid and closed its stdout (exec with
   redirections), so the escape is complete before the step ends. */
#define ESCAPE(cmd) "pid=$(setsid sh -c 'echo $$; exec " cmd " >/dev/null 2>&1' &); echo $pid"

/* Runs `script` with fo_proc (token given) to its end; returns what it
   printed on stdout as a number (a pid it left behind). */
static pid_t
run_leaving (const char *script, const char *token)
{
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sh");
    fo_strv_push (&argv, "-c");
    fo_strv_push (&argv, script);
    fo_proc_spec spec = { .argv = &argv, .timeout_ms = 10000, .token = token };
    fo_proc_status st;
    fo_buf out = { 0 }, err = { 0 };
    char why[256];
    assert_int_equal (fo_proc_run_sync (&spec, &st, &out, &err, why, sizeof why), 0);
    assert_true (st.exited);
    pid_t pid = (pid_t) atoi (out.data ? out.data : "0");
    fo_buf_free (&out);
    fo_buf_free (&err);
    fo_strv_free (&argv);
    assert_true (pid > 0);
    return pid;
}

/* Dead: reaped by us (an adopted child), gone, or a zombie waiting for
   another parent (init may reap late). */
static bool
is_gone (pid_t pid)
{
    int status;
    if (waitpid (pid, &status, WNOHANG) == pid)
        return true;
    fo_proc_info info;
    return fo_proc_scan_info (pid, &info) != 0 || info.state == 'Z' || info.state == 'X';
}

static bool
wait_gone (pid_t pid, int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        if (is_gone (pid))
            return true;
        nap_ms (10);
    }
    return is_gone (pid);
}

static void
test_token_matches (void **state)
{
    (void) state;
    assert_true (fo_token_matches ("a/b", "a/b"));
    assert_true (fo_token_matches ("a/b/3", "a/b"));
    assert_false (fo_token_matches ("a/b3", "a/b"));
    assert_false (fo_token_matches ("a", "a/b"));
    assert_true (fo_token_matches ("a/b", "a"));
}

static void
test_scan_self_and_token (void **state)
{
    (void) state;
    fo_proc_info info;
    assert_int_equal (fo_proc_scan_info (getpid (), &info), 0);
    assert_int_equal (info.pid, getpid ());
    assert_int_equal (info.ppid, getppid ());
    assert_int_equal (info.pgid, getpgrp ());

    /* a process started by fo_proc carries its token */
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sleep");
    fo_strv_push (&argv, "10");
    fo_proc_spec spec = { .argv = &argv, .token = "scan-test/7" };
    char why[256];
    fo_proc *p = fo_proc_start (&spec, why, sizeof why);
    assert_non_null (p);
    char token[128];
    ssize_t n = -1;
    for (int i = 0; i < 200 && n < 0; i++) {     /* until exec has happened */
        n = fo_proc_scan_token (fo_proc_pid (p), token, sizeof token);
        if (n < 0 || strcmp (token, "scan-test/7") != 0) {
            n = -1;
            nap_ms (5);
        }
    }
    assert_int_equal (n, 11);
    assert_string_equal (token, "scan-test/7");
    /* cut to the buffer */
    assert_int_equal (fo_proc_scan_token (fo_proc_pid (p), token, 5), 4);
    assert_string_equal (token, "scan");
    /* without a token: the process-wide base */
    fo_proc_destroy (&p);
    fo_strv_free (&argv);
    if (!getenv (FO_STEP_TOKEN_VAR))
        assert_int_equal (fo_proc_scan_token (getpid (), token, sizeof token), -1);
    assert_non_null (strstr (fo_reaper_base (), "fanout-"));
}

/* Spawns `sleep 10` with envp and returns its pid once it sleeps (its
   execve done). */
static pid_t
spawn_sleeping (char **envp)
{
    char *argv[] = { (char *) "sleep", (char *) "10", NULL };
    pid_t pid;
    assert_int_equal (posix_spawn (&pid, "/bin/sleep", NULL, NULL, argv, envp), 0);
    fo_proc_info info = { 0 };
    for (int i = 0; i < 2000; i++) {
        assert_int_equal (fo_proc_scan_info (pid, &info), 0);
        if (info.state == 'S')
            break;
        nap_ms (5);
    }
    assert_int_equal (info.state, 'S');
    return pid;
}

/* An empty environment (a program started with none; also a process
   inside execve, whose new environment is not laid out yet) is told apart
   from one without the token: the watchdog looks again at the first kind
   while it runs, so that a test's child fanout's last moments spawned is
   not missed (it was, about once in ten runs on a loaded machine). */
static void
test_scan_token_empty_environment (void **state)
{
    (void) state;
    char token[64];
    char *none[] = { NULL };
    pid_t empty = spawn_sleeping (none);
    assert_int_equal (fo_proc_scan_token (empty, token, sizeof token), -2);
    char *other[] = { (char *) "A=1", NULL };
    pid_t plain = spawn_sleeping (other);
    assert_int_equal (fo_proc_scan_token (plain, token, sizeof token), -1);
    kill (empty, SIGKILL);
    kill (plain, SIGKILL);
    assert_int_equal (waitpid (empty, NULL, 0), empty);
    assert_int_equal (waitpid (plain, NULL, 0), plain);
}

static void
test_escaped_orphan_is_adopted_and_killed_by_token (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    /* setsid: out of the process group; the shell exits: an orphan */
    pid_t orphan = run_leaving ("trap '' TERM; " ESCAPE ("sleep 30"), "r1/1");
    fo_proc_info info;
    assert_int_equal (fo_proc_scan_info (orphan, &info), 0);
    assert_int_equal (info.ppid, getpid ());        /* adopted: we are a subreaper */
    assert_int_not_equal (info.pgid, getpgrp ());

    /* another scope's sweep leaves it alone */
    assert_int_equal (fo_reaper_kill_all ("r1/2", 200), 0);
    assert_int_equal (fo_reaper_kill_all ("r", 200), 0);    /* "r" is not "r1" */
    assert_false (is_gone (orphan));
    /* its own scope, or a parent scope, kills it */
    assert_true (fo_reaper_kill_all ("r1", 2000) >= 1);
    assert_true (wait_gone (orphan, 5000));
}

static void
test_double_fork_chain_is_killed (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    /* an escaped process that itself keeps a child in yet another session:
       killing the first hands the second to us, and the next pass gets it */
    char path[] = "/tmp/fo-test-reaper-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    close (fd);
    char *script = fo_xasprintf (ESCAPE ("sh -c \"setsid sleep 30 & echo \\$! > %s; wait\""), path);
    pid_t top = run_leaving (script, "r2/1");
    free (script);
    pid_t inner = 0;
    for (int i = 0; i < 500 && inner <= 0; i++) {
        FILE *f = fopen (path, "r");
        if (f && fscanf (f, "%d", &inner) != 1)
            inner = 0;
        if (f)
            fclose (f);
        fo_proc_info info;
        if (inner > 0 && (fo_proc_scan_info (inner, &info) != 0 || info.pgid != inner))
            inner = 0;      /* not yet in its own session */
        if (inner <= 0)
            nap_ms (10);
    }
    unlink (path);
    assert_true (inner > 0);
    fo_proc_info info;
    assert_int_equal (fo_proc_scan_info (inner, &info), 0);
    assert_int_equal (info.ppid, top);      /* still the escaped shell's child */
    assert_true (fo_reaper_kill_all ("r2/1", 5000) >= 2);
    assert_true (wait_gone (top, 5000));
    assert_true (wait_gone (inner, 5000));
    fo_reaper_counts c = fo_reaper_pass (NULL, 0, NULL);
    assert_int_equal (c.killed, 0);      /* nothing of ours is left */
}

static void
test_own_children_are_never_swept (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sleep");
    fo_strv_push (&argv, "0.3");
    fo_proc_spec spec = { .argv = &argv, .token = "mine/1" };
    char why[256];
    fo_proc *p = fo_proc_start (&spec, why, sizeof why);
    assert_non_null (p);
    /* sweeps for its own token and for everything: it stays fo_proc's */
    assert_int_equal (fo_reaper_kill_all ("mine", 100), 0);
    assert_int_equal (fo_reaper_kill_all (NULL, 100), 0);
    while (!fo_proc_service (p))
        nap_ms (10);
    const fo_proc_status *st = fo_proc_status_get (p);
    assert_true (st->exited);               /* fo_proc collected its status */
    assert_int_equal (st->exit_code, 0);
    fo_proc_destroy (&p);
    fo_strv_free (&argv);
}

static void
test_sweeper_batches_and_forgets (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    fo_sweeper *s = fo_sweeper_new ();
    assert_true (fo_sweeper_deadline_ms (s) == UINT64_MAX);
    pid_t a = run_leaving (ESCAPE ("sleep 30"), "sw/1");
    pid_t b = run_leaving (ESCAPE ("sleep 30"), "sw/2");
    fo_sweeper_add (s, "sw/1");
    uint64_t due = fo_sweeper_deadline_ms (s);
    assert_true (due != UINT64_MAX);
    fo_sweeper_service (s);                 /* not due yet: nothing happens */
    while (fo_sweeper_deadline_ms (s) != UINT64_MAX)
        if (fo_sweeper_deadline_ms (s) <= fo_now_ms ())
            fo_sweeper_service (s);
        else
            nap_ms (5);
    assert_true (wait_gone (a, 5000));
    assert_false (is_gone (b));
    fo_sweeper_add (s, "sw");
    fo_sweeper_flush (s, 5000);
    assert_true (wait_gone (b, 5000));
    assert_true (fo_sweeper_deadline_ms (s) == UINT64_MAX);
    fo_sweeper_destroy (&s);
}

/* Whether this kernel lets passes be windowed (fo_proc_scan_window). */
static bool
windows_work (void)
{
    fo_pid_window w;
    return fo_proc_scan_window (fo_reaper_mark (), &w);
}

static atomic_int thread_tid;
static atomic_bool thread_go;

static void *
idle_thread (void *arg)
{
    (void) arg;
    atomic_store (&thread_tid, (int) gettid ());
    while (!atomic_load (&thread_go))
        usleep (1000);
    return NULL;
}

static int
see_pid (void *arg, const fo_proc_info *info)
{
    if (info->pid == *(pid_t *) arg)
        *(pid_t *) arg = 0;
    return 0;
}

/*  A window probed pid by pid never hands over a thread of this very
    process (the lanes' and libzmq's ids lie in the first scopes'
    windows): nothing of ours to sweep, and its /proc entries were read
    for nothing. */
static void
test_window_skips_own_threads (void **state)
{
    (void) state;
    if (!windows_work ())
        skip ();
    pid_t mark = fo_proc_scan_last_pid ();
    pthread_t t;
    atomic_store (&thread_go, false);
    atomic_store (&thread_tid, 0);
    assert_int_equal (pthread_create (&t, NULL, idle_thread, NULL), 0);
    while (atomic_load (&thread_tid) == 0)
        usleep (1000);
    fo_pid_window w;
    assert_true (fo_proc_scan_window (mark, &w));
    pid_t tid = atomic_load (&thread_tid), seen = tid;
    assert_int_equal (fo_proc_scan_some_but (&w, NULL, see_pid, &seen), 0);
    atomic_store (&thread_go, true);
    pthread_join (t, NULL);
    assert_int_equal (seen, tid);       /* never handed over */
}

/*  A windowed pass reads only the processes started after the mark: an
    escapee of a scope that began after it is killed, an older one is not
    even looked at (a full pass gets it). */
static void
test_windowed_pass_reads_only_newer_processes (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    if (!windows_work ())
        skip ();
    pid_t old = run_leaving (ESCAPE ("sleep 30"), "win/old");
    /* Our newest spawn, and so the mark, lies past the old escapee. */
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "true");
    fo_proc_spec spec = { .argv = &argv };
    char why[256];
    assert_int_equal (fo_proc_run_sync (&spec, NULL, NULL, NULL, why, sizeof why), 0);
    fo_strv_free (&argv);
    pid_t mark = fo_reaper_mark ();
    pid_t young = run_leaving (ESCAPE ("sleep 30"), "win/young");

    const char *scope = "win";
    fo_reaper_counts c = fo_reaper_pass_after (mark, &scope, 1, NULL);
    assert_int_equal (c.killed, 1);
    assert_true (wait_gone (young, 5000));
    assert_false (is_gone (old));
    assert_true (fo_reaper_kill_all ("win", 5000) >= 1);
    assert_true (wait_gone (old, 5000));
}

/*  A window of more than FO_PROC_SCAN_PROBE_MAX pids is read from the
    listing of /proc, filtered by the window: what lies in it is found. */
static void
test_wide_window_lists_proc (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    if (!windows_work ())
        skip ();
    pid_t pid_max = fo_proc_scan_pid_max ();
    pid_t mark = fo_reaper_mark ();
    /* FO_PROC_SCAN_PROBE_MAX + 88 pids earlier, cyclically */
    pid_t wide = (pid_t) ((mark - FO_PROC_SCAN_PROBE_MAX - 88 + pid_max) % pid_max);
    pid_t young = run_leaving (ESCAPE ("sleep 30"), "wide/1");
    const char *scope = "wide";
    fo_reaper_counts c = fo_reaper_pass_after (wide, &scope, 1, NULL);
    assert_int_equal (c.killed, 1);
    assert_true (wait_gone (young, 5000));
}

/*  A window of few pids is probed pid by pid, and /proc answers for a
    thread's id too: the threads of an adopted child are not processes of
    their own (killing "them" would count one process several times, and
    the child of a sweep is a process). */
static void
test_windowed_pass_counts_processes_not_threads (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    if (!windows_work () || access ("/usr/bin/python3", X_OK) != 0)
        skip ();
    char path[] = "/tmp/fo-test-threads-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    static const char py[] = "import threading, time\n"
                             "for _ in range(3):\n"
                             "    threading.Thread(target=time.sleep, args=(30,)).start()\n";
    assert_int_equal (write (fd, py, sizeof py - 1), (ssize_t) (sizeof py - 1));
    close (fd);
    pid_t mark = fo_reaper_mark ();
    char *script = fo_xasprintf (ESCAPE ("/usr/bin/python3 %s"), path);
    pid_t child = run_leaving (script, "thr/1");
    free (script);
    /* until its three threads run */
    int threads = 0;
    for (int i = 0; i < 500 && threads < 4; i++) {
        char status[64], line[256];
        snprintf (status, sizeof status, "/proc/%d/status", (int) child);
        FILE *f = fopen (status, "r");
        while (f && fgets (line, sizeof line, f))
            if (sscanf (line, "Threads: %d", &threads) == 1)
                break;
        if (f)
            fclose (f);
        if (threads < 4)
            nap_ms (10);
    }
    unlink (path);
    assert_int_equal (threads, 4);
    const char *scope = "thr";
    fo_reaper_counts c = fo_reaper_pass_after (mark, &scope, 1, NULL);
    assert_int_equal (c.killed, 1);
    assert_true (wait_gone (child, 5000));
}

/*  Tokens added with their scope's mark are swept by windowed passes. */
static void
test_sweeper_with_marks (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    fo_sweeper *s = fo_sweeper_new ();
    fo_sweep_mark began = fo_sweeper_mark ();
    pid_t a = run_leaving (ESCAPE ("sleep 30"), "mk/1");
    fo_sweeper_add_since (s, "mk/1", began);
    while (fo_sweeper_deadline_ms (s) != UINT64_MAX)
        if (fo_sweeper_deadline_ms (s) <= fo_now_ms ())
            fo_sweeper_service (s);
        else
            nap_ms (5);
    assert_true (wait_gone (a, 5000));
    fo_sweeper_destroy (&s);
}

/* fo_proc_scan_children lists the children of every thread of ours, each
   once, and nothing else, as the whole of /proc filtered by parent does,
   from a few files. (Earlier tests may have left children of ours, some
   of them still being adopted: only the three made here are compared.) */
#define SEEN_MAX 4096
typedef struct {
    pid_t pids[SEEN_MAX];
    size_t n, others, dropped;
} seen_children;

static int
see_child (void *arg, const fo_proc_info *info)
{
    seen_children *s = arg;
    if (info->ppid != getpid ())
        s->others++;
    else if (s->n < SEEN_MAX)
        s->pids[s->n++] = info->pid;
    else
        s->dropped++;
    return 0;
}

static pid_t
fork_sleeper (void)
{
    pid_t pid = fork ();
    if (pid == 0) {
        alarm (60);         /* never outlives a failed test by long */
        pause ();
        _exit (0);
    }
    assert_true (pid > 0);
    return pid;
}

static void *
fork_on_thread (void *arg)
{
    *(pid_t *) arg = fork_sleeper ();
    return NULL;
}

/* Forks, then stays alive (the child's parent thread) until a byte comes
   on `hold` (not its end of file: the child holds a copy of the pipe). */
typedef struct {
    pid_t child;
    int forked[2], hold[2];
} living_parent;

static void *
fork_and_stay (void *arg)
{
    living_parent *lp = arg;
    lp->child = fork_sleeper ();
    char c = 1;
    assert_int_equal (write (lp->forked[1], &c, 1), 1);
    assert_int_equal (read (lp->hold[0], &c, 1), 1);
    return NULL;
}

static bool
has_pid (const seen_children *s, pid_t pid)
{
    size_t hits = 0;
    for (size_t i = 0; i < s->n; i++)
        hits += s->pids[i] == pid;
    return hits == 1;
}

static void
test_children_of_every_thread (void **state)
{
    (void) state;
    pid_t a = fork_sleeper (), b = 0;
    pthread_t t;
    assert_int_equal (pthread_create (&t, NULL, fork_on_thread, &b), 0);
    assert_int_equal (pthread_join (t, NULL), 0);      /* b's parent thread has ended */
    living_parent lp = { 0 };
    assert_int_equal (pipe (lp.forked), 0);
    assert_int_equal (pipe (lp.hold), 0);
    pthread_t t2;
    assert_int_equal (pthread_create (&t2, NULL, fork_and_stay, &lp), 0);
    char byte;
    assert_int_equal (read (lp.forked[0], &byte, 1), 1);   /* c's parent: t2, alive */
    pid_t c = lp.child;

    seen_children *listed = fo_xcalloc (1, sizeof *listed), *all = fo_xcalloc (1, sizeof *all);
    assert_int_equal (fo_proc_scan_children (see_child, listed), 0);
    assert_int_equal (fo_proc_scan_all (see_child, all), 0);
    assert_int_equal (listed->others, 0);               /* only our children */
    assert_true (all->others > 0);                      /* /proc has more */
    assert_int_equal (listed->dropped + all->dropped, 0);
    for (pid_t *p = (pid_t[]) { a, b, c, 0 }; *p; p++) {
        assert_true (has_pid (listed, *p));
        assert_true (has_pid (all, *p));
    }
    assert_int_equal (write (lp.hold[1], &byte, 1), 1);
    assert_int_equal (pthread_join (t2, NULL), 0);
    close (lp.hold[1]);
    close (lp.hold[0]);
    close (lp.forked[0]);
    close (lp.forked[1]);

    for (pid_t *p = (pid_t[]) { a, b, c, 0 }; *p; p++) {
        kill (*p, SIGKILL);
        assert_int_equal (waitpid (*p, NULL, 0), *p);
    }
    memset (listed, 0, sizeof *listed);
    assert_int_equal (fo_proc_scan_children (see_child, listed), 0);
    for (size_t i = 0; i < listed->n; i++)       /* reaped: gone from the list */
        assert_true (listed->pids[i] != a && listed->pids[i] != b && listed->pids[i] != c);
    free (listed);
    free (all);
}

/* More children than one read of a children file gives (a page): the
   list is not trusted in parts, and the emergency still kills every one
   (it once stopped at the first page, whose children, killed, stayed
   there as zombies). Children are made until their pids take more than
   a page as the file writes them ("PID "): 1,000 were not always enough,
   since after pid_max (32768 here) wraps new pids have 3 digits. */
static void
test_more_children_than_a_page (void **state)
{
    (void) state;
    enum { MAX_CHILDREN = 5000, PAGE_AND_SOME = 4096 + 512 };
    pid_t *pids = fo_xcalloc (MAX_CHILDREN, sizeof *pids);
    size_t n = 0, bytes = 0;
    while (bytes <= PAGE_AND_SOME) {
        assert_true (n < MAX_CHILDREN);
        pids[n] = fork_sleeper ();
        char digits[24];
        bytes += (size_t) snprintf (digits, sizeof digits, "%d ", (int) pids[n]);
        n++;
    }
    seen_children *some = fo_xcalloc (1, sizeof *some);
    int rc = fo_proc_scan_children (see_child, some);
    free (some);
    assert_int_equal (rc, -1);      /* more than a page: not trusted */
    assert_true (fo_reaper_emergency (0) >= n);
    for (size_t i = 0; i < n; i++) {
        siginfo_t info;
        memset (&info, 0, sizeof info);
        assert_int_equal (waitid (P_PID, (id_t) pids[i], &info, WEXITED), 0);
        assert_int_equal (info.si_code, CLD_KILLED);
        assert_int_equal (info.si_status, SIGKILL);     /* not its alarm, a minute later */
    }
    free (pids);
}

static void
test_emergency_kills_every_child (void **state)
{
    (void) state;
    assert_int_equal (fo_reaper_become_subreaper (), 0);
    pid_t orphan = run_leaving (ESCAPE ("sleep 30"), "em/1");
    pid_t spare = fork ();
    if (spare == 0) {
        alarm (60);         /* never outlives a failed test by long */
        pause ();
        _exit (0);
    }
    assert_true (fo_reaper_emergency (spare) >= 1);
    assert_true (wait_gone (orphan, 5000));
    assert_false (is_gone (spare));         /* the spare (the watchdog) lives */
    kill (spare, SIGKILL);
    assert_true (wait_gone (spare, 5000));
}

/*  The emergency kills fo_proc's children but leaves them to fo_proc to
    reap: until then their pids (their process groups' ids) cannot be
    reused, and fo_proc still reports how they ended. (It used to reap
    them with waitpid(-1); fo_proc then had no status, and signalled a
    group id that might already be someone else's.) */
static void
test_emergency_leaves_our_children_to_fo_proc (void **state)
{
    (void) state;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sleep");
    fo_strv_push (&argv, "30");
    fo_proc_spec spec = { .argv = &argv };
    char why[256];
    fo_proc *p = fo_proc_start (&spec, why, sizeof why);
    assert_non_null (p);
    pid_t pid = fo_proc_pid (p);

    assert_true (fo_reaper_emergency (0) >= 1);
    /* Dead, and still ours to reap. */
    siginfo_t info;
    memset (&info, 0, sizeof info);
    assert_int_equal (waitid (P_PID, (id_t) pid, &info, WEXITED | WNOHANG | WNOWAIT), 0);
    assert_int_equal (info.si_pid, pid);

    assert_true (fo_proc_service (p));
    const fo_proc_status *st = fo_proc_status_get (p);
    assert_false (st->exited);
    assert_int_equal (st->signal, SIGKILL);
    fo_proc_destroy (&p);
    fo_strv_free (&argv);
}

static void
test_watchdog_kills_when_its_parent_dies (void **state)
{
    (void) state;
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    char prefix[64];
    snprintf (prefix, sizeof prefix, "wd-%d", (int) getpid ());
    pid_t child = fork ();
    if (child == 0) {
        /* the "fanout": starts a watchdog and a marked process, then dies
           without cleaning up, as if SIGKILLed */
        close (fds[0]);
        if (fo_watchdog_start (prefix) < 0)
            _exit (1);
        char var[128];
        snprintf (var, sizeof var, FO_STEP_TOKEN_VAR "=%s/1", prefix);
        char *envp[] = { var, NULL };
        char *argv[] = { (char *) "sleep", (char *) "30", NULL };
        pid_t pid;
        if (posix_spawnp (&pid, "sleep", NULL, NULL, argv, envp) != 0)
            _exit (1);
        if (write (fds[1], &pid, sizeof pid) != (ssize_t) sizeof pid)
            _exit (1);
        _exit (0);
    }
    close (fds[1]);
    pid_t victim = 0;
    assert_int_equal (read (fds[0], &victim, sizeof victim), (ssize_t) sizeof victim);
    close (fds[0]);
    int status;
    assert_int_equal (waitpid (child, &status, 0), child);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert_true (wait_gone (victim, 10000));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_token_matches),
        cmocka_unit_test (test_scan_self_and_token),
        cmocka_unit_test (test_scan_token_empty_environment),
        cmocka_unit_test (test_escaped_orphan_is_adopted_and_killed_by_token),
        cmocka_unit_test (test_double_fork_chain_is_killed),
        cmocka_unit_test (test_own_children_are_never_swept),
        cmocka_unit_test (test_sweeper_batches_and_forgets),
        cmocka_unit_test (test_windowed_pass_reads_only_newer_processes),
        cmocka_unit_test (test_window_skips_own_threads),
        cmocka_unit_test (test_windowed_pass_counts_processes_not_threads),
        cmocka_unit_test (test_wide_window_lists_proc),
        cmocka_unit_test (test_sweeper_with_marks),
        cmocka_unit_test (test_children_of_every_thread),
        cmocka_unit_test (test_more_children_than_a_page),
        cmocka_unit_test (test_emergency_kills_every_child),
        cmocka_unit_test (test_emergency_leaves_our_children_to_fo_proc),
        cmocka_unit_test (test_watchdog_kills_when_its_parent_dies),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
