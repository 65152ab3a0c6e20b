/*  fo_blobs — see fo_blobs.h. An index (czmq's zhashx) from id to source,
    and a ring of recently read chunks with its own index. */
#include "fo_blobs.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *path;         /* a file, or NULL */
    char *data;         /* bytes in memory, when path is NULL */
    uint64_t size;
} source;

typedef struct {
    char *key;          /* "<id>:<offset>:<length>", NULL when empty */
    char *data;
    size_t len;
} cached;

struct fo_blobs {
    zhashx_t *index;    /* id -> source* */
    zhashx_t *chunks;   /* key -> cached* (in ring) */
    cached ring[FO_BLOBS_CACHE_CHUNKS];
    size_t next;        /* the slot replaced next */
    char *buf;          /* the answer's data when read now */
    char error[512];
    fo_blobs_stats stats;
};

static void
source_destroy (void **item)
{
    source *s = *item;
    if (!s)
        return;
    free (s->path);
    free (s->data);
    free (s);
    *item = NULL;
}

fo_blobs *
fo_blobs_new (void)
{
    fo_blobs *self = fo_xcalloc (1, sizeof *self);
    self->index = zhashx_new ();
    zhashx_set_destructor (self->index, source_destroy);
    self->chunks = zhashx_new ();
    self->buf = fo_xmalloc (FO_PROTO_MAX_CHUNK);
    return self;
}

void
fo_blobs_destroy (fo_blobs **self_p)
{
    fo_blobs *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->index);
    zhashx_destroy (&self->chunks);
    for (size_t i = 0; i < FO_BLOBS_CACHE_CHUNKS; i++) {
        free (self->ring[i].key);
        free (self->ring[i].data);
    }
    free (self->buf);
    free (self);
    *self_p = NULL;
}

static void
add (fo_blobs *self, const char *id, source *s)
{
    if (zhashx_insert (self->index, id, s) != 0) {
        void *item = s;
        source_destroy (&item);
    }
}

void
fo_blobs_add_file (fo_blobs *self, const char *id, const char *path, uint64_t size)
{
    source *s = fo_xcalloc (1, sizeof *s);
    s->path = fo_xstrdup (path);
    s->size = size;
    add (self, id, s);
}

void
fo_blobs_add_data (fo_blobs *self, const char *id, const void *data, size_t len)
{
    source *s = fo_xcalloc (1, sizeof *s);
    s->data = fo_xmalloc (len ? len : 1);
    if (len)
        memcpy (s->data, data, len);
    s->size = len;
    add (self, id, s);
}

size_t
fo_blobs_count (const fo_blobs *self)
{
    return zhashx_size (self->index);
}

fo_blobs_stats
fo_blobs_get_stats (const fo_blobs *self)
{
    return self->stats;
}

static void
fail (fo_blobs *self, fo_chunk *out, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static void
fail (fo_blobs *self, fo_chunk *out, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->error, sizeof self->error, fmt, ap);
    va_end (ap);
    out->error = self->error;
    if (out->offset > out->size)
        out->offset = 0;        /* the chunk's own rule: within the size */
    out->data = NULL;
    out->data_len = 0;
    self->stats.errors++;
}

/* Reads len bytes at offset of the file into self->buf; -1 with errno. */
static ssize_t
read_at (fo_blobs *self, const char *path, uint64_t offset, size_t len)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread (fd, self->buf + got, len - got, (off_t) (offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close (fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    return (ssize_t) got;
}

static void
remember (fo_blobs *self, const char *key, const char *data, size_t len)
{
    cached *slot = &self->ring[self->next];
    self->next = (self->next + 1) % FO_BLOBS_CACHE_CHUNKS;
    if (slot->key) {
        zhashx_delete (self->chunks, slot->key);
        free (slot->key);
    }
    slot->key = fo_xstrdup (key);
    slot->data = fo_xrealloc (slot->data, len ? len : 1);
    memcpy (slot->data, data, len);
    slot->len = len;
    zhashx_insert (self->chunks, slot->key, slot);
}

void
fo_blobs_serve (fo_blobs *self, const fo_fetch *fetch, fo_chunk *out)
{
    *out = (fo_chunk) { .blob = fetch->blob, .offset = fetch->offset, .error = "" };
    self->stats.fetches++;
    const source *s = zhashx_lookup (self->index, fetch->blob);
    if (!s) {
        fail (self, out, "this broker has no blob %s", fetch->blob);
        return;
    }
    out->size = s->size;
    if (fetch->offset > s->size) {
        out->offset = 0;
        fail (self, out, "offset %llu is past the blob's %llu bytes",
              (unsigned long long) fetch->offset, (unsigned long long) s->size);
        return;
    }
    uint64_t left = s->size - fetch->offset;
    size_t len = left < fetch->length ? (size_t) left : fetch->length;
    if (len > FO_PROTO_MAX_CHUNK)
        len = FO_PROTO_MAX_CHUNK;
    if (!s->path) {
        out->data = s->data + fetch->offset;
        out->data_len = len;
        self->stats.bytes_sent += len;
        return;
    }
    char key[FO_PROTO_BLOB_ID + 48];
    snprintf (key, sizeof key, "%s:%llu:%zu", fetch->blob, (unsigned long long) fetch->offset, len);
    const cached *hit = zhashx_lookup (self->chunks, key);
    if (hit) {
        out->data = hit->data;
        out->data_len = hit->len;
        self->stats.bytes_sent += hit->len;
        return;
    }
    ssize_t n = read_at (self, s->path, fetch->offset, len);
    if (n < 0) {
        fail (self, out, "cannot read %s: %s", s->path, strerror (errno));
        return;
    }
    if ((size_t) n != len) {
        fail (self, out, "%s is shorter than when it was hashed (changed during the run?)",
              s->path);
        return;
    }
    remember (self, key, self->buf, len);
    out->data = self->buf;
    out->data_len = len;
    self->stats.bytes_sent += len;
    self->stats.bytes_read += len;
}
