/*  fanout — a distributed test runner. main() picks the subcommand. */
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "fo_cli.h"
#include "fo_proto.h"
#include "fo_report.h"

#ifndef FANOUT_VERSION
#define FANOUT_VERSION "0.1.0"
#endif

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fanout COMMAND [OPTIONS]\n"
             "\n"
             "Runs a test suite in parallel: a broker plans the suite's tests into\n"
             "tasks by their fixture contexts and leases them to agents' worker slots.\n"
             "\n"
             "commands:\n"
             "  run       run a suite on this machine (embedded broker and agent)\n"
             "\n"
             "options:\n"
             "  -h, --help     show this help\n"
             "  --version      show fanout's version\n"
             "\n"
             "`fanout COMMAND --help` describes a command. Documentation: docs/ in\n"
             "the source tree.\n");
}

int
main (int argc, char **argv)
{
    /* czmq installs its own SIGINT/SIGTERM handlers on first use; fanout
       handles signals itself (fo_cli_install_signals). */
    zsys_handler_set (NULL);
    if (argc < 2) {
        usage (stderr);
        return FO_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp (command, "-h") == 0 || strcmp (command, "--help") == 0 || strcmp (command, "help") == 0) {
        usage (stdout);
        return FO_EXIT_OK;
    }
    if (strcmp (command, "--version") == 0) {
        printf ("fanout %s (protocol %u)\n", FANOUT_VERSION, FO_PROTO_VERSION);
        return FO_EXIT_OK;
    }
    if (strcmp (command, "run") == 0)
        return fo_cmd_run (argc - 1, argv + 1);
    fprintf (stderr, "fanout: unknown command '%s' (see fanout --help)\n", command);
    return FO_EXIT_USAGE;
}
