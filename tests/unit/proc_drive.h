/*  proc_drive — what the fo_proc tests (test_proc.c, test_spawner.c)
    share: stepping a started process to its end with poll, as the agent's
    loop does, and counting this process's descriptors (a leak check). */
/* Include after cmocka.h: failures are cmocka assertions. */
#ifndef PROC_DRIVE_H
#define PROC_DRIVE_H

#include <dirent.h>
#include <poll.h>
#include <stdint.h>

#include "fo_proc.h"
#include "fo_util.h"

static inline int
count_fds (void)
{
    DIR *d = opendir ("/proc/self/fd");
    assert_non_null (d);
    int n = 0;
    while (readdir (d))
        n++;
    closedir (d);
    return n;
}

/* Services the process until it has ended, failing the test after
   limit_ms. It always has a descriptor to wait on (never a wait on
   nothing); a poll waits at most 100 ms, less when its deadline (a
   timeout's kill) comes sooner. */
static inline void
drive (fo_proc *proc, uint64_t limit_ms)
{
    uint64_t give_up = fo_now_ms () + limit_ms;
    while (!fo_proc_service (proc)) {
        assert_true (fo_now_ms () < give_up);
        int fds[3];
        struct pollfd pfd[3];
        int n = fo_proc_pollfds (proc, fds);
        assert_true (n > 0);
        for (int i = 0; i < n; i++)
            pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        uint64_t deadline = fo_proc_deadline_ms (proc), now = fo_now_ms ();
        int timeout = 100;
        if (deadline != UINT64_MAX && deadline - now < 100)
            timeout = deadline > now ? (int) (deadline - now) : 0;
        poll (pfd, (nfds_t) n, timeout);
    }
    assert_true (fo_proc_finished (proc));
}

#endif
