/*  fo_placement — where and when a task may be leased, by what it needs
    of the cluster (docs/resources.md): named locks held across every
    host, an agent's counted resources, and its labels. The scheduler
    (fo_sched.c) asks it and nothing else does: fo_sched_pick checks a
    task here before it leases it, takes what the task needs when it
    does, and releases it when the lease ends, however it ends (done,
    lost with its agent, undeliverable).

    The rules:

      locks      a task holding lock L exclusively is never leased beside
                 another holder of L, exclusive or shared, on any agent;
                 shared holders go beside each other. A task takes all its
                 locks or none (the broker decides alone, in one thread,
                 between two messages): no task waits holding a lock, so
                 no deadlock.
      resources  the agent must have the slots free now; the task holds
                 them (on instances chosen in the order the agent listed
                 them, the first with a free slot first) until its lease
                 ends. An agent lost frees nothing of another: what its
                 leases held goes with it, and a new agent under its
                 number starts with all its slots free.
      labels     the agent must carry every label the task requires.
      processors a task with a test of CTest's PROCESSORS N takes N of
                 its agent's worker slots (at most all of them, as ctest
                 clamps N to -j) until its lease ends. Once a test of the
                 suite asks for more than one, every task takes one at
                 least, so nothing runs beside it on its agent (and
                 leases no longer run ahead of an agent's free slots).

    A task is what its tests need together (fo_needs.h: their locks and
    labels once each, per resource the largest count: they run one after
    another). A discovery task needs nothing.

    Verdicts: NOW (lease it here), LATER (a lock or a resource is busy:
    it may go when a lease ends), NOT_HERE (this agent can never take it:
    a label missing, or fewer slots than it asks in all). Whether any
    alive agent could ever take it is fo_placement_possible: the run ends
    a task no agent can ever take, once its wait for agents has passed.

    Cost: a task's needs are computed when it is queued (linear in what
    its tests ask, with hashes; nothing at all when no test or context of
    the suite asks for anything, found once at the start); a check or a take is O(its locks + its
    resources x the agent's instances + its labels x the agent's labels),
    every lock found through a pointer resolved once.
*/
#ifndef FO_PLACEMENT_H
#define FO_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_sched.h"

typedef enum {
    FO_PLACE_NOW = 0,
    FO_PLACE_LATER,
    FO_PLACE_NOT_HERE,
} fo_place;

typedef struct fo_placement fo_placement;

/* The plan is borrowed (it may grow). */
fo_placement *fo_placement_new (const fo_plan *plan);
void fo_placement_destroy (fo_placement **self_p);

/* (Re)reads what the task needs from its tests (a unit task is rebuilt
   when its discoveries end). True when it needs anything at all. Not
   while it holds what it took. */
bool fo_placement_task (fo_placement *self, size_t task);
/* As the last fo_placement_task said. */
bool fo_placement_constrained (const fo_placement *self, size_t task);

/* Agents as they join (their resources and labels are copied) and when
   they are lost. */
void fo_placement_agent_joined (fo_placement *self, const fo_sched_agent *agent);
void fo_placement_agent_lost (fo_placement *self, uint32_t agent);

fo_place fo_placement_check (fo_placement *self, size_t task, uint32_t agent);
/* True when every task would be LATER on agent for want of worker slots
   (a suite with PROCESSORS, every slot of the agent held): the scheduler
   then skips its scan of the placed queue. O(1). */
bool fo_placement_agent_full (const fo_placement *self, uint32_t agent);
/* Takes the task's locks and resource slots on agent; only right after
   fo_placement_check said NOW. */
void fo_placement_take (fo_placement *self, size_t task, uint32_t agent);
/* Frees what the task holds; nothing when it holds nothing. */
void fo_placement_release (fo_placement *self, size_t task);

/* The instances the task holds, as the variables its steps get:
   FANOUT_RESOURCE_<NAME>=<id>[,<id>...] (NAME uppercased; one id per
   slot, in the order taken). NULL when it holds none. */
const fo_env *fo_placement_env (const fo_placement *self, size_t task);

/* Whether an agent alive now could ever take the task (its labels, and
   at least the slots it asks in all); also true when no agent is alive
   (the broker waits for agents on its own). When not, why says what is
   missing, e.g. "needs resource 'gpu' x3; the most an agent offers is 2". */
bool fo_placement_possible (const fo_placement *self, size_t task, char *why, size_t whylen);

#endif
