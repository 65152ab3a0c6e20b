/*  fo_step_join — see fo_step_join.h. */
#include "fo_step_join.h"

#include <string.h>

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
fo_step_join_same_process (const fo_step *first, const fo_step *next)
{
    return strcmp (first->argv.items[0], next->argv.items[0]) == 0
           && strcmp (first->cwd, next->cwd) == 0 && same_env (&first->env, &next->env);
}

void
fo_step_join_begin (const fo_step *first, fo_reader reader, fo_step *joined)
{
    memset (joined, 0, sizeof *joined);
    joined->kind = FO_STEP_TEST;
    joined->name = fo_xstrdup (first->name);
    joined->cwd = fo_xstrdup (first->cwd);
    fo_env_copy (&joined->env, &first->env);
    joined->reader = reader;
    fo_strv_push (&joined->argv, first->argv.items[0]);
}

uint32_t
fo_step_join_timeout (const fo_step *const *parts, size_t n)
{
    uint64_t timeout = 0;
    for (size_t i = 0; i < n; i++) {
        if (!parts[i]->timeout_ms)
            return 0;
        timeout += parts[i]->timeout_ms;
    }
    return timeout > UINT32_MAX ? UINT32_MAX : (uint32_t) timeout;
}
