/*  fo_cli_session — what `fanout run` and `fanout broker` share: the options
    of a run, loading and planning the suite, and the end of a run (summary,
    JSON report, exit status). Each command adds its own options and serves
    the run its own way (embedded agent, or remote agents only). */
#ifndef FO_CLI_SESSION_H
#define FO_CLI_SESSION_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_plan.h"
#include "fo_report.h"
#include "fo_suite.h"

#define FO_CLI_DEFAULT_SUITE "fanout.yml"

typedef struct {
    fo_verbosity verbosity;
    const char *json;           /* --json FILE, or NULL */
    const char *suite;          /* the suite file */
    uint32_t max_attempts;      /* --max-attempts: leases per task before giving up */
} fo_cli_run_opts;

/* Option ids for getopt_long (beyond any short option character). */
enum {
    FO_OPT_JSON = 1000,
    FO_OPT_MAX_ATTEMPTS,
    FO_OPT_COMMAND_BASE = 1100,     /* commands number their own from here */
};

/* The shared long options and short option letters, to splice into a
   command's getopt_long tables. */
#define FO_CLI_RUN_SHORTOPTS "vq"
#define FO_CLI_RUN_LONGOPTS \
    { "verbose", no_argument, NULL, 'v' }, \
    { "quiet", no_argument, NULL, 'q' }, \
    { "json", required_argument, NULL, FO_OPT_JSON }, \
    { "max-attempts", required_argument, NULL, FO_OPT_MAX_ATTEMPTS }

void fo_cli_run_opts_init (fo_cli_run_opts *opts, uint32_t max_attempts);

/* Handles one shared option. Returns 1 when handled, 0 when the option is
   not a shared one, -1 after printing an error (exit FO_EXIT_USAGE). */
int fo_cli_run_option (const char *command, int c, const char *arg, fo_cli_run_opts *opts);

/* Help text of the shared options. */
void fo_cli_run_usage (FILE *out, uint32_t default_attempts);

/* Loads, discovers and plans opts->suite and initialises the report.
   Returns 0, or FO_EXIT_USAGE after printing the file:line:column error. */
int fo_cli_prepare (const fo_cli_run_opts *opts, fo_suite **suite, fo_plan **plan,
                    fo_report *report);

/* Ends a run: prints the summary, writes the JSON report, frees everything.
   served_ok is false when the run could not be served at all. Returns the
   exit status. */
int fo_cli_finish (const fo_cli_run_opts *opts, fo_suite **suite, fo_plan **plan,
                   fo_report *report, int served_ok);

#endif
