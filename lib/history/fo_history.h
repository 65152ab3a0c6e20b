/*  fo_history — what past runs measured: each test's expected duration and
    last outcome, and each shared context's setup time (docs/test-history.md).

    The store is one JSON file (default FO_HISTORY_DEFAULT_PATH in the
    working directory; --history FILE, $FANOUT_HISTORY), read and written
    with jansson:

        {"fanout_history": 1,
         "tests":    {"<test id>": {"mean_us": N, "last_us": N, "runs": N,
                                    "outcome": "passed", "seen": UNIX_SECONDS}},
         "fixtures": {"<context id>": {"setup_us": N, "seen": UNIX_SECONDS}}}

    Rules kept here:
      - reading never fails a run: a missing file is an empty history; a
        file that cannot be read, is over FO_HISTORY_MAX_BYTES, is not JSON
        or not this shape is a warning and an empty history; an entry of
        the wrong shape is skipped (and counted in the warning);
      - bounded: at most FO_HISTORY_MAX_TESTS tests and as many fixtures
        are kept (the ones seen longest ago go first), ids over
        FO_HISTORY_MAX_ID bytes are not recorded;
      - concurrent runs: fo_history_save takes an exclusive flock(2) on
        "FILE.lock", reads the file again, applies only what this run
        recorded, writes "FILE.tmp.PID" and renames it over FILE. Two runs
        saving at once both land; a reader never sees half a file;
      - the expected duration is a running mean that follows change: the
        last FO_HISTORY_WINDOW runs weigh alike (mean += (d - mean) /
        min(runs, WINDOW)). Skipped tests keep their mean (a skip says
        nothing of the test's length) and not_run ones are not recorded.
*/
#ifndef FO_HISTORY_H
#define FO_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_outcome.h"

#define FO_HISTORY_DEFAULT_PATH ".fanout-history.json"
#define FO_HISTORY_MAX_BYTES (64u * 1024u * 1024u)
#define FO_HISTORY_MAX_TESTS 100000u
#define FO_HISTORY_MAX_ID 4096u
#define FO_HISTORY_WINDOW 5u

typedef struct fo_history fo_history;

/* Reads the store at path (not kept open). Always returns a history; when
   the file was there but could not be used, warn says why ("" otherwise). */
fo_history *fo_history_load (const char *path, char *warn, size_t warnlen);
void fo_history_destroy (fo_history **self_p);

/* The file it was loaded from. */
const char *fo_history_path (const fo_history *self);

/* Knows the duration of no test. */
bool fo_history_empty (const fo_history *self);

/* The expected duration of a test in microseconds, or -1 when unknown
   (never ran to an outcome other than skipped or not_run, or no history).
   What a live view adds up for the estimate of the rest. NULL self: -1. */
int64_t fo_history_expected_us (const fo_history *self, const char *test_id);

/* The mean of the expected durations of the tests it knows, or -1 when
   it knows none: what the scheduler takes for a test it does not know.
   O(tests known). */
int64_t fo_history_typical_us (const fo_history *self);

/* The setup time of a shared context, or -1 when unknown. */
int64_t fo_history_setup_us (const fo_history *self, const char *context_id);

/* Did the test's last recorded outcome fail (fo_outcome_is_failure)? */
bool fo_history_failed_last (const fo_history *self, const char *test_id);

/* The ids of the tests whose last outcome failed, borrowed (valid until
   the history is destroyed or saved); *n their count. The array is the
   caller's to free. */
const char **fo_history_failed_ids (const fo_history *self, size_t *n);

/* What this run measured, kept until fo_history_save; the history reads
   it at once too. not_run is ignored; skipped records only the outcome. */
void fo_history_record (fo_history *self, const char *test_id, fo_outcome outcome,
                        uint64_t duration_us);
void fo_history_record_setup (fo_history *self, const char *context_id, uint64_t duration_us);

/* Merges what was recorded into the file under its lock, as said above.
   Returns 0, or -1 with why in err (the file is left as it was). */
int fo_history_save (fo_history *self, char *err, size_t errlen);

#endif
