/*  fo_source_ctest — `--ctest BUILD_DIR`, `{kind: ctest, from: [DIR, ...]}`:
    a CTest build tree (docs/sources.md, "CTest"). Each tree is a context
    named as written, holding its tests as `ctest --show-only=json-v1`
    lists them, judged by CTest's rules (fo_import_ctest.h has the
    mapping). A relative DIR is taken from the directory the entry's
    context runs in (the suite file's, or the current one on the command
    line).

    options:
        labels          CTest's -L: only tests with a label matching this
                        extended regular expression (and the fixtures they
                        require); the command line's --ctest-label
        exclude_labels  CTest's -LE: no test with a label matching it;
                        --ctest-label-exclude
        fixtures        every fixture's mode: unit, shared or split (over
                        the fanout:shared / fanout:split labels)
        discover_on     `broker` (the default): ctest lists the tree on the
                        broker, before the run; `agent`: an agent lists it
                        during the run (`fanout ctest-list DIR` there, the
                        broker's own fanout at the same path), its listing
                        comes back whole (the discovered message's
                        `listing`) and its tests join the run
                        (fo_ctest_discovered), each fixture group in its
                        mode, as when the broker lists it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_import_ctest.h"
#include "fo_select.h"
#include "fo_source.h"

static const char *const options[] = { "labels", "exclude_labels", "fixtures", "discover_on",
                                       NULL };

/* The tree's directory as the broker names it: from the directory the
   entry's context runs in, unless absolute. */
static char *
tree_dir (const fo_suite *suite, const fo_context *parent, const char *item)
{
    return item[0] == '/' ? fo_xstrdup (item)
                          : fo_xasprintf ("%s/%s", fo_context_effective_cwd (suite, parent), item);
}

int
fo_ctest_discovered (const fo_suite *suite, fo_context *ctx, const char *listing, size_t len,
                     char *err, size_t errlen)
{
    fo_ctest_list list;
    char perr[512];
    if (fo_ctest_parse (listing, len, &list, perr, sizeof perr) != 0) {
        snprintf (err, errlen, "%s", perr);
        return -1;
    }
    const fo_env *opts = ctx->source ? &ctx->source->options : NULL;
    fo_ctest_filter filter = { opts ? fo_env_get (opts, "labels") : NULL,
                               opts ? fo_env_get (opts, "exclude_labels") : NULL,
                               opts ? fo_env_get (opts, "fixtures") : NULL };
    char *dir = tree_dir (suite, ctx->parent, ctx->name);
    size_t first = ctx->ntests, cfirst = ctx->ncontexts;
    int rc = fo_ctest_add (ctx, &list, &filter, dir, err, errlen);
    if (rc != 0)
        fo_context_drop_from (ctx, first, cfirst);
    free (dir);
    fo_ctest_list_free (&list);
    return rc;
}

/* discover_on: agent (see the top). */
static int
list_on_agent (const fo_source_item *at, char *err, size_t errlen)
{
    /* Checked now, not when the listing comes (a tree with no fixture
       never reads it). */
    const char *fixtures = fo_source_option (at, "fixtures");
    if (fixtures && strcmp (fixtures, "unit") != 0 && strcmp (fixtures, "shared") != 0
        && strcmp (fixtures, "split") != 0)
        return fo_err (err, errlen, "option 'fixtures' is '%s': 'unit', 'shared' or 'split'",
                       fixtures);
    const char *none[] = { NULL };
    return fo_source_list_on_agent (at, "ctest-list", none, FO_READER_CTEST, 0, err, errlen)
           ? 0 : -1;
}

static int
import (const fo_source_item *at, char *err, size_t errlen)
{
    const char *on = fo_source_option (at, "discover_on");
    if (on && strcmp (on, "broker") != 0 && strcmp (on, "agent") != 0)
        return fo_err (err, errlen, "option 'discover_on' is '%s': 'broker' or 'agent'", on);
    if (on && !strcmp (on, "agent"))
        return list_on_agent (at, err, errlen);
    char *joined = tree_dir (at->suite, at->parent, at->item);
    char *dir = realpath (joined, NULL);
    if (!dir) {
        snprintf (err, errlen, "%s: %s", joined, strerror (errno));
        free (joined);
        return -1;
    }
    free (joined);
    int rc = -1;
    fo_context *ctx = fo_source_context (at, at->item, 0, err, errlen);
    if (ctx) {
        fo_ctest_filter filter = { fo_source_option (at, "labels"),
                                   fo_source_option (at, "exclude_labels"),
                                   fo_source_option (at, "fixtures") };
        rc = fo_import_ctest (ctx, dir, &filter, err, errlen);
    }
    free (dir);
    return rc;
}

const fo_source_kind fo_source_kind_ctest = {
    .name = "ctest",
    .arg_name = "BUILD_DIR",
    .help = "a CTest build tree: its tests, with ctest's verdicts",
    .options = options,
    .import = import,
};
