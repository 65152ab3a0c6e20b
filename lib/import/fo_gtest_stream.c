/*  fo_gtest_stream — see fo_gtest_stream.h. */
#include "fo_gtest_stream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fo_gtest_json.h"
#include "fo_util.h"

typedef struct {
    char *name;                 /* "<suite>.<test>" */
    fo_gtest_stream_test pub;
    fo_buf message;
    bool any_text;              /* a part result with text */
} stream_test;

struct fo_gtest_stream {
    fo_buf line;
    bool dropping;              /* inside a line past the limit */
    char *suite;                /* the suite last started */
    stream_test *tests;
    size_t len, cap;
    size_t running;             /* started, not ended: an index; SIZE_MAX none */
};

fo_gtest_stream *
fo_gtest_stream_new (void)
{
    fo_gtest_stream *self = fo_xcalloc (1, sizeof *self);
    self->running = SIZE_MAX;
    return self;
}

void
fo_gtest_stream_destroy (fo_gtest_stream **self_p)
{
    fo_gtest_stream *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->len; i++) {
        free (self->tests[i].name);
        fo_buf_free (&self->tests[i].message);
    }
    free (self->tests);
    free (self->suite);
    fo_buf_free (&self->line);
    free (self);
    *self_p = NULL;
}

static int
hex (char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The value of key in line ("event=X&k=v&..."), URL-decoded, or NULL. */
static char *
field (const char *line, const char *key)
{
    size_t klen = strlen (key);
    for (const char *p = line; p;) {
        if (!strncmp (p, key, klen) && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn (v, "&");
            char *out = fo_xcalloc (n + 1, 1), *o = out;
            for (size_t i = 0; i < n; i++) {
                if (v[i] == '%' && i + 2 < n && hex (v[i + 1]) >= 0 && hex (v[i + 2]) >= 0) {
                    *o++ = (char) (hex (v[i + 1]) * 16 + hex (v[i + 2]));
                    i += 2;
                }
                else
                    *o++ = v[i];
            }
            *o = '\0';
            return out;
        }
        p = strchr (p, '&');
        if (p)
            p++;
    }
    return NULL;
}

static void
on_line (fo_gtest_stream *self, const char *line)
{
    char *event = field (line, "event");
    if (!event)
        return;
    if (!strcmp (event, "TestCaseStart")) {
        free (self->suite);
        self->suite = field (line, "name");
    }
    else if (!strcmp (event, "TestStart") && self->suite && self->len < FO_GTEST_MAX_RESULTS) {
        char *name = field (line, "name");
        if (name) {
            if (self->len == self->cap) {
                self->cap = self->cap ? 2 * self->cap : 64;
                self->tests = fo_xrealloc (self->tests, self->cap * sizeof *self->tests);
            }
            stream_test *t = &self->tests[self->len++];
            memset (t, 0, sizeof *t);
            t->name = fo_xasprintf ("%s.%s", self->suite, name);
            fo_buf_puts (&t->message, "");
            t->pub.message = t->message.data;
            self->running = self->len - 1;
            free (name);
        }
    }
    else if (!strcmp (event, "TestPartResult") && self->running != SIZE_MAX) {
        stream_test *t = &self->tests[self->running];
        char *file = field (line, "file"), *lineno = field (line, "line");
        char *message = field (line, "message");
        if (message && *message)
            t->any_text = true;
        if (t->message.len < FO_GTEST_MAX_MESSAGE) {
            if (t->message.len)
                fo_buf_puts (&t->message, "\n");
            if (file && *file) {
                fo_buf_puts (&t->message, file);
                fo_buf_puts (&t->message, ":");
                fo_buf_puts (&t->message, lineno ? lineno : "");
                fo_buf_puts (&t->message, "\n");
            }
            fo_buf_puts (&t->message, message ? message : "");
            if (t->message.len > FO_GTEST_MAX_MESSAGE) {
                t->message.len = FO_GTEST_MAX_MESSAGE;
                t->message.data[t->message.len] = '\0';
            }
        }
        t->pub.message = t->message.data;
        free (file);
        free (lineno);
        free (message);
    }
    else if (!strcmp (event, "TestEnd") && self->running != SIZE_MAX) {
        stream_test *t = &self->tests[self->running];
        char *passed = field (line, "passed"), *elapsed = field (line, "elapsed_time");
        t->pub.ended = true;
        t->pub.outcome = passed && !strcmp (passed, "1") ? FO_PASSED
                       : t->any_text ? FO_FAILED : FO_SKIPPED;
        /* "12ms" */
        unsigned long long ms = elapsed ? strtoull (elapsed, NULL, 10) : 0;
        t->pub.duration_us = ms < UINT64_MAX / 1000u ? ms * 1000u : 0;
        self->running = SIZE_MAX;
        free (passed);
        free (elapsed);
    }
    free (event);
}

void
fo_gtest_stream_feed (fo_gtest_stream *self, const char *data, size_t len)
{
    while (len) {
        const char *nl = memchr (data, '\n', len);
        size_t n = nl ? (size_t) (nl - data) : len;
        if (!self->dropping) {
            if (self->line.len + n > FO_GTEST_STREAM_MAX_LINE) {
                self->dropping = true;
                self->line.len = 0;
            }
            else
                fo_buf_append (&self->line, data, n);
        }
        if (!nl)
            return;
        if (!self->dropping) {
            fo_buf_puts (&self->line, "");
            /* A NUL in the line ends it here: names never hold one. */
            on_line (self, self->line.data);
        }
        self->line.len = 0;
        self->dropping = false;
        data += n + 1;
        len -= n + 1;
    }
}

const fo_gtest_stream_test *
fo_gtest_stream_find (const fo_gtest_stream *self, const char *name)
{
    for (size_t i = 0; i < self->len; i++)
        if (!strcmp (self->tests[i].name, name))
            return &self->tests[i].pub;
    return NULL;
}
