/*  fo_runner_python_state — the python runner's state, shared by its two
    files (private to agent/):

        fo_runner_python.c       the worker's life (start, restart, kill,
                                 death) and the runner's operations
        fo_runner_python_pipe.c  its pipe: the requests (a step and the
                                 steps sent ahead), the answers, and the
                                 bytes on its fds 1 and 2 split by step
*/
#ifndef FO_RUNNER_PYTHON_STATE_H
#define FO_RUNNER_PYTHON_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_runner_python.h"

/* The pipe protocol's version (docs/python-workers.md): every map's `v`. */
#define FO_PYTHON_WORKER_PROTOCOL 3
/* What the worker writes to its fds 1 and 2 after each step: the bytes
   before it there are that step's (python/fanout_nose/worker.py). */
#define STEP_END "\x1f" "fanout-python-step-end" "\x1f"
#define STEP_END_LEN (sizeof STEP_END - 1)

/* A step sent to the worker (one of a request's). */
typedef struct {
    const fo_step *step;        /* the step and its token: how its start is matched */
    char *token;
    uint32_t timeout_ms;
    uint64_t began_us;          /* when the worker began it, as far as the agent
                                   knows (the answer before came); 0: not yet */
    bool answered;              /* it ended: status and output are final */
    fo_proc_status status;
    fo_capture out, err;
} sent_step;

typedef struct {
    char *token;                /* the worker's own */
    fo_python_worker_options options;
    fo_runner *process;         /* every step that is not Python's */
    bool in_process;            /* the current step is the process runner's */
    char *helper;               /* this agent's helper, or NULL */

    /* the worker */
    char dir[64];               /* its FIFOs; "" until made */
    int req_fd, rep_fd;         /* to it (O_RDWR: open never blocks), from it */
    fo_proc *worker;
    char *interpreter;          /* what it runs on */
    bool hello;                 /* it said hello: it started well */
    uint32_t start_deaths;      /* deaths before hello, in a row */
    uint32_t tasks;             /* tasks begun on this worker */
    uint64_t rss_kb;            /* after its last step */
    uint64_t kept;              /* split contexts it keeps set up (its last answer) */
    /* A worker retired at a restart (fo_runner_python.c, retire_worker):
       asked to `end`, it tears down the split contexts it kept while the
       agent's loop goes on; the step started after it (awaiting) waits
       for it to be gone, then gets a new worker. */
    fo_proc *retiree;           /* its stdout and stderr: to `retired` */
    fo_buf retired;             /* what it wrote on stderr */
    uint64_t retire_until_ms;   /* killed then (fo_now_ms) */
    uint32_t retire_grace_ms;
    bool awaiting;              /* the current request waits for the retiree */
    bool late_failed;           /* its worker could not start: late_error */
    fo_start_error late_error;
    char *scope;                /* the task of the last step (its token's scope) */
    bool loop_tried;            /* a crash loop's one try for this task made */
    fo_buf in;                  /* bytes read from it, not yet a frame */
    fo_buf pending;             /* bytes of the request not yet written */
    bool killing;               /* we are killing the worker (for q[answers]) */
    bool timing_out;            /* ... because that step passed its timeout */
    /* Counted in steps this worker was sent (a step's sequence number):
       answers is the one it runs now (its answers so far), raw[s] the
       one the bytes on its fd s (1, 2) belong to (the STEP_ENDs so far). */
    uint64_t answers;
    uint64_t raw[3];
    char carry[3][STEP_END_LEN];    /* a STEP_END's start at the end of a read */
    size_t ncarry[3];

    /* The last request's steps: q[i] is sequence number base + i. The
       agent's step is q[cur] (when active); those before it are done.
       chain_at (when not 0): q[chain_at..nq) are the next lease's steps,
       sent chained after them (fo_runner_chain), run by the worker only
       if the request before them does not stop. */
    sent_step *q;
    size_t nq, qcap, cur, chain_at;
    uint64_t base;
    bool active;
    bool stopped;               /* an answer of the last request stopped it */
    fo_output_fn *on_output;
    void *output_arg;
} python_runner;

/* The step the worker runs now (sent, not answered), or NULL: it is idle. */
sent_step *fo_pyrun_running (const python_runner *self);
/* Frees a sent step's token and output (and zeroes it). */
void fo_pyrun_free_sent (sent_step *s);
/* Does step go to the worker (a Python step, the worker not off)? */
bool fo_pyrun_is_python (const python_runner *self, const fo_step *step);

/* fo_runner_python_pipe.c */
/* The worker's fds 1 and 2 (fo_proc's on_output): each step's bytes to it. */
void fo_pyrun_route_output (void *arg, int stream, const char *data, size_t len);
/* Queues the request for rs and the steps ahead of it: each becomes a
   sent step, after those of the queue (which must be empty unless
   chained: then the worker runs them only if the request before them
   does not stop). */
void fo_pyrun_frame_request (python_runner *self, const fo_runner_step *rs, bool chained);
/* Writes what it can of the queued request (never blocks). */
void fo_pyrun_flush_request (python_runner *self);
/* Reads and takes the worker's answers; false when it broke the protocol. */
bool fo_pyrun_read_answers (python_runner *self);

#endif
