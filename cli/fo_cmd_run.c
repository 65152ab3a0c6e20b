/*  fanout run — the whole tool on one machine: loads and plans the suite,
    binds a broker on an inproc endpoint and runs one agent with N worker
    slots in a second thread. Broker and agent talk the same ZeroMQ/msgpack
    protocol as across machines; only the transport differs. With --bind the
    broker also listens there, and agents on other hosts join the run. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_agent.h"
#include "fo_broker.h"
#include "fo_cli.h"
#include "fo_pyfork.h"
#include "fo_cli_net.h"
#include "fo_cli_offer.h"
#include "fo_cli_outputs.h"
#include "fo_cli_python.h"
#include "fo_cli_parse.h"
#include "fo_cli_session.h"
#include "fo_log.h"
#include "fo_report_dest.h"
#include "fo_plan.h"
#include "fo_report.h"
#include "fo_suite.h"

/* One machine: a lost local agent will not come back. With --bind, remote
   agents may be lost and their tasks retried like a broker's. */
#define RUN_MAX_ATTEMPTS 1
#define RUN_BIND_MAX_ATTEMPTS 2
/* With --bind, how long tasks no agent can take wait for one that can. */
#define FO_RUN_PLACEMENT_WAIT_S 30u
_Static_assert (FO_CLI_MAX_JOBS_N == FO_BROKER_MAX_SLOTS,
                "-j must stop where the broker would refuse the agent");

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fanout run [OPTIONS] [SUITE]\n"
             "\n"
             "Runs the suite file SUITE (default: ./" FO_CLI_DEFAULT_SUITE ") on this machine with\n"
             "N worker slots, then prints the summary. See docs/suite-file.md.\n"
             "\n"
             "options:\n"
             "  -j, --jobs N          worker slots, at most " FO_CLI_STR (FO_CLI_MAX_JOBS_N) "\n"
             "                        (default: $FANOUT_JOBS, else one per core; 0 or\n"
             "                        negative also means one per core)\n");
    fo_cli_run_usage (out, FO_CLI_STR (RUN_MAX_ATTEMPTS) ", or "
                      FO_CLI_STR (RUN_BIND_MAX_ATTEMPTS) " with --bind");
    fo_cli_net_usage (out, "also accept agents of other hosts there, e.g.\n"
                      "                        tcp://*:5555 ('fanout agent --connect')");
    fo_cli_offer_usage (out, "agent-label");
    fo_cli_python_usage (out);
    fo_cli_output_usage (out);
    fprintf (out,
             "  -h, --help            show this help\n"
             "\n"
             "Ctrl-C (SIGINT, SIGTERM, SIGHUP) stops the run: running tests are killed,\n"
             "shared teardowns run, the report is complete and marked interrupted (exit\n"
             "130).\n"
             "A second one stops at once, still killing every process of the run and\n"
             "writing the report; a third exits without it. Signals within 250 ms of\n"
             "each other count as one.\n"
             "\n");
    fo_cli_env_usage (out, "run");
    fputc ('\n', out);
    fo_cli_exit_usage (out, "run");
}

typedef struct {
    fo_agent_options options;
    volatile sig_atomic_t stop;
    volatile sig_atomic_t *broker_stop;
    const char **broker_stop_reason;
    char err[512];
    int rc;
} agent_thread;

static void *
agent_main (void *arg)
{
    agent_thread *t = arg;
    t->rc = fo_agent_run (&t->options, t->err, sizeof t->err);
    if (t->rc != 0) {
        /* Without its agent the run cannot go on: stop it, so that every
           test still waiting ends not_run with this reason. */
        static char reason[600];
        snprintf (reason, sizeof reason, "the local agent failed: %s", t->err);
        *t->broker_stop_reason = reason;
        *t->broker_stop = -1;
    }
    return NULL;
}

typedef struct {
    fo_cli_run_opts run;
    fo_cli_net_opts net;
    unsigned jobs;
    fo_offer offer;     /* the local agent's resources and labels */
    fo_python_worker_options python;    /* its Python workers' restarts */
    fo_cli_output_opts outputs;         /* --output-dir: what tests leave */
} run_args;

static int
parse_args (int argc, char **argv, run_args *args)
{
    struct option longopts[32 + FO_CLI_MAX_REPORTERS + FO_CLI_MAX_SOURCES] = {
        { "jobs", required_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        FO_CLI_RUN_LONGOPTS,
        FO_CLI_NET_LONGOPTS,
        FO_CLI_OFFER_LONGOPTS ("agent-label"),
        FO_CLI_PYTHON_LONGOPTS,
        FO_CLI_OUTPUT_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    fo_cli_add_reporter_options (longopts, sizeof longopts / sizeof longopts[0]);
    fo_cli_add_source_options (longopts, sizeof longopts / sizeof longopts[0]);
    fo_cli_run_opts_init (&args->run, 0);      /* 0: not given, see below */
    fo_cli_output_opts_init (&args->outputs);
    if (fo_cli_jobs_from_env ("run", &args->jobs) != 0 || fo_cli_check_spawn_env ("run") != 0)
        return FO_EXIT_USAGE;
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, "+j:h" FO_CLI_RUN_SHORTOPTS, longopts, NULL)) != -1) {
        int handled = fo_cli_run_option ("run", c, optarg, &args->run);
        if (handled == 0)
            handled = fo_cli_net_option ("run", c, optarg, &args->net);
        if (handled == 0)
            handled = fo_cli_offer_option ("run", c, optarg, &args->offer);
        if (handled == 0)
            handled = fo_cli_python_option ("run", c, optarg, &args->python);
        if (handled == 0)
            handled = fo_cli_output_option ("run", c, optarg, &args->outputs);
        if (handled < 0)
            return FO_EXIT_USAGE;
        if (handled)
            continue;
        switch (c) {
        case 'j':
            if (fo_cli_parse_jobs ("run", "-j", optarg, &args->jobs) != 0)
                return FO_EXIT_USAGE;
            break;
        default:
            return fo_cli_option_end ("run", c, usage);
        }
    }
    if (fo_cli_suite_operand ("run", argc - optind, argv + optind, &args->run) != 0
        || fo_cli_run_env ("run", &args->run) != 0)
        return FO_EXIT_USAGE;
    if (args->run.max_attempts == 0)
        args->run.max_attempts = args->net.bind ? RUN_BIND_MAX_ATTEMPTS : RUN_MAX_ATTEMPTS;
    if (!args->net.bind && (args->net.curve_secret || args->net.authorized)) {
        fprintf (stderr, "fanout run: --curve-secret and --authorized need --bind\n");
        return FO_EXIT_USAGE;
    }
    int rc = fo_cli_net_check ("run", &args->net);
    return rc != 0 ? rc : fo_cli_outputs_open ("run", &args->outputs);
}

/* Runs the planned suite with the embedded broker and agent. Returns 0, or
   -1 (message printed) when the run could not be served at all. */
static int
serve (const run_args *args, const fo_suite *suite, fo_plan *plan, fo_report *report,
       fo_reporters *reporters)
{
    /* One flag stops the run: a signal sets it to the signal's number, a
       failed agent thread to -1 (after setting the reason). */
    static const char *stop_reason = FO_INTERRUPT_REASON;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://fanout-run-%d", (int) getpid ());

    fo_broker_options bo = {
        .bind = endpoint,
        .extra_bind = args->net.bind,
        .stop = &fo_cli_interrupted,
        .stop_reason = &stop_reason,
        .abort = &fo_cli_aborted,
        /* The local agent offers what --resource and --label say from the
           start: a task it can never take ends not run at once, unless
           agents may join through --bind (they get FO_RUN_PLACEMENT_WAIT_S). */
        .placement_wait_ms = args->net.bind ? FO_RUN_PLACEMENT_WAIT_S * 1000u : 1,
    };
    fo_cli_net_apply (&args->net, &bo);
    fo_cli_run_options_apply (&args->run, suite, plan, report, reporters, &bo.run);
    fo_cli_outputs_apply (&args->outputs, &bo);
    char err[512];
    fo_broker *broker = fo_broker_new (&bo, err, sizeof err);
    if (!broker) {
        fprintf (stderr, "fanout run: %s\n", err);
        return -1;
    }

    agent_thread t = {
        .options = {
            .endpoint = endpoint,
            .slots = args->jobs,
            .prefetch = args->jobs,
            .once = true,
            .offer = &args->offer,
            .abort = &fo_cli_aborted,
            .python = &args->python,
        },
        .broker_stop = &fo_cli_interrupted,
        .broker_stop_reason = &stop_reason,
    };
    t.options.stop = &t.stop;
    /* Signals are the main thread's alone: the agent thread starts with
       them blocked, so that one signal delivered twice (to fanout, then to
       its process group) cannot run the handler in both threads at once. */
    pthread_t thread;
    sigset_t block, old;
    fo_cli_signal_set (&block);
    pthread_sigmask (SIG_BLOCK, &block, &old);
    int started = pthread_create (&thread, NULL, agent_main, &t);
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (started != 0) {
        fprintf (stderr, "fanout run: cannot start the agent thread\n");
        fo_broker_destroy (&broker);
        return -1;
    }
    int rc = fo_broker_run (broker, err, sizeof err);
    if (rc != 0)
        fprintf (stderr, "fanout run: %s\n", err);
    /* The run is over: every task has ended, so the agent has nothing left
       to report. It usually leaves on the broker's shutdown, but an agent
       that had not joined yet (an interrupt right at the start) would wait
       for a welcome forever. */
    t.stop = 1;
    pthread_join (thread, NULL);
    fo_broker_destroy (&broker);
    return rc;
}

int
fo_cmd_run (int argc, char **argv)
{
    run_args args = { 0 };
    int rc = parse_args (argc, argv, &args);
    if (rc != 0) {
        fo_offer_free (&args.offer);
        fo_cli_outputs_close ("run", &args.outputs);
        return rc < 0 ? FO_EXIT_OK : rc;
    }

    /* Before anything is started: no core files unless asked, every
       process we start is ours to find (subreaper, watchdog), and an
       interrupt while the suite is discovered kills what discovery runs. */
    rc = fo_cli_open_reports ("run", &args.run);
    if (rc != 0) {
        fo_offer_free (&args.offer);
        fo_cli_outputs_close ("run", &args.outputs);
        return rc;
    }
    fo_cli_core_dumps (args.run.core_dumps);
    fo_cli_install_signals ();
    fo_cli_guard_processes ("run");
    /* A Python discovery may stay as the fork server of the run's local
       workers and shared fixtures (fo_pyfork.h); they need the subreaper. */
    fo_pyfork_allow (!args.run.python_fork_off);

    fo_suite *suite;
    fo_plan *plan;
    fo_report *report;
    rc = fo_cli_prepare (&args.run, &suite, &plan, &report);
    if (rc != 0) {
        fo_cli_close_reports (&args.run);
        fo_offer_free (&args.offer);
        fo_cli_outputs_close ("run", &args.outputs);
        return rc;
    }
    fo_report_set_jobs (report, args.jobs);
    fo_cli_signals_graceful (true);
    fo_reporters *reporters = fo_cli_reporters_new (&args.run);
    rc = serve (&args, suite, plan, report, reporters);
    fo_cli_outputs_close ("run", &args.outputs);
    fo_log_flush ();            /* what the rate limit held back is counted */
    fo_cli_sweep_processes ("run");
    fo_offer_free (&args.offer);
    return fo_cli_finish (&suite, &plan, &report, &reporters, rc == 0);
}
