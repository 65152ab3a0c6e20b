/*  fo_agent_send — what the agent sends the broker (fo_agent_state.h).
    Results are held for the rest of the loop iteration: a lease that ends
    in the same iteration carries its own in its done (one message for a
    task of one test); the rest go out as result messages at the
    iteration's end, in the order they came. */
#include <czmq.h>
#include <errno.h>
#include <string.h>

#include "fo_agent_state.h"
#include "fo_log.h"
#include "fo_util.h"
#include "fo_wire.h"

static void
send_failed (agent *self, const char *what)
{
    if (!self->send_failed)
        fo_log (FO_LOG_WARN, ROLE, "cannot send %s to the broker: %s", what,
                zmq_strerror (errno));
    self->send_failed = true;
}

void
agent_flush_outbox (agent *self)
{
    self->batching = false;
    self->held_since_ms = 0;
    self->outbox_urgent = false;
    if (self->outbox.count == 0)
        return;
    if (fo_wire_send_batch (self->raw, NULL, 0, &self->outbox) != 0) {
        send_failed (self, "messages");
        return;
    }
    self->last_send_ms = fo_now_ms ();
}

/* What may wait in a held outbox: the run's bookkeeping, which only
   the broker's count of finished tests waits for. A discovery, a slow
   notice, a fetch or a goodbye goes at the pass's end. */
static bool
may_wait (fo_msg_type type)
{
    return type == FO_MSG_DONE || type == FO_MSG_RESULT || type == FO_MSG_OUTPUT
           || type == FO_MSG_REQUEST || type == FO_MSG_HEARTBEAT;
}

void
agent_end_pass (agent *self)
{
    self->batching = false;
    if (self->outbox.count == 0 || self->muted) {
        agent_flush_outbox (self);
        return;
    }
    uint64_t now = fo_now_ms ();
    if (!self->held_since_ms)
        self->held_since_ms = now;
    /* More leases waiting in the queue than there are slots: every slot
       is busy and each has its next lease here, so the broker's answer to
       these dones is not needed yet. With fewer the credit goes back at
       once: a slot must not wait a round trip (holding until the queue
       was empty cost `fanout run -j2` on /bin/true a few percent of its
       throughput: the broker's thread woke late on a busy machine). */
    if (self->outbox_urgent || self->queue_len + self->bound <= self->options->slots
        || now - self->held_since_ms >= FO_AGENT_HOLD_MS)
        agent_flush_outbox (self);
}

uint64_t
agent_hold_deadline_ms (const agent *self)
{
    return self->held_since_ms && self->outbox.count ? self->held_since_ms + FO_AGENT_HOLD_MS
                                                     : UINT64_MAX;
}

void
agent_send_msg (agent *self, const fo_msg *msg)
{
    if (self->muted)
        return;
    if (!self->batching && self->outbox.count > 0) {
        /* Held from a pass: what follows goes after it, in one frame. */
        self->batching = true;
        agent_send_msg (self, msg);
        agent_flush_outbox (self);
        return;
    }
    if (self->batching) {
        if (!may_wait (msg->type))
            self->outbox_urgent = true;
        fo_buf_reset (&self->scratch);
        if (fo_msg_encode (msg, &self->scratch) != 0) {
            errno = EINVAL;
            send_failed (self, fo_msg_type_name (msg->type));
            return;
        }
        if (!fo_batch_buf_fits (&self->outbox, self->scratch.len)) {
            agent_flush_outbox (self);
            self->batching = true;
        }
        if (fo_batch_buf_fits (&self->outbox, self->scratch.len)) {
            fo_batch_buf_add (&self->outbox, self->scratch.data, self->scratch.len);
            return;
        }
        /* Too big for a batch (over 8 MiB): alone, after what came before. */
        if (fo_wire_send_encoded (self->raw, NULL, 0, self->scratch.data, self->scratch.len) != 0)
            send_failed (self, fo_msg_type_name (msg->type));
        else
            self->last_send_ms = fo_now_ms ();
        return;
    }
    if (fo_wire_send (self->raw, NULL, 0, msg) != 0) {
        if (!self->send_failed)
            fo_log (FO_LOG_WARN, ROLE, "cannot send %s to the broker: %s",
                    fo_msg_type_name (msg->type), zmq_strerror (errno));
        self->send_failed = true;
        return;
    }
    self->last_send_ms = fo_now_ms ();
}

void
agent_send_simple (agent *self, fo_msg_type type, const char *reason)
{
    fo_msg msg = { .type = type };
    if (type == FO_MSG_BYE)
        msg.u.bye.reason = (char *) reason;
    agent_send_msg (self, &msg);
}

void
agent_send_request (agent *self, uint32_t credit)
{
    fo_msg msg = { .type = FO_MSG_REQUEST, .u.request.credit = credit };
    agent_send_msg (self, &msg);
}

static void
send_output (void *arg, const fo_output *piece)
{
    agent *self = arg;
    fo_msg msg = { .type = FO_MSG_OUTPUT, .u.output = *piece };
    agent_send_msg (self, &msg);
}

/* A result is kept until its lease's done or the end of the iteration;
   the files its step left go now, before it. */
void
agent_on_result (void *arg, const fo_result *result)
{
    agent *self = arg;
    if (self->muted)
        return;
    if (self->outputs && result->test[0])
        fo_agent_outputs_collect (self->outputs, result->lease, result->step, send_output, self);
    if (self->npending == self->pending_cap) {
        self->pending_cap = self->pending_cap ? self->pending_cap * 2 : 8;
        self->pending = fo_xrealloc (self->pending, self->pending_cap * sizeof *self->pending);
    }
    fo_result *r = &self->pending[self->npending++];
    fo_result_copy (r, result);
}

/* Sends the results still held as result messages, in order. */
void
agent_flush_results (agent *self)
{
    for (size_t i = 0; i < self->npending; i++) {
        fo_msg msg = { .type = FO_MSG_RESULT, .u.result = self->pending[i] };
        agent_send_msg (self, &msg);
        fo_result_free (&self->pending[i]);
    }
    self->npending = 0;
}

void
agent_on_discovered (void *arg, const fo_discovered *discovered)
{
    agent *self = arg;
    agent_flush_results (self);       /* what came before it goes before it */
    fo_msg msg = { .type = FO_MSG_DISCOVERED, .u.discovered = *discovered };
    agent_send_msg (self, &msg);
}

void
agent_on_slow (void *arg, const fo_slow *slow)
{
    agent *self = arg;
    agent_flush_results (self);
    fo_msg msg = { .type = FO_MSG_SLOW, .u.slow = *slow };
    agent_send_msg (self, &msg);
}

/* A heartbeat when one is due. Starting or servicing hundreds of slots
   in one pass can take seconds (each start spawns a process): the broker
   must not take that silence for a lost host. */
void
agent_keep_alive (agent *self)
{
    if (self->welcomed && fo_now_ms () - self->last_send_ms >= self->heartbeat_ms) {
        bool batching = self->batching;
        agent_send_simple (self, FO_MSG_HEARTBEAT, NULL);
        if (batching) {         /* what waits goes now, the heartbeat with it */
            agent_flush_outbox (self);
            self->batching = true;
        }
    }
}

/* done ends the lease, carrying the credit its slot gives back and the
   lease's results still held: one message instead of results, done and
   request. Results of other leases held meanwhile stay held (only the
   order within a lease matters). A done whose results could pass the
   message limit goes without them, after them. */
void
agent_send_done (agent *self, const fo_execution *execution, uint32_t credit)
{
    uint64_t lease = fo_execution_lease (execution);
    if (self->outputs)
        fo_agent_outputs_done (self->outputs, lease);
    if (self->fetcher)
        fo_fetcher_lease_end (self->fetcher, lease);
    fo_result *mine = self->npending ? fo_xmalloc (self->npending * sizeof *mine) : NULL;
    size_t nmine = 0, kept = 0;
    size_t bytes = 0;           /* what the results hold, a bound for the check */
    for (size_t i = 0; i < self->npending; i++) {
        fo_result *r = &self->pending[i];
        if (r->lease != lease) {
            self->pending[kept++] = *r;
            continue;
        }
        mine[nmine++] = *r;
        bytes += r->out_len + r->err_len + strlen (r->test) + strlen (r->message)
            + strlen (r->host) + strlen (r->joined) + strlen (r->group) + 256;
    }
    self->npending = kept;
    fo_msg msg = { .type = FO_MSG_DONE };
    msg.u.done.lease = lease;
    msg.u.done.credit = credit;
    fo_execution_status (execution, &msg.u.done.exit_status, &msg.u.done.signal);
    msg.u.done.results = mine;
    msg.u.done.nresults = nmine;
    /* Measured only when near the limit: encoding twice costs per test. */
    if (nmine > 0 && bytes > FO_PROTO_MAX_MESSAGE / 2
        && fo_msg_encoded_size (&msg) > FO_PROTO_MAX_MESSAGE) {
        for (size_t i = 0; i < nmine; i++) {
            fo_msg one = { .type = FO_MSG_RESULT, .u.result = mine[i] };
            agent_send_msg (self, &one);
        }
        msg.u.done.nresults = 0;
    }
    agent_send_msg (self, &msg);
    for (size_t i = 0; i < nmine; i++)
        fo_result_free (&mine[i]);
    free (mine);
}

