/*  fo_idmap — see fo_idmap.h. */
#include "fo_idmap.h"
#include "fo_strmap.h"
#include "fo_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t hash;
    void *item;         /* NULL: free */
} slot;

_Static_assert (sizeof (void *) != 8 || sizeof (slot) == 16, "a slot is 16 bytes on 64 bits");

struct fo_idmap {
    const char *(*key) (const void *item);
    slot *slots;
    size_t cap;         /* a power of two, or 0 */
    size_t len;
};

fo_idmap *
fo_idmap_new (const char *(*key) (const void *item))
{
    fo_idmap *self = fo_xcalloc (1, sizeof *self);
    self->key = key;
    return self;
}

void
fo_idmap_destroy (fo_idmap **self_p)
{
    fo_idmap *self = *self_p;
    if (!self)
        return;
    free (self->slots);
    free (self);
    *self_p = NULL;
}

/* An entry's distance from its home slot (where its hash would put it). */
static inline size_t
distance (size_t i, uint64_t hash, size_t mask)
{
    return (i - (size_t) hash) & mask;
}

#define NOT_FOUND ((size_t) -1)

/* The slot holding id, or NOT_FOUND. Robin Hood order: along a probe,
   entries are never nearer their home than the one before them, so the
   search ends at the first entry nearer its home than id would be there
   (id would have taken its slot), without walking to a free slot: a miss
   costs about what a hit does, even 7/8 full. */
static size_t
find (const fo_idmap *self, const char *id, uint64_t hash)
{
    size_t mask = self->cap - 1;
    size_t i = (size_t) hash & mask;
    for (size_t d = 0;; d++, i = (i + 1) & mask) {
        const slot *s = &self->slots[i];
        if (!s->item || distance (i, s->hash, mask) < d)
            return NOT_FOUND;
        if (s->hash == hash && !strcmp (self->key (s->item), id))
            return i;
    }
}

/* Puts an entry whose id is not in the table, from slot i on, where it
   would be d from its home: it takes the slot of the first entry nearer
   its home than itself, which goes on to the next (Robin Hood), until a
   free slot. The table always has one (at most 7/8 full). */
static void
place (slot *slots, size_t mask, slot in, size_t i, size_t d)
{
    for (;; d++, i = (i + 1) & mask) {
        if (!slots[i].item) {
            slots[i] = in;
            return;
        }
        size_t theirs = distance (i, slots[i].hash, mask);
        if (theirs < d) {
            slot out = slots[i];
            slots[i] = in;
            in = out;
            d = theirs;
        }
    }
}

uint64_t
fo_idmap_hash (const char *id)
{
    return fo_strmap_hash (id);
}

void *
fo_idmap_get_hashed (const fo_idmap *self, const char *id, uint64_t hash)
{
    if (!self->len)
        return NULL;
    size_t i = find (self, id, hash);
    return i == NOT_FOUND ? NULL : self->slots[i].item;
}

void *
fo_idmap_get (const fo_idmap *self, const char *id)
{
    return self->len ? fo_idmap_get_hashed (self, id, fo_strmap_hash (id)) : NULL;
}

void
fo_idmap_prefetch_hashed (const fo_idmap *self, uint64_t hash)
{
    if (self->cap)
        __builtin_prefetch (&self->slots[(size_t) hash & (self->cap - 1)]);
}

void
fo_idmap_prefetch (const fo_idmap *self, const char *id)
{
    if (self->cap)
        fo_idmap_prefetch_hashed (self, fo_strmap_hash (id));
}

static void
grow (fo_idmap *self)
{
    slot *old = self->slots;
    size_t old_cap = self->cap;
    self->cap = old_cap ? old_cap * 2 : 64;
    self->slots = fo_xcalloc (self->cap, sizeof *self->slots);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].item)
            place (self->slots, self->cap - 1, old[i], (size_t) old[i].hash & (self->cap - 1), 0);
    free (old);
}

bool
fo_idmap_add (fo_idmap *self, void *item)
{
    return fo_idmap_add_hashed (self, item, fo_strmap_hash (self->key (item)));
}

bool
fo_idmap_add_hashed (fo_idmap *self, void *item, uint64_t hash)
{
    /* find's walk: where it stops, the entry goes */
    const char *id = self->key (item);
    size_t mask = self->cap - 1;
    size_t i = (size_t) hash & mask, d = 0;
    for (; self->cap; d++, i = (i + 1) & mask) {
        const slot *s = &self->slots[i];
        if (!s->item || distance (i, s->hash, mask) < d)
            break;
        if (s->hash == hash && !strcmp (self->key (s->item), id))
            return false;
    }
    /* at most 7/8 full: 2^18 slots (4 MiB) for 200,000 tests, not 2^19 */
    if (8 * (self->len + 1) > 7 * self->cap) {
        grow (self);
        mask = self->cap - 1;
        i = (size_t) hash & mask;
        d = 0;
    }
    place (self->slots, mask, (slot) { hash, item }, i, d);
    self->len++;
    return true;
}

void
fo_idmap_remove (fo_idmap *self, const void *item)
{
    if (!self->len)
        return;
    const char *id = self->key (item);
    size_t mask = self->cap - 1;
    size_t i = find (self, id, fo_strmap_hash (id));
    if (i == NOT_FOUND || self->slots[i].item != item)
        return;
    /* backward shift: the entries after it move one back until one that
       is home already or a free slot, which keeps the Robin Hood order
       (no tombstones: lookups stay short after --test removed half a
       suite) */
    for (;;) {
        size_t j = (i + 1) & mask;
        if (!self->slots[j].item || distance (j, self->slots[j].hash, mask) == 0)
            break;
        self->slots[i] = self->slots[j];
        i = j;
    }
    self->slots[i] = (slot) { 0, NULL };
    self->len--;
}

size_t
fo_idmap_slots (const fo_idmap *self)
{
    return self->cap;
}
