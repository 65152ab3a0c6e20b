/*  fo_gtest_list — reads what a GoogleTest program prints for
    `--gtest_list_tests`: its test suites, each followed by its tests.

        Basic.
          Pass
          Fail
        Typed/0.  # TypeParam = int
          Size
        Nums/Param.
          Even/0  # GetParam() = 2

    A suite line starts in column 1 and its first word ends with "."; a
    test line starts with two spaces. What follows a name after spaces is
    gtest's comment (`# TypeParam = ...` on a typed suite, `# GetParam() =
    ...` on a value-parameterised test): not part of the name. A comment
    is the printed value of a parameter, which may hold newlines: lines
    after a commented one that are neither a suite nor a test line are the
    rest of that comment, and skipped. Lines before the first suite are
    skipped too (gtest_main prints "Running main() from ..." first). Any
    other line is refused: a listing is used whole or not at all.

    Names are kept exactly as gtest prints them ("Typed/0", "Even/0",
    "DISABLED_Off"): they are what --gtest_filter and the output file use.
    A suite or test name never holds "." or whitespace (C++ identifiers,
    "/" and digits), so "<suite>.<test>" is gtest's full name, one way. */
#ifndef FO_GTEST_LIST_H
#define FO_GTEST_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* The longest suite or test name read (bytes): far past any real one,
   and within the suite's name limits (fo_name.h). */
#define FO_GTEST_MAX_NAME 1024u

/* One listed test: called for each, in output order. suite and test are
   NUL-terminated for the call only; line is 1-based. Nonzero stops the
   reading, which then returns it. */
typedef int (fo_gtest_list_fn) (void *arg, const char *suite, const char *test, size_t line);

/* Reads data[0..len) (data[len] need not be NUL; nothing is modified).
   0, the callback's nonzero, or -1 with "gtest listing line N: why" in
   err (a test before any suite, a line that is neither, a name longer
   than FO_GTEST_MAX_NAME or holding a NUL byte). A suite with no test adds nothing. */
int fo_gtest_list_read (const char *data, size_t len, fo_gtest_list_fn *fn, void *arg, char *err,
                        size_t errlen);

/* gtest's rule for a disabled test (kDisableTestFilter): its suite's or
   its own name starts with DISABLED_ or holds /DISABLED_. full is
   "Suite.Test" (a suite name holds no '.'). */
bool fo_gtest_disabled (const char *full);

#endif
