/*  fo_source — sources: what turns the tests users already have (TAP
    programs, cmocka and GLib test programs, GoogleTest binaries, CTest
    build trees) into fanout's suite tree, with no suite file to write
    (docs/sources.md).

    A source *kind* is one file, fo_source_<name>.c, defining a const
    fo_source_kind, and one line in fo_source_kinds.def. That one list
    gives the command line its options (`fanout run --tap PROG --glib
    PROG`) and a suite file's `source:` entries their `kind:` (fo_suite.h:
    fo_source_spec, kept as written by the loader). An entry imports each
    item of its `from` (a --KIND ARG option is the entry {kind: KIND,
    from: ARG} at the top level) into the context that holds the entry.

    Importing happens on the broker, after the suite file is loaded and
    before `discover` commands run (fo_suite_import): a kind may run a
    listing command (GLib's `-l`) with fo_source_run, then builds contexts
    with fo_source_context and tests with fo_source_test. A test names the
    reader of its output (fo_reader.h: exit status, TAP), which is how a
    source's results are read on the agent.

    The interface a kind implements:

        name      "tap": the option --tap and `kind: tap`
        arg_name  "PROGRAM": the option's argument in --help
        help      one line for --help
        options   the keys its entries' `options:` may hold (NULL-ended,
                  or NULL: none); others are refused before import is called
        import    one item into at->parent: 0, or -1 with why in err (no
                  position: fo_suite_import prefixes "file:line:column: "
                  or "--KIND 'ITEM': ")

    Kinds must not keep state between calls; everything they add goes
    through the helpers below, so ids stay unique and within the suite's
    limits.
*/
#ifndef FO_SOURCE_H
#define FO_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_proto.h"
#include "fo_suite.h"
#include "fo_util.h"

/* One item being imported. */
typedef struct {
    fo_suite *suite;
    fo_context *parent;             /* the context that holds the entry */
    const fo_source_spec *spec;     /* kind, options, mode, position */
    const char *item;               /* one item of spec->from */
} fo_source_item;

typedef struct {
    const char *name;
    const char *arg_name;
    const char *help;
    const char *const *options;
    int (*import) (const fo_source_item *at, char *err, size_t errlen);
} fo_source_kind;

/* Every kind, in fo_source_kinds.def's order, NULL-ended. */
extern const fo_source_kind *const fo_source_kinds[];
/* The kind called name, or NULL. */
const fo_source_kind *fo_source_kind_find (const char *name);

/* Imports every source of the suite (each context's, in file order, a
   context's before its children's). Returns 0, or -1 with
   "file:line:column: message" (an entry of the file) or
   "--KIND 'ITEM': message" (an option) in err: an unknown kind or option,
   a listing that failed, a name or id the suite refuses. */
int fo_suite_import (fo_suite *suite, char *err, size_t errlen);

/* ---- for kinds --------------------------------------------------------- */

/* The value of the entry's option key, or NULL. */
const char *fo_source_option (const fo_source_item *at, const char *key);

/* A new context called name under at->parent, with the entry's mode, or
   default_mode when the entry gives none. NULL with why in err when the
   name breaks the name rule or its id is taken (a program imported twice). */
fo_context *fo_source_context (const fo_source_item *at, const char *name, unsigned default_mode,
                               char *err, size_t errlen);

/* A new test called name in ctx run by argv (copied) and read by reader.
   NULL with why in err when the name or its id is refused
   (fo_context_can_add_test) or the step passes FO_SUITE_MAX_STEP. */
fo_test *fo_source_test (fo_context *ctx, const char *name, const fo_strv *argv,
                         fo_reader reader, char *err, size_t errlen);

/* `discover_on: agent` for a program a fanout subcommand lists: a new
   context named at->item (fo_source_context, default_mode) whose tests an
   agent lists during the run (the suite's `discover_on: agent`,
   fo_suite.h), by running `FANOUT SUBCOMMAND ITEM` there (FANOUT: this
   fanout, at the same path on the agent), which prints one name per line.
   Each name becomes a test run by run_template (NULL-ended, copied; its
   `{name}` the name) and read by reader. NULL with why in err. */
fo_context *fo_source_list_on_agent (const fo_source_item *at, const char *subcommand,
                                     const char *const *run_template, fo_reader reader,
                                     unsigned default_mode, char *err, size_t errlen);

/* Runs a listing command (argv, copied) where at->parent's tests run (its
   effective cwd, env and timeout) and captures its stdout into out (which
   the caller frees), at most FO_IMPORT_MAX_OUTPUT bytes. 0, or -1 with why
   in err: it could not start, it failed (its status and first line of
   stderr), or it printed more. */
int fo_source_run (const fo_source_item *at, const fo_strv *argv, fo_buf *out, char *err,
                   size_t errlen);

/* fo_source_run, the command getting pass_fd (>= 0) as fo_pyfork's fd
   (FO_PYFORK_FD): the python source's discovery. */
int fo_source_run_passing (const fo_source_item *at, const fo_strv *argv, int pass_fd,
                           fo_buf *out, char *err, size_t errlen);

#endif
