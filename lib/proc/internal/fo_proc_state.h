/*  fo_proc_state — what fo_proc.c (a child process watched without
    blocking) and fo_proc_async.c (its start on a spawner's thread or on
    a lane, and what a lane's proc does until its job ends) share: the
    proc's state, its job's, and the steps each file takes from the
    other. Private to lib/proc: fo_proc.h is the module's interface. */
#ifndef FO_PROC_STATE_H
#define FO_PROC_STATE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fo_proc.h"
#include "fo_proc_env.h"
#include "fo_spawner.h"

typedef struct fo_proc_async fo_proc_async;

struct fo_proc {
    pid_t pid;                  /* also the process group id */
    int pidfd;                  /* -1 when the kernel has none */
    int out_fd;                 /* read ends, -1 once closed */
    int err_fd;
    fo_capture out;
    fo_capture err;
    fo_output_fn *on_output;
    void *output_arg;
    fo_proc_status status;
    /* One clock for the limit and the duration: both are fo_now_us ()
       readings, compared in microseconds. (Deadlines in whole ms, with the
       start truncated to its ms, fired up to 1 ms before the limit, and a
       test with `timeout: 1` was reported after 0.99995 s.) */
    uint64_t start_us;
    uint64_t timeout_at_us;     /* UINT64_MAX: no timeout */
    uint64_t kill_at_us;        /* SIGKILL after the grace; UINT64_MAX: not yet */
    bool term_sent;
    bool kill_sent;
    bool finished;              /* reaped, output collected */
    uint32_t timeout_ms;        /* the spec's */
    /* fo_proc_start_on: the spawn runs on a spawner's thread until this is
       NULL again (settled); meanwhile the spawner owns pid, pidfd, start_us
       and timeout_at_us. */
    fo_proc_async *async;
    bool kill_wanted;           /* fo_proc_kill before the spawn had ended */
    bool exit_seen;             /* its lane's job saw the exit (has_exited) */
    bool zombie;                /* ...and saw it a zombie: until finish() reaps
                                   it, its pid and group id are ours (nothing
                                   else in fanout reaps, and SIGCHLD is not
                                   ignored: fo_reaper_own_children) */
    int start_errnum;           /* the spawn failed (fo_proc_start_failed) */
    char *start_error;
};

/*  How a child is made, besides its command (fo_proc_spec's). */
typedef struct {
    int pass_fd;                /* -1, or an fd the child gets as fd 3 */
    bool forkable;              /* may come from the Python fork server */
    bool hold;                  /* keep the child's ends open when it started
                                   (a lane's: closed at its exit) */
    bool no_pidfd;              /* a lane's where fo_reaper_children_owned: its
                                   job waits for the exit, and the zombie it
                                   leaves names its group */
} fo_proc_launch_how;

/*  The envp of a child: the entries of a built environment (shared with
    the other spawns of that environment, not copied: fo_proc_env.h) and
    FANOUT_STEP_TOKEN=<token>, in one allocation. Building the environment
    afresh for every spawn, every variable copied and freed again, was a
    few percent of the agent loop's CPU per tiny test. */
typedef struct {
    fo_proc_env *env;           /* a reference, kept until the spawn has ended */
    char **items;               /* NULL-terminated; ours, the token's string within */
} fo_proc_child_env;

struct fo_proc_async {
    fo_spawner_job job;
    fo_spawner *spawner;
    fo_proc *proc;
    char **argv;                /* copies, with cwd in one block: the spec may go */
    fo_proc_child_env envp;
    char *cwd;
    int out_w, err_w;           /* the child's ends, closed by fo_proc_launch (a lane's:
                                   by its thread, once its job is done) */
    bool forkable;
    /* Started on a lane (fo_proc_start_lane): the job lasts until the
       child has exited, and the loop watches the running child
       meanwhile. launched (release) says the spawn succeeded: pid,
       pidfd, start_us and timeout_at_us are then the loop's to read. */
    bool lane;
    atomic_bool launched;
    bool zombie;                /* the lane's wait saw our child exit, unreaped */
    int rc;                     /* launch's */
    char err[512];
    uint64_t look_at_ms;        /* settle by then at the latest (the loop's clock) */
};

/* ---- fo_proc.c ---- */

void fo_proc_close_fd (int *fd);
/* The pipes and the proc, not yet started: NULL with err set and errno
   the cause. */
fo_proc *fo_proc_prepare (const fo_proc_spec *spec, int out_pipe[2], int err_pipe[2], char *err,
                          size_t errlen);
/* The spawn and what follows it, in the thread that spawns: 0, or the
   errno to report with err worded. Closes the child's ends of the pipes
   (unless how.hold and it started). */
int fo_proc_launch (fo_proc *self, char *const *argv, char *const *envp, const char *cwd,
                    int out_w, int err_w, fo_proc_launch_how how, char *err, size_t errlen);
void fo_proc_child_env_make (const fo_proc_spec *spec, fo_proc_child_env *ce);
void fo_proc_child_env_free (fo_proc_child_env *ce);
void fo_proc_begin_kill (fo_proc *self);
void fo_proc_signal_group (fo_proc *self, int sig);
int fo_proc_wait_child (const fo_proc *self, siginfo_t *info, int options);
void fo_proc_check_limits (fo_proc *self);
void fo_proc_read_some (fo_proc *self);

/* ---- fo_proc_async.c ---- */

/* The spawn has ended (fo_spawner_done): the proc runs, or has finished
   with its start error; the job is gone. */
void fo_proc_settle (fo_proc *self);
/* Settles if the spawn has ended, else asks for the spawner's word:
   whether it settled. */
bool fo_proc_settle_or_ask (fo_proc *self);
/* A lane's spawn succeeded: pid, pidfd, start_us, timeout_at_us are the
   loop's to read. */
bool fo_proc_lane_launched (const fo_proc *self);
/* A lane's proc whose job has not ended: its output and its limit. */
void fo_proc_service_lane (fo_proc *self);
/* For a destroy: the lane's job taken back, or its child killed and its
   end waited for. */
void fo_proc_end_lane_job (fo_proc *self);

#endif
