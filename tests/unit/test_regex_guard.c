/*  fo_regex_guard: expressions a test would use compile; those whose
    repetitions would make glibc's regcomp build an exponential tree are
    refused before compiling, at once (the first one took fuzz_ctest_json
    past 2 GiB), with a reason; malformed ones get regcomp's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "fo_read_ctest.h"
#include "fo_regex_guard.h"

static void
expect_compiles (const char *expr)
{
    regex_t re;
    char why[200] = "";
    if (fo_regex_compile (&re, expr, why, sizeof why) != 0)
        fail_msg ("'%s' refused: %s (cost %.0f)", expr, why, fo_regex_cost (expr));
    regfree (&re);
}

static void
expect_too_complex (const char *expr)
{
    regex_t re;
    char why[200] = "";
    if (fo_regex_compile (&re, expr, why, sizeof why) == 0) {
        regfree (&re);
        fail_msg ("'%s' compiled (cost %.0f)", expr, fo_regex_cost (expr));
    }
    assert_non_null (strstr (why, "too complex"));
    assert_false (fo_ctest_regex_valid (expr, NULL, 0));
}

static void
test_usual_expressions (void **state)
{
    (void) state;
    const char *usual[] = {
        "Passed", "^SKIP", "[0-9]+ tests? passed", "all good|fine", "ERROR|FAIL(ED)?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}", "([0-9]{1,3}\\.){3}[0-9]{1,3}", "a{0,}b{2,}",
        "[]a]+", "[^]x]*", "[[:alpha:]_][[:alnum:]_]*", "\\(literal\\)+", "a)",
        "^SKIP+ED", "(a+)+", "((a|b)*c)+d",
    };
    for (size_t i = 0; i < sizeof usual / sizeof *usual; i++) {
        expect_compiles (usual[i]);
        assert_true (fo_ctest_regex_valid (usual[i], NULL, 0));
    }
    assert_true (fo_regex_cost ("[0-9]{4}-[0-9]{2}-[0-9]{2}") < 100);
}

static void
test_explosive_expressions (void **state)
{
    (void) state;
    /* fuzz_ctest_json's: stacked '+' double the tree each */
    expect_too_complex ("all ++++++++++++++++++++++++++++++good");
    expect_too_complex ("((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+");
    expect_too_complex ("(a{100}){100}");
    expect_too_complex ("((x{32}){32}){32}");
    expect_too_complex ("a{1,30000}");
    /* deeper than the groups counted */
    char deep[200];
    memset (deep, '(', 100);
    deep[100] = 'a';
    memset (deep + 101, ')', 98);
    deep[199] = '\0';
    expect_too_complex (deep);
}

static void
test_malformed (void **state)
{
    (void) state;
    regex_t re;
    char why[200] = "";
    assert_int_not_equal (fo_regex_compile (&re, "(", why, sizeof why), 0);
    assert_null (strstr (why, "too complex"));
    assert_true (why[0] != '\0');
    assert_false (fo_ctest_regex_valid ("a[", NULL, 0));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_usual_expressions),
        cmocka_unit_test (test_explosive_expressions),
        cmocka_unit_test (test_malformed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
