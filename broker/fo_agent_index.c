/*  fo_agent_index — see fo_agent_index.h. */
#include "fo_agent_index.h"

#include <stdlib.h>
#include <string.h>

#include "fo_util.h"

typedef enum { SLOT_EMPTY = 0, SLOT_USED, SLOT_GONE } slot_state;

typedef struct {
    unsigned char *key;     /* owned; NULL unless used */
    uint32_t len;
    uint32_t hash;
    uint32_t number;
    slot_state state;
} slot;

struct fo_agent_index {
    slot *slots;
    size_t cap;             /* a power of two, or 0 */
    size_t used;            /* SLOT_USED */
    size_t gone;            /* SLOT_GONE: they lengthen probes until a rebuild */
};

/* FNV-1a: routing ids are short (ZeroMQ's own are 5 bytes), and a peer
   that picks its id cannot do much with collisions here: the number of
   agents is capped (FO_BROKER_MAX_AGENTS), so is every probe. */
static uint32_t
hash_key (const unsigned char *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= key[i];
        h *= 16777619u;
    }
    return h;
}

fo_agent_index *
fo_agent_index_new (void)
{
    return fo_xcalloc (1, sizeof (fo_agent_index));
}

void
fo_agent_index_destroy (fo_agent_index **self_p)
{
    fo_agent_index *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->cap; i++)
        free (self->slots[i].key);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

/* The slot holding the key, or NULL. */
static slot *
find (const fo_agent_index *self, const unsigned char *key, size_t len, uint32_t hash)
{
    if (self->cap == 0)
        return NULL;
    size_t mask = self->cap - 1;
    for (size_t i = hash & mask, n = 0; n < self->cap; i = (i + 1) & mask, n++) {
        slot *s = &self->slots[i];
        if (s->state == SLOT_EMPTY)
            return NULL;
        if (s->state == SLOT_USED && s->hash == hash && s->len == len
            && memcmp (s->key, key, len) == 0)
            return s;
    }
    return NULL;
}

/* Places a used slot's contents in a table known to have room and no
   tombstones (a rebuild). */
static void
place (slot *slots, size_t cap, const slot *from)
{
    size_t mask = cap - 1;
    size_t i = from->hash & mask;
    while (slots[i].state != SLOT_EMPTY)
        i = (i + 1) & mask;
    slots[i] = *from;
}

/* Rebuilds into `cap` slots, dropping the tombstones. */
static void
rebuild (fo_agent_index *self, size_t cap)
{
    slot *slots = fo_xcalloc (cap, sizeof *slots);
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].state == SLOT_USED)
            place (slots, cap, &self->slots[i]);
    free (self->slots);
    self->slots = slots;
    self->cap = cap;
    self->gone = 0;
}

bool
fo_agent_index_put (fo_agent_index *self, const void *key, size_t len, uint32_t number)
{
    if (len == 0 || len > FO_AGENT_INDEX_MAX_KEY)
        return false;
    uint32_t hash = hash_key (key, len);
    slot *s = find (self, key, len, hash);
    if (s) {
        s->number = number;
        return true;
    }
    /* At most half full, counting tombstones (they end no probe). */
    if ((self->used + self->gone + 1) * 2 > self->cap) {
        size_t cap = self->cap ? self->cap : 16;
        while ((self->used + 1) * 2 > cap)
            cap *= 2;
        rebuild (self, cap);
    }
    size_t mask = self->cap - 1;
    size_t i = hash & mask;
    while (self->slots[i].state == SLOT_USED)
        i = (i + 1) & mask;
    s = &self->slots[i];
    if (s->state == SLOT_GONE)
        self->gone--;
    s->key = fo_xmalloc (len);
    memcpy (s->key, key, len);
    s->len = (uint32_t) len;
    s->hash = hash;
    s->number = number;
    s->state = SLOT_USED;
    self->used++;
    return true;
}

bool
fo_agent_index_get (const fo_agent_index *self, const void *key, size_t len, uint32_t *number)
{
    if (len == 0 || len > FO_AGENT_INDEX_MAX_KEY)
        return false;
    const slot *s = find (self, key, len, hash_key (key, len));
    if (!s)
        return false;
    *number = s->number;
    return true;
}

bool
fo_agent_index_del (fo_agent_index *self, const void *key, size_t len)
{
    if (len == 0 || len > FO_AGENT_INDEX_MAX_KEY)
        return false;
    slot *s = find (self, key, len, hash_key (key, len));
    if (!s)
        return false;
    free (s->key);
    *s = (slot) { .state = SLOT_GONE };
    self->used--;
    self->gone++;
    return true;
}

size_t
fo_agent_index_size (const fo_agent_index *self)
{
    return self->used;
}
