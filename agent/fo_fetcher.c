/*  fo_fetcher — see fo_fetcher.h.

    Manifests and transfers by id (czmq's zhashx). A transfer knows the
    manifests waiting for it; a manifest counts the blobs it still misses,
    so each arrival costs O(manifests waiting for it), never a rescan. */
#include "fo_fetcher.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_hash.h"
#include "fo_log.h"
#include "fo_manifest.h"
#include "fo_workspace.h"

#define ROLE "agent"
#define SIZE_UNKNOWN UINT64_MAX

/* M_IDLE: was ready, no lease used it any more, its workspace removed;
   the next lease lays it out again (fo_fetcher_lease_end). */
typedef enum { M_MANIFEST, M_BLOBS, M_READY, M_FAILED, M_IDLE } mstate;

typedef struct {
    char id[FO_HASH_HEX + 1];
    mstate state;
    fo_manifest *m;
    size_t missing;         /* blobs not in the cache yet */
    char *workspace;
    fo_strv lib_dirs;       /* its shared libraries' directories, in it */
    char *why;              /* M_FAILED */
    fo_lease *waiting;
    size_t nwaiting, cap;
    uint64_t *users;        /* leases handed out to run in the workspace */
    size_t nusers, users_cap;
} mrec;

typedef struct {
    char id[FO_HASH_HEX + 1];
    uint64_t size;          /* SIZE_UNKNOWN for a manifest until its first chunk */
    bool exec;
    mrec *manifest_of;      /* the manifest this blob is, or NULL */
    mrec **needed_by;       /* manifests missing it */
    size_t nneeded, needed_cap;
    uint64_t requested, received;
    unsigned inflight;
    bool active, draining;
    unsigned tries;
    int fd;
    char *tmp;
    fo_hash_state hash;
} transfer;

struct fo_fetcher {
    fo_blob_cache *cache;
    char *work_dir;
    fo_fetcher_hooks hooks;
    zhashx_t *manifests;    /* id -> mrec* */
    zhashx_t *transfers;    /* id -> transfer* */
    transfer **queue;       /* not started, FIFO */
    size_t qhead, qlen, qcap;
    transfer *active[FO_FETCHER_ACTIVE];
    unsigned nactive;
    unsigned inflight;
    unsigned rotor;
    fo_fetcher_stats stats;
};

static void mrec_destroy (void **item);
static void transfer_destroy (void **item);

fo_fetcher *
fo_fetcher_new (fo_blob_cache *cache, const char *work_dir, const fo_fetcher_hooks *hooks)
{
    fo_fetcher *self = fo_xcalloc (1, sizeof *self);
    self->cache = cache;
    self->work_dir = fo_xstrdup (work_dir);
    self->hooks = *hooks;
    self->manifests = zhashx_new ();
    zhashx_set_destructor (self->manifests, mrec_destroy);
    self->transfers = zhashx_new ();
    zhashx_set_destructor (self->transfers, transfer_destroy);
    fo_workspace_remove (work_dir);     /* what a killed agent of this id left */
    if (mkdir (work_dir, 0755) != 0 && errno != EEXIST)
        fo_log (FO_LOG_WARN, ROLE, "cannot create %s: %s", work_dir, strerror (errno));
    return self;
}

static void
mrec_destroy (void **item)
{
    mrec *r = *item;
    if (!r)
        return;
    if (r->workspace) {
        fo_workspace_remove (r->workspace);
        free (r->workspace);
    }
    for (size_t i = 0; i < r->nwaiting; i++) {
        fo_msg m = { .type = FO_MSG_LEASE, .u.lease = r->waiting[i] };
        fo_msg_free (&m);
    }
    free (r->waiting);
    free (r->users);
    fo_manifest_destroy (&r->m);
    fo_strv_free (&r->lib_dirs);
    free (r->why);
    free (r);
    *item = NULL;
}

static void
transfer_destroy (void **item)
{
    transfer *t = *item;
    if (!t)
        return;
    if (t->fd >= 0)
        close (t->fd);
    if (t->tmp) {
        unlink (t->tmp);
        free (t->tmp);
    }
    free (t->needed_by);
    free (t);
    *item = NULL;
}

fo_fetcher *
fo_fetcher_open (fo_blob_cache *cache, const char *agent_id, const fo_fetcher_hooks *hooks)
{
    char *parent = fo_xasprintf ("%s/work", fo_blob_cache_dir (cache));
    char *name = fo_workspace_name (agent_id);
    char *work = fo_xasprintf ("%s/%s", parent, name);
    mkdir (parent, 0755);
    fo_fetcher *self = fo_fetcher_new (cache, work, hooks);
    free (work);
    free (name);
    free (parent);
    return self;
}

void
fo_fetcher_destroy (fo_fetcher **self_p)
{
    fo_fetcher *self = *self_p;
    if (!self)
        return;
    fo_fetcher_stats st = self->stats;
    if (st.blobs || st.cached)
        fo_log (FO_LOG_INFO, ROLE, "artifacts: %llu bytes received in %llu blobs, %llu blobs "
                "already cached, %llu fetched again", (unsigned long long) st.bytes,
                (unsigned long long) st.blobs, (unsigned long long) st.cached,
                (unsigned long long) st.retries);
    zhashx_destroy (&self->transfers);
    zhashx_destroy (&self->manifests);
    fo_workspace_remove (self->work_dir);
    free (self->work_dir);
    free (self->queue);
    free (self);
    *self_p = NULL;
}

fo_fetcher_stats
fo_fetcher_get_stats (const fo_fetcher *self)
{
    return self->stats;
}

size_t
fo_fetcher_waiting (const fo_fetcher *self)
{
    size_t n = 0;
    for (mrec *r = zhashx_first (self->manifests); r; r = zhashx_next (self->manifests))
        n += r->nwaiting;
    return n;
}

/* ---- leases ------------------------------------------------------------ */

static void
release (fo_fetcher *self, mrec *r)
{
    /* The hooks may add leases (a ready lease fills a slot, nothing more);
       take the list first. */
    fo_lease *leases = r->waiting;
    size_t n = r->nwaiting;
    r->waiting = NULL;
    r->nwaiting = r->cap = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->state == M_READY) {
            fo_workspace_rewrite (&leases[i], r->workspace, &r->lib_dirs);
            if (r->nusers == r->users_cap) {
                r->users_cap = r->users_cap ? r->users_cap * 2 : 4;
                r->users = fo_xrealloc (r->users, r->users_cap * sizeof *r->users);
            }
            r->users[r->nusers++] = leases[i].lease;
            self->hooks.ready (self->hooks.arg, &leases[i]);
        } else
            self->hooks.failed (self->hooks.arg, &leases[i], r->why);
    }
    free (leases);
}

static void
manifest_failed (fo_fetcher *self, mrec *r, const char *why)
{
    if (r->state == M_FAILED || r->state == M_READY)
        return;
    r->state = M_FAILED;
    r->why = fo_xasprintf ("artifacts of manifest %.16s: %s", r->id, why);
    fo_log (FO_LOG_WARN, ROLE, "%s", r->why);
    release (self, r);
}

static void
materialise (fo_fetcher *self, mrec *r)
{
    char err[1024];
    r->workspace = fo_xasprintf ("%s/%.16s", self->work_dir, r->id);
    fo_workspace_remove (r->workspace);
    fo_blob_cache_lock_shared (self->cache);
    int rc = fo_workspace_make (self->cache, r->m, r->workspace, err, sizeof err);
    fo_blob_cache_unlock (self->cache);
    if (rc != 0) {
        fo_workspace_remove (r->workspace);
        free (r->workspace);
        r->workspace = NULL;
        manifest_failed (self, r, err);
        return;
    }
    /* Within its size again, never evicting what this manifest uses. */
    fo_strv keep = { 0 };
    fo_strv_push (&keep, r->id);
    for (size_t i = 0; i < r->m->len; i++)
        if (r->m->items[i].kind == FO_ARTIFACT_FILE) {
            char hex[FO_HASH_HEX + 1];
            fo_hash_to_hex (r->m->items[i].hash, hex);
            fo_strv_push (&keep, hex);
        }
    fo_blob_cache_evict (self->cache, &keep);
    fo_strv_free (&keep);
    fo_workspace_lib_dirs (r->m, r->workspace, &r->lib_dirs);
    r->state = M_READY;
    fo_log (FO_LOG_DEBUG, ROLE, "workspace %s ready (%zu files)", r->workspace, r->m->files);
    release (self, r);
}

/* ---- transfers --------------------------------------------------------- */

static void pump (fo_fetcher *self);

static transfer *
want (fo_fetcher *self, const char *id, uint64_t size, bool exec, mrec *needed_by,
      mrec *manifest_of)
{
    transfer *t = zhashx_lookup (self->transfers, id);
    if (!t) {
        t = fo_xcalloc (1, sizeof *t);
        snprintf (t->id, sizeof t->id, "%s", id);
        t->size = size;
        t->exec = exec;
        t->fd = -1;
        zhashx_insert (self->transfers, id, t);
        if (self->qhead + self->qlen == self->qcap) {
            if (self->qhead > 0) {
                memmove (self->queue, self->queue + self->qhead, self->qlen * sizeof *self->queue);
                self->qhead = 0;
            } else {
                self->qcap = self->qcap ? self->qcap * 2 : 64;
                self->queue = fo_xrealloc (self->queue, self->qcap * sizeof *self->queue);
            }
        }
        self->queue[self->qhead + self->qlen++] = t;
    }
    if (manifest_of)
        t->manifest_of = manifest_of;
    if (needed_by) {
        if (t->nneeded == t->needed_cap) {
            t->needed_cap = t->needed_cap ? t->needed_cap * 2 : 2;
            t->needed_by = fo_xrealloc (t->needed_by, t->needed_cap * sizeof *t->needed_by);
        }
        t->needed_by[t->nneeded++] = needed_by;
    }
    return t;
}

/* The manifest is here (in the cache): its blobs next. again: it was
   laid out before in this session (M_IDLE): what the cache has is not
   counted as "already cached" a second time. */
static void
manifest_arrived (fo_fetcher *self, mrec *r, bool again)
{
    char *path = fo_blob_cache_path (self->cache, r->id);
    fo_buf data = { 0 };
    char err[512] = "";
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat (fd, &st) != 0 || st.st_size > (off_t) FO_MANIFEST_MAX_BYTES)
        snprintf (err, sizeof err, "cannot read it from the cache");
    else {
        char buf[65536];
        ssize_t n;
        while ((n = read (fd, buf, sizeof buf)) > 0)
            fo_buf_append (&data, buf, (size_t) n);
        r->m = fo_manifest_decode (data.data, data.len, err, sizeof err);
    }
    if (fd >= 0)
        close (fd);
    free (path);
    fo_buf_free (&data);
    if (r->m && strcmp (r->m->hex, r->id) != 0) {
        fo_manifest_destroy (&r->m);
        snprintf (err, sizeof err, "its content does not match its id");
    }
    if (!r->m) {
        manifest_failed (self, r, err);
        return;
    }
    r->state = M_BLOBS;
    r->missing = 0;
    for (size_t i = 0; i < r->m->len; i++) {
        const fo_artifact *e = &r->m->items[i];
        if (e->kind != FO_ARTIFACT_FILE)
            continue;
        char hex[FO_HASH_HEX + 1];
        fo_hash_to_hex (e->hash, hex);
        if (fo_blob_cache_has (self->cache, hex)) {
            if (!again)
                self->stats.cached++;
            continue;
        }
        /* One wait per blob, however many entries share its content. */
        transfer *t = zhashx_lookup (self->transfers, hex);
        bool counted = false;
        for (size_t k = 0; t && k < t->nneeded; k++)
            counted = counted || t->needed_by[k] == r;
        if (counted)
            continue;
        want (self, hex, e->size, (e->mode & 0111) != 0, r, NULL);
        r->missing++;
    }
    if (r->missing == 0)
        materialise (self, r);
    else
        pump (self);
}

static void
close_tmp (transfer *t)
{
    if (t->fd >= 0)
        close (t->fd);
    t->fd = -1;
    if (t->tmp) {
        unlink (t->tmp);
        free (t->tmp);
        t->tmp = NULL;
    }
}

/* The transfer ends (stored or given up): off the active list and the
   index; its manifests learn of it. */
static void
transfer_end (fo_fetcher *self, transfer *t, const char *why)
{
    for (unsigned i = 0; i < self->nactive; i++)
        if (self->active[i] == t) {
            self->active[i] = self->active[--self->nactive];
            break;
        }
    /* Chunks still coming for it are dropped when they come: the window
       has their room back now. */
    self->inflight -= t->inflight;
    mrec *manifest = t->manifest_of;
    mrec **needed = t->needed_by;
    size_t nneeded = t->nneeded;
    t->needed_by = NULL;
    char *reason = why ? fo_xasprintf ("blob %.16s: %s", t->id, why) : NULL;
    zhashx_delete (self->transfers, t->id);     /* frees t */
    if (manifest) {
        if (reason)
            manifest_failed (self, manifest, reason);
        else
            manifest_arrived (self, manifest, false);
    }
    for (size_t i = 0; i < nneeded; i++) {
        mrec *r = needed[i];
        if (r->state != M_BLOBS)
            continue;
        if (reason)
            manifest_failed (self, r, reason);
        else if (--r->missing == 0)
            materialise (self, r);
    }
    free (needed);
    free (reason);
}

static void
start (fo_fetcher *self, transfer *t)
{
    char err[512];
    t->requested = t->received = 0;
    t->draining = false;
    fo_hash_init (&t->hash);
    t->fd = fo_blob_cache_begin (self->cache, &t->tmp, err, sizeof err);
    if (t->fd < 0)
        t->tries = FO_FETCHER_TRIES;    /* a local problem: trying again will not help */
}

/* Broken: from the start again, or given up after FO_FETCHER_TRIES. */
static void
broken (fo_fetcher *self, transfer *t, const char *why)
{
    close_tmp (t);
    t->tries++;
    if (t->tries >= FO_FETCHER_TRIES) {
        char *msg = fo_xasprintf ("%s (after %u tries)", why, t->tries);
        transfer_end (self, t, msg);
        free (msg);
        return;
    }
    self->stats.retries++;
    fo_log (FO_LOG_WARN, ROLE, "blob %.16s: %s; fetching it again", t->id, why);
    if (t->inflight > 0)
        t->draining = true;     /* chunks still coming are of the old try */
    else
        start (self, t);
}

static void
finish (fo_fetcher *self, transfer *t)
{
    unsigned char got[FO_HASH_BYTES];
    char hex[FO_HASH_HEX + 1];
    fo_hash_final (&t->hash, got);
    fo_hash_to_hex (got, hex);
    if (strcmp (hex, t->id) != 0) {
        broken (self, t, "its bytes do not match its hash");
        return;
    }
    close (t->fd);
    t->fd = -1;
    char err[512];
    int rc = fo_blob_cache_commit (self->cache, t->id, t->tmp, t->exec, err, sizeof err);
    free (t->tmp);
    t->tmp = NULL;
    if (rc != 0) {
        t->tries = FO_FETCHER_TRIES;
        broken (self, t, err);
        return;
    }
    self->stats.blobs++;
    transfer_end (self, t, NULL);
}

/* Asks for chunks while the window has room, round-robin over the
   active transfers; starts queued ones as others end. */
static void
pump (fo_fetcher *self)
{
    while (self->nactive < FO_FETCHER_ACTIVE && self->qlen > 0) {
        transfer *t = self->queue[self->qhead++];
        self->qlen--;
        t->active = true;
        self->active[self->nactive++] = t;
        start (self, t);
        if (t->fd < 0) {
            broken (self, t, "cannot store it in the cache");
            continue;
        }
        if (t->size == 0) {         /* nothing to fetch: an empty file */
            finish (self, t);
            continue;
        }
    }
    bool asked = true;
    while (self->inflight < FO_FETCHER_WINDOW && self->nactive > 0 && asked) {
        asked = false;
        for (unsigned k = 0; k < self->nactive && self->inflight < FO_FETCHER_WINDOW; k++) {
            transfer *t = self->active[(self->rotor + k) % self->nactive];
            if (t->draining || t->fd < 0)
                continue;
            /* A manifest's size comes with its first chunk: one at a time until then. */
            if (t->size == SIZE_UNKNOWN ? t->requested > 0 : t->requested >= t->size)
                continue;
            uint64_t left = t->size == SIZE_UNKNOWN ? FO_FETCHER_CHUNK : t->size - t->requested;
            fo_fetch f = { .blob = t->id, .offset = t->requested,
                           .length = left < FO_FETCHER_CHUNK ? (uint32_t) left : FO_FETCHER_CHUNK };
            self->hooks.send (self->hooks.arg, &f);
            t->requested += f.length;
            t->inflight++;
            self->inflight++;
            asked = true;
        }
        self->rotor++;
    }
}

static bool
write_all (int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write (fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t) n;
    }
    return true;
}

void
fo_fetcher_on_chunk (fo_fetcher *self, const fo_chunk *c)
{
    transfer *t = zhashx_lookup (self->transfers, c->blob);
    if (!t || !t->active || t->inflight == 0)
        return;     /* a chunk of a transfer that ended: nothing waits for it */
    t->inflight--;
    self->inflight--;
    if (t->draining) {
        if (t->inflight == 0)
            start (self, t);
    } else if (c->error[0])
        broken (self, t, c->error);
    else if (c->offset != t->received)
        broken (self, t, "a chunk came out of order");
    else if (t->size != SIZE_UNKNOWN && c->size != t->size)
        broken (self, t, "the broker's size differs from the manifest's");
    else if (t->size == SIZE_UNKNOWN && c->size > FO_MANIFEST_MAX_BYTES)
        broken (self, t, "a manifest larger than the limit");
    else if (c->data_len == 0 && c->size > t->received)
        broken (self, t, "an empty chunk before the end");
    else if (!write_all (t->fd, c->data, c->data_len)) {
        t->tries = FO_FETCHER_TRIES;
        broken (self, t, "cannot write it to the cache");
    } else {
        if (t->size == SIZE_UNKNOWN) {
            t->size = c->size;
            t->requested = c->data_len;     /* what the first ask brought */
        }
        fo_hash_update (&t->hash, c->data, c->data_len);
        t->received += c->data_len;
        self->stats.bytes += c->data_len;
        if (t->received == t->size)
            finish (self, t);
    }
    pump (self);
}

void
fo_fetcher_add (fo_fetcher *self, fo_lease *lease)
{
    mrec *r = zhashx_lookup (self->manifests, lease->manifest);
    bool fresh = !r;
    if (fresh) {
        r = fo_xcalloc (1, sizeof *r);
        snprintf (r->id, sizeof r->id, "%s", lease->manifest);
        zhashx_insert (self->manifests, r->id, r);
    }
    if (r->nwaiting == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->waiting = fo_xrealloc (r->waiting, r->cap * sizeof *r->waiting);
    }
    r->waiting[r->nwaiting++] = *lease;
    memset (lease, 0, sizeof *lease);
    if (r->state == M_READY || r->state == M_FAILED) {
        release (self, r);
        return;
    }
    if (r->state == M_IDLE) {
        /* Laid out again from the cache; a blob another agent sharing the
           cache evicted meanwhile is fetched again. */
        fo_manifest_destroy (&r->m);
        r->state = M_MANIFEST;
        if (fo_blob_cache_has (self->cache, r->id))
            manifest_arrived (self, r, true);
        else {
            want (self, r->id, SIZE_UNKNOWN, false, NULL, r);
            pump (self);
        }
        return;
    }
    if (!fresh)
        return;
    if (fo_blob_cache_has (self->cache, r->id)) {
        self->stats.cached++;
        manifest_arrived (self, r, false);
    } else {
        want (self, r->id, SIZE_UNKNOWN, false, NULL, r);
        pump (self);
    }
}

bool
fo_fetcher_take (fo_fetcher *self, uint64_t lease, fo_lease *out)
{
    for (mrec *r = zhashx_first (self->manifests); r; r = zhashx_next (self->manifests))
        for (size_t i = 0; i < r->nwaiting; i++)
            if (r->waiting[i].lease == lease) {
                *out = r->waiting[i];
                memmove (&r->waiting[i], &r->waiting[i + 1],
                         (r->nwaiting - i - 1) * sizeof *r->waiting);
                r->nwaiting--;
                return true;
            }
    return false;
}

void
fo_fetcher_lease_end (fo_fetcher *self, uint64_t lease)
{
    for (mrec *r = zhashx_first (self->manifests); r; r = zhashx_next (self->manifests))
        for (size_t i = 0; i < r->nusers; i++) {
            if (r->users[i] != lease)
                continue;
            r->users[i] = r->users[--r->nusers];
            if (r->nusers == 0 && r->nwaiting == 0 && r->state == M_READY) {
                /* No lease of this agent runs in it or waits for it: its
                   context is done here (or pauses); the destructor removes
                   the workspace, and a later lease lays it out again. */
                fo_log (FO_LOG_DEBUG, ROLE, "workspace %s removed: no lease uses it", r->workspace);
                fo_workspace_remove (r->workspace);
                free (r->workspace);
                r->workspace = NULL;
                fo_strv_free (&r->lib_dirs);
                r->state = M_IDLE;
            }
            return;
        }
}
