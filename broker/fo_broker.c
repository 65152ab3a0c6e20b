/*  fo_broker — see fo_broker.h. One thread and one zmq_poll: the ROUTER
    socket and the shared fixtures' processes. Leases go out whenever an
    agent has credit and fo_run has a task, so a busy agent always has its
    next task queued locally (the agent's prefetch) and never waits a round
    trip between tests. */
#include "fo_broker.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_agent_index.h"
#include "fo_broker_auth.h"
#include "fo_broker_state.h"
#include "fo_log.h"
#include "fo_wire.h"
#include "fo_zpoll.h"

#define MAX_FIXTURE_FDS 96
/* On the way out the broker waits this long at most for its last messages
   (shutdown) to reach agents that are still there. */
#define CLOSE_LINGER_MS 2000
/* A dispatch pass's buffer of encoded leases larger than this is freed
   once sent, not kept: only the passes that hand out every agent's credit
   at once (a run's start: 5 MB at 2,000 agents) need that much. Sending
   part of a pass early instead split the agents' batches: 2,500 frames
   more in a run of 200,000 tests at 2,000 agents. */
#define PASS_KEEP_BYTES (256u << 10)

/* What a hostile or broken peer can repeat at will is logged with
   fo_log_peer (rate-limited per kind and peer), naming the peer so. */
const char *
broker_peer_name (const char *agent_id, const char *host, char *buf, size_t len)
{
    snprintf (buf, len, "agent %s on %s", agent_id ? agent_id : "?", host ? host : "?");
    return buf;
}

static int
bind_one (fo_broker *self, const char *endpoint, size_t index, char *err, size_t errlen)
{
    if (zmq_bind (self->raw, endpoint) != 0) {
        snprintf (err, errlen, "cannot bind %s: %s", endpoint, zmq_strerror (errno));
        return -1;
    }
    size_t len = sizeof self->endpoints[index];
    if (zmq_getsockopt (self->raw, ZMQ_LAST_ENDPOINT, self->endpoints[index], &len) != 0)
        snprintf (self->endpoints[index], sizeof self->endpoints[index], "%s", endpoint);
    self->endpoints[index][sizeof self->endpoints[index] - 1] = '\0';
    if (strncmp (endpoint, "inproc://", 9) != 0)
        fo_log (FO_LOG_INFO, ROLE, "listening on %s%s", self->endpoints[index],
                self->options.curve_secret ? " (CurveZMQ)" : "");
    return 0;
}

fo_broker *
fo_broker_new (const fo_broker_options *options, char *err, size_t errlen)
{
    fo_broker *self = fo_xcalloc (1, sizeof *self);
    self->options = *options;
    if (!self->options.heartbeat_ms)
        self->options.heartbeat_ms = FO_DEFAULT_HEARTBEAT_MS;
    if (!self->options.liveness)
        self->options.liveness = FO_DEFAULT_LIVENESS;
    if (gethostname (self->host, sizeof self->host) != 0)
        snprintf (self->host, sizeof self->host, "localhost");
    self->host[sizeof self->host - 1] = '\0';
    snprintf (self->broker_id, sizeof self->broker_id, "%s:%d", self->host, (int) getpid ());

    self->sock = zsock_new (ZMQ_ROUTER);
    if (!self->sock) {
        snprintf (err, errlen, "cannot create a ZeroMQ socket");
        free (self);
        return NULL;
    }
    self->raw = zsock_resolve (self->sock);
    self->index = fo_agent_index_new ();
    self->by_agent_id = zhashx_new ();   /* keys copied, values numbers + 1 */
    fo_wire_configure (self->raw);
    self->auth = fo_broker_auth_new (self->raw, options->curve_public, options->curve_secret,
                                     options->authorized_dir, err, errlen);
    if (!self->auth
        || bind_one (self, options->bind, 0, err, errlen) != 0
        || (options->extra_bind && bind_one (self, options->extra_bind, 1, err, errlen) != 0)) {
        fo_broker_destroy (&self);
        return NULL;
    }
    return self;
}

const char *
fo_broker_endpoint (const fo_broker *self, size_t index)
{
    return index < 2 && self->endpoints[index][0] ? self->endpoints[index] : NULL;
}

void
fo_broker_destroy (fo_broker **self_p)
{
    fo_broker *self = *self_p;
    if (!self)
        return;
    fo_run_destroy (&self->run);
    for (size_t i = 0; i < self->nagents; i++) {
        free (self->agents[i].agent_id);
        free (self->agents[i].host);
    }
    free (self->agents);
    fo_agent_index_destroy (&self->index);
    zhashx_destroy (&self->by_agent_id);
    free (self->free_numbers);
    free (self->ready);
    fo_buf_free (&self->pass);
    free (self->pass_leases);
    free (self->outbox_used);
    fo_batch_buf_free (&self->batch);
    fo_wire_inbox_free (&self->inbox);
    fo_broker_auth_destroy (&self->auth);
    if (self->sock) {
        int linger = CLOSE_LINGER_MS;
        zmq_setsockopt (self->raw, ZMQ_LINGER, &linger, sizeof linger);
    }
    zsock_destroy (&self->sock);
    free (self);
    *self_p = NULL;
}

void
broker_send_to (fo_broker *self, agent_rec *a, const fo_msg *msg)
{
    char who[FO_LOG_PEER_MAX];
    if (fo_wire_send (self->raw, a->routing, a->routing_len, msg) != 0)
        fo_log_peer (FO_LOG_WARN, ROLE, broker_peer_name (a->agent_id, a->host, who, sizeof who),
                     "cannot send %s to agent %s: %s", fo_msg_type_name (msg->type),
                     a->agent_id ? a->agent_id : "?", zmq_strerror (errno));
    a->last_send_ms = fo_now_ms ();
}

void
broker_send_reason (fo_broker *self, const unsigned char *routing, size_t len, fo_msg_type type,
             const char *reason)
{
    fo_msg msg = { .type = type };
    msg.u.refuse.reason = (char *) reason;     /* refuse and shutdown share the layout */
    fo_wire_send (self->raw, routing, len, &msg);
}

/* One of the agent's leases ended (done, or given back): a place in its
   queue is free. */
static void
lease_ended (fo_broker *self, agent_rec *a)
{
    if (a->leased > 0)
        broker_set_leased (self, a, a->leased - 1);
}

static void
handle (fo_broker *self, const unsigned char *routing, size_t len, fo_msg *msg)
{
    size_t number;
    agent_rec *a = broker_find_agent (self, routing, len, &number);
    if (msg->type == FO_MSG_HELLO) {
        broker_hello (self, routing, len, &msg->u.hello);
        return;
    }
    if (!a) {
        fo_log_peer (FO_LOG_WARN, ROLE, NULL, "dropped a %s message from a peer that is not a "
                     "current agent (it never said hello, or it was lost; %zu bad messages so "
                     "far)", fo_msg_type_name (msg->type), ++self->bad_messages);
        return;
    }
    a->last_recv_ms = fo_now_ms ();
    switch (msg->type) {
    case FO_MSG_REQUEST:
        broker_add_credit (self, number, msg->u.request.credit);
        break;
    case FO_MSG_RESULT:
        fo_run_result (self->run, (uint32_t) number, a->host, &msg->u.result);
        break;
    case FO_MSG_DONE:
        /* What would have been results, done and request, in that order. */
        for (size_t i = 0; i < msg->u.done.nresults; i++)
            fo_run_result (self->run, (uint32_t) number, a->host, &msg->u.done.results[i]);
        fo_run_done (self->run, (uint32_t) number, a->host, &msg->u.done);
        lease_ended (self, a);
        broker_add_credit (self, number, msg->u.done.credit);
        break;
    case FO_MSG_RETURN:
        /* A queued lease the agent gives back: its task waits again
           (fo_run_return). Only the return of a current lease frees a
           place and brings its credit: a forged or stale one with credit
           would have a hostile agent take tasks it never means to run
           (test_hostile_peers). */
        if (fo_run_return (self->run, (uint32_t) number, a->host, &msg->u.ret)) {
            lease_ended (self, a);
            broker_add_credit (self, number, msg->u.ret.credit);
        }
        break;
    case FO_MSG_DISCOVERED:
        fo_run_discovered (self->run, (uint32_t) number, a->host, &msg->u.discovered);
        break;
    case FO_MSG_HEARTBEAT:
        break;
    case FO_MSG_SLOW:
        fo_run_slow (self->run, (uint32_t) number, a->host, &msg->u.slow);
        break;
    case FO_MSG_OUTPUT: {
        size_t index;
        const char *test = self->options.outputs
            ? fo_run_output_test (self->run, (uint32_t) number, a->host, msg->u.output.lease,
                                  msg->u.output.step, &index) : NULL;
        if (!test)
            break;
        bool dropped;
        const char *path = fo_outputs_write (self->options.outputs, test, &msg->u.output, &dropped);
        if (path)
            fo_report_add_output (self->options.run.report, index, path);
        break;
    }
    case FO_MSG_FETCH: {
        /* One chunk per fetch: the agent's window bounds what is in
           flight to it (fo_blobs.h). */
        fo_msg chunk = { .type = FO_MSG_CHUNK };
        if (self->options.blobs)
            fo_blobs_serve (self->options.blobs, &msg->u.fetch, &chunk.u.chunk);
        else
            chunk.u.chunk = (fo_chunk) { .blob = msg->u.fetch.blob,
                                         .error = "this broker ships no artifacts" };
        broker_send_to (self, a, &chunk);
        break;
    }
    case FO_MSG_BYE: {
        char *why = fo_xasprintf ("said goodbye: %s", msg->u.bye.reason);
        broker_lose_agent (self, number, why);
        free (why);
        break;
    }
    default: {
        char who[FO_LOG_PEER_MAX];
        fo_log_peer (FO_LOG_WARN, ROLE, broker_peer_name (a->agent_id, a->host, who, sizeof who),
                     "agent %s on %s sent a %s message, which only a broker sends; dropped (%zu "
                     "bad messages from it so far)", a->agent_id, a->host,
                     fo_msg_type_name (msg->type), ++a->bad);
        break;
    }
    }
}

static uint64_t sweep_period_ms (const fo_broker *self);

/* Reads the messages waiting on the socket, for at most one sweep period:
   an agent that sends results faster than they are handled (a program's
   50000 TAP points, each a joined test) would otherwise keep the loop
   here, its heartbeats to every agent stopped, until the agents take the
   broker for lost. The loop comes back at once for the rest. */
static int
read_socket (fo_broker *self, char *err, size_t errlen)
{
    uint64_t until = fo_now_ms () + sweep_period_ms (self);
    for (size_t read = 0;; read++) {
        if (read % 64 == 63 && fo_now_ms () >= until)
            return 0;
        unsigned char routing[FO_WIRE_MAX_ROUTING_ID];
        size_t len = 0;
        fo_msg msg;
        char why[256];
        fo_wire_status st = fo_wire_inbox_recv (&self->inbox, self->raw, true, routing, &len, &msg,
                                                why, sizeof why);
        switch (st) {
        case FO_WIRE_NONE:
            return 0;
        case FO_WIRE_ERROR:
            snprintf (err, errlen, "%s", why);
            return -1;
        case FO_WIRE_BAD_VERSION:
            fo_log_peer (FO_LOG_WARN, ROLE, NULL, "refused a peer: %s (%zu refused so far)", why,
                         ++self->bad_versions);
            broker_send_reason (self, routing, len, FO_MSG_REFUSE, why);
            break;
        case FO_WIRE_BAD: {
            size_t number;
            agent_rec *a = broker_find_agent (self, routing, len, &number);
            char who[FO_LOG_PEER_MAX];
            if (a)
                fo_log_peer (FO_LOG_WARN, ROLE, broker_peer_name (a->agent_id, a->host, who, sizeof who),
                             "dropped a bad message from agent %s on %s: %s (%zu bad messages "
                             "from it so far)", a->agent_id, a->host, why, ++a->bad);
            else
                fo_log_peer (FO_LOG_WARN, ROLE, NULL, "dropped a bad message from a peer that "
                             "has not said hello: %s (%zu bad messages so far)", why,
                             ++self->bad_messages);
            break;
        }
        case FO_WIRE_MSG:
            handle (self, routing, len, &msg);
            fo_msg_free (&msg);
            break;
        }
    }
}

static void
send_batch (fo_broker *self, const agent_rec *a)
{
    size_t n = self->batch.count;
    if (fo_wire_send_batch (self->raw, a->routing, a->routing_len, &self->batch) != 0)
        fo_log (FO_LOG_WARN, ROLE, "cannot send %zu lease%s to agent %s: %s", n,
                n == 1 ? "" : "s", a->agent_id, zmq_strerror (errno));
}

/* Sends each agent its leases of this pass, in the order they were
   leased: in one frame, or more when they do not fit one; a lease that
   cannot go in a batch (over FO_PROTO_MAX_STRING) goes alone, in its
   place. */
static void
flush_outboxes (fo_broker *self)
{
    for (size_t k = 0; k < self->noutbox_used; k++) {
        agent_rec *a = &self->agents[self->outbox_used[k]];
        a->in_pass = false;
        fo_batch_buf_reset (&self->batch);
        for (uint32_t l = a->pass_first; l != NO_PASS_LEASE; l = self->pass_leases[l].next) {
            const pass_lease *pl = &self->pass_leases[l];
            const char *data = self->pass.data + pl->offset;
            if (fo_batch_buf_fits (&self->batch, pl->len)) {
                fo_batch_buf_add (&self->batch, data, pl->len);
                continue;
            }
            if (self->batch.count > 0)
                send_batch (self, a);
            if (fo_batch_buf_fits (&self->batch, pl->len))
                fo_batch_buf_add (&self->batch, data, pl->len);
            else if (fo_wire_send_encoded (self->raw, a->routing, a->routing_len, data,
                                           pl->len) != 0)
                fo_log (FO_LOG_WARN, ROLE, "cannot send a lease to agent %s: %s", a->agent_id,
                        zmq_strerror (errno));
        }
        send_batch (self, a);
    }
    self->noutbox_used = 0;
    self->npass_leases = 0;
    /* The batch buffer as the pass's: one batch of large leases (up to
       16 MiB) is not kept for the broker's life. */
    if (self->batch.buf.cap > PASS_KEEP_BYTES)
        fo_batch_buf_free (&self->batch);
    if (self->pass.cap > PASS_KEEP_BYTES) {
        fo_buf_free (&self->pass);
        free (self->pass_leases);
        self->pass_leases = NULL;
        self->pass_leases_cap = 0;
    }
    else
        fo_buf_reset (&self->pass);
}

/* Keeps an encoded lease for agent i, sent by flush_outboxes. */
static void
queue_lease (fo_broker *self, uint32_t i, const fo_buf *frame)
{
    if (self->npass_leases == self->pass_leases_cap) {
        self->pass_leases_cap = self->pass_leases_cap ? self->pass_leases_cap * 2 : 256;
        self->pass_leases = fo_xrealloc (self->pass_leases,
                                         self->pass_leases_cap * sizeof *self->pass_leases);
    }
    uint32_t l = (uint32_t) self->npass_leases++;
    self->pass_leases[l] = (pass_lease) { .offset = self->pass.len, .len = frame->len,
                                          .next = NO_PASS_LEASE };
    fo_buf_append (&self->pass, frame->data, frame->len);
    agent_rec *a = &self->agents[i];
    if (a->in_pass)
        self->pass_leases[a->pass_last].next = l;
    else {
        if (self->noutbox_used == self->outbox_cap) {
            self->outbox_cap = self->agents_cap > self->outbox_cap ? self->agents_cap
                                                                   : self->outbox_cap + 8;
            self->outbox_used = fo_xrealloc (self->outbox_used,
                                             self->outbox_cap * sizeof *self->outbox_used);
        }
        self->outbox_used[self->noutbox_used++] = i;
        a->in_pass = true;
        a->pass_first = l;
    }
    a->pass_last = l;
}

/* Round-robin over the agents with credit (the ready ring), one lease
   each per round, until either the credit or the leasable tasks run out.
   An agent that gets nothing keeps its place behind the others: a retry
   may wait for another agent than this one. When no agent at all could
   get a task (fo_run_may_lease), the round ends at once: at the end of a
   run, with every agent holding credit, a loop over all of them on every
   message is what made the broker slow with many agents. */
static void
dispatch (fo_broker *self)
{
    if (!self->started)
        return;
    size_t misses = 0;          /* agents in a row that got nothing */
    uint64_t now = fo_now_ms ();
    broker_unpark_if_grown (self);
    while (self->ready_len > 0 && misses < self->ready_len) {
        uint32_t i = broker_ready_pop (self);
        agent_rec *a = &self->agents[i];
        if (!a->alive || a->credit == 0) {
            a->queued = false;
            continue;
        }
        if (broker_prefetch_waits (self, a)) {
            broker_park (self, i);
            continue;
        }
        fo_lease lease;
        if (!fo_run_next_lease (self->run, i, &lease)) {
            broker_ready_push (self, i);
            misses++;
            if (!fo_run_may_lease (self->run))
                break;
            continue;
        }
        misses = 0;
        /* Sent as the run encoded it: a lease that cannot be encoded
           is never handed out (fo_run_next_lease). */
        queue_lease (self, i, fo_run_lease_frame (self->run));
        a->last_send_ms = now;
        broker_set_leased (self, a, a->leased + 1);
        if (--a->credit > 0)
            broker_ready_push (self, i);
        else
            a->queued = false;
    }
    flush_outboxes (self);
}

/* How often heartbeats() looks at every agent, and the longest poll. */
static uint64_t
sweep_period_ms (const fo_broker *self)
{
    uint64_t period = self->options.heartbeat_ms / 2;
    return period > 200 ? 200 : period;
}

typedef struct {
    uint64_t *ids;
    uint32_t *agents;
    size_t len, cap;
} lease_list;

static void
collect_lease (void *arg, uint64_t lease, uint32_t agent)
{
    lease_list *list = arg;
    if (list->len == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 64;
        list->ids = fo_xrealloc (list->ids, list->cap * sizeof *list->ids);
        list->agents = fo_xrealloc (list->agents, list->cap * sizeof *list->agents);
    }
    list->ids[list->len] = lease;
    list->agents[list->len++] = agent;
}

/* Cancels every lease in flight, the newest first. An agent starts its
   leases in the order it got them, so a lease waiting in its queue has a
   higher id than the ones running: its cancel must reach the agent first,
   or the agent may start it the moment a running lease is killed, and run
   a test after the stop. */
static void
cancel_leases (fo_broker *self)
{
    lease_list list = { 0 };
    fo_run_foreach_lease (self->run, collect_lease, &list);
    for (size_t i = list.len; i-- > 0;) {
        fo_msg msg = { .type = FO_MSG_CANCEL, .u.cancel.lease = list.ids[i] };
        msg.u.cancel.reason = (char *) fo_run_stop_reason (self->run);
        broker_send_to (self, &self->agents[list.agents[i]], &msg);
    }
    free (list.ids);
    free (list.agents);
}

/* Every agent's liveness and heartbeat, looked at once per sweep period
   (what the poll timeout was), not on every loop iteration: at 2,000
   agents a loop per message was a good part of the broker's time. A
   heartbeat goes out at most one period late, as before. */
static void
heartbeats (fo_broker *self)
{
    uint64_t now = fo_now_ms ();
    if (now < self->next_sweep_ms)
        return;
    self->next_sweep_ms = now + sweep_period_ms (self);
    uint64_t limit = (uint64_t) self->options.heartbeat_ms * self->options.liveness;
    for (size_t i = 0; i < self->nagents; i++) {
        agent_rec *a = &self->agents[i];
        if (!a->alive)
            continue;
        if (now - a->last_recv_ms > limit) {
            char *why = fo_xasprintf ("no heartbeat for %llu ms", (unsigned long long) (now - a->last_recv_ms));
            broker_lose_agent (self, i, why);
            free (why);
            continue;
        }
        if (now - a->last_send_ms >= self->options.heartbeat_ms) {
            fo_msg msg = { .type = FO_MSG_HEARTBEAT };
            broker_send_to (self, a, &msg);
        }
    }
}

/* Tasks no agent alive can ever take (a label, more slots than any agent
   has) end not run once --wait has passed since the broker started (so
   that the agents that offer them had the time to join); then whenever
   agents come or go, and once a second for tasks back from a shared
   fixture's setup. With --wait 0 (wait for ever) they wait, as the run
   waits for agents (options.placement_wait_ms may say otherwise). */
static void
check_impossible (fo_broker *self)
{
    uint64_t now = fo_now_ms ();
    uint32_t wait = self->options.placement_wait_ms ? self->options.placement_wait_ms
                                                    : self->options.wait_ms;
    if (!wait || now - self->started_ms < wait)
        return;
    if (!self->placement_changed && now - self->impossible_ms < 1000)
        return;
    self->placement_changed = false;
    self->impossible_ms = now;
    fo_run_end_impossible (self->run);
}

/* Starts leasing once enough agents joined; ends the run not_run when no
   agent came (or came back) within the wait. */
static void
check_agents (fo_broker *self)
{
    if (fo_run_stopping (self->run) || fo_run_finished (self->run))
        return;
    uint32_t min = self->options.min_agents ? self->options.min_agents : 1;
    uint32_t wait_s = self->options.wait_ms / 1000;
    bool waited = self->options.wait_ms
        && fo_now_ms () - self->waiting_since_ms >= self->options.wait_ms;
    if (!self->started) {
        if (self->alive >= min) {
            self->started = true;
            fo_log (FO_LOG_INFO, ROLE, "%zu agent%s joined: the run starts", self->alive,
                    self->alive == 1 ? "" : "s");
        }
        else if (waited && self->alive > 0) {
            self->started = true;
            fo_log (FO_LOG_WARN, ROLE, "only %zu of %u agents joined within %u s: the run "
                    "starts with them", self->alive, min, wait_s);
        }
        else if (waited) {
            char *reason = fo_xasprintf ("no agent joined within %u s", wait_s);
            fo_log (FO_LOG_ERROR, ROLE, "%s: no test can run", reason);
            fo_run_stop (self->run, reason);
            free (reason);
        }
        return;
    }
    if (self->alive == 0 && waited) {
        char *reason = fo_xasprintf ("every agent was lost and none joined within %u s", wait_s);
        fo_log (FO_LOG_ERROR, ROLE, "%s: the tests left cannot run", reason);
        fo_run_stop (self->run, reason);
        free (reason);
        return;
    }
    check_impossible (self);
}

/* A stop from outside (*options.stop: a signal, a failed agent thread) or
   from the run itself (fail fast): nothing more is leased, and what is in
   flight is cancelled, once. True when the run was cut short
   (*options.abort): the loop ends now. */
static bool
check_stop (fo_broker *self)
{
    const char *reason = self->options.stop_reason && *self->options.stop_reason
        ? *self->options.stop_reason : "stopped";
    if (self->options.abort && *self->options.abort) {
        fo_log (FO_LOG_INFO, ROLE, "cutting the run short: %s", reason);
        fo_run_abort (self->run, reason);
        return true;
    }
    if (self->options.stop && *self->options.stop && !fo_run_stopping (self->run)) {
        fo_log (FO_LOG_INFO, ROLE, "stopping the run: %s", reason);
        fo_run_stop (self->run, reason);
    }
    if (fo_run_stopping (self->run) && !self->cancels_sent) {
        self->cancels_sent = true;
        cancel_leases (self);
    }
    return false;
}

int
fo_broker_run (fo_broker *self, char *err, size_t errlen)
{
    /* Shared fixtures run here: their errors name this host. */
    if (!self->options.run.broker_host)
        self->options.run.broker_host = self->host;
    self->run = fo_run_new (&self->options.run);
    self->waiting_since_ms = self->started_ms = fo_now_ms ();
    self->placement_changed = true;
    int rc = 0;
    int fds[MAX_FIXTURE_FDS];
    zmq_pollitem_t items[2 + MAX_FIXTURE_FDS];
    void *monitor = fo_broker_auth_pollsocket (self->auth);
    while (rc == 0) {
        if (check_stop (self))
            break;
        check_agents (self);
        dispatch (self);
        if (fo_run_finished (self->run))
            break;
        int n = fo_run_pollfds (self->run, fds, MAX_FIXTURE_FDS);
        int nitems = 0;
        items[nitems++] = (zmq_pollitem_t) { .socket = self->raw, .events = ZMQ_POLLIN };
        if (monitor)
            items[nitems++] = (zmq_pollitem_t) { .socket = monitor, .events = ZMQ_POLLIN };
        for (int i = 0; i < n; i++)
            items[nitems++] = (zmq_pollitem_t) { .fd = fds[i], .events = ZMQ_POLLIN };
        uint64_t now = fo_now_ms ();
        uint64_t deadline = fo_run_deadline_ms (self->run);
        long timeout = (long) sweep_period_ms (self);   /* also how often *stop is checked */
        if (deadline != UINT64_MAX && deadline < now + (uint64_t) timeout)
            timeout = deadline > now ? (long) (deadline - now) : 0;
        /* read_socket stopped at its time budget inside a batch: the rest
           is in the inbox, where no poll sees it. */
        if (fo_wire_inbox_pending (&self->inbox))
            timeout = 0;
        if (fo_zpoll (items, nitems, timeout) < 0 && errno != EINTR) {
            snprintf (err, errlen, "poll failed: %s", zmq_strerror (errno));
            rc = -1;
            break;
        }
        if (items[0].revents & ZMQ_POLLIN || fo_wire_inbox_pending (&self->inbox))
            rc = read_socket (self, err, errlen);
        if (monitor && items[1].revents & ZMQ_POLLIN)
            fo_broker_auth_service (self->auth);
        fo_run_service (self->run);
        /* The reporters' clock (fo_reporter.h: tick), as often as the loop
           wakes: at least every 200 ms. */
        fo_reporters_tick (self->options.run.reporters, fo_now_ms ());
        heartbeats (self);
    }
    for (size_t i = 0; i < self->nagents; i++)
        if (self->agents[i].alive)
            broker_send_reason (self, self->agents[i].routing, self->agents[i].routing_len,
                         FO_MSG_SHUTDOWN, rc == 0 ? "the run is complete" : "the broker failed");
    if (self->options.blobs) {
        /* What shipping cost: a warm second run sends no blob. */
        fo_blobs_stats st = fo_blobs_get_stats (self->options.blobs);
        fo_log (FO_LOG_INFO, ROLE, "artifacts: %llu bytes sent in %llu chunks (%llu read from "
                "disk, %llu refused)", (unsigned long long) st.bytes_sent,
                (unsigned long long) st.fetches, (unsigned long long) st.bytes_read,
                (unsigned long long) st.errors);
    }
    return rc;
}
