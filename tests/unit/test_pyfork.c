/*  fo_pyfork against servers of our own making (the real one, Python's
    forkserver.py, is run by tests/integration/test_python_fork.sh): the
    request's format and descriptors, the double fork that makes the child
    ours (this process is a child subreaper, as fanout is), and every way
    a server can fail — declining, a pid that is not our child, nonsense,
    dying — ends in a spawn that falls back (-1), never in a hang or a
    signal sent to a stranger.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_pyfork.h"
#include "fo_reaper.h"

#define PY "/usr/bin/python3"
#define HELPER "/h/fanout_nose"

static char *const good_argv[] = { PY, HELPER, "worker", NULL };
static char *const good_envp[] = { "A=1", NULL };
static const char good_request[] = "fork\0/\0" "3\0" PY "\0" HELPER "\0worker\0A=1";

typedef enum { FAKE_GOOD, FAKE_DECLINE, FAKE_STRANGER, FAKE_NONSENSE, FAKE_DIE } fake_kind;

static void
say (int fd, const char *text)
{
    if (send (fd, text, strlen (text), 0) < 0)
        _exit (90);
}

/* Receives one request: its length (0 at end of file), fds[3]. */
static ssize_t
receive (int fd, char *buf, size_t len, int fds[3])
{
    union {
        char buf[CMSG_SPACE (3 * sizeof (int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf };
    ssize_t n = recvmsg (fd, &mh, 0);
    fds[0] = fds[1] = fds[2] = -1;
    struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
    if (c && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (3 * sizeof (int)))
        memcpy (fds, CMSG_DATA (c), 3 * sizeof (int));
    return n;
}

/* forkserver.py's double fork, in C: the child waits for "g" on the
   gate, writes "hello" to its stdout fd and exits 3; the server answers
   its pid once the intermediate has exited. */
static void
fork_child (int sock, int out, int gate)
{
    int p[2];
    if (pipe (p) != 0)
        _exit (91);
    pid_t mid = fork ();
    if (mid == 0) {
        pid_t child = fork ();
        if (child == 0) {
            setpgid (0, 0);
            char g = 0;
            if (read (gate, &g, 1) != 1 || g != 'g')
                _exit (97);
            if (write (out, "hello", 5) != 5)
                _exit (92);
            _exit (3);
        }
        if (write (p[1], &child, sizeof child) != sizeof child)
            _exit (93);
        _exit (0);
    }
    pid_t child = 0;
    if (read (p[0], &child, sizeof child) != sizeof child)
        _exit (94);
    waitpid (mid, NULL, 0);
    char text[64];
    snprintf (text, sizeof text, "pid %d", (int) child);
    say (sock, text);
    close (p[0]);
    close (p[1]);
}

static void
serve (int sock, fake_kind kind)
{
    char text[64];
    if (kind == FAKE_DECLINE) {
        say (sock, "declined a module started threads at import");
        _exit (0);
    }
    snprintf (text, sizeof text, "ready %d", (int) getpid ());
    say (sock, text);
    if (kind == FAKE_DIE)
        _exit (0);
    static char buf[FO_PYFORK_MAX_MESSAGE + 1];
    for (int round = 0;; round++) {
        int fds[3];
        ssize_t n = receive (sock, buf, sizeof buf, fds);
        if (n <= 0)
            _exit (0);
        if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0)
            say (sock, "error no descriptors");
        else if ((size_t) n != sizeof good_request || memcmp (buf, good_request, (size_t) n))
            say (sock, "error not the request expected");
        else if (kind == FAKE_STRANGER && round == 0)
            say (sock, "nonsense");
        else if (kind == FAKE_STRANGER)
            say (sock, "pid 1");
        else if (kind == FAKE_NONSENSE)
            say (sock, "pid 12abc");
        else
            fork_child (sock, fds[0], fds[2]);
        for (int i = 0; i < 3; i++)
            close (fds[i]);
    }
}

/* A server of kind `kind` handed the discovery's fd, adopted. */
static pid_t
start_fake (fake_kind kind)
{
    fo_pyfork_allow (true);
    int fd = fo_pyfork_begin (PY, HELPER);
    assert_true (fd >= 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        /* As exec would (close-on-exec): not our end of the pair, so
           that the server sees end of file when fo_pyfork closes it. */
        for (int other = 3; other < 1024; other++)
            if (other != fd)
                close (other);
        serve (fd, kind);
    }
    fo_pyfork_end (true);
    return pid;
}

static int
spawn (char *const *argv, char *const *envp, int pipe_fds[2], pid_t *pid)
{
    assert_int_equal (pipe (pipe_fds), 0);
    int rc = fo_pyfork_spawn (argv, envp, "/", pipe_fds[1], pipe_fds[1], pid);
    close (pipe_fds[1]);
    return rc;
}

/* A spawn of argv, with the good environment, that fo_pyfork does not
   take: the caller falls back to spawning it itself (-1). */
static void
expect_fallback (char *const *argv)
{
    int p[2];
    pid_t pid = 0;
    assert_int_equal (spawn (argv, good_envp, p, &pid), -1);
    close (p[0]);
}

/* Shuts the fork server down: no server is left, and the fake one has
   ended and been reaped (it is no child of ours any more). */
static void
expect_shutdown_reaps (pid_t fake)
{
    fo_pyfork_shutdown ();
    assert_int_equal (fo_pyfork_server_pid (), 0);
    errno = 0;
    assert_int_equal (waitpid (fake, NULL, WNOHANG), -1);
    assert_int_equal (errno, ECHILD);
}

/* Reaps a forked child, untracks it (as fo_proc does). */
static void
reap (pid_t pid, int *st)
{
    assert_int_equal (waitpid (pid, st, 0), pid);     /* ours: re-parented to us */
    fo_reaper_untrack (pid);
}

static void
test_not_allowed (void **state)
{
    (void) state;
    fo_pyfork_allow (false);
    assert_int_equal (fo_pyfork_begin (PY, HELPER), -1);
    expect_fallback (good_argv);
}

static void
test_declined (void **state)
{
    (void) state;
    pid_t fake = start_fake (FAKE_DECLINE);
    assert_int_equal (fo_pyfork_server_pid (), 0);
    assert_int_equal (waitpid (fake, NULL, 0), fake);
}

static void
test_forks_our_child (void **state)
{
    (void) state;
    pid_t fake = start_fake (FAKE_GOOD);
    assert_int_equal (fo_pyfork_server_pid (), fake);
    for (int i = 0; i < 2; i++) {
        int p[2];
        pid_t pid = 0;
        assert_int_equal (spawn (good_argv, good_envp, p, &pid), 0);
        char buf[16] = "";
        assert_int_equal (read (p[0], buf, sizeof buf), 5);
        assert_memory_equal (buf, "hello", 5);
        close (p[0]);
        int st = 0;
        reap (pid, &st);
        assert_true (WIFEXITED (st));
        assert_int_equal (WEXITSTATUS (st), 3);
    }
    /* not the server's interpreter or helper: no request */
    char *const other[] = { "/usr/bin/python3.99", HELPER, "worker", NULL };
    char *const other_helper[] = { PY, "/elsewhere/fanout_nose", "worker", NULL };
    expect_fallback (other);
    expect_fallback (other_helper);
    /* a request over the limit is spawned; the server stays */
    int p[2];
    pid_t pid = 0;
    size_t big = FO_PYFORK_MAX_MESSAGE;
    char *huge = malloc (big + 3);
    assert_non_null (huge);
    memset (huge, 'x', big + 2);
    memcpy (huge, "B=", 2);
    huge[big + 2] = '\0';
    char *const big_envp[] = { huge, NULL };
    assert_int_equal (spawn (good_argv, big_envp, p, &pid), -1);
    close (p[0]);
    free (huge);
    assert_int_equal (fo_pyfork_server_pid (), fake);
    assert_int_equal (spawn (good_argv, good_envp, p, &pid), 0);
    close (p[0]);
    int st = 0;
    reap (pid, &st);
    /* the end: the server sees end of file, exits and is reaped */
    expect_shutdown_reaps (fake);
}

static void
test_stranger_pid (void **state)
{
    (void) state;
    pid_t fake = start_fake (FAKE_STRANGER);
    /* nonsense: this spawn falls back, the server stays */
    expect_fallback (good_argv);
    assert_int_equal (fo_pyfork_server_pid (), fake);
    /* pid 1, not our child: falls back, not signalled; the server is done */
    expect_fallback (good_argv);
    expect_fallback (good_argv);
    expect_shutdown_reaps (fake);
}

static void
test_nonsense_pid (void **state)
{
    (void) state;
    pid_t fake = start_fake (FAKE_NONSENSE);
    expect_fallback (good_argv);
    expect_shutdown_reaps (fake);
}

static void
test_server_died (void **state)
{
    (void) state;
    pid_t fake = start_fake (FAKE_DIE);
    siginfo_t info;
    memset (&info, 0, sizeof info);
    /* dead before the first request (a zombie: fo_pyfork reaps it) */
    assert_int_equal (waitid (P_PID, (id_t) fake, &info, WEXITED | WNOWAIT), 0);
    expect_fallback (good_argv);
    expect_fallback (good_argv);
    expect_shutdown_reaps (fake);
}

static void
test_discovery_failed (void **state)
{
    (void) state;
    fo_pyfork_allow (true);
    int fd = fo_pyfork_begin (PY, HELPER);
    assert_true (fd >= 0);
    fo_pyfork_end (false);
    assert_int_equal (fo_pyfork_server_pid (), 0);
    /* the next discovery may try again */
    fd = fo_pyfork_begin (PY, HELPER);
    assert_true (fd >= 0);
    fo_pyfork_end (false);
}

int
main (void)
{
    /* As fanout: a forked child is re-parented to us. */
    if (fo_reaper_become_subreaper () != 0) {
        fprintf (stderr, "cannot become a child subreaper: %s\n", strerror (errno));
        return 1;
    }
    signal (SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_not_allowed),
        cmocka_unit_test (test_declined),
        cmocka_unit_test (test_forks_our_child),
        cmocka_unit_test (test_stranger_pid),
        cmocka_unit_test (test_nonsense_pid),
        cmocka_unit_test (test_server_died),
        cmocka_unit_test (test_discovery_failed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
