/*  fo_discover_names — the output of a `discover` command as test names.

    One name per line: each line is trimmed (spaces, tabs, a trailing '\r')
    and empty lines are skipped. Each name follows the rule of suite files
    (fo_name_check: printable UTF-8, '/' included, no control character,
    at most FO_NAME_MAX bytes). The broker reads its own discover
    commands' output this way (fo_suite_discover.c) and an agent the output
    of a discover step it ran for the broker (docs/suite-file.md,
    "Discovery"), so both places accept exactly the same names.
*/
#ifndef FO_DISCOVER_NAMES_H
#define FO_DISCOVER_NAMES_H

#include <stddef.h>

/* Called for each name with its 1-based output line; a non-zero return
   stops the walk and is returned. */
typedef int (fo_name_fn) (void *arg, const char *name, size_t line);

/* Walks the names in data[0..len), which is modified in place: the names
   passed to fn point into it, and data[len] must be writable (a fo_buf's
   terminating NUL is). Returns 0, fn's first non-zero value, or -1
   with "discover output line N: why" in err for an invalid name. */
int fo_discover_names (char *data, size_t len, fo_name_fn *fn, void *arg, char *err,
                       size_t errlen);

#endif
