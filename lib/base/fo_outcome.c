#include "fo_outcome.h"
#include <string.h>

static const char *const names[FO_OUTCOME_COUNT] = {
    "passed", "failed", "error", "skipped", "timeout", "crashed", "not_run",
};

const char *
fo_outcome_name (fo_outcome outcome)
{
    return (unsigned) outcome < FO_OUTCOME_COUNT ? names[outcome] : "?";
}

int
fo_outcome_parse (const char *name, fo_outcome *out)
{
    for (int i = 0; i < FO_OUTCOME_COUNT; i++)
        if (strcmp (name, names[i]) == 0) {
            *out = (fo_outcome) i;
            return 0;
        }
    return -1;
}

bool
fo_outcome_is_failure (fo_outcome outcome)
{
    return outcome == FO_FAILED || outcome == FO_ERROR || outcome == FO_TIMEOUT
           || outcome == FO_CRASHED;
}
