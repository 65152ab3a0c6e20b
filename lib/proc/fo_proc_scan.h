/*  fo_proc_scan — reading /proc without allocating anything.

    fanout marks every process it starts with an environment variable,
    FANOUT_STEP_TOKEN, whose value names the step (or fixture) it belongs to:
    "<base>/<scope>/<scope>..." (fo_reaper.h). Descendants inherit it, also
    those that left the process group, so a process can be attributed to
    the step that started it long after its parent died.

    Every function here uses only open, read, close and getdents64 on stack
    buffers: they are async-signal-safe, so the second-interrupt handler and
    the watchdog process (fo_watchdog.h) can use them too.
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
