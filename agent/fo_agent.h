/*  fo_agent — one machine's agent: connects a DEALER socket to the broker,
    says hello, pulls leases with credit for its free worker slots (plus a
    small prefetch so a worker never waits a round trip for its next task,
    more while its leases end faster than a round trip: fo_flow.h), runs
    each lease in a slot (fo_execution) and streams every test's result back
    as soon as it is known (the dones of tiny tests wait up to 10 ms for
    more while its queue feeds every slot: agent_end_pass).

    Used as a thread of `fanout run` (inproc endpoint) and as the process
    `fanout agent` on build-farm hosts: the code path is the same.

    A session is one connection to a broker (fo_agent_conn). It ends when the
    broker shuts the run down, when the broker is lost (silent for its
    heartbeat x liveness, or the connection closed), when the handshake is
    refused, or when *stop is set. Whenever a session ends, every test still
    running is killed (its whole process group) and nothing more is reported
    for it: the broker re-leases lost tasks elsewhere. Unless once (or stop),
    the agent then starts a new session after a backoff (250 ms doubling to
    8 s, back to 250 ms once a broker welcomed it), so a farm agent survives
    broker restarts, cut links and late authorisation of its key.

    No orphans: fo_agent_run makes the process a child subreaper and marks
    every process it starts with a FANOUT_STEP_TOKEN under its own scope;
    what a test step leaves behind is killed when the step ends, what a
    lease's setups started when the lease ends, and everything of the agent
    when a session ends (fo_sweeper.h). A step running longer than the
    lease's slow_ms is reported to the broker (`slow`).

    When the agent leaves on its own (*stop, *abort, an error), the tests it
    kills are not reported as not_run: it says `bye`, and the broker
    re-queues what had no outcome yet. On *stop the teardowns of completed
    setups still run before it leaves; on *abort nothing more starts.
*/
#ifndef FO_AGENT_H
#define FO_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_offer.h"
#include "fo_runner_python.h"

typedef struct {
    const char *endpoint;       /* e.g. "tcp://broker:5555", "inproc://fanout" */
    uint32_t slots;             /* worker slots, >= 1 */
    uint32_t prefetch;          /* leases queued beyond the free slots */
    /* Lease return (fo_agent_slots.c): how long the queue's head waits
       without any slot taking a lease before the leases queued within
       the prefetch go back too (those beyond it go after
       FO_AGENT_RETURN_MS); 0: FO_AGENT_RETURN_PREFETCH_MS (1 s). */
    uint32_t return_prefetch_ms;
    const char *host;           /* NULL: gethostname() */
    /* Its resources and labels, sent in every hello (docs/resources.md);
       NULL: none. The lease names the instances a task got in its env. */
    const fo_offer *offer;
    bool once;                  /* leave after the broker's first shutdown */
    /* Set (to non-zero) from another thread or a signal handler to make the
       agent kill its tests and leave. May be NULL. */
    volatile sig_atomic_t *stop;
    /* Set (to non-zero) when the run is cut short (a second interrupt: its
       processes are being killed): the agent starts nothing more, not even
       teardowns, kills what still runs and leaves (bye) at once. May be
       NULL. */
    volatile sig_atomic_t *abort;
    /* CurveZMQ (Z85 keys, fo_curve): the agent's own pair and the broker's
       public key. NULL: plaintext. */
    const char *curve_public;
    const char *curve_secret;
    const char *curve_server;
    /* When its persistent Python workers are replaced (restart after N
       tasks, past a size); NULL: never (fo_runner_python.h). */
    const fo_python_worker_options *python;
    /* Artifacts (docs/artifacts.md): the blob cache's directory (a lease
       that ships artifacts needs it: without one, its tests end not run)
       and its size in bytes (0: FO_BLOB_CACHE_DEFAULT_SIZE). */
    const char *cache_dir;
    uint64_t cache_size;
    /* cache_dir was asked for (--cache-dir): a cache that cannot be
       opened is an error; otherwise (the default place) a warning, and the
       agent runs without one. */
    bool cache_dir_given;
} fo_agent_options;

/* Runs until the broker shuts the run down (with once), *stop or *abort is
   set, or a fatal error. Returns 0 on an orderly end (shut down with once,
   or stopped or aborted: then the agent said bye), -1 with err set
   otherwise (refused by the broker, a broker of another protocol version,
   lost the broker with once, socket error). */
int fo_agent_run (const fo_agent_options *options, char *err, size_t errlen);

#endif
