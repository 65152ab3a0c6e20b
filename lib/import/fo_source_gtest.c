/*  fo_source_gtest — `--gtest PROGRAM`, `{kind: gtest, from: ...}`: a
    GoogleTest program (docs/sources.md, "GoogleTest").

    The program is one context, named as written; each gtest test suite
    is a context in it, named as gtest prints it ("Basic", "Typed/0",
    "Nums/Param"), and each test of the suite a test of that context
    ("Pass", "Size", "Even/1"): the id of Nums/Param.Even/1 in ./prog is
    "./prog/Nums/Param/Even/1". Tests come from `PROGRAM --gtest_list_tests`
    (fo_gtest_list.h), in its order; gtest's `# TypeParam = ` and
    `# GetParam() = ` comments are not part of the names.

    Each test runs in its own process, `PROGRAM --gtest_filter=<suite>.<test>`,
    and is read by the "gtest" reader (fo_read_gtest.c) from the JSON file
    gtest writes: outcome, duration and failure message. A disabled test
    (DISABLED_ in its or its suite's name) is listed and run like the
    others: gtest, asked for it by name, does not run it and reports it
    NOTRUN, which the reader makes not_run, "disabled".

    The entry's `mode` applies to the program's context and to each suite's
    (split, shared, serial: docs/suite-file.md).

    options:
        process   `test` (the default): each test in its own process, its
                  own task; `suite`: each suite a unit (one task, its tests
                  in listing order), whose tests the agent runs in one
                  process (fo_gtest_join.h), a crash part-way ending only
                  the crashing test. `mode: serial` still applies; `split`
                  and `shared` are refused with it. The command line's
                  --gtest-process.
        discover_on `broker` (the default): the listing runs on the
                  broker, before the run; `agent`: an agent lists the
                  program during the run (a broker without the binary can
                  drive agents that have it), through `fanout gtest-names
                  PROGRAM` (the broker's own fanout, at the same path on
                  the agent), which prints each test as gtest's full name,
                  "Suite.Test"; each is a test of the program's context
                  named so (no context per suite), run by
                  `PROGRAM --gtest_filter={name}`, read as above. Not with
                  `process: suite`.
    The program's item is a path (or a name found in PATH) run as it is:
    no shell. */
#include "fo_source.h"

#include <stdlib.h>
#include <string.h>

#include "fo_gtest_list.h"

/* Does name start with DISABLED_ or hold /DISABLED_ (what gtest's
   kDisableTestFilter matches)? */
static bool
disabled (const char *name)
{
    return !strncmp (name, "DISABLED_", 9) || strstr (name, "/DISABLED_") != NULL;
}

static const char *const options[] = { "process", "discover_on", NULL };

/* What the listing's callback builds into. */
typedef struct {
    const fo_source_item *at;
    bool per_suite;             /* process: suite */
    fo_context *program;
    fo_context *suite;          /* the suite being listed */
    char *err;
    size_t errlen;
} building;

static int
add_test (void *arg, const char *suite, const char *test, size_t line)
{
    building *b = arg;
    if (!b->suite || strcmp (b->suite->name, suite) != 0) {
        /* gtest lists a suite's tests together, each suite once: a suite
           met again is refused as a duplicate context. */
        fo_source_item in_program = *b->at;
        in_program.parent = b->program;
        char why[768];
        b->suite = fo_source_context (&in_program, suite, 0, why, sizeof why);
        if (!b->suite)
            return fo_err (b->err, b->errlen, "--gtest_list_tests line %zu: %s", line, why);
        if (b->per_suite)
            b->suite->mode = FO_MODE_UNIT | (b->at->spec->mode & FO_MODE_SERIAL);
    }
    fo_strv argv = { 0 };
    fo_strv_push (&argv, b->at->item);
    fo_strv_push_owned (&argv, fo_xasprintf ("--gtest_filter=%s.%s", suite, test));
    char why[768];
    fo_test *t = fo_source_test (b->suite, test, &argv, FO_READER_GTEST, why, sizeof why);
    fo_strv_free (&argv);
    if (!t)
        return fo_err (b->err, b->errlen, "--gtest_list_tests line %zu: %s", line, why);
    /* gtest's own rule (kDisableTestFilter, disabled () above,
       matched against the suite's name and the test's): the gtest reader
       still reads what gtest says of it, NOTRUN. */
    t->disabled = disabled (suite) || disabled (test);
    return 0;
}

/* discover_on: agent — the program's context lists its tests on an
   agent during the run: `FANOUT gtest-names PROGRAM` prints "Suite.Test"
   per line, each a test run by `PROGRAM --gtest_filter={name}`. */
static int
list_on_agent (const fo_source_item *at, bool per_suite, char *err, size_t errlen)
{
    if (per_suite)
        return fo_err (err, errlen, "'discover_on: agent' lists no suites: 'process: suite' "
                                    "cannot apply");
    const char *run[] = { at->item, "--gtest_filter={name}", NULL };
    return fo_source_list_on_agent (at, "gtest-names", run, FO_READER_GTEST, 0, err, errlen)
           ? 0 : -1;
}

static int
import (const fo_source_item *at, char *err, size_t errlen)
{
    const char *process = fo_source_option (at, "process");
    if (process && strcmp (process, "test") != 0 && strcmp (process, "suite") != 0)
        return fo_err (err, errlen, "option 'process' is '%s': 'test' or 'suite'", process);
    bool per_suite = process && !strcmp (process, "suite");
    if (per_suite && (at->spec->mode & (FO_MODE_SPLIT | FO_MODE_SHARED)))
        return fo_err (err, errlen, "'process: suite' makes each suite one task: "
                                    "'mode: split' or 'shared' cannot apply");
    const char *on = fo_source_option (at, "discover_on");
    if (on && strcmp (on, "broker") != 0 && strcmp (on, "agent") != 0)
        return fo_err (err, errlen, "option 'discover_on' is '%s': 'broker' or 'agent'", on);
    if (on && !strcmp (on, "agent"))
        return list_on_agent (at, per_suite, err, errlen);
    fo_strv argv = { 0 };
    fo_buf out = { 0 };
    fo_strv_push (&argv, at->item);
    fo_strv_push (&argv, "--gtest_list_tests");
    int rc = fo_source_run (at, &argv, &out, err, errlen);
    fo_strv_free (&argv);
    building b = { .at = at, .per_suite = per_suite, .err = err, .errlen = errlen };
    if (rc == 0) {
        b.program = fo_source_context (at, at->item, 0, err, errlen);
        if (!b.program)
            rc = -1;
    }
    if (rc == 0)
        rc = fo_gtest_list_read (out.data, out.len, add_test, &b, err, errlen) == 0 ? 0 : -1;
    fo_buf_free (&out);
    return rc;
}

const fo_source_kind fo_source_kind_gtest = {
    .name = "gtest",
    .arg_name = "PROGRAM",
    .help = "a GoogleTest program: a context per test suite, a process per test",
    .options = options,
    .import = import,
};
