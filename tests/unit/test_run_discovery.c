/*  Tests for the broker's run bookkeeping (broker/fo_run.c) around generated
    tests and exports, driven by hand, without sockets: discovery leases go
    first, the names they send back become leasable tasks and report
    records, a unit waits for its discoveries, failed, silent, lost and
    stopped discoveries end properly; a CTest listing's shared and split
    fixtures wait for their setups; a shared setup's exports ride in the
    lease and secret values never reach the report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fo_run.h"
#include "run_support.h"

/* ---- a suite and a run ------------------------------------------------- */

static void
shell (fo_command *cmd, const char *script)
{
    fo_strv_push (&cmd->argv, "/bin/sh");
    fo_strv_push (&cmd->argv, "-c");
    fo_strv_push (&cmd->argv, script);
}

static fo_context *
discovering (fo_context *parent, const char *name)
{
    fo_context *ctx = fo_context_new (parent, name);
    shell (&ctx->discover, "./list");
    ctx->discover_on_agent = true;
    ctx->run_template_shell = fo_xstrdup ("./t {name}");
    return ctx;
}

static fo_test *
test_add (fo_context *parent, const char *name)
{
    fo_test *test = fo_test_new (parent, name);
    shell (&test->run, "true");
    return test;
}

typedef run_world world;

static void
world_start (world *w, uint32_t max_attempts)
{
    run_world_start (w, (fo_run_options) {
        .max_attempts = max_attempts,
        .output_cap = 4096,
        .skip_code = 77,
        .broker_host = "brokerhost",
    });
}

/* ---- what an agent says ------------------------------------------------ */

/* The next lease for agent 0; its first step's name (or NULL: none now). */
static const char *
lease_next (world *w, fo_lease *lease)
{
    memset (lease, 0, sizeof *lease);
    if (!fo_run_next_lease (w->run, 0, lease))
        return NULL;
    return lease->nsteps ? lease->steps[lease->nsteps > 1 ? 1 : 0].name : "";
}

static bool
answer (world *w, uint64_t lease, const char *const *names, const char *error)
{
    fo_discovered d = { .lease = lease, .error = (char *) (error ? error : ""), .err = "oops",
                        .err_len = error ? 4 : 0 };
    for (size_t i = 0; names && names[i]; i++)
        fo_strv_push (&d.names, names[i]);
    bool ok = fo_run_discovered (w->run, 0, "h1", &d);
    fo_strv_free (&d.names);
    return ok;
}

/* A CTest tree's listing (`discovered.listing`) as an agent sends it. */
static bool
answer_listing (world *w, uint64_t lease, const char *listing)
{
    fo_discovered d = { .lease = lease, .error = "", .err = "", .listing = (char *) listing,
                        .listing_len = strlen (listing) };
    return fo_run_discovered (w->run, 0, "h1", &d);
}

#define CTEST_TEST(name, props) \
    "{\"name\": \"" name "\", \"command\": [\"/bin/true\"], \"properties\": [" \
    "{\"name\": \"WORKING_DIRECTORY\", \"value\": \"/tmp\"}" props "]}"
#define CTEST_LISTING(...) \
    "{\"kind\": \"ctestInfo\", \"version\": {\"major\": 1, \"minor\": 0}, " \
    "\"tests\": [" __VA_ARGS__ "]}"

/* Passes every test step of the lease, then ends it. */
static void
pass_all (world *w, const fo_lease *lease, const char *out)
{
    for (size_t i = 0; i < lease->nsteps; i++)
        for (size_t k = 0; k < lease->steps[i].tests.len; k++) {
            fo_result r = {
                .lease = lease->lease, .step = (uint32_t) i, .test = lease->steps[i].tests.items[k],
                .outcome = FO_PASSED, .out = (char *) out, .out_len = strlen (out), .err = "",
                .message = (char *) out, .host = "h1", .worker = 1, .attempt = lease->attempt,
            };
            assert_true (fo_run_result (w->run, 0, "h1", &r));
        }
    fo_done done = { .lease = lease->lease };
    assert_true (fo_run_done (w->run, 0, "host-a", &done));
}

static const fo_test_record *
record (const world *w, const char *id)
{
    for (size_t i = 0; i < fo_report_ntests (w->report); i++)
        if (!strcmp (fo_report_test (w->report, i)->id, id))
            return fo_report_test (w->report, i);
    fail_msg ("no record for '%s'", id);
    return NULL;
}

#define NAMES(...) ((const char *const[]) { __VA_ARGS__, NULL })

/* ---- the tests --------------------------------------------------------- */

static void
test_names_become_tasks (void **state)
{
    (void) state;
    world w = { .suite = hand_suite_new ("/tmp") };
    discovering (w.suite->root, "gen");
    fo_context *u = fo_context_new (w.suite->root, "u");
    shell (&u->setup, "true");
    test_add (u, "f");
    discovering (u, "g");
    world_start (&w, 1);
    assert_int_equal (fo_report_ntests (w.report), 1);

    fo_lease l1, l2, l3, l4;
    assert_string_equal (lease_next (&w, &l1), "gen");      /* discoveries first */
    assert_int_equal (l1.steps[0].kind, FO_STEP_DISCOVER);
    assert_int_equal (l1.env.len, 0);
    assert_string_equal (lease_next (&w, &l2), "u/g");
    assert_null (lease_next (&w, &l3));                     /* the unit waits */

    assert_true (answer (&w, l1.lease, NAMES ("a", "b"), NULL));
    assert_false (answer (&w, l1.lease, NAMES ("c"), NULL));    /* answered already */
    assert_int_equal (fo_report_ntests (w.report), 3);
    assert_string_equal (fo_report_test (w.report, 1)->id, "gen/a");
    assert_string_equal (fo_report_test (w.report, 1)->context, "gen");
    assert_string_equal (lease_next (&w, &l3), "gen/a");
    assert_string_equal (l3.steps[0].argv.items[2], "./t 'a'");
    pass_all (&w, &l1, "");
    pass_all (&w, &l3, "");
    assert_string_equal (lease_next (&w, &l4), "gen/b");
    pass_all (&w, &l4, "");
    assert_null (lease_next (&w, &l3));

    /* the unit's discovery ends without an answer: an error, the unit goes */
    fo_done silent = { .lease = l2.lease, .exit_status = 3 };
    assert_true (fo_run_done (w.run, 0, "host-a", &silent));
    assert_int_equal (fo_report_nfixture_errors (w.report), 1);
    assert_string_equal (fo_report_fixture_error (w.report, 0)->context, "u/g");
    assert_string_equal (fo_report_fixture_error (w.report, 0)->phase, "discover");
    assert_string_equal (fo_report_fixture_error (w.report, 0)->message,
                         "discover command of context 'u/g' sent no names (its task ended with "
                         "exit status 3)");
    assert_string_equal (lease_next (&w, &l3), "u/f");
    assert_string_equal (l3.steps[0].name, "u");            /* its setup */
    pass_all (&w, &l3, "");
    assert_true (fo_run_finished (w.run));
    assert_true (record (&w, "gen/b")->done);
    run_world_free (&w);
}

static void
test_unit_gets_its_tests (void **state)
{
    (void) state;
    world w = { .suite = hand_suite_new ("/tmp") };
    fo_context *u = fo_context_new (w.suite->root, "u");
    shell (&u->setup, "true");
    test_add (u, "f");
    discovering (u, "g");
    world_start (&w, 1);
    fo_lease d, unit;
    assert_string_equal (lease_next (&w, &d), "u/g");
    assert_true (answer (&w, d.lease, NAMES ("x", "y"), NULL));
    assert_int_equal (fo_report_ntests (w.report), 3);
    assert_string_equal (lease_next (&w, &unit), "u/f");
    assert_int_equal (unit.nsteps, 4);                      /* +u u/f u/g/x u/g/y */
    assert_string_equal (unit.steps[3].name, "u/g/y");
    pass_all (&w, &d, "");
    pass_all (&w, &unit, "");
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_report_nfixture_errors (w.report), 0);
    run_world_free (&w);
}

/* A CTest tree listed on an agent: its listing becomes tests with their
   properties and fixture groups (each a unit, one lease), chosen by the
   run's selection with the fixtures a chosen test requires; a bad
   listing keeps nothing, and names are no answer to it. */
static void
test_ctest_listing (void **state)
{
    (void) state;
    static const char *const listing = CTEST_LISTING (
        CTEST_TEST ("plain", ", {\"name\": \"RESOURCE_LOCK\", \"value\": [\"db\"]}") ", "
        CTEST_TEST ("db_setup", ", {\"name\": \"FIXTURES_SETUP\", \"value\": [\"db\"]}") ", "
        CTEST_TEST ("db_user", ", {\"name\": \"FIXTURES_REQUIRED\", \"value\": [\"db\"]}") ", "
        CTEST_TEST ("db_cleanup", ", {\"name\": \"FIXTURES_CLEANUP\", \"value\": [\"db\"]}") ", "
        CTEST_TEST ("other", ""));
    world w = { .suite = hand_suite_new ("/tmp") };
    fo_context *tree = discovering (w.suite->root, "build");
    tree->discovered_reader = FO_READER_CTEST;
    fo_context *bad = discovering (w.suite->root, "bad");
    bad->discovered_reader = FO_READER_CTEST;
    fo_context *names = discovering (w.suite->root, "names");
    names->discovered_reader = FO_READER_CTEST;
    fo_context *part = discovering (w.suite->root, "part");
    part->discovered_reader = FO_READER_CTEST;
    world_start (&w, 1);
    fo_lease a, b, c, p, t1, t2, t3;
    assert_string_equal (lease_next (&w, &a), "build");
    assert_int_equal (a.steps[0].reader, FO_READER_CTEST);     /* answer with the listing */
    assert_string_equal (lease_next (&w, &b), "bad");
    assert_string_equal (lease_next (&w, &c), "names");
    assert_string_equal (lease_next (&w, &p), "part");
    assert_true (answer_listing (&w, a.lease, listing));
    assert_int_equal (fo_report_ntests (w.report), 5);
    assert_string_equal (record (&w, "build/db/db_user")->context, "build/db");
    /* the plain tests one lease each, the fixture group one, in CTest's order */
    assert_string_equal (lease_next (&w, &t1), "build/plain");
    assert_int_equal (t1.steps[0].reader, FO_READER_CTEST);
    assert_string_equal (lease_next (&w, &t2), "build/other");
    assert_string_equal (lease_next (&w, &t3), "build/db/db_user");     /* its second step */
    assert_string_equal (t3.steps[0].name, "build/db/db_setup");
    assert_int_equal (t3.nsteps, 3);
    assert_string_equal (t3.steps[2].name, "build/db/db_cleanup");
    assert_string_equal (t3.steps[1].verdict.needs.items[0], "build/db/db_setup");
    /* a listing that does not read: an error, nothing kept */
    assert_true (answer_listing (&w, b.lease, CTEST_LISTING (CTEST_TEST ("x", "") ", "
                                                              "{\"name\": 3}")));
    assert_true (answer (&w, c.lease, NAMES ("n"), NULL));
    /* one that reads but whose second test is refused: the first goes too */
    assert_true (answer_listing (&w, p.lease, CTEST_LISTING (
        CTEST_TEST ("fine", "") ", "
        CTEST_TEST ("re", ", {\"name\": \"PASS_REGULAR_EXPRESSION\", \"value\": [\"(\"]}"))));
    assert_int_equal (fo_report_ntests (w.report), 5);
    assert_int_equal (part->ntests, 0);
    assert_int_equal (fo_report_nfixture_errors (w.report), 3);
    assert_non_null (strstr (fo_report_fixture_error (w.report, 2)->message, "'re'"));
    assert_non_null (strstr (fo_report_fixture_error (w.report, 0)->message,
                             "discover command of context 'bad' failed on h1: "));
    assert_string_equal (fo_report_fixture_error (w.report, 1)->message,
                         "discover command of context 'names' failed on h1: it sent names where "
                         "a CTest listing was due");
    pass_all (&w, &a, "");
    pass_all (&w, &b, "");
    pass_all (&w, &c, "");
    pass_all (&w, &p, "");
    pass_all (&w, &t1, "");
    pass_all (&w, &t2, "");
    pass_all (&w, &t3, "");
    assert_true (fo_run_finished (w.run));
    run_world_free (&w);
}

/* Ends every test step of the lease with this outcome, then the lease. */
static void
end_all (world *w, const fo_lease *lease, fo_outcome outcome)
{
    for (size_t i = 0; i < lease->nsteps; i++)
        for (size_t k = 0; k < lease->steps[i].tests.len; k++) {
            fo_result r = {
                .lease = lease->lease, .step = (uint32_t) i, .test = lease->steps[i].tests.items[k],
                .outcome = outcome, .out = "", .err = "", .message = "", .host = "h1",
                .worker = 1, .attempt = lease->attempt,
            };
            assert_true (fo_run_result (w->run, 0, "h1", &r));
        }
    fo_done done = { .lease = lease->lease };
    assert_true (fo_run_done (w->run, 0, "host-a", &done));
}

#define LABEL(l) ", {\"name\": \"LABELS\", \"value\": [\"" l "\"]}"
#define SETUP(f) ", {\"name\": \"FIXTURES_SETUP\", \"value\": [\"" f "\"]}"
#define REQUIRED(f) ", {\"name\": \"FIXTURES_REQUIRED\", \"value\": [\"" f "\"]}"
#define CLEANUP(f) ", {\"name\": \"FIXTURES_CLEANUP\", \"value\": [\"" f "\"]}"

/* A CTest tree listed on an agent whose fixtures ask for the shared and
   split modes (their setups' labels): the order between tasks grows with
   the listing. shared: the setup alone, then the dependants side by side,
   then the cleanup; split: the setup test alone, then each dependant
   inside the setup and cleanup steps, then the cleanup test. A setup
   that fails: its dependants not run, its cleanup still runs. */
static void
test_ctest_listing_modes (void **state)
{
    (void) state;
    static const char *const listing = CTEST_LISTING (
        CTEST_TEST ("sh_setup", SETUP ("sh") LABEL ("fanout:shared")) ", "
        CTEST_TEST ("sh_a", REQUIRED ("sh")) ", "
        CTEST_TEST ("sh_b", REQUIRED ("sh")) ", "
        CTEST_TEST ("sh_cleanup", CLEANUP ("sh")) ", "
        CTEST_TEST ("sp_setup", SETUP ("sp") LABEL ("fanout:split")) ", "
        CTEST_TEST ("sp_a", REQUIRED ("sp")) ", "
        CTEST_TEST ("sp_cleanup", CLEANUP ("sp")));
    world w = { .suite = hand_suite_new ("/tmp") };
    fo_context *tree = discovering (w.suite->root, "build");
    tree->discovered_reader = FO_READER_CTEST;
    world_start (&w, 1);
    fo_lease d, l1, l2, l3, l4, l5, none;
    assert_string_equal (lease_next (&w, &d), "build");
    assert_true (answer_listing (&w, d.lease, listing));
    assert_int_equal (fo_report_ntests (w.report), 7);
    pass_all (&w, &d, "");
    /* only the setups go first */
    assert_string_equal (lease_next (&w, &l1), "build/sp_setup");
    assert_int_equal (l1.nsteps, 1);
    assert_string_equal (lease_next (&w, &l2), "build/sh/sh_setup");
    assert_int_equal (l2.nsteps, 1);
    assert_null (lease_next (&w, &none));
    /* sp's setup passed: its dependant, inside the steps */
    end_all (&w, &l1, FO_PASSED);
    assert_string_equal (lease_next (&w, &l3), "build/sp/sp_a");
    assert_int_equal (l3.nsteps, 3);
    assert_int_equal (l3.steps[0].kind, FO_STEP_SETUP);
    assert_int_equal (l3.steps[2].kind, FO_STEP_TEARDOWN);
    assert_null (lease_next (&w, &none));
    end_all (&w, &l3, FO_PASSED);
    assert_string_equal (lease_next (&w, &l3), "build/sp_cleanup");
    end_all (&w, &l3, FO_PASSED);
    /* sh's setup failed: its dependants are not run, its cleanup runs */
    end_all (&w, &l2, FO_FAILED);
    assert_int_equal (record (&w, "build/sh/sh_a")->outcome, FO_NOT_RUN);
    assert_int_equal (record (&w, "build/sh/sh_b")->outcome, FO_NOT_RUN);
    assert_string_equal (lease_next (&w, &l4), "build/sh/sh_cleanup");
    assert_null (lease_next (&w, &l5));
    end_all (&w, &l4, FO_PASSED);
    assert_true (fo_run_finished (w.run));
    assert_int_equal (record (&w, "build/sp/sp_a")->outcome, FO_PASSED);
    run_world_free (&w);
}

static void
test_bad_answers (void **state)
{
    (void) state;
    world w = { .suite = hand_suite_new ("/tmp") };
    fo_context *gen = discovering (w.suite->root, "gen");
    test_add (gen, "x");
    discovering (w.suite->root, "crash");
    world_start (&w, 1);
    fo_lease a, b, t;
    assert_string_equal (lease_next (&w, &a), "gen");
    assert_string_equal (lease_next (&w, &b), "crash");
    assert_true (answer (&w, a.lease, NAMES ("y", "x"), NULL));
    assert_true (answer (&w, b.lease, NULL, "exit status 2"));
    assert_int_equal (fo_report_nfixture_errors (w.report), 2);
    assert_string_equal (fo_report_fixture_error (w.report, 0)->message,
                         "discover command of context 'gen' failed on h1: name 2: duplicate test "
                         "id 'gen/x' (already in the suite)");
    assert_string_equal (fo_report_fixture_error (w.report, 1)->message,
                         "discover command of context 'crash' failed on h1: exit status 2");
    assert_memory_equal (fo_report_fixture_error (w.report, 1)->err, "oops", 4);
    assert_string_equal (fo_report_fixture_error (w.report, 1)->host, "h1");
    assert_int_equal (fo_report_ntests (w.report), 1);                  /* nothing was added */
    assert_string_equal (lease_next (&w, &t), "gen/x");
    pass_all (&w, &a, "");
    pass_all (&w, &b, "");
    pass_all (&w, &t, "");
    assert_true (fo_run_finished (w.run));
    run_world_free (&w);
}

/* Names an agent sends follow the suite's rules: one with '/' must not
   reach an id another context already gives a test, and one with a
   control character is refused; nothing is added either way. */
static void
test_names_follow_the_suite_rules (void **state)
{
    (void) state;
    world w = { .suite = hand_suite_new ("/tmp") };
    discovering (w.suite->root, "a");
    test_add (fo_context_new (w.suite->root, "a/b"), "c");     /* id "a/b/c" */
    discovering (w.suite->root, "ctl");
    world_start (&w, 1);
    fo_lease a, c, t;
    assert_string_equal (lease_next (&w, &a), "a");
    assert_string_equal (lease_next (&w, &c), "ctl");
    assert_true (answer (&w, a.lease, NAMES ("ok/one", "b/c"), NULL));
    assert_true (answer (&w, c.lease, NAMES ("tab\there"), NULL));
    assert_int_equal (fo_report_nfixture_errors (w.report), 2);
    const char *m0 = fo_report_fixture_error (w.report, 0)->message;
    assert_non_null (strstr (m0, "discover command of context 'a' failed on h1: name 2: "));
    assert_non_null (strstr (m0, "duplicate test id 'a/b/c'"));
    const char *m1 = fo_report_fixture_error (w.report, 1)->message;
    assert_non_null (strstr (m1, "discover command of context 'ctl' failed on h1: name 1: "));
    assert_non_null (strstr (m1, "control character"));
    assert_int_equal (fo_report_ntests (w.report), 1);                  /* nothing was added */
    assert_string_equal (lease_next (&w, &t), "a/b/c");
    pass_all (&w, &a, "");
    pass_all (&w, &c, "");
    pass_all (&w, &t, "");
    assert_true (fo_run_finished (w.run));
    run_world_free (&w);
}

static void
test_lost_and_stopped (void **state)
{
    (void) state;
    world w = { .suite = hand_suite_new ("/tmp") };
    discovering (w.suite->root, "gen");
    world_start (&w, 2);
    fo_lease l;
    assert_string_equal (lease_next (&w, &l), "gen");
    fo_run_agent_lost (w.run, 0, "h1", "gone");
    assert_string_equal (lease_next (&w, &l), "gen");     /* retried */
    assert_int_equal (l.attempt, 2);
    fo_run_agent_lost (w.run, 0, "h1", "gone again");
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_report_nfixture_errors (w.report), 1);
    assert_string_equal (fo_report_fixture_error (w.report, 0)->message,
                         "host h1 was lost (gone again) while running the discover command of "
                         "context 'gen' (attempt 2 of 2)");
    run_world_free (&w);

    /* stopped while listing: the waiting unit ends not run, no error */
    w = (world) { .suite = hand_suite_new ("/tmp") };
    fo_context *u = fo_context_new (w.suite->root, "u");
    shell (&u->setup, "true");
    test_add (u, "f");
    discovering (u, "g");
    discovering (w.suite->root, "later");
    world_start (&w, 1);
    assert_string_equal (lease_next (&w, &l), "u/g");
    fo_run_stop (w.run, "interrupted");
    assert_false (fo_run_finished (w.run));                 /* the lease is out */
    fo_done done = { .lease = l.lease, .signal = 15, .exit_status = -1 };
    assert_true (fo_run_done (w.run, 0, "host-a", &done));
    assert_true (fo_run_finished (w.run));
    assert_int_equal (fo_report_nfixture_errors (w.report), 0);
    assert_int_equal (record (&w, "u/f")->outcome, FO_NOT_RUN);
    assert_string_equal (record (&w, "u/f")->message, "not run (interrupted)");
    run_world_free (&w);
}

/* Polls the run (its shared fixtures' processes) until a lease comes. */
static const char *
lease_when_ready (world *w, fo_lease *lease)
{
    for (int i = 0; i < 1000; i++) {
        const char *name = lease_next (w, lease);
        if (name)
            return name;
        fo_run_service (w->run);
        usleep (10000);
    }
    fail_msg ("no lease within 10 s");
    return NULL;
}

static void
test_exports_in_the_lease (void **state)
{
    (void) state;
    world w = { .suite = hand_suite_new ("/tmp") };
    fo_context *sh = fo_context_new (w.suite->root, "sh");
    sh->mode = FO_MODE_SHARED;
    shell (&sh->setup, "printf 'A=1\\nsecret TOKEN=abcdef\\n' > \"$FANOUT_EXPORT\"");
    test_add (sh, "t");
    fo_context *in = fo_context_new (sh, "in");
    in->mode = FO_MODE_SHARED;
    shell (&in->setup, "[ \"$TOKEN\" = abcdef ] && echo A=2 > \"$FANOUT_EXPORT\"");
    test_add (in, "u");
    test_add (w.suite->root, "plain");
    world_start (&w, 1);

    fo_lease plain, t, u;
    assert_string_equal (lease_when_ready (&w, &plain), "plain");
    assert_int_equal (plain.env.len, 0);
    assert_string_equal (lease_when_ready (&w, &t), "sh/t");
    assert_string_equal (fo_env_get (&t.env, "A"), "1");
    assert_string_equal (fo_env_get (&t.env, "TOKEN"), "abcdef");
    assert_true (t.env.items[1].secret);
    assert_string_equal (lease_when_ready (&w, &u), "sh/in/u");
    assert_string_equal (fo_env_get (&u.env, "A"), "2");    /* the inner one wins */
    assert_string_equal (fo_env_get (&u.env, "TOKEN"), "abcdef");

    pass_all (&w, &t, "the token is abcdef");
    const fo_test_record *rec = record (&w, "sh/t");
    assert_memory_equal (rec->out, "the token is ********", rec->out_len);
    assert_string_equal (rec->message, "the token is ********");
    pass_all (&w, &plain, "abcdef is not secret here");
    assert_memory_equal (record (&w, "plain")->out, "abcdef is not secret here", 25);
    pass_all (&w, &u, "");
    for (int i = 0; i < 1000 && !fo_run_finished (w.run); i++) {
        fo_run_service (w.run);
        usleep (10000);
    }
    assert_true (fo_run_finished (w.run));
    run_world_free (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_names_become_tasks),
        cmocka_unit_test (test_unit_gets_its_tests),
        cmocka_unit_test (test_bad_answers),
        cmocka_unit_test (test_ctest_listing),
        cmocka_unit_test (test_ctest_listing_modes),
        cmocka_unit_test (test_names_follow_the_suite_rules),
        cmocka_unit_test (test_lost_and_stopped),
        cmocka_unit_test (test_exports_in_the_lease),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
