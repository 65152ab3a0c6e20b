/*  fo_cli_parse — the numbers fanout reads from its command line and its
    environment (counts, seconds, sizes, worker slots), each read one way
    and refused with one message format:

      fanout COMMAND: NAME needs KIND, not 'VALUE'
      fanout COMMAND: NAME needs KIND, not NAME='VALUE'   (an environment
                                                          variable)

    e.g. "fanout broker: --heartbeat needs a whole number from 50 to 600000,
    not '0'". COMMAND is the subcommand that read it ("run", "broker",
    "agent"); NAME is the option as the user wrote it ("--retries", "-j") or
    the environment variable ("FANOUT_TIMEOUT"). Each function returns 0, or
    -1 after printing the message (the command then exits FO_EXIT_USAGE).
*/
#ifndef FO_CLI_PARSE_H
#define FO_CLI_PARSE_H

#include <stdint.h>
#include <stdio.h>

/* Worker slots are limited to what a broker accepts from one agent
   (FO_BROKER_MAX_SLOTS); _N spelt for help texts. */
#define FO_CLI_MAX_JOBS_N 4096
#define FO_CLI_MAX_JOBS ((unsigned) FO_CLI_MAX_JOBS_N)

/* The last case of a command's option switch: -h prints the help on
   stdout and returns -1 (the command exits 0); anything else (getopt has
   said what) is a usage error: FO_EXIT_USAGE after pointing to --help. */
int fo_cli_option_end (const char *command, int c, void (*usage) (FILE *out));

/* A macro's value as a string literal, for help texts. */
#define FO_CLI_STR_(x) #x
#define FO_CLI_STR(x) FO_CLI_STR_ (x)

/* A whole number from min to max ("N", no sign, no suffix). */
int fo_cli_parse_count (const char *command, const char *name, const char *arg, uint32_t min,
                        uint32_t max, uint32_t *out);

/* Seconds, whole or decimal ("2", "0.5"; 0 means none), into ms, by
   fo_parse_seconds (fo_parse.h): the suite file's `timeout:` rule. */
int fo_cli_parse_seconds (const char *command, const char *name, const char *arg, uint32_t *ms);

/* Bytes from min to max, with an optional K or M (times 1024, 1024²) and
   B / iB ("65536", "64K", "2MiB"). */
int fo_cli_parse_size (const char *command, const char *name, const char *arg, uint32_t min,
                       uint32_t max, uint32_t *out);

/* Worker slots: N from 1 to FO_CLI_MAX_JOBS as given; 0 or a negative
   number means one per online core. */
int fo_cli_parse_jobs (const char *command, const char *name, const char *arg, unsigned *jobs);

/* One slot per online core (at least 1, at most FO_CLI_MAX_JOBS). */
unsigned fo_cli_default_jobs (void);

/* The slots before -j: $FANOUT_JOBS when set and not empty, else one per
   core. */
int fo_cli_jobs_from_env (const char *command, unsigned *jobs);

/* The agent's spawning knobs, read where there is no one to tell
   (fo_spawner.c): FANOUT_SPAWN_THREADS 0 to 16, FANOUT_SPAWN_LANES and
   FANOUT_PIN_LANES 0 or 1 (unset or empty: the defaults). 0, or -1 with
   the reason on stderr. */
int fo_cli_check_spawn_env (const char *command);

#endif
