/*  fo_run_discovery — tests generated during the run: a discover step's
    names join the suite, the plan (fo_plan_grow), the report and the queue;
    a unit that holds the discovering context waits until it has answered.
    See fo_run.h for the rules. */
#include "fo_run_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_log.h"

/* A task that may be leased now: queued, or ended at once when it has
   nothing to run (a unit whose discoveries found nothing) or the run stops. */
static void
queue_task (fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    self->tasks[task].state = TASK_PENDING;
    if (self->stopping)
        run_not_run_task (self, task);
    else if (t->ntests == 0 && t->discovery == FO_NO_DISCOVERY)
        run_end_task (self, task);
    else
        run_deque_push_back (t->serial ? &self->serial : &self->ready, task);
}

/* The plan grew: the report, the id index, the task records and the
   shared fixtures' counts learn of the new tests and tasks, which queue. */
static void
sync_growth (fo_run *self, size_t old_ntests, size_t old_ntasks)
{
    if (self->plan->ntests > old_ntests) {
        /* Per-test state grows with the tests (a few discoveries per run). */
        self->pending = fo_xrealloc (self->pending, self->plan->ntests * sizeof *self->pending);
        memset (self->pending + old_ntests, 0,
                (self->plan->ntests - old_ntests) * sizeof *self->pending);
    }
    for (size_t i = old_ntests; i < self->plan->ntests; i++) {
        const fo_test *test = self->plan->tests[i];
        fo_report_add_test (self->report, test->id, test->parent->id);
        zhashx_insert (self->test_index, test->id, (void *) (uintptr_t) (i + 1));
    }
    if (self->plan->ntasks > self->tasks_cap) {
        size_t cap = self->tasks_cap;
        while (cap < self->plan->ntasks)
            cap *= 2;
        self->tasks = fo_xrealloc (self->tasks, cap * sizeof *self->tasks);
        memset (self->tasks + self->tasks_cap, 0, (cap - self->tasks_cap) * sizeof *self->tasks);
        self->tasks_cap = cap;
    }
    for (size_t t = old_ntasks; t < self->plan->ntasks; t++) {
        const fo_task *task = &self->plan->tasks[t];
        if (task->nshared > 0)
            fo_fixtures_add_task (self->fixtures, task->shared[task->nshared - 1]);
        queue_task (self, t);
    }
}

/* Discovery d has ended, with or without tests: the unit that waited for
   it may go. Its context now holds every test it will have. */
void
run_discovery_ended (fo_run *self, size_t d)
{
    if (self->answered[d])
        return;
    self->answered[d] = true;
    /* The suite the run's plan was built from, which the run grows. */
    ((fo_context *) self->plan->discoveries[d].ctx)->discover_answered = true;
    size_t old_ntests = self->plan->ntests, old_ntasks = self->plan->ntasks;
    size_t unit = fo_plan_discovery_done (self->plan, d);
    sync_growth (self, old_ntests, old_ntasks);
    if (unit != FO_NO_TASK && self->tasks[unit].state == TASK_BLOCKED)
        queue_task (self, unit);
}

void
run_discovery_failed (fo_run *self, size_t d, const char *message, const char *err, size_t err_len,
                  const char *host)
{
    fo_report_add_fixture_error (self->report, self->plan->discoveries[d].ctx->id, "discover",
                                 message, NULL, 0, err, err_len, host);
    run_discovery_ended (self, d);
}

void
run_discovery_lost (fo_run *self, const lease_rec *lease, const char *host, const char *why)
{
    size_t task = lease->task, d = self->plan->tasks[task].discovery;
    if (!self->answered[d] && !self->stopping
        && self->tasks[task].attempts < self->options.max_attempts) {
        fo_log (FO_LOG_WARN, ROLE, "a discovery lease (attempt %u) was lost with host %s (%s): "
                "retrying", lease->attempt, host, why);
        self->tasks[task].state = TASK_PENDING;
        run_deque_push_front (&self->ready, task);
        return;
    }
    if (!self->answered[d] && !self->stopping) {
        char *message = fo_xasprintf ("host %s was lost (%s) while running the discover command "
                                      "of context '%s' (attempt %u of %u)", host, why,
                                      self->plan->discoveries[d].ctx->id, lease->attempt,
                                      self->options.max_attempts);
        run_discovery_failed (self, d, message, NULL, 0, host);
        free (message);
    }
    run_discovery_ended (self, d);
    run_end_task (self, task);
}

/* The names must give new ids: unique among themselves and beside the
   tests the context has (from the file or an earlier discovery). */
static int
check_names (const fo_context *ctx, const fo_strv *names, char *why, size_t whylen)
{
    zhashx_t *seen = zhashx_new ();
    int rc = 0;
    for (size_t i = 0; i < ctx->ntests; i++)
        zhashx_insert (seen, ctx->tests[i]->name, (void *) 1);
    for (size_t i = 0; i < names->len && rc == 0; i++)
        if (zhashx_insert (seen, names->items[i], (void *) 2) != 0) {
            bool earlier = (uintptr_t) zhashx_lookup (seen, names->items[i]) == 2;
            snprintf (why, whylen, "name %zu: duplicate test id '%s%s%s' (%s)", i + 1, ctx->id,
                      ctx->id[0] ? "/" : "", names->items[i],
                      earlier ? "printed twice" : "already in the suite");
            rc = -1;
        }
    zhashx_destroy (&seen);
    return rc;
}

bool
fo_run_discovered (fo_run *self, uint32_t agent, const char *host, const fo_discovered *msg)
{
    lease_rec *lease = run_current_lease (self, agent, msg->lease, "discovered names");
    if (!lease)
        return false;
    size_t d = self->plan->tasks[lease->task].discovery;
    if (d == FO_NO_DISCOVERY || msg->step != 0 || self->answered[d]) {
        fo_log (FO_LOG_WARN, ROLE, "discarded discovered names for lease %llu: not an open "
                "discovery", (unsigned long long) msg->lease);
        return false;
    }
    fo_context *ctx = (fo_context *) self->plan->discoveries[d].ctx;     /* see discovery_ended */
    char why[512];
    if (msg->error[0] || check_names (ctx, &msg->names, why, sizeof why) != 0) {
        char *message = fo_xasprintf ("discover command of context '%s' failed on %s: %s", ctx->id,
                                      host, msg->error[0] ? msg->error : why);
        run_discovery_failed (self, d, message, msg->err, msg->err_len, host);
        free (message);
        return true;
    }
    size_t first = ctx->ntests;
    for (size_t i = 0; i < msg->names.len; i++)
        fo_context_add_discovered (ctx, msg->names.items[i]);
    size_t old_ntests = self->plan->ntests, old_ntasks = self->plan->ntasks;
    fo_plan_add_discovered (self->plan, d, first);
    sync_growth (self, old_ntests, old_ntasks);
    fo_log (FO_LOG_INFO, ROLE, "context '%s': %zu tests discovered on %s", ctx->id,
            msg->names.len, host);
    if (self->options.progress && self->options.verbosity == FO_VERBOSITY_LINES) {
        fprintf (self->options.progress, "%s: discovered %zu tests on %s (%zu tests in all)\n",
                 ctx->id, msg->names.len, host, self->plan->ntests);
        fflush (self->options.progress);
    }
    run_discovery_ended (self, d);
    return true;
}
