/*  fo_reader — see fo_reader.h. The registry, and the rule every reader
    shares: exactly one result per test of the step. */
#include "fo_reader.h"

#include <stdlib.h>
#include <string.h>

#include "fo_name.h"

/* The registry: one line per reader (its ops are defined in its file). */
extern const fo_reader_ops fo_reader_exit_status;
/*LOCALFIX extern const fo_reader_ops fo_reader_tap;*/
/*LOCALFIX extern const fo_reader_ops fo_reader_cmocka;*/
extern const fo_reader_ops fo_reader_ctest;
static const fo_reader_ops *const registry[] = {
    &fo_reader_exit_status,
    /*LOCALFIX &fo_reader_tap,*/
    /*LOCALFIX &fo_reader_cmocka,*/
    &fo_reader_ctest,
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
    bool streams;               /* a stream step (fo_reader_streams) */
    size_t named;               /* tests reported by name */
    size_t dropped;             /* ... past FO_READ_MAX_TESTS */
    bool program_sent;          /* the program's verdict */
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
    self->streams = step->step->kind == FO_STEP_TEST && fo_reader_streams (step->step->reader);
    self->state = ops->begin (step);
    return self;
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

void
fo_read_emit (fo_read *self, const fo_read_result *result)
{
    size_t i = index_of (self, result->test);
    if (i == self->step->tests.len || self->reported[i])
        return;     /* not this step's test, or reported already: one each */
    self->reported[i] = true;
    self->emit (self->arg, result);
}

bool
fo_read_reported (const fo_read *self, size_t test)
{
    return test < self->step->tests.len && self->reported[test];
}

void
fo_read_emit_named (fo_read *self, const char *name, const fo_read_result *result)
{
    if (!self->streams || !fo_name_check ("test", name, strlen (name), NULL, 0))
        return;
    if (self->named >= FO_READ_MAX_TESTS) {
        self->dropped++;
        return;
    }
    char *id = *self->step->name ? fo_xasprintf ("%s/%s", self->step->name, name)
                                 : fo_xstrdup (name);
    fo_read_result r = *result;
    r.test = id;
    size_t i = index_of (self, id);
    if (i < self->step->tests.len)
        fo_read_emit (self, &r);        /* known from an earlier lease */
    else {
        self->named++;
        self->emit (self->arg, &r);
    }
    free (id);
}

void
fo_read_emit_program (fo_read *self, const fo_read_result *result)
{
    if (!self->streams || self->program_sent)
        return;
    self->program_sent = true;
    fo_read_result r = *result;
    r.test = "";
    self->emit (self->arg, &r);
}

size_t
fo_read_dropped (const fo_read *self)
{
    return self->dropped;
}

size_t
fo_read_named (const fo_read *self)
{
    return self->named;
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
    for (size_t i = 0; i < self->step->tests.len; i++)
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
    /* A stream step always ends with its program's verdict: it is how
       the broker knows the stream is complete. */
    if (self->streams && !self->program_sent) {
        fo_read_result r = {
            .outcome = FO_PASSED, .message = "", .duration_us = end->status->duration_us,
            .out = "", .err = "",
        };
        fo_read_emit_program (self, &r);
    }
}

void
fo_read_destroy (fo_read **self_p)
{
    fo_read *self = *self_p;
    if (!self)
        return;
    self->ops->free (self->state);
    free (self->reported);
    free (self);
    *self_p = NULL;
}
