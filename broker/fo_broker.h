/*  fo_broker — serves one run to the agents that connect to it.

    Binds a ROUTER socket, welcomes agents (hello -> welcome, or refuse with
    a reason), hands out leases against the credit each agent grants
    (fo_run decides which task), records every streamed result, watches
    heartbeats both ways, and ends the run with shutdown to every agent.
    The same code serves `fanout run` (an agent thread over inproc) and a
    standalone broker on a build farm (agents over tcp).
*/
#ifndef FO_BROKER_H
#define FO_BROKER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_run.h"

#define FO_DEFAULT_HEARTBEAT_MS 1000u
#define FO_DEFAULT_LIVENESS 5u

typedef struct {
    const char *bind;               /* inproc, ipc or tcp endpoint, e.g. tcp://0.0.0.0:5555 */
    fo_run_options run;             /* plan, report, progress, attempts, ... */
    uint32_t heartbeat_ms;          /* 0: FO_DEFAULT_HEARTBEAT_MS */
    uint32_t liveness;              /* 0: FO_DEFAULT_LIVENESS */
    /* Set (non-zero) from a signal handler or another thread to stop the
       run: nothing more is leased, running leases are cancelled, and every
       test that did not finish is not_run with *stop_reason. May be NULL. */
    volatile sig_atomic_t *stop;
    const char *const *stop_reason; /* read when *stop is seen; may be NULL */
} fo_broker_options;

typedef struct fo_broker fo_broker;

/* Creates the socket and binds it. NULL with err set when binding fails. */
fo_broker *fo_broker_new (const fo_broker_options *options, char *err, size_t errlen);

/* Serves the run until every test has its outcome and every shared fixture
   is torn down, then tells the agents the run is over. Returns 0 (the
   report is complete), or -1 with err set on a socket failure. */
int fo_broker_run (fo_broker *self, char *err, size_t errlen);

void fo_broker_destroy (fo_broker **self_p);

#endif
