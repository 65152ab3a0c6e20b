/*  fo_proc_env: a child's environment built once and shared by spawns.
    What it holds (the overrides applied, never a FANOUT_STEP_TOKEN), when
    it still matches (the same overrides, the process environment
    unchanged: setenv, unsetenv, putenv), and that procs sharing it each
    get their own token and keep it alive while they need it (real
    children, on a spawner's threads and without). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_proc.h"
#include "fo_proc_env.h"
#include "fo_spawner.h"
#include "proc_drive.h"

/* The value of NAME in the entries, or NULL; fails when NAME is there
   twice. */
static const char *
entry (const fo_proc_env *env, const char *name)
{
    size_t n, len = strlen (name);
    char *const *e = fo_proc_env_entries (env, &n);
    const char *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (strncmp (e[i], name, len) == 0 && e[i][len] == '=') {
            assert_null (found);
            found = e[i] + len + 1;
        }
    assert_null (e[n]);
    return found;
}

static void
test_entries (void **state)
{
    (void) state;
    setenv ("FO_TEST_KEPT", "kept", 1);
    setenv ("FO_TEST_REPLACED", "old", 1);
    setenv ("FANOUT_STEP_TOKEN", "an-outer-fanout's", 1);
    fo_env over = { 0 };
    fo_env_set (&over, "FO_TEST_REPLACED", "new");
    fo_env_set (&over, "FO_TEST_ADDED", "added");
    fo_env_set (&over, "FANOUT_STEP_TOKEN", "a-step's-own");
    fo_proc_env *env = fo_proc_env_new (&over);
    assert_string_equal (entry (env, "FO_TEST_KEPT"), "kept");
    assert_string_equal (entry (env, "FO_TEST_REPLACED"), "new");
    assert_string_equal (entry (env, "FO_TEST_ADDED"), "added");
    assert_null (entry (env, "FANOUT_STEP_TOKEN"));     /* each spawn's own */
    fo_proc_env_unref (&env);
    assert_null (env);
    fo_env_free (&over);
    unsetenv ("FO_TEST_KEPT");
    unsetenv ("FO_TEST_REPLACED");
    unsetenv ("FANOUT_STEP_TOKEN");
}

static void
test_matches (void **state)
{
    (void) state;
    setenv ("FO_TEST_M", "1", 1);
    fo_env a = { 0 }, b = { 0 }, more = { 0 };
    fo_env_set (&a, "X", "1");
    fo_env_set (&b, "X", "2");
    fo_env_set (&more, "X", "1");
    fo_env_set (&more, "Y", "1");
    fo_proc_env *env = fo_proc_env_new (&a);
    assert_true (fo_proc_env_matches (env, &a));
    assert_false (fo_proc_env_matches (env, &b));       /* another value */
    assert_false (fo_proc_env_matches (env, &more));    /* one more */
    assert_false (fo_proc_env_matches (env, NULL));     /* none */
    fo_proc_env_unref (&env);

    env = fo_proc_env_new (NULL);
    fo_env none = { 0 };
    assert_true (fo_proc_env_matches (env, NULL));
    assert_true (fo_proc_env_matches (env, &none));
    fo_proc_env_unref (&env);

    /* The process environment: a variable changed, added, removed. */
    env = fo_proc_env_new (&a);
    setenv ("FO_TEST_M", "2", 1);
    assert_false (fo_proc_env_matches (env, &a));
    fo_proc_env_unref (&env);
    env = fo_proc_env_new (&a);
    setenv ("FO_TEST_M_NEW", "1", 1);
    assert_false (fo_proc_env_matches (env, &a));
    fo_proc_env_unref (&env);
    env = fo_proc_env_new (&a);
    unsetenv ("FO_TEST_M_NEW");
    assert_false (fo_proc_env_matches (env, &a));
    fo_proc_env_unref (&env);
    env = fo_proc_env_new (&a);
    static char put[] = "FO_TEST_M=3";
    putenv (put);
    assert_false (fo_proc_env_matches (env, &a));
    fo_proc_env_unref (&env);
    env = fo_proc_env_new (&a);
    assert_true (fo_proc_env_matches (env, &a));        /* nothing changed since */
    fo_proc_env_unref (&env);

    unsetenv ("FO_TEST_M");
    fo_env_free (&a);
    fo_env_free (&b);
    fo_env_free (&more);
}

/* Starts `sh -c SCRIPT` with env and token (on sp, or in this thread). */
static fo_proc *
start (fo_spawner *sp, fo_proc_env *env, const char *token, fo_strv *argv)
{
    fo_strv_push (argv, "sh");
    fo_strv_push (argv, "-c");
    fo_strv_push (argv, "printf '%s|%s' \"$FO_TEST_SHARED\" \"$FANOUT_STEP_TOKEN\"");
    fo_proc_spec spec = { .argv = argv, .built_env = env, .token = token };
    char err[256];
    fo_proc *p = fo_proc_start_on (sp, &spec, err, sizeof err);
    assert_non_null (p);
    return p;
}

static void
check_output (fo_proc *p, const char *want)
{
    drive (p, 20000);
    fo_buf out = { 0 };
    fo_capture_render (fo_proc_stdout (p), &out);
    fo_buf_append (&out, "", 1);
    assert_string_equal (out.data, want);
    fo_buf_free (&out);
}

/* Two procs share one built environment, each with its own token, and
   the caller's reference is dropped while their spawns may still run:
   each keeps its own (under ASan, a use after free otherwise). */
static void
run_shared (fo_spawner *sp)
{
    fo_env over = { 0 };
    fo_env_set (&over, "FO_TEST_SHARED", "shared");
    fo_proc_env *env = fo_proc_env_new (&over);
    fo_strv a1 = { 0 }, a2 = { 0 };
    fo_proc *p1 = start (sp, env, "tok/1", &a1);
    fo_proc *p2 = start (sp, env, "tok/2", &a2);
    fo_strv_free (&a1);         /* the spec's strings may go too */
    fo_strv_free (&a2);
    fo_proc_env_unref (&env);
    check_output (p1, "shared|tok/1");
    check_output (p2, "shared|tok/2");
    fo_proc_destroy (&p1);
    fo_proc_destroy (&p2);
    fo_env_free (&over);
}

static void
test_shared_in_this_thread (void **state)
{
    (void) state;
    run_shared (NULL);
}

static void
test_shared_on_a_spawner (void **state)
{
    (void) state;
    fo_spawner *sp = fo_spawner_new (2);
    assert_non_null (sp);
    run_shared (sp);
    fo_spawner_destroy (&sp);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_entries),
        cmocka_unit_test (test_matches),
        cmocka_unit_test (test_shared_in_this_thread),
        cmocka_unit_test (test_shared_on_a_spawner),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
