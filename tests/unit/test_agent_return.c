/*  Lease return (protocol 8), the agent's side: a real fo_agent in a
    thread, its slots running real processes, against a broker the test
    plays on a ROUTER socket, message by message.

    Two slots held by steps that block (`sleep 30`) and three more leases
    queued behind them: with a prefetch of one, the oldest queued lease
    stays and the two beyond it come back (`return`, no credit) once the
    queue's head has waited FO_AGENT_RETURN_MS; the running leases are
    never returned, and the one kept runs when a slot frees (the test sets
    the prefetch's own bound far beyond its run). With that bound short,
    the lease queued within the prefetch goes back too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <czmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_agent.h"
#include "fo_wire.h"

#define WAIT_LIMIT_MS 20000     /* a message that takes longer is a failure */

typedef struct {
    fo_agent_options options;
    int rc;
    char err[256];
} agent_thread;

static void *
run_agent (void *arg)
{
    agent_thread *a = arg;
    a->rc = fo_agent_run (&a->options, a->err, sizeof a->err);
    return NULL;
}

typedef struct {
    zsock_t *sock;
    fo_wire_inbox inbox;
    unsigned char routing[256];
    size_t routing_len;
} broker_side;

/* The next message from the agent that is not a heartbeat or a request
   (the agent's credit: this broker leases what the test says). */
static void
next_msg (broker_side *b, fo_msg *msg)
{
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    for (;;) {
        char why[256];
        b->routing_len = sizeof b->routing;
        fo_wire_status st = fo_wire_inbox_recv (&b->inbox, zsock_resolve (b->sock), true,
                                                b->routing, &b->routing_len, msg, why,
                                                sizeof why);
        if (st == FO_WIRE_MSG) {
            if (msg->type != FO_MSG_HEARTBEAT && msg->type != FO_MSG_REQUEST)
                return;
            fo_msg_free (msg);
            continue;
        }
        assert_int_equal (st, FO_WIRE_NONE);
        if (fo_now_ms () > limit)
            fail_msg ("no message from the agent");
        zmq_pollitem_t item = { .socket = zsock_resolve (b->sock), .events = ZMQ_POLLIN };
        zmq_poll (&item, 1, 100);
    }
}

static void
to_agent (broker_side *b, const fo_msg *msg)
{
    assert_int_equal (fo_wire_send (zsock_resolve (b->sock), b->routing, b->routing_len, msg), 0);
}

/* Lease `id`: one test step named `name` running argv. */
static void
send_lease (broker_side *b, uint64_t id, const char *name, const char *const *argv)
{
    fo_step step = { .kind = FO_STEP_TEST, .name = (char *) name, .cwd = (char *) "",
                     .reader = FO_READER_EXIT_STATUS };
    for (size_t i = 0; argv[i]; i++)
        fo_strv_push (&step.argv, argv[i]);
    fo_strv_push (&step.tests, name);
    fo_msg msg = { .type = FO_MSG_LEASE };
    msg.u.lease = (fo_lease) { .lease = id, .attempt = 1, .output_cap = 4096, .skip_code = 77,
                               .steps = &step, .nsteps = 1, .manifest = (char *) "",
                               .root = (char *) "" };
    to_agent (b, &msg);
    fo_strv_free (&step.argv);
    fo_strv_free (&step.tests);
}

/* The done of lease `id` (its results before it, as their own messages
   or in it), with the outcome of its one test. */
static void
expect_done (broker_side *b, uint64_t id, fo_outcome outcome)
{
    bool have_result = false;
    for (;;) {
        fo_msg m;
        next_msg (b, &m);
        if (m.type == FO_MSG_RESULT) {
            assert_true (m.u.result.lease == id);
            assert_int_equal (m.u.result.outcome, outcome);
            have_result = true;
            fo_msg_free (&m);
            continue;
        }
        if (m.type != FO_MSG_DONE)
            fail_msg ("expected the done of lease %llu, got a %s", (unsigned long long) id,
                      fo_msg_type_name (m.type));
        assert_true (m.u.done.lease == id);
        for (size_t i = 0; i < m.u.done.nresults; i++) {
            assert_int_equal (m.u.done.results[i].outcome, outcome);
            have_result = true;
        }
        fo_msg_free (&m);
        assert_true (have_result);
        return;
    }
}

/* The broker's side bound, an agent started on it and welcomed. */
static void
start (broker_side *b, agent_thread *a, pthread_t *thread, const char *name)
{
    static char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://test-agent-%s-%d", name, (int) getpid ());
    *b = (broker_side) { .sock = zsock_new (ZMQ_ROUTER) };
    assert_non_null (b->sock);
    fo_wire_configure (zsock_resolve (b->sock));
    assert_int_equal (zmq_bind (zsock_resolve (b->sock), endpoint), 0);
    a->options.endpoint = endpoint;
    assert_int_equal (pthread_create (thread, NULL, run_agent, a), 0);
    fo_msg hello;
    next_msg (b, &hello);
    assert_int_equal (hello.type, FO_MSG_HELLO);
    assert_int_equal (hello.u.hello.slots, a->options.slots);
    fo_msg_free (&hello);
    fo_msg welcome = { .type = FO_MSG_WELCOME };
    welcome.u.welcome = (fo_welcome) { .broker_id = (char *) "test-broker", .heartbeat_ms = 10000,
                                       .liveness = 3 };
    to_agent (b, &welcome);
}

/* The run ends: the agent (once) leaves. */
static void
finish (broker_side *b, agent_thread *a, pthread_t thread)
{
    fo_msg shutdown = { .type = FO_MSG_SHUTDOWN, .u.shutdown.reason = (char *) "the run ended" };
    to_agent (b, &shutdown);
    pthread_join (thread, NULL);
    if (a->rc != 0)
        fail_msg ("the agent failed: %s", a->err);
    fo_wire_inbox_free (&b->inbox);
    zsock_destroy (&b->sock);
}

static void
expect_return (broker_side *b, uint64_t id)
{
    fo_msg m;
    next_msg (b, &m);
    if (m.type != FO_MSG_RETURN)
        fail_msg ("expected the return of lease %llu, got a %s", (unsigned long long) id,
                  fo_msg_type_name (m.type));
    assert_true (m.u.ret.lease == id);
    assert_int_equal (m.u.ret.credit, 0);
    fo_msg_free (&m);
}

static const char *const blocks[] = { "sleep", "30", NULL };
static const char *const quick[] = { "true", NULL };

static void
test_stranded_leases_returned (void **state)
{
    (void) state;
    broker_side b;

    agent_thread a = {
        .options = { .slots = 2, .prefetch = 1, .host = "hostA",
                     .once = true, .return_prefetch_ms = 600000 },
    };
    pthread_t thread;
    start (&b, &a, &thread, "return");
    send_lease (&b, 1, "block1", blocks);
    send_lease (&b, 2, "block2", blocks);
    send_lease (&b, 3, "kept", quick);
    send_lease (&b, 4, "back1", quick);
    send_lease (&b, 5, "back2", quick);

    /* The two beyond the prefetch come back, in their order, with no
       credit; nothing else comes meanwhile (no result, no done). */
    expect_return (&b, 4);
    expect_return (&b, 5);

    /* A slot frees (its lease cancelled): the kept lease runs there. */
    fo_msg cancel = { .type = FO_MSG_CANCEL, .u.cancel = { .lease = 1, .reason = (char *) "test" } };
    to_agent (&b, &cancel);
    expect_done (&b, 1, FO_NOT_RUN);
    expect_done (&b, 3, FO_PASSED);
    cancel.u.cancel.lease = 2;
    to_agent (&b, &cancel);
    expect_done (&b, 2, FO_NOT_RUN);

    finish (&b, &a, thread);
}

/* Its own bound passed, the prefetch's lease goes back too: a long test
   must not keep it from an agent that could run it now. */
static void
test_prefetch_returned_later (void **state)
{
    (void) state;
    broker_side b;
    agent_thread a = {
        .options = { .slots = 1, .prefetch = 1, .host = "hostA", .once = true,
                     .return_prefetch_ms = 100 },
    };
    pthread_t thread;
    start (&b, &a, &thread, "prefetch");
    send_lease (&b, 1, "block", blocks);
    send_lease (&b, 2, "prefetched", quick);
    expect_return (&b, 2);
    fo_msg cancel = { .type = FO_MSG_CANCEL, .u.cancel = { .lease = 1, .reason = (char *) "test" } };
    to_agent (&b, &cancel);
    expect_done (&b, 1, FO_NOT_RUN);
    finish (&b, &a, thread);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_stranded_leases_returned),
        cmocka_unit_test (test_prefetch_returned_later),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
