/*  fo_suite_with — see internal/fo_suite_with.h. */
#include "fo_suite_with.h"

#include <stdint.h>
#include <stdlib.h>

static size_t
pointer_hash (const void *key)
{
    uintptr_t p = (uintptr_t) key;
    return (size_t) (p ^ (p >> 17));
}

static int
pointer_cmp (const void *a, const void *b)
{
    return a == b ? 0 : (uintptr_t) a < (uintptr_t) b ? -1 : 1;
}

zhashx_t *
fo_pointer_set_new (void)
{
    zhashx_t *set = zhashx_new ();
    zhashx_set_key_hasher (set, pointer_hash);
    zhashx_set_key_comparator (set, pointer_cmp);
    zhashx_set_key_duplicator (set, NULL);
    zhashx_set_key_destructor (set, NULL);
    return set;
}

static bool
brings (const fo_test *test)
{
    return test->needs && test->needs->with.len > 0;
}

bool
fo_context_brings (const fo_context *ctx)
{
    for (size_t i = 0; i < ctx->ntests; i++)
        if (brings (ctx->tests[i]))
            return true;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (fo_context_brings (ctx->contexts[i]))
            return true;
    return false;
}

/* The tests still to look at: chosen or brought, bringing others. */
typedef struct {
    const fo_test **items;
    size_t len, cap;
} worklist;

static void
push (worklist *w, const fo_test *test)
{
    if (w->len == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->items = fo_xrealloc (w->items, w->cap * sizeof *w->items);
    }
    w->items[w->len++] = test;
}

static void
collect (const fo_context *ctx, bool whole, fo_chosen_fn *chosen, const void *arg, worklist *w)
{
    for (size_t i = 0; i < ctx->ntests; i++)
        if (brings (ctx->tests[i]) && (whole || chosen (ctx->tests[i], arg)))
            push (w, ctx->tests[i]);
    for (size_t i = 0; i < ctx->ncontexts; i++)
        collect (ctx->contexts[i], whole, chosen, arg, w);
}

void
fo_suite_bring (const fo_suite *suite, const fo_context *ctx, bool whole, fo_chosen_fn *chosen,
                const void *arg, zhashx_t *brought)
{
    worklist w = { 0 };
    collect (ctx, whole, chosen, arg, &w);
    while (w.len > 0) {
        const fo_test *test = w.items[--w.len];
        for (size_t k = 0; k < test->needs->with.len; k++) {
            fo_test *other = fo_suite_find_test (suite, test->needs->with.items[k]);
            if (!other || zhashx_lookup (brought, other) || chosen (other, arg))
                continue;
            zhashx_insert (brought, other, other);
            if (brings (other))
                push (&w, other);
        }
    }
    free (w.items);
}
