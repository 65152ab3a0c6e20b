/*  fo_cli_outputs — see fo_cli_outputs.h. */
#include "fo_cli_outputs.h"

#include "fo_cli_parse.h"
#include "fo_log.h"
#include "fo_report.h"

void
fo_cli_output_opts_init (fo_cli_output_opts *opts)
{
    opts->dir = NULL;
    opts->test_mib = FO_CLI_OUTPUT_TEST_MIB;
    opts->run_mib = FO_CLI_OUTPUT_RUN_MIB;
    opts->outputs = NULL;
}

int
fo_cli_output_option (const char *command, int c, const char *arg, fo_cli_output_opts *opts)
{
    switch (c) {
    case FO_OPT_OUTPUT_DIR:
        opts->dir = arg;
        return 1;
    case FO_OPT_OUTPUT_LIMIT:
        return fo_cli_parse_count (command, "--output-limit", arg, 1, 1u << 20,
                                   &opts->run_mib) != 0 ? -1 : 1;
    case FO_OPT_OUTPUT_TEST_LIMIT:
        return fo_cli_parse_count (command, "--output-test-limit", arg, 1, 4095,
                                   &opts->test_mib) != 0 ? -1 : 1;
    }
    return 0;
}

void
fo_cli_output_usage (FILE *out)
{
    fprintf (out,
             "      --output-dir DIR  files tests write to $FANOUT_OUTPUT_DIR are sent back\n"
             "                        and kept in DIR/<test id>/ (default: none are)\n"
             "      --output-test-limit MIB  what one test may send back (default "
             FO_CLI_STR (FO_CLI_OUTPUT_TEST_MIB) ")\n"
             "      --output-limit MIB  what the whole run may (default "
             FO_CLI_STR (FO_CLI_OUTPUT_RUN_MIB) ")\n");
}

int
fo_cli_outputs_open (const char *command, fo_cli_output_opts *opts)
{
    if (!opts->dir)
        return 0;
    char err[512];
    opts->outputs = fo_outputs_new (opts->dir, opts->test_mib << 20,
                                    (uint64_t) opts->run_mib << 20, err, sizeof err);
    if (!opts->outputs) {
        fprintf (stderr, "fanout %s: %s\n", command, err);
        return FO_EXIT_USAGE;
    }
    return 0;
}

void
fo_cli_outputs_apply (const fo_cli_output_opts *opts, fo_broker_options *bo)
{
    if (!opts->outputs)
        return;
    bo->outputs = opts->outputs;
    bo->run.outputs = fo_outputs_per_test (opts->outputs);
}

void
fo_cli_outputs_close (const char *command, fo_cli_output_opts *opts)
{
    if (opts->outputs)
        fo_log (FO_LOG_INFO, command, "outputs: %llu bytes written under %s",
                (unsigned long long) fo_outputs_bytes (opts->outputs), opts->dir);
    fo_outputs_destroy (&opts->outputs);
}
