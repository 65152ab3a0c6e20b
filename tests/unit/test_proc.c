/*  fo_proc: real child processes (sh, true, false, sleep). Timing asserts
    are deliberately generous: CI machines are slow and busy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_proc.h"
#include "proc_drive.h"

typedef struct {
    fo_proc_status status;
    fo_buf out;
    fo_buf err;
    int rc;
    char err_text[256];
} run_result;

static void
run_argv (run_result *r, const char *const *args, const char *cwd, const fo_env *env,
          size_t cap, uint32_t timeout_ms)
{
    fo_strv argv = { 0 };
    for (size_t i = 0; args[i]; i++)
        fo_strv_push (&argv, args[i]);
    fo_proc_spec spec = { .argv = &argv, .cwd = cwd, .env = env,
                          .output_cap = cap, .timeout_ms = timeout_ms };
    memset (r, 0, sizeof *r);
    r->rc = fo_proc_run_sync (&spec, &r->status, &r->out, &r->err, r->err_text,
                              sizeof r->err_text);
    fo_strv_free (&argv);
}

static void
run_sh (run_result *r, const char *script, uint32_t timeout_ms)
{
    const char *args[] = { "sh", "-c", script, NULL };
    run_argv (r, args, NULL, NULL, 0, timeout_ms);
    assert_int_equal (r->rc, 0);
}

static void
result_free (run_result *r)
{
    fo_buf_free (&r->out);
    fo_buf_free (&r->err);
}

static const char *
text (const fo_buf *b)
{
    return b->data ? b->data : "";
}

static void
test_exit_codes (void **state)
{
    (void) state;
    int fds_before = count_fds ();
    run_result r;
    const char *t[] = { "/bin/true", NULL };
    run_argv (&r, t, NULL, NULL, 0, 0);
    assert_int_equal (r.rc, 0);
    assert_true (r.status.exited);
    assert_int_equal (r.status.exit_code, 0);
    assert_int_equal (r.status.signal, 0);
    assert_false (r.status.timed_out);
    assert_true (r.status.duration_us > 0);
    result_free (&r);

    const char *f[] = { "false", NULL };     /* found through PATH */
    run_argv (&r, f, NULL, NULL, 0, 0);
    assert_int_equal (r.rc, 0);
    assert_true (r.status.exited);
    assert_int_equal (r.status.exit_code, 1);
    result_free (&r);

    run_sh (&r, "exit 42", 0);
    assert_true (r.status.exited);
    assert_int_equal (r.status.exit_code, 42);
    result_free (&r);

    /* Nothing leaks: pipes and pidfds are closed again. */
    assert_int_equal (count_fds (), fds_before);
}

static void
test_stdout_stderr_separate (void **state)
{
    (void) state;
    run_result r;
    run_sh (&r, "echo out1; echo err1 >&2; echo out2; echo err2 >&2", 0);
    assert_string_equal (text (&r.out), "out1\nout2\n");
    assert_string_equal (text (&r.err), "err1\nerr2\n");
    result_free (&r);

    /* stdin is /dev/null: cat ends at once with nothing. */
    run_sh (&r, "cat; echo done", 5000);
    assert_string_equal (text (&r.out), "done\n");
    assert_false (r.status.timed_out);
    result_free (&r);
}

static void
test_env_overrides (void **state)
{
    (void) state;
    setenv ("FO_TEST_INHERITED", "inherited", 1);
    setenv ("FO_TEST_REPLACED", "old", 1);
    fo_env env = { 0 };
    fo_env_set (&env, "FO_TEST_NEW", "new value");
    fo_env_set (&env, "FO_TEST_REPLACED", "replaced");
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sh");
    fo_strv_push (&argv, "-c");
    fo_strv_push (&argv, "printf '%s|%s|%s' \"$FO_TEST_INHERITED\" \"$FO_TEST_NEW\" "
                         "\"$FO_TEST_REPLACED\"");
    fo_proc_spec spec = { .argv = &argv, .env = &env };
    fo_proc_status st;
    fo_buf out = { 0 };
    char err[256];
    assert_int_equal (fo_proc_run_sync (&spec, &st, &out, NULL, err, sizeof err), 0);
    assert_string_equal (text (&out), "inherited|new value|replaced");
    /* Our own environment is untouched. */
    assert_string_equal (getenv ("FO_TEST_REPLACED"), "old");
    assert_null (getenv ("FO_TEST_NEW"));
    fo_buf_free (&out);
    fo_strv_free (&argv);
    fo_env_free (&env);
    unsetenv ("FO_TEST_INHERITED");
    unsetenv ("FO_TEST_REPLACED");
}

static void
test_cwd (void **state)
{
    (void) state;
    char dir[] = "/tmp/fo-test-proc-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char real[PATH_MAX];
    assert_non_null (realpath (dir, real));

    run_result r;
    const char *pwd[] = { "sh", "-c", "pwd -P", NULL };
    run_argv (&r, pwd, dir, NULL, 0, 0);
    assert_int_equal (r.rc, 0);
    char want[PATH_MAX + 2];
    snprintf (want, sizeof want, "%s\n", real);
    assert_string_equal (text (&r.out), want);
    result_free (&r);

    /* A relative program path is found from the new cwd, as the child sees it. */
    char script[PATH_MAX];
    snprintf (script, sizeof script, "%s/run.sh", dir);
    FILE *f = fopen (script, "w");
    assert_non_null (f);
    fputs ("#!/bin/sh\necho from script\n", f);
    fclose (f);
    chmod (script, 0755);
    const char *rel[] = { "./run.sh", NULL };
    run_argv (&r, rel, dir, NULL, 0, 0);
    assert_int_equal (r.rc, 0);
    assert_string_equal (text (&r.out), "from script\n");
    result_free (&r);

    /* Not executable: the error execve would give. */
    chmod (script, 0644);
    run_argv (&r, rel, dir, NULL, 0, 0);
    assert_int_equal (r.rc, -1);
    assert_string_equal (r.err_text, "cannot run './run.sh': Permission denied");
    result_free (&r);

    unlink (script);
    rmdir (dir);
}

static void
test_cannot_run (void **state)
{
    (void) state;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "nosuchprog-fanout-test");
    fo_proc_spec spec = { .argv = &argv };
    char err[256] = "";
    assert_null (fo_proc_start (&spec, err, sizeof err));
    assert_string_equal (err, "cannot run 'nosuchprog-fanout-test': No such file or directory");
    fo_strv_free (&argv);

    run_result r;
    const char *abs_missing[] = { "/nonexistent/prog", NULL };
    run_argv (&r, abs_missing, NULL, NULL, 0, 0);
    assert_int_equal (r.rc, -1);
    assert_string_equal (r.err_text, "cannot run '/nonexistent/prog': No such file or directory");
    result_free (&r);

    /* A directory is not a program. */
    const char *dir[] = { "/tmp", NULL };
    run_argv (&r, dir, NULL, NULL, 0, 0);
    assert_int_equal (r.rc, -1);
    assert_string_equal (r.err_text, "cannot run '/tmp': Permission denied");
    result_free (&r);
}

/*  What passes the checks but fails in the child itself (a file without
    a #! line: execve says ENOEXEC) is an error with that errno, and the
    failed child is reaped. */
static void
test_exec_fails_in_child (void **state)
{
    (void) state;
    char dir[] = "/tmp/fo-test-proc-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char script[PATH_MAX];
    snprintf (script, sizeof script, "%s/noshebang", dir);
    FILE *f = fopen (script, "w");
    assert_non_null (f);
    fputs ("echo should not run\n", f);
    fclose (f);
    chmod (script, 0755);

    fo_strv argv = { 0 };
    fo_strv_push (&argv, "./noshebang");
    fo_proc_spec spec = { .argv = &argv, .cwd = dir };
    char err[256] = "";
    errno = 0;
    assert_null (fo_proc_start (&spec, err, sizeof err));
    assert_int_equal (errno, ENOEXEC);
    assert_string_equal (err, "cannot run './noshebang': Exec format error");
    /* No zombie left: the child that failed was reaped. */
    assert_true (waitpid (-1, NULL, WNOHANG) <= 0);
    fo_strv_free (&argv);
    unlink (script);
    rmdir (dir);
}

/*  With stdin, stdout and stderr closed, the capture pipes get fds 0 to 3:
    the child's own stdin, stdout and stderr must still be /dev/null and
    the two pipes, not each other. */
static void
test_std_fds_closed (void **state)
{
    (void) state;
    int saved[3];
    for (int fd = 0; fd < 3; fd++)
        saved[fd] = fcntl (fd, F_DUPFD_CLOEXEC, 10);
    close (0);
    close (1);
    close (2);
    run_result r;
    const char *args[] = { "sh", "-c", "cat; echo out; echo err >&2", NULL };
    run_argv (&r, args, NULL, NULL, 0, 5000);
    for (int fd = 0; fd < 3; fd++) {
        dup2 (saved[fd], fd);
        close (saved[fd]);
    }
    assert_int_equal (r.rc, 0);
    assert_true (r.status.exited);
    assert_int_equal (r.status.exit_code, 0);
    assert_string_equal (text (&r.out), "out\n");
    assert_string_equal (text (&r.err), "err\n");
    result_free (&r);
}

static void
test_bad_cwd (void **state)
{
    (void) state;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "/bin/true");
    fo_proc_spec spec = { .argv = &argv, .cwd = "/nonexistent-fanout-dir" };
    char err[256] = "";
    assert_null (fo_proc_start (&spec, err, sizeof err));
    assert_string_equal (err, "cannot change to directory '/nonexistent-fanout-dir': "
                              "No such file or directory");
    spec.cwd = "/bin/true";
    assert_null (fo_proc_start (&spec, err, sizeof err));
    assert_string_equal (err, "cannot change to directory '/bin/true': Not a directory");
    fo_strv_free (&argv);
}

static void
test_killed_by_signal (void **state)
{
    (void) state;
    run_result r;
    run_sh (&r, "ulimit -c 0; kill -SEGV $$", 5000);
    assert_false (r.status.exited);
    assert_int_equal (r.status.signal, SIGSEGV);
    assert_false (r.status.timed_out);
    assert_string_equal (fo_signal_name (r.status.signal), "SIGSEGV");
    result_free (&r);

    run_sh (&r, "ulimit -c 0; kill -ABRT $$", 5000);
    assert_false (r.status.exited);
    assert_int_equal (r.status.signal, SIGABRT);
    assert_string_equal (fo_signal_name (r.status.signal), "SIGABRT");
    result_free (&r);
}

static void
test_signal_names (void **state)
{
    (void) state;
    assert_string_equal (fo_signal_name (SIGKILL), "SIGKILL");
    assert_string_equal (fo_signal_name (SIGTERM), "SIGTERM");
    assert_string_equal (fo_signal_name (SIGBUS), "SIGBUS");
    assert_string_equal (fo_signal_name (1000), "signal 1000");
    const char *rt = fo_signal_name (SIGRTMIN + 1);
    assert_non_null (rt);
    assert_true (strlen (rt) > 0);
}

static void
test_timeout (void **state)
{
    (void) state;
    uint64_t t0 = fo_now_ms ();
    run_result r;
    const char *args[] = { "sleep", "30", NULL };
    run_argv (&r, args, NULL, NULL, 0, 200);
    assert_int_equal (r.rc, 0);
    assert_true (fo_now_ms () - t0 < 10000);
    assert_true (r.status.timed_out);
    assert_false (r.status.exited);
    assert_int_equal (r.status.signal, SIGTERM);
    assert_true (r.status.duration_us >= 200 * 1000);
    result_free (&r);
}

/*  Regression (issue 10 item 7): the deadline was the start truncated to
    its millisecond plus the limit, so the kill fired up to 1 ms early and
    a test with `timeout: 1` was reported after 0.99995 s. Many short
    timeouts, each started at another point of its millisecond: every one
    must last at least its limit. */
static void
test_timeout_never_early (void **state)
{
    (void) state;
    const uint32_t limit_ms = 7;
    for (int i = 0; i < 60; i++) {
        run_result r;
        const char *args[] = { "sleep", "30", NULL };
        run_argv (&r, args, NULL, NULL, 0, limit_ms);
        assert_int_equal (r.rc, 0);
        assert_true (r.status.timed_out);
        if (r.status.duration_us < limit_ms * 1000ull)
            fail_msg ("run %d: timed out after %llu us, before its limit of %u ms", i,
                      (unsigned long long) r.status.duration_us, limit_ms);
        result_free (&r);
    }
}

static void
test_timeout_ignored_term (void **state)
{
    (void) state;
    uint64_t t0 = fo_now_ms ();
    run_result r;
    /* 500 ms leaves the shell ample time to set its trap first. */
    run_sh (&r, "trap '' TERM; sleep 30", 500);
    assert_true (fo_now_ms () - t0 < 10000);
    assert_true (r.status.timed_out);
    assert_int_equal (r.status.signal, SIGKILL);
    /* It survived the SIGTERM for the grace period. */
    assert_true (r.status.duration_us >= (FO_PROC_KILL_GRACE_MS / 2) * 1000ull);
    result_free (&r);
}

/*  true when pid is gone or only a zombie left for init to reap. */
static bool
pid_gone (pid_t pid)
{
    if (kill (pid, 0) != 0 && errno == ESRCH)
        return true;
    char path[64], buf[512];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return true;
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = '\0';
    const char *paren = strrchr (buf, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

static void
test_grandchild_killed (void **state)
{
    (void) state;
    run_result r;
    /* The background sleep keeps stdout open: we must not wait for its EOF. */
    uint64_t t0 = fo_now_ms ();
    run_sh (&r, "sleep 1000 & echo $!", 5000);
    assert_true (r.status.exited);
    assert_false (r.status.timed_out);
    assert_true (fo_now_ms () - t0 < 4000);
    pid_t child = (pid_t) atoi (text (&r.out));
    assert_true (child > 1);
    bool gone = false;
    for (int i = 0; i < 50 && !gone; i++) {
        gone = pid_gone (child);
        if (!gone)
            usleep (100 * 1000);
    }
    assert_true (gone);
    result_free (&r);
}

static void
test_output_capped (void **state)
{
    (void) state;
    run_result r;
    const char *args[] = { "sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a; "
                                       "printf END", NULL };
    run_argv (&r, args, NULL, NULL, 1024, 10000);
    assert_int_equal (r.rc, 0);
    assert_true (r.status.exited);
    const char *marker = "\n[fanout: 98979 bytes dropped]\n";
    assert_non_null (strstr (text (&r.out), marker));
    assert_int_equal (r.out.len, 1024 + strlen (marker));
    assert_int_equal (strncmp (r.out.data, "aaaa", 4), 0);
    assert_string_equal (r.out.data + r.out.len - 4, "aEND");
    result_free (&r);
}

/*  A fast writer filling the pipe many times over: the child's end of the
    pipe must stay blocking (it must wait for us, not fail with EAGAIN). */
static void
test_large_output_complete (void **state)
{
    (void) state;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sh");
    fo_strv_push (&argv, "-c");
    fo_strv_push (&argv, "head -c 5000000 /dev/zero");
    fo_proc_spec spec = { .argv = &argv, .output_cap = 8u * 1024 * 1024,
                          .timeout_ms = 9000 };
    char err[256];
    fo_proc *proc = fo_proc_start (&spec, err, sizeof err);
    assert_non_null (proc);
    drive (proc, 9500);
    assert_true (fo_proc_status_get (proc)->exited);
    assert_int_equal (fo_proc_status_get (proc)->exit_code, 0);
    assert_int_equal (fo_proc_stdout (proc)->total, 5000000);
    assert_int_equal (fo_capture_dropped (fo_proc_stdout (proc)), 0);
    fo_proc_destroy (&proc);
    assert_null (proc);
    fo_strv_free (&argv);
}

static void
test_stdout_closed_early (void **state)
{
    (void) state;
    run_result r;
    run_sh (&r, "exec 1>&-; sleep 0.2; echo x >&2", 5000);
    assert_true (r.status.exited);
    assert_int_equal (r.status.exit_code, 0);
    assert_false (r.status.timed_out);
    assert_string_equal (text (&r.out), "");
    assert_string_equal (text (&r.err), "x\n");
    result_free (&r);
}

static void
test_own_process_group_and_kill (void **state)
{
    (void) state;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sh");
    fo_strv_push (&argv, "-c");
    fo_strv_push (&argv, "echo started; sleep 30");
    fo_proc_spec spec = { .argv = &argv };
    char err[256];
    fo_proc *proc = fo_proc_start (&spec, err, sizeof err);
    assert_non_null (proc);
    pid_t pid = fo_proc_pid (proc);
    assert_int_equal (getpgid (pid), pid);
    assert_int_not_equal (getpgid (pid), getpgrp ());
    assert_int_equal (fo_proc_deadline_ms (proc), UINT64_MAX);
    assert_false (fo_proc_service (proc));

    fo_proc_kill (proc);
    drive (proc, 9000);
    const fo_proc_status *st = fo_proc_status_get (proc);
    assert_false (st->exited);
    assert_int_equal (st->signal, SIGTERM);
    assert_false (st->timed_out);
    int fds[3];
    assert_int_equal (fo_proc_pollfds (proc, fds), 0);
    fo_proc_destroy (&proc);
    fo_strv_free (&argv);
}

/*  Destroying a running process kills and reaps it, without blocking long. */
static void
test_destroy_running (void **state)
{
    (void) state;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sleep");
    fo_strv_push (&argv, "30");
    fo_proc_spec spec = { .argv = &argv };
    char err[256];
    fo_proc *proc = fo_proc_start (&spec, err, sizeof err);
    assert_non_null (proc);
    pid_t pid = fo_proc_pid (proc);
    fo_proc_destroy (&proc);
    assert_null (proc);
    assert_int_equal (kill (pid, 0), -1);      /* reaped by us: gone */
    assert_int_equal (errno, ESRCH);
    fo_strv_free (&argv);
}

/*  The child gets a clean signal state whatever we block or ignore. */
static void
test_signal_state_reset (void **state)
{
    (void) state;
    sigset_t block, old;
    sigemptyset (&block);
    sigaddset (&block, SIGUSR1);
    sigaddset (&block, SIGTERM);
    sigprocmask (SIG_BLOCK, &block, &old);
    struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe, old_chld;
    sigaction (SIGPIPE, &ign, &old_pipe);
    /* SIGCHLD ignored too, without fo_proc_signals_changed: reset anyway. */
    sigaction (SIGCHLD, &ign, &old_chld);

    run_result r;
    const char *args[] = { "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL };
    run_argv (&r, args, NULL, NULL, 0, 5000);
    sigprocmask (SIG_SETMASK, &old, NULL);
    sigaction (SIGPIPE, &old_pipe, NULL);
    sigaction (SIGCHLD, &old_chld, NULL);
    assert_int_equal (r.rc, 0);
    unsigned long long blocked = 1, ignored = 1;
    assert_int_equal (sscanf (text (&r.out), "SigBlk: %llx SigIgn: %llx", &blocked, &ignored), 2);
    assert_int_equal (blocked, 0);
    /* Only signals 1..31: the real-time signals 32 and 33 are glibc's
       own (its posix_spawn, used before, left them ignored). */
    assert_int_equal (ignored & 0x7fffffffull, 0);
    result_free (&r);
}

/*  Broker and agent spawn from different threads of one process: each
    thread must get exactly its own children's output. */
static void *
spawn_many (void *arg)
{
    int id = *(int *) arg;
    for (int i = 0; i < 25; i++) {
        char tag[32];
        snprintf (tag, sizeof tag, "t%d-%d", id, i);
        const char *args[] = { "sh", "-c", "printf %s \"$1\"; printf e%s \"$1\" >&2",
                               "sh", tag, NULL };
        run_result r;
        run_argv (&r, args, NULL, NULL, 0, 9000);
        bool ok = r.rc == 0 && r.status.exited && r.status.exit_code == 0
                  && strcmp (text (&r.out), tag) == 0 && text (&r.err)[0] == 'e'
                  && strcmp (text (&r.err) + 1, tag) == 0;
        result_free (&r);
        if (!ok)
            return (void *) 1;
    }
    return NULL;
}

static void
test_threads (void **state)
{
    (void) state;
    enum { THREADS = 4 };
    pthread_t threads[THREADS];
    int ids[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ids[i] = i;
        assert_int_equal (pthread_create (&threads[i], NULL, spawn_many, &ids[i]), 0);
    }
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        void *res;
        pthread_join (threads[i], &res);
        failed += res != NULL;
    }
    assert_int_equal (failed, 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_exit_codes),
        cmocka_unit_test (test_stdout_stderr_separate),
        cmocka_unit_test (test_env_overrides),
        cmocka_unit_test (test_cwd),
        cmocka_unit_test (test_cannot_run),
        cmocka_unit_test (test_bad_cwd),
        cmocka_unit_test (test_exec_fails_in_child),
        cmocka_unit_test (test_std_fds_closed),
        cmocka_unit_test (test_killed_by_signal),
        cmocka_unit_test (test_signal_names),
        cmocka_unit_test (test_timeout),
        cmocka_unit_test (test_timeout_never_early),
        cmocka_unit_test (test_timeout_ignored_term),
        cmocka_unit_test (test_grandchild_killed),
        cmocka_unit_test (test_output_capped),
        cmocka_unit_test (test_large_output_complete),
        cmocka_unit_test (test_stdout_closed_early),
        cmocka_unit_test (test_own_process_group_and_kill),
        cmocka_unit_test (test_destroy_running),
        cmocka_unit_test (test_signal_state_reset),
        cmocka_unit_test (test_threads),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
