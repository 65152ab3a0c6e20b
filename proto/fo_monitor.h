/*  fo_monitor — a ZeroMQ socket's connection events (zmq_socket_monitor),
    read without blocking from its owner's poll loop.

    ZeroMQ hides connections: a DEALER whose CurveZMQ handshake was refused,
    or whose broker went away, just sends into the void. The monitor is how
    the agent learns that it must rebuild its socket, and how the broker
    learns that it refused someone's key. Create, poll and destroy it in the
    thread that owns the socket, and destroy it before the socket.
*/
#ifndef FO_MONITOR_H
#define FO_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct fo_monitor fo_monitor;

typedef struct {
    int event;              /* ZMQ_EVENT_* */
    uint32_t value;         /* fd, errno, ZAP status or ZMQ_PROTOCOL_ERROR_* */
    char address[256];      /* the endpoint, cut to fit */
} fo_monitor_event;

/* Monitors `events` (a ZMQ_EVENT_* mask) of a socket made with czmq. NULL
   when ZeroMQ refuses (the socket is unusable then anyway). */
fo_monitor *fo_monitor_new (void *socket, int events);

/* The socket to poll for ZMQ_POLLIN. */
void *fo_monitor_socket (fo_monitor *self);

/* The next event, without blocking; false when there is none now. */
bool fo_monitor_next (fo_monitor *self, fo_monitor_event *event);

/* "handshake failed (authentication)", ... for logs. */
const char *fo_monitor_event_name (int event);

/* Stops monitoring; call before destroying the monitored socket. */
void fo_monitor_destroy (fo_monitor **self_p);

#endif
