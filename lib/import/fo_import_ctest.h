/*  fo_import_ctest — a CTest build tree as tests (docs/sources.md,
    "CTest"): `ctest --show-only=json-v1` run in the build directory, read
    by fo_ctest.h, and added to a context.

    Each CTest test becomes a test of that name, run by its command in its
    WORKING_DIRECTORY, with its ENVIRONMENT (and ENVIRONMENT_MODIFICATION,
    resolved against the environment fanout was started in; `unset:` runs
    the command through `env -u NAME`), its TIMEOUT (0: none), and read by
    the ctest reader (fo_read_ctest.c) with WILL_FAIL, SKIP_RETURN_CODE and
    the three regular expression lists. DISABLED tests are never started
    and end skipped ("disabled"), as CTest lists them but does not run
    them. RUN_SERIAL makes the test's task serial.

    RESOURCE_LOCK's names are the test's exclusive locks (fo_needs.h),
    held by the broker across every host: the tests sharing a lock spread
    over workers and never overlap. RESOURCE_GROUPS are the test's
    `resources` (per type, the slots of all its groups together) and its
    groups, from which the broker tells it its instances in CTest's
    CTEST_RESOURCE_GROUP_* variables (fo_resource_groups.h); CTest's rule
    that a requirement's slots come from one instance is not enforced.
    PROCESSORS N is the worker slots of its agent the test takes
    (fo_needs.processors; at most the agent's slots, as ctest takes at
    most -j).

    Tests tied together by a fixture (FIXTURES_SETUP / _CLEANUP /
    _REQUIRED) become one context, a unit (one task, run in order on one
    worker): setups first, then the others, cleanups
    last, each in CTest's order. A test requiring a fixture names the
    fixture's setup tests in its verdict's `needs`: when one failed, the
    agent does not start it (not_run), as CTest does. The unit is serial
    when one of its tests is RUN_SERIAL.

    A fixture's group is a unit by default; the `fanout:shared` label on
    one of its setup tests (or the filter's `fixtures`, an entry's option)
    makes it shared: each test its own task, spread over workers, queued
    once the tests it must follow have ended (fo_needs.after, the broker's
    fo_after.h): a dependant after the setups of the fixtures it requires
    (and what it DEPENDS on), a cleanup after every test requiring its
    fixture. `fanout:split` (or `split`): each dependant its own unit task
    with the group's setups before it and cleanups after it (the setups
    run once per dependant); a setup or cleanup test in that mode is
    reported once, from the task of the first dependant.

    Label filters are CTest's -L / -LE: extended regular expressions; a
    test is kept when one of its labels matches `labels` (when given) and
    none matches `exclude`. As CTest does, the setup and cleanup tests of
    the fixtures a kept test requires are kept too.
*/
#ifndef FO_IMPORT_CTEST_H
#define FO_IMPORT_CTEST_H

#include <stddef.h>

#include "fo_ctest.h"
#include "fo_suite.h"

typedef struct {
    const char *labels;     /* -L: NULL for every test */
    const char *exclude;    /* -LE: NULL for none */
    const char *fixtures;   /* every fixture's mode: "unit", "shared" or
                               "split"; NULL: by the setups' labels */
} fo_ctest_filter;

/* The labels that choose a fixture's mode on one of its setup tests. */
#define FO_CTEST_LABEL_SHARED "fanout:shared"
#define FO_CTEST_LABEL_SPLIT "fanout:split"

/* How long `ctest --show-only=json-v1` may take. */
#define FO_CTEST_LIST_TIMEOUT_MS (120u * 1000u)

/* Runs `ctest --show-only=json-v1` in build_dir (an existing directory):
   its output, whole, into o (NUL-terminated; the caller frees it). 0, or
   -1 with err set (it could not run, failed, or printed more than
   FO_CTEST_MAX_JSON). */
int fo_ctest_run_listing (const char *build_dir, fo_buf *o, char *err, size_t errlen);

/* Runs `ctest --show-only=json-v1` in build_dir (an existing directory)
   and reads its output. 0, or -1 with err set. */
int fo_ctest_list_tree (const char *build_dir, fo_ctest_list *out, char *err, size_t errlen);

/* Adds list's tests (those filter keeps) to ctx; build_dir is the cwd of
   a test without WORKING_DIRECTORY. 0, or -1 with "ctest test 'X': why"
   in err (ctx may then hold some of the tests: the caller drops the
   suite). */
int fo_ctest_add (fo_context *ctx, const fo_ctest_list *list, const fo_ctest_filter *filter,
                  const char *build_dir, char *err, size_t errlen);

/* Both. */
int fo_import_ctest (fo_context *ctx, const char *build_dir, const fo_ctest_filter *filter,
                     char *err, size_t errlen);

/* A tree listed on an agent (`discover_on: agent`, fo_source_ctest.c):
   ctx is its context, listing[0..len) what `fanout ctest-list` printed
   there. Its tests join ctx as fo_ctest_add adds them, with the options
   of the entry that imported ctx (ctx->source: labels, exclude_labels,
   fixtures; without `fixtures`, the setups' labels choose). 0, or -1 with why in err and ctx as it was
   (nothing of the listing kept). */
int fo_ctest_discovered (const fo_suite *suite, fo_context *ctx, const char *listing, size_t len,
                         char *err, size_t errlen);

#endif
