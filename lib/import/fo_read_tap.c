/*  fo_read_tap — the TAP readers: one test, a whole program, judged from
    the TAP stream it prints on stdout (fo_tap.h parses it as it arrives)
    and from how it ended. docs/sources.md, "TAP" and "cmocka".

        every point ok (or skipped, or a failing TODO)   passed
        no point passed or failed, some skipped, or a
          skip-all plan (1..0 # SKIP why)                skipped, the reason
        a `not ok` without TODO                          failed, which ones
                                                         and their message
        Bail out!                                        failed, its reason
        no plan, a second plan, a plan the points do
          not match, numbers out of order                failed, saying so
        a non-zero exit status after all that was fine   failed
        a signal                                         crashed
        its time limit                                   timeout
        stopped by fanout                                the stop's outcome

    A point's message is its YAML block's `message` (TAP 13/14), else the
    comment lines right after it (Test::More's "#   Failed test", cmocka's
    assertion text). `ok # TODO` passes and says it passed unexpectedly.
    Subtests (indented) are judged through the point that closes them; a
    Bail out! at any depth ends the stream.

    The "tap" and "cmocka" readers also report each point (depth 0) as a
    joined test of its own (fo_reader.h): fo_tap_points.h.

    The "cmocka" reader reads cmocka's TAP (CMOCKA_MESSAGE_OUTPUT=TAP):
    each group prints its own plan and numbers its points from 1, so each
    plan starts a group whose points must match it.

    The "glib" reader judges one GLib path, the step's last argument
    (fo_source_glib.c runs `PROGRAM --tap -s CHILD... -p PATH`): only the
    point named PATH counts (the children skipped by request print points
    too), the plan is GLib's to count. A failed g_assert prints
    "Bail out! ERROR:..." and aborts: failed, with that message; an abort
    with no Bail out! is a crash. No point for PATH is an error.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_reader.h"
#include "fo_test_tmpdir.h"
#include "fo_tap.h"
#include "fo_tap_points.h"

/* Bytes of the verdict's message: which points failed and why. */
#define TAP_MESSAGE_MAX 4096u
/* Bytes of one point's message kept. */
#define TAP_POINT_MESSAGE_MAX 512u

typedef enum { MODE_TAP, MODE_CMOCKA, MODE_GLIB } tap_mode;

typedef struct {
    const fo_step *step;
    bool cmocka;
    tap_mode mode;
    const char *path;           /* glib: the one point that counts */
    bool found;                 /* glib: it was read */
    bool fed;                   /* stdout came through feed (else: read at the end) */
    fo_tap *tap;

    bool has_plan;
    uint64_t planned;           /* the current plan's count */
    uint64_t seen;              /* points at depth 0 since it (cmocka) or in all */
    bool skip_all;
    char *skip_reason;
    size_t passed, failed, skipped, todo;
    size_t points;              /* that counted (depth 0; glib: its path's) */

    bool bailed;
    bool ended_stream;          /* after Bail out!: the rest is output */
    fo_buf failures;            /* "not ok 2 - name: why; ..." */
    fo_buf problems;            /* what is wrong with the stream itself */
    fo_buf bonus;               /* TODO points that passed */
    fo_buf reasons;             /* "SKIP: why", "TODO: why" of the points */
    bool comments_follow;       /* the last point failed without a YAML message:
                                   comments right after it are its message */
    size_t comment_bytes;
    /* glib: the process's fresh TMPDIR and G_TEST_TMPDIR, removed with
       the state (fo_test_tmpdir.h); NULL when it could not be made. */
    char *tmpdir;
    fo_env env;

    /* Each point a joined test (not MODE_GLIB): NULL otherwise. */
    fo_tap_points *joined;
    fo_read *read;              /* where they go (set by feed and end) */
} tap_state;

static void
note (fo_buf *buf, const char *text)
{
    if (buf->len >= TAP_MESSAGE_MAX)
        return;
    if (buf->len)
        fo_buf_puts (buf, "; ");
    fo_read_message (buf, text, strlen (text), TAP_MESSAGE_MAX - buf->len + 3);
}

static void
problem (tap_state *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
problem (tap_state *self, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (text, sizeof text, fmt, ap);
    va_end (ap);
    note (&self->problems, text);
}

/* "2 - name" for messages. */
static char *
point_name (const fo_tap_event *ev)
{
    if (ev->has_number)
        return *ev->description ? fo_xasprintf ("%" PRIu64 " - %s", ev->number, ev->description)
                                : fo_xasprintf ("%" PRIu64, ev->number);
    return fo_xstrdup (*ev->description ? ev->description : "(no name)");
}

/* A plan at depth 0 closes what came before it (cmocka: a group). */
static void
close_group (tap_state *self)
{
    if (self->has_plan && !self->skip_all && self->seen != self->planned)
        problem (self, "planned %" PRIu64 " tests but %" PRIu64 " ran", self->planned,
                 self->seen);
}

static void
on_plan (tap_state *self, const fo_tap_event *ev)
{
    if (self->has_plan && !self->cmocka) {
        problem (self, "a second plan at line %zu", ev->lineno);
        return;
    }
    if (self->cmocka) {
        close_group (self);
        self->seen = 0;
    }
    /* else a leading or trailing plan: checked against the points at the end */
    self->has_plan = true;
    self->planned = ev->count;
    if (ev->skip_all) {
        self->skip_all = true;
        /* The program's text: escaped like every message made of it. */
        fo_buf why = { 0 };
        fo_read_message (&why, ev->reason, strlen (ev->reason), TAP_POINT_MESSAGE_MAX);
        fo_buf_puts (&why, "");
        free (self->skip_reason);
        self->skip_reason = fo_buf_steal (&why);
    }
}

static void
on_point (tap_state *self, const fo_tap_event *ev)
{
    if (self->mode == MODE_GLIB) {
        if (self->found || strcmp (ev->description, self->path) != 0)
            return;
        self->found = true;
        self->seen = ev->number;    /* GLib numbers the children skipped before it */
    }
    else
        self->seen++;
    self->comments_follow = false;
    if (ev->has_number && ev->number != self->seen)
        problem (self, "test %" PRIu64 " where %" PRIu64 " was expected (line %zu)", ev->number,
                 self->seen, ev->lineno);
    self->points++;
    char *name = point_name (ev);
    if (ev->directive != FO_TAP_NO_DIRECTIVE && !(ev->directive == FO_TAP_TODO && ev->ok)) {
        char *why = fo_xasprintf ("%s: %s%s%s", ev->directive == FO_TAP_SKIP ? "SKIP" : "TODO",
                                  name, *ev->reason ? ": " : "", ev->reason);
        note (&self->reasons, why);
        free (why);
    }
    if (ev->directive == FO_TAP_SKIP)
        self->skipped++;
    else if (ev->directive == FO_TAP_TODO) {
        self->todo++;
        if (ev->ok) {
            self->passed++;     /* a pass all the same, which says so */
            note (&self->bonus, name);
        }
    }
    else if (ev->ok)
        self->passed++;
    else {
        self->failed++;
        fo_buf text = { 0 };
        fo_buf_puts (&text, "not ok ");
        fo_buf_puts (&text, name);
        const char *why = ev->yaml_message ? ev->yaml_message : ev->yaml_error;
        if (why) {
            fo_buf_puts (&text, ": ");
            fo_read_message (&text, why, strlen (why), TAP_POINT_MESSAGE_MAX);
        }
        note (&self->failures, text.data);
        fo_buf_free (&text);
        self->comments_follow = !why;
        self->comment_bytes = 0;
    }
    free (name);
}

/* A comment right after a failed point: part of its message. */
static void
on_comment (tap_state *self, const fo_tap_event *ev)
{
    if (!self->comments_follow || self->failures.len >= TAP_MESSAGE_MAX || !*ev->text)
        return;
    /* cmocka's group summary ("# not ok - beta") is no diagnostic. */
    if (self->cmocka && (!strncmp (ev->text, "ok - ", 5) || !strncmp (ev->text, "not ok - ", 9)))
        return;
    if (self->comment_bytes >= TAP_POINT_MESSAGE_MAX)
        return;
    fo_buf_puts (&self->failures, self->comment_bytes ? " " : ": ");
    size_t room = TAP_POINT_MESSAGE_MAX - self->comment_bytes;
    size_t before = self->failures.len;
    fo_read_message (&self->failures, ev->text, strlen (ev->text), room);
    self->comment_bytes += self->failures.len - before + 1;
}

static void
on_event (void *arg, const fo_tap_event *ev)
{
    tap_state *self = arg;
    if (self->ended_stream)
        return;
    if (self->joined)
        fo_tap_points_event (self->joined, self->read, ev, self->fed);
    if (ev->kind == FO_TAP_BAIL) {
        self->bailed = true;
        self->ended_stream = true;
        fo_buf text = { 0 };
        fo_buf_puts (&text, "Bail out!");
        if (*ev->reason) {
            fo_buf_puts (&text, " ");
            fo_buf_puts (&text, ev->reason);
        }
        note (&self->problems, text.data);
        fo_buf_free (&text);
        return;
    }
    if (ev->kind == FO_TAP_ERROR) {
        note (&self->problems, ev->text);
        return;
    }
    if (ev->depth > 0)
        return;                 /* a subtest: its parent point judges it */
    switch (ev->kind) {
    case FO_TAP_PLAN:
        self->comments_follow = false;
        if (self->mode == MODE_GLIB)
            self->has_plan = true;
        else
            on_plan (self, ev);
        break;
    case FO_TAP_POINT:
        on_point (self, ev);
        break;
    case FO_TAP_COMMENT:
        on_comment (self, ev);
        break;
    case FO_TAP_OUTPUT:
        break;
    default:
        self->comments_follow = false;
        break;
    }
}

static void *
begin_with (const fo_read_step *step, tap_mode mode)
{
    tap_state *self = fo_xcalloc (1, sizeof *self);
    self->step = step->step;
    self->mode = mode;
    self->cmocka = mode == MODE_CMOCKA;
    const fo_strv *argv = &step->step->argv;
    self->path = argv->len ? argv->items[argv->len - 1] : "";
    self->tap = fo_tap_new (on_event, self);
    if (mode != MODE_GLIB && step->step->tests.len > 0)
        self->joined = fo_tap_points_new (step->step, self->cmocka);
    return self;
}

static void *
begin_tap (const fo_read_step *step)
{
    return begin_with (step, MODE_TAP);
}

static void *
begin_cmocka (const fo_read_step *step)
{
    return begin_with (step, MODE_CMOCKA);
}

static void *
begin_glib (const fo_read_step *step)
{
    tap_state *self = begin_with (step, MODE_GLIB);
    char why[256];
    self->tmpdir = fo_test_tmpdir_make (&step->step->env, "glib", why, sizeof why);
    if (self->tmpdir) {
        fo_env_set (&self->env, "TMPDIR", self->tmpdir);
        fo_env_set (&self->env, "G_TEST_TMPDIR", self->tmpdir);
    }
    return self;
}

static const fo_env *
env_glib (void *state)
{
    tap_state *self = state;
    return self->env.len ? &self->env : NULL;
}

static void
feed (void *state, fo_read *read, int stream, const char *data, size_t len)
{
    tap_state *self = state;
    self->read = read;
    if (stream == 1) {
        self->fed = true;
        fo_tap_feed (self->tap, data, len);
    }
}

static void
append (fo_buf *msg, const char *text)
{
    if (!text || !*text)
        return;
    if (msg->len)
        fo_buf_puts (msg, "; ");
    fo_buf_puts (msg, text);
}

static void
end (void *state, fo_read *read, const fo_step_ending *e)
{
    tap_state *self = state;
    self->read = read;
    if (!self->fed)
        fo_tap_feed (self->tap, e->out, e->out_len);
    fo_tap_end (self->tap);
    const fo_proc_status *st = e->status;
    if (self->joined && !self->bailed)
        fo_tap_points_end (self->joined, read, e);
    if (self->mode == MODE_GLIB) {
        if (!self->found && !self->bailed) {
            fo_buf shown = { 0 };
            fo_read_message (&shown, self->path, strlen (self->path), 200);
            problem (self, "no result for %s in its TAP output", shown.data);
            fo_buf_free (&shown);
        }
    }
    else if (!self->bailed) {
        if (!self->has_plan)
            problem (self, "no plan (1..N)");
        else if (!self->cmocka || self->seen > 0 || !self->skip_all)
            close_group (self);
    }

    bool exited_ok = st->exited && !st->timed_out && st->exit_code == 0;
    bool judged = self->failed || self->problems.len;
    fo_outcome outcome;
    fo_buf msg = { 0 };
    char *status = NULL;
    if (fo_step_ending_stopped (e)) {
        outcome = e->stop_outcome;
        append (&msg, e->stop_message);
    }
    else if (st->timed_out || (st->signal && !(self->mode == MODE_GLIB && self->bailed))) {
        outcome = st->timed_out ? FO_TIMEOUT : FO_CRASHED;
        status = fo_proc_status_text (st, self->step->timeout_ms);
        append (&msg, status);
    }
    else if (judged || !exited_ok) {
        outcome = FO_FAILED;
        if (!exited_ok)
            status = fo_proc_status_text (st, self->step->timeout_ms);
    }
    else if (self->passed == 0 && (self->skipped > 0 || self->todo > 0 || self->skip_all)) {
        /* Nothing passed: what was skipped, and failing TODOs (expected
           failures: not failures, never passes). */
        outcome = FO_SKIPPED;
        if (self->skip_reason && *self->skip_reason)
            append (&msg, self->skip_reason);
        else if (self->skip_all)
            append (&msg, "skipped (1..0)");
        if (self->reasons.len)
            append (&msg, self->reasons.data);
    }
    else
        outcome = FO_PASSED;

    if (self->failed) {
        char head[64];
        snprintf (head, sizeof head, "%zu of %zu failed: ", self->failed, self->points);
        fo_buf both = { 0 };
        fo_buf_puts (&both, head);
        fo_buf_puts (&both, self->failures.data);
        append (&msg, both.data);
        fo_buf_free (&both);
    }
    append (&msg, self->problems.data);
    if (status && outcome == FO_FAILED)
        append (&msg, status);
    if (self->bonus.len) {
        fo_buf both = { 0 };
        fo_buf_puts (&both, "TODO passed unexpectedly: ");
        fo_buf_puts (&both, self->bonus.data);
        append (&msg, both.data);
        fo_buf_free (&both);
    }
    fo_buf_puts (&msg, "");
    for (size_t i = 0; i < self->step->tests.len; i++) {
        fo_read_result r = {
            .test = self->step->tests.items[i],
            .outcome = outcome,
            .message = msg.data,
            .duration_us = st->duration_us,
            .out = e->out,
            .out_len = e->out_len,
            .err = e->err,
            .err_len = e->err_len,
        };
        fo_read_emit (read, &r);
    }
    fo_buf_free (&msg);
    free (status);
}

static void
free_state (void *state)
{
    tap_state *self = state;
    fo_tap_destroy (&self->tap);
    fo_tap_points_destroy (&self->joined);
    fo_buf_free (&self->failures);
    fo_buf_free (&self->problems);
    fo_buf_free (&self->bonus);
    fo_buf_free (&self->reasons);
    free (self->skip_reason);
    fo_test_tmpdir_remove (self->tmpdir);
    free (self->tmpdir);
    fo_env_free (&self->env);
    free (self);
}

const fo_reader_ops fo_reader_tap = {
    .id = FO_READER_TAP,
    .begin = begin_tap,
    .feed = feed,
    .end = end,
    .free = free_state,
};

const fo_reader_ops fo_reader_cmocka = {
    .id = FO_READER_CMOCKA,
    .begin = begin_cmocka,
    .feed = feed,
    .end = end,
    .free = free_state,
};

const fo_reader_ops fo_reader_glib = {
    .id = FO_READER_GLIB,
    .begin = begin_glib,
    .feed = feed,
    .end = end,
    .free = free_state,
    .env = env_glib,
};
