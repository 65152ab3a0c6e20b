/*  fo_run — see fo_run.h. Every per-message operation is O(1) or O(steps of
    one task): the test id -> index map is a hash built once, leases are an
    array indexed by lease id, and the queues are ring buffers. Losing an
    agent (rare) walks the lease table once. */
#include "fo_run.h"
#include "fo_run_internal.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

#include "fo_fixtures.h"
#include "fo_log.h"
#include "fo_mask.h"
#include "fo_proc.h"


/* ---- deque ---------------------------------------------------------- */

static void
deque_grow (deque *q)
{
    size_t cap = q->cap ? q->cap * 2 : 64;
    size_t *items = fo_xmalloc (cap * sizeof *items);
    for (size_t i = 0; i < q->len; i++)
        items[i] = q->items[(q->head + i) % q->cap];
    free (q->items);
    q->items = items;
    q->head = 0;
    q->cap = cap;
}

void
run_deque_push_back (deque *q, size_t v)
{
    if (q->len == q->cap)
        deque_grow (q);
    q->items[(q->head + q->len++) % q->cap] = v;
}

void
run_deque_push_front (deque *q, size_t v)
{
    if (q->len == q->cap)
        deque_grow (q);
    q->head = (q->head + q->cap - 1) % q->cap;
    q->items[q->head] = v;
    q->len++;
}

static bool
deque_pop_front (deque *q, size_t *v)
{
    if (q->len == 0)
        return false;
    *v = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return true;
}

static void
deque_free (deque *q)
{
    free (q->items);
    memset (q, 0, sizeof *q);
}


/* ---- ending tests and tasks ----------------------------------------- */

bool
run_is_failure (fo_outcome outcome)
{
    return outcome == FO_FAILED || outcome == FO_ERROR || outcome == FO_TIMEOUT
           || outcome == FO_CRASHED;
}

/* The test has its final outcome now: show it and count it for maxfail. */
static void
test_ended (fo_run *self, size_t index)
{
    self->pending[index] = false;
    const fo_test_record *rec = &self->report->tests[index];
    if (self->options.progress) {
        fo_report_progress (self->options.progress, self->options.verbosity, rec);
        self->mid_line = self->options.verbosity == FO_VERBOSITY_DOTS;
    }
    if (run_is_failure (rec->outcome) && ++self->failures >= self->options.maxfail
        && self->options.maxfail)
        self->stop_requested = true;
}

/* False when the test already had its outcome (nothing changes). */
static bool
finish_test (fo_run *self, size_t index, const fo_test_result_view *view)
{
    if (!fo_report_finish_test (self->report, index, view))
        return false;
    test_ended (self, index);
    return true;
}

/* A test held for a retry that will not come ends with its failed try. */
static void
settle_pending (fo_run *self, size_t index)
{
    if (self->pending[index] && fo_report_finish_last_try (self->report, index))
        test_ended (self, index);
}

static void finish_tests (fo_run *self, size_t task, bool settle, fo_outcome outcome,
                          const char *message, const fo_buf *out, const fo_buf *err,
                          const char *host);

/* Every test of the task without an outcome gets this one (a test held for
   a retry ends with its failed try instead). */
static void
finish_remaining (fo_run *self, size_t task, fo_outcome outcome, const char *message,
                  const fo_buf *out, const fo_buf *err, const char *host)
{
    finish_tests (self, task, true, outcome, message, out, err, host);
}

/* settle false: tests held for a retry are left alone. */
static void
finish_tests (fo_run *self, size_t task, bool settle, fo_outcome outcome, const char *message,
              const fo_buf *out, const fo_buf *err, const char *host)
{
    const fo_task *t = &self->plan->tasks[task];
    fo_test_result_view view = {
        .outcome = outcome,
        .out = out ? out->data : NULL, .out_len = out ? out->len : 0,
        .err = err ? err->data : NULL, .err_len = err ? err->len : 0,
        .message = message,
        .host = host,
        .attempt = self->tasks[task].attempts,
        .serial = t->serial,
    };
    for (size_t i = 0; i < t->ntests; i++) {
        size_t index = t->tests[i];
        if (self->pending[index]) {
            if (settle)
                settle_pending (self, index);
            continue;
        }
        finish_test (self, index, &view);
    }
}

void
run_end_task (fo_run *self, size_t task)
{
    if (self->tasks[task].state == TASK_ENDED)
        return;
    self->tasks[task].state = TASK_ENDED;
    self->ended++;
    const fo_task *t = &self->plan->tasks[task];
    for (size_t i = t->nshared; i-- > 0;)   /* innermost first */
        fo_fixtures_task_done (self->fixtures, t->shared[i]);
}

static void
fail_task_on_fixture (fo_run *self, size_t task, size_t fixture)
{
    const char *message;
    const fo_buf *out, *err;
    fo_fixtures_failure (self->fixtures, fixture, &message, &out, &err);
    finish_remaining (self, task, FO_ERROR, message, out, err, self->options.broker_host);
    run_end_task (self, task);
}

void
run_not_run_task (fo_run *self, size_t task)
{
    char *message = fo_xasprintf ("not run (%s)", self->stop_reason);
    finish_remaining (self, task, FO_NOT_RUN, message, NULL, NULL, NULL);
    free (message);
    if (self->plan->tasks[task].discovery != FO_NO_DISCOVERY)
        run_discovery_ended (self, self->plan->tasks[task].discovery);
    run_end_task (self, task);
}

/* ---- shared fixtures -------------------------------------------------- */

static void
on_fixture (void *arg, size_t index, fo_fixture_state state)
{
    fo_run *self = arg;
    deque *parked = &self->parked[index];
    size_t task;
    if (state == FO_FIXTURE_FAILED) {
        while (deque_pop_front (parked, &task))
            fail_task_on_fixture (self, task, index);
        return;
    }
    /* READY: the waiting tasks go to the front of their queue, in order. */
    while (parked->len > 0) {
        task = parked->items[(parked->head + parked->len - 1) % parked->cap];
        parked->len--;
        if (self->stopping)
            run_not_run_task (self, task);
        else
            run_deque_push_front (self->plan->tasks[task].serial ? &self->serial : &self->ready, task);
    }
}

typedef enum { DEPS_READY, DEPS_WAIT, DEPS_FAILED } deps_state;

/* Are the task's shared fixtures set up? Starts the first one that is not
   and parks the task on it. */
static deps_state
check_deps (fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    if (t->discovery != FO_NO_DISCOVERY)
        return DEPS_READY;      /* it holds its fixtures open, needs no setup */
    for (size_t i = 0; i < t->nshared; i++) {
        size_t f = t->shared[i];
        switch (fo_fixtures_state (self->fixtures, f)) {
        case FO_FIXTURE_READY:
            continue;
        case FO_FIXTURE_FAILED:
            fail_task_on_fixture (self, task, f);
            return DEPS_FAILED;
        case FO_FIXTURE_IDLE:
            run_deque_push_back (&self->parked[f], task);
            fo_fixtures_ensure (self->fixtures, f);     /* may call on_fixture at once */
            return DEPS_WAIT;
        default:
            run_deque_push_back (&self->parked[f], task);
            return DEPS_WAIT;
        }
    }
    return DEPS_READY;
}

/* ---- life cycle ------------------------------------------------------- */

fo_run *
fo_run_new (const fo_run_options *options)
{
    fo_run *self = fo_xcalloc (1, sizeof *self);
    self->options = *options;
    if (self->options.max_attempts == 0)
        self->options.max_attempts = 1;
    self->plan = options->plan;
    self->report = options->report;
    self->fixtures = fo_fixtures_new (self->plan, self->report, options->broker_host,
                                      options->output_cap, on_fixture, self);
    self->test_index = zhashx_new ();
    for (size_t i = 0; i < self->plan->ntests; i++)
        zhashx_insert (self->test_index, self->plan->tests[i]->id, (void *) (uintptr_t) (i + 1));
    self->tasks_cap = self->plan->ntasks ? self->plan->ntasks : 1;
    self->tasks = fo_xcalloc (self->tasks_cap, sizeof *self->tasks);
    self->parked = fo_xcalloc (self->plan->nshared ? self->plan->nshared : 1, sizeof *self->parked);
    self->answered = fo_xcalloc (self->plan->ndiscoveries ? self->plan->ndiscoveries : 1,
                                 sizeof *self->answered);
    self->pending = fo_xcalloc (self->plan->ntests ? self->plan->ntests : 1, sizeof *self->pending);
    for (size_t i = 0; i < self->plan->ntasks; i++) {
        if (self->plan->tasks[i].waits > 0)
            self->tasks[i].state = TASK_BLOCKED;
        else
            run_deque_push_back (self->plan->tasks[i].serial ? &self->serial : &self->ready, i);
    }
    return self;
}

void
fo_run_destroy (fo_run **self_p)
{
    fo_run *self = *self_p;
    if (!self)
        return;
    fo_fixtures_destroy (&self->fixtures);
    zhashx_destroy (&self->test_index);
    for (size_t i = 0; i < self->plan->nshared; i++)
        deque_free (&self->parked[i]);
    free (self->parked);
    deque_free (&self->ready);
    deque_free (&self->serial);
    for (size_t i = 0; i < self->plan->ntasks; i++) {
        free (self->tasks[i].steps);
        free (self->tasks[i].failed_on);
    }
    free (self->retry);
    free (self->pending);
    free (self->alive);
    free (self->tasks);
    free (self->answered);
    free (self->leases);
    free (self->stop_reason);
    free (self);
    *self_p = NULL;
}

/* ---- leasing ---------------------------------------------------------- */

static void
make_lease (fo_run *self, size_t task, uint32_t agent, fo_lease *lease)
{
    if (self->nleases == self->leases_cap) {
        self->leases_cap = self->leases_cap ? self->leases_cap * 2 : 256;
        self->leases = fo_xrealloc (self->leases, self->leases_cap * sizeof *self->leases);
    }
    task_rec *rec = &self->tasks[task];
    rec->state = TASK_LEASED;
    rec->attempts++;
    rec->lease = ++self->nleases;
    self->leases[rec->lease - 1] = (lease_rec) {
        .task = task, .agent = agent, .attempt = rec->attempts, .active = true,
    };
    self->in_flight++;
    const fo_task *t = &self->plan->tasks[task];
    *lease = (fo_lease) {
        .lease = rec->lease,
        .attempt = rec->attempts,
        .output_cap = self->options.output_cap,
        .skip_code = self->options.skip_code,
        .steps = t->steps,
        .nsteps = t->nsteps,
    };
    /* The exports of its shared contexts, borrowed like the steps: one
       overlay per lease, whatever the number of steps. */
    if (t->nshared > 0 && t->discovery == FO_NO_DISCOVERY)
        lease->env = *fo_fixtures_exports (self->fixtures, t->shared[t->nshared - 1]);
}

/* The secrets the task received, or NULL when it has none to mask. */
static const fo_env *
task_secrets (const fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    if (t->nshared == 0 || t->discovery != FO_NO_DISCOVERY)
        return NULL;
    const fo_env *env = fo_fixtures_exports (self->fixtures, t->shared[t->nshared - 1]);
    return fo_mask_needed (env) ? env : NULL;
}

/* A result with the task's secret values masked out of its text. */
typedef struct {
    fo_buf out, err, message;
} masked_result;

static void
mask_result (const fo_env *secrets, const fo_result *r, masked_result *m)
{
    fo_mask_secrets (secrets, r->out, r->out_len, &m->out);
    fo_mask_secrets (secrets, r->err, r->err_len, &m->err);
    fo_mask_secrets (secrets, r->message, strlen (r->message), &m->message);
}

static void
masked_result_free (masked_result *m)
{
    fo_buf_free (&m->out);
    fo_buf_free (&m->err);
    fo_buf_free (&m->message);
}

/* The steps the task's next lease runs: the plan's, or a retry's subset. */
static const fo_step *
task_steps (const fo_run *self, size_t task, size_t *nsteps)
{
    const task_rec *rec = &self->tasks[task];
    if (rec->steps) {
        *nsteps = rec->nsteps;
        return rec->steps;
    }
    *nsteps = self->plan->tasks[task].nsteps;
    return self->plan->tasks[task].steps;
}

/* make_lease, then what this run adds to every lease. */
static void
lease_task (fo_run *self, size_t task, uint32_t agent, fo_lease *lease)
{
    make_lease (self, task, agent, lease);
    lease->slow_ms = self->options.slow_ms;
    lease->task_timeout_ms = self->options.task_timeout_ms;
    if (self->tasks[task].steps)
        lease->steps = (fo_step *) task_steps (self, task, &lease->nsteps);
}

static void apply_stop (fo_run *self);

static bool
next_lease (fo_run *self, uint32_t agent, fo_lease *lease)
{
    if (self->stopping || self->serial_running)
        return false;
    size_t task;
    /* Retries first: their shared fixtures are up, waiting for them. */
    for (size_t i = 0; i < self->nretry; i++) {
        task = self->retry[i];
        if (!run_may_retry_on (self, task, agent))
            continue;
        memmove (&self->retry[i], &self->retry[i + 1], (self->nretry - i - 1) * sizeof *self->retry);
        self->nretry--;
        if (check_deps (self, task) == DEPS_READY) {
            lease_task (self, task, agent, lease);
            return true;
        }
        i--;
    }
    while (!self->stop_requested && deque_pop_front (&self->ready, &task))
        if (check_deps (self, task) == DEPS_READY) {
            lease_task (self, task, agent, lease);
            return true;
        }
    if (self->in_flight > 0 || self->stop_requested)
        return false;
    while (!self->stop_requested && deque_pop_front (&self->serial, &task))
        if (check_deps (self, task) == DEPS_READY) {
            self->serial_running = true;
            lease_task (self, task, agent, lease);
            return true;
        }
    return false;
}

bool
fo_run_next_lease (fo_run *self, uint32_t agent, fo_lease *lease)
{
    bool leased = next_lease (self, agent, lease);
    apply_stop (self);
    return leased;
}

/* The active lease `id` held by `agent`, or NULL (logged). */
lease_rec *
run_current_lease (fo_run *self, uint32_t agent, uint64_t id, const char *what)
{
    if (id == 0 || id > self->nleases || !self->leases[id - 1].active
        || self->leases[id - 1].agent != agent) {
        fo_log (FO_LOG_INFO, ROLE, "discarded %s for lease %llu: not a current lease of that agent",
                what, (unsigned long long) id);
        return NULL;
    }
    return &self->leases[id - 1];
}

static bool
step_reports (const fo_step *step, const char *test)
{
    for (size_t i = 0; i < step->tests.len; i++)
        if (strcmp (step->tests.items[i], test) == 0)
            return true;
    return false;
}

static bool record_result (fo_run *self, const fo_task *t, const fo_step *step,
                           lease_rec *lease, const char *host, const fo_result *r);

bool
fo_run_result (fo_run *self, uint32_t agent, const char *host, const fo_result *r)
{
    lease_rec *lease = run_current_lease (self, agent, r->lease, "a result");
    if (!lease)
        return false;
    const fo_task *t = &self->plan->tasks[lease->task];
    size_t nsteps;
    const fo_step *steps = task_steps (self, lease->task, &nsteps);
    if (r->step >= nsteps) {
        fo_log (FO_LOG_WARN, ROLE, "discarded a result for step %u of lease %llu: it has %zu steps",
                r->step, (unsigned long long) r->lease, nsteps);
        return false;
    }
    const fo_step *step = &steps[r->step];
    /* Secrets never reach the report: mask them where a test printed them. */
    const fo_env *secrets = task_secrets (self, lease->task);
    masked_result masked = { 0 };
    fo_result copy;
    if (secrets) {
        mask_result (secrets, r, &masked);
        copy = *r;
        copy.out = masked.out.data, copy.out_len = masked.out.len;
        copy.err = masked.err.data, copy.err_len = masked.err.len;
        copy.message = masked.message.data;
        r = &copy;
    }
    bool ok = record_result (self, t, step, lease, host, r);
    masked_result_free (&masked);
    return ok;
}

static bool
record_result (fo_run *self, const fo_task *t, const fo_step *step, lease_rec *lease,
               const char *host, const fo_result *r)
{
    if (r->test[0] == '\0') {
        if (step->kind == FO_STEP_TEST) {
            fo_log (FO_LOG_WARN, ROLE, "discarded a fixture error for a test step of lease %llu",
                    (unsigned long long) r->lease);
            return false;
        }
        /* Agents report steps in order: one fixture error per step at most. */
        if (r->step < lease->fixture_from)
            return false;
        lease->fixture_from = r->step + 1;
        fo_report_add_fixture_error (self->report, step->name, fo_step_kind_name (step->kind),
                                     r->message, r->out, r->out_len, r->err, r->err_len, host);
        return true;
    }
    if (!step_reports (step, r->test)) {
        fo_log (FO_LOG_WARN, ROLE, "discarded a result for '%s': not a test of lease %llu step %u",
                r->test, (unsigned long long) r->lease, r->step);
        return false;
    }
    uintptr_t index = (uintptr_t) zhashx_lookup (self->test_index, r->test);
    if (index == 0)
        return false;
    fo_test_result_view view = {
        .outcome = r->outcome,
        .duration_us = r->duration_us,
        .out = r->out, .out_len = r->out_len,
        .err = r->err, .err_len = r->err_len,
        .message = r->message,
        .host = host,
        .worker = r->worker,
        .attempt = lease->attempt,
        .serial = t->serial,
        /* A test the agent did not start because the task ran out of
           time: the timeout is the failure, not the infrastructure. */
        .by_failure = r->outcome == FO_NOT_RUN && lease->timed_out && !self->stopping,
    };
    if (r->outcome == FO_TIMEOUT)
        lease->timed_out = true;
    lease->worker = r->worker;
    bool recorded = true;
    if (run_should_retry (self, index - 1, r->outcome))
        run_hold_for_retry (self, index - 1, lease, &view);
    else
        recorded = finish_test (self, index - 1, &view);
    apply_stop (self);
    return recorded;
}

static void
lease_ended (fo_run *self, lease_rec *lease)
{
    lease->active = false;
    self->in_flight--;
    if (self->plan->tasks[lease->task].serial)
        self->serial_running = false;
}

bool
fo_run_done (fo_run *self, uint32_t agent, const char *host, const fo_done *d)
{
    lease_rec *lease = run_current_lease (self, agent, d->lease, "a done message");
    if (!lease)
        return false;
    lease_ended (self, lease);
    char *message = d->signal
        ? fo_xasprintf ("the agent reported no result for this test (its task was killed by %s)",
                        fo_signal_name (d->signal))
        : fo_xasprintf ("the agent reported no result for this test (its task ended with exit status %d)",
                        d->exit_status);
    size_t task = lease->task;
    size_t disc = self->plan->tasks[task].discovery;
    if (disc != FO_NO_DISCOVERY && !self->answered[disc]) {
        /* Cancelled by a stop: nothing to report, the run says why. */
        char *why = self->stopping ? NULL
            : d->signal ? fo_xasprintf ("discover command of context '%s' sent no names (its task "
                                        "was killed by %s)", self->plan->discoveries[disc].ctx->id,
                                        fo_signal_name (d->signal))
            : fo_xasprintf ("discover command of context '%s' sent no names (its task ended "
                            "with exit status %d)", self->plan->discoveries[disc].ctx->id,
                            d->exit_status);
        if (why)
            run_discovery_failed (self, disc, why, NULL, 0, host);
        else
            run_discovery_ended (self, disc);
        free (why);
    }
    if (!self->stopping && !self->stop_requested && run_has_pending (self, task)) {
        finish_tests (self, task, false, FO_ERROR, message, NULL, NULL, host);
        run_schedule_again (self, task, false);
    }
    else {
        finish_remaining (self, task, FO_ERROR, message, NULL, NULL, host);
        run_end_task (self, task);
    }
    free (message);
    apply_stop (self);
    return true;
}

/* The first test of the task without an outcome: the one that was running. */
static const char *
running_test (const fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    for (size_t i = 0; i < t->ntests; i++)
        if (!self->report->tests[t->tests[i]].done && !self->pending[t->tests[i]])
            return self->report->tests[t->tests[i]].id;
    for (size_t i = 0; i < t->ntests; i++)
        if (!self->report->tests[t->tests[i]].done)
            return self->report->tests[t->tests[i]].id;
    return NULL;
}

void
fo_run_agent_joined (fo_run *self, uint32_t agent)
{
    if (agent >= self->alive_cap) {
        size_t cap = self->alive_cap ? self->alive_cap : 8;
        while (cap <= agent)
            cap *= 2;
        self->alive = fo_xrealloc (self->alive, cap * sizeof *self->alive);
        memset (self->alive + self->alive_cap, 0, (cap - self->alive_cap) * sizeof *self->alive);
        self->alive_cap = cap;
    }
    self->alive[agent] = true;
}

void
fo_run_agent_lost (fo_run *self, uint32_t agent, const char *host, const char *why)
{
    if (agent < self->alive_cap)
        self->alive[agent] = false;
    /* Retried tasks go back to the front of their queue; walking the
       leases backwards keeps them in their original order there. */
    for (size_t i = self->nleases; i-- > 0;) {
        lease_rec *lease = &self->leases[i];
        if (!lease->active || lease->agent != agent)
            continue;
        lease_ended (self, lease);
        size_t task = lease->task;
        if (self->plan->tasks[task].discovery != FO_NO_DISCOVERY) {
            run_discovery_lost (self, lease, host, why);
            continue;
        }
        const char *running = running_test (self, task);
        if (!running) {
            run_end_task (self, task);
            continue;
        }
        if (!self->stopping && ++self->tasks[task].lost < self->options.max_attempts) {
            fo_log (FO_LOG_WARN, ROLE, "lease %zu (attempt %u) was lost with host %s (%s): retrying",
                    i + 1, lease->attempt, host, why);
            run_schedule_again (self, task, true);
            continue;
        }
        char slot[32] = "";
        if (lease->worker)
            snprintf (slot, sizeof slot, " on worker %u", lease->worker);
        char *message = self->stopping
            ? fo_xasprintf ("not run (%s; host %s was lost: %s)", self->stop_reason, host, why)
            : fo_xasprintf ("host %s was lost (%s) while running test '%s'%s (attempt %u of %u)",
                            host, why, running, slot, lease->attempt, self->options.max_attempts);
        finish_remaining (self, task, self->stopping ? FO_NOT_RUN : FO_ERROR, message, NULL, NULL,
                          host);
        free (message);
        run_end_task (self, task);
    }
    apply_stop (self);
}

static void
stop (fo_run *self, const char *reason, bool on_failures)
{
    if (self->stopping)
        return;
    self->stopping = true;
    self->stop_reason = fo_xstrdup (reason);
    fo_report_set_stop (self->report, reason, on_failures);
    size_t task;
    for (size_t i = 0; i < self->nretry; i++)
        run_not_run_task (self, self->retry[i]);
    self->nretry = 0;
    while (deque_pop_front (&self->ready, &task))
        run_not_run_task (self, task);
    while (deque_pop_front (&self->serial, &task))
        run_not_run_task (self, task);
    for (size_t f = 0; f < self->plan->nshared; f++)
        while (deque_pop_front (&self->parked[f], &task))
            run_not_run_task (self, task);
    /* No task waits for a setup any more: do not wait for it either. */
    fo_fixtures_cancel_setups (self->fixtures);
}

void
fo_run_stop (fo_run *self, const char *reason)
{
    stop (self, reason, false);
}

/* Fail fast: the stop is applied once the call that reached maxfail has
   finished its own bookkeeping. */
static void
apply_stop (fo_run *self)
{
    if (!self->stop_requested || self->stopping)
        return;
    char *reason = fo_xasprintf ("stopped after %u failure%s", self->options.maxfail,
                                 self->options.maxfail == 1 ? "" : "s");
    fo_log (FO_LOG_INFO, ROLE, "%s: stopping the run", reason);
    stop (self, reason, true);
    free (reason);
}

bool
fo_run_slow (fo_run *self, uint32_t agent, const char *host, const fo_slow *slow)
{
    lease_rec *lease = run_current_lease (self, agent, slow->lease, "a slow notice");
    if (!lease)
        return false;
    size_t nsteps;
    const fo_step *steps = task_steps (self, lease->task, &nsteps);
    if (slow->step >= nsteps)
        return false;
    const fo_step *step = &steps[slow->step];
    const char *what = step->kind == FO_STEP_SETUP ? "setup of"
                     : step->kind == FO_STEP_TEARDOWN ? "teardown of" : NULL;
    const char *name = *step->name ? step->name : "<root>";
    if (self->options.progress) {
        fo_report_progress_slow (self->options.progress, self->options.verbosity, self->mid_line,
                                 what, name, slow->elapsed_ms, step->timeout_ms, host);
        self->mid_line = false;
    }
    return true;
}

bool
fo_run_stopping (const fo_run *self)
{
    return self->stopping;
}

const char *
fo_run_stop_reason (const fo_run *self)
{
    return self->stop_reason ? self->stop_reason : "";
}

void
fo_run_foreach_lease (fo_run *self, fo_lease_fn *fn, void *arg)
{
    for (size_t i = 0; i < self->nleases; i++)
        if (self->leases[i].active)
            fn (arg, i + 1, self->leases[i].agent);
}

size_t
fo_run_in_flight (const fo_run *self)
{
    return self->in_flight;
}

bool
fo_run_finished (const fo_run *self)
{
    return self->ended == self->plan->ntasks && !fo_fixtures_busy (self->fixtures);
}

int
fo_run_pollfds (const fo_run *self, int *fds, int max)
{
    return fo_fixtures_pollfds (self->fixtures, fds, max);
}

uint64_t
fo_run_deadline_ms (const fo_run *self)
{
    return fo_fixtures_deadline_ms (self->fixtures);
}

void
fo_run_service (fo_run *self)
{
    fo_fixtures_service (self->fixtures);
    apply_stop (self);
}
