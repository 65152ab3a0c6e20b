/*  fo_report_json — the report for machines (schema: docs/report-json.md).

    Built with jansson, written atomically: a reader (a CI step, a watcher)
    sees either the previous file or the complete new one, never half of it.
*/
#include "fo_report.h"
#include "fo_report_dest.h"
#include "fo_report_internal.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define REPORT_FORMAT_VERSION 1
#define NOT_RECORDED "no result was recorded for this test"

static fo_outcome
outcome_of (const fo_test_record *rec)
{
    return rec->done ? rec->outcome : FO_NOT_RUN;
}

/*  The length of the valid UTF-8 sequence at s[0..len), or 0 if it is not
    one (Unicode Table 3-7: no overlong forms, no surrogates, nothing past
    U+10FFFF). *bad_at is how many bytes belong to the broken sequence, so
    that the whole broken prefix becomes one U+FFFD, as browsers do. This is
    a validity check on bytes, not a parser of any format. */
static size_t
utf8_sequence (const unsigned char *s, size_t len, size_t *bad_at)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;    /* allowed range of the 2nd byte */
    *bad_at = 1;
    if (c < 0x80)
        return 1;
    else if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;           /* overlong */
        if (c == 0xED) hi = 0x9F;           /* surrogates */
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;           /* overlong */
        if (c == 0xF4) hi = 0x8F;           /* past U+10FFFF */
    }
    else
        return 0;
    for (size_t i = 1; i < need; i++) {
        unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
        if (i >= len || s[i] < min || s[i] > max) {
            *bad_at = i;
            return 0;
        }
    }
    return need;
}

/*  A JSON string of the bytes data[0..len): jansson only takes UTF-8, and
    captured output is whatever a test wrote, so each invalid sequence
    becomes U+FFFD. NUL bytes are valid and come out as \u0000. */
static json_t *
json_bytes (const char *data, size_t len)
{
    if (!data)
        return json_string ("");
    fo_buf clean = { 0 };
    const unsigned char *s = (const unsigned char *) data;
    size_t i = 0;
    while (i < len) {
        size_t bad_at;
        size_t n = utf8_sequence (s + i, len - i, &bad_at);
        if (n) {
            fo_buf_append (&clean, s + i, n);
            i += n;
        }
        else {
            fo_buf_append (&clean, "\xEF\xBF\xBD", 3);
            i += bad_at;
        }
    }
    json_t *str = json_stringn (clean.data ? clean.data : "", clean.len);
    fo_buf_free (&clean);
    return str;
}

/*  A string, or null when it is not known. */
static json_t *
json_text_or_null (const char *s)
{
    return s ? json_bytes (s, strlen (s)) : json_null ();
}

static json_t *
json_seconds (uint64_t us)
{
    return json_real ((double) us / 1e6);
}

/*  Every try with an outcome; earlier ones carry their own output, the
    last one's is the test's stdout/stderr. */
static json_t *
attempts_json (const fo_test_record *rec)
{
    json_t *list = json_array ();
    for (size_t i = 0; i < rec->nattempts; i++) {
        const fo_attempt try_ = fo_report_try (rec, i), *a = &try_;
        json_t *j = json_object ();
        json_object_set_new (j, "attempt", json_integer (a->attempt));
        json_object_set_new (j, "outcome", json_string (fo_outcome_name (a->outcome)));
        json_object_set_new (j, "duration_s", json_seconds (a->duration_us));
        json_object_set_new (j, "host", json_text_or_null (a->host));
        json_object_set_new (j, "worker", json_integer (a->worker));
        json_object_set_new (j, "message", json_text_or_null (a->message && *a->message
                                                              ? a->message : NULL));
        if (i + 1 < rec->nattempts) {
            json_object_set_new (j, "stdout", json_bytes (a->out, a->out_len));
            json_object_set_new (j, "stderr", json_bytes (a->err, a->err_len));
        }
        json_array_append_new (list, j);
    }
    return list;
}

static json_t *
test_json (const fo_test_record *rec)
{
    json_t *t = json_object ();
    json_object_set_new (t, "id", json_text_or_null (rec->id ? rec->id : ""));
    json_object_set_new (t, "context", json_text_or_null (rec->context ? rec->context : ""));
    json_object_set_new (t, "outcome", json_string (fo_outcome_name (outcome_of (rec))));
    json_object_set_new (t, "duration_s", json_seconds (rec->duration_us));
    json_object_set_new (t, "host", json_text_or_null (rec->host));
    json_object_set_new (t, "worker", json_integer (rec->worker));
    json_object_set_new (t, "attempt", json_integer (rec->attempt));
    json_object_set_new (t, "serial", json_boolean (rec->serial));
    json_object_set_new (t, "message",
                         json_text_or_null (rec->done ? rec->message : NOT_RECORDED));
    json_object_set_new (t, "stdout", json_bytes (rec->out, rec->out_len));
    json_object_set_new (t, "stderr", json_bytes (rec->err, rec->err_len));
    json_object_set_new (t, "flaky", json_boolean (rec->done && rec->flaky));
    json_object_set_new (t, "attempts", attempts_json (rec));
    if (rec->summary)   /* only then (docs/report-json.md) */
        json_object_set_new (t, "summary", json_true ());
    const fo_strv *sent = fo_report_outputs (rec);
    if (sent) {
        /* Only for a test that sent files back (docs/report-json.md). */
        json_t *outputs = json_array ();
        for (size_t i = 0; i < sent->len; i++)
            json_array_append_new (outputs, json_text_or_null (sent->items[i]));
        json_object_set_new (t, "outputs", outputs);
    }
    return t;
}

static json_t *
fixture_error_json (const fo_fixture_error *fe)
{
    json_t *f = json_object ();
    json_object_set_new (f, "context", json_text_or_null (fe->context ? fe->context : ""));
    json_object_set_new (f, "phase", json_text_or_null (fe->phase ? fe->phase : "setup"));
    json_object_set_new (f, "message", json_text_or_null (fe->message));
    json_object_set_new (f, "host", json_text_or_null (fe->host));
    json_object_set_new (f, "stdout", json_bytes (fe->out, fe->out_len));
    json_object_set_new (f, "stderr", json_bytes (fe->err, fe->err_len));
    return f;
}

static json_t *
report_json (const fo_report *self)
{
    size_t c[FO_OUTCOME_COUNT];
    fo_report_counts (self, c);
    json_t *totals = json_object ();
    json_object_set_new (totals, "tests", json_integer ((json_int_t) fo_report_counted (self)));
    for (int o = 0; o < FO_OUTCOME_COUNT; o++)
        json_object_set_new (totals, fo_outcome_name ((fo_outcome) o), json_integer ((json_int_t) c[o]));
    json_object_set_new (totals, "fixture_errors", json_integer ((json_int_t) self->nfixture_errors));
    json_object_set_new (totals, "flaky", json_integer ((json_int_t) fo_report_flaky_count (self)));

    json_t *tests = json_array ();
    for (size_t i = 0; i < self->ntests; i++)
        json_array_append_new (tests, test_json (&self->tests[i]));
    json_t *fixture_errors = json_array ();
    for (size_t i = 0; i < self->nfixture_errors; i++)
        json_array_append_new (fixture_errors, fixture_error_json (&self->fixture_errors[i]));

    /* Per host: judged apart from its tests (fo_report_hosts.h). */
    json_t *hosts = json_array ();
    for (size_t i = 0; i < self->nhosts; i++) {
        const fo_host_stats *h = &self->hosts[i];
        json_array_append_new (hosts, json_pack (
            "{s:o, s:I, s:I, s:I, s:I, s:o, s:b, s:b}",
            "host", json_text_or_null (h->host), "tries", (json_int_t) h->tries,
            "failures", (json_int_t) h->failures, "crashes", (json_int_t) h->crashes,
            "lost_leases", (json_int_t) h->lost_leases, "busy_s", json_seconds (h->busy_us),
            "suspect", fo_report_host_suspect (self, h), "quarantined", h->quarantined));
    }

    uint64_t finished = self->finished_us ? self->finished_us : fo_now_us ();
    json_t *root = json_object ();
    json_object_set_new (root, "fanout_report", json_integer (REPORT_FORMAT_VERSION));
    json_object_set_new (root, "suite", json_text_or_null (self->suite));
    json_object_set_new (root, "interrupted", json_boolean (self->interrupted));
    json_object_set_new (root, "stop_reason", json_text_or_null (self->stop_reason));
    json_object_set_new (root, "duration_s",
                         json_seconds (finished > self->started_us ? finished - self->started_us : 0));
    json_object_set_new (root, "jobs", json_integer (self->jobs));
    json_object_set_new (root, "totals", totals);
    json_object_set_new (root, "exit_status", json_integer (fo_report_exit_status (self)));
    json_object_set_new (root, "tests", tests);
    json_object_set_new (root, "fixture_errors", fixture_errors);
    json_object_set_new (root, "hosts", hosts);
    return root;
}

int
fo_report_write_json_to (const fo_report *self, fo_report_dest *dest, char *err, size_t errlen)
{
    FILE *file = fo_report_dest_stream (dest, err, errlen);
    if (!file)
        return -1;
    json_t *root = report_json (self);
    /* 15 significant digits: microseconds survive, 0.12 does not become
       0.11999999999999999. A failed write shows in the commit. */
    json_dumpf (root, file, JSON_INDENT (2) | JSON_REAL_PRECISION (15));
    json_decref (root);
    fputc ('\n', file);
    return fo_report_dest_commit (dest, err, errlen);
}

int
fo_report_write_json (const fo_report *self, const char *path, char *err, size_t errlen)
{
    fo_report_dest *dest = fo_report_dest_open (path, "--json", NULL, err, errlen);
    if (!dest)
        return -1;
    int rc = fo_report_write_json_to (self, dest, err, errlen);
    fo_report_dest_destroy (&dest);
    return rc;
}
