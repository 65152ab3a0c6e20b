/*  fo_gtest_join — see fo_gtest_join.h. */
#include "fo_gtest_join.h"
#include "fo_step_join.h"

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

bool
fo_gtest_joins (const fo_step *const *group, size_t n, const fo_step *next)
{
    const fo_step *first = group[0];
    const char *name = fo_gtest_step_name (next);
    if (!name || !fo_gtest_step_name (first) || !fo_step_join_same_process (first, next))
        return false;
    size_t len = strlen (FILTER_FLAG) + strlen (name);
    for (size_t i = 0; i < n; i++)
        len += strlen (fo_gtest_step_name (group[i])) + 1;
    return len <= FO_GTEST_JOIN_MAX_FILTER;
}

void
fo_gtest_join (const fo_step *const *parts, size_t n, fo_step *joined)
{
    fo_step_join_begin (parts[0], FO_READER_GTEST, joined);
    fo_buf filter = { 0 };
    fo_buf_puts (&filter, FILTER_FLAG);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fo_buf_puts (&filter, ":");
        fo_buf_puts (&filter, fo_gtest_step_name (parts[i]));
        fo_strv_push (&joined->tests, parts[i]->tests.items[0]);
    }
    fo_strv_push (&joined->argv, filter.data);
    fo_buf_free (&filter);
    joined->timeout_ms = fo_step_join_timeout (parts, n);
}
