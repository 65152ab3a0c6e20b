/*  fanout gtest-names PROGRAM — the listing step of a gtest source with
    `discover_on: agent` (docs/sources.md, "GoogleTest"): runs
    `PROGRAM --gtest_list_tests` here (on the agent, in the step's cwd),
    reads it as the broker would (fo_gtest_list.h) and prints each test as
    gtest's full name, "Suite.Test", one per line: the names an agent's
    discover step sends back. Not meant to be typed: an internal step, not
    in `fanout --help` (docs/sources.md says what it does). Exit status 0, or 1 with why on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_cli.h"
#include "fo_cli_listing.h"
#include "fo_gtest_list.h"
#include "fo_report.h"

static int
print_name (void *arg, const char *suite, const char *test, size_t line)
{
    (void) arg;
    (void) line;
    printf ("%s.%s\n", suite, test);
    return 0;
}

int
fo_cmd_gtest_names (int argc, char **argv)
{
    if (argc != 2 || !strcmp (argv[1], "-h") || !strcmp (argv[1], "--help")) {
        fprintf (argc == 2 ? stdout : stderr, "usage: fanout gtest-names PROGRAM\n\n"
                 "Prints the tests of the GoogleTest program PROGRAM as Suite.Test, one per\n"
                 "line: the listing step of a gtest source with discover_on: agent.\n");
        return argc == 2 ? 0 : FO_EXIT_USAGE;
    }
    fo_buf o = { 0 };
    char why[512] = "";
    int rc = 1;
    if (fo_cli_listing_run ("gtest-names", argv[1], "--gtest_list_tests", &o) != 0)
        rc = 1;     /* it said why */
    else if (fo_gtest_list_read (o.data, o.len, print_name, NULL, why, sizeof why) != 0)
        fprintf (stderr, "fanout gtest-names: '%s': %s\n", argv[1], why);
    else
        rc = fflush (stdout) == 0 ? 0 : 1;
    fo_buf_free (&o);
    return rc;
}
