/*  fo_glib_list — what a GLib test program's `-l` prints, read into its
    test paths: a path per line ("/a/b"), "# ..." comments (the random
    seed, "Start of a tests") and a plan ("1..6"), which are skipped; any
    other line is an error. The glib source reads it on the broker
    (fo_source_glib.c), and `fanout glib-names` on an agent (a glib
    source with `discover_on: agent`), so both accept the same output. */
#ifndef FO_GLIB_LIST_H
#define FO_GLIB_LIST_H

#include <stddef.h>

#include "fo_suite.h"
#include "fo_util.h"

/* Reads the NUL-terminated data (modified in place: each path is
   NUL-terminated where it lies) into paths (copies). 0, or -1 with
   "'-l' output line N is no test path: '...'" in err. */
int fo_glib_list_read (char *data, fo_strv *paths, char *err, size_t errlen);

/* The command that runs paths[index] of a program's listing (its paths,
   n of them) alone: `PROGRAM --tap -s BELOW... -p PATH`, every listed
   path below PATH named with -s, since GLib's -p also runs them. Pushed
   onto argv. */
void fo_glib_path_argv (const char *program, const char *const *paths, size_t n, size_t index,
                        fo_strv *argv);

/* A program's paths an agent listed (`discover_on: agent`) joined ctx as
   ctx->tests[first..], each run by its context's template
   (`PROGRAM --tap -p {name}`): each gets the command a listing on the
   broker gives it (fo_glib_path_argv), now that the whole listing is
   known, so that a unit's paths join into one process on the agent
   (fo_glib_join.h) and none runs twice. Tests read by another reader are
   left as they are. */
void fo_glib_discovered (fo_context *ctx, size_t first);

#endif
