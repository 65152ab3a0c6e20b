/*  fo_suite — the tree model: building contexts and tests, ids and the
    index that keeps them unique, and the values a test inherits from its
    contexts. Loading is in fo_suite_load.c, selection (--test) in
    fo_suite_select.c, run-time discovery in lib/import. */
#include "fo_suite.h"
#include "fo_arena.h"
#include "fo_idmap.h"
#include "fo_suite_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One per tree, made by its root and shared by every context in it: ids
   are unique in the whole suite, so a lookup must not walk it. */
struct fo_suite_index {
    fo_idmap *tests;        /* test id -> fo_test (the first with that id) */
    fo_idmap *contexts;     /* context id -> fo_context */
    /* The tests made through fo_test_adopt and their ids (fo_test.pooled):
       a million tests are a few hundred blocks, not two million mallocs
       with their headers (16 bytes each) to make and free. A test removed
       before the end leaves its bytes here until the suite goes. */
    fo_arena *pool;
};

static const char *
test_id (const void *test)
{
    return ((const fo_test *) test)->id;
}

static const char *
context_id (const void *ctx)
{
    return ((const fo_context *) ctx)->id;
}

static fo_suite_index *
index_new (void)
{
    fo_suite_index *index = fo_xcalloc (1, sizeof *index);
    index->tests = fo_idmap_new (test_id);
    index->contexts = fo_idmap_new (context_id);
    index->pool = fo_arena_new ();
    return index;
}

static void
index_destroy (fo_suite_index **index_p)
{
    fo_suite_index *index = *index_p;
    if (!index)
        return;
    fo_idmap_destroy (&index->tests);
    fo_idmap_destroy (&index->contexts);
    fo_arena_destroy (&index->pool);
    free (index);
    *index_p = NULL;
}

char *
fo_context_child_id (const fo_context *ctx, const char *name)
{
    if (!ctx || ctx->id[0] == '\0')
        return fo_xstrdup (name);
    /* (not a printf: a million of them were a tenth of loading) */
    size_t a = strlen (ctx->id), b = strlen (name);
    char *id = fo_xmalloc (a + 1 + b + 1);
    memcpy (id, ctx->id, a);
    id[a] = '/';
    memcpy (id + a + 1, name, b + 1);
    return id;
}

/* Arrays grow by doubling: one slot at a time is quadratic when realloc
   copies (it always does under ASan). cap 0 with n > 0 is an array built
   by hand with exactly n slots. */
static void *
grow (void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    *cap = n ? n * 2 : 4;
    return fo_xrealloc (items, *cap * size);
}

fo_context *
fo_context_new (fo_context *parent, const char *name)
{
    return fo_context_adopt (parent, name, parent ? fo_context_child_id (parent, name ? name : "")
                                                  : fo_xstrdup (""));
}

fo_context *
fo_context_adopt (fo_context *parent, const char *name, char *id)
{
    fo_context *ctx = fo_xcalloc (1, sizeof *ctx);
    ctx->name = fo_xstrdup (name ? name : "");
    ctx->id = id;
    ctx->parent = parent;
    if (parent) {
        parent->contexts = grow (parent->contexts, parent->ncontexts, &parent->contexts_cap,
                                 sizeof *parent->contexts);
        parent->contexts[parent->ncontexts++] = ctx;
        ctx->index = parent->index;
    } else
        ctx->index = index_new ();
    if (ctx->index)
        fo_idmap_add (ctx->index->contexts, ctx);     /* the first keeps it */
    return ctx;
}

fo_test *
fo_test_new (fo_context *parent, const char *name)
{
    return fo_test_adopt (parent, name, fo_context_child_id (parent, name));
}

fo_test *
fo_test_adopt (fo_context *parent, const char *name, char *id)
{
    fo_test *test;
    if (parent->index) {
        fo_arena *pool = parent->index->pool;
        test = fo_arena_alloc (pool, sizeof *test);
        char *copy = fo_arena_strdup (pool, id);
        free (id);
        id = copy;
        test->pooled = true;
    }
    else
        test = fo_xcalloc (1, sizeof *test);
    /* the name is the id's end: stored once (a million tests, 30 MB) */
    test->id = id;
    test->name = id + strlen (id) - strlen (name);
    test->parent = parent;
    parent->tests = grow (parent->tests, parent->ntests, &parent->tests_cap, sizeof *parent->tests);
    parent->tests[parent->ntests++] = test;
    if (parent->index)
        fo_idmap_add (parent->index->tests, test);
    return test;
}

fo_test *
fo_test_adopt_copy (fo_context *parent, const char *id, size_t id_len, size_t name_len,
                    uint64_t hash)
{
    fo_arena *pool = parent->index->pool;
    fo_test *test = fo_arena_alloc (pool, sizeof *test);
    char *copy = fo_arena_alloc_bytes (pool, id_len + 1);
    memcpy (copy, id, id_len + 1);
    test->pooled = true;
    test->id = copy;
    test->name = copy + id_len - name_len;
    test->parent = parent;
    parent->tests = grow (parent->tests, parent->ntests, &parent->tests_cap, sizeof *parent->tests);
    parent->tests[parent->ntests++] = test;
    fo_idmap_add_hashed (parent->index->tests, test, hash);
    return test;
}

void *
fo_suite_pool_alloc (fo_context *ctx, size_t size)
{
    return fo_arena_alloc (ctx->index->pool, size);
}

char *
fo_suite_pool_copy (fo_context *ctx, const char *s, size_t len)
{
    char *copy = fo_arena_alloc_bytes (ctx->index->pool, len + 1);
    memcpy (copy, s, len);
    copy[len] = '\0';
    return copy;
}

uint64_t
fo_suite_id_hash (const char *id)
{
    return fo_idmap_hash (id);
}

fo_test *
fo_suite_find_test_hashed (const fo_suite *self, const char *id, uint64_t hash)
{
    if (!self || !self->root || !self->root->index)
        return NULL;
    return fo_idmap_get_hashed (self->root->index->tests, id, hash);
}

void
fo_suite_prefetch_test_hashed (const fo_suite *self, uint64_t hash)
{
    if (self && self->root && self->root->index)
        fo_idmap_prefetch_hashed (self->root->index->tests, hash);
}

fo_test *
fo_suite_find_test (const fo_suite *self, const char *id)
{
    if (!self || !self->root || !self->root->index)
        return NULL;
    return fo_idmap_get (self->root->index->tests, id);
}

void
fo_suite_prefetch_test (const fo_suite *self, const char *id)
{
    if (self && self->root && self->root->index)
        fo_idmap_prefetch (self->root->index->tests, id);
}

fo_context *
fo_suite_find_context (const fo_suite *self, const char *id)
{
    if (!self || !self->root || !self->root->index)
        return NULL;
    return fo_idmap_get (self->root->index->contexts, id);
}

/* ---- sizes, as the limits count them ----------------------------------- */

size_t
fo_env_wire_size (const fo_env *env)
{
    size_t n = 0;
    for (size_t i = 0; i < env->len; i++)
        n += strlen (env->items[i].name) + strlen (env->items[i].value) + 2;
    return n;
}

size_t
fo_step_wire_size (size_t id_len, const fo_strv *argv, size_t env_bytes, size_t cwd_len)
{
    size_t n = 2 * id_len + env_bytes + cwd_len;
    for (size_t i = 0; i < argv->len; i++)
        n += strlen (argv->items[i]) + 1;
    return n;
}

uint64_t
fo_step_held_size (size_t id_len, size_t wire, size_t strings)
{
    return (uint64_t) wire + 4u * (uint64_t) id_len + 48u * (uint64_t) strings + 768u;
}

uint64_t
fo_context_held_size (size_t id_len)
{
    return 2u * (uint64_t) id_len + 2u * 48u + 512u;
}

static uint64_t
budget (size_t file_size, uint64_t per_byte, uint64_t min)
{
    uint64_t b = per_byte * (uint64_t) file_size;
    return b > min ? b : min;
}

uint64_t
fo_suite_alias_budget (size_t file_size)
{
    return budget (file_size, FO_SUITE_ALIAS_TEXT_PER_BYTE, FO_SUITE_ALIAS_TEXT_MIN);
}

uint64_t
fo_suite_held_budget (size_t file_size)
{
    uint64_t b = budget (file_size, FO_SUITE_HELD_PER_BYTE, FO_SUITE_HELD_MIN);
    return b < FO_SUITE_HELD_MAX ? b : FO_SUITE_HELD_MAX;
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

static void
fill_argv (const fo_context *ctx, const char *name, fo_strv *argv)
{
    if (ctx->run_template_shell) {
        fo_strv_push (argv, "/bin/sh");
        fo_strv_push (argv, "-c");
        fo_strv_push_owned (argv, fill (ctx->run_template_shell, name, true));
    } else {
        for (size_t i = 0; i < ctx->run_template_argv.len; i++)
            fo_strv_push_owned (argv, fill (ctx->run_template_argv.items[i], name, false));
    }
}

bool
fo_context_can_add_test (const fo_context *ctx, const char *name, char *why, size_t whylen)
{
    if (!fo_name_check ("test", name, strlen (name), why, whylen))
        return false;
    char *id = fo_context_child_id (ctx, name);
    fo_buf shown = { 0 };       /* a long id would crowd out the reason */
    fo_name_escape (&shown, id, strlen (id), FO_ID_SHOWN);
    const fo_test *taken = ctx->index ? fo_idmap_get (ctx->index->tests, id) : NULL;
    bool ok = !taken;
    if (taken)
        snprintf (why, whylen, "duplicate test id '%s' (first defined at line %d)", shown.data,
                  taken->line);
    /* The step it will be: the filled template, the env of every context
       above, the nearest cwd (the suite's directory is at most PATH_MAX). */
    size_t env_bytes = 0, env_vars = 0, cwd_len = 0;
    for (const fo_context *c = ctx; c; c = c->parent) {
        env_bytes += fo_env_wire_size (&c->env);
        env_vars += c->env.len;
        if (!cwd_len && c->cwd)
            cwd_len = strlen (c->cwd);
    }
    fo_strv argv = { 0 };
    if (ok)
        fill_argv (ctx, name, &argv);
    size_t size = ok ? fo_step_wire_size (strlen (id), &argv, env_bytes,
                                          cwd_len ? cwd_len : FO_SUITE_MAX_CWD) : 0;
    if (ok && env_vars > FO_SUITE_MAX_ENV_VARS) {
        snprintf (why, whylen, "test '%s' has %zu env variables with those it inherits (at most "
                  "%u)", shown.data, env_vars, FO_SUITE_MAX_ENV_VARS);
        ok = false;
    } else if (ok && size > FO_SUITE_MAX_STEP) {
        snprintf (why, whylen, "test '%s' takes %zu bytes to send (its id twice, command, env "
                  "with what it inherits, cwd); the limit is %u MiB", shown.data, size,
                  FO_SUITE_MAX_STEP >> 20);
        ok = false;
    }
    fo_strv_free (&argv);
    fo_buf_free (&shown);
    free (id);
    return ok;
}

fo_test *
fo_context_add_joined (fo_context *ctx, const char *group, const char *name)
{
    char *full = *group ? fo_xasprintf ("%s/%s", group, name) : fo_xstrdup (name);
    char *id = fo_context_child_id (ctx, full);
    if (ctx->index && fo_idmap_get (ctx->index->tests, id)) {
        free (id);
        free (full);
        return NULL;
    }
    fo_test *test = fo_xcalloc (1, sizeof *test);
    /* the name is the id's end, as fo_test_adopt stores it */
    test->id = id;
    test->name = id + strlen (id) - strlen (full);
    free (full);
    test->parent = ctx;
    test->joined = true;
    test->line = ctx->line;
    test->column = ctx->column;
    ctx->joined = grow (ctx->joined, ctx->njoined, &ctx->joined_cap, sizeof *ctx->joined);
    ctx->joined[ctx->njoined++] = test;
    if (ctx->index)
        fo_idmap_add (ctx->index->tests, test);
    return test;
}

fo_test *
fo_context_add_discovered (fo_context *ctx, const char *name)
{
    if (ctx->index) {
        char *id = fo_context_child_id (ctx, name);
        bool taken = fo_idmap_get (ctx->index->tests, id) != NULL;
        free (id);
        if (taken)
            return NULL;
    }
    fo_test *test = fo_test_new (ctx, name);
    test->line = ctx->discover.line;
    test->column = ctx->discover.column;
    test->run.line = ctx->discover.line;
    test->run.column = ctx->discover.column;
    fill_argv (ctx, name, &test->run.argv);
    test->reader = ctx->discovered_reader;
    return test;
}

bool
fo_context_has_fixtures (const fo_context *ctx)
{
    return ctx->setup.argv.len > 0 || ctx->teardown.argv.len > 0;
}

size_t
fo_context_count_tests (const fo_context *ctx)
{
    size_t n = ctx->ntests;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        n += fo_context_count_tests (ctx->contexts[i]);
    return n;
}

size_t
fo_suite_count_tests (const fo_suite *self)
{
    return self->root ? fo_context_count_tests (self->root) : 0;
}

static void
test_destroy (fo_test *test)
{
    if (!test->pooled)
        free (test->id);   /* and the name, its end */
    if (!test->argv_pooled)
        fo_strv_free (&test->run.argv);
    if (test->more) {
        fo_env_free (&test->more->env);
        fo_strv_free (&test->more->labels);
        free (test->more);
    }
    free (test->cwd);
    if (test->verdict) {
        fo_verdict_free (test->verdict);
        free (test->verdict);
    }
    fo_needs_destroy (&test->needs);
    if (!test->pooled)
        free (test);
}

/* Under a removal (unindex) or the whole tree's end (the index goes first). */
static void
context_destroy (fo_context *ctx, bool unindex)
{
    for (size_t i = 0; i < ctx->njoined; i++) {
        if (unindex)
            fo_idmap_remove (ctx->index->tests, ctx->joined[i]);
        test_destroy (ctx->joined[i]);
    }
    free (ctx->joined);
    for (size_t i = 0; i < ctx->ntests; i++) {
        if (unindex)
            fo_idmap_remove (ctx->index->tests, ctx->tests[i]);
        test_destroy (ctx->tests[i]);
    }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        context_destroy (ctx->contexts[i], unindex);
    if (unindex)
        fo_idmap_remove (ctx->index->contexts, ctx);
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
    fo_strv_free (&ctx->labels);
    fo_strv_free (&ctx->artifacts);
    free (ctx->cwd);
    for (size_t i = 0; i < ctx->nsources; i++) {
        free (ctx->sources[i].kind);
        fo_strv_free (&ctx->sources[i].from);
        fo_env_free (&ctx->sources[i].options);
    }
    free (ctx->sources);
    fo_needs_destroy (&ctx->needs);
    free (ctx);
}

fo_source_spec *
fo_context_add_source (fo_context *ctx, const char *kind, int line, int column)
{
    ctx->sources = fo_xrealloc (ctx->sources, (ctx->nsources + 1) * sizeof *ctx->sources);
    fo_source_spec *spec = &ctx->sources[ctx->nsources++];
    *spec = (fo_source_spec) { .kind = fo_xstrdup (kind), .line = line, .column = column };
    return spec;
}

void
fo_test_remove (fo_test *test)
{
    fo_suite_index *index = test->parent ? test->parent->index : NULL;
    if (index)
        fo_idmap_remove (index->tests, test);
    test_destroy (test);
}

void
fo_context_remove (fo_context *ctx)
{
    context_destroy (ctx, ctx->index != NULL);
}

void
fo_suite_destroy (fo_suite **self_p)
{
    fo_suite *self = *self_p;
    if (!self)
        return;
    if (self->root) {
        /* the tests' pool outlives the tree that points into it */
        fo_arena *pool = NULL;
        if (self->root->index) {
            pool = self->root->index->pool;
            self->root->index->pool = NULL;
        }
        index_destroy (&self->root->index);
        context_destroy (self->root, false);
        fo_arena_destroy (&pool);
    }
    free (self->path);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

/* ---- a test's own env and labels ---------------------------------------- */

static const fo_test_more no_more;

const fo_env *
fo_test_env (const fo_test *test)
{
    return test->more ? &test->more->env : &no_more.env;
}

const fo_strv *
fo_test_labels (const fo_test *test)
{
    return test->more ? &test->more->labels : &no_more.labels;
}

static fo_test_more *
more_of (fo_test *test)
{
    if (!test->more)
        test->more = fo_xcalloc (1, sizeof *test->more);
    return test->more;
}

fo_env *
fo_test_env_own (fo_test *test)
{
    return &more_of (test)->env;
}

fo_strv *
fo_test_labels_own (fo_test *test)
{
    return &more_of (test)->labels;
}

/* ---- labels ------------------------------------------------------------ */

void
fo_test_add_label (fo_test *test, const char *label)
{
    if (!fo_strv_contains (fo_test_labels (test), label))
        fo_strv_push (fo_test_labels_own (test), label);
}

void
fo_context_add_label (fo_context *ctx, const char *label)
{
    if (!fo_strv_contains (&ctx->labels, label))
        fo_strv_push (&ctx->labels, label);
}

bool
fo_test_has_label (const fo_test *test, const char *label)
{
    if (fo_strv_contains (fo_test_labels (test), label))
        return true;
    for (const fo_context *c = test->parent; c; c = c->parent)
        if (fo_strv_contains (&c->labels, label))
            return true;
    return false;
}

static void
context_labels (const fo_context *ctx, fo_strv *out)
{
    if (!ctx)
        return;
    context_labels (ctx->parent, out);
    for (size_t i = 0; i < ctx->labels.len; i++)
        if (!fo_strv_contains (out, ctx->labels.items[i]))
            fo_strv_push (out, ctx->labels.items[i]);
}

void
fo_test_effective_labels (const fo_test *test, fo_strv *out)
{
    context_labels (test->parent, out);
    const fo_strv *own = fo_test_labels (test);
    for (size_t i = 0; i < own->len; i++)
        if (!fo_strv_contains (out, own->items[i]))
            fo_strv_push (out, own->items[i]);
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
    if (test->more)
        fo_env_merge (out, &test->more->env);
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
