/*  fo_name — see fo_name.h. */
#include "fo_name.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* One UTF-8 character at s[0..len): its length, with the code point in
   *cp, or 0 when the bytes are not well-formed UTF-8 (RFC 3629: shortest
   form only, no surrogates, at most U+10FFFF). */
static size_t
utf8_decode (const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char b = s[0];
    size_t n;
    uint32_t min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF)
        n = 2, min = 0x80, *cp = b & 0x1Fu;
    else if (b >= 0xE0 && b <= 0xEF)
        n = 3, min = 0x800, *cp = b & 0x0Fu;
    else if (b >= 0xF0 && b <= 0xF4)
        n = 4, min = 0x10000, *cp = b & 0x07u;
    else
        return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3Fu);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return n;
}

/* Characters that end a line or are invisible controls: never in a name,
   never printed raw. */
static bool
is_control (uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* Unicode's White_Space characters that are not controls. */
static bool
is_space (uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
        || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

void
fo_name_escape (fo_buf *out, const char *s, size_t len, size_t max)
{
    const unsigned char *p = (const unsigned char *) s;
    fo_buf_puts (out, "");
    for (size_t i = 0; i < len;) {
        if (i >= max) {
            fo_buf_puts (out, "...");
            return;
        }
        uint32_t cp;
        size_t n = utf8_decode (p + i, len - i, &cp);
        if (n == 0)
            fo_buf_printf (out, "\\x%02X", p[i]), n = 1;
        else if (is_control (cp))
            fo_buf_printf (out, cp < 0x80 ? "\\x%02X" : "\\u%04X", (unsigned) cp);
        else
            fo_buf_append (out, p + i, n);
        i += n;
    }
}

/* The length of the whitespace character that ends s[0..len), or 0. */
static size_t
space_at_end (const unsigned char *s, size_t len)
{
    for (size_t n = 1; n <= 4 && n <= len; n++) {
        uint32_t cp;
        if (utf8_decode (s + len - n, n, &cp) == n)
            return is_space (cp) ? n : 0;
    }
    return 0;
}

void
fo_name_make (fo_buf *out, const char *s, size_t len, size_t max)
{
    const unsigned char *p = (const unsigned char *) s;
    /* Leading and trailing whitespace first, in the text as printed. */
    for (;;) {
        uint32_t cp = 0;
        size_t n = len ? utf8_decode (p, len, &cp) : 0;
        if (n == 0 || !is_space (cp))
            break;
        p += n;
        len -= n;
    }
    for (size_t n; (n = space_at_end (p, len)) > 0;)
        len -= n;
    fo_buf_puts (out, "");
    fo_name_escape (out, (const char *) p, len, max);
}

static bool
refuse (const char *kind, const char *name, size_t len, char *why, size_t whylen,
        const char *fmt, ...) __attribute__ ((format (printf, 6, 7)));

/* why = "<kind> name '<escaped>' " + the formatted reason. */
static bool
refuse (const char *kind, const char *name, size_t len, char *why, size_t whylen,
        const char *fmt, ...)
{
    if (!why || whylen == 0)
        return false;
    fo_buf msg = { 0 };
    fo_buf_printf (&msg, "%s name '", kind);
    fo_name_escape (&msg, name, len, FO_ID_SHOWN);
    fo_buf_puts (&msg, "' ");
    char reason[160];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (reason, sizeof reason, fmt, ap);
    va_end (ap);
    fo_buf_puts (&msg, reason);
    snprintf (why, whylen, "%s", msg.data);
    fo_buf_free (&msg);
    return false;
}

bool
fo_name_check (const char *kind, const char *name, size_t len, char *why, size_t whylen)
{
    const unsigned char *p = (const unsigned char *) name;
    if (len == 0) {
        if (why && whylen)
            snprintf (why, whylen, "%s name must not be empty", kind);
        return false;
    }
    if (len > FO_NAME_MAX)
        return refuse (kind, name, len, why, whylen, "is %zu bytes long (at most %u)", len,
                       FO_NAME_MAX);
    uint32_t first = 0, last = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode (p + i, len - i, &cp);
        if (n == 0)
            return refuse (kind, name, len, why, whylen, "is not valid UTF-8 (byte %zu)", i + 1);
        if (is_control (cp))
            return refuse (kind, name, len, why, whylen,
                           "must not contain the control character U+%04X (byte %zu)",
                           (unsigned) cp, i + 1);
        if (i == 0)
            first = cp;
        last = cp;
        i += n;
    }
    /* Ids are matched exactly, and a space at either end cannot be seen. */
    if (is_space (first) || is_space (last))
        return refuse (kind, name, len, why, whylen, "must not %s with a space (U+%04X)",
                       is_space (first) ? "begin" : "end", (unsigned) (is_space (first) ? first : last));
    return true;
}
