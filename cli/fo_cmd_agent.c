/*  fanout agent — one host's agent: joins a broker, runs the tasks it
    leases in N worker slots and streams the results back. A daemon by
    default (serves run after run, reconnects with backoff); --once leaves
    after one run. SIGTERM or SIGINT kill its running tests, say bye to the
    broker (which re-leases them elsewhere) and end it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "fo_agent.h"
#include "fo_cli.h"
#include "fo_cli_net.h"
#include "fo_cli_offer.h"
#include "fo_cli_python.h"
#include "fo_cli_parse.h"
#include "fo_cli_session.h"
#include "fo_curve.h"
#include "fo_log.h"
#include "fo_report.h"

enum {
    OPT_ONCE = FO_OPT_COMMAND_BASE,
    OPT_NAME,
    OPT_CERT,
    OPT_BROKER_KEY,
    OPT_INSECURE,
    OPT_PREFETCH,
    OPT_CACHE_DIR,
    OPT_CACHE_SIZE,
};

/* The blob cache's size by default, MiB (FO_BLOB_CACHE_DEFAULT_SIZE). */
#define DEFAULT_CACHE_MIB 10240u

typedef struct {
    const char *connect;
    unsigned jobs;
    uint32_t prefetch;
    bool once;
    const char *name;
    const char *cert;
    const char *broker_key;
    bool insecure;
    fo_curve_key own;
    fo_curve_key broker;
    fo_offer offer;
    fo_python_worker_options python;
    const char *cache_dir;      /* --cache-dir, or NULL: the default */
    uint32_t cache_mib;
} agent_args;

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fanout agent --connect ENDPOINT [OPTIONS]\n"
             "\n"
             "Joins the broker at ENDPOINT ('fanout broker --bind') and runs the tasks it\n"
             "leases in N worker slots. Keeps serving run after run and reconnects when\n"
             "the broker goes away, unless --once. See docs/multi-host.md.\n"
             "\n"
             "options:\n"
             "  -c, --connect ENDPOINT  the broker, e.g. tcp://ci-broker:5555 (required)\n"
             "  -j, --jobs N          worker slots, at most " FO_CLI_STR (FO_CLI_MAX_JOBS_N) "\n"
             "                        (default: $FANOUT_JOBS, else one per core; 0 or\n"
             "                        negative also means one per core)\n"
             "      --once            leave after one run (compose services, Kubernetes\n"
             "                        jobs)\n"
             "      --name NAME       the host name the report shows (default: this host's)\n"
             "      --cert FILE       this agent's key pair (NAME.cert_secret written by\n"
             "                        'fanout keygen NAME')\n"
             "      --broker-key FILE the broker's public certificate: the agent works for\n"
             "                        no one else\n"
             "      --insecure        allow plaintext TCP to the broker (no keys), loopback\n"
             "                        included: whoever listens there first can pose as\n"
             "                        the broker and have this agent run commands\n"
             "      --prefetch N      leases queued beyond the free slots (default 1)\n"
             "      --cache-dir DIR   where artifacts shipped by the broker are kept\n"
             "                        (default $XDG_STATE_HOME/fanout/cache, else\n"
             "                        ~/.local/state/fanout/cache). docs/artifacts.md\n"
             "      --cache-size MIB  its size; the least recently used blobs go first\n"
             "                        (default " FO_CLI_STR (DEFAULT_CACHE_MIB) ")\n");
    fo_cli_offer_usage (out, "label");
    fo_cli_python_usage (out);
    fprintf (out,
             "  -h, --help            show this help\n"
             "\n");
    fo_cli_env_usage (out, "agent");
    fputc ('\n', out);
    fo_cli_exit_usage (out, "agent");
}

static int
parse_args (int argc, char **argv, agent_args *args)
{
    static const struct option longopts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "jobs", required_argument, NULL, 'j' },
        { "once", no_argument, NULL, OPT_ONCE },
        { "name", required_argument, NULL, OPT_NAME },
        { "cert", required_argument, NULL, OPT_CERT },
        { "broker-key", required_argument, NULL, OPT_BROKER_KEY },
        { "insecure", no_argument, NULL, OPT_INSECURE },
        { "prefetch", required_argument, NULL, OPT_PREFETCH },
        { "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
        { "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
        FO_CLI_OFFER_LONGOPTS ("label"),
        FO_CLI_PYTHON_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    args->prefetch = 1;
    args->cache_mib = DEFAULT_CACHE_MIB;
    if (fo_cli_jobs_from_env ("agent", &args->jobs) != 0 || fo_cli_check_spawn_env ("agent") != 0)
        return FO_EXIT_USAGE;
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, "+c:j:h", longopts, NULL)) != -1) {
        int handled = fo_cli_offer_option ("agent", c, optarg, &args->offer);
        if (handled == 0)
            handled = fo_cli_python_option ("agent", c, optarg, &args->python);
        if (handled < 0)
            return FO_EXIT_USAGE;
        if (handled)
            continue;
        switch (c) {
        case 'c':
            args->connect = optarg;
            break;
        case 'j':
            if (fo_cli_parse_jobs ("agent", "-j", optarg, &args->jobs) != 0)
                return FO_EXIT_USAGE;
            break;
        case OPT_ONCE:
            args->once = true;
            break;
        case OPT_NAME:
            if (!*optarg || strlen (optarg) > 255) {
                fprintf (stderr, "fanout agent: --name needs 1 to 255 characters\n");
                return FO_EXIT_USAGE;
            }
            args->name = optarg;
            break;
        case OPT_CERT:
            args->cert = optarg;
            break;
        case OPT_BROKER_KEY:
            args->broker_key = optarg;
            break;
        case OPT_INSECURE:
            args->insecure = true;
            break;
        case OPT_PREFETCH:
            if (fo_cli_parse_count ("agent", "--prefetch", optarg, 0, 1000, &args->prefetch) != 0)
                return FO_EXIT_USAGE;
            break;
        case OPT_CACHE_DIR:
            if (!*optarg) {
                fprintf (stderr, "fanout agent: --cache-dir needs a directory\n");
                return FO_EXIT_USAGE;
            }
            args->cache_dir = optarg;
            break;
        case OPT_CACHE_SIZE:
            if (fo_cli_parse_count ("agent", "--cache-size", optarg, 1, 1u << 30,
                                    &args->cache_mib) != 0)
                return FO_EXIT_USAGE;
            break;
        default:
            return fo_cli_option_end ("agent", c, usage);
        }
    }
    if (optind < argc) {
        fprintf (stderr, "fanout agent: unexpected argument '%s'\n", argv[optind]);
        return FO_EXIT_USAGE;
    }
    if (!args->connect) {
        fprintf (stderr, "fanout agent: --connect ENDPOINT is required (the broker, e.g. "
                 "tcp://ci-broker:5555)\n");
        return FO_EXIT_USAGE;
    }
    if (!args->cert != !args->broker_key) {
        fprintf (stderr, "fanout agent: --cert and --broker-key go together\n");
        return FO_EXIT_USAGE;
    }
    if (args->cert) {
        char err[512];
        if (fo_curve_load (args->cert, true, &args->own, err, sizeof err) != 0) {
            fprintf (stderr, "fanout agent: --cert: %s\n", err);
            return FO_EXIT_USAGE;
        }
        if (fo_curve_load (args->broker_key, false, &args->broker, err, sizeof err) != 0) {
            fprintf (stderr, "fanout agent: --broker-key: %s\n", err);
            return FO_EXIT_USAGE;
        }
        return 0;
    }
    return fo_cli_check_plaintext ("agent", args->connect, args->insecure, true);
}

/* The agent's state directory's cache: $XDG_STATE_HOME/fanout/cache, else
   ~/.local/state/fanout/cache, else /var/tmp/fanout-<uid>/cache. */
static char *
default_cache_dir (void)
{
    const char *state = getenv ("XDG_STATE_HOME"), *home = getenv ("HOME");
    if (state && state[0] == '/')
        return fo_xasprintf ("%s/fanout/cache", state);
    if (home && home[0] == '/')
        return fo_xasprintf ("%s/.local/state/fanout/cache", home);
    return fo_xasprintf ("/var/tmp/fanout-%u/cache", (unsigned) getuid ());
}

int
fo_cmd_agent (int argc, char **argv)
{
    agent_args args = { 0 };
    int rc = parse_args (argc, argv, &args);
    if (rc != 0) {
        fo_offer_free (&args.offer);
        return rc < 0 ? FO_EXIT_OK : rc;
    }
    /* No core files from crashing tests; a SIGTERM/SIGINT ends the agent
       gracefully (its tests killed, a bye to the broker); the subreaper
       and watchdog leave no test process behind, even after a SIGKILL. */
    fo_cli_core_dumps (0);
    fo_cli_install_signals ();
    fo_cli_guard_processes ("agent");
    fo_cli_signals_graceful (false);
    fo_agent_options options = {
        .endpoint = args.connect,
        .slots = args.jobs,
        .prefetch = args.prefetch,
        .host = args.name,
        .once = args.once,
        .stop = &fo_cli_interrupted,
        .offer = &args.offer,
        .python = &args.python,
        .cache_size = (uint64_t) args.cache_mib << 20,
    };
    char *cache_dir = args.cache_dir ? fo_xstrdup (args.cache_dir) : default_cache_dir ();
    options.cache_dir = cache_dir;
    options.cache_dir_given = args.cache_dir != NULL;
    if (args.cert) {
        options.curve_public = args.own.public_txt;
        options.curve_secret = args.own.secret_txt;
        options.curve_server = args.broker.public_txt;
    }
    fo_log (FO_LOG_INFO, "agent", "joining %s with %u worker slot%s%s", args.connect, args.jobs,
            args.jobs == 1 ? "" : "s", args.once ? " for one run" : "");
    char err[1024];
    rc = fo_agent_run (&options, err, sizeof err);
    fo_offer_free (&args.offer);
    free (cache_dir);
    fo_log_flush ();
    fo_cli_sweep_processes ("agent");
    if (rc != 0) {
        fprintf (stderr, "fanout agent: %s\n", err);
        return FO_EXIT_FAILED;
    }
    if (fo_cli_interrupted)
        fo_log (FO_LOG_INFO, "agent", "stopped by %s", fo_cli_interrupted == SIGTERM ? "SIGTERM"
                : fo_cli_interrupted == SIGINT ? "SIGINT" : "a signal");
    return FO_EXIT_OK;
}
