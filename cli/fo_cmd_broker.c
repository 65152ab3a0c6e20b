/*  fanout broker — serves a suite to agents on other hosts: loads and plans
    the suite as `fanout run` does, binds a ROUTER socket, waits for agents,
    leases them tasks and prints and writes the report. Same report and exit
    statuses as `fanout run`; no local agent. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_broker.h"
#include "fo_cli.h"
#include "fo_pyfork.h"
#include "fo_cli_artifacts.h"
#include "fo_cli_outputs.h"
#include "fo_cli_net.h"
#include "fo_cli_parse.h"
#include "fo_cli_session.h"
#include "fo_log.h"
#include "fo_report_dest.h"

#define BROKER_MAX_ATTEMPTS 2
#define BROKER_DEFAULT_BIND "tcp://*:5555"
#define BROKER_DEFAULT_WAIT_S 60

enum {
    OPT_MIN_AGENTS = FO_OPT_COMMAND_BASE,
    OPT_WAIT,
};

typedef struct {
    fo_cli_run_opts run;
    fo_cli_net_opts net;
    uint32_t min_agents;
    uint32_t wait_s;
    fo_cli_artifact_opts shipping;  /* --hash-cache, --artifact, --infer-artifacts */
    fo_cli_artifacts artifacts;     /* what the suite ships to agents */
    fo_cli_output_opts outputs;     /* --output-dir, --output-limit, --output-test-limit */
} broker_args;

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fanout broker [OPTIONS] [SUITE]\n"
             "\n"
             "Serves the suite file SUITE (default: ./" FO_CLI_DEFAULT_SUITE ") to agents on\n"
             "other hosts ('fanout agent --connect'): plans it as 'fanout run' does, waits\n"
             "for agents, leases them tasks as they ask for work, and prints the summary\n"
             "once every test has its outcome. See docs/multi-host.md.\n"
             "\n"
             "options:\n");
    fo_cli_net_usage (out, "where agents connect (default " BROKER_DEFAULT_BIND ")");
    fprintf (out,
             "      --min-agents N    start leasing when N agents have joined (default 1)\n"
             "      --wait SECONDS    how long to wait for them (then start with those\n"
             "                        that came), and for a new agent when every agent\n"
             "                        was lost mid-run; when none comes, the tests left\n"
             "                        are not run (exit 3). 0 waits for ever (default %u)\n",
             BROKER_DEFAULT_WAIT_S);
    fo_cli_artifact_usage (out);
    fo_cli_output_usage (out);
    fo_cli_run_usage (out, FO_CLI_STR (BROKER_MAX_ATTEMPTS));
    fprintf (out,
             "  -h, --help            show this help\n"
             "\n"
             "SIGINT, SIGTERM or SIGHUP stops the run: leases are cancelled, shared\n"
             "teardowns run, the report is complete and marked interrupted (exit 130).\n"
             "A second one stops at once, killing every process of the run and still\n"
             "writing the report; a third exits without it. Signals within 250 ms of\n"
             "each other count as one.\n"
             "\n");
    fo_cli_env_usage (out, "broker");
    fputc ('\n', out);
    fo_cli_exit_usage (out, "broker");
}

static int
parse_args (int argc, char **argv, broker_args *args)
{
    struct option longopts[32 + FO_CLI_MAX_REPORTERS + FO_CLI_MAX_SOURCES] = {
        { "min-agents", required_argument, NULL, OPT_MIN_AGENTS },
        { "wait", required_argument, NULL, OPT_WAIT },
        FO_CLI_ARTIFACT_LONGOPTS,
        FO_CLI_OUTPUT_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        FO_CLI_RUN_LONGOPTS,
        FO_CLI_NET_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    fo_cli_add_reporter_options (longopts, sizeof longopts / sizeof longopts[0]);
    fo_cli_add_source_options (longopts, sizeof longopts / sizeof longopts[0]);
    fo_cli_run_opts_init (&args->run, BROKER_MAX_ATTEMPTS);
    args->min_agents = 1;
    args->wait_s = BROKER_DEFAULT_WAIT_S;
    fo_cli_output_opts_init (&args->outputs);
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, "+h" FO_CLI_RUN_SHORTOPTS, longopts, NULL)) != -1) {
        int handled = fo_cli_run_option ("broker", c, optarg, &args->run);
        if (handled == 0)
            handled = fo_cli_net_option ("broker", c, optarg, &args->net);
        if (handled == 0)
            handled = fo_cli_artifact_option ("broker", c, optarg, &args->shipping);
        if (handled == 0)
            handled = fo_cli_output_option ("broker", c, optarg, &args->outputs);
        if (handled < 0)
            return FO_EXIT_USAGE;
        if (handled)
            continue;
        switch (c) {
        case OPT_MIN_AGENTS:
            if (fo_cli_parse_count ("broker", "--min-agents", optarg, 1, FO_BROKER_MAX_AGENTS,
                                    &args->min_agents) != 0)
                return FO_EXIT_USAGE;
            break;
        case OPT_WAIT:
            if (fo_cli_parse_count ("broker", "--wait", optarg, 0, 7 * 24 * 3600,
                                    &args->wait_s) != 0)
                return FO_EXIT_USAGE;
            break;
        default:
            return fo_cli_option_end ("broker", c, usage);
        }
    }
    if (fo_cli_suite_operand ("broker", argc - optind, argv + optind, &args->run) != 0
        || fo_cli_run_env ("broker", &args->run) != 0)
        return FO_EXIT_USAGE;
    if (!args->net.bind)
        args->net.bind = BROKER_DEFAULT_BIND;
    int rc = fo_cli_net_check ("broker", &args->net);
    if (rc != 0)
        return rc;
    return fo_cli_outputs_open ("broker", &args->outputs);
}

static int
serve (broker_args *args, const fo_suite *suite, fo_plan *plan, fo_report *report,
       fo_reporters *reporters)
{
    static const char *stop_reason = FO_INTERRUPT_REASON;
    fo_broker_options bo = {
        .bind = args->net.bind,
        .stop = &fo_cli_interrupted,
        .stop_reason = &stop_reason,
        .abort = &fo_cli_aborted,
        .min_agents = args->min_agents,
        .wait_ms = args->wait_s * 1000u,
    };
    fo_cli_net_apply (&args->net, &bo);
    fo_cli_run_options_apply (&args->run, suite, plan, report, reporters, &bo.run);
    fo_cli_artifacts_apply (&args->artifacts, &bo);
    fo_cli_outputs_apply (&args->outputs, &bo);
    char err[512];
    fo_broker *broker = fo_broker_new (&bo, err, sizeof err);
    if (!broker) {
        fprintf (stderr, "fanout broker: %s\n", err);
        return -1;
    }
    fo_log (FO_LOG_INFO, "broker", "%zu tests in %zu tasks; waiting for %u agent%s%s", plan->ntests,
            plan->ntasks, args->min_agents, args->min_agents == 1 ? "" : "s",
            args->wait_s ? "" : " (for ever)");
    int rc = fo_broker_run (broker, err, sizeof err);
    if (rc != 0)
        fprintf (stderr, "fanout broker: %s\n", err);
    fo_broker_destroy (&broker);
    return rc;
}

/* What parse_args left when the command ends early. */
static void
free_args (broker_args *args)
{
    fo_cli_artifact_opts_free (&args->shipping);
    fo_outputs_destroy (&args->outputs.outputs);
}

int
fo_cmd_broker (int argc, char **argv)
{
    broker_args args = { 0 };
    int rc = parse_args (argc, argv, &args);
    if (rc != 0) {
        free_args (&args);
        return rc < 0 ? FO_EXIT_OK : rc;
    }
    fo_suite *suite;
    fo_plan *plan;
    fo_report *report;
    /* Shared fixtures run here: the same process hygiene as fanout run. */
    rc = fo_cli_open_reports ("broker", &args.run);
    if (rc != 0) {
        free_args (&args);
        return rc;
    }
    fo_cli_core_dumps (args.run.core_dumps);
    fo_cli_install_signals ();
    fo_cli_guard_processes ("broker");
    /* A Python discovery may stay as the fork server of the run's local
       workers and shared fixtures (fo_pyfork.h); they need the subreaper. */
    fo_pyfork_allow (!args.run.python_fork_off);
    rc = fo_cli_prepare (&args.run, &suite, &plan, &report);
    if (rc != 0) {
        fo_cli_close_reports (&args.run);
        free_args (&args);
        return rc;
    }
    /* What the agents need shipped, hashed before any agent is served. */
    rc = fo_cli_artifacts_prepare ("broker", suite, &args.shipping, &args.artifacts);
    fo_cli_artifact_opts_free (&args.shipping);
    if (rc != 0) {
        fo_report_destroy (&report);
        fo_plan_destroy (&plan);
        fo_suite_destroy (&suite);
        fo_cli_close_reports (&args.run);
        fo_cli_sweep_processes ("broker");
        free_args (&args);
        return rc;
    }
    fo_report_set_jobs (report, 0);            /* grows as agents join */
    fo_cli_signals_graceful (true);
    fo_reporters *reporters = fo_cli_reporters_new (&args.run);
    rc = serve (&args, suite, plan, report, reporters);
    fo_cli_artifacts_free (&args.artifacts);
    fo_cli_outputs_close ("broker", &args.outputs);
    fo_log_flush ();            /* what the rate limit held back is counted */
    fo_cli_sweep_processes ("broker");
    return fo_cli_finish (&suite, &plan, &report, &reporters, rc == 0);
}
