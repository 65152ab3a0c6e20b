/*  fo_runner_process: the child's environment is built once and reused by
    the steps after it while they want the same one, and built again when
    a step's overrides or the process environment differ; each step's
    child gets its own environment and token either way. Real children,
    with a spawner's threads and without, and on a lane. On a lane, a
    chained step begins at the running step's exit, before it is started,
    and its start takes it; a chained step whose lease ends without
    starting it (two idles) never runs if the step before still did, and
    a start of another step stops it too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "fo_runner_process.h"
#include "fo_spawner.h"

/* Services the runner's step to its end; returns its stdout (free it). */
static char *
finish (fo_runner *r)
{
    uint64_t give_up = fo_now_ms () + 20000;
    while (!fo_runner_service (r)) {
        assert_true (fo_now_ms () < give_up);
        int fds[FO_RUNNER_MAX_FDS];
        struct pollfd pfd[FO_RUNNER_MAX_FDS];
        int n = fo_runner_pollfds (r, fds);
        for (int i = 0; i < n; i++)
            pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        poll (pfd, (nfds_t) n, 10);
    }
    assert_null (fo_runner_start_error (r));
    fo_buf out = { 0 };
    fo_capture_render (fo_runner_output (r, 1), &out);
    fo_buf_append (&out, "", 1);
    fo_runner_release (r);
    return fo_buf_steal (&out);
}

/* Runs one step (sh printing $FO_TEST_V and the token) to its end;
   returns what it printed (free it). */
static char *
run_step (fo_runner *r, fo_spawner *sp, const fo_env *env, const char *token)
{
    fo_step step = { .kind = FO_STEP_TEST };
    fo_strv_push (&step.argv, "sh");
    fo_strv_push (&step.argv, "-c");
    fo_strv_push (&step.argv, "printf '%s|%s' \"$FO_TEST_V\" \"$FANOUT_STEP_TOKEN\"");
    if (env)
        fo_env_copy (&step.env, env);
    fo_runner_step rs = { .step = &step, .output_cap = 4096, .token = token, .spawner = sp };
    fo_start_error why;
    assert_int_equal (fo_runner_start (r, &rs, &why), 0);
    char *out = finish (r);
    fo_strv_free (&step.argv);
    fo_env_free (&step.env);
    return out;
}

static void
expect_step (fo_runner *r, fo_spawner *sp, const fo_env *env, const char *token,
             const char *want, unsigned builds)
{
    char *got = run_step (r, sp, env, token);
    assert_string_equal (got, want);
    free (got);
    assert_int_equal (fo_runner_process_env_builds (r), builds);
}

static void
run_steps (fo_spawner *sp)
{
    fo_runner *r = fo_runner_process_new ();
    fo_env a = { 0 }, b = { 0 };
    fo_env_set (&a, "FO_TEST_V", "a");
    fo_env_set (&b, "FO_TEST_V", "b");
    unsetenv ("FO_TEST_V");
    assert_int_equal (fo_runner_process_env_builds (r), 0);
    /* The same overrides: built once. */
    expect_step (r, sp, &a, "t/0", "a|t/0", 1);
    expect_step (r, sp, &a, "t/1", "a|t/1", 1);
    expect_step (r, sp, &a, "t/2", "a|t/2", 1);
    /* Other overrides, none, and back: built again each time. */
    expect_step (r, sp, &b, "t/3", "b|t/3", 2);
    expect_step (r, sp, &b, "t/4", "b|t/4", 2);
    expect_step (r, sp, NULL, "t/5", "|t/5", 3);
    expect_step (r, sp, &a, "t/6", "a|t/6", 4);
    /* The process environment changed: built again, and its children
       see the change. */
    expect_step (r, sp, NULL, "t/7", "|t/7", 5);
    setenv ("FO_TEST_V", "inherited", 1);
    expect_step (r, sp, NULL, "t/8", "inherited|t/8", 6);
    expect_step (r, sp, NULL, "t/9", "inherited|t/9", 6);
    unsetenv ("FO_TEST_V");
    expect_step (r, sp, NULL, "t/10", "|t/10", 7);
    fo_env_free (&a);
    fo_env_free (&b);
    fo_runner_destroy (&r);
}

static void
test_env_built_once_in_this_thread (void **state)
{
    (void) state;
    run_steps (NULL);
}

static void
test_env_built_once_on_a_spawner (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (2);
    assert_non_null (sp);
    run_steps (sp);
    fo_spawner_destroy (&sp);
}

static void
test_env_built_once_on_a_lane (void **state)
{
    (void) state;
    fo_spawner *lanes = fo_spawner_new_lanes (1);
    assert_non_null (lanes);
    fo_runner *r = fo_runner_process_new ();
    fo_step step = { .kind = FO_STEP_TEST };
    fo_strv_push (&step.argv, "sh");
    fo_strv_push (&step.argv, "-c");
    fo_strv_push (&step.argv, "printf %s \"$FANOUT_STEP_TOKEN\"");
    for (int i = 0; i < 3; i++) {
        fo_runner_step rs = { .step = &step, .output_cap = 4096, .token = "t/lane",
                              .lanes = lanes };
        fo_start_error why;
        assert_int_equal (fo_runner_start (r, &rs, &why), 0);
        while (!fo_runner_service (r))
            usleep (1000);
        fo_buf out = { 0 };
        fo_capture_render (fo_runner_output (r, 1), &out);
        fo_buf_append (&out, "", 1);
        assert_string_equal (out.data, "t/lane");
        fo_buf_free (&out);
        fo_runner_release (r);
    }
    assert_int_equal (fo_runner_process_env_builds (r), 1);
    fo_runner_destroy (&r);
    fo_strv_free (&step.argv);
    fo_spawner_destroy (&lanes);
}

/* ---------------------------------------------------------------------- */
/* Chaining on a lane */

static void
shell_step (fo_step *step, const char *script)
{
    memset (step, 0, sizeof *step);
    step->kind = FO_STEP_TEST;
    fo_strv_push (&step->argv, "sh");
    fo_strv_push (&step->argv, "-c");
    fo_strv_push (&step->argv, script);
}

static fo_runner_step
on_lane (const fo_step *step, const char *token, fo_spawner *lanes)
{
    return (fo_runner_step) { .step = step, .output_cap = 4096, .token = token, .lanes = lanes };
}

static uint64_t
realtime_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* The chained step runs once the first has exited, before the loop
   starts it (its start comes 300 ms later and takes what ran). */
static void
test_chained_begins_at_the_exit (void **state)
{
    (void) state;
    fo_spawner *lanes = fo_spawner_new_lanes (1);
    fo_runner *r = fo_runner_process_new ();
    fo_step first, second;
    shell_step (&first, "sleep 0.2");
    shell_step (&second, "date +%s%N");
    fo_runner_step a = on_lane (&first, "l1/0", lanes), b = on_lane (&second, "l2/0", lanes);
    fo_start_error why;
    uint64_t t0 = realtime_us ();
    assert_int_equal (fo_runner_start (r, &a, &why), 0);
    assert_int_equal (fo_runner_chain (r, &b), 0);
    assert_int_equal (fo_runner_chain (r, &b), 0);      /* a second one, after it */
    free (finish (r));
    fo_runner_idle (r);         /* l1 is over: l2's step must come next */
    usleep (300000);
    uint64_t started = realtime_us ();
    assert_int_equal (fo_runner_start (r, &b, &why), 0);
    char *out = finish (r);
    uint64_t ran = strtoull (out, NULL, 10) / 1000u;
    assert_true (ran >= t0 + 200000u);
    assert_true (ran < started);
    free (out);
    assert_int_equal (fo_runner_process_chained (r), 1);
    fo_runner_idle (r);
    /* The other chained copy was next; a different start stops it. */
    fo_step third;
    shell_step (&third, "echo third");
    fo_runner_step c = on_lane (&third, "l3/0", lanes);
    assert_int_equal (fo_runner_start (r, &c, &why), 0);
    out = finish (r);
    assert_string_equal (out, "third\n");
    free (out);
    assert_int_equal (fo_runner_process_chained (r), 1);
    fo_runner_destroy (&r);
    fo_spawner_destroy (&lanes);
    fo_strv_free (&first.argv);
    fo_strv_free (&second.argv);
    fo_strv_free (&third.argv);
}

/* A chained lease cancelled while the step before it runs
   (fo_runner_unchain): that step ends, its lease too (idle), then the
   cancelled one without a start (idle again). Its step never runs, and
   the lease chained after it is the next one started. Nothing is
   chained behind a step started elsewhere than on a lane. */
static void
test_chained_lease_that_ends_unstarted (void **state)
{
    (void) state;
    char dir[] = "/tmp/fo-chain-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *marker = fo_xasprintf ("%s/ran", dir);
    char *touch = fo_xasprintf ("touch %s", marker);
    fo_spawner *lanes = fo_spawner_new_lanes (1);
    fo_runner *r = fo_runner_process_new ();
    fo_step slow, marked;
    shell_step (&slow, "sleep 0.3");
    shell_step (&marked, touch);
    fo_step echo;
    shell_step (&echo, "echo l3");
    fo_runner_step a = on_lane (&slow, "l1/0", lanes), b = on_lane (&marked, "l2/0", lanes);
    fo_runner_step c = on_lane (&echo, "l3/0", lanes);
    fo_start_error why;
    assert_int_equal (fo_runner_start (r, &a, &why), 0);
    assert_int_equal (fo_runner_chain (r, &b), 0);
    assert_int_equal (fo_runner_chain (r, &c), 0);
    fo_runner_unchain (r, &marked, "l2/0");
    free (finish (r));          /* l1's step ends as it would */
    fo_runner_idle (r);         /* l1 */
    fo_runner_idle (r);         /* l2, cancelled, ended unstarted */
    assert_int_equal (fo_runner_start (r, &c, &why), 0);
    char *out = finish (r);
    assert_string_equal (out, "l3\n");
    free (out);
    assert_int_equal (fo_runner_process_chained (r), 1);
    fo_runner_idle (r);
    usleep (100000);
    struct stat st;
    assert_int_not_equal (stat (marker, &st), 0);

    /* Not on a lane: nothing to chain behind. */
    fo_runner_step plain = { .step = &slow, .output_cap = 4096, .token = "l3/0" };
    assert_int_equal (fo_runner_start (r, &plain, &why), 0);
    assert_int_equal (fo_runner_chain (r, &b), -1);
    fo_runner_kill (r);
    free (finish (r));
    fo_runner_destroy (&r);
    fo_spawner_destroy (&lanes);
    assert_int_not_equal (stat (marker, &st), 0);
    rmdir (dir);
    free (marker);
    free (touch);
    fo_strv_free (&slow.argv);
    fo_strv_free (&marked.argv);
    fo_strv_free (&echo.argv);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_env_built_once_in_this_thread),
        cmocka_unit_test (test_env_built_once_on_a_spawner),
        cmocka_unit_test (test_env_built_once_on_a_lane),
        cmocka_unit_test (test_chained_begins_at_the_exit),
        cmocka_unit_test (test_chained_lease_that_ends_unstarted),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
