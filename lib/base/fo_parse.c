/*  fo_parse — see fo_parse.h. */
#include "fo_parse.h"

#include <stdbool.h>
#include <stddef.h>

static bool
is_digit (char c)
{
    return c >= '0' && c <= '9';
}

fo_seconds_status
fo_parse_seconds (const char *s, uint32_t *ms)
{
    /* The syntax first, whole: "99999999x" is not a number, not too big. */
    size_t digits = 0, dots = 0;
    for (const char *p = s; *p; p++) {
        if (is_digit (*p))
            digits++;
        else if (*p == '.')
            dots++;
        else
            return FO_SECONDS_BAD;
    }
    if (digits == 0 || dots > 1)
        return FO_SECONDS_BAD;

    /* Whole seconds, stopping as soon as they pass the limit (any number
       of leading zeros is fine, any number of digits cannot overflow). */
    const char *p = s;
    uint64_t whole = 0;
    for (; is_digit (*p); p++) {
        whole = whole * 10 + (uint64_t) (*p - '0');
        if (whole > FO_SECONDS_MAX)
            return FO_SECONDS_TOO_BIG;
    }
    /* Milliseconds: the first three decimals; any other non-zero one
       rounds up. */
    uint64_t frac = 0;
    bool rest = false;
    if (*p == '.') {
        p++;
        for (int i = 0; i < 3; i++) {
            frac = frac * 10;
            if (is_digit (*p))
                frac += (uint64_t) (*p++ - '0');
        }
        for (; *p; p++)
            rest = rest || *p != '0';
    }
    uint64_t total = whole * 1000 + frac + (rest ? 1 : 0);
    if (total > (uint64_t) FO_SECONDS_MAX * 1000)
        return FO_SECONDS_TOO_BIG;
    *ms = (uint32_t) total;
    return FO_SECONDS_OK;
}
