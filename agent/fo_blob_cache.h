/*  fo_blob_cache — an agent's content-addressed store of blobs
    (docs/artifacts.md): <dir>/blobs/<first 2 hex>/<id>, each file
    read-only and named by its BLAKE2b-256, so a name says what it holds
    and a second agent on the host can use what the first fetched.

    Written only whole: a blob is received into <dir>/tmp and renamed into
    place once its hash was checked, so no reader ever sees half a blob,
    and two agents storing the same blob store the same bytes. A lock file
    (<dir>/lock, flock) is held shared while blobs are used (linked into a
    workspace) and exclusive while the store is checked or evicted from.

    Bounded: past max_bytes, the least recently used blobs (the
    modification time, set on every use: access times are often not kept)
    are removed, never one the caller is about to use (keep). A workspace
    holds hard links, so removing a blob from the store never takes it
    from a running test.

    Checked at first use: the first time an agent asks for a blob it did not
    store itself (fo_blob_cache_has), the blob is hashed; one whose content
    does not match its name (a disk error, a hand edit) is removed and
    reported missing, so it is fetched again. Opening only counts the store
    and removes what a dead agent left half-received in tmp/: an agent's
    start no longer reads the whole store. */
#ifndef FO_BLOB_CACHE_H
#define FO_BLOB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_util.h"

#define FO_BLOB_CACHE_DEFAULT_SIZE (10ull * 1024 * 1024 * 1024)     /* 10 GiB */

typedef struct fo_blob_cache fo_blob_cache;

typedef struct {
    size_t blobs;       /* in the store after opening */
    uint64_t bytes;
    size_t dropped;     /* corrupt ones removed at their first use */
} fo_blob_cache_stats;

/* Creates dir (and its parents) when missing. NULL with why. */
fo_blob_cache *fo_blob_cache_open (const char *dir, uint64_t max_bytes, char *err, size_t errlen);
void fo_blob_cache_destroy (fo_blob_cache **self_p);

const char *fo_blob_cache_dir (const fo_blob_cache *self);
fo_blob_cache_stats fo_blob_cache_stats_get (const fo_blob_cache *self);

/* The path a blob has (or would have) in the store; caller frees. */
char *fo_blob_cache_path (const fo_blob_cache *self, const char *id);
/* Whether the store holds the blob (it is marked used now). Hashes it
   the first time this agent asks (see above): false for a corrupt one,
   which is removed. */
bool fo_blob_cache_has (fo_blob_cache *self, const char *id);

/* A new temporary file to receive a blob into: its fd (O_WRONLY) and its
   path (caller frees). -1 with why. */
int fo_blob_cache_begin (fo_blob_cache *self, char **tmp_path, char *err, size_t errlen);
/* Puts a received and checked blob in place, read-only (0555 when exec,
   else 0444). 0, or -1 with why (the temporary file is removed). */
int fo_blob_cache_commit (fo_blob_cache *self, const char *id, const char *tmp_path, bool exec,
                          char *err, size_t errlen);

/* The lock around using blobs (shared) — see above. */
void fo_blob_cache_lock_shared (fo_blob_cache *self);
void fo_blob_cache_unlock (fo_blob_cache *self);

/* Removes the least recently used blobs until the store is within its
   size, none of keep (blob ids). Returns how many it removed. */
size_t fo_blob_cache_evict (fo_blob_cache *self, const fo_strv *keep);

#endif
