/*  fo_proc_scan — see fo_proc_scan.h. No malloc, no stdio, no errno
    reliance beyond the call that set it: a signal handler may be running
    this while the interrupted thread was inside malloc. */
#include "fo_proc_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* "/proc/<pid>/<leaf>" into buf, without snprintf. */
static void
proc_path (char *buf, size_t size, pid_t pid, const char *leaf)
{
    char digits[16];
    size_t n = 0;
    unsigned long v = (unsigned long) pid;
    do {
        digits[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof digits);
    size_t len = 0;
    const char *head = "/proc/";
    while (*head && len + 1 < size)
        buf[len++] = *head++;
    while (n > 0 && len + 1 < size)
        buf[len++] = digits[--n];
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

int
fo_proc_scan_all (fo_proc_scan_fn *fn, void *arg)
{
    int dir;
    do
        dir = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (dir < 0 && errno == EINTR);
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
