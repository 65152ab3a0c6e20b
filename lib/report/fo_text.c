/*  fo_text — see internal/fo_text.h. */
#include "fo_text.h"

#include <inttypes.h>

const char *
fo_outcome_sgr (fo_outcome outcome)
{
    switch (outcome) {
    case FO_PASSED:
        return FO_SGR_GREEN;
    case FO_SKIPPED:
    case FO_NOT_RUN:
        return FO_SGR_YELLOW;
    default:
        return FO_SGR_RED;
    }
}

void
fo_text_duration (char *buf, size_t size, uint64_t us)
{
    uint64_t s = us / 1000000u;
    if (us < 10000000u)
        snprintf (buf, size, "%.2fs", (double) us / 1e6);
    else if (us < 60000000u)
        snprintf (buf, size, "%.1fs", (double) us / 1e6);
    else if (s < 3600u)
        snprintf (buf, size, "%" PRIu64 "m%02" PRIu64 "s", s / 60u, s % 60u);
    else
        snprintf (buf, size, "%" PRIu64 "h%02" PRIu64 "m", s / 3600u, s / 60u % 60u);
}

static bool
control (unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

void
fo_text_append_safe (fo_buf *out, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *) s;
    for (size_t i = 0; i < len; i++) {
        /* C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8. */
        if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] < 0xa0) {
            fo_buf_append (out, "?", 1);
            i++;
        }
        else if (control (u[i]))
            fo_buf_append (out, "?", 1);
        else
            fo_buf_append (out, s + i, 1);
    }
}

void
fo_text_put_safe (FILE *out, const char *s, size_t len)
{
    fo_buf b = { 0 };
    fo_text_append_safe (&b, s, len);
    if (b.len)
        fwrite (b.data, 1, b.len, out);
    fo_buf_free (&b);
}
