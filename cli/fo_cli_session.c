/*  fo_cli_session — see fo_cli_session.h. */
#include "fo_cli_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_capture.h"
#include "fo_cli.h"
#include "fo_cli_history.h"
#include "fo_cli_joined.h"
#include "fo_cli_parse.h"
#include "fo_proc.h"
#include "fo_report_dest.h"
#include "fo_source.h"
#include "fo_suite_discover.h"
#include "fo_term.h"

void
fo_cli_run_opts_init (fo_cli_run_opts *opts, uint32_t max_attempts)
{
    *opts = (fo_cli_run_opts) {
        .verbosity = FO_VERBOSITY_DOTS,
        .suite = FO_CLI_DEFAULT_SUITE,
        .max_attempts = max_attempts,
        .slow_ms = FO_CLI_DEFAULT_SLOW_MS,
        .output_cap = FO_DEFAULT_OUTPUT_CAP,
        .color = FO_COLOR_AUTO,
        .progress_ms = FO_CLI_DEFAULT_PROGRESS_MS,
    };
}

/* For fo_cli_run_option: 1 (handled), or -1 after the error. */
static int
count (const char *command, const char *name, const char *arg, uint32_t min, uint32_t *out)
{
    return fo_cli_parse_count (command, name, arg, min, FO_CLI_MAX_COUNT, out) == 0 ? 1 : -1;
}

static int
seconds (const char *command, const char *name, const char *arg, uint32_t *ms)
{
    return fo_cli_parse_seconds (command, name, arg, ms) == 0 ? 1 : -1;
}

/* The --test ids point into argv; the array that holds them is kept at
   file scope, as getopt keeps its state, so that none of a command's
   return paths has to free it. */
static const char **test_ids;
static const char **source_args;    /* the same for --KIND ARG */
static size_t *source_kinds;
/* The same for the selection: the run reads it until the process ends. */
static fo_select *selection;

static fo_select *
select_of (fo_cli_run_opts *opts)
{
    if (!selection)
        selection = fo_select_new ();
    opts->select = selection;
    return selection;
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
    case FO_OPT_CTEST_LABEL:
        opts->ctest_label = arg;
        return 1;
    case FO_OPT_CTEST_LABEL_EXCLUDE:
        opts->ctest_label_exclude = arg;
        return 1;
    case FO_OPT_CTEST_FIXTURES:
        opts->ctest_fixtures = arg;
        return 1;
    case FO_OPT_GTEST_PROCESS:
        opts->gtest_process = arg;
        return 1;
    case FO_OPT_MAX_ATTEMPTS:
        return count (command, "--max-attempts", arg, 1, &opts->max_attempts);
    case FO_OPT_TIMEOUT:
        opts->timeout_set = 1;
        return seconds (command, "--timeout", arg, &opts->timeout_ms);
    case FO_OPT_TASK_TIMEOUT:
        return seconds (command, "--task-timeout", arg, &opts->task_timeout_ms);
    case FO_OPT_SLOW:
        return seconds (command, "--slow", arg, &opts->slow_ms);
    case 'x':
        opts->maxfail = 1;
        return 1;
    case FO_OPT_MAXFAIL:
        return count (command, "--maxfail", arg, 1, &opts->maxfail);
    case FO_OPT_RETRIES:
        return count (command, "--retries", arg, 0, &opts->retries);
    case FO_OPT_FAIL_ON_FLAKY:
        opts->fail_on_flaky = 1;
        return 1;
    case FO_OPT_OUTPUT_CAP:
        return fo_cli_parse_size (command, "--output-cap", arg, FO_CLI_MIN_OUTPUT_CAP,
                                  FO_CLI_MAX_OUTPUT_CAP, &opts->output_cap) == 0 ? 1 : -1;
    case FO_OPT_CORE_DUMPS:
        opts->core_dumps = 1;
        return 1;
    case FO_OPT_PYTHON_FORK:
        if (strcmp (arg, "yes") && strcmp (arg, "no")) {
            fprintf (stderr, "fanout %s: --python-fork '%s': expected yes or no\n", command, arg);
            return -1;
        }
        opts->python_fork_off = !strcmp (arg, "no");
        return 1;
    case FO_OPT_COLOR: {
        fo_color_mode mode;
        if (fo_color_mode_parse (arg, &mode) != 0) {
            fprintf (stderr, "fanout %s: --color '%s': expected auto, always or never\n", command,
                     arg);
            return -1;
        }
        opts->color = (int) mode;
        return 1;
    }
    case FO_OPT_DURATIONS: {
        /* As pytest's: N slowest, 0 for all. */
        uint32_t n;
        if (fo_cli_parse_count (command, "--durations", arg, 0, FO_CLI_MAX_COUNT, &n) != 0)
            return -1;
        opts->durations = n ? n : SIZE_MAX;
        return 1;
    }
    case FO_OPT_PROGRESS_INTERVAL:
        return seconds (command, "--progress-interval", arg, &opts->progress_ms);
    case FO_OPT_TEST:
        test_ids = fo_xrealloc (test_ids, (opts->ntests + 1) * sizeof *test_ids);
        test_ids[opts->ntests++] = arg;
        opts->tests = test_ids;
        opts->tests_command = command;
        return 1;
    case 'k': {
        char err[512];
        if (fo_select_add_keyword (select_of (opts), arg, err, sizeof err) != 0) {
            fprintf (stderr, "fanout %s: -k: %s\n", command, err);
            return -1;
        }
        opts->keywords = 1;
        return 1;
    }
    case FO_OPT_EXCLUDE:
        fo_select_add_exclude (select_of (opts), arg);
        return 1;
    case 'L':
        fo_select_add_label (select_of (opts), arg);
        return 1;
    case FO_OPT_LABEL_EXCLUDE:
        fo_select_add_label_exclude (select_of (opts), arg);
        return 1;
    case FO_OPT_HISTORY:
        if (!*arg) {
            fprintf (stderr, "fanout %s: --history needs a file name\n", command);
            return -1;
        }
        opts->history_path = arg;
        return 1;
    case FO_OPT_NO_HISTORY:
        opts->no_history = 1;
        return 1;
    case FO_OPT_LAST_FAILED:
        opts->last_failed = 1;
        return 1;
    case FO_OPT_LF_ONLY:
        opts->lf_only = 1;
        return 1;
    case FO_OPT_QUARANTINE_HOSTS:
        opts->quarantine_hosts = 1;
        return 1;
    default:
        if (c >= FO_OPT_REPORTER_BASE && c < FO_OPT_REPORTER_BASE + FO_CLI_MAX_REPORTERS
            && fo_reporter_kinds[c - FO_OPT_REPORTER_BASE]) {
            opts->report_paths[c - FO_OPT_REPORTER_BASE] = arg;
            return 1;
        }
        if (c >= FO_OPT_SOURCE_BASE && c < FO_OPT_SOURCE_BASE + FO_CLI_MAX_SOURCES
            && fo_source_kinds[c - FO_OPT_SOURCE_BASE]) {
            if (!*arg) {
                fprintf (stderr, "fanout %s: --%s needs a %s, not ''\n", command,
                         fo_source_kinds[c - FO_OPT_SOURCE_BASE]->name,
                         fo_source_kinds[c - FO_OPT_SOURCE_BASE]->arg_name);
                return -1;
            }
            source_args = fo_xrealloc (source_args, (opts->nsources + 1) * sizeof *source_args);
            source_kinds = fo_xrealloc (source_kinds, (opts->nsources + 1) * sizeof *source_kinds);
            source_args[opts->nsources] = arg;
            source_kinds[opts->nsources++] = (size_t) (c - FO_OPT_SOURCE_BASE);
            opts->source_args = source_args;
            opts->source_kinds = source_kinds;
            opts->tests_command = command;
            return 1;
        }
        return 0;
    }
}

void
fo_cli_add_reporter_options (struct option *table, size_t capacity)
{
    size_t n = 0;
    while (table[n].name)
        n++;
    for (size_t k = 0; fo_reporter_kinds[k]; k++) {
        if (!fo_reporter_kinds[k]->option)
            continue;
        if (n + 1 >= capacity || k >= FO_CLI_MAX_REPORTERS)
            abort ();           /* a table too small is a bug, found at the first run */
        table[n++] = (struct option) { fo_reporter_kinds[k]->option, required_argument, NULL,
                                       FO_OPT_REPORTER_BASE + (int) k };
    }
    table[n] = (struct option) { NULL, 0, NULL, 0 };
}

void
fo_cli_add_source_options (struct option *table, size_t capacity)
{
    size_t n = 0;
    while (table[n].name)
        n++;
    for (size_t k = 0; fo_source_kinds[k]; k++) {
        if (n + 1 >= capacity || k >= FO_CLI_MAX_SOURCES)
            abort ();           /* a table too small is a bug, found at the first run */
        table[n++] = (struct option) { fo_source_kinds[k]->name, required_argument, NULL,
                                       FO_OPT_SOURCE_BASE + (int) k };
    }
    table[n] = (struct option) { NULL, 0, NULL, 0 };
}

/* fo_reporter_config.expected (fo_expected_fn): the history's estimate,
   for the time left the live view and the PROGRESS lines show. */
static int64_t
expected_us (void *history, const char *test_id)
{
    return fo_history_expected_us (history, test_id);
}

fo_reporters *
fo_cli_reporters_new (fo_cli_run_opts *opts)
{
    /* One reporter per kind asked for (fo_reporter_kinds.def lists them);
       a file's destination was checked before the run: its reporter
       takes it. */
    fo_reporter_config config = {
        .console = stdout,
        .verbosity = opts->verbosity,
        .color = opts->color,
        .durations = opts->durations,
        .progress_ms = opts->progress_ms,
    };
    if (opts->history) {        /* the estimate of the time left */
        config.expected = expected_us;
        config.expected_arg = opts->history;
    }
    for (size_t k = 0; fo_reporter_kinds[k]; k++)
        if (opts->report_dests[k] && fo_report_dest_is_stdout (opts->report_dests[k]))
            config.console = stderr;    /* stdout holds that report alone */
    fo_reporters *reporters = fo_reporters_new ();
    for (size_t k = 0; fo_reporter_kinds[k]; k++) {
        const fo_reporter_kind *kind = fo_reporter_kinds[k];
        if (kind->option && !opts->report_dests[k] && !opts->report_opened[k])
            continue;
        config.dest = opts->report_dests[k];
        config.opened = opts->report_opened[k];
        opts->report_dests[k] = NULL;   /* taken */
        opts->report_opened[k] = NULL;
        fo_reporters_add (reporters, kind->create (&config));
    }
    if (opts->history) {
        /* Taken: the reporter frees it with the list, after the run,
           which borrows it (fo_cli_run_options_apply) until then. */
        fo_reporters_add (reporters, fo_cli_history_reporter (opts->command, opts->history));
    }
    return reporters;
}

void
fo_cli_run_options_apply (const fo_cli_run_opts *opts, const fo_suite *suite, fo_plan *plan,
                          fo_report *report, fo_reporters *reporters, fo_run_options *run)
{
    run->plan = plan;
    run->report = report;
    run->reporters = reporters;
    run->max_attempts = opts->max_attempts;
    run->skip_code = suite->skip_code;
    run->broker_host = "broker";    /* docs/report-json.md: the host of shared fixtures */
    /* A host's failures are retried elsewhere: at least once. */
    run->retries = opts->quarantine_hosts && opts->retries == 0 ? 1 : opts->retries;
    run->quarantine_hosts = opts->quarantine_hosts;
    run->maxfail = opts->maxfail;
    run->slow_ms = opts->slow_ms;
    run->task_timeout_ms = opts->task_timeout_ms;
    run->output_cap = opts->output_cap;
    run->history = opts->history;
    run->failed_first = opts->last_failed;
    run->select = opts->select;
}

int
fo_cli_run_env (const char *command, fo_cli_run_opts *opts)
{
    const char *env = getenv ("FANOUT_TIMEOUT");
    if (opts->timeout_set || !env || !*env)
        return 0;
    opts->timeout_set = 1;
    return fo_cli_parse_seconds (command, "FANOUT_TIMEOUT", env, &opts->timeout_ms);
}

int
fo_cli_suite_operand (const char *command, int argc, char **argv, fo_cli_run_opts *opts)
{
    if (argc > 1) {
        fprintf (stderr, "fanout %s: one suite file at most (got '%s' and '%s')\n", command,
                 argv[0], argv[1]);
        return -1;
    }
    if (argc == 1) {
        opts->suite = argv[0];
        opts->suite_given = 1;
    }
    opts->command = command;
    if (opts->no_history && (opts->last_failed || opts->lf_only || opts->history_path)) {
        fprintf (stderr, "fanout %s: --no-history with %s: that needs the history\n", command,
                 opts->history_path ? "--history" : opts->lf_only ? "--lf-only" : "--last-failed");
        return -1;
    }
    return 0;
}

/* "      --json FILE       ..." for each reporter kind with an option. */
static void
reporter_usage (FILE *out)
{
    for (size_t k = 0; fo_reporter_kinds[k]; k++) {
        const fo_reporter_kind *kind = fo_reporter_kinds[k];
        if (!kind->option)
            continue;
        const char *arg = kind->arg_name ? kind->arg_name : "FILE";
        fprintf (out, "      --%s %s", kind->option, arg);
        int used = 6 + 2 + (int) strlen (kind->option) + 1 + (int) strlen (arg);
        fprintf (out, "%*s", used < 24 ? 24 - used : 1, "");
        for (const char *line = kind->help; *line;) {
            size_t len = strcspn (line, "\n");
            fprintf (out, "%s%.*s\n", line == kind->help ? "" : "                        ",
                     (int) len, line);
            line += len + (line[len] == '\n');
        }
    }
}

void
fo_cli_select_usage (FILE *out)
{
    fprintf (out,
             "  -k EXPR               run only the tests whose id EXPR matches: substrings\n"
             "                        or globs (* ? [..]), any case, with and, or, not and\n"
             "                        parentheses, as pytest's -k (repeatable: any of them)\n"
             "      --exclude PATTERN leave out the tests PATTERN matches (substring or\n"
             "                        glob, as in -k; repeatable)\n"
             "  -L, --label LABEL     run only the tests with LABEL, their own or their\n"
             "                        contexts' (a glob with * ? [..]; repeatable: all)\n"
             "      --label-exclude LABEL  leave out the tests with LABEL (repeatable)\n");
}

void
fo_cli_source_usage (FILE *out)
{
    fprintf (out, "\nsources (docs/sources.md; repeatable; without SUITE, the run is them alone):\n");
    for (size_t k = 0; fo_source_kinds[k]; k++) {
        const fo_source_kind *kind = fo_source_kinds[k];
        int used = fprintf (out, "      --%s %s", kind->name, kind->arg_name);
        fprintf (out, "%*s%s\n", used < 24 ? 24 - used : 1, "", kind->help);
    }
}

void
fo_cli_ctest_label_usage (FILE *out)
{
    fprintf (out,
             "      --ctest-label RE  with --ctest: only tests with a label matching RE\n"
             "                        (ctest -L; the fixtures they require are kept)\n"
             "      --ctest-label-exclude RE  with --ctest: no test with a label matching\n"
             "                        RE (ctest -LE)\n"
             "      --ctest-fixtures MODE  with --ctest: every fixture 'unit', 'shared' or\n"
             "                        'split' (default: by its setup's fanout:shared /\n"
             "                        fanout:split label, else 'unit')\n"
             "      --gtest-process WHAT  with --gtest: 'test' (default), a process per\n"
             "                        test; 'suite', a suite's tests in one process\n");
}

void
fo_cli_run_usage (FILE *out, const char *default_attempts)
{
    fprintf (out,
             "  -v, --verbose         one line per test: 'id ... ok (0.12s)'\n"
             "  -q, --quiet           no progress, only the summary (its failures)\n"
             "      --color WHEN      auto, always or never (default auto: colours on a\n"
             "                        terminal unless $NO_COLOR is set and not empty;\n"
             "                        $CLICOLOR_FORCE set and not 0 forces them)\n"
             "      --durations N     list the N slowest tests in the summary (0: all;\n"
             "                        default: none)\n"
             "      --progress-interval SECONDS  when the output is no terminal, a\n"
             "                        'PROGRESS:' line this often (default %u; 0 = never)\n",
             FO_CLI_DEFAULT_PROGRESS_MS / 1000u);
    reporter_usage (out);
    fo_cli_source_usage (out);
    fprintf (out,
             "\n      --test ID         run only the test whose id is exactly ID, or every\n"
             "                        test of the context whose id is ID (repeatable;\n"
             "                        ids as in the report: docs/suite-file.md#ids)\n");
    fo_cli_select_usage (out);
    fo_cli_ctest_label_usage (out);
    fprintf (out,
             "\n"
             "history (docs/test-history.md):\n"
             "      --history FILE    where each test's duration and last outcome are kept,\n"
             "                        to run the longest work first (default\n"
             "                        $FANOUT_HISTORY, else ./" FO_HISTORY_DEFAULT_PATH ")\n"
             "      --no-history      neither read nor write the history\n"
             "      --last-failed, --lf  run the tests that failed last time first\n"
             "      --lf-only         run only the tests that failed last time\n"
             "\n"
             "      --max-attempts N  leases of a task whose agent was lost before its\n"
             "                        tests are errors (default %s)\n"
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
             "                        (default: never stop)\n"
             "      --retries N       run a failed test up to N more times, on another host\n"
             "                        when there is one; passing on a retry is 'flaky'\n"
             "                        (default 0)\n"
             "      --fail-on-flaky   exit status 1 when a test was flaky (default: passed)\n"
             "      --quarantine-hosts  lease nothing more to a host whose failures stand\n"
             "                        far above the other hosts' (the summary names such a\n"
             "                        host either way); implies --retries 1 unless given\n"
             "      --output-cap SIZE stdout and stderr kept per test, each (default 1M;\n"
             "                        the head and tail are kept around a marker)\n"
             "      --python-fork yes|no  fork the Python workers of this host and the\n"
             "                        shared contexts' fixtures from the discovery, which\n"
             "                        has imported the suite (default yes;\n"
             "                        docs/python-workers.md)\n"
             "      --core-dumps      let crashing tests write core files (default: no)\n",
             default_attempts, FO_DEFAULT_TIMEOUT_MS / 1000u,
             (double) FO_PROC_KILL_GRACE_MS / 1e3, FO_CLI_DEFAULT_SLOW_MS / 1000u);
}

int
fo_cli_open_reports (const char *command, fo_cli_run_opts *opts)
{
    char err[1024];
    for (size_t k = 0; fo_reporter_kinds[k]; k++) {
        if (!opts->report_paths[k])
            continue;
        if (fo_reporter_kinds[k]->load && fo_reporter_kinds[k]->load (err, sizeof err) != 0) {
            fprintf (stderr, "fanout %s: --%s: %s\n", command, fo_reporter_kinds[k]->option, err);
            fo_cli_close_reports (opts);
            return FO_EXIT_USAGE;
        }
        if (fo_reporter_kinds[k]->open) {
            opts->report_opened[k] = fo_reporter_kinds[k]->open (opts->report_paths[k], command,
                                                                opts->suite, err, sizeof err);
            if (!opts->report_opened[k]) {
                fprintf (stderr, "fanout %s: %s\n", command, err);
                fo_cli_close_reports (opts);
                return FO_EXIT_USAGE;
            }
            continue;
        }
        char *what = fo_xasprintf ("--%s", fo_reporter_kinds[k]->option);
        opts->report_dests[k] = fo_report_dest_open (opts->report_paths[k], what, opts->suite,
                                                     err, sizeof err);
        free (what);
        if (!opts->report_dests[k]) {
            fprintf (stderr, "fanout %s: %s\n", command, err);
            fo_cli_close_reports (opts);
            return FO_EXIT_USAGE;
        }
    }
    return 0;
}

void
fo_cli_close_reports (fo_cli_run_opts *opts)
{
    for (size_t k = 0; k < FO_CLI_MAX_REPORTERS; k++)
        fo_report_dest_destroy (&opts->report_dests[k]);
    for (size_t k = 0; fo_reporter_kinds[k]; k++)
        if (opts->report_opened[k]) {
            fo_reporter_kinds[k]->close (opts->report_opened[k]);
            opts->report_opened[k] = NULL;
        }
}

/* -k, --exclude, -L, --label-exclude and --lf-only: before planning, so
   that fixtures of contexts left without tests never run. */
static void
filter (fo_cli_run_opts *opts, fo_suite *suite)
{
    if (opts->lf_only) {
        size_t n = 0;
        const char **ids = opts->history ? fo_history_failed_ids (opts->history, &n) : NULL;
        fo_select_only_ids (select_of (opts), ids, n);
        free (ids);
        if (n == 0)
            fprintf (stderr, "fanout %s: --lf-only: no test failed last time (history %s)\n",
                     opts->command, opts->history ? fo_history_path (opts->history)
                                                  : "off: $FANOUT_HISTORY=off");
    }
    fo_buf programs = { 0 };
    size_t nprograms = opts->keywords ? fo_cli_joined_programs (suite->root, &programs, 3) : 0;
    if (fo_select_active (opts->select) && !fo_suite_filter (suite, opts->select)
        && !opts->lf_only) {
        if (nprograms > 0)
            /* What the user may have meant: a TAP point, a cmocka test. */
            fprintf (stderr, "fanout %s: no test chosen: -k sees no test point of the TAP and "
                     "cmocka programs (%s): each is a test only once its program runs, and "
                     "none can run alone; choose the program instead (-k or --test with its "
                     "context's id)\n", opts->command, programs.data);
        else
            fprintf (stderr, "fanout %s: no test chosen\n", opts->command);
    }
    fo_buf_free (&programs);
}

int
fo_cli_load_suite (fo_cli_run_opts *opts, fo_suite **suite)
{
    char err[1024];
    if (opts->nsources > 0 && !opts->suite_given)
        /* The sources alone: an empty suite whose directory is this one. */
        *suite = fo_suite_load_buffer ("(command line)", "{}", 2, err, sizeof err);
    else
        *suite = fo_suite_load (opts->suite, err, sizeof err);
    if (!*suite) {
        fprintf (stderr, "%s\n", err);
        return FO_EXIT_USAGE;
    }
    if (opts->timeout_set)
        fo_suite_set_default_timeout (*suite, opts->timeout_ms);
    for (size_t i = 0; i < opts->nsources; i++) {
        fo_source_spec *spec = fo_context_add_source (
            (*suite)->root, fo_source_kinds[opts->source_kinds[i]]->name, 0, 0);
        fo_strv_push (&spec->from, opts->source_args[i]);
        /* CTest's -L / -LE, for the build trees of the command line */
        if (!strcmp (spec->kind, "ctest") && opts->ctest_label)
            fo_env_set (&spec->options, "labels", opts->ctest_label);
        if (!strcmp (spec->kind, "ctest") && opts->ctest_label_exclude)
            fo_env_set (&spec->options, "exclude_labels", opts->ctest_label_exclude);
        if (!strcmp (spec->kind, "ctest") && opts->ctest_fixtures)
            fo_env_set (&spec->options, "fixtures", opts->ctest_fixtures);
        if (!strcmp (spec->kind, "gtest") && opts->gtest_process)
            fo_env_set (&spec->options, "process", opts->gtest_process);
    }
    if (fo_suite_import (*suite, err, sizeof err) != 0) {
        /* An option's error names it; an entry's is "file:line:column: ". */
        if (!strncmp (err, "--", 2))
            fprintf (stderr, "fanout %s: %s\n", opts->tests_command, err);
        else
            fprintf (stderr, "%s\n", err);
        fo_suite_destroy (suite);
        return FO_EXIT_USAGE;
    }
    if (fo_suite_discover (*suite, err, sizeof err) != 0) {
        fprintf (stderr, "%s\n", err);
        fo_suite_destroy (suite);
        return FO_EXIT_USAGE;
    }
    if (fo_suite_select (*suite, opts->tests, opts->ntests, err, sizeof err) != 0) {
        fprintf (stderr, "fanout %s: %s\n", opts->tests_command, err);
        char hint[1024];
        for (size_t i = 0; i < opts->ntests; i++)
            if (fo_cli_joined_hint ((*suite)->root, opts->tests[i], hint, sizeof hint))
                fprintf (stderr, "fanout %s: %s\n", opts->tests_command, hint);
        fo_suite_destroy (suite);
        return FO_EXIT_USAGE;
    }
    if (!opts->no_history)
        opts->history = fo_cli_history_load (opts->command, opts->history_path);
    filter (opts, *suite);
    return 0;
}

int
fo_cli_prepare (fo_cli_run_opts *opts, fo_suite **suite, fo_plan **plan, fo_report **report)
{
    int rc = fo_cli_load_suite (opts, suite);
    if (rc != 0)
        return rc;
    *plan = fo_plan_build_lean (*suite);
    *report = fo_report_new ((*plan)->ntests);
    /* the suite outlives the report (fo_cli_finish): its ids are lent */
    for (size_t i = 0; i < (*plan)->ntests; i++)
        fo_report_set_test_borrowed (*report, i, (*plan)->tests[i]->id,
                                     (*plan)->tests[i]->parent->id);
    fo_report_set_suite (*report, opts->suite);
    fo_report_set_started_us (*report, fo_now_us ());
    fo_report_set_fail_on_flaky (*report, opts->fail_on_flaky);
    return 0;
}

/* A reporter could not write what it writes (the JSON report, the console
   output). */
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
    /* The run may have marked it already (a test that interrupted it). */
    if (fo_cli_interrupted > 0)
        fo_report_set_interrupted (report, true);
    int status = served_ok ? fo_report_exit_status (report) : FO_EXIT_INFRA;
    /* What the run leaves behind must be whole: a report or console output
       that could not be written is an error of its own, whatever the tests
       did. */
    if (fo_reporters_end (*reporters, report, served_ok, reporter_failed, NULL) > 0)
        status = FO_EXIT_REPORT;
    fo_reporters_destroy (reporters);
    fo_report_destroy (report_p);
    fo_plan_destroy (plan);
    fo_suite_destroy (suite);
    return status;
}
