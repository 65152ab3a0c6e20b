/*  fo_term — see fo_term.h. */
#include "fo_term.h"

#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

int
fo_color_mode_parse (const char *name, fo_color_mode *mode)
{
    static const char *const names[] = { "auto", "always", "never" };
    for (int i = 0; i < 3; i++)
        if (strcmp (name, names[i]) == 0) {
            *mode = (fo_color_mode) i;
            return 0;
        }
    return -1;
}

static bool
is_set (const char *name)
{
    const char *v = getenv (name);
    return v && *v;
}

static bool
term_moves_cursor (void)
{
    const char *term = getenv ("TERM");
    return term && *term && strcmp (term, "dumb") != 0;
}

bool
fo_term_color (fo_color_mode mode, int fd)
{
    if (mode != FO_COLOR_AUTO)
        return mode == FO_COLOR_ALWAYS;
    if (is_set ("NO_COLOR"))
        return false;
    const char *force = getenv ("CLICOLOR_FORCE");
    if (force && *force && strcmp (force, "0") != 0)
        return true;
    return isatty (fd) && term_moves_cursor ();
}

bool
fo_term_can_live (int fd)
{
    return isatty (fd) && term_moves_cursor ();
}

void
fo_term_size (int fd, unsigned *cols, unsigned *rows)
{
    struct winsize ws;
    *cols = 80;
    *rows = 24;
    if (ioctl (fd, TIOCGWINSZ, &ws) == 0) {
        if (ws.ws_col)
            *cols = ws.ws_col;
        if (ws.ws_row)
            *rows = ws.ws_row;
    }
}

/* ---- width ---------------------------------------------------------------- */

/* One UTF-8 character at s[0..len): its code point and length, or -1 for
   an invalid sequence (overlong, surrogate, past U+10FFFF, cut short). */
static int
decode (const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n;
    uint32_t min;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        min = 0x80;
        *cp = c & 0x1f;
    }
    else if ((c & 0xf0) == 0xe0) {
        n = 3;
        min = 0x800;
        *cp = c & 0x0f;
    }
    else if ((c & 0xf8) == 0xf0) {
        n = 4;
        min = 0x10000;
        *cp = c & 0x07;
    }
    else
        return -1;
    if ((size_t) n > len)
        return -1;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return -1;
    return n;
}

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void
utf8_init (void)
{
    utf8_locale = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
}

/* Columns of a printable code point; control characters are not asked. */
static size_t
cp_width (uint32_t cp)
{
    if (cp >= 0x20 && cp < 0x7f)
        return 1;
    pthread_once (&utf8_once, utf8_init);
    if (!utf8_locale)
        return 2;               /* unknown: never wrap */
    locale_t old = uselocale (utf8_locale);
    int w = wcwidth ((wchar_t) cp);
    uselocale (old);
    return w < 0 ? 2 : (size_t) w;
}

static bool
is_control (uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/* The next character of s[0..len): its bytes (*n) and columns; *bad when
   it is drawn as '?'. */
static size_t
next_char (const char *s, size_t len, int *n, bool *bad)
{
    uint32_t cp;
    *n = decode ((const unsigned char *) s, len, &cp);
    *bad = *n < 0 || is_control (cp);
    if (*n < 0)
        *n = 1;
    return *bad ? 1 : cp_width (cp);
}

size_t
fo_term_width (const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        int n;
        bool bad;
        w += next_char (s + i, len - i, &n, &bad);
        i += (size_t) n;
    }
    return w;
}

size_t
fo_term_fit (fo_buf *out, const char *s, size_t len, size_t cols)
{
    if (cols == 0)
        return 0;
    bool fits = fo_term_width (s, len) <= cols;
    size_t limit = fits ? cols : cols - 1;     /* room for the ellipsis */
    size_t used = 0;
    for (size_t i = 0; i < len;) {
        int n;
        bool bad;
        size_t w = next_char (s + i, len - i, &n, &bad);
        if (used + w > limit)
            break;
        if (bad)
            fo_buf_append (out, "?", 1);
        else
            fo_buf_append (out, s + i, (size_t) n);
        used += w;
        i += (size_t) n;
    }
    if (!fits) {
        fo_buf_puts (out, "\xe2\x80\xa6");     /* … */
        used++;
    }
    return used;
}

/* ---- the signal handler's side -------------------------------------------- */

_Static_assert (ATOMIC_POINTER_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
                "the signal hooks need lock-free atomics");

static atomic_int live_fd = -1;
static _Atomic (const char *) note;

void
fo_term_set_live_fd (int fd)
{
    atomic_store (&live_fd, fd);
    if (fd < 0)
        atomic_store (&note, NULL);
}

const char *
fo_term_take_note (void)
{
    return atomic_exchange (&note, NULL);
}

bool
fo_term_signal_note (const char *text)
{
    if (atomic_load (&live_fd) < 0)
        return false;
    atomic_store (&note, text);
    return true;
}

void
fo_term_emergency_restore (void)
{
    int fd = atomic_load (&live_fd);
    if (fd < 0)
        return;
    /* Attributes off, cursor shown, and a fresh line for what follows. */
    static const char restore[] = "\x1b[0m\x1b[?25h\n";
    ssize_t rc = write (fd, restore, sizeof restore - 1);
    (void) rc;
}
