/*  fo_runner_process: the child's environment is built once and reused by
    the steps after it while they want the same one, and built again when
    a step's overrides or the process environment differ; each step's
    child gets its own environment and token either way. Real children,
    with a spawner's threads and without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_runner_process.h"
#include "fo_spawner.h"

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
    fo_strv_free (&step.argv);
    fo_env_free (&step.env);
    return fo_buf_steal (&out);
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_env_built_once_in_this_thread),
        cmocka_unit_test (test_env_built_once_on_a_spawner),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
