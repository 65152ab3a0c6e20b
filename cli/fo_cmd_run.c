/*  fanout run — the whole tool on one machine: loads and plans the suite,
    binds a broker on an inproc endpoint and runs one agent with N worker
    slots in a second thread. Broker and agent talk the same ZeroMQ/msgpack
    protocol as across machines; only the transport differs. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_agent.h"
#include "fo_broker.h"
#include "fo_cli.h"
#include "fo_log.h"
#include "fo_plan.h"
#include "fo_report.h"
#include "fo_suite.h"

#define DEFAULT_SUITE "fanout.yml"

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fanout run [OPTIONS] [SUITE]\n"
             "\n"
             "Runs the suite file SUITE (default: ./" DEFAULT_SUITE ") on this machine with\n"
             "N worker slots, then prints the summary. See docs/suite-file.md.\n"
             "\n"
             "options:\n"
             "  -j, --jobs N      worker slots (default: $FANOUT_JOBS, else one per core;\n"
             "                    0 or negative also means one per core)\n"
             "  -v, --verbose     one line per test: 'id ... ok (0.12s)'\n"
             "  -q, --quiet       no progress, only the summary\n"
             "      --json FILE   also write the JSON report (docs/report-json.md) to FILE\n"
             "  -h, --help        show this help\n"
             "\n"
             "exit status: 0 all passed (or skipped), 1 a test failed or errored,\n"
             "2 bad usage or suite file, 3 a test could not be run at all,\n"
             "130 interrupted.\n");
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
    unsigned jobs;
    fo_verbosity verbosity;
    const char *json;
    const char *suite;
} run_args;

static int
parse_args (int argc, char **argv, run_args *args)
{
    static const struct option longopts[] = {
        { "jobs", required_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "json", required_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    args->verbosity = FO_VERBOSITY_DOTS;
    args->jobs = fo_cli_default_jobs ();
    const char *env_jobs = getenv ("FANOUT_JOBS");
    if (env_jobs && *env_jobs && fo_cli_parse_jobs (env_jobs, &args->jobs) != 0) {
        fprintf (stderr, "fanout run: FANOUT_JOBS='%s' is not a number\n", env_jobs);
        return FO_EXIT_USAGE;
    }
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, "+j:vqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (fo_cli_parse_jobs (optarg, &args->jobs) != 0) {
                fprintf (stderr, "fanout run: -j needs a number, not '%s'\n", optarg);
                return FO_EXIT_USAGE;
            }
            break;
        case 'v':
            args->verbosity = FO_VERBOSITY_LINES;
            break;
        case 'q':
            args->verbosity = FO_VERBOSITY_QUIET;
            break;
        case 'J':
            args->json = optarg;
            break;
        case 'h':
            usage (stdout);
            return -1;
        default:
            fprintf (stderr, "fanout run: see fanout run --help\n");
            return FO_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf (stderr, "fanout run: one suite file at most (got '%s' and '%s')\n",
                 argv[optind], argv[optind + 1]);
        return FO_EXIT_USAGE;
    }
    args->suite = optind < argc ? argv[optind] : DEFAULT_SUITE;
    return 0;
}

static void
init_report (fo_report *report, const fo_plan *plan, const char *suite_path)
{
    fo_report_init (report, plan->ntests);
    for (size_t i = 0; i < plan->ntests; i++)
        fo_report_set_test (report, i, plan->tests[i]->id, plan->tests[i]->parent->id);
    report->suite = fo_xstrdup (suite_path);
    report->started_us = fo_now_us ();
}

/* Runs the planned suite with the embedded broker and agent. Returns 0, or
   -1 (message printed) when the run could not be served at all. */
static int
serve (const run_args *args, const fo_suite *suite, const fo_plan *plan, fo_report *report)
{
    /* One flag stops the run: a signal sets it to the signal's number, a
       failed agent thread to -1 (after setting the reason). */
    static const char *stop_reason = "interrupted";
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://fanout-run-%d", (int) getpid ());

    fo_broker_options bo = {
        .bind = endpoint,
        .run = {
            .plan = plan,
            .report = report,
            .progress = stdout,
            .verbosity = args->verbosity,
            .max_attempts = 1,      /* one machine: a lost agent will not come back */
            .output_cap = 0,
            .skip_code = suite->skip_code,
            .broker_host = NULL,
        },
        .stop = &fo_cli_interrupted,
        .stop_reason = &stop_reason,
    };
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
        },
        .broker_stop = &fo_cli_interrupted,
        .broker_stop_reason = &stop_reason,
    };
    t.options.stop = &t.stop;
    pthread_t thread;
    if (pthread_create (&thread, NULL, agent_main, &t) != 0) {
        fprintf (stderr, "fanout run: cannot start the agent thread\n");
        fo_broker_destroy (&broker);
        return -1;
    }
    int rc = fo_broker_run (broker, err, sizeof err);
    if (rc != 0)
        fprintf (stderr, "fanout run: %s\n", err);
    t.stop = rc != 0;   /* after a complete run the agent leaves on shutdown */
    pthread_join (thread, NULL);
    fo_broker_destroy (&broker);
    return rc;
}

int
fo_cmd_run (int argc, char **argv)
{
    run_args args = { 0 };
    int rc = parse_args (argc, argv, &args);
    if (rc != 0)
        return rc < 0 ? FO_EXIT_OK : rc;

    char err[1024];
    fo_suite *suite = fo_suite_load (args.suite, err, sizeof err);
    if (!suite) {
        fprintf (stderr, "%s\n", err);
        return FO_EXIT_USAGE;
    }
    if (fo_suite_discover (suite, err, sizeof err) != 0) {
        fprintf (stderr, "%s\n", err);
        fo_suite_destroy (&suite);
        return FO_EXIT_USAGE;
    }
    fo_plan *plan = fo_plan_build (suite);
    fo_report report;
    init_report (&report, plan, args.suite);
    report.jobs = args.jobs;

    fo_cli_install_signals ();
    rc = serve (&args, suite, plan, &report);
    report.finished_us = fo_now_us ();
    int status;
    if (rc != 0)
        status = FO_EXIT_INFRA;
    else {
        report.interrupted = fo_cli_interrupted > 0;
        fo_report_print_summary (stdout, &report, args.verbosity);
        status = fo_report_exit_status (&report);
    }
    if (args.json && fo_report_write_json (&report, args.json, err, sizeof err) != 0) {
        fprintf (stderr, "fanout run: %s\n", err);
        if (status == FO_EXIT_OK)
            status = FO_EXIT_INFRA;
    }
    fo_report_free (&report);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
    return status;
}
