/*  fo_capacity — see fo_capacity.h. */
#include "fo_capacity.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "fo_log.h"
#include "fo_util.h"

#define ROLE "agent"

struct fo_capacity {
    uint32_t slots;
    uint32_t limit;             /* leases at once now */
    uint32_t running;           /* steps whose processes run */
    uint64_t starving_since;    /* first failed start since the last start; 0: none */
    uint64_t progress_ms;       /* last start or end of a step */
    uint64_t failed_ms;         /* last failed start */
    uint64_t raised_ms;         /* last time the limit grew back */
    uint32_t retry_delay_ms;
    uint64_t retry_at_ms;
    bool gave_up_logged;
    uint32_t logged_limit;      /* the lowest limit the log has told; 0: none yet */
};

fo_capacity *
fo_capacity_new (uint32_t slots)
{
    fo_capacity *self = fo_xcalloc (1, sizeof *self);
    self->slots = slots ? slots : 1;
    self->limit = self->slots;
    self->retry_delay_ms = FO_CAPACITY_RETRY_MIN_MS;
    return self;
}

void
fo_capacity_destroy (fo_capacity **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

/* Descriptors open in this process now (/proc/self/fd, less the one
   reading it); 0 when it cannot tell. */
static size_t
open_descriptors (void)
{
    DIR *d = opendir ("/proc/self/fd");
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir (d)))
        n += e->d_name[0] != '.';
    closedir (d);
    return n ? n - 1 : 0;
}

uint64_t
fo_capacity_check_descriptors (uint32_t slots)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
        return 0;
    /* Every descriptor the hard limit allows is ours to use: a low soft
       limit (a shell's 1024, a CI's ulimit -S) must not fail tests. */
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &rl) == 0)
            fo_log (FO_LOG_INFO, ROLE, "raised the open file limit from %llu to %llu",
                    (unsigned long long) was, (unsigned long long) rl.rlim_cur);
        else
            rl.rlim_cur = was;
    }
    uint64_t need = open_descriptors () + (uint64_t) slots * FO_CAPACITY_FDS_PER_STEP
                    + FO_CAPACITY_FDS_SPARE;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
        fo_log (FO_LOG_WARN, ROLE, "%u worker slots need about %llu open files, but the limit "
                "is %llu (ulimit -n): steps will wait for descriptors and fewer will run at once",
                slots, (unsigned long long) need, (unsigned long long) rl.rlim_cur);
    return rl.rlim_cur;
}

void
fo_capacity_started (fo_capacity *self)
{
    uint64_t now = fo_now_ms ();
    self->running++;
    self->progress_ms = now;
    self->starving_since = 0;
    self->retry_delay_ms = FO_CAPACITY_RETRY_MIN_MS;
    self->gave_up_logged = false;
    /* Back up one slot at a time, while starts keep succeeding. */
    if (self->limit < self->slots && now - self->failed_ms >= FO_CAPACITY_RECOVER_MS
        && now - self->raised_ms >= FO_CAPACITY_RECOVER_MS) {
        self->limit++;
        self->raised_ms = now;
    }
}

void
fo_capacity_ended (fo_capacity *self)
{
    if (self->running > 0)
        self->running--;
    self->progress_ms = fo_now_ms ();
    /* What it held is free: a waiting step may try at once. */
    self->retry_at_ms = self->progress_ms;
}

/* "Too many open files (EMFILE)" */
static void
describe (int errnum, char *out, size_t len)
{
    const char *name = strerrorname_np (errnum);
    snprintf (out, len, "%s (%s)", strerror (errnum), name ? name : "?");
}

bool
fo_capacity_starved (fo_capacity *self, int errnum, char *why, size_t whylen)
{
    uint64_t now = fo_now_ms ();
    char cause[128];
    describe (errnum, cause, sizeof cause);
    self->failed_ms = now;
    if (self->starving_since == 0)
        self->starving_since = now;
    uint32_t limit = self->running ? self->running : 1;
    if (limit < self->limit)
        self->limit = limit;
    /* Said when it first happens and when it gets worse, not per retry. */
    if (self->logged_limit == 0 || self->limit < self->logged_limit) {
        fo_log (FO_LOG_WARN, ROLE, "cannot start a step: %s; running at most %u at once, "
                "and trying again", cause, self->limit);
        self->logged_limit = self->limit;
    }
    /* While a step runs, what it holds will be freed: wait. When none runs
       and none could start for the whole grace, nothing will change. */
    uint64_t since = self->starving_since > self->progress_ms ? self->starving_since
                                                              : self->progress_ms;
    if (self->running == 0 && now - since >= FO_CAPACITY_GIVE_UP_MS) {
        snprintf (why, whylen, "the agent could not start it: %s; no step could start for %u s",
                  cause, FO_CAPACITY_GIVE_UP_MS / 1000u);
        if (!self->gave_up_logged)
            fo_log (FO_LOG_ERROR, ROLE, "no step could start for %u s (%s): the tests that "
                    "cannot start end as not run", FO_CAPACITY_GIVE_UP_MS / 1000u, cause);
        self->gave_up_logged = true;
        return false;
    }
    self->retry_at_ms = now + self->retry_delay_ms;
    self->retry_delay_ms = self->retry_delay_ms * 2 > FO_CAPACITY_RETRY_MAX_MS
                               ? FO_CAPACITY_RETRY_MAX_MS
                               : self->retry_delay_ms * 2;
    return true;
}

uint64_t
fo_capacity_retry_ms (const fo_capacity *self)
{
    return self->retry_at_ms;
}

uint32_t
fo_capacity_limit (const fo_capacity *self)
{
    return self->limit;
}
