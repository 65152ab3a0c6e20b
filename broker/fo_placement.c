/*  fo_placement — see fo_placement.h. Locks live in one hash, name ->
    record, each record resolved once per task into a pointer; per agent
    number the instances it offers (in its order) and its labels; per
    task what it needs and, while leased, what it holds. */
#include "fo_placement.h"

#include <czmq.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t shared;        /* holders sharing it */
    bool exclusive;         /* held by one task alone */
} lock_rec;

typedef struct {
    char *name, *id;
    uint32_t slots, free;
} instance;

typedef struct {
    instance *inst;         /* as the agent listed them */
    size_t ninst;
    fo_strv labels;
    uint64_t generation;    /* which join of this number */
    bool alive;
    uint32_t slots;         /* its worker slots */
    uint32_t busy;          /* of them, held by leases (PROCESSORS) */
} agent_rec;

typedef struct {
    char *name;
    uint32_t count;
} need;

typedef struct {
    bool constrained;
    lock_rec **excl;        /* its locks, resolved */
    size_t nexcl;
    lock_rec **shared;
    size_t nshared;
    need *res;
    size_t nres;
    fo_strv requires;
    uint32_t processors;    /* worker slots it takes; 0: not counted */
    /* while leased */
    bool holding;
    uint32_t agent;
    uint64_t generation;
    uint32_t *taken;        /* per instance of that agent, slots taken */
    uint32_t slots_taken;   /* worker slots taken (processors, clamped) */
    size_t ntaken;
    fo_env env;
} task_rec;

struct fo_placement {
    const fo_plan *plan;
    zhashx_t *locks;        /* name -> lock_rec */
    agent_rec *agents;
    size_t agents_cap;
    task_rec *tasks;
    size_t tasks_cap;
    uint64_t generations;
    bool any_needs;         /* some test or context of the suite asks for
                               something: else every task is plain, at once */
    bool any_processors;    /* some test takes more than one worker slot
                               (CTest's PROCESSORS): then every task counts
                               the worker slots it takes, one at least */
    size_t planned;         /* tasks of the plan when the run began: the
                               ones after are a discovery's */
};

static void
lock_free (void **item)
{
    free (*item);
    *item = NULL;
}

/* Whether anything in ctx's subtree asks for locks, resources or labels.
   Tests found during the run ask nothing of their own (they inherit their
   context's), so the answer at the start holds for the whole run. */
static bool
subtree_processors (const fo_context *ctx)
{
    for (size_t i = 0; i < ctx->ntests; i++)
        if (ctx->tests[i]->needs && ctx->tests[i]->needs->processors > 1)
            return true;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (subtree_processors (ctx->contexts[i]))
            return true;
    return false;
}

static bool
subtree_needs (const fo_context *ctx)
{
    if (!fo_needs_empty (ctx->needs))
        return true;
    for (size_t i = 0; i < ctx->ntests; i++)
        if (!fo_needs_empty (ctx->tests[i]->needs))
            return true;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (subtree_needs (ctx->contexts[i]))
            return true;
    return false;
}

fo_placement *
fo_placement_new (const fo_plan *plan)
{
    fo_placement *self = fo_xcalloc (1, sizeof *self);
    self->plan = plan;
    self->any_needs = plan->suite && plan->suite->root && subtree_needs (plan->suite->root);
    self->any_processors = self->any_needs && subtree_processors (plan->suite->root);
    self->planned = plan->ntasks;
    self->locks = zhashx_new ();
    zhashx_set_destructor (self->locks, lock_free);
    return self;
}

static void
agent_clear (agent_rec *a)
{
    for (size_t i = 0; i < a->ninst; i++) {
        free (a->inst[i].name);
        free (a->inst[i].id);
    }
    free (a->inst);
    a->inst = NULL;
    a->ninst = 0;
    fo_strv_free (&a->labels);
}

static void
task_clear_needs (task_rec *t)
{
    free (t->excl);
    free (t->shared);
    for (size_t i = 0; i < t->nres; i++)
        free (t->res[i].name);
    free (t->res);
    fo_strv_free (&t->requires);
    t->excl = t->shared = NULL;
    t->res = NULL;
    t->nexcl = t->nshared = t->nres = 0;
    t->processors = 0;
    t->constrained = false;
}

void
fo_placement_destroy (fo_placement **self_p)
{
    fo_placement *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->agents_cap; i++)
        agent_clear (&self->agents[i]);
    free (self->agents);
    for (size_t i = 0; i < self->tasks_cap; i++) {
        task_clear_needs (&self->tasks[i]);
        free (self->tasks[i].taken);
        fo_env_free (&self->tasks[i].env);
    }
    free (self->tasks);
    zhashx_destroy (&self->locks);
    free (self);
    *self_p = NULL;
}

static task_rec *
task_of (fo_placement *self, size_t task)
{
    self->tasks = fo_xgrow_to (self->tasks, &self->tasks_cap, task, sizeof *self->tasks, 64);
    return &self->tasks[task];
}

static lock_rec *
lock_of (fo_placement *self, const char *name)
{
    lock_rec *l = zhashx_lookup (self->locks, name);
    if (!l) {
        l = fo_xcalloc (1, sizeof *l);
        zhashx_insert (self->locks, name, l);
    }
    return l;
}

/* ---- what a task needs -------------------------------------------------- */

/* Collects the needs of every test of a task, each entry once: `seen`
   maps "x<lock>", "s<lock>", "r<label>" to 1 and "g<resource>" to its
   index + 1 in `res`, so a task of many tests stays linear. */
typedef struct {
    zhashx_t *seen;
    fo_strv excl, shared;
    fo_needs out;           /* requires and resources */
    size_t res_cap;
} collector;

static bool
first_time (collector *c, char kind, const char *name, uintptr_t value)
{
    char *key = fo_xasprintf ("%c%s", kind, name);
    bool fresh = zhashx_insert (c->seen, key, (void *) value) == 0;
    free (key);
    return fresh;
}

static void
collect (collector *c, const fo_needs *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->locks.len; i++)
        if (first_time (c, 'x', n->locks.items[i], 1))
            fo_strv_push (&c->excl, n->locks.items[i]);
    for (size_t i = 0; i < n->shared_locks.len; i++)
        if (first_time (c, 's', n->shared_locks.items[i], 1))
            fo_strv_push (&c->shared, n->shared_locks.items[i]);
    for (size_t i = 0; i < n->requires.len; i++)
        if (first_time (c, 'r', n->requires.items[i], 1))
            fo_strv_push (&c->out.requires, n->requires.items[i]);
    for (size_t i = 0; i < n->nresources; i++) {
        const fo_need *r = &n->resources[i];
        char *key = fo_xasprintf ("g%s", r->name);
        uintptr_t at = (uintptr_t) zhashx_lookup (c->seen, key);
        if (at) {
            if (r->count > c->out.resources[at - 1].count)
                c->out.resources[at - 1].count = r->count;
        } else {
            if (c->out.nresources == c->res_cap) {
                c->res_cap = c->res_cap ? 2 * c->res_cap : 4;
                c->out.resources = fo_xrealloc (c->out.resources,
                                                c->res_cap * sizeof *c->out.resources);
            }
            c->out.resources[c->out.nresources++] = (fo_need) { fo_xstrdup (r->name), r->count };
            zhashx_insert (c->seen, key, (void *) (uintptr_t) c->out.nresources);
        }
        free (key);
    }
}

/* Does a test of the task, or a context above one, ask for something? */
static bool
task_asks (const fo_placement *self, const fo_task *pt)
{
    for (size_t i = 0; i < pt->ntests; i++) {
        const fo_test *test = self->plan->tests[fo_task_tests (pt)[i]];
        if (!fo_needs_empty (test->needs))
            return true;
        for (const fo_context *ctx = test->parent; ctx; ctx = ctx->parent)
            if (!fo_needs_empty (ctx->needs))
                return true;
    }
    return false;
}

bool
fo_placement_task (fo_placement *self, size_t task)
{
    /* A discovery's tests may ask what nothing asked when the run began
       (a CTest tree listed on an agent: its locks, resources, PROCESSORS):
       from then on every task is placed by what it asks. */
    if (!self->any_needs && task >= self->planned && task < self->plan->ntasks
        && task_asks (self, &self->plan->tasks[task])) {
        self->any_needs = true;
        self->any_processors = subtree_processors (self->plan->suite->root);
    }
    /* A suite that asks for nothing has no record at all: 160 bytes a
       task, 168 MB at a million tests, for what every plain task has. */
    if (!self->any_needs && task >= self->tasks_cap)
        return false;
    task_rec *t = task_of (self, task);
    if (t->holding)
        return t->constrained;
    task_clear_needs (t);
    const fo_task *pt = &self->plan->tasks[task];
    if (!self->any_needs || pt->discovery != FO_NO_DISCOVERY)
        return false;
    collector c = { .seen = zhashx_new () };
    /* Worker slots: a task's tests run one after another, so it takes
       the most any of them asks; one at least, once some test of the
       suite asks more (else a test of PROCESSORS 2 would still run
       beside others on its agent). */
    t->processors = self->any_processors ? 1 : 0;
    for (size_t i = 0; i < pt->ntests; i++) {
        const fo_test *test = self->plan->tests[fo_task_tests (pt)[i]];
        if (test->needs && test->needs->processors > t->processors)
            t->processors = test->needs->processors;
        collect (&c, test->needs);
        for (const fo_context *ctx = test->parent; ctx; ctx = ctx->parent)
            collect (&c, ctx->needs);
    }
    /* A lock asked both ways is exclusive only. */
    t->excl = fo_xcalloc (c.excl.len + 1, sizeof *t->excl);
    for (size_t i = 0; i < c.excl.len; i++)
        t->excl[t->nexcl++] = lock_of (self, c.excl.items[i]);
    t->shared = fo_xcalloc (c.shared.len + 1, sizeof *t->shared);
    for (size_t i = 0; i < c.shared.len; i++) {
        char *key = fo_xasprintf ("x%s", c.shared.items[i]);
        if (!zhashx_lookup (c.seen, key))
            t->shared[t->nshared++] = lock_of (self, c.shared.items[i]);
        free (key);
    }
    t->res = fo_xcalloc (c.out.nresources + 1, sizeof *t->res);
    for (size_t i = 0; i < c.out.nresources; i++)
        t->res[t->nres++] = (need) { c.out.resources[i].name, c.out.resources[i].count };
    free (c.out.resources);
    t->requires = c.out.requires;
    fo_strv_free (&c.excl);
    fo_strv_free (&c.shared);
    zhashx_destroy (&c.seen);
    t->constrained = t->nexcl || t->nshared || t->nres || t->requires.len || t->processors;
    return t->constrained;
}

bool
fo_placement_constrained (const fo_placement *self, size_t task)
{
    return task < self->tasks_cap && self->tasks[task].constrained;
}

/* ---- agents ------------------------------------------------------------- */

void
fo_placement_agent_joined (fo_placement *self, const fo_sched_agent *agent)
{
    uint32_t n = agent->number;
    self->agents = fo_xgrow_to (self->agents, &self->agents_cap, n, sizeof *self->agents, 8);
    agent_rec *a = &self->agents[n];
    agent_clear (a);
    a->inst = fo_xcalloc (agent->nresources + 1, sizeof *a->inst);
    for (size_t i = 0; i < agent->nresources; i++) {
        const fo_resource *r = &agent->resources[i];
        a->inst[a->ninst++] = (instance) { fo_xstrdup (r->name), fo_xstrdup (r->id), r->slots,
                                           r->slots };
    }
    if (agent->labels)
        fo_strv_copy (&a->labels, agent->labels);
    a->generation = ++self->generations;
    a->alive = true;
    a->slots = agent->slots;
    a->busy = 0;
}

void
fo_placement_agent_lost (fo_placement *self, uint32_t agent)
{
    if (agent < self->agents_cap)
        self->agents[agent].alive = false;
}

static bool
has_label (const agent_rec *a, const char *label)
{
    for (size_t i = 0; i < a->labels.len; i++)
        if (!strcmp (a->labels.items[i], label))
            return true;
    return false;
}

/* The slots of resource `name` the agent has in all, and free now. */
static void
slots_of (const agent_rec *a, const char *name, uint64_t *total, uint64_t *free_now)
{
    *total = *free_now = 0;
    for (size_t i = 0; i < a->ninst; i++)
        if (!strcmp (a->inst[i].name, name)) {
            *total += a->inst[i].slots;
            *free_now += a->inst[i].free;
        }
}

/* ---- checks and holdings ------------------------------------------------ */

/* The worker slots the task takes on a: its PROCESSORS, at most all of
   a's (ctest runs a test of PROCESSORS above -j with -j: it clamps). An
   agent that said no slots counts as one. */
static uint32_t
slots_wanted (const task_rec *t, const agent_rec *a)
{
    uint32_t all = a->slots ? a->slots : 1;
    return t->processors < all ? t->processors : all;
}

fo_place
fo_placement_check (fo_placement *self, size_t task, uint32_t agent)
{
    if (task >= self->tasks_cap || !self->tasks[task].constrained)
        return FO_PLACE_NOW;
    const task_rec *t = &self->tasks[task];
    static const agent_rec none = { 0 };
    const agent_rec *a = agent < self->agents_cap ? &self->agents[agent] : &none;
    for (size_t i = 0; i < t->requires.len; i++)
        if (!has_label (a, t->requires.items[i]))
            return FO_PLACE_NOT_HERE;
    bool busy = t->processors && a->busy + slots_wanted (t, a) > (a->slots ? a->slots : 1);
    for (size_t i = 0; i < t->nres; i++) {
        uint64_t total, free_now;
        slots_of (a, t->res[i].name, &total, &free_now);
        if (total < t->res[i].count)
            return FO_PLACE_NOT_HERE;
        busy = busy || free_now < t->res[i].count;
    }
    for (size_t i = 0; i < t->nexcl && !busy; i++)
        busy = t->excl[i]->exclusive || t->excl[i]->shared > 0;
    for (size_t i = 0; i < t->nshared && !busy; i++)
        busy = t->shared[i]->exclusive;
    return busy ? FO_PLACE_LATER : FO_PLACE_NOW;
}

bool
fo_placement_agent_full (const fo_placement *self, uint32_t agent)
{
    if (!self->any_processors || agent >= self->agents_cap)
        return false;
    const agent_rec *a = &self->agents[agent];
    return a->busy >= (a->slots ? a->slots : 1);
}

/* "gpu" -> "FANOUT_RESOURCE_GPU" */
static char *
variable_of (const char *name)
{
    char *v = fo_xasprintf ("FANOUT_RESOURCE_%s", name);
    for (char *p = v; *p; p++)
        *p = (char) toupper ((unsigned char) *p);
    return v;
}

void
fo_placement_take (fo_placement *self, size_t task, uint32_t agent)
{
    if (task >= self->tasks_cap)
        return;         /* no record: not constrained (fo_placement_task) */
    task_rec *t = &self->tasks[task];
    if (!t->constrained || t->holding)
        return;
    for (size_t i = 0; i < t->nexcl; i++)
        t->excl[i]->exclusive = true;
    for (size_t i = 0; i < t->nshared; i++)
        t->shared[i]->shared++;
    t->holding = true;
    t->agent = agent;
    if ((t->nres == 0 && t->processors == 0) || agent >= self->agents_cap)
        return;
    agent_rec *a = &self->agents[agent];
    t->generation = a->generation;
    t->slots_taken = t->processors ? slots_wanted (t, a) : 0;
    a->busy += t->slots_taken;
    if (t->nres == 0)
        return;
    t->taken = fo_xcalloc (a->ninst + 1, sizeof *t->taken);
    t->ntaken = a->ninst;
    for (size_t r = 0; r < t->nres; r++) {
        uint32_t left = t->res[r].count;
        fo_buf ids = { 0 };
        for (size_t i = 0; i < a->ninst && left > 0; i++) {
            instance *in = &a->inst[i];
            if (strcmp (in->name, t->res[r].name))
                continue;
            while (in->free > 0 && left > 0) {
                in->free--;
                left--;
                t->taken[i]++;
                fo_buf_printf (&ids, "%s%s", ids.len ? "," : "", in->id);
            }
        }
        char *var = variable_of (t->res[r].name);
        fo_env_set (&t->env, var, ids.data ? ids.data : "");
        free (var);
        fo_buf_free (&ids);
    }
}

void
fo_placement_release (fo_placement *self, size_t task)
{
    if (task >= self->tasks_cap || !self->tasks[task].holding)
        return;
    task_rec *t = &self->tasks[task];
    for (size_t i = 0; i < t->nexcl; i++)
        t->excl[i]->exclusive = false;
    for (size_t i = 0; i < t->nshared; i++)
        t->shared[i]->shared--;
    /* The slots go back to the agent that lent them, unless it was
       replaced since (a new join under its number starts all free). */
    if (t->agent < self->agents_cap && self->agents[t->agent].generation == t->generation) {
        agent_rec *a = &self->agents[t->agent];
        for (size_t i = 0; t->taken && i < t->ntaken && i < a->ninst; i++)
            a->inst[i].free += t->taken[i];
        a->busy -= t->slots_taken <= a->busy ? t->slots_taken : a->busy;
    }
    t->slots_taken = 0;
    free (t->taken);
    t->taken = NULL;
    t->ntaken = 0;
    fo_env_free (&t->env);
    t->holding = false;
}

const fo_env *
fo_placement_env (const fo_placement *self, size_t task)
{
    if (task >= self->tasks_cap || self->tasks[task].env.len == 0)
        return NULL;
    return &self->tasks[task].env;
}

/* Does agent a carry every label the task requires, and at least the
   slots it asks of each resource? */
static bool
has_labels (const agent_rec *a, const task_rec *t)
{
    for (size_t i = 0; i < t->requires.len; i++)
        if (!has_label (a, t->requires.items[i]))
            return false;
    return true;
}

static bool
has_slots (const agent_rec *a, const task_rec *t)
{
    for (size_t i = 0; i < t->nres; i++) {
        uint64_t total, free_now;
        slots_of (a, t->res[i].name, &total, &free_now);
        if (total < t->res[i].count)
            return false;
    }
    return true;
}

static void
list_needs (fo_buf *b, const task_rec *t, bool labels)
{
    if (labels)
        for (size_t i = 0; i < t->requires.len; i++)
            fo_buf_printf (b, "%s'%s'", i ? ", " : "", t->requires.items[i]);
    else
        for (size_t i = 0; i < t->nres; i++)
            fo_buf_printf (b, "%s%s x%u", i ? ", " : "", t->res[i].name, t->res[i].count);
}

bool
fo_placement_possible (const fo_placement *self, size_t task, char *why, size_t whylen)
{
    if (task >= self->tasks_cap || !self->tasks[task].constrained)
        return true;
    const task_rec *t = &self->tasks[task];
    size_t alive = 0, labelled = 0;
    for (size_t n = 0; n < self->agents_cap; n++) {
        const agent_rec *a = &self->agents[n];
        if (!a->alive)
            continue;
        alive++;
        if (!has_labels (a, t))
            continue;
        labelled++;
        if (has_slots (a, t))
            return true;
    }
    if (alive == 0)
        return true;
    fo_buf b = { 0 };
    if (labelled == 0) {
        fo_buf_puts (&b, t->requires.len == 1 ? "it requires the label " : "it requires the labels ");
        list_needs (&b, t, true);
        fo_buf_puts (&b, t->requires.len == 1 ? " and no agent has it" : " and no agent has them all");
    } else {
        /* The first resource no labelled agent has enough of, with the
           most one offers; else they have each, but not all at once. */
        for (size_t i = 0; i < t->nres && b.len == 0; i++) {
            uint64_t best = 0;
            for (size_t n = 0; n < self->agents_cap; n++) {
                const agent_rec *a = &self->agents[n];
                uint64_t total, free_now;
                if (!a->alive || !has_labels (a, t))
                    continue;
                slots_of (a, t->res[i].name, &total, &free_now);
                best = total > best ? total : best;
            }
            if (best < t->res[i].count)
                fo_buf_printf (&b, "it needs %u of resource '%s' and the most an agent%s offers "
                               "is %llu", t->res[i].count, t->res[i].name,
                               t->requires.len ? " with its labels" : "",
                               (unsigned long long) best);
        }
        if (b.len == 0) {
            fo_buf_printf (&b, "no agent%s offers all it needs at once (",
                           t->requires.len ? " with its labels" : "");
            list_needs (&b, t, false);
            fo_buf_puts (&b, ")");
        }
    }
    snprintf (why, whylen, "%s", b.data);
    fo_buf_free (&b);
    return false;
}
