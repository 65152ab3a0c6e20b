/*  fo_sched — see fo_sched.h. The queues are ring buffers of task indexes;
    per task the scheduler keeps the hosts its tries failed on, per agent
    number the agent as it joined, its host and whether it is alive, and
    per host the count of its alive agents (hosts found by name through a
    hash), so that the retry rule never walks the agent table. */
#include "fo_sched.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deque ------------------------------------------------------------- */

typedef struct {
    size_t *items;
    size_t head, len, cap;
} deque;

static void
deque_grow (deque *q)
{
    size_t cap = q->cap ? q->cap * 2 : 64;
    size_t *items = fo_xmalloc (cap * sizeof *items);
    for (size_t i = 0; i < q->len; i++)
        items[i] = q->items[(q->head + i) % q->cap];
    free (q->items);
    q->items = items;
    q->head = 0;
    q->cap = cap;
}

static void
deque_push_back (deque *q, size_t v)
{
    if (q->len == q->cap)
        deque_grow (q);
    q->items[(q->head + q->len++) % q->cap] = v;
}

static void
deque_push_front (deque *q, size_t v)
{
    if (q->len == q->cap)
        deque_grow (q);
    q->head = (q->head + q->cap - 1) % q->cap;
    q->items[q->head] = v;
    q->len++;
}

static bool
deque_pop_front (deque *q, size_t *v)
{
    if (q->len == 0)
        return false;
    *v = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return true;
}

static bool
deque_pop_back (deque *q, size_t *v)
{
    if (q->len == 0)
        return false;
    *v = q->items[(q->head + q->len - 1) % q->cap];
    q->len--;
    return true;
}

static void
deque_free (deque *q)
{
    free (q->items);
    memset (q, 0, sizeof *q);
}

/* ---- state ------------------------------------------------------------- */

typedef struct {
    uint32_t *failed_on;    /* hosts a try of it failed on, each once */
    size_t nfailed_on;
    uint64_t cost;          /* expected duration, for longest-first ordering
                               (history); not used yet: 0 */
} task_rec;

typedef struct {
    fo_sched_agent agent;   /* as it last joined (host owned) */
    uint32_t host;          /* its host's number */
    bool joined;
    bool alive;             /* joined and not lost */
} agent_slot;

typedef struct {
    size_t alive;           /* its agents alive now */
} host_rec;

struct fo_sched {
    const fo_plan *plan;
    fo_sched_fixture_fn *fixture_fn;
    void *arg;

    task_rec *tasks;        /* grows with the plan's tasks */
    size_t tasks_cap;
    deque discovery;
    deque ready;
    deque serial;
    size_t *retry;          /* in the order their tries failed */
    size_t nretry, retry_cap;
    size_t retry_drained;   /* fo_sched_drain's position in retry */
    deque *parked;          /* per shared fixture */
    size_t nparked;

    agent_slot *agents;     /* per agent number */
    size_t agents_cap;
    host_rec *hosts;        /* per host number, in the order they joined */
    size_t nhosts, hosts_cap;
    zhashx_t *host_index;   /* host key -> number + 1 */
    size_t nalive_hosts;    /* hosts with an agent alive */

    size_t in_flight;
    bool serial_running;
    bool held;              /* no more picks */
    bool stopped;           /* no more enqueues either */
};

fo_sched *
fo_sched_new (const fo_plan *plan, fo_sched_fixture_fn *fixture_fn, void *arg)
{
    fo_sched *self = fo_xcalloc (1, sizeof *self);
    self->plan = plan;
    self->fixture_fn = fixture_fn;
    self->arg = arg;
    self->nparked = plan->nshared;
    self->parked = fo_xcalloc (self->nparked ? self->nparked : 1, sizeof *self->parked);
    self->host_index = zhashx_new ();
    return self;
}

void
fo_sched_destroy (fo_sched **self_p)
{
    fo_sched *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->tasks_cap; i++)
        free (self->tasks[i].failed_on);
    free (self->tasks);
    deque_free (&self->discovery);
    deque_free (&self->ready);
    deque_free (&self->serial);
    for (size_t i = 0; i < self->nparked; i++)
        deque_free (&self->parked[i]);
    free (self->parked);
    free (self->retry);
    for (size_t i = 0; i < self->agents_cap; i++)
        free ((char *) self->agents[i].agent.host);
    free (self->agents);
    free (self->hosts);
    zhashx_destroy (&self->host_index);
    free (self);
    *self_p = NULL;
}

/* The record of a task, grown with the plan. */
static task_rec *
task_of (fo_sched *self, size_t task)
{
    if (task >= self->tasks_cap) {
        size_t cap = self->tasks_cap ? self->tasks_cap : 64;
        while (cap <= task)
            cap *= 2;
        self->tasks = fo_xrealloc (self->tasks, cap * sizeof *self->tasks);
        memset (self->tasks + self->tasks_cap, 0, (cap - self->tasks_cap) * sizeof *self->tasks);
        self->tasks_cap = cap;
    }
    return &self->tasks[task];
}

static bool
is_discovery (const fo_sched *self, size_t task)
{
    return self->plan->tasks[task].discovery != FO_NO_DISCOVERY;
}

static bool
is_serial (const fo_sched *self, size_t task)
{
    return self->plan->tasks[task].serial;
}

/* The queue a task belongs to when it is not a retry. */
static deque *
queue_of (fo_sched *self, size_t task)
{
    return is_discovery (self, task) ? &self->discovery
         : is_serial (self, task) ? &self->serial : &self->ready;
}

/* ---- enqueue ------------------------------------------------------------ */

bool
fo_sched_enqueue (fo_sched *self, size_t task, fo_sched_reason why)
{
    if (self->stopped)
        return false;
    task_of (self, task);
    switch (why) {
    case FO_SCHED_PLANNED:
    case FO_SCHED_DISCOVERED:
        deque_push_back (queue_of (self, task), task);
        break;
    case FO_SCHED_LOST:
        deque_push_front (queue_of (self, task), task);
        break;
    case FO_SCHED_RETRY:
        /* A serial retry must still run alone: it waits at the front of
           the serial queue rather than among the parallel retries. */
        if (is_serial (self, task) || is_discovery (self, task)) {
            deque_push_front (queue_of (self, task), task);
            break;
        }
        if (self->nretry == self->retry_cap) {
            self->retry_cap = self->retry_cap ? self->retry_cap * 2 : 16;
            self->retry = fo_xrealloc (self->retry, self->retry_cap * sizeof *self->retry);
        }
        self->retry[self->nretry++] = task;
        break;
    }
    return true;
}

/* ---- agents and hosts --------------------------------------------------- */

/* The number of the host an agent names; an agent that names none is a
   host of its own. New hosts are added. */
static uint32_t
host_number (fo_sched *self, const fo_sched_agent *agent)
{
    char own[32];
    const char *key = agent->host && *agent->host ? agent->host : own;
    if (key == own)     /* "\x1f" never starts a host name an agent sends */
        snprintf (own, sizeof own, "\x1f%u", agent->number);
    uintptr_t found = (uintptr_t) zhashx_lookup (self->host_index, key);
    if (found)
        return (uint32_t) (found - 1);
    if (self->nhosts == self->hosts_cap) {
        self->hosts_cap = self->hosts_cap ? self->hosts_cap * 2 : 8;
        self->hosts = fo_xrealloc (self->hosts, self->hosts_cap * sizeof *self->hosts);
    }
    self->hosts[self->nhosts] = (host_rec) { 0 };
    zhashx_insert (self->host_index, key, (void *) (uintptr_t) (self->nhosts + 1));
    return (uint32_t) self->nhosts++;
}

static void
host_alive (fo_sched *self, uint32_t host, bool up)
{
    host_rec *h = &self->hosts[host];
    if (up && h->alive++ == 0)
        self->nalive_hosts++;
    else if (!up && --h->alive == 0)
        self->nalive_hosts--;
}

void
fo_sched_agent_joined (fo_sched *self, const fo_sched_agent *agent)
{
    uint32_t n = agent->number;
    if (n >= self->agents_cap) {
        size_t cap = self->agents_cap ? self->agents_cap : 8;
        while (cap <= n)
            cap *= 2;
        self->agents = fo_xrealloc (self->agents, cap * sizeof *self->agents);
        memset (self->agents + self->agents_cap, 0, (cap - self->agents_cap) * sizeof *self->agents);
        self->agents_cap = cap;
    }
    agent_slot *slot = &self->agents[n];
    if (slot->alive)
        host_alive (self, slot->host, false);      /* replaced: its number is reused */
    free ((char *) slot->agent.host);
    slot->agent = *agent;
    slot->agent.host = fo_xstrdup (agent->host ? agent->host : "");
    slot->host = host_number (self, agent);
    slot->joined = slot->alive = true;
    host_alive (self, slot->host, true);
}

void
fo_sched_agent_lost (fo_sched *self, uint32_t agent)
{
    if (agent < self->agents_cap && self->agents[agent].alive) {
        self->agents[agent].alive = false;
        host_alive (self, self->agents[agent].host, false);
    }
}

const fo_sched_agent *
fo_sched_agent_of (const fo_sched *self, uint32_t agent)
{
    return agent < self->agents_cap && self->agents[agent].joined ? &self->agents[agent].agent
                                                                   : NULL;
}

static bool
has_failed_on (const task_rec *rec, uint32_t host)
{
    for (size_t i = 0; i < rec->nfailed_on; i++)
        if (rec->failed_on[i] == host)
            return true;
    return false;
}

void
fo_sched_failed_on (fo_sched *self, size_t task, uint32_t agent)
{
    if (agent >= self->agents_cap || !self->agents[agent].joined)
        return;
    uint32_t host = self->agents[agent].host;
    task_rec *rec = task_of (self, task);
    if (has_failed_on (rec, host))
        return;
    rec->failed_on = fo_xrealloc (rec->failed_on, (rec->nfailed_on + 1) * sizeof *rec->failed_on);
    rec->failed_on[rec->nfailed_on++] = host;
}

/* A retry goes to a host it has not failed on while an agent of one is
   alive: the agent may take it when its host is such a host, or when
   every host with an agent alive is one it failed on. */
static bool
may_retry_on (fo_sched *self, size_t task, uint32_t agent)
{
    const task_rec *rec = task_of (self, task);
    if (agent >= self->agents_cap || !has_failed_on (rec, self->agents[agent].host))
        return true;
    size_t alive_failed = 0;
    for (size_t i = 0; i < rec->nfailed_on; i++)
        alive_failed += self->hosts[rec->failed_on[i]].alive > 0;
    return alive_failed >= self->nalive_hosts;
}

/* ---- picking ------------------------------------------------------------ */

/* Are the task's shared fixtures up? If not, it is parked on the first
   one that is not (or dropped when the run says that one failed). */
static bool
fixtures_up (fo_sched *self, size_t task)
{
    const fo_task *t = &self->plan->tasks[task];
    if (t->discovery != FO_NO_DISCOVERY)
        return true;            /* it holds its fixtures open, needs no setup */
    for (size_t i = 0; i < t->nshared; i++) {
        size_t f = t->shared[i];
        switch (self->fixture_fn (self->arg, task, f)) {
        case FO_SCHED_FIXTURE_UP:
            continue;
        case FO_SCHED_FIXTURE_WAIT:
            if (f < self->nparked)
                deque_push_back (&self->parked[f], task);
            return false;
        case FO_SCHED_FIXTURE_GONE:
            return false;
        }
    }
    return true;
}

static bool
take (fo_sched *self, size_t task, size_t *out)
{
    self->in_flight++;
    if (is_serial (self, task))
        self->serial_running = true;
    *out = task;
    return true;
}

/* The first task of q whose fixtures are up (the others are parked). */
static bool
pick_from (fo_sched *self, deque *q, size_t *out)
{
    size_t task;
    while (!self->held && deque_pop_front (q, &task))
        if (fixtures_up (self, task))
            return take (self, task, out);
    return false;
}

static bool
pick_retry (fo_sched *self, const fo_sched_agent *agent, size_t *out)
{
    for (size_t i = 0; i < self->nretry && !self->held;) {
        size_t task = self->retry[i];
        if (!may_retry_on (self, task, agent->number)) {
            i++;
            continue;
        }
        memmove (&self->retry[i], &self->retry[i + 1], (self->nretry - i - 1) * sizeof *self->retry);
        self->nretry--;
        if (fixtures_up (self, task))
            return take (self, task, out);
    }
    return false;
}

bool
fo_sched_pick (fo_sched *self, const fo_sched_agent *agent, size_t *task)
{
    if (self->held || self->serial_running)
        return false;
    if (pick_from (self, &self->discovery, task) || pick_retry (self, agent, task)
        || pick_from (self, &self->ready, task))
        return true;
    /* Serial tasks run alone: only when nothing at all is in flight. */
    if (self->in_flight > 0)
        return false;
    return pick_from (self, &self->serial, task);
}

void
fo_sched_lease_ended (fo_sched *self, size_t task)
{
    if (self->in_flight > 0)
        self->in_flight--;
    if (is_serial (self, task))
        self->serial_running = false;
}

/* ---- shared fixtures ---------------------------------------------------- */

void
fo_sched_fixture_up (fo_sched *self, size_t fixture)
{
    if (fixture >= self->nparked)
        return;
    /* To the front of their queues, keeping their order: last one first. */
    size_t task;
    while (deque_pop_back (&self->parked[fixture], &task))
        deque_push_front (queue_of (self, task), task);
}

bool
fo_sched_take_parked (fo_sched *self, size_t fixture, size_t *task)
{
    return fixture < self->nparked && deque_pop_front (&self->parked[fixture], task);
}

/* ---- stopping ----------------------------------------------------------- */

void
fo_sched_hold (fo_sched *self)
{
    self->held = true;
}

void
fo_sched_stop (fo_sched *self)
{
    self->held = true;
    self->stopped = true;
}

bool
fo_sched_drain (fo_sched *self, size_t *task)
{
    if (!self->stopped)
        return false;
    if (self->retry_drained < self->nretry) {
        *task = self->retry[self->retry_drained++];
        return true;
    }
    if (deque_pop_front (&self->discovery, task) || deque_pop_front (&self->ready, task)
        || deque_pop_front (&self->serial, task))
        return true;
    for (size_t f = 0; f < self->nparked; f++)
        if (deque_pop_front (&self->parked[f], task))
            return true;
    return false;
}

size_t
fo_sched_in_flight (const fo_sched *self)
{
    return self->in_flight;
}

bool
fo_sched_may_pick (const fo_sched *self)
{
    if (self->held || self->serial_running)
        return false;
    if (self->discovery.len > 0 || self->nretry > 0 || self->ready.len > 0)
        return true;
    return self->in_flight == 0 && self->serial.len > 0;
}
