/*  fo_sched_order — the order in which the scheduler leases the parallel
    tasks (fo_sched.h, docs/test-history.md#longest-first): each task's
    cost from the history (or an importer's hint), the ready heap longest
    first, and the placed queue (tasks with locks, resources or labels)
    kept in the same order. State: internal/fo_sched_state.h. */
#include "fo_sched_state.h"

#include <stdlib.h>
#include <string.h>

#include "fo_util.h"

/* ---- the ready heap: longest first ------------------------------------- */

/* Does task a go before task b? A test that failed last time first (with
   --last-failed), then the longest expected work, then a task holding
   tests the history does not know, then plan order. Without history every
   cost is 0: plan order. */
static bool
order_before (const fo_sched *self, size_t a, size_t b)
{
    const task_rec *x = &self->tasks[a], *y = &self->tasks[b];
    if (x->first != y->first)
        return x->first;
    if (x->cost != y->cost)
        return x->cost > y->cost;
    if (x->unknown != y->unknown)
        return x->unknown;
    return x->seq < y->seq;
}

/* Sorted mode's array moved back to the start of its allocation. */
static void
heap_rebase (fo_sched *self)
{
    if (self->heap_base == 0)
        return;
    memmove (self->heap, self->heap + self->heap_base, self->nheap * sizeof *self->heap);
    self->heap_base = 0;
}

void
fo_sched_heap_push (fo_sched *self, size_t task)
{
    if (self->heap_base + self->nheap == self->heap_cap) {
        heap_rebase (self);
        if (self->nheap == self->heap_cap) {
            self->heap_cap = self->heap_cap ? self->heap_cap * 2 : 64;
            self->heap = fo_xrealloc (self->heap, self->heap_cap * sizeof *self->heap);
        }
    }
    if (self->heap_sorted) {
        size_t end = self->heap_base + self->nheap;
        if (self->nheap == 0 || !order_before (self, task, self->heap[end - 1])) {
            self->heap[end] = (uint32_t) task;
            self->nheap++;
            return;
        }
        heap_rebase (self);     /* out of order: a heap from now on */
        self->heap_sorted = false;
    }
    size_t i = self->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!order_before (self, task, self->heap[parent]))
            break;
        self->heap[i] = self->heap[parent];
        i = parent;
    }
    self->heap[i] = (uint32_t) task;
}

bool
fo_sched_heap_pop (fo_sched *self, size_t *task)
{
    if (self->nheap == 0)
        return false;
    if (self->heap_sorted) {
        *task = self->heap[self->heap_base++];
        if (--self->nheap == 0)
            self->heap_base = 0;
        return true;
    }
    *task = self->heap[0];
    size_t last = self->heap[--self->nheap], i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= self->nheap)
            break;
        if (child + 1 < self->nheap && order_before (self, self->heap[child + 1], self->heap[child]))
            child++;
        if (!order_before (self, self->heap[child], last))
            break;
        self->heap[i] = self->heap[child];
        i = child;
    }
    if (self->nheap > 0)
        self->heap[i] = (uint32_t) last;
    return true;
}

/* Stopped: every task in the heap ends alike, so it is emptied in one
   pass over its array (O(1) a task, where a pop is O(log n): 35% of
   ending a million-test run). The array is in plan order when no history
   or hint reordered it (each push then stays where it lands), so the
   not-run tasks still end in plan order then. */
bool
fo_sched_heap_drain (fo_sched *self, size_t *task)
{
    if (self->heap_drained == self->nheap) {
        self->nheap = self->heap_drained = self->heap_base = 0;
        return false;
    }
    *task = self->heap[self->heap_base + self->heap_drained++];
    return true;
}

void
fo_sched_set_history (fo_sched *self, const fo_history *history, bool failed_first)
{
    self->history = history;
    self->failed_first = failed_first && history;
    int64_t typical = fo_history_typical_us (history);
    self->typical_us = typical > 0 ? (uint64_t) typical : 0;
}

/* A task's cost, once, when it is first queued: the sum of its tests'
   expected durations (a test the history does not know counts as its
   importer's hint, CTest's COST, else as the typical one) plus the setup time of every shared context it waits for
   (its tests cannot start before it: a long setup makes its tasks urgent). */
void
fo_sched_cost (fo_sched *self, size_t task)
{
    task_rec *rec = fo_sched_task (self, task);
    if (rec->costed)
        return;
    rec->costed = true;
    rec->seq = (uint32_t) self->next_seq++;
    if (fo_history_empty (self->history) && !self->failed_first && !self->cost_hints)
        return;
    const fo_task *t = &self->plan->tasks[task];
    uint64_t cost = 0;
    for (size_t i = 0; i < t->ntests; i++) {
        const char *id = self->plan->tests[fo_task_tests (t)[i]]->id;
        int64_t us = fo_history_expected_us (self->history, id);
        if (us < 0 && self->plan->tests[fo_task_tests (t)[i]]->cost_ms > 0)
            /* Not known: the importer's hint (CTest's COST) stands in. */
            us = (int64_t) self->plan->tests[fo_task_tests (t)[i]]->cost_ms * 1000;
        else if (us < 0) {
            rec->unknown = true;
            us = (int64_t) self->typical_us;
        }
        cost += (uint64_t) us;
        if (self->failed_first && fo_history_failed_last (self->history, id))
            rec->first = true;
    }
    for (size_t i = 0; i < t->nshared; i++) {
        int64_t us = fo_history_setup_us (self->history, self->plan->shared[t->shared[i]].ctx->id);
        if (us > 0)
            cost += (uint64_t) us;
    }
    rec->cost = cost;
}

/* ---- the placed tasks: longest first too ------------------------------- */

static int
cmp_order (const void *a, const void *b, void *arg)
{
    size_t x = *(const size_t *) a, y = *(const size_t *) b;
    return order_before (arg, x, y) ? -1 : order_before (arg, y, x) ? 1 : 0;
}

/* Placed tasks are scanned in order (pick_placed), so they are a sorted
   queue rather than a heap: appended as they come (in order when nothing
   reorders them: no history, no hint), sorted once before the next scan
   when one came out of order. O(n log n) after the plan's and each
   discovery's batch, not O(n) an insert. */
void
fo_sched_placed_push (fo_sched *self, size_t task)
{
    fo_deque *q = &self->constrained;
    if (q->len > 0 && order_before (self, task, fo_deque_at (q, q->len - 1)))
        self->constrained_unsorted = true;
    fo_deque_push_back (q, task);
}

void
fo_sched_placed_sort (fo_sched *self)
{
    if (!self->constrained_unsorted)
        return;
    fo_deque_sort (&self->constrained, cmp_order, self);
    self->constrained_unsorted = false;
}

