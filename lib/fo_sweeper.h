/*  fo_sweeper — kills what a finished scope left behind, from an event loop.

    An owner (the agent, for its leases and test steps) adds the token of
    every scope that has ended: a test step as soon as its process has been
    collected, a lease when its last step is done. The sweeper then runs
    fo_reaper passes for all pending tokens together, shortly after (a pass
    reads /proc, so a burst of fast tests costs one pass, not one each).
    A token stays pending for at least two passes, and for as long as a
    pass still finds something to kill under it: what a killed orphan had
    started is adopted when it dies and killed by the next pass.

    Never blocks, except fo_sweeper_flush, for the end of a session.
*/
#ifndef FO_SWEEPER_H
#define FO_SWEEPER_H

#include <stdint.h>

/* Delay between a scope's end and the pass that sweeps it, and between
   passes while something is still found. */
#define FO_SWEEP_DELAY_MS 25u

typedef struct fo_sweeper fo_sweeper;

fo_sweeper *fo_sweeper_new (void);
void fo_sweeper_destroy (fo_sweeper **self_p);

/* Processes whose token is `token` or lies under it are to be killed. */
void fo_sweeper_add (fo_sweeper *self, const char *token);

/* When fo_sweeper_service wants to run (monotonic ms); UINT64_MAX: idle. */
uint64_t fo_sweeper_deadline_ms (const fo_sweeper *self);

/* Runs a pass if one is due. */
void fo_sweeper_service (fo_sweeper *self);

/* Blocking: passes until nothing pending is found any more (at most
   max_ms), then forgets every token. */
void fo_sweeper_flush (fo_sweeper *self, uint32_t max_ms);

#endif
