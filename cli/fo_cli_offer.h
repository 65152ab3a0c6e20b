/*  fo_cli_offer — `--resource NAME=COUNT`, `--resource-file FILE` and
    `--label LABEL`: what an agent offers besides its slots
    (agent/fo_offer.h, docs/resources.md). Taken by `fanout agent` and by
    `fanout run` (its local agent), where the label option is
    `--agent-label`: `-L`/`--label` there chooses tests by label
    (docs/selection.md). */
#ifndef FO_CLI_OFFER_H
#define FO_CLI_OFFER_H

#include <stdio.h>

#include "fo_offer.h"

enum {
    FO_OPT_RESOURCE = 1080,  /* after the network options, before FO_OPT_COMMAND_BASE */
    FO_OPT_RESOURCE_FILE,
    FO_OPT_LABEL,
};

/* LABEL_OPTION: "label" (fanout agent) or "agent-label" (fanout run). */
#define FO_CLI_OFFER_LONGOPTS(LABEL_OPTION) \
    { "resource", required_argument, NULL, FO_OPT_RESOURCE }, \
    { "resource-file", required_argument, NULL, FO_OPT_RESOURCE_FILE }, \
    { LABEL_OPTION, required_argument, NULL, FO_OPT_LABEL }

/* Handles one of them: 1 handled, 0 not one, -1 error printed (usage). */
int fo_cli_offer_option (const char *cmd, int c, const char *arg, fo_offer *offer);
void fo_cli_offer_usage (FILE *out, const char *label_option);

#endif
