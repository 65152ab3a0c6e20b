/*  fo_runner — how an agent runs one step: the seam between fo_execution
    (what to run, in which order, what the results mean) and the processes
    that do it.

    A runner serves one worker slot and runs one step at a time:

        fo_runner_start    the step: its command, cwd, env, limit, token
        fo_runner_start_error  a start that failed after start returned
        fo_runner_pollfds  fds to poll for readability while it runs
        fo_runner_deadline_ms  when to service even if no fd is ready
        fo_runner_service  read output, check exit and limit; true when done
        fo_runner_kill     stop the step (a cancel): SIGTERM, SIGKILL later
        fo_runner_status / fo_runner_output   how it ended, what it wrote
        fo_runner_release  forget the step; the runner is ready for the next
        fo_runner_idle     the lease is over: what was begun ahead of the
                           agent (fo_runner_step.ahead) is not wanted
        fo_runner_chain    while the lease's last steps run, begin the
                           next lease's first steps after them
        fo_runner_unchain  a chained lease is cancelled before it began:
                           what was begun for it stops

    Implementations:
    - fo_runner_process.h: a new process per step (fo_proc), in its own
      process group; the default.
    - fo_runner_python.h: the steps of Python suites in a persistent
      worker, one process alive across steps and leases that is handed one
      step after another (docs/python-workers.md); the other steps in a
      process each. tests/unit/test_runner.c has another (a long-lived
      /bin/sh, a test fixture).
    fo_execution never assumes a process per step: it only uses this API.

    Tokens and cleanup (fo_reaper.h, fo_sweeper.h). Every process a step
    starts must carry FANOUT_STEP_TOKEN=<the step's token> in its initial
    environment (the token in fo_runner_step), so that what it leaves
    behind is found and killed by token when the step ends
    (fo_execution adds the step's token, and at the lease's end the
    lease's, to the agent's sweeper). A runner with a persistent worker:
    - starts the worker itself with its own token, given to its constructor
      (the agent uses "<agent token>/runner-<slot>"): a scope of its own,
      never under a lease's or a step's scope, so sweeping a finished
      step's or lease's token never matches the worker. (The worker is
      also a tracked child of fo_proc, which sweeps never touch.) Changing
      the variable inside a running worker (setenv) does not change what
      /proc/PID/environ, and so the sweep, reads for it;
    - has the worker put the step's token into the environment of every
      process it starts for the step (env FANOUT_STEP_TOKEN=<token> ...);
    - the worker is not a subreaper, and waits for (or kills) the
      processes it started for a step before it reports the step's end:
      what they left behind is then re-parented to the agent (the
      subreaper) and swept by the step's token, while the worker lives on.
    - at a timeout or kill, it kills the step's processes (their process
      group), not the worker; a worker that cannot be brought back to a
      clean state (it does not report the killed step's end within the
      kill grace) is killed and replaced, and the step ends as killed.

    Starting can fail in two ways, told apart by fo_start_error.resources:
    the step's fault (no such program, bad cwd: reported as an error of its
    tests) or the host's (no descriptors, processes or memory left:
    fo_proc_resource_error): then fo_execution keeps the step and tries
    again later (docs/timeouts-and-failures.md, "Resource limits").

    Never blocks, except release of a step still running and destroy
    (bounded kill and reap). Not thread-safe: one runner, one thread.
*/
#ifndef FO_RUNNER_H
#define FO_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_capture.h"
#include "fo_proc.h"
#include "fo_proto.h"

/* The most fds a runner (and so an fo_execution) asks to be polled. */
#define FO_RUNNER_MAX_FDS 4

/* The step k places after the one being started (k = 0: the next) that a
   runner may begin before it is started, with its token written to token
   (reset first); NULL when there is none to begin. */
typedef const fo_step *(fo_runner_ahead_fn) (void *arg, size_t k, fo_buf *token);

typedef struct {
    const fo_step *step;        /* argv, cwd, env (lease env applied), timeout_ms, kind */
    size_t output_cap;          /* bytes kept per stream (fo_capture) */
    const char *token;          /* FANOUT_STEP_TOKEN of everything the step starts;
                                   NULL: fo_reaper_base () */
    fo_output_fn *on_output;    /* optional: output as it arrives (streaming readers) */
    void *output_arg;
    /* Optional: the steps that follow, which a runner with a persistent
       worker hands over with this one in one request (fo_runner_python.h)
       and runs while the agent reads the results before. Each is still
       started with fo_runner_start, in order; one begun ahead answers as
       it ended. A step started that is not the next begun stops what was
       begun ahead (its worker is replaced). */
    fo_runner_ahead_fn *ahead;
    void *ahead_arg;
    /* Optional: a process step is spawned on its threads (fo_proc_start_on),
       so start returns before the child has exec'd; a spawn that fails
       then ends the step at a later service, with fo_runner_start_error
       saying why. NULL: spawned in the caller's thread, and a failure is
       start's. */
    fo_spawner *spawner;
    /* Optional, before spawner: a process step is spawned on this lane of
       a lanes spawner (fo_proc_start_lane), whose thread also waits for
       its exit, and a lease chained after it (fo_runner_chain) is queued
       on the lane to start at that exit. */
    fo_spawner *lanes;
    unsigned lane;
} fo_runner_step;

typedef struct {
    int errnum;                 /* the cause: ENOENT, EACCES, EMFILE, ...; 0 unknown */
    bool resources;             /* the host lacked resources: try again later */
    char message[512];          /* "cannot run 'x': No such file or directory" */
} fo_start_error;

/* The operations of one kind of runner; impl is its own state. */
typedef struct {
    const char *name;           /* "process", ... for logs */
    int (*start) (void *impl, const fo_runner_step *step, fo_start_error *error);
    int (*pollfds) (const void *impl, int fds[FO_RUNNER_MAX_FDS]);
    uint64_t (*deadline_ms) (const void *impl);
    bool (*service) (void *impl);
    void (*kill) (void *impl);
    const fo_proc_status *(*status) (const void *impl);
    const fo_capture *(*output) (const void *impl, int stream);
    void (*release) (void *impl);
    void (*idle) (void *impl);      /* may be NULL: nothing is ever begun ahead */
    /* may be NULL: no lease is ever chained */
    int (*chain) (void *impl, const fo_runner_step *first);
    /* may be NULL: a chained lease's steps are stopped when it begins */
    void (*unchain) (void *impl, const fo_step *first, const char *token);
    /* may be NULL: a chained lease is never taken back */
    int (*withdraw) (void *impl, const fo_step *first, const char *token);
    /* may be NULL: start reports every failure itself */
    const fo_start_error *(*start_error) (const void *impl);
    void (*destroy) (void *impl);
} fo_runner_ops;

typedef struct fo_runner fo_runner;

/* Wraps an implementation; destroy calls ops->destroy (impl). */
fo_runner *fo_runner_new (const fo_runner_ops *ops, void *impl);
void fo_runner_destroy (fo_runner **self_p);
const char *fo_runner_name (const fo_runner *self);
/* The implementation's state, for its own module's accessors: impl when
   self was made with ops, else NULL. */
void *fo_runner_impl (const fo_runner *self, const fo_runner_ops *ops);

/* Starts a step (none may be running or unreleased). 0, or -1 with error
   filled: nothing runs then. */
int fo_runner_start (fo_runner *self, const fo_runner_step *step, fo_start_error *error);

/* The fds to poll for readability while a step runs; returns how many. */
int fo_runner_pollfds (const fo_runner *self, int fds[FO_RUNNER_MAX_FDS]);

/* Monotonic ms (fo_now_ms) when fo_runner_service must be called even if
   no fd is ready, rounded up so that a limit never fires early
   (fo_deadline_ms); UINT64_MAX when none. */
uint64_t fo_runner_deadline_ms (const fo_runner *self);

/* Advances the running step without blocking. True once it has ended and
   its status and output are final (and stays true until release). */
bool fo_runner_service (fo_runner *self);

/* Stops the running step: SIGTERM to its processes, SIGKILL after
   FO_PROC_KILL_GRACE_MS. Keep servicing until it has ended. */
void fo_runner_kill (fo_runner *self);

/* After service returned true: how the step ended (duration_us from the
   step's start; timed_out when its limit killed it) and what it wrote
   (stream 1 stdout, 2 stderr), capped. */
const fo_proc_status *fo_runner_status (const fo_runner *self);
const fo_capture *fo_runner_output (const fo_runner *self, int stream);

/* After service returned true: NULL when the step started, or why it
   could not (a spawn on fo_runner_step.spawner that failed: as start's
   error would have been; status and output are then empty). */
const fo_start_error *fo_runner_start_error (const fo_runner *self);

/* Forgets the step. One still running is killed at once (SIGKILL). */
void fo_runner_release (fo_runner *self);
/* The lease whose steps the runner ran is over, however it ended (a
   cancel between two steps, say): steps a worker was given ahead and that
   were never started are stopped now (the Python worker is replaced),
   not left running unseen until the slot's next step. */
void fo_runner_idle (fo_runner *self);
/* Chains the next lease of this slot (its first step, with the steps its
   ahead gives) after the steps of the running lease, all of which the
   runner was given already (started or sent ahead): the runner may begin
   them as soon as those end, before they are started. 0 when it did:
   the next lease's first step must then be the next one started, after
   this lease's end (fo_runner_idle keeps them); -1 when it did not
   (nothing changed: the next lease starts as any). */
int fo_runner_chain (fo_runner *self, const fo_runner_step *first);
/* The chained lease whose first step is `first` (with token, NULL:
   fo_reaper_base ()) is cancelled before it began: a runner that would
   start its step by itself (the process runner, at the exit of the step
   before) stops it now, never started if it can. The lease still ends
   as one chained (its begin, then fo_runner_idle without a start). */
void fo_runner_unchain (fo_runner *self, const fo_step *first, const char *token);
/* Takes back the last lease chained (its first step `first`, with token)
   when nothing was begun for it yet: 0, and the runner holds nothing of
   it (the lease may go elsewhere). -1 when it has begun or cannot be
   taken back: nothing changes. */
int fo_runner_withdraw (fo_runner *self, const fo_step *first, const char *token);

#endif
