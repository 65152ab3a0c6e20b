/*  fo_cputime — the CPU time a command's own process spent, its children
    excluded (bench/cpu-bench.sh).

    usage: fo_cputime [--precise] OUT CMD [ARG...]

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
    enough tests to make that small.

    --precise: to the microsecond, from wait4's rusage, for a command
    that waits for no child (a broker whose suite has no shared
    fixtures): 2.5 µs a test is the tick's resolution at 4,000 tests,
    and issue 15's bar on the broker's CPU per test is 10 µs. When the
    process did wait for a child (its cminflt, the page faults of the
    children it waited for, is not 0: rusage would count them; a
    sanitizer's leak check at exit does, for one), the clock-tick figure
    is written instead, and a warning says so. */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_procstat.h"

extern char **environ;

int
main (int argc, char **argv)
{
    bool precise = argc > 1 && strcmp (argv[1], "--precise") == 0;
    if (precise)
        argc--, argv++;
    if (argc < 3) {
        fprintf (stderr, "usage: fo_cputime [--precise] OUT CMD [ARG...]\n");
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
    long long ticks = fo_procstat_cpu_ticks ((int) pid);
    long long child_faults = fo_procstat_children_faults ((int) pid);
    int status = 0;
    struct rusage ru;
    memset (&ru, 0, sizeof ru);
    while (wait4 (pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    if (precise && child_faults != 0) {
        fprintf (stderr, "fo_cputime: --precise: %s: the clock-tick figure instead\n",
                 child_faults < 0 ? "cannot read the process's stat"
                 : "the process waited for children, whose CPU rusage would count");
        precise = false;
    }
    FILE *out = fopen (argv[1], "w");
    if (!out || ticks < 0) {
        fprintf (stderr, "fo_cputime: %s\n", !out ? strerror (errno) : "cannot read the process's CPU time");
        return 2;
    }
    if (precise)
        fprintf (out, "%.6f\n", (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
                                + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    else
        fprintf (out, "%.3f\n", (double) ticks / (double) sysconf (_SC_CLK_TCK));
    if (fclose (out) != 0) {
        perror ("fo_cputime: writing OUT");
        return 2;
    }
    if (WIFSIGNALED (status))
        return 128 + WTERMSIG (status);
    return WEXITSTATUS (status);
}
