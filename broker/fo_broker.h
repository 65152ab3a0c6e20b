/*  fo_broker — serves one run to the agents that connect to it.

    Binds a ROUTER socket, welcomes agents (hello -> welcome, or refuse with
    a reason), hands out leases against the credit each agent grants
    (fo_run decides which task), records every streamed result, watches
    heartbeats both ways, and ends the run with shutdown to every agent.
    The same code serves `fanout run` (an agent thread over inproc) and a
    standalone broker on a build farm (agents over tcp, CurveZMQ when keys
    are given: fo_broker_auth).

    Agents come and go at any time. Leasing starts once min_agents have
    joined (or, after wait_ms, with the ones that did; when none did, every
    test ends not_run). When every agent is lost in the middle of the run,
    their leases are back in the queue and the broker waits up to wait_ms for
    an agent to join again before it ends the rest not_run.
*/
#ifndef FO_BROKER_H
#define FO_BROKER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_blobs.h"
#include "fo_outputs.h"
#include "fo_run.h"

/* A host that stops answering is declared lost after heartbeat x liveness:
   3 s by default. */
#define FO_DEFAULT_HEARTBEAT_MS 1000u
#define FO_DEFAULT_LIVENESS 3u
/* Limits a hello must respect (a hostile peer must not grow the broker). */
#define FO_BROKER_MAX_AGENTS 4096u      /* connected at once */
#define FO_BROKER_MAX_SLOTS 4096u       /* per agent */
#define FO_BROKER_MAX_NAME 255u         /* agent_id and host, bytes */

typedef struct {
    const char *bind;               /* inproc, ipc or tcp endpoint, e.g. tcp://0.0.0.0:5555 */
    const char *extra_bind;         /* a second endpoint (fanout run --bind), or NULL */
    fo_run_options run;             /* plan, report, progress, attempts, ... */
    uint32_t heartbeat_ms;          /* 0: FO_DEFAULT_HEARTBEAT_MS */
    uint32_t liveness;              /* 0: FO_DEFAULT_LIVENESS */
    /* Set (non-zero) from a signal handler or another thread to stop the
       run: nothing more is leased, running leases are cancelled, and every
       test that did not finish is not_run with *stop_reason. May be NULL. */
    volatile sig_atomic_t *stop;
    const char *const *stop_reason; /* read when *stop is seen; may be NULL */
    /* Set (non-zero) to cut the run short at once (a second interrupt,
       after every process of the run was killed): the run ends now
       (fo_run_abort), nothing is waited for, the report is complete.
       May be NULL. */
    volatile sig_atomic_t *abort;
    uint32_t min_agents;            /* leasing starts when this many joined (0 = 1) */
    uint32_t wait_ms;               /* for min_agents, and for a new agent once all
                                       were lost; 0 = wait for ever */
    /* Tasks no agent alive can ever take (docs/resources.md) end not run
       once this long has passed since the start; 0: wait_ms (and never
       when that is 0: they wait, as the run waits for agents). */
    uint32_t placement_wait_ms;
    /* CurveZMQ (Z85 keys, fo_curve): the broker's own pair, and the directory
       of the authorised agents' public certificates. NULL: plaintext. */
    const char *curve_public;
    const char *curve_secret;
    const char *authorized_dir;
    /* What agents may fetch (docs/artifacts.md), borrowed; NULL: nothing
       (a fetch is answered with an error). */
    fo_blobs *blobs;
    /* Where files tests send back go, borrowed; NULL: nowhere (an output
       is dropped). */
    fo_outputs *outputs;
} fo_broker_options;

typedef struct fo_broker fo_broker;

/* Creates the socket, secures it and binds it. NULL with err set when that
   fails (a bad endpoint, an address in use, an unreadable directory). */
fo_broker *fo_broker_new (const fo_broker_options *options, char *err, size_t errlen);

/* The endpoint actually bound (a wildcard port resolved): index 0 for bind,
   1 for extra_bind; NULL when there is none. */
const char *fo_broker_endpoint (const fo_broker *self, size_t index);

/* Serves the run until every test has its outcome and every shared fixture
   is torn down, then tells the agents the run is over. Returns 0 (the
   report is complete), or -1 with err set on a socket failure. */
int fo_broker_run (fo_broker *self, char *err, size_t errlen);

void fo_broker_destroy (fo_broker **self_p);

#endif
