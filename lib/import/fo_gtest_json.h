/*  fo_gtest_json — reads the file GoogleTest writes with
    `--gtest_output=json:FILE` (or GTEST_OUTPUT=json:FILE) into one result
    per test, read with jansson, never from the console text.

        {"testsuites": [{"name": "Basic", "testsuite": [
            {"name": "Fail", "status": "RUN", "result": "COMPLETED",
             "time": "0.012s", "failures": [{"failure": "s.cc:4\n..."}]}]}]}

    Each test becomes:

        "result": "SKIPPED" (GTEST_SKIP)        skipped
        "status": "NOTRUN" (DISABLED_, as gtest
          reports a disabled test it was asked
          to run)                               not_run, "disabled"
        "failures" not empty                    failed, the failures' text
        "result": "COMPLETED"                   passed
        anything else                           error, saying what it was

    The message is the failures' text (each "file:line\n..." as gtest
    wrote it, joined by newlines), or a skip's; the duration is "time"
    ("0.012s"). The file is the tested program's, so untrusted: at most
    FO_GTEST_MAX_FILE bytes, FO_GTEST_MAX_RESULTS tests and
    FO_GTEST_MAX_MESSAGE bytes of message per test; a file that is not
    gtest's JSON is refused whole (fuzzed: tests/fuzz/fuzz_gtest.c). */
#ifndef FO_GTEST_JSON_H
#define FO_GTEST_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "fo_outcome.h"

#define FO_GTEST_MAX_FILE (64u * 1024u * 1024u)
#define FO_GTEST_MAX_RESULTS 1000000u
#define FO_GTEST_MAX_MESSAGE (64u * 1024u)

typedef struct {
    char *name;             /* "<suite>.<test>", gtest's full name */
    fo_outcome outcome;
    char *message;          /* "" when there is nothing to say */
    uint64_t duration_us;
} fo_gtest_result;

typedef struct {
    fo_gtest_result *items;
    size_t len;
} fo_gtest_results;

/* Reads data[0..len). 0, or -1 with the reason in err (and no results). */
int fo_gtest_json_read (const char *data, size_t len, fo_gtest_results *out, char *err,
                        size_t errlen);

/* The result for full name, or NULL. The first of a name, if gtest
   repeated it. */
const fo_gtest_result *fo_gtest_results_find (const fo_gtest_results *self, const char *name);

void fo_gtest_results_free (fo_gtest_results *self);

#endif
