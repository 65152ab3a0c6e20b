/*  fo_read_gtest — the `gtest` reader: a GoogleTest program's results
    come from the JSON file gtest writes (fo_gtest_json.h), never from its
    console text.

    The step runs `BINARY --gtest_filter=A.x:B.y...`: its tests, in the
    order of step->tests (one, as fo_source_gtest.c plans them today; the
    reader reads any number, for a suite's tests in one process once the
    plan can make such a step). Before it starts, the reader makes a private directory
    (mkdtemp, mode 0700, under $TMPDIR or /tmp) and gives the step
    GTEST_OUTPUT=json:<dir>/out.json (fo_read_env); at the end it reads
    that file and removes both, whatever happened.

    Each test's outcome is gtest's (fo_gtest_json.h) when the file has it.
    How the process ended only adds to that:
      - a test gtest says passed, in a program that then exited non-zero
        (not the skip code) or was killed, is failed or crashed with what
        happened: the program, not gtest, had the last word;
      - a failure stays a failure when the program exits 0 anyway (a
        `main` that ignores RUN_ALL_TESTS): the file says so;
      - with no file (a crash, a timeout, exit before the end) a test is
        crashed, timeout, or error "no result in gtest's output file",
        with the exit status;
      - a step fanout stopped: the stop's outcome and message, as the
        exit-status reader does.
    Every test carries the step's whole output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_gtest_json.h"
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
} gtest_state;

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

    for (size_t i = 0; i < tests->len; i++) {
        const fo_gtest_result *r = have ? fo_gtest_results_find (&results, self->names.items[i])
                                        : NULL;
        if (e->stop_message && !ok && !st->timed_out && !r) {
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
        if (r->outcome == FO_PASSED && !ok && !skip_exit) {
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
};
