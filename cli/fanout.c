/*  fanout — a distributed test runner. main() picks the subcommand. */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_cli.h"
#include "fo_log.h"
#include "fo_proto.h"
#include "fo_report.h"

/* The version has one source, CMakeLists.txt's project(VERSION), which
   debian/changelog must match (tests/integration/test_version.sh). */
#ifndef FANOUT_VERSION
#error "FANOUT_VERSION is set by cli/CMakeLists.txt from project(VERSION)"
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
             "  run       run a suite on this machine (embedded broker and agent);\n"
             "            --bind also lets agents on other hosts join\n"
             "  broker    serve a suite to agents on other hosts and report\n"
             "  agent     join a broker and run the tasks it leases (a farm daemon,\n"
             "            or --once)\n"
             "  list      show the tests a run would run (--plan: its tasks, and why)\n"
             "  keygen    write a CurveZMQ key pair for a broker or an agent\n"
             "\n"
             "options:\n"
             "  -h, --help     show this help\n"
             "  --version      show fanout's version\n"
             "\n"
             "environment:\n"
             "  FANOUT_JOBS    worker slots when -j is not given (run, agent)\n"
             "  FANOUT_HISTORY the history file when --history is not given (run,\n"
             "                 broker, list; default ./" ".fanout-history.json" ")\n"
             "  FANOUT_TIMEOUT the default --timeout (run, broker)\n"
             "  FANOUT_HASH_CACHE  the artifacts' hash cache when --hash-cache is not\n"
             "                 given (broker, list; default ./.fanout-hashes.json)\n"
             "  FANOUT_LOG     diagnostics on stderr: error, warning, info or debug\n"
             "                 (default: info for broker and agent, warning for run)\n"
             "  NO_COLOR, CLICOLOR_FORCE, TERM  colours and the live view (run,\n"
             "                 broker: see --color)\n"
             "\n"
             "`fanout COMMAND --help` describes a command; `man fanout` all of them.\n"
             "More in the documentation (installed under share/doc/fanout, or docs/\n"
             "in the source tree; multi-host.md for build farms, deploy.md for\n"
             "clusters).\n");
}

/* The command's default, unless FANOUT_LOG says otherwise. Non-zero (after
   a message) when FANOUT_LOG is not a level. */
static int
set_log_level (const char *command, fo_log_level level)
{
    const char *env = getenv ("FANOUT_LOG");
    if (env && *env && fo_log_level_from_name (env, &level) != 0) {
        fprintf (stderr, "fanout %s: FANOUT_LOG needs error, warning, info or debug, not "
                 "FANOUT_LOG='%s'\n", command, env);
        return -1;
    }
    fo_log_set_level (level);
    return 0;
}

int
main (int argc, char **argv)
{
    /* Before any thread and any open: closed standard descriptors and an
       ignored SIGCHLD, as whoever started us may have left them. */
    if (fo_cli_take_inherited () != 0)
        return FO_EXIT_INFRA;
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
        return set_log_level ("run", FO_LOG_WARN) ? FO_EXIT_USAGE : fo_cmd_run (argc - 1, argv + 1);
    if (strcmp (command, "broker") == 0)
        return set_log_level ("broker", FO_LOG_INFO) ? FO_EXIT_USAGE : fo_cmd_broker (argc - 1, argv + 1);
    if (strcmp (command, "agent") == 0)
        return set_log_level ("agent", FO_LOG_INFO) ? FO_EXIT_USAGE : fo_cmd_agent (argc - 1, argv + 1);
    if (strcmp (command, "list") == 0)
        return set_log_level ("list", FO_LOG_WARN) ? FO_EXIT_USAGE : fo_cmd_list (argc - 1, argv + 1);
    if (strcmp (command, "keygen") == 0)
        return fo_cmd_keygen (argc - 1, argv + 1);
    if (strcmp (command, "gtest-names") == 0)
        return fo_cmd_gtest_names (argc - 1, argv + 1);
    if (strcmp (command, "glib-names") == 0)
        return fo_cmd_glib_names (argc - 1, argv + 1);
    if (strcmp (command, "ctest-list") == 0)
        return fo_cmd_ctest_list (argc - 1, argv + 1);
    fprintf (stderr, "fanout: unknown command '%s' (see fanout --help)\n", command);
    return FO_EXIT_USAGE;
}
