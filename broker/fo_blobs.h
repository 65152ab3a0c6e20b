/*  fo_blobs — what a broker can ship to agents (docs/artifacts.md): each
    blob by its id (fo_proto.h, a BLAKE2b-256 in hex), a file on the
    broker's disk or bytes in memory (a manifest), served one chunk per
    fetch.

    Flow control is the agent's: it asks for a chunk at a time and keeps at
    most a window of them asked and not received (its credit), so what the
    broker sends in answer is bounded per agent, and one agent's large
    transfer is a stream of small messages between which every other
    agent's leases, results and heartbeats pass.

    The last chunks read stay in memory (FO_BLOBS_CACHE_CHUNKS of them,
    the oldest replaced first): agents fetching the same blob at about the
    same time are served from there, not from the disk again. A file is
    read when a chunk is asked for, so a file changed since it was hashed
    sends bytes that do not match: the agent's check catches it. */
#ifndef FO_BLOBS_H
#define FO_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "fo_proto.h"

#define FO_BLOBS_CACHE_CHUNKS 64u

typedef struct fo_blobs fo_blobs;

fo_blobs *fo_blobs_new (void);
void fo_blobs_destroy (fo_blobs **self_p);

/* id: a blob id. A blob added twice keeps its first source. */
void fo_blobs_add_file (fo_blobs *self, const char *id, const char *path, uint64_t size);
void fo_blobs_add_data (fo_blobs *self, const char *id, const void *data, size_t len);
size_t fo_blobs_count (const fo_blobs *self);

/* The answer to a fetch, in out (its strings borrowed from self, valid
   until the next call; out is not to be freed). */
void fo_blobs_serve (fo_blobs *self, const fo_fetch *fetch, fo_chunk *out);

typedef struct {
    uint64_t fetches;       /* chunks asked for */
    uint64_t bytes_sent;    /* data bytes answered */
    uint64_t bytes_read;    /* of them, read from the disk */
    uint64_t errors;        /* fetches answered with an error */
} fo_blobs_stats;

fo_blobs_stats fo_blobs_get_stats (const fo_blobs *self);

#endif
