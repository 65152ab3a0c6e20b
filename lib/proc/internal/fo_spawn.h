/*  fo_spawn — private to fo_proc: starts one child process in its own
    process group, with a clean signal state, stdin from /dev/null and
    stdout/stderr on the given fds, in cwd, with argv (PATH lookup as
    posix_spawnp does) and envp.

    Why not posix_spawnp: until the child has called setpgid it is still in
    fanout's process group, and a signal sent to that group then (timeout(1),
    a CI runner, Ctrl-C in a terminal all signal the whole group) must not
    reach the test. glibc's child runs with every signal blocked, so such a
    signal stays pending; POSIX_SPAWN_SETSIGDEF then sets SIGINT to SIG_DFL,
    which does not discard a pending signal, and it killed the child as soon
    as the mask was restored. Our own child moves to its own group first,
    then sets SIGINT, SIGTERM, SIGHUP and SIGQUIT to SIG_IGN (which discards
    what is pending) and back to SIG_DFL, and only then unblocks signals.

    vfork: the child shares our memory until it execs (no page tables
    copied, docs/performance.md), so it only makes async-signal-safe calls
    and allocates nothing: every path and array is prepared before. All
    signals but SIGCHLD are blocked in the calling thread around the
    vfork, so no handler of ours ever runs in the child; the child resets
    every handled signal to SIG_DFL before it unblocks them.

    SIGCHLD stays unblocked in every thread that spawns (here and on
    fo_spawner's threads): the kernel sends a child's SIGCHLD to the
    thread that created it, and drops it there when that thread does not
    block it and its action is the default (ignore). A blocked one is
    queued for the process instead and wakes another thread, whichever
    does not block it (the broker's loop in `fanout run`, the agent's
    loop in `fanout agent`): a wake-up of that loop and a restarted poll
    for every test (docs/performance-log.md, "Issue 15: fanout's own CPU per
    test"). The child never gets a SIGCHLD before its exec (it has no
    children), and resets it to SIG_DFL anyway.

    Thread-safe: the calling thread is suspended until the child has exec'd
    or failed; other threads run on.
*/
#ifndef FO_SPAWN_H
#define FO_SPAWN_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    char *const *argv;          /* argv[0] looked up in PATH unless it has a '/' */
    char *const *envp;
    const char *cwd;            /* NULL or "": inherit */
    int out_fd;                 /* the child's stdout and stderr */
    int err_fd;
    int pass_fd;                /* -1, or an fd the child gets as fd 3 */
} fo_spawn_spec;

typedef enum {
    FO_SPAWN_SETUP,             /* fork, process group, descriptors */
    FO_SPAWN_CHDIR,             /* changing to cwd */
    FO_SPAWN_EXEC,              /* the program could not be executed */
} fo_spawn_stage;

/*  0 with *pid set, or the errno value of the first step that failed (and
    *stage says which; the failed child has been reaped). */
int fo_spawn (const fo_spawn_spec *spec, pid_t *pid, fo_spawn_stage *stage);

/*  For the calling thread: every child it spawns from then on sets this
    CPU affinity before its exec (mask must outlive those spawns), so that
    a thread pinned to one CPU (a slot's lane, fo_spawner.h) does not pin
    its children; NULL: the children keep the thread's. Best effort: a
    mask the kernel refuses by then (its CPUs gone) leaves the child's. */
void fo_spawn_child_affinity (const cpu_set_t *mask);

/*  A signal handler was installed or removed: the next spawn asks which
    signals have one (fo_spawn.c keeps the answer for up to a second).
    Code that changes handlers once spawns have begun says so here. */
void fo_spawn_signals_changed (void);

/*  Every signal but SIGCHLD: the mask of a thread that spawns while it
    spawns (and of fo_spawner's threads all along), see above. */
void fo_spawn_block_all (sigset_t *set);

#endif
