/*  fo_execution_state — one lease's execution in a slot, shared by the
    two files of fo_execution (private to agent/):

        fo_execution.c          choosing, starting and ending the lease's
                                steps: scopes, skips, cancels, clocks
        fo_execution_results.c  what a step's end reports: each test's
                                result (to the agent's on_result), a
                                discover step's answer, the lease's first
                                failure for its done
*/
#ifndef FO_EXECUTION_STATE_H
#define FO_EXECUTION_STATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_capacity.h"
#include "fo_execution.h"
#include "fo_reader.h"
#include "fo_sweeper.h"

struct fo_execution {
    fo_lease lease;
    uint32_t worker;
    char *host;
    fo_result_fn *on_result;
    fo_discovered_fn *on_discovered;
    fo_slow_fn *on_slow;
    void *arg;

    size_t next;            /* next step to start */
    size_t current;         /* the step the runner runs (valid when running) */
    size_t ahead_through;   /* the last step the runner was given with it (ahead_step) */
    bool chained;           /* its first steps went to the runner early
                               (fo_execution_chain): its clock starts at its
                               first service */
    fo_runner *runner;      /* runs the steps, one at a time (fo_runner.h) */
    bool own_runner;        /* made here (a process runner): destroyed here */
    bool running;           /* the runner holds step `current` */
    fo_read *read;          /* the running test step's reader (fo_reader.h) */
    /* Steps run in one process (fo_glib_join.h: a GLib program's paths):
       the group's lease steps, first = current, and the step joining
       them. A step whose tests got their results there is done: not
       chosen again; the group's others run again, in a new process. */
    bool joining;
    size_t *group;          /* lease step indices, ngroup of them */
    const fo_step **parts;  /* their steps */
    size_t ngroup;
    fo_step joined;
    bool *done;             /* per lease step; NULL until a group ran */
    size_t pending;         /* chosen to run, not started yet; FO_STEPS_NONE */
    bool waiting;           /* ... for resources (fo_capacity) */
    fo_capacity *capacity;  /* NULL: a resource failure gives up at once */
    struct fo_spawner *spawner;     /* NULL: spawns in the caller's thread */
    struct fo_spawner *lanes;       /* NULL: none (fo_execution_set_lane) */
    unsigned lane;
    fo_sweep_mark chain_mark;       /* taken when chained: its first step's */
    bool chain_marked;
    bool finished;
    bool cancelled;
    bool interrupted;       /* a test of the lease stopped the run */
    bool interrupt_result;  /* the result being emitted is that test's */
    bool aborted;           /* cancelled, and not even teardowns run */
    volatile sig_atomic_t *abort_flag;  /* non-zero: abort before any start */
    char *abort_reason;
    bool task_expired;      /* cancelled by lease.task_timeout_ms */
    char *cancel_reason;

    /* A failed setup: the steps of its scope, up to skip_end, are skipped. */
    bool skipping;
    size_t skip_end;
    char *skip_message;     /* "setup of context 'db' failed: exit status 1" */
    bool skip_not_run;      /* its tests are not_run (the setup's reader says) */
    fo_buf skip_out, skip_err;
    /* Setups (step indices) that completed and whose teardown has not run:
       their teardowns still run when the lease is cancelled. */
    size_t *open_setups;
    size_t nopen;

    /* Tests of this lease that failed or did not run: a ctest step whose
       verdict `needs` one of them is not started (CTest's fixtures). At
       most the lease's tests. */
    fo_strv not_passed;

    fo_sweeper *sweeper;    /* NULL: nothing swept, default tokens */
    fo_sweep_mark lease_mark;   /* where the lease's and the step's scopes */
    fo_sweep_mark step_mark;    /* began (fo_sweeper.h: windows) */
    char *token;            /* this lease's scope */

    uint64_t started_us;    /* when the execution began (task timeout) */
    uint64_t step_started_ms;
    uint64_t next_slow_ms;  /* UINT64_MAX: no notice due */

    int32_t exit_status;    /* first failure, for the done message */
    int32_t signal;
};

/* A test's result; joined, group: a joined test's (fo_reader.h), NULL for
   the step's own. A failed or not-run step test is remembered for the
   CTest fixtures that need it (not_passed). */
void fo_exec_emit_joined (fo_execution *self, size_t step, const char *test, const char *joined,
                          const char *group, fo_outcome outcome, uint64_t duration_us,
                          const char *out, size_t out_len, const char *err, size_t err_len,
                          const char *message);
void fo_exec_emit (fo_execution *self, size_t step, const char *test, fo_outcome outcome,
                   uint64_t duration_us, const char *out, size_t out_len, const char *err,
                   size_t err_len, const char *message);
/* Every test of a step gets the same outcome (a step that could not run). */
void fo_exec_emit_all (fo_execution *self, size_t step, fo_outcome outcome, const char *out,
                       size_t out_len, const char *err, size_t err_len, const char *message);
/* The lease's first failure, for its done message. */
void fo_exec_note_failure (fo_execution *self, int32_t exit_status, int32_t sig);
/* A discover step's answer (before its process is destroyed); why is NULL
   when it succeeded. */
void fo_exec_discovered (fo_execution *self, size_t step, const char *why);
/* The running step's reader's callbacks (fo_reader.h): a result, output. */
void fo_exec_read_result (void *arg, const fo_read_result *r);
void fo_exec_read_output (void *arg, int stream, const char *data, size_t len);

/* fo_execution_order.c */
/* A setup completed: its scope is open until its teardown. */
void fo_exec_open_setup (fo_execution *self, size_t setup);
/* The teardown closes its context's setup: true when that setup had
   completed (and was still open). */
bool fo_exec_close_setup (fo_execution *self, size_t teardown);
/* Steps from the failed setup's on are skipped up to the end of its
   scope, their tests reported with message (taken). */
void fo_exec_begin_skip (fo_execution *self, size_t setup, char *message);
void fo_exec_end_skip (fo_execution *self);
/* After a cancel: true when the step must still run (a teardown of a
   completed setup); the tests of the others are reported not run. */
bool fo_exec_cancelled_step_runs (fo_execution *self, size_t index);
/* The next step to start, past those that do not run (their results are
   emitted); FO_STEPS_NONE when none is left. */
size_t fo_exec_choose_next (fo_execution *self);

#endif
