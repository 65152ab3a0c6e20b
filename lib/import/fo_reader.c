/*  fo_reader — see fo_reader.h. The registry, and the rule every reader
    shares: exactly one result per test of the step. */
#include "fo_reader.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_name.h"

/* The registry: one line per reader (its ops are defined in its file). */
extern const fo_reader_ops fo_reader_exit_status;
extern const fo_reader_ops fo_reader_tap;
extern const fo_reader_ops fo_reader_cmocka;
extern const fo_reader_ops fo_reader_glib;
extern const fo_reader_ops fo_reader_gtest;
extern const fo_reader_ops fo_reader_ctest;
extern const fo_reader_ops fo_reader_python;
static const fo_reader_ops *const registry[] = {
    &fo_reader_exit_status,
    &fo_reader_tap,
    &fo_reader_cmocka,
    &fo_reader_glib,
    &fo_reader_gtest,
    &fo_reader_ctest,
    &fo_reader_python,
};

const fo_reader_ops *
fo_reader_find (fo_reader id)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (registry[i]->id == id)
            return registry[i];
    return NULL;
}

struct fo_read {
    const fo_reader_ops *ops;
    void *state;
    const fo_step *step;
    bool *reported;             /* per test of the step */
    fo_read_emit_fn *emit;
    void *arg;
    bool ended;
    bool partial;               /* a joined step: no `error` for the rest */
    zhashx_t *joined;           /* "group\x1fname" of joined tests emitted */
    size_t njoined, dropped;
};

fo_read *
fo_read_new (const fo_read_step *step, fo_read_emit_fn *emit, void *arg)
{
    const fo_reader_ops *ops = fo_reader_find (step->step->reader);
    return ops ? fo_read_new_with (ops, step, emit, arg) : NULL;
}

fo_read *
fo_read_new_with (const fo_reader_ops *ops, const fo_read_step *step, fo_read_emit_fn *emit,
                  void *arg)
{
    fo_read *self = fo_xcalloc (1, sizeof *self);
    self->ops = ops;
    self->step = step->step;
    self->reported = fo_xcalloc (step->step->tests.len + 1, sizeof *self->reported);
    self->emit = emit;
    self->arg = arg;
    self->partial = step->nparts > 0;
    self->state = ops->begin (step);
    return self;
}

/* The names joined tests may not take, made at the first joined test: a
   step whose reader reports none (most steps: one process, one test) pays
   no table (a zhashx and a key per test of the step were a few percent of
   the agent loop's own time per tiny test). The step's own tests' names
   are taken: "prog/all" keeps its id. */
static zhashx_t *
joined_names (fo_read *self)
{
    if (self->joined)
        return self->joined;
    self->joined = zhashx_new ();
    for (size_t i = 0; i < self->step->tests.len; i++) {
        const char *id = self->step->tests.items[i];
        const char *slash = strrchr (id, '/');
        char *key = fo_xasprintf ("\x1f%s", slash ? slash + 1 : id);
        zhashx_insert (self->joined, key, (void *) 1);
        free (key);
    }
    return self->joined;
}

const fo_env *
fo_read_env (const fo_read *self)
{
    return self->ops->env ? self->ops->env (self->state) : NULL;
}

int
fo_read_pollfds (const fo_read *self, int fds[FO_READ_MAX_FDS])
{
    return self->ops->pollfds && !self->ended ? self->ops->pollfds (self->state, fds) : 0;
}

void
fo_read_service (fo_read *self)
{
    if (self->ops->service && !self->ended)
        self->ops->service (self->state);
}

void
fo_read_feed (fo_read *self, int stream, const char *data, size_t len)
{
    if (self->ops->feed && !self->ended)
        self->ops->feed (self->state, self, stream, data, len);
}

/* The index of test in the step's tests, or tests.len. Tests of one step
   are few (one, or one program's): a scan is enough. */
static size_t
index_of (const fo_read *self, const char *test)
{
    const fo_strv *tests = &self->step->tests;
    for (size_t i = 0; i < tests->len; i++)
        if (strcmp (tests->items[i], test) == 0)
            return i;
    return tests->len;
}

size_t
fo_read_joined_count (const fo_read *self)
{
    return self->njoined;
}

size_t
fo_read_joined_dropped (const fo_read *self)
{
    return self->dropped;
}

void
fo_read_joined_skip (fo_read *self, size_t n)
{
    self->dropped += n;
}

/* A joined test's result: its name made valid and unique, within the
   limit (fo_reader.h). */
static void
emit_joined (fo_read *self, const fo_read_result *result)
{
    if (self->njoined >= FO_READ_MAX_JOINED) {
        self->dropped++;
        return;
    }
    fo_buf name = { 0 }, group = { 0 };
    fo_name_make (&name, result->joined, strlen (result->joined), FO_READ_JOINED_NAME);
    if (name.len == 0)
        fo_buf_puts (&name, "unnamed");
    const char *g = result->group ? result->group : "";
    fo_name_make (&group, g, strlen (g), FO_READ_JOINED_NAME);
    char *key = fo_xasprintf ("%s\x1f%s", group.data, name.data);
    char *unique = NULL;
    zhashx_t *names = joined_names (self);
    for (size_t k = 2; zhashx_lookup (names, key); k++) {
        free (unique);
        free (key);
        unique = fo_xasprintf ("%s (%zu)", name.data, k);
        key = fo_xasprintf ("%s\x1f%s", group.data, unique);
    }
    zhashx_insert (names, key, (void *) 1);
    free (key);
    self->njoined++;
    fo_read_result r = *result;
    r.joined = unique ? unique : name.data;
    r.group = group.data;
    self->emit (self->arg, &r);
    free (unique);
    fo_buf_free (&name);
    fo_buf_free (&group);
}

/* The step's test's own result when joined tests were dropped: an error
   that says so, the reader's verdict kept in the message. */
static void
emit_over_limit (fo_read *self, const fo_read_result *result)
{
    fo_read_result r = *result;
    char *message = fo_xasprintf ("the program reported %zu tests of its own: only the first %u "
                                  "are in the report (at most %u per program)%s%s%s%s",
                                  self->njoined + self->dropped, FO_READ_MAX_JOINED,
                                  FO_READ_MAX_JOINED, *result->message ? "; " : "",
                                  *result->message ? fo_outcome_name (result->outcome) : "",
                                  *result->message ? ": " : "", result->message);
    r.message = message;
    if (!fo_outcome_is_failure (r.outcome) || r.outcome == FO_FAILED)
        r.outcome = FO_ERROR;
    self->emit (self->arg, &r);
    free (message);
}

void
fo_read_emit (fo_read *self, const fo_read_result *result)
{
    size_t i = index_of (self, result->test);
    if (result->joined) {
        if (i < self->step->tests.len && !self->reported[i])
            emit_joined (self, result);
        return;
    }
    if (i == self->step->tests.len || self->reported[i])
        return;     /* not this step's test, or reported already: one each */
    self->reported[i] = true;
    if (self->dropped)
        emit_over_limit (self, result);
    else
        self->emit (self->arg, result);
}

bool
fo_step_ending_stopped (const fo_step_ending *end)
{
    const fo_proc_status *st = end->status;
    bool exited_ok = st->exited && !st->timed_out && st->exit_code == 0;
    return end->stop_message && !exited_ok && !st->timed_out;
}

void
fo_read_emit_all (fo_read *self, const fo_step_ending *end, fo_outcome outcome,
                  const char *message)
{
    for (size_t i = 0; i < self->step->tests.len; i++) {
        fo_read_result r = {
            .test = self->step->tests.items[i],
            .outcome = outcome,
            .message = message,
            .duration_us = end->status->duration_us,
            .out = end->out,
            .out_len = end->out_len,
            .err = end->err,
            .err_len = end->err_len,
        };
        fo_read_emit (self, &r);
    }
}

bool
fo_read_reported (const fo_read *self, size_t test)
{
    return test < self->step->tests.len && self->reported[test];
}

void
fo_read_message (fo_buf *out, const char *text, size_t len, size_t max)
{
    char *flat = fo_xmalloc (len + 1);
    for (size_t i = 0; i < len; i++)
        flat[i] = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    fo_name_escape (out, flat, len, max);
    free (flat);
}

void
fo_read_end (fo_read *self, const fo_step_ending *end)
{
    if (self->ended)
        return;
    self->ops->end (self->state, self, end);
    self->ended = true;
    for (size_t i = 0; !self->partial && i < self->step->tests.len; i++)
        if (!self->reported[i]) {
            fo_read_result r = {
                .test = self->step->tests.items[i],
                .outcome = FO_ERROR,
                .message = "no result for this test in its step's output",
                .duration_us = end->status->duration_us,
                .out = end->out,
                .out_len = end->out_len,
                .err = end->err,
                .err_len = end->err_len,
            };
            fo_read_emit (self, &r);
        }
}

void
fo_read_destroy (fo_read **self_p)
{
    fo_read *self = *self_p;
    if (!self)
        return;
    self->ops->free (self->state);
    zhashx_destroy (&self->joined);
    free (self->reported);
    free (self);
    *self_p = NULL;
}
