/*  fo_run's joined tests (broker/fo_joined.h), without sockets or
    processes: results for tests a program named as it ran (TAP points)
    become tests of the report under the program's context, each with
    exactly one outcome; names are checked, duplicates and late ones
    dropped, the run's limit holds, and a retried try's points go with it.
    The test plays the agent: it asks for leases and feeds results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_joined.h"
#include "fo_run.h"
#include "run_support.h"

typedef run_world world;

/* A program "prog" (its test "prog/all") and a plain test "plain". */
static void
world_new (world *w, uint32_t retries, uint32_t max_joined)
{
    memset (w, 0, sizeof *w);
    w->suite = hand_suite_new ("/suite");
    fo_context *prog = fo_context_new (w->suite->root, "prog");
    fo_test *all = fo_test_new (prog, "all");
    fo_strv_push (&all->run.argv, "./prog");
    all->reader = FO_READER_TAP;
    fo_test *plain = fo_test_new (w->suite->root, "plain");
    fo_strv_push (&plain->run.argv, "true");
    run_world_start (w, (fo_run_options) {
        .max_attempts = 1, .skip_code = 77, .retries = retries, .max_joined = max_joined,
    });
}

static const fo_test_record *
record (const world *w, const char *id)
{
    return report_record (w->report, id);
}

/* The lease of the program's task. */
static void
program_lease (world *w, fo_lease *l)
{
    assert_true (fo_run_next_lease (w->run, 0, l));
    if (strcmp (l->steps[0].name, "prog/all") != 0) {
        fo_result r = { .lease = l->lease, .step = 0, .test = (char *) "plain",
                        .outcome = FO_PASSED, .out = (char *) "", .err = (char *) "",
                        .message = (char *) "", .host = (char *) "h", .worker = 1 };
        assert_true (fo_run_result (w->run, 0, "h", &r));
        fo_done d = { .lease = l->lease };
        assert_true (fo_run_done (w->run, 0, "h", &d));
        assert_true (fo_run_next_lease (w->run, 0, l));
    }
    assert_string_equal (l->steps[0].name, "prog/all");
}

static bool
send (world *w, const fo_lease *l, const char *test, const char *joined, const char *group,
      fo_outcome outcome, const char *message)
{
    fo_result r = {
        .lease = l->lease, .step = 0, .test = (char *) test, .outcome = outcome,
        .duration_us = 42, .out = (char *) "", .err = (char *) "", .message = (char *) message,
        .host = (char *) "h", .worker = 3, .attempt = l->attempt,
        .joined = (char *) joined, .group = (char *) group,
    };
    return fo_run_result (w->run, 0, "agenthost", &r);
}

static void
assert_all_done (const world *w)
{
    assert_int_equal (fo_report_ntests (w->report), w->plan->ntests);
    for (size_t i = 0; i < fo_report_ntests (w->report); i++)
        if (!fo_report_test (w->report, i)->done)
            fail_msg ("test '%s' has no outcome", fo_report_test (w->report, i)->id);
}

static void
test_joined_tests (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 0);
    fo_lease l;
    program_lease (&w, &l);
    size_t before = fo_report_ntests (w.report);
    assert_true (send (&w, &l, "prog/all", "parses", "", FO_PASSED, ""));
    assert_true (send (&w, &l, "prog/all", "sums", "", FO_FAILED, "expected 3"));
    assert_true (send (&w, &l, "prog/all", "t", "group one", FO_SKIPPED, "why"));
    /* One outcome per id: the same name again is dropped. */
    assert_false (send (&w, &l, "prog/all", "parses", "", FO_FAILED, ""));
    /* A name against the rule, an id that is a suite test's, a test the
       step does not hold: refused. */
    assert_false (send (&w, &l, "prog/all", "bad\x01name", "", FO_PASSED, ""));
    assert_false (send (&w, &l, "prog/all", " x", "", FO_PASSED, ""));
    assert_false (send (&w, &l, "prog/all", "x", "g\x1b", FO_PASSED, ""));
    assert_false (send (&w, &l, "prog/all", "all", "", FO_PASSED, ""));
    assert_false (send (&w, &l, "plain", "x", "", FO_PASSED, ""));
    assert_int_equal (fo_report_ntests (w.report), before + 3);
    assert_int_equal (w.plan->ntests, before + 3);

    const fo_test_record *p = record (&w, "prog/parses");
    assert_true (p->done);
    assert_int_equal (p->outcome, FO_PASSED);
    assert_string_equal (p->context, "prog");
    assert_string_equal (p->host, "agenthost");
    assert_int_equal (p->duration_us, 42);
    assert_int_equal (record (&w, "prog/sums")->outcome, FO_FAILED);
    assert_string_equal (record (&w, "prog/sums")->message, "expected 3");
    const fo_test_record *g = record (&w, "prog/group one/t");
    assert_int_equal (g->outcome, FO_SKIPPED);
    assert_string_equal (g->context, "prog/group one");

    /* The program's own result; a joined one after it is late. */
    assert_true (send (&w, &l, "prog/all", NULL, NULL, FO_FAILED, "1 of 3 failed"));
    assert_false (send (&w, &l, "prog/all", "late", "", FO_PASSED, ""));
    fo_done d = { .lease = l.lease };
    assert_true (fo_run_done (w.run, 0, "h", &d));
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_report_ntests (w.report), before + 3);
    assert_all_done (&w);
    size_t counts[FO_OUTCOME_COUNT];
    fo_report_counts (w.report, counts);
    /* The failing point carries the failure: the program's all keeps its
       outcome but is a summary, left out of the counts (each failing point
       counts once; it was 2 when all counted too). */
    assert_int_equal (counts[FO_FAILED], 1);
    assert_int_equal (record (&w, "prog/all")->outcome, FO_FAILED);
    assert_true (record (&w, "prog/all")->summary);
    assert_false (record (&w, "prog/sums")->summary);
    assert_int_equal (fo_report_counted (w.report), fo_report_ntests (w.report) - 1);
    run_world_free (&w);
}

/* With retries the points wait for their program's result: a retried
   try's go with it, the try that counts reports them once. */
static void
test_joined_retried (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 0);
    fo_lease l;
    program_lease (&w, &l);
    size_t before = fo_report_ntests (w.report);
    assert_true (send (&w, &l, "prog/all", "a", "", FO_FAILED, "first try"));
    assert_int_equal (fo_report_ntests (w.report), before);     /* held */
    assert_true (send (&w, &l, "prog/all", NULL, NULL, FO_CRASHED, "killed by SIGSEGV"));
    fo_done d = { .lease = l.lease };
    assert_true (fo_run_done (w.run, 0, "h", &d));
    assert_int_equal (fo_report_ntests (w.report), before);     /* dropped with its try */

    fo_lease again;
    assert_true (fo_run_next_lease (w.run, 0, &again));
    assert_int_equal (again.attempt, 2);
    assert_true (send (&w, &again, "prog/all", "a", "", FO_PASSED, ""));
    assert_true (send (&w, &again, "prog/all", "b", "", FO_PASSED, ""));
    assert_true (send (&w, &again, "prog/all", NULL, NULL, FO_PASSED, ""));
    d.lease = again.lease;
    assert_true (fo_run_done (w.run, 0, "h", &d));
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_report_ntests (w.report), before + 2);
    const fo_test_record *a = record (&w, "prog/a");
    assert_int_equal (a->outcome, FO_PASSED);
    assert_int_equal (a->nattempts, 1);
    assert_true (record (&w, "prog/all")->flaky);
    assert_all_done (&w);
    run_world_free (&w);
}

/* With retries, a lease that ends without its program's result drops
   the points it held: none of them is in the report. */
static void
test_joined_lease_without_program (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 0);
    fo_lease l;
    program_lease (&w, &l);
    size_t before = fo_report_ntests (w.report);
    assert_true (send (&w, &l, "prog/all", "a", "", FO_PASSED, ""));
    fo_done d = { .lease = l.lease, .exit_status = 1 };
    assert_true (fo_run_done (w.run, 0, "h", &d));
    assert_int_equal (fo_report_ntests (w.report), before);
    /* The agent said done without the program's own result: an error,
       and no point of it is in the report. */
    assert_int_equal (record (&w, "prog/all")->outcome, FO_ERROR);
    assert_true (fo_run_finished (w.run));
    assert_all_done (&w);
    run_world_free (&w);
}

/* A joined test keeps at most FO_JOINED_MAX_OUTPUT bytes of output and
   message, and all of a run's at most FO_JOINED_MAX_RUN_OUTPUT: past that
   they keep their outcome, not their output. */
static void
test_joined_output_bounds (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 0);
    fo_lease l;
    program_lease (&w, &l);
    size_t big = 3 * FO_JOINED_MAX_OUTPUT;
    char *text = fo_xmalloc (big + 1);
    memset (text, 'x', big);
    text[big] = '\0';
    fo_result r = {
        .lease = l.lease, .step = 0, .test = (char *) "prog/all", .outcome = FO_FAILED,
        .out = text, .out_len = big, .err = (char *) "", .message = text,
        .host = (char *) "h", .worker = 1, .joined = (char *) "big", .group = (char *) "",
    };
    assert_true (fo_run_result (w.run, 0, "h", &r));
    const fo_test_record *rec = record (&w, "prog/big");
    assert_int_equal (rec->out_len, FO_JOINED_MAX_OUTPUT);
    assert_true (strlen (rec->message) <= FO_JOINED_MAX_OUTPUT + 8);
    /* Fill the run's budget: 8 KiB each. */
    r.out_len = FO_JOINED_MAX_OUTPUT;
    r.message = (char *) "m";
    size_t n = FO_JOINED_MAX_RUN_OUTPUT / FO_JOINED_MAX_OUTPUT;
    for (size_t i = 1; i <= n; i++) {
        char name[32];
        snprintf (name, sizeof name, "p%zu", i);
        r.joined = name;
        assert_true (fo_run_result (w.run, 0, "h", &r));
    }
    char last[32];
    snprintf (last, sizeof last, "prog/p%zu", n);
    rec = record (&w, last);
    assert_int_equal (rec->outcome, FO_FAILED);
    assert_int_equal (rec->out_len, 0);         /* the budget was spent */
    assert_string_equal (rec->message, "m");
    snprintf (last, sizeof last, "prog/p%zu", n - 1);
    assert_int_equal (record (&w, last)->out_len, FO_JOINED_MAX_OUTPUT);
    free (text);
    run_world_free (&w);
}

/* Past the run's limit a program's points are not added, and its own
   test is an error that says so. */
static void
test_joined_run_limit (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 2);
    fo_lease l;
    program_lease (&w, &l);
    size_t before = fo_report_ntests (w.report);
    assert_true (send (&w, &l, "prog/all", "a", "", FO_PASSED, ""));
    assert_true (send (&w, &l, "prog/all", "b", "", FO_PASSED, ""));
    assert_false (send (&w, &l, "prog/all", "c", "", FO_PASSED, ""));
    assert_false (send (&w, &l, "prog/all", "d", "", FO_PASSED, ""));
    assert_true (send (&w, &l, "prog/all", NULL, NULL, FO_PASSED, ""));
    assert_int_equal (fo_report_ntests (w.report), before + 2);
    const fo_test_record *all = record (&w, "prog/all");
    assert_int_equal (all->outcome, FO_ERROR);
    if (!strstr (all->message, "2 of the tests this program reported were not added: the run "
                               "has 2 joined tests, its limit; passed"))
        fail_msg ("message: %s", all->message);
    run_world_free (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_joined_tests),
        cmocka_unit_test (test_joined_retried),
        cmocka_unit_test (test_joined_lease_without_program),
        cmocka_unit_test (test_joined_run_limit),
        cmocka_unit_test (test_joined_output_bounds),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
