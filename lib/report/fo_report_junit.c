/*  fo_report_junit — the report as JUnit XML (docs/report-junit.md), for
    Jenkins, GitLab and GitHub's test-report actions: a <testsuite> per
    context (in the order their first test appears in the report), a
    <testcase> per test, and one per fixture error ("(setup)",
    "(teardown)", "(discover)") so that a failed teardown shows there too.
    A summary record (a program's `all` whose failure its failing points
    carry) is no testcase and no count: its testsuite keeps what it says
    (summaries, below), so that the counts are the console's.

    Outcomes: failed, timeout and crashed are a <failure> (its type is the
    outcome), error an <error>, skipped a <skipped>, and not_run a
    <skipped type="not_run"> with its reason: a test that has no result is
    not one that failed, and the run's own verdict is its exit status.
    Earlier tries (--retries) are written as Maven Surefire writes reruns:
    <flakyFailure>/<flakyError> for a test that passed at last,
    <rerunFailure>/<rerunError> for one that did not, each with where the
    try ran in its <stackTrace> and that try's stdout and stderr; the
    testcase's own output is its last try's. Host, worker and attempt are
    <property> elements of the testcase, and its file is the suite file.

    libxml2's xmlTextWriter writes it (escaping is its business), loaded
    the first time a report is written (fo_xml2.h). What it
    is given is made valid XML 1.0 first: captured output is bytes, so a
    byte that is not UTF-8 or a character XML 1.0 cannot hold (NUL, an
    escape) is written as the text \xNN (\uFFFE, \uFFFF for those two);
    the JSON report keeps the exact bytes. */
#include "fo_report.h"
#include "fo_report_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fo_report_dest.h"
#include "fo_xml2.h"

/* ---- text XML 1.0 can hold -------------------------------------------------- */

/* The length of the UTF-8 character at s[0..len) if it is one XML may
   hold, else 0. */
static size_t
xml_char (const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
    }
    if ((c & 0xe0) == 0xc0)
        n = 2, min = 0x80, *cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        n = 3, min = 0x800, *cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        n = 4, min = 0x10000, *cp = c & 0x07;
    else
        return 0;
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return *cp == 0xfffe || *cp == 0xffff ? 0 : n;
}

/* s[0..len) as text XML can hold, in out (NUL-terminated). */
static void
xml_text (fo_buf *out, const char *s, size_t len)
{
    fo_buf_reset (out);
    fo_buf_append (out, "", 0);
    const unsigned char *u = (const unsigned char *) s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = xml_char (u + i, len - i, &cp);
        if (n) {
            fo_buf_append (out, s + i, n);
            i += n;
        }
        else if (u[i] == 0xef && i + 2 < len && u[i + 1] == 0xbf && (u[i + 2] & 0xfe) == 0xbe) {
            fo_buf_printf (out, "\\u%s", u[i + 2] == 0xbe ? "FFFE" : "FFFF");
            i += 3;
        }
        else {
            fo_buf_printf (out, "\\x%02x", u[i]);
            i++;
        }
    }
}

/* ---- the writer ------------------------------------------------------------------ */

typedef struct {
    xmlTextWriterPtr w;
    fo_buf text;            /* scratch for xml_text */
    int failed;             /* a libxml2 call failed */
} writer;

static void
check (writer *x, int rc)
{
    if (rc < 0)
        x->failed = 1;
}

static void
start (writer *x, const char *name)
{
    check (x, sym_xmlTextWriterStartElement (x->w, BAD_CAST name));
}

static void
end (writer *x)
{
    check (x, sym_xmlTextWriterEndElement (x->w));
}

static void
attr_n (writer *x, const char *name, const char *value, size_t len)
{
    xml_text (&x->text, value, len);
    check (x, sym_xmlTextWriterWriteAttribute (x->w, BAD_CAST name, BAD_CAST x->text.data));
}

static void
attr (writer *x, const char *name, const char *value)
{
    attr_n (x, name, value ? value : "", value ? strlen (value) : 0);
}

static void
attr_size (writer *x, const char *name, size_t n)
{
    char num[32];
    snprintf (num, sizeof num, "%zu", n);
    attr (x, name, num);
}

/* Seconds with millisecond precision, as Surefire writes them. */
static void
attr_time (writer *x, const char *name, uint64_t us)
{
    char num[32];
    snprintf (num, sizeof num, "%.3f", (double) us / 1e6);
    attr (x, name, num);
}

static void
text (writer *x, const char *s, size_t len)
{
    xml_text (&x->text, s, len);
    check (x, sym_xmlTextWriterWriteString (x->w, BAD_CAST x->text.data));
}

/* <name>data</name>, when there is data. */
static void
element_text (writer *x, const char *name, const char *data, size_t len)
{
    if (!data || len == 0)
        return;
    start (x, name);
    text (x, data, len);
    end (x);
}

static void
property (writer *x, const char *name, const char *value)
{
    start (x, "property");
    attr (x, "name", name);
    attr (x, "value", value);
    end (x);
}

/* "exit status 1 [on h1 worker 2, attempt 1]": where it happened. */
static char *
where (const char *message, const char *host, uint32_t worker, uint32_t attempt)
{
    fo_buf b = { 0 };
    fo_buf_puts (&b, message && *message ? message : "");
    const char *sep = message && *message ? " [" : "[";
    if (host || worker || attempt) {
        fo_buf_puts (&b, sep);
        sep = "";
        if (host) {
            fo_buf_printf (&b, "on %s", host);
            sep = " ";
        }
        if (worker) {
            fo_buf_printf (&b, "%sworker %" PRIu32, sep, worker);
            sep = ", ";
        }
        if (attempt)
            fo_buf_printf (&b, "%sattempt %" PRIu32, *sep ? ", " : "", attempt);
        fo_buf_puts (&b, "]");
    }
    fo_buf_append (&b, "", 0);
    return fo_buf_steal (&b);
}

static bool
is_failure_kind (fo_outcome o)
{
    return o == FO_FAILED || o == FO_TIMEOUT || o == FO_CRASHED;
}

/* An earlier try: flakyFailure / rerunError / ... with its output. */
static void
earlier_try (writer *x, const fo_attempt *a, bool flaky)
{
    const char *name = flaky ? (is_failure_kind (a->outcome) ? "flakyFailure" : "flakyError")
                             : (is_failure_kind (a->outcome) ? "rerunFailure" : "rerunError");
    start (x, name);
    attr (x, "message", a->message ? a->message : fo_outcome_name (a->outcome));
    attr (x, "type", fo_outcome_name (a->outcome));
    /* Surefire puts what happened in a <stackTrace>; a test's is where
       it ran. */
    char *w = where (a->message, a->host, a->worker, a->attempt);
    element_text (x, "stackTrace", w, strlen (w));
    free (w);
    element_text (x, "system-out", a->out, a->out_len);
    element_text (x, "system-err", a->err, a->err_len);
    end (x);
}

/* The name of a test in its context: its id after "context/". */
static const char *
name_in_context (const fo_test_record *rec)
{
    const char *id = rec->id ? rec->id : "";
    size_t clen = rec->context ? strlen (rec->context) : 0;
    if (clen && strncmp (id, rec->context, clen) == 0 && id[clen] == '/')
        return id + clen + 1;
    return id;
}

static const char *
suite_name (const char *context)
{
    return context && *context ? context : "<root>";
}

static void
testcase (writer *x, const fo_test_record *rec, const char *file)
{
    fo_outcome outcome = rec->done ? rec->outcome : FO_NOT_RUN;
    start (x, "testcase");
    attr (x, "name", name_in_context (rec));
    attr (x, "classname", suite_name (rec->context));
    attr_time (x, "time", rec->duration_us);
    /* Where the test is defined: its suite file (a test is a command,
       not a function in a source file). */
    if (file)
        attr (x, "file", file);
    if (rec->host || rec->worker || rec->attempt) {
        start (x, "properties");
        if (rec->host)
            property (x, "host", rec->host);
        char num[16];
        if (rec->worker) {
            snprintf (num, sizeof num, "%" PRIu32, rec->worker);
            property (x, "worker", num);
        }
        if (rec->attempt) {
            snprintf (num, sizeof num, "%" PRIu32, rec->attempt);
            property (x, "attempt", num);
        }
        end (x);
    }
    const char *message = rec->done ? rec->message : "no result was recorded for this test";
    if (outcome != FO_PASSED) {
        const char *element = is_failure_kind (outcome) ? "failure"
            : outcome == FO_ERROR ? "error" : "skipped";
        start (x, element);
        attr (x, "message", message && *message ? message : fo_outcome_name (outcome));
        attr (x, "type", fo_outcome_name (outcome));
        if (outcome != FO_SKIPPED && outcome != FO_NOT_RUN) {
            char *w = where (message, rec->host, rec->worker, rec->attempt);
            text (x, w, strlen (w));
            free (w);
        }
        end (x);
    }
    /* The tries before the last one (the last is the testcase itself). */
    for (size_t i = 0; i + 1 < rec->nattempts; i++)
        earlier_try (x, &fo_report_retried (rec)[i], outcome == FO_PASSED);
    const fo_strv *outputs = fo_report_outputs (rec);
    if (outputs) {
        /* Files the test sent back, as CI servers read attachments:
           "[[ATTACHMENT|/path]]" lines after its output. */
        fo_buf out = { 0 };
        if (rec->out_len)
            fo_buf_append (&out, rec->out, rec->out_len);
        if (out.len && out.data[out.len - 1] != '\n')
            fo_buf_puts (&out, "\n");
        for (size_t i = 0; i < outputs->len; i++)
            fo_buf_printf (&out, "[[ATTACHMENT|%s]]\n", outputs->items[i]);
        element_text (x, "system-out", out.data, out.len);
        fo_buf_free (&out);
    } else
        element_text (x, "system-out", rec->out, rec->out_len);
    element_text (x, "system-err", rec->err, rec->err_len);
    end (x);
}

static void
fixture_testcase (writer *x, const fo_fixture_error *fe)
{
    char *name = fo_xasprintf ("(%s)", fe->phase ? fe->phase : "setup");
    start (x, "testcase");
    attr (x, "name", name);
    attr (x, "classname", suite_name (fe->context));
    attr_time (x, "time", 0);
    start (x, "properties");
    property (x, "fixture", fe->phase ? fe->phase : "setup");
    if (fe->host)
        property (x, "host", fe->host);
    end (x);
    start (x, "error");
    attr (x, "message", fe->message ? fe->message : "fixture failed");
    attr (x, "type", "fixture");
    char *w = where (fe->message, fe->host, 0, 0);
    text (x, w, strlen (w));
    free (w);
    end (x);
    element_text (x, "system-out", fe->out, fe->out_len);
    element_text (x, "system-err", fe->err, fe->err_len);
    end (x);
    free (name);
}

/* ---- contexts ------------------------------------------------------------------ */

/* A testsuite: the tests and fixture errors of one context. */
typedef struct {
    const char *context;
    size_t first;           /* order: the first report index that has it */
    size_t *tests;
    size_t ntests;
    size_t *fixtures;
    size_t nfixtures;
} suite;

typedef struct {
    const char *context;
    size_t index;           /* a test's report index, or ntests + a fixture error's */
} member;

static int
by_context_then_index (const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    int c = strcmp (a->context, b->context);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

static int
by_first (const void *pa, const void *pb)
{
    const suite *a = pa, *b = pb;
    return (a->first > b->first) - (a->first < b->first);
}

/* Groups tests and fixture errors by context, in report order. */
static suite *
group (const fo_report *self, size_t *nsuites)
{
    size_t n = self->ntests + self->nfixture_errors;
    member *m = fo_xmalloc ((n ? n : 1) * sizeof *m);
    for (size_t i = 0; i < self->ntests; i++)
        m[i] = (member) { self->tests[i].context ? self->tests[i].context : "", i };
    for (size_t i = 0; i < self->nfixture_errors; i++)
        m[self->ntests + i] = (member) {
            self->fixture_errors[i].context ? self->fixture_errors[i].context : "",
            self->ntests + i };
    qsort (m, n, sizeof *m, by_context_then_index);
    suite *s = fo_xcalloc (n ? n : 1, sizeof *s);
    size_t ns = 0;
    for (size_t k = 0; k < n; k++) {
        if (!ns || strcmp (s[ns - 1].context, m[k].context) != 0)
            s[ns++] = (suite) { .context = m[k].context, .first = m[k].index };
        suite *cur = &s[ns - 1];
        if (m[k].index < self->ntests) {
            cur->tests = fo_xrealloc (cur->tests, (cur->ntests + 1) * sizeof *cur->tests);
            cur->tests[cur->ntests++] = m[k].index;
        }
        else {
            cur->fixtures = fo_xrealloc (cur->fixtures,
                                         (cur->nfixtures + 1) * sizeof *cur->fixtures);
            cur->fixtures[cur->nfixtures++] = m[k].index - self->ntests;
        }
    }
    free (m);
    qsort (s, ns, sizeof *s, by_first);
    *nsuites = ns;
    return s;
}

typedef struct {
    size_t tests, failures, errors, skipped;
    uint64_t time_us;
} tally;

static void
count_test (tally *t, const fo_test_record *rec)
{
    if (rec->summary)
        return;     /* not a test of the totals (fo_report_set_summary) */
    fo_outcome o = rec->done ? rec->outcome : FO_NOT_RUN;
    t->tests++;
    t->failures += is_failure_kind (o);
    t->errors += o == FO_ERROR;
    t->skipped += o == FO_SKIPPED || o == FO_NOT_RUN;
    t->time_us += rec->duration_us;
}

static void
count_attrs (writer *x, const tally *t)
{
    attr_size (x, "tests", t->tests);
    attr_size (x, "failures", t->failures);
    attr_size (x, "errors", t->errors);
}

/* A context's summary records (a TAP or cmocka program's `all` whose
   failure its failing points carry, fo_report_set_summary) are no
   testcase: CI servers count <testcase> elements and their <failure>s
   themselves, so one would count that failure twice, and the totals would
   not be the console's. What they say is kept on the <testsuite>: a
   `summary` property per record ("all: failed: 2 of 6 failed: ..."), and
   their output as its <system-out> / <system-err> (output: false writes
   the properties, which come before the testcases; true the output, which
   comes after them). */
static void
summaries (writer *x, const fo_report *self, const suite *s, bool output)
{
    fo_buf out = { 0 }, err = { 0 };
    bool any = false;
    for (size_t i = 0; i < s->ntests; i++) {
        const fo_test_record *rec = &self->tests[s->tests[i]];
        if (!rec->summary)
            continue;
        if (!output) {
            if (!any)
                start (x, "properties");
            char *value = fo_xasprintf ("%s: %s%s%s", name_in_context (rec),
                                        fo_outcome_name (rec->outcome),
                                        rec->message ? ": " : "",
                                        rec->message ? rec->message : "");
            property (x, "summary", value);
            free (value);
        }
        else {
            if (rec->out_len)
                fo_buf_append (&out, rec->out, rec->out_len);
            if (rec->err_len)
                fo_buf_append (&err, rec->err, rec->err_len);
        }
        any = true;
    }
    if (any && !output)
        end (x);
    element_text (x, "system-out", out.data, out.len);
    element_text (x, "system-err", err.data, err.len);
    fo_buf_free (&out);
    fo_buf_free (&err);
}

/* The run's start on the wall clock (the report keeps the monotonic
   clock's), ISO 8601 in UTC. */
static void
timestamp (const fo_report *self, char *buf, size_t size)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    uint64_t mono = fo_now_us ();
    time_t start = now.tv_sec - (time_t) ((mono > self->started_us ? mono - self->started_us : 0)
                                          / 1000000u);
    struct tm tm;
    gmtime_r (&start, &tm);
    strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
write_report (writer *x, const fo_report *self)
{
    size_t nsuites;
    suite *s = group (self, &nsuites);
    tally all = { 0 };
    for (size_t i = 0; i < self->ntests; i++)
        count_test (&all, &self->tests[i]);
    all.tests += self->nfixture_errors;
    all.errors += self->nfixture_errors;
    uint64_t finished = self->finished_us ? self->finished_us : fo_now_us ();
    char stamp[64], host[256] = "";
    timestamp (self, stamp, sizeof stamp);
    gethostname (host, sizeof host - 1);

    check (x, sym_xmlTextWriterStartDocument (x->w, "1.0", "UTF-8", NULL));
    start (x, "testsuites");
    attr (x, "name", self->suite ? self->suite : "fanout");
    count_attrs (x, &all);
    attr_size (x, "skipped", all.skipped);
    attr_time (x, "time", finished > self->started_us ? finished - self->started_us : 0);
    for (size_t k = 0; k < nsuites && !x->failed; k++) {
        tally t = { 0 };
        for (size_t i = 0; i < s[k].ntests; i++)
            count_test (&t, &self->tests[s[k].tests[i]]);
        t.tests += s[k].nfixtures;
        t.errors += s[k].nfixtures;
        start (x, "testsuite");
        attr (x, "name", suite_name (s[k].context));
        count_attrs (x, &t);
        attr_size (x, "skipped", t.skipped);
        attr_time (x, "time", t.time_us);
        attr (x, "timestamp", stamp);
        attr (x, "hostname", host);
        if (self->suite)
            attr (x, "file", self->suite);
        summaries (x, self, &s[k], false);
        for (size_t i = 0; i < s[k].ntests; i++)
            if (!self->tests[s[k].tests[i]].summary)
                testcase (x, &self->tests[s[k].tests[i]], self->suite);
        for (size_t i = 0; i < s[k].nfixtures; i++)
            fixture_testcase (x, &self->fixture_errors[s[k].fixtures[i]]);
        summaries (x, self, &s[k], true);
        end (x);
    }
    end (x);
    check (x, sym_xmlTextWriterEndDocument (x->w));
    for (size_t k = 0; k < nsuites; k++) {
        free (s[k].tests);
        free (s[k].fixtures);
    }
    free (s);
}

int
fo_report_write_junit_to (const fo_report *self, fo_report_dest *dest, char *err, size_t errlen)
{
    /* --junit-xml loaded libxml2 before the run (fo_reporter_junit.c):
       this is the first time only for a caller that did not. */
    char why[512];
    if (fo_xml2_load (why, sizeof why) != 0)
        return fo_err (err, errlen, "cannot write report '%s': %s", fo_report_dest_path (dest), why);
    FILE *file = fo_report_dest_stream (dest, err, errlen);
    if (!file)
        return -1;
    /* libxml2 writes through its own buffer into the stream, which the
       destination then flushes, syncs and renames: a failed write shows
       in the commit, a failed libxml2 call here. */
    xmlOutputBufferPtr buf = sym_xmlOutputBufferCreateFile (file, NULL);
    writer x = { .w = buf ? sym_xmlNewTextWriter (buf) : NULL };
    if (!x.w) {
        if (buf)
            sym_xmlOutputBufferClose (buf);
        return fo_err (err, errlen, "cannot write report '%s': libxml2 could not start a writer",
                       fo_report_dest_path (dest));
    }
    check (&x, sym_xmlTextWriterSetIndent (x.w, 1));
    check (&x, sym_xmlTextWriterSetIndentString (x.w, BAD_CAST "  "));
    write_report (&x, self);
    check (&x, sym_xmlTextWriterFlush (x.w));
    sym_xmlFreeTextWriter (x.w);        /* closes buf; the stream stays open */
    fo_buf_free (&x.text);
    fputc ('\n', file);
    if (x.failed) {
        fo_err (err, errlen, "cannot write report '%s': libxml2 failed to write it",
                fo_report_dest_path (dest));
        return -1;
    }
    return fo_report_dest_commit (dest, err, errlen);
}
