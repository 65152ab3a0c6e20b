/*  fo_glib_list — what a GLib test program's `-l` prints, read into its
    test paths: a path per line ("/a/b"), "# ..." comments (the random
    seed, "Start of a tests") and a plan ("1..6"), which are skipped; any
    other line is an error. The glib source reads it on the broker
    (fo_source_glib.c), and `fanout glib-names` on an agent (a glib
    source with `discover_on: agent`), so both accept the same output. */
#ifndef FO_GLIB_LIST_H
#define FO_GLIB_LIST_H

#include <stddef.h>

#include "fo_util.h"

/* Reads the NUL-terminated data (modified in place: each path is
   NUL-terminated where it lies) into paths (copies). 0, or -1 with
   "'-l' output line N is no test path: '...'" in err. */
int fo_glib_list_read (char *data, fo_strv *paths, char *err, size_t errlen);

#endif
