/*  fuzz_ctest_json — libFuzzer target for the CTest source's json-v1
    reader (fo_ctest_parse: what `ctest --show-only=json-v1` prints, from a
    build tree that may be anyone's).

    Any input must either be refused with one line "ctest json-v1: ..."
    and an empty list, or give a list that keeps the reader's promises:
    at most FO_CTEST_MAX_TESTS tests, each with a name no other test has,
    a skip code of -1 or 0..255, at least one processor, and every string
    there. Then the list is added to an empty suite without label filters
    (fo_ctest_add: names, env and its modifications, fixtures and locks
    grouped into units), which must either succeed or say why in one
    line. Expressions are not compiled by the reader; the adding does
    (regcomp), within the input's size. The sanitizers in the build catch
    overflows, leaks and undefined behaviour.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_ctest.h"
#include "fo_import_ctest.h"
#include "fo_suite.h"

static void
die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_ctest_json: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

static void
check_line (const char *err, const char *prefix)
{
    if (prefix && strncmp (err, prefix, strlen (prefix)) != 0)
        die ("a refusal without its prefix", err);
    if (!*err || strchr (err, '\n'))
        die ("a refusal that is not one line", err);
}

static fo_suite *
empty_suite (void)
{
    char err[256];
    fo_suite *suite = fo_suite_load_buffer ("/tmp/fuzz.yml", "{}", 2, err, sizeof err);
    if (!suite)
        die ("no empty suite", err);
    return suite;
}

int LLVMFuzzerTestOneInput (const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
    fo_ctest_list list;
    char err[512] = "";
    if (fo_ctest_parse ((const char *) data, size, &list, err, sizeof err) != 0) {
        check_line (err, "ctest json-v1: ");
        if (list.len != 0 || list.items)
            die ("a refusal that keeps tests", err);
        return 0;
    }
    if (list.len > FO_CTEST_MAX_TESTS)
        die ("more tests than allowed", NULL);
    for (size_t i = 0; i < list.len; i++) {
        const fo_ctest_test *t = &list.items[i];
        if (!t->name)
            die ("a test without a name", NULL);
        if (fo_ctest_find (&list, t->name) != i)
            die ("a name twice", t->name);
        if (t->skip_code < -1 || t->skip_code > 255)
            die ("a skip code out of range", t->name);
        if (t->processors < 1)
            die ("no processor", t->name);
        const fo_strv *lists[] = { &t->command, &t->env, &t->env_mod, &t->pass, &t->fail,
                                   &t->skip, &t->labels, &t->fixtures_setup,
                                   &t->fixtures_cleanup, &t->fixtures_required,
                                   &t->resource_lock, &t->depends };
        for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
            for (size_t j = 0; j < lists[k]->len; j++)
                if (!lists[k]->items[j] || strlen (lists[k]->items[j]) > FO_CTEST_MAX_STRING)
                    die ("a string missing or too long", t->name);
    }
    fo_suite *suite = empty_suite ();
    if (fo_ctest_add (suite->root, &list, NULL, "/build", err, sizeof err) != 0)
        check_line (err, NULL);
    else if (fo_suite_count_tests (suite) != list.len)
        die ("tests lost or added on the way into the suite", NULL);
    fo_suite_destroy (&suite);
    fo_ctest_list_free (&list);
    return 0;
}
