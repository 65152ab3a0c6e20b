/*  fo_run_results — the part of the run that records what agents report:
    each test's result (masked of secrets, checked against its lease and
    step, held for a retry or final) and slow-step notices. See fo_run.h;
    it uses the run's helpers (fo_run_internal.h) and nothing calls back. */
#include "fo_run.h"
#include "fo_run_internal.h"
#include "fo_report_hosts.h"

#include <stdlib.h>
#include <string.h>

#include "fo_log.h"
#include "fo_mask.h"
#include "fo_name.h"

/* A result with the task's secret values masked out of its text. */
typedef struct {
    fo_buf out, err, message, joined, group;
} masked_result;

static void
mask_result (const fo_env *secrets, const fo_result *r, masked_result *m)
{
    fo_mask_secrets (secrets, r->out, r->out_len, &m->out);
    fo_mask_secrets (secrets, r->err, r->err_len, &m->err);
    fo_mask_secrets (secrets, r->message, strlen (r->message), &m->message);
    /* A joined test's name is the program's text too (a TAP description). */
    if (r->joined)
        fo_mask_secrets (secrets, r->joined, strlen (r->joined), &m->joined);
    if (r->group)
        fo_mask_secrets (secrets, r->group, strlen (r->group), &m->group);
}

static void
masked_result_free (masked_result *m)
{
    fo_buf_free (&m->out);
    fo_buf_free (&m->err);
    fo_buf_free (&m->message);
    fo_buf_free (&m->joined);
    fo_buf_free (&m->group);
}

static bool
step_reports (const fo_step *step, const char *test)
{
    for (size_t i = 0; i < step->tests.len; i++)
        if (strcmp (step->tests.items[i], test) == 0)
            return true;
    return false;
}

/* A failed try that will be retried: held, and its agent noted so that
   the retry prefers another. */
static void
hold_try (fo_run *self, size_t index, const fo_lease_rec *lease, const fo_test_result_view *view)
{
    if (fo_verdicts_hold (self->verdicts, index, view))
        fo_sched_failed_on (self->sched, lease->task, lease->agent);
}

/* --quarantine-hosts: a host whose failures stand far above the others'
   (fo_report_host_suspect) gets no more leases, as long as another host
   is there to take them (fo_sched_quarantine). What runs there finishes;
   its failed tries are retried elsewhere (the retry rule). */
static void
judge_host (fo_run *self, const char *host)
{
    const fo_host_stats *h = fo_report_find_host (self->report, host);
    if (!h || h->quarantined || !fo_report_host_suspect (self->report, h))
        return;
    if (!fo_sched_quarantine (self->sched, host))
        return;
    fo_report_host_set_quarantined (self->report, host);
    fo_log (FO_LOG_WARN, ROLE, "host %s quarantined: %zu of its %zu tries failed, %zu of %zu on "
            "the other hosts; no more leases go to it", host, h->failures, h->tries,
            fo_report_host_failures_elsewhere (self->report, h),
            fo_report_host_tries_elsewhere (self->report, h));
}

/* A joined test's result (fo_joined.h): a test the step's program named. */
static bool
record_joined (fo_run *self, const fo_task *t, const fo_step *step, const fo_lease_rec *lease,
               const char *host, const fo_result *r)
{
    size_t program = step->kind == FO_STEP_TEST && step_reports (step, r->test)
                     ? fo_tasks_test (self->tasks, r->test) : FO_NO_TEST;
    if (program == FO_NO_TEST) {
        fo_log_peer (FO_LOG_WARN, ROLE, host, "discarded a joined test's result for '%s': not a "
                     "test of lease %llu step %u", r->test, (unsigned long long) r->lease, r->step);
        return false;
    }
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
    };
    char why[600];
    if (fo_joined_add (self->joined, r->lease, program, r, &view, why, sizeof why) != 0) {
        fo_buf shown = { 0 };
        fo_name_escape (&shown, r->joined, strlen (r->joined), FO_ID_SHOWN);
        fo_log_peer (FO_LOG_DEBUG, ROLE, host, "discarded the result of joined test '%s' of '%s': "
                     "%s", shown.data, r->test, why);
        fo_buf_free (&shown);
        return false;
    }
    run_stop_due (self);
    run_apply_stop (self);
    return true;
}

/* The program's own view when the run refused some of its joined tests. */
static char *
refused_message (const fo_run *self, size_t refused, const fo_test_result_view *view)
{
    return fo_xasprintf ("%zu of the tests this program reported were not added: the run has "
                         "%zu joined tests, its limit; %s: %s", refused,
                         fo_joined_count (self->joined), fo_outcome_name (view->outcome),
                         view->message ? view->message : "");
}

static bool
record_result (fo_run *self, const fo_task *t, const fo_step *step, fo_lease_rec *lease,
               const char *host, const fo_result *r)
{
    if (r->joined && r->joined[0])
        return record_joined (self, t, step, lease, host, r);
    if (r->test[0] == '\0') {
        if (step->kind == FO_STEP_TEST) {
            fo_log_peer (FO_LOG_WARN, ROLE, host, "discarded a fixture error for a test step of "
                         "lease %llu", (unsigned long long) r->lease);
            return false;
        }
        /* Agents report steps in order: one fixture error per step at most. */
        if (r->step < lease->fixture_from)
            return false;
        lease->fixture_from = r->step + 1;
        fo_verdicts_fixture_error (self->verdicts, step->name, fo_step_kind_name (step->kind),
                                   r->message, r->out, r->out_len, r->err, r->err_len, host);
        run_start_next_step (self, lease, r->lease, r->step);
        return true;
    }
    if (!step_reports (step, r->test)) {
        fo_log_peer (FO_LOG_WARN, ROLE, host, "discarded a result for '%s': not a test of lease "
                     "%llu step %u", r->test, (unsigned long long) r->lease, r->step);
        return false;
    }
    size_t index = fo_tasks_test_in (self->tasks, lease->task, r->test);
    if (index == FO_NO_TEST)
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
        .by_failure = r->outcome == FO_NOT_RUN && !self->stopping
                      && (lease->timed_out
                          /* a CTest fixture's setup failed (fo_verdict.needs) */
                          || (step->reader == FO_READER_CTEST && step->verdict.needs.len > 0)
                          /* a Python context's setup failed: its one
                             fixture error is the failure (the agent makes
                             the tests in its scope not_run) */
                          || (step->reader == FO_READER_PYTHON && lease->fixture_from > 0)),
        .disabled = r->outcome == FO_NOT_RUN && self->plan->tests[index]->disabled,
    };
    if (r->outcome == FO_TIMEOUT)
        lease->timed_out = true;
    lease->worker = r->worker;
    bool recorded = true;
    bool retried = !self->stopping && !run_stop_due (self)
                   && fo_retry_wanted (self->retry, index, r->outcome);
    /* Its joined tests end first (or go with a try that is retried). */
    char *refused = NULL;
    size_t nrefused = fo_joined_settle (self->joined, r->lease, index, !retried);
    if (nrefused > 0) {
        refused = refused_message (self, nrefused, &view);
        view.message = refused;
        if (!fo_outcome_is_failure (view.outcome) || view.outcome == FO_FAILED)
            view.outcome = FO_ERROR;
    }
    if (retried)
        hold_try (self, index, lease, &view);
    else
        recorded = fo_verdicts_finish (self->verdicts, index, &view);
    /* A program's failure its failing points carry counts once: as them
       (docs/sources.md, "Each point a test of its own"), in the totals
       and for --maxfail alike. */
    if (recorded && !retried && fo_outcome_is_failure (view.outcome)
        && fo_joined_failing (self->joined, index) > 0)
        fo_verdicts_summary (self->verdicts, index);
    free (refused);
    run_stop_due (self);
    if (self->options.quarantine_hosts)
        judge_host (self, host);
    if (recorded)
        run_start_next_step (self, lease, r->lease, r->step);
    run_apply_stop (self);
    return recorded;
}

bool
fo_run_result (fo_run *self, uint32_t agent, const char *host, const fo_result *r)
{
    fo_lease_rec *lease = run_current_lease (self, agent, host, r->lease, "a result");
    if (!lease)
        return false;
    const fo_task *t = &self->plan->tasks[lease->task];
    size_t nsteps;
    const fo_step *steps = fo_tasks_steps (self->tasks, lease->task, &nsteps);
    if (r->step >= nsteps) {
        fo_log_peer (FO_LOG_WARN, ROLE, host, "discarded a result for step %u of lease %llu: it "
                     "has %zu steps", r->step, (unsigned long long) r->lease, nsteps);
        return false;
    }
    const fo_step *step = &steps[r->step];
    /* Secrets never reach the report: mask them where a test printed them. */
    const fo_env *secrets = run_task_exports (self, lease->task);
    masked_result masked = { 0 };
    fo_result copy;
    if (secrets && fo_mask_needed (secrets)) {
        mask_result (secrets, r, &masked);
        copy = *r;
        copy.out = masked.out.data, copy.out_len = masked.out.len;
        copy.err = masked.err.data, copy.err_len = masked.err.len;
        copy.message = masked.message.data;
        if (r->joined)
            copy.joined = masked.joined.data;
        if (r->group)
            copy.group = masked.group.data;
        r = &copy;
    }
    bool ok = record_result (self, t, step, lease, host, r);
    masked_result_free (&masked);
    /* A test that interrupted the run (a Python test's KeyboardInterrupt):
       the run stops as on SIGINT - nothing more is leased, the leases in
       flight are cancelled (the broker's loop, fo_run_stopping), what did
       not finish is not_run "not run (interrupted)" - and the report is
       marked interrupted (exit status 130). */
    if (ok && r->interrupt && !(r->joined && r->joined[0])) {
        if (r->test[0])
            fo_log_peer (FO_LOG_INFO, ROLE, host, "test '%s' interrupted the run", r->test);
        else
            fo_log_peer (FO_LOG_INFO, ROLE, host, "the %s of context '%s' interrupted the run",
                         fo_step_kind_name (step->kind), step->name);
        fo_report_set_interrupted (self->report, true);
        fo_run_stop (self, FO_INTERRUPT_REASON);
    }
    return ok;
}

bool
fo_run_slow (fo_run *self, uint32_t agent, const char *host, const fo_slow *slow)
{
    fo_lease_rec *lease = run_current_lease (self, agent, host, slow->lease, "a slow notice");
    if (!lease)
        return false;
    size_t nsteps;
    const fo_step *steps = fo_tasks_steps (self->tasks, lease->task, &nsteps);
    if (slow->step >= nsteps)
        return false;
    const fo_step *step = &steps[slow->step];
    const char *what = step->kind == FO_STEP_SETUP ? "setup of"
                     : step->kind == FO_STEP_TEARDOWN ? "teardown of" : NULL;
    const char *name = *step->name ? step->name : "<root>";
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_SLOW,
        .u.slow = { .what = what, .name = name, .elapsed_ms = slow->elapsed_ms,
                    .timeout_ms = step->timeout_ms, .host = host, .lease = slow->lease,
                    .agent = agent },
    });
    return true;
}


const char *
fo_run_output_test (fo_run *self, uint32_t agent, const char *host, uint64_t id, uint32_t step,
                    size_t *index)
{
    fo_lease_rec *lease = run_current_lease (self, agent, host, id, "an output");
    if (!lease)
        return NULL;
    size_t nsteps;
    const fo_step *steps = fo_tasks_steps (self->tasks, lease->task, &nsteps);
    if (step >= nsteps || steps[step].kind != FO_STEP_TEST || steps[step].tests.len == 0) {
        fo_log_peer (FO_LOG_WARN, ROLE, host, "discarded an output for step %u of lease %llu: "
                     "no test step", step, (unsigned long long) id);
        return NULL;
    }
    /* A step's files are its first test's (one test per step, as a rule). */
    const char *test = steps[step].tests.items[0];
    *index = fo_tasks_test (self->tasks, test);
    return *index == FO_NO_TEST ? NULL : test;
}
