/*  fo_spawn_limit — the machine's limit for running tiny processes: J
    threads that each posix_spawn a program and wait for it, N in all.

    usage: fo_spawn_limit N J PROGRAM [ARG...]

    No runner can start and reap a test's process faster than this loop
    does, so bench/run-bench.sh reports fanout's time as a share of it
    ("% of the limit"). It does only what every runner must: spawn with the
    environment, wait, count. Prints nothing; exits non-zero when a spawn or
    a process fails.
*/
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static char **argv_run;
static atomic_long left;
static atomic_int failed;

static void *
worker (void *arg)
{
    (void) arg;
    while (atomic_fetch_sub (&left, 1) > 0) {
        pid_t pid;
        int rc = posix_spawn (&pid, argv_run[0], NULL, NULL, argv_run, environ);
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
    if (argc < 4 || atol (argv[1]) < 1 || atoi (argv[2]) < 1 || atoi (argv[2]) > 1024) {
        fprintf (stderr, "usage: fo_spawn_limit N J PROGRAM [ARG...]\n");
        return 2;
    }
    atomic_store (&left, atol (argv[1]));
    int jobs = atoi (argv[2]);
    argv_run = argv + 3;
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
