/*  fo_sched — see fo_sched.h. The queues are ring buffers of task indexes;
    per task the scheduler keeps the hosts its tries failed on, per agent
    number the agent as it joined, its host and whether it is alive, and
    per host the count of its alive agents (hosts found by name through a
    hash), so that the retry rule never walks the agent table. */
#include "fo_sched_state.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    self->placement = fo_placement_new (plan);
    /* The heap sized for the plan at once (doubling past a million tasks
       would leave up to half of it unused); the records likewise, on the
       first task queued (task_of). */
    self->heap_cap = plan->ntasks ? plan->ntasks : 1;
    self->heap = fo_xmalloc (self->heap_cap * sizeof *self->heap);
    self->heap_sorted = true;
    for (size_t i = 0; i < plan->ntests && !self->cost_hints; i++)
        self->cost_hints = plan->tests[i]->cost_ms > 0;
    return self;
}

void
fo_sched_destroy (fo_sched **self_p)
{
    fo_sched *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nfailed; i++)
        free (self->failed[i].hosts);
    free (self->failed);
    free (self->tasks);
    fo_deque_free (&self->discovery);
    fo_deque_free (&self->ready);
    free (self->heap);
    fo_deque_free (&self->serial);
    fo_deque_free (&self->placed_front);
    fo_deque_free (&self->constrained);
    fo_deque_free (&self->impossible);
    fo_placement_destroy (&self->placement);
    for (size_t i = 0; i < self->nparked; i++)
        fo_deque_free (&self->parked[i]);
    free (self->parked);
    fo_deque_free (&self->retry);
    for (size_t i = 0; i < self->agents_cap; i++)
        free ((char *) self->agents[i].agent.host);
    free (self->agents);
    free (self->hosts);
    zhashx_destroy (&self->host_index);
    free (self);
    *self_p = NULL;
}

/* The record of a task, grown with the plan. */
task_rec *
fo_sched_task (fo_sched *self, size_t task)
{
    self->tasks = fo_xgrow_to (self->tasks, &self->tasks_cap, task, sizeof *self->tasks,
                               self->plan->ntasks > 64 ? self->plan->ntasks : 64);
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
static fo_deque *
queue_of (fo_sched *self, size_t task)
{
    return is_discovery (self, task) ? &self->discovery
         : is_serial (self, task) ? &self->serial
         : fo_placement_constrained (self->placement, task) ? &self->constrained : &self->ready;
}

/* Back at the front of its queue (a lost lease, its fixture up). A placed
   task goes to placed_front, which is scanned before the sorted queue and
   never sorted itself, as plain tasks go to ready before the heap. */
static void
push_front (fo_sched *self, size_t task)
{
    fo_deque *q = queue_of (self, task);
    fo_deque_push_front (q == &self->constrained ? &self->placed_front : q, task);
}

/* ---- enqueue ------------------------------------------------------------ */

bool
fo_sched_enqueue (fo_sched *self, size_t task, fo_sched_reason why)
{
    if (self->stopped)
        return false;
    fo_sched_cost (self, task);
    fo_placement_task (self->placement, task);     /* what it needs, read again */
    switch (why) {
    case FO_SCHED_PLANNED:
    case FO_SCHED_DISCOVERED:
        if (queue_of (self, task) == &self->ready)
            fo_sched_heap_push (self, task);
        else if (queue_of (self, task) == &self->constrained)
            fo_sched_placed_push (self, task);
        else
            fo_deque_push_back (queue_of (self, task), task);
        break;
    case FO_SCHED_LOST:
        push_front (self, task);
        break;
    case FO_SCHED_RETRY:
        /* A serial retry must still run alone: it waits at the front of
           the serial queue rather than among the parallel retries. */
        if (is_serial (self, task) || is_discovery (self, task)) {
            fo_deque_push_front (queue_of (self, task), task);
            break;
        }
        fo_deque_push_back (&self->retry, task);
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
    if (up && h->alive++ == 0 && !h->quarantined)
        self->nalive_hosts++;
    else if (!up && --h->alive == 0 && !h->quarantined)
        self->nalive_hosts--;
}

bool
fo_sched_quarantine (fo_sched *self, const char *host)
{
    uintptr_t found = host && *host ? (uintptr_t) zhashx_lookup (self->host_index, host) : 0;
    if (!found || self->quarantine_lifted)
        return false;
    host_rec *h = &self->hosts[found - 1];
    if (h->quarantined)
        return true;
    size_t others = self->nalive_hosts - (h->alive > 0);
    if (others == 0)
        return false;
    h->quarantined = true;
    if (h->alive > 0)
        self->nalive_hosts--;
    return true;
}

/* May this agent lease at all? Not on a quarantined host, unless every
   host left alive is one (then the quarantine is over: the run must end). */
static bool
may_lease (fo_sched *self, uint32_t agent)
{
    if (agent >= self->agents_cap || !self->agents[agent].joined
        || !self->hosts[self->agents[agent].host].quarantined || self->quarantine_lifted)
        return true;
    if (self->nalive_hosts > 0)
        return false;
    self->quarantine_lifted = true;
    return true;
}

void
fo_sched_agent_joined (fo_sched *self, const fo_sched_agent *agent)
{
    uint32_t n = agent->number;
    self->agents = fo_xgrow_to (self->agents, &self->agents_cap, n, sizeof *self->agents, 8);
    agent_slot *slot = &self->agents[n];
    if (slot->alive)
        host_alive (self, slot->host, false);      /* replaced: its number is reused */
    free ((char *) slot->agent.host);
    slot->agent = *agent;
    slot->agent.host = fo_xstrdup (agent->host ? agent->host : "");
    slot->agent.resources = NULL;       /* copied by placement */
    slot->agent.nresources = 0;
    slot->agent.labels = NULL;
    fo_placement_agent_joined (self->placement, agent);
    slot->host = host_number (self, agent);
    slot->joined = slot->alive = true;
    host_alive (self, slot->host, true);
}

void
fo_sched_agent_lost (fo_sched *self, uint32_t agent)
{
    fo_placement_agent_lost (self->placement, agent);
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

static const failed_list *
failed_of (const fo_sched *self, const task_rec *rec)
{
    static const failed_list none = { 0 };
    return rec->failed ? &self->failed[rec->failed - 1] : &none;
}

static bool
has_failed_on (const fo_sched *self, const task_rec *rec, uint32_t host)
{
    const failed_list *f = failed_of (self, rec);
    for (size_t i = 0; i < f->n; i++)
        if (f->hosts[i] == host)
            return true;
    return false;
}

void
fo_sched_failed_on (fo_sched *self, size_t task, uint32_t agent)
{
    if (agent >= self->agents_cap || !self->agents[agent].joined)
        return;
    uint32_t host = self->agents[agent].host;
    task_rec *rec = fo_sched_task (self, task);
    if (has_failed_on (self, rec, host))
        return;
    if (!rec->failed) {
        self->failed = fo_xrealloc (self->failed, (self->nfailed + 1) * sizeof *self->failed);
        self->failed[self->nfailed++] = (failed_list) { 0 };
        rec->failed = (uint32_t) self->nfailed;
    }
    failed_list *f = &self->failed[rec->failed - 1];
    f->hosts = fo_xrealloc (f->hosts, (f->n + 1) * sizeof *f->hosts);
    f->hosts[f->n++] = host;
}

/* A retry goes to a host it has not failed on while an agent of one is
   alive: the agent may take it when its host is such a host, or when
   every host with an agent alive is one it failed on. */
static bool
may_retry_on (fo_sched *self, size_t task, uint32_t agent)
{
    const task_rec *rec = fo_sched_task (self, task);
    if (agent >= self->agents_cap || !has_failed_on (self, rec, self->agents[agent].host))
        return true;
    const failed_list *f = failed_of (self, rec);
    size_t alive_failed = 0;
    for (size_t i = 0; i < f->n; i++)
        alive_failed += self->hosts[f->hosts[i]].alive > 0
                     && !self->hosts[f->hosts[i]].quarantined;
    return alive_failed >= self->nalive_hosts;
}

/* A retry of a task with placement rules may stay on a host it failed
   on when no alive agent of another host could ever take it (the only
   GPU host, the only one with its label): else it would wait for ever.
   O(agents), and only for such tasks on such a host. */
static bool
only_failed_hosts_fit (fo_sched *self, size_t task)
{
    if (!fo_placement_constrained (self->placement, task))
        return false;
    const task_rec *rec = fo_sched_task (self, task);
    for (size_t i = 0; i < self->agents_cap; i++)
        if (self->agents[i].alive && !has_failed_on (self, rec, self->agents[i].host)
            && fo_placement_check (self->placement, task, (uint32_t) i) != FO_PLACE_NOT_HERE)
            return false;
    return true;
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
                fo_deque_push_back (&self->parked[f], task);
            return false;
        case FO_SCHED_FIXTURE_GONE:
            return false;
        }
    }
    return true;
}

static bool
take (fo_sched *self, size_t task, const fo_sched_agent *agent, size_t *out)
{
    fo_placement_take (self->placement, task, agent->number);
    self->in_flight++;
    if (is_serial (self, task))
        self->serial_running = true;
    *out = task;
    return true;
}

/* The first task of q whose fixtures are up (the others are parked). */
static bool
pick_from (fo_sched *self, fo_deque *q, const fo_sched_agent *agent, size_t *out)
{
    size_t task;
    while (!self->held && fo_deque_pop_front (q, &task))
        if (fixtures_up (self, task))
            return take (self, task, agent, out);
    return false;
}

/* The first task of q that placement lets this agent take now, whose
   fixtures are up: a task waiting for a lock, a resource or another
   agent stays where it is and never holds back the tasks behind it.
   O(tasks passed over). */
static bool
pick_placed (fo_sched *self, fo_deque *q, const fo_sched_agent *agent, size_t *out)
{
    if (fo_placement_agent_full (self->placement, agent->number))
        return false;   /* no task fits: all its worker slots are held */
    for (size_t i = 0; i < q->len && !self->held;) {
        size_t task = fo_deque_at (q, i);
        if (fo_placement_check (self->placement, task, agent->number) != FO_PLACE_NOW) {
            i++;
            continue;
        }
        fo_deque_remove_at (q, i);
        if (fixtures_up (self, task))
            return take (self, task, agent, out);
    }
    return false;
}

/* The parallel tasks: those back at the front, then the heap's. */
static bool
pick_ready (fo_sched *self, const fo_sched_agent *agent, size_t *out)
{
    if (pick_from (self, &self->ready, agent, out))
        return true;
    size_t task;
    while (!self->held && fo_sched_heap_pop (self, &task))
        if (fixtures_up (self, task))
            return take (self, task, agent, out);
    return false;
}

static bool
pick_retry (fo_sched *self, const fo_sched_agent *agent, size_t *out)
{
    for (size_t i = 0; i < self->retry.len && !self->held;) {
        size_t task = fo_deque_at (&self->retry, i);
        if ((!may_retry_on (self, task, agent->number) && !only_failed_hosts_fit (self, task))
            || fo_placement_check (self->placement, task, agent->number) != FO_PLACE_NOW) {
            i++;
            continue;
        }
        fo_deque_remove_at (&self->retry, i);
        if (fixtures_up (self, task))
            return take (self, task, agent, out);
    }
    return false;
}

bool
fo_sched_pick (fo_sched *self, const fo_sched_agent *agent, size_t *task)
{
    if (self->held || self->serial_running || !may_lease (self, agent->number))
        return false;
    fo_sched_placed_sort (self);
    /* Tasks with placement rules before the others: they wait for
       something scarce, and the plain tasks fill every slot they leave. */
    if (pick_from (self, &self->discovery, agent, task) || pick_retry (self, agent, task)
        || pick_placed (self, &self->placed_front, agent, task)
        || pick_placed (self, &self->constrained, agent, task)
        || pick_ready (self, agent, task))
        return true;
    /* Serial tasks run alone: only when nothing at all is in flight. */
    if (self->in_flight > 0)
        return false;
    return pick_placed (self, &self->serial, agent, task);
}

void
fo_sched_lease_ended (fo_sched *self, size_t task)
{
    fo_placement_release (self->placement, task);
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
    while (fo_deque_pop_back (&self->parked[fixture], &task))
        push_front (self, task);
}

bool
fo_sched_take_parked (fo_sched *self, size_t fixture, size_t *task)
{
    return fixture < self->nparked && fo_deque_pop_front (&self->parked[fixture], task);
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
    if (fo_deque_pop_front (&self->retry, task) || fo_deque_pop_front (&self->discovery, task)
        || fo_deque_pop_front (&self->placed_front, task)
        || fo_deque_pop_front (&self->constrained, task)
        || fo_deque_pop_front (&self->ready, task) || fo_sched_heap_drain (self, task)
        || fo_deque_pop_front (&self->serial, task) || fo_deque_pop_front (&self->impossible, task))
        return true;
    for (size_t f = 0; f < self->nparked; f++)
        if (fo_deque_pop_front (&self->parked[f], task))
            return true;
    return false;
}

size_t
fo_sched_in_flight (const fo_sched *self)
{
    return self->in_flight;
}

/* ---- placement ---------------------------------------------------------- */

/* Moves the tasks of q no alive agent could ever take to impossible. */
static void
sweep_impossible (fo_sched *self, fo_deque *q)
{
    char why[8];
    for (size_t i = 0; i < q->len;) {
        size_t task = fo_deque_at (q, i);
        if (fo_placement_possible (self->placement, task, why, sizeof why)) {
            i++;
            continue;
        }
        fo_deque_remove_at (q, i);
        fo_deque_push_back (&self->impossible, task);
    }
}

bool
fo_sched_take_impossible (fo_sched *self, size_t *task, char *why, size_t whylen)
{
    if (self->stopped)
        return false;
    if (self->impossible.len == 0) {
        sweep_impossible (self, &self->placed_front);
        sweep_impossible (self, &self->constrained);
        sweep_impossible (self, &self->serial);
        sweep_impossible (self, &self->retry);
    }
    if (!fo_deque_pop_front (&self->impossible, task))
        return false;
    if (fo_placement_possible (self->placement, *task, why, whylen))
        snprintf (why, whylen, "no agent can take it");    /* not reached: nothing changed */
    return true;
}

const fo_env *
fo_sched_lease_env (const fo_sched *self, size_t task)
{
    return fo_placement_env (self->placement, task);
}

bool
fo_sched_may_pick (const fo_sched *self)
{
    if (self->held || self->serial_running)
        return false;
    if (self->discovery.len > 0 || self->retry.len > 0 || self->ready.len > 0
        || self->nheap > self->heap_drained || self->placed_front.len > 0
        || self->constrained.len > 0)
        return true;
    return self->in_flight == 0 && self->serial.len > 0;
}

size_t
fo_sched_queued (const fo_sched *self)
{
    return self->discovery.len + self->retry.len + self->ready.len + (self->nheap - self->heap_drained)
           + self->placed_front.len + self->constrained.len + self->serial.len;
}
