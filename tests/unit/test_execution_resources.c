/*  fo_execution when the host runs out of descriptors (issue 10 item 8):
    a step that cannot start for lack of resources is never the test's
    fault. With the agent's capacity (fo_capacity) it waits and starts once
    descriptors are back; without one it gives up at once; either way its
    tests are not_run saying why, never `error`. The shortage is real: this
    process's descriptors are used up to one short of a pipe. */
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

/* ---- a real shortage ----------------------------------------------------- */

typedef struct {
    struct rlimit saved;
    int fds[4096];
    size_t n;
} shortage;

/* Uses every descriptor below a lowered soft limit but one: a pipe (two)
   cannot be made, one file can. */
static void
shortage_begin (shortage *sh)
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
    assert_true (sh->n > 0);
    close (sh->fds[--sh->n]);
    int p[2];
    assert_int_equal (pipe (p), -1);    /* the shortage is real */
}

static void
shortage_end (shortage *sh)
{
    while (sh->n > 0)
        close (sh->fds[--sh->n]);
    assert_int_equal (setrlimit (RLIMIT_NOFILE, &sh->saved), 0);
}

/* ---- leases --------------------------------------------------------------- */

/* ---- tests ----------------------------------------------------------------- */

/* With the capacity: the step waits (no result, a retry deadline), and
   runs once descriptors are back. */
static void
test_waits_then_runs (void **state)
{
    (void) state;
    sink s = { 0 };
    fo_capacity *cap = fo_capacity_new (1);
    fo_lease l = { .lease = 1, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    lease_sh_step (&l, FO_STEP_TEST, "t", "echo ran", "/");
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &s);
    fo_execution_set_capacity (e, cap);

    shortage sh;
    shortage_begin (&sh);
    bool done = fo_execution_service (e);
    uint64_t deadline = fo_execution_deadline_ms (e);
    int nfds = fo_execution_pollfds (e, (int[FO_EXECUTION_MAX_FDS]) { 0 });
    bool again = fo_execution_service (e);
    shortage_end (&sh);

    assert_false (done);
    assert_false (again);
    assert_int_equal (s.n, 0);                  /* not blamed on the test */
    assert_true (deadline != UINT64_MAX);       /* it will try again */
    assert_int_equal (nfds, 0);
    assert_int_equal (fo_capacity_limit (cap), 1);

    assert_true (drive_execution (e, 10000, NULL));
    assert_int_equal (s.n, 1);
    assert_int_equal (sink_result (&s, "t")->outcome, FO_PASSED);
    fo_execution_destroy (&e);
    fo_capacity_destroy (&cap);
    sink_free (&s);
}

/* A cancel while a step waits: it is not run, with the cancel's reason. */
static void
test_cancel_while_waiting (void **state)
{
    (void) state;
    sink s = { 0 };
    fo_capacity *cap = fo_capacity_new (2);
    fo_lease l = { .lease = 1, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    lease_sh_step (&l, FO_STEP_TEST, "t", "true", "/");
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &s);
    fo_execution_set_capacity (e, cap);

    shortage sh;
    shortage_begin (&sh);
    bool done = fo_execution_service (e);
    fo_execution_cancel (e, "interrupted");
    bool finished = fo_execution_service (e);
    shortage_end (&sh);

    assert_false (done);
    assert_true (finished);
    assert_int_equal (s.n, 1);
    assert_int_equal (sink_result (&s, "t")->outcome, FO_NOT_RUN);
    assert_string_equal (sink_result (&s, "t")->message, "not run (interrupted)");
    fo_execution_destroy (&e);
    fo_capacity_destroy (&cap);
    sink_free (&s);
}

/* Without a capacity it gives up at once: the setup that cannot start
   stops the lease; its tests are not_run saying why, its teardown does not
   run (never set up), and nothing is an error. */
static void
test_gives_up_without_capacity (void **state)
{
    (void) state;
    sink s = { 0 };
    fo_lease l = { .lease = 1, .attempt = 1, .output_cap = 4096, .skip_code = 77 };
    lease_sh_step (&l, FO_STEP_SETUP, "ctx", "true", "/");
    lease_sh_step (&l, FO_STEP_TEST, "ctx/a", "true", "/");
    lease_sh_step (&l, FO_STEP_TEST, "ctx/b", "true", "/");
    lease_sh_step (&l, FO_STEP_TEARDOWN, "ctx", "true", "/");
    l.steps[0].span = l.steps[3].span = 3;
    fo_execution *e = fo_execution_new (&l, 1, "h", sink_add, &s);

    shortage sh;
    shortage_begin (&sh);
    bool finished = fo_execution_service (e);
    shortage_end (&sh);

    assert_true (finished);
    assert_int_equal (s.n, 2);
    const char *why = "not run (the agent could not start it: Too many open files)";
    assert_int_equal (sink_result (&s, "ctx/a")->outcome, FO_NOT_RUN);
    assert_string_equal (sink_result (&s, "ctx/a")->message, why);
    assert_int_equal (sink_result (&s, "ctx/b")->outcome, FO_NOT_RUN);
    assert_string_equal (sink_result (&s, "ctx/b")->message, why);
    fo_execution_destroy (&e);
    sink_free (&s);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_waits_then_runs),
        cmocka_unit_test (test_cancel_while_waiting),
        cmocka_unit_test (test_gives_up_without_capacity),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
