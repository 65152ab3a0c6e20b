/*  fo_resource_groups — what a test imported from CTest with
    RESOURCE_GROUPS is told of the resource instances its task holds: the
    variables CTest sets for it (docs/resources.md, "CTest's properties"),

      CTEST_RESOURCE_GROUP_COUNT=<groups>
      CTEST_RESOURCE_GROUP_<g>=<type>[,<type>...]     (sorted, as CTest)
      CTEST_RESOURCE_GROUP_<g>_<TYPE>=id:<id>,slots:<n>[;id:...]

    built from FANOUT_RESOURCE_<TYPE>=<id>[,<id>...] (one id per slot, in
    the order taken: fo_placement_env). Each type's ids are dealt to the
    groups' requirements in CTest's order; the slots of one requirement
    are one entry per run of equal ids. CTest takes a requirement's slots
    from one instance; fanout's placement takes them from instances in
    order, so a requirement may get entries of two instances (each id
    with its own slots, in the same syntax CTest uses for two requirements
    of one type in a group).

    The test's own needs: its task may hold more (a unit's tests run one
    after another; each test is dealt from the first id). Linear in the
    requirements and the ids.
*/
#ifndef FO_RESOURCE_GROUPS_H
#define FO_RESOURCE_GROUPS_H

#include "fo_needs.h"
#include "fo_util.h"

/* Sets the variables into out (nothing when needs has no groups); held
   as the task's FANOUT_RESOURCE_* variables. A type whose ids run short
   (never, when held is what the task took for these needs) gets the ids
   there are. */
void fo_resource_groups_env (const fo_needs *needs, const fo_env *held, fo_env *out);

#endif
