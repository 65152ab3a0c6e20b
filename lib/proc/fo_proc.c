/*  fo_proc — one child process, spawned and watched without blocking.

    Why it is built this way:
    - fo_spawn (vfork, our own few steps in the child) is cheap enough for
      thousands of spawns a second, and moves the child out of fanout's
      process group before a signal sent to that group can reach it
      (posix_spawnp could not: fo_spawn.h).
    - vfork holds the calling thread until the child has exec'd: an event
      loop that spawns one test after another (the agent's) would wait for
      each exec while the other cores idle. fo_proc_start_on hands the
      spawn to a spawner's thread (fo_spawner.h) and returns at once; the
      proc is "starting" until a service finds the spawn ended. The loop
      is not woken for that alone: the child's pipes wake it when the
      child writes or ends (by then the spawn has long ended), and only a
      service that finds the spawn still running asks for the spawner's
      word (a wake-up per test less for tiny tests). Everything a loop
      does after the start (output, exit, limit, kill, status) is the
      same code either way, and so are the words of a spawn that fails.
      That start, and a lane's (fo_proc_start_lane: the lane's thread also
      waits for the exit), are fo_proc_async.c's.
    - When the child fails to start, the program and the cwd are checked
      (fo_proc_check), so that the common mistakes get their words; what
      the checks do not find (ENOEXEC, the file changed meanwhile) is
      reported with the child's errno. Checking first cost every test
      four stat/access calls.
    - Exit is seen through a pidfd (pollable next to the pipes and sockets),
      and confirmed with waitid(WNOWAIT) so that the pid stays a zombie
      until its process group has been killed: the group id then cannot be
      reused by an unrelated process between reaping and killing. A lane's
      child has no pidfd once the process has promised that only fo_proc
      reaps (fo_reaper_own_children, which fanout's main calls): its lane
      waits for the exit (WNOWAIT), and the zombie that wait saw is proof
      enough that pid and group are ours until finish() reaps it (the
      pidfd's open and close cost about a tenth of fanout's own CPU per
      tiny test).
    - The group is signalled through the pidfd where the kernel can
      (PIDFD_SIGNAL_PROCESS_GROUP, 6.9): it names our child's group itself,
      not a number. Otherwise kill(-pid), and only while waitid on the
      pidfd proves the child unreaped: when something else reaped it
      (SIGCHLD ignored, a waitpid(-1)), its group id may be a stranger's.
      A lane's child without a pidfd is signalled by kill(-pid) on the
      proof of its zombie (above).
    - No SIGCHLD handler and no waitpid(-1): broker and agent share one
      process in `fanout run` and each reaps only its own children.
    - No static mutable state: fo_proc is used from several threads. (The
      one process-wide fact, which children are ours, is fo_reaper's.)
    - Spawning and tracking the pid happen under fo_reaper's lock, and the
      pid is untracked only after it is reaped: a sweep of adopted orphans
      never touches (nor reaps) one of our own children.
*/
#include "fo_proc.h"
#include "fo_proc_state.h"
#include "fo_proc_check.h"
#include "fo_proc_env.h"
#include "fo_proc_scan.h"
#include "fo_pyfork.h"
#include "fo_reaper.h"
#include "fo_spawn.h"
#include "fo_spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK (64u * 1024u)
/* Reads per stream per service call: a child writing without pause must
   not keep us from checking deadlines and other fds. */
#define READS_PER_SERVICE 16
/* ...and at most this long: what reads the output (a TAP reader turning a
   million points into results, slower under sanitizers) must not keep the
   agent from its heartbeats for seconds. The drain at the end has none. */
#define READ_BUDGET_MS 100u
/* Without a pidfd (old kernel) exit is found by polling this often. */
#define NO_PIDFD_POLL_MS 10u
/* linux/pidfd.h of Linux 6.9; older kernels refuse it (EINVAL). */
#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP (1u << 2)
#endif



/* ---------------------------------------------------------------------- */
/* Spawning */

void
fo_proc_close_fd (int *fd)
{
    if (*fd >= 0) {
        close (*fd);
        *fd = -1;
    }
}

/*  A pipe whose read end (ours) is non-blocking and whose write end (the
    child's stdout/stderr) stays blocking: O_NONBLOCK lives on the open file
    description, so setting it on both ends would hand the child a stdout
    that fails with EAGAIN whenever we are slow to read. */
static int
make_pipe (int fds[2])
{
    if (pipe2 (fds, O_CLOEXEC) != 0)
        return errno;
    if (fcntl (fds[0], F_SETFL, O_NONBLOCK) != 0) {
        int rc = errno;
        close (fds[0]);
        close (fds[1]);
        return rc;
    }
    return 0;
}


/*  The spawn and what follows it, in the thread that spawns (the caller's
    for fo_proc_start, a spawner's for fo_proc_start_on): 0, or the errno
    to report with err worded. Closes the child's ends of the pipes. */
int
fo_proc_launch (fo_proc *self, char *const *argv, char *const *envp, const char *cwd,
                int out_w, int err_w, fo_proc_launch_how how, char *err, size_t errlen)
{
    fo_spawn_spec ss = {
        .argv = argv,
        .envp = envp,
        .cwd = cwd,
        .out_fd = out_w,
        .err_fd = err_w,
        .pass_fd = how.pass_fd,
    };
    fo_spawn_stage stage = FO_SPAWN_SETUP;
    int rc;
    /* Forked from the Python discovery when it can (fo_pyfork.h: the
       same kind of child, its imports done, tracked), else spawned. */
    self->start_us = fo_now_us ();
    if (how.forkable && fo_pyfork_spawn (argv, envp, cwd, out_w, err_w, &self->pid) == 0)
        rc = 0;
    else {
        fo_reaper_lock ();
        self->start_us = fo_now_us ();
        rc = fo_spawn (&ss, &self->pid, &stage);
        if (rc == 0)
            fo_reaper_track (self->pid);
        fo_reaper_unlock ();
    }
    if (rc != 0 || !how.hold) {
        close (out_w);
        close (err_w);
    }
    if (rc != 0) {
        /* The checks word the common mistakes (a missing program, a bad
           cwd) as such; they run only once the child has failed, so that a
           test that starts pays none of their four stat/access calls. What
           they do not find (ENOEXEC, the file changed meanwhile, no
           processes left) gets the child's errno in the same words. */
        const char *prog = argv[0];
        int checked = stage == FO_SPAWN_SETUP ? 0
                                              : fo_proc_check_runnable (prog, cwd, err, errlen);
        if (checked != 0)
            return checked;
        if (stage == FO_SPAWN_CHDIR)
            snprintf (err, errlen, "cannot change to directory '%s': %s", cwd, strerror (rc));
        else
            snprintf (err, errlen, "cannot run '%s': %s", prog, strerror (rc));
        return rc;
    }
    if (!how.no_pidfd)
        self->pidfd = (int) syscall (SYS_pidfd_open, self->pid, 0);
    self->timeout_at_us = self->timeout_ms ? self->start_us + self->timeout_ms * 1000ull
                                           : UINT64_MAX;
    return 0;
}


void
fo_proc_child_env_make (const fo_proc_spec *spec, fo_proc_child_env *ce)
{
    ce->env = spec->built_env ? fo_proc_env_ref (spec->built_env) : fo_proc_env_new (spec->env);
    size_t n;
    char *const *entries = fo_proc_env_entries (ce->env, &n);
    const char *token = spec->token ? spec->token : fo_reaper_base ();
    static const char key[] = FO_STEP_TOKEN_VAR "=";
    size_t tlen = strlen (token);
    size_t pointers = (n + 2) * sizeof (char *);
    ce->items = fo_xmalloc (pointers + sizeof key + tlen);
    char *entry = (char *) ce->items + pointers;
    memcpy (entry, key, sizeof key - 1);
    memcpy (entry + sizeof key - 1, token, tlen + 1);
    if (n)
        memcpy (ce->items, entries, n * sizeof (char *));
    ce->items[n] = entry;
    ce->items[n + 1] = NULL;
}

void
fo_proc_child_env_free (fo_proc_child_env *ce)
{
    free (ce->items);
    ce->items = NULL;
    fo_proc_env_unref (&ce->env);
}

bool
fo_proc_resource_error (int errnum)
{
    return errnum == EMFILE || errnum == ENFILE || errnum == EAGAIN || errnum == ENOMEM;
}

/* NULL with errno = rc: the caller's errno says why, after any cleanup. */
static fo_proc *
failed (int rc)
{
    errno = rc;
    return NULL;
}

/*  What both starts do before the spawn: the pipes, and the proc (not
    yet started). NULL with err set and errno the cause. */
fo_proc *
fo_proc_prepare (const fo_proc_spec *spec, int out_pipe[2], int err_pipe[2], char *err,
                 size_t errlen)
{
    if (!spec->argv || spec->argv->len == 0 || !spec->argv->items[0]) {
        snprintf (err, errlen, "cannot run an empty command");
        return failed (EINVAL);
    }
    const char *prog = spec->argv->items[0];
    int rc;
    if ((rc = make_pipe (out_pipe)) != 0) {
        snprintf (err, errlen, "cannot run '%s': pipe: %s", prog, strerror (rc));
        return failed (rc);
    }
    if ((rc = make_pipe (err_pipe)) != 0) {
        close (out_pipe[0]);
        close (out_pipe[1]);
        snprintf (err, errlen, "cannot run '%s': pipe: %s", prog, strerror (rc));
        return failed (rc);
    }
    fo_proc *self = fo_xcalloc (1, sizeof *self);
    self->pid = 0;
    self->pidfd = -1;
    self->out_fd = out_pipe[0];
    self->err_fd = err_pipe[0];
    self->timeout_ms = spec->timeout_ms;
    self->timeout_at_us = UINT64_MAX;
    self->kill_at_us = UINT64_MAX;
    self->on_output = spec->on_output;
    self->output_arg = spec->output_arg;
    size_t cap = spec->output_cap ? spec->output_cap : FO_DEFAULT_OUTPUT_CAP;
    fo_capture_init (&self->out, cap);
    fo_capture_init (&self->err, cap);
    return self;
}

/* A proc that never started: freed. */
static void
discard (fo_proc *self)
{
    fo_proc_close_fd (&self->out_fd);
    fo_proc_close_fd (&self->err_fd);
    fo_capture_free (&self->out);
    fo_capture_free (&self->err);
    free (self->start_error);
    free (self);
}

fo_proc *
fo_proc_start (const fo_proc_spec *spec, char *err, size_t errlen)
{
    int out_pipe[2], err_pipe[2];
    fo_proc *self = fo_proc_prepare (spec, out_pipe, err_pipe, err, errlen);
    if (!self)
        return NULL;
    fo_proc_child_env envp;
    fo_proc_child_env_make (spec, &envp);
    fo_proc_launch_how how = { .pass_fd = spec->pass_fd ? *spec->pass_fd : -1,
                       .forkable = spec->forkable };
    int rc = fo_proc_launch (self, spec->argv->items, envp.items, spec->cwd, out_pipe[1],
                             err_pipe[1], how, err, errlen);
    fo_proc_child_env_free (&envp);
    if (rc != 0) {
        discard (self);
        return failed (rc);
    }
    return self;
}

/* ---------------------------------------------------------------------- */
/* Watching */

/*  Reads up to max_reads chunks, for at most budget_ms after the first
    (0: no limit); closes the fd at end of file. Returns true when the pipe
    is drained for now (EAGAIN or closed). */
static bool
read_pipe_for (fo_proc *self, int stream, int max_reads, uint64_t budget_ms)
{
    int *fd = stream == 1 ? &self->out_fd : &self->err_fd;
    fo_capture *cap = stream == 1 ? &self->out : &self->err;
    char buf[READ_CHUNK];
    uint64_t until = budget_ms ? fo_now_ms () + budget_ms : 0;
    for (int i = 0; *fd >= 0 && i < max_reads; i++) {
        if (until && i > 0 && fo_now_ms () >= until)
            return false;
        ssize_t n = read (*fd, buf, sizeof buf);
        if (n > 0) {
            fo_capture_append (cap, buf, (size_t) n);
            if (self->on_output)
                self->on_output (self->output_arg, stream, buf, (size_t) n);
        }
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        else
            fo_proc_close_fd (fd);      /* EOF or a real error: nothing more to get */
    }
    return *fd < 0;
}

static bool
read_pipe (fo_proc *self, int stream, int max_reads)
{
    return read_pipe_for (self, stream, max_reads, 0);
}

/*  Waits (options as for waitid) for our child itself: through its pidfd
    when there is one, which names that very process, so that a pid reaped
    by someone else and reused can never be mistaken for it; by pid
    otherwise (an old kernel). */
int
fo_proc_wait_child (const fo_proc *self, siginfo_t *info, int options)
{
    memset (info, 0, sizeof *info);
    int rc;
    for (;;) {
        if (self->pidfd >= 0) {
            rc = waitid (P_PIDFD, (id_t) self->pidfd, info, options);
            if (rc < 0 && errno == EINVAL)      /* pidfd_open without P_PIDFD: 5.3 */
                rc = waitid (P_PID, (id_t) self->pid, info, options);
        }
        else
            rc = waitid (P_PID, (id_t) self->pid, info, options);
        if (rc == 0 || errno != EINTR)
            return rc;
    }
}

/*  Is our child still unreaped (running, or a zombie)? Only then is its
    pid, which is also its process group's id, certainly not reused: then
    kill(-pid) and waitpid(pid) are safe. It is reaped only by finish() and
    fo_proc_destroy, unless something else reaps our children: SIGCHLD set
    to SIG_IGN (the kernel reaps), or a waitpid(-1) somewhere. */
static bool
still_ours (const fo_proc *self)
{
    if (self->zombie)
        return true;            /* seen a zombie, and only finish() reaps it */
    siginfo_t info;
    return fo_proc_wait_child (self, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/*  Signals the child's process group. Through the pidfd where the kernel
    can (6.9+): that names the group of our child itself, not a number, so
    it is right even after the child was reaped elsewhere (it reaches the
    group members left, or nobody). Otherwise kill(-pid), only while the
    child is provably unreaped. */
void
fo_proc_signal_group (fo_proc *self, int sig)
{
    if (self->pidfd >= 0) {
        if (syscall (SYS_pidfd_send_signal, self->pidfd, sig, NULL,
                     PIDFD_SIGNAL_PROCESS_GROUP) == 0 || errno == ESRCH)
            return;     /* sent, or the group is empty */
    }
    if (still_ours (self))
        kill (-self->pid, sig);
}

void
fo_proc_begin_kill (fo_proc *self)
{
    if (self->term_sent)
        return;
    fo_proc_signal_group (self, SIGTERM);
    /* A stopped process (SIGSTOP, a shell's job control) keeps SIGTERM
       pending until it runs again: without this, a test that stopped
       itself could not clean up and waited for the SIGKILL after the
       grace. */
    fo_proc_signal_group (self, SIGCONT);
    self->term_sent = true;
    self->kill_at_us = fo_now_us () + FO_PROC_KILL_GRACE_MS * 1000ull;
}

/*  Reaps the exited child and records how it ended; no status when
    something else reaped it. Through the pidfd, one waitid that reaps
    that very process (ECHILD when it is not ours to reap any more);
    by pid only while still_ours proves it unreaped (old kernels). */
static void
reap (fo_proc *self)
{
    siginfo_t info;
    int rc = -1;
    if (self->pidfd >= 0) {
        rc = fo_proc_wait_child (self, &info, WEXITED);
        if (rc == 0 && info.si_pid != self->pid)
            rc = -1;
    }
    else if (still_ours (self)) {
        int wstatus = 0;
        pid_t pid;
        while ((pid = waitpid (self->pid, &wstatus, 0)) < 0 && errno == EINTR)
            ;
        self->zombie = false;
        if (pid == self->pid) {
            rc = 0;
            memset (&info, 0, sizeof info);
            info.si_code = WIFEXITED (wstatus) ? CLD_EXITED
                         : WCOREDUMP (wstatus) ? CLD_DUMPED : CLD_KILLED;
            info.si_status = WIFEXITED (wstatus) ? WEXITSTATUS (wstatus) : WTERMSIG (wstatus);
        }
    }
    if (rc != 0) {
        self->status.lost = true;       /* reaped elsewhere: no status to report */
        return;
    }
    if (info.si_code == CLD_EXITED) {
        self->status.exited = true;
        self->status.exit_code = info.si_status;
    }
    else if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
        self->status.signal = info.si_status;
        self->status.core_dumped = info.si_code == CLD_DUMPED;
    }
}

/*  The main process has exited (a zombie still). Kill whatever else is in
    its group, reap it, collect what the pipes hold. Everything the main
    process wrote is in the pipes already (its writes ended with it), and
    so is what the killed group members wrote last: one drain after the
    kill gets both, a drain before it only the same bytes sooner (it cost
    two reads a test that found nothing). Processes that escaped the group
    may still hold the pipes: we do not wait for their end of file, a
    drain that sees EAGAIN ends the capture. */
static void
finish (fo_proc *self)
{
    fo_proc_signal_group (self, SIGKILL);
    reap (self);
    fo_reaper_untrack (self->pid);
    read_pipe (self, 1, READS_PER_SERVICE);
    read_pipe (self, 2, READS_PER_SERVICE);
    fo_proc_close_fd (&self->out_fd);
    fo_proc_close_fd (&self->err_fd);
    fo_proc_close_fd (&self->pidfd);
    self->finished = true;
}

/*  true once the main process is a zombie; does not reap it. */
static bool
has_exited (fo_proc *self)
{
    if (self->exit_seen)
        return true;
    siginfo_t info;
    int rc = fo_proc_wait_child (self, &info, WEXITED | WNOHANG | WNOWAIT);
    /* An error (ECHILD) means someone else reaped it: treat as exited,
       finish() then reports no exit code. */
    return rc < 0 || info.si_pid == self->pid;
}

/*  What the pipes hold now, within the read budget (a lane's proc too,
    while its job waits: fo_proc_async.c). */
void
fo_proc_read_some (fo_proc *self)
{
    read_pipe_for (self, 1, READS_PER_SERVICE, READ_BUDGET_MS);
    read_pipe_for (self, 2, READS_PER_SERVICE, READ_BUDGET_MS);
}

/*  The limit and the kill grace, at their deadlines. */
void
fo_proc_check_limits (fo_proc *self)
{
    uint64_t now = fo_now_us ();
    if (!self->term_sent && now >= self->timeout_at_us) {
        self->status.timed_out = true;
        fo_proc_begin_kill (self);
    }
    if (!self->kill_sent && now >= self->kill_at_us) {
        fo_proc_signal_group (self, SIGKILL);
        self->kill_sent = true;
    }
}

bool
fo_proc_service (fo_proc *self)
{
    if (self->async && self->async->lane) {
        if (!fo_spawner_done (&self->async->job)) {
            fo_proc_service_lane (self);
            return false;
        }
        fo_proc_settle (self);          /* the child has exited, or never started */
    }
    else if (self->async) {
        /* Its output or its end woke the loop, or the time to look came,
           or the spawner's word: if the spawn has ended, the proc runs on
           (what woke the loop is read now); if not, the spawner's word
           is what to wait for. After the word nothing is known of the
           pipes and the pidfd (they were not polled): they are from now
           on, and wake the loop for what they have. */
        bool asked = fo_spawner_asked (&self->async->job);
        if (!fo_proc_settle_or_ask (self))
            return false;
        if (asked && !self->finished)
            return false;
    }
    if (self->finished)
        return true;
    /* Exited: finish() reads what is there; reading first as well would
       cost two reads that find the same bytes, or nothing. */
    if (has_exited (self)) {
        self->status.duration_us = fo_now_us () - self->start_us;
        finish (self);
        return true;
    }
    fo_proc_read_some (self);
    fo_proc_check_limits (self);
    return false;
}

int
fo_proc_pollfds (const fo_proc *self, int fds[3])
{
    if (self->async && self->async->lane) {
        /* The output as it comes, and the job's word (it was asked for at
           the start): not the pidfd, whose wake-up at the exit would
           compete for the CPU the lane's thread needs then. */
        int n = 0;
        if (self->out_fd >= 0)
            fds[n++] = self->out_fd;
        if (self->err_fd >= 0)
            fds[n++] = self->err_fd;
        fds[n++] = fo_spawner_job_fd (self->async->spawner, &self->async->job);
        return n;
    }
    if (self->async && fo_spawner_asked (&self->async->job)) {
        fds[0] = fo_spawner_notify_fd (self->async->spawner);   /* its word */
        return 1;
    }
    /* Starting and not asked: the pipes, open until the proc settles, tell
       when the child has written or ended (fo_proc_start_on). */
    int n = 0;
    if (self->out_fd >= 0)
        fds[n++] = self->out_fd;
    if (self->err_fd >= 0)
        fds[n++] = self->err_fd;
    if (self->pidfd >= 0)
        fds[n++] = self->pidfd;
    return n;
}

uint64_t
fo_proc_deadline_ms (const fo_proc *self)
{
    if (self->async && self->async->lane && !fo_proc_lane_launched (self))
        return self->async->look_at_ms;     /* then the limit is known */
    if (self->async && !self->async->lane)  /* the limit runs from the spawn */
        return fo_spawner_asked (&self->async->job) ? UINT64_MAX : self->async->look_at_ms;
    if (self->finished)
        return UINT64_MAX;
    uint64_t deadline = UINT64_MAX;
    if (self->async)            /* a lane's, launched: its exit comes as a word */
        return self->kill_wanted ? 0    /* a kill asked before its launch: now */
               : !self->term_sent  ? fo_deadline_ms (self->timeout_at_us)
               : !self->kill_sent ? fo_deadline_ms (self->kill_at_us) : UINT64_MAX;
    if (!self->term_sent)
        deadline = fo_deadline_ms (self->timeout_at_us);
    else if (!self->kill_sent)
        deadline = fo_deadline_ms (self->kill_at_us);
    if (self->pidfd < 0) {
        uint64_t poll_at = fo_now_ms () + NO_PIDFD_POLL_MS;
        if (poll_at < deadline)
            deadline = poll_at;
    }
    return deadline;
}

void
fo_proc_kill (fo_proc *self)
{
    if (fo_proc_lane_launched (self))
        fo_proc_begin_kill (self);
    else if (self->async && self->async->lane)
        self->kill_wanted = true;       /* at the service that finds it launched */
    else if (self->async) {
        self->kill_wanted = true;       /* once it has started */
        fo_proc_settle_or_ask (self);           /* now, or at the spawner's word */
    }
    else if (!self->finished)
        fo_proc_begin_kill (self);
}

bool
fo_proc_finished (const fo_proc *self)
{
    return self->finished;
}

const fo_proc_status *
fo_proc_status_get (const fo_proc *self)
{
    return &self->status;
}

const fo_capture *
fo_proc_stdout (const fo_proc *self)
{
    return &self->out;
}

const fo_capture *
fo_proc_stderr (const fo_proc *self)
{
    return &self->err;
}

pid_t
fo_proc_pid (const fo_proc *self)
{
    return self->async && !fo_proc_lane_launched (self) ? 0 : self->pid;
}

void
fo_proc_destroy (fo_proc **self_p)
{
    fo_proc *self = *self_p;
    if (!self)
        return;
    if (self->async && self->async->lane)
        fo_proc_end_lane_job (self);
    if (self->async) {
        /* Its spawn is queued or running: let it end (it is short), then
           kill what it started like any other. */
        fo_spawner_wait (self->async->spawner, &self->async->job);
        fo_proc_settle (self);
    }
    if (!self->finished) {
        fo_proc_signal_group (self, SIGKILL);
        if (still_ours (self))
            while (waitpid (self->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        fo_reaper_untrack (self->pid);
    }
    fo_proc_close_fd (&self->out_fd);
    fo_proc_close_fd (&self->err_fd);
    fo_proc_close_fd (&self->pidfd);
    fo_capture_free (&self->out);
    fo_capture_free (&self->err);
    free (self->start_error);
    free (self);
    *self_p = NULL;
}

/* ---------------------------------------------------------------------- */

void
fo_proc_signals_changed (void)
{
    fo_spawn_signals_changed ();
}

const char *
fo_signal_name (int sig)
{
    switch (sig) {
#define NAME(s) case s: return #s
    NAME (SIGHUP); NAME (SIGINT); NAME (SIGQUIT); NAME (SIGILL); NAME (SIGTRAP);
    NAME (SIGABRT); NAME (SIGBUS); NAME (SIGFPE); NAME (SIGKILL); NAME (SIGUSR1);
    NAME (SIGSEGV); NAME (SIGUSR2); NAME (SIGPIPE); NAME (SIGALRM); NAME (SIGTERM);
    NAME (SIGSTKFLT); NAME (SIGCHLD); NAME (SIGCONT); NAME (SIGSTOP); NAME (SIGTSTP);
    NAME (SIGTTIN); NAME (SIGTTOU); NAME (SIGURG); NAME (SIGXCPU); NAME (SIGXFSZ);
    NAME (SIGVTALRM); NAME (SIGPROF); NAME (SIGWINCH); NAME (SIGIO); NAME (SIGPWR);
    NAME (SIGSYS);
#undef NAME
    default:
        break;
    }
    /* Rare signals (real-time ones): a per-thread buffer keeps this
       thread-safe without a static table to fill. */
    static _Thread_local char other[32];
    const char *abbrev = sigabbrev_np (sig);
    if (abbrev)
        snprintf (other, sizeof other, "SIG%s", abbrev);
    else
        snprintf (other, sizeof other, "signal %d", sig);
    return other;
}

char *
fo_proc_status_text (const fo_proc_status *st, uint32_t timeout_ms)
{
    if (st->timed_out)
        return fo_xasprintf ("timed out after %.1fs (limit %.1fs)", (double) st->duration_us / 1e6,
                             (double) timeout_ms / 1e3);
    if (st->signal)
        return fo_xasprintf ("killed by %s%s", fo_signal_name (st->signal),
                             st->core_dumped ? " (core dumped)" : "");
    if (st->lost)
        return fo_xstrdup (FO_PROC_STATUS_LOST_TEXT);
    return fo_exit_status_text (st->exit_code);
}

char *
fo_exit_status_text (int exit_code)
{
    /* The exit status itself is what the test said; the signal is only a
       hint, since a program may exit 139 on purpose. */
    if (exit_code > 128 && exit_code < 160 && sigabbrev_np (exit_code - 128))
        return fo_xasprintf ("exit status %d (128 + %s: how a shell reports a command killed "
                             "by that signal)", exit_code, fo_signal_name (exit_code - 128));
    return fo_xasprintf ("exit status %d", exit_code);
}

int
fo_proc_run_sync (const fo_proc_spec *spec, fo_proc_status *status,
                  fo_buf *out, fo_buf *err, char *err_text, size_t errlen)
{
    fo_proc *proc = fo_proc_start (spec, err_text, errlen);
    if (!proc)
        return -1;
    while (!fo_proc_service (proc)) {
        int fds[3];
        struct pollfd pfd[3];
        int n = fo_proc_pollfds (proc, fds);
        for (int i = 0; i < n; i++)
            pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        uint64_t deadline = fo_proc_deadline_ms (proc);
        int timeout = -1;
        if (deadline != UINT64_MAX) {
            uint64_t now = fo_now_ms ();
            uint64_t wait = deadline > now ? deadline - now : 0;
            timeout = wait > INT_MAX ? INT_MAX : (int) wait;
        }
        poll (pfd, (nfds_t) n, timeout);   /* EINTR: just service again */
    }
    if (status)
        *status = *fo_proc_status_get (proc);
    if (out)
        fo_capture_render (fo_proc_stdout (proc), out);
    if (err)
        fo_capture_render (fo_proc_stderr (proc), err);
    fo_proc_destroy (&proc);
    return 0;
}
