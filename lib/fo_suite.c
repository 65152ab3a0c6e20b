/*  fo_suite — the tree model: building contexts and tests, ids, and the
    values a test inherits from its contexts. Loading is in fo_suite_load.c,
    run-time discovery in fo_suite_discover.c. */
#include "fo_suite.h"

#include <stdlib.h>
#include <string.h>

static char *
child_id (const fo_context *parent, const char *name)
{
    if (!parent || parent->id[0] == '\0')
        return fo_xstrdup (name);
    return fo_xasprintf ("%s/%s", parent->id, name);
}

fo_context *
fo_context_new (fo_context *parent, const char *name)
{
    fo_context *ctx = fo_xcalloc (1, sizeof *ctx);
    ctx->name = fo_xstrdup (name ? name : "");
    ctx->id = parent ? child_id (parent, ctx->name) : fo_xstrdup ("");
    ctx->parent = parent;
    if (parent) {
        parent->contexts = fo_xrealloc (parent->contexts,
                                        (parent->ncontexts + 1) * sizeof *parent->contexts);
        parent->contexts[parent->ncontexts++] = ctx;
    }
    return ctx;
}

fo_test *
fo_test_new (fo_context *parent, const char *name)
{
    fo_test *test = fo_xcalloc (1, sizeof *test);
    test->name = fo_xstrdup (name);
    test->id = child_id (parent, name);
    test->parent = parent;
    parent->tests = fo_xrealloc (parent->tests, (parent->ntests + 1) * sizeof *parent->tests);
    parent->tests[parent->ntests++] = test;
    return test;
}

bool
fo_context_has_fixtures (const fo_context *ctx)
{
    return ctx->setup.argv.len > 0 || ctx->teardown.argv.len > 0;
}

static size_t
count_tests (const fo_context *ctx)
{
    size_t n = ctx->ntests;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        n += count_tests (ctx->contexts[i]);
    return n;
}

size_t
fo_suite_count_tests (const fo_suite *self)
{
    return self->root ? count_tests (self->root) : 0;
}

static void
test_destroy (fo_test *test)
{
    free (test->name);
    free (test->id);
    fo_strv_free (&test->run.argv);
    fo_env_free (&test->env);
    free (test->cwd);
    free (test);
}

static void
context_destroy (fo_context *ctx)
{
    for (size_t i = 0; i < ctx->ntests; i++)
        test_destroy (ctx->tests[i]);
    for (size_t i = 0; i < ctx->ncontexts; i++)
        context_destroy (ctx->contexts[i]);
    free (ctx->tests);
    free (ctx->contexts);
    free (ctx->name);
    free (ctx->id);
    fo_strv_free (&ctx->setup.argv);
    fo_strv_free (&ctx->teardown.argv);
    fo_strv_free (&ctx->discover.argv);
    free (ctx->run_template_shell);
    fo_strv_free (&ctx->run_template_argv);
    fo_env_free (&ctx->env);
    free (ctx->cwd);
    free (ctx);
}

void
fo_suite_destroy (fo_suite **self_p)
{
    fo_suite *self = *self_p;
    if (!self)
        return;
    if (self->root)
        context_destroy (self->root);
    free (self->path);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

/* Env merges from the root down so that inner contexts win. */
void
fo_context_effective_env (const fo_context *ctx, fo_env *out)
{
    if (!ctx)
        return;
    fo_context_effective_env (ctx->parent, out);
    fo_env_merge (out, &ctx->env);
}

void
fo_test_effective_env (const fo_test *test, fo_env *out)
{
    fo_context_effective_env (test->parent, out);
    fo_env_merge (out, &test->env);
}

const char *
fo_context_effective_cwd (const fo_suite *suite, const fo_context *ctx)
{
    for (; ctx; ctx = ctx->parent)
        if (ctx->cwd)
            return ctx->cwd;
    return suite->dir;
}

const char *
fo_test_effective_cwd (const fo_suite *suite, const fo_test *test)
{
    return test->cwd ? test->cwd : fo_context_effective_cwd (suite, test->parent);
}

uint32_t
fo_context_effective_timeout (const fo_context *ctx)
{
    for (; ctx; ctx = ctx->parent)
        if (ctx->timeout_ms)
            return ctx->timeout_ms == FO_TIMEOUT_NONE ? 0 : ctx->timeout_ms;
    return FO_DEFAULT_TIMEOUT_MS;
}

void
fo_suite_set_default_timeout (fo_suite *self, uint32_t timeout_ms)
{
    if (self->root->timeout_ms == 0)
        self->root->timeout_ms = timeout_ms ? timeout_ms : FO_TIMEOUT_NONE;
}

uint32_t
fo_test_effective_timeout (const fo_test *test)
{
    return test->timeout_ms ? test->timeout_ms : fo_context_effective_timeout (test->parent);
}
