/*  fo_broker — see fo_broker.h. One thread and one zmq_poll: the ROUTER
    socket and the shared fixtures' processes. Leases go out whenever an
    agent has credit and fo_run has a task, so a busy agent always has its
    next task queued locally (the agent's prefetch) and never waits a round
    trip between tests. */
#include "fo_broker.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fo_log.h"
#include "fo_wire.h"

#define ROLE "broker"
#define MAX_FIXTURE_FDS 96

typedef struct {
    unsigned char routing[FO_WIRE_MAX_ROUTING_ID];
    size_t routing_len;
    char *agent_id;
    char *host;
    uint32_t slots;
    uint32_t credit;            /* leases it can take now */
    uint64_t last_recv_ms;
    uint64_t last_send_ms;
    bool alive;
} agent_rec;

struct fo_broker {
    fo_broker_options options;
    zsock_t *sock;
    void *raw;
    char broker_id[300];
    char host[256];
    agent_rec *agents;          /* index = the agent's number in fo_run */
    size_t nagents, agents_cap;
    size_t rotor;               /* where the next dispatch round starts */
    fo_run *run;
    bool cancels_sent;          /* the run stopped and its leases were cancelled */
};

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
    fo_wire_configure (self->raw);
    if (zmq_bind (self->raw, options->bind) != 0) {
        snprintf (err, errlen, "cannot bind %s: %s", options->bind, zmq_strerror (errno));
        zsock_destroy (&self->sock);
        free (self);
        return NULL;
    }
    return self;
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
    zsock_destroy (&self->sock);
    free (self);
    *self_p = NULL;
}

static void
send_to (fo_broker *self, agent_rec *a, const fo_msg *msg)
{
    if (fo_wire_send (self->raw, a->routing, a->routing_len, msg) != 0)
        fo_log (FO_LOG_WARN, ROLE, "cannot send %s to agent %s: %s", fo_msg_type_name (msg->type),
                a->agent_id ? a->agent_id : "?", zmq_strerror (errno));
    a->last_send_ms = fo_now_ms ();
}

static void
send_reason (fo_broker *self, const unsigned char *routing, size_t len, fo_msg_type type,
             const char *reason)
{
    fo_msg msg = { .type = type };
    msg.u.refuse.reason = (char *) reason;     /* refuse and shutdown share the layout */
    fo_wire_send (self->raw, routing, len, &msg);
}

static agent_rec *
find_agent (fo_broker *self, const unsigned char *routing, size_t len, size_t *number)
{
    for (size_t i = self->nagents; i-- > 0;) {
        agent_rec *a = &self->agents[i];
        if (a->alive && a->routing_len == len && memcmp (a->routing, routing, len) == 0) {
            *number = i;
            return a;
        }
    }
    return NULL;
}

static size_t
total_slots (const fo_broker *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->nagents; i++)
        if (self->agents[i].alive)
            n += self->agents[i].slots;
    return n;
}

static void
lose_agent (fo_broker *self, size_t number, const char *why)
{
    agent_rec *a = &self->agents[number];
    if (!a->alive)
        return;
    a->alive = false;
    a->credit = 0;
    fo_log (FO_LOG_INFO, ROLE, "agent %s on %s left: %s", a->agent_id, a->host, why);
    fo_run_agent_lost (self->run, (uint32_t) number, a->host, why);
}

static void
hello (fo_broker *self, const unsigned char *routing, size_t len, fo_hello *h)
{
    size_t old;
    if (find_agent (self, routing, len, &old))
        lose_agent (self, old, "it said hello again");
    if (self->nagents == self->agents_cap) {
        self->agents_cap = self->agents_cap ? self->agents_cap * 2 : 8;
        self->agents = fo_xrealloc (self->agents, self->agents_cap * sizeof *self->agents);
    }
    agent_rec *a = &self->agents[self->nagents++];
    *a = (agent_rec) {
        .routing_len = len,
        .agent_id = h->agent_id,
        .host = h->host,
        .slots = h->slots,
        .last_recv_ms = fo_now_ms (),
        .alive = true,
    };
    memcpy (a->routing, routing, len);
    h->agent_id = h->host = NULL;   /* taken */
    size_t slots = total_slots (self);
    if (slots > self->options.run.report->jobs)
        self->options.run.report->jobs = (uint32_t) slots;
    fo_log (FO_LOG_INFO, ROLE, "agent %s on %s joined with %u slots", a->agent_id, a->host, a->slots);
    fo_run_agent_joined (self->run, (uint32_t) (self->nagents - 1));
    fo_msg welcome = { .type = FO_MSG_WELCOME };
    welcome.u.welcome.broker_id = self->broker_id;
    welcome.u.welcome.heartbeat_ms = self->options.heartbeat_ms;
    welcome.u.welcome.liveness = self->options.liveness;
    send_to (self, a, &welcome);
}

static void
handle (fo_broker *self, const unsigned char *routing, size_t len, fo_msg *msg)
{
    size_t number;
    agent_rec *a = find_agent (self, routing, len, &number);
    if (msg->type == FO_MSG_HELLO) {
        hello (self, routing, len, &msg->u.hello);
        return;
    }
    if (!a) {
        fo_log (FO_LOG_DEBUG, ROLE, "ignored %s from an agent that has not said hello",
                fo_msg_type_name (msg->type));
        return;
    }
    a->last_recv_ms = fo_now_ms ();
    switch (msg->type) {
    case FO_MSG_REQUEST: {
        /* Credit far beyond the agent's slots (plus prefetch) would let a
           broken or hostile agent hoard the queue; cap it generously. */
        uint64_t cap = 4ull * a->slots + 64u;
        uint64_t credit = (uint64_t) a->credit + msg->u.request.credit;
        a->credit = (uint32_t) (credit > cap ? cap : credit);
        break;
    }
    case FO_MSG_RESULT:
        fo_run_result (self->run, (uint32_t) number, a->host, &msg->u.result);
        break;
    case FO_MSG_DONE:
        fo_run_done (self->run, (uint32_t) number, &msg->u.done);
        break;
    case FO_MSG_HEARTBEAT:
        break;
    case FO_MSG_SLOW:
        fo_run_slow (self->run, (uint32_t) number, a->host, &msg->u.slow);
        break;
    case FO_MSG_BYE: {
        char *why = fo_xasprintf ("said goodbye: %s", msg->u.bye.reason);
        lose_agent (self, number, why);
        free (why);
        break;
    }
    default:
        fo_log (FO_LOG_WARN, ROLE, "agent %s on %s sent a %s message, which only a broker sends; ignored",
                a->agent_id, a->host, fo_msg_type_name (msg->type));
        break;
    }
}

/* Reads every message waiting on the socket. */
static int
read_socket (fo_broker *self, char *err, size_t errlen)
{
    for (;;) {
        unsigned char routing[FO_WIRE_MAX_ROUTING_ID];
        size_t len = 0;
        fo_msg msg;
        char why[256];
        fo_wire_status st = fo_wire_recv (self->raw, true, routing, &len, &msg, why, sizeof why);
        switch (st) {
        case FO_WIRE_NONE:
            return 0;
        case FO_WIRE_ERROR:
            snprintf (err, errlen, "%s", why);
            return -1;
        case FO_WIRE_BAD_VERSION:
            fo_log (FO_LOG_WARN, ROLE, "refused a peer: %s", why);
            send_reason (self, routing, len, FO_MSG_REFUSE, why);
            break;
        case FO_WIRE_BAD: {
            size_t number;
            agent_rec *a = find_agent (self, routing, len, &number);
            fo_log (FO_LOG_WARN, ROLE, "dropped a bad message from %s: %s",
                    a ? a->agent_id : "an unknown peer", why);
            break;
        }
        case FO_WIRE_MSG:
            handle (self, routing, len, &msg);
            fo_msg_free (&msg);
            break;
        }
    }
}

/* Round-robin over agents with credit, one lease each per round, until
   either the credit or the leasable tasks run out. */
static void
dispatch (fo_broker *self)
{
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t k = 0; k < self->nagents; k++) {
            size_t i = (self->rotor + k) % self->nagents;
            agent_rec *a = &self->agents[i];
            if (!a->alive || a->credit == 0)
                continue;
            fo_msg msg = { .type = FO_MSG_LEASE };
            /* Not `return`: a retry may wait for another agent than this one. */
            if (!fo_run_next_lease (self->run, (uint32_t) i, &msg.u.lease))
                continue;
            send_to (self, a, &msg);    /* steps are borrowed: nothing to free */
            a->credit--;
            progress = true;
        }
        self->rotor++;
    }
}

static void
cancel_lease (void *arg, uint64_t lease, uint32_t agent)
{
    fo_broker *self = arg;
    fo_msg msg = { .type = FO_MSG_CANCEL, .u.cancel.lease = lease };
    msg.u.cancel.reason = (char *) fo_run_stop_reason (self->run);
    send_to (self, &self->agents[agent], &msg);
}

static void
heartbeats (fo_broker *self)
{
    uint64_t now = fo_now_ms ();
    uint64_t limit = (uint64_t) self->options.heartbeat_ms * self->options.liveness;
    for (size_t i = 0; i < self->nagents; i++) {
        agent_rec *a = &self->agents[i];
        if (!a->alive)
            continue;
        if (now - a->last_recv_ms > limit) {
            char *why = fo_xasprintf ("no heartbeat for %llu ms", (unsigned long long) (now - a->last_recv_ms));
            lose_agent (self, i, why);
            free (why);
            continue;
        }
        if (now - a->last_send_ms >= self->options.heartbeat_ms) {
            fo_msg msg = { .type = FO_MSG_HEARTBEAT };
            send_to (self, a, &msg);
        }
    }
}

/* A stop from outside (*options.stop: a signal, a failed agent thread) or
   from the run itself (fail fast): nothing more is leased, and what is in
   flight is cancelled, once. */
static void
check_stop (fo_broker *self)
{
    if (self->options.stop && *self->options.stop && !fo_run_stopping (self->run)) {
        const char *reason = self->options.stop_reason && *self->options.stop_reason
            ? *self->options.stop_reason : "stopped";
        fo_log (FO_LOG_INFO, ROLE, "stopping the run: %s", reason);
        fo_run_stop (self->run, reason);
    }
    if (fo_run_stopping (self->run) && !self->cancels_sent) {
        self->cancels_sent = true;
        fo_run_foreach_lease (self->run, cancel_lease, self);
    }
}

int
fo_broker_run (fo_broker *self, char *err, size_t errlen)
{
    self->run = fo_run_new (&self->options.run);
    int rc = 0;
    int fds[MAX_FIXTURE_FDS];
    zmq_pollitem_t items[1 + MAX_FIXTURE_FDS];
    while (rc == 0) {
        check_stop (self);
        dispatch (self);
        if (fo_run_finished (self->run))
            break;
        int n = fo_run_pollfds (self->run, fds, MAX_FIXTURE_FDS);
        items[0] = (zmq_pollitem_t) { .socket = self->raw, .events = ZMQ_POLLIN };
        for (int i = 0; i < n; i++)
            items[1 + i] = (zmq_pollitem_t) { .fd = fds[i], .events = ZMQ_POLLIN };
        uint64_t now = fo_now_ms ();
        uint64_t deadline = fo_run_deadline_ms (self->run);
        long timeout = self->options.heartbeat_ms / 2;
        if (timeout > 200)
            timeout = 200;      /* also how often *stop is checked */
        if (deadline != UINT64_MAX && deadline < now + (uint64_t) timeout)
            timeout = deadline > now ? (long) (deadline - now) : 0;
        if (zmq_poll (items, 1 + n, timeout) < 0 && errno != EINTR) {
            snprintf (err, errlen, "poll failed: %s", zmq_strerror (errno));
            rc = -1;
            break;
        }
        if (items[0].revents & ZMQ_POLLIN)
            rc = read_socket (self, err, errlen);
        fo_run_service (self->run);
        heartbeats (self);
    }
    for (size_t i = 0; i < self->nagents; i++)
        if (self->agents[i].alive)
            send_reason (self, self->agents[i].routing, self->agents[i].routing_len,
                         FO_MSG_SHUTDOWN, rc == 0 ? "the run is complete" : "the broker failed");
    return rc;
}
