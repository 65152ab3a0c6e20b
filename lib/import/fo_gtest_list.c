/*  fo_gtest_list — see fo_gtest_list.h. */
#include "fo_gtest_list.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fo_util.h"

static int
refuse (char *err, size_t errlen, size_t line, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
refuse (char *err, size_t errlen, size_t line, const char *fmt, ...)
{
    if (err && errlen) {
        int n = snprintf (err, errlen, "gtest listing line %zu: ", line);
        if (n >= 0 && (size_t) n < errlen) {
            va_list ap;
            va_start (ap, fmt);
            fo_verr (err + n, errlen - (size_t) n, fmt, ap);     /* one line: fo_util.h */
            va_end (ap);
        }
    }
    return -1;
}

static bool
is_space (char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The length of the word at p[0..len): up to whitespace or the end. */
static size_t
word_len (const char *p, size_t len)
{
    size_t n = 0;
    while (n < len && !is_space (p[n]))
        n++;
    return n;
}

/* What follows a name: nothing, or spaces then a comment ("# ..."). Sets
   *comment when there is one. */
static bool
rest_ok (const char *p, size_t len, bool *comment)
{
    size_t i = 0;
    while (i < len && is_space (p[i]))
        i++;
    *comment = i < len;
    return i == len || (i > 0 && p[i] == '#');
}

int
fo_gtest_list_read (const char *data, size_t len, fo_gtest_list_fn *fn, void *arg, char *err,
                    size_t errlen)
{
    char suite[FO_GTEST_MAX_NAME + 1];
    char test[FO_GTEST_MAX_NAME + 1];
    bool have_suite = false;
    bool after_comment = false;     /* the previous line ended with a comment */
    size_t lineno = 0;
    for (size_t at = 0; at < len;) {
        const char *line = data + at;
        const char *nl = memchr (line, '\n', len - at);
        size_t n = nl ? (size_t) (nl - line) : len - at;
        at += n + (nl ? 1 : 0);
        lineno++;
        if (n == 0)
            continue;
        bool comment = false;
        if (n > 2 && line[0] == ' ' && line[1] == ' ' && !is_space (line[2])) {
            /* A test. */
            size_t w = word_len (line + 2, n - 2);
            if (rest_ok (line + 2 + w, n - 2 - w, &comment)) {
                if (!have_suite) {
                    if (after_comment)
                        continue;
                    return refuse (err, errlen, lineno, "a test before any test suite");
                }
                if (w > FO_GTEST_MAX_NAME)
                    return refuse (err, errlen, lineno, "a test name longer than %u bytes",
                                   FO_GTEST_MAX_NAME);
                if (memchr (line + 2, '\0', w))
                    return refuse (err, errlen, lineno, "a NUL byte in a test name");
                memcpy (test, line + 2, w);
                test[w] = '\0';
                int rc = fn (arg, suite, test, lineno);
                if (rc != 0)
                    return rc;
                after_comment = comment;
                continue;
            }
        }
        else if (!is_space (line[0])) {
            /* A suite: "Name." then nothing or a comment. */
            size_t w = word_len (line, n);
            if (w > 1 && line[w - 1] == '.' && memchr (line, '.', w - 1) == NULL
                && rest_ok (line + w, n - w, &comment)) {
                if (w - 1 > FO_GTEST_MAX_NAME)
                    return refuse (err, errlen, lineno, "a test suite name longer than %u bytes",
                                   FO_GTEST_MAX_NAME);
                if (memchr (line, '\0', w))
                    return refuse (err, errlen, lineno, "a NUL byte in a test suite name");
                memcpy (suite, line, w - 1);
                suite[w - 1] = '\0';
                have_suite = true;
                after_comment = comment;
                continue;
            }
        }
        /* Neither: what a program printed before its listing, or the rest
           of a comment that spans lines. */
        if (!have_suite || after_comment)
            continue;
        return refuse (err, errlen, lineno, "neither a test suite (\"Name.\") nor a test "
                                            "(\"  Name\")");
    }
    return 0;
}

static bool
disabled_name (const char *name, size_t len)
{
    if (len >= 9 && !strncmp (name, "DISABLED_", 9))
        return true;
    for (size_t i = 0; i + 10 <= len; i++)
        if (!strncmp (name + i, "/DISABLED_", 10))
            return true;
    return false;
}

bool
fo_gtest_disabled (const char *full)
{
    const char *dot = strchr (full, '.');
    if (!dot)
        return disabled_name (full, strlen (full));
    return disabled_name (full, (size_t) (dot - full)) || disabled_name (dot + 1, strlen (dot + 1));
}
