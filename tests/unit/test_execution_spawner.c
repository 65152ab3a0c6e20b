/*  fo_execution with a spawner (fo_execution_set_spawner): the steps'
    processes are spawned on its threads, and a step whose spawn fails
    there ends as one that could not start, exactly as without a spawner:
    the same outcomes and words for a missing program, a bad cwd and a
    setup that cannot start; and a spawn that lacks descriptors waits for
    them (fo_capacity) instead of failing its test. Real processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fo_capacity.h"
#include "fo_execution.h"
#include "execution_support.h"
#include "result_sink.h"
#include "fo_spawner.h"

static const char *const sh_true[] = { "sh", "-c", "echo ran", NULL };
static const char *const missing[] = { "/nonexistent/fanout-test-prog", NULL };

/* Runs lease (consumed) with spawner (or none) into s. */
static void
run_lease (fo_lease *l, fo_spawner *spawner, sink *s)
{
    fo_execution *e = fo_execution_new (l, 1, "h", sink_add, s);
    fo_execution_set_spawner (e, spawner);
    assert_true (drive_execution (e, 20000, NULL));
    fo_execution_destroy (&e);
}

/* Tests that cannot start, and one that runs after them. */
static fo_lease
failing_tests (void)
{
    fo_lease l = { .lease = 1, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    lease_step (&l, FO_STEP_TEST, "missing", missing, "/");
    lease_step (&l, FO_STEP_TEST, "badcwd", sh_true, "/nonexistent-fanout-dir");
    lease_step (&l, FO_STEP_TEST, "runs", sh_true, "/");
    return l;
}

/* A setup that cannot start: its tests are errors, its teardown does not
   run. */
static fo_lease
failing_setup (void)
{
    fo_lease l = { .lease = 2, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    lease_step (&l, FO_STEP_SETUP, "ctx", missing, "/");
    lease_step (&l, FO_STEP_TEST, "ctx/a", sh_true, "/");
    lease_step (&l, FO_STEP_TEARDOWN, "ctx", sh_true, "/");
    l.steps[0].span = l.steps[2].span = 2;
    return l;
}

static void
expect_same (const sink *with, const sink *without)
{
    assert_int_equal (with->n, without->n);
    for (size_t i = 0; i < with->n; i++) {
        const fo_result *w = &with->results[i], *o = sink_result (without, with->results[i].test);
        assert_int_equal (w->outcome, o->outcome);
        assert_string_equal (w->message ? w->message : "", o->message ? o->message : "");
    }
}

static void
test_failed_spawns_as_without_a_spawner (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (2);
    assert_non_null (sp);
    sink with = { 0 }, without = { 0 };

    fo_lease l = failing_tests ();
    run_lease (&l, sp, &with);
    l = failing_tests ();
    run_lease (&l, NULL, &without);
    assert_int_equal (with.n, 3);
    assert_int_equal (sink_result (&with, "missing")->outcome, FO_ERROR);
    assert_string_equal (sink_result (&with, "missing")->message,
                         "cannot run '/nonexistent/fanout-test-prog': No such file or directory");
    assert_int_equal (sink_result (&with, "badcwd")->outcome, FO_ERROR);
    assert_string_equal (sink_result (&with, "badcwd")->message,
                         "cannot change to directory '/nonexistent-fanout-dir': "
                         "No such file or directory");
    assert_int_equal (sink_result (&with, "runs")->outcome, FO_PASSED);
    expect_same (&with, &without);
    sink_free (&with);
    sink_free (&without);

    l = failing_setup ();
    run_lease (&l, sp, &with);
    l = failing_setup ();
    run_lease (&l, NULL, &without);
    assert_int_equal (sink_result (&with, "ctx/a")->outcome, FO_ERROR);
    assert_string_equal (sink_result (&with, "ctx/a")->message,
                         "setup of context 'ctx' failed: cannot run "
                         "'/nonexistent/fanout-test-prog': No such file or directory");
    expect_same (&with, &without);
    sink_free (&with);
    sink_free (&without);
    fo_spawner_destroy (&sp);
}

/* Descriptors used up to `spare` below a lowered soft limit. */
typedef struct {
    struct rlimit saved;
    int fds[4096];
    size_t n;
} shortage;

static void
shortage_begin (shortage *sh, size_t spare)
{
    assert_int_equal (getrlimit (RLIMIT_NOFILE, &sh->saved), 0);
    struct rlimit low = sh->saved;
    low.rlim_cur = 256;
    assert_int_equal (setrlimit (RLIMIT_NOFILE, &low), 0);
    sh->n = 0;
    int fd;
    while (sh->n < 4096 && (fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        sh->fds[sh->n++] = fd;
    assert_int_equal (errno, EMFILE);
    for (size_t i = 0; i < spare; i++)
        close (sh->fds[--sh->n]);
}

static void
shortage_end (shortage *sh)
{
    while (sh->n > 0)
        close (sh->fds[--sh->n]);
    assert_int_equal (setrlimit (RLIMIT_NOFILE, &sh->saved), 0);
}

/* Room for the two pipes, none for the child's /dev/null: the spawn
   fails on the spawner's thread with EMFILE. With
   the agent's capacity the step waits (no result, a retry deadline,
   nothing to poll) and runs once descriptors are back. */
static void
test_late_shortage_waits (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (1);
    fo_capacity *cap = fo_capacity_new (1);
    sink s = { 0 };
    fo_lease l = { .lease = 3, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    lease_step (&l, FO_STEP_TEST, "t", sh_true, "/");
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &s);
    fo_execution_set_capacity (e, cap);
    fo_execution_set_spawner (e, sp);

    shortage sh;
    shortage_begin (&sh, 4);
    bool waiting = false;
    uint64_t until = fo_now_ms () + 10000;
    while (!waiting && fo_now_ms () < until) {
        assert_false (fo_execution_service (e));
        int fds[FO_EXECUTION_MAX_FDS];
        int n = fo_execution_pollfds (e, fds);
        waiting = n == 0 && fo_execution_deadline_ms (e) != UINT64_MAX;
        if (n > 0)
            poll (&(struct pollfd) { .fd = fds[0], .events = POLLIN }, 1, 10);
    }
    size_t results_while_short = s.n;
    shortage_end (&sh);

    assert_true (waiting);
    assert_int_equal (results_while_short, 0);      /* not blamed on the test */
    assert_true (drive_execution (e, 20000, NULL));
    assert_int_equal (s.n, 1);
    assert_int_equal (sink_result (&s, "t")->outcome, FO_PASSED);
    fo_execution_destroy (&e);
    fo_capacity_destroy (&cap);
    fo_spawner_destroy (&sp);
    sink_free (&s);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_failed_spawns_as_without_a_spawner),
        cmocka_unit_test (test_late_shortage_waits),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
