/* A cmocka test program for the `cmocka` source's tests
   (test_sources.sh): two groups, whose tests pass, skip, fail or crash as
   CMOCKA_PROG says ("pass", "skip", "fail", "crash"), so that fanout's
   verdict can be checked against what the program itself says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *
mode (void)
{
    const char *m = getenv ("CMOCKA_PROG");
    return m ? m : "pass";
}

static void
always (void **state)
{
    (void) state;
    assert_int_equal (2 + 2, 4);
}

static void
chosen (void **state)
{
    (void) state;
    if (!strcmp (mode (), "skip"))
        skip ();
    if (!strcmp (mode (), "fail"))
        assert_int_equal (1, 2);
    if (!strcmp (mode (), "crash"))
        abort ();
}

int
main (void)
{
    const struct CMUnitTest first[] = { cmocka_unit_test (always), cmocka_unit_test (always) };
    const struct CMUnitTest second[] = { cmocka_unit_test (chosen), cmocka_unit_test (always) };
    int failed = cmocka_run_group_tests_name ("first", first, NULL, NULL);
    failed += cmocka_run_group_tests_name ("second", second, NULL, NULL);
    return failed;
}
