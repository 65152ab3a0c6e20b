/*  fo_source_python — `--python PATH`, `{kind: python, from: ...}`: a
    Python suite written for nose or unittest (docs/python.md).

    PATH (a folder, a package or a .py file) is one context named as
    written; fanout's Python helper (python/fanout_nose, found by
    fo_python_dir.h) discovers what is under it as nose did and prints
    the tree (fo_python_tree.h), which becomes contexts and tests: a
    package, module and class context each, with its fixtures as setup
    and teardown steps and its mode from `_multiprocess_can_split_`,
    `_multiprocess_shared_` and `_multiprocess_`. The planner cuts it as
    any other tree. Each test runs as

        INTERPRETER HELPER test --root DIR ADDRESS [INDEX]

    read by the "python" reader (fo_read_python.c); an agent runs such
    steps in a persistent Python worker (agent/fo_runner_python.c).

    Options: `match` (nose's --match: the pattern test files, folders,
    classes and functions must match), `interpreter` (default
    /usr/bin/python3), `exe` ("true": also executable files, nose's --exe). */
#include "fo_source.h"

#include <stdlib.h>
#include <string.h>

#include "fo_pyfork.h"
#include "fo_python_dir.h"
#include "fo_python_tree.h"

static const char *const options[] = { "match", "interpreter", "exe", NULL };

static int
import (const fo_source_item *at, char *err, size_t errlen)
{
    char *helper = fo_python_helper ();
    if (!helper)
        return fo_err (err, errlen, "fanout's Python helper (fanout_nose) is not installed "
                                    "(set FANOUT_PYTHON_DIR to the folder that holds it)");
    const char *interpreter = fo_source_option (at, "interpreter");
    const char *match = fo_source_option (at, "match");
    const char *exe = fo_source_option (at, "exe");
    if (exe && strcmp (exe, "true") && strcmp (exe, "false")) {
        free (helper);
        return fo_err (err, errlen, "option 'exe' is true or false");
    }
    fo_python_cmd cmd = { .interpreter = interpreter ? interpreter : FO_PYTHON_INTERPRETER,
                          .helper = helper };
    fo_strv argv = { 0 };
    fo_buf out = { 0 };
    fo_strv_push (&argv, cmd.interpreter);
    fo_strv_push (&argv, helper);
    fo_strv_push (&argv, "discover");
    if (match) {
        fo_strv_push (&argv, "--match");
        fo_strv_push (&argv, match);
    }
    if (exe && !strcmp (exe, "true"))
        fo_strv_push (&argv, "--exe");
    fo_strv_push (&argv, at->item);
    /* The discovery may stay as the run's fork server (fo_pyfork.h). */
    int pass_fd = fo_pyfork_begin (cmd.interpreter, helper);
    int rc = fo_source_run_passing (at, &argv, pass_fd, &out, err, errlen);
    if (pass_fd >= 0)
        fo_pyfork_end (rc == 0);
    if (rc == 0)
        rc = fo_python_tree_read (at, &cmd, out.data, out.len, err, errlen);
    fo_strv_free (&argv);
    fo_buf_free (&out);
    free (helper);
    return rc;
}

const fo_source_kind fo_source_kind_python = {
    .name = "python",
    .arg_name = "PATH",
    .help = "a Python suite (nose or unittest): a context per package, module and class",
    .options = options,
    .import = import,
};
