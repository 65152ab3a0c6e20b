/*  fo_pyfork — see fo_pyfork.h.

    Why it is built this way:
    - A socket pair (SOCK_SEQPACKET): no name in the file system for
      another user to reach, and one datagram per message, so a request
      and its two descriptors (SCM_RIGHTS) arrive together or not at all.
    - The request is made without fo_reaper's lock, in one round trip
      (other threads spawn and sweep meanwhile: a fork takes the server a
      while on a busy host). The child is re-parented to us before the
      answer, but waits on a gate (a pipe we write "g" to) until we have
      tracked its pid: a sweep of adopted orphans may see it, but never
      reaps it (it cannot have exited), and kills only what carries a
      finished scope's token, which it does not (its environment, as
      /proc shows it, is the discovery's).
    - One mutex of our own around each exchange: fo_proc spawns from
      several threads (the broker's, the local agent's) and one request
      must meet its own answer.
*/
#include "fo_pyfork.h"
#include "fo_reaper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_log.h"
#include "fo_util.h"

#define MAX_REPLY 512

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static bool allowed;
static bool at_exit_set;
static int sock = -1;           /* our end; -1: no server */
static int passed = -1;         /* the discovery's end, until fo_pyfork_end */
static pid_t server;            /* 0: none adopted */
static char *interp, *helper;

void
fo_pyfork_allow (bool allow)
{
    pthread_mutex_lock (&mutex);
    allowed = allow;
    pthread_mutex_unlock (&mutex);
}

pid_t
fo_pyfork_server_pid (void)
{
    pthread_mutex_lock (&mutex);
    pid_t pid = server;
    pthread_mutex_unlock (&mutex);
    return pid;
}

static void
close_fd (int *fd)
{
    if (*fd >= 0) {
        close (*fd);
        *fd = -1;
    }
}

/* What the server said, printable (bytes outside ASCII's printable
   range become '?'). */
static void
shown (char *out, size_t outlen, const char *text)
{
    size_t i = 0;
    for (; text[i] && i + 1 < outlen; i++)
        out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    if (outlen)
        out[i] = '\0';
}

/* Is pid our child (alive or a zombie not reaped)? */
static bool
is_our_child (pid_t pid)
{
    siginfo_t info;
    memset (&info, 0, sizeof info);
    return waitid (P_PID, (id_t) pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* Waits up to ms for our child pid to exit, kills it after, reaps it. */
static void
end_child (pid_t pid, int ms)
{
    for (int waited = 0;; waited += 10) {
        siginfo_t info;
        memset (&info, 0, sizeof info);
        if (waitid (P_PID, (id_t) pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
            return;                                 /* not ours (any more) */
        if (info.si_pid == pid)
            break;                                  /* exited */
        if (waited >= ms) {
            kill (pid, SIGKILL);
            break;
        }
        usleep (10 * 1000);
    }
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/*  With the mutex held: the server failed. No more requests; it is killed now and
    reaped by fo_pyfork_shutdown. */
static void
break_server (const char *why)
{
    fo_log (FO_LOG_WARN, "python", "the fork server of the Python discovery %s: Python "
            "workers and fixtures start as new processes from now on", why);
    close_fd (&sock);
    if (server > 0)
        kill (server, SIGKILL);     /* tracked: a zombie until reaped, its pid not reused */
}

/* The mutex held: forget a server never adopted. */
static void
forget (void)
{
    close_fd (&sock);
    free (interp);
    free (helper);
    interp = helper = NULL;
}

static void
at_exit (void)
{
    fo_pyfork_shutdown ();
}

int
fo_pyfork_begin (const char *interpreter, const char *helper_dir)
{
    int fds[2] = { -1, -1 };
    pthread_mutex_lock (&mutex);
    if (allowed && sock < 0 && passed < 0
        && socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0) {
        sock = fds[0];
        passed = fds[1];
        interp = fo_xstrdup (interpreter);
        helper = fo_xstrdup (helper_dir);
    }
    int fd = passed;
    pthread_mutex_unlock (&mutex);
    return fd;
}

/* "ready PID" within ms, from the helper that just exited: the pid, or 0. */
static pid_t
read_ready (int ms, char *why, size_t whylen)
{
    struct pollfd p = { .fd = sock, .events = POLLIN };
    char text[MAX_REPLY + 1];
    if (poll (&p, 1, ms) != 1) {
        snprintf (why, whylen, "did not start");
        return 0;
    }
    ssize_t n = recv (sock, text, MAX_REPLY, MSG_DONTWAIT);
    if (n <= 0) {
        snprintf (why, whylen, "did not start");
        return 0;
    }
    text[n] = '\0';
    char *end = NULL;
    long pid = strncmp (text, "ready ", 6) == 0 ? strtol (text + 6, &end, 10) : 0;
    if (pid <= 0 || pid > INT_MAX || !end || *end) {
        shown (why, whylen, strncmp (text, "declined ", 9) == 0 ? text + 9 : text);
        return 0;
    }
    return (pid_t) pid;
}

void
fo_pyfork_end (bool ok)
{
    pthread_mutex_lock (&mutex);
    close_fd (&passed);
    if (sock >= 0 && server == 0) {
        char why[MAX_REPLY + 64] = "";
        pid_t pid = ok ? read_ready (1000, why, sizeof why) : 0;
        /* It must be ours to watch and reap: re-parented to us when the
           discovery exited, which needs us to be a child subreaper.
           fo_reaper's lock inside ours, only around the check and the
           tracking, as fo_pyfork_spawn takes them: one order for both. */
        bool ours = false;
        if (pid > 0) {
            fo_reaper_lock ();
            ours = is_our_child (pid);
            if (ours)
                fo_reaper_track (pid);
            fo_reaper_unlock ();
        }
        if (pid > 0 && !ours) {
            /* Never signalled: a pid we cannot wait for may be anyone's.
               A real server exits once our end is closed (forget). */
            snprintf (why, sizeof why, "the server is not this process's child");
            pid = 0;
        }
        if (pid > 0) {
            server = pid;
            fo_log (FO_LOG_DEBUG, "python", "fork server %d: Python workers and fixtures are "
                    "forked from the discovery", (int) pid);
            if (!at_exit_set)
                atexit (at_exit);
            at_exit_set = true;
        }
        else {
            if (ok && why[0])
                fo_log (FO_LOG_INFO, "python", "no fork server (%s): Python workers and "
                        "fixtures start as new processes", why);
            forget ();
        }
    }
    pthread_mutex_unlock (&mutex);
}

/* The request: "fork\0CWD\0ARGC\0ARG\0...ENV\0...". false: too large. */
static bool
build_request (fo_buf *msg, char *const *argv, char *const *envp, const char *cwd)
{
    char here[PATH_MAX];
    if (!cwd || !*cwd)
        cwd = getcwd (here, sizeof here) ? here : "/";
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char count[24];
    snprintf (count, sizeof count, "%zu", argc);
    fo_buf_append (msg, "fork", 5);
    fo_buf_append (msg, cwd, strlen (cwd) + 1);
    fo_buf_append (msg, count, strlen (count) + 1);
    for (size_t i = 0; i < argc && msg->len <= FO_PYFORK_MAX_MESSAGE; i++)
        fo_buf_append (msg, argv[i], strlen (argv[i]) + 1);
    for (size_t i = 0; envp && envp[i] && msg->len <= FO_PYFORK_MAX_MESSAGE; i++)
        fo_buf_append (msg, envp[i], strlen (envp[i]) + 1);
    return msg->len <= FO_PYFORK_MAX_MESSAGE;
}

static int
send_request (const fo_buf *msg, int out_fd, int err_fd, int gate)
{
    int fds[3] = { out_fd, err_fd, gate };
    union {
        char buf[CMSG_SPACE (sizeof fds)];
        struct cmsghdr align;
    } control;
    memset (&control, 0, sizeof control);
    struct iovec iov = { .iov_base = msg->data, .iov_len = msg->len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR (&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN (sizeof fds);
    memcpy (CMSG_DATA (c), fds, sizeof fds);
    ssize_t n;
    while ((n = sendmsg (sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t) msg->len ? 0 : -1;
}

/* One answer within FO_PYFORK_REPLY_MS into text (NUL-terminated):
   NULL, or why the server is lost. */
static const char *
receive (char text[MAX_REPLY + 1])
{
    struct pollfd p = { .fd = sock, .events = POLLIN };
    int ready;
    while ((ready = poll (&p, 1, FO_PYFORK_REPLY_MS)) < 0 && errno == EINTR)
        ;
    ssize_t n = ready == 1 ? recv (sock, text, MAX_REPLY, MSG_DONTWAIT) : -1;
    if (n <= 0)
        return ready == 1 ? "is gone" : "did not answer in time";
    text[n] = '\0';
    return NULL;
}

int
fo_pyfork_spawn (char *const *argv, char *const *envp, const char *cwd, int out_fd, int err_fd,
                 pid_t *pid)
{
    pthread_mutex_lock (&mutex);
    if (sock < 0 || server == 0 || !argv[0] || !argv[1] || !argv[2]
        || strcmp (argv[0], interp) != 0 || strcmp (argv[1], helper) != 0) {
        pthread_mutex_unlock (&mutex);
        return -1;
    }
    fo_buf msg = { 0 };
    int rc = -1;
    if (!build_request (&msg, argv, envp, cwd)) {
        fo_log (FO_LOG_DEBUG, "python", "a request of more than %u bytes: spawned",
                FO_PYFORK_MAX_MESSAGE);
        goto done;
    }
    /* The child waits on the gate until we have tracked it. */
    int gate[2];
    if (pipe2 (gate, O_CLOEXEC) != 0)
        goto done;
    int sent = send_request (&msg, out_fd, err_fd, gate[0]);
    close (gate[0]);
    if (sent != 0) {
        char why[128];
        snprintf (why, sizeof why, "cannot be reached (%s)", strerror (errno));
        break_server (why);
        close (gate[1]);
        goto done;
    }
    char text[MAX_REPLY + 1];
    const char *lost = receive (text);
    char *end = NULL;
    long child = !lost && strncmp (text, "pid ", 4) == 0 ? strtol (text + 4, &end, 10) : 0;
    if (lost)
        break_server (lost);
    else if (child <= 0 || child > INT_MAX || !end || *end) {
        /* "error ...": this request only (a cwd that is not there: the
           spawn says so in its own words); nonsense: the same. */
        char said[MAX_REPLY + 1];
        shown (said, sizeof said, text);
        fo_log (FO_LOG_DEBUG, "python", "fork server: %s: spawned", said);
    }
    else {
        /* Re-parented to us before the answer: ours, or the server lies. */
        fo_reaper_lock ();
        bool ours = is_our_child ((pid_t) child);
        if (ours)
            fo_reaper_track ((pid_t) child);
        fo_reaper_unlock ();
        if (ours && write (gate[1], "g", 1) == 1) {
            *pid = (pid_t) child;
            rc = 0;
        }
        else if (ours) {
            /* It cannot start: it exits at end of file on the gate, and
               fo_proc never knew it, so we reap it. */
            close (gate[1]);
            gate[1] = -1;
            while (waitpid ((pid_t) child, NULL, 0) < 0 && errno == EINTR)
                ;
            fo_reaper_untrack ((pid_t) child);
        }
        else
            /* Not signalled (it may be anyone's); a real child of the
               server sees end of file on the gate and exits. */
            break_server ("forked a process that is not this one's child");
    }
    if (gate[1] >= 0)
        close (gate[1]);
done:
    fo_buf_free (&msg);
    pthread_mutex_unlock (&mutex);
    return rc;
}

void
fo_pyfork_shutdown (void)
{
    pthread_mutex_lock (&mutex);
    close_fd (&passed);
    pid_t pid = server;
    bool told = sock >= 0;          /* end of file: it exits on its own */
    forget ();
    server = 0;
    pthread_mutex_unlock (&mutex);
    /* Outside our mutex: untracking takes fo_reaper's lock. */
    if (pid > 0) {
        end_child (pid, told ? FO_PYFORK_EXIT_MS : 0);
        fo_reaper_untrack (pid);
    }
}
