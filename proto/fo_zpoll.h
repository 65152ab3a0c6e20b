/*  fo_zpoll — zmq_poll for ZeroMQ sockets and plain fds together, with
    fewer system calls per wake-up.

    zmq_poll (libzmq 4.3, poll based) makes two poll(2) calls whenever it
    waits: a first pass with no timeout over every item, then the wait,
    and after each it asks every socket for ZMQ_EVENTS, which costs a
    getpid(2) and a poll(2) of the socket's mailbox each. An event loop
    that wakes a few times per test (the agent's: a child's output and
    end, a lease) paid about ten poll calls and eight getpid calls per
    test in its thread (docs/performance-log.md, "Issue 15: fanout's own CPU
    per test").

    fo_zpoll asks each socket for ZMQ_EVENTS first: if one has what was
    asked for, the fds are polled without waiting; if none has, one
    poll(2) waits on the fds and the sockets' ZMQ_FDs together, and only
    the sockets whose ZMQ_FD woke it are asked again. Asking ZMQ_EVENTS
    right before the wait is what ZeroMQ's edge-triggered ZMQ_FD needs:
    it processes the commands pending and re-arms the fd, so nothing that
    arrived before the wait is missed.

    A socket that was asked and held nothing is not asked again before
    the next wait while no ZeroMQ call was made on this thread since: its
    ZMQ_FD was armed by that look, and only a command, which signals it,
    can give it a message. That saves a ZMQ_EVENTS (a getpid(2) and a
    poll(2)) at most wake-ups, which are an exit or a lane's word. The
    price is a rule: **whoever calls ZeroMQ on a socket polled here calls
    fo_zpoll_touch**, before or after, with no fo_zpoll between (fo_wire
    and fo_monitor do), since a send, a
    receive, a connect or a bind may process the socket's commands and
    leave it a message its ZMQ_FD will not announce. A touch anywhere on
    the thread counts for all its sockets.

    Same contract as zmq_poll for what fanout uses: items with a socket
    (ZMQ_POLLIN, ZMQ_POLLOUT) or an fd (ZMQ_POLLIN, ZMQ_POLLOUT,
    ZMQ_POLLPRI; anything else the kernel reports on the fd is ZMQ_POLLERR);
    timeout in ms, negative for none, 0 to look without waiting; returns
    how many items have revents, 0 when the timeout passed, -1 with errno
    (EINTR when a signal interrupted the wait; ETERM, ENOTSOCK). Like
    zmq_poll it waits on when a socket's ZMQ_FD woke it for commands only.
    Not for thread-safe sockets (ZMQ_SERVER, ...), which have no ZMQ_FD.
*/
#ifndef FO_ZPOLL_H
#define FO_ZPOLL_H

#include <zmq.h>

int fo_zpoll (zmq_pollitem_t *items, int nitems, long timeout_ms);

/* A ZeroMQ call was made on this thread: ask every socket again. */
void fo_zpoll_touch (void);

#endif
