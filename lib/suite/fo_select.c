/*  fo_select — see fo_select.h. The filter holds its expressions,
    patterns and labels in arrays (a command line gives a handful) and
    --lf-only's ids in a hash (the history may name thousands), so that
    choosing a test costs one lookup plus the expressions and patterns. */
#include "fo_select.h"
#include "fo_kexpr.h"
#include "fo_strmap.h"
#include "fo_suite_tree.h"
#include "fo_suite_with.h"

#include <stdlib.h>
#include <string.h>

struct fo_select {
    fo_kexpr **keywords;        /* -k: any of them */
    size_t nkeywords;
    fo_strv excludes;           /* --exclude: none of them */
    fo_strv labels;             /* -L: every one */
    fo_strv label_excludes;     /* --label-exclude: none */
    bool only;                  /* --lf-only was given */
    fo_strv only_ids;           /* its ids (owned), indexed: */
    zhashx_t *only_index;       /* id -> id */
};

fo_select *
fo_select_new (void)
{
    return fo_xcalloc (1, sizeof (fo_select));
}

void
fo_select_destroy (fo_select **self_p)
{
    fo_select *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nkeywords; i++)
        fo_kexpr_destroy (&self->keywords[i]);
    free (self->keywords);
    fo_strv_free (&self->excludes);
    fo_strv_free (&self->labels);
    fo_strv_free (&self->label_excludes);
    zhashx_destroy (&self->only_index);
    fo_strv_free (&self->only_ids);
    free (self);
    *self_p = NULL;
}

int
fo_select_add_keyword (fo_select *self, const char *expr, char *err, size_t errlen)
{
    fo_kexpr *k = fo_kexpr_parse (expr, strlen (expr), err, errlen);
    if (!k)
        return -1;
    self->keywords = fo_xrealloc (self->keywords, (self->nkeywords + 1) * sizeof *self->keywords);
    self->keywords[self->nkeywords++] = k;
    return 0;
}

void
fo_select_add_exclude (fo_select *self, const char *pattern)
{
    fo_strv_push (&self->excludes, pattern);
}

void
fo_select_add_label (fo_select *self, const char *label)
{
    fo_strv_push (&self->labels, label);
}

void
fo_select_add_label_exclude (fo_select *self, const char *label)
{
    fo_strv_push (&self->label_excludes, label);
}

void
fo_select_only_ids (fo_select *self, const char *const *ids, size_t nids)
{
    self->only = true;
    if (!self->only_index)
        self->only_index = fo_strmap_new ();
    /* The index points into only_ids' strings: it must not move them,
       and a strv's items are separate allocations (only the array of
       pointers grows). */
    for (size_t i = 0; i < nids; i++) {
        if (zhashx_lookup (self->only_index, ids[i]))
            continue;
        fo_strv_push (&self->only_ids, ids[i]);
        char *own = self->only_ids.items[self->only_ids.len - 1];
        zhashx_insert (self->only_index, own, own);
    }
}

bool
fo_select_active (const fo_select *self)
{
    return self && (self->nkeywords || self->excludes.len || self->labels.len
                    || self->label_excludes.len || self->only);
}

/* A label pattern against a test's labels (its own and its contexts'):
   exact, or a glob when it has * ? [ (case sensitive: labels are words
   compared exactly). */
static bool
has_label (const fo_test *test, const char *pattern)
{
    if (!strpbrk (pattern, "*?["))
        return fo_test_has_label (test, pattern);
    const fo_strv *own = fo_test_labels (test);
    for (size_t i = 0; i < own->len; i++)
        if (fo_glob_match (pattern, own->items[i], false))
            return true;
    for (const fo_context *c = test->parent; c; c = c->parent)
        for (size_t i = 0; i < c->labels.len; i++)
            if (fo_glob_match (pattern, c->labels.items[i], false))
                return true;
    return false;
}

bool
fo_select_test (const fo_select *self, const fo_test *test)
{
    if (!self)
        return true;
    if (self->only && !zhashx_lookup (self->only_index, test->id))
        return false;
    bool any = self->nkeywords == 0;
    for (size_t i = 0; i < self->nkeywords && !any; i++)
        any = fo_kexpr_match (self->keywords[i], test->id);
    if (!any)
        return false;
    for (size_t i = 0; i < self->excludes.len; i++)
        if (fo_pattern_match (self->excludes.items[i], test->id))
            return false;
    for (size_t i = 0; i < self->labels.len; i++)
        if (!has_label (test, self->labels.items[i]))
            return false;
    for (size_t i = 0; i < self->label_excludes.len; i++)
        if (has_label (test, self->label_excludes.items[i]))
            return false;
    return true;
}

static bool
chosen_by_filter (const fo_test *test, const void *arg)
{
    return fo_select_test (arg, test);
}

static bool
pending_discovery (const fo_context *ctx)
{
    return ctx->discover.argv.len > 0 && ctx->discover_on_agent && !ctx->discover_answered;
}

/* Whether ctx's subtree holds anything to run, as it is. */
static bool
live (const fo_context *ctx)
{
    if (ctx->ntests > 0 || pending_discovery (ctx))
        return true;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (live (ctx->contexts[i]))
            return true;
    return false;
}

/* Whether anything is left in ctx worth running. brought: tests kept
   because chosen ones bring them (fo_suite_with.h), or NULL. */
static bool
prune (fo_context *ctx, const fo_select *self, zhashx_t *brought)
{
    size_t kept = 0;
    for (size_t i = 0; i < ctx->ntests; i++) {
        if (fo_select_test (self, ctx->tests[i])
            || (brought && zhashx_lookup (brought, ctx->tests[i])))
            ctx->tests[kept++] = ctx->tests[i];
        else
            fo_test_remove (ctx->tests[i]);
    }
    ctx->ntests = kept;
    kept = 0;
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        if (prune (ctx->contexts[i], self, brought))
            ctx->contexts[kept++] = ctx->contexts[i];
        else
            fo_context_remove (ctx->contexts[i]);
    }
    ctx->ncontexts = kept;
    return ctx->ntests > 0 || ctx->ncontexts > 0 || pending_discovery (ctx);
}

bool
fo_suite_filter (fo_suite *suite, const fo_select *self)
{
    if (!suite->root)
        return false;
    if (!fo_select_active (self))
        return live (suite->root);      /* nothing to take away */
    if (!fo_context_brings (suite->root))
        return prune (suite->root, self, NULL);
    /* The fixture tests the chosen ones require come with them. */
    zhashx_t *brought = fo_pointer_set_new ();
    fo_suite_bring (suite, suite->root, false, chosen_by_filter, self, brought);
    bool left = prune (suite->root, self, brought);
    zhashx_destroy (&brought);
    return left;
}

void
fo_context_drop_from (fo_context *ctx, size_t first, size_t cfirst)
{
    for (size_t i = first; i < ctx->ntests; i++)
        fo_test_remove (ctx->tests[i]);
    if (first < ctx->ntests)
        ctx->ntests = first;
    for (size_t i = cfirst; i < ctx->ncontexts; i++)
        fo_context_remove (ctx->contexts[i]);
    if (cfirst < ctx->ncontexts)
        ctx->ncontexts = cfirst;
}

size_t
fo_context_filter_added (fo_suite *suite, fo_context *ctx, size_t first, size_t cfirst,
                         const fo_select *self)
{
    if (fo_select_active (self)) {
        /* The tests chosen among the added ones bring their fixtures. */
        zhashx_t *brought = fo_pointer_set_new ();
        fo_context added = { .tests = ctx->tests + first,
                             .ntests = first < ctx->ntests ? ctx->ntests - first : 0,
                             .contexts = ctx->contexts + cfirst,
                             .ncontexts = cfirst < ctx->ncontexts ? ctx->ncontexts - cfirst : 0 };
        if (fo_context_brings (&added))
            fo_suite_bring (suite, &added, false, chosen_by_filter, self, brought);
        size_t kept = first;
        for (size_t i = first; i < ctx->ntests; i++) {
            if (fo_select_test (self, ctx->tests[i]) || zhashx_lookup (brought, ctx->tests[i]))
                ctx->tests[kept++] = ctx->tests[i];
            else
                fo_test_remove (ctx->tests[i]);
        }
        ctx->ntests = kept;
        kept = cfirst;
        for (size_t i = cfirst; i < ctx->ncontexts; i++) {
            if (prune (ctx->contexts[i], self, brought))
                ctx->contexts[kept++] = ctx->contexts[i];
            else
                fo_context_remove (ctx->contexts[i]);
        }
        ctx->ncontexts = kept;
        zhashx_destroy (&brought);
    }
    size_t n = first < ctx->ntests ? ctx->ntests - first : 0;
    for (size_t i = cfirst; i < ctx->ncontexts; i++)
        n += fo_context_count_tests (ctx->contexts[i]);
    return n;
}

size_t
fo_context_filter_from (fo_context *ctx, size_t first, const fo_select *self)
{
    if (first >= ctx->ntests)
        return 0;
    if (!fo_select_active (self))
        return ctx->ntests - first;
    size_t kept = first;
    for (size_t i = first; i < ctx->ntests; i++) {
        if (fo_select_test (self, ctx->tests[i]))
            ctx->tests[kept++] = ctx->tests[i];
        else
            fo_test_remove (ctx->tests[i]);
    }
    ctx->ntests = kept;
    return kept - first;
}
