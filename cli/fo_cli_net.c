/*  fo_cli_net — see fo_cli_net.h. */
#include "fo_cli_net.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fo_report.h"

int
fo_cli_parse_count (const char *command, const char *option, const char *arg, uint32_t min,
                    uint32_t max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul (arg, &end, 10);
    if (errno || end == arg || *end != '\0' || arg[0] == '-' || n < min || n > max) {
        fprintf (stderr, "fanout %s: %s needs a whole number from %u to %u, not '%s'\n",
                 command, option, min, max, arg);
        return -1;
    }
    *out = (uint32_t) n;
    return 0;
}

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
             "      --insecure        allow plaintext TCP on an endpoint other hosts can\n"
             "                        reach (anyone who connects can take tasks and\n"
             "                        submit results)\n"
             "      --heartbeat MS    heartbeat interval, both ways (default %u)\n"
             "      --liveness N      heartbeats missed before a host is lost (default %u)\n",
             bind_help, FO_DEFAULT_HEARTBEAT_MS, FO_DEFAULT_LIVENESS);
}

int
fo_cli_check_plaintext (const char *command, const char *endpoint, bool insecure,
                        const char *keys_hint)
{
    if (fo_endpoint_is_local (endpoint))
        return 0;
    if (!insecure) {
        fprintf (stderr,
                 "fanout %s: refusing plaintext TCP on %s: any host that can reach it could "
                 "take tasks and submit results.\n"
                 "Give %s (see 'fanout keygen'), or --insecure on a network you trust.\n",
                 command, endpoint, keys_hint);
        return FO_EXIT_USAGE;
    }
    fprintf (stderr, "fanout %s: warning: --insecure: plaintext TCP on %s; nothing is "
             "authenticated or encrypted\n", command, endpoint);
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
    return fo_cli_check_plaintext (command, opts->bind, opts->insecure,
                                   "--curve-secret FILE and --authorized DIR");
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
