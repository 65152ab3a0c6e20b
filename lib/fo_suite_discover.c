/*  fo_suite_discover — run-time discovery: a context's `discover` command
    prints one test name per line, and each name becomes a test whose run is
    the context's `run` template with {name} filled in.

    It runs in the broker before planning, so the commands run with the
    context's effective cwd, env and timeout, the same as its tests would. */
#include "fo_suite.h"
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

/* 'it'\''s' — safe inside any /bin/sh command line. */
static void
shell_quote (fo_buf *out, const char *s)
{
    fo_buf_puts (out, "'");
    for (; *s; s++) {
        if (*s == '\'')
            fo_buf_puts (out, "'\\''");
        else
            fo_buf_append (out, s, 1);
    }
    fo_buf_puts (out, "'");
}

/* template with every "{name}" replaced by name (shell-quoted if asked). */
static char *
fill (const char *template, const char *name, bool quote)
{
    fo_buf out = { 0 };
    const char *p = template, *hit;
    while ((hit = strstr (p, "{name}"))) {
        fo_buf_append (&out, p, (size_t) (hit - p));
        if (quote)
            shell_quote (&out, name);
        else
            fo_buf_puts (&out, name);
        p = hit + strlen ("{name}");
    }
    fo_buf_puts (&out, p);
    return fo_buf_steal (&out);
}

static void
add_test (fo_context *ctx, const char *name)
{
    fo_test *test = fo_test_new (ctx, name);
    test->line = ctx->discover.line;
    test->column = ctx->discover.column;
    test->run.line = ctx->discover.line;
    test->run.column = ctx->discover.column;
    if (ctx->run_template_shell) {
        fo_strv_push (&test->run.argv, "/bin/sh");
        fo_strv_push (&test->run.argv, "-c");
        fo_strv_push_owned (&test->run.argv, fill (ctx->run_template_shell, name, true));
    } else {
        for (size_t i = 0; i < ctx->run_template_argv.len; i++)
            fo_strv_push_owned (&test->run.argv, fill (ctx->run_template_argv.items[i], name, false));
    }
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

/* Names contain no '/' and sibling contexts have distinct names, so ids
   are unique across the suite exactly when names are unique within each
   context: only this context's tests need checking. */
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

/* Splits the output into trimmed names, checks them all, then adds them:
   on error the context is left as it was. */
static int
add_names (fo_suite *suite, fo_context *ctx, fo_buf *out, char *err, size_t errlen)
{
    entry *all = fo_xcalloc (ctx->ntests + 1, sizeof *all);
    size_t n = 0, cap = ctx->ntests + 1;
    for (size_t i = 0; i < ctx->ntests; i++, n++)
        all[n] = (entry) { ctx->tests[i]->name, 0, n, ctx->tests[i]->line };
    size_t first_new = n;

    int rc = 0;
    char *p = out->data, *end = out->data + out->len;
    for (size_t line = 1; p < end && rc == 0; line++) {
        char *eol = memchr (p, '\n', (size_t) (end - p));
        char *next = eol ? eol + 1 : end;
        char *stop = eol ? eol : end;
        while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        *stop = '\0';   /* in place: the names point into out */
        if (p == stop) {
            p = next;
            continue;
        }
        if (strlen (p) != (size_t) (stop - p))
            rc = fail (suite, &ctx->discover, err, errlen,
                       "discover output line %zu: a test name must not contain a NUL byte", line);
        else if (strchr (p, '/'))
            rc = fail (suite, &ctx->discover, err, errlen,
                       "discover output line %zu: test name '%s' must not contain '/'", line, p);
        if (n == cap) {
            cap *= 2;
            all = fo_xrealloc (all, cap * sizeof *all);
        }
        all[n] = (entry) { p, line, n, 0 };
        n++;
        p = next;
    }
    /* The new names, in output order, before sorting scrambles them. */
    char **names = fo_xcalloc (n - first_new + 1, sizeof *names);
    for (size_t i = first_new; i < n; i++)
        names[i - first_new] = (char *) all[i].name;
    if (rc == 0)
        rc = check_unique (suite, ctx, all, n, err, errlen);
    for (size_t i = 0; rc == 0 && names[i]; i++)
        add_test (ctx, names[i]);
    free (names);
    free (all);
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
    if (ctx->discover.argv.len > 0 && discover_context (suite, ctx, err, errlen) != 0)
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
