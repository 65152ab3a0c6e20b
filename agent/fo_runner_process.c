/*  fo_runner_process — see fo_runner_process.h. A thin layer: fo_proc
    already is a step's process; this maps the runner's calls onto it,
    and keeps the proc of a chained lease until that lease starts it. */
#include "fo_runner_process.h"
#include "fo_proc_env.h"
#include "fo_reaper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    fo_proc *proc;
    const fo_step *step;
    char *token;
    bool kept;
} armed_step;

typedef struct {
    fo_proc *proc;              /* the running (or finished) step; NULL: idle */
    bool on_lane;               /* proc was started on a lane (fo_proc_start_lane) */
    bool fresh;                 /* not serviced since its start */
    /* The first steps of the next leases, chained (fo_runner_chain), in
       order: each queued on the lane behind the one before (proc first),
       it starts when that one's child exits. The next start of the first
       (that very step and token) takes it; any other start stops them
       all. An idle with none kept marks the first kept (the lease before
       it has ended: it must start next); an idle with the first kept
       stops that one (its lease ended without starting it: a cancel). */
    armed_step armed[FO_RUNNER_PROCESS_CHAIN_MAX];
    unsigned narmed;
    unsigned chained;           /* how many were taken (the tests') */
    fo_start_error late;        /* a spawn on the spawner that failed */
    bool late_failed;
    /* The child's environment of the last step started, reused while
       the next step's overrides (and the process environment) are the
       same: the steps of a lease, and the leases of a slot, almost
       always are (fo_proc_env.h). */
    fo_proc_env *env;
    unsigned env_builds;        /* how often it was built (the tests') */
} process_runner;

/*  The built environment for step's overrides: the last one when it
    still matches, else a new one. */
static fo_proc_env *
env_for (process_runner *self, const fo_env *overrides)
{
    if (self->env && fo_proc_env_matches (self->env, overrides))
        return self->env;
    fo_proc_env_unref (&self->env);
    self->env = fo_proc_env_new (overrides);
    self->env_builds++;
    return self->env;
}

/* Takes the first chained step off the list: its proc, now the caller's. */
static fo_proc *
take_first (process_runner *self)
{
    fo_proc *proc = self->armed[0].proc;
    free (self->armed[0].token);
    memmove (self->armed, self->armed + 1, --self->narmed * sizeof *self->armed);
    return proc;
}

/* Stops the first chained step (never started, or killed and reaped). */
static void
disarm_first (process_runner *self)
{
    fo_proc *proc = take_first (self);
    fo_proc_destroy (&proc);
}

/* Stops them all, the last first: a first one killed would let its lane
   start the next. */
static void
disarm (process_runner *self)
{
    while (self->narmed) {
        armed_step *last = &self->armed[--self->narmed];
        fo_proc_destroy (&last->proc);
        free (last->token);
    }
}

/* Is armed entry k the one of step (with token)? */
static bool
armed_is (const process_runner *self, unsigned k, const fo_step *step, const char *token)
{
    return self->armed[k].step == step
           && !strcmp (self->armed[k].token, token ? token : fo_reaper_base ());
}

/* Is step (with token) the first chained, and still wanted? */
static bool
is_armed (const process_runner *self, const fo_runner_step *step)
{
    return self->narmed && self->armed[0].proc && armed_is (self, 0, step->step, step->token);
}

/* A new proc for step: on its lane, on its spawner, or in this thread. */
static fo_proc *
proc_for (process_runner *self, const fo_runner_step *step, char *err, size_t errlen)
{
    fo_proc_spec spec = {
        .argv = &step->step->argv,
        .cwd = step->step->cwd,
        .built_env = env_for (self, &step->step->env),
        .output_cap = step->output_cap,
        .timeout_ms = step->step->timeout_ms,
        .token = step->token,
        .on_output = step->on_output,
        .output_arg = step->output_arg,
        /* A Python step run as a process (a generator's generate step,
           every step with --no-python-worker) is forked from the
           discovery when it is this process's (fo_pyfork.h: only
           `INTERPRETER HELPER ...` of the fork server's own): its modules
           are imported already. Any other command is spawned. */
        .forkable = true,
    };
    if (step->lanes)
        return fo_proc_start_lane (step->lanes, step->lane, &spec, err, errlen);
    return fo_proc_start_on (step->spawner, &spec, err, errlen);
}

static int
start (void *impl, const fo_runner_step *step, fo_start_error *error)
{
    process_runner *self = impl;
    self->late_failed = false;
    self->fresh = true;
    if (is_armed (self, step)) {
        /* Begun at the last step's exit, by the lane's thread. */
        self->proc = take_first (self);
        self->on_lane = true;
        self->chained++;
        return 0;
    }
    disarm (self);
    self->proc = proc_for (self, step, error->message, sizeof error->message);
    self->on_lane = step->lanes != NULL;
    if (self->proc)
        return 0;
    error->errnum = errno;
    error->resources = fo_proc_resource_error (errno);
    return -1;
}

/* The next lease's first step, queued on the lane behind the running
   step (or the last chained): it starts when that one's child exits,
   before the loop hears of it. Only behind a step on the same lane (a
   proc elsewhere would run beside it). */
static int
chain (void *impl, const fo_runner_step *first)
{
    process_runner *self = impl;
    if (self->narmed == FO_RUNNER_PROCESS_CHAIN_MAX || !first->lanes
        || (!self->narmed && (!self->proc || !self->on_lane || fo_proc_finished (self->proc))))
        return -1;
    char ignored[512];
    fo_proc *proc = proc_for (self, first, ignored, sizeof ignored);
    if (!proc)
        return -1;              /* no descriptors for its pipes: it starts as any */
    self->armed[self->narmed++] = (armed_step) {
        .proc = proc,
        .step = first->step,
        .token = fo_xstrdup (first->token ? first->token : fo_reaper_base ()),
    };
    return 0;
}

/* A chained lease is cancelled: its proc stops (taken off the lane if
   it has not begun, else killed); its entry stays, empty, so that the
   idles that follow still pair with the right leases. */
static void
unchain (void *impl, const fo_step *first, const char *token)
{
    process_runner *self = impl;
    for (unsigned k = 0; k < self->narmed; k++)
        if (armed_is (self, k, first, token)) {
            fo_proc_destroy (&self->armed[k].proc);
            return;
        }
}

/* The last chained lease taken back, if its proc has not begun. */
static int
withdraw (void *impl, const fo_step *first, const char *token)
{
    process_runner *self = impl;
    if (!self->narmed || !armed_is (self, self->narmed - 1, first, token))
        return -1;
    armed_step *last = &self->armed[self->narmed - 1];
    if (last->proc && !fo_proc_withdraw (&last->proc))
        return -1;
    free (last->token);
    self->narmed--;
    return 0;
}

/* A lease is over (see armed above). */
static void
idle (void *impl)
{
    process_runner *self = impl;
    if (!self->narmed)
        return;
    if (self->proc) {
        disarm (self);          /* not how a chain ends */
        return;
    }
    if (self->armed[0].kept) {
        disarm_first (self);
        if (!self->narmed)
            return;
    }
    self->armed[0].kept = true;
}

static int
pollfds (const void *impl, int fds[FO_RUNNER_MAX_FDS])
{
    const process_runner *self = impl;
    return self->proc ? fo_proc_pollfds (self->proc, fds) : 0;
}

static uint64_t
deadline_ms (const void *impl)
{
    const process_runner *self = impl;
    return self->proc ? fo_proc_deadline_ms (self->proc) : UINT64_MAX;
}

static bool
service (void *impl)
{
    process_runner *self = impl;
    /* fo_execution services a step right after starting it; nothing can
       be due then that a poll would not report (output and the exit on
       the fds, a limit by fo_proc_deadline_ms): that first call does
       nothing (it was two reads and a waitid for every test). */
    if (self->proc && self->fresh) {
        self->fresh = false;
        return false;
    }
    if (!self->proc)
        return true;
    if (!fo_proc_service (self->proc))
        return false;
    const char *message;
    int errnum = fo_proc_start_failed (self->proc, &message);
    if (errnum && !self->late_failed) {
        self->late_failed = true;
        self->late.errnum = errnum;
        self->late.resources = fo_proc_resource_error (errnum);
        snprintf (self->late.message, sizeof self->late.message, "%s", message);
    }
    return true;
}

static const fo_start_error *
start_error (const void *impl)
{
    const process_runner *self = impl;
    return self->late_failed ? &self->late : NULL;
}

static void
kill_step (void *impl)
{
    process_runner *self = impl;
    if (self->proc)
        fo_proc_kill (self->proc);
}

static const fo_proc_status *
status (const void *impl)
{
    const process_runner *self = impl;
    return fo_proc_status_get (self->proc);
}

static const fo_capture *
output (const void *impl, int stream)
{
    const process_runner *self = impl;
    return stream == 2 ? fo_proc_stderr (self->proc) : fo_proc_stdout (self->proc);
}

static void
release (void *impl)
{
    process_runner *self = impl;
    fo_proc_destroy (&self->proc);
    self->late_failed = false;
}

static void
destroy (void *impl)
{
    process_runner *self = impl;
    disarm (self);
    release (impl);
    fo_proc_env_unref (&self->env);
    free (impl);
}

static const fo_runner_ops ops = {
    .name = "process",
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

fo_runner *
fo_runner_process_new (void)
{
    return fo_runner_new (&ops, fo_xcalloc (1, sizeof (process_runner)));
}

void
fo_runner_process_disarm (fo_runner *runner)
{
    process_runner *self = fo_runner_impl (runner, &ops);
    if (self)
        disarm (self);
}

unsigned
fo_runner_process_chained (const fo_runner *runner)
{
    const process_runner *self = fo_runner_impl (runner, &ops);
    return self ? self->chained : 0;
}

unsigned
fo_runner_process_env_builds (const fo_runner *runner)
{
    const process_runner *self = fo_runner_impl (runner, &ops);
    return self ? self->env_builds : 0;
}
