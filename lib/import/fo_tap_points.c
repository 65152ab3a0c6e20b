/*  fo_tap_points — see fo_tap_points.h. */
#include "fo_tap_points.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of one point's message kept. */
#define TAP_POINT_MESSAGE_MAX 512u
/* Bytes of a point's own lines kept as its stdout. */
#define TAP_POINT_OUT_MAX 8192u

/* A point read but not reported yet (its comments may follow; cmocka: its
   group's name does). */
typedef struct {
    char *name;
    fo_outcome outcome;
    fo_buf message;
    fo_buf out;                 /* its lines, as printed */
    uint64_t duration_us;
} point_rec;

struct fo_tap_points {
    const fo_step *step;
    bool cmocka;
    bool has_plan, skip_all;
    uint64_t planned;           /* the plan's (cmocka: the group's) count */
    uint64_t seen;              /* points at depth 0 (cmocka: of the group) */
    size_t groups;              /* cmocka: plans seen, from 1 */
    bool comments_follow;       /* the last point failed without a YAML
                                   message: comments after it are its message */
    point_rec *pending;         /* tap: the last point; cmocka: the group's */
    size_t npending, pending_cap;
    size_t unstored;            /* points past the limit, never held */
    uint64_t last_us;           /* when the last point (or the start) was read */
    fo_outcome missing_outcome; /* of the points never printed */
};

fo_tap_points *
fo_tap_points_new (const fo_step *step, bool cmocka)
{
    fo_tap_points *self = fo_xcalloc (1, sizeof *self);
    self->step = step;
    self->cmocka = cmocka;
    self->last_us = fo_now_us ();
    self->missing_outcome = FO_ERROR;
    return self;
}

static void
point_free (point_rec *p)
{
    free (p->name);
    fo_buf_free (&p->message);
    fo_buf_free (&p->out);
}

void
fo_tap_points_destroy (fo_tap_points **self_p)
{
    fo_tap_points *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->npending; i++)
        point_free (&self->pending[i]);
    free (self->pending);
    free (self);
    *self_p = NULL;
}

/* Reports the held points, in group `group` ("" for none). */
static void
flush (fo_tap_points *self, fo_read *read, const char *group)
{
    for (size_t i = 0; i < self->npending; i++) {
        point_rec *p = &self->pending[i];
        fo_buf_puts (&p->message, p->outcome == FO_FAILED && !p->message.len ? "not ok" : "");
        fo_read_result r = {
            .test = self->step->tests.items[0],
            .joined = p->name,
            .group = group,
            .outcome = p->outcome,
            .message = p->message.data,
            .duration_us = p->duration_us,
            .out = p->out.data ? p->out.data : "",
            .out_len = p->out.len,
            .err = "",
        };
        fo_read_emit (read, &r);
        point_free (p);
    }
    self->npending = 0;
    if (self->unstored)
        fo_read_joined_skip (read, self->unstored);
    self->unstored = 0;
}

/* Appends a line as printed to a point's output, within TAP_POINT_OUT_MAX. */
static void
point_out (point_rec *p, const char *raw, size_t len)
{
    if (p->out.len >= TAP_POINT_OUT_MAX)
        return;
    size_t room = TAP_POINT_OUT_MAX - p->out.len;
    fo_buf_append (&p->out, raw, len < room ? len : room);
    if (len < room)
        fo_buf_puts (&p->out, "\n");
}

/* A new held point (name is taken); NULL past the limit (counted). A TAP
   point is held only until the next one. */
static point_rec *
hold (fo_tap_points *self, fo_read *read, char *name, fo_outcome outcome, const char *message,
      bool fed)
{
    if (!self->cmocka)
        flush (self, read, "");
    if (self->npending >= FO_READ_MAX_JOINED) {
        self->unstored++;
        free (name);
        return NULL;
    }
    if (self->npending == self->pending_cap) {
        self->pending_cap = self->pending_cap ? self->pending_cap * 2 : 8;
        self->pending = fo_xrealloc (self->pending, self->pending_cap * sizeof *self->pending);
    }
    point_rec *p = &self->pending[self->npending++];
    *p = (point_rec) { .name = name, .outcome = outcome };
    if (*message)
        fo_read_message (&p->message, message, strlen (message), TAP_POINT_MESSAGE_MAX);
    uint64_t now = fo_now_us ();
    p->duration_us = fed && now > self->last_us ? now - self->last_us : 0;
    self->last_us = now;
    return p;
}

static void
on_point (fo_tap_points *self, fo_read *read, const fo_tap_event *ev, bool fed)
{
    self->seen++;
    const char *desc = ev->description;
    /* cmocka prints a skipped test as "not ok 1 # SKIP name". */
    if (!*desc && self->cmocka && ev->directive == FO_TAP_SKIP)
        desc = ev->reason;
    char *name = *desc ? fo_xstrdup (desc)
               : fo_xasprintf ("test %" PRIu64, ev->has_number ? ev->number : self->seen);
    fo_outcome outcome;
    fo_buf msg = { 0 };
    fo_buf_puts (&msg, "");
    const char *why = NULL;
    if (ev->directive == FO_TAP_SKIP) {
        outcome = FO_SKIPPED;
        fo_buf_puts (&msg, *ev->reason && desc != ev->reason ? ev->reason : "skipped");
    }
    else if (ev->directive == FO_TAP_TODO) {
        outcome = ev->ok ? FO_PASSED : FO_SKIPPED;
        fo_buf_puts (&msg, ev->ok ? "TODO passed unexpectedly" : "TODO: an expected failure");
        if (*ev->reason) {
            fo_buf_puts (&msg, ": ");
            fo_buf_puts (&msg, ev->reason);
        }
    }
    else if (ev->ok)
        outcome = FO_PASSED;
    else {
        outcome = FO_FAILED;
        why = ev->yaml_message ? ev->yaml_message : ev->yaml_error;
        fo_buf_puts (&msg, why ? why : "");
    }
    self->comments_follow = outcome == FO_FAILED && !why;
    point_rec *p = hold (self, read, name, outcome, msg.data, fed);
    if (p)
        point_out (p, ev->raw, ev->raw_len);   /* with its YAML block */
    fo_buf_free (&msg);
}

/* A comment right after a failed point: its message (the first
   TAP_POINT_MESSAGE_MAX bytes) and output. */
static void
on_comment (fo_tap_points *self, const fo_tap_event *ev)
{
    if (!self->comments_follow || !self->npending || !*ev->text)
        return;
    point_rec *p = &self->pending[self->npending - 1];
    point_out (p, ev->raw, ev->raw_len);
    if (p->message.len >= TAP_POINT_MESSAGE_MAX)
        return;
    if (p->message.len)
        fo_buf_puts (&p->message, " ");
    fo_read_message (&p->message, ev->text, strlen (ev->text),
                     TAP_POINT_MESSAGE_MAX - p->message.len);
}

/* Points planned but never printed: errors "test N", from the one after
   `seen` to `planned`, saying why (the plan's count when why is NULL). */
static void
missing (fo_tap_points *self, fo_read *read, const char *group, const char *why)
{
    if (!self->has_plan || self->skip_all || self->seen >= self->planned)
        return;
    char *count = why ? NULL : fo_xasprintf ("planned %" PRIu64 " tests but %" PRIu64 " ran",
                                             self->planned, self->seen);
    for (uint64_t k = self->seen + 1; k <= self->planned; k++) {
        if (fo_read_joined_count (read) >= FO_READ_MAX_JOINED) {
            fo_read_joined_skip (read, self->planned - k + 1);
            break;
        }
        char name[48];
        snprintf (name, sizeof name, "test %" PRIu64, k);
        fo_read_result r = {
            .test = self->step->tests.items[0],
            .joined = name,
            .group = group,
            .outcome = self->missing_outcome,
            .message = why ? why : count,
            .out = "", .err = "",
        };
        fo_read_emit (read, &r);
    }
    self->seen = self->planned;     /* reported once */
    free (count);
}

/* The points so far end (the stream, or a cmocka group): reported, then
   the missing ones. cmocka: in their group, `name` or "group N". */
static void
close_points (fo_tap_points *self, fo_read *read, const char *name, const char *why)
{
    if (!self->cmocka) {
        flush (self, read, "");
        missing (self, read, "", why);
        return;
    }
    if (!self->groups)
        return;
    char *unnamed = NULL;
    if (!name || !*name)
        name = unnamed = fo_xasprintf ("group %zu", self->groups);
    flush (self, read, name);
    missing (self, read, name, why);
    free (unnamed);
}

/* cmocka's group summary ("# ok - NAME", "# not ok - NAME"): the name. */
static const char *
group_summary (const fo_tap_event *ev)
{
    if (!strncmp (ev->text, "ok - ", 5))
        return ev->text + 5;
    if (!strncmp (ev->text, "not ok - ", 9))
        return ev->text + 9;
    return NULL;
}

void
fo_tap_points_event (fo_tap_points *self, fo_read *read, const fo_tap_event *ev, bool fed)
{
    if (self->step->tests.len == 0)
        return;
    if (ev->kind == FO_TAP_BAIL) {
        /* The rest of the plan never runs: errors saying why. */
        fo_buf why = { 0 };
        fo_buf_puts (&why, "Bail out!");
        if (*ev->reason) {
            fo_buf_puts (&why, " ");
            fo_read_message (&why, ev->reason, strlen (ev->reason), TAP_POINT_MESSAGE_MAX);
        }
        close_points (self, read, NULL, why.data);
        self->has_plan = false;         /* nothing more is missing */
        fo_buf_free (&why);
        return;
    }
    if (ev->depth > 0)
        return;                         /* a subtest: the closing point is the test */
    switch (ev->kind) {
    case FO_TAP_PLAN:
        self->comments_follow = false;
        if (self->cmocka) {
            close_points (self, read, NULL, NULL);
            self->groups++;
            self->seen = 0;
        }
        else if (self->has_plan)
            return;                     /* a second plan: the verdict says so */
        self->has_plan = true;
        self->planned = ev->count;
        self->skip_all = ev->skip_all;
        break;
    case FO_TAP_POINT:
        on_point (self, read, ev, fed);
        break;
    case FO_TAP_COMMENT: {
        const char *group = self->cmocka ? group_summary (ev) : NULL;
        if (group) {
            close_points (self, read, group, NULL);
            self->has_plan = false;     /* the group is done */
            self->comments_follow = false;
        }
        else
            on_comment (self, ev);
        break;
    }
    case FO_TAP_OUTPUT:
        break;
    default:
        self->comments_follow = false;
        break;
    }
}

void
fo_tap_points_end (fo_tap_points *self, fo_read *read, const fo_step_ending *e)
{
    if (self->step->tests.len == 0)
        return;
    const fo_proc_status *st = e->status;
    char *why = NULL;
    if (fo_step_ending_stopped (e)) {
        why = fo_xstrdup (e->stop_message);
        self->missing_outcome = e->stop_outcome;
    }
    else if (st->timed_out || st->signal) {
        char *status = fo_proc_status_text (st, self->step->timeout_ms);
        why = fo_xasprintf ("no result: the program ended first (%s)", status);
        free (status);
    }
    close_points (self, read, NULL, why);
    free (why);
}
