/*  Tests for fo_log_peer: the rate limit per kind and peer that keeps a
    hostile peer from flooding the log, on a fake clock and a captured
    stream (fo_log_set_stream, fo_log_limit_reset). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fo_log.h"

static uint64_t fake_now;
static FILE *captured;

static uint64_t
now_ms (void)
{
    return fake_now;
}

static int
setup (void **state)
{
    (void) state;
    fake_now = 1000000;
    captured = tmpfile ();
    assert_non_null (captured);
    fo_log_set_stream (captured);
    fo_log_set_level (FO_LOG_INFO);
    fo_log_limit_reset (now_ms);
    return 0;
}

static int
teardown (void **state)
{
    (void) state;
    fo_log_set_stream (NULL);
    fo_log_limit_reset (NULL);
    fclose (captured);
    return 0;
}

/* The lines printed since the last call, joined; their number in *n. */
static char *
drain (size_t *n)
{
    static char text[1 << 20];
    long end = ftell (captured);
    rewind (captured);
    size_t len = fread (text, 1, (size_t) end, captured);
    text[len] = '\0';
    rewind (captured);
    assert_int_equal (ftruncate (fileno (captured), 0), 0);
    *n = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            (*n)++;
    return text;
}

/* Of the lines in text: how many were printed as they came, and how many
   the "N more lines like" lines count as suppressed. */
static void
tally (char *text, size_t *printed, size_t *counted)
{
    *printed = *counted = 0;
    for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n")) {
        unsigned long c;
        if (sscanf (line, "fanout broker: info: %lu more lines like", &c) == 1)
            *counted += c;
        else
            (*printed)++;
    }
}

static void
forged (const char *peer, unsigned lease)
{
    fo_log_peer (FO_LOG_INFO, "broker", peer, "discarded a result for lease %u", lease);
}

static void
test_burst_then_one_per_interval (void **state)
{
    (void) state;
    size_t n;
    for (unsigned i = 0; i < 1000; i++)
        forged ("agent evil on h1", i);
    char *text = drain (&n);
    assert_int_equal (n, FO_LOG_BURST);
    assert_non_null (strstr (text, "fanout broker: info: discarded a result for lease 0\n"));
    assert_non_null (strstr (text, "discarded a result for lease 4\n"));
    assert_null (strstr (text, "lease 5\n"));

    /* An interval later: one line again, after the count of the others. */
    fake_now += FO_LOG_INTERVAL_S * 1000;
    forged ("agent evil on h1", 1000);
    text = drain (&n);
    assert_int_equal (n, 2);
    assert_non_null (strstr (text, "fanout broker: info: 995 more lines like \"discarded a result "
                                   "for lease 999\" from agent evil on h1 suppressed in the last "
                                   "10 s\n"));
    assert_non_null (strstr (text, "lease 1000\n"));
    assert_true (strstr (text, "995 more") < strstr (text, "lease 1000\n"));
    forged ("agent evil on h1", 1001);
    drain (&n);
    assert_int_equal (n, 0);
}

static void
test_peers_and_kinds_apart (void **state)
{
    (void) state;
    size_t n;
    for (unsigned i = 0; i < 100; i++) {
        forged ("agent a on h1", i);
        forged ("agent b on h2", i);
        fo_log_peer (FO_LOG_WARN, "broker", "agent a on h1", "sent a %s message", "lease");
    }
    char *text = drain (&n);
    assert_int_equal (n, 3 * FO_LOG_BURST);
    assert_non_null (strstr (text, "warning: sent a lease message\n"));
    fo_log_flush ();
    text = drain (&n);
    assert_int_equal (n, 3);
    assert_non_null (strstr (text, "95 more lines like \"discarded a result for lease 99\" from "
                                   "agent a on h1 suppressed"));
    assert_non_null (strstr (text, "from agent b on h2 suppressed"));
    assert_non_null (strstr (text, "warning: 95 more lines like \"sent a lease message\" from "
                                   "agent a on h1"));
    fo_log_flush ();
    drain (&n);
    assert_int_equal (n, 0);
}

/* A peer can invent names without end: their lines come out of their
   kind's budget, and the table of keys stays the same size. */
static void
test_invented_peers (void **state)
{
    (void) state;
    size_t n;
    char peer[64];
    for (unsigned i = 0; i < 100000; i++) {
        snprintf (peer, sizeof peer, "agent flood-%u on h", i);
        fo_log_peer (FO_LOG_INFO, "broker", peer, "agent %s joined", peer);
        if (i % 1000 == 999)
            fake_now += 500;    /* 50 s in all */
    }
    fo_log_flush ();
    char *text = drain (&n);
    /* The kind's burst, one line per interval after it, and one count per
       interval (the sweep) plus the last one (the flush). */
    unsigned intervals = 50 / FO_LOG_INTERVAL_S;
    assert_true (n <= FO_LOG_KIND_BURST + 2 * intervals + 1);
    assert_true (n >= FO_LOG_KIND_BURST + 1);
    assert_non_null (strstr (text, "agent flood-0 on h joined\n"));
    assert_non_null (strstr (text, "from several peers suppressed in the last "));
    /* Every line is accounted for: printed, or counted in a summary. */
    size_t printed, counted;
    tally (text, &printed, &counted);
    assert_int_equal (printed + counted, 100000);
}

/* More peers than keys: the least recently used key is forgotten, its
   count printed first; nothing is lost and nothing grows. */
static void
test_table_bounded (void **state)
{
    (void) state;
    size_t n;
    char peer[64];
    for (unsigned i = 0; i < 3 * FO_LOG_PEERS; i++) {
        snprintf (peer, sizeof peer, "agent p%u", i);
        for (unsigned k = 0; k < FO_LOG_BURST + 3; k++)
            forged (peer, k);
        /* Each new peer's first line spends a token of its kind: refill. */
        fake_now += FO_LOG_INTERVAL_S * 1000;
    }
    fo_log_flush ();
    char *text = drain (&n);
    size_t printed, counted;
    tally (text, &printed, &counted);
    assert_int_equal (printed, 3 * FO_LOG_PEERS * FO_LOG_BURST);
    assert_int_equal (counted, 3 * FO_LOG_PEERS * 3);
}

/* A flood that stopped is reported on a later line of any kind, once its
   interval is over. */
static void
test_sweep (void **state)
{
    (void) state;
    size_t n;
    for (unsigned i = 0; i < 50; i++)
        fo_log_peer (FO_LOG_WARN, "broker", NULL, "dropped a bad message (%u so far)", i + 1);
    char *text = drain (&n);
    assert_int_equal (n, FO_LOG_KIND_BURST);
    fake_now += FO_LOG_INTERVAL_S * 1000 - 1;
    fo_log (FO_LOG_WARN, "broker", "unrelated");
    fo_log_peer (FO_LOG_INFO, "broker", "x", "other kind");
    drain (&n);
    assert_int_equal (n, 2);
    /* The check runs once a second at most. */
    fake_now += 1000;
    fo_log_peer (FO_LOG_INFO, "broker", "x", "other kind");
    text = drain (&n);
    assert_int_equal (n, 2);
    assert_non_null (strstr (text, "warning: 30 more lines like \"dropped a bad message (50 so "
                                   "far)\" suppressed in the last 11 s\n"));
}

static void
test_filtered_and_sanitised (void **state)
{
    (void) state;
    size_t n;
    fo_log_set_level (FO_LOG_WARN);
    for (unsigned i = 0; i < 100; i++)
        forged ("agent a", i);
    fo_log_flush ();
    drain (&n);
    assert_int_equal (n, 0);        /* below the level: neither printed nor counted */
    fo_log_peer (FO_LOG_WARN, "broker", "agent \n\x1b[2J", "refused agent '%s'",
                 "x\nfanout broker: info: forged\r");
    fo_log (FO_LOG_WARN, "agent", "tab\there");
    char *text = drain (&n);
    assert_int_equal (n, 2);
    assert_string_equal (text, "fanout broker: warning: refused agent 'x?fanout broker: info: "
                               "forged?'\nfanout agent: warning: tab?here\n");
    /* A long line is quoted shortened in its count. */
    char long_name[300];
    memset (long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    for (unsigned i = 0; i < FO_LOG_KIND_BURST + 1; i++)
        fo_log_peer (FO_LOG_WARN, "broker", NULL, "long %s", long_name);
    drain (&n);
    fo_log_flush ();
    text = drain (&n);
    assert_int_equal (n, 1);
    assert_non_null (strstr (text, "1 more line like \"long nnn"));
    assert_non_null (strstr (text, "nnn...\" suppressed"));
    assert_true (strlen (text) < 200);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_burst_then_one_per_interval, setup, teardown),
        cmocka_unit_test_setup_teardown (test_peers_and_kinds_apart, setup, teardown),
        cmocka_unit_test_setup_teardown (test_invented_peers, setup, teardown),
        cmocka_unit_test_setup_teardown (test_table_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown (test_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown (test_filtered_and_sanitised, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
