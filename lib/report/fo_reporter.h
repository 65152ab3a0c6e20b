/*  fo_reporter — what shows a run: a reporter subscribes to the run's
    events (fo_event.h) and turns them into output. Today's console dots,
    -v lines and summary are the console reporter; the JSON report is the
    JSON reporter; a live terminal view or a JUnit XML writer is one more.

    A reporter is a small vtable and its state:

      on_event  called for every event, in order, on the broker's thread;
                it must not block for long (it runs inside the broker's
                loop) and may keep what it needs (copy it);
      tick      called by the broker's loop on the broker's thread, at least
                every 200 ms while the run goes (fo_reporters_tick), with
                fo_now_ms (): what a reporter does on a clock rather than on
                an event (the console's PROGRESS line). Must be cheap and not
                block. May be NULL;
      finish    after RUN_ENDED: write what is written at the end. Returns
                0, or -1 with err set ("cannot write report '...': ..."):
                the caller says so and the exit status shows it. May be NULL;
      destroy   frees the state. May be NULL.

    fo_reporters is the list the run emits to: the CLI builds it (one line
    per reporter, cli/fo_cli_session.c), the broker emits to it, and the
    CLI ends it (fo_reporters_end: RUN_ENDED, then every finish). The exit
    status is never a reporter's business: it comes from the report
    (fo_report_exit_status).

    Adding a reporter: one file with its vtable and its kind (below,
    "Kinds": its option, help and constructor), and one line in
    fo_reporter_kinds.def. The command line offers every kind's option,
    checks its argument before the run (a FILE, or what the kind's own
    check takes: the metrics endpoint's ADDR) and makes the reporter
    (cli/fo_cli_session.c walks fo_reporter_kinds).
*/
#ifndef FO_REPORTER_H
#define FO_REPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_event.h"
#include "fo_report.h"

typedef struct {
    const char *name;       /* "console", "json": for messages */
    void (*on_event) (void *state, const fo_event *event);
    void (*tick) (void *state, uint64_t now_ms);
    int (*finish) (void *state, char *err, size_t errlen);
    void (*destroy) (void *state);
} fo_reporter_ops;

typedef struct fo_reporter fo_reporter;

/* A reporter of these operations over this state (owned from now on:
   freed by ops->destroy). */
fo_reporter *fo_reporter_new (const fo_reporter_ops *ops, void *state);
void fo_reporter_destroy (fo_reporter **self_p);

/* ---- the list the run emits to ------------------------------------------ */

typedef struct fo_reporters fo_reporters;

fo_reporters *fo_reporters_new (void);
void fo_reporters_destroy (fo_reporters **self_p);

/* Appends a reporter (taken: destroyed with the list). Events reach the
   reporters in the order they were added. */
void fo_reporters_add (fo_reporters *self, fo_reporter *reporter);

/* Delivers the event to every reporter. self may be NULL: no reporters
   (a run driven by a test, say). */
void fo_reporters_emit (fo_reporters *self, const fo_event *event);

/* Calls every reporter's tick (the broker's loop does, at least every
   200 ms; now_ms is fo_now_ms ()). self may be NULL. */
void fo_reporters_tick (fo_reporters *self, uint64_t now_ms);

/* Called with each reporter's error message. */
typedef void (fo_reporter_error_fn) (void *arg, const char *reporter, const char *err);

/* Ends the run for every reporter: emits RUN_ENDED (the report is final;
   complete false when the run could not be served), then calls every
   finish in order; each failure is passed to error_fn (may be NULL).
   Returns the number of reporters that failed. */
size_t fo_reporters_end (fo_reporters *self, const fo_report *report, bool complete,
                         fo_reporter_error_fn *error_fn, void *arg);

/* ---- kinds: what the command line can ask for -------------------------- */

struct fo_report_dest;

/* The history's hook for the estimate of the time left (the live view's
   "~3m10s left", the PROGRESS line's "about 3m10s left"): how long test
   `id` is expected to take, in microseconds, or -1 when it is not known.
   Called on the broker's thread once per test when it joins the run (the
   plan's at RUN_STARTED, a discovery's at TESTS_DISCOVERED) and must be
   quick (a lookup) and never block. The CLI sets it to the history's
   fo_history_expected_us (lib/report does not depend on lib/history);
   without history it is NULL and no estimate is shown: fanout never
   guesses from the tests done so far. */
typedef int64_t (fo_expected_fn) (void *arg, const char *id);

/* What a reporter is made with. */
typedef struct {
    FILE *console;              /* where a person reads: stdout, or stderr when a
                                   report takes stdout (--json -) */
    fo_verbosity verbosity;
    int color;                  /* fo_color_mode (fo_term.h): --color */
    size_t durations;           /* --durations: the slowest tests in the
                                   summary; 0 none, SIZE_MAX all */
    uint32_t progress_ms;       /* not on a terminal: a PROGRESS line this
                                   often (--progress-interval); 0 never */
    fo_expected_fn *expected;   /* the history's estimate hook; NULL: none */
    void *expected_arg;
    struct fo_report_dest *dest;/* a kind whose option takes a FILE: where its
                                   file goes, checked before the run (taken) */
    void *opened;               /* a kind with its own check (open): what open
                                   returned (taken) */
} fo_reporter_config;

typedef struct {
    const char *name;           /* "json", for messages */
    /* Its long option, taking a FILE ("json": --json FILE), or NULL for a
       reporter that is always there (the console). */
    const char *option;
    /* --help's words for the option; lines after the first are indented by
       the command line. */
    const char *help;
    fo_reporter *(*create) (const fo_reporter_config *config);
    /* An option that takes something else than a FILE (NULL: a FILE,
       checked by fo_report_dest_open): its name in --help ("ADDR"), and
       its check before the run, which also takes hold of what the run
       needs (a listening socket). open returns what create finds in
       config->opened, or NULL with err set (the command line says so:
       exit status 2, before any test runs); command names the command
       ("run") for log lines, suite is the suite file's path. close frees
       what open returned when the run does not start. */
    const char *arg_name;
    void *(*open) (const char *arg, const char *command, const char *suite, char *err,
                   size_t errlen);
    void (*close) (void *opened);
    /* What the kind needs loaded before the run, or NULL: a library
       loaded on first use (fo_dl.h), so that one missing is said before
       any test runs (exit status 2), not when the report is written.
       0, or -1 with err set. */
    int (*load) (char *err, size_t errlen);
} fo_reporter_kind;

/* Every kind, in the order their reporters receive events, NULL-ended
   (fo_reporter_kinds.def). */
extern const fo_reporter_kind *const fo_reporter_kinds[];

/* ---- reporters -------------------------------------------------------------- */

/* Nose-style progress on `out` while the run goes (fo_verbosity: dots, -v
   lines, or nothing with -q), SLOW notices, the "discovered" lines under
   -v, and the summary at the end (fo_report_console.c renders them). Its
   finish fails when anything written to `out` was lost (a full disk, a
   closed pipe): a run's output is part of its result. */
fo_reporter *fo_reporter_console_new (FILE *out, fo_verbosity verbosity);
/* The same with everything config says: colours (config->color is
   resolved for out by fo_term_color), --durations, PROGRESS lines every
   config->progress_ms, the estimate hook, per-host totals. The console
   kind makes this one when config->console is no terminal, and the live
   view (fo_reporter_live_new) when it is one. */
fo_reporter *fo_reporter_console_new_config (const fo_reporter_config *config);

/* The live view on a terminal (fo_reporter_live.c): a status area redrawn
   on the broker loop's tick, finished tests scrolling above it, the
   summary at the end. */
fo_reporter *fo_reporter_live_new (const fo_reporter_config *config);

/* The JUnit XML report (fo_report_junit.c, docs/report-junit.md),
   written at the end into `dest` (taken) as the JSON report is. */
fo_reporter *fo_reporter_junit_new (struct fo_report_dest *dest);

/* The JSON report (docs/report-json.md), written at the end into `dest`
   (fo_report_dest.h: checked before the run; taken). */
struct fo_report_dest;
fo_reporter *fo_reporter_json_new (struct fo_report_dest *dest);

/* The metrics endpoint (--metrics ADDR, fo_reporter_metrics.c): Prometheus'
   text at http://ADDR/metrics while the run goes (fo_metrics.h says what,
   fo_metrics_http.h how it is served), until the reporter is destroyed,
   after the run ended. It is made through its kind only: open checks ADDR
   and starts serving before the run; create takes that over. */

#endif
