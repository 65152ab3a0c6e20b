/*  fo_read_gtest — the `gtest` reader: a GoogleTest program's results
    come from the JSON file gtest writes (fo_gtest_json.h), never from its
    console text.

    The step runs `BINARY --gtest_filter=A.x:B.y...`: its tests, in the
    order of step->tests (one, as fo_source_gtest.c plans them; several
    in a step the agent joined, below). Before it starts, the reader makes a private directory
    (mkdtemp, mode 0700, under $TMPDIR or /tmp) and gives the step
    GTEST_OUTPUT=json:<dir>/out.json (fo_read_env); at the end it reads
    that file and removes both, whatever happened.

    Each test's outcome is gtest's (fo_gtest_json.h) when the file has it.
    How the process ended only adds to that:
      - a test gtest says passed, in a program that then exited non-zero
        (not the skip code, nor gtest's 1 when a test of the step failed)
        or was killed, is failed or crashed with what happened: the
        program, not gtest, had the last word;
      - a failure stays a failure when the program exits 0 anyway (a
        `main` that ignores RUN_ALL_TESTS): the file says so;
      - with no file (a crash, a timeout, exit before the end) a test is
        crashed, timeout, or error "no result in gtest's output file",
        with the exit status;
      - a step fanout stopped: the stop's outcome and message, as the
        exit-status reader does.
    Every test carries the step's whole output.

    A joined step (fo_gtest_join.h: a suite's tests in one process,
    fo_read_step.parts) also gets GTEST_STREAM_RESULT_TO=127.0.0.1:PORT,
    a loopback socket the reader listens on and reads as the tests run
    (fo_gtest_stream.h; the agent polls it: pollfds, service). The output
    file still judges every test when there is one. Without it (the
    process crashed, timed out, exited early, was stopped), the stream
    says what happened to each test:
      - a test that ended: the stream's verdict (passed; failed with the
        part results' text; skipped) — a pass turned into "then the
        program ended badly" when the crash came outside any test;
      - the test that started and did not end (else, when none started,
        the first of the step): the process's ending, as a test alone
        without a file (crashed, timeout, error, the stop's outcome);
      - the tests that never started: no result, so the agent runs them
        again in a new process (each process judges at least one test).
    Other connections to the socket (a death test's re-executed child
    connects too, with its events suppressed) are accepted and kept open
    unread until the end, so that their writes never fail. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_gtest_json.h"
#include "fo_gtest_stream.h"
#include "fo_reader.h"

#define FILTER_FLAG "--gtest_filter="

typedef struct {
    const fo_step *step;
    int32_t skip_code;
    char *dir;                  /* the private directory, or NULL */
    char *file;                 /* <dir>/out.json */
    char *setup_error;          /* why there is no directory */
    fo_env env;                 /* GTEST_OUTPUT=json:<file> */
    fo_strv names;              /* gtest's full names, as step->tests */
    /* A joined step's result stream (see above). */
    bool joined;
    int listen_fd;              /* -1: none */
    int conn_fd;                /* the program's connection; -1: none yet / closed */
    bool conn_eof;
    int *others;                /* later connections, kept open unread */
    size_t nothers;
    fo_gtest_stream *stream;
} gtest_state;

/* Connections besides the program's own kept open (a death test's
   children); past this many, one is closed. */
#define MAX_OTHER_CONNECTIONS 64

/* Listens on 127.0.0.1, port chosen by the kernel; sets the variable
   telling gtest where to stream. Without it, a crash cannot say which
   test was running: the first of the step is blamed. */
static void
open_stream (gtest_state *self)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (bind (fd, (struct sockaddr *) &a, sizeof a) != 0 || listen (fd, 16) != 0
        || getsockname (fd, (struct sockaddr *) &a, &alen) != 0) {
        close (fd);
        return;
    }
    self->listen_fd = fd;
    self->stream = fo_gtest_stream_new ();
    char *value = fo_xasprintf ("127.0.0.1:%u", (unsigned) ntohs (a.sin_port));
    fo_env_set (&self->env, "GTEST_STREAM_RESULT_TO", value);
    free (value);
}

/* Accepts what connected and reads the program's connection, never
   blocking. */
static void
drain_stream (gtest_state *self)
{
    while (self->listen_fd >= 0) {
        int fd = accept4 (self->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            break;
        if (self->conn_fd < 0 && !self->conn_eof)
            self->conn_fd = fd;
        else if (self->nothers < MAX_OTHER_CONNECTIONS) {
            if (!self->others)
                self->others = fo_xcalloc (MAX_OTHER_CONNECTIONS, sizeof *self->others);
            self->others[self->nothers++] = fd;
        }
        else
            close (fd);
    }
    char chunk[65536];
    while (self->conn_fd >= 0) {
        ssize_t n = read (self->conn_fd, chunk, sizeof chunk);
        if (n > 0) {
            fo_gtest_stream_feed (self->stream, chunk, (size_t) n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        close (self->conn_fd);      /* end of stream, or an error */
        self->conn_fd = -1;
        self->conn_eof = true;
    }
}

/* After the program ended: what it streamed, to the end of its
   connection (the loopback delivers it at once; a child still holding
   the socket is waited for at most a second). */
static void
finish_stream (gtest_state *self)
{
    uint64_t until = fo_now_ms () + 1000u;
    for (;;) {
        drain_stream (self);
        if (self->conn_eof || fo_now_ms () >= until)
            break;
        struct pollfd p = { .fd = self->conn_fd >= 0 ? self->conn_fd : self->listen_fd,
                            .events = POLLIN };
        if (p.fd < 0)
            break;
        poll (&p, 1, (int) (until - fo_now_ms ()));
    }
}

static void
close_stream (gtest_state *self)
{
    if (self->listen_fd >= 0)
        close (self->listen_fd);
    if (self->conn_fd >= 0)
        close (self->conn_fd);
    self->listen_fd = self->conn_fd = -1;
    for (size_t i = 0; i < self->nothers; i++)
        close (self->others[i]);
    self->nothers = 0;
}

static int
pollfds (void *state, int fds[])
{
    gtest_state *self = state;
    int n = 0;
    if (self->listen_fd >= 0)
        fds[n++] = self->listen_fd;
    if (self->conn_fd >= 0)
        fds[n++] = self->conn_fd;
    return n;
}

static void
service (void *state)
{
    drain_stream (state);
}

static void
cleanup (gtest_state *self)
{
    if (self->file)
        unlink (self->file);
    if (self->dir)
        rmdir (self->dir);
}

/* The names of --gtest_filter, split on ':' (a filter fanout wrote: exact
   names, no patterns). */
static void
filter_names (const fo_step *step, fo_strv *names)
{
    for (size_t i = 1; i < step->argv.len; i++) {
        const char *arg = step->argv.items[i];
        if (strncmp (arg, FILTER_FLAG, strlen (FILTER_FLAG)) != 0)
            continue;
        const char *p = arg + strlen (FILTER_FLAG);
        for (;;) {
            size_t n = strcspn (p, ":");
            char *name = fo_xstrndup (p, n);
            fo_strv_push (names, name);
            free (name);
            if (!p[n])
                break;
            p += n + 1;
        }
        return;
    }
}

static void *
begin (const fo_read_step *rs)
{
    gtest_state *self = fo_xcalloc (1, sizeof *self);
    self->step = rs->step;
    self->skip_code = rs->skip_code;
    self->listen_fd = self->conn_fd = -1;
    filter_names (rs->step, &self->names);
    const char *tmp = getenv ("TMPDIR");
    if (!tmp || tmp[0] != '/' || strlen (tmp) > 1024)
        tmp = "/tmp";
    char *dir = fo_xasprintf ("%s/fanout-gtest-XXXXXX", tmp);
    if (mkdtemp (dir)) {
        self->dir = dir;
        self->file = fo_xasprintf ("%s/out.json", dir);
        char *value = fo_xasprintf ("json:%s", self->file);
        fo_env_set (&self->env, "GTEST_OUTPUT", value);
        free (value);
        self->joined = rs->nparts > 0;
        if (self->joined)
            open_stream (self);
    }
    else {
        self->setup_error = fo_xasprintf ("cannot make a directory for gtest's output file "
                                          "in %s: %s", tmp, strerror (errno));
        free (dir);
    }
    return self;
}

static const fo_env *
env (void *state)
{
    gtest_state *self = state;
    return self->env.len ? &self->env : NULL;
}

/* The output file, read whole, at most FO_GTEST_MAX_FILE bytes. NULL with
   why when it is absent, unreadable or too large. */
static char *
slurp (const char *path, size_t *len, char *why, size_t whylen)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf (why, whylen, "%s", errno == ENOENT ? "gtest wrote no output file"
                                                     : strerror (errno));
        return NULL;
    }
    fo_buf buf = { 0 };
    char chunk[65536];
    for (;;) {
        ssize_t n = read (fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf (why, whylen, "cannot read gtest's output file: %s", strerror (errno));
            break;
        }
        if (n == 0) {
            close (fd);
            fo_buf_puts (&buf, "");
            *len = buf.len;
            return fo_buf_steal (&buf);
        }
        if (buf.len + (size_t) n > FO_GTEST_MAX_FILE) {
            snprintf (why, whylen, "gtest's output file is larger than %u MiB",
                      FO_GTEST_MAX_FILE / (1024u * 1024u));
            break;
        }
        fo_buf_append (&buf, chunk, (size_t) n);
    }
    close (fd);
    fo_buf_free (&buf);
    return NULL;
}

static void
emit (fo_read *read, const fo_step_ending *e, const char *test, fo_outcome outcome,
      const char *message, uint64_t duration_us)
{
    fo_buf flat = { 0 };
    fo_buf_puts (&flat, "");
    fo_read_message (&flat, message, strlen (message), FO_GTEST_MAX_MESSAGE);
    fo_read_result r = {
        .test = test,
        .outcome = outcome,
        .message = flat.data,
        .duration_us = duration_us,
        .out = e->out,
        .out_len = e->out_len,
        .err = e->err,
        .err_len = e->err_len,
    };
    fo_read_emit (read, &r);
    fo_buf_free (&flat);
}

/* A joined step without gtest's output file: what the stream says (see
   the top). */
static void
end_from_stream (gtest_state *self, fo_read *read, const fo_step_ending *e, const char *status,
                 const char *why)
{
    const fo_proc_status *st = e->status;
    const fo_strv *tests = &self->step->tests;
    bool ok = st->exited && !st->timed_out && st->exit_code == 0;
    if (self->stream)
        finish_stream (self);
    close_stream (self);
    size_t running = tests->len, ended = 0;
    for (size_t i = 0; i < tests->len; i++) {
        const fo_gtest_stream_test *t =
            self->stream ? fo_gtest_stream_find (self->stream, self->names.items[i]) : NULL;
        if (t && t->ended)
            ended++;
        else if (t && running == tests->len)
            running = i;
    }
    /* Nothing started: the first test is blamed (a crash before it, in the
       suite's setup, say), so the next process starts further on. */
    if (running == tests->len && !ended)
        running = 0;
    for (size_t i = 0; i < tests->len; i++) {
        const fo_gtest_stream_test *t =
            self->stream ? fo_gtest_stream_find (self->stream, self->names.items[i]) : NULL;
        if (t && t->ended) {
            if (t->outcome == FO_PASSED && running == tests->len && !ok) {
                /* The crash came outside any test, as when a test ran alone
                   and the program then ended badly. */
                char *msg = fo_xasprintf ("gtest reported it passed, then the program ended "
                                          "badly: %s", status);
                emit (read, e, tests->items[i],
                      st->timed_out ? FO_TIMEOUT : st->signal ? FO_CRASHED : FO_FAILED, msg,
                      t->duration_us);
                free (msg);
            }
            else
                emit (read, e, tests->items[i], t->outcome,
                      t->outcome == FO_SKIPPED ? "GTEST_SKIP" : t->message, t->duration_us);
            continue;
        }
        if (i != running)
            continue;   /* never started: run again */
        if (e->stop_message && !st->timed_out)
            emit (read, e, tests->items[i], e->stop_outcome, e->stop_message, st->duration_us);
        else if (st->timed_out || st->signal)
            emit (read, e, tests->items[i], st->timed_out ? FO_TIMEOUT : FO_CRASHED, status,
                  st->duration_us);
        else {
            char *msg = fo_xasprintf ("no result in gtest's output file (%s; %s)", why, status);
            emit (read, e, tests->items[i], FO_ERROR, msg, st->duration_us);
            free (msg);
        }
    }
}

static void
end (void *state, fo_read *read, const fo_step_ending *e)
{
    gtest_state *self = state;
    const fo_proc_status *st = e->status;
    const fo_strv *tests = &self->step->tests;
    bool ok = st->exited && !st->timed_out && st->exit_code == 0;
    bool skip_exit = st->exited && !st->timed_out && st->exit_code == self->skip_code;
    char *status = fo_proc_status_text (st, self->step->timeout_ms);

    fo_gtest_results results = { 0 };
    char why[512] = "";
    bool have = false;
    if (self->setup_error)
        snprintf (why, sizeof why, "%s", self->setup_error);
    else if (self->names.len != tests->len)
        snprintf (why, sizeof why, "the step's --gtest_filter names %zu tests, not %zu",
                  self->names.len, tests->len);
    else {
        size_t len = 0;
        char *data = slurp (self->file, &len, why, sizeof why);
        if (data)
            have = fo_gtest_json_read (data, len, &results, why, sizeof why) == 0;
        free (data);
    }
    cleanup (self);
    if (self->joined && !have && !self->setup_error && self->names.len == tests->len && !ok) {
        end_from_stream (self, read, e, status, why);
        free (status);
        return;
    }

    /* gtest's own exit status when a test of the run failed: 1. That is
       no bad ending for the tests that passed beside it (several tests in
       one process). */
    bool failed_exit = false;
    for (size_t i = 0; have && i < tests->len; i++) {
        const fo_gtest_result *r = fo_gtest_results_find (&results, self->names.items[i]);
        if (r && r->outcome == FO_FAILED)
            failed_exit = st->exited && !st->timed_out && st->exit_code == 1;
    }

    for (size_t i = 0; i < tests->len; i++) {
        const fo_gtest_result *r = have ? fo_gtest_results_find (&results, self->names.items[i])
                                        : NULL;
        if (fo_step_ending_stopped (e) && !r) {
            emit (read, e, tests->items[i], e->stop_outcome, e->stop_message, st->duration_us);
            continue;
        }
        if (!r) {
            /* No word from gtest: how the process ended is all there is. */
            char *msg;
            fo_outcome outcome;
            if (st->timed_out || st->signal) {
                outcome = st->timed_out ? FO_TIMEOUT : FO_CRASHED;
                msg = fo_xstrdup (status);
            }
            else {
                outcome = FO_ERROR;
                msg = fo_xasprintf ("no result in gtest's output file (%s; %s)",
                                    have ? "the test is not in it" : why, status);
            }
            emit (read, e, tests->items[i], outcome, msg, st->duration_us);
            free (msg);
            continue;
        }
        if (r->outcome == FO_PASSED && !ok && !skip_exit && !failed_exit) {
            /* gtest said passed; the program then ended badly (a crash in
               a destructor, exit(3) after RUN_ALL_TESTS). */
            char *msg = fo_xasprintf ("gtest reported it passed, then the program ended badly: %s",
                                      status);
            emit (read, e, tests->items[i],
                  st->timed_out ? FO_TIMEOUT : st->signal ? FO_CRASHED : FO_FAILED, msg,
                  r->duration_us);
            free (msg);
            continue;
        }
        emit (read, e, tests->items[i], r->outcome, r->message, r->duration_us);
    }
    fo_gtest_results_free (&results);
    free (status);
}

static void
free_state (void *state)
{
    gtest_state *self = state;
    cleanup (self);
    close_stream (self);
    free (self->others);
    fo_gtest_stream_destroy (&self->stream);
    free (self->dir);
    free (self->file);
    free (self->setup_error);
    fo_env_free (&self->env);
    fo_strv_free (&self->names);
    free (self);
}

const fo_reader_ops fo_reader_gtest = {
    .id = FO_READER_GTEST,
    .begin = begin,
    .end = end,
    .free = free_state,
    .env = env,
    .pollfds = pollfds,
    .service = service,
};
