/*  fo_broker with hand-made agents: the broker serves its run in a thread,
    on an inproc endpoint, and the test plays the agents with DEALER
    sockets speaking the protocol (fo_wire), message by message. No process
    runs: the agents answer leases with the results the test chooses.

    The scenario: an agent that comes back on the same connection gets a
    new session, and its record (its number) is reused: it must be treated
    as alive by the run like any agent that joined - here, a retry must go
    to it rather than back to the agent the test failed on. */
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

#include "fo_broker.h"
#include "fo_wire.h"

#define WAIT_LIMIT_MS 20000     /* a message that takes longer is a failure */

/* ---- a reporter that keeps the agents' numbers as they joined ---------- */

typedef struct {
    uint32_t joined[16];
    size_t njoined;
} joins;

static void
joins_event (void *state, const fo_event *ev)
{
    joins *j = state;
    if (ev->type == FO_EVENT_AGENT_JOINED && j->njoined < 16)
        j->joined[j->njoined++] = ev->u.agent.agent;
}

static const fo_reporter_ops joins_ops = { .name = "joins", .on_event = joins_event };

/* ---- the broker in a thread ------------------------------------------------ */

typedef struct {
    fo_broker *broker;
    int rc;
    char err[256];
} served;

static void *
serve (void *arg)
{
    served *s = arg;
    s->rc = fo_broker_run (s->broker, s->err, sizeof s->err);
    return NULL;
}

/* ---- the agents -------------------------------------------------------------- */

static zsock_t *
agent_connect (const char *endpoint)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    assert_non_null (sock);
    fo_wire_configure (zsock_resolve (sock));
    assert_int_equal (zmq_connect (zsock_resolve (sock), endpoint), 0);
    return sock;
}

static void
agent_send (zsock_t *sock, const fo_msg *msg)
{
    assert_int_equal (fo_wire_send (zsock_resolve (sock), NULL, 0, msg), 0);
}

/* Each agent socket's inbox: the broker batches the leases it has for an
   agent at once (protocol 6), and they come out one at a time. */
#define MAX_AGENTS 8
static struct {
    zsock_t *sock;
    fo_wire_inbox inbox;
} inboxes[MAX_AGENTS];

static fo_wire_inbox *
inbox_of (zsock_t *sock)
{
    for (size_t i = 0; i < MAX_AGENTS; i++)
        if (inboxes[i].sock == sock)
            return &inboxes[i].inbox;
    for (size_t i = 0; i < MAX_AGENTS; i++)
        if (!inboxes[i].sock) {
            inboxes[i].sock = sock;
            return &inboxes[i].inbox;
        }
    fail_msg ("more than %d agent sockets", MAX_AGENTS);
    return NULL;
}

static void
agent_close (zsock_t **sock)
{
    for (size_t i = 0; i < MAX_AGENTS; i++)
        if (inboxes[i].sock == *sock) {
            fo_wire_inbox_free (&inboxes[i].inbox);
            inboxes[i].sock = NULL;
        }
    zsock_destroy (sock);
}

/* The next message from the broker, heartbeats skipped; `what` names
   what was awaited when none comes in time. */
static void
next_msg (zsock_t *sock, fo_msg *msg, const char *what)
{
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    fo_wire_inbox *inbox = inbox_of (sock);
    for (;;) {
        char why[256];
        fo_wire_status st = fo_wire_inbox_recv (inbox, zsock_resolve (sock), false, NULL, NULL,
                                                msg, why, sizeof why);
        if (st == FO_WIRE_MSG && msg->type != FO_MSG_HEARTBEAT)
            return;
        if (st == FO_WIRE_MSG)
            fo_msg_free (msg);
        else
            assert_int_equal (st, FO_WIRE_NONE);
        if (fo_now_ms () > limit)
            fail_msg ("no %s from the broker", what);
        zmq_pollitem_t item = { .socket = zsock_resolve (sock), .events = ZMQ_POLLIN };
        zmq_poll (&item, 1, 100);
    }
}

/* The next message from the broker (heartbeats skipped), which must be
   of this type. */
static void
agent_expect (zsock_t *sock, fo_msg_type type, fo_msg *msg)
{
    next_msg (sock, msg, fo_msg_type_name (type));
    if (msg->type != type) {
        fo_msg_type got = msg->type;
        fo_msg_free (msg);
        fail_msg ("expected a %s, got a %s", fo_msg_type_name (type), fo_msg_type_name (got));
    }
}

/* The next frame from the broker as it came (a batch stays whole, not
   taken apart by the inbox), heartbeats skipped. */
static void
next_frame (zsock_t *sock, fo_msg *frame)
{
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    for (;;) {
        char why[256];
        fo_wire_status st = fo_wire_recv (zsock_resolve (sock), false, NULL, NULL, frame, why,
                                          sizeof why);
        if (st == FO_WIRE_MSG && frame->type != FO_MSG_HEARTBEAT)
            return;
        if (st == FO_WIRE_MSG)
            fo_msg_free (frame);
        else
            assert_int_equal (st, FO_WIRE_NONE);
        if (fo_now_ms () > limit)
            fail_msg ("no leases from the broker");
        zmq_pollitem_t item = { .socket = zsock_resolve (sock), .events = ZMQ_POLLIN };
        zmq_poll (&item, 1, 100);
    }
}

static void
hello_slots (zsock_t *sock, const char *id, const char *host, uint32_t slots)
{
    fo_msg msg = { .type = FO_MSG_HELLO };
    msg.u.hello = (fo_hello) { .agent_id = (char *) id, .host = (char *) host, .slots = slots };
    agent_send (sock, &msg);
    fo_msg welcome;
    agent_expect (sock, FO_MSG_WELCOME, &welcome);
    fo_msg_free (&welcome);
}

static void
hello (zsock_t *sock, const char *id, const char *host)
{
    hello_slots (sock, id, host, 1);
}

static void
request (zsock_t *sock, uint32_t credit)
{
    fo_msg msg = { .type = FO_MSG_REQUEST, .u.request.credit = credit };
    agent_send (sock, &msg);
}

/* The result of the lease's one test, then done. */
static void
finish_lease (zsock_t *sock, const fo_lease *lease, fo_outcome outcome, const char *host)
{
    fo_msg r = { .type = FO_MSG_RESULT };
    r.u.result = (fo_result) {
        .lease = lease->lease, .step = 0, .test = lease->steps[0].name, .outcome = outcome,
        .duration_us = 1000, .out = (char *) "", .err = (char *) "",
        .message = (char *) (outcome == FO_PASSED ? "" : "exit status 1"),
        .host = (char *) host, .worker = 1, .attempt = lease->attempt,
    };
    agent_send (sock, &r);
    fo_msg d = { .type = FO_MSG_DONE, .u.done = { .lease = lease->lease } };
    agent_send (sock, &d);
}

/* ---- the suite and the broker's thread ------------------------------------ */

/* A suite of n tests named names[i], each `true`, with its plan and a
   report that knows their names. */
typedef struct {
    fo_suite *suite;
    fo_plan *plan;
    fo_report *report;
} planned;

static planned
plan_tests (const char *const *names, size_t n)
{
    planned p;
    p.suite = fo_xcalloc (1, sizeof *p.suite);
    p.suite->path = fo_xstrdup ("/suite/fanout.yml");
    p.suite->dir = fo_xstrdup ("/suite");
    p.suite->root = fo_context_new (NULL, "");
    p.suite->skip_code = FO_DEFAULT_SKIP_CODE;
    for (size_t i = 0; i < n; i++)
        fo_strv_push (&fo_test_new (p.suite->root, names[i])->run.argv, "true");
    p.plan = fo_plan_build (p.suite);
    p.report = fo_report_new (p.plan->ntests);
    for (size_t i = 0; i < n; i++)
        fo_report_set_test (p.report, i, names[i], "");
    return p;
}

static void
planned_free (planned *p)
{
    fo_report_destroy (&p->report);
    fo_plan_destroy (&p->plan);
    fo_suite_destroy (&p->suite);
}

/* The broker of options, serving in a thread of its own. */
static void
serve_in_thread (served *s, const fo_broker_options *options, pthread_t *thread)
{
    char err[256];
    s->broker = fo_broker_new (options, err, sizeof err);
    if (!s->broker)
        fail_msg ("%s", err);
    assert_int_equal (pthread_create (thread, NULL, serve, s), 0);
}

/* What every scenario's broker has: its inproc endpoint, the run of the
   plan (one attempt, skip code 77), heartbeats no test outlasts (no agent
   is lost for silence while the test thinks). Each scenario sets what
   it needs beyond. */
static fo_broker_options
test_options (const char *endpoint, fo_plan *plan, fo_report *report, fo_reporters *reporters)
{
    return (fo_broker_options) {
        .bind = endpoint,
        .run = {
            .plan = plan, .report = report, .reporters = reporters, .max_attempts = 1,
            .skip_code = 77, .broker_host = "broker",
        },
        .heartbeat_ms = 10000,
    };
}

/* Agents x ("agent-x" on hostX, number 0) and y ("agent-y" on hostY,
   number 1), one slot each, said hello and welcomed. */
static void
two_agents (const char *endpoint, zsock_t **x, zsock_t **y)
{
    *x = agent_connect (endpoint);
    *y = agent_connect (endpoint);
    hello (*x, "agent-x", "hostX");
    hello (*y, "agent-y", "hostY");
}

/* One scenario's world: a plan of the named tests with its report, the
   reporters (a scenario may add its own before serving), the broker's
   options on an inproc endpoint of the scenario's own (a scenario may
   change them before serving), and the broker, served in a thread. */
typedef struct {
    planned p;
    fo_reporters *reporters;
    char endpoint[80];
    fo_broker_options options;
    served s;
    pthread_t thread;
} scenario;

/* The scenario of a suite made by the test (its own, freed with it). */
static void
scenario_with (scenario *sc, const char *tag, planned p)
{
    memset (sc, 0, sizeof *sc);
    sc->p = p;
    sc->reporters = fo_reporters_new ();
    snprintf (sc->endpoint, sizeof sc->endpoint, "inproc://test-broker-%s-%d", tag, (int) getpid ());
    sc->options = test_options (sc->endpoint, sc->p.plan, sc->p.report, sc->reporters);
}

static void
scenario_new (scenario *sc, const char *tag, const char *const *names, size_t n)
{
    scenario_with (sc, tag, plan_tests (names, n));
}

static void
scenario_serve (scenario *sc)
{
    serve_in_thread (&sc->s, &sc->options, &sc->thread);
}

/* Waits for the broker's run to end: its exit status. */
static int
scenario_join (scenario *sc)
{
    pthread_join (sc->thread, NULL);
    return sc->s.rc;
}

static void
scenario_free (scenario *sc)
{
    fo_broker_destroy (&sc->s.broker);
    fo_reporters_destroy (&sc->reporters);
    planned_free (&sc->p);
}

/* ---- the test ------------------------------------------------------------------ */

static void
test_reused_agent_number_is_alive (void **state)
{
    (void) state;
    const char *names[] = { "t" };
    scenario sc;
    scenario_new (&sc, "reuse", names, 1);
    fo_report *report = sc.p.report;
    joins j = { 0 };
    fo_reporters_add (sc.reporters, fo_reporter_new (&joins_ops, &j));
    sc.options.run.max_attempts = 2;
    sc.options.run.retries = 1;
    scenario_serve (&sc);

    zsock_t *x, *y;
    two_agents (sc.endpoint, &x, &y);

    /* Y takes the test (credit for two) and fails it: the try is held, and
       the retry waits for X, the other agent alive. */
    request (y, 2);
    fo_msg first;
    agent_expect (y, FO_MSG_LEASE, &first);
    finish_lease (y, &first.u.lease, FO_FAILED, "hostY");
    fo_msg_free (&first);

    /* X comes back on the same connection: its old session is lost and
       the new one reuses its record, number 0. It is alive: Y, which has
       credit left, must not get the retry back. */
    hello (x, "agent-x", "hostX");
    request (x, 1);
    fo_msg retry;
    agent_expect (x, FO_MSG_LEASE, &retry);
    assert_int_equal (retry.u.lease.attempt, 2);
    finish_lease (x, &retry.u.lease, FO_PASSED, "hostX");
    fo_msg_free (&retry);

    fo_msg bye;
    agent_expect (x, FO_MSG_SHUTDOWN, &bye);       /* the run is complete */
    fo_msg_free (&bye);
    assert_int_equal (scenario_join (&sc), 0);

    const fo_test_record *rec = fo_report_test (report, 0);
    assert_true (rec->done);
    assert_int_equal (rec->outcome, FO_PASSED);
    assert_true (rec->flaky);
    assert_string_equal (fo_report_retried (rec)[0].host, "hostY");
    assert_string_equal (rec->host, "hostX");
    /* The run was told the number the agent really has. */
    assert_int_equal (j.njoined, 3);
    assert_int_equal (j.joined[0], 0);
    assert_int_equal (j.joined[1], 1);
    assert_int_equal (j.joined[2], 0);

    agent_close (&x);
    agent_close (&y);
    scenario_free (&sc);
}

/* The same agent process on a new connection (its old one cut): its old
   session ends (its lease is lost, tried again), and the new session
   takes the lost record's number - found by its agent_id and from the
   lost numbers, not by walking every agent. */
static void
test_same_agent_new_connection (void **state)
{
    (void) state;
    const char *names[] = { "t" };
    scenario sc;
    scenario_new (&sc, "same", names, 1);
    joins j = { 0 };
    fo_reporters_add (sc.reporters, fo_reporter_new (&joins_ops, &j));
    sc.options.run.max_attempts = 2;       /* a lost lease is tried again */
    scenario_serve (&sc);

    zsock_t *x, *y;
    two_agents (sc.endpoint, &x, &y);
    request (y, 1);
    fo_msg first;
    agent_expect (y, FO_MSG_LEASE, &first);
    assert_int_equal (first.u.lease.attempt, 1);
    fo_msg_free (&first);

    /* agent-y again, from another socket: the lease it held is lost */
    zsock_t *y2 = agent_connect (sc.endpoint);
    hello (y2, "agent-y", "hostY");
    request (y2, 1);
    fo_msg again;
    agent_expect (y2, FO_MSG_LEASE, &again);
    assert_int_equal (again.u.lease.attempt, 2);
    finish_lease (y2, &again.u.lease, FO_PASSED, "hostY");
    fo_msg_free (&again);
    fo_msg bye;
    agent_expect (y2, FO_MSG_SHUTDOWN, &bye);
    fo_msg_free (&bye);
    assert_int_equal (scenario_join (&sc), 0);

    const fo_test_record *rec = fo_report_test (sc.p.report, 0);
    assert_true (rec->done);
    assert_int_equal (rec->outcome, FO_PASSED);
    assert_int_equal (j.njoined, 3);
    assert_int_equal (j.joined[0], 0);
    assert_int_equal (j.joined[1], 1);
    assert_int_equal (j.joined[2], 1);        /* agent-y's number, reused */

    agent_close (&x);
    agent_close (&y);
    agent_close (&y2);
    scenario_free (&sc);
}

/* Protocol 6: the leases one dispatch pass hands an agent leave as one
   batch frame, and a batch of dones is handled as the dones one by one:
   each test gets exactly one outcome, and the credit they give back
   brings the last lease. */
static void
test_leases_and_dones_batched (void **state)
{
    (void) state;
    const char *names[] = { "a", "b", "c" };
    scenario sc;
    scenario_new (&sc, "batch", names, 3);
    fo_report *report = sc.p.report;
    scenario_serve (&sc);

    zsock_t *x = agent_connect (sc.endpoint);
    hello (x, "agent-x", "hostX");
    /* One slot and credit 3: a lease for the slot and one prefetched (the
       third waits for a slot: the tasks left are no more than the slots). */
    request (x, 3);
    fo_msg frame;
    next_frame (x, &frame);
    assert_int_equal (frame.type, FO_MSG_BATCH);
    assert_int_equal (frame.u.batch.nmsgs, 2);

    /* Both done at once, their results inside, in one batch. */
    fo_msg dones = { .type = FO_MSG_BATCH };
    dones.u.batch.nmsgs = 2;
    dones.u.batch.msgs = fo_xcalloc (2, sizeof *dones.u.batch.msgs);
    fo_result results[2];
    for (size_t i = 0; i < 2; i++) {
        const fo_lease *lease = &frame.u.batch.msgs[i].u.lease;
        assert_int_equal (frame.u.batch.msgs[i].type, FO_MSG_LEASE);
        results[i] = (fo_result) {
            .lease = lease->lease, .step = 0, .test = lease->steps[0].name,
            .outcome = FO_PASSED, .out = (char *) "", .err = (char *) "",
            .message = (char *) "", .host = (char *) "hostX", .worker = 1,
            .attempt = lease->attempt,
        };
        dones.u.batch.msgs[i] = (fo_msg) { .type = FO_MSG_DONE };
        dones.u.batch.msgs[i].u.done = (fo_done) { .lease = lease->lease, .credit = 1,
                                                   .results = &results[i], .nresults = 1 };
    }
    agent_send (x, &dones);
    free (dones.u.batch.msgs);
    fo_msg_free (&frame);

    fo_msg last;
    agent_expect (x, FO_MSG_LEASE, &last);
    finish_lease (x, &last.u.lease, FO_PASSED, "hostX");
    fo_msg_free (&last);
    fo_msg bye;
    agent_expect (x, FO_MSG_SHUTDOWN, &bye);
    fo_msg_free (&bye);
    assert_int_equal (scenario_join (&sc), 0);
    for (size_t i = 0; i < 3; i++) {
        const fo_test_record *rec = fo_report_test (report, i);
        assert_true (rec->done);
        assert_int_equal (rec->outcome, FO_PASSED);
        assert_int_equal (rec->nattempts, 1);
    }

    agent_close (&x);
    scenario_free (&sc);
}

/* One dispatch pass leases round-robin (x, y, x, y, ...), yet each agent
   gets its own leases of the pass as one batch frame, in the order they
   were leased: the pass keeps every agent's leases in one buffer, chained
   per agent (broker/internal/fo_broker_state.h). The run starts when z
   joins, with x's and y's credit already there, so one pass serves both. */
static void
test_pass_batches_per_agent (void **state)
{
    (void) state;
    enum { N = 6 };
    const char *names[N] = { "t0", "t1", "t2", "t3", "t4", "t5" };
    scenario sc;
    scenario_new (&sc, "pass", names, N);
    fo_report *report = sc.p.report;
    sc.options.min_agents = 3;
    scenario_serve (&sc);

    zsock_t *x = agent_connect (sc.endpoint), *y = agent_connect (sc.endpoint);
    zsock_t *z = agent_connect (sc.endpoint);
    hello_slots (x, "agent-x", "hostX", 4);     /* credit within the slots: no prefetch */
    request (x, 3);
    hello_slots (y, "agent-y", "hostY", 4);
    request (y, 3);
    hello_slots (z, "agent-z", "hostZ", 4);
    fo_msg fx, fy;
    next_frame (x, &fx);
    next_frame (y, &fy);
    assert_int_equal (fx.type, FO_MSG_BATCH);
    assert_int_equal (fy.type, FO_MSG_BATCH);
    assert_int_equal (fx.u.batch.nmsgs, 3);
    assert_int_equal (fy.u.batch.nmsgs, 3);
    bool seen[N] = { false };
    fo_msg *frames[2] = { &fx, &fy };
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < 3; i++) {
            const fo_msg *m = &frames[f]->u.batch.msgs[i];
            assert_int_equal (m->type, FO_MSG_LEASE);
            if (i > 0)      /* in the order they were leased */
                assert_true (m->u.lease.lease > frames[f]->u.batch.msgs[i - 1].u.lease.lease);
            size_t t = fo_plan_test_number (sc.p.plan, m->u.lease.steps[0].name);
            assert_true (t < N);
            assert_false (seen[t]);     /* each task leased once */
            seen[t] = true;
        }
    /* Interleaved: x's first, then y's first, ... */
    assert_true (fx.u.batch.msgs[0].u.lease.lease < fy.u.batch.msgs[0].u.lease.lease);
    assert_true (fy.u.batch.msgs[0].u.lease.lease < fx.u.batch.msgs[1].u.lease.lease);
    for (size_t i = 0; i < 3; i++) {
        finish_lease (x, &fx.u.batch.msgs[i].u.lease, FO_PASSED, "hostX");
        finish_lease (y, &fy.u.batch.msgs[i].u.lease, FO_PASSED, "hostY");
    }
    fo_msg_free (&fx);
    fo_msg_free (&fy);
    assert_int_equal (scenario_join (&sc), 0);
    for (size_t i = 0; i < N; i++) {
        assert_true (fo_report_test (report, i)->done);
        assert_int_equal (fo_report_test (report, i)->outcome, FO_PASSED);
    }

    agent_close (&x);
    agent_close (&y);
    agent_close (&z);
    scenario_free (&sc);
}

/* A lease too large for a batch (over FO_PROTO_MAX_STRING: a test whose
   two arguments make 9 MiB) goes alone, in its place among the agent's
   leases of the pass: those before it leave first, those after it in a
   frame after it. */
static void
test_pass_large_lease_alone (void **state)
{
    (void) state;
    enum { N = 5 };
    const char *names[N] = { "t0", "t1", "big", "t3", "t4" };
    planned p;
    p.suite = fo_xcalloc (1, sizeof *p.suite);
    p.suite->path = fo_xstrdup ("/suite/fanout.yml");
    p.suite->dir = fo_xstrdup ("/suite");
    p.suite->root = fo_context_new (NULL, "");
    p.suite->skip_code = FO_DEFAULT_SKIP_CODE;
    size_t half = 4u << 20 | 512u << 10;    /* 4.5 MiB */
    char *arg = fo_xmalloc (half + 1);
    memset (arg, 'x', half);
    arg[half] = '\0';
    for (size_t i = 0; i < N; i++) {
        fo_test *t = fo_test_new (p.suite->root, names[i]);
        fo_strv_push (&t->run.argv, "true");
        if (strcmp (names[i], "big") == 0) {
            fo_strv_push (&t->run.argv, arg);
            fo_strv_push (&t->run.argv, arg);
        }
    }
    free (arg);
    p.plan = fo_plan_build (p.suite);
    p.report = fo_report_new (p.plan->ntests);
    for (size_t i = 0; i < N; i++)
        fo_report_set_test (p.report, i, names[i], "");
    scenario sc;
    scenario_with (&sc, "large", p);
    fo_report *report = sc.p.report;
    scenario_serve (&sc);

    zsock_t *x = agent_connect (sc.endpoint);
    hello_slots (x, "agent-x", "hostX", 8);
    request (x, N);
    /* Every lease arrives once, in lease order; the large one in a frame
       of its own, and not as the only frame (the others are batched). */
    fo_msg leases[N];
    size_t got = 0, frames = 0;
    bool big_alone = false;
    while (got < N) {
        fo_msg frame;
        next_frame (x, &frame);
        frames++;
        if (frame.type == FO_MSG_LEASE) {
            if (strcmp (frame.u.lease.steps[0].name, "big") == 0)
                big_alone = true;
            leases[got++] = frame;
            continue;
        }
        assert_int_equal (frame.type, FO_MSG_BATCH);
        for (size_t i = 0; i < frame.u.batch.nmsgs; i++) {
            assert_int_equal (frame.u.batch.msgs[i].type, FO_MSG_LEASE);
            assert_true (got < N);
            assert_string_not_equal (frame.u.batch.msgs[i].u.lease.steps[0].name, "big");
            leases[got++] = frame.u.batch.msgs[i];
            memset (&frame.u.batch.msgs[i], 0, sizeof frame.u.batch.msgs[i]);
        }
        fo_msg_free (&frame);
    }
    assert_true (big_alone);
    assert_true (frames >= 2 && frames <= 3);
    for (size_t i = 1; i < N; i++)
        assert_true (leases[i].u.lease.lease > leases[i - 1].u.lease.lease);
    for (size_t i = 0; i < N; i++) {
        finish_lease (x, &leases[i].u.lease, FO_PASSED, "hostX");
        fo_msg_free (&leases[i]);
    }
    fo_msg bye;
    agent_expect (x, FO_MSG_SHUTDOWN, &bye);
    fo_msg_free (&bye);
    assert_int_equal (scenario_join (&sc), 0);
    for (size_t i = 0; i < N; i++)
        assert_int_equal (fo_report_test (report, i)->outcome, FO_PASSED);

    agent_close (&x);
    scenario_free (&sc);
}

/* Extra credit (fo_flow.h) lets an agent hold many leases beyond its
   slots; held where its slots are busy, they can strand tasks while
   another agent idles (a suite whose tests wait for each other across
   hosts never ended). An agent holds beyond its slots at most its share
   of the tasks left beyond every slot: with two agents of one slot and 10
   tasks, the first to ask for 10 gets 3 (its slot's and two), not 8. */
static void
test_prefetch_fair_share (void **state)
{
    (void) state;
    enum { N = 10 };
    const char *names[N] = { "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9" };
    scenario sc;
    scenario_new (&sc, "share", names, N);
    fo_report *report = sc.p.report;
    sc.options.min_agents = 2;
    scenario_serve (&sc);

    zsock_t *x, *y;
    two_agents (sc.endpoint, &x, &y);
    request (x, N);
    fo_msg frame;
    next_frame (x, &frame);     /* the dispatch pass's frame, whole */
    assert_int_equal (frame.type, FO_MSG_BATCH);
    assert_int_equal (frame.u.batch.nmsgs, 3);
    /* x holds them while y asks: y runs every other test. */
    request (y, N);
    size_t ran = 0;
    while (ran < N - 3) {
        fo_msg m;
        next_msg (y, &m, "lease for y");
        if (m.type == FO_MSG_LEASE) {
            finish_lease (y, &m.u.lease, FO_PASSED, "hostY");
            fo_msg more = { .type = FO_MSG_REQUEST, .u.request.credit = 1 };
            agent_send (y, &more);
            ran++;
        }
        fo_msg_free (&m);
    }
    for (size_t i = 0; i < frame.u.batch.nmsgs; i++)
        finish_lease (x, &frame.u.batch.msgs[i].u.lease, FO_PASSED, "hostX");
    fo_msg_free (&frame);
    assert_int_equal (scenario_join (&sc), 0);
    for (size_t i = 0; i < N; i++) {
        const fo_test_record *rec = fo_report_test (report, i);
        assert_true (rec->done);
        assert_int_equal (rec->outcome, FO_PASSED);
    }

    agent_close (&x);
    agent_close (&y);
    scenario_free (&sc);
}

/* Finishes every lease that comes to x or y until n have run. */
static void
run_leases (zsock_t *x, zsock_t *y, size_t n)
{
    uint64_t limit = fo_now_ms () + WAIT_LIMIT_MS;
    zsock_t *socks[2] = { x, y };
    size_t ran = 0;
    while (ran < n) {
        for (size_t k = 0; k < 2; k++) {
            fo_msg m;
            char why[256];
            fo_wire_status st;
            while ((st = fo_wire_inbox_recv (inbox_of (socks[k]), zsock_resolve (socks[k]), false,
                                             NULL, NULL, &m, why, sizeof why)) == FO_WIRE_MSG) {
                if (m.type == FO_MSG_LEASE) {
                    finish_lease (socks[k], &m.u.lease, FO_PASSED, k ? "hostY" : "hostX");
                    ran++;
                }
                fo_msg_free (&m);
            }
            assert_int_equal (st, FO_WIRE_NONE);
        }
        if (ran >= n)
            break;
        if (fo_now_ms () > limit)
            fail_msg ("%zu of %zu leases came", ran, n);
        zmq_pollitem_t items[2] = {
            { .socket = zsock_resolve (x), .events = ZMQ_POLLIN },
            { .socket = zsock_resolve (y), .events = ZMQ_POLLIN },
        };
        zmq_poll (items, 2, 100);
    }
}

/* The share of the tasks left counts those the other agent holds beyond
   its slot (they are not run yet): of 20 tasks, 1 slot each, x takes 7
   (its slot's and 6: its share stops at 6 of the 13 left beyond the
   slots), then y 6 (its share of the 7 left in the queue and x's 6,
   beyond the two slots, stops at 5 beyond its slot). Counting only the
   broker's queue gave y 4: at many agents the agents that came back last
   were cut to a few leases a frame. */
static void
test_prefetch_share_counts_others (void **state)
{
    (void) state;
    enum { N = 20 };
    const char *names[N];
    char buf[N][8];
    for (size_t i = 0; i < N; i++) {
        snprintf (buf[i], sizeof buf[i], "t%02zu", i);     /* in the plan's order */
        names[i] = buf[i];
    }
    scenario sc;
    scenario_new (&sc, "others", names, N);
    sc.options.min_agents = 2;
    scenario_serve (&sc);

    zsock_t *x, *y;
    two_agents (sc.endpoint, &x, &y);
    request (x, N);
    fo_msg fx, fy;
    next_frame (x, &fx);
    assert_int_equal (fx.type, FO_MSG_BATCH);
    assert_int_equal (fx.u.batch.nmsgs, 7);
    request (y, N);
    next_frame (y, &fy);
    assert_int_equal (fy.type, FO_MSG_BATCH);
    assert_int_equal (fy.u.batch.nmsgs, 6);
    for (size_t i = 0; i < fx.u.batch.nmsgs; i++)
        finish_lease (x, &fx.u.batch.msgs[i].u.lease, FO_PASSED, "hostX");
    for (size_t i = 0; i < fy.u.batch.nmsgs; i++)
        finish_lease (y, &fy.u.batch.msgs[i].u.lease, FO_PASSED, "hostY");
    fo_msg_free (&fx);
    fo_msg_free (&fy);
    run_leases (x, y, N - 7 - 6);   /* the rest, on the credit they still hold */
    assert_int_equal (scenario_join (&sc), 0);
    for (size_t i = 0; i < N; i++) {
        const fo_test_record *rec = fo_report_test (sc.p.report, i);
        assert_true (rec->done);
        assert_int_equal (rec->outcome, FO_PASSED);
    }
    agent_close (&x);
    agent_close (&y);
    scenario_free (&sc);
}

static void
give_back (zsock_t *sock, uint64_t lease)
{
    fo_msg msg = { .type = FO_MSG_RETURN, .u.ret = { .lease = lease, .credit = 0 } };
    agent_send (sock, &msg);
}

/* Protocol 8: a lease given back unstarted is leased again, elsewhere, as
   if it had never been leased (attempt 1, not 2, with max_attempts 1:
   counted as an attempt it could not run again at all), and not to the
   agent that gave it back although that one still has credit. A second
   return of it, and a return of a lease that never was, change nothing:
   the test runs once and the run ends. */
static void
test_lease_returned (void **state)
{
    (void) state;
    const char *names[] = { "t" };
    scenario sc;
    scenario_new (&sc, "return", names, 1);
    scenario_serve (&sc);

    zsock_t *x, *y;
    two_agents (sc.endpoint, &x, &y);
    request (x, 2);
    fo_msg first;
    agent_expect (x, FO_MSG_LEASE, &first);
    assert_int_equal (first.u.lease.attempt, 1);
    uint64_t returned = first.u.lease.lease;
    fo_msg_free (&first);
    give_back (x, returned);
    give_back (x, returned);            /* not a current lease any more */
    give_back (x, returned + 1000);     /* never was one */

    request (y, 1);
    fo_msg again;
    agent_expect (y, FO_MSG_LEASE, &again);
    assert_int_equal (again.u.lease.attempt, 1);
    assert_true (again.u.lease.lease != returned);
    assert_string_equal (again.u.lease.steps[0].name, "t");
    finish_lease (y, &again.u.lease, FO_PASSED, "hostY");
    fo_msg_free (&again);

    fo_msg bye;
    agent_expect (y, FO_MSG_SHUTDOWN, &bye);       /* the run is complete */
    fo_msg_free (&bye);
    agent_expect (x, FO_MSG_SHUTDOWN, &bye);       /* and x got no lease again */
    fo_msg_free (&bye);
    assert_int_equal (scenario_join (&sc), 0);
    const fo_test_record *rec = fo_report_test (sc.p.report, 0);
    assert_true (rec->done);
    assert_int_equal (rec->outcome, FO_PASSED);
    assert_int_equal (rec->attempt, 1);
    assert_string_equal (rec->host, "hostY");
    assert_false (rec->flaky);

    agent_close (&x);
    agent_close (&y);
    scenario_free (&sc);
}

/* A lease given back once the run stops (here, fail fast after the first
   failure: the broker cancels the other lease, and the agent gives it
   back instead of answering done) ends its test not run with the stop's
   reason, once, and the run ends. */
static void
test_return_after_stop (void **state)
{
    (void) state;
    const char *names[] = { "t0", "t1" };
    scenario sc;
    scenario_new (&sc, "return-stop", names, 2);
    sc.options.run.maxfail = 1;
    scenario_serve (&sc);

    zsock_t *x = agent_connect (sc.endpoint);
    hello_slots (x, "agent-x", "hostX", 2);
    request (x, 2);
    fo_msg a, b;
    agent_expect (x, FO_MSG_LEASE, &a);
    agent_expect (x, FO_MSG_LEASE, &b);
    finish_lease (x, &a.u.lease, FO_FAILED, "hostX");
    /* The stop cancels what is in flight: b, and a too when its done came
       after the failure stopped the run (then that cancel is stale). */
    bool returned = false;
    for (;;) {
        fo_msg m;
        next_msg (x, &m, "shutdown");
        fo_msg_type type = m.type;
        if (type == FO_MSG_CANCEL && m.u.cancel.lease == b.u.lease.lease && !returned) {
            give_back (x, b.u.lease.lease);
            returned = true;
        }
        else if (type == FO_MSG_CANCEL)
            assert_true (m.u.cancel.lease == a.u.lease.lease);
        else if (type != FO_MSG_SHUTDOWN)
            fail_msg ("unexpected %s", fo_msg_type_name (type));
        fo_msg_free (&m);
        if (type == FO_MSG_SHUTDOWN)
            break;
    }
    assert_true (returned);
    assert_int_equal (scenario_join (&sc), 0);

    const fo_test_record *failed = fo_report_test (sc.p.report, 0), *stranded = fo_report_test (sc.p.report, 1);
    if (strcmp (a.u.lease.steps[0].name, "t1") == 0) {
        const fo_test_record *swap = failed;
        failed = stranded;
        stranded = swap;
    }
    assert_true (failed->done);
    assert_int_equal (failed->outcome, FO_FAILED);
    assert_true (stranded->done);
    assert_int_equal (stranded->outcome, FO_NOT_RUN);
    assert_non_null (strstr (stranded->message, "stopped after 1 failure"));
    fo_msg_free (&a);
    fo_msg_free (&b);

    agent_close (&x);
    scenario_free (&sc);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_reused_agent_number_is_alive),
        cmocka_unit_test (test_same_agent_new_connection),
        cmocka_unit_test (test_leases_and_dones_batched),
        cmocka_unit_test (test_pass_batches_per_agent),
        cmocka_unit_test (test_pass_large_lease_alone),
        cmocka_unit_test (test_prefetch_fair_share),
        cmocka_unit_test (test_prefetch_share_counts_others),
        cmocka_unit_test (test_lease_returned),
        cmocka_unit_test (test_return_after_stop),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
