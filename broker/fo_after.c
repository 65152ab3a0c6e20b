/*  fo_after — see fo_after.h. Per task, how many tasks it still waits
    for, and the tasks that wait for it (each edge once). */
#include "fo_after.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t *waiters;        /* tasks that wait for this one */
    size_t nwaiters, cap;
    size_t pending;         /* tasks this one waits for, not ended yet */
    bool ended;
} task_rec;

struct fo_after {
    task_rec *tasks;
    size_t ntasks;
};

static void
edge (fo_after *self, size_t waiter, size_t on)
{
    task_rec *t = &self->tasks[on];
    for (size_t i = 0; i < t->nwaiters; i++)
        if (t->waiters[i] == waiter)
            return;
    if (t->nwaiters == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 4;
        t->waiters = fo_xrealloc (t->waiters, t->cap * sizeof *t->waiters);
    }
    t->waiters[t->nwaiters++] = waiter;
    self->tasks[waiter].pending++;
}

/* task_of[test - base]: the task holding the test, for the tests
   numbered from base on (the others order nothing here). */
static void
edges_of (fo_after *self, const fo_tasks *tasks, const size_t *task_of, size_t base,
          size_t ntests, size_t task, const fo_strv *ids)
{
    for (size_t k = 0; k < ids->len; k++) {
        size_t test = fo_tasks_test (tasks, ids->items[k]);
        if (test == FO_NO_TEST || test < base || test >= ntests
            || task_of[test - base] == (size_t) -1 || task_of[test - base] == task)
            continue;
        edge (self, task, task_of[test - base]);
    }
}

/* Does a test of the tasks from first on ask for an order? */
static bool
asks (const fo_plan *plan, size_t first)
{
    for (size_t k = first; k < plan->ntasks; k++)
        for (size_t i = 0; i < plan->tasks[k].ntests; i++) {
            const fo_test *t = plan->tests[fo_task_tests (&plan->tasks[k])[i]];
            if ((t->needs && t->needs->after.len > 0) || (t->verdict && t->verdict->needs.len > 0))
                return true;
        }
    return false;
}

/* The edges of the tasks from first on, towards the tasks holding the
   tests numbered from base on. */
static void
add_edges (fo_after *self, const fo_plan *plan, const fo_tasks *tasks, size_t first, size_t base)
{
    size_t n = plan->ntests - base;
    size_t *task_of = fo_xcalloc (n + 1, sizeof *task_of);
    memset (task_of, 0xff, (n + 1) * sizeof *task_of);
    for (size_t k = first; k < plan->ntasks; k++)
        for (size_t i = 0; i < plan->tasks[k].ntests; i++)
            if (fo_task_tests (&plan->tasks[k])[i] >= base)
                task_of[fo_task_tests (&plan->tasks[k])[i] - base] = k;
    for (size_t k = first; k < plan->ntasks; k++)
        for (size_t i = 0; i < plan->tasks[k].ntests; i++) {
            const fo_test *t = plan->tests[fo_task_tests (&plan->tasks[k])[i]];
            if (t->needs)
                edges_of (self, tasks, task_of, base, plan->ntests, k, &t->needs->after);
            if (t->verdict)
                edges_of (self, tasks, task_of, base, plan->ntests, k, &t->verdict->needs);
        }
    free (task_of);
}

fo_after *
fo_after_new (const fo_plan *plan, const fo_tasks *tasks)
{
    if (!asks (plan, 0))
        return NULL;
    fo_after *self = fo_xcalloc (1, sizeof *self);
    self->ntasks = plan->ntasks;
    self->tasks = fo_xcalloc (plan->ntasks + 1, sizeof *self->tasks);
    add_edges (self, plan, tasks, 0, 0);
    return self;
}

void
fo_after_grow (fo_after **self_p, const fo_plan *plan, const fo_tasks *tasks, size_t old_ntests,
               size_t old_ntasks)
{
    fo_after *self = *self_p;
    if (old_ntasks >= plan->ntasks || (!self && !asks (plan, old_ntasks)))
        return;
    if (!self)
        self = *self_p = fo_xcalloc (1, sizeof *self);
    self->tasks = fo_xrealloc (self->tasks, (plan->ntasks + 1) * sizeof *self->tasks);
    memset (self->tasks + self->ntasks, 0, (plan->ntasks + 1 - self->ntasks) * sizeof *self->tasks);
    self->ntasks = plan->ntasks;
    add_edges (self, plan, tasks, old_ntasks, old_ntests);
}

void
fo_after_destroy (fo_after **self_p)
{
    fo_after *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->ntasks; i++)
        free (self->tasks[i].waiters);
    free (self->tasks);
    free (self);
    *self_p = NULL;
}

bool
fo_after_waits (const fo_after *self, size_t task)
{
    return self && task < self->ntasks && self->tasks[task].pending > 0;
}

size_t
fo_after_task_ended (fo_after *self, size_t task, size_t **ready)
{
    *ready = NULL;
    if (!self || task >= self->ntasks || self->tasks[task].ended)
        return 0;
    task_rec *t = &self->tasks[task];
    t->ended = true;
    size_t n = 0;
    for (size_t i = 0; i < t->nwaiters; i++) {
        task_rec *w = &self->tasks[t->waiters[i]];
        if (w->pending > 0 && --w->pending == 0) {
            if (!*ready)
                *ready = fo_xcalloc (t->nwaiters, sizeof **ready);
            (*ready)[n++] = t->waiters[i];
        }
    }
    return n;
}
