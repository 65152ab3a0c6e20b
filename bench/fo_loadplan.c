/*  fo_loadplan — loads a suite file and plans it as `fanout broker` and
    `fanout run` do before they listen (the lean plan, then the report's
    record of every test), and prints what each part cost: a target for
    `perf record` and for comparing builds side by side
    (bench/load-bench.sh measures the whole broker from outside).

    usage: fo_loadplan SUITE.yml [--steps] [--free]
    Prints on stdout the CPU seconds of loading (all threads, and the
    loader's thread alone: the parser runs on another for a large file),
    its wall seconds, the plan's CPU seconds, the report's records' CPU
    seconds, and the whole's CPU and wall.
    --steps: the plan with every task's wire steps (fo_plan_build: what
             `fanout list` builds), not the lean one;
    --free:  also frees the report, the plan and the suite (timed apart). */
#include "fo_plan.h"
#include "fo_report.h"
#include "fo_suite.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double
cpu_of (int who)
{
    struct rusage ru;
    getrusage (who, &ru);
    return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
         + (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* every thread's, and this (the loader's) thread's alone */
static double cpu_s (void) { return cpu_of (RUSAGE_SELF); }
static double main_s (void) { return cpu_of (RUSAGE_THREAD); }

static double
wall_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
    bool steps = false, free_all = false;
    for (int i = 2; i < argc; i++) {
        if (!strcmp (argv[i], "--steps"))
            steps = true;
        else if (!strcmp (argv[i], "--free"))
            free_all = true;
        else
            argc = 0;
    }
    if (argc < 2) {
        fprintf (stderr, "usage: fo_loadplan SUITE.yml [--steps] [--free]\n");
        return 2;
    }
    char err[1024];
    double w0 = wall_s (), c0 = cpu_s (), m0 = main_s ();
    fo_suite *suite = fo_suite_load (argv[1], err, sizeof err);
    if (!suite) {
        fprintf (stderr, "%s\n", err);
        return 2;
    }
    double c1 = cpu_s (), m1 = main_s (), w1 = wall_s ();
    fo_plan *plan = steps ? fo_plan_build (suite) : fo_plan_build_lean (suite);
    double c2 = cpu_s ();
    /* as fo_cli_prepare */
    fo_report *report = fo_report_new (plan->ntests);
    for (size_t i = 0; i < plan->ntests; i++)
        fo_report_set_test_borrowed (report, i, plan->tests[i]->id, plan->tests[i]->parent->id);
    double c3 = cpu_s (), w3 = wall_s ();
    printf ("tests %zu tasks %zu load_cpu_s %.3f (loader thread %.3f) load_wall_s %.3f "
            "plan_cpu_s %.3f report_cpu_s %.3f cpu_s %.3f wall_s %.3f", plan->ntests,
            plan->ntasks, c1 - c0, m1 - m0, w1 - w0, c2 - c1, c3 - c2, c3 - c0, w3 - w0);
    if (free_all) {
        fo_report_destroy (&report);
        fo_plan_destroy (&plan);
        fo_suite_destroy (&suite);
        printf (" free_cpu_s %.3f", cpu_s () - c3);
    }
    printf ("\n");
    return 0;
}
