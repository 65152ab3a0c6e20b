/*  fo_cli_offer — see fo_cli_offer.h. */
#include "fo_cli_offer.h"

#include <string.h>

int
fo_cli_offer_option (const char *cmd, int c, const char *arg, fo_offer *offer)
{
    char err[512];
    int rc;
    switch (c) {
    case FO_OPT_RESOURCE:
        rc = fo_offer_add_resource_arg (offer, arg, err, sizeof err);
        break;
    case FO_OPT_RESOURCE_FILE:
        rc = fo_offer_load_file (offer, arg, err, sizeof err);
        break;
    case FO_OPT_LABEL:
        rc = fo_offer_add_label (offer, arg, err, sizeof err);
        break;
    default:
        return 0;
    }
    if (rc != 0) {
        /* A label's message names its option: --agent-label in fanout run
           (where --label chooses tests), --label in fanout agent. */
        fprintf (stderr, "fanout %s: %s%s\n", cmd,
                 c != FO_OPT_LABEL ? "" : !strcmp (cmd, "run") ? "--agent-" : "--", err);
        return -1;
    }
    return 1;
}

void
fo_cli_offer_usage (FILE *out, const char *label_option)
{
    fprintf (out,
             "      --resource NAME=N offer N instances of resource NAME (ids 0..N-1, one\n"
             "                        slot each) to tests that ask for it (resources:);\n"
             "                        repeatable. See docs/resources.md\n"
             "      --resource-file FILE  offer the resources of FILE, in CTest's resource\n"
             "                        specification format (JSON: ids and slots)\n");
    int used = fprintf (out, "      --%s LABEL", label_option);
    fprintf (out, "%*scarry LABEL (e.g. docker, arch=arm64) for tests that\n"
             "                        require it (requires:); repeatable\n",
             used < 24 ? 24 - used : 1, "");
}
