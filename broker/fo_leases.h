/*  fo_leases — the lease table and the lease message.

    One record per lease handed out, found by its id in O(1): ids count up
    from 1 and are never reused. The records of ended leases older than
    every active one are dropped (fo_leases_oldest), so the table holds
    about the leases in flight, not one record per lease of the run. A
    record says which
    task and agent it is for, its attempt, and what its results taught so
    far (a timeout, the worker slot, the fixture errors already taken, the
    test step last said to have started).

    fo_leases_encode turns a lease into the one message the broker sends,
    before the lease is handed out: a lease over the protocol's limits
    (FO_PROTO_MAX_MESSAGE, or a string over FO_PROTO_MAX_STRING) could never
    reach an agent, and the run must know that before it commits to it.
*/
#ifndef FO_LEASES_H
#define FO_LEASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_proto.h"

#define FO_LEASES_NO_STEP ((size_t) -1)

typedef struct {
    size_t task;
    uint32_t agent;
    uint32_t attempt;
    bool active;            /* handed out, not done or lost yet */
    uint32_t fixture_from;  /* fixture errors are accepted from this step on */
    bool timed_out;         /* a result of it was a timeout: later not_run
                               ones are its consequence (a task timeout) */
    uint32_t worker;        /* the agent's slot, once a result said it; 0 before */
    size_t started;         /* the test step last said to have started, or
                               FO_LEASES_NO_STEP */
} fo_lease_rec;

typedef struct fo_leases fo_leases;

fo_leases *fo_leases_new (void);
void fo_leases_destroy (fo_leases **self_p);

/* The id the next lease will get. */
uint64_t fo_leases_next_id (const fo_leases *self);

/* Records a lease handed out (active); returns its id. */
uint64_t fo_leases_add (fo_leases *self, size_t task, uint32_t agent, uint32_t attempt);

/* Leases handed out so far: ids 1 .. this. */
uint64_t fo_leases_count (const fo_leases *self);

/* The oldest id whose record is kept: the leases before it have all
   ended. Walk fo_leases_oldest .. fo_leases_count to see every active one. */
uint64_t fo_leases_oldest (const fo_leases *self);

/* The record of lease `id`, or NULL when there is no such lease or it
   ended before fo_leases_oldest. */
fo_lease_rec *fo_leases_get (fo_leases *self, uint64_t id);

/* The active lease `id` held by `agent`, or NULL (stale, unknown, or
   another agent's). */
fo_lease_rec *fo_leases_current (fo_leases *self, uint32_t agent, uint64_t id);

/* Encodes the lease as its message into `frame` (replacing what it held).
   Returns 0, or -1 with why set when it is over the protocol's limits:
   "its lease would be N bytes, over the 16 MiB message limit: ..." or "a
   command, name or variable in it is over the 8 MiB string limit ...". */
int fo_leases_encode (const fo_lease *lease, fo_buf *frame, char *why, size_t whylen);

#endif
