/*  fo_suite_with — the tests that come with the chosen ones: a test's
    fo_needs.with names tests chosen along with it (CTest's setup and
    cleanup tests of the fixtures it requires, as `ctest -R` runs them),
    and what those bring in turn. Both kinds of selection use it: --test's
    exact ids (fo_suite_select.c) and the filters (fo_select.c), so a
    test is never run without the fixture tests it requires, whatever
    chose it and whatever mode the fixture runs in.

    The tests named are found by id in the suite's index; an id that names
    no test (left out by the importer's own label filter, say) brings
    nothing. Each test is brought at most once, so a cycle ends. */
#ifndef FO_SUITE_WITH_H
#define FO_SUITE_WITH_H

#include <czmq.h>
#include <stdbool.h>

#include "fo_suite.h"

/* Is this test chosen by the selection itself? */
typedef bool (fo_chosen_fn) (const fo_test *test, const void *arg);

/* A set of tests (or contexts) by pointer (zhashx, keys not copied or
   freed). */
zhashx_t *fo_pointer_set_new (void);

/* Does any test under ctx (chosen or not) bring others? Selection only
   pays for the closure when one does. */
bool fo_context_brings (const fo_context *ctx);

/* The tests brought by the chosen tests under ctx (whole: every test of
   ctx's subtree is chosen; else chosen(test, arg) says), transitively,
   inserted into `brought` unless the selection chose them itself. */
void fo_suite_bring (const fo_suite *suite, const fo_context *ctx, bool whole,
                     fo_chosen_fn *chosen, const void *arg, zhashx_t *brought);

#endif
