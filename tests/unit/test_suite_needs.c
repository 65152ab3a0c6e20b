/*  Tests for what a suite file says a test needs of the cluster
    (docs/resources.md): `locks`, `shared_locks`, `resources`, `requires`
    on tests, contexts and the top level; what a test inherits; and every
    rule and limit, each with its exact "file:line:column: message". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_suite.h"
#include "suite_text.h"

#define NAME "needs.yml"

/* Text loaded under NAME (suite_text.h). */
#define load_ok(text) text_load_ok (NAME, (text))
#define expect_error(text, expected) text_expect_error (NAME, (text), (expected))

static void
test_needs_inherited (void **state)
{
    (void) state;
    fo_suite *s = load_ok (
        "requires: [linux]\n"
        "contexts:\n"
        "  - name: db\n"
        "    locks: [db]\n"
        "    shared_locks: [schema]\n"
        "    resources: {gpu: 2}\n"
        "    tests:\n"
        "      - {name: a, run: 'true', locks: [cache], resources: {gpu: 1, license: 3}}\n"
        "      - {name: b, run: 'true', locks: [schema], requires: [docker, arch=arm64]}\n"
        "tests:\n"
        "  - {name: plain, run: 'true'}\n");
    fo_needs n = { 0 };
    fo_test_effective_needs (fo_suite_find_test (s, "db/a"), &n);
    assert_int_equal (n.locks.len, 2);
    assert_string_equal (n.locks.items[0], "cache");
    assert_string_equal (n.locks.items[1], "db");
    assert_int_equal (n.shared_locks.len, 1);
    assert_int_equal (n.nresources, 2);
    assert_string_equal (n.resources[0].name, "gpu");
    assert_int_equal (n.resources[0].count, 2);      /* the larger count */
    assert_string_equal (n.resources[1].name, "license");
    assert_int_equal (n.resources[1].count, 3);
    assert_int_equal (n.requires.len, 1);
    assert_string_equal (n.requires.items[0], "linux");
    fo_needs_free (&n);

    /* a lock asked both ways, by the test and its context: exclusive only */
    fo_test_effective_needs (fo_suite_find_test (s, "db/b"), &n);
    assert_int_equal (n.locks.len, 2);
    assert_string_equal (n.locks.items[0], "schema");
    assert_int_equal (n.shared_locks.len, 0);
    assert_int_equal (n.requires.len, 3);
    fo_needs_free (&n);

    fo_test_effective_needs (fo_suite_find_test (s, "plain"), &n);
    assert_int_equal (fo_needs_count (&n), 1);
    fo_needs_free (&n);
    fo_suite_destroy (&s);
}

static void
test_needs_errors (void **state)
{
    (void) state;
    expect_error ("tests:\n  - {name: a, run: x, locks: db}\n",
                  "2:30: 'locks' must be a list");
    expect_error ("tests:\n  - {name: a, run: x, locks: [db, db]}\n",
                  "2:35: 'db' is in 'locks' twice");
    expect_error ("tests:\n  - {name: a, run: x, locks: [[db]]}\n",
                  "2:31: an entry of 'locks' must be a string");
    expect_error ("tests:\n  - {name: a, run: x, locks: [\"a\\tb\"]}\n",
                  "2:31: 'a\\x09b' is not a valid entry of 'locks' (1 to 256 bytes, no control "
                  "character)");
    expect_error ("tests:\n  - {name: a, run: x, locks: [db], shared_locks: [db]}\n",
                  "2:50: lock 'db' is in both 'locks' and 'shared_locks'");
    expect_error ("tests:\n  - {name: a, run: x, requires: [has space]}\n",
                  "2:34: 'has space' is not a valid entry of 'requires' (1 to 256 printable "
                  "characters, no space or ',')");
    expect_error ("tests:\n  - {name: a, run: x, resources: [gpu]}\n",
                  "2:34: 'resources' must be a map of NAME: COUNT");
    expect_error ("tests:\n  - {name: a, run: x, resources: {GPU: 1}}\n",
                  "2:35: 'GPU' is not a valid resource name (1 to 64 characters: a lowercase "
                  "letter or '_', then lowercase letters, digits or '_')");
    expect_error ("tests:\n  - {name: a, run: x, resources: {gpu: 0}}\n",
                  "2:40: the count of resource 'gpu' must be an integer from 1 to 1000000");
    expect_error ("tests:\n  - {name: a, run: x, resources: {gpu: 1000001}}\n",
                  "2:40: the count of resource 'gpu' must be an integer from 1 to 1000000");
    expect_error ("tests:\n  - {name: a, run: x, resources: {gpu: 1.5}}\n",
                  "2:40: the count of resource 'gpu' must be an integer from 1 to 1000000");
    expect_error ("tests:\n  - {name: a, run: x, resources: {gpu: 1, gpu: 2}}\n",
                  "2:43: resource 'gpu' is in 'resources' twice");
    expect_error ("tests:\n  - {name: a, run: x, lock: [db]}\n",
                  "2:23: unknown key 'lock' in test (expected one of: name, run, env, cwd, "
                  "timeout, labels, locks, shared_locks, resources, requires)");
}

/* At most FO_NEEDS_MAX entries in one list, and for a test with what it
   inherits: 64 pass, 65 are refused. */
static void
test_needs_limits (void **state)
{
    (void) state;
    fo_buf b = { 0 };
    fo_buf_puts (&b, "contexts:\n  - name: c\n    locks: [");
    for (unsigned i = 0; i < 40; i++)
        fo_buf_printf (&b, "%sc%u", i ? ", " : "", i);
    fo_buf_puts (&b, "]\n    tests:\n      - name: t\n        run: x\n        requires: [");
    for (unsigned i = 0; i < 24; i++)
        fo_buf_printf (&b, "%sl%u", i ? ", " : "", i);
    fo_buf_puts (&b, "]\n");
    fo_suite *s = load_ok (b.data);
    fo_suite_destroy (&s);
    fo_buf_puts (&b, "        locks: [one]\n");
    expect_error (b.data, "5:9: test 'c/t' asks for 65 locks, resources and labels with those "
                  "it inherits (at most 64)");
    fo_buf_free (&b);

    fo_buf_puts (&b, "tests:\n  - name: t\n    run: x\n    shared_locks: [");
    for (unsigned i = 0; i < 65; i++)
        fo_buf_printf (&b, "%ss%u", i ? ", " : "", i);
    fo_buf_puts (&b, "]\n");
    expect_error (b.data, "4:19: 'shared_locks' of test 't' has 65 entries (at most 64)");
    fo_buf_free (&b);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_needs_inherited),
        cmocka_unit_test (test_needs_errors),
        cmocka_unit_test (test_needs_limits),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
