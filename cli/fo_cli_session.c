/*  fo_cli_session — see fo_cli_session.h. */
#include "fo_cli_session.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fo_capture.h"
#include "fo_cli.h"
#include "fo_proc.h"
#include "fo_suite_discover.h"

void
fo_cli_run_opts_init (fo_cli_run_opts *opts, uint32_t max_attempts)
{
    *opts = (fo_cli_run_opts) {
        .verbosity = FO_VERBOSITY_DOTS,
        .suite = FO_CLI_DEFAULT_SUITE,
        .max_attempts = max_attempts,
        .slow_ms = FO_CLI_DEFAULT_SLOW_MS,
        .output_cap = FO_DEFAULT_OUTPUT_CAP,
    };
}

/*  Seconds, whole or decimal, 0 allowed (it means "none"), into ms; a tiny
    positive value never becomes 0. */
static int
parse_seconds (const char *command, const char *option, const char *arg, uint32_t *ms)
{
    char *end;
    errno = 0;
    double s = strtod (arg, &end);
    /* strtod also reads "inf", "nan" and hex: only plain decimals here. */
    if (errno || end == arg || *end != '\0' || !isfinite (s) || s < 0
        || s > (double) (UINT32_MAX / 1000u) || strpbrk (arg, "xXnN")) {
        fprintf (stderr, "fanout %s: %s needs a number of seconds (0 for none), not '%s'\n",
                 command, option, arg);
        return -1;
    }
    double v = s * 1000.0;
    *ms = (uint32_t) v;
    if ((double) *ms < v)
        (*ms)++;
    return 0;
}

/*  Bytes, with an optional K or M (times 1024, 1024²). */
static int
parse_size (const char *command, const char *option, const char *arg, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull (arg, &end, 10);
    unsigned long long unit = 1;
    if (*end == 'K' || *end == 'k')
        unit = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        unit = 1024 * 1024, end++;
    if (*end == 'i' || *end == 'I')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (errno || end == arg || arg[0] == '-' || *end != '\0' || n > FO_CLI_MAX_OUTPUT_CAP
        || n * unit < FO_CLI_MIN_OUTPUT_CAP || n * unit > FO_CLI_MAX_OUTPUT_CAP) {
        fprintf (stderr, "fanout %s: %s needs a size from %u bytes to %uM (e.g. 65536, 64K, 2M), "
                 "not '%s'\n", command, option, FO_CLI_MIN_OUTPUT_CAP,
                 FO_CLI_MAX_OUTPUT_CAP / (1024u * 1024u), arg);
        return -1;
    }
    *out = (uint32_t) (n * unit);
    return 0;
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
    case FO_OPT_TIMEOUT:
        opts->timeout_set = 1;
        return parse_seconds (command, "--timeout", arg, &opts->timeout_ms) == 0 ? 1 : -1;
    case FO_OPT_TASK_TIMEOUT:
        return parse_seconds (command, "--task-timeout", arg, &opts->task_timeout_ms) == 0 ? 1 : -1;
    case FO_OPT_SLOW:
        return parse_seconds (command, "--slow", arg, &opts->slow_ms) == 0 ? 1 : -1;
    case 'x':
        opts->maxfail = 1;
        return 1;
    case FO_OPT_MAXFAIL:
        return parse_count (command, "--maxfail", arg, 1, &opts->maxfail) == 0 ? 1 : -1;
    case FO_OPT_RETRIES:
        return parse_count (command, "--retries", arg, 0, &opts->retries) == 0 ? 1 : -1;
    case FO_OPT_FAIL_ON_FLAKY:
        opts->fail_on_flaky = 1;
        return 1;
    case FO_OPT_OUTPUT_CAP:
        return parse_size (command, "--output-cap", arg, &opts->output_cap) == 0 ? 1 : -1;
    case FO_OPT_CORE_DUMPS:
        opts->core_dumps = 1;
        return 1;
    default:
        return 0;
    }
}

fo_reporters *
fo_cli_reporters_new (const fo_cli_run_opts *opts)
{
    /* One line per reporter: a new one (a live view, JUnit XML) goes here. */
    fo_reporters *reporters = fo_reporters_new ();
    fo_reporters_add (reporters, fo_reporter_console_new (stdout, opts->verbosity));
    if (opts->json)
        fo_reporters_add (reporters, fo_reporter_json_new (opts->json));
    return reporters;
}

void
fo_cli_run_options_apply (const fo_cli_run_opts *opts, fo_reporters *reporters,
                          fo_run_options *run)
{
    run->reporters = reporters;
    run->retries = opts->retries;
    run->maxfail = opts->maxfail;
    run->slow_ms = opts->slow_ms;
    run->task_timeout_ms = opts->task_timeout_ms;
    run->output_cap = opts->output_cap;
}

int
fo_cli_suite_operand (const char *command, int argc, char **argv, fo_cli_run_opts *opts)
{
    if (argc > 1) {
        fprintf (stderr, "fanout %s: one suite file at most (got '%s' and '%s')\n", command,
                 argv[0], argv[1]);
        return -1;
    }
    if (argc == 1)
        opts->suite = argv[0];
    return 0;
}

void
fo_cli_run_usage (FILE *out, uint32_t default_attempts)
{
    fprintf (out,
             "  -v, --verbose         one line per test: 'id ... ok (0.12s)'\n"
             "  -q, --quiet           no progress, only the summary\n"
             "      --json FILE       also write the JSON report (docs/report-json.md)\n"
             "      --max-attempts N  leases of a task whose agent was lost before its\n"
             "                        tests are errors (default %u)\n"
             "\n"
             "timeouts and failures (docs/timeouts-and-failures.md):\n"
             "      --timeout SECONDS default time limit of each test, setup and teardown\n"
             "                        the suite file gives none (default $FANOUT_TIMEOUT,\n"
             "                        else %u s; 0 = no limit). Past it the process group\n"
             "                        gets SIGTERM, then SIGKILL after %.0f s: 'timeout'\n"
             "      --task-timeout SECONDS  limit for a whole task (default none)\n"
             "      --slow SECONDS    say which tests run longer than this, and again at each\n"
             "                        multiple (default %u; 0 = never)\n"
             "  -x, --exitfirst       stop after the first failure (as --maxfail 1)\n"
             "      --maxfail N       stop after N tests failed, errored, timed out or\n"
             "                        crashed: running tasks are cancelled, and every test\n"
             "                        not run is 'not run (stopped after N failures)'\n"
             "      --retries N       run a failed test up to N more times, on another host\n"
             "                        when there is one; passing on a retry is 'flaky'\n"
             "      --fail-on-flaky   exit status 1 when a test was flaky (default: passed)\n"
             "      --output-cap SIZE stdout and stderr kept per test, each (default 1M;\n"
             "                        the head and tail are kept around a marker)\n"
             "      --core-dumps      let crashing tests write core files (default: no)\n",
             default_attempts, FO_DEFAULT_TIMEOUT_MS / 1000u,
             (double) FO_PROC_KILL_GRACE_MS / 1e3, FO_CLI_DEFAULT_SLOW_MS / 1000u);
}

int
fo_cli_prepare (const fo_cli_run_opts *opts, fo_suite **suite, fo_plan **plan, fo_report **report)
{
    char err[1024];
    uint32_t timeout_ms = opts->timeout_ms;
    const char *env_timeout = getenv ("FANOUT_TIMEOUT");
    if (!opts->timeout_set && env_timeout && *env_timeout
        && parse_seconds ("run", "FANOUT_TIMEOUT", env_timeout, &timeout_ms) != 0)
        return FO_EXIT_USAGE;
    bool set_timeout = opts->timeout_set || (env_timeout && *env_timeout);
    *suite = fo_suite_load (opts->suite, err, sizeof err);
    if (!*suite) {
        fprintf (stderr, "%s\n", err);
        return FO_EXIT_USAGE;
    }
    if (set_timeout)
        fo_suite_set_default_timeout (*suite, timeout_ms);
    if (fo_suite_discover (*suite, err, sizeof err) != 0) {
        fprintf (stderr, "%s\n", err);
        fo_suite_destroy (suite);
        return FO_EXIT_USAGE;
    }
    *plan = fo_plan_build (*suite);
    *report = fo_report_new ((*plan)->ntests);
    for (size_t i = 0; i < (*plan)->ntests; i++)
        fo_report_set_test (*report, i, (*plan)->tests[i]->id, (*plan)->tests[i]->parent->id);
    fo_report_set_suite (*report, opts->suite);
    fo_report_set_started_us (*report, fo_now_us ());
    fo_report_set_fail_on_flaky (*report, opts->fail_on_flaky);
    return 0;
}

/* A reporter could not write what it writes (the JSON report). */
static void
reporter_failed (void *arg, const char *reporter, const char *err)
{
    (void) arg;
    (void) reporter;
    fprintf (stderr, "fanout: %s\n", err);
}

int
fo_cli_finish (fo_suite **suite, fo_plan **plan, fo_report **report_p, fo_reporters **reporters,
               int served_ok)
{
    fo_report *report = *report_p;
    fo_report_set_finished_us (report, fo_now_us ());
    fo_report_set_interrupted (report, fo_cli_interrupted > 0);
    int status = served_ok ? fo_report_exit_status (report) : FO_EXIT_INFRA;
    if (fo_reporters_end (*reporters, report, served_ok, reporter_failed, NULL) > 0
        && status == FO_EXIT_OK)
        status = FO_EXIT_INFRA;
    fo_reporters_destroy (reporters);
    fo_report_destroy (report_p);
    fo_plan_destroy (plan);
    fo_suite_destroy (suite);
    return status;
}
