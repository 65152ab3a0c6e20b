/*  fo_reader: the registry, the exit-status reader's verdicts for every way
    a step can end, and the rule all readers share (one result per test of
    the step: strays and repeats dropped, a missing one an error). A small
    streaming reader, written here as a second reader would be written
    ("ok NAME" / "not ok NAME" lines, read as they arrive), shows that
    results can leave while the step runs, from output cut anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fo_reader.h"

typedef struct {
    char *test;
    fo_outcome outcome;
    char *message;
    char *out;
    uint64_t duration_us;
} got;

typedef struct {
    got results[16];
    size_t n;
} sink;

static void
collect (void *arg, const fo_read_result *r)
{
    sink *s = arg;
    assert_true (s->n < 16);
    s->results[s->n++] = (got) {
        .test = fo_xstrdup (r->test),
        .outcome = r->outcome,
        .message = fo_xstrdup (r->message),
        .out = fo_xstrndup (r->out, r->out_len),
        .duration_us = r->duration_us,
    };
}

static void
sink_free (sink *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free (s->results[i].test);
        free (s->results[i].message);
        free (s->results[i].out);
    }
    s->n = 0;
}

static fo_step
test_step (const char *const *tests, uint32_t timeout_ms)
{
    fo_step step = { .kind = FO_STEP_TEST, .reader = FO_READER_EXIT_STATUS,
                     .timeout_ms = timeout_ms };
    for (size_t i = 0; tests[i]; i++)
        fo_strv_push (&step.tests, tests[i]);
    return step;
}

/* Reads one step with the exit-status reader: the verdict for `st`. */
static void
read_exit (sink *s, const fo_proc_status *st, const char *stop_message, fo_outcome stop_outcome)
{
    fo_step step = test_step ((const char *[]) { "t", NULL }, 1000);
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    fo_read *read = fo_read_new (&rs, collect, s);
    assert_non_null (read);
    fo_read_feed (read, 1, "ignored", 7);
    fo_step_ending end = { .status = st, .out = "output", .out_len = 6, .err = "", .err_len = 0,
                           .stop_message = stop_message, .stop_outcome = stop_outcome };
    fo_read_end (read, &end);
    fo_read_end (read, &end);       /* once only */
    fo_read_destroy (&read);
    assert_null (read);
    fo_strv_free (&step.tests);
}

static void
expect_one (sink *s, fo_outcome outcome, const char *message)
{
    assert_int_equal (s->n, 1);
    assert_string_equal (s->results[0].test, "t");
    if (s->results[0].outcome != outcome)
        fail_msg ("%s, expected %s (%s)", fo_outcome_name (s->results[0].outcome),
                  fo_outcome_name (outcome), s->results[0].message);
    assert_string_equal (s->results[0].message, message);
    assert_string_equal (s->results[0].out, "output");
    sink_free (s);
}

static void
test_registry (void **state)
{
    (void) state;
    const fo_reader_ops *ops = fo_reader_find (FO_READER_EXIT_STATUS);
    assert_non_null (ops);
    assert_int_equal (ops->id, FO_READER_EXIT_STATUS);
    assert_null (fo_reader_find ((fo_reader) 99));
    /* every reader the wire can name is registered */
    for (int id = 0; fo_reader_name ((fo_reader) id); id++)
        assert_non_null (fo_reader_find ((fo_reader) id));
}

static void
test_exit_status_verdicts (void **state)
{
    (void) state;
    sink s = { 0 };
    read_exit (&s, &(fo_proc_status) { .exited = true, .exit_code = 0, .duration_us = 5 }, NULL, 0);
    assert_int_equal (s.results[0].duration_us, 5);
    expect_one (&s, FO_PASSED, "");
    read_exit (&s, &(fo_proc_status) { .exited = true, .exit_code = 3 }, NULL, 0);
    expect_one (&s, FO_FAILED, "exit status 3");
    read_exit (&s, &(fo_proc_status) { .exited = true, .exit_code = 77 }, NULL, 0);
    expect_one (&s, FO_SKIPPED, "exit status 77");
    read_exit (&s, &(fo_proc_status) { .signal = SIGSEGV, .core_dumped = true }, NULL, 0);
    expect_one (&s, FO_CRASHED, "killed by SIGSEGV (core dumped)");
    read_exit (&s, &(fo_proc_status) { .signal = SIGTERM, .timed_out = true,
                                       .duration_us = 1500000 }, NULL, 0);
    expect_one (&s, FO_TIMEOUT, "timed out after 1.5s (limit 1.0s)");
    /* stopped by fanout: not the test's doing ... */
    read_exit (&s, &(fo_proc_status) { .signal = SIGTERM }, "not run (interrupted)", FO_NOT_RUN);
    expect_one (&s, FO_NOT_RUN, "not run (interrupted)");
    read_exit (&s, &(fo_proc_status) { .signal = SIGTERM }, "task timed out", FO_TIMEOUT);
    expect_one (&s, FO_TIMEOUT, "task timed out");
    /* ... unless it ended well, or its own limit came first */
    read_exit (&s, &(fo_proc_status) { .exited = true }, "not run (interrupted)", FO_NOT_RUN);
    expect_one (&s, FO_PASSED, "");
    read_exit (&s, &(fo_proc_status) { .signal = SIGTERM, .timed_out = true, .duration_us = 1000000 },
               "not run (interrupted)", FO_NOT_RUN);
    expect_one (&s, FO_TIMEOUT, "timed out after 1.0s (limit 1.0s)");
}

/* Several tests in one step (no planner makes that for the exit-status
   reader today, but the wire allows it): each gets the verdict. */
static void
test_exit_status_several_tests (void **state)
{
    (void) state;
    sink s = { 0 };
    fo_step step = test_step ((const char *[]) { "a", "b", NULL }, 0);
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    fo_read *read = fo_read_new (&rs, collect, &s);
    fo_step_ending end = { .status = &(fo_proc_status) { .exited = true, .exit_code = 1 },
                           .out = "", .err = "" };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    assert_int_equal (s.n, 2);
    assert_string_equal (s.results[0].test, "a");
    assert_string_equal (s.results[1].test, "b");
    assert_int_equal (s.results[1].outcome, FO_FAILED);
    sink_free (&s);
    fo_strv_free (&step.tests);
}

/* ---- a streaming reader: "ok NAME" / "not ok NAME", one per line ------- */

typedef struct {
    fo_buf line;
} lines_state;

static void *
lines_begin (const fo_read_step *step)
{
    (void) step;
    lines_state *self = fo_xcalloc (1, sizeof *self);
    fo_buf_puts (&self->line, "");
    return self;
}

static void
lines_feed (void *state, fo_read *read, int stream, const char *data, size_t len)
{
    lines_state *self = state;
    if (stream != 1)
        return;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            fo_buf_append (&self->line, &data[i], 1);
            continue;
        }
        bool ok = strncmp (self->line.data, "ok ", 3) == 0;
        bool not_ok = strncmp (self->line.data, "not ok ", 7) == 0;
        if (ok || not_ok) {
            fo_read_result r = { .test = self->line.data + (ok ? 3 : 7),
                                 .outcome = ok ? FO_PASSED : FO_FAILED, .message = "",
                                 .out = "", .err = "" };
            fo_read_emit (read, &r);
        }
        fo_buf_reset (&self->line);
        fo_buf_puts (&self->line, "");
    }
}

static void
lines_end (void *state, fo_read *read, const fo_step_ending *end)
{
    (void) state;
    (void) read;
    (void) end;     /* leaves the tests it never saw to fo_read */
}

static void
lines_free (void *state)
{
    lines_state *self = state;
    fo_buf_free (&self->line);
    free (self);
}

static const fo_reader_ops lines_reader = {
    .id = (fo_reader) 99, .begin = lines_begin, .feed = lines_feed, .end = lines_end,
    .free = lines_free,
};

static void
test_streaming_and_one_result_per_test (void **state)
{
    (void) state;
    sink s = { 0 };
    fo_step step = test_step ((const char *[]) { "a", "b", "c", NULL }, 0);
    fo_read_step rs = { .step = &step };
    fo_read *read = fo_read_new_with (&lines_reader, &rs, collect, &s);
    const char *chunks[] = { "o", "k a\nnot ", "ok b\nok stray\n", "ok a\nnot ok b\n" };
    fo_read_feed (read, 1, chunks[0], strlen (chunks[0]));
    assert_int_equal (s.n, 0);
    fo_read_feed (read, 1, chunks[1], strlen (chunks[1]));
    assert_int_equal (s.n, 1);                  /* "a" left before the step ended */
    assert_string_equal (s.results[0].test, "a");
    fo_read_feed (read, 1, chunks[2], strlen (chunks[2]));
    fo_read_feed (read, 1, chunks[3], strlen (chunks[3]));
    assert_int_equal (s.n, 2);                  /* the stray and the repeats dropped */
    assert_true (fo_read_reported (read, 0));
    assert_true (fo_read_reported (read, 1));
    assert_false (fo_read_reported (read, 2));
    fo_step_ending end = { .status = &(fo_proc_status) { .exited = true, .duration_us = 7 },
                           .out = "all", .out_len = 3, .err = "", .err_len = 0 };
    fo_read_end (read, &end);
    fo_read_feed (read, 1, "ok c\n", 5);        /* after the end: nothing */
    fo_read_destroy (&read);
    assert_int_equal (s.n, 3);
    assert_int_equal (s.results[1].outcome, FO_FAILED);
    assert_string_equal (s.results[2].test, "c");
    assert_int_equal (s.results[2].outcome, FO_ERROR);
    assert_string_equal (s.results[2].message, "no result for this test in its step's output");
    assert_string_equal (s.results[2].out, "all");
    sink_free (&s);
    fo_strv_free (&step.tests);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_registry),
        cmocka_unit_test (test_exit_status_verdicts),
        cmocka_unit_test (test_exit_status_several_tests),
        cmocka_unit_test (test_streaming_and_one_result_per_test),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
