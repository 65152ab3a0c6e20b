/*  fo_discover_names — see fo_discover_names.h. */
#include "fo_discover_names.h"
#include "fo_name.h"

#include <stdio.h>
#include <string.h>

int
fo_discover_names (char *data, size_t len, fo_name_fn *fn, void *arg, char *err, size_t errlen)
{
    char *p = data, *end = data + len;
    for (size_t line = 1; p < end; line++) {
        char *eol = memchr (p, '\n', (size_t) (end - p));
        char *next = eol ? eol + 1 : end;
        char *stop = eol ? eol : end;
        while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        if (p == stop) {
            p = next;
            continue;
        }
        /* The one rule for names (fo_name.h), as in a suite file. */
        char why[512];
        if (!fo_name_check ("test", p, (size_t) (stop - p), why, sizeof why)) {
            if (err && errlen)
                snprintf (err, errlen, "discover output line %zu: %s", line, why);
            return -1;
        }
        *stop = '\0';   /* in place: the name points into data */
        int rc = fn (arg, p, line);
        if (rc != 0)
            return rc;
        p = next;
    }
    return 0;
}
