/*  fo_plan_steps — exact-size step construction for the planner.
    See fo_plan_steps.h for why this is not fo_step_copy. */
#include "fo_plan_steps.h"

#include <string.h>

/* fo_strv keeps items[len] == NULL, hence len + 1 slots. */
static void
strv_copy_exact (fo_strv *dst, const fo_strv *src)
{
    memset (dst, 0, sizeof *dst);
    if (src->len == 0)
        return;
    dst->items = fo_xmalloc ((src->len + 1) * sizeof *dst->items);
    for (size_t i = 0; i < src->len; i++)
        dst->items[i] = fo_xstrdup (src->items[i]);
    dst->items[src->len] = NULL;
    dst->len = src->len;
    dst->cap = src->len + 1;
}

static void
env_copy_exact (fo_env *dst, const fo_env *src)
{
    memset (dst, 0, sizeof *dst);
    if (src->len == 0)
        return;
    dst->items = fo_xmalloc (src->len * sizeof *dst->items);
    for (size_t i = 0; i < src->len; i++)
        dst->items[i] = (fo_kv) { fo_xstrdup (src->items[i].name),
                                  fo_xstrdup (src->items[i].value), src->items[i].secret };
    dst->len = dst->cap = src->len;
}

void
fo_plan_step_fill (fo_step *step, fo_step_kind kind, const char *name, const fo_strv *argv,
                   const char *cwd, const fo_env *env, uint32_t timeout_ms)
{
    memset (step, 0, sizeof *step);
    step->kind = kind;
    step->name = fo_xstrdup (name);
    strv_copy_exact (&step->argv, argv);
    step->cwd = fo_xstrdup (cwd ? cwd : "");
    env_copy_exact (&step->env, env);
    step->timeout_ms = timeout_ms;
    step->reader = FO_READER_EXIT_STATUS;
}

void
fo_plan_step_test (fo_step *step, const char *id, const fo_strv *argv, const char *cwd,
                   const fo_env *ctx_env, const fo_env *test_env, uint32_t timeout_ms)
{
    if (test_env->len == 0)
        fo_plan_step_fill (step, FO_STEP_TEST, id, argv, cwd, ctx_env, timeout_ms);
    else {
        /* rare: the test sets its own variables (inner wins, order kept as
           fo_test_effective_env gives it) */
        fo_env env = { 0 };
        fo_env_copy (&env, ctx_env);
        fo_env_merge (&env, test_env);
        fo_plan_step_fill (step, FO_STEP_TEST, id, argv, cwd, &env, timeout_ms);
        fo_env_free (&env);
    }
    fo_strv tests = { .items = (char *[]) { (char *) id, NULL }, .len = 1, .cap = 2 };
    strv_copy_exact (&step->tests, &tests);
}

void
fo_plan_step_copy (fo_step *dst, const fo_step *src)
{
    fo_plan_step_fill (dst, src->kind, src->name, &src->argv, src->cwd, &src->env, src->timeout_ms);
    dst->reader = src->reader;
    strv_copy_exact (&dst->tests, &src->tests);
    if (src->reader == FO_READER_CTEST)
        fo_verdict_copy (&dst->verdict, &src->verdict);
}
