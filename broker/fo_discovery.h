/*  fo_discovery — tests generated during the run (`discover_on: agent`),
    the suite's side: which discoveries of the plan have ended, the check of
    the names an agent sent back, and the growth of the suite and the plan
    that they cause (fo_context_add_discovered, fo_plan_add_discovered,
    fo_plan_discovery_done).

    It knows nothing of the run: after each call that may grow the plan,
    the run brings its own state up to date (the report's records, its test
    index, the scheduler's queues, the shared fixtures' counts). A unit task
    that holds a discovering context waits until all of its discoveries have
    ended (fo_discoveries_end returns it then).

    The run owns the suite the plan was built from, so contexts may gain
    tests here; the plan's context pointers are const for everyone else.
*/
#ifndef FO_DISCOVERY_H
#define FO_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_plan.h"
#include "fo_select.h"

typedef struct fo_discoveries fo_discoveries;

/* One record per discovery of the plan (plan->ndiscoveries at creation:
   discoveries are never generated during the run). The names found
   become tests when select chooses them (fo_select_test; NULL: all). */
fo_discoveries *fo_discoveries_new (fo_plan *plan, const fo_select *select);
void fo_discoveries_destroy (fo_discoveries **self_p);

/* Has discovery d not ended yet (it may still send names)? */
bool fo_discoveries_open (const fo_discoveries *self, size_t d);

/* The names an agent sent for discovery d become tests of its context and
   of the plan (appended: plan->tests and plan->tasks grow). Returns 0, or
   -1 with why set and nothing changed when the names are not acceptable. */
int fo_discoveries_add (fo_discoveries *self, size_t d, const fo_strv *names, char *why,
                        size_t whylen);

/* The listing an agent sent for discovery d (a CTest tree's, the
   discovered message's `listing`) becomes tests and contexts (its fixture
   groups, each in its mode: a unit, or shared or split tests whose order
   the caller grows, fo_after_grow) of its context and of the plan, chosen
   as names are (a chosen test keeps the setup and cleanup tests of the
   fixtures it requires). Returns 0, or -1 with why set and nothing changed when the
   listing is not acceptable, or when the discovery expects names. */
int fo_discoveries_add_listing (fo_discoveries *self, size_t d, const char *listing, size_t len,
                                char *why, size_t whylen);

/* Does discovery d answer with a listing rather than names? */
bool fo_discoveries_wants_listing (const fo_discoveries *self, size_t d);

/* Discovery d has ended (its names are in, it failed, was lost or not run):
   its context now holds every test it will have. Returns the unit task
   that waited for it when it waits for nothing more (its steps rebuilt,
   which may grow the plan), else FO_NO_TASK - also when d had ended. */
size_t fo_discoveries_end (fo_discoveries *self, size_t d);

/* Why discovery d failed, for the report (free it): its task ended
   without sending names; its host was lost on the last attempt. */
char *fo_discoveries_silent (const fo_discoveries *self, size_t d, const fo_done *done);
char *fo_discoveries_lost (const fo_discoveries *self, size_t d, const char *host,
                           const char *why, uint32_t attempt, uint32_t max_attempts);

#endif
