/*  run_support — what the tests of the broker's run (test_run*.c,
    test_sched.c) share to build one by hand: a suite made in C, the
    report of its plan as the broker makes it, a test's record, and the
    four parts of one run (run_world) started and freed as the broker does. */
/* Include after cmocka.h: failures are cmocka assertions. */
#ifndef RUN_SUPPORT_H
#define RUN_SUPPORT_H

#include <string.h>

#include "fo_plan.h"
#include "fo_report.h"
#include "fo_run.h"
#include "fo_suite.h"
#include "fo_util.h"

/* An empty suite as if read from DIR/fanout.yml: a root context, the
   default skip code. */
static inline fo_suite *
hand_suite_new (const char *dir)
{
    fo_suite *suite = fo_xcalloc (1, sizeof *suite);
    suite->path = fo_xasprintf ("%s/fanout.yml", dir);
    suite->dir = fo_xstrdup (dir);
    suite->root = fo_context_new (NULL, "");
    suite->skip_code = FO_DEFAULT_SKIP_CODE;
    return suite;
}

/* The report of a plan: a record for each of its tests, with its id and
   its context's, as the broker makes it before a run. */
static inline fo_report *
plan_report_new (const fo_plan *plan)
{
    fo_report *report = fo_report_new (plan->ntests);
    for (size_t i = 0; i < plan->ntests; i++)
        fo_report_set_test (report, i, plan->tests[i]->id, plan->tests[i]->parent->id);
    return report;
}

/* The record of test ID; fails the test when the report has none. */
static inline const fo_test_record *
report_record (const fo_report *report, const char *id)
{
    for (size_t i = 0; i < fo_report_ntests (report); i++)
        if (strcmp (fo_report_test (report, i)->id, id) == 0)
            return fo_report_test (report, i);
    fail_msg ("no test '%s'", id);
    return NULL;
}

/* A suite, its plan, its report and the run over them. */
typedef struct {
    fo_suite *suite;
    fo_plan *plan;
    fo_report *report;
    fo_run *run;
} run_world;

/* Plans the world's suite (lean, as the broker does), makes the plan's
   report and starts the run with `options` over them (its plan and
   report are set here). */
static inline void
run_world_start (run_world *w, fo_run_options options)
{
    w->plan = fo_plan_build_lean (w->suite);
    w->report = plan_report_new (w->plan);
    options.plan = w->plan;
    options.report = w->report;
    w->run = fo_run_new (&options);
}

static inline void
run_world_free (run_world *w)
{
    fo_run_destroy (&w->run);
    fo_report_destroy (&w->report);
    fo_plan_destroy (&w->plan);
    fo_suite_destroy (&w->suite);
}

#endif
