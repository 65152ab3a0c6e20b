/*  fo_import_gtest — see fo_import_gtest.h. */
#include "fo_import_gtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_gtest_list.h"
#include "fo_proc.h"
#include "fo_proto.h"

static int
collect (void *arg, const char *suite, const char *test, size_t line)
{
    char *full = fo_xasprintf ("%s.%s", suite, test);
    fo_listing_add (arg, full, line);
    free (full);
    return 0;
}

int
fo_gtest_read_listing (char *data, size_t len, fo_listing *out, char *err, size_t errlen)
{
    return fo_gtest_list_read (data, len, collect, out, err, errlen);
}

/* "<suite>.<test>" at its first '.' (gtest names hold none). */
static size_t
suite_len (const char *full)
{
    return strcspn (full, ".");
}

bool
fo_gtest_check (const fo_context *ctx, const fo_listing *listing, char *why, size_t whylen)
{
    /* A test's id is <ctx>/<suite>/<test>: the check of the name
       "<suite>/<test>" in ctx is the check of that id (taken, repeated,
       the name rule for both parts, the step's size). */
    char **paths = fo_xcalloc (listing->len + 1, sizeof *paths);
    for (size_t i = 0; i < listing->len; i++) {
        const char *full = listing->items[i].name;
        size_t n = suite_len (full);
        paths[i] = fo_xasprintf ("%.*s/%s", (int) n, full, full[n] ? full + n + 1 : "");
    }
    fo_import_fault fault;
    bool ok = fo_import_check (ctx, (const char *const *) paths, listing->len, &fault);
    if (!ok) {
        const fo_listed *at = &listing->items[fault.index];
        if (fault.repeated)
            snprintf (why, whylen, "gtest listing line %zu: test '%.200s' is listed twice or its "
                      "id is taken", at->line, at->name);
        else
            snprintf (why, whylen, "gtest listing line %zu: %s", at->line, fault.why);
    }
    /* A suite must not become a second context of a name ctx has (one
       written in a suite file, say). */
    for (size_t i = 0; ok && i < listing->len; i++) {
        const char *full = listing->items[i].name;
        size_t n = suite_len (full);
        for (size_t c = 0; c < ctx->ncontexts; c++)
            if (strlen (ctx->contexts[c]->name) == n
                && memcmp (ctx->contexts[c]->name, full, n) == 0) {
                snprintf (why, whylen, "gtest listing line %zu: test suite '%.*s' is already a "
                          "context of '%s'", listing->items[i].line, (int) (n > 200 ? 200 : n),
                          full, ctx->id);
                ok = false;
                break;
            }
    }
    for (size_t i = 0; i < listing->len; i++)
        free (paths[i]);
    free (paths);
    return ok;
}

void
fo_gtest_add (fo_context *ctx, const fo_strv *command, const fo_listing *listing)
{
    fo_context *suite = NULL;
    for (size_t i = 0; i < listing->len; i++) {
        const char *full = listing->items[i].name;
        size_t n = suite_len (full);
        if (!full[n])
            continue;       /* not a full name: fo_gtest_read_listing makes none */
        /* A listing groups a suite's tests; a suite seen again (gtest
           never lists one twice) still gets one context. */
        if (!suite || strlen (suite->name) != n || memcmp (suite->name, full, n) != 0) {
            suite = NULL;
            for (size_t c = 0; c < ctx->ncontexts && !suite; c++)
                if (strlen (ctx->contexts[c]->name) == n
                    && memcmp (ctx->contexts[c]->name, full, n) == 0)
                    suite = ctx->contexts[c];
            if (!suite) {
                char *name = fo_xstrndup (full, n);
                suite = fo_context_new (ctx, name);
                suite->line = ctx->discover.line;
                suite->column = ctx->discover.column;
                free (name);
            }
        }
        fo_test *test = fo_test_new (suite, full + n + 1);
        test->line = test->run.line = ctx->discover.line;
        test->column = test->run.column = ctx->discover.column;
        for (size_t a = 0; a < command->len; a++)
            fo_strv_push (&test->run.argv, command->items[a]);
        fo_strv_push_owned (&test->run.argv, fo_xasprintf ("--gtest_filter=%s", full));
        test->reader = FO_READER_GTEST;
    }
}

/* The importer's add: the program's command is the discover command
   without its "--gtest_list_tests". */
static void
add (fo_context *ctx, const fo_listing *listing)
{
    fo_strv command = { 0 };
    const fo_strv *d = &ctx->discover.argv;
    size_t n = d->len;
    if (n > 1 && strcmp (d->items[n - 1], "--gtest_list_tests") == 0)
        n--;
    for (size_t i = 0; i < n; i++)
        fo_strv_push (&command, d->items[i]);
    fo_gtest_add (ctx, &command, listing);
    fo_strv_free (&command);
}

const fo_importer fo_import_gtest = {
    .name = "gtest",
    .read = fo_gtest_read_listing,
    .add = add,
};

int
fo_gtest_import (fo_context *parent, const char *name, const char *binary, const char *cwd,
                 uint32_t timeout_ms, char *err, size_t errlen)
{
    fo_strv argv = { 0 };
    fo_strv_push (&argv, binary);
    fo_strv_push (&argv, "--gtest_list_tests");
    fo_env env = { 0 };
    fo_proc_spec spec = {
        .argv = &argv,
        .cwd = cwd,
        .env = &env,
        .output_cap = FO_IMPORT_MAX_OUTPUT,
        .timeout_ms = timeout_ms,
    };
    fo_proc_status status = { 0 };
    fo_buf out = { 0 }, errout = { 0 };
    char why[1024] = "";
    int rc = -1;
    fo_buf_puts (&out, "");
    fo_buf_puts (&errout, "");
    fo_listing listing = { 0 };
    if (fo_proc_run_sync (&spec, &status, &out, &errout, why, sizeof why) != 0)
        snprintf (err, errlen, "gtest '%s': cannot list its tests: %s", binary, why);
    else if (status.timed_out || !status.exited || status.exit_code != 0) {
        char *what = fo_proc_status_text (&status, timeout_ms);
        size_t first = strcspn (errout.data, "\r\n");
        errout.data[first] = '\0';
        snprintf (err, errlen, "gtest '%s': --gtest_list_tests failed (%s)%s%.300s", binary,
                  what, first ? ": " : "", errout.data);
        free (what);
    }
    else if (fo_import_read (&fo_import_gtest, out.data, out.len,
                             out.len > FO_IMPORT_MAX_OUTPUT, FO_IMPORT_MAX_OUTPUT, &listing, why,
                             sizeof why) != 0)
        snprintf (err, errlen, "gtest '%s': %s", binary, why);
    else {
        /* The program's context, then the listing checked against it
           (the ids its tests will have) before anything joins it. */
        fo_context *ctx = NULL;
        for (size_t c = 0; c < parent->ncontexts && !ctx; c++)
            if (strcmp (parent->contexts[c]->name, name) == 0)
                ctx = parent->contexts[c];
        if (ctx)
            snprintf (err, errlen, "gtest '%s': a context '%s' exists already", binary, name);
        else if (!fo_name_check ("context", name, strlen (name), why, sizeof why))
            snprintf (err, errlen, "gtest '%s': %s", binary, why);
        else {
            ctx = fo_context_new (parent, name);
            if (!fo_gtest_check (ctx, &listing, why, sizeof why))
                snprintf (err, errlen, "gtest '%s': %s", binary, why);
            else {
                fo_strv command = { 0 };
                fo_strv_push (&command, binary);
                fo_gtest_add (ctx, &command, &listing);
                fo_strv_free (&command);
                rc = 0;
            }
        }
    }
    fo_listing_free (&listing);
    fo_buf_free (&out);
    fo_buf_free (&errout);
    fo_strv_free (&argv);
    return rc;
}
