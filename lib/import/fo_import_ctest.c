/*  fo_import_ctest — a CTest build tree's tests into a context (see the
    header for the mapping). */
#include "fo_import_ctest.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_ctest_groups.h"
#include "fo_read_ctest.h"
#include "fo_regex_guard.h"

/* ---- selection --------------------------------------------------------- */

static bool
labels_match (const regex_t *re, const fo_strv *labels)
{
    for (size_t i = 0; i < labels->len; i++)
        if (regexec (re, labels->items[i], 0, NULL, 0) == 0)
            return true;
    return false;
}

/* keep[i]: the filter's choice, then the fixtures the kept tests need. */
static int
select_tests (const fo_ctest_list *list, const fo_ctest_filter *f, bool *keep, char *err,
              size_t errlen)
{
    regex_t in, out;
    bool has_in = f && f->labels, has_out = f && f->exclude;
    char why[200];
    if (has_in && fo_regex_compile (&in, f->labels, why, sizeof why) != 0)
        return fo_err (err, errlen, "labels '%s' is not a valid extended regular expression: %s",
                       f->labels, why);
    if (has_out && fo_regex_compile (&out, f->exclude, why, sizeof why) != 0) {
        if (has_in)
            regfree (&in);
        return fo_err (err, errlen, "exclude_labels '%s' is not a valid extended regular "
                       "expression: %s", f->exclude, why);
    }
    for (size_t i = 0; i < list->len; i++) {
        const fo_ctest_test *t = &list->items[i];
        keep[i] = (!has_in || labels_match (&in, &t->labels))
                  && (!has_out || !labels_match (&out, &t->labels));
    }
    if (has_in)
        regfree (&in);
    if (has_out)
        regfree (&out);
    if (!has_in && !has_out)
        return 0;
    /* The fixtures a kept test requires come along (one pass per level of
       fixtures requiring fixtures; bounded by the number of tests). */
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < list->len; i++) {
            if (!keep[i])
                continue;
            const fo_strv *req = &list->items[i].fixtures_required;
            for (size_t k = 0; k < req->len; k++)
                for (size_t j = 0; j < list->len; j++)
                    if (!keep[j] && (fo_strv_contains (&list->items[j].fixtures_setup, req->items[k])
                                     || fo_strv_contains (&list->items[j].fixtures_cleanup, req->items[k])))
                        keep[j] = grew = true;
        }
    }
    return 0;
}

/* ---- one test ---------------------------------------------------------- */

/* ENVIRONMENT_MODIFICATION "NAME=op:value" applied to env, which holds
   ENVIRONMENT's values over the environment fanout started in. */
static int
modify_env (const fo_ctest_test *t, fo_env *env, fo_strv *unset, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->env_mod.len; i++) {
        const char *m = t->env_mod.items[i];
        const char *eq = strchr (m, '=');
        const char *colon = eq ? strchr (eq + 1, ':') : NULL;
        if (!eq || eq == m || !colon)
            return fo_err (err, errlen, "ctest test '%s': ENVIRONMENT_MODIFICATION '%s' is not "
                           "NAME=op:value", t->name, m);
        char *name = fo_xasprintf ("%.*s", (int) (eq - m), m);
        char *op = fo_xasprintf ("%.*s", (int) (colon - eq - 1), eq + 1);
        const char *value = colon + 1;
        const char *now = fo_env_get (env, name);
        if (!now && !fo_strv_contains (unset, name))
            now = getenv (name);
        int rc = 0;
        char *set = NULL;
        bool has_now = now != NULL;
        now = now ? now : "";
        if (!strcmp (op, "reset")) {
            /* back to the value before any modification */
            const char *orig = NULL;
            for (size_t k = 0; k < t->env.len; k++)
                if (!strncmp (t->env.items[k], name, strlen (name))
                    && t->env.items[k][strlen (name)] == '=')
                    orig = t->env.items[k] + strlen (name) + 1;
            orig = orig ? orig : getenv (name);
            if (orig)
                set = fo_xstrdup (orig);
            else
                fo_strv_push (unset, name);
        }
        else if (!strcmp (op, "set"))
            set = fo_xstrdup (value);
        else if (!strcmp (op, "unset"))
            fo_strv_push (unset, name);
        else if (!strcmp (op, "string_append"))
            set = fo_xasprintf ("%s%s", now, value);
        else if (!strcmp (op, "string_prepend"))
            set = fo_xasprintf ("%s%s", value, now);
        else if (!strcmp (op, "path_list_append") || !strcmp (op, "cmake_list_append"))
            set = has_now && *now ? fo_xasprintf ("%s%c%s", now, op[0] == 'p' ? ':' : ';', value)
                                  : fo_xstrdup (value);
        else if (!strcmp (op, "path_list_prepend") || !strcmp (op, "cmake_list_prepend"))
            set = has_now && *now ? fo_xasprintf ("%s%c%s", value, op[0] == 'p' ? ':' : ';', now)
                                  : fo_xstrdup (value);
        else
            rc = fo_err (err, errlen, "ctest test '%s': ENVIRONMENT_MODIFICATION '%s': unknown "
                         "operation '%s'", t->name, m, op);
        if (set) {
            fo_env_set (env, name, set);
            /* set again after an unset: no longer unset */
            for (size_t k = 0; k < unset->len; k++)
                if (!strcmp (unset->items[k], name))
                    unset->items[k][0] = '\0';
        }
        free (set);
        free (name);
        free (op);
        if (rc)
            return rc;
    }
    return 0;
}

static int
check_regexes (const fo_ctest_test *t, const fo_strv *v, const char *prop, char *err,
               size_t errlen)
{
    for (size_t i = 0; i < v->len; i++) {
        char why[200];
        if (!fo_ctest_regex_valid (v->items[i], why, sizeof why))
            return fo_err (err, errlen, "ctest test '%s': %s '%s' is not a valid extended "
                           "regular expression: %s", t->name, prop, v->items[i], why);
    }
    return 0;
}

static size_t
strv_bytes (const fo_strv *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->len; i++)
        n += strlen (v->items[i]) + 1;
    return n;
}

/* The test as it will be sent stays within the suite's limits for one
   step (fo_suite.h: FO_SUITE_MAX_STEP, FO_SUITE_MAX_ENV_VARS), counted as
   the loader counts a step, plus its verdict. */
static int
check_step (const fo_test *test, char *err, size_t errlen)
{
    const fo_env *env = fo_test_env (test);
    if (env->len > FO_SUITE_MAX_ENV_VARS)
        return fo_err (err, errlen, "ctest test '%s': %zu environment variables (at most %u)",
                       test->name, env->len, FO_SUITE_MAX_ENV_VARS);
    size_t bytes = 2 * (strlen (test->id) + 1) + strv_bytes (&test->run.argv)
                   + strlen (test->cwd);
    if (test->verdict)
        bytes += strv_bytes (&test->verdict->pass) + strv_bytes (&test->verdict->fail)
                 + strv_bytes (&test->verdict->skip) + strv_bytes (&test->verdict->needs);
    for (size_t i = 0; i < env->len; i++)
        bytes += strlen (env->items[i].name) + strlen (env->items[i].value) + 2;
    if (bytes > FO_SUITE_MAX_STEP)
        return fo_err (err, errlen, "ctest test '%s' takes %zu bytes to send (at most %u MiB)",
                       test->name, bytes, FO_SUITE_MAX_STEP >> 20);
    return 0;
}

/* What the test asks of the cluster (fo_needs.h): RESOURCE_LOCK's names as
   exclusive locks (CTest's locks are exclusive), each once; RESOURCE_GROUPS
   as the slots of each type all its groups ask together, and the groups
   themselves, from which the broker tells the test its instances
   (fo_resource_groups.h); PROCESSORS as the worker slots it takes. */
static int
add_needs (fo_test *test, const fo_ctest_test *t, char *err, size_t errlen)
{
    if (t->resource_lock.len == 0 && t->ngroups == 0 && t->processors <= 1)
        return 0;
    test->needs = fo_needs_new ();
    fo_needs *n = test->needs;
    /* PROCESSORS: worker slots of its agent (placement clamps it to the
       agent's slots, as ctest clamps it to -j). */
    n->processors = t->processors > 1 ? t->processors : 0;
    for (size_t i = 0; i < t->resource_lock.len; i++) {
        const char *lock = t->resource_lock.items[i];
        if (!fo_lock_name_ok (lock))
            return fo_err (err, errlen, "ctest test '%s': RESOURCE_LOCK '%.300s' is not a lock "
                           "name (1 to %u bytes, no control character)", t->name, lock,
                           FO_NEEDS_MAX_LOCK);
        if (!fo_strv_contains (&n->locks, lock))
            fo_strv_push (&n->locks, lock);
    }
    n->groups = fo_xcalloc (t->nreqs + 1, sizeof *n->groups);
    n->ngroups = t->ngroups;
    for (size_t i = 0; i < t->nreqs; i++) {
        const fo_ctest_req *r = &t->reqs[i];
        n->groups[n->ngroup_needs++] = (fo_group_need) { fo_xstrdup (r->type), r->slots,
                                                         r->group };
        size_t k = 0;
        while (k < n->nresources && strcmp (n->resources[k].name, r->type))
            k++;
        if (k == n->nresources) {
            n->resources = fo_xrealloc (n->resources, (k + 1) * sizeof *n->resources);
            n->resources[n->nresources++] = (fo_need) { fo_xstrdup (r->type), 0 };
        }
        if (n->resources[k].count + (uint64_t) r->slots > FO_NEEDS_MAX_COUNT)
            return fo_err (err, errlen, "ctest test '%s': RESOURCE_GROUPS asks for more than %u "
                           "slots of '%s' in all", t->name, FO_NEEDS_MAX_COUNT, r->type);
        n->resources[k].count += r->slots;
    }
    if (fo_needs_count (n) > FO_NEEDS_MAX)
        return fo_err (err, errlen, "ctest test '%s' asks for %zu locks and resources "
                       "(RESOURCE_LOCK, RESOURCE_GROUPS; at most %u)", t->name,
                       fo_needs_count (n), FO_NEEDS_MAX);
    return 0;
}

/* members[0..nmembers): the tests of index's unit (a fixture's setups
   are found among them). */
static char *
member_id (fo_context *ctx, fo_context *const *homes, size_t j, const char *name)
{
    return fo_context_child_id (homes && homes[j] ? homes[j] : ctx, name);
}

/* The setup and cleanup tests of the fixtures t requires, by id: chosen
   with it (fo_needs.with), in every mode, as `ctest -R` runs them with a
   test it chooses. They are in its group (members). */
static void
add_with (fo_test *test, const fo_ctest_test *t, const fo_ctest_list *list, size_t index,
          const size_t *members, size_t nmembers, fo_context *ctx, fo_context *const *homes)
{
    for (size_t k = 0; k < t->fixtures_required.len; k++)
        for (size_t m = 0; m < nmembers; m++) {
            size_t j = members[m];
            const fo_ctest_test *u = &list->items[j];
            if (j == index || (!fo_strv_contains (&u->fixtures_setup, t->fixtures_required.items[k])
                               && !fo_strv_contains (&u->fixtures_cleanup,
                                                     t->fixtures_required.items[k])))
                continue;
            if (!test->needs)
                test->needs = fo_needs_new ();
            char *id = member_id (ctx, homes, j, u->name);
            if (!fo_strv_contains (&test->needs->with, id))
                fo_strv_push (&test->needs->with, id);
            free (id);
        }
}

static int
add_test (fo_context *ctx, const fo_ctest_list *list, size_t index, const size_t *members,
          size_t nmembers, fo_context *const *homes, const char *build_dir, char *err,
          size_t errlen)
{
    const fo_ctest_test *t = &list->items[index];
    char why[512];
    if (!fo_context_can_add_test (ctx, t->name, why, sizeof why))
        return fo_err (err, errlen, "ctest test: %s", why);     /* why shows the name, escaped */
    if (check_regexes (t, &t->pass, "PASS_REGULAR_EXPRESSION", err, errlen)
        || check_regexes (t, &t->fail, "FAIL_REGULAR_EXPRESSION", err, errlen)
        || check_regexes (t, &t->skip, "SKIP_REGULAR_EXPRESSION", err, errlen))
        return -1;
    fo_env env = { 0 };
    for (size_t i = 0; i < t->env.len; i++) {
        const char *eq = strchr (t->env.items[i], '=');
        if (!eq || eq == t->env.items[i]) {
            fo_env_free (&env);
            return fo_err (err, errlen, "ctest test '%s': ENVIRONMENT '%s' is not NAME=value",
                           t->name, t->env.items[i]);
        }
        char *name = fo_xasprintf ("%.*s", (int) (eq - t->env.items[i]), t->env.items[i]);
        fo_env_set (&env, name, eq + 1);
        free (name);
    }
    fo_strv unset = { 0 };
    if (modify_env (t, &env, &unset, err, errlen) != 0) {
        fo_env_free (&env);
        fo_strv_free (&unset);
        return -1;
    }

    fo_test *test = fo_test_new (ctx, t->name);
    for (size_t i = 0; i < unset.len; i++)
        if (unset.items[i][0]) {
            if (test->run.argv.len == 0)
                fo_strv_push (&test->run.argv, "env");
            fo_strv_push (&test->run.argv, "-u");
            fo_strv_push (&test->run.argv, unset.items[i]);
        }
    fo_strv_free (&unset);
    if (t->command.len > 0)
        for (size_t i = 0; i < t->command.len; i++)
            fo_strv_push (&test->run.argv, t->command.items[i]);
    else {
        /* CTest lists no command when the test's executable does not
           exist; it reports the test "Not Run" and fails the run. */
        fo_strv_push (&test->run.argv, "/bin/sh");
        fo_strv_push (&test->run.argv, "-c");
        fo_strv_push (&test->run.argv, "echo 'ctest lists no command for this test (its "
                                       "executable was not found)' >&2; exit 127");
    }
    if (env.len)
        *fo_test_env_own (test) = env;
    else
        fo_env_free (&env);
    test->cwd = fo_xstrdup (t->cwd ? t->cwd : build_dir);
    if (t->has_timeout)
        test->timeout_ms = t->timeout_s > 0 ? (uint32_t) (t->timeout_s * 1000.0 + 0.5)
                                            : FO_TIMEOUT_NONE;
    if (test->timeout_ms == 0 && t->has_timeout)
        test->timeout_ms = 1;
    test->reader = FO_READER_CTEST;
    test->serial = t->run_serial;
    /* COST: CTest's own estimate, in seconds (its cost data holds mean
       run times), a hint for a test the history does not know. */
    if (t->cost > 0)
        test->cost_ms = t->cost * 1000.0 >= (double) UINT32_MAX ? UINT32_MAX
                      : t->cost * 1000.0 < 1.0             ? 1u
                                                            : (uint32_t) (t->cost * 1000.0 + 0.5);
    if (!test->verdict)
        test->verdict = fo_xcalloc (1, sizeof *test->verdict);
    fo_verdict *v = test->verdict;
    v->will_fail = t->will_fail;
    v->disabled = t->disabled;
    v->skip_code = t->skip_code;
    fo_strv_copy (&v->pass, &t->pass);
    fo_strv_copy (&v->fail, &t->fail);
    fo_strv_copy (&v->skip, &t->skip);
    /* needs: the setup tests of the fixtures it requires (in its unit) */
    for (size_t k = 0; k < t->fixtures_required.len; k++)
        for (size_t m = 0; m < nmembers; m++) {
            size_t j = members[m];
            if (j != index && fo_strv_contains (&list->items[j].fixtures_setup, t->fixtures_required.items[k])) {
                char *id = member_id (ctx, homes, j, list->items[j].name);
                if (!fo_strv_contains (&v->needs, id))
                    fo_strv_push (&v->needs, id);
                free (id);
            }
        }
    if (add_needs (test, t, err, errlen) != 0)
        return -1;
    add_with (test, t, list, index, members, nmembers, ctx, homes);
    return check_step (test, err, errlen);
}

/* ---- a fixture's mode ----------------------------------------------------- */

enum { GROUP_UNIT = 0, GROUP_SHARED, GROUP_SPLIT };

static bool
has_label (const fo_ctest_test *t, const char *label)
{
    return fo_strv_contains (&t->labels, label);
}

/* The group's mode: the filter's `fixtures` when given, else the labels
   on its setup tests (two setups asking two modes: an error). */
static int
group_mode (const fo_ctest_list *list, const size_t *members, size_t g,
            const fo_ctest_filter *filter, const char *gname, char *err, size_t errlen)
{
    if (filter && filter->fixtures) {
        if (!strcmp (filter->fixtures, "unit"))
            return GROUP_UNIT;
        if (!strcmp (filter->fixtures, "shared"))
            return GROUP_SHARED;
        if (!strcmp (filter->fixtures, "split"))
            return GROUP_SPLIT;
        return fo_err (err, errlen, "fixtures '%s' is not a fixture mode (unit, shared, split)",
                       filter->fixtures);
    }
    int mode = GROUP_UNIT;
    for (size_t m = 0; m < g; m++) {
        const fo_ctest_test *t = &list->items[members[m]];
        if (t->fixtures_setup.len == 0)
            continue;
        bool sh = has_label (t, FO_CTEST_LABEL_SHARED), sp = has_label (t, FO_CTEST_LABEL_SPLIT);
        int want = sh && sp ? -1 : sh ? GROUP_SHARED : sp ? GROUP_SPLIT : GROUP_UNIT;
        if (want == -1 || (want != GROUP_UNIT && mode != GROUP_UNIT && want != mode))
            return fo_err (err, errlen, "ctest fixture group '%s': setup test '%s' asks for %s "
                           "where %s", gname, t->name,
                           want == -1 ? "both " FO_CTEST_LABEL_SHARED " and " FO_CTEST_LABEL_SPLIT
                                    : want == GROUP_SHARED ? FO_CTEST_LABEL_SHARED
                                                           : FO_CTEST_LABEL_SPLIT,
                           want == -1 ? "a fixture has one mode"
                                    : "another setup of the group asks for the other mode");
        if (want != GROUP_UNIT)
            mode = want;
    }
    return mode;
}

/* The test's own command, cwd and env as one argv that sets them:
   `env -C CWD -u NAME NAME=VALUE... COMMAND...` (a split context's setup
   or teardown step carries no env or cwd of its own). */
static int
wrap_step (const fo_test *t, fo_command *into, char *err, size_t errlen)
{
    size_t at = 0;
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "env");
    fo_strv_push (&argv, "-C");
    fo_strv_push (&argv, t->cwd);
    /* add_test's own `env -u NAME...` (ENVIRONMENT_MODIFICATION's unset) */
    if (t->run.argv.len > 1 && !strcmp (t->run.argv.items[0], "env")
        && !strcmp (t->run.argv.items[1], "-u"))
        for (at = 1; at + 1 < t->run.argv.len && !strcmp (t->run.argv.items[at], "-u"); at += 2) {
            fo_strv_push (&argv, "-u");
            fo_strv_push (&argv, t->run.argv.items[at + 1]);
        }
    const fo_env *env = fo_test_env (t);
    for (size_t i = 0; i < env->len; i++) {
        char *kv = fo_xasprintf ("%s=%s", env->items[i].name, env->items[i].value);
        fo_strv_push_owned (&argv, kv);
    }
    if (at < t->run.argv.len && strchr (t->run.argv.items[at], '=')) {
        fo_strv_free (&argv);
        return fo_err (err, errlen, "ctest test '%s': a command holding '=' cannot be a split "
                       "fixture's step", t->name);
    }
    for (size_t i = at; i < t->run.argv.len; i++)
        fo_strv_push (&argv, t->run.argv.items[i]);
    fo_strv_free (&into->argv);
    into->argv = argv;
    return 0;
}

static void
push_after (fo_test *test, const char *id)
{
    if (!test->needs)
        test->needs = fo_needs_new ();
    if (!fo_strv_contains (&test->needs->after, id))
        fo_strv_push (&test->needs->after, id);
}

static fo_test *
find_test (fo_context *c, const char *name)
{
    for (size_t i = 0; i < c->ntests; i++)
        if (!strcmp (c->tests[i]->name, name))
            return c->tests[i];
    return NULL;
}

/* The group spread over tasks, in order by fo_needs.after (fo_after.h).
   shared: every test of the group in its context (each its own task):
   a dependant after the setups it requires (its verdict's needs: the
   broker checks they passed), a cleanup after every test that requires
   its fixture and that fixture's setups, each after what it DEPENDS on.
   split: the setup and cleanup tests in the tree's context, run once for
   their verdicts (in that order), the dependants in a split context
   whose setup and teardown steps are that setup and cleanup (one of
   each). */
static int
add_spread (fo_context *ctx, const char *gname, int mode, const fo_ctest_list *list,
            const fo_ctest_test **sorted, const size_t *members, size_t g, fo_context **homes,
            const char *build_dir, char *err, size_t errlen)
{
    fo_context *group = fo_context_new (ctx, gname);
    group->mode = FO_MODE_SHARED;     /* no setup of its own: shows the mode; its tests spread */
    size_t nsetup = 0, ncleanup = 0, setup = 0, cleanup = 0;
    for (size_t m = 0; m < g; m++) {
        const fo_ctest_test *t = &list->items[members[m]];
        if (fo_ctest_tier (t) == 0)
            nsetup++, setup = members[m];
        if (fo_ctest_tier (t) == 2)
            ncleanup++, cleanup = members[m];
        homes[members[m]] = group;
    }
    if (mode == GROUP_SPLIT) {
        if (nsetup != 1 || ncleanup > 1)
            return fo_err (err, errlen, "ctest fixture group '%s': the split mode takes one setup "
                           "test and at most one cleanup test (it has %zu and %zu): use shared, "
                           "or the unit", gname, nsetup, ncleanup);
        for (size_t m = 0; m < g; m++) {
            const fo_ctest_test *t = &list->items[members[m]];
            if (fo_ctest_tier (t) == 1 && (t->fixtures_setup.len || t->fixtures_cleanup.len))
                return fo_err (err, errlen, "ctest fixture group '%s': the split mode takes one "
                               "fixture ('%s' sets up or cleans up another)", gname, t->name);
        }
        homes[setup] = ctx;
        if (ncleanup)
            homes[cleanup] = ctx;
        group->mode = FO_MODE_SPLIT;
    }
    for (size_t m = 0; m < g; m++) {
        size_t j = members[m];
        if (add_test (homes[j], list, j, members, g, homes, build_dir, err, errlen) != 0)
            return -1;
    }
    /* The order: DEPENDS within the group; cleanups after the tests
       requiring their fixtures and after those fixtures' setups. */
    for (size_t m = 0; m < g; m++) {
        size_t j = members[m];
        const fo_ctest_test *t = &list->items[j];
        fo_test *test = find_test (homes[j], t->name);
        for (size_t k = 0; k < t->depends.len; k++) {
            size_t d = fo_ctest_lookup (list, sorted, t->depends.items[k]);
            for (size_t o = 0; o < g; o++)
                if (members[o] == d && d != j) {
                    char *id = member_id (ctx, homes, d, list->items[d].name);
                    push_after (test, id);
                    free (id);
                }
        }
        for (size_t k = 0; k < t->fixtures_cleanup.len; k++)
            for (size_t o = 0; o < g; o++) {
                const fo_ctest_test *u = &list->items[members[o]];
                if (members[o] == j
                    || (!fo_strv_contains (&u->fixtures_required, t->fixtures_cleanup.items[k])
                        && !fo_strv_contains (&u->fixtures_setup, t->fixtures_cleanup.items[k])))
                    continue;
                char *id = member_id (ctx, homes, members[o], u->name);
                push_after (test, id);
                free (id);
            }
        if (test->serial && mode == GROUP_SPLIT && homes[j] == group)
            group->mode |= FO_MODE_SERIAL;
    }
    if (mode == GROUP_SPLIT) {
        if (wrap_step (find_test (ctx, list->items[setup].name), &group->setup, err, errlen) != 0
            || (ncleanup && wrap_step (find_test (ctx, list->items[cleanup].name),
                                       &group->teardown, err, errlen) != 0))
            return -1;
        /* The dependants also wait for the setup test itself to pass:
           their verdicts' needs name it (add_test), as in every mode. */
    }
    return 0;
}

int
fo_ctest_add (fo_context *ctx, const fo_ctest_list *list, const fo_ctest_filter *filter,
              const char *build_dir, char *err, size_t errlen)
{
    size_t n = list->len;
    bool *keep = fo_xcalloc (n + 1, sizeof *keep);
    size_t *parent = fo_xcalloc (n + 1, sizeof *parent);
    size_t *size = fo_xcalloc (n + 1, sizeof *size);
    fo_buf *names = fo_xcalloc (n + 1, sizeof *names);
    size_t *members = fo_xcalloc (n + 1, sizeof *members);
    const fo_ctest_test **sorted = fo_xcalloc (n + 1, sizeof *sorted);
    fo_context **homes = fo_xcalloc (n + 1, sizeof *homes);
    for (size_t i = 0; i < n; i++)
        sorted[i] = &list->items[i];
    if (n > 0)
        qsort (sorted, n, sizeof *sorted, fo_ctest_name_cmp);
    int rc = select_tests (list, filter, keep, err, errlen);
    if (rc == 0) {
        fo_ctest_group (list, sorted, keep, parent, names);
        for (size_t i = 0; i < n; i++)
            if (keep[i])
                size[fo_ctest_group_root (parent, i)]++;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!keep[i])
            continue;
        size_t root = fo_ctest_group_root (parent, i);
        if (size[root] < 2) {
            rc = add_test (ctx, list, i, &i, 1, NULL, build_dir, err, errlen);
            continue;
        }
        if (root != i)
            continue;   /* added with its group, at its root (first) test */
        char why[512];
        const char *gname = names[root].data;
        if (!fo_name_check ("context", gname, strlen (gname), why, sizeof why)) {
            rc = fo_err (err, errlen, "ctest fixture group: %s", why);
            break;
        }
        /* Fixture names holding '+' can spell another group's name. */
        for (size_t c = 0; c < ctx->ncontexts && rc == 0; c++)
            if (!strcmp (ctx->contexts[c]->name, gname))
                rc = fo_err (err, errlen, "ctest fixture group '%s' twice (fixture names "
                             "joined by '+' spell another group's name)", gname);
        if (rc != 0)
            break;
        size_t g = 0;
        for (size_t j = i; j < n; j++)
            if (keep[j] && fo_ctest_group_root (parent, j) == root)
                members[g++] = j;
        fo_ctest_order_unit (list, sorted, members, g);
        int mode = group_mode (list, members, g, filter, gname, err, errlen);
        if (mode < 0)
            rc = -1;
        else if (mode == GROUP_UNIT) {
            fo_context *unit = fo_context_new (ctx, gname);
            unit->mode = FO_MODE_UNIT;
            for (size_t m = 0; m < g && rc == 0; m++) {
                rc = add_test (unit, list, members[m], members, g, NULL, build_dir, err, errlen);
                if (list->items[members[m]].run_serial)
                    unit->mode |= FO_MODE_SERIAL;
            }
        }
        else
            rc = add_spread (ctx, gname, mode, list, sorted, members, g, homes, build_dir, err,
                             errlen);
    }
    for (size_t i = 0; i < n; i++)
        fo_buf_free (&names[i]);
    free (names);
    free (homes);
    free (sorted);
    free (members);
    free (size);
    free (parent);
    free (keep);
    return rc;
}
