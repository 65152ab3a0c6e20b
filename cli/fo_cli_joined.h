/*  fo_cli_joined — what the command line says of joined tests (a TAP or
    cmocka program's points, docs/sources.md): they are tests only once
    their program runs, so `-k` and `--test` cannot choose one. These
    helpers find such programs in a suite, so that a selection that chose
    nothing says why instead of running nothing in silence. */
#ifndef FO_CLI_JOINED_H
#define FO_CLI_JOINED_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_suite.h"

/* Does the test print points that join the run (a TAP or cmocka
   program's own test)? */
bool fo_cli_joined_program (const fo_test *test);

/* The programs under ctx whose points join the run; the first `max`
   contexts' ids named into names, joined by ", ". */
size_t fo_cli_joined_programs (const fo_context *ctx, fo_buf *names, size_t max);

/* An id given to --test that matched nothing: when it lies under such a
   program's context ("./t/parse.t/parses a line" under "./t/parse.t"),
   says so into hint and returns true. */
bool fo_cli_joined_hint (const fo_context *root, const char *id, char *hint, size_t hintlen);

#endif
