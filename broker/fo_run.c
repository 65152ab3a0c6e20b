/*  fo_run — see fo_run.h. Every per-message operation is O(1) or O(steps of
    one task): a test is found by id through fo_tasks' hash, a lease by id in
    fo_leases' array, and the scheduler's queues are ring buffers. Losing an
    agent (rare) walks the lease table once. */
#include "fo_run.h"

#include "fo_report_hosts.h"
#include "fo_run_internal.h"

#include <stdlib.h>
#include <string.h>

#include "fo_discovery.h"
#include "fo_fixtures.h"
#include "fo_leases.h"
#include "fo_log.h"
#include "fo_proc.h"
#include "fo_retry.h"
#include "fo_tasks.h"
#include "fo_verdicts.h"




/* ---- events --------------------------------------------------------- */

/* The host an agent joined with, or NULL. */
static const char *
host_of (const fo_run *self, uint32_t agent)
{
    const fo_sched_agent *a = fo_sched_agent_of (self->sched, agent);
    return a ? a->host : NULL;
}

void
run_emit (fo_run *self, fo_event *ev)
{
    fo_verdicts_emit (self->verdicts, ev);
}

/* Fail fast: --maxfail failures are in. Nothing more is leased from now
   on; the stop itself is applied once the call that got there has done
   its own bookkeeping (apply_stop). */
bool
run_stop_due (fo_run *self)
{
    if (!fo_verdicts_stop_due (self->verdicts))
        return false;
    fo_sched_hold (self->sched);
    return true;
}

/* ---- ending tests and tasks ----------------------------------------- */

/* Every test of the task without an outcome gets this one. settle: a test
   held for a retry ends with its failed try instead; else it is left to
   wait for its retry. */
static void
finish_tests_why (fo_run *self, size_t task, bool settle, fo_outcome outcome, const char *message,
                  const fo_buf *out, const fo_buf *err, const char *host, bool by_failure)
{
    const fo_task *t = &self->plan->tasks[task];
    fo_test_result_view view = {
        .by_failure = by_failure,
        .outcome = outcome,
        .out = out ? out->data : NULL, .out_len = out ? out->len : 0,
        .err = err ? err->data : NULL, .err_len = err ? err->len : 0,
        .message = message,
        .host = host,
        .attempt = fo_tasks_rec (self->tasks, task)->attempts,
        .serial = t->serial,
    };
    fo_verdicts_finish_all (self->verdicts, fo_task_tests (t), t->ntests, settle, &view);
    run_stop_due (self);
}

static void
finish_tests (fo_run *self, size_t task, bool settle, fo_outcome outcome, const char *message,
              const fo_buf *out, const fo_buf *err, const char *host)
{
    finish_tests_why (self, task, settle, outcome, message, out, err, host, false);
}

static void
finish_remaining (fo_run *self, size_t task, fo_outcome outcome, const char *message,
                  const fo_buf *out, const fo_buf *err, const char *host)
{
    finish_tests (self, task, true, outcome, message, out, err, host);
}

static void after_ended (fo_run *self, size_t task);

static void
end_task (fo_run *self, size_t task)
{
    if (!fo_tasks_end (self->tasks, task))
        return;
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_TASK_ENDED, .u.task_ended = { .task = task },
    });
    const fo_task *t = &self->plan->tasks[task];
    for (size_t i = t->nshared; i-- > 0;)   /* innermost first */
        fo_fixtures_task_done (self->fixtures, t->shared[i]);
    after_ended (self, task);
}

static void
fail_task_on_fixture (fo_run *self, size_t task, size_t fixture)
{
    const char *message;
    const fo_buf *out, *err;
    fo_fixtures_failure (self->fixtures, fixture, &message, &out, &err);
    if (self->plan->shared[fixture].setup.reader == FO_READER_PYTHON) {
        /* A Python context's: its one fixture error is the failure, its
           tests are not run (fo_reader_ops.setup_failure_not_run). */
        char *why = fo_xasprintf ("not run (%s)", message);
        finish_tests_why (self, task, true, FO_NOT_RUN, why, out, err, self->options.broker_host,
                          true);
        free (why);
    }
    else
        finish_remaining (self, task, FO_ERROR, message, out, err, self->options.broker_host);
    end_task (self, task);
}

void
run_not_run_task (fo_run *self, size_t task)
{
    /* one message for every task the stop ends (not a printf per task) */
    if (!self->not_run_message)
        self->not_run_message = fo_xasprintf ("not run (%s)", self->stop_reason);
    finish_remaining (self, task, FO_NOT_RUN, self->not_run_message, NULL, NULL, NULL);
    if (self->plan->tasks[task].discovery != FO_NO_DISCOVERY)
        run_discovery_ended (self, self->plan->tasks[task].discovery);
    end_task (self, task);
}

void
run_queue_task (fo_run *self, size_t task, fo_sched_reason why)
{
    const fo_task *t = &self->plan->tasks[task];
    fo_tasks_rec (self->tasks, task)->state = FO_TASK_WAITING;
    if (t->ntests == 0 && t->discovery == FO_NO_DISCOVERY)
        end_task (self, task);     /* a unit whose discoveries found nothing */
    else if (!fo_sched_enqueue (self->sched, task, why))
        run_not_run_task (self, task);
    else {
        fo_event ev = { .type = FO_EVENT_TASK_QUEUED, .u.task_queued = { .task = task } };
        ev.u.task_queued.tests = fo_tasks_tests (self->tasks, task, &ev.u.task_queued.ntests);
        run_emit (self, &ev);
    }
}

/* ---- an order between tasks (fo_after.h) ------------------------------ */

/* A CTest fixture setup the task's tests require, in another task, that
   did not pass (or NULL): CTest's "Fixture dependency failed". */
static const char *
failed_setup (fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    for (size_t i = 0; i < t->ntests; i++) {
        const fo_verdict *verdict = self->plan->tests[fo_task_tests (t)[i]]->verdict;
        if (!verdict)
            continue;
        const fo_strv *needs = &verdict->needs;
        for (size_t k = 0; k < needs->len; k++) {
            size_t test = fo_tasks_test (self->tasks, needs->items[k]);
            if (test == FO_NO_TEST)
                continue;
            const fo_test_record *rec = fo_report_test (self->report, test);
            if (!rec->done || rec->outcome != FO_PASSED)
                return needs->items[k];
        }
    }
    return NULL;
}

/* The tasks that waited for this one and wait for nothing more go: not
   run when a fixture setup they require did not pass (a failure's
   doing: exit status 1, as the agent's own check in a unit), else
   queued. */
static void
after_ended (fo_run *self, size_t task)
{
    size_t *ready;
    size_t n = fo_after_task_ended (self->after, task, &ready);
    for (size_t i = 0; i < n; i++) {
        size_t r = ready[i];
        if (fo_tasks_rec (self->tasks, r)->state != FO_TASK_BLOCKED)
            continue;
        const char *setup = self->stopping ? NULL : failed_setup (self, r);
        if (!setup) {
            run_queue_task (self, r, FO_SCHED_PLANNED);
            continue;
        }
        const fo_task *t = &self->plan->tasks[r];
        char *message = fo_xasprintf ("fixture setup '%s' did not pass", setup);
        fo_test_result_view view = {
            .outcome = FO_NOT_RUN, .message = message, .serial = t->serial,
            .by_failure = true,
        };
        fo_verdicts_finish_all (self->verdicts, fo_task_tests (t), t->ntests, true, &view);
        free (message);
        run_stop_due (self);
        end_task (self, r);
    }
    free (ready);
}

/* ---- shared fixtures -------------------------------------------------- */

/* fo_fixtures: a fixture is up, or failed. */
static void
on_fixture (void *arg, size_t index, fo_fixture_state state)
{
    fo_run *self = arg;
    size_t task;
    if (state == FO_FIXTURE_FAILED)
        while (fo_sched_take_parked (self->sched, index, &task))
            fail_task_on_fixture (self, task, index);
    else
        fo_sched_fixture_up (self->sched, index);
}

/* fo_sched: is this fixture up for the task? Its setup starts the first
   time one of its tasks is about to be leased. */
static fo_sched_fixture
fixture_for (void *arg, size_t task, size_t fixture)
{
    fo_run *self = arg;
    if (fo_fixtures_state (self->fixtures, fixture) == FO_FIXTURE_IDLE)
        fo_fixtures_ensure (self->fixtures, fixture);    /* may be up, or failed, at once */
    switch (fo_fixtures_state (self->fixtures, fixture)) {
    case FO_FIXTURE_READY:
        return FO_SCHED_FIXTURE_UP;
    case FO_FIXTURE_FAILED:
        fail_task_on_fixture (self, task, fixture);
        return FO_SCHED_FIXTURE_GONE;
    default:
        return FO_SCHED_FIXTURE_WAIT;
    }
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
    self->retry = fo_retry_new (self->report, options->retries);
    self->verdicts = fo_verdicts_new (self->report, self->retry, options->reporters,
                                      options->maxfail);
    self->fixtures = fo_fixtures_new (self->plan, self->verdicts, options->broker_host,
                                      options->output_cap, on_fixture, self);
    self->sched = fo_sched_new (self->plan, fixture_for, self);
    fo_sched_set_history (self->sched, options->history, options->failed_first);
    self->discoveries = fo_discoveries_new (self->plan, options->select);
    self->tasks = fo_tasks_new (self->plan);
    self->joined = fo_joined_new (self->plan, self->report, self->tasks, self->verdicts,
                                  options->retries > 0, options->max_joined);
    self->leases = fo_leases_new ();
    self->after = fo_after_new (self->plan, self->tasks);
    for (size_t i = 0; i < self->plan->ntasks; i++) {
        if (self->plan->tasks[i].waits > 0 || fo_after_waits (self->after, i))
            fo_tasks_rec (self->tasks, i)->state = FO_TASK_BLOCKED;
        else
            fo_sched_enqueue (self->sched, i, FO_SCHED_PLANNED);
    }
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_RUN_STARTED,
        .u.run_started = { .ntests = self->plan->ntests, .ntasks = self->plan->ntasks },
    });
    return self;
}

void
fo_run_destroy (fo_run **self_p)
{
    fo_run *self = *self_p;
    if (!self)
        return;
    fo_fixtures_destroy (&self->fixtures);
    fo_sched_destroy (&self->sched);
    fo_verdicts_destroy (&self->verdicts);
    fo_retry_destroy (&self->retry);
    fo_discoveries_destroy (&self->discoveries);
    fo_joined_destroy (&self->joined);
    fo_tasks_destroy (&self->tasks);
    fo_after_destroy (&self->after);
    fo_leases_destroy (&self->leases);
    free (self->stop_reason);
    free (self->not_run_message);
    fo_buf_free (&self->frame);
    free (self);
    *self_p = NULL;
}

/* ---- leasing ---------------------------------------------------------- */

/* Test started, the broker's inference (fo_event.h): the first test step
   after step `after` (NONE: the lease's first) starts now, unless it was
   said already. O(steps up to the next test step). */
void
run_start_next_step (fo_run *self, fo_lease_rec *lease, uint64_t id, size_t after)
{
    /* Once the run stops, what is in flight is cancelled: nothing starts. */
    if (!self->options.reporters || self->stopping || run_stop_due (self))
        return;
    size_t from = after == NONE ? 0 : after + 1;
    if (lease->started != NONE && from <= lease->started)
        return;
    size_t nsteps;
    const fo_step *steps = fo_tasks_steps (self->tasks, lease->task, &nsteps);
    for (size_t j = from; j < nsteps; j++) {
        if (steps[j].kind != FO_STEP_TEST)
            continue;
        lease->started = j;
        const fo_sched_agent *agent = fo_sched_agent_of (self->sched, lease->agent);
        for (size_t k = 0; k < steps[j].tests.len; k++) {
            size_t index = fo_tasks_test_in (self->tasks, lease->task, steps[j].tests.items[k]);
            if (index == FO_NO_TEST || fo_report_test (self->report, index)->done)
                continue;
            run_emit (self, &(fo_event) {
                .type = FO_EVENT_TEST_STARTED,
                .u.test_started = {
                    .test = index, .id = steps[j].tests.items[k], .lease = id,
                    .agent = lease->agent, .host = agent ? agent->host : NULL,
                    .attempt = lease->attempt,
                },
            });
        }
        return;
    }
}

/* The exports of the task's shared contexts, or NULL when it has none. */
const fo_env *
run_task_exports (const fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    if (t->nshared == 0 || t->discovery != FO_NO_DISCOVERY)
        return NULL;
    return fo_fixtures_exports (self->fixtures, t->shared[t->nshared - 1]);
}

/* The lease cannot be sent: its message would be over the protocol's
   limits. No agent could ever take it, so rather than wait for ever its
   tests end as errors saying why (a discovery fails), and the task ends. */
static void
undeliverable (fo_run *self, size_t task, const char *why)
{
    fo_sched_lease_ended (self->sched, task);
    char *name = fo_tasks_name (self->tasks, task);
    char *message = fo_xasprintf ("%s cannot be leased: %s", name, why);
    fo_log (FO_LOG_ERROR, ROLE, "%s", message);
    const fo_task *t = &self->plan->tasks[task];
    if (t->discovery != FO_NO_DISCOVERY && fo_discoveries_open (self->discoveries, t->discovery))
        run_discovery_failed (self, t->discovery, message, NULL, 0, NULL);
    finish_remaining (self, task, FO_ERROR, message, NULL, NULL, NULL);
    end_task (self, task);
    free (message);
    free (name);
}

/* Leases the task to `agent`: the lease is encoded first (self->frame, what
   the broker sends), so that one that cannot be sent is never handed out.
   False when it could not be (the task has ended). */
static bool
lease_task (fo_run *self, size_t task, uint32_t agent, fo_lease *out)
{
    fo_task_rec *rec = fo_tasks_rec (self->tasks, task);
    fo_lease lease = {
        .lease = fo_leases_next_id (self->leases),
        .attempt = rec->attempts + 1,
        .output_cap = self->options.output_cap,
        .skip_code = self->options.skip_code,
        .slow_ms = self->options.slow_ms,
        .task_timeout_ms = self->options.task_timeout_ms,
    };
    lease.steps = (fo_step *) fo_tasks_steps (self->tasks, task, &lease.nsteps);
    /* What it needs shipped, borrowed from the caller's manifests. */
    const char *manifest = self->options.manifest_of
        ? self->options.manifest_of (self->options.manifest_arg, self->plan, task) : NULL;
    lease.outputs = self->options.outputs;
    if (manifest && manifest[0]) {
        lease.manifest = (char *) manifest;
        lease.root = (char *) self->options.artifact_root;
    }
    /* The exports of its shared contexts, borrowed like the steps: one
       overlay per lease, whatever the number of steps. */
    const fo_env *exports = run_task_exports (self, task);
    if (exports)
        lease.env = *exports;
    /* The resource instances it holds (FANOUT_RESOURCE_*): over the
       exports, in a copy for this lease only. */
    const fo_env *held = fo_sched_lease_env (self->sched, task);
    fo_env with_held = { 0 };
    if (held) {
        if (exports)
            fo_env_copy (&with_held, exports);
        fo_env_merge (&with_held, held);
        lease.env = with_held;
    }
    /* Imported CTest tests with RESOURCE_GROUPS are told their instances
       in their steps' env: copies of the steps for this lease alone. */
    fo_step *borrowed = lease.steps;
    fo_step *grouped = held ? fo_tasks_steps_with_groups (self->tasks, task, held) : NULL;
    if (grouped)
        lease.steps = grouped;
    char why[256];
    int rc = fo_leases_encode (&lease, &self->frame, why, sizeof why);
    fo_env_free (&with_held);
    if (grouped) {
        for (size_t k = 0; k < lease.nsteps; k++)
            fo_step_free (&grouped[k]);
        free (grouped);
        lease.steps = borrowed;
    }
    lease.env = exports ? *exports : (fo_env) { 0 };
    if (rc != 0) {
        undeliverable (self, task, why);
        return false;
    }
    *out = lease;
    rec->state = FO_TASK_LEASED;
    rec->attempts++;
    rec->lease = fo_leases_add (self->leases, task, agent, rec->attempts);

    fo_event ev = {
        .type = FO_EVENT_TASK_LEASED,
        .u.task_leased = {
            .task = task, .lease = rec->lease, .agent = agent,
            .host = host_of (self, agent),
            .attempt = rec->attempts, .serial = self->plan->tasks[task].serial,
        },
    };
    ev.u.task_leased.tests = fo_tasks_tests (self->tasks, task, &ev.u.task_leased.ntests);
    run_emit (self, &ev);
    run_start_next_step (self, fo_leases_get (self->leases, rec->lease), rec->lease, NONE);
    return true;
}

bool
fo_run_next_lease (fo_run *self, uint32_t agent, fo_lease *lease)
{
    /* No step of an ended task is held between leases: the steps built
       for them go now (a lean plan keeps none of its own). */
    fo_tasks_trim (self->tasks);
    /* Who asks: the agent as it joined, or only its number. */
    const fo_sched_agent *who = fo_sched_agent_of (self->sched, agent);
    fo_sched_agent unknown = { .number = agent };
    size_t task;
    bool leased = false;
    while (!leased && !self->stopping && fo_sched_pick (self->sched, who ? who : &unknown, &task))
        leased = lease_task (self, task, agent, lease);
    run_apply_stop (self);
    return leased;
}

bool
fo_run_may_lease (const fo_run *self)
{
    return !self->stopping && fo_sched_may_pick (self->sched);
}

size_t
fo_run_queued (const fo_run *self)
{
    return fo_sched_queued (self->sched);
}

const fo_buf *
fo_run_lease_frame (const fo_run *self)
{
    return &self->frame;
}

/* The active lease `id` held by `agent`, or NULL (logged as `what`). */
/* What an agent sends is rate-limited in the log per kind and agent
   (fo_log_peer): a broken or hostile peer cannot flood it. */
fo_lease_rec *
run_current_lease (fo_run *self, uint32_t agent, const char *host, uint64_t id, const char *what)
{
    fo_lease_rec *lease = fo_leases_current (self->leases, agent, id);
    if (!lease)
        fo_log_peer (FO_LOG_INFO, ROLE, host, "discarded %s for lease %llu: not a current lease "
                     "of that agent", what, (unsigned long long) id);
    return lease;
}

/* Lease `id` is over (done, lost, cut short): the scheduler and the
   reporters learn it before anything happens to its task. */
void
run_lease_ended (fo_run *self, fo_lease_rec *lease, uint64_t id, fo_lease_end how, const char *host)
{
    lease->active = false;
    /* Joined results still held went with a program that never said how
       it ended: dropped (fo_joined.h). */
    fo_joined_forget (self->joined, id);
    fo_sched_lease_ended (self->sched, lease->task);
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_LEASE_ENDED,
        .u.lease_ended = { .task = lease->task, .lease = id, .agent = lease->agent,
                           .host = host, .how = how },
    });
}

/* ---- leases that end ---------------------------------------------------- */

/* The task is leased again for its tests without an outcome. */
void
run_lease_again (fo_run *self, size_t task, fo_sched_reason why)
{
    fo_tasks_narrow (self->tasks, task, self->report);
    run_queue_task (self, task, why);
}

bool
fo_run_done (fo_run *self, uint32_t agent, const char *host, const fo_done *d)
{
    fo_lease_rec *lease = run_current_lease (self, agent, host, d->lease, "a done message");
    if (!lease)
        return false;
    run_lease_ended (self, lease, d->lease, FO_LEASE_DONE, host);
    size_t task = lease->task;
    const fo_task *t = &self->plan->tasks[task];
    size_t disc = t->discovery;
    if (disc != FO_NO_DISCOVERY && fo_discoveries_open (self->discoveries, disc)) {
        /* Cancelled by a stop: nothing to report, the run says why. */
        char *why = self->stopping ? NULL : fo_discoveries_silent (self->discoveries, disc, d);
        if (why)
            run_discovery_failed (self, disc, why, NULL, 0, host);
        else
            run_discovery_ended (self, disc);
        free (why);
    }
    t = &self->plan->tasks[task];       /* the plan may have grown */
    /* What the tests without a result end with; made only when there is
       one (the report refuses an outcome for a test that has one): as a
       rule every test has its result by now, and a message formatted per
       done was a percent of the broker's time. */
    char *message = NULL;
    for (size_t i = 0; i < t->ntests && !message; i++)
        if (!fo_report_test (self->report, fo_task_tests (t)[i])->done)
            message = d->signal
                ? fo_xasprintf ("the agent reported no result for this test (its task was killed "
                                "by %s)", fo_signal_name (d->signal))
                : fo_xasprintf ("the agent reported no result for this test (its task ended with "
                                "exit status %d)", d->exit_status);
    if (!self->stopping && !run_stop_due (self)
        && fo_retry_any_held (self->retry, fo_task_tests (t), t->ntests)) {
        finish_tests (self, task, false, FO_ERROR, message, NULL, NULL, host);
        run_lease_again (self, task, FO_SCHED_RETRY);
    }
    else {
        finish_remaining (self, task, FO_ERROR, message, NULL, NULL, host);
        end_task (self, task);
    }
    free (message);
    run_apply_stop (self);
    return true;
}

/* The first test of the task without an outcome: the one that was running. */
static const char *
running_test (const fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    for (size_t i = 0; i < t->ntests; i++) {
        const fo_test_record *rec = fo_report_test (self->report, fo_task_tests (t)[i]);
        if (!rec->done && !fo_retry_held (self->retry, fo_task_tests (t)[i]))
            return rec->id;
    }
    for (size_t i = 0; i < t->ntests; i++) {
        const fo_test_record *rec = fo_report_test (self->report, fo_task_tests (t)[i]);
        if (!rec->done)
            return rec->id;
    }
    return NULL;
}

void
fo_run_agent_joined (fo_run *self, const fo_sched_agent *agent)
{
    fo_sched_agent_joined (self->sched, agent);
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_AGENT_JOINED,
        .u.agent = { .agent = agent->number, .host = host_of (self, agent->number),
                     .slots = agent->slots },
    });
}

/* Placement: the tasks no agent alive could ever take end not run, with
   why (fo_sched_take_impossible). */
void
fo_run_end_impossible (fo_run *self)
{
    size_t task;
    char why[512];
    while (!self->stopping && fo_sched_take_impossible (self->sched, &task, why, sizeof why)) {
        char *message = fo_xasprintf ("not run (no agent can take it: %s)", why);
        char *name = fo_tasks_name (self->tasks, task);
        fo_log (FO_LOG_WARN, ROLE, "%s %s", name, message);
        free (name);
        finish_remaining (self, task, FO_NOT_RUN, message, NULL, NULL, NULL);
        free (message);
        end_task (self, task);
    }
    run_apply_stop (self);
}

/* A discovery lease lost with its agent is leased again (up to
   max_attempts), or the discovery fails. */
static void
discovery_lost (fo_run *self, const fo_lease_rec *lease, const char *host, const char *why)
{
    size_t task = lease->task, d = self->plan->tasks[task].discovery;
    bool open = fo_discoveries_open (self->discoveries, d);
    if (open && !self->stopping
        && fo_tasks_rec (self->tasks, task)->attempts < self->options.max_attempts) {
        fo_log (FO_LOG_WARN, ROLE, "a discovery lease (attempt %u) was lost with host %s (%s): "
                "retrying", lease->attempt, host, why);
        run_queue_task (self, task, FO_SCHED_LOST);
        return;
    }
    if (open && !self->stopping) {
        char *message = fo_discoveries_lost (self->discoveries, d, host, why, lease->attempt,
                                             self->options.max_attempts);
        run_discovery_failed (self, d, message, NULL, 0, host);
        free (message);
    }
    run_discovery_ended (self, d);
    end_task (self, task);
}

void
fo_run_agent_lost (fo_run *self, uint32_t agent, const char *host, const char *why)
{
    fo_sched_agent_lost (self->sched, agent);
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_AGENT_LOST,
        .u.agent = { .agent = agent, .host = host, .why = why,
                     .slots = fo_sched_agent_of (self->sched, agent)
                              ? fo_sched_agent_of (self->sched, agent)->slots : 0 },
    });
    /* Retried tasks go back to the front of their queue; walking the
       leases backwards keeps them in their original order there. */
    for (uint64_t id = fo_leases_count (self->leases); id >= fo_leases_oldest (self->leases); id--) {
        fo_lease_rec *lease = fo_leases_get (self->leases, id);
        if (!lease || !lease->active || lease->agent != agent)
            continue;
        run_lease_ended (self, lease, id, FO_LEASE_LOST, host);
        fo_report_host_lost_lease (self->report, host);
        size_t task = lease->task;
        if (self->plan->tasks[task].discovery != FO_NO_DISCOVERY) {
            discovery_lost (self, lease, host, why);
            continue;
        }
        const char *running = running_test (self, task);
        if (!running) {
            end_task (self, task);
            continue;
        }
        if (!self->stopping && ++fo_tasks_rec (self->tasks, task)->lost < self->options.max_attempts) {
            fo_log (FO_LOG_WARN, ROLE, "lease %llu (attempt %u) was lost with host %s (%s): retrying",
                    (unsigned long long) id, lease->attempt, host, why);
            run_lease_again (self, task, FO_SCHED_LOST);
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
        end_task (self, task);
    }
    run_apply_stop (self);
}

/* ---- stopping ------------------------------------------------------------- */

static void
stop (fo_run *self, const char *reason, bool on_failures)
{
    if (self->stopping)
        return;
    self->stopping = true;
    self->stop_reason = fo_xstrdup (reason);
    fo_report_set_stop (self->report, reason, on_failures);
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_RUN_STOPPING,
        .u.run_stopping = { .reason = self->stop_reason, .on_failures = on_failures },
    });
    fo_sched_stop (self->sched);
    size_t task;
    while (fo_sched_drain (self->sched, &task))
        run_not_run_task (self, task);
    /* No task waits for a setup any more: do not wait for it either. */
    fo_fixtures_cancel_setups (self->fixtures);
}

void
fo_run_stop (fo_run *self, const char *reason)
{
    stop (self, reason, false);
}

void
fo_run_abort (fo_run *self, const char *reason)
{
    stop (self, reason, false);
    for (uint64_t id = fo_leases_oldest (self->leases); id <= fo_leases_count (self->leases); id++) {
        fo_lease_rec *lease = fo_leases_get (self->leases, id);
        if (lease->active)
            run_lease_ended (self, lease, id, FO_LEASE_ABORTED, host_of (self, lease->agent));
    }
    for (size_t task = 0; task < self->plan->ntasks; task++)
        if (fo_tasks_rec (self->tasks, task)->state != FO_TASK_ENDED)
            run_not_run_task (self, task);
    fo_fixtures_abort (self->fixtures);
}

/* Fail fast: the stop is applied once the call that reached maxfail has
   finished its own bookkeeping. */
void
run_apply_stop (fo_run *self)
{
    if (!run_stop_due (self) || self->stopping)
        return;
    char *reason = fo_xasprintf ("stopped after %u failure%s", self->options.maxfail,
                                 self->options.maxfail == 1 ? "" : "s");
    fo_log (FO_LOG_INFO, ROLE, "%s: stopping the run", reason);
    stop (self, reason, true);
    free (reason);
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
    for (uint64_t id = fo_leases_oldest (self->leases); id <= fo_leases_count (self->leases); id++) {
        const fo_lease_rec *lease = fo_leases_get (self->leases, id);
        if (lease->active)
            fn (arg, id, lease->agent);
    }
}

size_t
fo_run_in_flight (const fo_run *self)
{
    return fo_sched_in_flight (self->sched);
}

bool
fo_run_finished (const fo_run *self)
{
    return fo_tasks_all_ended (self->tasks) && !fo_fixtures_busy (self->fixtures);
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
    run_apply_stop (self);
}
