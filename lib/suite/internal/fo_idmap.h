/*  fo_idmap — the suite's index from ids to tests and contexts: an open
    addressing hash table of the items themselves (private to lib/suite).

    A million tests made czmq's zhashx a fifth of loading's time and some
    100 bytes per test (an allocated item for each entry, the key hashed
    again at every growth). Here an entry is the item's pointer and its
    hash, 16 bytes in a table at most 7/8 full (a power of two: between
    7/16 and 7/8 full; 4 MiB for 200,000 tests, where at most half full
    took 8); the key is read from the item (its id), never copied. Hashed
    with fo_strmap's keyed SipHash: ids come from whoever wrote the file,
    and must not all fall together. Linear probing in Robin Hood order (an
    entry passes the ones nearer their home), so that a search for an id
    that is not there stops as soon as it would have been placed, not at
    the next free slot: at 7/8 full that is a few slots, not some 30.
    Removal shifts the entries after it back (no tombstones), so lookups
    stay short after --test removed half a suite. */
#ifndef FO_IDMAP_H
#define FO_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fo_idmap fo_idmap;

/* key gives an item's id (an fo_test's, an fo_context's). */
fo_idmap *fo_idmap_new (const char *(*key) (const void *item));
void fo_idmap_destroy (fo_idmap **self_p);
/* The item with this id, or NULL. */
void *fo_idmap_get (const fo_idmap *self, const char *id);
/* Starts bringing the slot of id into the cache, for a get or an add
   soon after: in a large table each is a miss (a third of a microsecond
   here), which the work between may hide. */
void fo_idmap_prefetch (const fo_idmap *self, const char *id);
/* Adds item under its id; an id already taken keeps its item (false). */
bool fo_idmap_add (fo_idmap *self, void *item);
/* The same with the id's hash given (fo_idmap_hash): a loader that
   checks an id, prefetches its slot and adds it hashes it once, not three
   times (SipHash was 6% of the loader's thread at a million tests). */
uint64_t fo_idmap_hash (const char *id);
void *fo_idmap_get_hashed (const fo_idmap *self, const char *id, uint64_t hash);
void fo_idmap_prefetch_hashed (const fo_idmap *self, uint64_t hash);
bool fo_idmap_add_hashed (fo_idmap *self, void *item, uint64_t hash);
/* Takes item out, when it is the one its id names. */
void fo_idmap_remove (fo_idmap *self, const void *item);
/* The table's slots (16 bytes each): a power of two, or 0 when empty. */
size_t fo_idmap_slots (const fo_idmap *self);

#endif
