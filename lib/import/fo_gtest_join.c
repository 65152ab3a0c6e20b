/*  fo_gtest_join — see fo_gtest_join.h. */
#include "fo_gtest_join.h"

#include <stdint.h>
#include <string.h>

#define FILTER_FLAG "--gtest_filter="

const char *
fo_gtest_step_name (const fo_step *step)
{
    const fo_strv *a = &step->argv;
    if (step->kind != FO_STEP_TEST || step->reader != FO_READER_GTEST || step->tests.len != 1
        || a->len != 2 || strncmp (a->items[1], FILTER_FLAG, strlen (FILTER_FLAG)) != 0)
        return NULL;
    const char *name = a->items[1] + strlen (FILTER_FLAG);
    /* One exact name: no list, no pattern, no negative part (which
       would mean something else once joined). */
    return *name && !strpbrk (name, ":*?-") ? name : NULL;
}

static bool
same_env (const fo_env *a, const fo_env *b)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++)
        if (strcmp (a->items[i].name, b->items[i].name) != 0
            || strcmp (a->items[i].value, b->items[i].value) != 0
            || a->items[i].secret != b->items[i].secret)
            return false;
    return true;
}

bool
fo_gtest_joins (const fo_step *const *group, size_t n, const fo_step *next)
{
    const fo_step *first = group[0];
    const char *name = fo_gtest_step_name (next);
    if (!name || !fo_gtest_step_name (first) || strcmp (first->argv.items[0], next->argv.items[0]) != 0
        || strcmp (first->cwd, next->cwd) != 0 || !same_env (&first->env, &next->env))
        return false;
    size_t len = strlen (FILTER_FLAG) + strlen (name);
    for (size_t i = 0; i < n; i++)
        len += strlen (fo_gtest_step_name (group[i])) + 1;
    return len <= FO_GTEST_JOIN_MAX_FILTER;
}

void
fo_gtest_join (const fo_step *const *parts, size_t n, fo_step *joined)
{
    const fo_step *first = parts[0];
    memset (joined, 0, sizeof *joined);
    joined->kind = FO_STEP_TEST;
    joined->name = fo_xstrdup (first->name);
    joined->cwd = fo_xstrdup (first->cwd);
    fo_env_copy (&joined->env, &first->env);
    joined->reader = FO_READER_GTEST;
    fo_strv_push (&joined->argv, first->argv.items[0]);
    fo_buf filter = { 0 };
    fo_buf_puts (&filter, FILTER_FLAG);
    uint64_t timeout = 0;
    bool limited = true;
    for (size_t i = 0; i < n; i++) {
        if (i)
            fo_buf_puts (&filter, ":");
        fo_buf_puts (&filter, fo_gtest_step_name (parts[i]));
        fo_strv_push (&joined->tests, parts[i]->tests.items[0]);
        if (!parts[i]->timeout_ms)
            limited = false;
        timeout += parts[i]->timeout_ms;
    }
    fo_strv_push (&joined->argv, filter.data);
    fo_buf_free (&filter);
    joined->timeout_ms = !limited ? 0 : timeout > UINT32_MAX ? UINT32_MAX : (uint32_t) timeout;
}
