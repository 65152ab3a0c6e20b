/*  fo_reaper — no process that fanout started may outlive its step.

    A test's process group is killed by fo_proc, but a test can leave its
    group (setsid, double fork) and live on as an orphan. fanout therefore:

    1. marks every process it starts with FANOUT_STEP_TOKEN=<token>, where
       tokens nest like paths: "<base>/<scope>/<scope>/..." and <base>
       (fo_reaper_base) is unique to this fanout process;
    2. becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER): orphaned
       descendants are re-parented to this process instead of init, so they
       are found among its own children, and their zombies are ours to reap;
    3. sweeps: kills (SIGKILL, and their process group when they lead one)
       the children it adopted whose token lies under a finished scope, and
       reaps the zombies of adopted children. What an adopted child had
       started is adopted in turn when it dies, and the next pass gets it.

    fo_proc's own children are tracked here (fo_reaper_track) and never
    touched by a sweep: their pidfd/waitid belongs to fo_proc. Spawning and
    tracking happen under fo_reaper_lock, which a sweep holds exclusively,
    so a sweep never sees a just-spawned child as an orphan; spawns on
    several threads (fo_spawner.h) hold it together. Nothing here calls
    waitpid(-1): a sweep reaps only untracked zombies, by pid.

    The state is process-wide by nature (a process has one set of children),
    guarded by one mutex; fo_proc is used from several threads.
*/
#ifndef FO_REAPER_H
#define FO_REAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Makes this process's children its own to reap: SIGCHLD back to its
   default, without SA_NOCLDWAIT, whatever the process that started us
   left (both are inherited across exec). With SIGCHLD ignored the kernel
   reaps every child as it exits and its exit status is lost: a failing
   test would have no status to fail with. Call before any thread starts.
   Returns true when it had to change something.

   It is also the process's promise that only fo_proc reaps fo_proc's
   children from then on: no waitpid(-1) or waitpid of their pids
   elsewhere, SIGCHLD never ignored again. fanout's main makes it. A
   lane's child (fo_proc_start_lane) then goes without a pidfd: the
   zombie its lane's wait saw names its process group until fo_proc
   reaps it. Without the promise every child keeps a pidfd, which stays
   right even when something else reaps it. */
bool fo_reaper_own_children (void);
/* Whether fo_reaper_own_children has been called. */
bool fo_reaper_children_owned (void);

/* Makes this process a child subreaper. 0, or -1 with errno. Idempotent. */
int fo_reaper_become_subreaper (void);

/* "fanout-<pid>-<8 hex digits>": the prefix of every token this process
   hands out. Thread-safe, computed once. */
const char *fo_reaper_base (void);

/* fo_proc: hold the lock across the spawn and fo_reaper_track; untrack
   once the child is reaped (without the lock held). Several threads may
   hold it at once (a read lock; a pass takes it for writing). */
void fo_reaper_lock (void);
void fo_reaper_unlock (void);
void fo_reaper_track (pid_t pid);
void fo_reaper_untrack (pid_t pid);

typedef struct {
    size_t killed;      /* adopted children sent SIGKILL */
    size_t reaped;      /* adopted zombies reaped */
    size_t unknown;     /* adopted, alive, token unreadable (exiting) */
} fo_reaper_counts;

/* A mark for the start of a scope: the newest pid this process has
   spawned (or, before its first spawn, the newest pid of the host). Every
   process the scope starts from now on gets a later pid (cyclically), so a
   pass for the scope's token need only look at pids after the mark
   (fo_reaper_pass_after). 0: unknown. Cheap: no system call after the
   first spawn. */
pid_t fo_reaper_mark (void);

/* fo_reaper_pass over the processes whose pid was allocated after
   `after` (a mark) only: what a scope that began at the mark can have
   left behind, without reading the host's older processes. after 0, or a
   kernel that cannot tell the newest pid: every process, as
   fo_reaper_pass. */
fo_reaper_counts fo_reaper_pass_after (pid_t after, const char *const *prefixes,
                                       size_t nprefixes, size_t *hits);

/* One pass over this process's untracked children: reaps zombies, kills
   those whose token matches one of prefixes (every untracked child when
   prefixes is NULL). hits[i] (when hits is not NULL) counts the kills for
   prefixes[i]. Never blocks. */
fo_reaper_counts fo_reaper_pass (const char *const *prefixes, size_t nprefixes, size_t *hits);

/* Passes until one finds nothing more to kill, reap or wait for, or
   max_ms passed. prefix NULL: every untracked child. Returns the kills. */
size_t fo_reaper_kill_all (const char *prefix, uint32_t max_ms);

/* For a signal handler (about to _exit, or to end the run at once):
   SIGKILLs every child of this process (and the groups they lead) except
   `spare`, and repeats until every child is dead (a zombie: what it had
   started is ours by then, and killed in the next round) or about two
   seconds passed. Reaps nothing, so that a tracked child stays fo_proc's
   to reap (its pid and process group id are not reused before). Takes no
   lock and allocates nothing: async-signal-safe. Returns the kills. */
size_t fo_reaper_emergency (pid_t spare);

#endif
