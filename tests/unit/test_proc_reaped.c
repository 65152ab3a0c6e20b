/*  fo_proc when something else reaped its child (SIGCHLD set to SIG_IGN,
    a waitpid(-1) elsewhere): it must not signal the process group id its
    child had, which may belong to an unrelated process by then, and its
    status is lost, never a pass; fo_reaper_own_children undoes a SIGCHLD
    ignored by whoever started us.

    To make that id reused for sure, the test runs in a new PID namespace
    (with a new user namespace, so no privilege is needed), where
    /proc/sys/kernel/ns_last_pid chooses the next pid. Skipped where such
    namespaces cannot be made.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_proc.h"
#include "fo_reaper.h"
#include "fo_spawner.h"

enum {
    OK = 0,
    CANNOT = 77,                /* no namespaces here: a failure, never a silent skip */
    STRANGER_KILLED = 10,       /* the bug */
    STATUS_INVENTED = 11,       /* a status of the stranger reported as ours */
    SETUP_FAILED = 12,
};

static int
set_last_pid (pid_t pid)
{
    int fd = open ("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    if (fd < 0)
        return -1;
    char buf[32];
    int n = snprintf (buf, sizeof buf, "%d", (int) pid);
    ssize_t w = write (fd, buf, (size_t) n);
    close (fd);
    return w == n ? 0 : -1;
}

/*  pid 1 of the new namespace. */
/*  Our child `old` (p's) has been reaped by someone else: its pid goes to
    an unrelated process leading its own group, then p is killed (as at
    its timeout) and ends. Neither may reach the stranger, and p's status
    must be lost, not one made up. Destroys p; the result. */
static int
stranger_takes_the_pid (fo_proc *p, pid_t old)
{
    int rc = OK;
    if (set_last_pid (old - 1) != 0)
        rc = CANNOT;
    pid_t stranger = rc == OK ? fork () : -1;
    if (stranger == 0) {
        setpgid (0, 0);
        alarm (30);
        for (;;)
            pause ();
    }
    if (rc == OK && stranger != old)
        rc = SETUP_FAILED;
    if (rc == OK) {
        setpgid (stranger, stranger);   /* whichever of us comes first */
        fo_proc_kill (p);
        bool finished = false;
        for (int i = 0; i < 100 && !finished; i++) {
            finished = fo_proc_service (p);
            if (!finished)
                usleep (10000);
        }
        if (finished && !fo_proc_status_get (p)->lost)
            rc = STATUS_INVENTED;
    }
    fo_proc_destroy (&p);
    if (stranger > 0) {
        if (rc != SETUP_FAILED && waitpid (stranger, NULL, WNOHANG) != 0)
            rc = STRANGER_KILLED;
        kill (stranger, SIGKILL);
        waitpid (stranger, NULL, 0);
    }
    return rc;
}

static fo_strv sleep_argv;

static int
in_namespace (void)
{
    fo_strv_push (&sleep_argv, "sleep");
    fo_strv_push (&sleep_argv, "30");
    fo_proc_spec spec = { .argv = &sleep_argv };
    char why[256];
    fo_proc *p = fo_proc_start (&spec, why, sizeof why);
    if (!p)
        return SETUP_FAILED;
    pid_t old = fo_proc_pid (p);
    kill (old, SIGKILL);
    if (waitpid (old, NULL, 0) != old)          /* someone else reaps our child */
        return SETUP_FAILED;
    return stranger_takes_the_pid (p, old);
}

/*  The same for a lane's child (fo_proc_start_lane), reaped elsewhere
    after its lane saw it a zombie. This process never promised that only
    fo_proc reaps (fo_reaper_own_children): the child has a pidfd, which
    names it whatever became of its pid. */
static int
lane_in_namespace (void)
{
    fo_spawner *lanes = fo_spawner_new_lanes (2);
    if (!lanes)
        return SETUP_FAILED;
    fo_strv_push (&sleep_argv, "sleep");
    fo_strv_push (&sleep_argv, "30");
    fo_proc_spec spec = { .argv = &sleep_argv };
    char why[256];
    fo_proc *p = fo_proc_start_lane (lanes, 0, &spec, why, sizeof why);
    if (!p)
        return SETUP_FAILED;
    pid_t old = 0;
    for (int i = 0; i < 500 && !(old = fo_proc_pid (p)); i++)
        usleep (2000);
    if (!old)
        return SETUP_FAILED;
    kill (old, SIGKILL);
    /* The lane's wait sees the zombie (WNOWAIT) before we reap it. */
    siginfo_t info;
    if (waitid (P_PID, (id_t) old, &info, WEXITED | WNOWAIT) != 0)
        return SETUP_FAILED;
    usleep (100000);            /* either order must be safe; this one is the case */
    if (waitpid (old, NULL, 0) != old)
        return SETUP_FAILED;
    int rc = stranger_takes_the_pid (p, old);
    fo_spawner_destroy (&lanes);
    return rc;
}

/*  Runs body as pid 1 of a new PID namespace; its result. */
static int
in_new_pid_namespace (int (*body) (void))
{
    pid_t outer = fork ();
    assert_true (outer >= 0);
    if (outer == 0) {
        if (unshare (CLONE_NEWUSER | CLONE_NEWPID) != 0 && unshare (CLONE_NEWPID) != 0)
            _exit (CANNOT);
        pid_t init = fork ();           /* the namespace's first process */
        if (init < 0)
            _exit (CANNOT);
        if (init == 0)
            _exit (body ());
        int st = 0;
        while (waitpid (init, &st, 0) < 0 && errno == EINTR)
            ;
        _exit (WIFEXITED (st) ? WEXITSTATUS (st) : SETUP_FAILED);
    }
    int st = 0;
    assert_int_equal (waitpid (outer, &st, 0), outer);
    assert_true (WIFEXITED (st));
    if (WEXITSTATUS (st) == CANNOT)
        fail_msg ("cannot create a PID namespace here (unshare CLONE_NEWUSER|CLONE_NEWPID): "
                  "this test needs one; it would otherwise test nothing");
    return WEXITSTATUS (st);
}

static void
test_lane_no_signal_after_reaped_elsewhere (void **state)
{
    (void) state;
    int rc = in_new_pid_namespace (lane_in_namespace);
    assert_int_not_equal (rc, STRANGER_KILLED);
    assert_int_not_equal (rc, STATUS_INVENTED);
    assert_int_equal (rc, OK);
}

static void
test_no_signal_after_reaped_elsewhere (void **state)
{
    (void) state;
    int rc = in_new_pid_namespace (in_namespace);
    assert_int_not_equal (rc, STRANGER_KILLED);
    assert_int_not_equal (rc, STATUS_INVENTED);
    assert_int_equal (rc, OK);
}

/*  /bin/false with SIGCHLD ignored: the kernel reaps it, so its status
    is lost, and says so (it used to read as exit status 0, a pass); once
    fo_reaper_own_children has put SIGCHLD back, its status is ours. */
static void
test_status_lost_when_sigchld_ignored (void **state)
{
    (void) state;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "/bin/false");
    fo_proc_spec spec = { .argv = &argv };
    fo_proc_status st;
    char why[256];

    assert_false (fo_reaper_own_children ());   /* nothing to change yet */
    signal (SIGCHLD, SIG_IGN);
    assert_int_equal (fo_proc_run_sync (&spec, &st, NULL, NULL, why, sizeof why), 0);
    assert_true (st.lost);
    assert_false (st.exited);
    assert_int_equal (st.signal, 0);
    char *text = fo_proc_status_text (&st, 0);
    assert_string_equal (text, FO_PROC_STATUS_LOST_TEXT);
    free (text);

    assert_true (fo_reaper_own_children ());
    struct sigaction now;
    assert_int_equal (sigaction (SIGCHLD, NULL, &now), 0);
    assert_true (now.sa_handler == SIG_DFL);
    assert_int_equal (fo_proc_run_sync (&spec, &st, NULL, NULL, why, sizeof why), 0);
    assert_false (st.lost);
    assert_true (st.exited);
    assert_int_equal (st.exit_code, 1);

    /* SA_NOCLDWAIT has the same effect with a handler left at default. */
    struct sigaction nowait = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
    sigemptyset (&nowait.sa_mask);
    assert_int_equal (sigaction (SIGCHLD, &nowait, NULL), 0);
    assert_true (fo_reaper_own_children ());
    assert_int_equal (sigaction (SIGCHLD, NULL, &now), 0);
    assert_false (now.sa_flags & SA_NOCLDWAIT);
    assert_int_equal (fo_proc_run_sync (&spec, &st, NULL, NULL, why, sizeof why), 0);
    assert_true (st.exited);
    assert_int_equal (st.exit_code, 1);
    fo_strv_free (&argv);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_no_signal_after_reaped_elsewhere),
        cmocka_unit_test (test_lane_no_signal_after_reaped_elsewhere),
        cmocka_unit_test (test_status_lost_when_sigchld_ignored),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
