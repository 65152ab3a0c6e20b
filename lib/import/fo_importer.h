/*  fo_importer — a source of tests: how a listing command's output becomes
    tests of the suite model (lib/suite/fo_suite.h).

    An importer reads the output of the command that lists a context's
    tests into a listing, and adds a listing to the context as tests (with
    the commands that run them). Reading runs wherever the command ran: on
    the broker before the run (fo_suite_discover.h), or on an agent during
    it (`discover_on: agent`: agent/fo_discover_step.c answers the broker
    with the listing's names). Both go through fo_import_read, so the two
    places accept exactly the same output; adding to the suite happens on
    the broker.

    Today's importer is "discover" (fo_import_discover.c): one test name per
    line (fo_discover_names.h has the name rules), each test run by the
    context's `run` template with {name} filled in, its results read by the
    exit-status reader (fo_reader.h). How a test's results are read is the
    other half of a source: the reader a listed test's steps name.

    Adding an importer (GoogleTest, GLib, CTest, TAP...): a new
    fo_import_<name>.c defining a const fo_importer, and one line in the
    registry (fo_importer.c). A listing is flat today (names, in output
    order); importers that list a tree (a GoogleTest suite per context) or
    properties (labels, timeouts, fixtures, modes, the reader) add them to
    fo_listed and fo_listing, and their `add` builds the contexts with
    fo_context_new / fo_test_new. A CTest tree listed on an agent does not
    go through here: its discover step's reader (ctest) says its answer is
    the listing whole (fo_proto.h: fo_discovered.listing, version 7),
    which the broker imports as its own (fo_ctest_discovered).

    Output is the listed program's: read with limits (the caller caps what
    it captures; a listing that was cut is refused, never half-used).
*/
#ifndef FO_IMPORTER_H
#define FO_IMPORTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_suite.h"

/* One listed test. */
typedef struct {
    char *name;
    size_t line;        /* where in the output (1-based), for messages */
} fo_listed;

/* What a listing command listed, in output order. */
typedef struct {
    fo_listed *items;
    size_t len, cap;
} fo_listing;

void fo_listing_add (fo_listing *self, const char *name, size_t line);
void fo_listing_free (fo_listing *self);

typedef struct {
    const char *name;   /* "discover" */
    /* Reads a listing command's complete stdout, data[0..len) with data[len]
       writable (it may be modified in place). 0, or -1 with
       "discover output line N: why" in err. */
    int (*read) (char *data, size_t len, fo_listing *out, char *err, size_t errlen);
    /* Adds a checked listing (fo_import_check found no fault) to ctx as
       tests that can be planned. */
    void (*add) (fo_context *ctx, const fo_listing *listing);
} fo_importer;

/* The registered importer of that name, or NULL. */
const fo_importer *fo_importer_find (const char *name);

/* The one path from a listing command's output to a listing, on the
   broker and on an agent. data/len as for fo_importer.read; cut: the
   capture dropped output past `cap` bytes, which is refused as
   "printed more than <cap> MiB of names". 0, or -1 with err set (and an
   empty listing). */
int fo_import_read (const fo_importer *importer, char *data, size_t len, bool cut, size_t cap,
                    fo_listing *out, char *err, size_t errlen);

/* A name that would repeat a test id of ctx. */
/* Why a listing cannot join a context. */
typedef struct {
    size_t index;       /* the first name (in order) at fault */
    bool repeated;      /* it repeats a test ctx has or an earlier name: */
    bool in_suite;      /*   a test ctx already has (ctx->tests[earlier]) */
    size_t earlier;     /*   or names[earlier] */
    char why[512];      /* not repeated: the suite's reason (fo_context_can_add_test) */
} fo_import_fault;

/* The one rule for tests a source lists, on the broker before the run and
   during it (`discover_on: agent`): no name may repeat a test the context
   has, or another name of the listing; and each must be acceptable to the
   suite (fo_context_can_add_test: the name rules, an id no other test
   holds - a name with '/' can reach another context's id -, the size
   limits). True when names[0..n) may all be added; else false and fault
   says which and why (callers word it with what they know: output lines
   before the run, positions in the message during it). */
bool fo_import_check (const fo_context *ctx, const char *const *names, size_t n,
                      fo_import_fault *fault);

/* The same for a listing. */
bool fo_import_check_listing (const fo_context *ctx, const fo_listing *listing,
                              fo_import_fault *fault);

/* Most a listing command may print, bytes, wherever it runs (its names
   travel to the broker in one message when it runs on an agent: within
   FO_PROTO_MAX_STRING). More is refused, never cut. */
#define FO_IMPORT_MAX_OUTPUT (8u * 1024u * 1024u)

#endif
