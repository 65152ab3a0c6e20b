/*  fo_reader — how one step's output is read into per-test results.

    Every test step names its reader (fo_step.reader, on the wire by name:
    proto/fo_proto_names.c). The agent's fo_execution asks this registry
    for it and never decides an outcome itself. A reader is told about the
    step (its tests, the skip code), may be fed the step's output as it
    arrives, and is told at the end how the process ended (exit status,
    signal, timeout, whether fanout stopped it) and what it wrote. It emits
    one result per test of the step: outcome, message, duration, output.

        fo_read_new    a reading of one step, with the step's reader
        fo_read_feed   output as it arrives (stream 1 stdout, 2 stderr)
        fo_read_end    how it ended; afterwards every test has a result
        fo_read_destroy

    A reader may report several tests from one step (a TAP or GLib program
    lists many), and report each as soon as it has read it: results emitted
    from feed leave the agent at once (streaming); the exit-status reader
    acts only at the end. fo_read holds the rule readers share: a result
    for a test the step does not cover, or a second one for a test, is
    dropped; a test with none at the end gets an `error` saying so. So each
    test of a step ends with exactly one result, whatever a reader does.

    Joined tests: a reader may also report tests the lease does not hold,
    which the running program names itself (a TAP point): a result with
    `joined` set, for the step's test it joins (`test`, the program's).
    The broker makes it a test of the report (id: the program's context
    id, the group if any, the name), with this one result as its final
    outcome. fo_read holds the rules for them, so every reader gets them:

      - the printed name (any bytes) becomes a valid name (fo_name_make:
        escaped, trimmed, at most FO_READ_JOINED_NAME bytes kept); an
        empty one becomes "unnamed";
      - names are unique within the step's test and group: a repeated
        one gets " (2)", " (3)"..., in the order they are emitted (the
        same output gives the same ids), and never the name of the step's
        own test;
      - at most FO_READ_MAX_JOINED per step: the rest are dropped, and the
        step's own test then ends `error` saying how many (its own verdict
        is kept in the message);
      - joined results must come before the test they join has its own:
        later ones are dropped (the broker settles a program's points
        with, or after, the program's own result).

    The TAP readers (fo_read_tap.c: "tap", and "cmocka" for cmocka's TAP,
    a plan per group) report each point as a joined test, and judge the
    program's own test from the whole stream (fo_tap.h): the points'
    verdicts, the plan, Bail out!, the exit status.

    Adding a reader (TAP, GoogleTest XML, a worker protocol): a new
    fo_read_<name>.c defining a const fo_reader_ops, a value in proto's
    fo_reader enum with its wire name (fo_reader_name), and one line in
    the registry (fo_reader.c). What a reader must not trust: the output is
    the test's, so a reader parses it with limits (and is fuzzed:
    tests/fuzz/fuzz_tap.c feeds any bytes to the TAP parser and readers).

    Readers run on the agent, one thread; no global state.
*/
#ifndef FO_READER_H
#define FO_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_outcome.h"
#include "fo_proc.h"
#include "fo_proto.h"

/* The step being read. */
typedef struct {
    const fo_step *step;        /* tests, kind, timeout_ms, reader */
    int32_t skip_code;          /* exit status meaning "skipped" (lease.skip_code) */
    uint32_t output_cap;        /* bytes of stdout and of stderr one result may
                                   carry (lease.output_cap); 0: FO_DEFAULT_OUTPUT_CAP */
    /* A step the agent joined from several (fo_glib_join.h: GLib paths in
       one process): the lease's steps it runs, in the order of step->tests
       (which holds their tests), read by fo_reader_glib_join. Then a test
       the reader leaves without a result at the end keeps none (no
       `error`): the agent runs it again in a new process. NULL otherwise. */
    const fo_step *const *parts;
    size_t nparts;
} fo_read_step;

/* How the step ended (fo_read_end). */
typedef struct {
    const fo_proc_status *status;   /* exit code or signal, timed_out, duration_us */
    const char *out;                /* everything captured (capped), stdout; never NULL */
    size_t out_len;
    const char *err;                /* stderr; never NULL */
    size_t err_len;
    /* Set when fanout stopped the step (a cancel, the task's timeout): a
       test not judged from the output before the stop gets stop_outcome
       (not_run, or timeout for the task's limit) with stop_message, unless
       the process still ended well (exit 0) or hit its own limit first. */
    const char *stop_message;
    fo_outcome stop_outcome;
} fo_step_ending;

/* For readers: is fanout's stop the verdict of a test not judged from the
   output (the rule above)? Set, and the process neither exited 0 nor hit
   its own time limit. */
bool fo_step_ending_stopped (const fo_step_ending *end);

/* The exit status of a Python fixture step (its reader: python) that
   raised KeyboardInterrupt: the agent stops the run as for a test's
   (fo_read_result.interrupt; python/fanout_nose/execute.py). */
#define FO_PYTHON_INTERRUPT_STATUS 130

/* Joined tests per step (see above), and bytes of a printed name kept. */
#define FO_READ_MAX_JOINED 50000u
#define FO_READ_JOINED_NAME 200u

/* One test's result, as a reader emits it. Pointers only need to live for
   the call. */
typedef struct {
    const char *test;           /* one of the step's tests (for a joined
                                   test: the one it joins) */
    /* A joined test: its name and group as the program printed them (any
       bytes: fo_read makes them valid names); NULL for the step's test. */
    const char *joined;
    const char *group;          /* NULL or "": none */
    fo_outcome outcome;
    const char *message;        /* "" when there is nothing to say */
    uint64_t duration_us;
    const char *out;            /* the output that belongs to it */
    size_t out_len;
    const char *err;
    size_t err_len;
    /* The test asked to stop the whole run, as an interrupt of fanout
       would (a Python test's KeyboardInterrupt): the agent stops the
       step's lease and the broker the run (fo_result.interrupt). */
    bool interrupt;
} fo_read_result;

/* Where fo_read sends results (the execution adds lease, step, host...). */
typedef void (fo_read_emit_fn) (void *arg, const fo_read_result *result);

typedef struct fo_read fo_read;

/* One kind of reader. state is the reader's own, per step. */
typedef struct {
    fo_reader id;
    void *(*begin) (const fo_read_step *step);
    /* Optional (NULL: output is only looked at in end). */
    void (*feed) (void *state, fo_read *read, int stream, const char *data, size_t len);
    /* Must emit a result for every test not yet reported. */
    void (*end) (void *state, fo_read *read, const fo_step_ending *end);
    void (*free) (void *state);
    /* Optional: variables the step's process needs on top of its own
       (the gtest reader's GTEST_OUTPUT, naming the file it reads), set
       by begin; NULL for none. The agent applies them when it starts
       the step (fo_read_env). */
    const fo_env *(*env) (void *state);
    /* Optional: descriptors the reader reads while the step runs, besides
       its output (the gtest reader's result stream, fo_gtest_stream.h),
       at most FO_READ_MAX_FDS; the agent polls them with the step's and
       calls service when one is ready. Never blocks. */
    int (*pollfds) (void *state, int fds[]);
    void (*service) (void *state);
    /* For a setup step this reader reads (fo_step.reader of a fixture):
       when it fails, the tests in its scope end not_run "not run (setup
       of context 'X' failed: ...)" instead of error, and the setup's one
       fixture error is the run's failure (the python reader: nose
       reported one error for the context, not one per test). */
    bool setup_failure_not_run;
} fo_reader_ops;

/* The most descriptors a reader polls (fo_reader_ops.pollfds). */
#define FO_READ_MAX_FDS 2

/* The reader of a joined step (fo_read_step.parts; fo_read_glib_join.c):
   not in the registry, the agent chooses it with fo_read_new_with. */
extern const fo_reader_ops fo_reader_glib_join;

/* The registered reader for id, or NULL (the decoder only accepts known
   names, so an agent never sees an unknown one). */
const fo_reader_ops *fo_reader_find (fo_reader id);

/* A reading of step (which must outlive it), with the step's reader;
   results go to emit. NULL when no reader is registered for it. */
fo_read *fo_read_new (const fo_read_step *step, fo_read_emit_fn *emit, void *arg);
/* The same with a given reader (one not in the registry: tests). */
fo_read *fo_read_new_with (const fo_reader_ops *ops, const fo_read_step *step,
                           fo_read_emit_fn *emit, void *arg);
void fo_read_feed (fo_read *self, int stream, const char *data, size_t len);
/* Ends the reading: the reader reports what it has not, then every test
   still without a result gets an `error` (not for a joined step: see
   fo_read_step.parts). Call once. */
void fo_read_end (fo_read *self, const fo_step_ending *end);
void fo_read_destroy (fo_read **self_p);

/* The variables the reader needs the step's process to have (applied
   over the step's env when it starts), or NULL. */
const fo_env *fo_read_env (const fo_read *self);

/* The reader's own descriptors to poll while the step runs (0 or more,
   at most FO_READ_MAX_FDS), and what to call when one is ready. */
int fo_read_pollfds (const fo_read *self, int fds[FO_READ_MAX_FDS]);
void fo_read_service (fo_read *self);

/* For readers: emits one test's result (dropped when the test is not the
   step's or already has one). */
void fo_read_emit (fo_read *self, const fo_read_result *result);
/* For readers: gives every test of the step the same verdict, with the
   step's whole output and duration (a step judged as a whole: the exit
   status, CTest's rules). */
void fo_read_emit_all (fo_read *self, const fo_step_ending *end, fo_outcome outcome,
                       const char *message);
/* For readers: joined tests emitted so far, and dropped past
   FO_READ_MAX_JOINED. */
size_t fo_read_joined_count (const fo_read *self);
size_t fo_read_joined_dropped (const fo_read *self);
/* For readers: n joined tests were not even emitted (past the limit
   already): counted as dropped. */
void fo_read_joined_skip (fo_read *self, size_t n);

/* For readers: has this test (an index into step->tests) a result yet? */
bool fo_read_reported (const fo_read *self, size_t test);

/* For readers: a one-line message made of text a program printed:
   newlines and tabs become spaces, other control characters and bytes
   that are not UTF-8 are escaped (\xNN), at most max bytes ("..."
   past it). Appended to out. */
void fo_read_message (fo_buf *out, const char *text, size_t len, size_t max);

#endif
