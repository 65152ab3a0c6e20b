/*  fanout keygen NAME — a CurveZMQ key pair as czmq certificates: NAME.cert
    (public: give it to the other side) and NAME.cert_secret (keep it on
    this host). */
#include <stdio.h>
#include <string.h>

#include "fo_cli.h"
#include "fo_curve.h"
#include "fo_report.h"

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fanout keygen NAME\n"
             "\n"
             "Writes a new CurveZMQ key pair: NAME.cert holds the public key (copy it to\n"
             "the broker's --authorized directory for an agent, or give it to agents as\n"
             "--broker-key for a broker) and NAME.cert_secret holds both keys (mode 0600;\n"
             "it stays on its host: --curve-secret for a broker, --cert for an agent).\n"
             "Existing files are never overwritten. See docs/multi-host.md.\n"
             "\n"
             "options:\n"
             "  -h, --help            show this help\n"
             "\n");
    fo_cli_exit_usage (out, "keygen");
}

int
fo_cmd_keygen (int argc, char **argv)
{
    if (argc == 2 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0)) {
        usage (stdout);
        return FO_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
        usage (stderr);
        return FO_EXIT_USAGE;
    }
    fo_curve_key key;
    char err[1024];
    if (fo_curve_keygen (argv[1], &key, err, sizeof err) != 0) {
        fprintf (stderr, "fanout keygen: %s\n", err);
        return FO_EXIT_FAILED;
    }
    printf ("wrote %s.cert (public key %s)\n"
            "  and %s.cert_secret (secret: keep it on this host)\n",
            argv[1], key.public_txt, argv[1]);
    return FO_EXIT_OK;
}
