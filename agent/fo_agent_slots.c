/*  fo_agent_slots — the agent's worker slots and its queue of leases
    (state: internal/fo_agent_state.h): leases wait in the queue until a
    slot is free, start there, are serviced when due, and free their slot
    with a done that gives the credit back.

    Chained leases. A Python worker that ran a lease's last test waited
    for the agent: the answer read, the done sent, the next lease started
    and its request written, one wake-up of this thread after another.
    When every step left of a slot's lease is already with its runner
    (fo_execution_sent_to_end), the lease the slot would take next is
    taken from the queue now, bound to the slot (`next`), and its first
    steps are chained after the running ones (fo_execution_chain,
    fo_runner_chain): the worker goes on to them by itself, and the agent
    catches up. The same for other tests on the slot's lane (a thread per
    slot, fo_spawner.h): the lane's thread starts the chained lease's
    step at the running step's exit, and up to FO_AGENT_CHAIN_DEPTH
    one-step leases are chained, so that the lane has the next test even
    when this thread read the last end only after the test begun then had
    ended as well (a loop woken behind a running test waits for it).

    A bound lease waits for its slot even if another slot frees first, so
    a lease is bound only when that cannot leave a slot idle for long:
    - the queue keeps a lease for every other slot that has none bound
      (a Python lease), or
    - the slot's leases are short: its last one ran less than
      FO_AGENT_CHAIN_SHORT_US, and the running one so far too (what is
      left of it is the most another slot can wait; a long test right
      after short ones is the case this does not foresee, for a Python
      lease; any other is taken back from its lane when the running one
      passes FO_AGENT_CHAIN_SHORT_US and it has not begun:
      agent_unbind_slow).

    Lease return (protocol 8). Leases queued beyond the slots (the
    prefetch, and the extra credit of short leases: fo_flow.h) wait for a
    slot here, and a slot may be held by a long test: they would wait for
    it while another agent idles. When the queue's head has waited
    FO_AGENT_RETURN_MS, and FO_AGENT_RETURN_RUNS times the agent's
    average lease, without any slot taking a lease, the leases queued
    beyond the prefetch (and beyond the slots free but held back by the
    capacity) go back to the broker with no credit, which leases them
    elsewhere; the extra credit shrinks by as many. After
    FO_AGENT_RETURN_PREFETCH_MS (and as many average leases) the
    prefetch's go too (a long test must
    not keep them for its whole run), and the agent holds no prefetch
    from then on: with leases that long a slot's wait of a round trip is
    nothing. Never a lease that fetched artifacts (a manifest: its
    workspace is laid out here) nor a discovery. */
#include "fo_agent_state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fo_agent_outputs.h"
#include "fo_capacity.h"
#include "fo_execution.h"
#include "fo_log.h"
#include "fo_sweeper.h"


/* Since when the queue's head waits: set when a lease becomes the head
   (pushed to an empty queue, or the one before it left). */
static void
queue_moved (agent *self)
{
    self->queue_since_ms = self->queue_len ? fo_now_ms () : 0;
}

bool
agent_aborted (const agent *self)
{
    return self->options->abort && *self->options->abort;
}

void
agent_queue_push (agent *self, fo_lease *lease)
{
    if (self->outputs)
        fo_agent_outputs_prepare (self->outputs, lease);
    if (self->queue_head + self->queue_len == self->queue_cap) {
        if (self->queue_head > 0) {
            memmove (self->queue, self->queue + self->queue_head,
                     self->queue_len * sizeof *self->queue);
            self->queue_head = 0;
        }
        else {
            self->queue_cap = self->queue_cap ? self->queue_cap * 2 : 8;
            self->queue = fo_xrealloc (self->queue, self->queue_cap * sizeof *self->queue);
        }
    }
    self->queue[self->queue_head + self->queue_len++] = *lease;
    memset (lease, 0, sizeof *lease);
    if (self->queue_len == 1)
        queue_moved (self);
}

bool
agent_queue_pop (agent *self, fo_lease *out)
{
    if (self->queue_len == 0)
        return false;
    *out = self->queue[self->queue_head++];
    self->queue_len--;
    queue_moved (self);
    return true;
}

static uint32_t
slots_in_use (const agent *self)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < self->options->slots; i++)
        n += self->slots[i] != NULL;
    return n;
}

/* The execution of lease in slot i (1-based worker i + 1), set up as every
   slot's is. */
static fo_execution *
slot_execution (agent *self, uint32_t i, fo_lease *lease)
{
    char *token = fo_xstr_nums (self->token, '/', self->session, '.', lease->lease);
    fo_execution *execution = fo_execution_new (lease, i + 1, self->host, agent_on_result, self);
    fo_execution_set_runner (execution, self->runners[i]);
    fo_execution_set_capacity (execution, self->capacity);
    fo_execution_set_spawner (execution, self->spawner);
    if (self->lanes)
        fo_execution_set_lane (execution, self->lanes, i);
    fo_execution_on_discovered (execution, agent_on_discovered);
    fo_execution_set_scope (execution, self->sweeper, token);
    fo_execution_on_slow (execution, agent_on_slow);
    if (self->options->abort)
        fo_execution_watch_abort (execution, self->options->abort, ABORT_REASON);
    free (token);
    return execution;
}

/* Slot i's lease begins now: its times for the credit (fo_flow.h). */
static void
slot_begins (agent *self, uint32_t i, uint64_t now)
{
    struct agent_slot_time *t = &self->times[i];
    if (t->free_us)
        self->ask += fo_flow_waited (&self->flow, now - t->free_us, t->ran_us);
    *t = (struct agent_slot_time) { .started_us = now, .ran_us = t->ran_us };
    self->due[i] = true;
    agent_keep_alive (self);
}

void
agent_fill_slots (agent *self)
{
    if (agent_aborted (self))
        return;         /* the queue goes in wind_down, run as cancelled */
    uint32_t in_use = slots_in_use (self);
    uint64_t now = 0;
    for (uint32_t i = 0; i < self->options->slots && self->queue_len > 0; i++) {
        if (self->slots[i])
            continue;
        if (in_use >= fo_capacity_limit (self->capacity))
            break;
        in_use++;
        fo_lease lease;
        agent_queue_pop (self, &lease);
        if (!now)
            now = fo_now_us ();
        self->slots[i] = slot_execution (self, i, &lease);
        slot_begins (self, i, now);
    }
}

/* Binds the lease at the queue's head to slot i and chains its first
   steps after the slot's last (see the top of this file): true when it
   did. */
static bool
chain_one (agent *self, uint32_t i)
{
    fo_execution **next = agent_next (self, i);
    unsigned depth = 0;
    while (depth < FO_AGENT_CHAIN_DEPTH && next[depth])
        depth++;
    if (depth == FO_AGENT_CHAIN_DEPTH || self->queue_len == 0 || agent_aborted (self))
        return false;
    /* A Python lease goes to the slot's worker (fo_runner_python); any
       other is chained only on the slot's lane (fo_runner_process), and
       never one whose artifacts were fetched (laid out when it starts).
       It follows the running lease once all its steps are the runner's,
       or a chained one that is a single step begun by the lane (a
       Python worker takes one lease ahead). */
    const fo_lease *head = &self->queue[self->queue_head];
    bool python = head->nsteps > 0 && head->steps[0].reader == FO_READER_PYTHON;
    bool follows = depth == 0 ? fo_execution_sent_to_end (self->slots[i])
                              : fo_execution_chained_whole (next[depth - 1]);
    /* Not one that could be (a gtest or GLib step, joined when it starts):
       no execution made and dropped for it at every service. */
    if (!fo_execution_chainable (head)
        || (!python && (!self->lanes || (head->manifest && head->manifest[0]))) || !follows)
        return false;
    size_t others = 0;      /* other slots that would take from the queue */
    for (uint32_t j = 0; j < self->options->slots; j++)
        others += j != i && (!self->slots[j] || !agent_next (self, j)[0]);
    const struct agent_slot_time *t = &self->times[i];
    bool short_leases = t->ran_us && t->ran_us < FO_AGENT_CHAIN_SHORT_US
                        && fo_now_us () - t->started_us < FO_AGENT_CHAIN_SHORT_US;
    if ((self->queue_len < 1 + others || !python) && !short_leases)
        return false;
    fo_lease lease;
    uint64_t since = self->queue_since_ms;
    agent_queue_pop (self, &lease);
    fo_execution *chained = slot_execution (self, i, &lease);
    if (fo_execution_chain (chained) != 0) {
        /* Not chainable (a step of another kind, a restart due): it goes
           back to the queue's head, as it came. */
        fo_execution_take_lease (chained, &lease);
        fo_execution_destroy (&chained);
        self->queue_head--;
        self->queue[self->queue_head] = lease;
        self->queue_len++;
        /* Nothing moved: the head still waits since it became the head.
           A try on every service of a blocked Python slot restarted the
           return's clock, and leases stayed stranded behind it. */
        self->queue_since_ms = since;
        return false;
    }
    next[depth] = chained;
    self->bound++;
    return true;
}

static void
try_chain (agent *self, uint32_t i)
{
    while (chain_one (self, i))
        ;
}

/* Puts a lease back at the queue's head (taken, zeroed). */
static void
queue_push_front (agent *self, fo_lease *lease)
{
    if (self->queue_head == 0) {
        if (self->queue_len == self->queue_cap) {
            self->queue_cap = self->queue_cap ? self->queue_cap * 2 : 8;
            self->queue = fo_xrealloc (self->queue, self->queue_cap * sizeof *self->queue);
        }
        memmove (self->queue + 1, self->queue, self->queue_len * sizeof *self->queue);
        self->queue_head = 1;
    }
    self->queue[--self->queue_head] = *lease;
    self->queue_len++;
    memset (lease, 0, sizeof *lease);
    queue_moved (self);
}

/* Does slot i hold chained leases that agent_unbind_slow may take back? */
static bool
has_lane_chain (const agent *self, uint32_t i)
{
    fo_execution *const *next = agent_next (self, i);
    return self->slots[i] && next[0] && fo_execution_chained_whole (next[0]);
}

uint64_t
agent_unbind_deadline_ms (const agent *self)
{
    uint64_t deadline = UINT64_MAX;
    for (uint32_t i = 0; i < self->options->slots; i++) {
        if (!has_lane_chain (self, i) || self->times[i].unbound)
            continue;
        uint64_t due = (self->times[i].started_us + FO_AGENT_CHAIN_SHORT_US + 999) / 1000;
        if (due < deadline)
            deadline = due;
    }
    return deadline;
}

void
agent_unbind_slow (agent *self)
{
    uint64_t now = fo_now_us ();
    for (uint32_t i = 0; i < self->options->slots; i++) {
        if (!has_lane_chain (self, i) || self->times[i].unbound
            || now - self->times[i].started_us < FO_AGENT_CHAIN_SHORT_US)
            continue;
        /* Once: a lease that cannot be taken back now (begun, or
           cancelled and ending) must not make the loop spin. */
        self->times[i].unbound = true;
        fo_execution **next = agent_next (self, i);
        /* The last first: each goes back before those it followed. */
        for (unsigned k = FO_AGENT_CHAIN_DEPTH; k-- > 0;) {
            if (!next[k])
                continue;
            if (fo_execution_unchain_back (next[k]) != 0)
                break;          /* begun: the running lease has ended */
            fo_lease lease;
            fo_execution_take_lease (next[k], &lease);
            fo_execution_destroy (&next[k]);
            self->bound--;
            queue_push_front (self, &lease);
        }
    }
}

/* Slot i's lease ended: its next one, when one was bound to it, begins. */
static void
slot_ended (agent *self, uint32_t i, uint64_t now)
{
    fo_execution_destroy (&self->slots[i]);
    fo_execution **next = agent_next (self, i);
    if (!next[0])
        return;
    self->slots[i] = next[0];
    memmove (next, next + 1, (FO_AGENT_CHAIN_DEPTH - 1) * sizeof *next);
    next[FO_AGENT_CHAIN_DEPTH - 1] = NULL;
    self->bound--;
    slot_begins (self, i, now);
}

void
agent_slot_done (agent *self, uint32_t i, uint32_t credit)
{
    agent_send_done (self, self->slots[i], credit);
    slot_ended (self, i, fo_now_us ());
}

void
agent_mark_all_due (agent *self)
{
    for (uint32_t i = 0; i < self->options->slots; i++)
        self->due[i] = true;
}

static bool
any_due (const agent *self)
{
    for (uint32_t i = 0; i < self->options->slots; i++)
        if (self->slots[i] && self->due[i])
            return true;
    return false;
}

/* The two bounds of a wait: at least their floors, and at least
   FO_AGENT_RETURN_RUNS times the agent's average lease (fo_flow.avg_us):
   with all slots running leases of 50 ms, the head waits that long by
   itself, and a bound of 20 ms gave back a lease in every few (21 in one
   run of test_python_netns's suite), which then went round the agents. */
static uint64_t
return_bound_ms (const agent *self, uint64_t floor_ms)
{
    uint64_t usual = self->flow.ran ? self->flow.avg_us * FO_AGENT_RETURN_RUNS / 1000 : 0;
    return usual > floor_ms ? usual : floor_ms;
}

static uint64_t
prefetch_bound_ms (const agent *self)
{
    return return_bound_ms (self, self->options->return_prefetch_ms
                                  ? self->options->return_prefetch_ms
                                  : FO_AGENT_RETURN_PREFETCH_MS);
}

/* How many queued leases stay when the queue's head has waited `waited`
   ms without any slot taking a lease: after the first bound the
   prefetch, and a lease for each slot that is free but may not start one
   now (the capacity); after the prefetch's bound, none. */
static size_t
queue_keep (const agent *self, uint64_t waited)
{
    if (waited >= prefetch_bound_ms (self))
        return 0;
    if (waited < return_bound_ms (self, FO_AGENT_RETURN_MS))
        return SIZE_MAX;
    uint32_t in_use = slots_in_use (self);
    return (size_t) self->options->prefetch + (self->options->slots - in_use);
}

static bool
returnable (const fo_lease *lease)
{
    return !(lease->manifest && lease->manifest[0])
           && !(lease->nsteps > 0 && lease->steps[0].kind == FO_STEP_DISCOVER);
}

uint64_t
agent_return_deadline_ms (const agent *self)
{
    if (self->queue_len == 0 || !self->queue_since_ms || agent_aborted (self))
        return UINT64_MAX;
    /* The next bound that would return something. */
    uint64_t first = return_bound_ms (self, FO_AGENT_RETURN_MS), all = prefetch_bound_ms (self);
    if (first < all && self->queue_len > queue_keep (self, first))
        return self->queue_since_ms + first;
    return self->queue_since_ms + all;
}

void
agent_return_stranded (agent *self, uint64_t now_ms)
{
    if (agent_aborted (self) || self->muted || agent_return_deadline_ms (self) > now_ms)
        return;
    /* From the head: the oldest stay (up to keep), the rest go unless they
       cannot (kept in their order). */
    uint64_t waited = now_ms - self->queue_since_ms;
    size_t keep = queue_keep (self, waited), kept = 0, returned = 0;
    fo_lease *q = self->queue + self->queue_head;
    for (size_t k = 0; k < self->queue_len; k++) {
        if (kept < keep || !returnable (&q[k])) {
            q[kept++] = q[k];
            continue;
        }
        fo_msg msg = { .type = FO_MSG_RETURN, .u.ret = { .lease = q[k].lease, .credit = 0 } };
        agent_send_msg (self, &msg);
        if (self->outputs)
            fo_agent_outputs_done (self->outputs, q[k].lease);
        fo_msg gone = { .type = FO_MSG_LEASE, .u.lease = q[k] };
        fo_msg_free (&gone);
        returned++;
    }
    self->queue_len = kept;
    if (returned == 0) {
        /* Nothing could go (a manifest, a discovery): wait for a slot. */
        self->queue_since_ms = now_ms;
        return;
    }
    if (kept == 0)
        self->queue_since_ms = 0;
    /* No credit came back with them (fo_flow_returned). */
    fo_flow_returned (&self->flow, returned > UINT32_MAX ? UINT32_MAX : (uint32_t) returned);
    fo_log (FO_LOG_INFO, ROLE, "returned %zu queued lease%s to the broker: no slot took a lease "
            "for %llu ms", returned, returned == 1 ? "" : "s", (unsigned long long) waited);
}

void
agent_service_slots (agent *self)
{
    self->batching = true;      /* what the pass sends leaves as one frame */
    do {
        for (uint32_t i = 0; i < self->options->slots; i++) {
            fo_execution *execution = self->slots[i];
            if (!execution || !self->due[i])
                continue;
            self->due[i] = false;
            bool finished = fo_execution_service (execution);
            agent_keep_alive (self);
            if (!finished) {
                try_chain (self, i);
                continue;
            }
            /* Its slot is free: the done gives the credit back, but while
               a long lease shrinks the prefetch (fo_flow.h). */
            struct agent_slot_time *t = &self->times[i];
            uint64_t now = fo_now_us ();
            t->ran_us = now - t->started_us;
            t->free_us = now;
            agent_send_done (self, execution, fo_flow_ended (&self->flow, t->ran_us));
            slot_ended (self, i, now);
        }
        agent_fill_slots (self);        /* new leases are due */
    } while (any_due (self));
    agent_return_stranded (self, fo_now_ms ());
    agent_flush_results (self);
    if (self->ask > 0) {        /* in the pass's frame, after its dones */
        fo_log (FO_LOG_DEBUG, ROLE, "leases end faster than the round trip: %u more credit "
                "(%u beyond the slots and prefetch)", self->ask, self->flow.extra);
        agent_send_request (self, self->ask);
        self->ask = 0;
    }
    agent_end_pass (self);
}
