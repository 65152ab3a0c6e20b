/*  fo_read_ctest — the ctest reader: a test imported from a CTest build
    tree is judged by CTest's own rules (its step's fo_verdict), so that
    its outcome is the one `ctest` gives on the same tree.

    For a process that exited by itself (CTest's order):

        SKIP_RETURN_CODE N and exit status N         skipped "SKIP_RETURN_CODE=N"
        a SKIP_REGULAR_EXPRESSION found               skipped "SKIP_REGULAR_EXPRESSION_MATCHED"
        else it succeeded when no FAIL_REGULAR_EXPRESSION is found and
          PASS_REGULAR_EXPRESSION set: one of them is found (exit status ignored)
          else: exit status 0
        succeeded xor WILL_FAIL                       passed, else failed

    Killed by a signal: crashed; past its TIMEOUT: timeout (WILL_FAIL and
    the expressions change neither, as in CTest). Stopped by fanout: the
    stop's outcome, as the exit-status reader does.

    The expressions are POSIX extended regular expressions (regex.h),
    searched for in stdout and in stderr as captured (each on its own:
    CTest reads one stream holding both; a match spanning the two is not
    found). Text past a NUL byte is not searched, as in CTest.
    docs/sources.md ("CTest") lists where ERE and CTest's syntax differ.
    An expression that does not compile makes the test an error (the
    importer has refused such a tree already; this is for a hand-made
    lease). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "fo_read_ctest.h"
#include "fo_regex_guard.h"
#include "fo_reader.h"

typedef struct {
    const fo_step *step;
} ctest_state;

static void *
begin (const fo_read_step *step)
{
    ctest_state *self = fo_xcalloc (1, sizeof *self);
    self->step = step->step;
    return self;
}

/* Is one of the expressions found in out or err? -1 (with *bad set to the
   expression) when one does not compile. */
static int
found_any (const fo_strv *exprs, const char *out, const char *err, const char **bad)
{
    for (size_t i = 0; i < exprs->len; i++) {
        regex_t re;
        if (fo_regex_compile (&re, exprs->items[i], NULL, 0) != 0) {
            *bad = exprs->items[i];
            return -1;
        }
        bool hit = regexec (&re, out, 0, NULL, 0) == 0 || regexec (&re, err, 0, NULL, 0) == 0;
        regfree (&re);
        if (hit)
            return 1;
    }
    return 0;
}

bool
fo_ctest_regex_valid (const char *expr, char *why, size_t whylen)
{
    regex_t re;
    if (fo_regex_compile (&re, expr, why, whylen) != 0)
        return false;
    regfree (&re);
    return true;
}

void
fo_ctest_judge (const fo_verdict *v, const fo_proc_status *st, uint32_t timeout_ms,
                const char *out, const char *err, fo_outcome *outcome, char **message)
{
    if (st->timed_out || st->signal) {
        *outcome = st->timed_out ? FO_TIMEOUT : FO_CRASHED;
        *message = fo_proc_status_text (st, timeout_ms);
        return;
    }
    const char *bad = NULL;
    int skip_found = found_any (&v->skip, out, err, &bad);
    int pass_found = bad ? 0 : found_any (&v->pass, out, err, &bad);
    int fail_found = bad ? 0 : found_any (&v->fail, out, err, &bad);
    if (bad) {
        *outcome = FO_ERROR;
        *message = fo_xasprintf ("invalid regular expression '%s'", bad);
        return;
    }
    int code = st->exit_code;
    if (v->skip_code >= 0 && code == v->skip_code) {
        *outcome = FO_SKIPPED;
        *message = fo_xasprintf ("SKIP_RETURN_CODE=%d", code);
        return;
    }
    if (skip_found) {
        *outcome = FO_SKIPPED;
        *message = fo_xstrdup ("SKIP_REGULAR_EXPRESSION_MATCHED");
        return;
    }
    const char *reason = NULL;
    if (v->pass.len > 0 && !pass_found)
        reason = "required regular expression not found";
    else if (fail_found)
        reason = "error regular expression found in output";
    bool success = !reason && (code == 0 || v->pass.len > 0);
    if (success != v->will_fail) {
        *outcome = FO_PASSED;
        *message = fo_xstrdup (v->will_fail ? "failed as WILL_FAIL expects" : "");
        return;
    }
    *outcome = FO_FAILED;
    if (v->will_fail)
        *message = fo_xasprintf ("passed, but WILL_FAIL is set (exit status %d)", code);
    else if (reason)
        *message = fo_xasprintf ("%s (exit status %d)", reason, code);
    else
        *message = fo_xasprintf ("exit status %d", code);
}

static void
end (void *state, fo_read *read, const fo_step_ending *e)
{
    const ctest_state *self = state;
    const fo_proc_status *st = e->status;
    fo_outcome outcome;
    char *message;
    if (fo_step_ending_stopped (e)) {
        outcome = e->stop_outcome;
        message = fo_xstrdup (e->stop_message);
    }
    else
        fo_ctest_judge (&self->step->verdict, st, self->step->timeout_ms, e->out, e->err,
                        &outcome, &message);
    fo_read_emit_all (read, e, outcome, message);
    free (message);
}

static void
free_state (void *state)
{
    free (state);
}

const fo_reader_ops fo_reader_ctest = {
    .id = FO_READER_CTEST,
    .begin = begin,
    .end = end,
    .free = free_state,
};
