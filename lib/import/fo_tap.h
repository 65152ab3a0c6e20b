/*  fo_tap — a TAP stream (the Test Anything Protocol, versions 12, 13 and
    14: testanything.org) parsed incrementally into events, one line at a
    time, as a program writes it.

    What a line is:

        TAP version 14          FO_TAP_VERSION (ignored by the readers)
        1..5                    FO_TAP_PLAN: count 5
        1..0 # SKIP no db       FO_TAP_PLAN: count 0, skip_all, reason "no db"
        ok 1 - parses           FO_TAP_POINT: ok, number 1, description
        not ok 2 # TODO later   FO_TAP_POINT: directive TODO, reason "later"
          ---                   a YAML diagnostics block (TAP 13/14) after a
          message: bad input    test point, indented two spaces more than
          ...                   the point: part of the point's event
        Bail out! no network    FO_TAP_BAIL
        # Subtest: group        FO_TAP_SUBTEST (TAP 14 announces a subtest)
        # any comment           FO_TAP_COMMENT
        pragma +strict          FO_TAP_PRAGMA
        anything else           FO_TAP_OUTPUT (the program's own output)

    Subtests (TAP 14) are indented four spaces per level: a line of 4*k
    spaces and a plan, a test point, a comment or a Bail out! is that
    line at depth k. The parser says how deep each line is; which subtest
    a point closes is the reader's to say (fo_read_tap.c).

    A test point's event is delivered once the parser knows whether a YAML
    block follows it: on the next line (or at fo_tap_end). The block is
    YAML and read with libyaml, never by hand: its event stream is walked
    (aliases are never expanded) for the validity of the block and its
    top-level `message`, which the readers show as the test's message.

    The stream is the tested program's output, so it is untrusted, and
    every limit below is enforced while reading:

      FO_TAP_MAX_LINE   a line longer than this is output, cut there (it
                        cannot be TAP: a name is at most 4 KiB)
      FO_TAP_MAX_DEPTH  subtests nest at most this deep; deeper lines are
                        output, and a FO_TAP_ERROR says so once
      FO_TAP_MAX_YAML   one diagnostics block; a larger one is dropped (the
                        point says why in yaml_error)
      FO_TAP_YAML_DEPTH nesting of lists and maps inside a block

    Memory is bounded by these (a line, a block, a point's lines), however
    long the stream; the parser never reads a byte twice but in a YAML
    block (once more by libyaml). Fuzzed: tests/fuzz/fuzz_tap.c.
*/
#ifndef FO_TAP_H
#define FO_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_TAP_MAX_LINE (64u * 1024u)
#define FO_TAP_MAX_DEPTH 16u
#define FO_TAP_MAX_YAML (64u * 1024u)
#define FO_TAP_YAML_DEPTH 64u

typedef enum {
    FO_TAP_VERSION = 1,
    FO_TAP_PLAN,
    FO_TAP_POINT,
    FO_TAP_BAIL,
    FO_TAP_COMMENT,
    FO_TAP_SUBTEST,
    FO_TAP_PRAGMA,
    FO_TAP_OUTPUT,
    FO_TAP_ERROR,       /* a limit was passed (text says which); reading goes on */
} fo_tap_kind;

typedef enum {
    FO_TAP_NO_DIRECTIVE = 0,
    FO_TAP_SKIP,        /* "# SKIP reason" ("skip", "skipped", any case) */
    FO_TAP_TODO,        /* "# TODO reason" */
} fo_tap_directive;

typedef struct {
    fo_tap_kind kind;
    unsigned depth;             /* subtest level: 0 at the top */
    size_t lineno;              /* 1-based line of the stream */
    /* The line as written (without its newline), for a POINT with its
       YAML block's lines; the text a reader keeps as output. */
    const char *raw;
    size_t raw_len;

    /* POINT */
    bool ok;
    uint64_t number;            /* as written (UINT64_MAX past it); 0 when none */
    bool has_number;            /* the line gives one ("ok 0" does: cmocka) */
    const char *description;    /* unescaped ("\#" is "#"), trimmed; "" when none */
    fo_tap_directive directive;
    const char *reason;         /* directive's, or a skip-all plan's, or a
                                   Bail out!'s; "" when none */
    bool has_yaml;              /* a diagnostics block followed it */
    const char *yaml_message;   /* its top-level `message` scalar, or NULL */
    const char *yaml_error;     /* why the block is not read, or NULL */

    /* PLAN */
    uint64_t count;             /* UINT64_MAX when the number does not fit */
    bool skip_all;              /* 1..0 */

    /* COMMENT (after "#" and spaces), SUBTEST (the name, may be ""),
       OUTPUT, ERROR, VERSION, PRAGMA */
    const char *text;
} fo_tap_event;

typedef void (fo_tap_fn) (void *arg, const fo_tap_event *event);

typedef struct fo_tap fo_tap;

fo_tap *fo_tap_new (fo_tap_fn *fn, void *arg);
/* The stream's next bytes, cut anywhere. Events for the lines they
   complete are delivered before it returns. */
void fo_tap_feed (fo_tap *self, const char *data, size_t len);
/* The stream has ended: a last line without a newline, and a point still
   waiting for its YAML block, are delivered. Feeding after it does
   nothing. */
void fo_tap_end (fo_tap *self);
void fo_tap_destroy (fo_tap **self_p);

/* Reads a YAML diagnostics block (its lines without their indentation):
   true when it is valid YAML within FO_TAP_YAML_DEPTH, with *message set
   (malloc'd) to its top-level `message` scalar when it has one; false
   with why in err. Exposed for tests. */
bool fo_tap_yaml (const char *text, size_t len, char **message, char *err, size_t errlen);

#endif
