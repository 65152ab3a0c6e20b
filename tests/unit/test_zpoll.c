/*  fo_zpoll: ZeroMQ sockets and plain fds polled together, as zmq_poll
    does it: what a socket holds is reported whether or not its ZMQ_FD
    fired (the edge-triggered fd is re-armed by the look at ZMQ_EVENTS
    before each wait), a wait ends for a message that comes during it or
    for an fd, and a timeout ends it with nothing; a socket found empty is
    asked again only after a touch (fo_zpoll.h's rule). Real sockets
    (inproc PAIR) and a real pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "fo_util.h"
#include "fo_zpoll.h"

typedef struct {
    void *ctx;
    void *a, *b;        /* a PAIR of sockets: what a sends, b receives */
    int pipe[2];
} fixture;

static int
setup (void **state)
{
    fixture *f = fo_xcalloc (1, sizeof *f);
    f->ctx = zmq_ctx_new ();
    f->a = zmq_socket (f->ctx, ZMQ_PAIR);
    f->b = zmq_socket (f->ctx, ZMQ_PAIR);
    int linger = 0;
    zmq_setsockopt (f->a, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (f->b, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal (zmq_bind (f->b, "inproc://zpoll"), 0);
    assert_int_equal (zmq_connect (f->a, "inproc://zpoll"), 0);
    assert_int_equal (pipe (f->pipe), 0);
    *state = f;
    return 0;
}

static int
teardown (void **state)
{
    fixture *f = *state;
    zmq_close (f->a);
    zmq_close (f->b);
    zmq_ctx_term (f->ctx);
    close (f->pipe[0]);
    close (f->pipe[1]);
    free (f);
    return 0;
}

static void
items_of (fixture *f, zmq_pollitem_t items[2])
{
    items[0] = (zmq_pollitem_t) { .socket = f->b, .events = ZMQ_POLLIN };
    items[1] = (zmq_pollitem_t) { .fd = f->pipe[0], .events = ZMQ_POLLIN };
}

static void
send_str (void *socket, const char *s)
{
    assert_int_equal (zmq_send (socket, s, strlen (s), 0), (int) strlen (s));
}

static void
recv_str (void *socket, const char *want)
{
    char buf[64];
    int n = zmq_recv (socket, buf, sizeof buf, ZMQ_DONTWAIT);
    fo_zpoll_touch ();      /* fo_zpoll.h's rule for a polled socket */
    assert_int_equal (n, (int) strlen (want));
    assert_memory_equal (buf, want, strlen (want));
}

/* Nothing anywhere: 0 at once with no timeout, 0 after a short one. */
static void
test_nothing (void **state)
{
    fixture *f = *state;
    zmq_pollitem_t items[2];
    items_of (f, items);
    assert_int_equal (fo_zpoll (items, 2, 0), 0);
    assert_int_equal (items[0].revents | items[1].revents, 0);
    assert_int_equal (fo_zpoll (items, 2, 10), 0);
    assert_int_equal (items[0].revents | items[1].revents, 0);
}

/* An fd alone, a socket alone, both. */
static void
test_fd_and_socket (void **state)
{
    fixture *f = *state;
    zmq_pollitem_t items[2];
    items_of (f, items);
    assert_int_equal (write (f->pipe[1], "x", 1), 1);
    assert_int_equal (fo_zpoll (items, 2, 20000), 1);
    assert_int_equal (items[0].revents, 0);
    assert_true (items[1].revents & ZMQ_POLLIN);
    send_str (f->a, "one");
    assert_int_equal (fo_zpoll (items, 2, 20000), 2);
    assert_true (items[0].revents & ZMQ_POLLIN);
    assert_true (items[1].revents & ZMQ_POLLIN);
    char c;
    assert_int_equal (read (f->pipe[0], &c, 1), 1);
    recv_str (f->b, "one");
    assert_int_equal (fo_zpoll (items, 2, 0), 0);
}

/* Two messages, one read: the second is still reported, though the
   socket's ZMQ_FD (edge-triggered) does not fire for it again. */
static void
test_left_after_a_read (void **state)
{
    fixture *f = *state;
    zmq_pollitem_t items[2];
    items_of (f, items);
    send_str (f->a, "one");
    send_str (f->a, "two");
    assert_int_equal (fo_zpoll (items, 2, 20000), 1);
    recv_str (f->b, "one");
    assert_int_equal (fo_zpoll (items, 2, 20000), 1);
    assert_true (items[0].revents & ZMQ_POLLIN);
    recv_str (f->b, "two");
    assert_int_equal (fo_zpoll (items, 2, 0), 0);
}

/* A message sent while the wait is on ends it. */
static void *
send_later (void *arg)
{
    fixture *f = arg;
    usleep (20 * 1000);
    send_str (f->a, "late");
    return NULL;
}

static void
test_wakes_for_a_message (void **state)
{
    fixture *f = *state;
    zmq_pollitem_t items[2];
    items_of (f, items);
    pthread_t t;
    assert_int_equal (pthread_create (&t, NULL, send_later, f), 0);
    int rc = fo_zpoll (items, 2, -1);
    pthread_join (t, NULL);
    assert_int_equal (rc, 1);
    assert_true (items[0].revents & ZMQ_POLLIN);
    recv_str (f->b, "late");
}

/* A socket asked and found empty is not asked again until a touch: its
   ZMQ_FD says when a message comes. A call on the socket itself that
   processes its commands takes that signal, and only a touch makes
   fo_zpoll ask again; without one, the message is not seen (which is why
   every ZeroMQ call on a polled socket must touch). */
static void
test_touch_rule (void **state)
{
    fixture *f = *state;
    zmq_pollitem_t items[2];
    items_of (f, items);
    assert_int_equal (fo_zpoll (items, 2, 0), 0);       /* b asked: empty */
    send_str (f->a, "one");     /* signals b's ZMQ_FD */
    assert_int_equal (fo_zpoll (items, 2, 0), 1);       /* its fd woke the look */
    assert_true (items[0].revents & ZMQ_POLLIN);
    recv_str (f->b, "one");
    assert_int_equal (fo_zpoll (items, 2, 0), 0);       /* asked again: empty */

    send_str (f->a, "two");
    uint32_t events = 0;        /* a call on b that takes the signal */
    size_t size = sizeof events;
    assert_int_equal (zmq_getsockopt (f->b, ZMQ_EVENTS, &events, &size), 0);
    assert_true (events & ZMQ_POLLIN);
    assert_int_equal (fo_zpoll (items, 2, 0), 0);       /* not asked: trusts the fd */
    fo_zpoll_touch ();
    assert_int_equal (fo_zpoll (items, 2, 0), 1);
    assert_true (items[0].revents & ZMQ_POLLIN);
    recv_str (f->b, "two");
    assert_int_equal (fo_zpoll (items, 2, 0), 0);
}

/* What a socket was found empty of is what it was asked for: an item
   that asks for nothing (or for something else) proves nothing about
   its messages, and a later ask for them looks at the socket. */
static void
test_clean_only_for_what_was_asked (void **state)
{
    fixture *f = *state;
    send_str (f->a, "one");
    zmq_pollitem_t none = { .socket = f->b, .events = 0 };
    assert_int_equal (fo_zpoll (&none, 1, 0), 0);      /* takes b's signal */
    zmq_pollitem_t items[2];
    items_of (f, items);
    assert_int_equal (fo_zpoll (items, 2, 0), 1);
    assert_true (items[0].revents & ZMQ_POLLIN);
    recv_str (f->b, "one");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown (test_fd_and_socket, setup, teardown),
        cmocka_unit_test_setup_teardown (test_left_after_a_read, setup, teardown),
        cmocka_unit_test_setup_teardown (test_wakes_for_a_message, setup, teardown),
        cmocka_unit_test_setup_teardown (test_touch_rule, setup, teardown),
        cmocka_unit_test_setup_teardown (test_clean_only_for_what_was_asked, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
