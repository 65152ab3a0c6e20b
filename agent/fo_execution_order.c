/*  fo_execution_order — which of a lease's steps runs next (see
    internal/fo_execution_state.h): the setups whose scope is open, the
    steps skipped after a setup failed, what still runs after a cancel,
    CTest steps held back by their fixtures. */
#include "fo_execution_state.h"

#include <stdlib.h>
#include <string.h>

#include "fo_reader.h"
#include "fo_steps.h"

void
fo_exec_open_setup (fo_execution *self, size_t setup)
{
    /* At most one entry per setup step: the array never outgrows the lease. */
    if (!self->open_setups)
        self->open_setups = fo_xcalloc (self->lease.nsteps ? self->lease.nsteps : 1,
                                        sizeof *self->open_setups);
    self->open_setups[self->nopen++] = setup;
}

/* The teardown closes its context's setup: true when that setup had
   completed (and was still open). */
bool
fo_exec_close_setup (fo_execution *self, size_t teardown)
{
    size_t setup = fo_steps_setup_of (self->lease.steps, self->lease.nsteps, teardown);
    for (size_t i = self->nopen; setup != FO_STEPS_NONE && i-- > 0;)
        if (self->open_setups[i] == setup) {
            memmove (&self->open_setups[i], &self->open_setups[i + 1],
                     (self->nopen - i - 1) * sizeof *self->open_setups);
            self->nopen--;
            return true;
        }
    return false;
}

/* Steps from the failed setup's on are skipped up to the end of its scope. */
void
fo_exec_begin_skip (fo_execution *self, size_t setup, char *message)
{
    self->skipping = true;
    self->skip_end = fo_steps_scope_end (self->lease.steps, self->lease.nsteps, setup);
    self->skip_message = message;
    const fo_reader_ops *ops = fo_reader_find (self->lease.steps[setup].reader);
    self->skip_not_run = ops && ops->setup_failure_not_run;
}

void
fo_exec_end_skip (fo_execution *self)
{
    free (self->skip_message);
    fo_buf_free (&self->skip_out);
    fo_buf_free (&self->skip_err);
    self->skip_message = NULL;
    self->skipping = false;
}

/* A step that is skipped because its scope's setup failed: its tests are
   errors carrying the setup's output; fixtures inside the scope, and the
   failed setup's own teardown (its setup never completed), do not run. */
static void
skip_step (fo_execution *self, size_t index)
{
    const fo_step *step = &self->lease.steps[index];
    if (step->kind == FO_STEP_TEST && self->skip_not_run) {
        char *message = fo_xasprintf ("not run (%s)", self->skip_message);
        fo_exec_emit_all (self, index, FO_NOT_RUN, self->skip_out.data, self->skip_out.len,
                        self->skip_err.data, self->skip_err.len, message);
        free (message);
    }
    else if (step->kind == FO_STEP_TEST)
        fo_exec_emit_all (self, index, FO_ERROR, self->skip_out.data, self->skip_out.len,
                        self->skip_err.data, self->skip_err.len, self->skip_message);
}

/* After a cancel: tests are not run, setups are not started, and only the
   teardowns of setups that completed run. True when the step must run. */
bool
fo_exec_cancelled_step_runs (fo_execution *self, size_t index)
{
    const fo_step *step = &self->lease.steps[index];
    switch (step->kind) {
    case FO_STEP_TEST: {
        char *message = fo_xasprintf ("not run (%s)", self->cancel_reason);
        fo_exec_emit_all (self, index, FO_NOT_RUN, NULL, 0, NULL, 0, message);
        free (message);
        return false;
    }
    case FO_STEP_SETUP:
    case FO_STEP_DISCOVER:      /* no answer: the broker hears done, and why */
        return false;
    case FO_STEP_TEARDOWN:
        return fo_exec_close_setup (self, index) && !self->aborted;
    }
    return false;
}

/* A ctest step that must not start (fo_verdict): DISABLED, or a fixture
   setup it needs did not pass. Its tests' results are emitted here. */
static bool
ctest_held (fo_execution *self, size_t index)
{
    const fo_step *step = &self->lease.steps[index];
    if (step->kind != FO_STEP_TEST || step->reader != FO_READER_CTEST)
        return false;
    if (step->verdict.disabled) {
        fo_exec_emit_all (self, index, FO_SKIPPED, NULL, 0, NULL, 0, "disabled (DISABLED)");
        return true;
    }
    for (size_t i = 0; i < step->verdict.needs.len; i++)
        for (size_t k = 0; k < self->not_passed.len; k++)
            if (!strcmp (step->verdict.needs.items[i], self->not_passed.items[k])) {
                char *why = fo_xasprintf ("fixture setup '%s' did not pass",
                                          step->verdict.needs.items[i]);
                fo_exec_emit_all (self, index, FO_NOT_RUN, NULL, 0, NULL, 0, why);
                free (why);
                return true;
            }
    return false;
}

/* The next step to start, past those that do not run (skipped, or not
   run after a cancel; their results are emitted here); FO_STEPS_NONE when
   none is left. */
size_t
fo_exec_choose_next (fo_execution *self)
{
    while (self->next < self->lease.nsteps) {
        size_t index = self->next++;
        const fo_step *step = &self->lease.steps[index];
        if (self->done && self->done[index])
            continue;       /* its tests have results: it ran in a group */
        if (self->cancelled) {
            if (!fo_exec_cancelled_step_runs (self, index))
                continue;
        }
        else {
            /* The first step past the failed setup's scope runs normally. */
            if (self->skipping && index >= self->skip_end)
                fo_exec_end_skip (self);
            if (self->skipping) {
                skip_step (self, index);
                continue;
            }
            if (step->kind == FO_STEP_TEARDOWN)
                fo_exec_close_setup (self, index);
            if (ctest_held (self, index))
                continue;
        }
        return index;
    }
    return FO_STEPS_NONE;
}
