/*  fo_sweeper — see fo_sweeper.h. */
#include "fo_sweeper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fo_proc_scan.h"
#include "fo_reaper.h"
#include "fo_util.h"

typedef struct {
    char *token;
    uint64_t hash;          /* token_hash (token): compared before the token */
    uint64_t since_ms;      /* added, or last found something */
    fo_sweep_mark began;    /* the scope's start: pid 0 when unknown */
} pending;

/* FNV-1a. A token is added once per step and lease, and looked for
   among those pending (a hundred or more while tiny tests run, all with
   the same long prefix): comparing hashes first keeps that look from
   costing a strcmp of each (4% of the agent's thread at -j2). */
static uint64_t
token_hash (const char *token)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *) token; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

struct fo_sweeper {
    pending *items;
    size_t len, cap;
    uint64_t last_pass_ms;
    uint64_t spacing_ms;        /* between passes: see next_spacing */
    uint64_t last_full_ms;      /* the last pass over every process */
    uint64_t full_spacing_ms;   /* between those */
    const char **tokens;        /* scratch for fo_reaper_pass */
    size_t *hits;
    size_t scratch_cap;
};

fo_sweeper *
fo_sweeper_new (void)
{
    fo_sweeper *self = fo_xcalloc (1, sizeof (fo_sweeper));
    /* The caller's start: no process of ours is older, no full pass due. */
    self->last_full_ms = fo_now_ms ();
    return self;
}

static void
forget_all (fo_sweeper *self)
{
    for (size_t i = 0; i < self->len; i++)
        free (self->items[i].token);
    self->len = 0;
}

void
fo_sweeper_destroy (fo_sweeper **self_p)
{
    fo_sweeper *self = *self_p;
    if (!self)
        return;
    forget_all (self);
    free (self->items);
    free (self->tokens);
    free (self->hits);
    free (self);
    *self_p = NULL;
}

fo_sweep_mark
fo_sweeper_mark (void)
{
    return (fo_sweep_mark) { .pid = fo_reaper_mark (), .ms = fo_now_ms () };
}

void
fo_sweeper_add_since (fo_sweeper *self, const char *token, fo_sweep_mark since)
{
    uint64_t now = fo_now_ms ();
    uint64_t hash = token_hash (token);
    for (size_t i = 0; i < self->len; i++)
        if (self->items[i].hash == hash && strcmp (self->items[i].token, token) == 0) {
            pending *p = &self->items[i];
            p->since_ms = now;
            /* The earlier start covers both. */
            if (since.pid == 0 || since.ms < p->began.ms)
                p->began = since;
            return;
        }
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->items = fo_xrealloc (self->items, self->cap * sizeof *self->items);
    }
    self->items[self->len++] = (pending) { .token = fo_xstrdup (token), .hash = hash,
                                           .since_ms = now, .began = since };
}

void
fo_sweeper_add (fo_sweeper *self, const char *token)
{
    fo_sweeper_add_since (self, token, (fo_sweep_mark) { 0 });
}

uint64_t
fo_sweeper_deadline_ms (const fo_sweeper *self)
{
    if (self->len == 0)
        return UINT64_MAX;
    /* The oldest token may be judged, and passes are spaced out. */
    uint64_t oldest = UINT64_MAX;
    for (size_t i = 0; i < self->len; i++)
        if (self->items[i].since_ms < oldest)
            oldest = self->items[i].since_ms;
    /* A token may be judged FO_SWEEP_DELAY_MS after it came; the next pass
       waits the spacing after the last one. */
    uint64_t judged = oldest + FO_SWEEP_DELAY_MS;
    uint64_t spacing = self->spacing_ms ? self->spacing_ms : FO_SWEEP_DELAY_MS;
    uint64_t spaced = self->last_pass_ms + spacing;
    return judged > spaced ? judged : spaced;
}

/* A pass reads /proc/N/stat of every process on the host (this kernel
   gives no list of a process's children without CONFIG_PROC_CHILDREN), so
   its cost grows with the host's processes, not with ours. The spacing
   between passes grows with what the last one cost: at most
   1/FO_SWEEP_COST_SHARE of one core goes to passes while tests run, on a
   host of 200 processes or of 20,000 (the end of a session does not wait:
   fo_sweeper_flush). */
static uint64_t
next_spacing (uint64_t pass_us)
{
    uint64_t spacing = pass_us * FO_SWEEP_COST_SHARE / 1000;
    if (spacing > FO_SWEEP_MAX_SPACING_MS)
        spacing = FO_SWEEP_MAX_SPACING_MS;
    return spacing > FO_SWEEP_DELAY_MS ? spacing : FO_SWEEP_DELAY_MS;
}

/* This thread's CPU time: what a pass costs, not how long a busy machine
   kept it waiting. */
static uint64_t
thread_cpu_us (void)
{
    struct timespec ts;
    if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* Where a pass may start reading pids: the mark of the oldest pending
   scope; 0 for a full pass (a token without a mark, a scope too old for
   its window, a full pass due). */
static pid_t
window_start (const fo_sweeper *self, uint64_t now)
{
    if (now >= self->last_full_ms + (self->full_spacing_ms ? self->full_spacing_ms
                                                           : FO_SWEEP_FULL_SPACING_MS))
        return 0;
    uint64_t max_age = FO_SWEEP_WINDOW_MAX_MS;
    pid_t pid_max = fo_proc_scan_pid_max ();
    if (pid_max <= 0)
        return 0;
    if ((uint64_t) pid_max / 100u < max_age)
        max_age = (uint64_t) pid_max / 100u;
    const pending *oldest = NULL;
    for (size_t i = 0; i < self->len; i++) {
        const pending *p = &self->items[i];
        if (p->began.pid <= 0)
            return 0;
        if (!oldest || p->began.ms < oldest->began.ms)
            oldest = p;
    }
    if (!oldest || oldest->began.ms + max_age < now)
        return 0;
    return oldest->began.pid;
}

/* One pass over every pending token; returns whether anything was found. */
static bool
pass (fo_sweeper *self, uint64_t now)
{
    self->last_pass_ms = now;
    if (self->scratch_cap < self->len) {
        self->scratch_cap = self->cap;
        self->tokens = fo_xrealloc (self->tokens, self->scratch_cap * sizeof *self->tokens);
        self->hits = fo_xrealloc (self->hits, self->scratch_cap * sizeof *self->hits);
    }
    for (size_t i = 0; i < self->len; i++) {
        self->tokens[i] = self->items[i].token;
        self->hits[i] = 0;
    }
    pid_t after = window_start (self, now);
    uint64_t t0 = thread_cpu_us ();
    fo_reaper_counts c = fo_reaper_pass_after (after, self->tokens, self->len, self->hits);
    uint64_t t1 = thread_cpu_us ();
    self->spacing_ms = next_spacing (t1 > t0 ? t1 - t0 : 0);
    if (after == 0) {
        self->last_full_ms = now;
        uint64_t full = next_spacing (t1 > t0 ? t1 - t0 : 0);
        self->full_spacing_ms = full > FO_SWEEP_FULL_SPACING_MS ? full : FO_SWEEP_FULL_SPACING_MS;
    }
    /* A token stays while it finds something, or is too fresh to judge. */
    size_t kept = 0;
    for (size_t i = 0; i < self->len; i++) {
        pending p = self->items[i];
        if (self->hits[i] > 0)
            p.since_ms = now;
        else if (p.since_ms + FO_SWEEP_DELAY_MS <= now) {
            free (p.token);
            continue;
        }
        self->items[kept++] = p;
    }
    self->len = kept;
    return c.killed > 0 || c.reaped > 0 || c.unknown > 0;
}

void
fo_sweeper_service (fo_sweeper *self)
{
    uint64_t now = fo_now_ms ();
    if (self->len > 0 && fo_sweeper_deadline_ms (self) <= now)
        pass (self, now);
}

/* Ends as soon as a pass finds nothing under any pending token, without
   the FO_SWEEP_DELAY_MS a service pass waits before it forgets a token:
   a flush comes after every step's own process has been reaped, and a
   process is re-parented to us (the subreaper) before its parent becomes a
   zombie. So any process left of those scopes has an ancestor among our
   untracked children carrying a pending token (the topmost one still
   alive), which a pass finds and kills; and a pass that finds none of them
   (nothing killed, reaped or unreadable) leaves nothing behind. Waiting a
   fixed 25 ms here was most of the start-up cost of a one-test run. */
void
fo_sweeper_flush (fo_sweeper *self, uint32_t max_ms)
{
    uint64_t until = fo_now_ms () + max_ms;
    while (self->len > 0) {
        if (!pass (self, fo_now_ms ()))
            break;
        if (fo_now_ms () >= until)
            break;
        struct timespec ts = { 0, 2 * 1000000L };
        while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    forget_all (self);
}
