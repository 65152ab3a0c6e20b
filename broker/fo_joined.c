/*  fo_joined — see fo_joined.h. */
#include "fo_joined.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_name.h"

/* A held joined result: what it needs to end later (strings owned). */
typedef struct {
    uint64_t lease;
    size_t program;
    char *group, *name;
    fo_test_result_view view;
} held_result;

/* Refusals for the run limit, per lease of a program (few: counted
   only past the limit). */
typedef struct {
    uint64_t lease;
    size_t program;
    size_t count;
} refusal;

struct fo_joined {
    fo_plan *plan;
    fo_report *report;
    fo_tasks *tasks;
    fo_verdicts *verdicts;
    bool hold;
    size_t max;             /* joined tests a run may add */
    size_t count;           /* joined tests in the report */
    size_t out_bytes;       /* of their stdout and stderr, held or reported */
    held_result *held;
    size_t nheld, held_cap;
    refusal *refused;
    size_t nrefused;
    uint32_t *failing;      /* per program (test index): its joined tests
                               that failed; grown to the highest such */
    size_t failing_cap;
};

fo_joined *
fo_joined_new (fo_plan *plan, fo_report *report, fo_tasks *tasks, fo_verdicts *verdicts,
               bool hold, size_t max)
{
    fo_joined *self = fo_xcalloc (1, sizeof *self);
    self->plan = plan;
    self->report = report;
    self->tasks = tasks;
    self->verdicts = verdicts;
    self->hold = hold;
    self->max = max ? max : FO_JOINED_MAX_RUN;
    return self;
}

static void
held_free (held_result *h)
{
    free (h->group);
    free (h->name);
    free ((char *) h->view.out);
    free ((char *) h->view.err);
    free ((char *) h->view.message);
    free ((char *) h->view.host);
}

void
fo_joined_destroy (fo_joined **self_p)
{
    fo_joined *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nheld; i++)
        held_free (&self->held[i]);
    free (self->held);
    free (self->refused);
    free (self->failing);
    free (self);
    *self_p = NULL;
}

size_t
fo_joined_count (const fo_joined *self)
{
    return self->count;
}

static void
count_refusal (fo_joined *self, uint64_t lease, size_t program)
{
    for (size_t i = 0; i < self->nrefused; i++)
        if (self->refused[i].lease == lease && self->refused[i].program == program) {
            self->refused[i].count++;
            return;
        }
    self->refused = fo_xrealloc (self->refused, (self->nrefused + 1) * sizeof *self->refused);
    self->refused[self->nrefused++] = (refusal) { .lease = lease, .program = program, .count = 1 };
}

/* The joined test's id, made as fo_context_add_joined makes it. */
static char *
joined_id (const fo_context *ctx, const char *group, const char *name)
{
    const char *base = ctx->id;
    return fo_xasprintf ("%s%s%s%s%s", base, *base ? "/" : "", group, *group ? "/" : "", name);
}

/* Ends the joined test now: a test of the suite, the plan and the report
   (one index for all three), then its outcome. */
static int
finish (fo_joined *self, uint64_t lease, size_t program, const char *group, const char *name,
        const fo_test_result_view *view, char *why, size_t whylen)
{
    fo_context *ctx = self->plan->tests[program]->parent;
    char *id = joined_id (ctx, group, name);
    size_t index = fo_tasks_test (self->tasks, id);
    if (index != FO_NO_TEST) {
        bool own = self->plan->tests[index]->joined;
        free (id);
        if (!own)
            return fo_err (why, whylen, "its id is a test of the suite");
        if (!fo_verdicts_finish (self->verdicts, index, view))
            return fo_err (why, whylen, "that test has its outcome already");
        return 0;
    }
    if (self->count >= self->max) {
        free (id);
        count_refusal (self, lease, program);
        return fo_err (why, whylen, "the run has %zu joined tests (its limit)", self->max);
    }
    free (id);
    fo_test *test = fo_context_add_joined (ctx, group, name);
    if (!test)
        return fo_err (why, whylen, "its id is taken");
    size_t old_ntests = self->plan->ntests;
    index = fo_plan_add_joined (self->plan, test);
    char *context = *group ? fo_xasprintf ("%s%s%s", ctx->id, *ctx->id ? "/" : "", group)
                           : fo_xstrdup (ctx->id);
    size_t at = fo_report_add_test (self->report, test->id, context);
    free (context);
    fo_tasks_grow (self->tasks, old_ntests);
    self->count++;
    if (at != index)
        return fo_err (why, whylen, "the report and the plan disagree on its index");
    if (fo_verdicts_finish (self->verdicts, index, view) && fo_outcome_is_failure (view->outcome)) {
        self->failing = fo_xgrow_to (self->failing, &self->failing_cap, program,
                                     sizeof *self->failing, 16);
        self->failing[program]++;
    }
    return 0;
}

size_t
fo_joined_failing (const fo_joined *self, size_t program)
{
    return program < self->failing_cap ? self->failing[program] : 0;
}

static char *
copy_bytes (const char *data, size_t len)
{
    char *copy = fo_xmalloc (len + 1);
    if (len)
        memcpy (copy, data, len);
    copy[len] = '\0';
    return copy;
}

/* The output a joined test keeps: its own bounded, and all of them
   (fo_joined.h). */
static void
bound_output (fo_joined *self, fo_test_result_view *view)
{
    if (view->out_len > FO_JOINED_MAX_OUTPUT)
        view->out_len = FO_JOINED_MAX_OUTPUT;
    if (view->err_len > FO_JOINED_MAX_OUTPUT)
        view->err_len = FO_JOINED_MAX_OUTPUT;
    size_t len = view->out_len + view->err_len;
    if (self->out_bytes + len > FO_JOINED_MAX_RUN_OUTPUT) {
        view->out_len = view->err_len = 0;
        return;
    }
    self->out_bytes += len;
}

/* The message a joined test keeps: at most FO_JOINED_MAX_OUTPUT bytes
   (cut with "..." where a character ends); *owned is what to free. */
static void
bound_message (fo_test_result_view *view, char **owned)
{
    *owned = NULL;
    if (!view->message || strlen (view->message) <= FO_JOINED_MAX_OUTPUT)
        return;
    fo_buf cut = { 0 };
    fo_name_escape (&cut, view->message, strlen (view->message), FO_JOINED_MAX_OUTPUT);
    *owned = fo_buf_steal (&cut);
    view->message = *owned;
}

int
fo_joined_add (fo_joined *self, uint64_t lease, size_t program, const fo_result *r,
               const fo_test_result_view *result, char *why, size_t whylen)
{
    fo_test_result_view bounded = *result;
    const fo_test_result_view *view = &bounded;
    const char *group = r->group ? r->group : "";
    char bad[512];
    if (!fo_name_check ("test", r->joined, strlen (r->joined), bad, sizeof bad)
        || (*group && !fo_name_check ("context", group, strlen (group), bad, sizeof bad)))
        return fo_err (why, whylen, "%s", bad);
    if (fo_report_test (self->report, program)->done)
        return fo_err (why, whylen, "the program's own test has its outcome already");
    bound_output (self, &bounded);
    char *message;
    bound_message (&bounded, &message);
    if (!self->hold) {
        int rc = finish (self, lease, program, group, r->joined, view, why, whylen);
        free (message);
        return rc;
    }
    if (self->nheld == self->held_cap) {
        self->held_cap = self->held_cap ? self->held_cap * 2 : 64;
        self->held = fo_xrealloc (self->held, self->held_cap * sizeof *self->held);
    }
    held_result *h = &self->held[self->nheld++];
    *h = (held_result) { .lease = lease, .program = program, .group = fo_xstrdup (group),
                         .name = fo_xstrdup (r->joined), .view = *view };
    h->view.out = copy_bytes (view->out, view->out_len);
    h->view.err = copy_bytes (view->err, view->err_len);
    h->view.message = fo_xstrdup (view->message ? view->message : "");
    h->view.host = view->host ? fo_xstrdup (view->host) : NULL;
    free (message);
    return 0;
}

size_t
fo_joined_settle (fo_joined *self, uint64_t lease, size_t program, bool keep)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->nheld; i++) {
        held_result *h = &self->held[i];
        if (h->lease != lease || h->program != program) {
            self->held[kept++] = *h;
            continue;
        }
        char why[256];
        if (keep)
            finish (self, lease, program, h->group, h->name, &h->view, why, sizeof why);
        held_free (h);
    }
    self->nheld = kept;
    size_t refused = 0;
    for (size_t i = 0; i < self->nrefused; i++)
        if (self->refused[i].lease == lease && self->refused[i].program == program) {
            refused = self->refused[i].count;
            self->refused[i] = self->refused[--self->nrefused];
            break;
        }
    return refused;
}

void
fo_joined_forget (fo_joined *self, uint64_t lease)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->nheld; i++) {
        if (self->held[i].lease == lease)
            held_free (&self->held[i]);
        else
            self->held[kept++] = self->held[i];
    }
    self->nheld = kept;
    for (size_t i = 0; i < self->nrefused;)
        if (self->refused[i].lease == lease)
            self->refused[i] = self->refused[--self->nrefused];
        else
            i++;
}
