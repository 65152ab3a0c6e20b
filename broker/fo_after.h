/*  fo_after — an order between tasks: a task that waits for others to
    end before it may be queued (docs/sources.md, "CTest": a fixture in
    the shared mode).

    A test asks it through its needs (fo_needs.after: the ids of tests
    that must have ended first) and its verdict's needs (fo_verdict.needs:
    the CTest fixture setups it requires, which must also have passed —
    the run checks that when the task is let go). Those tests that are in
    other tasks of the plan make the task wait for those tasks; the ones
    in its own task are the agent's business (it runs a task's tests in
    order), and ids not in the plan (left out by a selection) order
    nothing.

    The run (fo_run.c) keeps a waiting task BLOCKED (fo_tasks.h), tells
    this module each task that ends, and queues the tasks it lets go.
    Built from the plan at the start, and grown with the tasks a
    discovery adds during the run (a CTest tree listed on an agent): those
    wait for one another, never for tasks of the plan before them (a
    listing's tests name only its own). The importer never makes
    a cycle (setups, then dependants, then cleanups); a task in a cycle
    would wait until the run's end, which ends it not run.

    Cost: O(tests + edges) to build (ids looked up through fo_tasks), and
    O(new tests + their edges) to grow, O(1) per edge when a task ends;
    nothing at all for a plan where no test asks (one pass over the
    tests). */
#ifndef FO_AFTER_H
#define FO_AFTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_plan.h"
#include "fo_tasks.h"

typedef struct fo_after fo_after;

/* NULL when no task of the plan waits for another. */
fo_after *fo_after_new (const fo_plan *plan, const fo_tasks *tasks);
void fo_after_destroy (fo_after **self_p);

/* The plan grew from old_ntests tests and old_ntasks tasks (a
   discovery's, fo_tasks_grow done): the new tasks' order among
   themselves. *self_p may be NULL (made when a new task asks for an
   order). The tasks that wait are the caller's to keep from the queue
   (fo_after_waits). */
void fo_after_grow (fo_after **self_p, const fo_plan *plan, const fo_tasks *tasks,
                    size_t old_ntests, size_t old_ntasks);

/* Does the task wait for tasks that have not ended? (NULL self: no.) */
bool fo_after_waits (const fo_after *self, size_t task);

/* The task ended: the tasks waiting for it that wait for nothing more
   now, into *ready (allocated, the caller frees it), their number
   returned. Each is let go once. */
size_t fo_after_task_ended (fo_after *self, size_t task, size_t **ready);

#endif
