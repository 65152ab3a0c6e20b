/*  fo_suite_select — keeping only the tests chosen by exact id (--test),
    after discovery and before planning, so that the planner, the run and
    the report only ever see what was chosen.

    An id is matched exactly, never as a prefix or a pattern: names may
    hold '/', '*', '[' and spaces (fo_name.h), so any other reading would
    choose tests nobody named. A context's id chooses its whole subtree.
    A chosen test brings the tests its fo_needs.with names (CTest's
    fixture setups and cleanups, fo_suite_with.h). */
#include "fo_suite.h"
#include "fo_strmap.h"
#include "fo_suite_tree.h"
#include "fo_suite_with.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prunes ctx: whole says an ancestor (or ctx) was chosen by its id.
   Returns whether anything is left in it worth running: a test, or a
   discovery still to come on an agent. */
static bool
prune (fo_context *ctx, bool whole, zhashx_t *tests, zhashx_t *contexts)
{
    whole = whole || zhashx_lookup (contexts, ctx) != NULL;
    size_t kept = 0;
    for (size_t i = 0; i < ctx->ntests; i++) {
        if (whole || zhashx_lookup (tests, ctx->tests[i]))
            ctx->tests[kept++] = ctx->tests[i];
        else
            fo_test_remove (ctx->tests[i]);
    }
    ctx->ntests = kept;
    kept = 0;
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        if (prune (ctx->contexts[i], whole, tests, contexts))
            ctx->contexts[kept++] = ctx->contexts[i];
        else
            fo_context_remove (ctx->contexts[i]);
    }
    ctx->ncontexts = kept;
    /* The names an agent will print are not known: only a context chosen
       whole can take them all. */
    if (!whole && ctx->discover_on_agent && !ctx->discover_answered) {
        fo_strv_free (&ctx->discover.argv);
        ctx->discover_on_agent = false;
    }
    bool pending = ctx->discover.argv.len > 0 && ctx->discover_on_agent && !ctx->discover_answered;
    return ctx->ntests > 0 || ctx->ncontexts > 0 || pending;
}

/* The tests and contexts chosen by their ids. */
typedef struct {
    zhashx_t *tests, *contexts;
} chosen_ids;

/* Chosen by its id, or by its context's or an ancestor's. */
static bool
chosen_by_id (const fo_test *test, const void *arg)
{
    const chosen_ids *ids = arg;
    if (zhashx_lookup (ids->tests, test))
        return true;
    for (const fo_context *c = test->parent; c; c = c->parent)
        if (zhashx_lookup (ids->contexts, c))
            return true;
    return false;
}

int
fo_suite_select (fo_suite *self, const char *const *ids, size_t nids, char *err, size_t errlen)
{
    if (nids == 0)
        return 0;
    zhashx_t *tests = fo_pointer_set_new (), *contexts = fo_pointer_set_new ();
    int rc = 0;
    for (size_t i = 0; i < nids && rc == 0; i++) {
        fo_test *test = fo_suite_find_test (self, ids[i]);
        fo_context *ctx = ids[i][0] ? fo_suite_find_context (self, ids[i]) : NULL;
        if (test)
            zhashx_insert (tests, test, test);
        if (ctx)
            zhashx_insert (contexts, ctx, ctx);
        if (!test && !ctx) {
            if (err && errlen) {
                fo_buf quoted = { 0 };
                fo_name_escape (&quoted, ids[i], strlen (ids[i]), FO_ID_SHOWN);
                snprintf (err, errlen, "--test '%s' matches no test or context", quoted.data);
                fo_buf_free (&quoted);
            }
            rc = -1;
        }
    }
    /* The fixture tests the chosen ones require come with them. */
    if (rc == 0 && fo_context_brings (self->root)) {
        chosen_ids by_id = { tests, contexts };
        zhashx_t *brought = fo_pointer_set_new ();
        fo_suite_bring (self, self->root, false, chosen_by_id, &by_id, brought);
        for (void *t = zhashx_first (brought); t; t = zhashx_next (brought))
            zhashx_insert (tests, t, t);
        zhashx_destroy (&brought);
    }
    if (rc == 0)
        prune (self->root, false, tests, contexts);
    zhashx_destroy (&tests);
    zhashx_destroy (&contexts);
    return rc;
}
