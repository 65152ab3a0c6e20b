/*  fo_suite_check — see fo_suite_check.h. */
#include "fo_suite_check.h"
#include "fo_suite_tree.h"

#include <stdlib.h>
#include <string.h>

/* What a context hands down to what it holds: how deep it is, and what
   its steps inherit, for the size limits. */
typedef struct {
    size_t env_bytes;       /* the env of this context and all above it */
    size_t env_vars;
    size_t cwd_len;         /* the effective cwd's */
    size_t needs;           /* entries of fo_needs of this context and above */
} inherited;

static yaml_mark_t
mark_at (int line, int column)
{
    return (yaml_mark_t) { .line = line > 0 ? (size_t) line - 1 : 0,
                           .column = column > 0 ? (size_t) column - 1 : 0 };
}

/* Counts what a step or a context will hold in memory against the file's
   budget: the one limit that sees a file multiply itself through what its
   steps inherit (an env, a cwd, a long context id) and through aliased
   tests, however each is within its own limits. */
static bool
hold (fo_yaml_reader *L, const yaml_mark_t *at, const char *what, uint64_t bytes)
{
    L->held += bytes;
    uint64_t budget = fo_suite_held_budget (L->file_size);
    if (L->held <= budget)
        return true;
    return fo_yaml_fail_at (L, at, "the suite's tests and fixtures would take more than %llu "
                            "bytes of memory to run (64 times the file's size, at least 64 MiB, "
                            "at most 2 GiB; at %s)", (unsigned long long) budget, what);
}

/* Labels are held, not sent: each its bytes and a string's 48. */
static uint64_t
labels_held (const fo_strv *labels)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < labels->len; i++)
        bytes += strlen (labels->items[i]) + 1 + 48;
    return bytes;
}

/* The limits of one step (a test, or a context's setup, teardown or
   discover), and of all of them together. what: "test 'a/b'", "setup of
   context 'a'". */
static bool
check_step (fo_yaml_reader *L, const yaml_mark_t *at, const char *what, size_t id_len,
            const fo_strv *argv, const inherited *env)
{
    if (env->env_vars > FO_SUITE_MAX_ENV_VARS)
        return fo_yaml_fail_at (L, at, "%s has %zu env variables with those it inherits (at most "
                                "%u)", what, env->env_vars, FO_SUITE_MAX_ENV_VARS);
    size_t size = fo_step_wire_size (id_len, argv, env->env_bytes, env->cwd_len);
    if (size > FO_SUITE_MAX_STEP)
        return fo_yaml_fail_at (L, at, "%s takes %zu bytes to send (its id twice, command, env "
                                "with what it inherits, cwd); the limit is %u MiB", what, size,
                                FO_SUITE_MAX_STEP >> 20);
    L->total += size;
    if (L->total > FO_SUITE_MAX_TOTAL)
        return fo_yaml_fail_at (L, at, "the suite's tests and fixtures take more than %u MiB to "
                                "send in all (at %s)", FO_SUITE_MAX_TOTAL >> 20, what);
    return hold (L, at, what, fo_step_held_size (id_len, size, 2 + argv->len + 2 * env->env_vars + 1));
}

/* At most FO_NEEDS_MAX entries with what it inherits (what placement
   compares per lease stays small, whatever the file). */
static bool
check_needs (fo_yaml_reader *L, const yaml_mark_t *at, const fo_needs *needs,
             const inherited *up)
{
    size_t n = up->needs + fo_needs_count (needs);
    if (n > FO_NEEDS_MAX)
        return fo_yaml_fail_at (L, at, "%s asks for %zu locks, resources and labels with those "
                                "it inherits (at most %u)", L->owner, n, FO_NEEDS_MAX);
    return true;
}

/* What a step of ctx (or of a test in it, with its own env and cwd on top)
   inherits. */
static inherited
inherit (const inherited *up, const fo_env *env, const char *cwd)
{
    inherited here = *up;
    here.env_bytes += fo_env_wire_size (env);
    here.env_vars += env->len;
    if (cwd)
        here.cwd_len = strlen (cwd);
    return here;
}

static bool
check_test (fo_yaml_reader *L, const fo_test *test, const inherited *up)
{
    inherited mine = inherit (up, fo_test_env (test), test->cwd);
    size_t id_len = strlen (test->id);
    uint64_t labels = labels_held (fo_test_labels (test));
    size_t size = fo_step_wire_size (id_len, &test->run.argv, mine.env_bytes, mine.cwd_len);
    uint64_t held = fo_step_held_size (id_len, size, 2 + test->run.argv.len + 2 * mine.env_vars + 1);
    /* Nearly always all within: counted without a message to write. */
    if (up->needs + fo_needs_count (test->needs) <= FO_NEEDS_MAX
        && mine.env_vars <= FO_SUITE_MAX_ENV_VARS && size <= FO_SUITE_MAX_STEP
        && L->total + size <= FO_SUITE_MAX_TOTAL
        && L->held + labels + held <= fo_suite_held_budget (L->file_size)) {
        L->total += size;
        L->held += labels + held;
        return true;
    }
    yaml_mark_t at = mark_at (test->line, test->column);
    fo_yaml_set_owner (L, "test", test->id);
    if (labels && !hold (L, &at, L->owner, labels))
        return false;
    return check_needs (L, &at, test->needs, up)
           && check_step (L, &at, L->owner, id_len, &test->run.argv, &mine);
}

/* The commands a context runs itself are steps too. */
static bool
check_fixtures (fo_yaml_reader *L, const fo_context *ctx, const inherited *here)
{
    const struct { const char *kind; const fo_command *cmd; } steps[] = {
        { "setup", &ctx->setup }, { "teardown", &ctx->teardown }, { "discover", &ctx->discover },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i].cmd->argv.len == 0)
            continue;
        yaml_mark_t at = mark_at (steps[i].cmd->line, steps[i].cmd->column);
        char *id = fo_yaml_shown (ctx->id);
        char *what = fo_xasprintf ("%s of context '%s'", steps[i].kind, id);
        free (id);
        bool ok = check_step (L, &at, what, strlen (ctx->id), &steps[i].cmd->argv, here);
        free (what);
        if (!ok)
            return false;
    }
    return true;
}

/* A context's own counts, with their messages. */
static bool
check_context_own (fo_yaml_reader *L, const fo_context *ctx, const inherited *up,
                   const yaml_mark_t *at)
{
    if (ctx->parent) {
        fo_yaml_set_owner (L, "context", ctx->id);
        L->total += strlen (ctx->id);
        if (L->total > FO_SUITE_MAX_TOTAL)
            return fo_yaml_fail_at (L, at, "the suite's tests and fixtures take more than %u MiB "
                                    "to send in all (at %s)", FO_SUITE_MAX_TOTAL >> 20, L->owner);
        if (!hold (L, at, L->owner, fo_context_held_size (strlen (ctx->id))))
            return false;
    } else
        fo_yaml_set_owner (L, NULL, NULL);
    uint64_t labels = labels_held (&ctx->labels);
    return (!labels || hold (L, at, L->owner, labels)) && check_needs (L, at, ctx->needs, up);
}

static bool
check_context (fo_yaml_reader *L, const fo_context *ctx, const inherited *up)
{
    yaml_mark_t at = mark_at (ctx->line, ctx->column);
    size_t id_len = strlen (ctx->id);
    uint64_t own = labels_held (&ctx->labels) + (ctx->parent ? fo_context_held_size (id_len) : 0);
    if (L->total + id_len <= FO_SUITE_MAX_TOTAL
        && L->held + own <= fo_suite_held_budget (L->file_size)
        && up->needs + fo_needs_count (ctx->needs) <= FO_NEEDS_MAX) {
        /* nearly always: counted without a message to write */
        L->total += ctx->parent ? id_len : 0;
        L->held += own;
    } else if (!check_context_own (L, ctx, up, &at))
        return false;
    inherited here = inherit (up, &ctx->env, ctx->cwd);
    here.needs += fo_needs_count (ctx->needs);
    if (!check_fixtures (L, ctx, &here))
        return false;
    for (size_t i = 0; i < ctx->ntests; i++)
        if (!check_test (L, ctx->tests[i], &here))
            return false;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (!check_context (L, ctx->contexts[i], &here))
            return false;
    return true;
}

bool
fo_suite_check_early (fo_yaml_reader *L, const yaml_mark_t *at, const char *kind,
                      const char *id, const fo_strv *argv, const fo_strv *labels,
                      const fo_suite_known *known)
{
    size_t id_len = strlen (id), total;
    uint64_t held = labels ? labels_held (labels) : 0;
    if (argv) {
        total = fo_step_wire_size (id_len, argv, known->env_bytes, known->cwd_len);
        held += fo_step_held_size (id_len, total, 2 + argv->len + 2 * known->env_vars + 1);
    } else {
        total = id_len;
        held += fo_context_held_size (id_len);
    }
    L->early_total += total;
    L->early_held += held;
    uint64_t budget = fo_suite_held_budget (L->file_size);
    if (L->early_total <= FO_SUITE_MAX_TOTAL && L->early_held <= budget)
        return true;
    char *what;
    if (!strcmp (kind, "test") || !strcmp (kind, "context")) {
        fo_yaml_set_owner (L, kind, id);
        what = fo_xstrdup (L->owner);
    } else {
        char *s = fo_yaml_shown (id);
        what = fo_xasprintf ("%s of context '%s'", kind, s);
        free (s);
    }
    if (L->early_total > FO_SUITE_MAX_TOTAL)
        fo_yaml_fail_at (L, at, "the suite's tests and fixtures take more than %u MiB to send in "
                         "all (at %s)", FO_SUITE_MAX_TOTAL >> 20, what);
    else
        fo_yaml_fail_at (L, at, "the suite's tests and fixtures would take more than %llu bytes "
                         "of memory to run (64 times the file's size, at least 64 MiB, at most "
                         "2 GiB; at %s)", (unsigned long long) budget, what);
    free (what);
    return false;
}

bool
fo_suite_check_tree (fo_yaml_reader *L)
{
    inherited none = { .cwd_len = strlen (L->suite->dir) };
    return check_context (L, L->suite->root, &none);
}
