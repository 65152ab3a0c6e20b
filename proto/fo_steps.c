/*  fo_steps — see fo_steps.h. Everything is O(steps): a subset counts the
    kept steps with a prefix sum instead of walking every scope. */
#include "fo_steps.h"

#include <stdlib.h>

bool
fo_steps_covers (const fo_step *steps, size_t nsteps, size_t fixture, size_t step)
{
    if (fixture >= nsteps || step >= nsteps)
        return false;
    size_t span = steps[fixture].span;
    switch (steps[fixture].kind) {
    case FO_STEP_SETUP:
        return step > fixture && step - fixture <= span;
    case FO_STEP_TEARDOWN:
        return step < fixture && fixture - step <= span;
    default:
        return false;
    }
}

size_t
fo_steps_scope_end (const fo_step *steps, size_t nsteps, size_t setup)
{
    if (setup >= nsteps || steps[setup].kind != FO_STEP_SETUP)
        return setup + 1;
    size_t end = setup + 1 + steps[setup].span;
    return end < nsteps ? end : nsteps;
}

size_t
fo_steps_setup_of (const fo_step *steps, size_t nsteps, size_t teardown)
{
    if (teardown >= nsteps || steps[teardown].kind != FO_STEP_TEARDOWN
        || steps[teardown].span == 0 || steps[teardown].span > teardown)
        return FO_STEPS_NONE;
    size_t first = teardown - steps[teardown].span;
    /* The first step of the scope is its setup only when that setup's own
       scope ends here; otherwise it belongs to a context inside. */
    if (steps[first].kind == FO_STEP_SETUP && first + steps[first].span == teardown)
        return first;
    return FO_STEPS_NONE;
}

size_t
fo_steps_subset (const fo_step *steps, size_t nsteps, const bool *keep, fo_step *out)
{
    if (nsteps == 0)
        return 0;
    /* tests_before[i]: kept test steps among steps[0..i). */
    size_t *tests_before = fo_xcalloc (nsteps + 1, sizeof *tests_before);
    bool *kept = fo_xcalloc (nsteps, sizeof *kept);
    size_t *kept_before = fo_xcalloc (nsteps + 1, sizeof *kept_before);
    for (size_t i = 0; i < nsteps; i++)
        tests_before[i + 1] = tests_before[i] + (steps[i].kind == FO_STEP_TEST && keep[i]);
    for (size_t i = 0; i < nsteps; i++) {
        const fo_step *s = &steps[i];
        size_t first = i + 1, last = i + 1 + s->span;      /* the scope, [first, last) */
        if (s->kind == FO_STEP_TEARDOWN)
            first = i - s->span, last = i;
        if (s->kind == FO_STEP_TEST)
            kept[i] = keep[i];
        else if (s->kind == FO_STEP_SETUP || s->kind == FO_STEP_TEARDOWN)
            kept[i] = last <= nsteps && tests_before[last] > tests_before[first];
    }
    for (size_t i = 0; i < nsteps; i++)
        kept_before[i + 1] = kept_before[i] + kept[i];
    size_t n = 0;
    for (size_t i = 0; i < nsteps; i++) {
        if (!kept[i])
            continue;
        out[n] = steps[i];
        if (steps[i].kind == FO_STEP_SETUP)
            out[n].span = (uint32_t) (kept_before[i + 1 + steps[i].span] - kept_before[i + 1]);
        else if (steps[i].kind == FO_STEP_TEARDOWN)
            out[n].span = (uint32_t) (kept_before[i] - kept_before[i - steps[i].span]);
        n++;
    }
    free (tests_before);
    free (kept);
    free (kept_before);
    return n;
}
