/*  fo_cli_outputs — the files tests leave, on the command line
    (docs/artifacts.md, "Outputs"): --output-dir DIR, --output-test-limit
    MIB, --output-limit MIB, for `fanout broker` (agents on other hosts send
    them back) and `fanout run` (its agent thread sends them over inproc).
    Without --output-dir nothing is collected and $FANOUT_OUTPUT_DIR is not
    set. */
#ifndef FO_CLI_OUTPUTS_H
#define FO_CLI_OUTPUTS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_broker.h"
#include "fo_cli_artifacts.h"

/* What tests may send back, MiB: each, and the run's all together. */
#define FO_CLI_OUTPUT_TEST_MIB 16u
#define FO_CLI_OUTPUT_RUN_MIB 1024u

typedef struct {
    const char *dir;            /* --output-dir, or NULL */
    uint32_t test_mib, run_mib;
    fo_outputs *outputs;        /* made by fo_cli_outputs_open */
} fo_cli_output_opts;

/* after the artifact options */
enum { FO_OPT_OUTPUT_DIR = FO_OPT_INFER_ARTIFACTS + 1, FO_OPT_OUTPUT_LIMIT,
       FO_OPT_OUTPUT_TEST_LIMIT };
#define FO_CLI_OUTPUT_LONGOPTS \
    { "output-dir", required_argument, NULL, FO_OPT_OUTPUT_DIR }, \
    { "output-limit", required_argument, NULL, FO_OPT_OUTPUT_LIMIT }, \
    { "output-test-limit", required_argument, NULL, FO_OPT_OUTPUT_TEST_LIMIT }

void fo_cli_output_opts_init (fo_cli_output_opts *opts);
/* Takes one of the options above: 0 when c is none of them, 1 when taken,
   -1 after a message. */
int fo_cli_output_option (const char *command, int c, const char *arg, fo_cli_output_opts *opts);
void fo_cli_output_usage (FILE *out);
/* After parsing: makes the directory's writer. 0; FO_EXIT_USAGE after a
   message (DIR cannot be made or written). */
int fo_cli_outputs_open (const char *command, fo_cli_output_opts *opts);
/* The run's leases let each test step send back up to the per-test bound,
   the broker writes them (nothing without --output-dir). */
void fo_cli_outputs_apply (const fo_cli_output_opts *opts, fo_broker_options *bo);
/* Logs what was written (info) and frees the writer. */
void fo_cli_outputs_close (const char *command, fo_cli_output_opts *opts);

#endif
