/*  fo_resource_groups_env: CTest's CTEST_RESOURCE_GROUP_* variables built
    from the FANOUT_RESOURCE_* ids a task holds, in CTest's format (types
    sorted in a group, "id:X,slots:N" entries joined by ';'), for counted
    groups, several requirements of one type, slots of one instance
    together, slots split over two instances, and a unit's second test
    dealt from the first id again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_resource_groups.h"

/* needs of "type:slots/group" items */
static fo_needs
needs_of (uint32_t ngroups, const char *const *items, size_t n)
{
    fo_needs needs = { 0 };
    needs.groups = fo_xcalloc (n + 1, sizeof *needs.groups);
    needs.ngroups = ngroups;
    for (size_t i = 0; i < n; i++) {
        char type[32];
        unsigned slots, group;
        assert_int_equal (sscanf (items[i], "%31[^:]:%u/%u", type, &slots, &group), 3);
        needs.groups[needs.ngroup_needs++] = (fo_group_need) { fo_xstrdup (type), slots, group };
    }
    return needs;
}

static void
expect (const fo_env *env, const char *name, const char *value)
{
    const char *got = fo_env_get (env, name);
    if (!got || strcmp (got, value)) {
        print_error ("%s='%s', expected '%s'\n", name, got ? got : "(unset)", value);
        fail ();
    }
}

static void
test_counted_groups (void **state)
{
    (void) state;
    /* CTest's "2,gpus:1,crypto:2;gpus:2" as json-v1 lists it */
    const char *items[] = { "gpus:1/0", "crypto:2/0", "gpus:1/1", "crypto:2/1", "gpus:2/2" };
    fo_needs needs = needs_of (3, items, 5);
    fo_env held = { 0 };
    fo_env_set (&held, "FANOUT_RESOURCE_GPUS", "0,0,1,1");
    fo_env_set (&held, "FANOUT_RESOURCE_CRYPTO", "c,c,c,c");
    fo_env env = { 0 };
    fo_resource_groups_env (&needs, &held, &env);
    expect (&env, "CTEST_RESOURCE_GROUP_COUNT", "3");
    expect (&env, "CTEST_RESOURCE_GROUP_0", "crypto,gpus");
    expect (&env, "CTEST_RESOURCE_GROUP_0_GPUS", "id:0,slots:1");
    expect (&env, "CTEST_RESOURCE_GROUP_0_CRYPTO", "id:c,slots:2");
    expect (&env, "CTEST_RESOURCE_GROUP_1", "crypto,gpus");
    expect (&env, "CTEST_RESOURCE_GROUP_1_GPUS", "id:0,slots:1");
    expect (&env, "CTEST_RESOURCE_GROUP_1_CRYPTO", "id:c,slots:2");
    expect (&env, "CTEST_RESOURCE_GROUP_2", "gpus");
    expect (&env, "CTEST_RESOURCE_GROUP_2_GPUS", "id:1,slots:2");
    assert_null (fo_env_get (&env, "CTEST_RESOURCE_GROUP_2_CRYPTO"));
    assert_int_equal (env.len, 9);     /* the count, 3 lists, 5 types */
    /* a second test of the task is dealt from the first id again */
    fo_env again = { 0 };
    fo_resource_groups_env (&needs, &held, &again);
    expect (&again, "CTEST_RESOURCE_GROUP_0_GPUS", "id:0,slots:1");
    fo_env_free (&again);
    fo_env_free (&env);
    fo_env_free (&held);
    fo_needs_free (&needs);
}

static void
test_one_group (void **state)
{
    (void) state;
    /* "gpus:2,gpus:1": two requirements of one type in one group, the
       first split over two instances (fanout takes slots in order) */
    const char *items[] = { "gpus:2/0", "gpus:1/0" };
    fo_needs needs = needs_of (1, items, 2);
    fo_env held = { 0 };
    fo_env_set (&held, "FANOUT_RESOURCE_GPUS", "a,b,b");
    fo_env env = { 0 };
    fo_resource_groups_env (&needs, &held, &env);
    expect (&env, "CTEST_RESOURCE_GROUP_COUNT", "1");
    expect (&env, "CTEST_RESOURCE_GROUP_0", "gpus");
    expect (&env, "CTEST_RESOURCE_GROUP_0_GPUS", "id:a,slots:1;id:b,slots:1;id:b,slots:1");
    fo_env_free (&env);
    /* ids short (never when held is what the task took): those there are */
    fo_env_set (&held, "FANOUT_RESOURCE_GPUS", "a");
    fo_resource_groups_env (&needs, &held, &env);
    expect (&env, "CTEST_RESOURCE_GROUP_0_GPUS", "id:a,slots:1");
    fo_env_free (&env);
    fo_env_free (&held);
    fo_needs_free (&needs);
}

static void
test_no_groups (void **state)
{
    (void) state;
    fo_needs needs = { 0 };
    fo_env held = { 0 };
    fo_env_set (&held, "FANOUT_RESOURCE_GPUS", "0");
    fo_env env = { 0 };
    fo_resource_groups_env (&needs, &held, &env);
    fo_resource_groups_env (NULL, &held, &env);
    assert_int_equal (env.len, 0);
    fo_env_free (&held);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_counted_groups),
        cmocka_unit_test (test_one_group),
        cmocka_unit_test (test_no_groups),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
