/*  fo_gtest_join — a GoogleTest suite's tests in one process
    (docs/sources.md, "GoogleTest", `process: suite`).

    fo_source_gtest.c plans each test as its own step,

        PROGRAM --gtest_filter=Suite.Test

    and, with the entry's `process: suite`, a suite's steps as one task
    (a unit, in listing order). The agent (fo_execution) runs consecutive
    steps of that shape in one process, joined here into

        PROGRAM --gtest_filter=Suite.a:Suite.b:...

    read by the "gtest" reader with the parts (fo_read_step.parts): gtest's
    output file judges every test when the program ends; after a crash
    (no file) gtest's result stream (fo_gtest_stream.h) tells which tests
    ended, which one was running, and which never started: those get no
    result and the agent runs them again in a new process, so none is
    lost and none runs twice.

    A group's filter is at most FO_GTEST_JOIN_MAX_FILTER bytes (an
    argument must stay below Linux's 128 KiB): past it the next step
    starts the next group. */
#ifndef FO_GTEST_JOIN_H
#define FO_GTEST_JOIN_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_proto.h"

#define FO_GTEST_JOIN_MAX_FILTER (64u * 1024u)

/* The gtest full name a step runs ("Suite.Test": its filter), or NULL
   when the step is not a one-test gtest step (`PROGRAM
   --gtest_filter=NAME`, reader gtest, one test). */
const char *fo_gtest_step_name (const fo_step *step);

/* May next join group[0..n) (n >= 1, group[0] a one-test gtest step)?
   The same program, cwd and environment, and the joined filter within
   its limit. */
bool fo_gtest_joins (const fo_step *const *group, size_t n, const fo_step *next);

/* Fills the zeroed step `joined` that runs parts[0..n) (n >= 2) in one
   process: argv as above, tests the parts' in order, the time limit the
   sum of theirs (none when one has none). Free with fo_step_free. */
void fo_gtest_join (const fo_step *const *parts, size_t n, fo_step *joined);

#endif
