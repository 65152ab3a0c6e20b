/*  Tests for fo_parse (lib/base): the one rule for a number of seconds,
    shared by the suite file's `timeout:` and the command line's and the
    environment's seconds (docs/timeouts-and-failures.md, "Seconds"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fo_parse.h"

static void
expect_ms (const char *s, uint32_t want)
{
    uint32_t ms = 12345;
    if (fo_parse_seconds (s, &ms) != FO_SECONDS_OK)
        fail_msg ("'%s' was refused", s);
    if (ms != want)
        fail_msg ("'%s' gave %u ms, expected %u", s, ms, want);
}

static void
expect_status (const char *s, fo_seconds_status want)
{
    uint32_t ms = 12345;
    fo_seconds_status got = fo_parse_seconds (s, &ms);
    if (got != want)
        fail_msg ("'%s' gave status %d, expected %d", s, (int) got, (int) want);
    assert_int_equal (ms, 12345);       /* untouched when refused */
}

static void
test_whole_and_decimal (void **state)
{
    (void) state;
    expect_ms ("0", 0);
    expect_ms ("30", 30000);
    expect_ms ("0.5", 500);
    expect_ms ("5.", 5000);
    expect_ms (".5", 500);
    expect_ms ("007", 7000);
    expect_ms ("1.25", 1250);
    expect_ms ("0.000", 0);
    expect_ms ("00000000000000000000000000000001", 1000);
}

/* Exact decimals: no binary rounding on the way ("2.007" as a double,
   times 1000, is 2007.0000000000002, which rounded up was 2008). */
static void
test_exact (void **state)
{
    (void) state;
    expect_ms ("2.007", 2007);
    expect_ms ("2.011", 2011);
    expect_ms ("1.1", 1100);
    expect_ms ("0.3", 300);
    expect_ms ("4.35", 4350);
    expect_ms ("0.001", 1);
    expect_ms ("0.0010000000000000000000", 1);
}

/* Up to the next whole millisecond: a positive value is never 0. */
static void
test_rounded_up (void **state)
{
    (void) state;
    expect_ms ("0.0001", 1);
    expect_ms ("0.0000000000000000000001", 1);
    expect_ms ("0.0011", 2);
    expect_ms ("1.2345", 1235);
    expect_ms ("0.9999", 1000);
}

static void
test_limit (void **state)
{
    (void) state;
    expect_ms ("4294967", 4294967000u);
    expect_ms ("4294967.000", 4294967000u);
    expect_status ("4294967.0001", FO_SECONDS_TOO_BIG);
    expect_status ("4294967.001", FO_SECONDS_TOO_BIG);
    expect_status ("4294968", FO_SECONDS_TOO_BIG);
    expect_status ("5000000", FO_SECONDS_TOO_BIG);
    expect_status ("99999999999999999999999999999999", FO_SECONDS_TOO_BIG);
}

/* Nothing strtod would take beyond digits and one point. */
static void
test_refused (void **state)
{
    (void) state;
    const char *bad[] = {
        "", ".", "..", "1.2.3", "1..", "-1", "+1", "-0", " 1", "1 ", "1\n", "1e3", "1E3", "inf",
        "INF", "nan", "0x10", "1s", "1,5", "\xd9\xa1", "99999999999999999999x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_status (bad[i], FO_SECONDS_BAD);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_whole_and_decimal),
        cmocka_unit_test (test_exact),
        cmocka_unit_test (test_rounded_up),
        cmocka_unit_test (test_limit),
        cmocka_unit_test (test_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
