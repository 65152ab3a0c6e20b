/*  fo_source — importing a suite's sources (fo_source.h): the walk over
    the tree, the check of each entry's kind and options, and the helpers
    every kind builds with. */
#include "fo_source.h"
#include "fo_pyfork.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_importer.h"
#include "fo_proc.h"

const char *
fo_source_option (const fo_source_item *at, const char *key)
{
    return fo_env_get (&at->spec->options, key);
}

fo_context *
fo_source_context (const fo_source_item *at, const char *name, unsigned default_mode, char *err,
                   size_t errlen)
{
    char why[512];
    if (!fo_name_check ("context", name, strlen (name), why, sizeof why)) {
        fo_err (err, errlen, "%s", why);
        return NULL;
    }
    char *id = fo_context_child_id (at->parent, name);
    const fo_context *first = fo_suite_find_context (at->suite, id);
    if (first) {
        fo_buf shown = { 0 };
        fo_name_escape (&shown, id, strlen (id), FO_ID_SHOWN);
        if (first->line > 0)
            fo_err (err, errlen, "duplicate context id '%s' (first at line %d)", shown.data,
                    first->line);
        else
            fo_err (err, errlen, "duplicate context id '%s' (imported twice)", shown.data);
        fo_buf_free (&shown);
        free (id);
        return NULL;
    }
    free (id);
    fo_context *ctx = fo_context_new (at->parent, name);
    ctx->mode = at->spec->mode ? at->spec->mode : default_mode;
    ctx->line = at->spec->line;
    ctx->column = at->spec->column;
    ctx->source = at->spec;
    return ctx;
}

fo_context *
fo_source_list_on_agent (const fo_source_item *at, const char *subcommand,
                         const char *const *run_template, fo_reader reader, unsigned default_mode,
                         char *err, size_t errlen)
{
    char *self = realpath ("/proc/self/exe", NULL);
    if (!self) {
        fo_err (err, errlen, "cannot find fanout's own program for 'discover_on: agent'");
        return NULL;
    }
    fo_context *ctx = fo_source_context (at, at->item, default_mode, err, errlen);
    if (!ctx) {
        free (self);
        return NULL;
    }
    fo_strv_push_owned (&ctx->discover.argv, self);
    fo_strv_push (&ctx->discover.argv, subcommand);
    fo_strv_push (&ctx->discover.argv, at->item);
    ctx->discover_on_agent = true;
    for (size_t i = 0; run_template[i]; i++)
        fo_strv_push (&ctx->run_template_argv, run_template[i]);
    ctx->discovered_reader = reader;
    return ctx;
}

fo_test *
fo_source_test (fo_context *ctx, const char *name, const fo_strv *argv, fo_reader reader,
                char *err, size_t errlen)
{
    char why[512];
    if (!fo_context_can_add_test (ctx, name, why, sizeof why)) {
        fo_err (err, errlen, "%s", why);
        return NULL;
    }
    /* As fo_suite_load counts a step: its id twice, each argument. */
    size_t bytes = 2 * (strlen (ctx->id) + 1 + strlen (name));
    for (size_t i = 0; i < argv->len; i++)
        bytes += strlen (argv->items[i]) + 1;
    if (bytes > FO_SUITE_MAX_STEP) {
        fo_err (err, errlen, "test '%s' takes %zu bytes to send (at most %u MiB)", name, bytes,
                FO_SUITE_MAX_STEP >> 20);
        return NULL;
    }
    fo_test *test = fo_test_new (ctx, name);
    for (size_t i = 0; i < argv->len; i++)
        fo_strv_push (&test->run.argv, argv->items[i]);
    test->reader = reader;
    test->line = ctx->line;
    test->column = ctx->column;
    return test;
}

int
fo_source_run (const fo_source_item *at, const fo_strv *argv, fo_buf *out, char *err,
               size_t errlen)
{
    return fo_source_run_passing (at, argv, -1, out, err, errlen);
}

int
fo_source_run_passing (const fo_source_item *at, const fo_strv *argv, int pass_fd, fo_buf *out,
                       char *err, size_t errlen)
{
    fo_env env = { 0 };
    fo_context_effective_env (at->parent, &env);
    if (pass_fd >= 0)
        fo_env_set (&env, FO_PYFORK_FD_VAR, "3");
    fo_proc_spec spec = {
        .pass_fd = pass_fd >= 0 ? &pass_fd : NULL,
        .argv = argv,
        .cwd = fo_context_effective_cwd (at->suite, at->parent),
        .env = &env,
        .output_cap = FO_IMPORT_MAX_OUTPUT,
        .timeout_ms = fo_context_effective_timeout (at->parent),
    };
    fo_proc_status status = { 0 };
    fo_buf errout = { 0 };
    char why[256] = "";
    int rc = 0;
    fo_buf_puts (out, "");
    fo_buf_puts (&errout, "");
    if (fo_proc_run_sync (&spec, &status, out, &errout, why, sizeof why) != 0) {
        fo_err (err, errlen, "%s", why);       /* "cannot run 'x': why" */
        rc = -1;
    } else if (status.timed_out || !status.exited || status.exit_code != 0) {
        char *what = fo_proc_status_text (&status, spec.timeout_ms);
        size_t first = strcspn (errout.data, "\r\n");
        fo_buf line = { 0 };
        fo_name_escape (&line, errout.data, first < 300 ? first : 300, 300);
        fo_err (err, errlen, "'%s' failed (%s)%s%s", argv->items[0], what, first ? ": " : "",
                line.data ? line.data : "");
        fo_buf_free (&line);
        free (what);
        rc = -1;
    } else if (out->len > FO_IMPORT_MAX_OUTPUT) {
        /* The capture keeps head and tail past its cap: longer was cut. */
        fo_err (err, errlen, "'%s' printed more than %u MiB", argv->items[0],
                FO_IMPORT_MAX_OUTPUT >> 20);
        rc = -1;
    }
    fo_buf_free (&errout);
    fo_env_free (&env);
    return rc;
}

/* The kind and options of an entry, before anything is imported. */
static int
check_spec (const fo_source_spec *spec, const fo_source_kind **kind, char *err, size_t errlen)
{
    *kind = fo_source_kind_find (spec->kind);
    if (!*kind) {
        fo_buf kinds = { 0 }, shown = { 0 };
        for (size_t k = 0; fo_source_kinds[k]; k++) {
            fo_buf_puts (&kinds, k ? ", " : "");
            fo_buf_puts (&kinds, fo_source_kinds[k]->name);
        }
        fo_name_escape (&shown, spec->kind, strlen (spec->kind), FO_ID_SHOWN);
        fo_err (err, errlen, "unknown source kind '%s' (kinds: %s)", shown.data ? shown.data : "",
                kinds.data);
        fo_buf_free (&kinds);
        fo_buf_free (&shown);
        return -1;
    }
    for (size_t i = 0; i < spec->options.len; i++) {
        const char *key = spec->options.items[i].name;
        bool known = false;
        for (size_t k = 0; (*kind)->options && (*kind)->options[k]; k++)
            known = known || !strcmp ((*kind)->options[k], key);
        if (!known) {
            fo_buf shown = { 0 };
            fo_name_escape (&shown, key, strlen (key), FO_ID_SHOWN);
            fo_err (err, errlen, "source kind '%s' has no option '%s'", (*kind)->name,
                    shown.data ? shown.data : "");
            fo_buf_free (&shown);
            return -1;
        }
    }
    return 0;
}

/* err = where + why. */
static int
fail_at (const fo_suite *suite, const fo_source_spec *spec, const char *item, const char *why,
         char *err, size_t errlen)
{
    if (spec->line > 0 && spec->from.len > 1) {
        fo_buf shown = { 0 };
        fo_name_escape (&shown, item, strlen (item), FO_ID_SHOWN);
        fo_err (err, errlen, "%s:%d:%d: '%s': %s", suite->path, spec->line, spec->column,
                shown.data ? shown.data : "", why);
        fo_buf_free (&shown);
    }
    else if (spec->line > 0)
        fo_err (err, errlen, "%s:%d:%d: %s", suite->path, spec->line, spec->column, why);
    else {
        fo_buf shown = { 0 };
        fo_name_escape (&shown, item, strlen (item), FO_ID_SHOWN);
        fo_err (err, errlen, "--%s '%s': %s", spec->kind, shown.data ? shown.data : "", why);
        fo_buf_free (&shown);
    }
    return -1;
}

static int
import_context (fo_suite *suite, fo_context *ctx, char *err, size_t errlen)
{
    /* Children first collected: importing adds contexts to ctx, which
       must not be walked again. */
    size_t nchildren = ctx->ncontexts;
    for (size_t s = 0; s < ctx->nsources; s++) {
        const fo_source_spec *spec = &ctx->sources[s];
        const fo_source_kind *kind;
        char why[1024] = "";
        if (check_spec (spec, &kind, why, sizeof why) != 0)
            return fail_at (suite, spec, spec->from.len ? spec->from.items[0] : "", why, err,
                            errlen);
        for (size_t i = 0; i < spec->from.len; i++) {
            fo_source_item at = { .suite = suite, .parent = ctx, .spec = spec,
                                  .item = spec->from.items[i] };
            if (kind->import (&at, why, sizeof why) != 0)
                return fail_at (suite, spec, at.item, why, err, errlen);
        }
    }
    for (size_t i = 0; i < nchildren; i++)
        if (import_context (suite, ctx->contexts[i], err, errlen) != 0)
            return -1;
    return 0;
}

int
fo_suite_import (fo_suite *suite, char *err, size_t errlen)
{
    return suite && suite->root ? import_context (suite, suite->root, err, errlen) : 0;
}
