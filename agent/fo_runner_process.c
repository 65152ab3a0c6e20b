/*  fo_runner_process — see fo_runner_process.h. A thin layer: fo_proc
    already is a step's process; this maps the runner's calls onto it. */
#include "fo_runner_process.h"
#include "fo_proc_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    fo_proc *proc;              /* the running (or finished) step; NULL: idle */
    bool fresh;                 /* not serviced since its start */
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

static int
start (void *impl, const fo_runner_step *step, fo_start_error *error)
{
    process_runner *self = impl;
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
    self->late_failed = false;
    self->proc = fo_proc_start_on (step->spawner, &spec, error->message, sizeof error->message);
    self->fresh = true;
    if (self->proc)
        return 0;
    error->errnum = errno;
    error->resources = fo_proc_resource_error (errno);
    return -1;
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
    .start_error = start_error,
    .destroy = destroy,
};

fo_runner *
fo_runner_process_new (void)
{
    return fo_runner_new (&ops, fo_xcalloc (1, sizeof (process_runner)));
}

unsigned
fo_runner_process_env_builds (const fo_runner *runner)
{
    const process_runner *self = fo_runner_impl (runner, &ops);
    return self ? self->env_builds : 0;
}
