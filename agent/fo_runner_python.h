/*  fo_runner_python — a slot's runner with a persistent Python worker
    (docs/python-workers.md): steps whose reader is "python" (the python
    source's tests, setups and teardowns) go to one long-lived process,
    `INTERPRETER HELPER worker`, which imports each module once and keeps
    the contexts it set up; every other step runs in a process of its own
    (fo_runner_process).

    The worker is started with fo_proc under the runner's own token
    (fo_runner.h: never under a lease's or a step's scope), when the first
    Python step comes; the interpreter is the step's argv[0], the helper
    this agent's own (fo_python_dir.h), else the step's argv[1]. Requests
    and answers are msgpack maps, each framed by its length, over two
    FIFOs; what the step's code writes to fd 1 and 2 itself comes through
    the worker's stdout and stderr and goes to the running step.

    A step comes with the steps the lease has right after it that the
    worker may run too (fo_runner_step.ahead: fo_execution's next Python
    steps), in one request: the worker runs them one after the other,
    answers each as it ends, while the agent reads the answers, and stops
    at the first whose status is not 0 (a fixture that failed: the agent
    decides what runs next) or that interrupts the run. A step
    started that was sent ahead takes its answer (at once when it came
    already); its timeout counts from the answer before it. A step that
    was not sent ahead while the worker still runs ones that were (a
    cancel, an interrupt) replaces the worker. The worker writes a mark
    to its fds 1 and 2 after each step, so what a step wrote there itself
    is that step's whatever the order the pipes are read in.

    Restarts (the options): after max_tasks tasks (a task: consecutive
    steps of one lease, told by the step token's scope), when its memory
    passed max_rss_kb (read after each step), both only between tasks, so
    a task's module state is never lost; when the interpreter changes. A
    worker that keeps split contexts set up (its answers' `kept`) is
    retired then, and when the runner is destroyed, with `end`: it tears
    them down and exits; any other is killed. At a restart the agent's
    loop does not wait for it: the step that needs the new worker is
    started, and until the retiree is gone (ended, or killed after
    FO_PYTHON_RESTART_GRACE_MS) the runner's pollfds, deadline and service
    are the retiree's, so the other slots, the heartbeats and the broker's
    messages go on; then the new worker starts and the step begins (its
    timeout from then). Stopping that step (fo_runner_kill, release: a
    cancel, the agent's stop or abort) kills the retiree at once (SIGKILL,
    reaped). The task's timeout (fo_execution) counts that wait; the
    step's own does not. At the end (the agent's session ended) the agent
    retires all its runners' workers side by side and waits for them
    (fo_runner_python_end_all, below); destroy alone waits for its own,
    at most FO_PYTHON_END_GRACE_MS: no step is left to wait with it.
    A step past its timeout, or killed (a cancel), takes the worker with
    it (SIGTERM to the worker's process group, SIGKILL after the grace):
    the step ends timed out or killed, the next step gets a new worker. A
    worker that dies while a step runs ends the step as killed by its
    signal (crashed) or with no result (error). A worker that dies before
    it says hello FO_PYTHON_START_TRIES times in a row is a crash loop:
    its steps are refused at start (an error of their tests, the rest of
    the task skipped by the setup's failure) until a new task tries once
    more.
*/
#ifndef FO_RUNNER_PYTHON_H
#define FO_RUNNER_PYTHON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_runner.h"

#define FO_PYTHON_START_TRIES 3u
/* How long a worker that keeps split contexts set up has to tear them down
   when it is retired before it is killed: when the runner is destroyed
   (the agent renews its runners at each session's end), and at a
   restart between tasks. The same: since a restart no longer holds the
   agent's loop (only its slot waits), a teardown gets as long there as
   at the end (it was 1 s while the whole agent waited). */
#define FO_PYTHON_END_GRACE_MS 10000u
#define FO_PYTHON_RESTART_GRACE_MS 10000u
/* One request hands the worker a step and the Python steps the lease has
   right after it (fo_runner_step.ahead: its next test steps), at most
   this many, and no more once it holds about this many bytes. */
#define FO_PYTHON_BATCH_STEPS 256u
#define FO_PYTHON_BATCH_BYTES (1u << 20)
/* The most bytes of one frame on the worker's pipe (a request, an answer). */
#define FO_PYTHON_MAX_FRAME (16u * 1024u * 1024u)

typedef struct {
    uint32_t max_tasks;         /* restart after this many tasks; 0: never
                                   (--restart-worker: 1) */
    uint64_t max_rss_kb;        /* restart between tasks past this; 0: never */
    bool off;                   /* no worker: every step in a process of its own
                                   (--no-python-worker; the helper then runs a
                                   test's fixtures around it) */
} fo_python_worker_options;

/* token: the worker's own FANOUT_STEP_TOKEN (copied); options may be NULL. */
fo_runner *fo_runner_python_new (const char *token, const fo_python_worker_options *options);

/* The end of n runners (the agent's session ended, or the agent stops):
   the workers of those made by fo_runner_python_new (others are skipped)
   are retired side by side, waited for at most FO_PYTHON_END_GRACE_MS
   all together, not one grace after another; *abort (may be NULL) set
   meanwhile kills them at once. Blocks: it comes after the session's
   end (its bye sent, its socket closed: nothing of the broker's is left
   to serve), and the agent must not join a new session nor exit with
   workers still tearing down. The runners are then destroyed as usual
   (nothing left to retire). */
void fo_runner_python_end_all (fo_runner **runners, size_t n, volatile sig_atomic_t *abort);

#endif
