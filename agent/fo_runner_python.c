/*  fo_runner_python — see fo_runner_python.h: the worker's life and the
    runner's operations; its pipe (requests, answers, the bytes on its fds
    1 and 2) is fo_runner_python_pipe.c, their shared state
    internal/fo_runner_python_state.h. The pipe protocol is in
    docs/python-workers.md; python/fanout_nose/worker.py is its other end. */
#include "fo_runner_python.h"
#include "fo_runner_python_state.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_log.h"
#include "fo_python_dir.h"
#include "fo_reaper.h"
#include "fo_runner_process.h"

static sent_step *
current (const python_runner *self)
{
    return self->active && self->cur < self->nq ? &self->q[self->cur] : NULL;
}

/* The step the worker runs now (sent, not answered), or NULL: it is idle. */
sent_step *
fo_pyrun_running (const python_runner *self)
{
    if (!self->worker || self->answers < self->base || self->answers - self->base >= self->nq)
        return NULL;
    return &self->q[self->answers - self->base];
}

void
fo_pyrun_free_sent (sent_step *s)
{
    free (s->token);
    fo_capture_free (&s->out);
    fo_capture_free (&s->err);
    memset (s, 0, sizeof *s);
}

/* Forgets the last request's steps (none may still run in the worker). */
static void
reset_queue (python_runner *self)
{
    for (size_t i = 0; i < self->nq; i++)
        fo_pyrun_free_sent (&self->q[i]);
    self->nq = self->cur = self->chain_at = 0;
    self->base = self->answers;
    self->active = false;
}

/* ---- the worker --------------------------------------------------------- */

static int
make_fifos (python_runner *self, char *err, size_t errlen)
{
    if (self->dir[0])
        return 0;
    const char *tmp = getenv ("TMPDIR");
    snprintf (self->dir, sizeof self->dir, "%s/fanout-py-XXXXXX",
              tmp && *tmp && strlen (tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp (self->dir)) {
        self->dir[0] = '\0';
        return fo_err (err, errlen, "cannot make the Python worker's folder: %s",
                       strerror (errno));
    }
    char *in = fo_xasprintf ("%s/in", self->dir), *out = fo_xasprintf ("%s/out", self->dir);
    int rc = 0;
    if (mkfifo (in, 0600) != 0 || mkfifo (out, 0600) != 0
        || (self->req_fd = open (in, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0
        || (self->rep_fd = open (out, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
        rc = fo_err (err, errlen, "cannot make the Python worker's pipes: %s", strerror (errno));
    free (in);
    free (out);
    return rc;
}

/* Drains the worker's FIFOs: a dead worker's unread answers must not
   answer the next one's steps, nor an `end` it never read end the next. */
static void
drain_fifos (python_runner *self)
{
    char buf[4096];
    while (self->rep_fd >= 0 && read (self->rep_fd, buf, sizeof buf) > 0)
        ;
    while (self->req_fd >= 0 && read (self->req_fd, buf, sizeof buf) > 0)
        ;
}

/* The worker goes (killed if alive). Steps it had answered keep their
   answers; those it had not are the caller's to settle. */
static void
drop_worker (python_runner *self)
{
    fo_proc_destroy (&self->worker);
    fo_buf_reset (&self->in);
    fo_buf_reset (&self->pending);
    drain_fifos (self);
    self->hello = false;
    self->tasks = 0;
    self->rss_kb = 0;
    self->kept = 0;
    self->killing = self->timing_out = false;
    /* Its sequence numbers start again; the steps left keep theirs out of
       reach (base past them) until reset_queue. */
    self->answers = self->raw[1] = self->raw[2] = 0;
    self->ncarry[1] = self->ncarry[2] = 0;
    self->base = UINT64_MAX / 2;
}

/* A worker that is well and keeps split contexts set up (docs/python-
   workers.md) is asked to end, so that it runs their teardowns, as nose's
   worker processes did at their end: `end`, then up to grace_ms for it to
   exit. Any other worker, one still running steps, is killed now.

   Retiring does not wait: the worker becomes the retiree, serviced
   through the runner's pollfds, deadline and service like a step (the
   step started after it waits for it: `awaiting`), so the agent's loop
   goes on with its other slots, heartbeats and messages meanwhile.

   The next worker starts only once the retiree is gone, not beside it,
   so it reuses the same FIFOs (drained in between): a slot is one worker
   at a time (-j N means N interpreters, and a restart for memory,
   --max-worker-rss, must not double it), and a teardown never runs beside
   the next task's setup of the same split context in one slot. Fresh
   FIFOs per worker would only pay if the next worker started at once,
   and then the retiree would have to be serviced while its slot is idle
   too, where nothing polls a runner. */
static void
retire_worker (python_runner *self, uint32_t grace_ms)
{
    fo_proc *worker = self->worker;
    bool ask = worker && self->hello && self->kept > 0 && !self->killing
               && !fo_pyrun_running (self) && self->pending.len == 0
               && !fo_proc_finished (worker);
    if (ask)
        self->worker = NULL;    /* not killed with the rest below */
    drop_worker (self);
    if (!ask)
        return;
    /* {"v": 3, "type": "end"}; the FIFO is empty (drained, every request
       read): a write this short is whole or nothing. */
    static const char end[] = "\x00\x00\x00\x0d" "\x82\xa1" "v\x03\xa4" "type\xa3" "end";
    if (write (self->req_fd, end, sizeof end - 1) != (ssize_t) (sizeof end - 1)) {
        fo_log (FO_LOG_WARN, "agent", "python worker: cannot ask it to end (%s): killed, the "
                "split contexts it kept set up not torn down", strerror (errno));
        fo_proc_destroy (&worker);
        drain_fifos (self);
        return;
    }
    fo_buf_reset (&self->retired);
    self->retiree = worker;
    self->retire_grace_ms = grace_ms;
    self->retire_until_ms = fo_now_ms () + grace_ms;
}

/* The retiree goes: it ended (a teardown that failed is logged), or it is
   killed now (SIGKILL to its group, reaped: no zombie) because its grace
   passed or, stopped (why), the step waiting for it was. */
static void
end_retirement (python_runner *self, const char *stopped)
{
    if (!self->retiree)
        return;
    const fo_proc_status *st = fo_proc_finished (self->retiree)
        ? fo_proc_status_get (self->retiree) : NULL;
    if (!st && stopped)
        fo_log (FO_LOG_WARN, "agent", "python worker: killed while it tore down the split "
                "contexts it kept set up (%s)", stopped);
    else if (!st)
        fo_log (FO_LOG_WARN, "agent", "python worker: the teardowns of the split contexts it "
                "kept set up took more than %u ms: killed", self->retire_grace_ms);
    else if (!st->exited)
        fo_log (FO_LOG_WARN, "agent", "python worker: killed by signal %d while it tore down the "
                "split contexts it kept set up%s%.*s", st->signal, self->retired.len ? ": " : "",
                (int) self->retired.len, self->retired.data ? self->retired.data : "");
    else if (st->exit_code != 0)
        fo_log (FO_LOG_WARN, "agent", "python worker: %.*s", (int) self->retired.len,
                self->retired.len ? self->retired.data : "a teardown failed");
    fo_proc_destroy (&self->retiree);
    fo_buf_reset (&self->retired);
    drain_fifos (self);
}

/* Advances the retiree; true once it is gone (ended, or killed at its
   grace). Never blocks. */
static bool
service_retiree (python_runner *self)
{
    if (self->retiree && !fo_proc_service (self->retiree)
        && fo_now_ms () < self->retire_until_ms)
        return false;
    end_retirement (self, NULL);
    return true;
}

/* Waits for the n runners' retirees side by side, at most their grace
   (a runner without one is skipped); *abort (may be NULL) set meanwhile
   kills them at once. Blocks: only the runners' end comes here. */
static void
wait_retirees (python_runner **rs, size_t n, volatile sig_atomic_t *abort)
{
    struct pollfd *p = fo_xcalloc (3 * (n ? n : 1), sizeof *p);
    for (;;) {
        nfds_t np = 0;
        uint64_t until = UINT64_MAX;
        for (size_t i = 0; i < n; i++) {
            if (!rs[i] || !rs[i]->retiree)
                continue;
            if ((abort && *abort) || service_retiree (rs[i])) {
                end_retirement (rs[i], "the agent was aborted");
                continue;
            }
            int fds[3];
            int k = fo_proc_pollfds (rs[i]->retiree, fds);
            for (int j = 0; j < k; j++)
                p[np++] = (struct pollfd) { .fd = fds[j], .events = POLLIN };
            if (rs[i]->retire_until_ms < until)
                until = rs[i]->retire_until_ms;
            uint64_t d = fo_proc_deadline_ms (rs[i]->retiree);
            if (d < until)
                until = d;
        }
        if (until == UINT64_MAX)
            break;      /* none left */
        uint64_t now = fo_now_ms ();
        /* 100 ms at most: also how often *abort is checked */
        poll (p, np, until > now ? (int) (until - now < 100 ? until - now : 100) : 0);
    }
    free (p);
}

static int
start_worker (python_runner *self, const fo_strv *argv, fo_start_error *error)
{
    if (self->start_deaths >= FO_PYTHON_START_TRIES) {
        if (self->loop_tried) {
            snprintf (error->message, sizeof error->message,
                      "the Python worker died at start %u times in a row (a crash loop): "
                      "not started again for this task", self->start_deaths);
            return -1;
        }
        self->loop_tried = true;
    }
    if (make_fifos (self, error->message, sizeof error->message) != 0)
        return -1;
    char *in = fo_xasprintf ("%s/in", self->dir), *out = fo_xasprintf ("%s/out", self->dir);
    fo_env env = { 0 };
    fo_env_set (&env, "FANOUT_WORKER_IN", in);
    fo_env_set (&env, "FANOUT_WORKER_OUT", out);
    fo_strv wargv = { 0 };
    fo_strv_push (&wargv, argv->items[0]);
    fo_strv_push (&wargv, self->helper ? self->helper : argv->items[1]);
    fo_strv_push (&wargv, "worker");
    fo_proc_spec spec = {
        .argv = &wargv,
        .env = &env,
        .output_cap = 64,               /* the steps' captures keep the output */
        .token = self->token,           /* its own scope: no step's token matches it */
        .on_output = fo_pyrun_route_output,
        .output_arg = self,
        .forkable = true,               /* from the discovery when local (fo_pyfork.h) */
    };
    self->worker = fo_proc_start (&spec, error->message, sizeof error->message);
    if (!self->worker) {
        error->errnum = errno;
        error->resources = fo_proc_resource_error (errno);
    }
    else {
        free (self->interpreter);
        self->interpreter = fo_xstrdup (argv->items[0]);
        self->answers = self->raw[1] = self->raw[2] = 0;
        self->base = 0;
    }
    fo_strv_free (&wargv);
    fo_env_free (&env);
    free (in);
    free (out);
    return self->worker ? 0 : -1;
}

/* ---- the runner's operations ------------------------------------------ */

bool
fo_pyrun_is_python (const python_runner *self, const fo_step *step)
{
    return !self->options.off && step->reader == FO_READER_PYTHON && step->argv.len >= 3
           && step->kind != FO_STEP_DISCOVER;
}

/* The task a step belongs to: its token without the step's index. */
static char *
scope_of (const char *token)
{
    const char *slash = token ? strrchr (token, '/') : NULL;
    return slash ? fo_xstrndup (token, (size_t) (slash - token)) : fo_xstrdup (token ? token : "");
}

/* The step rs was sent ahead with the last request and is the next one
   not taken: it is the agent's step now (it may have ended already). */
static bool
begun_ahead (const python_runner *self, const fo_runner_step *rs)
{
    if (self->cur >= self->nq || !fo_pyrun_is_python (self, rs->step))
        return false;
    const sent_step *s = &self->q[self->cur];
    return s->step == rs->step && !strcmp (s->token, rs->token ? rs->token : fo_reaper_base ());
}

static int
start (void *impl, const fo_runner_step *rs, fo_start_error *error)
{
    python_runner *self = impl;
    self->on_output = rs->on_output;
    self->output_arg = rs->output_arg;
    self->late_failed = false;
    if (begun_ahead (self, rs)) {
        self->in_process = false;
        self->active = true;
        char *scope = scope_of (rs->token);
        if (!self->scope || strcmp (scope, self->scope) != 0) {
            /* The first step of a lease chained after the last one
               (fo_runner_chain): a task begins, its restarts were checked
               when it was chained. */
            self->loop_tried = false;
            self->tasks++;
        }
        free (self->scope);
        self->scope = scope;
        return 0;
    }
    /* Anything else stops what the last request still has the worker run
       (a cancel, an interrupt: those steps are not wanted any more). */
    if (fo_pyrun_running (self)) {
        fo_log (FO_LOG_DEBUG, "agent", "python worker: steps sent ahead not wanted; worker killed");
        drop_worker (self);
    }
    reset_queue (self);
    if (!fo_pyrun_is_python (self, rs->step)) {
        self->in_process = true;
        return fo_runner_start (self->process, rs, error);
    }
    fo_runner_process_disarm (self->process);  /* a step chained there is not this */
    self->in_process = false;
    char *scope = scope_of (rs->token);
    bool new_task = !self->scope || strcmp (scope, self->scope) != 0;
    free (self->scope);
    self->scope = scope;
    if (new_task) {
        self->loop_tried = false;
        /* Restarts happen between tasks only: a task's contexts live in
           its worker. */
        if (self->worker
            && ((self->options.max_tasks && self->tasks >= self->options.max_tasks)
                || (self->options.max_rss_kb && self->rss_kb > self->options.max_rss_kb)))
            retire_worker (self, FO_PYTHON_RESTART_GRACE_MS);
    }
    if (self->worker && strcmp (self->interpreter, rs->step->argv.items[0]) != 0)
        retire_worker (self, FO_PYTHON_RESTART_GRACE_MS);
    /* A worker that died between steps (a thread of the last test, a
       signal from outside) must not take the next test with it. */
    if (self->worker && fo_proc_service (self->worker))
        drop_worker (self);
    if (self->retiree) {
        /* The request waits, framed, for the retiree to be gone; then its
           worker starts (service). Its steps' sequence numbers stay out of
           reach (drop_worker's base) until then. */
        if (new_task)
            self->tasks++;
        fo_pyrun_frame_request (self, rs, false);
        self->cur = 0;
        self->active = true;
        self->awaiting = true;
        return 0;
    }
    if (!self->worker && start_worker (self, &rs->step->argv, error) != 0)
        return -1;
    if (new_task)
        self->tasks++;
    self->base = self->answers;
    fo_pyrun_frame_request (self, rs, false);
    self->cur = 0;
    self->active = true;
    fo_pyrun_flush_request (self);
    return 0;
}

/* The request that waited for the retiree: its worker starts now, and
   its first step begins (its timeout counts from here). -1 when the
   worker could not start: the step ends with late_error (its start's
   error, as fo_runner_start_error), the steps after it are forgotten. */
static int
start_awaited (python_runner *self, sent_step *s)
{
    self->awaiting = false;
    memset (&self->late_error, 0, sizeof self->late_error);
    if (start_worker (self, &s->step->argv, &self->late_error) != 0) {
        self->late_failed = true;
        fo_buf_reset (&self->pending);  /* its request, never sent */
        memset (&s->status, 0, sizeof s->status);
        s->answered = true;
        for (size_t i = self->cur + 1; i < self->nq; i++)
            fo_pyrun_free_sent (&self->q[i]);
        self->nq = self->cur + 1;
        return -1;
    }
    s->began_us = fo_now_us ();
    fo_pyrun_flush_request (self);
    return 0;
}

/* The step that waits for the retiree is stopped (a cancel, an abort, a
   release): the retiree is killed now, its teardowns lost as a killed
   worker's are; the step ends killed, never begun. */
static void
stop_awaiting (python_runner *self, sent_step *s)
{
    end_retirement (self, "the step that waited for it was stopped");
    self->awaiting = false;
    fo_buf_reset (&self->pending);      /* its request, never sent */
    memset (&s->status, 0, sizeof s->status);
    s->status.signal = SIGKILL;
    s->answered = true;
    for (size_t i = self->cur + 1; i < self->nq; i++)
        fo_pyrun_free_sent (&self->q[i]);
    self->nq = self->cur + 1;
}

static int
pollfds (const void *impl, int fds[FO_RUNNER_MAX_FDS])
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_pollfds (self->process, fds);
    const sent_step *s = current (self);
    if (s && !s->answered && self->awaiting)
        return fo_proc_pollfds (self->retiree, fds);
    if (!s || s->answered || !self->worker)
        return 0;
    int n = fo_proc_pollfds (self->worker, fds);   /* stdout, stderr, pidfd */
    fds[n++] = self->rep_fd;
    return n;
}

static uint64_t
deadline_ms (const void *impl)
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_deadline_ms (self->process);
    const sent_step *s = current (self);
    if (s && !s->answered && self->awaiting) {
        uint64_t retiree = fo_proc_deadline_ms (self->retiree);
        return retiree < self->retire_until_ms ? retiree : self->retire_until_ms;
    }
    if (!s || s->answered || !self->worker)
        return UINT64_MAX;
    uint64_t at = self->killing || !s->timeout_ms || !s->began_us
                      ? UINT64_MAX : fo_deadline_ms (s->began_us + s->timeout_ms * 1000ull);
    if (self->pending.len)
        at = fo_now_ms () + 10;         /* the rest of the request */
    uint64_t worker = fo_proc_deadline_ms (self->worker);
    return worker < at ? worker : at;
}

/* The worker is to die with the step (a timeout, a cancel, a broken
   protocol): its process group gets SIGTERM, SIGKILL after the grace. */
static void
kill_worker (python_runner *self)
{
    if (!self->killing && self->worker) {
        self->killing = true;
        fo_proc_kill (self->worker);
    }
}

/* The worker died (or we killed it): the step it ran ends with it, the
   request's steps after it were never run and are forgotten (the agent
   starts them again: a new worker runs them). */
static void
worker_died (python_runner *self)
{
    fo_pyrun_read_answers (self);
    sent_step *s = fo_pyrun_running (self);
    if (s) {
        const fo_proc_status *ws = fo_proc_status_get (self->worker);
        if (!self->hello && !self->killing && ++self->start_deaths >= FO_PYTHON_START_TRIES)
            self->loop_tried = true;    /* no more tries in this task */
        s->status.exited = ws->exited && !self->killing;
        s->status.exit_code = ws->exit_code;
        s->status.timed_out = self->timing_out;
        s->status.signal = self->killing && !self->timing_out ? SIGKILL : ws->signal;
        if (ws->exited && !self->killing && !self->hello) {
            char note[160];
            snprintf (note, sizeof note,
                      "\nfanout: the Python worker ended before it started (exit status %d)\n",
                      ws->exit_code);
            fo_capture_append (&s->err, note, strlen (note));
        }
        s->status.duration_us = s->began_us ? fo_now_us () - s->began_us : 0;
        s->answered = true;
        size_t at = (size_t) (s - self->q);
        for (size_t i = at + 1; i < self->nq; i++)
            fo_pyrun_free_sent (&self->q[i]);
        self->nq = at + 1;
        if (self->chain_at > at)
            self->chain_at = 0;     /* the chained lease starts again, in a new worker */
    }
    drop_worker (self);
}

static bool
service (void *impl)
{
    python_runner *self = impl;
    if (self->in_process)
        return fo_runner_service (self->process);
    sent_step *s = current (self);
    if (!s || s->answered)
        return true;
    if (self->awaiting) {
        if (!service_retiree (self))
            return false;
        if (start_awaited (self, s) != 0)
            return true;
    }
    fo_pyrun_flush_request (self);
    if (!self->killing && !fo_pyrun_read_answers (self)) {
        static const char note[] = "\nfanout: the Python worker broke the pipe protocol "
                                   "(docs/python-workers.md): killed\n";
        sent_step *r = fo_pyrun_running (self);
        fo_capture_append (r ? &r->err : &s->err, note, sizeof note - 1);
        fo_log (FO_LOG_WARN, "agent", "python worker: an answer that breaks the protocol; worker killed");
        kill_worker (self);
    }
    if (s->answered)
        return true;
    if (!self->worker) {
        s->status.signal = SIGKILL;     /* (never: a step without a worker is settled) */
        s->answered = true;
        return true;
    }
    if (fo_proc_service (self->worker)) {
        worker_died (self);
        return s->answered;
    }
    if (!self->killing && s->timeout_ms && s->began_us
        && fo_now_us () >= s->began_us + s->timeout_ms * 1000ull) {
        self->timing_out = true;
        kill_worker (self);
    }
    return false;
}

static void
kill_step (void *impl)
{
    python_runner *self = impl;
    const sent_step *s = current (self);
    if (self->in_process)
        fo_runner_kill (self->process);
    else if (s && !s->answered && self->awaiting)
        stop_awaiting (self, current (self));
    else if (s && !s->answered)
        kill_worker (self);
}

static const fo_proc_status *
status (const void *impl)
{
    const python_runner *self = impl;
    return self->in_process ? fo_runner_status (self->process) : &current (self)->status;
}

/* A process step's late start failure (a spawn on the agent's spawner). */
static const fo_start_error *
start_error (const void *impl)
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_start_error (self->process);
    const sent_step *s = current (self);
    return self->late_failed && s && s->answered ? &self->late_error : NULL;
}

static const fo_capture *
output (const void *impl, int stream)
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_output (self->process, stream);
    const sent_step *s = current (self);
    return stream == 2 ? &s->err : &s->out;
}

static void
release (void *impl)
{
    python_runner *self = impl;
    if (self->in_process) {
        fo_runner_release (self->process);
        self->in_process = false;
        return;
    }
    sent_step *s = current (self);
    if (!s)
        return;
    if (!s->answered) {
        if (self->awaiting)
            stop_awaiting (self, s);
        drop_worker (self);     /* abandoned mid-step: it may be stuck in it */
        reset_queue (self);
        return;
    }
    fo_capture_free (&s->out);
    fo_capture_free (&s->err);
    self->cur++;
    self->active = false;
    self->late_failed = false;
}

/* The lease is over: steps the worker still runs ahead of the agent (a
   cancel came between two steps) are not wanted; it may be in any of
   them, so it goes, as when another step is started instead. */
static void
idle (void *impl)
{
    python_runner *self = impl;
    fo_runner_idle (self->process);     /* what it chained (fo_runner_process.h) */
    if (self->in_process)
        return;
    const sent_step *running = fo_pyrun_running (self);
    if (self->chain_at && (!running || (size_t) (running - self->q) >= self->chain_at)) {
        /* Its steps have all ended; the worker goes on with (or waits
           to begin) the next lease's, chained: they stay, first now. */
        size_t k = self->chain_at;
        for (size_t i = 0; i < k; i++)
            fo_pyrun_free_sent (&self->q[i]);
        memmove (self->q, self->q + k, (self->nq - k) * sizeof *self->q);
        self->nq -= k;
        self->base += k;
        self->cur = self->chain_at = 0;
        self->active = false;
        return;
    }
    if (running) {
        fo_log (FO_LOG_DEBUG, "agent", "python worker: the lease ended before the steps sent "
                "ahead; worker killed");
        drop_worker (self);
    }
    reset_queue (self);
}

/* The first step of the lease that follows in this slot, with the steps
   its lease has after it (rs->ahead), sent now in a request chained after
   the running one: the worker begins them as soon as that request ends,
   unless it stops. Only into a worker that is well, runs this lease's
   steps and needs no restart before a new task. */
static int
chain (void *impl, const fo_runner_step *rs)
{
    python_runner *self = impl;
    /* A process step (another suite's) chains behind a process step. */
    if (!fo_pyrun_is_python (self, rs->step))
        return self->in_process ? fo_runner_chain (self->process, rs) : -1;
    if (self->in_process || !self->active || !self->worker || !self->hello || self->killing
        || self->retiree || self->stopped || self->chain_at || !self->nq
        || !fo_pyrun_is_python (self, rs->step)
        || strcmp (self->interpreter, rs->step->argv.items[0]) != 0
        || (self->options.max_tasks && self->tasks >= self->options.max_tasks)
        || self->options.max_rss_kb     /* its size after the running step is not known */
        || fo_proc_finished (self->worker))
        return -1;
    self->chain_at = self->nq;
    fo_pyrun_frame_request (self, rs, true);
    fo_pyrun_flush_request (self);
    return 0;
}

/* A process step chained on the slot's lane (fo_runner_process); a
   Python lease's steps sent ahead stop when it begins, cancelled. */
static void
unchain (void *impl, const fo_step *first, const char *token)
{
    python_runner *self = impl;
    fo_runner_unchain (self->process, first, token);
}

static int
withdraw (void *impl, const fo_step *first, const char *token)
{
    python_runner *self = impl;
    return fo_runner_withdraw (self->process, first, token);
}

static void
destroy (void *impl)
{
    python_runner *self = impl;
    release (self);
    retire_worker (self, FO_PYTHON_END_GRACE_MS);
    wait_retirees (&self, 1, NULL);
    reset_queue (self);
    fo_runner_destroy (&self->process);
    if (self->dir[0]) {
        close (self->req_fd);
        close (self->rep_fd);
        char *in = fo_xasprintf ("%s/in", self->dir), *out = fo_xasprintf ("%s/out", self->dir);
        unlink (in);
        unlink (out);
        rmdir (self->dir);
        free (in);
        free (out);
    }
    fo_buf_free (&self->in);
    fo_buf_free (&self->pending);
    fo_buf_free (&self->retired);
    free (self->q);
    free (self->interpreter);
    free (self->scope);
    free (self->helper);
    free (self->token);
    free (self);
}

static const fo_runner_ops ops = {
    .name = "python-worker",
    .start = start,
    .pollfds = pollfds,
    .deadline_ms = deadline_ms,
    .service = service,
    .kill = kill_step,
    .status = status,
    .output = output,
    .release = release,
    .idle = idle,
    .chain = chain,
    .unchain = unchain,
    .withdraw = withdraw,
    .start_error = start_error,
    .destroy = destroy,
};

void
fo_runner_python_end_all (fo_runner **runners, size_t n, volatile sig_atomic_t *abort)
{
    python_runner **rs = fo_xcalloc (n ? n : 1, sizeof *rs);
    for (size_t i = 0; i < n; i++) {
        python_runner *self = runners[i] ? fo_runner_impl (runners[i], &ops) : NULL;
        if (!self)
            continue;
        release (self);
        retire_worker (self, FO_PYTHON_END_GRACE_MS);
        rs[i] = self;
    }
    wait_retirees (rs, n, abort);
    free (rs);
}

fo_runner *
fo_runner_python_new (const char *token, const fo_python_worker_options *options)
{
    python_runner *self = fo_xcalloc (1, sizeof *self);
    self->token = fo_xstrdup (token);
    if (options)
        self->options = *options;
    self->process = fo_runner_process_new ();
    self->helper = fo_python_helper ();
    self->req_fd = self->rep_fd = -1;
    return fo_runner_new (&ops, self);
}
