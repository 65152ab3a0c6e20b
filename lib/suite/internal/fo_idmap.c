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

/* The slot holding id, or the free one where it would go. */
static size_t
find (const fo_idmap *self, const char *id, uint64_t hash)
{
    size_t mask = self->cap - 1;
    size_t i = (size_t) hash & mask;
    while (self->slots[i].item
           && (self->slots[i].hash != hash || strcmp (self->key (self->slots[i].item), id)))
        i = (i + 1) & mask;
    return i;
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
    return self->slots[find (self, id, hash)].item;
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
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].item)
            continue;
        size_t j = (size_t) old[i].hash & (self->cap - 1);
        while (self->slots[j].item)
            j = (j + 1) & (self->cap - 1);
        self->slots[j] = old[i];
    }
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
    if (2 * (self->len + 1) > self->cap)
        grow (self);
    size_t i = find (self, self->key (item), hash);
    if (self->slots[i].item)
        return false;
    self->slots[i] = (slot) { hash, item };
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
    if (self->slots[i].item != item)
        return;
    /* backward shift: each entry after it that may move closer to its
       home slot does, so that no probe meets a hole before its entry */
    size_t j = i;
    for (;;) {
        self->slots[i].item = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!self->slots[j].item) {
                self->len--;
                return;
            }
            size_t home = (size_t) self->slots[j].hash & mask;
            /* j's entry may fill i when its home is not in (i, j] */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        self->slots[i] = self->slots[j];
        i = j;
    }
}
