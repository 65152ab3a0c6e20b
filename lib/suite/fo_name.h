/*  fo_name — the one rule for test and context names, wherever they come
    from: a suite file (fo_suite_load) or a `discover` command's output
    (fo_discover_names, on the broker and on agents).

    Names are what users have: GLib paths (/a/b/c), GoogleTest names
    (Inst/Suite.Name/0), pytest ids (test_x[param]), spaces, parentheses,
    any script. So a name may hold any printable UTF-8, and nothing else:

    - not empty, at most FO_NAME_MAX bytes;
    - valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF);
    - no control character: C0 (U+0000..U+001F, tab and newline included),
      DEL (U+007F), C1 (U+0080..U+009F), nor the line and paragraph
      separators U+2028 and U+2029 — a name is printed on one line of the
      console and of error messages, and must not be able to forge others;
    - no whitespace at either end: ids are compared exactly (--test, reports,
      reruns), and a trailing space is invisible wherever the id is shown.

    Names are never altered: an id is the names of a test's contexts and its
    own joined by "/" (docs/suite-file.md, "Ids").
*/
#ifndef FO_NAME_H
#define FO_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_util.h"

/* Bytes of one name; a real one is rarely past 200 (pytest ids with long
   parameters are the longest seen). */
#define FO_NAME_MAX 4096u

/* Bytes of a name or an id that messages show before "...": enough to
   recognise it, short enough to leave room for what is wrong with it. */
#define FO_ID_SHOWN 200u

/* Checks name[0..len) (len, not a NUL, ends it: an embedded NUL is an
   error). kind is "test" or "context", for the message. Returns true, or
   false with why = "<kind> name '<name, escaped>' <what is wrong>" (never a
   raw control character). */
bool fo_name_check (const char *kind, const char *name, size_t len, char *why, size_t whylen);

/* Appends s[0..len) to out for a message: control characters and bytes
   that are not UTF-8 become \xNN or \uNNNN escapes, and past max bytes the
   rest becomes "...". */
void fo_name_escape (fo_buf *out, const char *s, size_t len, size_t max);

/* Appends to out a name made of s[0..len), text that a program printed
   (a TAP description): escaped as fo_name_escape does, whitespace at
   either end left out, at most max bytes of s kept ("..." past them). The
   result follows the rule unless it is empty (nothing printable in s):
   the caller adds what makes a name unique (a test number) anyway. */
void fo_name_make (fo_buf *out, const char *s, size_t len, size_t max);

#endif
