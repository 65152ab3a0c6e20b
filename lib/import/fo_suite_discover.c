/*  fo_suite_discover — run-time discovery: a context's `discover` command
    prints one test name per line, and each name becomes a test whose run is
    the context's `run` template with {name} filled in.

    It runs in the broker before planning, so the commands run with the
    context's effective cwd, env and timeout, the same as its tests would.
    Contexts with `discover_on: agent` are left to the run: the broker
    leases their discover command to an agent (broker/fo_run.c). */
#include "fo_suite_discover.h"

#include "fo_discover_names.h"
#include "fo_proc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Discovery output is read whole; more than this is surely a mistake (and
   fo_capture would cut the middle out, losing names silently). */
#define DISCOVER_OUTPUT_CAP (64u * 1024u * 1024u)

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
        vsnprintf (err + n, errlen - (size_t) n, fmt, ap);
        va_end (ap);
    }
    return -1;
}

/* A name seen in the output, and where: the output line it came from. */
typedef struct {
    const char *name;
    size_t line;        /* 1-based output line; 0 for a test from the file */
    size_t seq;         /* order of appearance, to report the first repeat */
    int file_line;
} entry;

static int
by_name_then_seq (const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int c = strcmp (a->name, b->name);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Names unique within the context, with the place of the first repeat;
   a name with '/' that reaches another context's id is found after this
   (fo_context_can_add_test). */
static int
check_unique (const fo_suite *suite, const fo_context *ctx, entry *all, size_t n,
              char *err, size_t errlen)
{
    qsort (all, n, sizeof *all, by_name_then_seq);
    const entry *dup = NULL, *first = NULL;
    for (size_t i = 1, group = 0; i < n; i++) {
        if (strcmp (all[i].name, all[group].name)) {
            group = i;
            continue;
        }
        if (!dup || all[i].seq < dup->seq) {
            dup = &all[i];
            first = &all[group];
        }
    }
    if (!dup)
        return 0;
    char *id = ctx->id[0] ? fo_xasprintf ("%s/%s", ctx->id, dup->name) : fo_xstrdup (dup->name);
    char where[64];
    if (first->line)
        snprintf (where, sizeof where, "first printed on output line %zu", first->line);
    else
        snprintf (where, sizeof where, "first defined at line %d", first->file_line);
    fail (suite, &ctx->discover, err, errlen,
          "discover output line %zu: duplicate test id '%s' (%s)", dup->line, id, where);
    free (id);
    return -1;
}

/* The names of the output, collected for the checks. */
typedef struct {
    entry *all;
    size_t n, cap;
} collector;

static int
collect (void *arg, const char *name, size_t line)
{
    collector *c = arg;
    if (c->n == c->cap) {
        c->cap *= 2;
        c->all = fo_xrealloc (c->all, c->cap * sizeof *c->all);
    }
    c->all[c->n] = (entry) { name, line, c->n, 0 };
    c->n++;
    return 0;
}

/* Splits the output into trimmed names, checks them all, then adds them:
   on error the context is left as it was. */
static int
add_names (fo_suite *suite, fo_context *ctx, fo_buf *out, char *err, size_t errlen)
{
    collector c = { fo_xcalloc (ctx->ntests + 1, sizeof *c.all), 0, ctx->ntests + 1 };
    for (size_t i = 0; i < ctx->ntests; i++, c.n++)
        c.all[c.n] = (entry) { ctx->tests[i]->name, 0, c.n, ctx->tests[i]->line };
    size_t first_new = c.n;

    char why[512];
    int rc = fo_discover_names (out->data, out->len, collect, &c, why, sizeof why);
    if (rc != 0)
        fail (suite, &ctx->discover, err, errlen, "%s", why);
    /* The new names, in output order, before sorting scrambles them. */
    char **names = fo_xcalloc (c.n - first_new + 1, sizeof *names);
    size_t *lines = fo_xcalloc (c.n - first_new + 1, sizeof *lines);
    for (size_t i = first_new; i < c.n; i++) {
        names[i - first_new] = (char *) c.all[i].name;
        lines[i - first_new] = c.all[i].line;
    }
    if (rc == 0)
        rc = check_unique (suite, ctx, c.all, c.n, err, errlen);
    for (size_t i = 0; rc == 0 && names[i]; i++)
        if (!fo_context_can_add_test (ctx, names[i], why, sizeof why))
            rc = fail (suite, &ctx->discover, err, errlen, "discover output line %zu: %s",
                       lines[i], why);
    free (lines);
    for (size_t i = 0; rc == 0 && names[i]; i++)
        fo_context_add_discovered (ctx, names[i]);
    free (names);
    free (c.all);
    return rc;
}

/* "exit status 3" / "signal SIGSEGV" / "timed out after 30 s". */
static void
describe_status (const fo_proc_status *status, uint32_t timeout_ms, char *out, size_t len)
{
    if (status->timed_out)
        snprintf (out, len, "timed out after %g s", timeout_ms / 1000.0);
    else if (status->exited)
        snprintf (out, len, "exit status %d", status->exit_code);
    else
        snprintf (out, len, "signal %s", fo_signal_name (status->signal));
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
        char what[64];
        describe_status (&status, spec.timeout_ms, what, sizeof what);
        size_t first = strcspn (errout.data, "\r\n");
        errout.data[first] = '\0';
        rc = fail (suite, &ctx->discover, err, errlen, "discover command failed (%s)%s%s", what,
                   first ? ": " : "", errout.data);
    } else if (out.len > DISCOVER_OUTPUT_CAP)
        rc = fail (suite, &ctx->discover, err, errlen,
                   "discover command printed more than %u MiB", DISCOVER_OUTPUT_CAP >> 20);
    else
        rc = add_names (suite, ctx, &out, err, errlen);
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
