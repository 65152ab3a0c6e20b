/*  fo_leases — see fo_leases.h. */
#include "fo_leases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fo_leases {
    fo_lease_rec *items;    /* lease id n is items[n - 1 - dropped] */
    size_t len, cap;
    uint64_t dropped;       /* ids 1 .. dropped ended and are no longer kept */
};

fo_leases *
fo_leases_new (void)
{
    return fo_xcalloc (1, sizeof (fo_leases));
}

void
fo_leases_destroy (fo_leases **self_p)
{
    fo_leases *self = *self_p;
    if (!self)
        return;
    free (self->items);
    free (self);
    *self_p = NULL;
}

uint64_t
fo_leases_next_id (const fo_leases *self)
{
    return self->dropped + self->len + 1;
}

/* Forgets the ended leases before the oldest active one, when they are at
   least half of the table: moving the rest down then costs no more than
   the adds that filled it. A run of 200,000 tests kept 10 MB of records
   of leases long over (40 B each, doubled); now the table holds about the
   leases in flight, more only while an old one runs on. */
static void
drop_ended (fo_leases *self)
{
    size_t ended = 0;
    while (ended < self->len && !self->items[ended].active)
        ended++;
    if (ended == 0 || ended < self->len / 2)
        return;
    memmove (self->items, self->items + ended, (self->len - ended) * sizeof *self->items);
    self->len -= ended;
    self->dropped += ended;
}

uint64_t
fo_leases_add (fo_leases *self, size_t task, uint32_t agent, uint32_t attempt)
{
    if (self->len == self->cap)
        drop_ended (self);
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 256;
        self->items = fo_xrealloc (self->items, self->cap * sizeof *self->items);
    }
    self->items[self->len++] = (fo_lease_rec) {
        .task = task, .agent = agent, .attempt = attempt, .active = true,
        .started = FO_LEASES_NO_STEP,
    };
    return self->dropped + self->len;
}

uint64_t
fo_leases_count (const fo_leases *self)
{
    return self->dropped + self->len;
}

uint64_t
fo_leases_oldest (const fo_leases *self)
{
    return self->dropped + 1;
}

fo_lease_rec *
fo_leases_get (fo_leases *self, uint64_t id)
{
    return id <= self->dropped || id > self->dropped + self->len
           ? NULL : &self->items[id - 1 - self->dropped];
}

fo_lease_rec *
fo_leases_current (fo_leases *self, uint32_t agent, uint64_t id)
{
    fo_lease_rec *lease = fo_leases_get (self, id);
    return lease && lease->active && lease->agent == agent ? lease : NULL;
}

int
fo_leases_encode (const fo_lease *lease, fo_buf *frame, char *why, size_t whylen)
{
    fo_msg msg = { .type = FO_MSG_LEASE, .u.lease = *lease };
    fo_buf_reset (frame);
    if (fo_msg_encode (&msg, frame) == 0)
        return 0;
    size_t size = fo_msg_encoded_size (&msg);
    if (size > FO_PROTO_MAX_MESSAGE)
        snprintf (why, whylen, "its lease would be %zu bytes, over the %u MiB message limit: "
                  "split the context or shorten its commands", size,
                  FO_PROTO_MAX_MESSAGE / (1024u * 1024u));
    else
        snprintf (why, whylen, "a command, name or variable in it is over the %u MiB string "
                  "limit of a message: shorten it", FO_PROTO_MAX_STRING / (1024u * 1024u));
    return -1;
}
