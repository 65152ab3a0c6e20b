/*  fo_exports — variables a shared context's setup hands to its tests.

    The broker runs a shared setup with FANOUT_EXPORT naming an empty file.
    Whatever the setup writes there, one variable per line, reaches every
    task of the context (and of the contexts inside it) on every host, in
    its environment (docs/fixtures.md, "Exports"):

        DB_URL=postgres://10.0.0.5:5432/test_41
        secret DB_PASSWORD=hunter2
        # comments and blank lines are ignored

    NAME is a shell variable name (letters, digits and '_', not starting
    with a digit) outside the FANOUT_ prefix, which fanout keeps for itself;
    VALUE is the rest of the line, taken as written (no quoting; one
    trailing '\r' is dropped). `secret` marks a value that fanout must never
    show: it travels flagged, is masked in captured output (fo_mask) and is
    never logged. A name may appear once per file.

    The file is bounded (FO_EXPORT_MAX_BYTES) because its content travels in
    every lease of the context; a file that breaks any rule is an error the
    broker reports as a failed setup.
*/
#ifndef FO_EXPORTS_H
#define FO_EXPORTS_H

#include <stddef.h>

#include "fo_util.h"

#define FO_EXPORT_VAR "FANOUT_EXPORT"
#define FO_EXPORT_MAX_BYTES (64u * 1024u)       /* one export file */
#define FO_EXPORT_MAX_TOTAL (256u * 1024u)      /* everything a task receives */

/* Parses the text of an export file into out (which must be empty).
   Returns 0, or -1 with "line N: why" in err (out is then emptied). */
int fo_exports_parse (const char *data, size_t len, fo_env *out, char *err, size_t errlen);

/* Reads and parses the file at path, refusing one larger than
   FO_EXPORT_MAX_BYTES. Returns 0, or -1 with the reason in err. */
int fo_exports_read (const char *path, fo_env *out, char *err, size_t errlen);

/* Bytes the variables take on the wire (names and values), to check
   against FO_EXPORT_MAX_TOTAL. */
size_t fo_exports_size (const fo_env *env);

/* "A, B, TOKEN (secret)" for logs: names only, never values. */
char *fo_exports_describe (const fo_env *env);

#endif
