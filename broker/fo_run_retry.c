/*  fo_run_retry — retries of failed tests (fo_run_options.retries): a
    failed try is held, and the task is leased again with only the steps its
    held tests need, on an agent it has not failed on while one is alive.
    See fo_run.h for the rules. */
#include "fo_run_internal.h"

#include <stdlib.h>
#include <string.h>

#include "fo_steps.h"

static bool
failed_on (const task_rec *rec, uint32_t agent)
{
    for (size_t i = 0; i < rec->nfailed_on; i++)
        if (rec->failed_on[i] == agent)
            return true;
    return false;
}

/* A retry goes to an agent it has not failed on, while one is alive. */
bool
run_may_retry_on (const fo_run *self, size_t task, uint32_t agent)
{
    const task_rec *rec = &self->tasks[task];
    if (!failed_on (rec, agent))
        return true;
    for (size_t a = 0; a < self->alive_cap; a++)
        if (self->alive[a] && !failed_on (rec, (uint32_t) a))
            return false;   /* another agent can take it: wait for that one */
    return true;
}

/* Is this failed try to be retried? (Tries so far: those held.) */
bool
run_should_retry (const fo_run *self, size_t index, fo_outcome outcome)
{
    return run_is_failure (outcome) && !self->stopping && !self->stop_requested
           && self->report->tests[index].nattempts < self->options.retries
           && !self->report->tests[index].done;
}

void
run_hold_for_retry (fo_run *self, size_t index, const lease_rec *lease, const fo_test_result_view *view)
{
    if (!fo_report_retry_test (self->report, index, view))
        return;
    self->pending[index] = true;
    task_rec *rec = &self->tasks[lease->task];
    if (!failed_on (rec, lease->agent)) {
        rec->failed_on = fo_xrealloc (rec->failed_on, (rec->nfailed_on + 1) * sizeof *rec->failed_on);
        rec->failed_on[rec->nfailed_on++] = lease->agent;
    }
    const fo_test_record *test = &self->report->tests[index];
    if (self->options.progress) {
        fo_report_progress_retry (self->options.progress, self->options.verbosity, test->id,
                                  &test->attempts[test->nattempts - 1], self->options.retries + 1);
        self->mid_line = self->options.verbosity == FO_VERBOSITY_DOTS;
    }
}

bool
run_has_pending (const fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    for (size_t i = 0; i < t->ntests; i++)
        if (self->pending[t->tests[i]])
            return true;
    return false;
}

/* The task's steps for its next lease: the test steps that report a test
   without an outcome, inside the fixtures that cover them (fo_steps.h).
   Shallow copies: the plan owns what they point to. */
static void
build_next_steps (fo_run *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    task_rec *rec = &self->tasks[task];
    bool *keep = fo_xcalloc (t->nsteps ? t->nsteps : 1, sizeof *keep);
    for (size_t i = 0; i < t->nsteps; i++) {
        const fo_step *s = &t->steps[i];
        for (size_t k = 0; s->kind == FO_STEP_TEST && k < s->tests.len && !keep[i]; k++) {
            uintptr_t index = (uintptr_t) zhashx_lookup (self->test_index, s->tests.items[k]);
            keep[i] = index && !self->report->tests[index - 1].done;
        }
    }
    free (rec->steps);
    rec->steps = fo_xcalloc (t->nsteps ? t->nsteps : 1, sizeof *rec->steps);
    rec->nsteps = fo_steps_subset (t->steps, t->nsteps, keep, rec->steps);
    free (keep);
}

/* The task goes back to be leased again, for its tests without an outcome.
   A retry of failed tests waits in `retry` (served first, preferring other
   agents); a lease lost with its agent goes to the front of its queue. */
void
run_schedule_again (fo_run *self, size_t task, bool lost)
{
    build_next_steps (self, task);
    self->tasks[task].state = TASK_PENDING;
    if (self->plan->tasks[task].serial)
        run_deque_push_front (&self->serial, task);
    else if (lost)
        run_deque_push_front (&self->ready, task);
    else {
        if (self->nretry == self->retry_cap) {
            self->retry_cap = self->retry_cap ? self->retry_cap * 2 : 16;
            self->retry = fo_xrealloc (self->retry, self->retry_cap * sizeof *self->retry);
        }
        self->retry[self->nretry++] = task;
    }
}
