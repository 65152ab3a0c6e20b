/*  fanout glib-names PROGRAM — the listing step of a glib source with
    `discover_on: agent` (docs/sources.md, "GLib"): runs `PROGRAM -l` here
    (on the agent, in the step's cwd), reads it as the broker would
    (fo_glib_list.h) and prints each test path, one per line: the names an
    agent's discover step sends back. An internal step, not in
    `fanout --help`. Exit status 0, or 1 with why on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_cli.h"
#include "fo_cli_listing.h"
#include "fo_glib_list.h"
#include "fo_report.h"

int
fo_cmd_glib_names (int argc, char **argv)
{
    if (argc != 2 || !strcmp (argv[1], "-h") || !strcmp (argv[1], "--help")) {
        fprintf (argc == 2 ? stdout : stderr, "usage: fanout glib-names PROGRAM\n\n"
                 "Prints the test paths of the GLib test program PROGRAM, one per line: the\n"
                 "listing step of a glib source with discover_on: agent.\n");
        return argc == 2 ? 0 : FO_EXIT_USAGE;
    }
    fo_strv paths = { 0 };
    fo_buf o = { 0 };
    char why[512] = "";
    int rc = 1;
    if (fo_cli_listing_run ("glib-names", argv[1], "-l", &o) != 0)
        rc = 1;     /* it said why */
    else if (fo_glib_list_read (o.data, &paths, why, sizeof why) != 0)
        fprintf (stderr, "fanout glib-names: '%s': %s\n", argv[1], why);
    else {
        for (size_t i = 0; i < paths.len; i++)
            printf ("%s\n", paths.items[i]);
        rc = fflush (stdout) == 0 ? 0 : 1;
    }
    fo_strv_free (&paths);
    fo_buf_free (&o);
    return rc;
}
