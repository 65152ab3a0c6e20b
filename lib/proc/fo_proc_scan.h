/*  fo_proc_scan — reading /proc without allocating anything.

    fanout marks every process it starts with an environment variable,
    FANOUT_STEP_TOKEN, whose value names the step (or fixture) it belongs to:
    "<base>/<scope>/<scope>..." (fo_reaper.h). Descendants inherit it, also
    those that left the process group, so a process can be attributed to
    the step that started it long after its parent died.

    Every function here uses only open, read, close, getdents64 (and kill
    0, tgkill 0, readlink and getpid for windows, gettid for children) on
    stack buffers: they are
    async-signal-safe, so the second-interrupt handler and the watchdog
    process (fo_watchdog.h) can use them too.
*/
#ifndef FO_PROC_SCAN_H
#define FO_PROC_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FO_STEP_TOKEN_VAR "FANOUT_STEP_TOKEN"

typedef struct {
    pid_t pid;
    pid_t ppid;
    pid_t pgid;
    char state;         /* 'R', 'S', 'D', 'Z' (zombie), ... */
} fo_proc_info;

/* Called per process; return non-zero to stop the scan. */
typedef int (fo_proc_scan_fn) (void *arg, const fo_proc_info *info);

/* Calls fn for every process in /proc (processes that vanish meanwhile
   are skipped). Returns 0, or -1 when /proc cannot be read. */
int fo_proc_scan_all (fo_proc_scan_fn *fn, void *arg);

/* The pids allocated after `after` (in this pid namespace, cyclically up
   to pid_max): what a scope that began when `after` was the newest pid can
   have started. */
typedef struct {
    pid_t after;
    pid_t last;         /* the newest pid when the window was taken */
    pid_t pid_max;
} fo_pid_window;

/* Takes the window of the pids allocated after `after` until now (the
   newest pid from /proc/loadavg). false when the kernel cannot tell (no
   such file, /proc of another pid namespace than ours): then scan all. */
bool fo_proc_scan_window (pid_t after, fo_pid_window *window);

/* pid_max, when windows can be used (/proc is of our pid namespace);
   0 otherwise. Read once. */
pid_t fo_proc_scan_pid_max (void);

/* The newest pid allocated in this pid namespace; 0 when unknown. */
pid_t fo_proc_scan_last_pid (void);

/* fo_proc_scan_all, but only over the pids in window (all when NULL):
   the /proc entries of other processes are skipped without opening them,
   so its cost does not grow with the host's older processes. */
int fo_proc_scan_some (const fo_pid_window *window, fo_proc_scan_fn *fn, void *arg);

/* The same, skipping without opening them the pids for which skip (when
   not NULL) returns true. A window of at most FO_PROC_SCAN_PROBE_MAX pids
   is probed pid by pid, without listing /proc (getdents64 of /proc makes
   a dentry per process of the host, the larger part of a pass's cost);
   there a thread's id is told from a process's by its Tgid, and only
   for a child of this process (the callers' only interest: fn sees
   every process of the window, but the threads of other processes may
   come as their own entries with the process's ppid), and this
   process's own threads never come. */
#define FO_PROC_SCAN_PROBE_MAX 512
int fo_proc_scan_some_but (const fo_pid_window *window, bool (*skip) (void *arg, pid_t pid),
                           fo_proc_scan_fn *fn, void *arg);

/* Calls fn for every child of this process (of any of its threads),
   from /proc/self/task/TID/children: the cost of a few files, whatever
   the number of other processes on the host. -1 when the list cannot be
   had whole: the kernel has no such files (CONFIG_PROC_CHILDREN), a
   thread has more children than one read gives (a page: some 500 to 1,000
   pids; a list read in parts may miss one), or a thread ended while
   they were read (its children moved to another). Then use
   fo_proc_scan_all, keeping in mind that fn may have been called for
   some children already (it may see them twice). */
int fo_proc_scan_children (fo_proc_scan_fn *fn, void *arg);

/* Reads one process's /proc/PID/stat. 0, or -1 when it is gone. */
int fo_proc_scan_info (pid_t pid, fo_proc_info *info);

/* Copies pid's FANOUT_STEP_TOKEN value into buf (NUL-terminated, cut at
   size - 1 bytes). Returns its length; -1 when the process has no such
   variable or its environment cannot be read (gone, a zombie, exiting);
   -2 when its environment reads empty: a kernel thread, a program started
   with no environment at all, or a process inside execve: posix_spawn and
   vfork return to the parent once the new program's memory replaces the
   old, before the kernel has laid out its arguments and environment, and
   in that moment /proc/PID/environ is empty. A scan that must not miss a
   token looks again at such a process while it is running. */
ssize_t fo_proc_scan_token (pid_t pid, char *buf, size_t size);

/* True when token is prefix itself or lies under it ("prefix/..."). */
bool fo_token_matches (const char *token, const char *prefix);

#endif
