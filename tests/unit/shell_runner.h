/*  shell_runner — a persistent worker runner for the runner tests
    (test_runner.c): one long-lived /bin/sh that reads one step per line
    and writes back how it ended. A test fixture proving the runner seam
    (agent/fo_runner.h), not a product feature.

    - The worker is started with fo_proc, with its own token (given to
      shell_runner_new), which is not under any lease's scope; fo_proc's
      stdout/stderr pipes carry the steps' output, routed through fo_proc's
      on_output hook into the running step's capture.
    - Steps come down a FIFO, one line each: "<token>\t<cwd>\t<command>";
      the worker runs each in a new session (setsid: its own process group,
      pgid = the pid it reports) with FANOUT_STEP_TOKEN=<token>, then
      answers on a second FIFO: "start <pid>", later "exit <status>" (after
      wait: the step's processes are reaped, and all the output they wrote
      before is already in the pipes).
    - A timeout or a kill signals the step's process group (SIGTERM, then
      SIGKILL after the grace), never the worker; a worker that does not
      answer within another grace is killed and replaced at the next step.
      Simplification: the group is signalled by pgid until the worker
      reports the end, so in the moment between the step's death and that
      report the id could in theory be reused (fo_proc avoids this with a
      pidfd; a product runner would have its worker do the killing).
*/
/* Include after cmocka.h: setup failures are cmocka assertions. */
#ifndef SHELL_RUNNER_H
#define SHELL_RUNNER_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_reaper.h"
#include "fo_runner.h"
#include "tmpdir_support.h"

static const char worker_script[] =
    "exec 3>\"$2\" </dev/null\n"
    "tab=$(printf '\\t')\n"
    "while IFS= read -r line; do\n"
    "  token=${line%%\"$tab\"*}; rest=${line#*\"$tab\"}\n"
    "  dir=${rest%%\"$tab\"*}; cmd=${rest#*\"$tab\"}\n"
    "  (cd \"$dir\" && FANOUT_STEP_TOKEN=$token exec setsid sh -c \"$cmd\") 3>&- </dev/null &\n"
    "  pid=$!\n"
    "  echo \"start $pid\" >&3\n"
    "  wait \"$pid\"; status=$?\n"
    "  echo \"exit $status\" >&3\n"
    "done < \"$1\"\n";

typedef struct {
    char dir[64];               /* the FIFOs live here */
    char *worker_token;
    fo_proc *worker;            /* NULL until the first step, or after it died */
    int cmd_fd;                 /* FIFO to the worker, O_RDWR: never blocks on open */
    int ctl_fd;                 /* FIFO from the worker, O_RDWR|O_NONBLOCK */
    fo_buf ctl;                 /* partial answer line */
    size_t workers_started;

    /* the step */
    bool active;                /* started, not released */
    bool done;
    pid_t pgid;                 /* 0 until "start" */
    uint64_t start_us;
    uint64_t timeout_at_us;     /* UINT64_MAX: none */
    uint64_t kill_at_us;        /* SIGKILL due; UINT64_MAX: not yet */
    uint64_t abandon_at_us;     /* the worker is stuck: replace it */
    bool term_pending;          /* kill asked before the pid was known */
    bool term_sent, kill_sent;
    fo_proc_status status;
    fo_capture out, err;
    fo_output_fn *on_output;
    void *output_arg;
} shell_runner;

static void
route_output (void *arg, int stream, const char *data, size_t len)
{
    shell_runner *self = arg;
    if (!self->active || self->done)
        return;         /* between steps: what orphans write goes nowhere */
    fo_capture_append (stream == 2 ? &self->err : &self->out, data, len);
    if (self->on_output)
        self->on_output (self->output_arg, stream, data, len);
}

static int
start_worker (shell_runner *self, fo_start_error *error)
{
    char *cmd = fo_xasprintf ("%s/cmd", self->dir), *ctl = fo_xasprintf ("%s/ctl", self->dir);
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "sh");
    fo_strv_push (&argv, "-c");
    fo_strv_push (&argv, worker_script);
    fo_strv_push (&argv, "worker");
    fo_strv_push (&argv, cmd);
    fo_strv_push (&argv, ctl);
    fo_proc_spec spec = {
        .argv = &argv,
        .output_cap = 64,               /* the steps' captures keep the output */
        .token = self->worker_token,    /* its own scope: no step's token matches it */
        .on_output = route_output,
        .output_arg = self,
    };
    self->worker = fo_proc_start (&spec, error->message, sizeof error->message);
    if (!self->worker) {
        error->errnum = errno;
        error->resources = fo_proc_resource_error (errno);
    }
    else
        self->workers_started++;
    fo_strv_free (&argv);
    free (cmd);
    free (ctl);
    return self->worker ? 0 : -1;
}

static void
signal_step (shell_runner *self, int sig)
{
    if (self->pgid > 0)
        kill (-self->pgid, sig);
}

static void
begin_kill (shell_runner *self)
{
    if (self->term_sent || self->term_pending)
        return;
    if (self->pgid == 0) {
        self->term_pending = true;      /* sent when "start" arrives */
        return;
    }
    signal_step (self, SIGTERM);
    self->term_sent = true;
    self->kill_at_us = fo_now_us () + FO_PROC_KILL_GRACE_MS * 1000ull;
}

static void
end_step (shell_runner *self, bool exited, int code)
{
    self->done = true;
    self->status.duration_us = fo_now_us () - self->start_us;
    /* The shell says 128+N for a job killed by signal N; we know when we
       killed it. */
    if (exited && (self->term_sent || self->kill_sent) && code > 128) {
        self->status.signal = code - 128;
        return;
    }
    self->status.exited = exited;
    self->status.exit_code = code;
    if (!exited)
        self->status.signal = SIGKILL;
}

static void
read_answers (shell_runner *self)
{
    char buf[256];
    ssize_t n;
    while ((n = read (self->ctl_fd, buf, sizeof buf)) > 0)
        fo_buf_append (&self->ctl, buf, (size_t) n);
    char *line = self->ctl.data, *eol;
    while (line && (eol = memchr (line, '\n', self->ctl.len - (size_t) (line - self->ctl.data)))) {
        *eol = '\0';
        if (strncmp (line, "start ", 6) == 0) {
            self->pgid = (pid_t) atoi (line + 6);
            if (self->term_pending) {
                self->term_pending = false;
                begin_kill (self);
            }
        }
        else if (strncmp (line, "exit ", 5) == 0 && self->active && !self->done) {
            /* All the step wrote before it ended is in the pipes now. */
            fo_proc_service (self->worker);
            end_step (self, true, atoi (line + 5));
        }
        line = eol + 1;
    }
    if (line) {
        size_t rest = self->ctl.len - (size_t) (line - self->ctl.data);
        memmove (self->ctl.data, line, rest);
        self->ctl.len = rest;
        self->ctl.data[rest] = '\0';
    }
}

static void
drop_worker (shell_runner *self)
{
    fo_proc_destroy (&self->worker);
    fo_buf_reset (&self->ctl);
    /* A dead worker's unread lines must not answer the next one's steps. */
    char buf[256];
    while (read (self->ctl_fd, buf, sizeof buf) > 0)
        ;
}

/* Appends s as one single-quoted shell word. */
static void
put_quoted (fo_buf *line, const char *s)
{
    fo_buf_puts (line, " '");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            fo_buf_puts (line, "'\\''");
        else
            fo_buf_append (line, p, 1);
    }
    fo_buf_puts (line, "'");
}

static int
sr_start (void *impl, const fo_runner_step *step, fo_start_error *error)
{
    shell_runner *self = impl;
    if (!self->worker && start_worker (self, error) != 0)
        return -1;
    /* The step's command: argv and env quoted for the worker's sh -c. */
    fo_buf line = { 0 };
    fo_buf_printf (&line, "%s\t%s\texec env", step->token ? step->token : fo_reaper_base (),
                   step->step->cwd && *step->step->cwd ? step->step->cwd : ".");
    for (size_t i = 0; i < step->step->env.len; i++) {
        char *kv = fo_xasprintf ("%s=%s", step->step->env.items[i].name,
                                 step->step->env.items[i].value);
        put_quoted (&line, kv);
        free (kv);
    }
    for (size_t i = 0; i < step->step->argv.len; i++)
        put_quoted (&line, step->step->argv.items[i]);
    fo_buf_puts (&line, "\n");
    assert_null (memchr (line.data, '\n', line.len - 1));     /* one line per step */

    fo_capture_init (&self->out, step->output_cap ? step->output_cap : FO_DEFAULT_OUTPUT_CAP);
    fo_capture_init (&self->err, step->output_cap ? step->output_cap : FO_DEFAULT_OUTPUT_CAP);
    memset (&self->status, 0, sizeof self->status);
    self->active = true;
    self->done = false;
    self->pgid = 0;
    self->term_pending = self->term_sent = self->kill_sent = false;
    self->kill_at_us = self->abandon_at_us = UINT64_MAX;
    self->on_output = step->on_output;
    self->output_arg = step->output_arg;
    self->start_us = fo_now_us ();
    self->timeout_at_us = step->step->timeout_ms
                              ? self->start_us + step->step->timeout_ms * 1000ull
                              : UINT64_MAX;
    assert_int_equal (write (self->cmd_fd, line.data, line.len), (ssize_t) line.len);
    fo_buf_free (&line);
    return 0;
}

static int
sr_pollfds (const void *impl, int fds[FO_RUNNER_MAX_FDS])
{
    const shell_runner *self = impl;
    if (!self->active || self->done || !self->worker)
        return 0;
    int n = fo_proc_pollfds (self->worker, fds);   /* stdout, stderr, pidfd */
    fds[n++] = self->ctl_fd;
    return n;
}

static uint64_t
sr_deadline_ms (const void *impl)
{
    const shell_runner *self = impl;
    if (!self->active || self->done)
        return UINT64_MAX;
    uint64_t at = self->timeout_at_us;
    if (self->kill_at_us < at)
        at = self->kill_at_us;
    if (self->abandon_at_us < at)
        at = self->abandon_at_us;
    if (self->term_pending)
        at = fo_now_us () + 10000;  /* the pid is on its way */
    uint64_t worker = fo_proc_deadline_ms (self->worker);
    uint64_t ms = fo_deadline_ms (at);
    return worker < ms ? worker : ms;
}

static bool
sr_service (void *impl)
{
    shell_runner *self = impl;
    if (!self->active || self->done)
        return true;
    if (fo_proc_service (self->worker)) {
        /* The worker died (or was killed as stuck): the step with it. */
        read_answers (self);
        if (!self->done)
            end_step (self, false, 0);
        drop_worker (self);
        return true;
    }
    read_answers (self);
    if (self->done)
        return true;
    uint64_t now = fo_now_us ();
    if (!self->term_sent && !self->term_pending && now >= self->timeout_at_us) {
        self->status.timed_out = true;
        begin_kill (self);
    }
    if (!self->kill_sent && now >= self->kill_at_us) {
        signal_step (self, SIGKILL);
        self->kill_sent = true;
        self->abandon_at_us = now + FO_PROC_KILL_GRACE_MS * 1000ull;
    }
    if (now >= self->abandon_at_us)
        fo_proc_kill (self->worker);   /* stuck: replaced at the next step */
    return false;
}

static void
sr_kill (void *impl)
{
    shell_runner *self = impl;
    if (self->active && !self->done)
        begin_kill (self);
}

static const fo_proc_status *
sr_status (const void *impl)
{
    return &((const shell_runner *) impl)->status;
}

static const fo_capture *
sr_output (const void *impl, int stream)
{
    const shell_runner *self = impl;
    return stream == 2 ? &self->err : &self->out;
}

static void
sr_release (void *impl)
{
    shell_runner *self = impl;
    if (!self->active)
        return;
    if (!self->done) {
        /* Abandoned mid-step: kill it and the worker, which may be stuck
           in it; the next step gets a new worker. */
        signal_step (self, SIGKILL);
        drop_worker (self);
    }
    fo_capture_free (&self->out);
    fo_capture_free (&self->err);
    self->active = false;
}

static void
sr_destroy (void *impl)
{
    shell_runner *self = impl;
    sr_release (self);
    drop_worker (self);
    close (self->cmd_fd);
    close (self->ctl_fd);
    fo_buf_free (&self->ctl);
    remove_dir (self->dir);
    free (self->worker_token);
    free (self);
}

static const fo_runner_ops shell_ops = {
    .name = "shell-worker",
    .start = sr_start,
    .pollfds = sr_pollfds,
    .deadline_ms = sr_deadline_ms,
    .service = sr_service,
    .kill = sr_kill,
    .status = sr_status,
    .output = sr_output,
    .release = sr_release,
    .destroy = sr_destroy,
};

static fo_runner *
shell_runner_new (const char *worker_token, shell_runner **impl_out)
{
    shell_runner *self = fo_xcalloc (1, sizeof *self);
    snprintf (self->dir, sizeof self->dir, "/tmp/fo-test-runner-XXXXXX");
    assert_non_null (mkdtemp (self->dir));
    char *cmd = fo_xasprintf ("%s/cmd", self->dir), *ctl = fo_xasprintf ("%s/ctl", self->dir);
    assert_int_equal (mkfifo (cmd, 0600), 0);
    assert_int_equal (mkfifo (ctl, 0600), 0);
    self->cmd_fd = open (cmd, O_RDWR | O_CLOEXEC);
    self->ctl_fd = open (ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    assert_true (self->cmd_fd >= 0 && self->ctl_fd >= 0);
    free (cmd);
    free (ctl);
    self->worker_token = fo_xstrdup (worker_token);
    *impl_out = self;
    return fo_runner_new (&shell_ops, self);
}

#endif
