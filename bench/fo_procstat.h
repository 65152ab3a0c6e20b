/*  fo_procstat — a process's own CPU time from /proc/PID/stat, for the
    benchmark tools (fo_loadgen reads the broker's, fo_cputime a command's).
    Header only: two programs, three small functions. */
#ifndef FO_PROCSTAT_H
#define FO_PROCSTAT_H

#include <stdio.h>
#include <string.h>

/* The fields of /proc/PID/stat after the command's name (from its state
   on), in buf; NULL when unreadable. The name (field 2) may hold spaces
   and parentheses: the fields are counted from its last ')'. */
static inline const char *
fo_procstat_fields (int pid, char *buf, size_t size)
{
    char path[64];
    snprintf (path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return NULL;
    size_t n = fread (buf, 1, size - 1, f);
    fclose (f);
    buf[n] = '\0';
    const char *p = strrchr (buf, ')');
    return p ? p + 1 : NULL;
}

/* utime + stime of pid (fields 14 and 15 of /proc/PID/stat: every thread,
   not the children it waited for), in clock ticks; -1 when unreadable. */
static inline long long
fo_procstat_cpu_ticks (int pid)
{
    char buf[4096];
    const char *p = fo_procstat_fields (pid, buf, sizeof buf);
    unsigned long long ut, st;
    /* state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt
       cmajflt utime(14) stime(15) */
    if (!p || sscanf (p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long) (ut + st);
}

/* cminflt of pid (field 11 of /proc/PID/stat): the minor page faults of
   the children it waited for. Every process faults pages in, so 0 means
   it waited for none; -1 when unreadable. */
static inline long long
fo_procstat_children_faults (int pid)
{
    char buf[4096];
    const char *p = fo_procstat_fields (pid, buf, sizeof buf);
    unsigned long long cminflt;
    /* state(3) ppid pgrp session tty tpgid flags minflt cminflt(11) */
    if (!p || sscanf (p, " %*c %*d %*d %*d %*d %*d %*u %*u %llu", &cminflt) != 1)
        return -1;
    return (long long) cminflt;
}

#endif
