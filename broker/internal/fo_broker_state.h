/*  fo_broker_state — the broker's state, shared by fo_broker.c (the
    socket, the loop, dispatch, heartbeats) and fo_broker_agents.c (agents
    joining and leaving, their credit, the ready ring). Private to
    broker/. */
#ifndef FO_BROKER_STATE_H
#define FO_BROKER_STATE_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_agent_index.h"
#include "fo_broker.h"
#include "fo_broker_auth.h"
#include "fo_wire.h"

#define ROLE "broker"

/* A lease of a dispatch pass (struct fo_broker.pass). */
typedef struct {
    size_t offset, len;         /* its encoding in fo_broker.pass */
    uint32_t next;              /* the agent's next in pass_leases, or NO_PASS_LEASE */
} pass_lease;

#define NO_PASS_LEASE UINT32_MAX

typedef struct {
    unsigned char routing[FO_WIRE_MAX_ROUTING_ID];
    size_t routing_len;
    char *agent_id;
    char *host;
    uint32_t slots;
    uint32_t credit;            /* leases it can take now */
    uint32_t leased;            /* leases sent and not done: at slots or more,
                                   another lease waits in its local queue */
    uint64_t last_recv_ms;
    uint64_t last_send_ms;
    size_t bad;                 /* its bad or out-of-order messages */
    bool alive;
    bool queued;                /* its number is in the ready ring (perhaps
                                   stale: the ring drops it when it comes up) */
    bool parked;                /* out of the ring while its prefetch waits */
    bool in_pass;               /* has leases in the dispatch pass: pass_first
                                   and pass_last index fo_broker.pass_leases */
    uint32_t pass_first, pass_last;
} agent_rec;

struct fo_broker {
    fo_broker_options options;
    zsock_t *sock;
    void *raw;
    fo_broker_auth *auth;
    char endpoints[2][256];     /* as bound, wildcards resolved */
    char broker_id[300];
    char host[256];
    agent_rec *agents;          /* index = the agent's number in fo_run; the
                                   record of a lost agent is reused */
    size_t nagents, agents_cap;
    uint32_t *free_numbers;     /* lost agents' numbers to reuse (a stack): a
                                   hello takes one in O(1) */
    size_t nfree, free_cap;
    zhashx_t *by_agent_id;      /* an alive agent's agent_id -> its number + 1:
                                   a hello finds that agent's old session in O(1) */
    size_t alive;               /* agents connected now */
    size_t alive_slots;         /* their slots */
    size_t prefetched;          /* leases the alive agents hold beyond their
                                   slots, all together (broker_set_leased) */
    fo_agent_index *index;      /* routing id -> number, alive agents only */
    /* The ready ring: numbers of agents with credit, in the order they get
       their next lease (one each per round, as a rotor over all agents
       did), so that dispatch costs per lease, not per agent. */
    uint32_t *ready;
    size_t ready_head, ready_len, ready_cap;
    /* Agents with credit whose prefetch waits (broker_prefetch_waits) are
       parked out of the ring until one of their leases ends or the shares
       may have grown: tasks waiting above park_queued (the fewest when one
       was parked), or an agent left (unpark). */
    size_t parked, park_queued;
    bool unpark;
    /* Leases of one dispatch pass, sent at its end as one batch per agent
       (protocol 6): one frame and one wake-up for the agent's whole credit
       instead of one per lease. The pass's encoded leases lie back to back
       in one buffer for all agents, each agent's chained in the order they
       were leased (agent_rec.pass_first/pass_last), and are copied into
       one batch buffer agent by agent when sent: a batch buffer of each
       agent's own, kept at its largest (8 KiB for 29 leases), cost 16 MB
       at 2,000 agents (docs/performance-log.md, "the broker's cost per agent"). */
    fo_buf pass;                /* the pass's encoded leases */
    pass_lease *pass_leases;    /* where each is in `pass`, and its agent's next */
    size_t npass_leases, pass_leases_cap;
    uint32_t *outbox_used;      /* numbers with leases in this pass */
    size_t noutbox_used, outbox_cap;
    fo_batch_buf batch;         /* one agent's batch being sent */
    fo_wire_inbox inbox;        /* the rest of a batch being read */
    uint64_t next_sweep_ms;     /* when heartbeats() looks at every agent next */
    bool started;               /* min_agents joined (or the wait is over) */
    uint64_t waiting_since_ms;  /* when the wait for agents began */
    size_t bad_messages;        /* dropped from peers that are not agents */
    size_t bad_versions;        /* peers refused for their protocol version */
    fo_run *run;
    bool cancels_sent;          /* the run stopped and its leases were cancelled */
    uint64_t started_ms;        /* when fo_broker_run began */
    uint64_t impossible_ms;     /* when tasks no agent can take were last looked for */
    bool placement_changed;     /* agents came or went since */
};

/* fo_broker.c */
/* "agent ID on HOST", for fo_log_peer. */
const char *broker_peer_name (const char *agent_id, const char *host, char *buf, size_t len);
void broker_send_to (fo_broker *self, agent_rec *a, const fo_msg *msg);
/* A refuse or shutdown with its reason, to a peer that may be no agent. */
void broker_send_reason (fo_broker *self, const unsigned char *routing, size_t len,
                         fo_msg_type type, const char *reason);

/* fo_broker_agents.c */
/* The alive agent of a routing id: its record and number, or NULL. */
agent_rec *broker_find_agent (fo_broker *self, const unsigned char *routing, size_t len,
                              size_t *number);
/* The ready ring of agents with credit (see struct fo_broker). */
void broker_ready_push (fo_broker *self, uint32_t number);
uint32_t broker_ready_pop (fo_broker *self);
void broker_add_credit (fo_broker *self, size_t number, uint32_t more);
/* Sets an agent's leases in flight, keeping the broker's count of leases
   held beyond the slots (`prefetched`) with it. */
void broker_set_leased (fo_broker *self, agent_rec *a, uint32_t leased);
/* Whether an agent whose slots are all leased gets no more now. */
bool broker_prefetch_waits (const fo_broker *self, const agent_rec *a);
/* Takes agent `number` out of the ring while its prefetch waits, and puts
   every parked agent back when the shares may have grown. */
void broker_park (fo_broker *self, size_t number);
void broker_unpark_if_grown (fo_broker *self);
void broker_lose_agent (fo_broker *self, size_t number, const char *why);
/* A hello: the agent joins (welcome) or is refused. Takes h's strings. */
void broker_hello (fo_broker *self, const unsigned char *routing, size_t len, fo_hello *h);

#endif
