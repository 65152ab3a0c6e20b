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
    - When the child fails to start, the program and the cwd are checked
      (fo_proc_check), so that the common mistakes get their words; what
      the checks do not find (ENOEXEC, the file changed meanwhile) is
      reported with the child's errno. Checking first cost every test
      four stat/access calls.
    - Exit is seen through a pidfd (pollable next to the pipes and sockets),
      and confirmed with waitid(WNOWAIT) so that the pid stays a zombie
      until its process group has been killed: the group id then cannot be
      reused by an unrelated process between reaping and killing.
    - The group is signalled through the pidfd where the kernel can
      (PIDFD_SIGNAL_PROCESS_GROUP, 6.9): it names our child's group itself,
      not a number. Otherwise kill(-pid), and only while waitid on the
      pidfd proves the child unreaped: when something else reaped it
      (SIGCHLD ignored, a waitpid(-1)), its group id may be a stranger's.
    - No SIGCHLD handler and no waitpid(-1): broker and agent share one
      process in `fanout run` and each reaps only its own children.
    - No static mutable state: fo_proc is used from several threads. (The
      one process-wide fact, which children are ours, is fo_reaper's.)
    - Spawning and tracking the pid happen under fo_reaper's lock, and the
      pid is untracked only after it is reaped: a sweep of adopted orphans
      never touches (nor reaps) one of our own children.
*/
#include "fo_proc.h"
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

typedef struct fo_proc_async fo_proc_async;

struct fo_proc {
    pid_t pid;                  /* also the process group id */
    int pidfd;                  /* -1 when the kernel has none */
    int out_fd;                 /* read ends, -1 once closed */
    int err_fd;
    fo_capture out;
    fo_capture err;
    fo_output_fn *on_output;
    void *output_arg;
    fo_proc_status status;
    /* One clock for the limit and the duration: both are fo_now_us ()
       readings, compared in microseconds. (Deadlines in whole ms, with the
       start truncated to its ms, fired up to 1 ms before the limit, and a
       test with `timeout: 1` was reported after 0.99995 s.) */
    uint64_t start_us;
    uint64_t timeout_at_us;     /* UINT64_MAX: no timeout */
    uint64_t kill_at_us;        /* SIGKILL after the grace; UINT64_MAX: not yet */
    bool term_sent;
    bool kill_sent;
    bool finished;              /* reaped, output collected */
    uint32_t timeout_ms;        /* the spec's */
    /* fo_proc_start_on: the spawn runs on a spawner's thread until this is
       NULL again (settled); meanwhile the spawner owns pid, pidfd, start_us
       and timeout_at_us. */
    fo_proc_async *async;
    bool kill_wanted;           /* fo_proc_kill before the spawn had ended */
    bool exit_seen;             /* its lane's job saw the exit (has_exited) */
    int start_errnum;           /* the spawn failed (fo_proc_start_failed) */
    char *start_error;
};

static void begin_kill (fo_proc *self);
static int wait_child (const fo_proc *self, siginfo_t *info, int options);

/* ---------------------------------------------------------------------- */
/* Spawning */

static void
close_fd (int *fd)
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

/*  How a child is made, besides its command (fo_proc_spec's). */
typedef struct {
    int pass_fd;                /* -1, or an fd the child gets as fd 3 */
    bool forkable;              /* may come from the Python fork server */
    bool hold;                  /* keep the child's ends open when it started
                                   (a lane's: closed at its exit) */
} launch_how;

/*  The spawn and what follows it, in the thread that spawns (the caller's
    for fo_proc_start, a spawner's for fo_proc_start_on): 0, or the errno
    to report with err worded. Closes the child's ends of the pipes. */
static int
launch (fo_proc *self, char *const *argv, char *const *envp, const char *cwd, int out_w,
        int err_w, launch_how how, char *err, size_t errlen)
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
    self->pidfd = (int) syscall (SYS_pidfd_open, self->pid, 0);
    self->timeout_at_us = self->timeout_ms ? self->start_us + self->timeout_ms * 1000ull
                                           : UINT64_MAX;
    return 0;
}

/*  The envp of a child: the entries of a built environment (shared with
    the other spawns of that environment, not copied: fo_proc_env.h) and
    FANOUT_STEP_TOKEN=<token>, in one allocation. Building the environment
    afresh for every spawn, every variable copied and freed again, was a
    few percent of the agent loop's CPU per tiny test. */
typedef struct {
    fo_proc_env *env;           /* a reference, kept until the spawn has ended */
    char **items;               /* NULL-terminated; ours, the token's string within */
} child_env;

static void
child_env_make (const fo_proc_spec *spec, child_env *ce)
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

static void
child_env_free (child_env *ce)
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
static fo_proc *
prepare (const fo_proc_spec *spec, int out_pipe[2], int err_pipe[2], char *err, size_t errlen)
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
    close_fd (&self->out_fd);
    close_fd (&self->err_fd);
    fo_capture_free (&self->out);
    fo_capture_free (&self->err);
    free (self->start_error);
    free (self);
}

fo_proc *
fo_proc_start (const fo_proc_spec *spec, char *err, size_t errlen)
{
    int out_pipe[2], err_pipe[2];
    fo_proc *self = prepare (spec, out_pipe, err_pipe, err, errlen);
    if (!self)
        return NULL;
    child_env envp;
    child_env_make (spec, &envp);
    launch_how how = { .pass_fd = spec->pass_fd ? *spec->pass_fd : -1,
                       .forkable = spec->forkable };
    int rc = launch (self, spec->argv->items, envp.items, spec->cwd, out_pipe[1], err_pipe[1],
                     how, err, errlen);
    child_env_free (&envp);
    if (rc != 0) {
        discard (self);
        return failed (rc);
    }
    return self;
}

/* ---------------------------------------------------------------------- */
/* Starting on a spawner's thread */

struct fo_proc_async {
    fo_spawner_job job;
    fo_spawner *spawner;
    fo_proc *proc;
    char **argv;                /* copies, with cwd in one block: the spec may go */
    child_env envp;
    char *cwd;
    int out_w, err_w;           /* the child's ends, closed by launch (a lane's:
                                   by its thread, once its job is done) */
    bool forkable;
    /* Started on a lane (fo_proc_start_lane): the job lasts until the
       child has exited, and the loop watches the running child
       meanwhile. launched (release) says the spawn succeeded: pid,
       pidfd, start_us and timeout_at_us are then the loop's to read. */
    bool lane;
    atomic_bool launched;
    int rc;                     /* launch's */
    char err[512];
    uint64_t look_at_ms;        /* settle by then at the latest (the loop's clock) */
};

/*  The command's copies for the spawner's thread, in one allocation: the
    argv pointers, their strings, then cwd (a malloc and a free per
    argument and for cwd were measurable per tiny test). */
static void
copy_command (const fo_proc_spec *spec, fo_proc_async *a)
{
    size_t argc = spec->argv->len;
    size_t size = (argc + 1) * sizeof (char *);
    for (size_t i = 0; i < argc; i++)
        size += strlen (spec->argv->items[i]) + 1;
    size_t cwd_len = spec->cwd ? strlen (spec->cwd) + 1 : 0;
    size += cwd_len;
    a->argv = fo_xmalloc (size);
    char *p = (char *) (a->argv + argc + 1);
    for (size_t i = 0; i < argc; i++) {
        size_t len = strlen (spec->argv->items[i]) + 1;
        memcpy (p, spec->argv->items[i], len);
        a->argv[i] = p;
        p += len;
    }
    a->argv[argc] = NULL;
    a->cwd = NULL;
    if (spec->cwd) {
        memcpy (p, spec->cwd, cwd_len);
        a->cwd = p;
    }
}

static void
run_launch (fo_spawner_job *job)
{
    fo_proc_async *a = (fo_proc_async *) job;
    launch_how how = { .pass_fd = -1, .forkable = a->forkable };
    a->rc = launch (a->proc, a->argv, a->envp.items, a->cwd, a->out_w, a->err_w, how,
                    a->err, sizeof a->err);
}

/*  What both starts on a spawner's thread do before queueing the job:
    the pipes, the proc (starting) and its job, which takes copies of the
    command (the spec may go) and the child's ends of the pipes. */
static fo_proc *
prepare_async (const fo_proc_spec *spec, fo_spawner *spawner, void (*run) (fo_spawner_job *),
               char *err, size_t errlen)
{
    int out_pipe[2], err_pipe[2];
    fo_proc *self = prepare (spec, out_pipe, err_pipe, err, errlen);
    if (!self)
        return NULL;
    fo_proc_async *a = fo_xcalloc (1, sizeof *a);
    a->job.run = run;
    a->job.close_after[0] = a->job.close_after[1] = -1;
    a->spawner = spawner;
    a->proc = self;
    copy_command (spec, a);
    child_env_make (spec, &a->envp);
    a->out_w = out_pipe[1];
    a->err_w = err_pipe[1];
    a->forkable = spec->forkable;
    a->look_at_ms = fo_now_ms () + FO_PROC_SETTLE_MS;
    self->async = a;
    return self;
}

fo_proc *
fo_proc_start_on (fo_spawner *spawner, const fo_proc_spec *spec, char *err, size_t errlen)
{
    /* An fd to pass is the caller's until fo_proc_start returns: only a
       start in the caller's thread can promise it (the discovery's). */
    if (!spawner || spec->pass_fd)
        return fo_proc_start (spec, err, errlen);
    fo_proc *self = prepare_async (spec, spawner, run_launch, err, errlen);
    if (self)
        fo_spawner_submit (spawner, &self->async->job);
    return self;
}

/*  A lane's job: the spawn, holding the child's ends of its pipes. */
static void
run_launch_held (fo_spawner_job *job)
{
    fo_proc_async *a = (fo_proc_async *) job;
    launch_how how = { .pass_fd = -1, .forkable = a->forkable, .hold = true };
    a->rc = launch (a->proc, a->argv, a->envp.items, a->cwd, a->out_w, a->err_w, how,
                    a->err, sizeof a->err);
    if (a->rc != 0)
        a->out_w = a->err_w = -1;       /* launch closed them */
    else {
        /* Closed by the lane's thread once the job is done: after the
           word, so that the exit wakes the loop once. */
        a->job.close_after[0] = a->out_w;
        a->job.close_after[1] = a->err_w;
        a->out_w = a->err_w = -1;
        atomic_store_explicit (&a->launched, true, memory_order_release);
    }
}

/*  ...then the wait for the child's exit, leaving it a zombie for the
    loop to reap (the pidfd is the loop's, unchanged until the job is
    done). */
static void
wait_exit (fo_spawner_job *job)
{
    fo_proc_async *a = (fo_proc_async *) job;
    if (a->rc != 0)
        return;
    siginfo_t info;
    wait_child (a->proc, &info, WEXITED | WNOWAIT);
}


fo_proc *
fo_proc_start_lane (fo_spawner *lanes, unsigned lane, const fo_proc_spec *spec, char *err,
                    size_t errlen)
{
    if (!lanes || !fo_spawner_lanes (lanes) || spec->pass_fd)
        return fo_proc_start_on (lanes, spec, err, errlen);
    fo_proc *self = prepare_async (spec, lanes, run_launch_held, err, errlen);
    if (!self)
        return NULL;
    fo_proc_async *a = self->async;
    a->job.wait = wait_exit;
    a->lane = true;
    /* Asked from the start: the job's word is what tells the loop of the
       exit (the pipes' end of file comes after it, and not at all while
       something the test started holds them). */
    fo_spawner_submit_to (lanes, lane, &a->job, true);
    return self;
}

/*  The spawn on the spawner's thread has ended (fo_spawner_done): the
    proc runs (or has finished with its start error) and the job is gone.
    The count its job added to the spawner's eventfd, if it asked for one,
    is taken only then, by this proc: one still starting leaves the
    eventfd alone (fo_spawner.h). */
static void
settle (fo_proc *self)
{
    fo_proc_async *a = self->async;
    fo_spawner_take (a->spawner, &a->job);
    self->async = NULL;
    if (a->rc != 0) {
        self->start_errnum = a->rc;
        self->start_error = fo_xstrdup (a->err);
        close_fd (&self->out_fd);
        close_fd (&self->err_fd);
        self->finished = true;
    }
    else if (self->kill_wanted)
        begin_kill (self);
    /* A lane's job ends once its wait has seen the child exit (or not
       ours to wait for any more): no need to ask again. */
    self->exit_seen = a->rc == 0 && a->lane;
    free (a->argv);             /* cwd's copy is in the same block */
    child_env_free (&a->envp);
    free (a);
}

/*  Settles the proc if its spawn has ended; otherwise asks the spawner
    for a word when it does. Returns whether it settled. */
static bool
settle_or_ask (fo_proc *self)
{
    fo_proc_async *a = self->async;
    if (!fo_spawner_done (&a->job) && fo_spawner_ask (a->spawner, &a->job))
        return false;           /* its word comes on the eventfd */
    settle (self);
    return true;
}

int
fo_proc_start_failed (const fo_proc *self, const char **message)
{
    if (message)
        *message = self->start_error;
    return self->start_error ? self->start_errnum : 0;
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
            close_fd (fd);      /* EOF or a real error: nothing more to get */
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
static int
wait_child (const fo_proc *self, siginfo_t *info, int options)
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
    siginfo_t info;
    return wait_child (self, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/*  Signals the child's process group. Through the pidfd where the kernel
    can (6.9+): that names the group of our child itself, not a number, so
    it is right even after the child was reaped elsewhere (it reaches the
    group members left, or nobody). Otherwise kill(-pid), only while the
    child is provably unreaped. */
static void
signal_group (fo_proc *self, int sig)
{
    if (self->pidfd >= 0) {
        if (syscall (SYS_pidfd_send_signal, self->pidfd, sig, NULL,
                     PIDFD_SIGNAL_PROCESS_GROUP) == 0 || errno == ESRCH)
            return;     /* sent, or the group is empty */
    }
    if (still_ours (self))
        kill (-self->pid, sig);
}

static void
begin_kill (fo_proc *self)
{
    if (self->term_sent)
        return;
    signal_group (self, SIGTERM);
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
        rc = wait_child (self, &info, WEXITED);
        if (rc == 0 && info.si_pid != self->pid)
            rc = -1;
    }
    else if (still_ours (self)) {
        int wstatus = 0;
        pid_t pid;
        while ((pid = waitpid (self->pid, &wstatus, 0)) < 0 && errno == EINTR)
            ;
        if (pid == self->pid) {
            rc = 0;
            memset (&info, 0, sizeof info);
            info.si_code = WIFEXITED (wstatus) ? CLD_EXITED
                         : WCOREDUMP (wstatus) ? CLD_DUMPED : CLD_KILLED;
            info.si_status = WIFEXITED (wstatus) ? WEXITSTATUS (wstatus) : WTERMSIG (wstatus);
        }
    }
    if (rc != 0)
        return;                 /* reaped elsewhere: no status to report */
    if (info.si_code == CLD_EXITED) {
        self->status.exited = true;
        self->status.exit_code = info.si_status;
    }
    else if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
        self->status.signal = info.si_status;
        self->status.core_dumped = info.si_code == CLD_DUMPED;
    }
}

/*  The main process has exited (a zombie still). Collect what it left in
    the pipes, kill whatever else is in its group, reap it. Processes that
    escaped the group may still hold the pipes: we do not wait for their
    end of file, a drain that sees EAGAIN ends the capture. */
static void
finish (fo_proc *self)
{
    read_pipe (self, 1, READS_PER_SERVICE);
    read_pipe (self, 2, READS_PER_SERVICE);
    signal_group (self, SIGKILL);
    reap (self);
    fo_reaper_untrack (self->pid);

    /* What the killed group members wrote last is in the pipes already. */
    read_pipe (self, 1, READS_PER_SERVICE);
    read_pipe (self, 2, READS_PER_SERVICE);
    close_fd (&self->out_fd);
    close_fd (&self->err_fd);
    close_fd (&self->pidfd);
    self->finished = true;
}

/*  true once the main process is a zombie; does not reap it. */
static bool
has_exited (fo_proc *self)
{
    if (self->exit_seen)
        return true;
    siginfo_t info;
    int rc = wait_child (self, &info, WEXITED | WNOHANG | WNOWAIT);
    /* An error (ECHILD) means someone else reaped it: treat as exited,
       finish() then reports no exit code. */
    return rc < 0 || info.si_pid == self->pid;
}

/*  Has a lane's spawn succeeded? Then the child is the loop's to read,
    signal and limit (not to reap: its job waits for the exit). */
static bool
lane_launched (const fo_proc *self)
{
    return self->async && atomic_load_explicit (&self->async->launched, memory_order_acquire);
}

/*  The limit and the kill grace, at their deadlines. */
static void
check_limits (fo_proc *self)
{
    uint64_t now = fo_now_us ();
    if (!self->term_sent && now >= self->timeout_at_us) {
        self->status.timed_out = true;
        begin_kill (self);
    }
    if (!self->kill_sent && now >= self->kill_at_us) {
        signal_group (self, SIGKILL);
        self->kill_sent = true;
    }
}

/*  A lane's proc whose job has not ended: the child runs (or is being
    spawned). Its output is read and its limit kept here; its exit is the
    job's to see. */
static void
service_lane (fo_proc *self)
{
    if (!lane_launched (self)) {
        self->async->look_at_ms = fo_now_ms () + FO_PROC_SETTLE_MS;
        return;
    }
    if (self->kill_wanted) {
        self->kill_wanted = false;
        begin_kill (self);
    }
    read_pipe_for (self, 1, READS_PER_SERVICE, READ_BUDGET_MS);
    read_pipe_for (self, 2, READS_PER_SERVICE, READ_BUDGET_MS);
    check_limits (self);
}

bool
fo_proc_service (fo_proc *self)
{
    if (self->async && self->async->lane) {
        if (!fo_spawner_done (&self->async->job)) {
            service_lane (self);
            return false;
        }
        settle (self);          /* the child has exited, or never started */
    }
    else if (self->async) {
        /* Its output or its end woke the loop, or the time to look came,
           or the spawner's word: if the spawn has ended, the proc runs on
           (what woke the loop is read now); if not, the spawner's word
           is what to wait for. After the word nothing is known of the
           pipes and the pidfd (they were not polled): they are from now
           on, and wake the loop for what they have. */
        bool asked = fo_spawner_asked (&self->async->job);
        if (!settle_or_ask (self))
            return false;
        if (asked && !self->finished)
            return false;
    }
    if (self->finished)
        return true;
    read_pipe_for (self, 1, READS_PER_SERVICE, READ_BUDGET_MS);
    read_pipe_for (self, 2, READS_PER_SERVICE, READ_BUDGET_MS);
    if (has_exited (self)) {
        self->status.duration_us = fo_now_us () - self->start_us;
        finish (self);
        return true;
    }
    check_limits (self);
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
    if (self->async && self->async->lane && !lane_launched (self))
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
    if (lane_launched (self))
        begin_kill (self);
    else if (self->async && self->async->lane)
        self->kill_wanted = true;       /* at the service that finds it launched */
    else if (self->async) {
        self->kill_wanted = true;       /* once it has started */
        settle_or_ask (self);           /* now, or at the spawner's word */
    }
    else if (!self->finished)
        begin_kill (self);
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
    return self->async && !lane_launched (self) ? 0 : self->pid;
}

/*  A lane's job not begun, taken off its lane: what it holds is freed. */
static void
drop_unbegun (fo_proc *self)
{
    fo_proc_async *a = self->async;
    close_fd (&a->out_w);
    close_fd (&a->err_w);
    free (a->argv);
    child_env_free (&a->envp);
    free (a);
    self->async = NULL;
    self->finished = true;      /* nothing was started */
}

bool
fo_proc_withdraw (fo_proc **self_p)
{
    fo_proc *self = *self_p;
    if (!self || !self->async || !self->async->lane
        || !fo_spawner_cancel (self->async->spawner, &self->async->job))
        return false;
    drop_unbegun (self);
    fo_proc_destroy (self_p);
    return true;
}

/*  For a destroy: a lane's job that has not begun never will; one that
    has is let launch (short), its child killed, and its end waited for
    (its exit follows the kill). */
static void
end_lane_job (fo_proc *self)
{
    fo_proc_async *a = self->async;
    if (fo_spawner_cancel (a->spawner, &a->job)) {
        drop_unbegun (self);
        return;
    }
    while (!fo_spawner_done (&a->job) && !lane_launched (self))
        nanosleep (&(struct timespec) { .tv_nsec = 50000 }, NULL);
    if (!fo_spawner_done (&a->job))
        signal_group (self, SIGKILL);
    fo_spawner_wait (a->spawner, &a->job);
    settle (self);
}

void
fo_proc_destroy (fo_proc **self_p)
{
    fo_proc *self = *self_p;
    if (!self)
        return;
    if (self->async && self->async->lane)
        end_lane_job (self);
    if (self->async) {
        /* Its spawn is queued or running: let it end (it is short), then
           kill what it started like any other. */
        fo_spawner_wait (self->async->spawner, &self->async->job);
        settle (self);
    }
    if (!self->finished) {
        signal_group (self, SIGKILL);
        if (still_ours (self))
            while (waitpid (self->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        fo_reaper_untrack (self->pid);
    }
    close_fd (&self->out_fd);
    close_fd (&self->err_fd);
    close_fd (&self->pidfd);
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
