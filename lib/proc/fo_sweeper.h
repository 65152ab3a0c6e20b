/*  fo_sweeper — kills what a finished scope left behind, from an event loop.

    An owner (the agent, for its leases and test steps) adds the token of
    every scope that has ended: a test step as soon as its process has been
    collected, a lease when its last step is done. The sweeper then runs
    fo_reaper passes for all pending tokens together, at most one every
    FO_SWEEP_DELAY_MS (a pass reads /proc: a burst of fast tests costs one
    pass, not one each), or less often when passes are costly (a pass's
    cost grows with the host's processes; the spacing keeps passes under
    1/FO_SWEEP_COST_SHARE of a core). A token is forgotten once a pass that ran at least
    FO_SWEEP_DELAY_MS after the token was added (or last found something)
    finds nothing under it: by then a killed group member has died and
    handed its escaped children over to us, and what a killed orphan had
    started has been adopted and killed in turn.

    Windows. A pass for scopes that began recently reads only the
    processes started since the oldest of them began (a mark taken at the
    scope's start, fo_sweeper_mark: anything the scope started has a later
    pid), so its cost does not grow with the host's other, older
    processes: on a host of a hundred processes running tiny tests, a pass
    opened none or a few /proc entries instead of all of them. At most
    every FO_SWEEP_FULL_SPACING_MS (further apart when full passes are
    costly, as above) a pass reads every process, as does one for a token
    added without a mark or whose scope began more than
    FO_SWEEP_WINDOW_MAX_MS ago (by then the pids may have wrapped around):
    that reaps adopted zombies outside any window and bounds what a wrong
    window could miss.

    Never blocks, except fo_sweeper_flush, for the end of a session.
*/
#ifndef FO_SWEEPER_H
#define FO_SWEEPER_H

#include <stdint.h>
#include <sys/types.h>

/* The least time between a scope's end (or a kill under it) and the pass
   that may forget it, and between two passes. */
#define FO_SWEEP_DELAY_MS 25u
/* Passes are spaced so that they take at most 1/this of one core: a pass
   that took 2 ms waits 2 ms x this (at least FO_SWEEP_DELAY_MS). */
#define FO_SWEEP_COST_SHARE 50u
/* ... but never more than this apart: what a step left behind dies within
   about a second of its end even on a host of very many processes. */
#define FO_SWEEP_MAX_SPACING_MS 1000u

/* Passes that read every process are at least this far apart. */
#define FO_SWEEP_FULL_SPACING_MS 1000u
/* A scope older than this is swept by a full pass (pids may wrap around
   pid_max meanwhile); shorter when pid_max is small: pid_max / 100 ms,
   i.e. sound up to 100,000 new processes a second. */
#define FO_SWEEP_WINDOW_MAX_MS 10000u

typedef struct fo_sweeper fo_sweeper;

/* Where a scope began: taken when it starts (before its first process). */
typedef struct {
    pid_t pid;          /* fo_reaper_mark (); 0: unknown */
    uint64_t ms;        /* fo_now_ms () */
} fo_sweep_mark;

fo_sweep_mark fo_sweeper_mark (void);

fo_sweeper *fo_sweeper_new (void);
void fo_sweeper_destroy (fo_sweeper **self_p);

/* Processes whose token is `token` or lies under it are to be killed. */
void fo_sweeper_add (fo_sweeper *self, const char *token);

/* The same, for a scope that began at `since`: its passes can be windowed. */
void fo_sweeper_add_since (fo_sweeper *self, const char *token, fo_sweep_mark since);

/* When fo_sweeper_service wants to run (monotonic ms); UINT64_MAX: idle. */
uint64_t fo_sweeper_deadline_ms (const fo_sweeper *self);

/* Runs a pass if one is due. */
void fo_sweeper_service (fo_sweeper *self);

/* Blocking: passes until one finds nothing under the pending tokens (at
   most max_ms), then forgets every token. For the end of a session, once
   every step's own process is reaped: it does not wait FO_SWEEP_DELAY_MS
   (see fo_sweeper.c for why that is safe then). */
void fo_sweeper_flush (fo_sweeper *self, uint32_t max_ms);

#endif
