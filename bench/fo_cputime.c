/*  fo_cputime — the CPU time a command's own process spent, its children
    excluded (bench/cpu-bench.sh).

    usage: fo_cputime OUT CMD [ARG...]

    Runs CMD, waits for it to end without reaping it (waitid WNOWAIT),
    reads utime + stime of the zombie from /proc/PID/stat — every thread
    of the process summed, the processes it started and waited for not
    counted (those are cutime/cstime) — writes that in seconds to OUT, then
    reaps it and exits with its status (128 + the signal that killed it).

    Why not time(1) or wait4's rusage: both add the children the command
    waited for, and a test runner's children are the tests, whose cost is
    not the runner's. Why not /proc/PID/task/…/schedstat: a thread that
    ended before the process did is gone from it. The figure has the
    kernel's clock-tick resolution (10 ms at 100 Hz): benchmarks run
    enough tests to make that small. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* utime + stime (fields 14 and 15) of /proc/PID/stat, in clock ticks;
   -1 when unreadable. The command's name (field 2) may hold spaces and
   parentheses: the fields are counted from its last ')'. */
static long long
cpu_ticks (pid_t pid)
{
    char path[64], buf[4096];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = '\0';
    char *p = strrchr (buf, ')');
    unsigned long long ut, st;
    /* after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt
       majflt cmajflt utime(14) stime(15) */
    if (!p || sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long) (ut + st);
}

int
main (int argc, char **argv)
{
    if (argc < 3) {
        fprintf (stderr, "usage: fo_cputime OUT CMD [ARG...]\n");
        return 2;
    }
    pid_t pid;
    int rc = posix_spawnp (&pid, argv[2], NULL, NULL, argv + 2, environ);
    if (rc != 0) {
        fprintf (stderr, "fo_cputime: cannot run %s: %s\n", argv[2], strerror (rc));
        return 127;
    }
    siginfo_t si;
    while (waitid (P_PID, (id_t) pid, &si, WEXITED | WNOWAIT) != 0)
        if (errno != EINTR) {
            perror ("fo_cputime: waitid");
            return 2;
        }
    long long ticks = cpu_ticks (pid);
    int status = 0;
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
    FILE *out = fopen (argv[1], "w");
    if (!out || ticks < 0) {
        fprintf (stderr, "fo_cputime: %s\n", !out ? strerror (errno) : "cannot read the process's CPU time");
        return 2;
    }
    fprintf (out, "%.3f\n", (double) ticks / (double) sysconf (_SC_CLK_TCK));
    if (fclose (out) != 0) {
        perror ("fo_cputime: writing OUT");
        return 2;
    }
    if (WIFSIGNALED (status))
        return 128 + WTERMSIG (status);
    return WEXITSTATUS (status);
}
