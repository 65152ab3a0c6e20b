/*  fo_gtest_stream — reads what a GoogleTest program streams with
    `GTEST_STREAM_RESULT_TO=HOST:PORT` (gtest's StreamingListener), to
    learn which tests of a process ran before it crashed.

    gtest writes its JSON output file (fo_gtest_json.h) only when the
    program ends, so a crash part-way loses it; the stream is written as
    the tests run, one line per event:

        gtest_streaming_protocol_version=1.0
        event=TestCaseStart&name=Basic
        event=TestStart&name=Pass
        event=TestPartResult&file=s.cc&line=4&message=Expected%20...
        event=TestEnd&passed=1&elapsed_time=0ms

    (file and message URL-encoded: gtest escapes `=`, `&`, `%` and
    newlines as %xx). Each TestStart opens a test of the suite last
    started, named "<suite>.<test>" as gtest's output file names it;
    TestEnd closes it. What a test that ended says is less than the
    output file: `passed=1` is a pass (gtest's Passed (): neither failed
    nor skipped), `passed=0` a failure or a GTEST_SKIP, told apart here by
    its part results (a failure's always carries text, gtest's "Failed" at
    least; a GTEST_SKIP () without a message carries none): any text is a
    failure. So a `GTEST_SKIP () << "why"` reads as a failure: the output
    file, when there is one, is what fanout reports (fo_read_gtest.c).

    The stream is the tested program's, so untrusted: a line is at most
    FO_GTEST_STREAM_MAX_LINE bytes (a longer one is dropped), at most
    FO_GTEST_MAX_RESULTS tests are kept, a test's messages at most
    FO_GTEST_MAX_MESSAGE bytes. Fuzzed (tests/fuzz/fuzz_gtest.c). */
#ifndef FO_GTEST_STREAM_H
#define FO_GTEST_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_outcome.h"

#define FO_GTEST_STREAM_MAX_LINE (1024u * 1024u)

typedef struct fo_gtest_stream fo_gtest_stream;

/* One test the stream started. */
typedef struct {
    bool ended;                 /* TestEnd read */
    fo_outcome outcome;         /* when ended: passed, failed or skipped */
    const char *message;        /* when ended: the part results' text ("" none) */
    uint64_t duration_us;
} fo_gtest_stream_test;

fo_gtest_stream *fo_gtest_stream_new (void);
void fo_gtest_stream_destroy (fo_gtest_stream **self_p);
/* Bytes as they arrive, any split. */
void fo_gtest_stream_feed (fo_gtest_stream *self, const char *data, size_t len);
/* What the stream says of full name ("<suite>.<test>"): NULL when it did
   not start it. The first of a name, if started twice. */
const fo_gtest_stream_test *fo_gtest_stream_find (const fo_gtest_stream *self, const char *name);

#endif
