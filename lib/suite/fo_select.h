/*  fo_select — which tests a run takes, beyond --test's exact ids
    (docs/selection.md): -k expressions, --exclude patterns, -L and
    --label-exclude labels, and --lf-only's set of ids. A test is chosen
    when

      - some -k expression matches its id (any of them: repeated -k add
        tests; none given: every test), and
      - no --exclude pattern matches its id (fo_pattern_match), and
      - it has every -L label (fo_test_has_label; a label with * ? [ is a
        glob over each of its labels, case sensitive), and
      - it has none of the --label-exclude labels, and
      - with --lf-only, its id is in the set (the tests that failed last
        time, from the history).

    Chosen before planning (fo_suite_filter prunes the tree after --test,
    so fixtures of contexts left without tests never run) and again for
    each test an agent discovers during the run (fo_context_filter_from):
    the same rule for every test, whenever it is known.
*/
#ifndef FO_SELECT_H
#define FO_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_suite.h"

typedef struct fo_select fo_select;

fo_select *fo_select_new (void);
void fo_select_destroy (fo_select **self_p);

/* -k EXPR (fo_kexpr.h). Returns 0, or -1 with why it does not parse. */
int fo_select_add_keyword (fo_select *self, const char *expr, char *err, size_t errlen);
/* --exclude PATTERN, -L LABEL, --label-exclude LABEL (copied). */
void fo_select_add_exclude (fo_select *self, const char *pattern);
void fo_select_add_label (fo_select *self, const char *label);
void fo_select_add_label_exclude (fo_select *self, const char *label);
/* --lf-only: only tests with these ids (copied). An empty set chooses
   none. Called again, the sets add up. */
void fo_select_only_ids (fo_select *self, const char *const *ids, size_t nids);

/* Any of the above was given (else every test is chosen). */
bool fo_select_active (const fo_select *self);
/* Is this test chosen? NULL self: every test is. */
bool fo_select_test (const fo_select *self, const fo_test *test);

/* Keeps the tests self chooses, removing the rest and every context left
   with no test and no discovery to come (with its fixtures: they never
   run). A context whose `discover_on: agent` command has not run keeps
   it: its tests are chosen when they come (fo_context_filter_from).
   Returns whether anything is left to run: a test, or such a discovery. */
bool fo_suite_filter (fo_suite *suite, const fo_select *self);

/* Tests ctx->tests[first..] (just discovered) that self does not choose
   are removed. Returns how many are left of them. NULL self: all. */
size_t fo_context_filter_from (fo_context *ctx, size_t first, const fo_select *self);

/* What a discovery added under ctx - tests ctx->tests[first..] and
   contexts ctx->contexts[cfirst..] (a CTest tree's fixture groups) - that
   self does not choose is removed, keeping what the chosen tests bring
   (fo_needs.with: their fixtures' setups and cleanups) and dropping the
   contexts left empty. Returns the tests left of what was added. NULL
   self: all. */
size_t fo_context_filter_added (fo_suite *suite, fo_context *ctx, size_t first, size_t cfirst,
                                const fo_select *self);

/* Removes tests ctx->tests[first..] and contexts ctx->contexts[cfirst..]
   with all they hold (a discovery's additions it cannot keep). */
void fo_context_drop_from (fo_context *ctx, size_t first, size_t cfirst);

#endif
