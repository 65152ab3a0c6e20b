/*  fo_steps — the scopes of a lease's steps: which steps a setup or a
    teardown covers. The one rule the broker (which steps a retry needs) and
    the agent (what a failed setup skips, which teardowns a cancel still
    runs) share, so the two can never disagree.

    A task's steps are nested like the contexts they come from:

        setup A, setup B, test, test, teardown B, test, teardown A

    Each fixture step carries its scope as a count of steps (fo_step.span),
    set by the planner from the suite's tree: a setup covers the `span`
    steps after it, its own teardown (when the context has one) last; a
    teardown covers the `span` steps before it, its own setup (when the
    context has one) first. Names play no part: a test or context name may
    hold '/' or anything printable, and scopes stay exact.

    The decoder checks that every span stays inside its lease, so these
    functions may trust the spans they are given.
*/
#ifndef FO_STEPS_H
#define FO_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_proto.h"

#define FO_STEPS_NONE ((size_t) -1)

/* Does fixture step `fixture` (a setup or a teardown) cover step `step`?
   A step is not in its own scope; test and discover steps cover nothing. */
bool fo_steps_covers (const fo_step *steps, size_t nsteps, size_t fixture, size_t step);

/* One past the last step a setup covers: when the setup fails, the steps
   in between are not run (its teardown, the last of them, included). */
size_t fo_steps_scope_end (const fo_step *steps, size_t nsteps, size_t setup);

/* The setup that teardown `teardown` closes (the same context's), or
   FO_STEPS_NONE when that context has no setup step here. */
size_t fo_steps_setup_of (const fo_step *steps, size_t nsteps, size_t teardown);

/* The steps that run the test steps marked in keep[] (indexed like steps;
   only test steps' marks are read) inside their fixtures: every fixture
   step that covers a kept test step is kept too. Writes shallow copies (the
   contents stay steps[]'s) into out[], which has room for nsteps, with
   their spans counted again over what was kept; returns how many. */
size_t fo_steps_subset (const fo_step *steps, size_t nsteps, const bool *keep, fo_step *out);

#endif
