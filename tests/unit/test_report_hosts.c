/*  test_report_hosts — hosts judged apart from their tests
    (fo_report_hosts.h): per-host tries, failures, crashes, lost leases and
    busy time from the tries the report records; the suspect rule at its
    edges; the summary's lines (a bad host, a test flaky on one host). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_report.h"
#include "fo_report_hosts.h"

static fo_test_result_view
try_on (const char *host, fo_outcome outcome, uint32_t attempt)
{
    return (fo_test_result_view) { .outcome = outcome, .duration_us = 1000, .host = host,
                                   .worker = 1, .attempt = attempt };
}

/* ntests tests "t0".., each run once on host with outcome. */
static fo_report *
report_new (size_t ntests)
{
    fo_report *r = fo_report_new (ntests);
    for (size_t i = 0; i < ntests; i++) {
        char id[32];
        snprintf (id, sizeof id, "t%zu", i);
        fo_report_set_test (r, i, id, "");
    }
    return r;
}

static void
test_counts (void **state)
{
    (void) state;
    fo_report *r = report_new (4);
    fo_test_result_view v = try_on ("h1", FO_FAILED, 1);
    assert_true (fo_report_retry_test (r, 0, &v));          /* held try: counts */
    v = try_on ("h2", FO_PASSED, 1);
    assert_true (fo_report_finish_test (r, 0, &v));
    v = try_on ("h1", FO_CRASHED, 1);
    assert_true (fo_report_finish_test (r, 1, &v));
    v = try_on ("h2", FO_NOT_RUN, 0);                       /* never ran: no try */
    assert_true (fo_report_finish_test (r, 2, &v));
    v = try_on (NULL, FO_PASSED, 1);                        /* no host: none counted */
    assert_true (fo_report_finish_test (r, 3, &v));
    fo_report_host_lost_lease (r, "h3");
    fo_report_host_lost_lease (r, "h3");

    assert_int_equal (fo_report_nhosts (r), 3);
    const fo_host_stats *h1 = fo_report_find_host (r, "h1");
    const fo_host_stats *h2 = fo_report_find_host (r, "h2");
    const fo_host_stats *h3 = fo_report_find_host (r, "h3");
    assert_non_null (h1);
    assert_int_equal (h1->tries, 2);
    assert_int_equal (h1->failures, 2);
    assert_int_equal (h1->crashes, 1);
    assert_int_equal (h1->busy_us, 2000);
    assert_int_equal (h2->tries, 1);
    assert_int_equal (h2->failures, 0);
    assert_int_equal (h3->tries, 0);
    assert_int_equal (h3->lost_leases, 2);
    assert_ptr_equal (fo_report_host (r, 0), h1);            /* in the order seen */
    assert_null (fo_report_host (r, 3));
    assert_null (fo_report_find_host (r, "h4"));
    assert_int_equal (fo_report_host_tries_elsewhere (r, h1), 1);
    assert_int_equal (fo_report_host_failures_elsewhere (r, h2), 2);
    fo_report_destroy (&r);
}

/* Each of `tries` tests once on host: the first `fails` fail. */
static size_t
run_on (fo_report *r, size_t first, const char *host, size_t tries, size_t fails)
{
    for (size_t i = 0; i < tries; i++) {
        fo_test_result_view v = try_on (host, i < fails ? FO_FAILED : FO_PASSED, 1);
        assert_true (fo_report_finish_test (r, first + i, &v));
    }
    return first + tries;
}

static bool
suspect (fo_report *r, const char *host)
{
    return fo_report_host_suspect (r, fo_report_find_host (r, host));
}

static void
test_suspect_rule (void **state)
{
    (void) state;
    /* 3 of 4 failed on bad, 1 of 8 elsewhere: 0.75 >= 4 x 0.125. */
    fo_report *r = report_new (64);
    size_t n = run_on (r, 0, "bad", 4, 3);
    n = run_on (r, n, "good", 8, 1);
    assert_true (suspect (r, "bad"));
    assert_false (suspect (r, "good"));
    fo_report_destroy (&r);

    /* 2 failures are too few, whatever the rates. */
    r = report_new (64);
    n = run_on (r, 0, "bad", 2, 2);
    n = run_on (r, n, "good", 8, 0);
    assert_false (suspect (r, "bad"));
    fo_report_destroy (&r);

    /* Under half of its tries failed. */
    r = report_new (64);
    n = run_on (r, 0, "bad", 7, 3);
    n = run_on (r, n, "good", 8, 0);
    assert_false (suspect (r, "bad"));
    fo_report_destroy (&r);

    /* Not 4 times the others' rate: 3/4 against 2/8 (3x). */
    r = report_new (64);
    n = run_on (r, 0, "bad", 4, 3);
    n = run_on (r, n, "good", 8, 2);
    assert_false (suspect (r, "bad"));
    fo_report_destroy (&r);

    /* Exactly 4 times: 3/4 against 3/16. */
    r = report_new (64);
    n = run_on (r, 0, "bad", 4, 3);
    n = run_on (r, n, "good", 16, 3);
    assert_true (suspect (r, "bad"));
    fo_report_destroy (&r);

    /* Alone, or with too few tries elsewhere: nothing to compare with. */
    r = report_new (64);
    n = run_on (r, 0, "only", 10, 10);
    assert_false (suspect (r, "only"));
    n = run_on (r, n, "other", 2, 0);
    assert_false (suspect (r, "only"));
    n = run_on (r, n, "other", 1, 0);
    assert_true (suspect (r, "only"));
    fo_report_destroy (&r);
}

static char *
summary_of (const fo_report *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&text, &len);
    assert_non_null (out);
    fo_report_print_hosts (out, r);
    fclose (out);
    return text;
}

static void
test_summary_lines (void **state)
{
    (void) state;
    fo_report *r = report_new (16);
    /* t0..t3 fail on bad, pass on good on retry (flaky on bad); t4..t11
       pass on good. */
    for (size_t i = 0; i < 4; i++) {
        fo_test_result_view v = try_on ("bad", FO_FAILED, 1);
        assert_true (fo_report_retry_test (r, i, &v));
        v = try_on ("good", FO_PASSED, 2);
        assert_true (fo_report_finish_test (r, i, &v));
    }
    run_on (r, 4, "good", 8, 0);
    /* t12: failed on good and on bad, passed on good: not one host's. */
    fo_test_result_view v = try_on ("good", FO_FAILED, 1);
    assert_true (fo_report_retry_test (r, 12, &v));
    v = try_on ("bad", FO_FAILED, 2);
    assert_true (fo_report_retry_test (r, 12, &v));
    v = try_on ("good", FO_PASSED, 3);
    assert_true (fo_report_finish_test (r, 12, &v));
    fo_report_host_set_quarantined (r, "bad");

    char *text = summary_of (r);
    assert_string_equal (text,
        "host bad looks bad: 5 of 5 tries failed there, 1 of 14 on the other hosts "
        "(quarantined: no more leases went to it)\n"
        "flaky on bad: t0 (failed there, passed on good)\n"
        "flaky on bad: t1 (failed there, passed on good)\n"
        "flaky on bad: t2 (failed there, passed on good)\n"
        "flaky on bad: t3 (failed there, passed on good)\n");
    free (text);
    fo_report_destroy (&r);

    /* Nothing to say: nothing printed. */
    r = report_new (4);
    run_on (r, 0, "good", 4, 1);
    text = summary_of (r);
    assert_string_equal (text, "");
    free (text);
    fo_report_destroy (&r);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_counts),
        cmocka_unit_test (test_suspect_rule),
        cmocka_unit_test (test_summary_lines),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
