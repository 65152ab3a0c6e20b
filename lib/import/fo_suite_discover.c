/*  fo_suite_discover — run-time discovery: a context's `discover` command
    prints one test name per line, and each name becomes a test whose run is
    the context's `run` template with {name} filled in.

    It runs in the broker before planning, so the commands run with the
    context's effective cwd, env and timeout, the same as its tests would.
    Contexts with `discover_on: agent` are left to the run: the broker
    leases their discover command to an agent (broker/fo_run.c). */
#include "fo_suite_discover.h"

#include "fo_importer.h"
#include "fo_proc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Discovery output is read whole, up to the same limit as on an agent
   (FO_IMPORT_MAX_OUTPUT); past it the capture would cut the middle out,
   so more is refused. */
#define DISCOVER_OUTPUT_CAP FO_IMPORT_MAX_OUTPUT

static int
fail (const fo_suite *suite, const fo_command *at, char *err, size_t errlen,
      const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static int
fail (const fo_suite *suite, const fo_command *at, char *err, size_t errlen,
      const char *fmt, ...)
{
    if (!err || errlen == 0)
        return -1;
    int n = snprintf (err, errlen, "%s:%d:%d: ", suite->path, at->line, at->column);
    if (n >= 0 && (size_t) n < errlen) {
        va_list ap;
        va_start (ap, fmt);
        fo_verr (err + n, errlen - (size_t) n, fmt, ap);     /* one line: fo_util.h */
        va_end (ap);
    }
    return -1;
}

/* The listing, checked as a whole (fo_import_check), then added: on
   error the context is left as it was. */
static int
add_listing (const fo_suite *suite, fo_context *ctx, const fo_importer *importer,
             const fo_listing *listing, char *err, size_t errlen)
{
    fo_import_fault fault;
    if (fo_import_check_listing (ctx, listing, &fault)) {
        importer->add (ctx, listing);
        return 0;
    }
    const fo_listed *at = &listing->items[fault.index];
    if (!fault.repeated)
        return fail (suite, &ctx->discover, err, errlen, "discover output line %zu: %s", at->line,
                     fault.why);
    char *id = fo_context_child_id (ctx, at->name);
    char where[64];
    if (fault.in_suite)
        snprintf (where, sizeof where, "first defined at line %d", ctx->tests[fault.earlier]->line);
    else
        snprintf (where, sizeof where, "first printed on output line %zu",
                  listing->items[fault.earlier].line);
    fail (suite, &ctx->discover, err, errlen,
          "discover output line %zu: duplicate test id '%s' (%s)", at->line, id, where);
    free (id);
    return -1;
}

static int
discover_context (fo_suite *suite, fo_context *ctx, char *err, size_t errlen)
{
    fo_env env = { 0 };
    fo_context_effective_env (ctx, &env);
    fo_proc_spec spec = {
        .argv = &ctx->discover.argv,
        .cwd = fo_context_effective_cwd (suite, ctx),
        .env = &env,
        .output_cap = DISCOVER_OUTPUT_CAP,
        .timeout_ms = fo_context_effective_timeout (ctx),
    };
    fo_proc_status status = { 0 };
    fo_buf out = { 0 }, errout = { 0 };
    char why[256] = "";
    int rc = 0;
    fo_buf_puts (&out, "");
    fo_buf_puts (&errout, "");
    if (fo_proc_run_sync (&spec, &status, &out, &errout, why, sizeof why) != 0)
        rc = fail (suite, &ctx->discover, err, errlen, "cannot run discover command: %s", why);
    else if (status.timed_out || !status.exited || status.exit_code != 0) {
        char *what = fo_proc_status_text (&status, spec.timeout_ms);
        size_t first = strcspn (errout.data, "\r\n");
        errout.data[first] = '\0';
        rc = fail (suite, &ctx->discover, err, errlen, "discover command failed (%s)%s%s", what,
                   first ? ": " : "", errout.data);
        free (what);
    } else {
        /* The same reading as an agent's (fo_import_read). The capture
           keeps head and tail past the cap: longer means it was cut. */
        const fo_importer *importer = fo_importer_find ("discover");
        fo_listing listing = { 0 };
        char why_not[512];
        bool cut = out.len > DISCOVER_OUTPUT_CAP;
        if (fo_import_read (importer, out.data, out.len, cut, DISCOVER_OUTPUT_CAP, &listing,
                            why_not, sizeof why_not) != 0)
            rc = fail (suite, &ctx->discover, err, errlen, "%s%s", cut ? "discover command " : "",
                       why_not);
        else
            rc = add_listing (suite, ctx, importer, &listing, err, errlen);
        fo_listing_free (&listing);
    }
    fo_buf_free (&out);
    fo_buf_free (&errout);
    fo_env_free (&env);
    return rc;
}

/* Depth first, in file order: a context before its children. */
static int
discover_tree (fo_suite *suite, fo_context *ctx, char *err, size_t errlen)
{
    if (ctx->discover.argv.len > 0 && !ctx->discover_on_agent
        && discover_context (suite, ctx, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (discover_tree (suite, ctx->contexts[i], err, errlen) != 0)
            return -1;
    return 0;
}

int
fo_suite_discover (fo_suite *self, char *err, size_t errlen)
{
    return self && self->root ? discover_tree (self, self->root, err, errlen) : 0;
}
