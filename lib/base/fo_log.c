/*  fo_log — see fo_log.h. One fprintf per line so that lines from the broker
    and agent threads of `fanout run` never interleave mid-line. */
#include "fo_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

static volatile fo_log_level current_level = FO_LOG_WARN;
static FILE *volatile stream;
static _Atomic (fo_log_sink_fn *) sink;
static const char *const names[] = { "error", "warning", "info", "debug" };

int
fo_log_level_from_name (const char *name, fo_log_level *level)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp (name, names[i]) == 0 || (i == FO_LOG_WARN && strcmp (name, "warn") == 0)) {
            *level = (fo_log_level) i;
            return 0;
        }
    return -1;
}

void
fo_log_set_level (fo_log_level level)
{
    current_level = level;
}

fo_log_level
fo_log_get_level (void)
{
    return current_level;
}

void
fo_log_set_stream (FILE *out)
{
    stream = out;
}

void
fo_log_set_sink (fo_log_sink_fn *fn)
{
    atomic_store (&sink, fn);
}

void
fo_log_text (fo_log_level level, const char *role, const char *text)
{
    if (level > current_level)
        return;
    char line[1024];
    size_t i = 0;
    for (; text[i] && i < sizeof line - 1; i++) {
        unsigned char c = (unsigned char) text[i];
        line[i] = c < 0x20 || c == 0x7f ? '?' : (char) c;
    }
    line[i] = '\0';
    fo_log_sink_fn *fn = atomic_load (&sink);
    if (fn) {
        char whole[1200];
        int n = snprintf (whole, sizeof whole, "fanout %s: %s: %s\n", role, names[level], line);
        if (n > 0)
            fn (whole, (size_t) n < sizeof whole ? (size_t) n : sizeof whole - 1);
        return;
    }
    fprintf (stream ? stream : stderr, "fanout %s: %s: %s\n", role, names[level], line);
}

void
fo_log (fo_log_level level, const char *role, const char *fmt, ...)
{
    if (level > current_level)
        return;
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    fo_log_text (level, role, line);
}
