/*  fo_cli_session — see fo_cli_session.h. */
#include "fo_cli_session.h"

#include <errno.h>
#include <stdlib.h>

#include "fo_cli.h"

void
fo_cli_run_opts_init (fo_cli_run_opts *opts, uint32_t max_attempts)
{
    *opts = (fo_cli_run_opts) {
        .verbosity = FO_VERBOSITY_DOTS,
        .suite = FO_CLI_DEFAULT_SUITE,
        .max_attempts = max_attempts,
    };
}

static int
parse_count (const char *command, const char *option, const char *arg, uint32_t min,
             uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul (arg, &end, 10);
    if (errno || end == arg || *end != '\0' || arg[0] == '-' || n < min || n > 1000000) {
        fprintf (stderr, "fanout %s: %s needs a whole number of at least %u, not '%s'\n",
                 command, option, min, arg);
        return -1;
    }
    *out = (uint32_t) n;
    return 0;
}

int
fo_cli_run_option (const char *command, int c, const char *arg, fo_cli_run_opts *opts)
{
    switch (c) {
    case 'v':
        opts->verbosity = FO_VERBOSITY_LINES;
        return 1;
    case 'q':
        opts->verbosity = FO_VERBOSITY_QUIET;
        return 1;
    case FO_OPT_JSON:
        opts->json = arg;
        return 1;
    case FO_OPT_MAX_ATTEMPTS:
        return parse_count (command, "--max-attempts", arg, 1, &opts->max_attempts) == 0 ? 1 : -1;
    default:
        return 0;
    }
}

void
fo_cli_run_usage (FILE *out, uint32_t default_attempts)
{
    fprintf (out,
             "  -v, --verbose         one line per test: 'id ... ok (0.12s)'\n"
             "  -q, --quiet           no progress, only the summary\n"
             "      --json FILE       also write the JSON report (docs/report-json.md)\n"
             "      --max-attempts N  leases of a task whose agent was lost before its\n"
             "                        tests are errors (default %u)\n",
             default_attempts);
}

int
fo_cli_prepare (const fo_cli_run_opts *opts, fo_suite **suite, fo_plan **plan, fo_report *report)
{
    char err[1024];
    *suite = fo_suite_load (opts->suite, err, sizeof err);
    if (!*suite) {
        fprintf (stderr, "%s\n", err);
        return FO_EXIT_USAGE;
    }
    if (fo_suite_discover (*suite, err, sizeof err) != 0) {
        fprintf (stderr, "%s\n", err);
        fo_suite_destroy (suite);
        return FO_EXIT_USAGE;
    }
    *plan = fo_plan_build (*suite);
    fo_report_init (report, (*plan)->ntests);
    for (size_t i = 0; i < (*plan)->ntests; i++)
        fo_report_set_test (report, i, (*plan)->tests[i]->id, (*plan)->tests[i]->parent->id);
    report->suite = fo_xstrdup (opts->suite);
    report->started_us = fo_now_us ();
    return 0;
}

int
fo_cli_finish (const fo_cli_run_opts *opts, fo_suite **suite, fo_plan **plan, fo_report *report,
               int served_ok)
{
    report->finished_us = fo_now_us ();
    report->interrupted = fo_cli_interrupted > 0;
    int status = FO_EXIT_INFRA;
    if (served_ok) {
        fo_report_print_summary (stdout, report, opts->verbosity);
        status = fo_report_exit_status (report);
    }
    char err[1024];
    if (opts->json && fo_report_write_json (report, opts->json, err, sizeof err) != 0) {
        fprintf (stderr, "fanout: %s\n", err);
        if (status == FO_EXIT_OK)
            status = FO_EXIT_INFRA;
    }
    fo_report_free (report);
    fo_plan_destroy (plan);
    fo_suite_destroy (suite);
    return status;
}
