/*  fo_needs — what a test or a context asks of the cluster besides a slot
    (docs/resources.md): named locks (exclusive, or shared by readers),
    counted resources an agent offers (`gpu: 1`), and labels the agent
    must carry (`docker`, `arch=arm64`).

    A test needs what it asks and what every context above it asks
    (fo_test_effective_needs); a task needs what any of its tests needs
    (its tests run one after another, so a resource count is the largest
    any of them asks, never the sum). Names follow the protocol's rules
    where they travel or meet what agents send: resource names as
    fo_resource_name_ok, labels as fo_label_ok (proto/fo_proto.h).

    The suite loader fills these from `locks`, `shared_locks`,
    `resources` and `requires`; an importer (CTest's RESOURCE_LOCK,
    RESOURCE_GROUPS, ...) fills the same fields (test->needs =
    fo_needs_new (), then its lists), and the broker's placement
    (broker/fo_placement.h) reads nothing else.
*/
#ifndef FO_NEEDS_H
#define FO_NEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_util.h"

/* Entries of one test's needs, its contexts' included: its locks, shared
   locks, requires and resources together. */
#define FO_NEEDS_MAX 64u
/* Bytes of a lock name. */
#define FO_NEEDS_MAX_LOCK 256u
/* The count of one resource a test may ask (as an instance's slots). */
#define FO_NEEDS_MAX_COUNT 1000000u

typedef struct {
    char *name;         /* resource type, e.g. "gpu" */
    uint32_t count;     /* slots of it, >= 1 */
} fo_need;

/* One requirement of a CTest resource group (fo_resource_groups.h). */
typedef struct {
    char *name;         /* resource type */
    uint32_t count;     /* slots */
    uint32_t group;     /* its group, from 0 */
} fo_group_need;

typedef struct {
    fo_strv locks;          /* exclusive: no other holder anywhere */
    fo_strv shared_locks;   /* readers: beside each other, never beside an
                               exclusive holder */
    fo_strv requires;       /* labels the agent must carry, all of them */
    fo_need *resources;     /* slots of counted resources, each name once */
    size_t nresources;
    /* CTest's RESOURCE_GROUPS, set by its importer on a test (never on a
       context; fo_needs_merge leaves them out): each group's requirements
       in CTest's order, whose totals per type are in `resources`. They
       only say how the test is told its instances (fo_resource_groups.h);
       placement reads `resources`. */
    fo_group_need *groups;
    size_t ngroup_needs;
    uint32_t ngroups;
    /* CTest's PROCESSORS, set by its importer on a test (never on a
       context): the worker slots of its agent the test takes while it
       runs, clamped to the agent's slots (as ctest clamps it to -j).
       0 or 1: one, as any test. Placement reads it (fo_placement.h). */
    uint32_t processors;
    /* An order between tasks, set by the CTest importer on a test (never
       on a context; not a need of placement, fo_needs_empty ignores it):
       ids of tests that must have ended before this test's task is
       queued (broker/fo_after.h: a shared fixture's dependants after its
       setups, its cleanups after its dependants). */
    fo_strv after;
    /* Tests chosen along with this one, set by the CTest importer on a
       test (never on a context; no need of placement either): ids of the
       setup and cleanup tests of the fixtures it requires, as `ctest -R`
       runs them with a test it chooses. --test, -k and the other filters
       keep them, and what they bring in turn (fo_suite_with.h). */
    fo_strv with;
} fo_needs;

/* Tests and contexts hold their needs by pointer, NULL when they ask
   nothing: new, destroy (and NULL), and the readers below take NULL as
   empty. */
fo_needs *fo_needs_new (void);
void fo_needs_destroy (fo_needs **self_p);
void fo_needs_free (fo_needs *self);        /* its contents */
bool fo_needs_empty (const fo_needs *self);
/* Entries in all four lists. */
size_t fo_needs_count (const fo_needs *self);

/* Adds what `add` asks to `into`: locks and labels once each, a lock
   asked both ways exclusive only, per resource the larger count. Linear
   in into x add: for one test's needs (FO_NEEDS_MAX); a caller merging
   many indexes them itself. */
void fo_needs_merge (fo_needs *into, const fo_needs *add);     /* add may be NULL */

/* A lock name: 1 to FO_NEEDS_MAX_LOCK bytes, no control character. */
bool fo_lock_name_ok (const char *name);

#endif
