/*  fo_glib_join — a GLib program's paths in one process (docs/sources.md,
    "GLib").

    fo_source_glib.c plans each path as its own step,

        PROGRAM --tap -s DESCENDANT... -p PATH

    and, by default, a program's steps as one task in listing order (the
    order GLib runs them). The agent (fo_execution) runs consecutive steps
    of that shape in one process, joined here into

        PROGRAM --tap -s X... -p PATH1 -p PATH2 ...

    GLib runs each -p in turn, in argument order, and `-p P` also runs the
    paths one level below P; so a group never holds a path together with
    its parent path (fo_glib_joins): the child starts the next group. Every
    -s of the parts that is not in the group is kept, so what -p would run
    beyond the group prints "# SKIP by request" and does not run. Each path
    of the group runs exactly once, in the group's (the listing's) order.

    The joined step's tests are the parts' tests, in the same order; it is
    read by fo_reader_glib_join (fo_read_glib_join.c), which leaves the
    tests after a crash without a result so that the agent runs them again.
*/
#ifndef FO_GLIB_JOIN_H
#define FO_GLIB_JOIN_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_proto.h"

/* The GLib path a step runs (its last argument), or NULL when the step is
   not a one-path GLib step (`PROGRAM --tap [-s X]... -p PATH`, reader
   glib, one test). */
const char *fo_glib_path (const fo_step *step);

/* May next join group[0..n) (n >= 1, group[0] a one-path GLib step)? The
   same program, cwd, environment and one-path shape, and neither its path
   the parent of one in the group nor the group's holding its parent. */
bool fo_glib_joins (const fo_step *const *group, size_t n, const fo_step *next);

/* Fills the zeroed step `joined` that runs parts[0..n) (a group, n >= 2)
   in one process: argv as above, tests the parts' in order, the time
   limit the sum of theirs (none when one has none). Free with
   fo_step_free. */
void fo_glib_join (const fo_step *const *parts, size_t n, fo_step *joined);

#endif
