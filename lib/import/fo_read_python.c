/*  fo_read_python — the "python" reader: one Python test, judged from the
    line fanout's Python helper prints last on stdout (python/fanout_nose/
    execute.py; docs/python.md):

        \x1e fanout-python-result {"outcome": ..., "message": ...,
                                   "traceback": ..., "duration_us": ...}

    The last such line is the verdict: outcome (passed, failed, error,
    skipped, not_run), "interrupt": true when the test raised
    KeyboardInterrupt (the run then stops as on SIGINT), message (made one line, at most
    FO_PYTHON_MAX_MESSAGE bytes); the traceback is appended to the test's
    stderr, as nose printed it under the failure. The test's output is
    stdout without that line. The same line comes from a test in a process
    of its own and from a persistent worker (the runner gives the worker's
    answer as the step's output, agent/fo_runner_python.c).

    Without the line, the step's end decides: past its limit `timeout`,
    killed by a signal `crashed` (the worker died), stopped by fanout the
    stop's outcome, else `error` "no result from the Python helper (exit
    status N)". A failed setup of a Python context makes its tests not_run
    (setup_failure_not_run): one error for the context, as nose's. The line is the test's own output, so it is read with
    limits (the output cap, jansson, a bad line is no line) and fuzzed
    (tests/fuzz/fuzz_tap.c's reader table). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fo_reader.h"

#define RESULT_MARK "\x1e" "fanout-python-result "
#define FO_PYTHON_MAX_MESSAGE 2000u

typedef struct {
    const fo_step *step;
} python_state;

static void *
begin (const fo_read_step *step)
{
    python_state *self = fo_xcalloc (1, sizeof *self);
    self->step = step->step;
    return self;
}

/* The start of the last line of out that starts with the mark, or NULL. */
static const char *
last_record (const char *out, size_t len)
{
    const size_t mlen = sizeof RESULT_MARK - 1;
    const char *found = NULL;
    for (const char *p = out; p && (size_t) (p - out) + mlen <= len;) {
        const char *hit = memmem (p, len - (size_t) (p - out), RESULT_MARK, mlen);
        if (!hit)
            break;
        if (hit == out || hit[-1] == '\n')
            found = hit;
        p = hit + 1;
    }
    return found;
}

static void
end (void *state, fo_read *read, const fo_step_ending *e)
{
    const python_state *self = state;
    const fo_proc_status *st = e->status;
    const char *rec = last_record (e->out, e->out_len);
    json_t *obj = NULL;
    fo_outcome outcome = FO_ERROR;
    if (rec) {
        const char *json = rec + sizeof RESULT_MARK - 1;
        const char *nl = memchr (json, '\n', e->out_len - (size_t) (json - e->out));
        size_t jlen = nl ? (size_t) (nl - json) : e->out_len - (size_t) (json - e->out);
        obj = json_loadb (json, jlen, JSON_REJECT_DUPLICATES, NULL);
        const json_t *o = json_object_get (obj, "outcome");
        if (!json_is_string (o) || fo_outcome_parse (json_string_value (o), &outcome) != 0) {
            json_decref (obj);
            obj = NULL;
        }
    }
    if (!obj) {
        /* No verdict from the test: how its process (or worker) ended. */
        bool ok = st->exited && !st->timed_out && st->exit_code == 0;
        char *message;
        if (e->stop_message && !st->timed_out) {
            outcome = e->stop_outcome;
            message = fo_xstrdup (e->stop_message);
        }
        else if (st->timed_out || st->signal) {
            outcome = st->timed_out ? FO_TIMEOUT : FO_CRASHED;
            message = fo_proc_status_text (st, self->step->timeout_ms);
        }
        else {
            char *how = ok ? fo_xstrdup ("exit status 0") : fo_proc_status_text (st, 0);
            outcome = FO_ERROR;
            message = fo_xasprintf ("no result from the Python helper (%s)", how);
            free (how);
        }
        fo_read_emit_all (read, e, outcome, message);
        free (message);
        return;
    }
    const json_t *m = json_object_get (obj, "message");
    const json_t *tb = json_object_get (obj, "traceback");
    fo_buf message = { 0 }, err = { 0 };
    fo_buf_puts (&message, "");
    if (json_is_string (m))
        fo_read_message (&message, json_string_value (m), json_string_length (m),
                         FO_PYTHON_MAX_MESSAGE);
    fo_buf_append (&err, e->err, e->err_len);
    if (json_is_string (tb) && json_string_length (tb) > 0)
        fo_buf_append (&err, json_string_value (tb), json_string_length (tb));
    /* The test's stdout: what came before the line, less the newline the
       helper put before it. */
    size_t out_len = (size_t) (rec - e->out);
    if (out_len > 0 && e->out[out_len - 1] == '\n')
        out_len--;
    fo_read_result r = {
        .test = self->step->tests.len ? self->step->tests.items[0] : "",
        .outcome = outcome,
        .message = message.data,
        .duration_us = st->duration_us,
        .out = e->out,
        .out_len = out_len,
        .err = err.data ? err.data : "",
        .err_len = err.len,
        .interrupt = json_is_true (json_object_get (obj, "interrupt")),
    };
    fo_read_emit (read, &r);
    fo_buf_free (&message);
    fo_buf_free (&err);
    json_decref (obj);
}

static void
free_state (void *state)
{
    free (state);
}

const fo_reader_ops fo_reader_python = {
    .id = FO_READER_PYTHON,
    .begin = begin,
    .end = end,
    .free = free_state,
    .setup_failure_not_run = true,
};
