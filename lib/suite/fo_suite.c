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

/* Discovered tests: the context's run template with {name} filled in.
   'it'\''s' — safe inside any /bin/sh command line. */
static void
shell_quote (fo_buf *out, const char *s)
{
    fo_buf_puts (out, "'");
    for (; *s; s++) {
        if (*s == '\'')
            fo_buf_puts (out, "'\\''");
        else
            fo_buf_append (out, s, 1);
    }
    fo_buf_puts (out, "'");
}

/* template with every "{name}" replaced by name (shell-quoted if asked). */
static char *
fill (const char *template, const char *name, bool quote)
{
    fo_buf out = { 0 };
    const char *p = template, *hit;
    while ((hit = strstr (p, "{name}"))) {
        fo_buf_append (&out, p, (size_t) (hit - p));
        if (quote)
            shell_quote (&out, name);
        else
            fo_buf_puts (&out, name);
        p = hit + strlen ("{name}");
    }
    fo_buf_puts (&out, p);
    return fo_buf_steal (&out);
}

fo_test *
fo_context_add_discovered (fo_context *ctx, const char *name)
{
    fo_test *test = fo_test_new (ctx, name);
    test->line = ctx->discover.line;
    test->column = ctx->discover.column;
    test->run.line = ctx->discover.line;
    test->run.column = ctx->discover.column;
    if (ctx->run_template_shell) {
        fo_strv_push (&test->run.argv, "/bin/sh");
        fo_strv_push (&test->run.argv, "-c");
        fo_strv_push_owned (&test->run.argv, fill (ctx->run_template_shell, name, true));
    } else {
        for (size_t i = 0; i < ctx->run_template_argv.len; i++)
            fo_strv_push_owned (&test->run.argv, fill (ctx->run_template_argv.items[i], name, false));
    }
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
