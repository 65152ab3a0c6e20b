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
                        the fanout:shared / fanout:split labels) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_import_ctest.h"
#include "fo_source.h"

static const char *const options[] = { "labels", "exclude_labels", "fixtures", NULL };

static int
import (const fo_source_item *at, char *err, size_t errlen)
{
    char *joined = at->item[0] == '/'
                       ? fo_xstrdup (at->item)
                       : fo_xasprintf ("%s/%s", fo_context_effective_cwd (at->suite, at->parent),
                                       at->item);
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
