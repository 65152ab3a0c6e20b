/*  fo_cli_session — what `fanout run` and `fanout broker` share: the options
    of a run, loading and planning the suite, the reporters that show it
    (console, JSON), and the end of a run (the reporters' last word, exit
    status). Each command adds its own options and serves the run its own
    way (embedded agent, or remote agents only). */
#ifndef FO_CLI_SESSION_H
#define FO_CLI_SESSION_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_plan.h"
#include "fo_report.h"
#include "fo_reporter.h"
#include "fo_history.h"
#include "fo_run.h"
#include "fo_select.h"
#include "fo_suite.h"

#define FO_CLI_DEFAULT_SUITE "fanout.yml"
/* Reporter kinds the command line can hold (fo_reporter_kinds). */
#define FO_CLI_MAX_REPORTERS 16
/* Source kinds it can hold (fo_source_kinds: --tap, --glib, ...). */
#define FO_CLI_MAX_SOURCES 16

typedef struct {
    fo_verbosity verbosity;
    /* Per reporter kind (fo_reporter_kinds, same index): what its option
       gave (a FILE, or the argument of a kind with its own check), or
       NULL, and once checked (fo_cli_open_reports) the FILE's destination
       or what the kind's open returned. */
    const char *report_paths[FO_CLI_MAX_REPORTERS];
    struct fo_report_dest *report_dests[FO_CLI_MAX_REPORTERS];
    void *report_opened[FO_CLI_MAX_REPORTERS];
    const char *suite;          /* the suite file */
    int suite_given;            /* SUITE was an operand */
    /* --KIND ARG source options, in order: the kind (an index into
       fo_source_kinds) and ARG (into argv). With any and no SUITE, no
       suite file is read: the run is these sources alone. */
    const size_t *source_kinds;
    const char *const *source_args;
    size_t nsources;
    uint32_t max_attempts;      /* --max-attempts: leases per task before giving up */
    /* Timeouts and failures (docs/timeouts-and-failures.md). */
    uint32_t timeout_ms;        /* --timeout / FANOUT_TIMEOUT: the default
                                   timeout; FO_TIMEOUT_NONE for "0" */
    int timeout_set;            /* either was given (--timeout beats the
                                   variable) */
    uint32_t task_timeout_ms;   /* --task-timeout; 0 = none */
    uint32_t slow_ms;           /* --slow; 0 = no notices */
    uint32_t maxfail;           /* -x / --maxfail; 0 = never stop */
    uint32_t retries;           /* --retries */
    int fail_on_flaky;          /* --fail-on-flaky */
    uint32_t output_cap;        /* --output-cap, bytes per stream per step */
    int core_dumps;             /* --core-dumps */
    int python_fork_off;        /* --python-fork=no (fo_pyfork.h) */
    const char *const *tests;   /* --test ids, in order (into argv) */
    size_t ntests;
    const char *tests_command;  /* "run" or "broker", for the messages of
                                   --test and of the source options */
    const char *command;        /* "run", "broker" or "list" (set with the
                                   operands), for messages */
    /* Selection (docs/selection.md): -k, --exclude, -L, --label-exclude;
       NULL until one is given. Lives until the process ends (discovered
       tests are chosen by it during the run). */
    fo_select *select;
    int keywords;               /* -k was given (fo_cli_joined.h: a -k that
                                   chose nothing names the TAP and cmocka
                                   programs whose points it cannot see) */
    /* History (docs/test-history.md). */
    const char *history_path;   /* --history; NULL: $FANOUT_HISTORY or the default */
    int no_history;             /* --no-history: neither read nor written */
    int last_failed;            /* --last-failed: last time's failures first */
    int lf_only;                /* --lf-only: only them */
    int quarantine_hosts;       /* --quarantine-hosts */
    fo_history *history;        /* loaded by fo_cli_prepare (NULL with
                                   --no-history); owned by the history
                                   reporter once fo_cli_reporters_new has
                                   made it (freed with the reporters) */
    int color;                  /* --color: fo_color_mode (fo_term.h) */
    size_t durations;           /* --durations: 0 none, SIZE_MAX all */
    uint32_t progress_ms;       /* --progress-interval; 0 = never */
    /* --ctest-label / --ctest-label-exclude: CTest's -L / -LE, the options
       `labels` / `exclude_labels` of every --ctest build tree. */
    const char *ctest_label;
    const char *ctest_label_exclude;
    /* --gtest-process: the option `process` of every --gtest program. */
    const char *gtest_process;
    /* --ctest-fixtures: the option `fixtures` of every --ctest build tree. */
    const char *ctest_fixtures;
} fo_cli_run_opts;

/* Not on a terminal, a PROGRESS line this often by default: CI systems
   end a job silent for 10 minutes (Travis) or less. */
#define FO_CLI_DEFAULT_PROGRESS_MS 60000u

/* Option ids for getopt_long (beyond any short option character). */
enum {
    FO_OPT_MAX_ATTEMPTS = 1000,
    FO_OPT_TIMEOUT,
    FO_OPT_TASK_TIMEOUT,
    FO_OPT_SLOW,
    FO_OPT_MAXFAIL,
    FO_OPT_RETRIES,
    FO_OPT_FAIL_ON_FLAKY,
    FO_OPT_OUTPUT_CAP,
    FO_OPT_CORE_DUMPS,
    FO_OPT_TEST,
    FO_OPT_EXCLUDE,
    FO_OPT_LABEL_EXCLUDE,
    FO_OPT_HISTORY,
    FO_OPT_NO_HISTORY,
    FO_OPT_LAST_FAILED,
    FO_OPT_LF_ONLY,
    FO_OPT_QUARANTINE_HOSTS,
    FO_OPT_COLOR,
    FO_OPT_DURATIONS,
    FO_OPT_PROGRESS_INTERVAL,
    FO_OPT_CTEST_LABEL,
    FO_OPT_CTEST_LABEL_EXCLUDE,
    FO_OPT_GTEST_PROCESS,
    FO_OPT_CTEST_FIXTURES,
    FO_OPT_PYTHON_FORK,
    FO_OPT_COMMAND_BASE = 1100,     /* commands number their own from here */
    FO_OPT_REPORTER_BASE = 1200,    /* + the index of a reporter kind */
    FO_OPT_SOURCE_BASE = 1300,      /* + the index of a source kind */
};

/* The shared long options and short option letters, to splice into a
   command's getopt_long tables. */
#define FO_CLI_RUN_SHORTOPTS "vqxk:L:"
#define FO_CLI_RUN_LONGOPTS \
    { "verbose", no_argument, NULL, 'v' }, \
    { "quiet", no_argument, NULL, 'q' }, \
    { "max-attempts", required_argument, NULL, FO_OPT_MAX_ATTEMPTS }, \
    { "timeout", required_argument, NULL, FO_OPT_TIMEOUT }, \
    { "task-timeout", required_argument, NULL, FO_OPT_TASK_TIMEOUT }, \
    { "slow", required_argument, NULL, FO_OPT_SLOW }, \
    { "exitfirst", no_argument, NULL, 'x' }, \
    { "maxfail", required_argument, NULL, FO_OPT_MAXFAIL }, \
    { "retries", required_argument, NULL, FO_OPT_RETRIES }, \
    { "fail-on-flaky", no_argument, NULL, FO_OPT_FAIL_ON_FLAKY }, \
    { "output-cap", required_argument, NULL, FO_OPT_OUTPUT_CAP }, \
    { "core-dumps", no_argument, NULL, FO_OPT_CORE_DUMPS }, \
    { "python-fork", required_argument, NULL, FO_OPT_PYTHON_FORK }, \
    { "test", required_argument, NULL, FO_OPT_TEST }, \
    FO_CLI_SELECT_LONGOPTS, \
    { "history", required_argument, NULL, FO_OPT_HISTORY }, \
    { "no-history", no_argument, NULL, FO_OPT_NO_HISTORY }, \
    { "last-failed", no_argument, NULL, FO_OPT_LAST_FAILED }, \
    { "lf", no_argument, NULL, FO_OPT_LAST_FAILED }, \
    { "lf-only", no_argument, NULL, FO_OPT_LF_ONLY }, \
    { "quarantine-hosts", no_argument, NULL, FO_OPT_QUARANTINE_HOSTS }, \
    { "color", required_argument, NULL, FO_OPT_COLOR }, \
    { "colour", required_argument, NULL, FO_OPT_COLOR }, \
    { "durations", required_argument, NULL, FO_OPT_DURATIONS }, \
    FO_CLI_CTEST_LABEL_LONGOPTS, \
    { "progress-interval", required_argument, NULL, FO_OPT_PROGRESS_INTERVAL }


/* CTest's -L / -LE for the --ctest sources (run, broker and list). */
#define FO_CLI_CTEST_LABEL_LONGOPTS \
    { "ctest-label", required_argument, NULL, FO_OPT_CTEST_LABEL }, \
    { "ctest-label-exclude", required_argument, NULL, FO_OPT_CTEST_LABEL_EXCLUDE }, \
    { "gtest-process", required_argument, NULL, FO_OPT_GTEST_PROCESS }, \
    { "ctest-fixtures", required_argument, NULL, FO_OPT_CTEST_FIXTURES }

/* Selection alone (fanout list takes these and --test). */
#define FO_CLI_SELECT_LONGOPTS \
    { "exclude", required_argument, NULL, FO_OPT_EXCLUDE }, \
    { "label", required_argument, NULL, 'L' }, \
    { "label-exclude", required_argument, NULL, FO_OPT_LABEL_EXCLUDE }

/* The options of the reporter kinds (--json FILE, --metrics ADDR),
   appended to a command's NULL-ended getopt_long table, which must have
   room for them (FO_CLI_MAX_REPORTERS more entries). */
void fo_cli_add_reporter_options (struct option *table, size_t capacity);
/* The same for the source kinds (--tap PROGRAM, --glib PROGRAM, ...):
   room for FO_CLI_MAX_SOURCES more entries. */
void fo_cli_add_source_options (struct option *table, size_t capacity);
/* Their help lines ("sources (...):" and one line per kind), and those of
   --ctest-label and --ctest-label-exclude: fanout run, broker and list. */
void fo_cli_source_usage (FILE *out);
void fo_cli_ctest_label_usage (FILE *out);

/* Defaults. The per-test timeout's default is the suite file's
   (FO_DEFAULT_TIMEOUT_MS, 1500 s as CTest). */
#define FO_CLI_DEFAULT_SLOW_MS (60u * 1000u)        /* as nextest */
#define FO_CLI_MIN_OUTPUT_CAP 64u
/* A result carries a step's stdout and stderr in one 16 MiB frame. */
#define FO_CLI_MAX_OUTPUT_CAP (7u * 1024u * 1024u)
/* --max-attempts, --maxfail, --retries. */
#define FO_CLI_MAX_COUNT 1000000u

void fo_cli_run_opts_init (fo_cli_run_opts *opts, uint32_t max_attempts);

/* Handles one shared option. Returns 1 when handled, 0 when the option is
   not a shared one, -1 after printing an error (exit FO_EXIT_USAGE). */
int fo_cli_run_option (const char *command, int c, const char *arg, fo_cli_run_opts *opts);

/* After the options: the environment's defaults (FANOUT_TIMEOUT, unless
   --timeout was given). Returns 0, or -1 after printing the error, which
   names the command. */
int fo_cli_run_env (const char *command, fo_cli_run_opts *opts);

/* The command's operands after its options: at most one suite file.
   Returns 0, or -1 after printing the error. */
int fo_cli_suite_operand (const char *command, int argc, char **argv, fo_cli_run_opts *opts);

/* Help text of the selection options (run, broker, list). */
void fo_cli_select_usage (FILE *out);

/* Help text of the shared options; default_attempts is the command's
   --max-attempts default as said there ("2"). */
void fo_cli_run_usage (FILE *out, const char *default_attempts);

/* Checks every reporter's argument before anything runs: a path the report
   cannot be written to (--json), an address the metrics endpoint cannot
   listen at (--metrics: it listens from now on) is a usage error. Returns
   0, or FO_EXIT_USAGE after printing why. */
int fo_cli_open_reports (const char *command, fo_cli_run_opts *opts);
/* Drops what was checked (a run that did not start): what the check made
   goes (a temporary file, the metrics endpoint). */
void fo_cli_close_reports (fo_cli_run_opts *opts);

/* What fo_cli_prepare does before planning: load (or, with sources and no
   SUITE, start empty), import the sources (fo_source.h: the file's
   `source:` entries and the --KIND options, at its top level), discover,
   choose (--test, -k, ...), load the history. Returns 0, or FO_EXIT_USAGE
   after printing the error (then nothing is left to free). fanout list. */
int fo_cli_load_suite (fo_cli_run_opts *opts, fo_suite **suite);

/* Loads, imports, discovers and plans opts->suite and initialises the report (the
   default timeout from --timeout or FANOUT_TIMEOUT, read by fo_cli_run_env,
   applies to everything the suite file gives no timeout, discovery
   included; --test keeps only the tests chosen, after discovery;
   then -k, --exclude, -L, --label-exclude and --lf-only keep the tests
   they choose, pruning contexts left without tests; the history is loaded
   unless --no-history; fail_on_flaky goes into the report). Returns 0, or FO_EXIT_USAGE after
   printing the error. */
int fo_cli_prepare (fo_cli_run_opts *opts, fo_suite **suite, fo_plan **plan,
                    fo_report **report);

/* The reporters of the run, one per kind the options ask for (the console
   always: progress and summary on stdout, or on stderr when a report
   takes stdout; a file reporter takes its checked destination, the
   metrics reporter its endpoint). */
fo_reporters *fo_cli_reporters_new (fo_cli_run_opts *opts);

/* The options of fo_run for this suite, plan and report: where its events
   go, attempts, retries, maxfail, slow notices, task timeout, output cap;
   shared fixtures' host is "broker". */
void fo_cli_run_options_apply (const fo_cli_run_opts *opts, const fo_suite *suite, fo_plan *plan,
                               fo_report *report, fo_reporters *reporters, fo_run_options *run);

/* Ends a run: the report is final (finish time, interrupted), the
   reporters have their last word (the summary, the JSON report; a
   reporter that cannot write says why on stderr and makes the status
   FO_EXIT_REPORT), then everything is freed. served_ok is false when the
   run could not be served at all (no summary then). Returns the exit
   status, from the report. */
int fo_cli_finish (fo_suite **suite, fo_plan **plan, fo_report **report,
                   fo_reporters **reporters, int served_ok);

#endif
