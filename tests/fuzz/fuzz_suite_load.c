/*  fuzz_suite_load — libFuzzer target for the suite-file loader
    (fo_suite_load_buffer: the same code as a file, without the file).

    Any input must either be refused with one line "fuzz.yml[:line:column]:
    message" that holds no control character, or load into a tree that
    keeps the model's promises: every name follows fo_name_check, every id
    is its context's id and its name joined by "/", the index finds every
    test and context under its own id, and selecting one test by its id
    keeps exactly it. The input is also taken as a name: the name rule and
    the escaping of messages must agree (an accepted name needs no escape).
    Inputs of odd length are parsed on a thread (fo_yaml_pump.h), the
    others in the loader's own thread.
    The limits keep each input to bounded time and memory; the sanitizers
    in the build catch overflows, leaks and undefined behaviour.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_suite.h"

#define PATH "fuzz.yml"

static void
die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_suite_load: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

static void
check_error (const char *err)
{
    if (strncmp (err, PATH ":", strlen (PATH ":")) != 0)
        die ("a refusal that does not name the file", err);
    for (const unsigned char *p = (const unsigned char *) err; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
            die ("a refusal with a control character", err);
}

/* Every test and context: its name valid, its id built from its parent's,
   and the index pointing back at it. Returns the number of tests. */
static size_t
check_tree (const fo_suite *suite, const fo_context *ctx, unsigned depth)
{
    char why[512];
    if (depth > FO_SUITE_MAX_DEPTH)
        die ("contexts nest past the limit", ctx->id);
    if (ctx->parent) {
        if (!fo_name_check ("context", ctx->name, strlen (ctx->name), why, sizeof why))
            die ("a context name past the rule", why);
        if (fo_suite_find_context (suite, ctx->id) != ctx)
            die ("the index does not find a context by its id", ctx->id);
    }
    size_t n = ctx->ntests;
    for (size_t i = 0; i < ctx->ntests; i++) {
        const fo_test *test = ctx->tests[i];
        if (!fo_name_check ("test", test->name, strlen (test->name), why, sizeof why))
            die ("a test name past the rule", why);
        size_t plen = strlen (ctx->id), nlen = strlen (test->name);
        if (plen ? strlen (test->id) != plen + 1 + nlen || strncmp (test->id, ctx->id, plen)
                       || test->id[plen] != '/' || strcmp (test->id + plen + 1, test->name)
                 : strcmp (test->id, test->name))
            die ("a test id that is not its context's id and its name", test->id);
        if (fo_suite_find_test (suite, test->id) != test)
            die ("the index does not find a test by its id (or two tests share it)", test->id);
        if (test->parent != ctx || test->run.argv.len == 0)
            die ("a test without its parent or its command", test->id);
        const fo_strv *labels = fo_test_labels (test);
        if (labels->len > FO_SUITE_MAX_LABELS)
            die ("a test with more labels than the limit", test->id);
        for (size_t k = 0; k < labels->len; k++)
            if (!fo_test_has_label (test, labels->items[k])
                || strlen (labels->items[k]) > FO_SUITE_MAX_LABEL
                || !fo_name_check ("label", labels->items[k],
                                   strlen (labels->items[k]), why, sizeof why))
                die ("a label past the rule", test->id);
    }
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        if (ctx->contexts[i]->parent != ctx)
            die ("a context without its parent", ctx->contexts[i]->id);
        n += check_tree (suite, ctx->contexts[i], depth + 1);
    }
    return n;
}

static const fo_test *
first_test (const fo_context *ctx)
{
    if (ctx->ntests)
        return ctx->tests[0];
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        const fo_test *t = first_test (ctx->contexts[i]);
        if (t)
            return t;
    }
    return NULL;
}

static void
check_name_rule (const uint8_t *data, size_t size)
{
    char why[512];
    if (!fo_name_check ("test", (const char *) data, size, why, sizeof why))
        return;
    fo_buf shown = { 0 };
    fo_name_escape (&shown, (const char *) data, size, size);
    if (shown.len != size || memcmp (shown.data, data, size) != 0)
        die ("an accepted name that messages would escape", NULL);
    fo_buf_free (&shown);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* the loader's threshold for parsing on a thread (fo_yaml_pump.h) */
extern size_t fo_yaml_pump_thread_min;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    check_name_rule (data, size);

    /* half the inputs parsed on a thread of their own, as a large file
       is: both ways must read the same */
    fo_yaml_pump_thread_min = size % 2 ? 0 : SIZE_MAX;
    char err[1024] = "";
    fo_suite *suite = fo_suite_load_buffer (PATH, data, size, err, sizeof err);
    if (!suite) {
        check_error (err);
        return 0;
    }
    size_t n = check_tree (suite, suite->root, 0);
    if (n != fo_suite_count_tests (suite))
        die ("the tree's tests and the count disagree", NULL);
    const fo_test *test = first_test (suite->root);
    if (test) {
        char *id = fo_xstrdup (test->id);
        const char *ids[] = { id };
        /* a context may have the same id: it is chosen too */
        bool also_context = fo_suite_find_context (suite, id) != NULL;
        if (fo_suite_select (suite, ids, 1, err, sizeof err) != 0)
            die ("a test's own id selects nothing", err);
        if (!fo_suite_find_test (suite, id) || (!also_context && fo_suite_count_tests (suite) != 1))
            die ("selecting one test by its id did not keep exactly it", id);
        free (id);
    }
    fo_suite_destroy (&suite);
    return 0;
}
