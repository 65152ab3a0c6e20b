/*  execution_support — building a lease by hand and running it through
    fo_execution, for the agent's tests that drive real processes
    (test_execution_failures.c, test_execution_resources.c,
    test_execution_spawner.c, test_runner.c).

    - lease_step appends a step (argv, cwd) to the lease, a test step
      holding the test of its own name; lease_sh_step the same running a
      script with sh -c. Both return the step for the caller's extras.
    - drive_execution services the execution with poll, as the agent's
      loop does (each poll waits at most 10 ms, less before a deadline),
      until it has finished (true) or, when stop_file is set, that file
      exists, or limit_ms has passed (false). */
#ifndef EXECUTION_SUPPORT_H
#define EXECUTION_SUPPORT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fo_execution.h"
#include "fo_util.h"

static inline fo_step *
lease_step (fo_lease *l, fo_step_kind kind, const char *name, const char *const *argv,
            const char *cwd)
{
    l->steps = fo_xrealloc (l->steps, (l->nsteps + 1) * sizeof *l->steps);
    fo_step *s = &l->steps[l->nsteps++];
    memset (s, 0, sizeof *s);
    s->kind = kind;
    s->name = fo_xstrdup (name);
    for (size_t i = 0; argv[i]; i++)
        fo_strv_push (&s->argv, argv[i]);
    s->cwd = fo_xstrdup (cwd);
    if (kind == FO_STEP_TEST)
        fo_strv_push (&s->tests, name);
    return s;
}

static inline fo_step *
lease_sh_step (fo_lease *l, fo_step_kind kind, const char *name, const char *script,
               const char *cwd)
{
    return lease_step (l, kind, name, (const char *const[]) { "sh", "-c", script, NULL }, cwd);
}

static inline bool
drive_execution (fo_execution *e, uint64_t limit_ms, const char *stop_file)
{
    uint64_t until = fo_now_ms () + limit_ms;
    while (fo_now_ms () < until) {
        if (fo_execution_service (e))
            return true;
        if (stop_file && access (stop_file, F_OK) == 0)
            return false;
        int fds[FO_EXECUTION_MAX_FDS];
        struct pollfd pfd[FO_EXECUTION_MAX_FDS];
        int n = fo_execution_pollfds (e, fds);
        for (int i = 0; i < n; i++)
            pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        uint64_t deadline = fo_execution_deadline_ms (e), now = fo_now_ms ();
        long wait = deadline == UINT64_MAX ? 10 : (deadline > now ? (long) (deadline - now) : 0);
        poll (pfd, (nfds_t) n, wait > 10 ? 10 : (int) wait);
    }
    return false;
}

#endif
