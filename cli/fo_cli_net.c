/*  fo_cli_net — see fo_cli_net.h. */
#include "fo_cli_net.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fo_cli_parse.h"
#include "fo_log.h"
#include "fo_report.h"

int
fo_cli_net_option (const char *command, int c, const char *arg, fo_cli_net_opts *opts)
{
    switch (c) {
    case FO_OPT_BIND:
        opts->bind = arg;
        return 1;
    case FO_OPT_CURVE_SECRET:
        opts->curve_secret = arg;
        return 1;
    case FO_OPT_AUTHORIZED:
        opts->authorized = arg;
        return 1;
    case FO_OPT_INSECURE:
        opts->insecure = true;
        return 1;
    case FO_OPT_HEARTBEAT:
        return fo_cli_parse_count (command, "--heartbeat", arg, 50, 600000, &opts->heartbeat_ms)
            == 0 ? 1 : -1;
    case FO_OPT_LIVENESS:
        return fo_cli_parse_count (command, "--liveness", arg, 2, 1000, &opts->liveness)
            == 0 ? 1 : -1;
    default:
        return 0;
    }
}

void
fo_cli_net_usage (FILE *out, const char *bind_help)
{
    fprintf (out,
             "      --bind ENDPOINT   %s\n"
             "      --curve-secret FILE  the broker's key pair (NAME.cert_secret written by\n"
             "                        'fanout keygen NAME'): agents must use CurveZMQ\n"
             "      --authorized DIR  the public certificates (NAME.cert) of the agents\n"
             "                        allowed in; re-read when it changes\n"
             "      --insecure        allow plaintext TCP (no keys), loopback included:\n"
             "                        anyone who can connect (on loopback, any user of\n"
             "                        this host) can take tasks and submit results\n"
             "      --heartbeat MS    heartbeat interval, both ways (default %u)\n"
             "      --liveness N      heartbeats missed before a host is lost (default %u)\n",
             bind_help, FO_DEFAULT_HEARTBEAT_MS, FO_DEFAULT_LIVENESS);
}

/*  Plaintext is left alone only where the system decides who may connect:
    inproc (this process) and ipc (a socket file and its permissions).
    Loopback TCP is not: on a shared build host every local user can
    connect, take tasks and report a failing test as passed. */
static bool
plaintext_is_private (const char *endpoint)
{
    return strncmp (endpoint, "inproc://", 9) == 0 || strncmp (endpoint, "ipc://", 6) == 0;
}

int
fo_cli_check_plaintext (const char *command, const char *endpoint, bool insecure, bool agent)
{
    if (plaintext_is_private (endpoint))
        return 0;
    if (!insecure) {
        const char *who = fo_endpoint_is_local (endpoint) ? "any user of this host"
                                                          : "any host that can reach it";
        fprintf (stderr, "fanout %s: refusing plaintext TCP on %s: %s could %s.\n"
                 "Give %s (CurveZMQ keys, see 'fanout keygen'), or --insecure to accept "
                 "that.\n", command, endpoint, who,
                 agent ? "pose as the broker and have this agent run its commands"
                       : "connect, take tasks and report their results (a failing test as "
                         "passed)",
                 agent ? "--cert FILE and --broker-key FILE"
                       : "--curve-secret FILE and --authorized DIR");
        return FO_EXIT_USAGE;
    }
    /* Beyond loopback the whole network may listen: a warning. On loopback
       only this host's users can, and the user said so: a note. */
    fo_log (fo_endpoint_is_local (endpoint) ? FO_LOG_INFO : FO_LOG_WARN, command,
            "--insecure: plaintext TCP on %s; nothing is authenticated or encrypted", endpoint);
    return 0;
}

int
fo_cli_net_check (const char *command, fo_cli_net_opts *opts)
{
    if (!opts->curve_secret != !opts->authorized) {
        fprintf (stderr, "fanout %s: --curve-secret and --authorized go together\n", command);
        return FO_EXIT_USAGE;
    }
    if (opts->curve_secret) {
        char err[512];
        if (fo_curve_load (opts->curve_secret, true, &opts->key, err, sizeof err) != 0) {
            fprintf (stderr, "fanout %s: --curve-secret: %s\n", command, err);
            return FO_EXIT_USAGE;
        }
        struct stat st;
        if (stat (opts->authorized, &st) != 0 || !S_ISDIR (st.st_mode)) {
            fprintf (stderr, "fanout %s: --authorized: '%s' is not a directory\n", command,
                     opts->authorized);
            return FO_EXIT_USAGE;
        }
        return 0;
    }
    if (!opts->bind)
        return 0;
    return fo_cli_check_plaintext (command, opts->bind, opts->insecure, false);
}

void
fo_cli_net_apply (const fo_cli_net_opts *opts, fo_broker_options *bo)
{
    bo->heartbeat_ms = opts->heartbeat_ms;
    bo->liveness = opts->liveness;
    if (opts->curve_secret) {
        bo->curve_public = opts->key.public_txt;
        bo->curve_secret = opts->key.secret_txt;
        bo->authorized_dir = opts->authorized;
    }
}
