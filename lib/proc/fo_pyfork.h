/*  fo_pyfork — Python helper processes forked from the discovery helper
    instead of started as new interpreters (docs/python-workers.md,
    "Forked from the discovery").

    nose forked its worker processes after it had imported the suite;
    fanout's discovery helper has imported every module too. When allowed
    (fo_pyfork_allow: `fanout run` and `fanout broker`, unless
    --python-fork=no), the python source hands its discovery one end of a
    socket pair (fo_pyfork_begin, as fd 3, FANOUT_PYFORK_FD); the helper
    prints its tests, then forks a copy of itself that stays alive as a
    *fork server* while the discovery exits (python/fanout_nose/
    forkserver.py); fo_pyfork_end adopts it. From then on fo_proc_start,
    for a spec marked `forkable` whose command is `INTERPRETER HELPER ...`
    with the server's interpreter and helper, asks the server to fork the
    process (fo_pyfork_spawn) instead of spawning it: the broker's shared
    fixtures (their keepers) and the local agent's Python workers.

    The fork is double (the server's intermediate exits), so the child is
    re-parented to this process, a child subreaper (fo_reaper.h): it is
    our child like any fo_proc spawned, watched through its pidfd, timed
    out, killed with its process group and reaped by fo_proc; fo_pyfork
    checks that it is (waitid) before it hands the pid out.

    Process-wide by nature: a forked process can only be adopted by the
    process above the server, so there is one server per process, its
    state guarded by a mutex. Another host's agent (or a `fanout agent`
    process beside `fanout broker`) has none and spawns as before.

    Never a hang, never a lost step: every failure (the server declined,
    died, answered late or wrongly, a request too large) makes that spawn
    fall back to fo_spawn; a server that failed is dropped (one log line)
    and every later spawn is an ordinary one. Messages are bounded
    (FO_PYFORK_MAX_MESSAGE), the socket pair has no name in the file
    system.
*/
#ifndef FO_PYFORK_H
#define FO_PYFORK_H

#include <stdbool.h>
#include <sys/types.h>

/* One request (argv, env, cwd) at most; larger ones are spawned. */
#define FO_PYFORK_MAX_MESSAGE (128u * 1024u)
/* How long a fork may take the server before it is given up. */
#define FO_PYFORK_REPLY_MS 5000
/* How long the server has to exit once told to (fo_pyfork_shutdown). */
#define FO_PYFORK_EXIT_MS 2000
/* The discovery's fd for the server's end, and the variable naming it. */
#define FO_PYFORK_FD 3
#define FO_PYFORK_FD_VAR "FANOUT_PYFORK_FD"

/* May discoveries start a fork server in this process? Default: no. */
void fo_pyfork_allow (bool allowed);

/* Before a Python discovery: when allowed and no server exists yet, a new
   socket pair: returns our end's peer for the discovery (its fd to pass,
   close-on-exec), else -1. */
int fo_pyfork_begin (const char *interpreter, const char *helper);

/* After it: the discovery succeeded (ok) or not. Closes the passed fd;
   when ok, takes the server's "ready PID" and adopts it. */
void fo_pyfork_end (bool ok);

/* Is there a server (for tests and the log)? Its pid, or 0. */
pid_t fo_pyfork_server_pid (void);

/* Called by fo_proc, without fo_reaper's lock: forks argv through the
   server when argv[0] and argv[1] are its interpreter and helper. 0 with
   *pid (our child, in its own process group, tracked by fo_reaper as
   fo_proc's spawns are), or -1: spawn it. cwd NULL or "": ours. */
int fo_pyfork_spawn (char *const *argv, char *const *envp, const char *cwd, int out_fd,
                     int err_fd, pid_t *pid);

/* The run is over: closes the socket, waits up to FO_PYFORK_EXIT_MS for
   the server to exit, kills and reaps it. Also run at exit. */
void fo_pyfork_shutdown (void);

#endif
