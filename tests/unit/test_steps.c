/*  Tests for fo_steps: the scope rule broker and agent share. Leases are
    written as strings: "+A" a setup, "-A" a teardown, "t" a test step, and
    a span after a colon ("+A:3"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_steps.h"

#define MAX_STEPS 16

typedef struct {
    fo_step steps[MAX_STEPS];
    size_t n;
} lease_steps;

/* Parses "+A:3 t t -A:3": names point into a static copy of the text. */
static void
parse (lease_steps *l, const char *text)
{
    static char buf[256];
    snprintf (buf, sizeof buf, "%s", text);
    memset (l, 0, sizeof *l);
    for (char *tok = strtok (buf, " "); tok; tok = strtok (NULL, " ")) {
        assert_true (l->n < MAX_STEPS);
        fo_step *s = &l->steps[l->n++];
        s->kind = tok[0] == '+' ? FO_STEP_SETUP : tok[0] == '-' ? FO_STEP_TEARDOWN : FO_STEP_TEST;
        char *colon = strchr (tok, ':');
        if (colon) {
            *colon = '\0';
            s->span = (uint32_t) atoi (colon + 1);
        }
        s->name = s->kind == FO_STEP_TEST ? tok : tok + 1;
    }
}

static char *
render (const fo_step *steps, size_t n)
{
    fo_buf buf = { 0 };
    for (size_t i = 0; i < n; i++) {
        const fo_step *s = &steps[i];
        fo_buf_printf (&buf, "%s%s%s", i ? " " : "",
                       s->kind == FO_STEP_SETUP ? "+" : s->kind == FO_STEP_TEARDOWN ? "-" : "",
                       s->name);
        if (s->kind != FO_STEP_TEST)
            fo_buf_printf (&buf, ":%u", s->span);
    }
    char *out = fo_xstrdup (buf.data ? buf.data : "");
    fo_buf_free (&buf);
    return out;
}

/*  +A +B t1 -B t2 -A t3: A covers 1..5, B covers 2..3. */
static void
test_covers (void **state)
{
    (void) state;
    lease_steps l;
    parse (&l, "+A:5 +B:2 t1 -B:2 t2 -A:5 t3");
    for (size_t s = 0; s < l.n; s++) {
        assert_int_equal (fo_steps_covers (l.steps, l.n, 0, s), s >= 1 && s <= 5);
        assert_int_equal (fo_steps_covers (l.steps, l.n, 1, s), s >= 2 && s <= 3);
        assert_int_equal (fo_steps_covers (l.steps, l.n, 3, s), s >= 1 && s <= 2);
        assert_int_equal (fo_steps_covers (l.steps, l.n, 5, s), s <= 4);
        assert_false (fo_steps_covers (l.steps, l.n, 2, s));     /* a test covers nothing */
        assert_false (fo_steps_covers (l.steps, l.n, 6, s));
    }
    assert_false (fo_steps_covers (l.steps, l.n, 0, 99));      /* out of range */
    assert_false (fo_steps_covers (l.steps, l.n, 99, 1));
}

static void
test_scope_end_and_setup_of (void **state)
{
    (void) state;
    lease_steps l;
    /* C has a setup only, D a teardown only, inside unit A. */
    parse (&l, "+A:6 +C:2 t1 t2 t3 -D:1 -A:6 t4");
    assert_int_equal (fo_steps_scope_end (l.steps, l.n, 0), 7);
    assert_int_equal (fo_steps_scope_end (l.steps, l.n, 1), 4);
    assert_int_equal (fo_steps_scope_end (l.steps, l.n, 2), 3);    /* not a setup */
    assert_int_equal (fo_steps_setup_of (l.steps, l.n, 6), 0);
    assert_int_equal (fo_steps_setup_of (l.steps, l.n, 5), FO_STEPS_NONE);   /* no setup */
    assert_int_equal (fo_steps_setup_of (l.steps, l.n, 1), FO_STEPS_NONE);   /* not a teardown */

    /* A teardown-only context whose scope starts with a child's setup: that
       setup is not its own. */
    parse (&l, "+B:1 t1 -A:2");
    assert_int_equal (fo_steps_setup_of (l.steps, l.n, 2), FO_STEPS_NONE);
}

static void
expect_subset (const char *lease, const char *keep_tests, const char *want)
{
    lease_steps l;
    parse (&l, lease);
    bool keep[MAX_STEPS] = { 0 };
    for (size_t i = 0; i < l.n; i++)
        keep[i] = l.steps[i].kind == FO_STEP_TEST && strstr (keep_tests, l.steps[i].name);
    fo_step out[MAX_STEPS];
    size_t n = fo_steps_subset (l.steps, l.n, keep, out);
    char *got = render (out, n);
    assert_string_equal (got, want);
    free (got);
}

/* A retry keeps the failed tests inside the fixtures that cover them, with
   their spans counted again. */
static void
test_subset (void **state)
{
    (void) state;
    const char *lease = "+A:8 t1 +B:2 t2 -B:2 +C:1 t3 t4 -A:8";
    expect_subset (lease, "t1", "+A:2 t1 -A:2");
    expect_subset (lease, "t2", "+A:4 +B:2 t2 -B:2 -A:4");
    expect_subset (lease, "t3", "+A:3 +C:1 t3 -A:3");
    expect_subset (lease, "t4", "+A:2 t4 -A:2");
    expect_subset (lease, "t1 t2 t3 t4", lease);
    expect_subset (lease, "none", "");
    /* teardown-only and no fixtures at all */
    expect_subset ("t1 t2 -D:2 t3", "t2", "t2 -D:1");
    expect_subset ("t1 t2 t3", "t1 t3", "t1 t3");
    fo_step none[1];
    assert_int_equal (fo_steps_subset (NULL, 0, NULL, none), 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_covers),
        cmocka_unit_test (test_scope_end_and_setup_of),
        cmocka_unit_test (test_subset),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
