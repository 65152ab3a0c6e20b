/*  fo_proc_async — fo_proc's start on a spawner's thread
    (fo_proc_start_on) or on a lane (fo_proc_start_lane), and what a
    lane's proc does while its job waits for the child (fo_proc.h). The
    state it shares with fo_proc.c is in internal/fo_proc_state.h. */
#include "fo_proc_state.h"
#include "fo_reaper.h"
#include "fo_spawner.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*  The command's copies for the spawner's thread, in one allocation: the
    argv pointers, their strings, then cwd (a malloc and a free per
    argument and for cwd were measurable per tiny test). */
static void
copy_command (const fo_proc_spec *spec, fo_proc_async *a)
{
    size_t argc = spec->argv->len;
    size_t size = (argc + 1) * sizeof (char *);
    for (size_t i = 0; i < argc; i++)
        size += strlen (spec->argv->items[i]) + 1;
    size_t cwd_len = spec->cwd ? strlen (spec->cwd) + 1 : 0;
    size += cwd_len;
    a->argv = fo_xmalloc (size);
    char *p = (char *) (a->argv + argc + 1);
    for (size_t i = 0; i < argc; i++) {
        size_t len = strlen (spec->argv->items[i]) + 1;
        memcpy (p, spec->argv->items[i], len);
        a->argv[i] = p;
        p += len;
    }
    a->argv[argc] = NULL;
    a->cwd = NULL;
    if (spec->cwd) {
        memcpy (p, spec->cwd, cwd_len);
        a->cwd = p;
    }
}

static void
run_launch (fo_spawner_job *job)
{
    fo_proc_async *a = (fo_proc_async *) job;
    fo_proc_launch_how how = { .pass_fd = -1, .forkable = a->forkable };
    a->rc = fo_proc_launch (a->proc, a->argv, a->envp.items, a->cwd, a->out_w, a->err_w, how,
                            a->err, sizeof a->err);
}

/*  What both starts on a spawner's thread do before queueing the job:
    the pipes, the proc (starting) and its job, which takes copies of the
    command (the spec may go) and the child's ends of the pipes. */
static fo_proc *
prepare_async (const fo_proc_spec *spec, fo_spawner *spawner, void (*run) (fo_spawner_job *),
               char *err, size_t errlen)
{
    int out_pipe[2], err_pipe[2];
    fo_proc *self = fo_proc_prepare (spec, out_pipe, err_pipe, err, errlen);
    if (!self)
        return NULL;
    fo_proc_async *a = fo_xcalloc (1, sizeof *a);
    a->job.run = run;
    a->job.close_after[0] = a->job.close_after[1] = -1;
    a->spawner = spawner;
    a->proc = self;
    copy_command (spec, a);
    fo_proc_child_env_make (spec, &a->envp);
    a->out_w = out_pipe[1];
    a->err_w = err_pipe[1];
    a->forkable = spec->forkable;
    a->look_at_ms = fo_now_ms () + FO_PROC_SETTLE_MS;
    self->async = a;
    return self;
}

fo_proc *
fo_proc_start_on (fo_spawner *spawner, const fo_proc_spec *spec, char *err, size_t errlen)
{
    /* An fd to pass is the caller's until fo_proc_start returns: only a
       start in the caller's thread can promise it (the discovery's). */
    if (!spawner || spec->pass_fd)
        return fo_proc_start (spec, err, errlen);
    fo_proc *self = prepare_async (spec, spawner, run_launch, err, errlen);
    if (self)
        fo_spawner_submit (spawner, &self->async->job);
    return self;
}

/*  A lane's job: the spawn, holding the child's ends of its pipes. */
static void
run_launch_held (fo_spawner_job *job)
{
    fo_proc_async *a = (fo_proc_async *) job;
    fo_proc_launch_how how = { .pass_fd = -1, .forkable = a->forkable, .hold = true,
                               .no_pidfd = fo_reaper_children_owned () };
    a->rc = fo_proc_launch (a->proc, a->argv, a->envp.items, a->cwd, a->out_w, a->err_w, how,
                            a->err, sizeof a->err);
    if (a->rc != 0)
        a->out_w = a->err_w = -1;       /* launch closed them */
    else {
        /* Closed by the lane's thread once the job is done: after the
           word, so that the exit wakes the loop once. */
        a->job.close_after[0] = a->out_w;
        a->job.close_after[1] = a->err_w;
        a->out_w = a->err_w = -1;
        atomic_store_explicit (&a->launched, true, memory_order_release);
    }
}

/*  ...then the wait for the child's exit, leaving it a zombie for the
    loop to reap. A lane's child has no pidfd in a process where only
    fo_proc reaps (fo_reaper_own_children; opening and closing one was
    about a tenth of fanout's own CPU per tiny test): the zombie that this
    wait leaves keeps its pid and its group id from reuse until the loop's
    finish() has killed the group and reaped it. */
static void
wait_exit (fo_spawner_job *job)
{
    fo_proc_async *a = (fo_proc_async *) job;
    if (a->rc != 0)
        return;
    siginfo_t info;
    a->zombie = fo_proc_wait_child (a->proc, &info, WEXITED | WNOWAIT) == 0
                && info.si_pid == a->proc->pid;
}


fo_proc *
fo_proc_start_lane (fo_spawner *lanes, unsigned lane, const fo_proc_spec *spec, char *err,
                    size_t errlen)
{
    if (!lanes || !fo_spawner_lanes (lanes) || spec->pass_fd)
        return fo_proc_start_on (lanes, spec, err, errlen);
    fo_proc *self = prepare_async (spec, lanes, run_launch_held, err, errlen);
    if (!self)
        return NULL;
    fo_proc_async *a = self->async;
    a->job.wait = wait_exit;
    a->lane = true;
    /* Asked from the start: the job's word is what tells the loop of the
       exit (the pipes' end of file comes after it, and not at all while
       something the test started holds them). */
    fo_spawner_submit_to (lanes, lane, &a->job, true);
    return self;
}

/*  The spawn on the spawner's thread has ended (fo_spawner_done): the
    proc runs (or has finished with its start error) and the job is gone.
    The count its job added to the spawner's eventfd, if it asked for one,
    is taken only then, by this proc: one still starting leaves the
    eventfd alone (fo_spawner.h). */
void
fo_proc_settle (fo_proc *self)
{
    fo_proc_async *a = self->async;
    fo_spawner_take (a->spawner, &a->job);
    self->async = NULL;
    if (a->rc != 0) {
        self->start_errnum = a->rc;
        self->start_error = fo_xstrdup (a->err);
        fo_proc_close_fd (&self->out_fd);
        fo_proc_close_fd (&self->err_fd);
        self->finished = true;
    }
    else if (self->kill_wanted)
        fo_proc_begin_kill (self);
    /* A lane's job ends once its wait has seen the child exit (or not
       ours to wait for any more): no need to ask again. */
    self->exit_seen = a->rc == 0 && a->lane;
    /* Trusted only without a pidfd: with one, the pidfd is the proof. */
    self->zombie = self->exit_seen && a->zombie && self->pidfd < 0;
    free (a->argv);             /* cwd's copy is in the same block */
    fo_proc_child_env_free (&a->envp);
    free (a);
}

/*  Settles the proc if its spawn has ended; otherwise asks the spawner
    for a word when it does. Returns whether it settled. */
bool
fo_proc_settle_or_ask (fo_proc *self)
{
    fo_proc_async *a = self->async;
    if (!fo_spawner_done (&a->job) && fo_spawner_ask (a->spawner, &a->job))
        return false;           /* its word comes on the eventfd */
    fo_proc_settle (self);
    return true;
}

int
fo_proc_start_failed (const fo_proc *self, const char **message)
{
    if (message)
        *message = self->start_error;
    return self->start_error ? self->start_errnum : 0;
}

/*  Has a lane's spawn succeeded? Then the child is the loop's to read,
    signal and limit (not to reap: its job waits for the exit). */
bool
fo_proc_lane_launched (const fo_proc *self)
{
    return self->async && atomic_load_explicit (&self->async->launched, memory_order_acquire);
}

/*  A lane's proc whose job has not ended: the child runs (or is being
    spawned). Its output is read and its limit kept here; its exit is the
    job's to see. */
void
fo_proc_service_lane (fo_proc *self)
{
    if (!fo_proc_lane_launched (self)) {
        self->async->look_at_ms = fo_now_ms () + FO_PROC_SETTLE_MS;
        return;
    }
    if (self->kill_wanted) {
        self->kill_wanted = false;
        fo_proc_begin_kill (self);
    }
    fo_proc_read_some (self);
    fo_proc_check_limits (self);
}

/*  A lane's job not begun, taken off its lane: what it holds is freed. */
static void
drop_unbegun (fo_proc *self)
{
    fo_proc_async *a = self->async;
    fo_proc_close_fd (&a->out_w);
    fo_proc_close_fd (&a->err_w);
    free (a->argv);
    fo_proc_child_env_free (&a->envp);
    free (a);
    self->async = NULL;
    self->finished = true;      /* nothing was started */
}

bool
fo_proc_withdraw (fo_proc **self_p)
{
    fo_proc *self = *self_p;
    if (!self || !self->async || !self->async->lane
        || !fo_spawner_cancel (self->async->spawner, &self->async->job))
        return false;
    drop_unbegun (self);
    fo_proc_destroy (self_p);
    return true;
}

/*  For a destroy: a lane's job that has not begun never will; one that
    has is let fo_proc_launch (short), its child killed, and its end waited for
    (its exit follows the kill). */
void
fo_proc_end_lane_job (fo_proc *self)
{
    fo_proc_async *a = self->async;
    if (fo_spawner_cancel (a->spawner, &a->job)) {
        drop_unbegun (self);
        return;
    }
    while (!fo_spawner_done (&a->job) && !fo_proc_lane_launched (self))
        nanosleep (&(struct timespec) { .tv_nsec = 50000 }, NULL);
    if (!fo_spawner_done (&a->job))
        fo_proc_signal_group (self, SIGKILL);
    fo_spawner_wait (a->spawner, &a->job);
    fo_proc_settle (self);
}
