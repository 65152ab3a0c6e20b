/*  fo_sched — the broker's scheduler: the one place that decides which
    task is leased next, and to which agent.

    It owns the queues of tasks waiting for a lease and applies every rule
    in one function, fo_sched_pick (agent):

      discovery  discovery tasks (`discover_on: agent`) go first: they make
                 more work, and they need no shared setup;
      retry      tasks leased again for their held failed tries (fo_retry)
                 come next, each on a host it has not failed on while an
                 agent on such a host is alive (on the same host when no
                 other is there): a try that fails again elsewhere is the
                 test's, not the host's;
      placed     parallel tasks with locks, resources or labels
                 (fo_placement.h, docs/resources.md), in plan order: the
                 first one placement lets this agent take now goes (with
                 all its locks and slots at once); those that must wait
                 for a lock, a slot or another agent stay where they are
                 and never hold back the tasks behind them;
      ready      parallel tasks, longest expected work first when there is
                 history (fo_sched_set_history), else in plan order; a lease
                 lost with its agent comes back to the front;
      serial     serial tasks: leased only when nothing is in flight, and
                 nothing else is leased while one runs (the first that
                 placement lets the agent take);
      parked     per shared fixture, the tasks waiting for its setup. A task
                 is leased only when every shared fixture it depends on is
                 up; the scheduler asks the run (fo_sched_fixture_fn), which
                 starts a setup the first time one is needed, and parks the
                 task on the first fixture that is not up. When a fixture is
                 up its parked tasks go back to the front of their queue, in
                 order; when it failed, the run takes them and ends them.

    Tasks enter through one door, fo_sched_enqueue, with the reason they
    are queued (planned, discovered, retried, lost), which says where they
    go. fo_sched_stop then fo_sched_drain empty every queue (the run ends
    those tasks not run).

    The scheduler knows the plan's tasks (serial, discovery, shared
    fixtures) and the agents that joined, and nothing of sockets, fixture
    processes or the report: tests/unit/test_sched.c drives it alone.

    Longest first (docs/test-history.md): a task's cost, computed once when it is
    first queued, is the sum of its tests' expected durations (a unit's
    cost is all of its tests; a test the history does not know counts as
    the typical known one) plus the setup time of each shared context it
    waits for. Ready tasks go by: a test that failed last time first (with
    --last-failed), then cost, longest first, then a task holding unknown
    tests before one that holds none, then plan order. Without history
    every cost is equal: plan order, as before.

    Placement rules live in fo_placement.c, called from here only; the
    placed queue keeps plan order (not longest first).

    Future rules belong here and only here: placement by an agent's
    resources and labels (fo_sched_agent carries what pick may match).

    Cost: enqueue and pick are O(log tasks) for the ready heap, O(1) for
    the serial and discovery queues; a retry is checked against its own failed-on list
    (at most one entry per failed try), never against every agent (hosts
    keep a count of their alive agents); the retry queue is scanned per
    pick (it holds only tasks with held failures), and so is the placed
    queue, up to the first task the agent may take (fo_placement.h: each
    check is O(what the task needs)).
*/
#ifndef FO_SCHED_H
#define FO_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_history.h"
#include "fo_plan.h"

/* Who asks for a task: what pick may match a task against. */
typedef struct {
    uint32_t number;        /* the broker's agent number (reused after a loss) */
    const char *host;       /* as the agent named it in its hello; may be NULL */
    uint32_t slots;         /* its worker slots */
    /* What it offers (fo_placement.h): borrowed when joining, copied by
       the scheduler; fo_sched_agent_of gives them back as NULL / 0. */
    const fo_resource *resources;
    size_t nresources;
    const fo_strv *labels;  /* may be NULL: none */
} fo_sched_agent;

/* Why a task is queued; it says where it goes. */
typedef enum {
    FO_SCHED_PLANNED = 0,   /* from the plan at start: back of its queue */
    FO_SCHED_DISCOVERED,    /* generated during the run: back of its queue */
    FO_SCHED_RETRY,         /* held failed tries to run again: the retry
                               queue (a serial task: front of serial) */
    FO_SCHED_LOST,          /* its lease was lost with its agent, or given
                               back unstarted: front of its queue */
} fo_sched_reason;

/* What the run says of one shared fixture a task depends on. */
typedef enum {
    FO_SCHED_FIXTURE_UP = 0,    /* set up: the task may go on */
    FO_SCHED_FIXTURE_WAIT,      /* setting up (perhaps started just now): park it */
    FO_SCHED_FIXTURE_GONE,      /* it failed: the run has ended the task; drop it */
} fo_sched_fixture;

/* Asked by pick for each shared fixture of a candidate task, outermost
   first. It may start the fixture's setup. It must not call the scheduler
   back, except fo_sched_hold (the task's end may stop the run). */
typedef fo_sched_fixture (fo_sched_fixture_fn) (void *arg, size_t task, size_t fixture);

typedef struct fo_sched fo_sched;

/* The plan is borrowed (it may grow: tasks are read from it when needed). */
fo_sched *fo_sched_new (const fo_plan *plan, fo_sched_fixture_fn *fixture_fn, void *arg);
void fo_sched_destroy (fo_sched **self_p);

/* Orders the ready tasks by this history (borrowed; NULL: plan order);
   failed_first: tasks with a test that failed last time go first
   (--last-failed). Call before the first enqueue. */
void fo_sched_set_history (fo_sched *self, const fo_history *history, bool failed_first);

/* Queues a task (see fo_sched_reason). False, and nothing queued, once the
   scheduler is stopped: the caller ends the task not run. */
bool fo_sched_enqueue (fo_sched *self, size_t task, fo_sched_reason why);

/* The next task `agent` may lease now, by every rule above; it counts as
   in flight until fo_sched_lease_ended. False when none may go now. */
bool fo_sched_pick (fo_sched *self, const fo_sched_agent *agent, size_t *task);

/* A lease of the task has ended (done, lost, undeliverable). */
void fo_sched_lease_ended (fo_sched *self, size_t task);

/* Agents: a retry prefers alive agents it has not failed on; placement
   rules will read what they joined with. An agent number may be reused
   after a loss (the new agent replaces the old one's record). */
void fo_sched_agent_joined (fo_sched *self, const fo_sched_agent *agent);
void fo_sched_agent_lost (fo_sched *self, uint32_t agent);
/* The agent with this number as it last joined (kept after it was lost),
   or NULL when none joined with it. */
const fo_sched_agent *fo_sched_agent_of (const fo_sched *self, uint32_t agent);

/* --quarantine-hosts: no more leases to agents of this host, while an
   agent of another host that is not quarantined is alive (when none is,
   the quarantine is lifted for the rest of the run rather than leave
   tasks that nothing may take). A retry no longer counts the host among
   the ones it could go to. Returns false, and nothing changes, when no
   other such host is there now or the host is not known. */
bool fo_sched_quarantine (fo_sched *self, const char *host);

/* A try of the task failed on `agent`: its retry will prefer another host
   (agents are told apart by the host they named in their hello; an agent
   that named none is a host of its own). */
void fo_sched_failed_on (fo_sched *self, size_t task, uint32_t agent);

/* Shared fixture `fixture` is up: its parked tasks go back to the front of
   their queues, in the order they came. */
void fo_sched_fixture_up (fo_sched *self, size_t fixture);
/* It failed: takes its parked tasks one by one (the run ends them). */
bool fo_sched_take_parked (fo_sched *self, size_t fixture, size_t *task);

/* No more picks (a stop is coming); queues are kept. Safe to call from
   fo_sched_fixture_fn. */
void fo_sched_hold (fo_sched *self);
/* Stops for good: no more picks, no more enqueues. Then drain. */
void fo_sched_stop (fo_sched *self);
/* After stop: takes every queued or parked task, one by one (retries,
   discoveries, placed, ready, serial, then parked per fixture). */
bool fo_sched_drain (fo_sched *self, size_t *task);

/* Placement (fo_placement.h). The next queued task no agent alive now
   could ever take (labels it requires, more slots of a resource than any
   agent has), taken out of its queue with why; the run ends it not run.
   False when there is none (or no agent is alive: the broker waits for
   agents on its own). One sweep of the queues per call that finds none:
   the run calls it when its wait for agents has passed, and again when
   agents come or go. Parked tasks are swept once they are back. */
bool fo_sched_take_impossible (fo_sched *self, size_t *task, char *why, size_t whylen);
/* The variables naming the resource instances the task holds while it
   is leased (FANOUT_RESOURCE_GPU=0,1), or NULL. */
const fo_env *fo_sched_lease_env (const fo_sched *self, size_t task);

/* Leases picked and not ended. */
size_t fo_sched_in_flight (const fo_sched *self);

/* False when fo_sched_pick would give no agent anything now (held, a
   serial task running, or nothing queued that may go): the broker then
   stops asking agent after agent. True does not promise a task to every
   agent (a retry avoids the hosts it failed on; placement may refuse a
   task to this agent). */
bool fo_sched_may_pick (const fo_sched *self);
/* Tasks waiting for a lease, in every queue (parked ones not counted). O(1). */
size_t fo_sched_queued (const fo_sched *self);

#endif
