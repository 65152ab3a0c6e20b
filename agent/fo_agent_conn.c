/*  fo_agent_conn — see fo_agent_conn.h. */
#include "fo_agent_conn.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fo_log.h"
#include "fo_monitor.h"
#include "fo_util.h"
#include "fo_wire.h"

#define ROLE "agent"
/* libzmq's own reconnects (broker not up yet, connection dropped) back off
   up to this; a rejected handshake is retried by the agent's session loop. */
#define RECONNECT_IVL_MS 250
#define RECONNECT_IVL_MAX_MS 4000

struct fo_agent_conn {
    zsock_t *sock;
    void *raw;
    fo_monitor *monitor;
    char *endpoint;
    bool curve;
    bool up;                    /* handshake done, not closed since */
    fo_conn_state state;
    char why[512];
};

static int
set_curve (void *raw, const fo_conn_options *o)
{
    if (!o->secret_txt || !o->server_txt)
        return -1;
    return zmq_setsockopt (raw, ZMQ_CURVE_PUBLICKEY, o->public_txt, strlen (o->public_txt)) != 0
        || zmq_setsockopt (raw, ZMQ_CURVE_SECRETKEY, o->secret_txt, strlen (o->secret_txt)) != 0
        || zmq_setsockopt (raw, ZMQ_CURVE_SERVERKEY, o->server_txt, strlen (o->server_txt)) != 0
        ? -1 : 0;
}

fo_agent_conn *
fo_agent_conn_new (const fo_conn_options *o, char *err, size_t errlen)
{
    fo_agent_conn *self = fo_xcalloc (1, sizeof *self);
    self->endpoint = fo_xstrdup (o->endpoint);
    self->curve = o->public_txt != NULL;
    self->sock = zsock_new (ZMQ_DEALER);
    if (!self->sock) {
        snprintf (err, errlen, "cannot create a ZeroMQ socket");
        fo_agent_conn_destroy (&self, 0);
        return NULL;
    }
    self->raw = zsock_resolve (self->sock);
    fo_wire_configure (self->raw);
    int ivl = RECONNECT_IVL_MS, ivl_max = RECONNECT_IVL_MAX_MS;
    zmq_setsockopt (self->raw, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (self->raw, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    if (self->curve && set_curve (self->raw, o) != 0) {
        snprintf (err, errlen, "cannot use these CurveZMQ keys: %s",
                  errno ? zmq_strerror (errno) : "the broker's public key is missing");
        fo_agent_conn_destroy (&self, 0);
        return NULL;
    }
    /* The monitor must watch before the first connection is made. Not for
       inproc:// (fanout run's own agent): ZeroMQ has no handshake and no
       disconnection there to report, and a monitor costs a socket more in
       every poll and a receive at every turn of the agent's loop. */
    bool inproc = strncmp (o->endpoint, "inproc://", 9) == 0;
    if (!inproc)
        self->monitor = fo_monitor_new (self->raw, ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                                   | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                                   | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                                   | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                                   | ZMQ_EVENT_DISCONNECTED);
    if (!self->monitor && !inproc)
        fo_log (FO_LOG_WARN, ROLE, "cannot monitor the connection: a refused handshake will "
                "only show as silence");
    if (zmq_connect (self->raw, o->endpoint) != 0) {
        snprintf (err, errlen, "cannot connect to %s: %s", o->endpoint, zmq_strerror (errno));
        fo_agent_conn_destroy (&self, 0);
        return NULL;
    }
    return self;
}

void *
fo_agent_conn_socket (fo_agent_conn *self)
{
    return self->raw;
}

void *
fo_agent_conn_pollsocket (fo_agent_conn *self)
{
    return self->monitor ? fo_monitor_socket (self->monitor) : NULL;
}

bool
fo_agent_conn_up (const fo_agent_conn *self)
{
    return self->up;
}

static void
reject (fo_agent_conn *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
reject (fo_agent_conn *self, const char *fmt, ...)
{
    if (self->state != FO_CONN_PENDING)
        return;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->why, sizeof self->why, fmt, ap);
    va_end (ap);
    self->state = FO_CONN_REJECTED;
}

static void
on_event (fo_agent_conn *self, const fo_monitor_event *ev)
{
    const char *at = self->endpoint;
    switch (ev->event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        self->up = true;
        fo_log (FO_LOG_INFO, ROLE, "connected to %s (%s)", at,
                self->curve ? "CurveZMQ, broker key verified" : "plaintext");
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        reject (self, "the broker at %s refused this agent's key (ZAP status %u): copy this "
                "agent's NAME.cert into the broker's --authorized directory", at, ev->value);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if (ev->value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH && self->curve)
            reject (self, "the broker at %s does not use CurveZMQ: this agent only works for "
                    "the broker whose public key it was given", at);
        else if (ev->value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
            reject (self, "the broker at %s requires CurveZMQ: give this agent --cert and "
                    "--broker-key", at);
        else if (ev->value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
            reject (self, "the peer at %s failed the CurveZMQ handshake: it does not hold the "
                    "secret key of the --broker-key given (wrong broker key?)", at);
        else
            reject (self, "the handshake with %s failed (ZeroMQ protocol error 0x%x)", at,
                    ev->value);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        if (self->curve)
            reject (self, "the peer at %s hung up during the CurveZMQ handshake: it cannot "
                    "read a hello sealed for the --broker-key given, so it is not that broker "
                    "(wrong broker key, or a broker without CurveZMQ); refusing to work for it",
                    at);
        else
            reject (self, "the peer at %s hung up during the handshake: it may require "
                    "CurveZMQ (--cert, --broker-key) or not be a fanout broker", at);
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (self->up && self->state == FO_CONN_PENDING) {
            snprintf (self->why, sizeof self->why, "the connection to the broker at %s closed", at);
            self->state = FO_CONN_CLOSED;
        }
        self->up = false;
        break;
    default:
        break;
    }
}

fo_conn_state
fo_agent_conn_service (fo_agent_conn *self, char *why, size_t whylen)
{
    fo_monitor_event ev;
    while (self->monitor && fo_monitor_next (self->monitor, &ev))
        on_event (self, &ev);
    if (self->state != FO_CONN_PENDING)
        snprintf (why, whylen, "%s", self->why);
    return self->state;
}

void
fo_agent_conn_destroy (fo_agent_conn **self_p, uint32_t linger_ms)
{
    fo_agent_conn *self = *self_p;
    if (!self)
        return;
    fo_monitor_destroy (&self->monitor);
    if (self->raw) {
        int linger = (int) linger_ms;
        zmq_setsockopt (self->raw, ZMQ_LINGER, &linger, sizeof linger);
    }
    zsock_destroy (&self->sock);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}
