/*  fo_cli_parse — see fo_cli_parse.h. strtoul accepts more than a person
    means ("-1" as a huge unsigned, "0x10", leading spaces): each reader
    takes only plain decimals; seconds follow the one rule of fo_parse.h,
    the suite file's too. */
#include "fo_cli_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_parse.h"
#include "fo_report.h"
#include "fo_spawner.h"

/* The one message. An environment variable's value is shown as the
   assignment it came from: the user did not type it on this command line. */
static int
refuse (const char *command, const char *name, const char *kind, const char *arg)
{
    fprintf (stderr, "fanout %s: %s needs %s, not %s%s'%s'\n", command, name, kind,
             name[0] == '-' ? "" : name, name[0] == '-' ? "" : "=", arg);
    return -1;
}

/* Digits only, and at least one. */
static bool
plain_digits (const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit ((unsigned char) *s))
            return false;
    return true;
}

int
fo_cli_parse_count (const char *command, const char *name, const char *arg, uint32_t min,
                    uint32_t max, uint32_t *out)
{
    errno = 0;
    unsigned long long n = plain_digits (arg) ? strtoull (arg, NULL, 10) : 0;
    if (!plain_digits (arg) || errno || n < min || n > max) {
        char kind[80];
        snprintf (kind, sizeof kind, "a whole number from %u to %u", min, max);
        return refuse (command, name, kind, arg);
    }
    *out = (uint32_t) n;
    return 0;
}

int
fo_cli_parse_seconds (const char *command, const char *name, const char *arg, uint32_t *ms)
{
    /* The rule is the suite file's too (fo_parse.h); only the message is
       the command line's. */
    if (fo_parse_seconds (arg, ms) != FO_SECONDS_OK)
        return refuse (command, name, "a number of seconds from 0 to " FO_CLI_STR (FO_SECONDS_MAX_N)
                       " (0 for none)", arg);
    return 0;
}

int
fo_cli_parse_size (const char *command, const char *name, const char *arg, uint32_t min,
                   uint32_t max, uint32_t *out)
{
    size_t digits = strspn (arg, "0123456789");
    const char *end = arg + digits;
    unsigned long long unit = 1;
    if (*end == 'K' || *end == 'k')
        unit = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        unit = 1024 * 1024, end++;
    if (unit > 1 && (*end == 'i' || *end == 'I'))
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    errno = 0;
    unsigned long long n = digits ? strtoull (arg, NULL, 10) : 0;
    if (!digits || *end != '\0' || errno || n > max || n * unit < min || n * unit > max) {
        char kind[120];
        if (max % (1024u * 1024u) == 0)
            snprintf (kind, sizeof kind, "a size from %u bytes to %uM (e.g. 65536, 64K, 2M)",
                      min, max / (1024u * 1024u));
        else
            snprintf (kind, sizeof kind, "a size from %u to %u bytes (e.g. 65536, 64K)", min,
                      max);
        return refuse (command, name, kind, arg);
    }
    *out = (uint32_t) (n * unit);
    return 0;
}

int
fo_cli_option_end (const char *command, int c, void (*usage) (FILE *out))
{
    if (c == 'h') {
        usage (stdout);
        return -1;
    }
    fprintf (stderr, "fanout %s: see fanout %s --help\n", command, command);
    return FO_EXIT_USAGE;
}

unsigned
fo_cli_default_jobs (void)
{
    long n = sysconf (_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > (long) FO_CLI_MAX_JOBS ? FO_CLI_MAX_JOBS : (unsigned) n;
}

int
fo_cli_parse_jobs (const char *command, const char *name, const char *arg, unsigned *jobs)
{
    bool negative = arg[0] == '-';
    const char *digits = negative ? arg + 1 : arg;
    errno = 0;
    unsigned long long n = plain_digits (digits) ? strtoull (digits, NULL, 10) : 0;
    if (!plain_digits (digits) || errno || (!negative && n > FO_CLI_MAX_JOBS)) {
        char kind[120];
        snprintf (kind, sizeof kind, "a whole number of worker slots up to %u (0 or "
                  "negative: one per core)", FO_CLI_MAX_JOBS);
        return refuse (command, name, kind, arg);
    }
    /* nose's rule: 0 or negative means one per core. */
    *jobs = negative || n == 0 ? fo_cli_default_jobs () : (unsigned) n;
    return 0;
}

int
fo_cli_jobs_from_env (const char *command, unsigned *jobs)
{
    *jobs = fo_cli_default_jobs ();
    const char *env = getenv ("FANOUT_JOBS");
    return env && *env ? fo_cli_parse_jobs (command, "FANOUT_JOBS", env, jobs) : 0;
}

/* A switch read deep in the agent (fo_spawner.c), which has no one to
   tell: "0" or "1" (unset or empty: the default). */
static int
check_switch (const char *command, const char *name)
{
    const char *env = getenv (name);
    if (!env || !*env || !strcmp (env, "0") || !strcmp (env, "1"))
        return 0;
    return refuse (command, name, "0 or 1", env);
}

int
fo_cli_check_spawn_env (const char *command)
{
    const char *threads = getenv ("FANOUT_SPAWN_THREADS");
    if (threads && *threads) {
        errno = 0;
        unsigned long long n = plain_digits (threads) ? strtoull (threads, NULL, 10) : 0;
        if (!plain_digits (threads) || errno || n > FO_SPAWNER_MAX_THREADS) {
            char kind[64];
            snprintf (kind, sizeof kind, "a number of threads from 0 to %u",
                      FO_SPAWNER_MAX_THREADS);
            return refuse (command, "FANOUT_SPAWN_THREADS", kind, threads);
        }
    }
    if (check_switch (command, "FANOUT_SPAWN_LANES") != 0)
        return -1;
    return check_switch (command, "FANOUT_PIN_LANES");
}
