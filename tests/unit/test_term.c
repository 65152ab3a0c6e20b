/*  fo_term and what the console builds on it: when to colour (--color,
    NO_COLOR, CLICOLOR_FORCE, a terminal or not), the window's size, text
    fitted to a width (wide characters, control characters, invalid UTF-8,
    the ellipsis), and the console reporter's PROGRESS line: at a steady
    interval, with the history's estimate of the time left when the hook
    knows tests, and none when it does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fo_event.h"
#include "fo_report.h"
#include "fo_reporter.h"
#include "fo_term.h"

/* A pseudo-terminal's two ends (the slave is what fanout would write to). */
typedef struct {
    int master, slave;
} pty_pair;

static void
pty_open (pty_pair *p, unsigned cols, unsigned rows)
{
    p->master = posix_openpt (O_RDWR | O_NOCTTY);
    assert_true (p->master >= 0);
    assert_int_equal (grantpt (p->master), 0);
    assert_int_equal (unlockpt (p->master), 0);
    p->slave = open (ptsname (p->master), O_RDWR | O_NOCTTY);
    assert_true (p->slave >= 0);
    struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
    assert_int_equal (ioctl (p->master, TIOCSWINSZ, &ws), 0);
}

static void
pty_close (pty_pair *p)
{
    close (p->slave);
    close (p->master);
}

static void
clear_env (void)
{
    unsetenv ("NO_COLOR");
    unsetenv ("CLICOLOR_FORCE");
    setenv ("TERM", "xterm", 1);
}

static void
test_color_rules (void **state)
{
    (void) state;
    pty_pair p;
    pty_open (&p, 80, 24);
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    int tty = p.slave, pipe_fd = fds[1];

    clear_env ();
    assert_true (fo_term_color (FO_COLOR_AUTO, tty));
    assert_false (fo_term_color (FO_COLOR_AUTO, pipe_fd));     /* a log: no colour */
    assert_true (fo_term_color (FO_COLOR_ALWAYS, pipe_fd));
    assert_false (fo_term_color (FO_COLOR_NEVER, tty));

    setenv ("TERM", "dumb", 1);
    assert_false (fo_term_color (FO_COLOR_AUTO, tty));
    assert_false (fo_term_can_live (tty));
    unsetenv ("TERM");
    assert_false (fo_term_color (FO_COLOR_AUTO, tty));
    assert_false (fo_term_can_live (tty));
    clear_env ();
    assert_true (fo_term_can_live (tty));
    assert_false (fo_term_can_live (pipe_fd));

    setenv ("NO_COLOR", "1", 1);
    assert_false (fo_term_color (FO_COLOR_AUTO, tty));
    assert_true (fo_term_color (FO_COLOR_ALWAYS, tty));        /* asked for: given */
    setenv ("CLICOLOR_FORCE", "1", 1);
    assert_false (fo_term_color (FO_COLOR_AUTO, pipe_fd));     /* NO_COLOR first */
    setenv ("NO_COLOR", "", 1);                                 /* empty: not set */
    assert_true (fo_term_color (FO_COLOR_AUTO, pipe_fd));      /* forced on a pipe */
    assert_false (fo_term_color (FO_COLOR_NEVER, pipe_fd));
    setenv ("CLICOLOR_FORCE", "0", 1);
    assert_false (fo_term_color (FO_COLOR_AUTO, pipe_fd));
    setenv ("CLICOLOR_FORCE", "", 1);
    assert_false (fo_term_color (FO_COLOR_AUTO, pipe_fd));

    fo_color_mode mode;
    assert_int_equal (fo_color_mode_parse ("always", &mode), 0);
    assert_int_equal (mode, FO_COLOR_ALWAYS);
    assert_int_equal (fo_color_mode_parse ("never", &mode), 0);
    assert_int_equal (mode, FO_COLOR_NEVER);
    assert_int_equal (fo_color_mode_parse ("auto", &mode), 0);
    assert_int_equal (mode, FO_COLOR_AUTO);
    assert_int_equal (fo_color_mode_parse ("yes", &mode), -1);
    assert_int_equal (fo_color_mode_parse ("", &mode), -1);

    clear_env ();
    close (fds[0]);
    close (fds[1]);
    pty_close (&p);
}

static void
test_size (void **state)
{
    (void) state;
    pty_pair p;
    pty_open (&p, 123, 45);
    unsigned cols, rows;
    fo_term_size (p.slave, &cols, &rows);
    assert_int_equal (cols, 123);
    assert_int_equal (rows, 45);
    /* resized: read again at once, no signal needed */
    struct winsize ws = { .ws_row = 20, .ws_col = 40 };
    assert_int_equal (ioctl (p.master, TIOCSWINSZ, &ws), 0);
    fo_term_size (p.slave, &cols, &rows);
    assert_int_equal (cols, 40);
    assert_int_equal (rows, 20);
    pty_close (&p);
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    fo_term_size (fds[1], &cols, &rows);                /* no terminal: 80 x 24 */
    assert_int_equal (cols, 80);
    assert_int_equal (rows, 24);
    close (fds[0]);
    close (fds[1]);
}

/* fo_term_fit into a fresh buffer: the text and the columns used. */
static char *
fit (const char *s, size_t cols, size_t *used)
{
    fo_buf b = { 0 };
    *used = fo_term_fit (&b, s, strlen (s), cols);
    fo_buf_append (&b, "", 1);
    return fo_buf_steal (&b);
}

static void
test_fit (void **state)
{
    (void) state;
    size_t used;
    char *t;

    t = fit ("hello", 10, &used);
    assert_string_equal (t, "hello");
    assert_int_equal (used, 5);
    free (t);
    t = fit ("hello", 5, &used);                        /* exactly: no ellipsis */
    assert_string_equal (t, "hello");
    free (t);
    t = fit ("hello world", 6, &used);
    assert_string_equal (t, "hello\xe2\x80\xa6");
    assert_int_equal (used, 6);
    free (t);
    t = fit ("hello", 0, &used);
    assert_string_equal (t, "");
    assert_int_equal (used, 0);
    free (t);

    /* a wide character (2 columns) is never cut in half */
    const char *cjk = "\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2";      /* 漢字漢: 6 columns */
    assert_int_equal (fo_term_width (cjk, strlen (cjk)), 6);
    t = fit (cjk, 4, &used);
    assert_string_equal (t, "\xe6\xbc\xa2\xe2\x80\xa6");         /* 漢… : 3 columns */
    assert_int_equal (used, 3);
    free (t);

    /* a combining mark takes no column */
    assert_int_equal (fo_term_width ("e\xcc\x81", 3), 1);

    /* nothing that moves the cursor gets through: C0, DEL, ESC, C1 (CSI
       U+009B), invalid UTF-8 */
    t = fit ("a\x1b[2Jb\rc\x7f" "d\xc2\x9b" "e\xff" "f", 40, &used);
    assert_string_equal (t, "a?[2Jb?c?d?e?f");
    assert_int_equal (used, 14);
    free (t);
    /* a sequence cut short at the end */
    t = fit ("ab\xe2\x82", 40, &used);
    assert_string_equal (t, "ab??");
    free (t);
}

/* ---- the PROGRESS line and the estimate ------------------------------------------ */

/* The history's hook: t0 and t1 take 1 s each, the others are unknown. */
static int64_t
expected (void *arg, const char *id)
{
    int *calls = arg;
    (*calls)++;
    return strcmp (id, "ctx/t0") == 0 || strcmp (id, "ctx/t1") == 0 ? 1000000 : -1;
}

static int64_t
unknown (void *arg, const char *id)
{
    (void) arg;
    (void) id;
    return -1;
}

typedef struct {
    fo_report *report;
    fo_reporters *reporters;
    FILE *file;
    char *data;
    size_t len;
    uint64_t start_ms;
} progress_run;

static void
progress_start (progress_run *r, fo_expected_fn *fn, void *arg)
{
    memset (r, 0, sizeof *r);
    r->report = fo_report_new (4);
    for (size_t i = 0; i < 4; i++) {
        char id[32];
        snprintf (id, sizeof id, "ctx/t%zu", i);
        fo_report_set_test (r->report, i, id, "ctx");
    }
    r->start_ms = 1000000;
    fo_report_set_started_us (r->report, r->start_ms * 1000u);
    r->file = open_memstream (&r->data, &r->len);
    assert_non_null (r->file);
    r->reporters = fo_reporters_new ();
    fo_reporters_add (r->reporters, fo_reporter_console_new_config (&(fo_reporter_config) {
        .console = r->file, .verbosity = FO_VERBOSITY_DOTS, .color = FO_COLOR_NEVER,
        .progress_ms = 10000, .expected = fn, .expected_arg = arg,
    }));
    fo_reporters_emit (r->reporters, &(fo_event) {
        .type = FO_EVENT_RUN_STARTED, .report = r->report,
        .u.run_started = { .ntests = 4, .ntasks = 4 } });
    fo_reporters_emit (r->reporters, &(fo_event) {
        .type = FO_EVENT_AGENT_JOINED, .report = r->report,
        .u.agent = { .agent = 1, .host = "h1", .slots = 2 } });
}

/* The text written since the last call. */
static char *
progress_take (progress_run *r, size_t *from)
{
    fflush (r->file);
    char *t = fo_xstrndup (r->data + *from, r->len - *from);
    *from = r->len;
    return t;
}

static void
progress_end (progress_run *r)
{
    fo_reporters_destroy (&r->reporters);
    fclose (r->file);
    free (r->data);
    fo_report_destroy (&r->report);
}

static void
test_progress_line (void **state)
{
    (void) state;
    int calls = 0;
    progress_run r;
    progress_start (&r, expected, &calls);
    assert_int_equal (calls, 4);                /* once per test, at the start */
    size_t from = 0;
    char *t;

    fo_reporters_tick (r.reporters, r.start_ms + 9999);
    t = progress_take (&r, &from);
    assert_string_equal (t, "");                /* not yet */
    free (t);
    /* 2 s known + 2 unknown at the known mean (1 s) = 4 s on 2 slots */
    fo_reporters_tick (r.reporters, r.start_ms + 10000);
    t = progress_take (&r, &from);
    assert_string_equal (t, "PROGRESS: 0 of 4 tests done (0 passed), 0 running, 10.0s elapsed, "
                         "about 2.00s left\n");
    free (t);

    fo_test_result_view pass = { .outcome = FO_PASSED, .duration_us = 900000 };
    fo_report_finish_test (r.report, 0, &pass);
    fo_reporters_emit (r.reporters, &(fo_event) {
        .type = FO_EVENT_TEST_FINISHED, .report = r.report,
        .u.test_finished = { .test = 0, .record = fo_report_test (r.report, 0) } });
    /* a tick that came late: one line, and the next one due on the grid */
    fo_reporters_tick (r.reporters, r.start_ms + 25000);
    t = progress_take (&r, &from);
    assert_string_equal (t, ".\nPROGRESS: 1 of 4 tests done (1 passed), 0 running, 25.0s elapsed, "
                         "about 1.50s left\n");
    free (t);
    fo_reporters_tick (r.reporters, r.start_ms + 29999);
    t = progress_take (&r, &from);
    assert_string_equal (t, "");
    free (t);
    fo_reporters_tick (r.reporters, r.start_ms + 30000);
    t = progress_take (&r, &from);
    assert_true (strncmp (t, "PROGRESS: 1 of 4 tests done", 27) == 0);
    free (t);
    progress_end (&r);

    /* no history: no estimate, and the line all the same */
    progress_start (&r, NULL, NULL);
    from = 0;
    fo_reporters_tick (r.reporters, r.start_ms + 10000);
    t = progress_take (&r, &from);
    assert_string_equal (t, "PROGRESS: 0 of 4 tests done (0 passed), 0 running, 10.0s elapsed\n");
    free (t);
    progress_end (&r);

    /* a history that knows none of the tests: no estimate either */
    progress_start (&r, unknown, NULL);
    from = 0;
    fo_reporters_tick (r.reporters, r.start_ms + 10000);
    t = progress_take (&r, &from);
    assert_string_equal (t, "PROGRESS: 0 of 4 tests done (0 passed), 0 running, 10.0s elapsed\n");
    free (t);
    progress_end (&r);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_color_rules),
        cmocka_unit_test (test_size),
        cmocka_unit_test (test_fit),
        cmocka_unit_test (test_progress_line),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
