/*  fo_sched_state — the scheduler's state, shared by its two parts:
    fo_sched.c (queues, agents and hosts, the picking rules) and
    fo_sched_order.c (the order of the parallel tasks: their costs from
    the history, the ready heap, the placed queue sorted alike). Private
    to broker/. */
#ifndef FO_SCHED_STATE_H
#define FO_SCHED_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "fo_deque.h"
#include "fo_placement.h"
#include "fo_sched.h"

/* The hosts a try of a task failed on, each once: out of the task's
   record, as few tasks ever fail. */
typedef struct {
    uint32_t *hosts;
    uint32_t n;
} failed_list;

typedef struct {
    /* Its place in the ready heap (order_before): */
    uint64_t cost;          /* expected duration from the history */
    uint32_t seq;           /* plan order: when it was first queued (one
                               number per task: far below 2^32) */
    uint32_t failed;        /* 0, or 1 + its failed_list in fo_sched.failed */
    /* 24 bytes a task (a million of them), not 40 (32 with the hosts it
       failed on in the record): */
    bool unknown : 1;       /* holds a test the history does not know */
    bool first : 1;         /* holds a test that failed last time (--last-failed) */
    bool costed : 1;
} task_rec;
_Static_assert (sizeof (task_rec) == 24, "a task's scheduling record is 24 bytes");

typedef struct {
    fo_sched_agent agent;   /* as it last joined (host owned) */
    uint32_t host;          /* its host's number */
    bool joined;
    bool alive;             /* joined and not lost */
} agent_slot;

typedef struct {
    size_t alive;           /* its agents alive now */
    bool quarantined;       /* --quarantine-hosts: no leases, not counted
                               in nalive_hosts */
} host_rec;

struct fo_sched {
    const fo_plan *plan;
    fo_sched_fixture_fn *fixture_fn;
    void *arg;

    task_rec *tasks;        /* grows with the plan's tasks */
    size_t tasks_cap;
    failed_list *failed;    /* task_rec.failed - 1 */
    size_t nfailed;
    fo_deque discovery;
    fo_deque ready;            /* parallel tasks back at the front (lost leases,
                               fixture up), before the heap */
    uint32_t *heap;         /* the other parallel tasks, by order_before (task
                               numbers: 32 bits, 4 MB less at 1M tasks) */
    size_t nheap, heap_cap;
    /* While every task was pushed in order (no history and no hint: plan
       order, each push lands at the end), the heap is a sorted array and
       a pop takes its first element: heap[heap_base], O(1) where a sift
       down is O(log n) cache misses (4% of the broker's CPU at 200k
       tasks). The first push out of order moves it back to 0 and makes
       it a heap (a sorted array is one already). */
    size_t heap_base;
    bool heap_sorted;
    size_t heap_drained;    /* fo_sched_drain's position in heap */
    uint64_t next_seq;
    const fo_history *history;  /* NULL: plan order */
    bool failed_first;
    uint64_t typical_us;    /* what a test the history does not know costs */
    bool cost_hints;        /* a test of the plan has an importer's hint (cost_ms) */
    fo_deque serial;
    fo_deque placed_front;  /* parallel tasks with locks, resources or
                               labels back at the front (lost leases, their
                               fixture up), before constrained: never sorted */
    fo_deque constrained;      /* the other such tasks (fo_placement), in
                               order_before's order */
    bool constrained_unsorted;  /* a task was queued out of that order */
    fo_deque impossible;       /* found by fo_sched_take_impossible's sweep */
    fo_placement *placement;
    fo_deque retry;         /* in the order their tries failed */
    fo_deque *parked;          /* per shared fixture */
    size_t nparked;

    agent_slot *agents;     /* per agent number */
    size_t agents_cap;
    host_rec *hosts;        /* per host number, in the order they joined */
    size_t nhosts, hosts_cap;
    zhashx_t *host_index;   /* host key -> number + 1 */
    size_t nalive_hosts;    /* hosts with an agent alive, not quarantined */
    bool quarantine_lifted; /* no other host was left: leases go anywhere */

    size_t in_flight;
    bool serial_running;
    bool held;              /* no more picks */
    bool stopped;           /* no more enqueues either */
};

/* fo_sched.c: the record of a task, grown with the plan. */
task_rec *fo_sched_task (fo_sched *self, size_t task);

/* fo_sched_order.c: */
/* A task's cost and plan order, once, when it is first queued. */
void fo_sched_cost (fo_sched *self, size_t task);
/* The ready heap of the parallel tasks without placement rules. */
void fo_sched_heap_push (fo_sched *self, size_t task);
bool fo_sched_heap_pop (fo_sched *self, size_t *task);
/* Stopped: empties the heap in one pass, a task per call; false at its end. */
bool fo_sched_heap_drain (fo_sched *self, size_t *task);
/* The placed queue (self->constrained), kept in the same order. */
void fo_sched_placed_push (fo_sched *self, size_t task);
void fo_sched_placed_sort (fo_sched *self);

#endif
