/*  fo_proc under a storm of signals to fanout's process group.

    timeout(1), CI runners and a terminal's Ctrl-C signal fanout's whole
    process group. A child fo_proc starts is in that group until it has
    moved to its own; a group signal landing in that moment must not reach
    the test it is about to become (it once killed about half of the
    processes spawned during such a storm: the signal stayed pending while
    the child had every signal blocked, and killed it when the mask was
    restored).

    The storm must hit only processes of this test: a child of the test
    program leads a new process group, starts a helper in it that sends
    SIGINT to the group without pause, and spawns processes meanwhile. It
    handles SIGINT itself (as fanout does) and reports through a pipe.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_proc.h"

#define SPAWNS 300

typedef struct {
    int spawned;            /* started and ran to their end */
    int killed_by_sigint;   /* the bug */
    int other_failures;     /* could not start, or ended otherwise than exit 0 */
    int interrupts;         /* SIGINTs the spawner got while spawning */
} storm_result;

static volatile sig_atomic_t interrupts;

static void
on_sigint (int sig)
{
    (void) sig;
    interrupts++;
}

/*  The helper: SIGINT to its process group, as fast as it can, until its
    parent goes. */
static void
storm (pid_t parent)
{
    signal (SIGINT, SIG_IGN);
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    while (getppid () == parent)
        kill (0, SIGINT);
    _exit (0);
}

static void
spawner (int report_fd)
{
    storm_result res = { 0 };
    if (setpgid (0, 0) != 0)
        _exit (1);
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESTART;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGINT, &sa, NULL);

    pid_t self = getpid ();
    pid_t helper = fork ();
    if (helper < 0)
        _exit (1);
    if (helper == 0)
        storm (self);
    while (interrupts == 0)         /* the storm is on */
        usleep (1000);
    sig_atomic_t before = interrupts;

    fo_strv argv = { 0 };
    fo_strv_push (&argv, "/bin/true");
    fo_proc_spec spec = { .argv = &argv, .timeout_ms = 60000 };
    for (int i = 0; i < SPAWNS; i++) {
        fo_proc_status st;
        char err[256];
        if (fo_proc_run_sync (&spec, &st, NULL, NULL, err, sizeof err) != 0)
            res.other_failures++;
        else if (st.signal == SIGINT)
            res.killed_by_sigint++;
        else if (st.exited && st.exit_code == 0)
            res.spawned++;
        else
            res.other_failures++;
    }
    res.interrupts = (int) (interrupts - before);
    fo_strv_free (&argv);

    kill (helper, SIGKILL);
    while (waitpid (helper, NULL, 0) < 0 && errno == EINTR)
        ;
    ssize_t n = write (report_fd, &res, sizeof res);
    _exit (n == (ssize_t) sizeof res ? 0 : 1);
}

static void
test_group_signal_while_spawning (void **state)
{
    (void) state;
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (fds[0]);
        spawner (fds[1]);
    }
    close (fds[1]);
    storm_result res;
    memset (&res, 0, sizeof res);
    ssize_t n;
    while ((n = read (fds[0], &res, sizeof res)) < 0 && errno == EINTR)
        ;
    close (fds[0]);
    int wstatus = 0;
    assert_int_equal (waitpid (pid, &wstatus, 0), pid);
    assert_true (WIFEXITED (wstatus));
    assert_int_equal (WEXITSTATUS (wstatus), 0);
    assert_int_equal (n, (ssize_t) sizeof res);

    print_message ("%d spawned, %d killed by SIGINT, %d other failures, %d interrupts\n",
                   res.spawned, res.killed_by_sigint, res.other_failures, res.interrupts);
    assert_true (res.interrupts > 0);       /* the storm went on while we spawned */
    assert_int_equal (res.killed_by_sigint, 0);
    assert_int_equal (res.other_failures, 0);
    assert_int_equal (res.spawned, SPAWNS);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_group_signal_while_spawning),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
