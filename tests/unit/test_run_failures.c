/*  fo_run's bookkeeping of failures, without sockets or processes: retries
    (which steps, which agent, flaky), fail fast (--maxfail), stops that meet
    held retries, and not_run tests caused by a task timeout. The test plays
    the agents: it asks for leases and feeds results and done messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_run.h"
#include "run_support.h"

typedef run_world world;

static void
command_set (fo_command *cmd, const char *what, const char *id)
{
    fo_strv_push (&cmd->argv, what);
    fo_strv_push (&cmd->argv, id);
}

static void
test_add (fo_context *parent, const char *name)
{
    fo_test *test = fo_test_new (parent, name);
    command_set (&test->run, "run", test->id);
}

/*  Tests t0..t3 at the root (a task each), then an unmarked context "c"
    with setup and teardown and the tests c/a, c/b, c/c (one task:
    +c c/a c/b c/c -c). Serial: none. */
static void
world_new (world *w, uint32_t retries, uint32_t maxfail)
{
    memset (w, 0, sizeof *w);
    w->suite = hand_suite_new ("/suite");
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf (name, sizeof name, "t%d", i);
        test_add (w->suite->root, name);
    }
    fo_context *c = fo_context_new (w->suite->root, "c");
    command_set (&c->setup, "setup", "c");
    command_set (&c->teardown, "teardown", "c");
    test_add (c, "a");
    test_add (c, "b");
    test_add (c, "c");
    run_world_start (w, (fo_run_options) {
        .max_attempts = 1,
        .skip_code = 77,
        .retries = retries,
        .maxfail = maxfail,
        .slow_ms = 1000,
        .task_timeout_ms = 5000,
    });
    assert_int_equal (w->plan->ntasks, 5);
}

static const fo_test_record *
record (const world *w, const char *id)
{
    return report_record (w->report, id);
}

/* The lease's steps as "+c c/b -c". */
static char *
steps_of (const fo_lease *lease)
{
    fo_buf buf = { 0 };
    fo_buf_puts (&buf, "");
    for (size_t i = 0; i < lease->nsteps; i++)
        fo_buf_printf (&buf, "%s%s%s", i ? " " : "",
                       lease->steps[i].kind == FO_STEP_SETUP ? "+"
                       : lease->steps[i].kind == FO_STEP_TEARDOWN ? "-" : "",
                       lease->steps[i].name);
    return fo_buf_steal (&buf);
}

static void
expect_steps (const fo_lease *lease, const char *want)
{
    char *got = steps_of (lease);
    assert_string_equal (got, want);
    free (got);
}

/* The result of every test step of the lease whose test is `test`. */
static void
result (world *w, uint32_t agent, const fo_lease *lease, const char *test, fo_outcome outcome)
{
    for (size_t i = 0; i < lease->nsteps; i++) {
        if (lease->steps[i].kind != FO_STEP_TEST || strcmp (lease->steps[i].name, test) != 0)
            continue;
        fo_result r = {
            .lease = lease->lease, .step = (uint32_t) i, .test = (char *) test,
            .outcome = outcome, .duration_us = 1000,
            .out = (char *) "output\n", .out_len = 7, .err = (char *) "", .err_len = 0,
            .message = (char *) (outcome == FO_PASSED ? "" : "exit status 1"),
            .host = (char *) "h", .worker = agent + 1, .attempt = lease->attempt,
        };
        char host[16];
        snprintf (host, sizeof host, "host%u", agent);
        assert_true (fo_run_result (w->run, agent, host, &r));
        return;
    }
    fail_msg ("lease %llu has no step for '%s'", (unsigned long long) lease->lease, test);
}

static void
done (world *w, uint32_t agent, const fo_lease *lease)
{
    fo_done d = { .lease = lease->lease };
    assert_true (fo_run_done (w->run, agent, "host-x", &d));
}

/* Agent `agent` joins the run. */
static void
join (world *w, uint32_t agent)
{
    fo_run_agent_joined (w->run, &(fo_sched_agent) { .number = agent });
}

/* The agent's next lease is `test` alone, which ends with `outcome`. */
static void
lease_one (world *w, uint32_t agent, const char *test, fo_outcome outcome)
{
    fo_lease l;
    assert_true (fo_run_next_lease (w->run, agent, &l));
    expect_steps (&l, test);
    result (w, agent, &l, test, outcome);
    done (w, agent, &l);
}

/* ---- retries --------------------------------------------------------- */

static void
test_lease_carries_options (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 0);
    fo_lease l;
    assert_true (fo_run_next_lease (w.run, 0, &l));
    assert_int_equal (l.slow_ms, 1000);
    assert_int_equal (l.task_timeout_ms, 5000);
    run_world_free (&w);
}

static void
test_retry_passes_flaky_on_another_agent (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 0);
    join (&w, 0);
    join (&w, 1);

    fo_lease l1;
    assert_true (fo_run_next_lease (w.run, 0, &l1));
    expect_steps (&l1, "t0");
    result (&w, 0, &l1, "t0", FO_FAILED);
    assert_false (record (&w, "t0")->done);         /* held for its retry */
    done (&w, 0, &l1);
    assert_false (record (&w, "t0")->done);

    /* agent 0, where it failed, is handed the next task, not the retry */
    fo_lease l2;
    assert_true (fo_run_next_lease (w.run, 0, &l2));
    expect_steps (&l2, "t1");
    /* agent 1 gets the retry first */
    fo_lease l3;
    assert_true (fo_run_next_lease (w.run, 1, &l3));
    expect_steps (&l3, "t0");
    assert_int_equal (l3.attempt, 2);
    result (&w, 1, &l3, "t0", FO_PASSED);

    const fo_test_record *t0 = record (&w, "t0");
    assert_true (t0->done);
    assert_int_equal (t0->outcome, FO_PASSED);
    assert_true (t0->flaky);
    assert_int_equal (t0->nattempts, 2);
    assert_int_equal (fo_report_retried (t0)[0].outcome, FO_FAILED);
    assert_string_equal (fo_report_retried (t0)[0].host, "host0");
    assert_int_equal (fo_report_retried (t0)[0].attempt, 1);
    assert_int_equal (fo_report_retried (t0)[0].out_len, 7);     /* a retried try keeps its output */
    assert_int_equal (fo_report_try (t0, 1).outcome, FO_PASSED);
    assert_string_equal (fo_report_try (t0, 1).host, "host1");
    assert_null (fo_report_try (t0, 1).out);          /* the last one's is the test's */
    assert_int_equal (fo_report_flaky_count (w.report), 1);
    run_world_free (&w);
}

static void
test_retry_on_the_same_agent_when_alone (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 0);
    join (&w, 0);
    lease_one (&w, 0, "t0", FO_CRASHED);
    fo_lease l2;
    assert_true (fo_run_next_lease (w.run, 0, &l2));
    expect_steps (&l2, "t0");       /* retries come before new tasks */
    run_world_free (&w);
}

static void
test_retries_exhausted (void **state)
{
    (void) state;
    world w;
    world_new (&w, 2, 0);
    join (&w, 0);
    for (int i = 0; i < 3; i++) {
        fo_lease l;
        assert_true (fo_run_next_lease (w.run, 0, &l));
        expect_steps (&l, "t0");
        assert_int_equal (l.attempt, (uint32_t) i + 1);
        result (&w, 0, &l, "t0", i == 1 ? FO_TIMEOUT : FO_FAILED);
        done (&w, 0, &l);
    }
    const fo_test_record *t0 = record (&w, "t0");
    assert_true (t0->done);
    assert_int_equal (t0->outcome, FO_FAILED);
    assert_false (t0->flaky);
    assert_int_equal (t0->nattempts, 3);
    assert_int_equal (fo_report_retried (t0)[1].outcome, FO_TIMEOUT);
    /* and the next lease is a new task: t0 is not retried forever */
    fo_lease l;
    assert_true (fo_run_next_lease (w.run, 0, &l));
    expect_steps (&l, "t1");
    run_world_free (&w);
}

static void
test_retry_runs_only_the_failed_tests_with_their_fixtures (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 0);
    join (&w, 0);
    fo_lease l;
    for (int i = 0; i < 5; i++) {
        assert_true (fo_run_next_lease (w.run, 0, &l));
        if (l.nsteps > 1)
            break;
        result (&w, 0, &l, l.steps[0].name, FO_PASSED);
        done (&w, 0, &l);
    }
    expect_steps (&l, "+c c/a c/b c/c -c");
    result (&w, 0, &l, "c/a", FO_PASSED);
    result (&w, 0, &l, "c/b", FO_FAILED);
    result (&w, 0, &l, "c/c", FO_PASSED);
    done (&w, 0, &l);
    assert_false (fo_run_finished (w.run));

    fo_lease retry;
    assert_true (fo_run_next_lease (w.run, 0, &retry));
    expect_steps (&retry, "+c c/b -c");
    /* results index the retry's own steps */
    result (&w, 0, &retry, "c/b", FO_PASSED);
    done (&w, 0, &retry);
    assert_true (record (&w, "c/b")->flaky);
    assert_false (record (&w, "c/a")->flaky);
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_report_exit_status (w.report), FO_EXIT_OK);
    fo_report_set_fail_on_flaky (w.report, true);
    assert_int_equal (fo_report_exit_status (w.report), FO_EXIT_FAILED);
    run_world_free (&w);
}

/* ---- fail fast -------------------------------------------------------- */

static void
test_maxfail_stops_and_reports_the_rest (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 2);
    join (&w, 0);
    fo_lease l0, l1, l2;
    assert_true (fo_run_next_lease (w.run, 0, &l0));
    assert_true (fo_run_next_lease (w.run, 0, &l1));
    assert_true (fo_run_next_lease (w.run, 0, &l2));
    result (&w, 0, &l0, "t0", FO_FAILED);
    assert_false (fo_run_stopping (w.run));
    result (&w, 0, &l1, "t1", FO_CRASHED);
    assert_true (fo_run_stopping (w.run));
    assert_string_equal (fo_run_stop_reason (w.run), "stopped after 2 failures");

    fo_lease more;
    assert_false (fo_run_next_lease (w.run, 0, &more));
    /* what was never leased is not run, with the reason */
    const fo_test_record *t3 = record (&w, "t3");
    assert_true (t3->done);
    assert_int_equal (t3->outcome, FO_NOT_RUN);
    assert_string_equal (t3->message, "not run (stopped after 2 failures)");
    assert_int_equal (record (&w, "c/a")->outcome, FO_NOT_RUN);

    /* the running one is cancelled by the broker; the agent says so */
    result (&w, 0, &l2, "t2", FO_NOT_RUN);
    done (&w, 0, &l0);
    done (&w, 0, &l1);
    done (&w, 0, &l2);
    assert_true (fo_run_finished (w.run));
    assert_true (fo_report_stopped_on_failures (w.report));
    assert_string_equal (fo_report_stop_reason (w.report), "stopped after 2 failures");
    /* not_run tests after a fail-fast stop are not an infrastructure failure */
    assert_int_equal (fo_report_exit_status (w.report), FO_EXIT_FAILED);
    run_world_free (&w);
}

static void
test_maxfail_counts_final_outcomes_only (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 1);
    join (&w, 0);
    fo_lease l, r;
    assert_true (fo_run_next_lease (w.run, 0, &l));
    result (&w, 0, &l, "t0", FO_FAILED);
    assert_false (fo_run_stopping (w.run));     /* a try that will be retried */
    done (&w, 0, &l);
    assert_true (fo_run_next_lease (w.run, 0, &r));
    expect_steps (&r, "t0");
    result (&w, 0, &r, "t0", FO_FAILED);
    assert_true (fo_run_stopping (w.run));
    assert_string_equal (fo_run_stop_reason (w.run), "stopped after 1 failure");
    done (&w, 0, &r);
    assert_true (fo_run_finished (w.run));
    run_world_free (&w);
}

static void
test_skipped_and_passed_do_not_count (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 1);
    join (&w, 0);
    lease_one (&w, 0, "t0", FO_SKIPPED);
    lease_one (&w, 0, "t1", FO_PASSED);
    assert_false (fo_run_stopping (w.run));
    run_world_free (&w);
}

/* ---- stops and held retries ------------------------------------------- */

static void
test_interrupt_ends_a_held_test_with_its_failure (void **state)
{
    (void) state;
    world w;
    world_new (&w, 3, 0);
    join (&w, 0);
    fo_lease l;
    assert_true (fo_run_next_lease (w.run, 0, &l));
    result (&w, 0, &l, "t0", FO_FAILED);
    fo_run_stop (w.run, "interrupted");
    done (&w, 0, &l);
    const fo_test_record *t0 = record (&w, "t0");
    assert_true (t0->done);
    assert_int_equal (t0->outcome, FO_FAILED);      /* it did fail; never "not run" */
    assert_string_equal (t0->message, "exit status 1");
    assert_int_equal (t0->out_len, 7);
    assert_int_equal (t0->nattempts, 1);
    assert_int_equal (record (&w, "t1")->outcome, FO_NOT_RUN);
    assert_string_equal (record (&w, "t1")->message, "not run (interrupted)");
    assert_true (fo_run_finished (w.run));
    assert_string_equal (fo_report_stop_reason (w.report), "interrupted");
    assert_false (fo_report_stopped_on_failures (w.report));
    run_world_free (&w);
}

static void
test_stop_meets_a_queued_retry (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 0);
    join (&w, 0);
    join (&w, 1);
    fo_lease l;
    assert_true (fo_run_next_lease (w.run, 0, &l));
    result (&w, 0, &l, "t0", FO_ERROR);
    done (&w, 0, &l);           /* the retry waits for agent 1 */
    fo_run_stop (w.run, "interrupted");
    assert_int_equal (record (&w, "t0")->outcome, FO_ERROR);
    assert_true (fo_run_finished (w.run));
    run_world_free (&w);
}

static void
test_lost_agent_prefers_no_one (void **state)
{
    (void) state;
    world w;
    world_new (&w, 1, 0);
    join (&w, 0);
    join (&w, 1);
    fo_lease l;
    lease_one (&w, 0, "t0", FO_FAILED);
    /* the only other agent leaves: the retry may run where it failed */
    fo_run_agent_lost (w.run, 1, "host1", "gone");
    assert_true (fo_run_next_lease (w.run, 0, &l));
    expect_steps (&l, "t0");
    run_world_free (&w);
}

/* ---- task timeouts ------------------------------------------------------ */

static void
test_task_timeout_not_run_is_no_infrastructure_failure (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 0);
    join (&w, 0);
    fo_lease l;
    while (fo_run_next_lease (w.run, 0, &l)) {
        if (l.nsteps == 1) {
            result (&w, 0, &l, l.steps[0].name, FO_PASSED);
            done (&w, 0, &l);
            continue;
        }
        result (&w, 0, &l, "c/a", FO_PASSED);
        result (&w, 0, &l, "c/b", FO_TIMEOUT);
        result (&w, 0, &l, "c/c", FO_NOT_RUN);
        done (&w, 0, &l);
    }
    assert_true (fo_run_finished (w.run));
    assert_true (record (&w, "c/c")->by_failure);
    assert_int_equal (fo_report_exit_status (w.report), FO_EXIT_FAILED);
    run_world_free (&w);
}

static void
test_not_run_alone_is_infrastructure (void **state)
{
    (void) state;
    world w;
    world_new (&w, 0, 0);
    join (&w, 0);
    lease_one (&w, 0, "t0", FO_NOT_RUN);
    assert_false (record (&w, "t0")->by_failure);
    fo_run_stop (w.run, "the local agent failed");
    assert_int_equal (fo_report_exit_status (w.report), FO_EXIT_INFRA);
    run_world_free (&w);
}


/* ---- leases over the protocol's limits -------------------------------- */

/*  A unit "big" of 2,100 tests whose commands are 8,200 bytes long (a lease
    over FO_PROTO_MAX_MESSAGE), a test "huge" whose command is one string
    over FO_PROTO_MAX_STRING, and a test "small". */
static void
world_oversize (world *w)
{
    memset (w, 0, sizeof *w);
    w->suite = hand_suite_new ("/suite");
    char *long_arg = fo_xmalloc (8201);
    memset (long_arg, 'x', 8200);
    long_arg[8200] = '\0';
    fo_context *big = fo_context_new (w->suite->root, "big");
    command_set (&big->setup, "setup", "big");
    for (int i = 0; i < 2100; i++) {
        char name[16];
        snprintf (name, sizeof name, "t%d", i);
        fo_test *test = fo_test_new (big, name);
        command_set (&test->run, "echo", long_arg);
    }
    free (long_arg);
    size_t huge_len = FO_PROTO_MAX_STRING + 1;
    char *huge_arg = fo_xmalloc (huge_len + 1);
    memset (huge_arg, 'y', huge_len);
    huge_arg[huge_len] = '\0';
    fo_test *huge = fo_test_new (w->suite->root, "huge");
    command_set (&huge->run, "echo", huge_arg);
    free (huge_arg);
    test_add (w->suite->root, "small");
    run_world_start (w, (fo_run_options) { .max_attempts = 1, .skip_code = 77 });
}

/* Such tasks are never leased (no agent could receive them: the run would
   wait for ever); their tests are errors naming the task and the limit,
   and the other tasks go on. */
static void
test_lease_over_the_message_limit (void **state)
{
    (void) state;
    world w;
    world_oversize (&w);
    join (&w, 0);
    fo_lease l;
    assert_true (fo_run_next_lease (w.run, 0, &l));
    expect_steps (&l, "small");
    /* what the broker sends is the lease, encoded */
    const fo_buf *frame = fo_run_lease_frame (w.run);
    fo_msg sent;
    char why[256];
    assert_int_equal (fo_msg_decode (frame->data, frame->len, &sent, why, sizeof why), FO_PROTO_OK);
    assert_int_equal (sent.u.lease.lease, l.lease);
    fo_msg_free (&sent);
    assert_false (fo_run_next_lease (w.run, 0, &l));

    const fo_test_record *t = record (&w, "big/t7");
    assert_true (t->done);
    assert_int_equal (t->outcome, FO_ERROR);
    assert_non_null (strstr (t->message, "the task of context 'big' cannot be leased: its lease "
                                         "would be "));
    assert_non_null (strstr (t->message, " bytes, over the 16 MiB message limit: split the "
                                         "context or shorten its commands"));
    assert_null (t->host);
    assert_int_equal (t->nattempts, 0);
    t = record (&w, "huge");
    assert_int_equal (t->outcome, FO_ERROR);
    assert_string_equal (t->message, "the task of test 'huge' cannot be leased: a command, name "
                                     "or variable in it is over the 8 MiB string limit of a "
                                     "message: shorten it");

    result (&w, 0, &l, "small", FO_PASSED);
    done (&w, 0, &l);
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_run_in_flight (w.run), 0);
    run_world_free (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lease_carries_options),
        cmocka_unit_test (test_retry_passes_flaky_on_another_agent),
        cmocka_unit_test (test_retry_on_the_same_agent_when_alone),
        cmocka_unit_test (test_retries_exhausted),
        cmocka_unit_test (test_retry_runs_only_the_failed_tests_with_their_fixtures),
        cmocka_unit_test (test_maxfail_stops_and_reports_the_rest),
        cmocka_unit_test (test_maxfail_counts_final_outcomes_only),
        cmocka_unit_test (test_skipped_and_passed_do_not_count),
        cmocka_unit_test (test_interrupt_ends_a_held_test_with_its_failure),
        cmocka_unit_test (test_stop_meets_a_queued_retry),
        cmocka_unit_test (test_lost_agent_prefers_no_one),
        cmocka_unit_test (test_task_timeout_not_run_is_no_infrastructure_failure),
        cmocka_unit_test (test_not_run_alone_is_infrastructure),
        cmocka_unit_test (test_lease_over_the_message_limit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
