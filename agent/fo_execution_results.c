/*  fo_execution_results — what a step's end reports (see
    internal/fo_execution_state.h): results, discoveries, the first
    failure. */
#include "fo_execution_state.h"

#include <stdlib.h>
#include <string.h>

#include "fo_discover_step.h"
#include "fo_runner.h"

/* joined, group: a joined test's (fo_reader.h), NULL for the step's own. */
void
fo_exec_emit_joined (fo_execution *self, size_t step, const char *test, const char *joined,
                     const char *group, fo_outcome outcome, uint64_t duration_us, const char *out,
                     size_t out_len, const char *err, size_t err_len, const char *message)
{
    fo_result r = {
        .lease = self->lease.lease,
        .step = (uint32_t) step,
        .test = (char *) test,
        .outcome = outcome,
        .duration_us = duration_us,
        .out = (char *) (out ? out : ""),
        .out_len = out ? out_len : 0,
        .err = (char *) (err ? err : ""),
        .err_len = err ? err_len : 0,
        .message = (char *) (message ? message : ""),
        .host = self->host,
        .worker = self->worker,
        .attempt = self->lease.attempt,
        .joined = (char *) (joined ? joined : ""),
        .group = (char *) (group ? group : ""),
        .interrupt = self->interrupt_result,
    };
    /* A joined test's failure is its own: the step's test (which CTest
       fixtures may need) has its own verdict. */
    if (*r.test && !*r.joined && (fo_outcome_is_failure (outcome) || outcome == FO_NOT_RUN))
        fo_strv_push (&self->not_passed, test);
    self->on_result (self->arg, &r);
}

void
fo_exec_emit (fo_execution *self, size_t step, const char *test, fo_outcome outcome,
              uint64_t duration_us, const char *out, size_t out_len, const char *err, size_t err_len,
              const char *message)
{
    fo_exec_emit_joined (self, step, test, NULL, NULL, outcome, duration_us, out, out_len, err,
                         err_len, message);
}

void
fo_exec_note_failure (fo_execution *self, int32_t exit_status, int32_t sig)
{
    if (self->exit_status == 0 && self->signal == 0) {
        self->exit_status = exit_status;
        self->signal = sig;
    }
}

/* Every test of a step gets the same outcome (a step that could not run). */
void
fo_exec_emit_all (fo_execution *self, size_t step, fo_outcome outcome, const char *out,
                  size_t out_len, const char *err, size_t err_len, const char *message)
{
    const fo_step *s = &self->lease.steps[step];
    for (size_t i = 0; i < s->tests.len; i++)
        fo_exec_emit (self, step, s->tests.items[i], outcome, 0, out, out_len, err, err_len,
                      message);
}

/* A discover step's answer (before its process is destroyed); why is NULL
   when it succeeded. */
void
fo_exec_discovered (fo_execution *self, size_t step, const char *why)
{
    fo_msg msg = { .type = FO_MSG_DISCOVERED };
    fo_discovered *d = &msg.u.discovered;
    if (self->running)
        fo_discover_step_answer (d, self->lease.steps[step].reader, fo_runner_status (self->runner),
                                 fo_runner_output (self->runner, 1),
                                 fo_runner_output (self->runner, 2), why, self->lease.output_cap);
    else {
        d->error = fo_xstrdup (why);
        d->err = fo_xstrdup ("");
    }
    d->lease = self->lease.lease;
    d->step = (uint32_t) step;
    if (self->on_discovered)
        self->on_discovered (self->arg, d);
    fo_msg_free (&msg);
}

/* A result from the running step's reader. */
void
fo_exec_read_result (void *arg, const fo_read_result *r)
{
    fo_execution *self = arg;
    size_t step = self->current;
    for (size_t k = 0; self->joining && k < self->ngroup; k++)
        if (!strcmp (self->parts[k]->tests.items[0], r->test)) {
            step = self->group[k];
            break;
        }
    /* A test that stops the run (fo_read_result.interrupt): its result says
       so to the broker, and its lease stops here as for a cancel once the
       step has ended (finish_step), so that none of the lease's tests runs
       after it while the broker's cancels are on their way. */
    self->interrupt_result = r->interrupt && !r->joined;
    if (self->interrupt_result)
        self->interrupted = true;
    fo_exec_emit_joined (self, step, r->test, r->joined, r->group, r->outcome, r->duration_us,
                         r->out, r->out_len, r->err, r->err_len, r->message);
    self->interrupt_result = false;
}

/* Output as it arrives, for readers that stream. */
void
fo_exec_read_output (void *arg, int stream, const char *data, size_t len)
{
    fo_execution *self = arg;
    if (self->read)
        fo_read_feed (self->read, stream, data, len);
}
