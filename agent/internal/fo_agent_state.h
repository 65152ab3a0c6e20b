/*  fo_agent_state — the agent's state during a run, shared by the files
    of its event loop (private to agent/):

        fo_agent.c       sessions, handshake, the loop, the lease queue
                         and slots, cancels, the end of a session
        fo_agent_send.c  what it sends the broker: results held per loop
                         iteration, a lease's done carrying its results
                         and credit, discoveries, slow steps, heartbeats
*/
#ifndef FO_AGENT_STATE_H
#define FO_AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_agent.h"
#include "fo_agent_conn.h"
#include "fo_agent_outputs.h"
#include "fo_blob_cache.h"
#include "fo_capacity.h"
#include "fo_spawner.h"
#include "fo_execution.h"
#include "fo_fetcher.h"
#include "fo_flow.h"
#include "fo_wire.h"
#include "fo_proto.h"
#include "fo_runner.h"
#include "fo_sweeper.h"

#define ROLE "agent"

/* How many leases a slot may have chained after its running one: two,
   so that a slot's thread has the next test to start even when the
   loop, busy or waiting for a CPU, read the last end only after the
   test started then had ended too (fo_agent_slots.c). */
#define FO_AGENT_CHAIN_DEPTH 2u

typedef struct {
    const fo_agent_options *options;
    const char *host;
    char agent_id[256];
    fo_agent_conn *conn;
    void *raw;                  /* fo_agent_conn_socket (conn) */
    bool muted;                 /* the session is over: nothing more is sent */
    size_t bad_messages;        /* from the broker: logged sampled */
    char why[512];              /* why the last session could not start */
    bool rejected;              /* ... because its handshake was refused */

    fo_execution **slots;       /* options->slots entries, NULL when free */
    /* Each slot's next leases, taken from the queue and chained after its
       running one (fo_agent_slots.c), FO_AGENT_CHAIN_DEPTH a slot, the
       first first, NULL after the last (agent_next). bound counts them. */
    fo_execution **next;
    uint32_t bound;
    /* Which slots the next pass services: new ones, those whose fds polled
       or whose deadline came, those a message concerned. A wake-up for one
       slot's exit no longer reads the pipes of every other slot. */
    bool *due;
    /* Each slot's times, for the credit kept with the broker (fo_flow.h):
       when its lease started, how long its last one ran, since when it
       has waited for the next (0: not waiting). */
    /* unbound: agent_unbind_slow has looked at the slot's chained leases
       since its lease began (once is all it can do: what it could not
       take back had begun, or was cancelled). */
    struct agent_slot_time { uint64_t started_us, ran_us, free_us; bool unbound; } *times;
    fo_flow flow;
    uint32_t ask;               /* more credit, asked at the pass's end */
    fo_runner **runners;        /* each slot's runner, idle between leases */
    fo_capacity *capacity;      /* fewer leases at once when spawning lacks resources */
    fo_spawner *spawner;        /* spawns the slots' processes; NULL: this thread does */
    fo_spawner *lanes;          /* a thread per slot that spawns its processes and
                                   waits for their exit, starting a chained lease's
                                   then (fo_spawner.h); NULL: none, the pool spawns */
    fo_lease *queue;            /* leases received beyond the free slots, FIFO */
    size_t queue_head, queue_len, queue_cap;
    uint64_t queue_since_ms;    /* since when the head waits (0: empty) */

    bool welcomed;
    uint32_t heartbeat_ms;
    uint32_t liveness;
    uint64_t last_recv_ms;
    uint64_t last_send_ms;
    bool send_failed;
    fo_wire_inbox inbox;        /* the rest of a batch of leases being read */
    /* While `batching` (a pass over the slots), what the agent sends waits
       here and leaves as one frame at the pass's end (protocol 6): the
       dones of tests that ended together cost one send, one wake-up of
       the broker. */
    bool batching;
    fo_batch_buf outbox;
    fo_buf scratch;             /* one message's encoding */
    /* The outbox may also outlive a pass (agent_end_pass): while more
       leases wait in the queue than there are slots, the dones of short
       tests are held up to
       FO_AGENT_HOLD_MS, so that one frame, one wake-up of the broker,
       carries many. Anything but dones, results, outputs, requests and
       heartbeats in it (urgent) sends it at the pass's end. */
    uint64_t held_since_ms;     /* 0: nothing held past a pass */
    bool outbox_urgent;

    /* Results known this loop iteration and not sent yet: a lease that
       ends in the same iteration carries its own in its done (one message
       for a task of one test); the rest go out as result messages at the
       end of the iteration (flush_results), in the order they came. */
    fo_result *pending;
    size_t npending, pending_cap;

    fo_blob_cache *cache;       /* artifacts' blobs, NULL without cache_dir */
    fo_fetcher *fetcher;        /* this session's leases waiting for artifacts */
    fo_agent_outputs *outputs;  /* this session's $FANOUT_OUTPUT_DIRs */
    fo_sweeper *sweeper;        /* kills what steps leave behind */
    fo_sweep_mark session_mark; /* where this session's scope began */
    char *token;                /* this agent's FANOUT_STEP_TOKEN scope */
    uint32_t session;           /* counts sessions: lease ids restart per broker */
} agent;

/* Slot i's chained leases (FO_AGENT_CHAIN_DEPTH entries, NULL after the
   last). */
static inline fo_execution **
agent_next (const agent *self, uint32_t i)
{
    return self->next + (size_t) i * FO_AGENT_CHAIN_DEPTH;
}

/* The reason of the tests an abort leaves not run (the broker, which ends
   the run itself, usually has its own). */
#define ABORT_REASON "the run was cut short"

/* fo_agent_slots.c: the slots and the queue */
bool agent_aborted (const agent *self);
/* Takes the lease (zeroed); it waits for a free slot. */
void agent_queue_push (agent *self, fo_lease *lease);
bool agent_queue_pop (agent *self, fo_lease *out);
/* Starts queued leases in free slots, as many as the capacity allows now
   (all slots, unless steps could not start for lack of resources). */
void agent_fill_slots (agent *self);
/* Slot i's lease has ended: its done (with credit); the lease chained
   after it, if any, begins in the slot. */
void agent_slot_done (agent *self, uint32_t i, uint32_t credit);
void agent_mark_all_due (agent *self);
/* Chained leases of other tests than Python ones wait only behind short
   leases: once a slot's running lease has run FO_AGENT_CHAIN_SHORT_US,
   those chained after it that have not begun go back to the queue's
   head, in their order (agent_unbind_slow, when
   agent_unbind_deadline_ms comes). */
#define FO_AGENT_CHAIN_SHORT_US 20000u
uint64_t agent_unbind_deadline_ms (const agent *self);
void agent_unbind_slow (agent *self);
/* Lease return: queued leases beyond the prefetch go back to the broker
   when the queue's head has waited this long without a slot taking any;
   those within the prefetch too after FO_AGENT_RETURN_PREFETCH_MS. */
#define FO_AGENT_RETURN_MS 20u
#define FO_AGENT_RETURN_PREFETCH_MS 1000u
/* ... and at least this many times the agent's average lease. */
#define FO_AGENT_RETURN_RUNS 4u
/* When agent_return_stranded is due (UINT64_MAX: not while the queue
   holds no more than it keeps), for the poll. */
uint64_t agent_return_deadline_ms (const agent *self);
/* Returns the queued leases beyond what the queue keeps when due. */
void agent_return_stranded (agent *self, uint64_t now_ms);
/* Advances the due leases (`due`); finished ones send done (with their
   slot's credit) and free their slot, which the next lease in the queue
   takes at once. The results learned meanwhile go out at the end, those
   of leases that did not end as result messages. */
void agent_service_slots (agent *self);

/* fo_agent_send.c */
void agent_send_msg (agent *self, const fo_msg *msg);
void agent_send_simple (agent *self, fo_msg_type type, const char *reason);
void agent_send_request (agent *self, uint32_t credit);
/* Sends what the outbox holds, and ends batching. */
void agent_flush_outbox (agent *self);
/* How long the dones of short tests may wait for more (agent_end_pass). */
#define FO_AGENT_HOLD_MS 10u
/* Ends a pass over the slots: sends the outbox, or holds it while the
   queue still feeds every slot (see held_since_ms). */
void agent_end_pass (agent *self);
/* When a held outbox must go (UINT64_MAX: nothing held), for the poll. */
uint64_t agent_hold_deadline_ms (const agent *self);
/* A result is kept until its lease's done or the end of the iteration
   (fo_execution's result callback; arg is the agent). */
void agent_on_result (void *arg, const fo_result *result);
/* Sends the results still held as result messages, in order. */
void agent_flush_results (agent *self);
void agent_on_discovered (void *arg, const fo_discovered *discovered);
void agent_on_slow (void *arg, const fo_slow *slow);
/* A heartbeat when one is due. */
void agent_keep_alive (agent *self);
/* The lease of execution has ended: done, with credit and its results. */
void agent_send_done (agent *self, const fo_execution *execution, uint32_t credit);

#endif
