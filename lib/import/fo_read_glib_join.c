/*  fo_read_glib_join — the reader of several GLib paths run in one
    process (fo_glib_join.h): each path is judged by its own TAP point, as
    the "glib" reader judges one (fo_read_tap.c, docs/sources.md "GLib"),
    and reported as soon as it is read; a failure waits for the end to
    carry the process's output.

    The process may end before every path has a point: a failed g_assert
    prints "Bail out!" and aborts, a crash prints nothing. The path that
    was running is the first of the group (the order GLib runs them) with
    no point yet: it gets the verdict (failed with the Bail out! message,
    crashed, timeout, or failed with the exit status). The paths after it
    get no result here: the agent runs them again in a new process
    (fo_read_step.parts). When the process ended well (exit 0) every path
    without a point is failed, "no result for PATH in its TAP output"; when
    fanout stopped it, the running path gets the stop's outcome and the rest
    are left to the agent, which does not start them.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_reader.h"
#include "fo_tap.h"
#include "fo_test_tmpdir.h"

/* Bytes of a point's message kept (as the glib reader). */
#define JOIN_POINT_MESSAGE_MAX 512u

typedef struct {
    fo_outcome outcome;
    char *message;
    uint64_t duration_us;
} held;

typedef struct {
    fo_read *read;              /* for emitting from feed */
    const fo_step *step;
    size_t n;
    const char **paths;         /* parts' paths, as step->tests */
    held *failed;               /* per test: a failure waiting for the end */
    bool fed;
    fo_tap *tap;
    bool bailed;
    char *bail_reason;
    uint64_t last_us;           /* when the last point was read */
    /* The process's fresh TMPDIR and G_TEST_TMPDIR (fo_test_tmpdir.h),
       shared by its paths. */
    char *tmpdir;
    fo_env env;
} join_state;

static void
emit (fo_read *read, const char *test, fo_outcome outcome, const char *message,
      uint64_t duration_us, const fo_step_ending *e)
{
    bool with_output = e && outcome != FO_PASSED && outcome != FO_SKIPPED;
    fo_read_result r = {
        .test = test,
        .outcome = outcome,
        .message = message,
        .duration_us = duration_us,
        .out = with_output ? e->out : "",
        .out_len = with_output ? e->out_len : 0,
        .err = with_output ? e->err : "",
        .err_len = with_output ? e->err_len : 0,
    };
    fo_read_emit (read, &r);
}

/* The index of the test whose path is description, or n. */
static size_t
find (const join_state *self, const char *description)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp (self->paths[i], description) == 0)
            return i;
    return self->n;
}

static bool
has_result (const join_state *self, size_t i)
{
    return fo_read_reported (self->read, i) || self->failed[i].message;
}

static void
on_point (join_state *self, const fo_tap_event *ev)
{
    size_t i = find (self, ev->description);
    if (i == self->n || has_result (self, i))
        return;         /* a path skipped by request, or a second point */
    uint64_t now = fo_now_us ();
    uint64_t duration = self->fed && now > self->last_us ? now - self->last_us : 0;
    self->last_us = now;
    char *name = *ev->description ? fo_xasprintf ("%" PRIu64 " - %s", ev->number, ev->description)
                                  : fo_xstrdup ("(no name)");
    const char *test = self->step->tests.items[i];
    fo_buf msg = { 0 };
    fo_buf_puts (&msg, "");
    if (ev->directive == FO_TAP_SKIP || (ev->directive == FO_TAP_TODO && !ev->ok)) {
        char *why = fo_xasprintf ("%s: %s%s%s", ev->directive == FO_TAP_SKIP ? "SKIP" : "TODO",
                                  name, *ev->reason ? ": " : "", ev->reason);
        fo_read_message (&msg, why, strlen (why), JOIN_POINT_MESSAGE_MAX * 2);
        free (why);
        emit (self->read, test, FO_SKIPPED, msg.data, duration, NULL);
    }
    else if (ev->ok) {
        if (ev->directive == FO_TAP_TODO) {
            fo_buf_puts (&msg, "TODO passed unexpectedly: ");
            fo_buf_puts (&msg, name);
        }
        emit (self->read, test, FO_PASSED, msg.data, duration, NULL);
    }
    else {
        fo_buf_puts (&msg, "not ok ");
        fo_buf_puts (&msg, name);
        const char *why = ev->yaml_message ? ev->yaml_message : ev->yaml_error;
        if (why) {
            fo_buf_puts (&msg, ": ");
            fo_read_message (&msg, why, strlen (why), JOIN_POINT_MESSAGE_MAX);
        }
        self->failed[i] = (held) { FO_FAILED, fo_buf_steal (&msg), duration };
    }
    fo_buf_free (&msg);
    free (name);
}

static void
on_event (void *arg, const fo_tap_event *ev)
{
    join_state *self = arg;
    if (self->bailed || ev->depth > 0)
        return;
    if (ev->kind == FO_TAP_BAIL) {
        self->bailed = true;
        fo_buf text = { 0 };
        fo_buf_puts (&text, "Bail out!");
        if (*ev->reason) {
            fo_buf_puts (&text, " ");
            fo_read_message (&text, ev->reason, strlen (ev->reason), JOIN_POINT_MESSAGE_MAX);
        }
        self->bail_reason = fo_buf_steal (&text);
    }
    else if (ev->kind == FO_TAP_POINT)
        on_point (self, ev);
    /* Plans (GLib prints one per -p), comments and output judge nothing. */
}

static void *
begin (const fo_read_step *rs)
{
    join_state *self = fo_xcalloc (1, sizeof *self);
    self->step = rs->step;
    self->n = rs->step->tests.len;
    self->paths = fo_xcalloc (self->n + 1, sizeof *self->paths);
    for (size_t i = 0; i < self->n; i++) {
        const fo_strv *argv = i < rs->nparts ? &rs->parts[i]->argv : NULL;
        self->paths[i] = argv && argv->len ? argv->items[argv->len - 1] : "";
    }
    self->failed = fo_xcalloc (self->n + 1, sizeof *self->failed);
    self->tap = fo_tap_new (on_event, self);
    self->last_us = fo_now_us ();
    char why[256];
    self->tmpdir = fo_test_tmpdir_make (&rs->step->env, "glib", why, sizeof why);
    if (self->tmpdir) {
        fo_env_set (&self->env, "TMPDIR", self->tmpdir);
        fo_env_set (&self->env, "G_TEST_TMPDIR", self->tmpdir);
    }
    return self;
}

static const fo_env *
env (void *state)
{
    join_state *self = state;
    return self->env.len ? &self->env : NULL;
}

static void
feed (void *state, fo_read *read, int stream, const char *data, size_t len)
{
    join_state *self = state;
    self->read = read;
    if (stream == 1) {
        self->fed = true;
        fo_tap_feed (self->tap, data, len);
    }
}

static void
end (void *state, fo_read *read, const fo_step_ending *e)
{
    join_state *self = state;
    self->read = read;
    if (!self->fed)
        fo_tap_feed (self->tap, e->out, e->out_len);
    fo_tap_end (self->tap);
    const fo_proc_status *st = e->status;
    for (size_t i = 0; i < self->n; i++)
        if (self->failed[i].message)
            emit (read, self->step->tests.items[i], self->failed[i].outcome,
                  self->failed[i].message, self->failed[i].duration_us, e);

    bool exited_ok = st->exited && !st->timed_out && st->exit_code == 0;
    uint64_t now = fo_now_us ();
    uint64_t duration = self->fed && now > self->last_us ? now - self->last_us : 0;
    char *status = fo_proc_status_text (st, self->step->timeout_ms);
    bool first = true;
    for (size_t i = 0; i < self->n; i++) {
        if (fo_read_reported (read, i))
            continue;
        const char *test = self->step->tests.items[i];
        if (exited_ok && !self->bailed) {
            /* Ended well without a word on it: as the glib reader says. */
            fo_buf msg = { 0 };
            fo_buf_puts (&msg, "no result for ");
            fo_read_message (&msg, self->paths[i], strlen (self->paths[i]), 200);
            fo_buf_puts (&msg, " in its TAP output");
            emit (read, test, FO_FAILED, msg.data, 0, e);
            fo_buf_free (&msg);
            continue;
        }
        if (!first)
            continue;   /* after the one that was running: run again */
        first = false;
        if (fo_step_ending_stopped (e))
            emit (read, test, e->stop_outcome, e->stop_message, duration, e);
        else if (st->timed_out)
            emit (read, test, FO_TIMEOUT, status, duration, e);
        else {
            fo_buf msg = { 0 };
            fo_buf_puts (&msg, self->bail_reason ? self->bail_reason : "");
            if (msg.len)
                fo_buf_puts (&msg, "; ");
            fo_buf_puts (&msg, status);
            emit (read, test, st->signal && !self->bailed ? FO_CRASHED : FO_FAILED, msg.data,
                  duration, e);
            fo_buf_free (&msg);
        }
    }
    free (status);
}

static void
free_state (void *state)
{
    join_state *self = state;
    fo_tap_destroy (&self->tap);
    for (size_t i = 0; i < self->n; i++)
        free (self->failed[i].message);
    free (self->failed);
    free (self->paths);
    free (self->bail_reason);
    fo_test_tmpdir_remove (self->tmpdir);
    free (self->tmpdir);
    fo_env_free (&self->env);
    free (self);
}

const fo_reader_ops fo_reader_glib_join = {
    .id = FO_READER_GLIB,
    .begin = begin,
    .feed = feed,
    .end = end,
    .free = free_state,
    .env = env,
};
