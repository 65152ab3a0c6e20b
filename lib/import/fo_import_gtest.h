/*  fo_import_gtest — the `gtest` importer: a GoogleTest program's tests
    (docs/sources.md, "GoogleTest").

    Listing: the program's `--gtest_list_tests` (fo_gtest_list.h), read
    into a listing of gtest's full names "<suite>.<test>", as printed
    (typed "Typed/0.Size", value-parameterised "Nums/Param.Even/1",
    disabled "Basic.DISABLED_Off"); gtest's `# TypeParam = ` and
    `# GetParam() = ` comments are not part of them.

    Adding it to a context (the program's): each gtest test suite becomes
    a context of that name, each of its tests a test of that name, in
    listing order: "Typed/0.Size" is the test "Size" of context "Typed/0",
    id "<program's context>/Typed/0/Size". Its run is the program's
    command with `--gtest_filter=<suite>.<test>` (each test in its own
    process), read by the `gtest` reader (fo_read_gtest.c): outcome,
    duration and failure message from gtest's JSON output file.

    Disabled tests are listed and run like the others: gtest, asked for
    one by name, does not run it and reports it NOTRUN, which the reader
    makes `not_run`, "disabled": reported as gtest reports them. */
#ifndef FO_IMPORT_GTEST_H
#define FO_IMPORT_GTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_importer.h"
#include "fo_suite.h"

/* The importer ("gtest"): read as above; add uses the context's
   `discover` command without its last argument (`--gtest_list_tests`)
   as the program's command. */
extern const fo_importer fo_import_gtest;

/* Reads a --gtest_list_tests output into full names (fo_importer.read). */
int fo_gtest_read_listing (char *data, size_t len, fo_listing *out, char *err, size_t errlen);

/* Whether the listing can join ctx (checked whole before anything is
   added): every suite and test name follows the name rule (fo_name.h),
   no test's id is taken, and the suite contexts it would make are not
   already contexts with tests of ctx. True, or false with "gtest listing
   line N: why" in why. */
bool fo_gtest_check (const fo_context *ctx, const fo_listing *listing, char *why, size_t whylen);

/* Adds a checked listing to ctx: one context per suite, one test per
   listed test, run as command + --gtest_filter=<full name>, read by the
   gtest reader. */
void fo_gtest_add (fo_context *ctx, const fo_strv *command, const fo_listing *listing);

/* Lists a program's tests on this host: runs `binary --gtest_list_tests`
   (in cwd, NULL: the current directory; timeout_ms 0: none) and adds them
   to a new context of parent called name. 0, or -1 with "gtest 'binary':
   why" in err: the suite is then to be dropped (an empty context called
   name may have been added; a command-line source stops the run). */
int fo_gtest_import (fo_context *parent, const char *name, const char *binary, const char *cwd,
                     uint32_t timeout_ms, char *err, size_t errlen);

#endif
