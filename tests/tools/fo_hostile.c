/*  fo_hostile — a peer that breaks the protocol on purpose, for the
    integration tests (tests/integration/test_hostile_peers.sh).

      fo_hostile agent ENDPOINT   attacks a broker: garbage, other protocol
                                  versions, oversized and multi-frame
                                  messages, messages out of order, hellos
                                  beyond the limits, forged results, and a
                                  lease taken and abandoned. Exit 0 when the
                                  broker answered every attack as it must.
      fo_hostile flood-results ENDPOINT N
                                  joins as an agent and sends N results for
                                  leases it does not hold, then leaves
                                  (tests/integration/test_log_flood.sh).
      fo_hostile flood-hellos ENDPOINT N CONNECTIONS
                                  sends N hellos, each with a new agent id,
                                  spread over CONNECTIONS connections (a
                                  new routing id each), then hangs up.
      fo_hostile broker ENDPOINT  binds ENDPOINT ("tcp://127.0.0.1:*" prints
                                  the port) and serves one agent as a broker
                                  that misbehaves, checking what the agent
                                  sends back. Exit 0 when it answered as it
                                  must.

    Each check prints "ok: ..." or "FAIL: ..." on stdout. */
#include <czmq.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_proto.h"
#include "fo_wire.h"

#define WAIT_MS 15000

static int failures;

static void check (bool ok, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
check (bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    printf ("%s: ", ok ? "ok" : "FAIL");
    vprintf (fmt, ap);
    printf ("\n");
    fflush (stdout);
    va_end (ap);
    if (!ok)
        failures++;
}

/* ---- sending ---------------------------------------------------------- */

static void
send_frames (void *sock, const void *routing, size_t rlen, const void *data, size_t len,
             bool extra_frame)
{
    if (routing)
        zmq_send (sock, routing, rlen, ZMQ_SNDMORE);
    zmq_send (sock, data, len, extra_frame ? ZMQ_SNDMORE : 0);
    if (extra_frame)
        zmq_send (sock, "x", 1, 0);
}

static void
send_msg (void *sock, const void *routing, size_t rlen, const fo_msg *msg)
{
    if (fo_wire_send (sock, routing, rlen, msg) != 0)
        check (false, "cannot send a %s", fo_msg_type_name (msg->type));
}

/* A map {v: version, type: type} plus one string field, packed by hand:
   what fo_msg_encode would never produce. */
static void
send_crafted (void *sock, const void *routing, size_t rlen, unsigned version, const char *type,
              const char *key, const char *value)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, key ? 3 : 2);
    msgpack_pack_str_with_body (&pk, "v", 1);
    msgpack_pack_unsigned_int (&pk, version);
    msgpack_pack_str_with_body (&pk, "type", 4);
    msgpack_pack_str_with_body (&pk, type, strlen (type));
    if (key) {
        msgpack_pack_str_with_body (&pk, key, strlen (key));
        msgpack_pack_str_with_body (&pk, value, strlen (value));
    }
    send_frames (sock, routing, rlen, buf.data, buf.size, false);
    msgpack_sbuffer_destroy (&buf);
}

static void
send_garbage (void *sock, const void *routing, size_t rlen, unsigned count)
{
    /* The hello with fields missing carries OUR version (8): a malformed
       message, dropped without an answer (another version is refused); so
       do the batches: one announcing 65535 messages, one holding a bin
       that is no message, one holding a batch. */
    _Static_assert (FO_PROTO_VERSION == 8, "update the samples' version bytes");
    static const char *const samples[] = {
        "", "\xc1", "\x81", "\x81\xa1v", "\x82\xa1v\x08\xa4type\xa5hello",
        "\x83\xa1v\x08\xa4type\xa5" "batch\xa4msgs\xdc\xff\xff",
        "\x83\xa1v\x08\xa4type\xa5" "batch\xa4msgs\x91\xc4\x01\xc1",
        "\x83\xa1v\x08\xa4type\xa5" "batch\xa4msgs\x91\xc4\x18"
        "\x83\xa1v\x08\xa4type\xa5" "batch\xa4msgs\x91\xc4\x01\xc1",
        "\xdf\xff\xff\xff\xff", "\xdd\x7f\xff\xff\xff", "\xdb\x7f\xff\xff\xff",
        "GET / HTTP/1.1\r\n\r\n", "\x93\x01\x02\x03", "\xcb\x40\x09\x21\xfb\x54\x44\x2d\x18",
    };
    size_t n = sizeof samples / sizeof samples[0];
    for (unsigned i = 0; i < count; i++) {
        const char *s = samples[i % n];
        size_t len = strlen (s);
        if (i % n == 0)
            len = 0;
        send_frames (sock, routing, rlen, s, len, i % 7 == 3);
    }
    /* Random bytes too. */
    unsigned char noise[512];
    for (unsigned i = 0; i < 20; i++) {
        size_t len = 1 + (size_t) (rand () % (int) sizeof noise);
        for (size_t k = 0; k < len; k++)
            noise[k] = (unsigned char) rand ();
        send_frames (sock, routing, rlen, noise, len, false);
    }
}

static void
send_oversized (void *sock, const void *routing, size_t rlen)
{
    size_t len = FO_PROTO_MAX_MESSAGE + 1024;
    char *big = calloc (1, len);
    big[0] = (char) 0x81;
    send_frames (sock, routing, rlen, big, len, false);
    free (big);
}

/* ---- receiving -------------------------------------------------------- */

/* A batch (protocol 6) comes out one message at a time: the rest of one
   waits here, for the socket it came from. */
static fo_wire_inbox inbox;
static void *inbox_sock;

/* The next decodable message within ms; routing copied for ROUTER sockets.
   Returns false on timeout. Undecodable frames are reported and skipped. */
static bool
recv_msg (void *sock, bool router, unsigned char *routing, size_t *rlen, fo_msg *msg, int ms)
{
    int64_t end = zclock_mono () + ms;
    for (;;) {
        int64_t left = end - zclock_mono ();
        if (left <= 0)
            return false;
        if (inbox_sock != sock) {       /* a new socket: nothing held is its */
            fo_wire_inbox_clear (&inbox);
            inbox_sock = sock;
        }
        zmq_pollitem_t item = { .socket = sock, .events = ZMQ_POLLIN };
        if (!fo_wire_inbox_pending (&inbox) && zmq_poll (&item, 1, (long) left) <= 0)
            continue;
        char why[256];
        fo_wire_status st = fo_wire_inbox_recv (&inbox, sock, router, routing, rlen, msg, why,
                                                sizeof why);
        if (st == FO_WIRE_MSG)
            return true;
        if (st != FO_WIRE_NONE)
            printf ("note: undecodable frame from the peer: %s\n", why);
    }
}

/* Waits for a message of `type`, dropping others (heartbeats, ...). */
static bool
expect (void *sock, bool router, unsigned char *routing, size_t *rlen, fo_msg_type type,
        fo_msg *msg, int ms)
{
    int64_t end = zclock_mono () + ms;
    for (;;) {
        int64_t left = end - zclock_mono ();
        if (left <= 0 || !recv_msg (sock, router, routing, rlen, msg, (int) left))
            return false;
        if (msg->type == type)
            return true;
        fo_msg_free (msg);
    }
}

static zsock_t *
dealer (const char *endpoint)
{
    zsock_t *s = zsock_new (ZMQ_DEALER);
    fo_wire_configure (zsock_resolve (s));
    zsock_connect (s, "%s", endpoint);
    return s;
}

static void
hello (void *sock, const char *id, const char *host, uint32_t slots)
{
    fo_msg m = { .type = FO_MSG_HELLO };
    m.u.hello.agent_id = (char *) id;
    m.u.hello.host = (char *) host;
    m.u.hello.slots = slots;
    send_msg (sock, NULL, 0, &m);
}

/* ---- against a broker ------------------------------------------------- */

static int
attack_broker (const char *endpoint)
{
    fo_msg msg;

    /* 1. Messages before any hello, and garbage: dropped, no answer. */
    zsock_t *s = dealer (endpoint);
    void *raw = zsock_resolve (s);
    fo_msg req = { .type = FO_MSG_REQUEST, .u.request.credit = 1000 };
    send_msg (raw, NULL, 0, &req);
    fo_msg res = { .type = FO_MSG_RESULT };
    res.u.result = (fo_result) { .lease = 1, .test = "t01", .outcome = FO_FAILED, .out = "",
                                 .err = "", .message = "forged", .host = "evil", .worker = 1,
                                 .attempt = 1 };
    send_msg (raw, NULL, 0, &res);
    fo_msg done = { .type = FO_MSG_DONE, .u.done = { .lease = 1, .exit_status = 1 } };
    send_msg (raw, NULL, 0, &done);
    send_garbage (raw, NULL, 0, 300);
    check (!recv_msg (raw, false, NULL, NULL, &msg, 1000),
           "no answer to garbage and to messages sent before hello");

    /* 2. Another protocol version: refused with a reason. */
    send_crafted (raw, NULL, 0, 99, "hello", NULL, NULL);
    bool got = expect (raw, false, NULL, NULL, FO_MSG_REFUSE, &msg, WAIT_MS);
    check (got && strstr (msg.u.refuse.reason, "version 99"),
           "a hello of protocol version 99 is refused: %s", got ? msg.u.refuse.reason : "(nothing)");
    if (got)
        fo_msg_free (&msg);

    /* 3. Hellos beyond the limits: refused with a reason. */
    hello (raw, "evil:1", "evil", 1000000);
    got = expect (raw, false, NULL, NULL, FO_MSG_REFUSE, &msg, WAIT_MS);
    check (got && strstr (msg.u.refuse.reason, "slots"), "a hello with 1000000 slots is refused: %s",
           got ? msg.u.refuse.reason : "(nothing)");
    if (got)
        fo_msg_free (&msg);
    char longname[400];
    memset (longname, 'h', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    hello (raw, "evil:2", longname, 1);
    got = expect (raw, false, NULL, NULL, FO_MSG_REFUSE, &msg, WAIT_MS);
    check (got, "a hello with a 399-byte host name is refused: %s",
           got ? msg.u.refuse.reason : "(nothing)");
    if (got)
        fo_msg_free (&msg);

    /* 4. An oversized frame: ZeroMQ drops our connection; the broker goes on. */
    send_oversized (raw, NULL, 0);
    zsock_destroy (&s);

    /* 5. A flood of garbage from a second connection. */
    s = dealer (endpoint);
    raw = zsock_resolve (s);
    send_garbage (raw, NULL, 0, 5000);
    zclock_sleep (500);
    zsock_destroy (&s);

    /* 6. A proper hello, then a taken lease, forged and out-of-order
       messages, a second hello on the same connection, and silence. */
    s = dealer (endpoint);
    raw = zsock_resolve (s);
    hello (raw, "evil:3", "hostile", 1);
    got = expect (raw, false, NULL, NULL, FO_MSG_WELCOME, &msg, WAIT_MS);
    check (got, "a proper hello is welcomed");
    if (!got) {
        zsock_destroy (&s);
        return 1;
    }
    fo_msg_free (&msg);
    req.u.request.credit = 1;
    send_msg (raw, NULL, 0, &req);
    got = expect (raw, false, NULL, NULL, FO_MSG_LEASE, &msg, WAIT_MS);
    check (got, "credit 1 brings a lease");
    uint64_t mine = got ? msg.u.lease.lease : 0;
    if (got)
        fo_msg_free (&msg);
    /* A lease is a broker's message; a result for a test not in our lease,
       for a step out of range, for someone else's lease; done for a lease
       that never existed. All dropped. */
    fo_msg lease = { .type = FO_MSG_LEASE, .u.lease = { .lease = 5, .attempt = 1 } };
    send_msg (raw, NULL, 0, &lease);
    res.u.result.lease = mine;
    res.u.result.test = "not-a-test-of-this-lease";
    send_msg (raw, NULL, 0, &res);
    res.u.result.step = 999;
    send_msg (raw, NULL, 0, &res);
    res.u.result.lease = mine + 1;
    res.u.result.step = 0;
    res.u.result.test = "t02";
    send_msg (raw, NULL, 0, &res);
    done.u.done.lease = 1000000;
    send_msg (raw, NULL, 0, &done);
    /* Returns of a lease that never existed and of another agent's, with
       credit far beyond the slots: dropped, credit and all (with it the
       broker leased this agent every task it could, and each ran again as
       attempt 2 once the agent vanished). */
    fo_msg back = { .type = FO_MSG_RETURN, .u.ret = { .lease = 1000000, .credit = 1000000 } };
    send_msg (raw, NULL, 0, &back);
    back.u.ret.lease = mine + 1;
    send_msg (raw, NULL, 0, &back);
    send_crafted (raw, NULL, 0, FO_PROTO_VERSION, "heartbeat", "extra", "field");
    send_crafted (raw, NULL, 0, FO_PROTO_VERSION, "launch-missiles", NULL, NULL);
    /* Hello again on the same connection: the broker drops the session
       (and re-leases what it held) and welcomes the new one. */
    hello (raw, "evil:3", "hostile", 1);
    got = expect (raw, false, NULL, NULL, FO_MSG_WELCOME, &msg, WAIT_MS);
    check (got, "a second hello on one connection starts a new session");
    if (got)
        fo_msg_free (&msg);
    /* Vanish without bye: the broker must notice the silence. */
    zsock_destroy (&s);
    printf ("done: %d failed check(s)\n", failures);
    return failures ? 1 : 0;
}

/* ---- floods ----------------------------------------------------------- */

/* Returns once the broker has read everything sent on this connection:
   it answers a hello of another protocol version, in order. */
static bool
sync_broker (void *raw)
{
    send_crafted (raw, NULL, 0, 99, "hello", NULL, NULL);
    fo_msg msg;
    bool got = expect (raw, false, NULL, NULL, FO_MSG_REFUSE, &msg, 120000);
    if (got)
        fo_msg_free (&msg);
    return got;
}

static int
flood_results (const char *endpoint, unsigned n)
{
    zsock_t *s = dealer (endpoint);
    void *raw = zsock_resolve (s);
    hello (raw, "flood", "flooder", 1);
    fo_msg msg;
    bool got = expect (raw, false, NULL, NULL, FO_MSG_WELCOME, &msg, WAIT_MS);
    check (got, "the flooding agent is welcomed");
    if (got)
        fo_msg_free (&msg);
    fo_msg res = { .type = FO_MSG_RESULT };
    res.u.result = (fo_result) { .test = "t01", .outcome = FO_PASSED, .out = "", .err = "",
                                 .message = "forged", .host = "flooder", .worker = 1,
                                 .attempt = 1 };
    for (unsigned i = 0; i < n; i++) {
        res.u.result.lease = 1000000u + i;     /* never leased to it */
        send_msg (raw, NULL, 0, &res);
    }
    check (sync_broker (raw), "the broker read the %u forged results", n);
    fo_msg bye = { .type = FO_MSG_BYE, .u.bye.reason = "the flood is over" };
    send_msg (raw, NULL, 0, &bye);
    check (sync_broker (raw), "the broker read the bye");
    zsock_destroy (&s);
    printf ("done: %d failed check(s)\n", failures);
    return failures ? 1 : 0;
}

static int
flood_hellos (const char *endpoint, unsigned n, unsigned connections)
{
    unsigned sent = 0;
    for (unsigned c = 0; c < connections; c++) {
        zsock_t *s = dealer (endpoint);
        void *raw = zsock_resolve (s);
        unsigned share = n / connections + (c < n % connections ? 1 : 0);
        for (unsigned i = 0; i < share; i++, sent++) {
            char id[64];
            snprintf (id, sizeof id, "flood-%u", sent);
            hello (raw, id, "flood", 1);
        }
        if (!sync_broker (raw)) {
            check (false, "the broker answers connection %u", c);
            zsock_destroy (&s);
            break;
        }
        zsock_destroy (&s);     /* no bye: the broker must notice the silence */
    }
    check (sent == n, "the broker read %u of %u hellos over %u connections", sent, n,
           connections);
    printf ("done: %d failed check(s)\n", failures);
    return failures ? 1 : 0;
}

/* ---- against an agent ------------------------------------------------- */

static fo_step step;           /* the one step of the leases we send */

static void
make_lease (fo_msg *m, uint64_t id, const char *test, const char *command)
{
    fo_step_free (&step);
    memset (&step, 0, sizeof step);
    step.kind = FO_STEP_TEST;
    step.name = fo_xstrdup (test);
    fo_strv_push (&step.argv, "sh");
    fo_strv_push (&step.argv, "-c");
    fo_strv_push (&step.argv, command);
    step.cwd = fo_xstrdup ("");
    fo_strv_push (&step.tests, test);
    *m = (fo_msg) { .type = FO_MSG_LEASE };
    m->u.lease = (fo_lease) { .lease = id, .attempt = 1, .output_cap = 4096, .skip_code = 77,
                              .steps = &step, .nsteps = 1 };
}

/* Collects the agent's result for `lease` and its done. */
static bool
await_lease (void *sock, uint64_t lease, fo_outcome *outcome, int ms)
{
    int64_t end = zclock_mono () + ms;
    bool have_result = false;
    unsigned char routing[256];
    size_t rlen;
    fo_msg msg;
    while (zclock_mono () < end) {
        if (!recv_msg (sock, true, routing, &rlen, &msg, (int) (end - zclock_mono ())))
            break;
        if (msg.type == FO_MSG_RESULT && msg.u.result.lease == lease) {
            *outcome = msg.u.result.outcome;
            have_result = true;
        }
        else if (msg.type == FO_MSG_RESULT)
            check (false, "a result for lease %llu, which we never validly leased",
                   (unsigned long long) msg.u.result.lease);
        bool is_done = msg.type == FO_MSG_DONE && msg.u.done.lease == lease;
        /* Protocol 4: the last results ride in the done. */
        for (size_t i = 0; is_done && i < msg.u.done.nresults; i++) {
            *outcome = msg.u.done.results[i].outcome;
            have_result = true;
        }
        fo_msg_free (&msg);
        if (is_done)
            return have_result;
    }
    return false;
}

static int
attack_agent (const char *endpoint)
{
    zsock_t *s = zsock_new (ZMQ_ROUTER);
    void *raw = zsock_resolve (s);
    fo_wire_configure (raw);
    if (zmq_bind (raw, endpoint) != 0) {
        printf ("FAIL: cannot bind %s\n", endpoint);
        return 1;
    }
    char bound[256];
    size_t blen = sizeof bound;
    zmq_getsockopt (raw, ZMQ_LAST_ENDPOINT, bound, &blen);
    printf ("listening on %s\n", bound);
    fflush (stdout);

    unsigned char id[256];
    size_t idlen = 0;
    fo_msg msg;
    bool got = expect (raw, true, id, &idlen, FO_MSG_HELLO, &msg, 30000);
    check (got, "the agent says hello");
    if (!got)
        return 1;
    fo_msg_free (&msg);

    /* Before welcome: garbage, a multi-frame message, an agent's message,
       a lease (must not run: we have not welcomed it), a cancel for nothing. */
    send_garbage (raw, id, idlen, 200);
    fo_msg bogus = { .type = FO_MSG_HELLO };
    bogus.u.hello = (fo_hello) { .agent_id = "x", .host = "y", .slots = 1 };
    send_msg (raw, id, idlen, &bogus);
    fo_msg lease;
    make_lease (&lease, 7, "early", "echo ran > /dev/null");
    send_msg (raw, id, idlen, &lease);
    fo_msg cancel = { .type = FO_MSG_CANCEL, .u.cancel = { .lease = 12345, .reason = "nothing" } };
    send_msg (raw, id, idlen, &cancel);

    fo_msg welcome = { .type = FO_MSG_WELCOME };
    welcome.u.welcome = (fo_welcome) { .broker_id = "hostile", .heartbeat_ms = 500, .liveness = 10 };
    send_msg (raw, id, idlen, &welcome);
    got = expect (raw, true, id, &idlen, FO_MSG_REQUEST, &msg, WAIT_MS);
    check (got, "the agent asks for work after the welcome");
    if (got)
        fo_msg_free (&msg);
    send_msg (raw, id, idlen, &welcome);            /* twice: ignored */

    /* A real lease still runs after all that. */
    make_lease (&lease, 8, "t1", "exit 0");
    send_msg (raw, id, idlen, &lease);
    fo_outcome outcome = FO_NOT_RUN;
    got = await_lease (raw, 8, &outcome, WAIT_MS);
    check (got && outcome == FO_PASSED, "lease 8 runs and passes (the early lease 7 never ran)");

    /* Cancel works. */
    make_lease (&lease, 9, "t2", "sleep 30");
    send_msg (raw, id, idlen, &lease);
    zclock_sleep (300);
    cancel.u.cancel.lease = 9;
    cancel.u.cancel.reason = "hostile cancel";
    send_msg (raw, id, idlen, &cancel);
    got = await_lease (raw, 9, &outcome, WAIT_MS);
    check (got && outcome == FO_NOT_RUN, "a cancelled lease ends not_run");

    /* An oversized frame: the agent's ZeroMQ drops the connection; the agent
       treats it as a lost broker and joins again with a new hello. */
    send_oversized (raw, id, idlen);
    got = expect (raw, true, id, &idlen, FO_MSG_HELLO, &msg, WAIT_MS);
    check (got, "after an oversized frame the agent comes back with a new hello");
    if (!got)
        return 1;
    fo_msg_free (&msg);
    send_msg (raw, id, idlen, &welcome);

    /* Another protocol version: the agent must leave, saying why (the
       script checks its exit status and message). */
    zclock_sleep (300);
    send_crafted (raw, id, idlen, 99, "heartbeat", NULL, NULL);
    zclock_sleep (1000);
    fo_step_free (&step);
    zsock_destroy (&s);
    printf ("done: %d failed check(s)\n", failures);
    return failures ? 1 : 0;
}

int
main (int argc, char **argv)
{
    zsys_handler_set (NULL);
    srand (42);
    if (argc == 3 && strcmp (argv[1], "agent") == 0)
        return attack_broker (argv[2]);
    if (argc == 3 && strcmp (argv[1], "broker") == 0)
        return attack_agent (argv[2]);
    if (argc == 4 && strcmp (argv[1], "flood-results") == 0 && atoi (argv[3]) > 0)
        return flood_results (argv[2], (unsigned) atoi (argv[3]));
    if (argc == 5 && strcmp (argv[1], "flood-hellos") == 0 && atoi (argv[3]) > 0
        && atoi (argv[4]) > 0)
        return flood_hellos (argv[2], (unsigned) atoi (argv[3]), (unsigned) atoi (argv[4]));
    fprintf (stderr, "usage: fo_hostile agent ENDPOINT | fo_hostile broker ENDPOINT\n"
             "       fo_hostile flood-results ENDPOINT N\n"
             "       fo_hostile flood-hellos ENDPOINT N CONNECTIONS\n");
    return 2;
}
