/*  fo_spawn_limit — the machine's limit for running tiny processes: J
    threads that each posix_spawn a program and wait for it, N in all.

    usage: fo_spawn_limit [--capture] N J PROGRAM [ARG...]

    No runner can start and reap a test's process faster than this loop
    does, so bench/run-bench.sh reports fanout's time as a share of it
    ("% of the limit"). It does only what every runner must: spawn with the
    environment, wait, count.

    --capture adds what every runner that keeps a test's output must do
    too, and nothing more: the child's stdout and stderr each on a fresh
    pipe (apart, as fanout keeps them; fresh, so that nothing a test left
    behind can write into the next one's), both read to their end (the
    bytes are counted and dropped), then the wait. It is the floor for a
    runner that captures: what fanout pays above it is bookkeeping, the
    broker and its event loop (docs/performance.md, "Bars not met").

    Prints nothing; exits non-zero when a spawn or a process fails.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char **argv_run;
static bool capture;
static atomic_long left;
static atomic_int failed;

/* Reads both pipes until each has reached its end of file, then closes
   them. false on a read or poll error. */
static bool
drain (int out, int err)
{
    struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = err, .events = POLLIN } };
    char buf[4096];
    int open = 2;
    while (open > 0) {
        if (poll (p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            ssize_t n = read (p[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return false;
            if (n == 0) {
                close (p[i].fd);
                p[i].fd = -1;   /* poll ignores it from now on */
                open--;
            }
        }
    }
    return true;
}

/* One spawn with its output captured (--capture). 0 and *pid, or an
   errno-style code. */
static int
spawn_captured (pid_t *pid)
{
    int out[2], err[2];
    if (pipe2 (out, O_CLOEXEC) != 0)
        return errno;
    if (pipe2 (err, O_CLOEXEC) != 0) {
        int e = errno;
        close (out[0]);
        close (out[1]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init (&fa);
    if (rc == 0) {
        /* dup2 onto 1 and 2 clears close-on-exec there; the pipes'
           own descriptors close at the exec. */
        rc = posix_spawn_file_actions_adddup2 (&fa, out[1], 1);
        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2 (&fa, err[1], 2);
        if (rc == 0)
            rc = posix_spawn (pid, argv_run[0], &fa, NULL, argv_run, environ);
        posix_spawn_file_actions_destroy (&fa);
    }
    close (out[1]);
    close (err[1]);
    if (rc == 0 && !drain (out[0], err[0]))
        rc = errno ? errno : EIO;
    else if (rc != 0) {
        close (out[0]);
        close (err[0]);
    }
    return rc;
}

static void *
worker (void *arg)
{
    (void) arg;
    while (atomic_fetch_sub (&left, 1) > 0) {
        pid_t pid;
        int rc = capture ? spawn_captured (&pid)
                         : posix_spawn (&pid, argv_run[0], NULL, NULL, argv_run, environ);
        if (rc != 0) {
            fprintf (stderr, "fo_spawn_limit: cannot spawn %s: %s\n", argv_run[0], strerror (rc));
            atomic_store (&failed, 1);
            return NULL;
        }
        int status;
        while (waitpid (pid, &status, 0) < 0)
            if (errno != EINTR) {
                atomic_store (&failed, 1);
                return NULL;
            }
        if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
            atomic_store (&failed, 1);
    }
    return NULL;
}

int
main (int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp (argv[1], "--capture") == 0) {
        capture = true;
        first = 2;
    }
    if (argc < first + 3 || atol (argv[first]) < 1 || atoi (argv[first + 1]) < 1
        || atoi (argv[first + 1]) > 1024) {
        fprintf (stderr, "usage: fo_spawn_limit [--capture] N J PROGRAM [ARG...]\n");
        return 2;
    }
    atomic_store (&left, atol (argv[first]));
    int jobs = atoi (argv[first + 1]);
    argv_run = argv + first + 2;
    pthread_t *threads = calloc ((size_t) jobs, sizeof *threads);
    if (!threads)
        return 1;
    for (int i = 0; i < jobs; i++)
        if (pthread_create (&threads[i], NULL, worker, NULL) != 0) {
            fprintf (stderr, "fo_spawn_limit: cannot start a thread\n");
            return 1;
        }
    for (int i = 0; i < jobs; i++)
        pthread_join (threads[i], NULL);
    free (threads);
    return atomic_load (&failed) ? 1 : 0;
}
