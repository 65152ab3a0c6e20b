/*  fo_gtest_json — see fo_gtest_json.h. */
#include "fo_gtest_json.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_reader.h"
#include "fo_util.h"

static const char *
string_of (const json_t *obj, const char *key)
{
    const json_t *v = json_object_get (obj, key);
    return json_is_string (v) ? json_string_value (v) : NULL;
}

/* "0.012s" -> microseconds; anything else (absent, negative, huge) 0. */
static uint64_t
duration_of (const json_t *test)
{
    const char *t = string_of (test, "time");
    if (!t)
        return 0;
    char *end;
    double s = strtod (t, &end);
    if (end == t || strcmp (end, "s") != 0 || !isfinite (s) || s < 0 || s > 1e9)
        return 0;
    return (uint64_t) (s * 1e6 + 0.5);
}

/* The failures' text, joined by newlines, at most FO_GTEST_MAX_MESSAGE
   bytes ("..." past it). */
static void
failures_text (const json_t *failures, fo_buf *out)
{
    size_t i;
    const json_t *f;
    json_array_foreach (failures, i, f) {
        const char *text = string_of (f, "failure");
        if (!text)
            continue;
        if (out->len)
            fo_buf_puts (out, "\n");
        fo_buf_puts (out, text);
        if (out->len > FO_GTEST_MAX_MESSAGE) {
            out->len = FO_GTEST_MAX_MESSAGE;
            out->data[out->len] = '\0';
            fo_buf_puts (out, "...");
            return;
        }
    }
}

/* One test object into r. -1 when it is not one. */
static int
read_test (const char *suite, const json_t *test, fo_gtest_result *r)
{
    const char *name = string_of (test, "name");
    const char *status = string_of (test, "status");
    const char *result = string_of (test, "result");
    if (!name || !status)
        return -1;
    const json_t *failures = json_object_get (test, "failures");
    if (failures && !json_is_array (failures))
        return -1;
    fo_buf msg = { 0 };
    fo_buf_puts (&msg, "");
    if (failures)
        failures_text (failures, &msg);
    if (strcmp (status, "NOTRUN") == 0) {
        r->outcome = FO_NOT_RUN;
        fo_buf_reset (&msg);
        fo_buf_puts (&msg, "disabled");
    }
    else if (msg.len > 0)
        r->outcome = FO_FAILED;
    else if (result && strcmp (result, "SKIPPED") == 0) {
        r->outcome = FO_SKIPPED;
        fo_buf_puts (&msg, "GTEST_SKIP");
    }
    else if (strcmp (status, "RUN") == 0 && (!result || strcmp (result, "COMPLETED") == 0))
        r->outcome = FO_PASSED;
    else {
        r->outcome = FO_ERROR;
        fo_buf_printf (&msg, "gtest reported status '%.64s', result '%.64s'", status,
                       result ? result : "");
    }
    r->name = fo_xasprintf ("%s.%s", suite, name);
    r->message = msg.data;
    r->duration_us = duration_of (test);
    return 0;
}

int
fo_gtest_json_read (const char *data, size_t len, fo_gtest_results *out, char *err, size_t errlen)
{
    memset (out, 0, sizeof *out);
    if (len > FO_GTEST_MAX_FILE)
        return fo_err (err, errlen, "gtest output file larger than %u MiB",
                       FO_GTEST_MAX_FILE / (1024u * 1024u));
    json_error_t jerr;
    json_t *root = json_loadb (data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        /* jansson quotes the input near the error: one line, escaped. */
        fo_buf what = { 0 };
        fo_read_message (&what, jerr.text, strlen (jerr.text), 200);
        fo_err (err, errlen, "gtest output file is not JSON: line %d: %s", jerr.line,
                what.data ? what.data : "");
        fo_buf_free (&what);
        return -1;
    }
    const json_t *suites = json_object_get (root, "testsuites");
    int rc = 0;
    if (!json_is_array (suites))
        rc = fo_err (err, errlen, "gtest output file has no \"testsuites\" list");
    size_t cap = 0;
    size_t i;
    const json_t *suite;
    if (rc == 0)
        json_array_foreach (suites, i, suite) {
            const char *sname = string_of (suite, "name");
            const json_t *tests = json_object_get (suite, "testsuite");
            if (!sname || !json_is_array (tests)) {
                rc = fo_err (err, errlen, "gtest output file: test suite %zu has no name or no "
                             "\"testsuite\" list", i + 1);
                break;
            }
            size_t j;
            const json_t *test;
            json_array_foreach (tests, j, test) {
                if (out->len >= FO_GTEST_MAX_RESULTS) {
                    rc = fo_err (err, errlen, "gtest output file has more than %u tests",
                                 FO_GTEST_MAX_RESULTS);
                    break;
                }
                if (out->len == cap) {
                    cap = cap ? 2 * cap : 16;
                    out->items = fo_xrealloc (out->items, cap * sizeof *out->items);
                }
                if (read_test (sname, test, &out->items[out->len]) != 0) {
                    rc = fo_err (err, errlen, "gtest output file: test %zu of suite '%.200s' "
                                 "has no name or status", j + 1, sname);
                    break;
                }
                out->len++;
            }
            if (rc != 0)
                break;
        }
    json_decref (root);
    if (rc != 0)
        fo_gtest_results_free (out);
    return rc;
}

const fo_gtest_result *
fo_gtest_results_find (const fo_gtest_results *self, const char *name)
{
    for (size_t i = 0; i < self->len; i++)
        if (strcmp (self->items[i].name, name) == 0)
            return &self->items[i];
    return NULL;
}

void
fo_gtest_results_free (fo_gtest_results *self)
{
    for (size_t i = 0; i < self->len; i++) {
        free (self->items[i].name);
        free (self->items[i].message);
    }
    free (self->items);
    memset (self, 0, sizeof *self);
}
