/*  fo_hash_cache — see fo_hash_cache.h. Two jansson objects are the maps:
    what was loaded, and what this run used (saved). */
#include "fo_hash_cache.h"
#include "fo_util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fo_hash_cache {
    json_t *loaded;     /* path -> [size, mtime_ns, ctime_ns, ino, hex] */
    json_t *used;       /* what is saved */
    json_t *seen;       /* every file of this run, racy ones too: hashed once */
    size_t hashed, reused;
    uint64_t hashed_bytes;
};

fo_hash_cache *
fo_hash_cache_new (void)
{
    fo_hash_cache *self = fo_xcalloc (1, sizeof *self);
    self->loaded = json_object ();
    self->used = json_object ();
    self->seen = json_object ();
    return self;
}

void
fo_hash_cache_destroy (fo_hash_cache **self_p)
{
    fo_hash_cache *self = *self_p;
    if (!self)
        return;
    json_decref (self->loaded);
    json_decref (self->used);
    json_decref (self->seen);
    free (self);
    *self_p = NULL;
}

int
fo_hash_cache_load (fo_hash_cache *self, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat (path, &st) != 0)
        return errno == ENOENT ? 0 : fo_err (err, errlen, "%s: %s", path, strerror (errno));
    if (st.st_size > (off_t) FO_HASH_CACHE_MAX_FILE)
        return fo_err (err, errlen, "%s: larger than %u MiB, not read", path,
                       FO_HASH_CACHE_MAX_FILE >> 20);
    json_error_t je;
    json_t *root = json_load_file (path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fo_err (err, errlen, "%s:%d: not a hash cache", path, je.line);
    json_t *files = json_object_get (root, "files");
    if (json_integer_value (json_object_get (root, "fanout_hashes")) != 1 || !json_is_object (files)) {
        json_decref (root);
        return fo_err (err, errlen, "%s: not a hash cache of version 1", path);
    }
    json_object_update (self->loaded, files);
    json_decref (root);
    return 0;
}

int
fo_hash_cache_save (const fo_hash_cache *self, const char *path, char *err, size_t errlen)
{
    json_t *root = json_pack ("{s:i, s:O}", "fanout_hashes", 1, "files", self->used);
    char *tmp = fo_xasprintf ("%s.tmp.%d", path, (int) getpid ());
    int rc = json_dump_file (root, tmp, JSON_COMPACT);
    json_decref (root);
    if (rc != 0 || rename (tmp, path) != 0) {
        int e = errno;
        unlink (tmp);
        free (tmp);
        return fo_err (err, errlen, "%s: cannot write: %s", path, strerror (e));
    }
    free (tmp);
    return 0;
}

static uint64_t
ns_of (const struct timespec *ts)
{
    return (uint64_t) ts->tv_sec * 1000000000ull + (uint64_t) ts->tv_nsec;
}

/* The remembered entry when it still describes st. */
static bool
matches (const json_t *e, const struct stat *st, unsigned char out[FO_HASH_BYTES])
{
    if (!json_is_array (e) || json_array_size (e) != 5)
        return false;
    if ((uint64_t) json_integer_value (json_array_get (e, 0)) != (uint64_t) st->st_size
        || (uint64_t) json_integer_value (json_array_get (e, 1)) != ns_of (&st->st_mtim)
        || (uint64_t) json_integer_value (json_array_get (e, 2)) != ns_of (&st->st_ctim)
        || (uint64_t) json_integer_value (json_array_get (e, 3)) != (uint64_t) st->st_ino)
        return false;
    return fo_hash_from_hex (json_string_value (json_array_get (e, 4)), out) == 0;
}

int
fo_hash_cache_file (fo_hash_cache *self, const char *path, const struct stat *st,
                    unsigned char out[FO_HASH_BYTES], char *err, size_t errlen)
{
    if (matches (json_object_get (self->seen, path), st, out))
        return 0;
    const json_t *old = json_object_get (self->loaded, path);
    if (matches (old, st, out)) {
        self->reused++;
        json_object_set (self->used, path, (json_t *) old);
        json_object_set (self->seen, path, (json_t *) old);
        return 0;
    }
    uint64_t size = 0;
    if (fo_hash_file (path, out, &size, err, errlen) != 0)
        return -1;
    self->hashed++;
    self->hashed_bytes += size;
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    uint64_t newest = ns_of (&st->st_mtim);
    if (size != (uint64_t) st->st_size)
        return 0;       /* it changed while we read it: remember nothing */
    char hex[FO_HASH_HEX + 1];
    fo_hash_to_hex (out, hex);
    json_t *e = json_pack ("[I, I, I, I, s]", (json_int_t) st->st_size,
                           (json_int_t) ns_of (&st->st_mtim), (json_int_t) ns_of (&st->st_ctim),
                           (json_int_t) st->st_ino, hex);
    json_object_set (self->seen, path, e);
    if (newest + FO_HASH_CACHE_RACY_NS < ns_of (&now))
        json_object_set (self->used, path, e);
    json_decref (e);
    return 0;
}

size_t fo_hash_cache_hashed (const fo_hash_cache *self) { return self->hashed; }
uint64_t fo_hash_cache_hashed_bytes (const fo_hash_cache *self) { return self->hashed_bytes; }
size_t fo_hash_cache_reused (const fo_hash_cache *self) { return self->reused; }
