/*  fo_execution — runs one lease's steps in one worker slot.
    See fo_execution.h for the scope rules; what a step's end reports is in
    fo_execution_results.c, which step runs next in fo_execution_order.c
    (their shared state: internal/fo_execution_state.h). */
#include "fo_execution.h"
#include "fo_execution_state.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_capacity.h"
#include "fo_discover_step.h"
#include "fo_glib_join.h"
#include "fo_gtest_join.h"
#include "fo_reader.h"
#include "fo_runner_process.h"
#include "fo_steps.h"
#include "fo_sweeper.h"


fo_execution *
fo_execution_new (fo_lease *lease, uint32_t worker, const char *host,
                  fo_result_fn *on_result, void *arg)
{
    fo_execution *self = fo_xcalloc (1, sizeof *self);
    self->lease = *lease;
    memset (lease, 0, sizeof *lease);
    self->worker = worker;
    self->host = fo_xstrdup (host);
    self->on_result = on_result;
    self->arg = arg;
    self->started_us = fo_now_us ();
    self->next_slow_ms = UINT64_MAX;
    self->pending = FO_STEPS_NONE;
    return self;
}

void
fo_execution_set_capacity (fo_execution *self, fo_capacity *capacity)
{
    self->capacity = capacity;
}

void
fo_execution_set_spawner (fo_execution *self, struct fo_spawner *spawner)
{
    self->spawner = spawner;
}

void
fo_execution_set_lane (fo_execution *self, struct fo_spawner *lanes, unsigned lane)
{
    self->lanes = lanes;
    self->lane = lane;
}

void
fo_execution_set_runner (fo_execution *self, fo_runner *runner)
{
    if (self->own_runner)
        fo_runner_destroy (&self->runner);
    self->runner = runner;
    self->own_runner = false;
}

/* The runner, made on first use when none was given. */
static fo_runner *
runner_of (fo_execution *self)
{
    if (!self->runner) {
        self->runner = fo_runner_process_new ();
        self->own_runner = true;
    }
    return self->runner;
}

void
fo_execution_set_scope (fo_execution *self, fo_sweeper *sweeper, const char *token)
{
    self->sweeper = sweeper;
    self->lease_mark = fo_sweeper_mark ();
    free (self->token);
    self->token = fo_xstrdup (token);
}

void
fo_execution_on_slow (fo_execution *self, fo_slow_fn *on_slow)
{
    self->on_slow = on_slow;
}

static char *
step_token (const fo_execution *self, size_t index)
{
    return self->token ? fo_xstr_nums (self->token, '/', index, '\0', 0) : NULL;
}

/* When fanout stopped the step (cancel, task timeout), or its exit status
   was lost, what its tests that the output did not judge become
   (fo_step_ending). */
static void
stop_of (const fo_execution *self, fo_step_ending *end, char **message)
{
    *message = NULL;
    if (!self->cancelled) {
        if (end->status->lost) {
            /* Something else reaped it: nothing says how it ended, so no
               reader may judge it from its exit status (that read as 0). */
            *message = fo_xstrdup (FO_PROC_STATUS_LOST_TEXT);
            end->stop_outcome = FO_ERROR;
            end->stop_message = *message;
        }
        return;
    }
    if (self->task_expired) {
        *message = fo_xstrdup (self->cancel_reason);
        end->stop_outcome = FO_TIMEOUT;
    }
    else {
        *message = fo_xasprintf ("not run (%s)", self->cancel_reason);
        end->stop_outcome = FO_NOT_RUN;
    }
    end->stop_message = *message;
}

/* The running or pending step's reader goes, and its group with it. */
static void
drop_read (fo_execution *self)
{
    fo_read_destroy (&self->read);
    if (self->joining) {
        fo_step_free (&self->joined);
        memset (&self->joined, 0, sizeof self->joined);
        self->joining = false;
        self->ngroup = 0;
    }
}

/* A Python setup or teardown that raised KeyboardInterrupt (the helper's
   exit status FO_PYTHON_INTERRUPT_STATUS, docs/python-workers.md): its
   fixture error carries `interrupt`, and the lease stops as for a test's
   (self->interrupted). Not after a cancel: the run is stopping already. */
static bool
interrupts (fo_execution *self, const fo_step *step, const fo_proc_status *st)
{
    bool yes = step->reader == FO_READER_PYTHON && st->exited && !st->timed_out
               && st->exit_code == FO_PYTHON_INTERRUPT_STATUS && !self->cancelled;
    if (yes)
        self->interrupted = true;
    return yes;
}

static void
finish_step (fo_execution *self)
{
    const fo_step *step = &self->lease.steps[self->current];
    const fo_proc_status *st = fo_runner_status (self->runner);
    fo_buf out = { 0 }, err = { 0 };
    fo_capture_render (fo_runner_output (self->runner, 1), &out);
    fo_capture_render (fo_runner_output (self->runner, 2), &err);
    bool ok = st->exited && !st->timed_out && st->exit_code == 0;
    /* Worded only where a message needs it ("exit status 2"): a test's
       result carries the status itself. */
    char *status = step->kind == FO_STEP_TEST ? NULL : fo_proc_status_text (st, step->timeout_ms);

    bool skipped = step->kind == FO_STEP_TEST && st->exited && !st->timed_out
                   && st->exit_code == self->lease.skip_code;
    if (!ok && !skipped)
        fo_exec_note_failure (self, st->exited ? st->exit_code : -1, st->signal);

    switch (step->kind) {
    case FO_STEP_TEST: {
        /* The step's reader says what happened to each of its tests. */
        fo_step_ending end = {
            .status = st,
            .out = out.data ? out.data : "",
            .out_len = out.len,
            .err = err.data ? err.data : "",
            .err_len = err.len,
        };
        char *stop_message;
        stop_of (self, &end, &stop_message);
        fo_read_end (self->read, &end);
        /* A group's steps with results are done; the others (after a
           crash) are chosen again and run in a new process. */
        for (size_t k = 0; self->joining && k < self->ngroup; k++)
            if (fo_read_reported (self->read, k))
                self->done[self->group[k]] = true;
        drop_read (self);
        free (stop_message);
        /* A test must not leave processes behind: whatever of it is still
           alive (escaped its group) goes now. */
        char *token = step_token (self, self->current);
        if (self->sweeper && token)
            fo_sweeper_add_since (self->sweeper, token, self->step_mark);
        free (token);
        break;
    }
    case FO_STEP_SETUP:
        if (ok)
            fo_exec_open_setup (self, self->current);
        else {
            fo_exec_begin_skip (self, self->current,
                        interrupts (self, step, st)
                        ? fo_xasprintf ("setup of context '%s' interrupted the run "
                                        "(KeyboardInterrupt)", step->name)
                        : fo_xasprintf ("setup of context '%s' failed: %s", step->name, status));
            /* The cause, once, as a fixture error; each test in its scope
               also becomes an error carrying the same output. A setup
               killed by a cancel did not fail: its tests are not run. */
            if (!self->cancelled) {
                self->interrupt_result = interrupts (self, step, st);
                fo_exec_emit (self, self->current, "", FO_ERROR, st->duration_us, out.data,
                              out.len, err.data, err.len, self->skip_message);
                self->interrupt_result = false;
            }
            self->skip_out = out;
            self->skip_err = err;
            memset (&out, 0, sizeof out);
            memset (&err, 0, sizeof err);
        }
        break;
    case FO_STEP_TEARDOWN:
        /* One killed by an abort did not fail: it was not let finish. */
        if (!ok && !self->aborted) {
            self->interrupt_result = interrupts (self, step, st);
            char *message = self->interrupt_result
                ? fo_xasprintf ("teardown of context '%s' interrupted the run (KeyboardInterrupt)",
                                step->name)
                : fo_xasprintf ("teardown of context '%s' failed: %s", step->name, status);
            fo_exec_emit (self, self->current, "", FO_ERROR, st->duration_us, out.data, out.len,
                          err.data, err.len, message);
            self->interrupt_result = false;
            free (message);
        }
        break;
    case FO_STEP_DISCOVER:
        if (!self->cancelled || ok)
            fo_exec_discovered (self, self->current, ok ? NULL : status);
        break;
    }
    free (status);
    fo_buf_free (&out);
    fo_buf_free (&err);
    fo_runner_release (self->runner);
    self->running = false;
    if (self->capacity)
        fo_capacity_ended (self->capacity);
    self->next_slow_ms = UINT64_MAX;
    /* A test interrupted the run: the rest of the lease goes as on the
       broker's cancel for an interrupt (tests not_run, teardowns of the
       completed setups run). */
    if (self->interrupted)
        fo_execution_cancel (self, FO_INTERRUPT_REASON);
}

/* A step whose process could not even be started. */
static void
unstartable_step (fo_execution *self, size_t index, const char *why)
{
    const fo_step *step = &self->lease.steps[index];
    fo_exec_note_failure (self, 127, 0);
    switch (step->kind) {
    case FO_STEP_TEST:
        fo_exec_emit_all (self, index, FO_ERROR, NULL, 0, NULL, 0, why);
        break;
    case FO_STEP_SETUP:
        fo_exec_begin_skip (self, index, fo_xasprintf ("setup of context '%s' failed: %s", step->name, why));
        fo_exec_emit (self, index, "", FO_ERROR, 0, NULL, 0, NULL, 0,
                      self->skip_message);
        break;
    case FO_STEP_TEARDOWN: {
        char *message = fo_xasprintf ("teardown of context '%s' failed: %s", step->name, why);
        fo_exec_emit (self, index, "", FO_ERROR, 0, NULL, 0, NULL, 0, message);
        free (message);
        break;
    }
    case FO_STEP_DISCOVER:
        fo_exec_discovered (self, index, why);
        break;
    }
}

/* The host lacked resources to start the pending step. True when it
   waits to be tried again (fo_capacity). Otherwise the agent gave up on
   it: the lease stops with that reason, so the step is not run (its tests
   not_run) or, a teardown, reported as failed to start. */
static bool
starved (fo_execution *self, int errnum)
{
    char why[512];
    if (self->capacity && fo_capacity_starved (self->capacity, errnum, why, sizeof why))
        return true;
    if (!self->capacity)
        snprintf (why, sizeof why, "the agent could not start it: %s", strerror (errnum));
    fo_execution_cancel (self, why);    /* takes any pending step but a teardown */
    if (self->pending != FO_STEPS_NONE) {
        size_t index = self->pending;
        self->pending = FO_STEPS_NONE;
        drop_read (self);
        unstartable_step (self, index, why);
    }
    return false;
}

/* Joins the test step at index with the consecutive steps that may share
   its process (fo_glib_joins: a GLib program's paths), skipping those
   done; at least two make a group (self->joining). */
static void
form_group (fo_execution *self, size_t index)
{
    const fo_step *first = &self->lease.steps[index];
    bool gtest = fo_gtest_step_name (first) != NULL;
    if (!gtest && !fo_glib_path (first))
        return;
    if (!self->group) {
        self->group = fo_xcalloc (self->lease.nsteps, sizeof *self->group);
        self->parts = fo_xcalloc (self->lease.nsteps, sizeof *self->parts);
        self->done = fo_xcalloc (self->lease.nsteps, sizeof *self->done);
    }
    self->ngroup = 0;
    self->group[self->ngroup] = index;
    self->parts[self->ngroup++] = first;
    for (size_t j = index + 1; j < self->lease.nsteps; j++) {
        if (self->done[j])
            continue;
        if (gtest ? !fo_gtest_joins (self->parts, self->ngroup, &self->lease.steps[j])
                  : !fo_glib_joins (self->parts, self->ngroup, &self->lease.steps[j]))
            break;
        self->group[self->ngroup] = j;
        self->parts[self->ngroup++] = &self->lease.steps[j];
    }
    if (self->ngroup < 2) {
        self->ngroup = 0;
        return;
    }
    if (gtest)
        fo_gtest_join (self->parts, self->ngroup, &self->joined);
    else
        fo_glib_join (self->parts, self->ngroup, &self->joined);
    self->joining = true;
}

/* The runner may begin the steps that follow the one it starts
   (fo_runner_step.ahead: a persistent Python worker takes them in one
   request and stops at the first that fails): the lease's next Python
   steps (tests, setups, teardowns), while nothing stops the lease. */
static const fo_step *
ahead_step (void *arg, size_t k, fo_buf *token)
{
    fo_execution *self = arg;
    size_t index = self->current + 1 + k;
    if (self->cancelled || self->interrupted || self->skipping || self->joining
        || index >= self->lease.nsteps)
        return NULL;
    const fo_step *step = &self->lease.steps[index];
    if (step->kind == FO_STEP_DISCOVER || step->reader != FO_READER_PYTHON
        || (self->done && self->done[index]))
        return NULL;
    if (self->token)
        fo_buf_printf (token, "%s/%zu", self->token, index);
    if (index > self->ahead_through)
        self->ahead_through = index;
    return step;
}

/* The pending step at index could not start. */
static void
start_failed (fo_execution *self, size_t index, const fo_start_error *why)
{
    /* Not the step's fault: it waits for resources, its reader with it. */
    if (why->resources) {
        self->waiting = starved (self, why->errnum);
        return;
    }
    drop_read (self);
    self->pending = FO_STEPS_NONE;
    unstartable_step (self, index, why->message);
}

/* Tries to start the pending step. */
static void
start_pending (fo_execution *self)
{
    size_t index = self->pending;
    const fo_step *step = &self->lease.steps[index];
    self->current = index;
    if (step->kind == FO_STEP_TEST && !self->read) {
        if (!self->cancelled)
            form_group (self, index);
        fo_read_step rs = { .step = step, .skip_code = self->lease.skip_code };
        if (self->joining) {
            rs.step = &self->joined;
            rs.parts = self->parts;
            rs.nparts = self->ngroup;
            /* A gtest group is read by the gtest reader itself (its
               parts make it stream); a GLib group by its own reader. */
            self->read = self->joined.reader == FO_READER_GTEST
                             ? fo_read_new (&rs, fo_exec_read_result, self)
                             : fo_read_new_with (&fo_reader_glib_join, &rs, fo_exec_read_result,
                                                 self);
        }
        else
            self->read = fo_read_new (&rs, fo_exec_read_result, self);
        if (!self->read) {
            char *why = fo_xasprintf ("this agent has no reader '%s'", fo_reader_name (step->reader));
            unstartable_step (self, index, why);
            free (why);
            self->pending = FO_STEPS_NONE;
            return;
        }
    }
    if (self->joining)
        step = &self->joined;
    char *token = step_token (self, index);
    /* What the reader needs the process to have (the gtest reader's
       output file): over the step's own env, for this start only. */
    const fo_env *read_env = step->kind == FO_STEP_TEST && self->read ? fo_read_env (self->read)
                                                                      : NULL;
    fo_step with_env;
    if (read_env) {
        with_env = *step;
        memset (&with_env.env, 0, sizeof with_env.env);
        fo_env_copy (&with_env.env, &step->env);
        fo_env_merge (&with_env.env, read_env);
    }
    fo_runner_step spec = {
        .step = read_env ? &with_env : step,
        .output_cap = step->kind == FO_STEP_DISCOVER ? FO_DISCOVER_OUTPUT_CAP
                                                    : self->lease.output_cap,
        .token = token,
        .on_output = fo_exec_read_output,
        .output_arg = self,
        .ahead = step->kind != FO_STEP_DISCOVER && !read_env ? ahead_step : NULL,
        .ahead_arg = self,
        .spawner = self->spawner,
        .lanes = self->lanes,
        .lane = self->lane,
    };
    fo_start_error why;
    /* A chained first step may have begun before now: its window starts
       when it was chained. */
    if (self->sweeper)
        self->step_mark = self->chain_marked ? self->chain_mark : fo_sweeper_mark ();
    self->chain_marked = false;
    self->ahead_through = index;
    self->running = fo_runner_start (runner_of (self), &spec, &why) == 0;
    if (read_env)
        fo_env_free (&with_env.env);
    free (token);
    self->waiting = false;
    if (self->running) {
        self->pending = FO_STEPS_NONE;
        if (self->capacity)
            fo_capacity_started (self->capacity);
        self->step_started_ms = fo_now_ms ();
        self->next_slow_ms = self->lease.slow_ms && self->on_slow
                                 ? self->step_started_ms + self->lease.slow_ms
                                 : UINT64_MAX;
        return;
    }
    start_failed (self, index, &why);
}

/* The running step's spawn failed on the spawner (fo_runner_start_error):
   it never ran; it goes as one whose start failed at once. */
static void
start_failed_late (fo_execution *self, const fo_start_error *late)
{
    fo_start_error why = *late;
    fo_runner_release (self->runner);
    self->running = false;
    if (self->capacity)
        fo_capacity_ended (self->capacity);
    self->next_slow_ms = UINT64_MAX;
    self->pending = self->current;
    start_failed (self, self->current, &why);
}

/* The agent's abort flag, checked right before a step would start. */
static void
check_abort (fo_execution *self)
{
    if (self->abort_flag && *self->abort_flag && !self->aborted)
        fo_execution_abort (self, self->abort_reason);
}

static void
start_next (fo_execution *self)
{
    while (!self->running && !self->finished) {
        if (self->pending == FO_STEPS_NONE)
            self->pending = fo_exec_choose_next (self);
        if (self->pending == FO_STEPS_NONE) {
            self->finished = true;
            if (self->runner)       /* none when no step was started */
                fo_runner_idle (self->runner);
            /* What setups started for the tests (a server, say) lives until
               here; now nothing of this lease may remain. */
            if (self->sweeper && self->token)
                fo_sweeper_add_since (self->sweeper, self->token, self->lease_mark);
            return;
        }
        if (self->waiting && fo_now_ms () < fo_capacity_retry_ms (self->capacity))
            return;
        check_abort (self);     /* it drops the pending step */
        if (self->pending == FO_STEPS_NONE)
            continue;
        start_pending (self);
        if (self->waiting)
            return;
    }
}

int
fo_execution_pollfds (const fo_execution *self, int fds[FO_EXECUTION_MAX_FDS])
{
    if (!self->running)
        return 0;
    int n = fo_runner_pollfds (self->runner, fds);
    /* The reader's own (the gtest reader's result stream). */
    if (self->read)
        n += fo_read_pollfds (self->read, fds + n);
    return n;
}

/* In microseconds, compared with fo_now_us (): the task's limit is never
   reached early (fo_deadline_ms rounds the poll deadline up). */
static uint64_t
task_deadline_us (const fo_execution *self)
{
    if (!self->lease.task_timeout_ms || self->cancelled || self->finished)
        return UINT64_MAX;
    return self->started_us + self->lease.task_timeout_ms * 1000ull;
}

uint64_t
fo_execution_deadline_ms (const fo_execution *self)
{
    if (self->waiting) {
        uint64_t retry = fo_capacity_retry_ms (self->capacity);
        uint64_t task = fo_deadline_ms (task_deadline_us (self));
        return task < retry ? task : retry;
    }
    if (!self->running)
        return UINT64_MAX;
    uint64_t deadline = fo_runner_deadline_ms (self->runner);
    if (self->next_slow_ms < deadline)
        deadline = self->next_slow_ms;
    uint64_t task = fo_deadline_ms (task_deadline_us (self));
    return task < deadline ? task : deadline;
}

static void
check_clocks (fo_execution *self)
{
    uint64_t now_us = fo_now_us (), now = now_us / 1000u;
    if (now_us >= task_deadline_us (self)) {
        char *reason = fo_xasprintf ("task timed out after %.1fs (limit %.1fs)",
                                     (double) (now_us - self->started_us) / 1e6,
                                     (double) self->lease.task_timeout_ms / 1e3);
        fo_execution_cancel (self, reason);
        self->task_expired = true;
        free (reason);
    }
    if (self->running && now >= self->next_slow_ms) {
        /* The multiple of --slow passed, not the clock read: an agent
           loop woken late on a loaded host would print "1.1s" for the
           notice due at 1.0 s, and a notice says "it has run at least". */
        uint64_t ran = now - self->step_started_ms;
        fo_slow slow = {
            .lease = self->lease.lease,
            .step = (uint32_t) self->current,
            .elapsed_ms = ran - ran % self->lease.slow_ms,
        };
        while (self->next_slow_ms <= now)
            self->next_slow_ms += self->lease.slow_ms;
        /* At its own timeout the step is being killed: that says more. */
        uint32_t limit = self->lease.steps[self->current].timeout_ms;
        if (!limit || slow.elapsed_ms < limit)
            self->on_slow (self->arg, &slow);
    }
}

void
fo_execution_take_lease (fo_execution *self, fo_lease *out)
{
    *out = self->lease;
    memset (&self->lease, 0, sizeof self->lease);
    self->finished = true;      /* nothing of it ran: nothing to sweep */
}

bool
fo_execution_sent_to_end (const fo_execution *self)
{
    return self->running && self->runner && !self->own_runner && !self->cancelled
           && !self->interrupted && !self->skipping && !self->joining
           && self->ahead_through + 1 >= self->lease.nsteps;
}

/* Would start_pending start this first step as it is, so that a runner
   may begin it early? Not a GLib path or a one-test gtest step (they are
   joined with the steps after them), nor a step whose reader adds to
   its environment (the gtest reader's output file). */
static bool
chains_as_is (const fo_step *step)
{
    return step->reader != FO_READER_GTEST && !fo_gtest_step_name (step) && !fo_glib_path (step);
}

bool
fo_execution_chainable (const fo_lease *lease)
{
    if (lease->nsteps == 0 || lease->steps[0].kind == FO_STEP_DISCOVER)
        return false;
    return lease->steps[0].reader == FO_READER_PYTHON || chains_as_is (&lease->steps[0]);
}

bool
fo_execution_chained_whole (const fo_execution *self)
{
    return self->chained && !self->cancelled && self->lease.nsteps == 1
           && self->lease.steps[0].reader != FO_READER_PYTHON;
}

int
fo_execution_unchain_back (fo_execution *self)
{
    if (!fo_execution_chained_whole (self) || !self->runner)
        return -1;
    char *token = step_token (self, 0);
    int rc = fo_runner_withdraw (self->runner, &self->lease.steps[0], token);
    free (token);
    if (rc == 0) {
        self->chained = false;
        self->chain_marked = false;
    }
    return rc;
}

int
fo_execution_chain (fo_execution *self)
{
    if (self->chained || self->running || self->finished || self->next > 0 || !self->runner
        || self->own_runner || self->lease.nsteps == 0)
        return -1;
    const fo_step *step = &self->lease.steps[0];
    if (step->kind == FO_STEP_DISCOVER || (step->reader != FO_READER_PYTHON && !chains_as_is (step)))
        return -1;
    char *token = step_token (self, 0);
    fo_runner_step spec = {
        .step = step,
        .output_cap = self->lease.output_cap,
        .token = token,
        .ahead = ahead_step,
        .ahead_arg = self,
        /* What start_pending gives a step started as it comes (its
           reader is made then, before the runner takes the step). */
        .on_output = fo_exec_read_output,
        .output_arg = self,
        .spawner = self->spawner,
        .lanes = self->lanes,
        .lane = self->lane,
    };
    fo_sweep_mark mark = fo_sweeper_mark ();
    int rc = fo_runner_chain (self->runner, &spec);
    free (token);
    self->chained = rc == 0;
    if (self->chained && self->sweeper) {
        self->chain_mark = mark;
        self->chain_marked = true;
    }
    return rc;
}

bool
fo_execution_service (fo_execution *self)
{
    if (self->chained) {
        /* Its steps may have begun early; the task began now. */
        self->chained = false;
        self->started_us = fo_now_us ();
    }
    if (!self->finished) {
        check_abort (self);
        check_clocks (self);
    }
    while (!self->finished) {
        if (self->running && self->read)
            fo_read_service (self->read);
        if (self->running) {
            if (!fo_runner_service (self->runner))
                return false;
            const fo_start_error *late = fo_runner_start_error (self->runner);
            if (late)
                start_failed_late (self, late);
            else
                finish_step (self);
        }
        start_next (self);
        if (self->waiting)
            return false;   /* for resources: until fo_capacity_retry_ms */
        if (self->running && !fo_runner_service (self->runner))
            return false;   /* running: wait for its fds */
    }
    return true;
}

void
fo_execution_cancel (fo_execution *self, const char *reason)
{
    if (self->cancelled)
        return;
    self->cancelled = true;
    self->cancel_reason = fo_xstrdup (reason);
    if (self->chained && self->runner) {
        /* Chained, not begun: its lane must not start its step at the
           exit of the step before. */
        char *token = step_token (self, 0);
        fo_runner_unchain (self->runner, &self->lease.steps[0], token);
        free (token);
    }
    /* A running teardown is cleaning up: let it finish (it has its own
       timeout). Anything else is stopped now. */
    if (self->running && self->lease.steps[self->current].kind != FO_STEP_TEARDOWN)
        fo_runner_kill (self->runner);
    /* A step waiting for resources had been chosen to run before the
       cancel: a teardown still runs; anything else is not run now. */
    if (self->pending != FO_STEPS_NONE
        && self->lease.steps[self->pending].kind != FO_STEP_TEARDOWN) {
        size_t index = self->pending;
        self->pending = FO_STEPS_NONE;
        self->waiting = false;
        drop_read (self);
        fo_exec_cancelled_step_runs (self, index);
    }
}

void
fo_execution_abort (fo_execution *self, const char *reason)
{
    if (self->aborted || self->finished)
        return;
    fo_execution_cancel (self, reason);
    self->aborted = true;
    /* What the cancel let go on: a running teardown, one waiting for
       resources. (Killing twice is harmless: the runner's kill is once.) */
    if (self->running)
        fo_runner_kill (self->runner);
    if (self->pending != FO_STEPS_NONE) {
        self->pending = FO_STEPS_NONE;
        self->waiting = false;
        drop_read (self);
    }
}

void
fo_execution_watch_abort (fo_execution *self, volatile sig_atomic_t *flag, const char *reason)
{
    self->abort_flag = flag;
    free (self->abort_reason);
    self->abort_reason = fo_xstrdup (reason);
}

void
fo_execution_on_discovered (fo_execution *self, fo_discovered_fn *fn)
{
    self->on_discovered = fn;
}

uint64_t
fo_execution_lease (const fo_execution *self)
{
    return self->lease.lease;
}

uint32_t
fo_execution_worker (const fo_execution *self)
{
    return self->worker;
}

void
fo_execution_status (const fo_execution *self, int32_t *exit_status, int32_t *signal)
{
    *exit_status = self->signal ? -1 : self->exit_status;
    *signal = self->signal;
}

void
fo_execution_destroy (fo_execution **self_p)
{
    fo_execution *self = *self_p;
    if (!self)
        return;
    if (self->running) {
        fo_runner_release (self->runner);
        if (self->capacity)
            fo_capacity_ended (self->capacity);
    }
    drop_read (self);
    if (self->own_runner)
        fo_runner_destroy (&self->runner);
    if (!self->finished && self->sweeper && self->token)
        fo_sweeper_add_since (self->sweeper, self->token, self->lease_mark);
    fo_msg lease_msg = { .type = FO_MSG_LEASE };
    lease_msg.u.lease = self->lease;
    fo_msg_free (&lease_msg);
    free (self->host);
    fo_strv_free (&self->not_passed);
    free (self->cancel_reason);
    free (self->abort_reason);
    free (self->token);
    free (self->open_setups);
    free (self->group);
    free (self->parts);
    free (self->done);
    fo_exec_end_skip (self);
    free (self);
    *self_p = NULL;
}
