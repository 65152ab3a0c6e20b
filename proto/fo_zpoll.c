/*  fo_zpoll — see fo_zpoll.h. */
#include "fo_zpoll.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fo_util.h"

/* Items polled from the stack; more (an agent with many slots) allocate. */
#define STACK_ITEMS 32

/*  Sockets known to hold nothing: asked for ZMQ_EVENTS, which answered
    nothing the item wanted, with no ZeroMQ call on this thread since
    (zmq_ops counts them: fo_zpoll_touch). Such a socket's ZMQ_FD is
    armed (the check left its mailbox empty, so the next command signals
    it) and nothing but a command can give it a message: its ZMQ_FD alone
    says when to look again. Per thread, as sockets are; a few entries,
    since a loop polls one or two sockets (when full, a socket is simply
    asked). An entry is valid only while its `at` is the current count. */
#define CLEAN_ENTRIES 4

static _Thread_local uint64_t zmq_ops = 1;
static _Thread_local struct {
    void *socket;
    short events;       /* what it was asked for: another ask looks again */
    uint64_t at;
} clean[CLEAN_ENTRIES];

void
fo_zpoll_touch (void)
{
    zmq_ops++;
}

static bool
is_clean (const zmq_pollitem_t *item)
{
    for (int i = 0; i < CLEAN_ENTRIES; i++)
        if (clean[i].socket == item->socket && clean[i].events == item->events
            && clean[i].at == zmq_ops)
            return true;
    return false;
}

/* Records whether the item's socket held nothing it asked for (an item
   that asks for nothing proves nothing). */
static void
mark (const zmq_pollitem_t *item)
{
    bool is = item->revents == 0 && item->events != 0;
    int free_slot = -1;
    for (int i = 0; i < CLEAN_ENTRIES; i++) {
        if (clean[i].socket == item->socket) {
            clean[i].events = item->events;
            clean[i].at = is ? zmq_ops : 0;
            return;
        }
        if (free_slot < 0 && clean[i].at != zmq_ops)
            free_slot = i;
    }
    if (is && free_slot >= 0) {
        clean[free_slot].socket = item->socket;
        clean[free_slot].events = item->events;
        clean[free_slot].at = zmq_ops;
    }
}

/* The socket's events that the item asked for; -1 with errno. */
static int
socket_events (zmq_pollitem_t *item)
{
    uint32_t events = 0;
    size_t size = sizeof events;
    if (zmq_getsockopt (item->socket, ZMQ_EVENTS, &events, &size) != 0)
        return -1;
    item->revents = (short) (events & (uint32_t) item->events & (ZMQ_POLLIN | ZMQ_POLLOUT));
    return item->revents != 0;
}

static short
fd_revents (short want, short got)
{
    short revents = 0;
    if ((want & ZMQ_POLLIN) && (got & POLLIN))
        revents |= ZMQ_POLLIN;
    if ((want & ZMQ_POLLOUT) && (got & POLLOUT))
        revents |= ZMQ_POLLOUT;
    if ((want & ZMQ_POLLPRI) && (got & POLLPRI))
        revents |= ZMQ_POLLPRI;
    if (got & ~(POLLIN | POLLOUT | POLLPRI))
        revents |= ZMQ_POLLERR;
    return revents;
}

/* One round: what the sockets hold, then one poll(2) that waits only when
   none holds anything. Returns the items ready, -1 with errno; *woke
   whether poll(2) reported anything (false: its timeout passed). */
static int
round_once (zmq_pollitem_t *items, int nitems, struct pollfd *pfd, int timeout, bool *woke)
{
    int ready = 0;
    for (int i = 0; i < nitems; i++) {
        items[i].revents = 0;
        if (!items[i].socket || is_clean (&items[i]))
            continue;
        int rc = socket_events (&items[i]);
        if (rc < 0)
            return -1;
        ready += rc;
    }
    for (int i = 0; i < nitems; i++) {
        if (items[i].socket) {
            /* A socket with something needs no wait; one without is woken
               through its ZMQ_FD (readable: look at ZMQ_EVENTS again). */
            pfd[i].fd = -1;
            if (!items[i].revents && items[i].events) {
                size_t size = sizeof pfd[i].fd;
                if (zmq_getsockopt (items[i].socket, ZMQ_FD, &pfd[i].fd, &size) != 0)
                    return -1;
            }
            pfd[i].events = POLLIN;
        }
        else {
            pfd[i].fd = items[i].fd;
            pfd[i].events = (short) (((items[i].events & ZMQ_POLLIN) ? POLLIN : 0)
                                     | ((items[i].events & ZMQ_POLLOUT) ? POLLOUT : 0)
                                     | ((items[i].events & ZMQ_POLLPRI) ? POLLPRI : 0));
        }
        pfd[i].revents = 0;
    }
    int rc = poll (pfd, (nfds_t) nitems, ready ? 0 : timeout);
    if (rc < 0)
        return -1;
    *woke = rc > 0;
    for (int i = 0; i < nitems; i++) {
        if (items[i].socket) {
            if (pfd[i].fd >= 0 && pfd[i].revents) {
                int got = socket_events (&items[i]);
                if (got < 0)
                    return -1;
                ready += got;
            }
        }
        else {
            items[i].revents = fd_revents (items[i].events, pfd[i].revents);
            ready += items[i].revents != 0;
        }
    }
    for (int i = 0; i < nitems; i++)
        if (items[i].socket)
            mark (&items[i]);
    return ready;
}

int
fo_zpoll (zmq_pollitem_t *items, int nitems, long timeout_ms)
{
    if (nitems < 0) {
        errno = EINVAL;
        return -1;
    }
    struct pollfd stack[STACK_ITEMS];
    struct pollfd *pfd = nitems <= STACK_ITEMS ? stack : fo_xcalloc ((size_t) nitems, sizeof *pfd);
    uint64_t end = timeout_ms > 0 ? fo_now_ms () + (uint64_t) timeout_ms : 0;
    int ready;
    for (;;) {
        int timeout = -1;
        if (timeout_ms == 0)
            timeout = 0;
        else if (timeout_ms > 0) {
            uint64_t now = fo_now_ms ();
            uint64_t left = end > now ? end - now : 0;
            timeout = left > INT_MAX ? INT_MAX : (int) left;
        }
        bool woke = false;
        ready = round_once (items, nitems, pfd, timeout, &woke);
        /* Woken for commands only (a socket's ZMQ_FD, nothing to read):
           wait on, as zmq_poll does, unless the time is up. */
        if (ready != 0 || timeout == 0 || !woke)
            break;
    }
    if (pfd != stack)
        free (pfd);
    return ready;
}
