/*  fo_report_dest — where a report file goes, checked before the run and
    written after it.

    A report is the one thing a run leaves behind, so its destination is
    judged before any test runs (a bad path is a usage error, exit 2, not a
    surprise after an hour of tests), and writing it never destroys what
    the path named:

      "-"                        standard output
      a path that is our stdout  written to that descriptor, where the
      or stderr (/dev/stdout,    console output goes too (never truncated
      /proc/self/fd/1, ...)      or replaced)
      a missing path             created atomically: a temporary file in
                                 the same directory, renamed over the path
                                 when complete (at the check one is made
                                 and removed at once: the directory takes
                                 files, and nothing is left behind however
                                 fanout ends before writing)
      an existing regular file   replaced atomically the same way
      a symlink, FIFO, device    written in place, never replaced (a
                                 symlink's target keeps its place; a FIFO
                                 is opened when the report is written)
      a directory, the suite     refused at the check
      file itself

    Errors at the end (ENOSPC, EIO, /dev/full, a failed close or rename)
    are returned with the reason; the caller turns them into
    FO_EXIT_REPORT. Readers see the previous file or the complete new one.
*/
#ifndef FO_REPORT_DEST_H
#define FO_REPORT_DEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct fo_report_dest fo_report_dest;

/* Checks (and prepares) `path` for a report. `what` names the option in
   messages ("--json"); `suite` is the suite file (refused as a target), or
   NULL. NULL with err set ("--json '/x/r.json': directory '/x' does not
   exist") when the report could not be written there. */
fo_report_dest *fo_report_dest_open (const char *path, const char *what, const char *suite,
                                     char *err, size_t errlen);

/* The stream to write the report into (opened now for a FIFO: this may
   wait for a reader). NULL with err set when it cannot be opened. */
FILE *fo_report_dest_stream (fo_report_dest *self, char *err, size_t errlen);

/* Finishes the report: flushes, syncs, closes, renames into place. 0, or
   -1 with err set ("cannot write report 'r.json': No space left on
   device"); on failure the path keeps what it held before. */
int fo_report_dest_commit (fo_report_dest *self, char *err, size_t errlen);

/* Does the report go to standard output (`-`, /dev/stdout, ...)? Then the
   console output goes to stderr, so that stdout holds the report alone. */
bool fo_report_dest_is_stdout (const fo_report_dest *self);

/* The path as given. */
const char *fo_report_dest_path (const fo_report_dest *self);

/* Frees; an uncommitted temporary file is removed. */
void fo_report_dest_destroy (fo_report_dest **self_p);

#endif
