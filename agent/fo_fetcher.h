/*  fo_fetcher — an agent's leases that ship artifacts (docs/artifacts.md),
    from the lease to a workspace: fetches the lease's manifest and the
    blobs its cache lacks from the broker, checks each against its hash,
    stores it (fo_blob_cache), lays out the workspace (fo_workspace) and
    hands the lease back rewritten to run there.

    Transfer: a few blobs at a time (FO_FETCHER_ACTIVE), each in chunks of
    FO_FETCHER_CHUNK bytes asked for with `fetch`, at most
    FO_FETCHER_WINDOW chunks asked and not received at once (the agent's
    credit: what the broker sends it is bounded, and other agents' messages
    pass between the chunks). A blob is hashed as its chunks arrive; one
    whose bytes do not match its id, that arrives broken (a chunk out of
    order, a size other than the manifest's) or that the broker cannot
    send is fetched again from its start, up to FO_FETCHER_TRIES times in
    all; then every lease that needs it ends not run, saying why.

    One workspace per manifest, shared by the leases that run in it at once
    (inputs are read-only), under work_dir; it is removed as soon as no
    lease uses it any more (fo_fetcher_lease_end: the context is done on
    this agent), and what is left when the fetcher is destroyed (the
    session's end). A later lease of the manifest lays it out again from
    the cache (links, no transfer). Nothing here blocks on the network: the
    agent's loop feeds it chunks. */
#ifndef FO_FETCHER_H
#define FO_FETCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_blob_cache.h"
#include "fo_proto.h"

#define FO_FETCHER_CHUNK (512u * 1024u)
#define FO_FETCHER_WINDOW 16u
#define FO_FETCHER_ACTIVE 8u
#define FO_FETCHER_TRIES 3u

typedef struct {
    void (*send) (void *arg, const fo_fetch *fetch);
    /* The lease runs now (its contents are the callee's). */
    void (*ready) (void *arg, fo_lease *lease);
    /* It cannot (its contents are the callee's): why. */
    void (*failed) (void *arg, fo_lease *lease, const char *why);
    void *arg;
} fo_fetcher_hooks;

typedef struct {
    uint64_t bytes;         /* data received */
    uint64_t blobs;         /* blobs fetched and stored */
    uint64_t retries;       /* blobs fetched again */
    uint64_t cached;        /* blobs the cache already held */
} fo_fetcher_stats;

typedef struct fo_fetcher fo_fetcher;

/* work_dir: where workspaces go (created; removed with the fetcher). */
fo_fetcher *fo_fetcher_new (fo_blob_cache *cache, const char *work_dir,
                            const fo_fetcher_hooks *hooks);
/* A session's fetcher: its workspaces under <cache dir>/work/<agent id as
   a name>. */
fo_fetcher *fo_fetcher_open (fo_blob_cache *cache, const char *agent_id,
                             const fo_fetcher_hooks *hooks);
/* Removes the workspaces (logging what the session fetched); leases still
   waiting are dropped unreported (the session is over: the broker
   re-leases them). NULL is fine. */
void fo_fetcher_destroy (fo_fetcher **self_p);

/* A lease with a manifest: ready at once when its workspace is, else
   once its blobs are here. Takes the lease's contents. */
void fo_fetcher_add (fo_fetcher *self, fo_lease *lease);
void fo_fetcher_on_chunk (fo_fetcher *self, const fo_chunk *chunk);
/* Takes a waiting lease out (a cancel); false when it is not waiting. */
bool fo_fetcher_take (fo_fetcher *self, uint64_t lease, fo_lease *out);
/* The lease has ended (done sent): a workspace no lease uses any more is
   removed. Any lease id may be given; one the fetcher never readied is
   ignored. */
void fo_fetcher_lease_end (fo_fetcher *self, uint64_t lease);
size_t fo_fetcher_waiting (const fo_fetcher *self);
fo_fetcher_stats fo_fetcher_get_stats (const fo_fetcher *self);

#endif
