/*  fo_proc — one child process, spawned and watched without blocking.

    fo_proc_start() spawns argv (PATH lookup) in its own process group,
    in cwd, with the environment overrides applied, stdin from /dev/null, and
    stdout and stderr on two pipes captured separately (fo_capture, capped).
    A pidfd tells when it has exited. The caller polls the fds from
    fo_proc_pollfds() (zmq_poll or poll) and calls fo_proc_service() whenever
    any is readable or its deadline passed. That keeps one event loop in the
    agent (and the broker, for shared fixtures) for sockets and children.

    Timeout: at the deadline the whole process group gets SIGTERM, then
    SIGKILL after FO_PROC_KILL_GRACE_MS; the status says timed_out. Never
    early: the limit and duration_us are measured on one clock (fo_now_us)
    and compared in microseconds, and fo_proc_deadline_ms rounds up, so a
    timed-out process always has duration_us >= timeout_ms * 1000.
    When the main process has exited, the rest of its process group is
    killed too (a test must not leave processes behind).

    Every child carries FANOUT_STEP_TOKEN=<spec token> in its environment
    and is tracked by fo_reaper while it lives, so that processes which
    left the group can still be attributed to their step and killed
    (fo_reaper.h, fo_sweeper.h), and so that sweeps never touch our own
    children.
*/
#ifndef FO_PROC_H
#define FO_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fo_capture.h"
#include "fo_spawner.h"
#include "fo_util.h"

#define FO_PROC_KILL_GRACE_MS 2000u
/* A proc started on a spawner is settled at most this long after its
   start when nothing woke its loop before (fo_proc_start_on). */
#define FO_PROC_SETTLE_MS 20u

/* Output as it arrives, before it is capped: stream 1 is stdout, 2 is
   stderr. Called from fo_proc_service (and fo_proc_destroy never). */
typedef void (fo_output_fn) (void *arg, int stream, const char *data, size_t len);

typedef struct {
    const fo_strv *argv;        /* argv->items[0] looked up in PATH */
    const char *cwd;            /* NULL or "" = inherit */
    const fo_env *env;          /* overrides; NULL = none */
    struct fo_proc_env *built_env; /* or NULL: the environment built already
                                   (fo_proc_env.h: the process environment
                                   with the same overrides); env is then
                                   not looked at. The proc keeps a
                                   reference while it needs it. */
    size_t output_cap;          /* per stream; 0 = FO_DEFAULT_OUTPUT_CAP */
    uint32_t timeout_ms;        /* 0 = none */
    const char *token;          /* FANOUT_STEP_TOKEN; NULL = fo_reaper_base () */
    fo_output_fn *on_output;    /* optional: every chunk read, uncapped */
    void *output_arg;
    bool forkable;              /* may be forked from the Python discovery's
                                   fork server (fo_pyfork.h) when argv is
                                   its `INTERPRETER HELPER ...` */
    const int *pass_fd;         /* NULL, or an fd the child gets as
                                   FO_PYFORK_FD (fo_pyfork_begin's) */
} fo_proc_spec;

typedef struct {
    bool exited;                /* true: exit_code valid */
    int exit_code;
    int signal;                 /* the signal that ended it, 0 if none */
    bool timed_out;             /* we killed it at its deadline */
    bool core_dumped;           /* the signal wrote a core file */
    bool lost;                  /* something else reaped it: how it ended
                                   is unknown (never a pass) */
    uint64_t duration_us;
} fo_proc_status;

typedef struct fo_proc fo_proc;

/* Returns NULL when the process could not be started at all (no such
   program, not executable, bad cwd, no descriptors left): err says why,
   e.g. "cannot run 'foo': No such file or directory", and errno is the
   cause (ENOENT, EACCES, EMFILE, ...; see fo_proc_resource_error). */
fo_proc *fo_proc_start (const fo_proc_spec *spec, char *err, size_t errlen);

/* fo_proc_start, but the spawn (the fork, the wait for the child's exec)
   runs on one of spawner's threads (fo_spawner.h), so the caller's loop
   goes on meanwhile. Until the spawn has ended and a service has seen it
   (settled) the proc is starting: fo_proc_pollfds gives the read ends of
   its pipes (readable once the child wrote or ended, or the spawn
   failed), fo_proc_deadline_ms FO_PROC_SETTLE_MS after the start (the
   child may end while something it started keeps the pipes open: its
   pidfd is polled once settled), fo_proc_pid 0, and fo_proc_kill kills
   it once it has started. A service that finds the spawn still running
   asks the spawner for a word: from then until it settles, fo_proc_pollfds
   gives the spawner's eventfd alone (readable once some spawn that was
   asked about has ended: service every proc that polls it) and
   fo_proc_deadline_ms none (the timeout runs from the spawn). So a test
   that ends within FO_PROC_SETTLE_MS costs its loop one wake-up, not two.
   A spawn that fails ends the proc at the service that settles it:
   finished, no status, fo_proc_start_failed says why in fo_proc_start's
   words. NULL (err and errno set) only for what fails before the spawn
   (an empty command, no descriptors for the pipes). spawner NULL: as
   fo_proc_start. */
fo_proc *fo_proc_start_on (fo_spawner *spawner, const fo_proc_spec *spec, char *err,
                           size_t errlen);

/* fo_proc_start_on, but on a lane of a lanes spawner (fo_spawner.h): its
   thread spawns the child and then waits for its exit, keeping the
   child's ends of the pipes open until then. So the exit wakes that
   thread alone, which starts the lane's next proc if one is queued
   (armed) before it closes them: that end of file, and the job's word
   on the spawner's eventfd, wake the loop only after. Meanwhile
   fo_proc_pollfds gives the pipes and the eventfd (no pidfd),
   fo_proc_service reads the output and keeps the limit as for any
   proc, and fo_proc_pid is 0 until the spawn has succeeded; once the
   job is done, the proc goes on as one started by fo_proc_start_on.
   A proc queued behind another on its lane starts when that one's child
   has exited; fo_proc_destroy before then takes it off the lane (it
   never starts). lanes NULL or a pool: fo_proc_start_on. */
fo_proc *fo_proc_start_lane (fo_spawner *lanes, unsigned lane, const fo_proc_spec *spec,
                             char *err, size_t errlen);

/* A proc from fo_proc_start_lane still queued on its lane (its spawn not
   begun): taken off the lane and freed, *self_p NULL, true. Otherwise
   false and nothing changes. */
bool fo_proc_withdraw (fo_proc **self_p);

/* For a finished proc from fo_proc_start_on whose spawn failed: the
   errno (ENOENT, EMFILE, ...) and *message what fo_proc_start would have
   put in err ("cannot run 'foo': No such file or directory"). 0 when it
   started. */
int fo_proc_start_failed (const fo_proc *self, const char **message);

/* Is errnum (from a failed fo_proc_start) a lack of resources on this
   host — EMFILE, ENFILE, EAGAIN, ENOMEM — that may pass, rather than
   something wrong with the command? The one place that says which
   errors are the host's and not the test's. */
bool fo_proc_resource_error (int errnum);

/* Fills up to 3 fds to wait on for readability (pipes still open, pidfd;
   the spawner's eventfd while starting); returns how many. */
int fo_proc_pollfds (const fo_proc *self, int fds[3]);

/* Monotonic ms (fo_now_ms) when fo_proc_service must be called even if no
   fd is ready (the timeout, or the end of the kill grace), rounded up;
   UINT64_MAX when none. */
uint64_t fo_proc_deadline_ms (const fo_proc *self);

/* Reads what is available, checks exit and deadlines. Never blocks.
   Returns true once the process has finished and its output is collected. */
bool fo_proc_service (fo_proc *self);

/* Finished? Then status and output are final. */
bool fo_proc_finished (const fo_proc *self);
const fo_proc_status *fo_proc_status_get (const fo_proc *self);
const fo_capture *fo_proc_stdout (const fo_proc *self);
const fo_capture *fo_proc_stderr (const fo_proc *self);
pid_t fo_proc_pid (const fo_proc *self);

/* Starts killing the process group now (SIGTERM, SIGKILL after the grace).
   Keep calling fo_proc_service until finished. */
void fo_proc_kill (fo_proc *self);

/* Kills (SIGKILL) and reaps if still running, then frees. */
void fo_proc_destroy (fo_proc **self_p);

/* A signal handler was installed or removed in this process: children
   spawned from now on reset it before their exec (the spawns keep which
   signals have a handler for up to a second otherwise: fo_spawn.c). */
void fo_proc_signals_changed (void);

/* "SIGSEGV" etc. */
const char *fo_signal_name (int sig);

/* What a message says of a process whose status was lost (status.lost). */
#define FO_PROC_STATUS_LOST_TEXT \
    "its exit status was lost: something other than fanout reaped the process"

/* How a process ended, for a message: "timed out after 3.0s (limit 1.0s)",
   "killed by SIGSEGV (core dumped)", FO_PROC_STATUS_LOST_TEXT, or
   fo_exit_status_text. timeout_ms is the limit it had. Free the result. */
char *fo_proc_status_text (const fo_proc_status *status, uint32_t timeout_ms);

/* "exit status 1"; for 129..159, where a shell reports a command killed by
   a signal, also says so: "exit status 139 (a shell's way to say: killed
   by SIGSEGV)". Free the result. */
char *fo_exit_status_text (int exit_code);

/* Convenience for simple callers (discovery, tests): runs to completion,
   blocking. Returns 0 and fills status/out/err (caller frees the bufs),
   or -1 with err_text when it could not start. */
int fo_proc_run_sync (const fo_proc_spec *spec, fo_proc_status *status,
                      fo_buf *out, fo_buf *err, char *err_text, size_t errlen);

#endif
