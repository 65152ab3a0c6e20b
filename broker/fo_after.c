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

static void
edges_of (fo_after *self, const fo_tasks *tasks, const size_t *task_of, size_t ntests,
          size_t task, const fo_strv *ids)
{
    for (size_t k = 0; k < ids->len; k++) {
        size_t test = fo_tasks_test (tasks, ids->items[k]);
        if (test == FO_NO_TEST || test >= ntests || task_of[test] == (size_t) -1
            || task_of[test] == task)
            continue;
        edge (self, task, task_of[test]);
    }
}

fo_after *
fo_after_new (const fo_plan *plan, const fo_tasks *tasks)
{
    bool any = false;
    for (size_t i = 0; i < plan->ntests && !any; i++) {
        const fo_test *t = plan->tests[i];
        any = (t->needs && t->needs->after.len > 0) || (t->verdict && t->verdict->needs.len > 0);
    }
    if (!any)
        return NULL;
    size_t *task_of = fo_xcalloc (plan->ntests + 1, sizeof *task_of);
    memset (task_of, 0xff, (plan->ntests + 1) * sizeof *task_of);
    for (size_t k = 0; k < plan->ntasks; k++)
        for (size_t i = 0; i < plan->tasks[k].ntests; i++)
            task_of[plan->tasks[k].tests[i]] = k;
    fo_after *self = fo_xcalloc (1, sizeof *self);
    self->ntasks = plan->ntasks;
    self->tasks = fo_xcalloc (plan->ntasks + 1, sizeof *self->tasks);
    for (size_t k = 0; k < plan->ntasks; k++)
        for (size_t i = 0; i < plan->tasks[k].ntests; i++) {
            const fo_test *t = plan->tests[plan->tasks[k].tests[i]];
            if (t->needs)
                edges_of (self, tasks, task_of, plan->ntests, k, &t->needs->after);
            if (t->verdict)
                edges_of (self, tasks, task_of, plan->ntests, k, &t->verdict->needs);
        }
    free (task_of);
    return self;
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
