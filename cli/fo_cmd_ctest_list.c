/*  fanout ctest-list BUILD_DIR — the listing step of a ctest source with
    `discover_on: agent` (docs/sources.md, "CTest"): runs `ctest
    --show-only=json-v1` in BUILD_DIR here (on the agent, from the step's
    cwd), checks it as the broker would (fo_ctest_parse: its limits and
    types) and prints it as it is: the listing an agent's discover step
    sends back whole (the discovered message's `listing`). At most
    FO_IMPORT_MAX_OUTPUT bytes, what a discover step keeps. An internal
    step, not in `fanout --help`. Exit status 0, or 1 with why on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_cli.h"
#include "fo_import_ctest.h"
#include "fo_importer.h"
#include "fo_report.h"

int
fo_cmd_ctest_list (int argc, char **argv)
{
    if (argc != 2 || !strcmp (argv[1], "-h") || !strcmp (argv[1], "--help")) {
        fprintf (argc == 2 ? stdout : stderr, "usage: fanout ctest-list BUILD_DIR\n\n"
                 "Prints what ctest --show-only=json-v1 lists in the CTest build tree\n"
                 "BUILD_DIR, checked: the listing step of a ctest source with\n"
                 "discover_on: agent.\n");
        return argc == 2 ? 0 : FO_EXIT_USAGE;
    }
    fo_buf o = { 0 };
    char why[1024] = "";
    fo_ctest_list list = { 0 };
    int rc = 1;
    if (fo_ctest_run_listing (argv[1], &o, why, sizeof why) != 0)
        fprintf (stderr, "fanout ctest-list: %s\n", why);
    else if (o.len > FO_IMPORT_MAX_OUTPUT)
        fprintf (stderr, "fanout ctest-list: '%s': the listing is larger than an agent may "
                 "send (%u MiB)\n", argv[1], FO_IMPORT_MAX_OUTPUT >> 20);
    else if (fo_ctest_parse (o.data, o.len, &list, why, sizeof why) != 0)
        fprintf (stderr, "fanout ctest-list: '%s': %s\n", argv[1], why);
    else {
        fo_ctest_list_free (&list);
        rc = fwrite (o.data, 1, o.len, stdout) == o.len && fflush (stdout) == 0 ? 0 : 1;
    }
    fo_buf_free (&o);
    return rc;
}
