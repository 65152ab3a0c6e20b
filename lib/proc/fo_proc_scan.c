/*  fo_proc_scan — see fo_proc_scan.h. No malloc, no stdio, no errno
    reliance beyond the call that set it: a signal handler may be running
    this while the interrupted thread was inside malloc. */
#include "fo_proc_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The record getdents64 fills (glibc has no public definition). */
struct dirent64_raw {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* v in decimal at out (room for 20 digits), no terminator; its length. */
static size_t
put_decimal (char *out, unsigned long v)
{
    char digits[24];
    size_t n = 0;
    do
        digits[n++] = (char) ('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return n;
}

/* "/proc/<pid>/<leaf>" into buf, without snprintf. */
static void
proc_path (char *buf, size_t size, pid_t pid, const char *leaf)
{
    char digits[24];
    size_t n = put_decimal (digits, (unsigned long) pid);
    size_t len = 0;
    const char *head = "/proc/";
    while (*head && len + 1 < size)
        buf[len++] = *head++;
    for (size_t i = 0; i < n && len + 1 < size; i++)
        buf[len++] = digits[i];
    if (len + 1 < size)
        buf[len++] = '/';
    while (*leaf && len + 1 < size)
        buf[len++] = *leaf++;
    buf[len] = '\0';
}

static int
open_ro (const char *path)
{
    int fd;
    do
        fd = open (path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

static int
open_dir (const char *path)
{
    int fd;
    do
        fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

static ssize_t
read_some (int fd, char *buf, size_t size)
{
    ssize_t n;
    do
        n = read (fd, buf, size);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Parses a decimal number at *p (optionally negative), advancing *p. */
static long
parse_long (const char **p, const char *end)
{
    bool neg = false;
    long v = 0;
    if (*p < end && **p == '-') {
        neg = true;
        (*p)++;
    }
    while (*p < end && **p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0');
    return neg ? -v : v;
}

int
fo_proc_scan_info (pid_t pid, fo_proc_info *info)
{
    char path[64];
    proc_path (path, sizeof path, pid, "stat");
    int fd = open_ro (path);
    if (fd < 0)
        return -1;
    char buf[512];
    ssize_t n = read_some (fd, buf, sizeof buf);
    close (fd);
    if (n <= 0)
        return -1;
    /* "pid (comm) S ppid pgrp ...": comm may hold spaces and ')', so the
       fields start after the LAST ')'. */
    const char *end = buf + n, *p = end;
    while (p > buf && p[-1] != ')')
        p--;
    if (p == buf || end - p < 4)
        return -1;
    p++;                        /* the space */
    info->pid = pid;
    info->state = *p++;
    p++;
    info->ppid = (pid_t) parse_long (&p, end);
    p++;
    info->pgid = (pid_t) parse_long (&p, end);
    return 0;
}

/* Reads a small /proc file whole into buf (NUL-terminated); its length,
   or -1. */
static ssize_t
read_small (const char *path, char *buf, size_t size)
{
    int fd = open_ro (path);
    if (fd < 0)
        return -1;
    ssize_t n = read_some (fd, buf, size - 1);
    close (fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

pid_t
fo_proc_scan_last_pid (void)
{
    /* "0.28 1.22 1.90 2/345 31021": the last field is the newest pid of
       the reader's pid namespace. */
    char buf[128];
    ssize_t n = read_small ("/proc/loadavg", buf, sizeof buf);
    if (n <= 0)
        return 0;
    const char *p = buf + n;
    while (p > buf && (p[-1] == '\n' || p[-1] == ' '))
        p--;
    const char *end = p;
    while (p > buf && p[-1] >= '0' && p[-1] <= '9')
        p--;
    long v = parse_long (&p, end);
    return p == end && v > 0 ? (pid_t) v : 0;
}

/* pid_max, and whether /proc shows our own pid namespace (the newest pid
   of /proc/loadavg is of the reader's namespace, the entries of /proc of
   the one it was mounted in): read once. 0: windows cannot be used. */
static pid_t
window_pid_max (void)
{
    static volatile pid_t cached = -1;
    pid_t v = cached;
    if (v >= 0)
        return v;
    v = 0;
    char buf[64];
    ssize_t n = readlink ("/proc/self", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        const char *p = buf;
        if (parse_long (&p, buf + n) == (long) getpid () && p == buf + n
            && read_small ("/proc/sys/kernel/pid_max", buf, sizeof buf) > 0) {
            p = buf;
            long max = parse_long (&p, buf + strlen (buf));
            if (max > 1)
                v = (pid_t) max;
        }
    }
    cached = v;
    return v;
}

pid_t
fo_proc_scan_pid_max (void)
{
    return window_pid_max ();
}

bool
fo_proc_scan_window (pid_t after, fo_pid_window *window)
{
    pid_t pid_max = window_pid_max ();
    if (pid_max <= 0 || after <= 0 || after >= pid_max)
        return false;
    pid_t last = fo_proc_scan_last_pid ();
    if (last <= 0 || last >= pid_max)
        return false;
    *window = (fo_pid_window) { .after = after, .last = last, .pid_max = pid_max };
    return true;
}

/* Distance from the window's start, cyclically (pids wrap at pid_max). */
static long
window_distance (const fo_pid_window *w, long pid)
{
    long d = (pid - (long) w->after) % (long) w->pid_max;
    return d < 0 ? d + w->pid_max : d;
}

static bool
in_window (const fo_pid_window *w, long pid)
{
    long d = window_distance (w, pid);
    return d >= 1 && d <= window_distance (w, w->last);
}

int
fo_proc_scan_all (fo_proc_scan_fn *fn, void *arg)
{
    return fo_proc_scan_some (NULL, fn, arg);
}

int
fo_proc_scan_some (const fo_pid_window *window, fo_proc_scan_fn *fn, void *arg)
{
    return fo_proc_scan_some_but (window, NULL, fn, arg);
}

/* Is pid a process (a thread group's leader), not one of its threads?
   Reading /proc/TID/... works for a thread's id too, though /proc does
   not list it. */
static bool
is_process (pid_t pid)
{
    char path[64], buf[1024];
    proc_path (path, sizeof path, pid, "status");
    ssize_t n = read_small (path, buf, sizeof buf);
    if (n <= 0)
        return false;
    const char *t = strstr (buf, "\nTgid:");
    if (!t)
        return false;
    t += 6;
    while (*t == ' ' || *t == '\t')
        t++;
    return parse_long (&t, buf + n) == (long) pid;
}

/* A window of few pids is probed pid by pid (kill 0 says whether one
   exists, without a path lookup) rather than listing /proc, whose
   getdents64 makes a dentry for every process on the host. */
static int
probe_window (const fo_pid_window *w, bool (*skip) (void *arg, pid_t pid), fo_proc_scan_fn *fn,
              void *arg)
{
    long span = window_distance (w, w->last);
    pid_t self = getpid ();
    for (long d = 1; d <= span; d++) {
        long pid = ((long) w->after + d) % (long) w->pid_max;
        if (pid <= 0)
            continue;
        if (skip && skip (arg, (pid_t) pid))
            continue;
        if (kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
            continue;
        /* A thread of this very process (its ids lie in the windows of
           the first scopes: the lanes, libzmq's): never one to sweep, and
           reading its /proc entries cost a run of tiny tests a third of
           an open of /proc/TID/stat per test, and some of environ. */
        if (syscall (SYS_tgkill, self, (pid_t) pid, 0) == 0)
            continue;
        fo_proc_info info;
        if (fo_proc_scan_info ((pid_t) pid, &info) != 0)
            continue;
        /* Only a child of ours matters to anyone (fo_reaper), and only
           then is the thread check worth its read. */
        if (info.ppid == getpid () && !is_process ((pid_t) pid))
            continue;
        if (fn (arg, &info) != 0)
            return 0;
    }
    return 0;
}

int
fo_proc_scan_some_but (const fo_pid_window *window, bool (*skip) (void *arg, pid_t pid),
                       fo_proc_scan_fn *fn, void *arg)
{
    if (window && window_distance (window, window->last) <= FO_PROC_SCAN_PROBE_MAX)
        return probe_window (window, skip, fn, arg);
    int dir = open_dir ("/proc");
    if (dir < 0)
        return -1;
    char buf[8192] __attribute__ ((aligned (8)));
    for (;;) {
        long n = syscall (SYS_getdents64, dir, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct dirent64_raw *d = (struct dirent64_raw *) (buf + off);
            off += d->d_reclen;
            const char *s = d->d_name;
            if (*s < '1' || *s > '9')
                continue;
            const char *q = s;
            long pid = parse_long (&q, s + 16);
            if (*q != '\0' || pid <= 0)
                continue;
            if (window && !in_window (window, pid))
                continue;
            if (skip && skip (arg, (pid_t) pid))
                continue;
            fo_proc_info info;
            if (fo_proc_scan_info ((pid_t) pid, &info) != 0)
                continue;       /* gone meanwhile */
            if (fn (arg, &info) != 0) {
                close (dir);
                return 0;
            }
        }
    }
    close (dir);
    return 0;
}

/* "/proc/self/task/<tid>/children" into path. */
static void
children_path (char path[96], const char *tid)
{
    size_t len = 0;
    for (const char *head = "/proc/self/task/"; *head; )
        path[len++] = *head++;
    for (const char *t = tid; *t && len < 64; )
        path[len++] = *t++;
    for (const char *leaf = "/children"; *leaf; )
        path[len++] = *leaf++;
    path[len] = '\0';
}

/* One thread's children file (the pids it is the parent of, separated
   by spaces): fn for each. 0; 1 when the list cannot be trusted whole,
   and was not used: the file took more than one read (the kernel gives
   at most a page per read, some 500 to 1,000 pids, and a list read in
   parts may miss a child that moved), or it could not be opened (the
   thread ended meanwhile: its children went to a thread whose file may
   have been read already). */
static int
thread_children (const char *tid, fo_proc_scan_fn *fn, void *arg, bool *stop)
{
    char path[96], buf[16384];
    children_path (path, tid);
    int fd = open_ro (path);
    if (fd < 0)
        return 1;
    ssize_t n = read_some (fd, buf, sizeof buf);
    char more;
    ssize_t rest = n > 0 ? read_some (fd, &more, 1) : 0;
    close (fd);
    if (n < 0 || rest != 0)
        return 1;
    const char *p = buf, *end = buf + n;
    while (p < end && !*stop) {
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        long pid = parse_long (&p, end);
        fo_proc_info info;
        if (pid > 0 && fo_proc_scan_info ((pid_t) pid, &info) == 0 && fn (arg, &info) != 0)
            *stop = true;
    }
    return 0;
}

int
fo_proc_scan_children (fo_proc_scan_fn *fn, void *arg)
{
    /* The calling thread's file exists whenever the kernel has them. */
    char tid[24], own[96];
    tid[put_decimal (tid, (unsigned long) syscall (SYS_gettid))] = '\0';
    children_path (own, tid);
    int probe = open_ro (own);
    if (probe < 0)
        return -1;
    close (probe);
    int dir = open_dir ("/proc/self/task");
    if (dir < 0)
        return -1;
    char buf[4096] __attribute__ ((aligned (8)));
    bool stop = false;
    int rc = 0;
    while (rc == 0 && !stop) {
        long n = syscall (SYS_getdents64, dir, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = 1;         /* threads not listed: not known whole */
        if (n <= 0)
            break;
        for (long off = 0; off < n && rc == 0 && !stop;) {
            struct dirent64_raw *d = (struct dirent64_raw *) (buf + off);
            off += d->d_reclen;
            if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
                rc = thread_children (d->d_name, fn, arg, &stop);
        }
    }
    close (dir);
    return rc == 0 ? 0 : -1;
}

ssize_t
fo_proc_scan_token (pid_t pid, char *buf, size_t size)
{
    static const char key[] = FO_STEP_TOKEN_VAR "=";
    const size_t keylen = sizeof key - 1;
    char path[64];
    proc_path (path, sizeof path, pid, "environ");
    if (size == 0)
        return -1;
    int fd = open_ro (path);
    if (fd < 0)
        return -1;
    /* Entries are NUL-separated "NAME=value". A small state machine over
       chunks: `matched` counts the key bytes matched since the start of
       the current entry (-1: this entry is not ours). */
    char chunk[4096];
    long matched = 0;
    size_t len = 0;
    bool copying = false, found = false, empty = true;
    ssize_t n;
    while (!found && (n = read_some (fd, chunk, sizeof chunk)) > 0) {
        empty = false;
        for (ssize_t i = 0; i < n; i++) {
            char c = chunk[i];
            if (copying) {
                if (c == '\0') {
                    found = true;
                    break;
                }
                if (len + 1 < size)
                    buf[len++] = c;
            }
            else if (c == '\0')
                matched = 0;
            else if (matched >= 0) {
                if (c == key[matched]) {
                    if ((size_t) ++matched == keylen)
                        copying = true;
                }
                else
                    matched = -1;
            }
        }
    }
    close (fd);
    if (!copying)
        return empty ? -2 : -1;
    buf[len] = '\0';
    return (ssize_t) len;
}

bool
fo_token_matches (const char *token, const char *prefix)
{
    size_t n = strlen (prefix);
    return strncmp (token, prefix, n) == 0 && (token[n] == '\0' || token[n] == '/');
}
