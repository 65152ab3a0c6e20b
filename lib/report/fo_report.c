/*  fo_report — the records of one run: filled once per test, counted, and
    turned into an exit status. Showing them is in fo_report_console.c and
    fo_report_json.c.

    A test that never received an outcome (the broker lost track of it, or
    the run was cut short before it was marked) is reported as not_run by
    every reader: a report must never make a missing result look like a
    pass, and an unfilled record's outcome field is FO_PASSED (zero).
*/
#include "fo_report.h"
#include "fo_report_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

fo_report *
fo_report_new (size_t ntests)
{
    fo_report *self = fo_xcalloc (1, sizeof *self);
    self->tests = fo_xcalloc (ntests ? ntests : 1, sizeof *self->tests);
    self->ntests = ntests;
    self->tests_cap = ntests ? ntests : 1;
    self->strings = fo_arena_new ();
    self->started_us = fo_now_us ();
    return self;
}

/* s in the report's arena, or the copy made last time when s is the same
   text: a stopped run's million "not run (...)" messages, the tests of one
   context, one host's results share one copy. NULL -> NULL. */
static char *
shared_copy (fo_report *self, char **last, const char *s)
{
    if (!s)
        return NULL;
    if (!*last || strcmp (*last, s) != 0)
        *last = fo_arena_strdup (self->strings, s);
    return *last;
}

void
fo_report_set_test (fo_report *self, size_t index, const char *id, const char *context)
{
    if (index >= self->ntests)
        return;
    fo_test_record *rec = &self->tests[index];
    /* In the report's arena: a million small copies, freed at once. Tests
       come context by context, so the last context's copy is shared. */
    rec->id = fo_arena_strdup (self->strings, id ? id : "");
    rec->context = shared_copy (self, &self->last_context, context ? context : "");
}

void
fo_report_set_test_borrowed (fo_report *self, size_t index, const char *id, const char *context)
{
    if (index >= self->ntests)
        return;
    fo_test_record *rec = &self->tests[index];
    rec->id = (char *) (id ? id : "");
    rec->context = shared_copy (self, &self->last_context, context ? context : "");
}

size_t
fo_report_add_test (fo_report *self, const char *id, const char *context)
{
    if (self->ntests == self->tests_cap) {
        self->tests_cap = self->tests_cap ? self->tests_cap * 2 : 64;
        self->tests = fo_xrealloc (self->tests, self->tests_cap * sizeof *self->tests);
    }
    size_t index = self->ntests++;
    memset (&self->tests[index], 0, sizeof self->tests[index]);
    fo_report_set_test (self, index, id, context);
    return index;
}

/*  Captured output may hold NUL bytes, so it is copied by length. An empty
    or absent stream is stored as NULL: readers then have one case only. */
static char *
dup_bytes (const char *data, size_t len, size_t *out_len)
{
    if (!data || len == 0) {
        *out_len = 0;
        return NULL;
    }
    *out_len = len;
    return fo_xstrndup (data, len);
}

/* The same for a record, whose lengths are 32-bit: its output came in one
   result message, at most 16 MiB long (FO_PROTO_MAX_MESSAGE; nothing
   longer can come, the clamp only keeps the cast defined). */
static char *
dup_record_bytes (const char *data, size_t len, uint32_t *out_len)
{
    size_t n;
    char *copy = dup_bytes (data, len <= UINT32_MAX ? len : UINT32_MAX, &n);
    *out_len = (uint32_t) n;
    return copy;
}

static fo_test_extra *
extra_of (fo_test_record *rec)
{
    if (!rec->extra)
        rec->extra = fo_xcalloc (1, sizeof *rec->extra);
    return rec->extra;
}

static fo_attempt *
add_attempt (fo_report *self, fo_test_record *rec, const fo_test_result_view *r)
{
    fo_report_count_try (self, r->host, r->outcome, r->duration_us);
    fo_test_extra *x = extra_of (rec);
    x->attempts = fo_xrealloc (x->attempts, (rec->nattempts + 1) * sizeof *x->attempts);
    fo_attempt *a = &x->attempts[rec->nattempts++];
    *a = (fo_attempt) {
        .attempt = r->attempt,
        .outcome = r->outcome,
        .duration_us = r->duration_us,
        /* Shared copies in the report's arena, as the record's own: a
           try's message is "" and its host the last one's as a rule, so
           a test's one try costs no allocation for them (two mallocs and
           frees a test before). */
        .message = shared_copy (self, &self->last_message, r->message),
        .host = shared_copy (self, &self->last_host_copy, r->host),
        .worker = r->worker,
    };
    return a;
}

fo_attempt
fo_report_try (const fo_test_record *rec, size_t i)
{
    if (!rec->final_try || i + 1 < rec->nattempts)
        return rec->extra->attempts[i];
    return (fo_attempt) {
        .attempt = rec->attempt, .outcome = rec->outcome, .duration_us = rec->duration_us,
        .message = rec->message, .host = rec->host, .worker = rec->worker,
    };
}

bool
fo_report_retry_test (fo_report *self, size_t index, const fo_test_result_view *r)
{
    if (index >= self->ntests || (unsigned) r->outcome >= FO_OUTCOME_COUNT)
        return false;
    fo_test_record *rec = &self->tests[index];
    if (rec->done)
        return false;
    fo_attempt *a = add_attempt (self, rec, r);
    a->out = dup_bytes (r->out, r->out_len, &a->out_len);
    a->err = dup_bytes (r->err, r->err_len, &a->err_len);
    return true;
}

bool
fo_report_finish_last_try (fo_report *self, size_t index)
{
    if (index >= self->ntests)
        return false;
    fo_test_record *rec = &self->tests[index];
    if (rec->done || rec->nattempts == 0)
        return false;
    fo_attempt *a = &rec->extra->attempts[rec->nattempts - 1];
    rec->done = true;
    rec->final_try = true;      /* its entry stays, its output moved below */
    rec->outcome = a->outcome;
    self->ndone++;
    self->done_counts[rec->outcome]++;
    rec->duration_us = a->duration_us;
    rec->message = shared_copy (self, &self->last_message, a->message);
    rec->host = shared_copy (self, &self->last_host_copy, a->host);
    rec->worker = a->worker;
    rec->attempt = a->attempt;
    /* The last try's output moves to the record (never kept twice). */
    rec->out = a->out;
    rec->out_len = (uint32_t) a->out_len;      /* a result's: at most 16 MiB */
    rec->err = a->err;
    rec->err_len = (uint32_t) a->err_len;
    a->out = a->err = NULL;
    a->out_len = a->err_len = 0;
    return true;
}

bool
fo_report_finish_test (fo_report *self, size_t index, const fo_test_result_view *r)
{
    if (index >= self->ntests || (unsigned) r->outcome >= FO_OUTCOME_COUNT)
        return false;
    fo_test_record *rec = &self->tests[index];
    if (rec->done)
        return false;           /* a retry or a late duplicate: first one wins */
    rec->flaky = r->outcome == FO_PASSED && rec->nattempts > 0;
    if (r->attempt > 0 && r->outcome != FO_NOT_RUN) {   /* a try that did not run is none */
        /* The final try is the record's own fields below (fo_report_try). */
        fo_report_count_try (self, r->host, r->outcome, r->duration_us);
        rec->nattempts++;
        rec->final_try = true;
    }
    rec->done = true;
    rec->outcome = r->outcome;
    rec->duration_us = r->duration_us;
    rec->out = dup_record_bytes (r->out, r->out_len, &rec->out_len);
    rec->err = dup_record_bytes (r->err, r->err_len, &rec->err_len);
    /* The wire has no null: an empty message means there is nothing to say. */
    rec->message = r->message && *r->message
                   ? shared_copy (self, &self->last_message, r->message) : NULL;
    rec->host = shared_copy (self, &self->last_host_copy, r->host);
    rec->worker = r->worker;
    rec->attempt = r->attempt;
    rec->serial = r->serial;
    rec->by_failure = r->outcome == FO_NOT_RUN && r->by_failure;
    self->ndone++;
    self->done_counts[rec->outcome]++;
    self->nflaky += rec->flaky;
    self->nby_failure += rec->by_failure;
    self->ndisabled += r->outcome == FO_NOT_RUN && r->disabled && !rec->by_failure;
    return true;
}

const fo_fixture_error *
fo_report_add_fixture_error (fo_report *self, const char *context, const char *phase,
                             const char *message, const char *out, size_t out_len,
                             const char *err, size_t err_len, const char *host)
{
    if (self->nfixture_errors == self->nfixture_errors_cap) {
        self->nfixture_errors_cap = self->nfixture_errors_cap ? self->nfixture_errors_cap * 2 : 4;
        self->fixture_errors = fo_xrealloc (self->fixture_errors,
                                            self->nfixture_errors_cap * sizeof *self->fixture_errors);
    }
    fo_fixture_error *fe = &self->fixture_errors[self->nfixture_errors++];
    memset (fe, 0, sizeof *fe);
    fe->context = fo_xstrdup (context ? context : "");
    fe->phase = fo_xstrdup (phase ? phase : "setup");
    fe->message = fo_xstrdup (message);
    fe->out = dup_bytes (out, out_len, &fe->out_len);
    fe->err = dup_bytes (err, err_len, &fe->err_len);
    fe->host = fo_xstrdup (host);
    return fe;
}

void
fo_report_destroy (fo_report **self_p)
{
    fo_report *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->ntests; i++) {
        fo_test_record *rec = &self->tests[i];
        free (rec->out);
        free (rec->err);
        if (!rec->extra)
            continue;
        for (size_t k = 0; rec->extra->attempts && k + rec->final_try < rec->nattempts; k++) {
            free (rec->extra->attempts[k].out);
            free (rec->extra->attempts[k].err);
        }
        free (rec->extra->attempts);
        fo_strv_free (&rec->extra->outputs);
        free (rec->extra);
    }
    fo_report_free_hosts (self);
    free (self->tests);
    fo_arena_destroy (&self->strings);
    for (size_t i = 0; i < self->nfixture_errors; i++) {
        fo_fixture_error *fe = &self->fixture_errors[i];
        free (fe->context);
        free (fe->phase);
        free (fe->message);
        free (fe->out);
        free (fe->err);
        free (fe->host);
    }
    free (self->fixture_errors);
    free (self->suite);
    free (self->stop_reason);
    free (self);
    *self_p = NULL;
}

size_t
fo_report_ndone (const fo_report *self)
{
    return self->ndone;
}

void
fo_report_counts (const fo_report *self, size_t counts[FO_OUTCOME_COUNT])
{
    memcpy (counts, self->done_counts, FO_OUTCOME_COUNT * sizeof counts[0]);
    counts[FO_NOT_RUN] += self->ntests - self->ndone;   /* no outcome: not run */
}

size_t
fo_report_counted (const fo_report *self)
{
    return self->ntests - self->nsummary;
}

bool
fo_report_set_summary (fo_report *self, size_t index)
{
    if (index >= self->ntests)
        return false;
    fo_test_record *rec = &self->tests[index];
    if (!rec->done || rec->summary)
        return false;
    rec->summary = true;
    self->done_counts[rec->outcome]--;
    self->nsummary++;       /* still done: never counted as left to run */
    return true;
}

void
fo_report_set_stop (fo_report *self, const char *reason, bool on_failures)
{
    free (self->stop_reason);
    self->stop_reason = fo_xstrdup (reason);
    self->stopped_on_failures = on_failures;
}

size_t
fo_report_flaky_count (const fo_report *self)
{
    return self->nflaky;
}

int
fo_report_exit_status (const fo_report *self)
{
    size_t counts[FO_OUTCOME_COUNT];
    fo_report_counts (self, counts);
    if (self->interrupted)
        return FO_EXIT_INTERRUPTED;
    /* Infra wins: a run that could not even run a test says nothing about
       the code, and CI should retry it rather than blame a commit. Not so
       after --maxfail: those tests were not run because others failed. */
    if (counts[FO_NOT_RUN] > self->nby_failure + self->ndisabled && !self->stopped_on_failures)
        return FO_EXIT_INFRA;
    bool failed = self->nfixture_errors || self->stopped_on_failures;
    for (int o = 0; o < FO_OUTCOME_COUNT && !failed; o++)
        failed = counts[o] && fo_outcome_is_failure ((fo_outcome) o);
    if (failed)
        return FO_EXIT_FAILED;
    if (self->fail_on_flaky && fo_report_flaky_count (self))
        return FO_EXIT_FAILED;
    return FO_EXIT_OK;
}

/* ---- accessors ------------------------------------------------------------ */

size_t
fo_report_ntests (const fo_report *self)
{
    return self->ntests;
}

const fo_test_record *
fo_report_test (const fo_report *self, size_t index)
{
    return index < self->ntests ? &self->tests[index] : NULL;
}

size_t
fo_report_nfixture_errors (const fo_report *self)
{
    return self->nfixture_errors;
}

const fo_fixture_error *
fo_report_fixture_error (const fo_report *self, size_t index)
{
    return index < self->nfixture_errors ? &self->fixture_errors[index] : NULL;
}

const char *
fo_report_stop_reason (const fo_report *self)
{
    return self->stop_reason;
}

bool
fo_report_stopped_on_failures (const fo_report *self)
{
    return self->stopped_on_failures;
}

const char *
fo_report_suite (const fo_report *self)
{
    return self->suite;
}

void
fo_report_set_suite (fo_report *self, const char *path)
{
    free (self->suite);
    self->suite = fo_xstrdup (path);
}

uint32_t
fo_report_jobs (const fo_report *self)
{
    return self->jobs;
}

void
fo_report_set_jobs (fo_report *self, uint32_t jobs)
{
    self->jobs = jobs;
}

uint64_t
fo_report_started_us (const fo_report *self)
{
    return self->started_us;
}

void
fo_report_set_started_us (fo_report *self, uint64_t us)
{
    self->started_us = us;
}

uint64_t
fo_report_finished_us (const fo_report *self)
{
    return self->finished_us;
}

void
fo_report_set_finished_us (fo_report *self, uint64_t us)
{
    self->finished_us = us;
}

bool
fo_report_interrupted (const fo_report *self)
{
    return self->interrupted;
}

void
fo_report_set_interrupted (fo_report *self, bool interrupted)
{
    self->interrupted = interrupted;
}

bool
fo_report_fail_on_flaky (const fo_report *self)
{
    return self->fail_on_flaky;
}

void
fo_report_set_fail_on_flaky (fo_report *self, bool fail_on_flaky)
{
    self->fail_on_flaky = fail_on_flaky;
}

void
fo_report_add_output (fo_report *self, size_t index, const char *path)
{
    if (index >= self->ntests)
        return;
    fo_test_record *rec = &self->tests[index];
    fo_strv *outputs = &extra_of (rec)->outputs;
    if (!fo_strv_contains (outputs, path))
        fo_strv_push (outputs, path);
}
