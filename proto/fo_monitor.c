/*  fo_monitor — see fo_monitor.h. ZeroMQ publishes a socket's events on an
    inproc PAIR endpoint as two frames: 6 bytes (uint16 event, uint32 value,
    native byte order) and the endpoint's address. */
#include "fo_monitor.h"

#include <czmq.h>
#include <stdatomic.h>
#include <string.h>

#include "fo_util.h"
#include "fo_zpoll.h"

struct fo_monitor {
    void *monitored;
    zsock_t *pair;
};

fo_monitor *
fo_monitor_new (void *socket, int events)
{
    static atomic_uint counter;
    char endpoint[96];
    snprintf (endpoint, sizeof endpoint, "inproc://fanout-monitor-%d-%u", (int) getpid (),
              atomic_fetch_add (&counter, 1));
    if (zmq_socket_monitor (socket, endpoint, events) != 0)
        return NULL;
    zsock_t *pair = zsock_new (ZMQ_PAIR);
    fo_zpoll_touch ();      /* a new socket: fo_zpoll must ask it */
    if (!pair || zsock_connect (pair, "%s", endpoint) != 0) {
        zsock_destroy (&pair);
        zmq_socket_monitor (socket, NULL, 0);
        return NULL;
    }
    fo_monitor *self = fo_xcalloc (1, sizeof *self);
    self->monitored = socket;
    self->pair = pair;
    return self;
}

void *
fo_monitor_socket (fo_monitor *self)
{
    return zsock_resolve (self->pair);
}

bool
fo_monitor_next (fo_monitor *self, fo_monitor_event *event)
{
    void *raw = zsock_resolve (self->pair);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    fo_zpoll_touch ();      /* the pair is polled with fo_zpoll */
    if (zmq_msg_recv (&frame, raw, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&frame);
        return false;
    }
    memset (event, 0, sizeof *event);
    if (zmq_msg_size (&frame) >= 6) {
        const unsigned char *data = zmq_msg_data (&frame);
        uint16_t id;
        memcpy (&id, data, sizeof id);
        memcpy (&event->value, data + 2, sizeof event->value);
        event->event = id;
    }
    bool more = zmq_msg_more (&frame);
    zmq_msg_close (&frame);
    while (more) {
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, raw, 0) < 0) {
            zmq_msg_close (&frame);
            break;
        }
        size_t n = zmq_msg_size (&frame);
        if (event->address[0] == '\0') {
            if (n >= sizeof event->address)
                n = sizeof event->address - 1;
            memcpy (event->address, zmq_msg_data (&frame), n);
            event->address[n] = '\0';
        }
        more = zmq_msg_more (&frame);
        zmq_msg_close (&frame);
    }
    return true;
}

const char *
fo_monitor_event_name (int event)
{
    switch (event) {
    case ZMQ_EVENT_CONNECTED: return "connected";
    case ZMQ_EVENT_CONNECT_DELAYED: return "connect delayed";
    case ZMQ_EVENT_CONNECT_RETRIED: return "connect retried";
    case ZMQ_EVENT_LISTENING: return "listening";
    case ZMQ_EVENT_BIND_FAILED: return "bind failed";
    case ZMQ_EVENT_ACCEPTED: return "accepted";
    case ZMQ_EVENT_ACCEPT_FAILED: return "accept failed";
    case ZMQ_EVENT_CLOSED: return "closed";
    case ZMQ_EVENT_CLOSE_FAILED: return "close failed";
    case ZMQ_EVENT_DISCONNECTED: return "disconnected";
    case ZMQ_EVENT_MONITOR_STOPPED: return "monitor stopped";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "handshake failed";
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "handshake succeeded";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "handshake failed (protocol)";
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "handshake failed (authentication)";
    default: return "unknown event";
    }
}

void
fo_monitor_destroy (fo_monitor **self_p)
{
    fo_monitor *self = *self_p;
    if (!self)
        return;
    zmq_socket_monitor (self->monitored, NULL, 0);
    zsock_destroy (&self->pair);
    free (self);
    *self_p = NULL;
}
