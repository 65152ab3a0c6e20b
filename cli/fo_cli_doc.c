/*  fo_cli_doc — what every command's --help ends with: the environment
    variables it reads and its exit statuses, each from one table. The
    exit statuses are said in words in this one place (the numbers are
    fo_report.h's FO_EXIT_*); docs/cli.md ("Environment", "Exit status")
    and fanout(1) say the same, and tests/integration/test_cli_docs.sh and
    test_install.sh check that they do. */
#include "fo_cli.h"

#include <string.h>

#include "fo_report.h"

typedef struct {
    int status;
    const char *commands;       /* the commands that end with it */
    const char *words;
} exit_doc;

static const exit_doc exits[] = {
    { FO_EXIT_OK, "run broker",
      "every test passed or was skipped (flaky ones too,\nunless --fail-on-flaky)" },
    { FO_EXIT_FAILED, "run broker",
      "a test failed, errored, timed out or crashed, a\nfixture failed, or the run stopped after --maxfail\nfailures" },
    { FO_EXIT_USAGE, "run broker",
      "bad usage: an option, the suite file\n(file:line:column: message), a report path, or the\nmetrics address" },
    { FO_EXIT_INFRA, "run broker",
      "a test could not be run at all (no agent came, the\nsocket could not be bound)" },
    { FO_EXIT_REPORT, "run broker",
      "the run ended but its report or console output\ncould not be written" },
    { FO_EXIT_INTERRUPTED, "run broker",
      "interrupted (SIGINT, SIGTERM, SIGHUP, or a Python\ntest's KeyboardInterrupt); the report is still\ncomplete" },
    { 0, "agent", "after its run (--once), or stopped by SIGTERM or\nSIGINT" },
    { 1, "agent", "refused by the broker, lost it during a --once\nrun, or another error" },
    { 0, "keygen", "the key pair was written" },
    { 1, "keygen", "it could not be written (it exists already, or\nthe directory refuses it)" },
    { 2, "agent keygen", "bad usage" },
    { 0, "list", "the tests (or the tasks) were listed" },
    { 2, "list", "bad usage: an option or the suite file\n(file:line:column: message)" },
    { FO_EXIT_REPORT, "list", "the list could not be written" },
};

/* Is command a word of commands ("run broker")? */
static bool
applies_to (const char *commands, const char *command)
{
    size_t n = strlen (command);
    for (const char *c = commands; (c = strstr (c, command)); c += n)
        if ((c == commands || c[-1] == ' ') && (c[n] == ' ' || c[n] == '\0'))
            return true;
    return false;
}

void
fo_cli_exit_usage (FILE *out, const char *command)
{
    fputs ("exit status:\n", out);
    for (size_t i = 0; i < sizeof exits / sizeof exits[0]; i++) {
        if (!applies_to (exits[i].commands, command))
            continue;
        fprintf (out, "  %-5d ", exits[i].status);
        for (const char *line = exits[i].words; *line;) {
            size_t len = strcspn (line, "\n");
            fprintf (out, "%s%.*s\n", line == exits[i].words ? "" : "        ", (int) len, line);
            line += len + (line[len] == '\n');
        }
    }
}

typedef struct {
    const char *name;
    const char *commands;
    const char *words;
} env_doc;

static const env_doc envs[] = {
    { "FANOUT_JOBS", "run agent", "worker slots when -j is not given" },
    { "FANOUT_TIMEOUT", "run broker", "the default --timeout (the option wins)" },
    { "FANOUT_HISTORY", "run broker list",
      "the history file when --history is not given\n(default ./.fanout-history.json; off: none)" },
    { "FANOUT_HASH_CACHE", "broker list",
      "where the artifacts' hashes are kept when --hash-cache\nis not given (default ./.fanout-hashes.json; off: none)" },
    { "FANOUT_LOG", "run broker agent",
      "diagnostics on stderr: error, warning, info or debug\n(default: warning for run, info otherwise)" },
    { "FANOUT_SPAWN_THREADS", "run agent",
      "threads that spawn the test processes, 0 to 16\n(default: one per slot, at most one per CPU;\n0: the agent's loop spawns them itself)" },
    { "FANOUT_SPAWN_LANES", "run agent",
      "0: no thread per slot that waits for its tests and\nstarts the next one at their exit (default: one\nper slot with 2 to 16 slots)" },
    { "FANOUT_PIN_LANES", "run agent",
      "0: the slots' threads may run on any CPU (default,\nwith as many slots as CPUs: each on one of them;\nthe tests on all)" },
    { "NO_COLOR", "run broker", "set and not empty: no colours (--color=auto)" },
    { "CLICOLOR_FORCE", "run broker",
      "set and not 0: colours even when the output is no\nterminal (--color=auto; NO_COLOR wins)" },
    { "TERM", "run broker",
      "unset or dumb: no live view and no colours on a\nterminal (--color=auto)" },
};

void
fo_cli_env_usage (FILE *out, const char *command)
{
    fputs ("environment:\n", out);
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        const env_doc *e = &envs[i];
        if (!applies_to (e->commands, command))
            continue;
        /* A name longer than the column gets a line of its own. */
        if (strlen (e->name) >= 16)
            fprintf (out, "  %s\n%18s", e->name, "");
        else
            fprintf (out, "  %-16s", e->name);
        for (const char *line = e->words; *line;) {
            size_t len = strcspn (line, "\n");
            fprintf (out, "%s%.*s\n", line == e->words ? "" : "                  ", (int) len,
                     line);
            line += len + (line[len] == '\n');
        }
    }
}
