/*  fo_agent — one machine's agent: connects a DEALER socket to the broker,
    says hello, pulls leases with credit for its free worker slots (plus a
    small prefetch so a worker never waits a round trip for its next task),
    runs each lease in a slot (fo_execution) and streams every test's result
    back as soon as it is known.

    Used as a thread of `fanout run` (inproc endpoint) and as the process
    `fanout agent` on build-farm hosts: the code path is the same.

    No orphans: fo_agent_run makes the process a child subreaper and marks
    every process it starts with a FANOUT_STEP_TOKEN under its own scope;
    what a test step leaves behind is killed when the step ends, what a
    lease's setups started when the lease ends, and everything of the agent
    when a session ends (fo_sweeper.h). A step running longer than the
    lease's slow_ms is reported to the broker (`slow`).

    When the agent leaves on its own (*stop, an error), the tests it kills
    are not reported as not_run: it says `bye`, and the broker re-queues
    what had no outcome yet.
*/
#ifndef FO_AGENT_H
#define FO_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *endpoint;       /* e.g. "tcp://broker:5555", "inproc://fanout" */
    uint32_t slots;             /* worker slots, >= 1 */
    uint32_t prefetch;          /* leases queued beyond the free slots */
    const char *host;           /* NULL: gethostname() */
    bool once;                  /* leave after the broker's first shutdown */
    /* Set (to non-zero) from another thread or a signal handler to make the
       agent kill its tests and leave. May be NULL. */
    volatile sig_atomic_t *stop;
} fo_agent_options;

/* Runs until the broker shuts the run down (with once), *stop is set, or a
   fatal error. Returns 0 on an orderly end, -1 with err set otherwise
   (refused by the broker, lost the broker, socket error). */
int fo_agent_run (const fo_agent_options *options, char *err, size_t errlen);

#endif
