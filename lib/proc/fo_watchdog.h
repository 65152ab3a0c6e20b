/*  fo_watchdog — the last line against orphans: fanout itself killed.

    fanout kills and reaps everything it started before it exits, also on
    SIGINT/SIGTERM (fo_reaper, fo_sweeper). Only SIGKILL (the OOM killer,
    `kill -9`, a CI runner's hard timeout) leaves no chance to do so; then
    the tests' processes would be re-parented to init and live on.

    fo_watchdog_start forks a tiny guardian process that holds the read end
    of a pipe whose write end only fanout holds (close-on-exec, so tests do
    not inherit it). When fanout ends, however it ends, the guardian reads
    end-of-file, kills (SIGKILL) every process whose FANOUT_STEP_TOKEN lies
    under `prefix`, repeats until none is left (nor a running process with an empty
    environment: one inside execve, whose token cannot be read yet), and exits. After a normal
    exit there is nothing left to kill and it ends at once.

    The guardian runs in its own session (a terminal's Ctrl-C or hangup
    does not reach it; it ignores them anyway), with stdin/stdout/stderr on
    /dev/null and every other descriptor closed, so it never holds a pipe
    someone waits on. It only uses fo_proc_scan (no allocation), so forking
    it from a process that already has threads is safe.
*/
#ifndef FO_WATCHDOG_H
#define FO_WATCHDOG_H

#include <sys/types.h>

/* Returns the guardian's pid, or -1 (errno set) when it cannot start. */
pid_t fo_watchdog_start (const char *prefix);

#endif
