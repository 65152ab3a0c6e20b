/*  fo_spawn — see fo_spawn.h.

    The child's steps, in order, and why:
    1. setpgid (0, 0): out of fanout's process group first; from here on a
       signal to that group no longer reaches the child.
    2. SIGINT, SIGTERM, SIGHUP, SIGQUIT to SIG_IGN, then SIG_DFL: ignoring
       a signal discards it when pending, so one sent to fanout's group
       before step 1 is dropped here (the child has everything blocked).
    3. SIGPIPE, SIGCHLD and every other signal with a handler to SIG_DFL:
       a test must not inherit fanout's SIGPIPE ignored (nor a SIGCHLD
       ignored), and no handler of ours may run in a child that shares our
       memory once signals are unblocked. Signals ignored otherwise stay
       ignored, as with posix_spawn. Which signals have a handler is asked
       in the parent (one sigaction each) and kept for a second, or until
       fo_spawn_signals_changed: asking in every child cost each spawn 60
       system calls, 9 µs here, with nothing to reset in almost all of them
       (docs/performance-log.md, "a thread per slot"); step 2's signals,
       which have handlers, are not reset a second time (three sigactions
       a spawn). SIGPIPE and SIGCHLD are reset whatever that answer says:
       code that ignores them need not say so. A handler installed
       meanwhile by code that does not say so is still reset by execve itself; it could only run
       in a child sent its signal in the microseconds between the unblock
       and the exec, and SIGINT, SIGTERM, SIGHUP and SIGQUIT (the ones
       fanout handles and sends) are reset in every child anyway.
    4. stdin from /dev/null, stdout and stderr onto the capture pipes.
    5. chdir to cwd.
    6. The CPU affinity the spawning thread asked its children to have
       (fo_spawn_child_affinity: a lane's thread is pinned, its tests are
       not).
    7. An empty signal mask, then execve along the PATH (the search of
       glibc's posix_spawnp: EACCES is remembered and wins over ENOENT, any
       other error than "not here" ends the search; no /bin/sh fallback
       for a file without a #! line: that is ENOEXEC).
    A failing step stores its errno and stage in memory shared through
    vfork and exits 127; the parent reaps that child and returns the errno.
*/
#include "fo_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_util.h"

typedef struct {
    const fo_spawn_spec *spec;
    char *const *paths;         /* where to try argv[0], in order */
    int out_fd;                 /* >= 3: never clobbered by the dup2s */
    int err_fd;
    sigset_t handled;           /* the signals with a handler (handled_signals) */
    const cpu_set_t *affinity;  /* NULL, or set before the exec */
    volatile int err;           /* written by a failing child */
    volatile int stage;
} child_ctx;

/* ---------------------------------------------------------------------- */
/* In the child: async-signal-safe calls only, no allocation, no return. */

static void __attribute__ ((noreturn))
child_fail (child_ctx *c, fo_spawn_stage stage)
{
    c->stage = (int) stage;
    c->err = errno ? errno : EINVAL;
    _exit (127);
}

/* The signals fanout handles and sends to a group (step 2). */
static const int group_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static bool
is_group_signal (int sig)
{
    for (size_t i = 0; i < sizeof group_signals / sizeof group_signals[0]; i++)
        if (group_signals[i] == sig)
            return true;
    return false;
}

static void
child_signals (const sigset_t *handled)
{
    struct sigaction ign, dfl;
    memset (&ign, 0, sizeof ign);
    memset (&dfl, 0, sizeof dfl);
    sigemptyset (&ign.sa_mask);
    sigemptyset (&dfl.sa_mask);
    ign.sa_handler = SIG_IGN;
    dfl.sa_handler = SIG_DFL;

    /* Step 2 leaves these at SIG_DFL: step 3 does not set them again. */
    for (size_t i = 0; i < sizeof group_signals / sizeof group_signals[0]; i++) {
        sigaction (group_signals[i], &ign, NULL);
        sigaction (group_signals[i], &dfl, NULL);
    }
    sigaction (SIGPIPE, &dfl, NULL);
    sigaction (SIGCHLD, &dfl, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember (handled, sig) == 1 && !is_group_signal (sig) && sig != SIGPIPE
            && sig != SIGCHLD)
            sigaction (sig, &dfl, NULL);
}

static void
child_fds (child_ctx *c)
{
    int null = open ("/dev/null", O_RDONLY);
    if (null < 0)
        child_fail (c, FO_SPAWN_SETUP);
    if (null != STDIN_FILENO) {
        if (dup2 (null, STDIN_FILENO) < 0)
            child_fail (c, FO_SPAWN_SETUP);
        close (null);
    }
    /* dup2 clears close-on-exec on the copies; the originals close at exec. */
    if (dup2 (c->out_fd, STDOUT_FILENO) < 0 || dup2 (c->err_fd, STDERR_FILENO) < 0)
        child_fail (c, FO_SPAWN_SETUP);
    /* After the dup2s above: a copy of out_fd or err_fd at 3 is no longer
       needed. dup2 onto itself would keep close-on-exec. */
    int pass = c->spec->pass_fd;
    if (pass >= 0 && (pass == 3 ? fcntl (3, F_SETFD, 0) : dup2 (pass, 3)) < 0)
        child_fail (c, FO_SPAWN_SETUP);
}

static void __attribute__ ((noreturn))
child_exec (child_ctx *c)
{
    bool eacces = false;
    for (char *const *p = c->paths; *p; p++) {
        execve (*p, c->spec->argv, c->spec->envp);
        switch (errno) {
        case EACCES:
            eacces = true;
            /* fall through */
        case ENOENT:
        case ESTALE:
        case ENOTDIR:
        case ENODEV:
        case ETIMEDOUT:
            continue;   /* not here, or not ours to run: the next one */
        default:
            child_fail (c, FO_SPAWN_EXEC);  /* found, but it cannot run */
        }
    }
    if (eacces)
        errno = EACCES;
    child_fail (c, FO_SPAWN_EXEC);
}

static void __attribute__ ((noreturn))
run_child (child_ctx *c)
{
    errno = 0;
    if (setpgid (0, 0) != 0)
        child_fail (c, FO_SPAWN_SETUP);
    child_signals (&c->handled);
    child_fds (c);
    const char *cwd = c->spec->cwd;
    if (cwd && *cwd && chdir (cwd) != 0)
        child_fail (c, FO_SPAWN_CHDIR);
    if (c->affinity)
        sched_setaffinity (0, sizeof *c->affinity, c->affinity);
    sigset_t none;
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    child_exec (c);
}

/*  Its own function, so that the child never returns into a frame the
    parent still uses: it runs on below this one and ends in exec or
    _exit. */
static pid_t __attribute__ ((noinline))
vfork_child (child_ctx *c)
{
    pid_t pid = vfork ();
    if (pid == 0)
        run_child (c);
    return pid;
}

/* ---------------------------------------------------------------------- */
/* In the parent */

/* The signals with a handler in this process, asked at most
   HANDLED_MAX_AGE_MS ago or since fo_spawn_signals_changed. */
#define HANDLED_MAX_AGE_MS 1000u
static pthread_mutex_t handled_lock = PTHREAD_MUTEX_INITIALIZER;
static sigset_t handled_set;
static uint64_t handled_at_ms;
static bool handled_known;

void
fo_spawn_signals_changed (void)
{
    pthread_mutex_lock (&handled_lock);
    handled_known = false;
    pthread_mutex_unlock (&handled_lock);
}

static void
handled_signals (sigset_t *out)
{
    pthread_mutex_lock (&handled_lock);
    uint64_t now = fo_now_ms ();
    if (!handled_known || now - handled_at_ms >= HANDLED_MAX_AGE_MS) {
        sigemptyset (&handled_set);
        for (int sig = 1; sig < NSIG; sig++) {
            /* glibc refuses its own internal signals (EINVAL): not ours. */
            struct sigaction old;
            if (sig != SIGKILL && sig != SIGSTOP && sigaction (sig, NULL, &old) == 0
                && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
                sigaddset (&handled_set, sig);
        }
        handled_at_ms = now;
        handled_known = true;
    }
    *out = handled_set;
    pthread_mutex_unlock (&handled_lock);
}

/* The calling thread's children's affinity (fo_spawn_child_affinity). */
static _Thread_local const cpu_set_t *child_affinity;

void
fo_spawn_child_affinity (const cpu_set_t *mask)
{
    child_affinity = mask;
}

void
fo_spawn_block_all (sigset_t *set)
{
    sigfillset (set);
    sigdelset (set, SIGCHLD);
}

/*  Where posix_spawnp would look for prog: itself when it has a '/', else
    each PATH entry (the parent's PATH, /bin:/usr/bin without one; an empty
    entry is the current directory). */
static void
search_paths (const char *prog, fo_strv *paths)
{
    if (strchr (prog, '/')) {
        fo_strv_push (paths, prog);
        return;
    }
    const char *search = getenv ("PATH");
    if (!search)
        search = "/bin:/usr/bin";
    for (const char *p = search;; ) {
        const char *end = strchrnul (p, ':');
        if (end == p)
            fo_strv_push (paths, prog);
        else
            fo_strv_push_owned (paths, fo_xasprintf ("%.*s/%s", (int) (end - p), p, prog));
        if (*end == '\0')
            break;
        p = end + 1;
    }
}

/*  fd itself when it is not 0, 1 or 2; otherwise a close-on-exec copy
    above them (*copy set, for the caller to close), so that the child's
    dup2s onto 0, 1 and 2 never overwrite it. -1 with errno on failure. */
static int
above_std (int fd, int *copy)
{
    if (fd > STDERR_FILENO)
        return fd;
    *copy = fcntl (fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    return *copy;
}

int
fo_spawn (const fo_spawn_spec *spec, pid_t *pid, fo_spawn_stage *stage)
{
    *stage = FO_SPAWN_SETUP;
    int out_copy = -1, err_copy = -1;
    child_ctx c = { .spec = spec, .affinity = child_affinity };
    c.out_fd = above_std (spec->out_fd, &out_copy);
    c.err_fd = c.out_fd < 0 ? -1 : above_std (spec->err_fd, &err_copy);
    if (c.out_fd < 0 || c.err_fd < 0) {
        int rc = errno;
        if (out_copy >= 0)
            close (out_copy);
        return rc;
    }
    fo_strv paths = { 0 };
    search_paths (spec->argv[0], &paths);
    c.paths = paths.items;
    handled_signals (&c.handled);

    /* No handler of ours may run in the child, which shares our memory:
       everything is blocked in this thread until the child has exec'd,
       but SIGCHLD (fo_spawn_block_all). */
    sigset_t all, old;
    fo_spawn_block_all (&all);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    pid_t child = vfork_child (&c);
    int rc = child < 0 ? errno : 0;
    pthread_sigmask (SIG_SETMASK, &old, NULL);

    if (child > 0 && c.err != 0) {
        /* It failed before or at exec and has exited: reap it here, as
           posix_spawn does, and say why. */
        rc = c.err;
        *stage = (fo_spawn_stage) c.stage;
        while (waitpid (child, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    else if (child > 0)
        *pid = child;
    fo_strv_free (&paths);
    if (out_copy >= 0)
        close (out_copy);
    if (err_copy >= 0)
        close (err_copy);
    return rc;
}
