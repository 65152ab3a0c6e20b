/*  fo_report_console — the report as a person reads it, in nose's words.

    While the run goes: one character per test (default) or one line per
    test (-v: "id ... ok (0.12s)", or "(0.12s, serial)" for a test of a
    serial context, which ran with nothing beside it). At the end, in this
    order (docs/cli.md, "The summary"): every test that did not pass or
    skip, each with its message and captured output; fixture errors; flaky
    tests with every try and its host; the tests not run, one line per
    reason; the slowest tests (--durations); the tests that ran alone
    (serial); per-host totals when more than one host ran tests, and a
    host that looks bad (fo_report_hosts.h); then the "Ran N tests" line, the verdict, and a last
    line of plain counts that scripts can grep:

        <passed> passed, <failed> failed, <errors> errors, <skipped> skipped

    followed by ", N timed out", ", N crashed", ", N not run" and
    " (N flaky)" when there are any. Fixture errors are not tests and
    appear only in the FAILED (...) line.

    Captured output is written byte for byte: the terminal shows what the
    test printed, even if it is not text. Everything else that comes from
    a test or a peer (messages, host names) has its control characters
    shown as '?'. Colours (fo_console_opts.color) are SGR sequences around
    words and titles, never inside the last line.
*/
#include "fo_report.h"
#include "fo_report_internal.h"
#include "fo_report_hosts.h"

#include "fo_summary_sections.h"
#include "fo_text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define RULE_WIDTH 70

/*  An unfilled record is not_run: a missing result never reads as a pass. */
static fo_outcome
outcome_of (const fo_test_record *rec)
{
    return rec->done ? rec->outcome : FO_NOT_RUN;
}

static const char progress_chars[FO_OUTCOME_COUNT] = {
    [FO_PASSED] = '.', [FO_FAILED] = 'F', [FO_ERROR] = 'E', [FO_SKIPPED] = 'S',
    [FO_TIMEOUT] = 'T', [FO_CRASHED] = 'C', [FO_NOT_RUN] = 'N',
};

static const char *const progress_words[FO_OUTCOME_COUNT] = {
    [FO_PASSED] = "ok", [FO_FAILED] = "FAIL", [FO_ERROR] = "ERROR",
    [FO_SKIPPED] = "skipped", [FO_TIMEOUT] = "TIMEOUT", [FO_CRASHED] = "CRASHED",
    [FO_NOT_RUN] = "not run",
};

/*  Block titles in the summary; NULL for outcomes that get no block. */
static const char *const block_titles[FO_OUTCOME_COUNT] = {
    [FO_FAILED] = "FAIL", [FO_ERROR] = "ERROR", [FO_TIMEOUT] = "TIMEOUT",
    [FO_CRASHED] = "CRASHED",
};

/*  The length of the first line of s (up to, not including, '\n'). */
static int
first_line_len (const char *s)
{
    size_t n = strcspn (s, "\r\n");
    return n > 4096 ? 4096 : (int) n;
}

/*  A word or character in its outcome's colour. */
static void
put_colored (FILE *out, bool color, const char *sgr, const char *text)
{
    fprintf (out, "%s%s%s", fo_sgr (color, sgr), text, fo_sgr (color, FO_SGR_RESET));
}

void
fo_report_progress_opts (FILE *out, const fo_console_opts *o, const fo_test_record *rec)
{
    fo_report_progress_unflushed (out, o, rec);
    if (o->verbosity != FO_VERBOSITY_QUIET)
        fflush (out);           /* a dot has no newline: it must show now */
}

void
fo_report_progress_unflushed (FILE *out, const fo_console_opts *o, const fo_test_record *rec)
{
    fo_outcome outcome = outcome_of (rec);
    if (o->verbosity == FO_VERBOSITY_DOTS) {
        char c[2] = { progress_chars[outcome], 0 };
        put_colored (out, o->color && outcome != FO_PASSED, fo_outcome_sgr (outcome), c);
    }
    else
    if (o->verbosity == FO_VERBOSITY_LINES) {
        fputs (rec->id ? rec->id : "", out);
        fputs (" ... ", out);
        if (rec->flaky) {
            put_colored (out, o->color, FO_SGR_YELLOW, "FLAKY");
            fprintf (out, " (passed on attempt %" PRIu32 ")", rec->attempt);
        }
        else
            put_colored (out, o->color, fo_outcome_sgr (outcome), progress_words[outcome]);
        /* Why a test was skipped or not run is short and useful at once;
           failure messages wait for the summary, with their output. The
           message may come from a test's output: no control character
           of it reaches the line. */
        if ((outcome == FO_SKIPPED || outcome == FO_NOT_RUN) && rec->message && *rec->message) {
            fputs (": ", out);
            fo_text_put_safe (out, rec->message, (size_t) first_line_len (rec->message));
        }
        fprintf (out, " (%.2fs%s)\n", (double) rec->duration_us / 1e6,
                 rec->serial ? ", serial" : "");
    }
}

void
fo_report_progress (FILE *out, fo_verbosity verbosity, const fo_test_record *rec)
{
    fo_report_progress_opts (out, &(fo_console_opts) { .verbosity = verbosity }, rec);
}

void
fo_report_progress_retry_opts (FILE *out, const fo_console_opts *o, const char *id,
                               const fo_attempt *attempt, uint32_t max_attempts)
{
    if (o->verbosity == FO_VERBOSITY_DOTS) {
        put_colored (out, o->color, FO_SGR_YELLOW, "R");
        fflush (out);
    }
    else if (o->verbosity == FO_VERBOSITY_LINES) {
        fprintf (out, "%s ... ", id ? id : "");
        put_colored (out, o->color, fo_outcome_sgr (attempt->outcome),
                     progress_words[attempt->outcome]);
        fprintf (out, " (attempt %" PRIu32 " of %" PRIu32 ", retrying) (%.2fs)\n",
                 attempt->attempt, max_attempts, (double) attempt->duration_us / 1e6);
        fflush (out);
    }
}

void
fo_report_progress_retry (FILE *out, fo_verbosity verbosity, const char *id,
                          const fo_attempt *attempt, uint32_t max_attempts)
{
    fo_report_progress_retry_opts (out, &(fo_console_opts) { .verbosity = verbosity }, id,
                                   attempt, max_attempts);
}

void
fo_report_progress_slow_opts (FILE *out, const fo_console_opts *o, bool mid_line,
                              const char *what, const char *name, uint64_t elapsed_ms,
                              uint32_t timeout_ms, const char *host)
{
    if (o->verbosity == FO_VERBOSITY_QUIET)
        return;
    /* The notice takes a line of its own; dots go on below it. */
    if (mid_line)
        fputc ('\n', out);
    put_colored (out, o->color, FO_SGR_YELLOW, "SLOW");
    fprintf (out, ": %s%s%s has run %.1fs", what ? what : "", what ? " " : "",
             name ? name : "", (double) elapsed_ms / 1e3);
    if (timeout_ms)
        fprintf (out, " (timeout %.1fs)", (double) timeout_ms / 1e3);
    if (host) {
        fputs (" [on ", out);
        fo_text_put_safe (out, host, strlen (host));
        fputc (']', out);
    }
    fputc ('\n', out);
    fflush (out);
}

void
fo_report_progress_slow (FILE *out, fo_verbosity verbosity, bool mid_line, const char *what,
                         const char *name, uint64_t elapsed_ms, uint32_t timeout_ms,
                         const char *host)
{
    fo_report_progress_slow_opts (out, &(fo_console_opts) { .verbosity = verbosity }, mid_line,
                                  what, name, elapsed_ms, timeout_ms, host);
}

void
fo_report_progress_line (FILE *out, const fo_console_opts *o, bool mid_line,
                         const fo_report *self, size_t running, uint64_t elapsed_us,
                         uint64_t left_us)
{
    size_t c[FO_OUTCOME_COUNT];
    fo_report_counts (self, c);
    size_t failed = c[FO_FAILED] + c[FO_TIMEOUT] + c[FO_CRASHED];
    size_t errors = c[FO_ERROR] + self->done_counts[FO_NOT_RUN];
    char elapsed[16], left[16];
    fo_text_duration (elapsed, sizeof elapsed, elapsed_us);
    if (mid_line)
        fputc ('\n', out);
    put_colored (out, o->color, FO_SGR_CYAN, "PROGRESS");
    fprintf (out, ": %zu of %zu tests done (%zu passed", self->ndone, self->ntests,
             c[FO_PASSED]);
    if (failed)
        fprintf (out, ", %zu failed", failed);
    if (errors)
        fprintf (out, ", %zu errors", errors);
    if (c[FO_SKIPPED])
        fprintf (out, ", %zu skipped", c[FO_SKIPPED]);
    fprintf (out, "), %zu running, %s elapsed", running, elapsed);
    if (left_us != UINT64_MAX) {
        fo_text_duration (left, sizeof left, left_us);
        fprintf (out, ", about %s left", left);
    }
    fputc ('\n', out);
    fflush (out);
}

/*  nose's ln(): a label centred in a rule of RULE_WIDTH dashes. */
static void
print_labelled_rule (FILE *out, const char *label)
{
    int chunk = (RULE_WIDTH - ((int) strlen (label) + 2)) / 2;
    int used = 2 * chunk + (int) strlen (label) + 2;
    fprintf (out, "%.*s %s %.*s\n", chunk, "------------------------------------",
             label, chunk + (RULE_WIDTH - used), "------------------------------------");
}

static void
print_rule (FILE *out, char c)
{
    for (int i = 0; i < RULE_WIDTH; i++)
        fputc (c, out);
    fputc ('\n', out);
}

static void
print_captured (FILE *out, const char *name, const char *data, size_t len)
{
    if (!data || len == 0)
        return;
    char label[64];
    snprintf (label, sizeof label, ">> begin captured %s <<", name);
    print_labelled_rule (out, label);
    fwrite (data, 1, len, out);
    if (data[len - 1] != '\n')
        fputc ('\n', out);
    snprintf (label, sizeof label, ">> end captured %s <<", name);
    print_labelled_rule (out, label);
}

/*  "<message> [on <host> worker <n>, attempt <a>]", each part only when
    known: no host means it never reached an agent, and workers and
    attempts count from 1, so 0 means unknown. */
static void
print_message_line (FILE *out, const char *message, const char *host, uint32_t worker,
                    uint32_t attempt)
{
    bool has_message = message && *message;
    if (!has_message && !host && !worker && !attempt)
        return;
    if (has_message)
        fo_text_put_safe (out, message, strlen (message));
    if (host || worker || attempt) {
        const char *sep = "";
        fputs (has_message ? " [" : "[", out);
        if (host) {
            fputs ("on ", out);
            fo_text_put_safe (out, host, strlen (host));
            sep = " ";
        }
        if (worker) {
            fprintf (out, "%sworker %" PRIu32, sep, worker);
            sep = ", ";
        }
        if (attempt)
            fprintf (out, "%sattempt %" PRIu32, *sep ? ", " : "", attempt);
        fputc (']', out);
    }
    fputc ('\n', out);
}

/*  The tries before the last one, each "attempt N: OUTCOME: message [on
    ...]", with their output when with_output. */
static void
print_earlier_attempts (FILE *out, const fo_test_record *rec, bool with_output)
{
    for (size_t i = 0; i + 1 < rec->nattempts; i++) {
        const fo_attempt *a = &fo_report_retried (rec)[i];
        char *line = fo_xasprintf ("attempt %" PRIu32 ": %s%s%s", a->attempt,
                                   progress_words[a->outcome], a->message && *a->message ? ": " : "",
                                   a->message ? a->message : "");
        print_message_line (out, line, a->host, a->worker, 0);
        free (line);
        if (with_output) {
            print_captured (out, "stdout", a->out, a->out_len);
            print_captured (out, "stderr", a->err, a->err_len);
        }
    }
}

/*  A block's title ("FAIL: id"), its word in colour. */
static void
print_title (FILE *out, bool color, const char *sgr, const char *word, const char *what)
{
    fprintf (out, "%s%s%s%s: %s\n", fo_sgr (color, FO_SGR_BOLD), fo_sgr (color, sgr), word,
             fo_sgr (color, FO_SGR_RESET), what);
}

static void
print_test_block (FILE *out, const fo_test_record *rec, bool color)
{
    fo_outcome outcome = outcome_of (rec);
    print_rule (out, '=');
    print_title (out, color, FO_SGR_RED, block_titles[outcome], rec->id ? rec->id : "");
    print_rule (out, '-');
    if (rec->done)
        print_message_line (out, rec->message, rec->host, rec->worker, rec->attempt);
    else
        fputs ("no result was recorded for this test\n", out);
    print_captured (out, "stdout", rec->out, rec->out_len);
    print_captured (out, "stderr", rec->err, rec->err_len);
    print_earlier_attempts (out, rec, false);
}

/*  A test that passed only on a retry: the tries that failed, with their
    output (that is what needs fixing). */
static void
print_flaky_block (FILE *out, const fo_test_record *rec, bool color)
{
    print_rule (out, '=');
    print_title (out, color, FO_SGR_YELLOW, "FLAKY", rec->id ? rec->id : "");
    print_rule (out, '-');
    char *line = fo_xasprintf ("passed on attempt %" PRIu32, rec->attempt);
    print_message_line (out, line, rec->host, rec->worker, 0);
    free (line);
    print_earlier_attempts (out, rec, true);
}

static void
print_fixture_block (FILE *out, const fo_fixture_error *fe, bool color)
{
    print_rule (out, '=');
    char *what = fo_xasprintf ("%s (%s)", fe->context && *fe->context ? fe->context : "<root>",
                               fe->phase ? fe->phase : "setup");
    print_title (out, color, FO_SGR_RED, "ERROR", what);
    free (what);
    print_rule (out, '-');
    print_message_line (out, fe->message, fe->host, 0, 0);
    print_captured (out, "stdout", fe->out, fe->out_len);
    print_captured (out, "stderr", fe->err, fe->err_len);
}

/*  ", name=N" only when N is not zero. */
static void
print_count_if (FILE *out, const char *name, size_t n)
{
    if (n)
        fprintf (out, ", %s=%zu", name, n);
}

static void
print_verdict (FILE *out, const fo_report *self, const size_t c[FO_OUTCOME_COUNT], bool color)
{
    size_t flaky = fo_report_flaky_count (self);
    if (fo_report_exit_status (self) == FO_EXIT_OK) {
        fputs (fo_sgr (color, FO_SGR_GREEN), out);
        if (c[FO_SKIPPED] || flaky) {
            fputs ("OK (", out);
            if (c[FO_SKIPPED])
                fprintf (out, "skipped=%zu%s", c[FO_SKIPPED], flaky ? ", " : "");
            if (flaky)
                fprintf (out, "flaky=%zu", flaky);
            fputs (")", out);
        }
        else
            fputs ("OK", out);
        fprintf (out, "%s\n", fo_sgr (color, FO_SGR_RESET));
        return;
    }
    fprintf (out, "%sFAILED (failures=%zu, errors=%zu", fo_sgr (color, FO_SGR_RED), c[FO_FAILED],
             c[FO_ERROR]);
    print_count_if (out, "skipped", c[FO_SKIPPED]);
    print_count_if (out, "timeouts", c[FO_TIMEOUT]);
    print_count_if (out, "crashed", c[FO_CRASHED]);
    print_count_if (out, "not run", c[FO_NOT_RUN]);
    print_count_if (out, "fixture errors", self->nfixture_errors);
    print_count_if (out, "flaky", flaky);
    fprintf (out, ")%s\n", fo_sgr (color, FO_SGR_RESET));
}

/*  Tests that never ran, one line per reason, in the order the reasons
    first appear: an interrupted run of thousands of tests says so in one
    line, not a block per test (the JSON report and -v list them all). A
    reason that only one test has names it. */
typedef struct {
    const char *reason;
    size_t first;           /* the first test with it */
    size_t count;
} not_run_reason;

static const char *
not_run_reason_of (const fo_test_record *rec)
{
    if (!rec->done)
        return "no result was recorded for this test";
    return rec->message && *rec->message ? rec->message : "not run";
}

static int
by_reason_then_index (const void *pa, const void *pb, void *arg)
{
    const fo_report *self = arg;
    size_t a = *(const size_t *) pa, b = *(const size_t *) pb;
    int c = strcmp (not_run_reason_of (&self->tests[a]), not_run_reason_of (&self->tests[b]));
    return c ? c : (a > b) - (a < b);
}

static int
by_first (const void *pa, const void *pb)
{
    const not_run_reason *a = pa, *b = pb;
    return (a->first > b->first) - (a->first < b->first);
}

/* The groups in one pass over the tests, when the reasons are few (a stop
   gives every test the same one, shared: a pointer compare): O(tests x
   reasons), no sort of a million indices. False when there are more than
   `max` reasons (the sort below then). Same groups, same order: each is
   made where its reason first appears. */
static bool
group_not_run_few (const fo_report *self, not_run_reason *groups, size_t max, size_t *ngroups)
{
    size_t n = 0, last = 0;
    for (size_t i = 0; i < self->ntests; i++) {
        if (outcome_of (&self->tests[i]) != FO_NOT_RUN)
            continue;
        const char *reason = not_run_reason_of (&self->tests[i]);
        size_t g = n;
        if (n > 0 && (groups[last].reason == reason || strcmp (groups[last].reason, reason) == 0))
            g = last;
        else
            for (g = 0; g < n && strcmp (groups[g].reason, reason) != 0; g++)
                ;
        if (g == n) {
            if (n == max)
                return false;
            groups[n++] = (not_run_reason) { reason, i, 0 };
        }
        groups[g].count++;
        last = g;
    }
    *ngroups = n;
    return true;
}

static void
print_groups (FILE *out, const fo_report *self, const not_run_reason *groups, size_t ngroups)
{
    print_rule (out, '=');
    for (size_t g = 0; g < ngroups; g++) {
        int len = first_line_len (groups[g].reason);
        if (groups[g].count == 1)
            fprintf (out, "NOT RUN: %s: %.*s\n", self->tests[groups[g].first].id, len,
                     groups[g].reason);
        else
            fprintf (out, "NOT RUN: %zu tests: %.*s\n", groups[g].count, len, groups[g].reason);
    }
}

static void
print_not_run (FILE *out, const fo_report *self, size_t nnot_run)
{
    if (nnot_run == 0)
        return;
    not_run_reason few[16];
    size_t nfew;
    if (group_not_run_few (self, few, sizeof few / sizeof *few, &nfew)) {
        print_groups (out, self, few, nfew);
        return;
    }
    size_t *idx = fo_xmalloc (nnot_run * sizeof *idx);
    size_t n = 0;
    for (size_t i = 0; i < self->ntests; i++)
        if (outcome_of (&self->tests[i]) == FO_NOT_RUN && n < nnot_run)
            idx[n++] = i;
    qsort_r (idx, n, sizeof *idx, by_reason_then_index, (void *) self);
    not_run_reason *groups = fo_xmalloc ((n ? n : 1) * sizeof *groups);
    size_t ngroups = 0;
    for (size_t k = 0; k < n; k++) {
        const char *reason = not_run_reason_of (&self->tests[idx[k]]);
        if (ngroups && strcmp (groups[ngroups - 1].reason, reason) == 0)
            groups[ngroups - 1].count++;
        else
            groups[ngroups++] = (not_run_reason) { reason, idx[k], 1 };
    }
    qsort (groups, ngroups, sizeof *groups, by_first);
    print_groups (out, self, groups, ngroups);
    free (groups);
    free (idx);
}

void
fo_report_print_summary (FILE *out, const fo_report *self, fo_verbosity verbosity)
{
    fo_report_print_summary_opts (out, self, &(fo_console_opts) { .verbosity = verbosity });
}

void
fo_report_print_summary_opts (FILE *out, const fo_report *self, const fo_console_opts *o)
{
    bool color = o->color;
    if (o->verbosity == FO_VERBOSITY_DOTS) {
        /* Progress printed a character for each finished test: end that line. */
        if (self->ndone > 0)
            fputc ('\n', out);
    }
    for (size_t i = 0; i < self->ntests; i++)
        if (block_titles[outcome_of (&self->tests[i])])
            print_test_block (out, &self->tests[i], color);
    for (size_t i = 0; i < self->nfixture_errors; i++)
        print_fixture_block (out, &self->fixture_errors[i], color);
    for (size_t i = 0; i < self->ntests; i++)
        if (self->tests[i].done && self->tests[i].flaky)
            print_flaky_block (out, &self->tests[i], color);
    size_t c[FO_OUTCOME_COUNT];
    fo_report_counts (self, c);
    print_not_run (out, self, c[FO_NOT_RUN]);
    fo_summary_slowest (out, self, o->durations, color);
    fo_summary_serial (out, self, color);
    fo_report_print_host_totals (out, self, color);
    fo_report_print_hosts (out, self);     /* a bad host, tests flaky on one host */

    /* "Ran": the tests that did run (an interrupted run of thousands ran
       a few), so that the rate means something too. */
    size_t ran = fo_report_counted (self) - c[FO_NOT_RUN];
    uint64_t finished = self->finished_us ? self->finished_us : fo_now_us ();
    uint64_t elapsed_us = finished > self->started_us ? finished - self->started_us : 0;
    double seconds = (double) elapsed_us / 1e6;
    /* A run too quick to measure has no meaningful rate: say 0, not inf.
       "%.0f" rounds to the nearest integer. */
    double rate = elapsed_us ? (double) ran / seconds : 0.0;
    print_rule (out, '-');
    fprintf (out, "Ran %zu test%s in %.3fs (%.0f tests/s)\n\n", ran, ran == 1 ? "" : "s",
             seconds, rate);

    print_verdict (out, self, c, color);
    if (self->interrupted)
        fprintf (out, "%sINTERRUPTED%s\n", fo_sgr (color, FO_SGR_YELLOW),
                 fo_sgr (color, FO_SGR_RESET));
    else if (self->stop_reason) {
        fprintf (out, "%sSTOPPED (", fo_sgr (color, FO_SGR_YELLOW));
        fo_text_put_safe (out, self->stop_reason, strlen (self->stop_reason));
        fprintf (out, ")%s\n", fo_sgr (color, FO_SGR_RESET));
    }
    /* The four counts nose users know, then the outcomes nose did not have,
       only when there are any: every test is counted exactly once. */
    fprintf (out, "%zu passed, %zu failed, %zu errors, %zu skipped", c[FO_PASSED],
             c[FO_FAILED], c[FO_ERROR], c[FO_SKIPPED]);
    if (c[FO_TIMEOUT])
        fprintf (out, ", %zu timed out", c[FO_TIMEOUT]);
    if (c[FO_CRASHED])
        fprintf (out, ", %zu crashed", c[FO_CRASHED]);
    if (c[FO_NOT_RUN])
        fprintf (out, ", %zu not run", c[FO_NOT_RUN]);
    /* Flaky tests are among the passed ones: said apart, not counted twice. */
    size_t flaky = fo_report_flaky_count (self);
    if (flaky)
        fprintf (out, " (%zu flaky)", flaky);
    fputc ('\n', out);
    fflush (out);
}
