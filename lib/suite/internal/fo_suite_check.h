/*  fo_suite_check — the limits of a loaded suite that depend on what its
    steps inherit (private to the loader, fo_suite_load.c).

    A step (a test, or a context's setup, teardown or discover) carries its
    contexts' env and cwd, and asks for their needs too: its size, its
    variables and its needs are known only once every context above it is
    read whole, and a streamed file may set a context's env after its
    tests. So these checks run once the file is read, over the tree in
    file order (each context, its fixtures, its tests, then the contexts it
    holds), with the messages and positions of the step or context they
    refuse: FO_SUITE_MAX_STEP, FO_SUITE_MAX_ENV_VARS, FO_NEEDS_MAX,
    FO_SUITE_MAX_TOTAL and the held budget (fo_suite_held_budget). The tree
    they walk is bounded by the file already (its text, and what aliases
    add under their own limits); what these limits guard is the plan, which
    copies what each step inherits. */
#ifndef FO_SUITE_CHECK_H
#define FO_SUITE_CHECK_H

#include <stdbool.h>

#include "fo_suite_yaml.h"

/* What a step inherits, as far as the file has said so far: its
   contexts' env and cwd read before it. */
typedef struct {
    size_t env_bytes, env_vars, cwd_len;
} fo_suite_known;

/* While the file is read: counts what a step or context just built will
   cost (its id, command and labels, and what it inherits as far as known)
   against FO_SUITE_MAX_TOTAL and the held budget, so that the tree itself
   stays bounded while it grows, and a file that asks too much stops where
   it crosses, as it did when the whole document came first (a list of
   1,000 tests aliased by 300 contexts is refused at its 59th context, not
   after building all 300). kind: "test", "context", or a fixture's
   "setup", "teardown", "discover"; argv NULL for a context. A context's
   env written after its tests is not known yet: such a file is refused
   where the check over the tree says (fo_suite_check_tree). */
bool fo_suite_check_early (fo_yaml_reader *L, const yaml_mark_t *at, const char *kind,
                           const char *id, const fo_strv *argv, const fo_strv *labels,
                           const fo_suite_known *known);
/* Checks the whole suite of L. Returns true, or false with
   "file:line:column: message" in L's err. */
bool fo_suite_check_tree (fo_yaml_reader *L);

#endif
