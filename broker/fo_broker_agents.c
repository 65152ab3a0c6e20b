/*  fo_broker_agents — agents joining and leaving the broker, and their
    credit: the ready ring of agents that can take a lease, how much
    prefetch an agent may hold, a hello's checks. State in
    internal/fo_broker_state.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_broker_state.h"
#include "fo_log.h"

agent_rec *
broker_find_agent (fo_broker *self, const unsigned char *routing, size_t len, size_t *number)
{
    uint32_t i;
    if (!fo_agent_index_get (self->index, routing, len, &i))
        return NULL;
    *number = i;
    return &self->agents[i];
}

/* ---- the ready ring ------------------------------------------------------ */

void
broker_ready_push (fo_broker *self, uint32_t number)
{
    if (self->ready_len == self->ready_cap) {
        size_t cap = self->ready_cap ? self->ready_cap * 2 : 64;
        uint32_t *items = fo_xmalloc (cap * sizeof *items);
        for (size_t i = 0; i < self->ready_len; i++)
            items[i] = self->ready[(self->ready_head + i) % self->ready_cap];
        free (self->ready);
        self->ready = items;
        self->ready_head = 0;
        self->ready_cap = cap;
    }
    self->ready[(self->ready_head + self->ready_len++) % self->ready_cap] = number;
}

uint32_t
broker_ready_pop (fo_broker *self)
{
    uint32_t number = self->ready[self->ready_head];
    self->ready_head = (self->ready_head + 1) % self->ready_cap;
    self->ready_len--;
    return number;
}

/* Adds credit (a request's, or what a done gives back), capped: credit
   far beyond the agent's slots (plus prefetch) would let a broken or
   hostile agent hoard the queue. An agent with credit is in the ring. */
void
broker_add_credit (fo_broker *self, size_t number, uint32_t more)
{
    agent_rec *a = &self->agents[number];
    if (a->parked) {            /* a done: its prefetch may go on */
        a->parked = false;
        self->parked--;
    }
    uint64_t cap = 4ull * a->slots + 64u;
    uint64_t credit = (uint64_t) a->credit + more;
    a->credit = (uint32_t) (credit > cap ? cap : credit);
    if (a->credit > 0 && !a->queued) {
        a->queued = true;
        broker_ready_push (self, (uint32_t) number);
    }
}

void
broker_set_leased (fo_broker *self, agent_rec *a, uint32_t leased)
{
    size_t before = a->leased > a->slots ? a->leased - a->slots : 0;
    size_t after = leased > a->slots ? leased - a->slots : 0;
    self->prefetched = self->prefetched - before + after;
    a->leased = leased;
}

/* Prefetch (a lease beyond an agent's free slots, queued on it) keeps a
   busy agent fed while the queue is long, but near its end it strands a
   task behind a running one while a slot elsewhere falls idle: the run
   then ends one test later (bench/hosts-bench.sh, docs/performance-log.md).
   An agent's extra credit (fo_flow.h) makes that a dozen tasks, not one:
   the tests of a short-test agent's queue wait behind a long one there
   while another agent has nothing. So an agent whose slots are all
   leased holds beyond them at most its share of the tasks left beyond
   every slot (none once the tasks left are no more than the slots of all
   agents: each task goes to the first slot that frees).

   The tasks left are the queued ones and those the other agents hold
   beyond their slots (queued there, not yet run): counting only the
   broker's queue, the agents that came back first took their prefetch
   out of it and every later one's share shrank by theirs. At 2,000
   instant agents the share fell below the agents' credit once the queue
   was down to 29% of the run, and the run's last 60,000 tests went out
   about 8 to a frame, nearly 4 frames an agent each way: the most frames
   of any phase (docs/performance-log.md, "Issue 15: fewer frames per
   test at many agents"). The agent's own prefetch is not counted: alone
   it gets the share it got before (test_prefetch_fair_share), and in the
   run's last phase (no prefetch at all) nothing changes. */
bool
broker_prefetch_waits (const fo_broker *self, const agent_rec *a)
{
    if (a->leased < a->slots)
        return false;
    size_t queued = fo_run_queued (self->run);
    if (queued <= self->alive_slots)
        return true;
    size_t mine = a->leased - a->slots;
    size_t others = self->prefetched > mine ? self->prefetched - mine : 0;
    size_t share = (queued + others - self->alive_slots) / (self->alive ? self->alive : 1);
    return mine >= share;
}

/* An agent whose prefetch waits stays so until one of its leases ends
   (broker_add_credit puts it back) or the tasks left beyond all slots grow
   (tasks back in the queue, an agent gone): a turn through every such
   agent on every dispatch pass cost O(agents) per message near a run's
   end, when with 2,000 agents most of them wait so. */
void
broker_park (fo_broker *self, size_t number)
{
    agent_rec *a = &self->agents[number];
    a->queued = false;
    if (!a->parked) {
        a->parked = true;
        self->parked++;
    }
    size_t queued = fo_run_queued (self->run);
    if (self->parked == 1 || queued < self->park_queued)
        self->park_queued = queued;
}

void
broker_unpark_if_grown (fo_broker *self)
{
    if (self->parked == 0)
        self->unpark = false;
    if (self->parked == 0
        || (!self->unpark && fo_run_queued (self->run) <= self->park_queued))
        return;
    for (size_t i = 0; i < self->nagents; i++) {
        agent_rec *a = &self->agents[i];
        if (!a->parked)
            continue;
        a->parked = false;
        if (a->alive && a->credit > 0 && !a->queued) {
            a->queued = true;
            broker_ready_push (self, (uint32_t) i);
        }
    }
    self->parked = 0;
    self->unpark = false;
}

void
broker_lose_agent (fo_broker *self, size_t number, const char *why)
{
    agent_rec *a = &self->agents[number];
    if (!a->alive)
        return;
    if (a->parked) {
        a->parked = false;
        self->parked--;
    }
    self->unpark = true;        /* fewer slots: the others' shares grow */
    a->alive = false;
    a->credit = 0;              /* its place in the ready ring goes when it comes up */
    broker_set_leased (self, a, 0);
    self->alive--;
    self->alive_slots -= a->slots;
    fo_agent_index_del (self->index, a->routing, a->routing_len);
    zhashx_delete (self->by_agent_id, a->agent_id);
    if (self->nfree == self->free_cap) {
        self->free_cap = self->free_cap ? self->free_cap * 2 : 16;
        self->free_numbers = fo_xrealloc (self->free_numbers,
                                          self->free_cap * sizeof *self->free_numbers);
    }
    self->free_numbers[self->nfree++] = (uint32_t) number;
    char who[FO_LOG_PEER_MAX];
    fo_log_peer (FO_LOG_INFO, ROLE, broker_peer_name (a->agent_id, a->host, who, sizeof who),
                 "agent %s on %s left: %s", a->agent_id, a->host, why);
    fo_run_agent_lost (self->run, (uint32_t) number, a->host, why);
    self->placement_changed = true;
    if (self->alive == 0 && self->started && !fo_run_finished (self->run)
        && !fo_run_stopping (self->run)) {
        self->waiting_since_ms = fo_now_ms ();
        /* A peer that joins and leaves again and again repeats this too. */
        if (self->options.wait_ms)
            fo_log_peer (FO_LOG_WARN, ROLE, NULL, "no agent is left; the run goes on when one "
                         "joins (waiting up to %u s)", self->options.wait_ms / 1000);
        else
            fo_log_peer (FO_LOG_WARN, ROLE, NULL, "no agent is left; the run goes on when one "
                         "joins");
    }
}

/* Why a hello is refused, or NULL when it is acceptable. */
static const char *
hello_problem (const fo_broker *self, const fo_hello *h, char *buf, size_t len)
{
    if (strlen (h->agent_id) == 0 || strlen (h->agent_id) > FO_BROKER_MAX_NAME
        || strlen (h->host) == 0 || strlen (h->host) > FO_BROKER_MAX_NAME) {
        snprintf (buf, len, "agent_id and host must be 1 to %u bytes long", FO_BROKER_MAX_NAME);
        return buf;
    }
    if (h->slots > FO_BROKER_MAX_SLOTS) {
        snprintf (buf, len, "%u worker slots is more than this broker accepts (%u)", h->slots,
                  FO_BROKER_MAX_SLOTS);
        return buf;
    }
    if (self->alive >= FO_BROKER_MAX_AGENTS) {
        snprintf (buf, len, "this broker already serves %u agents, its maximum",
                  FO_BROKER_MAX_AGENTS);
        return buf;
    }
    return NULL;
}

/* A record for a new agent: a lost agent's (fo_run has no lease of it any
   more, so its number is free) or a new one. */
static size_t
new_agent_number (fo_broker *self)
{
    while (self->nfree > 0) {
        size_t i = self->free_numbers[--self->nfree];
        if (i < self->nagents && !self->agents[i].alive) {
            free (self->agents[i].agent_id);
            free (self->agents[i].host);
            return i;
        }
    }
    if (self->nagents == self->agents_cap) {
        self->agents_cap = self->agents_cap ? self->agents_cap * 2 : 8;
        self->agents = fo_xrealloc (self->agents, self->agents_cap * sizeof *self->agents);
    }
    self->agents[self->nagents].queued = false;
    return self->nagents++;
}

void
broker_hello (fo_broker *self, const unsigned char *routing, size_t len, fo_hello *h)
{
    size_t old;
    if (broker_find_agent (self, routing, len, &old))
        broker_lose_agent (self, old, "it said hello again");
    char buf[160];
    const char *problem = hello_problem (self, h, buf, sizeof buf);
    if (problem) {
        char who[FO_LOG_PEER_MAX];
        fo_log_peer (FO_LOG_WARN, ROLE, broker_peer_name (h->agent_id, h->host, who, sizeof who),
                     "refused an agent: %s", problem);
        broker_send_reason (self, routing, len, FO_MSG_REFUSE, problem);
        return;
    }
    /* The same agent process on a new connection (it lost the old one, say
       a cut link): its old session is over, and so are its leases. */
    size_t same = (size_t) (uintptr_t) zhashx_lookup (self->by_agent_id, h->agent_id);
    if (same > 0)
        broker_lose_agent (self, same - 1, "it came back on a new connection");
    size_t number = new_agent_number (self);    /* may move self->agents */
    agent_rec *a = &self->agents[number];
    *a = (agent_rec) {
        .routing_len = len,
        .agent_id = h->agent_id,
        .host = h->host,
        .slots = h->slots,
        .last_recv_ms = fo_now_ms (),
        .alive = true,
        .queued = a->queued,    /* a lost agent's number may still be in the ring */
    };
    memcpy (a->routing, routing, len);
    fo_agent_index_put (self->index, routing, len, (uint32_t) number);
    zhashx_update (self->by_agent_id, a->agent_id, (void *) (uintptr_t) (number + 1));
    h->agent_id = h->host = NULL;   /* taken */
    self->alive++;
    self->alive_slots += a->slots;
    size_t slots = self->alive_slots;
    if (slots > fo_report_jobs (self->options.run.report))
        fo_report_set_jobs (self->options.run.report, (uint32_t) slots);
    char who[FO_LOG_PEER_MAX];
    fo_log_peer (FO_LOG_INFO, ROLE, broker_peer_name (a->agent_id, a->host, who, sizeof who),
                 "agent %s on %s joined with %u slot%s", a->agent_id, a->host, a->slots,
                 a->slots == 1 ? "" : "s");
    /* Its own number: a lost agent's record may have been reused. */
    fo_run_agent_joined (self->run, &(fo_sched_agent) {
        .number = (uint32_t) number, .host = a->host, .slots = a->slots,
        .resources = h->resources, .nresources = h->nresources, .labels = &h->labels,
    });
    self->placement_changed = true;
    fo_msg welcome = { .type = FO_MSG_WELCOME };
    welcome.u.welcome.broker_id = self->broker_id;
    welcome.u.welcome.heartbeat_ms = self->options.heartbeat_ms;
    welcome.u.welcome.liveness = self->options.liveness;
    broker_send_to (self, a, &welcome);
}
