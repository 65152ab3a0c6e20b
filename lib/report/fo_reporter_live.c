/*  fo_reporter_live — the live view on a terminal (docs/cli.md, "On a
    terminal"): a status area at the bottom of the window, redrawn in
    place, and above it the lines that scroll away (a failure at once,
    with its id, host and first lines of output; with -v every test).

        FAIL  math/test_div [on h2] (0.31s)
              exit status 1
              | Traceback (most recent call last):
        ─── 120/500 done · 115 passed · 3 failed · 2 skipped · 2m00s · ~3m10s left
            4 running · 2 agents, 4 of 8 slots busy
              1m02s  math/test_slow [h1]
              0.40s  io/test_read [h2]

    What it shows comes from the events alone (running tests from
    TEST_STARTED until their TEST_FINISHED, TRY_HELD or LEASE_ENDED;
    agents and slots from AGENT_JOINED/LOST), as the metrics reporter
    counts them.

    Drawing. Everything runs on the broker's thread (events, and the
    loop's tick at least every 200 ms) but the run's end, which comes from
    the main thread after the broker has returned: no lock. A frame is
    drawn from a tick, at most every FRAME_MS (a burst of a thousand
    results is one frame, not a thousand), and at least every second for
    the clocks. A frame moves the cursor to the first line of the status
    area, erases to the end of the screen, writes the lines that scroll,
    and draws the area anew, in one write. Every line of the area is
    fitted to the window's width minus one (fo_term_fit) so that it never
    wraps; the width is read at each frame, so a resized window is drawn
    right at the next one. When the window got narrower since the last
    frame, the terminal may have rewrapped the old area's lines (most
    do): the frame moves up by the rows they take at the new width.

    The cursor is hidden while the area is drawn and shown again at the
    end, and after an interrupt: the first interrupt leaves a note
    (fo_term_signal_note) that the next frame shows above the area; a
    signal that exits at once restores the terminal from the handler
    (fo_term_emergency_restore).

    -q has no live view (the console reporter prints the summary alone). */
#include "fo_reporter.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_log.h"

#include "fo_estimate.h"
#include "fo_term.h"
#include "fo_text.h"

#define FRAME_MS 100u           /* at most 10 frames a second */
#define CLOCK_MS 1000u          /* a frame at least this often */
#define MAX_RUNNING_ROWS 8u     /* running tests listed; the rest counted */
#define OUTPUT_LINES 3u         /* of a failure's output, at once */

typedef struct {
    uint64_t lease;
    size_t test;
    char *id;
    char *host;
    uint32_t agent;
    uint64_t started_ms;
} running;

typedef struct {
    FILE *out;
    int fd;
    fo_console_opts opts;       /* for the summary */
    bool every_test;            /* -v: a line for every test */
    fo_estimate *estimate;
    const fo_report *report;
    running *run;               /* tests running now, by lease */
    size_t nrun, caprun;
    uint32_t agents;            /* connected now */
    uint64_t slots;
    uint32_t *agent_slots;      /* per agent number while connected */
    size_t nagent_slots;
    fo_buf scroll;              /* lines to scroll above the area at the next frame */
    size_t *area_widths;        /* columns of each line of the area drawn last */
    size_t narea;
    unsigned area_cols;         /* the window's width when it was drawn */
    uint64_t last_frame_ms;
    bool drawing;               /* the area is on the screen */
    bool logs_here;             /* fo_log's lines come to log_sink */
    bool stopping;
} live;

/* ---- log lines -------------------------------------------------------------- */

/* Diagnostics (fo_log) written while the view draws would tear it when
   stderr is the same terminal: they are kept here (from any thread, hence
   the lock) and scroll above the area at the next frame. One live view
   per process: file scope, so a line logged as the view goes finds a
   buffer that stays. At most LOG_MAX bytes wait; past that, lines are
   counted and the count is said. */
#define LOG_MAX 65536u
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static fo_buf log_lines;
static size_t log_dropped;

static void
log_sink (const char *line, size_t len)
{
    pthread_mutex_lock (&log_lock);
    if (log_lines.len + len <= LOG_MAX)
        fo_buf_append (&log_lines, line, len);
    else
        log_dropped++;
    pthread_mutex_unlock (&log_lock);
}

/* Is stderr the terminal the view draws on? */
static bool
stderr_is (int fd)
{
    struct stat a, b;
    return isatty (STDERR_FILENO) && fstat (fd, &a) == 0 && fstat (STDERR_FILENO, &b) == 0
        && a.st_rdev == b.st_rdev;
}

/* Moves the log lines that wait into the scroll buffer. */
static void
take_log_lines (fo_buf *scroll)
{
    pthread_mutex_lock (&log_lock);
    fo_buf_append (scroll, log_lines.data, log_lines.len);
    if (log_dropped)
        fo_buf_printf (scroll, "fanout: %zu more log lines were not shown while the view "
                       "drew\n", log_dropped);
    fo_buf_reset (&log_lines);
    log_dropped = 0;
    pthread_mutex_unlock (&log_lock);
}

/* ---- what runs -------------------------------------------------------------- */

static running *
find_lease (live *self, uint64_t lease)
{
    for (size_t i = 0; i < self->nrun; i++)
        if (self->run[i].lease == lease)
            return &self->run[i];
    return NULL;
}

static void
drop (live *self, running *r)
{
    free (r->id);
    free (r->host);
    *r = self->run[--self->nrun];
}

static void
set_agent (live *self, uint32_t agent, uint32_t slots, bool joined)
{
    if (agent >= self->nagent_slots) {
        if (agent >= 1u << 20)
            return;
        size_t n = (size_t) agent + 1;
        self->agent_slots = fo_xrealloc (self->agent_slots, n * sizeof *self->agent_slots);
        memset (self->agent_slots + self->nagent_slots, 0,
                (n - self->nagent_slots) * sizeof (uint32_t));
        self->nagent_slots = n;
    }
    if (joined && !self->agent_slots[agent])
        self->agents++;
    if (!joined && self->agent_slots[agent] && self->agents)
        self->agents--;
    self->slots -= self->agent_slots[agent];
    self->agent_slots[agent] = joined ? (slots ? slots : 1) : 0;
    self->slots += self->agent_slots[agent];
}

/* ---- lines that scroll -------------------------------------------------------- */

/* A line for the scroll buffer: text made safe (no control character),
   not cut (the terminal wraps a long line that scrolls away). */
static void
scroll_safe (live *self, const char *s, size_t len)
{
    fo_text_append_safe (&self->scroll, s, len);
}

static void
scroll_sgr (live *self, const char *sgr)
{
    fo_buf_puts (&self->scroll, fo_sgr (self->opts.color, sgr));
}

/* The first OUTPUT_LINES lines of a stream, "      | line". */
static void
scroll_output (live *self, const char *data, size_t len)
{
    size_t shown = 0;
    for (size_t i = 0; i < len && shown < OUTPUT_LINES;) {
        const char *nl = memchr (data + i, '\n', len - i);
        size_t n = nl ? (size_t) (nl - (data + i)) : len - i;
        scroll_sgr (self, FO_SGR_DIM);
        fo_buf_puts (&self->scroll, "      | ");
        scroll_safe (self, data + i, n > 200 ? 200 : n);
        scroll_sgr (self, FO_SGR_RESET);
        fo_buf_puts (&self->scroll, "\n");
        shown++;
        i += n + 1;
    }
}

static const char *const words[FO_OUTCOME_COUNT] = {
    [FO_PASSED] = "ok", [FO_FAILED] = "FAIL", [FO_ERROR] = "ERROR",
    [FO_SKIPPED] = "skip", [FO_TIMEOUT] = "TIMEOUT", [FO_CRASHED] = "CRASH",
    [FO_NOT_RUN] = "not run",
};

static void
scroll_result (live *self, const char *id, fo_outcome outcome, const char *word,
               const char *host, uint64_t duration_us, const char *message, const char *out,
               size_t out_len, const char *err, size_t err_len, bool detail)
{
    scroll_sgr (self, fo_outcome_sgr (outcome));
    fo_buf_printf (&self->scroll, "%-7s", word);
    scroll_sgr (self, FO_SGR_RESET);
    fo_buf_puts (&self->scroll, " ");
    scroll_safe (self, id ? id : "", id ? strlen (id) : 0);
    if (host) {
        fo_buf_puts (&self->scroll, " [on ");
        scroll_safe (self, host, strlen (host));
        fo_buf_puts (&self->scroll, "]");
    }
    char d[16];
    fo_text_duration (d, sizeof d, duration_us);
    fo_buf_printf (&self->scroll, " (%s)\n", d);
    if (!detail)
        return;
    if (message && *message) {
        size_t n = strcspn (message, "\n");
        fo_buf_puts (&self->scroll, "      ");
        scroll_safe (self, message, n > 300 ? 300 : n);
        fo_buf_puts (&self->scroll, "\n");
    }
    /* stderr says why more often than stdout does. */
    if (err_len)
        scroll_output (self, err, err_len);
    else
        scroll_output (self, out, out_len);
}

static bool
is_bad (fo_outcome o)
{
    return o == FO_FAILED || o == FO_ERROR || o == FO_TIMEOUT || o == FO_CRASHED;
}

static void
on_finished (live *self, const fo_test_record *rec)
{
    fo_outcome o = rec->done ? rec->outcome : FO_NOT_RUN;
    bool bad = is_bad (o);
    if (bad || rec->flaky || self->every_test)
        scroll_result (self, rec->id, rec->flaky ? FO_SKIPPED : o, rec->flaky ? "FLAKY" : words[o],
                       rec->host, rec->duration_us, rec->message, rec->out, rec->out_len,
                       rec->err, rec->err_len, bad);
}

/* ---- the status area ------------------------------------------------------------ */

/* One line of the area: fitted to cols, its width kept for the next frame. */
static void
area_line (live *self, fo_buf *frame, const char *sgr, const char *text, unsigned cols)
{
    fo_buf_puts (frame, fo_sgr (self->opts.color && sgr, sgr ? sgr : ""));
    size_t w = fo_term_fit (frame, text, strlen (text), cols > 1 ? cols - 1 : 1);
    fo_buf_puts (frame, fo_sgr (self->opts.color && sgr, FO_SGR_RESET));
    fo_buf_puts (frame, "\n");
    self->area_widths = fo_xrealloc (self->area_widths,
                                     (self->narea + 1) * sizeof *self->area_widths);
    self->area_widths[self->narea++] = w;
}

static int
by_age (const void *pa, const void *pb)
{
    const running *a = pa, *b = pb;
    return (a->started_ms > b->started_ms) - (a->started_ms < b->started_ms);
}

static void
draw_area (live *self, fo_buf *frame, uint64_t now_ms, unsigned cols, unsigned rows)
{
    size_t c[FO_OUTCOME_COUNT];
    fo_report_counts (self->report, c);
    size_t failed = c[FO_FAILED] + c[FO_TIMEOUT] + c[FO_CRASHED];
    size_t ndone = fo_report_ndone (self->report);
    size_t ntests = fo_report_ntests (self->report);
    /* While the run goes, the tests without an outcome are pending. */
    size_t errors = c[FO_ERROR] + c[FO_NOT_RUN] - (ntests - ndone);
    uint64_t started_ms = fo_report_started_us (self->report) / 1000u;
    char elapsed[16], left[40] = "";
    fo_text_duration (elapsed, sizeof elapsed,
                      now_ms > started_ms ? (now_ms - started_ms) * 1000u : 0);
    uint64_t left_us = fo_estimate_left_us (self->estimate);
    if (left_us != UINT64_MAX) {
        char d[16];
        fo_text_duration (d, sizeof d, left_us);
        snprintf (left, sizeof left, " · ~%s left", d);
    }
    fo_buf line = { 0 };
    fo_buf_printf (&line, "%zu/%zu done · %zu passed", ndone, ntests, c[FO_PASSED]);
    if (failed)
        fo_buf_printf (&line, " · %zu failed", failed);
    if (errors)
        fo_buf_printf (&line, " · %zu errors", errors);
    if (c[FO_SKIPPED])
        fo_buf_printf (&line, " · %zu skipped", c[FO_SKIPPED]);
    fo_buf_printf (&line, " · %s%s%s", elapsed, left, self->stopping ? " · stopping" : "");
    fo_buf_append (&line, "", 1);
    area_line (self, frame, failed || errors ? FO_SGR_RED : FO_SGR_BOLD, line.data, cols);

    fo_buf_reset (&line);
    size_t busy = self->nrun;
    fo_buf_printf (&line, "%zu running · %" PRIu32 " agent%s, %zu of %" PRIu64 " slots busy",
                   self->nrun, self->agents, self->agents == 1 ? "" : "s",
                   busy < self->slots ? busy : (size_t) self->slots, self->slots);
    fo_buf_append (&line, "", 1);
    area_line (self, frame, NULL, line.data, cols);

    /* The oldest first: those are the ones a person waits for. The area
       never takes more than half the window. */
    if (self->nrun > 1)
        qsort (self->run, self->nrun, sizeof *self->run, by_age);
    size_t room = rows / 2 > 3 ? rows / 2 - 2 : 1;
    if (room > MAX_RUNNING_ROWS)
        room = MAX_RUNNING_ROWS;
    size_t show = self->nrun <= room ? self->nrun : room - 1;
    for (size_t i = 0; i < show; i++) {
        const running *r = &self->run[i];
        char age[16];
        fo_text_duration (age, sizeof age,
                          now_ms > r->started_ms ? (now_ms - r->started_ms) * 1000u : 0);
        fo_buf_reset (&line);
        fo_buf_printf (&line, "  %6s  %s [%s]", age, r->id, r->host ? r->host : "?");
        fo_buf_append (&line, "", 1);
        area_line (self, frame, FO_SGR_DIM, line.data, cols);
    }
    if (show < self->nrun) {
        fo_buf_reset (&line);
        fo_buf_printf (&line, "  ... and %zu more", self->nrun - show);
        fo_buf_append (&line, "", 1);
        area_line (self, frame, FO_SGR_DIM, line.data, cols);
    }
    fo_buf_free (&line);
}

/* Moves to the first line of the area drawn last and erases from there. */
static void
erase_area (live *self, fo_buf *frame, unsigned cols)
{
    if (!self->drawing)
        return;
    size_t up = 0;
    for (size_t i = 0; i < self->narea; i++) {
        size_t w = self->area_widths[i];
        /* A line as wide as the old width minus one fits; at a narrower
           width a rewrapping terminal shows it on more rows. */
        up += cols < self->area_cols && w > cols ? (w + cols - 1) / cols : 1;
    }
    fo_buf_puts (frame, "\r");
    if (up)
        fo_buf_printf (frame, "\x1b[%zuA", up);
    fo_buf_puts (frame, "\x1b[J");
    self->narea = 0;
}

static void
write_frame (live *self, fo_buf *frame)
{
    if (frame->len) {
        fwrite (frame->data, 1, frame->len, self->out);
        fflush (self->out);
    }
}

/* What the signal handler left to say (fo_term_signal_note), to scroll. */
static void
take_note (live *self)
{
    const char *note = fo_term_take_note ();
    if (!note)
        return;
    while (*note == '\n')
        note++;
    size_t n = strlen (note);
    while (n && note[n - 1] == '\n')
        n--;
    fo_text_append_safe (&self->scroll, note, n);
    fo_buf_puts (&self->scroll, "\n");
    self->stopping = true;
}

static void
frame (live *self, uint64_t now_ms)
{
    unsigned cols, rows;
    fo_term_size (self->fd, &cols, &rows);
    take_log_lines (&self->scroll);
    fo_buf f = { 0 };
    erase_area (self, &f, cols);
    if (!self->drawing)
        fo_buf_puts (&f, "\x1b[?25l");     /* the cursor would blink over the area */
    take_note (self);
    fo_buf_append (&f, self->scroll.data, self->scroll.len);
    fo_buf_reset (&self->scroll);
    draw_area (self, &f, now_ms, cols, rows);
    self->area_cols = cols;
    self->drawing = true;
    self->last_frame_ms = now_ms;
    write_frame (self, &f);
    fo_buf_free (&f);
}

/* The area goes for good: what is left to scroll is written, the cursor
   shown. */
static void
close_area (live *self)
{
    if (self->logs_here) {
        fo_log_set_sink (NULL);
        self->logs_here = false;
    }
    take_log_lines (&self->scroll);
    take_note (self);
    if (!self->drawing && !self->scroll.len)
        return;
    unsigned cols, rows;
    fo_term_size (self->fd, &cols, &rows);
    fo_buf f = { 0 };
    erase_area (self, &f, cols);
    fo_buf_append (&f, self->scroll.data, self->scroll.len);
    fo_buf_reset (&self->scroll);
    if (self->drawing)
        fo_buf_puts (&f, "\x1b[?25h");
    self->drawing = false;
    write_frame (self, &f);
    fo_buf_free (&f);
}

/* ---- the reporter ------------------------------------------------------------ */

static void
live_event (void *state, const fo_event *ev)
{
    live *self = state;
    fo_estimate_event (self->estimate, ev);
    switch (ev->type) {
    case FO_EVENT_RUN_STARTED:
        self->report = ev->report;
        fo_term_set_live_fd (self->fd);
        if (stderr_is (self->fd)) {
            fo_log_set_sink (log_sink);
            self->logs_here = true;
        }
        break;
    case FO_EVENT_AGENT_JOINED:
        set_agent (self, ev->u.agent.agent, ev->u.agent.slots, true);
        break;
    case FO_EVENT_AGENT_LOST:
        set_agent (self, ev->u.agent.agent, 0, false);
        break;
    case FO_EVENT_TEST_STARTED: {
        const fo_event_test_started *t = &ev->u.test_started;
        running *r = find_lease (self, t->lease);
        if (!r) {
            if (self->nrun == self->caprun) {
                self->caprun = self->caprun ? self->caprun * 2 : 16;
                self->run = fo_xrealloc (self->run, self->caprun * sizeof *self->run);
            }
            r = &self->run[self->nrun++];
            *r = (running) { .lease = t->lease };
        }
        free (r->id);
        free (r->host);
        r->test = t->test;
        r->id = fo_xstrdup (t->id ? t->id : "");
        r->host = t->host ? fo_xstrdup (t->host) : NULL;
        r->agent = t->agent;
        r->started_ms = fo_now_ms ();
        break;
    }
    case FO_EVENT_TEST_FINISHED: {
        const fo_event_test_finished *t = &ev->u.test_finished;
        for (size_t i = 0; i < self->nrun; i++)
            if (self->run[i].test == t->test) {
                drop (self, &self->run[i]);
                break;
            }
        on_finished (self, t->record);
        break;
    }
    case FO_EVENT_TRY_HELD: {
        const fo_event_try_held *t = &ev->u.try_held;
        for (size_t i = 0; i < self->nrun; i++)
            if (self->run[i].test == t->test) {
                drop (self, &self->run[i]);
                break;
            }
        const fo_attempt *a = t->attempt;
        char word[32];
        snprintf (word, sizeof word, "RETRY");
        scroll_result (self, t->record->id, a->outcome, word, a->host, a->duration_us,
                       a->message, a->out, a->out_len, a->err, a->err_len, true);
        break;
    }
    case FO_EVENT_LEASE_ENDED: {
        running *r = find_lease (self, ev->u.lease_ended.lease);
        if (r)
            drop (self, r);
        break;
    }
    case FO_EVENT_SLOW: {
        const fo_event_slow *s = &ev->u.slow;
        fo_buf_printf (&self->scroll, "%sSLOW%s: %s%s", fo_sgr (self->opts.color, FO_SGR_YELLOW),
                       fo_sgr (self->opts.color, FO_SGR_RESET), s->what ? s->what : "",
                       s->what ? " " : "");
        scroll_safe (self, s->name ? s->name : "", s->name ? strlen (s->name) : 0);
        fo_buf_printf (&self->scroll, " has run %.1fs", (double) s->elapsed_ms / 1e3);
        if (s->timeout_ms)
            fo_buf_printf (&self->scroll, " (timeout %.1fs)", (double) s->timeout_ms / 1e3);
        if (s->host) {
            fo_buf_puts (&self->scroll, " [on ");
            scroll_safe (self, s->host, strlen (s->host));
            fo_buf_puts (&self->scroll, "]");
        }
        fo_buf_puts (&self->scroll, "\n");
        break;
    }
    case FO_EVENT_FIXTURE_FAILED: {
        const fo_event_fixture *f = &ev->u.fixture;
        scroll_sgr (self, FO_SGR_RED);
        fo_buf_puts (&self->scroll, "ERROR  ");
        scroll_sgr (self, FO_SGR_RESET);
        fo_buf_puts (&self->scroll, " ");
        fo_buf_printf (&self->scroll, "%s of ", f->phase ? f->phase : "fixture");
        const char *ctx = f->context && *f->context ? f->context : "<root>";
        scroll_safe (self, ctx, strlen (ctx));
        if (f->host) {
            fo_buf_puts (&self->scroll, " [on ");
            scroll_safe (self, f->host, strlen (f->host));
            fo_buf_puts (&self->scroll, "]");
        }
        fo_buf_puts (&self->scroll, "\n");
        if (f->message && *f->message) {
            fo_buf_puts (&self->scroll, "      ");
            size_t n = strcspn (f->message, "\n");
            scroll_safe (self, f->message, n > 300 ? 300 : n);
            fo_buf_puts (&self->scroll, "\n");
        }
        break;
    }
    case FO_EVENT_TESTS_DISCOVERED:
        if (self->every_test) {
            const fo_event_discovered *d = &ev->u.discovered;
            const char *ctx = d->context ? d->context : "";
            scroll_safe (self, ctx, strlen (ctx));
            fo_buf_printf (&self->scroll, ": discovered %zu tests on ", d->count);
            scroll_safe (self, d->host ? d->host : "", d->host ? strlen (d->host) : 0);
            fo_buf_printf (&self->scroll, " (%zu tests in all)\n", d->total);
        }
        break;
    case FO_EVENT_RUN_STOPPING:
        self->stopping = true;
        break;
    case FO_EVENT_RUN_ENDED:
        close_area (self);      /* with a note the handler left */
        fo_term_set_live_fd (-1);
        if (ev->u.run_ended.complete && self->report)
            fo_report_print_summary_opts (self->out, ev->report, &self->opts);
        fflush (self->out);
        break;
    default:
        break;
    }
}

static void
live_tick (void *state, uint64_t now_ms)
{
    live *self = state;
    if (!self->report)
        return;
    uint64_t since = now_ms - self->last_frame_ms;
    if (since >= CLOCK_MS || (since >= FRAME_MS && self->scroll.len)
        || (since >= FRAME_MS && !self->drawing))
        frame (self, now_ms);
}

static int
live_finish (void *state, char *err, size_t errlen)
{
    live *self = state;
    if (!ferror (self->out) && fflush (self->out) == 0)
        return 0;
    fo_err (err, errlen, "cannot write the console output: it was lost");
    return -1;
}

static void
live_destroy (void *state)
{
    live *self = state;
    /* A run that never ended (an error before RUN_ENDED) must not leave
       the terminal with a hidden cursor. */
    close_area (self);
    fo_term_set_live_fd (-1);
    for (size_t i = 0; i < self->nrun; i++) {
        free (self->run[i].id);
        free (self->run[i].host);
    }
    free (self->run);
    free (self->agent_slots);
    free (self->area_widths);
    fo_buf_free (&self->scroll);
    fo_estimate_destroy (&self->estimate);
    free (self);
}

static const fo_reporter_ops live_ops = {
    .name = "console",
    .on_event = live_event,
    .tick = live_tick,
    .finish = live_finish,
    .destroy = live_destroy,
};

fo_reporter *
fo_reporter_live_new (const fo_reporter_config *config)
{
    live *self = fo_xcalloc (1, sizeof *self);
    self->out = config->console;
    self->fd = fileno (config->console);
    self->estimate = fo_estimate_new (config->expected, config->expected_arg);
    self->every_test = config->verbosity == FO_VERBOSITY_LINES;
    self->opts = (fo_console_opts) {
        /* The summary after a live view: no dots to end with a newline. */
        .verbosity = FO_VERBOSITY_LINES,
        .color = fo_term_color ((fo_color_mode) config->color, self->fd),
        .durations = config->durations,
    };
    return fo_reporter_new (&live_ops, self);
}
