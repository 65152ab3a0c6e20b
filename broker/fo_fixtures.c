/*  fo_fixtures — see fo_fixtures.h. */
#include "fo_fixtures.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_exports.h"
#include "fo_log.h"
#include "fo_mask.h"
#include "fo_proc.h"
#include "fo_spawner.h"

typedef struct {
    fo_fixture_state state;
    fo_proc *proc;
    size_t remaining;       /* tasks needing it that have not ended */
    char *message;          /* why the setup failed */
    fo_buf out, err;        /* the failed setup's output */
    char *export_path;      /* $FANOUT_EXPORT of the running setup */
    fo_env exports;         /* what its tasks receive: the parent's and its own */
    bool exports_bad;       /* the setup succeeded but its export file did not:
                               its tests fail, its teardown still runs */
    uint64_t setup_started_us;  /* fo_now_us () when its setup started */
} fixture;

struct fo_fixtures {
    const fo_plan *plan;
    fo_verdicts *verdicts;
    char *host;
    uint32_t output_cap;
    fo_fixture_fn *on_change;
    void *arg;
    fixture *items;
    /* Starts the fixtures' processes off the broker's loop (made at the
       first): a Python context's is forked from the discovery's fork
       server, a round trip that took the broker's thread 4 to 12 ms on a
       loaded machine, each shared context twice, while no lease went
       out and the agents' queues ran dry (docs/performance-log.md). */
    fo_spawner *spawner;
};

fo_fixtures *
fo_fixtures_new (const fo_plan *plan, fo_verdicts *verdicts, const char *host, uint32_t output_cap,
                 fo_fixture_fn *on_change, void *arg)
{
    fo_fixtures *self = fo_xcalloc (1, sizeof *self);
    self->plan = plan;
    self->verdicts = verdicts;
    self->host = fo_xstrdup (host);
    self->output_cap = output_cap;
    self->on_change = on_change;
    self->arg = arg;
    self->items = fo_xcalloc (plan->nshared ? plan->nshared : 1, sizeof *self->items);
    for (size_t i = 0; i < plan->nshared; i++)
        self->items[i].remaining = plan->shared[i].ntasks;
    return self;
}

/* A setup or teardown still running is killed (its group) and reaped. */
static void
kill_running (fo_fixtures *self, size_t index)
{
    fixture *f = &self->items[index];
    if (f->proc)
        fo_log (FO_LOG_WARN, "broker", "killing the %s of shared context '%s'",
                f->state == FO_FIXTURE_SETTING_UP ? "setup" : "teardown",
                self->plan->shared[index].ctx->id);
    fo_proc_destroy (&f->proc);
}

void
fo_fixtures_destroy (fo_fixtures **self_p)
{
    fo_fixtures *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->plan->nshared; i++) {
        fixture *f = &self->items[i];
        kill_running (self, i);
        if (f->export_path)
            unlink (f->export_path);
        free (f->export_path);
        fo_env_free (&f->exports);
        free (f->message);
        fo_buf_free (&f->out);
        fo_buf_free (&f->err);
    }
    fo_spawner_destroy (&self->spawner);
    free (self->items);
    free (self->host);
    free (self);
    *self_p = NULL;
}

const fo_env *
fo_fixtures_exports (const fo_fixtures *self, size_t index)
{
    return &self->items[index].exports;
}

fo_fixture_state
fo_fixtures_state (const fo_fixtures *self, size_t index)
{
    return self->items[index].state;
}

void
fo_fixtures_failure (const fo_fixtures *self, size_t index, const char **message,
                     const fo_buf **out, const fo_buf **err)
{
    const fixture *f = &self->items[index];
    *message = f->message ? f->message : "setup failed";
    *out = &f->out;
    *err = &f->err;
}

/* A fixture event of shared context `index`, on this host. */
static void
emit (fo_fixtures *self, fo_event_type type, size_t index, const char *phase)
{
    const fixture *f = &self->items[index];
    fo_verdicts_emit (self->verdicts, &(fo_event) {
        .type = type,
        .u.fixture = { .context = self->plan->shared[index].ctx->id, .phase = phase,
                       .host = self->host,
                       .duration_us = type == FO_EVENT_FIXTURE_SET_UP && f->setup_started_us
                                    ? fo_now_us () - f->setup_started_us : 0 },
    });
}

/* A fixture error: into the report, and told to the reporters. */
static void
fixture_error (fo_fixtures *self, size_t index, const char *phase, const char *message,
               const fo_buf *out, const fo_buf *err)
{
    fo_verdicts_fixture_error (self->verdicts, self->plan->shared[index].ctx->id, phase, message,
                               out ? out->data : NULL, out ? out->len : 0, err ? err->data : NULL,
                               err ? err->len : 0, self->host);
}

/* The exports a fixture's processes (and tasks) inherit from its parent. */
static const fo_env *
parent_exports (const fo_fixtures *self, size_t index)
{
    size_t parent = self->plan->shared[index].parent;
    return parent == FO_NO_SHARED ? NULL : &self->items[parent].exports;
}

/* Runs a fixture's step with the exports on top of its env (they win, as
   in the tasks), plus FANOUT_EXPORT when export_path is given. */
static fo_proc *
start (fo_fixtures *self, const fo_step *step, const fo_env *exports, const char *export_path,
       char *why, size_t whylen)
{
    fo_env env = { 0 };
    fo_env_copy (&env, &step->env);
    if (exports)
        fo_env_merge (&env, exports);
    if (export_path)
        fo_env_set (&env, FO_EXPORT_VAR, export_path);
    fo_proc_spec spec = {
        .argv = &step->argv,
        .cwd = step->cwd,
        .env = &env,
        .output_cap = self->output_cap,
        .timeout_ms = step->timeout_ms,
        .forkable = true,       /* a Python context's: from the discovery (fo_pyfork.h) */
    };
    if (!self->spawner)
        self->spawner = fo_spawner_new (1);
    fo_proc *proc = fo_proc_start_on (self->spawner, &spec, why, whylen);
    fo_env_free (&env);
    return proc;
}

/* An empty file, private to the broker's user, for a setup to write its
   exports into. NULL (why set) when none can be made. */
static char *
make_export_file (char *why, size_t whylen)
{
    const char *dir = getenv ("TMPDIR");
    char *path = fo_xasprintf ("%s/fanout-export-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp (path);
    if (fd < 0) {
        snprintf (why, whylen, "cannot create an export file in %s: %s",
                  dir && *dir ? dir : "/tmp", strerror (errno));
        free (path);
        return NULL;
    }
    close (fd);
    return path;
}

static void set_state (fo_fixtures *self, size_t index, fo_fixture_state state);

/* Every nested shared fixture has finished (or never started). */
static bool
children_finished (const fo_fixtures *self, size_t index)
{
    for (size_t i = index + 1; i < self->plan->nshared; i++) {
        if (self->plan->shared[i].parent != index)
            continue;
        fo_fixture_state st = self->items[i].state;
        if (st != FO_FIXTURE_DONE && !(st == FO_FIXTURE_IDLE && self->items[i].remaining == 0))
            return false;
    }
    return true;
}

static void
maybe_finish (fo_fixtures *self, size_t index)
{
    fixture *f = &self->items[index];
    if (f->remaining > 0 || !children_finished (self, index))
        return;
    const fo_shared_fixture *def = &self->plan->shared[index];
    bool set_up = f->state == FO_FIXTURE_READY || (f->state == FO_FIXTURE_FAILED && f->exports_bad);
    if (set_up && def->teardown.argv.len > 0) {
        char why[512];
        f->proc = start (self, &def->teardown, &f->exports, NULL, why, sizeof why);
        if (f->proc) {
            f->state = FO_FIXTURE_TEARING_DOWN;
            return;
        }
        char *message = fo_xasprintf ("teardown of shared context '%s' failed: %s",
                                      def->ctx->id, why);
        fixture_error (self, index, "teardown", message, NULL, NULL);
        free (message);
    }
    if (f->state == FO_FIXTURE_READY || f->state == FO_FIXTURE_FAILED
        || f->state == FO_FIXTURE_IDLE)
        set_state (self, index, FO_FIXTURE_DONE);
}

static void
set_state (fo_fixtures *self, size_t index, fo_fixture_state state)
{
    fo_fixture_state was = self->items[index].state;
    self->items[index].state = state;
    if (state == FO_FIXTURE_READY)
        emit (self, FO_EVENT_FIXTURE_SET_UP, index, "setup");
    if (state == FO_FIXTURE_DONE && (was == FO_FIXTURE_READY || was == FO_FIXTURE_TEARING_DOWN))
        emit (self, FO_EVENT_FIXTURE_TORN_DOWN, index, "teardown");
    if (state == FO_FIXTURE_READY || state == FO_FIXTURE_FAILED)
        self->on_change (self->arg, index, state);
    if (state == FO_FIXTURE_DONE && self->plan->shared[index].parent != FO_NO_SHARED)
        maybe_finish (self, self->plan->shared[index].parent);
}

void
fo_fixtures_ensure (fo_fixtures *self, size_t index)
{
    fixture *f = &self->items[index];
    if (f->state != FO_FIXTURE_IDLE)
        return;
    const fo_shared_fixture *def = &self->plan->shared[index];
    if (parent_exports (self, index))
        fo_env_copy (&f->exports, parent_exports (self, index));
    if (def->setup.argv.len == 0) {
        set_state (self, index, FO_FIXTURE_READY);
        return;
    }
    char why[512];
    f->export_path = make_export_file (why, sizeof why);
    if (f->export_path)
        f->proc = start (self, &def->setup, &f->exports, f->export_path, why, sizeof why);
    if (f->proc) {
        f->state = FO_FIXTURE_SETTING_UP;
        f->setup_started_us = fo_now_us ();
        fo_log (FO_LOG_INFO, "broker", "setting up shared context '%s'", def->ctx->id);
        return;
    }
    if (f->export_path) {
        unlink (f->export_path);
        free (f->export_path);
        f->export_path = NULL;
    }
    f->message = fo_xasprintf ("setup of shared context '%s' failed: %s", def->ctx->id, why);
    fixture_error (self, index, "setup", f->message, NULL, NULL);
    set_state (self, index, FO_FIXTURE_FAILED);
}

void
fo_fixtures_add_task (fo_fixtures *self, size_t index)
{
    for (size_t i = index; i != FO_NO_SHARED; i = self->plan->shared[i].parent)
        self->items[i].remaining++;
}

void
fo_fixtures_task_done (fo_fixtures *self, size_t index)
{
    fixture *f = &self->items[index];
    if (f->remaining > 0)
        f->remaining--;
    maybe_finish (self, index);
}

int
fo_fixtures_pollfds (const fo_fixtures *self, int *fds, int max)
{
    int n = 0;
    for (size_t i = 0; i < self->plan->nshared && n + 3 <= max; i++)
        if (self->items[i].proc)
            n += fo_proc_pollfds (self->items[i].proc, fds + n);
    return n;
}

uint64_t
fo_fixtures_deadline_ms (const fo_fixtures *self)
{
    uint64_t deadline = UINT64_MAX;
    for (size_t i = 0; i < self->plan->nshared; i++)
        if (self->items[i].proc) {
            uint64_t d = fo_proc_deadline_ms (self->items[i].proc);
            if (d < deadline)
                deadline = d;
        }
    return deadline;
}

static char *
describe (const fo_proc_status *st)
{
    if (st->timed_out)
        return fo_xasprintf ("timed out after %.1fs", (double) st->duration_us / 1e6);
    if (st->signal)
        return fo_xasprintf ("killed by %s", fo_signal_name (st->signal));
    if (st->lost)
        return fo_xstrdup (FO_PROC_STATUS_LOST_TEXT);
    return fo_xasprintf ("exit status %d", st->exit_code);
}

/* Masks the secrets a fixture's processes received in what they printed. */
static void
mask (const fo_env *secrets, fo_buf *buf)
{
    if (!fo_mask_needed (secrets))
        return;
    fo_buf masked = { 0 };
    fo_mask_secrets (secrets, buf->data, buf->len, &masked);
    fo_buf_free (buf);
    *buf = masked;
}

/* After a successful setup: its export file joins the parent's exports.
   Returns NULL, or why the exports cannot be used (the caller frees it). */
static char *
take_exports (fo_fixtures *self, size_t index)
{
    fixture *f = &self->items[index];
    const char *id = self->plan->shared[index].ctx->id;
    fo_env own = { 0 };
    char why[512];
    char *problem = NULL;
    if (fo_exports_read (f->export_path, &own, why, sizeof why) != 0)
        problem = fo_xasprintf ("its export file ($%s) is invalid: %s", FO_EXPORT_VAR, why);
    unlink (f->export_path);
    free (f->export_path);
    f->export_path = NULL;
    fo_env_merge (&f->exports, &own);      /* inner contexts win */
    if (!problem && fo_exports_size (&f->exports) > FO_EXPORT_MAX_TOTAL)
        problem = fo_xasprintf ("its exports and those of the shared contexts around it take "
                                "%zu bytes, more than the limit of %u",
                                fo_exports_size (&f->exports), FO_EXPORT_MAX_TOTAL);
    if (!problem && own.len > 0) {
        char *names = fo_exports_describe (&own);
        fo_log (FO_LOG_INFO, "broker", "shared context '%s' exported %s", id, names);
        free (names);
    }
    fo_env_free (&own);
    return problem;
}

static void
collected (fo_fixtures *self, size_t index)
{
    fixture *f = &self->items[index];
    const fo_shared_fixture *def = &self->plan->shared[index];
    const fo_proc_status *st = fo_proc_status_get (f->proc);
    const char *unstarted = NULL;       /* its spawn failed on the spawner's thread */
    fo_proc_start_failed (f->proc, &unstarted);
    bool ok = !unstarted && st->exited && !st->timed_out && st->exit_code == 0;
    fo_buf out = { 0 }, err = { 0 };
    fo_capture_render (fo_proc_stdout (f->proc), &out);
    fo_capture_render (fo_proc_stderr (f->proc), &err);
    char *status = unstarted ? fo_xstrdup (unstarted) : describe (st);
    fo_proc_destroy (&f->proc);

    if (f->state == FO_FIXTURE_SETTING_UP) {
        char *why = NULL;
        if (ok)
            why = take_exports (self, index);
        mask (&f->exports, &out);
        mask (&f->exports, &err);
        if (ok && !why) {
            fo_buf_free (&out);
            fo_buf_free (&err);
            set_state (self, index, FO_FIXTURE_READY);
            maybe_finish (self, index);     /* its tasks may all have ended meanwhile (a stop) */
        }
        else {
            f->exports_bad = ok;
            f->message = fo_xasprintf ("setup of shared context '%s' failed: %s", def->ctx->id,
                                       why ? why : status);
            fixture_error (self, index, "setup", f->message, &out, &err);
            f->out = out;
            f->err = err;
            set_state (self, index, FO_FIXTURE_FAILED);
            maybe_finish (self, index);
        }
        free (why);
    }
    else {
        if (!ok) {
            char *message = fo_xasprintf ("teardown of shared context '%s' failed: %s",
                                          def->ctx->id, status);
            mask (&f->exports, &out);
            mask (&f->exports, &err);
            fixture_error (self, index, "teardown", message, &out, &err);
            free (message);
        }
        fo_buf_free (&out);
        fo_buf_free (&err);
        set_state (self, index, FO_FIXTURE_DONE);
    }
    free (status);
}

void
fo_fixtures_service (fo_fixtures *self)
{
    for (size_t i = 0; i < self->plan->nshared; i++)
        if (self->items[i].proc && fo_proc_service (self->items[i].proc))
            collected (self, i);
}

bool
fo_fixtures_busy (const fo_fixtures *self)
{
    for (size_t i = 0; i < self->plan->nshared; i++)
        if (self->items[i].proc)
            return true;
    return false;
}

void
fo_fixtures_abort (fo_fixtures *self)
{
    for (size_t i = 0; i < self->plan->nshared; i++) {
        fixture *f = &self->items[i];
        kill_running (self, i);
        if (f->state == FO_FIXTURE_READY)
            fo_log (FO_LOG_WARN, "broker", "shared context '%s' is not torn down: the run was "
                    "cut short", self->plan->shared[i].ctx->id);
        f->state = FO_FIXTURE_DONE;
        f->remaining = 0;
    }
}

void
fo_fixtures_cancel_setups (fo_fixtures *self)
{
    for (size_t i = 0; i < self->plan->nshared; i++)
        if (self->items[i].proc && self->items[i].state == FO_FIXTURE_SETTING_UP)
            fo_proc_kill (self->items[i].proc);
}
