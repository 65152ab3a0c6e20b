/*  fo_tasks — see fo_tasks.h. */
#include "fo_tasks.h"

#include <stdlib.h>
#include <string.h>

#include "fo_resource_groups.h"
#include "fo_steps.h"

static void *
grow_done (size_t *items, size_t *cap, size_t need)
{
    if (need <= *cap)
        return items;
    *cap = *cap ? *cap * 2 : 64;
    return fo_xrealloc (items, *cap * sizeof *items);
}

/* The steps a task's leases run, while it has some to run: most tasks
   never have one (a plan of a million tests keeps no wire steps: lean). */
typedef struct {
    /* The task's whole steps, built by fo_plan_task_steps_borrowed (the
       suite's strings borrowed), when the plan keeps none; else NULL and
       the plan's are used. */
    fo_step *full;
    size_t nfull;
    /* A narrowed task runs a subset of the whole steps: shallow copies
       (the full steps own their contents); NULL: all of them. */
    fo_step *steps;
    size_t nsteps;
    size_t *tests;          /* the subset's tests */
    size_t ntests;
} task_steps;

typedef struct {
    fo_task_rec rec;        /* rec.steps_slot: its steps in slots[], 0: none
                               until a lease needs them */
} task_item;

struct fo_tasks {
    const fo_plan *plan;
    task_item *items;       /* one per plan task */
    size_t cap;
    size_t ended;
    /* Ended tasks whose steps are still held: freed by fo_tasks_trim, once
       no caller can still hold a pointer to them. */
    size_t *done;
    size_t ndone, done_cap;
    /* The steps of the tasks that have some (leased, or narrowed): slot 0
       is never used; freed slots are taken again first. */
    task_steps **slots;
    size_t nslots, slots_cap;
    uint32_t *free_slots;
    size_t nfree, free_cap;
};

static task_steps *
steps_of (const fo_tasks *self, size_t t)
{
    uint32_t slot = self->items[t].rec.steps_slot;
    return slot ? self->slots[slot] : NULL;
}

/* The task's steps record, made empty when it has none. */
static task_steps *
steps_make (fo_tasks *self, size_t t)
{
    task_steps *ts = steps_of (self, t);
    if (ts)
        return ts;
    uint32_t slot;
    if (self->nfree > 0)
        slot = self->free_slots[--self->nfree];
    else {
        if (self->nslots == 0)
            self->nslots = 1;       /* 0 means none */
        if (self->nslots >= self->slots_cap) {
            self->slots_cap = self->slots_cap ? self->slots_cap * 2 : 64;
            self->slots = fo_xrealloc (self->slots, self->slots_cap * sizeof *self->slots);
        }
        slot = (uint32_t) self->nslots++;
    }
    ts = fo_xcalloc (1, sizeof *ts);
    self->slots[slot] = ts;
    self->items[t].rec.steps_slot = slot;
    return ts;
}

static void steps_free (task_steps *ts);

static void
steps_drop (fo_tasks *self, size_t t)
{
    uint32_t slot = self->items[t].rec.steps_slot;
    if (!slot)
        return;
    steps_free (self->slots[slot]);
    self->slots[slot] = NULL;
    self->items[t].rec.steps_slot = 0;
    if (self->nfree == self->free_cap) {
        self->free_cap = self->free_cap ? self->free_cap * 2 : 64;
        self->free_slots = fo_xrealloc (self->free_slots, self->free_cap * sizeof *self->free_slots);
    }
    self->free_slots[self->nfree++] = slot;
}

static void
steps_free (task_steps *ts)
{
    if (!ts)
        return;
    if (ts->full)
        fo_plan_steps_release (ts->full, ts->nfull);
    free (ts->steps);
    free (ts->tests);
    free (ts);
}

/* The task's whole steps: the plan's, or built now and kept until the
   task has ended (fo_tasks_trim). */
static const fo_step *
full_steps (fo_tasks *self, size_t t, size_t *nsteps)
{
    const fo_step *kept = fo_plan_steps (self->plan, t);
    if (kept) {
        *nsteps = self->plan->tasks[t].nsteps;
        return kept;
    }
    task_steps *ts = steps_make (self, t);
    if (!ts->full)
        ts->full = fo_plan_task_steps_borrowed (self->plan, t, &ts->nfull);
    *nsteps = ts->nfull;
    return ts->full;
}

fo_tasks *
fo_tasks_new (const fo_plan *plan)
{
    fo_tasks *self = fo_xcalloc (1, sizeof *self);
    self->plan = plan;
    fo_tasks_grow (self, 0);
    return self;
}

void
fo_tasks_destroy (fo_tasks **self_p)
{
    fo_tasks *self = *self_p;
    if (!self)
        return;
    for (size_t i = 1; i < self->nslots; i++)
        steps_free (self->slots[i]);
    free (self->slots);
    free (self->free_slots);
    free (self->items);
    free (self->done);
    free (self);
    *self_p = NULL;
}

void
fo_tasks_grow (fo_tasks *self, size_t old_ntests)
{
    (void) old_ntests;      /* tests are found through the suite's index */
    if (self->plan->ntasks <= self->cap)
        return;
    /* the plan's size at first (a million tasks), doubling as it grows */
    size_t cap = self->cap ? self->cap * 2 : self->plan->ntasks;
    while (cap < self->plan->ntasks)
        cap *= 2;
    self->items = fo_xrealloc (self->items, cap * sizeof *self->items);
    memset (self->items + self->cap, 0, (cap - self->cap) * sizeof *self->items);
    self->cap = cap;
}

fo_task_rec *
fo_tasks_rec (fo_tasks *self, size_t task)
{
    return &self->items[task].rec;
}

size_t
fo_tasks_test (const fo_tasks *self, const char *id)
{
    size_t n = fo_plan_test_number (self->plan, id);
    return n == FO_NO_TEST_NUMBER ? FO_NO_TEST : n;
}

/* Up to this many of the task's own tests are compared before the hash
   is asked: a plain test's task has one. */
#define TESTS_COMPARED 4

size_t
fo_tasks_test_in (const fo_tasks *self, size_t task, const char *id)
{
    size_t ntests;
    const size_t *tests = fo_tasks_tests (self, task, &ntests);
    if (ntests <= TESTS_COMPARED)
        for (size_t i = 0; i < ntests; i++) {
            /* What fo_plan_test_number would answer: the suite's test of
               that id, numbered as in this plan. */
            const fo_test *t = tests[i] < self->plan->ntests ? self->plan->tests[tests[i]] : NULL;
            if (t && t->number == tests[i] && strcmp (t->id, id) == 0)
                return tests[i];
        }
    return fo_tasks_test (self, id);
}

bool
fo_tasks_end (fo_tasks *self, size_t task)
{
    if (self->items[task].rec.state == FO_TASK_ENDED)
        return false;
    self->items[task].rec.state = FO_TASK_ENDED;
    self->ended++;
    if (self->items[task].rec.steps_slot) {
        self->done = grow_done (self->done, &self->done_cap, self->ndone + 1);
        self->done[self->ndone++] = task;
    }
    return true;
}

void
fo_tasks_trim (fo_tasks *self)
{
    for (size_t i = 0; i < self->ndone; i++) {
        if (self->items[self->done[i]].rec.state == FO_TASK_ENDED)
            steps_drop (self, self->done[i]);
    }
    self->ndone = 0;
}

bool
fo_tasks_all_ended (const fo_tasks *self)
{
    return self->ended == self->plan->ntasks;
}

const fo_step *
fo_tasks_steps (fo_tasks *self, size_t t, size_t *nsteps)
{
    const task_steps *ts = steps_of (self, t);
    if (ts && ts->steps) {
        *nsteps = ts->nsteps;
        return ts->steps;
    }
    return full_steps (self, t, nsteps);
}

fo_step *
fo_tasks_steps_with_groups (fo_tasks *self, size_t task, const fo_env *held)
{
    size_t nsteps;
    const fo_step *steps = fo_tasks_steps (self, task, &nsteps);
    fo_step *copy = NULL;
    for (size_t i = 0; i < nsteps; i++) {
        if (steps[i].kind != FO_STEP_TEST)
            continue;
        size_t n = fo_tasks_test (self, steps[i].name);
        const fo_needs *needs = n != FO_NO_TEST ? self->plan->tests[n]->needs : NULL;
        if (!needs || needs->ngroups == 0)
            continue;
        if (!copy) {
            copy = fo_xcalloc (nsteps, sizeof *copy);
            for (size_t k = 0; k < nsteps; k++)
                fo_step_copy (&copy[k], &steps[k]);
        }
        fo_resource_groups_env (needs, held, &copy[i].env);
    }
    return copy;
}

const size_t *
fo_tasks_tests (const fo_tasks *self, size_t t, size_t *ntests)
{
    const task_steps *ts = steps_of (self, t);
    if (ts && ts->steps) {
        *ntests = ts->ntests;
        return ts->tests;
    }
    *ntests = self->plan->tasks[t].ntests;
    return fo_task_tests (&self->plan->tasks[t]);
}

void
fo_tasks_narrow (fo_tasks *self, size_t t, const fo_report *report)
{
    const fo_task *pt = &self->plan->tasks[t];
    size_t nfull;
    const fo_step *full = full_steps (self, t, &nfull);
    task_steps *rec = steps_make (self, t);
    bool *keep = fo_xcalloc (nfull ? nfull : 1, sizeof *keep);
    free (rec->tests);
    rec->tests = fo_xmalloc ((pt->ntests ? pt->ntests : 1) * sizeof *rec->tests);
    rec->ntests = 0;
    for (size_t i = 0; i < nfull; i++) {
        const fo_step *s = &full[i];
        for (size_t k = 0; s->kind == FO_STEP_TEST && k < s->tests.len; k++) {
            size_t n = fo_tasks_test (self, s->tests.items[k]);
            if (n != FO_NO_TEST && !fo_report_test (report, n)->done && rec->ntests < pt->ntests) {
                keep[i] = true;
                rec->tests[rec->ntests++] = n;
            }
        }
    }
    free (rec->steps);
    rec->steps = fo_xcalloc (nfull ? nfull : 1, sizeof *rec->steps);
    rec->nsteps = fo_steps_subset (full, nfull, keep, rec->steps);
    free (keep);
}

char *
fo_tasks_name (const fo_tasks *self, size_t t)
{
    const fo_task *pt = &self->plan->tasks[t];
    if (pt->discovery != FO_NO_DISCOVERY)
        return fo_xasprintf ("the discover task of context '%s'",
                             self->plan->discoveries[pt->discovery].ctx->id);
    if (pt->unit)
        return fo_xasprintf ("the task of context '%s'", pt->unit->id);
    if (pt->ntests > 0)
        return fo_xasprintf ("the task of test '%s'", self->plan->tests[fo_task_tests (pt)[0]]->id);
    return fo_xasprintf ("task %zu", t);
}
