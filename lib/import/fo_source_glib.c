/*  fo_source_glib — `--glib PROGRAM`, `{kind: glib, from: ...}`: a GLib
    test program (g_test_init, g_test_add_func...; docs/sources.md,
    "GLib"). The program is one context named as written, and each path
    `PROGRAM -l` lists is a test of it, named by the path ("/a/b").

    Every test runs exactly once: GLib's `-p /a` also runs the paths one
    level below /a, so each test runs as

        PROGRAM --tap -s CHILD... -p PATH

    with `-s` naming every listed path under PATH: those print
    "ok N /a/b # SKIP by request" and do not run. The "glib" reader
    judges the point of PATH alone (fo_read_tap.c). The context is a unit
    by default (FO_MODE_UNIT: tests in listing order, one task) as GLib
    programs' tests often build on the ones before them, and the agent runs
    such a task's paths in one process (fo_glib_join.h); `mode: split`
    spreads them, each in its own process.

    options:
        discover_on  `broker` (the default): `-l` runs on the broker before
                     the run; `agent`: an agent lists the program during
                     the run (`fanout glib-names PROGRAM`, the broker's own
                     fanout at the same path there), and once its paths
                     are in, the broker gives each the command above
                     (fo_glib_discovered): the same unit (or mode) as a
                     listing on the broker. */
#include "fo_source.h"

#include <stdlib.h>
#include <string.h>

#include "fo_glib_list.h"

/* What `-l` prints: a path per line, "# ..." comments (random seed,
   "Start of a tests") and a plan. Returns the paths' line starts
   (NUL-terminated in place), or -1 with why. */
int
fo_glib_list_read (char *data, fo_strv *paths, char *err, size_t errlen)
{
    size_t lineno = 0;
    for (char *line = data; line && *line;) {
        char *nl = strchr (line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        size_t len = strlen (line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (line[0] == '/')
            fo_strv_push (paths, line);
        else if (len && line[0] != '#' && strncmp (line, "1..", 3)) {
            fo_buf shown = { 0 };
            fo_name_escape (&shown, line, len, 80);
            fo_err (err, errlen, "'-l' output line %zu is no test path: '%s'", lineno, shown.data);
            fo_buf_free (&shown);
            return -1;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static const char *const options[] = { "discover_on", NULL };

void
fo_glib_path_argv (const char *program, const char *const *paths, size_t n, size_t index,
                   fo_strv *argv)
{
    const char *path = paths[index];
    size_t plen = strlen (path);
    fo_strv_push (argv, program);
    fo_strv_push (argv, "--tap");
    for (size_t j = 0; j < n; j++)
        if (strlen (paths[j]) > plen + 1 && !strncmp (paths[j], path, plen) && paths[j][plen] == '/') {
            fo_strv_push (argv, "-s");
            fo_strv_push (argv, paths[j]);
        }
    fo_strv_push (argv, "-p");
    fo_strv_push (argv, path);
}

void
fo_glib_discovered (fo_context *ctx, size_t first)
{
    size_t n = 0;
    const char **paths = fo_xcalloc (ctx->ntests - first + 1, sizeof *paths);
    fo_test **tests = fo_xcalloc (ctx->ntests - first + 1, sizeof *tests);
    for (size_t i = first; i < ctx->ntests; i++)
        if (ctx->tests[i]->reader == FO_READER_GLIB && ctx->tests[i]->run.argv.len > 0) {
            tests[n] = ctx->tests[i];
            paths[n++] = ctx->tests[i]->name;
        }
    for (size_t i = 0; i < n; i++) {
        fo_strv argv = { 0 };
        fo_glib_path_argv (tests[i]->run.argv.items[0], paths, n, i, &argv);
        fo_strv_free (&tests[i]->run.argv);
        tests[i]->run.argv = argv;
    }
    free (tests);
    free (paths);
}

/* discover_on: agent (see the top): `{PROGRAM} --tap -p {name}` until
   the listing is in (fo_glib_discovered). */
static int
list_on_agent (const fo_source_item *at, char *err, size_t errlen)
{
    const char *run[] = { at->item, "--tap", "-p", "{name}", NULL };
    return fo_source_list_on_agent (at, "glib-names", run, FO_READER_GLIB, FO_MODE_UNIT, err,
                                    errlen) ? 0 : -1;
}

static int
import (const fo_source_item *at, char *err, size_t errlen)
{
    const char *on = fo_source_option (at, "discover_on");
    if (on && strcmp (on, "broker") != 0 && strcmp (on, "agent") != 0)
        return fo_err (err, errlen, "option 'discover_on' is '%s': 'broker' or 'agent'", on);
    if (on && !strcmp (on, "agent"))
        return list_on_agent (at, err, errlen);
    fo_strv argv = { 0 }, paths = { 0 };
    fo_buf out = { 0 };
    fo_strv_push (&argv, at->item);
    fo_strv_push (&argv, "-l");
    int rc = fo_source_run (at, &argv, &out, err, errlen);
    fo_strv_free (&argv);
    if (rc == 0)
        rc = fo_glib_list_read (out.data, &paths, err, errlen);
    fo_context *ctx = rc == 0 ? fo_source_context (at, at->item, FO_MODE_UNIT, err, errlen) : NULL;
    if (rc == 0 && !ctx)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < paths.len; i++) {
        fo_strv run = { 0 };
        fo_glib_path_argv (at->item, (const char *const *) paths.items, paths.len, i, &run);
        if (!fo_source_test (ctx, paths.items[i], &run, FO_READER_GLIB, err, errlen))
            rc = -1;
        fo_strv_free (&run);
    }
    fo_strv_free (&paths);
    fo_buf_free (&out);
    return rc;
}

const fo_source_kind fo_source_kind_glib = {
    .name = "glib",
    .arg_name = "PROGRAM",
    .help = "a GLib test program: a context, a test per path of its -l",
    .options = options,
    .import = import,
};
