/*  fanout list — what a run would run, without running it: the suite's
    tree after discovery and selection (--test, -k, --exclude, -L,
    --label-exclude, --lf-only), each context with its mode and fixtures;
    with --plan, the tasks the planner makes, in the order the scheduler
    would lease them (longest first when there is history), and why each
    task holds what it holds. Only the broker's discovery commands run
    (`discover_on: agent` ones are shown as such); no test runs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_cli.h"
#include "fo_cli_artifacts.h"
#include "fo_cli_parse.h"
#include "fo_cli_session.h"
#include "fo_plan.h"
#include "fo_report.h"
#include "fo_sched.h"
#include "fo_suite.h"

enum { OPT_PLAN = FO_OPT_COMMAND_BASE, OPT_ARTIFACTS };

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fanout list [OPTIONS] [SUITE]\n"
             "\n"
             "Shows the tests of the suite file SUITE (default: ./" FO_CLI_DEFAULT_SUITE ") that a\n"
             "run with the same options would run, after discovery and selection: each\n"
             "context with its mode and fixtures, each test by its id. Runs the suite's\n"
             "discover commands (not those with discover_on: agent), and no test.\n"
             "\n"
             "options:\n"
             "      --plan            show the tasks instead: in the order they would be\n"
             "                        leased (longest first when there is history), with\n"
             "                        why each one holds what it holds\n"
             "      --artifacts       show what the suite ships to agents instead: each\n"
             "                        declaring context's manifest, every file with its\n"
             "                        size (docs/artifacts.md)\n"
             "      --test ID         only the test with exactly this id, or the context's\n"
             "                        tests (repeatable)\n");
    fo_cli_artifact_usage (out);
    fo_cli_select_usage (out);
    fo_cli_ctest_label_usage (out);
    fprintf (out,
             "      --history FILE    the history --plan orders by and --lf-only reads\n"
             "                        (default $FANOUT_HISTORY, else ./" FO_HISTORY_DEFAULT_PATH ")\n"
             "      --no-history      read no history\n"
             "      --last-failed, --lf  with --plan: last time's failures first\n"
             "      --lf-only         only the tests that failed last time\n"
             "  -h, --help            show this help\n");
    fo_cli_source_usage (out);
    fputc ('\n', out);
    fo_cli_env_usage (out, "list");
    fputc ('\n', out);
    fo_cli_exit_usage (out, "list");
}

/* "shared, serial" / "unit" / "unmarked" / "no fixtures"; fixtures after. */
static void
describe_context (FILE *out, const fo_context *ctx)
{
    char mode[64] = "";
    if (ctx->mode & FO_MODE_SPLIT)
        strcat (mode, "split");
    if (ctx->mode & FO_MODE_SHARED)
        strcat (mode, "shared");
    if (ctx->mode & FO_MODE_SERIAL)
        strcat (mode, *mode ? ", serial" : "serial");
    if (!(ctx->mode & (FO_MODE_SPLIT | FO_MODE_SHARED))) {
        strcat (mode, *mode ? ", " : "");
        /* A source's unit (a GLib program, a CTest fixture): one task. */
        strcat (mode, (ctx->mode & FO_MODE_UNIT)       ? "unit"
                      : fo_context_has_fixtures (ctx) ? "unmarked"
                                                      : "no fixtures");
    }
    fprintf (out, "%s", mode);
    bool setup = ctx->setup.argv.len > 0, teardown = ctx->teardown.argv.len > 0;
    if (setup || teardown)
        fprintf (out, "; fixtures: %s%s%s", setup ? "setup" : "", setup && teardown ? ", " : "",
                 teardown ? "teardown" : "");
    if (ctx->discover.argv.len > 0 && ctx->discover_on_agent && !ctx->discover_answered)
        fprintf (out, "; tests discovered on an agent during the run");
}

static void
print_labels (FILE *out, const fo_strv *labels)
{
    if (labels->len == 0)
        return;
    fprintf (out, "  [");
    for (size_t i = 0; i < labels->len; i++)
        fprintf (out, "%s%s", i ? ", " : "", labels->items[i]);
    fprintf (out, "]");
}

static void
print_tree (FILE *out, const fo_context *ctx, int depth)
{
    for (size_t i = 0; i < ctx->ntests; i++) {
        const fo_test *t = ctx->tests[i];
        fprintf (out, "%*s%s", depth * 2, "", t->id);
        print_labels (out, fo_test_labels (t));
        fputc ('\n', out);
        /* Its points are tests too, but only once it runs (docs/sources.md,
           "Each point a test of its own"): say so where they would be. */
        if (t->reader == FO_READER_TAP)
            fprintf (out, "%*s  + the test points it prints, each a test: a TAP program "
                     "cannot list them before it runs\n", depth * 2, "");
        else if (t->reader == FO_READER_CMOCKA)
            fprintf (out, "%*s  + the tests it runs, each a test: a cmocka program "
                     "cannot list them before it runs\n", depth * 2, "");
    }
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        const fo_context *c = ctx->contexts[i];
        fprintf (out, "%*s%s/  (", depth * 2, "", c->id);
        describe_context (out, c);
        fputc (')', out);
        print_labels (out, &c->labels);
        fputc ('\n', out);
        print_tree (out, c, depth + 1);
    }
}

/* The nearest split context above a test, or NULL. */
static const fo_context *
split_above (const fo_test *test)
{
    for (const fo_context *c = test->parent; c; c = c->parent)
        if (c->mode & FO_MODE_SPLIT)
            return c;
    return NULL;
}

static bool
in_task (const fo_plan *plan, const fo_task *t, const char *id)
{
    for (size_t i = 0; i < t->ntests; i++)
        if (!strcmp (plan->tests[fo_task_tests (t)[i]]->id, id))
            return true;
    return false;
}

/* The tests of other tasks this test's task waits for (broker/fo_after.h:
   a CTest fixture in the shared or split mode), as "waits for: ...". */
static void
print_waits (FILE *out, const fo_plan *plan, const fo_task *t, const fo_test *test)
{
    const fo_strv *lists[] = { test->needs ? &test->needs->after : NULL,
                               test->verdict ? &test->verdict->needs : NULL };
    size_t n = 0;
    for (size_t l = 0; l < 2; l++)
        for (size_t k = 0; lists[l] && k < lists[l]->len; k++) {
            const char *id = lists[l]->items[k];
            if (in_task (plan, t, id) || (l == 1 && lists[0] && fo_strv_contains (lists[0], id)))
                continue;
            fprintf (out, "%s%s", n++ ? ", " : "    its task waits for: ", id);
        }
    if (n)
        fputc ('\n', out);
}

/* Why the task holds what it holds: the planner's rule that made it. */
static void
why_task (FILE *out, const fo_plan *plan, const fo_task *t)
{
    if (t->discovery != FO_NO_DISCOVERY) {
        fprintf (out, "runs the discover command of context '%s' on an agent; its tests are "
                 "planned when they come", plan->discoveries[t->discovery].ctx->id);
    } else if (t->unit && (t->unit->mode & FO_MODE_UNIT)) {
        fprintf (out, "context '%s' is one unit (its source's tests run in order, on one "
                 "worker): every test under it is one task", t->unit->id);
    } else if (t->unit) {
        fprintf (out, "context '%s' has fixtures and is neither split nor shared: its setup, "
                 "every test under it and its teardown are one task", t->unit->id);
    } else if (t->ntests > 0) {
        const fo_test *test = plan->tests[fo_task_tests (t)[0]];
        const fo_context *split = split_above (test);
        if (t->nshared > 0)
            fprintf (out, "shared context '%s': its fixtures run once, on the broker; one task "
                     "per test", plan->shared[t->shared[t->nshared - 1]].ctx->id);
        else if (split)
            fprintf (out, "split context '%s': its fixtures run around each test, in the "
                     "task", split->id);
        else
            fprintf (out, "no fixtures around it: one task per test");
        if (t->nshared > 0 && split)
            fprintf (out, "; split context '%s': its fixtures around the test", split->id);
    }
    if (t->serial)
        fprintf (out, "; serial: runs alone, after the parallel tasks");
}

static fo_sched_fixture
always_up (void *arg, size_t task, size_t fixture)
{
    (void) arg;
    (void) task;
    (void) fixture;
    return FO_SCHED_FIXTURE_UP;
}

static void
print_seconds (FILE *out, int64_t us)
{
    fprintf (out, "%.2fs", (double) us / 1e6);
}

static void
print_plan (FILE *out, const fo_plan *plan, const fo_cli_run_opts *opts)
{
    /* The scheduler's own order: one agent asking for work, every lease
       ended at once, every shared fixture up. */
    fo_sched *sched = fo_sched_new (plan, always_up, NULL);
    fo_sched_set_history (sched, opts->history, opts->last_failed);
    for (size_t i = 0; i < plan->ntasks; i++)
        if (plan->tasks[i].waits == 0)
            fo_sched_enqueue (sched, i, FO_SCHED_PLANNED);
    fo_sched_agent agent = { .number = 0, .host = "list", .slots = 1 };
    fo_sched_agent_joined (sched, &agent);
    bool hints = false;     /* an importer's cost (CTest's COST) */
    for (size_t i = 0; i < plan->ntests && !hints; i++)
        hints = plan->tests[i]->cost_ms > 0;
    fprintf (out, "%zu task%s, %zu test%s, %zu shared fixture%s%s\n", plan->ntasks,
             plan->ntasks == 1 ? "" : "s", plan->ntests, plan->ntests == 1 ? "" : "s",
             plan->nshared, plan->nshared == 1 ? "" : "s",
             !fo_history_empty (opts->history) ? " (longest expected first, from the history)"
             : hints ? " (no history: the highest CTest COST first, then plan order)"
                     : " (plan order: no history)");
    size_t task, n = 0;
    bool *shown = fo_xcalloc (plan->ntasks ? plan->ntasks : 1, sizeof *shown);
    for (;;) {
        bool got = fo_sched_pick (sched, &agent, &task);
        if (!got)
            break;
        fo_sched_lease_ended (sched, task);
        shown[task] = true;
        const fo_task *t = &plan->tasks[task];
        int64_t expected = 0;
        size_t unknown = 0;
        for (size_t i = 0; i < t->ntests; i++) {
            int64_t us = fo_history_expected_us (opts->history, plan->tests[fo_task_tests (t)[i]]->id);
            unknown += us < 0;
            expected += us > 0 ? us : 0;
        }
        fprintf (out, "task %zu (#%zu): %zu test%s", ++n, task, (size_t) t->ntests,
                 t->ntests == 1 ? "" : "s");
        if (!fo_history_empty (opts->history) && t->ntests > 0) {
            if (unknown == t->ntests) {
                fprintf (out, ", not in the history");
            } else {
                fprintf (out, ", expected ");
                print_seconds (out, expected);
                if (unknown)
                    fprintf (out, " + %zu not in the history", unknown);
            }
        }
        fprintf (out, ": ");
        why_task (out, plan, t);
        fputc ('\n', out);
        for (size_t i = 0; i < t->ntests; i++) {
            fprintf (out, "  %s\n", plan->tests[fo_task_tests (t)[i]]->id);
            print_waits (out, plan, t, plan->tests[fo_task_tests (t)[i]]);
        }
    }
    /* Units waiting for a discovery inside them come once it has ended. */
    for (size_t i = 0; i < plan->ntasks; i++) {
        if (shown[i])
            continue;
        const fo_task *t = &plan->tasks[i];
        fprintf (out, "task %zu (#%zu): %zu test%s and those its discoveries find: ", ++n, i,
                 (size_t) t->ntests, t->ntests == 1 ? "" : "s");
        why_task (out, plan, t);
        fputc ('\n', out);
        for (size_t j = 0; j < t->ntests; j++)
            fprintf (out, "  %s\n", plan->tests[fo_task_tests (t)[j]]->id);
    }
    free (shown);
    fo_sched_destroy (&sched);
}

int
fo_cmd_list (int argc, char **argv)
{
    struct option longopts[16 + FO_CLI_MAX_SOURCES] = {
        { "plan", no_argument, NULL, OPT_PLAN },
        { "artifacts", no_argument, NULL, OPT_ARTIFACTS },
        FO_CLI_ARTIFACT_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { "test", required_argument, NULL, FO_OPT_TEST },
        FO_CLI_SELECT_LONGOPTS,
        { "history", required_argument, NULL, FO_OPT_HISTORY },
        { "no-history", no_argument, NULL, FO_OPT_NO_HISTORY },
        { "last-failed", no_argument, NULL, FO_OPT_LAST_FAILED },
        { "lf", no_argument, NULL, FO_OPT_LAST_FAILED },
        { "lf-only", no_argument, NULL, FO_OPT_LF_ONLY },
        FO_CLI_CTEST_LABEL_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    fo_cli_add_source_options (longopts, sizeof longopts / sizeof longopts[0]);
    fo_cli_run_opts opts;
    fo_cli_run_opts_init (&opts, 1);
    bool plan_view = false, artifacts_view = false;
    fo_cli_artifact_opts shipping = { 0 };
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, "+hk:L:", longopts, NULL)) != -1) {
        int handled = fo_cli_run_option ("list", c, optarg, &opts);
        if (handled < 0) {
            fo_cli_artifact_opts_free (&shipping);
            return FO_EXIT_USAGE;
        }
        if (handled)
            continue;
        if (c == OPT_PLAN) {
            plan_view = true;
            continue;
        }
        if (c == OPT_ARTIFACTS) {
            artifacts_view = true;
            continue;
        }
        int shipped = fo_cli_artifact_option ("list", c, optarg, &shipping);
        if (shipped < 0) {
            fo_cli_artifact_opts_free (&shipping);
            return FO_EXIT_USAGE;
        }
        if (shipped)
            continue;
        int rc = fo_cli_option_end ("list", c, usage);
        fo_cli_artifact_opts_free (&shipping);
        return rc < 0 ? FO_EXIT_OK : rc;
    }
    if (fo_cli_suite_operand ("list", argc - optind, argv + optind, &opts) != 0) {
        fo_cli_artifact_opts_free (&shipping);
        return FO_EXIT_USAGE;
    }
    fo_cli_install_signals ();
    fo_cli_guard_processes ("list");
    fo_suite *suite;
    int rc = fo_cli_load_suite (&opts, &suite);
    if (rc != 0) {
        fo_cli_artifact_opts_free (&shipping);
        return rc;
    }
    if (artifacts_view) {
        fo_cli_artifacts artifacts;
        rc = fo_cli_artifacts_prepare ("list", suite, &shipping, &artifacts);
        if (rc == 0)
            fo_cli_artifacts_print (stdout, artifacts.set);
        fo_cli_artifacts_free (&artifacts);
        if (rc != 0) {
            fo_cli_artifact_opts_free (&shipping);
            fo_history_destroy (&opts.history);
            fo_suite_destroy (&suite);
            fo_cli_sweep_processes ("list");
            return rc;
        }
    } else if (plan_view) {
        fo_plan *plan = fo_plan_build (suite);
        print_plan (stdout, plan, &opts);
        fo_plan_destroy (&plan);
    } else {
        size_t ntests = fo_suite_count_tests (suite);
        const char *what = opts.suite_given || opts.nsources == 0 ? opts.suite : "(command line)";
        printf ("%s: %zu test%s\n", what, ntests, ntests == 1 ? "" : "s");
        print_tree (stdout, suite->root, 0);
    }
    fo_cli_artifact_opts_free (&shipping);
    fo_history_destroy (&opts.history);
    fo_suite_destroy (&suite);
    fo_cli_sweep_processes ("list");
    if (fflush (stdout) != 0 || ferror (stdout)) {
        fprintf (stderr, "fanout list: cannot write the list\n");
        return FO_EXIT_REPORT;
    }
    return FO_EXIT_OK;
}
