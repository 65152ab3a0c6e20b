/*  fo_blob_cache — see fo_blob_cache.h. */
#include "fo_blob_cache.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "fo_hash.h"
#include "fo_log.h"
#include "fo_proto.h"

#define ROLE "agent"

struct fo_blob_cache {
    char *dir;
    uint64_t max_bytes;
    int lock_fd;
    unsigned counter;   /* names temporary files */
    fo_blob_cache_stats stats;
    /* Blob ids this agent hashed, or stored itself, since it opened the
       store: a blob is checked once per agent, at its first use. */
    zhashx_t *checked;
};

/* mkdir -p */
static int
make_dirs (const char *path)
{
    char *copy = fo_xstrdup (path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir (copy, 0755) != 0 && errno != EEXIST) {
            free (copy);
            return -1;
        }
        *p = '/';
    }
    int rc = mkdir (copy, 0755) != 0 && errno != EEXIST ? -1 : 0;
    free (copy);
    return rc;
}

static void
lock (fo_blob_cache *self, int how)
{
    while (flock (self->lock_fd, how) != 0 && errno == EINTR)
        ;
}

void
fo_blob_cache_lock_shared (fo_blob_cache *self)
{
    lock (self, LOCK_SH);
}

void
fo_blob_cache_unlock (fo_blob_cache *self)
{
    lock (self, LOCK_UN);
}

/* Calls fn for every blob file: its directory's path, name and stat. */
typedef void (blob_fn) (fo_blob_cache *self, const char *path, const char *name,
                        const struct stat *st, void *arg);

static void
each_blob (fo_blob_cache *self, blob_fn *fn, void *arg)
{
    char *top = fo_xasprintf ("%s/blobs", self->dir);
    DIR *d = opendir (top);
    struct dirent *de;
    while (d && (de = readdir (d)) != NULL) {
        if (strlen (de->d_name) != 2 || !isxdigit ((unsigned char) de->d_name[0])
            || !isxdigit ((unsigned char) de->d_name[1]))
            continue;
        char *sub = fo_xasprintf ("%s/%s", top, de->d_name);
        DIR *s = opendir (sub);
        struct dirent *be;
        while (s && (be = readdir (s)) != NULL) {
            if (be->d_name[0] == '.')
                continue;
            char *path = fo_xasprintf ("%s/%s", sub, be->d_name);
            struct stat st;
            if (lstat (path, &st) == 0)
                fn (self, path, be->d_name, &st, arg);
            free (path);
        }
        if (s)
            closedir (s);
        free (sub);
    }
    if (d)
        closedir (d);
    free (top);
}

/* Whether the blob at path holds what its name says; why when not. */
static bool
holds_its_name (const char *path, const char *name, char *why, size_t whylen)
{
    unsigned char want[FO_HASH_BYTES], got[FO_HASH_BYTES];
    uint64_t size = 0;
    if (fo_hash_from_hex (name, want) != 0)
        return fo_err (why, whylen, "its name is not a blob id"), false;
    if (fo_hash_file (path, got, &size, why, whylen) != 0)
        return false;
    if (memcmp (want, got, FO_HASH_BYTES) != 0)
        return fo_err (why, whylen, "its content does not match its name"), false;
    return true;
}

static void
count_one (fo_blob_cache *self, const char *path, const char *name, const struct stat *st,
           void *arg)
{
    (void) path, (void) name, (void) arg;
    if (S_ISREG (st->st_mode)) {
        self->stats.blobs++;
        self->stats.bytes += (uint64_t) st->st_size;
    }
}

/* Temporary files are "<pid>.<n>": one whose agent is gone is removed. */
static void
clean_tmp (fo_blob_cache *self)
{
    char *tmp = fo_xasprintf ("%s/tmp", self->dir);
    DIR *d = opendir (tmp);
    struct dirent *de;
    while (d && (de = readdir (d)) != NULL) {
        long pid = strtol (de->d_name, NULL, 10);
        if (de->d_name[0] == '.' || (pid > 0 && (kill ((pid_t) pid, 0) == 0 || errno != ESRCH)))
            continue;
        char *path = fo_xasprintf ("%s/%s", tmp, de->d_name);
        unlink (path);
        free (path);
    }
    if (d)
        closedir (d);
    free (tmp);
}

fo_blob_cache *
fo_blob_cache_open (const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
    char *blobs = fo_xasprintf ("%s/blobs", dir), *tmp = fo_xasprintf ("%s/tmp", dir);
    int rc = make_dirs (blobs) == 0 && make_dirs (tmp) == 0 ? 0 : -1;
    int e = errno;
    free (blobs);
    free (tmp);
    if (rc != 0) {
        fo_err (err, errlen, "cannot create the cache directory %s: %s", dir, strerror (e));
        return NULL;
    }
    char *lock_path = fo_xasprintf ("%s/lock", dir);
    int fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    e = errno;
    free (lock_path);
    if (fd < 0) {
        fo_err (err, errlen, "cannot open %s/lock: %s", dir, strerror (e));
        return NULL;
    }
    fo_blob_cache *self = fo_xcalloc (1, sizeof *self);
    self->dir = fo_xstrdup (dir);
    self->max_bytes = max_bytes;
    self->lock_fd = fd;
    self->checked = zhashx_new ();
    lock (self, LOCK_EX);
    clean_tmp (self);
    /* Counted, not hashed: hashing a full store took seconds per start
       (about 10 s for 10 GiB); a blob is hashed at its first use instead,
       so an agent pays only for what its runs use (fo_blob_cache_has). */
    each_blob (self, count_one, NULL);
    fo_blob_cache_unlock (self);
    fo_log (FO_LOG_INFO, ROLE, "blob cache %s: %zu blobs (%llu bytes)", dir, self->stats.blobs,
            (unsigned long long) self->stats.bytes);
    return self;
}

void
fo_blob_cache_destroy (fo_blob_cache **self_p)
{
    fo_blob_cache *self = *self_p;
    if (!self)
        return;
    close (self->lock_fd);
    zhashx_destroy (&self->checked);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

const char *
fo_blob_cache_dir (const fo_blob_cache *self)
{
    return self->dir;
}

fo_blob_cache_stats
fo_blob_cache_stats_get (const fo_blob_cache *self)
{
    return self->stats;
}

char *
fo_blob_cache_path (const fo_blob_cache *self, const char *id)
{
    return fo_xasprintf ("%s/blobs/%.2s/%s", self->dir, id, id);
}

bool
fo_blob_cache_has (fo_blob_cache *self, const char *id)
{
    char *path = fo_blob_cache_path (self, id);
    /* Used now: the eviction's order. */
    bool has = utimensat (AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW) == 0;
    if (has && !zhashx_lookup (self->checked, id)) {
        char why[512] = "not a regular file";
        struct stat st;
        if (lstat (path, &st) != 0)
            has = false;        /* evicted by another agent meanwhile */
        else if (S_ISREG (st.st_mode) && holds_its_name (path, id, why, sizeof why))
            zhashx_insert (self->checked, id, (void *) 1);
        else {
            fo_log (FO_LOG_WARN, ROLE, "blob cache %s: a corrupt blob removed (%s: %s); it is "
                    "fetched again", self->dir, path, why);
            unlink (path);
            self->stats.dropped++;
            has = false;
        }
    }
    free (path);
    return has;
}

int
fo_blob_cache_begin (fo_blob_cache *self, char **tmp_path, char *err, size_t errlen)
{
    char *path = fo_xasprintf ("%s/tmp/%d.%u", self->dir, (int) getpid (), ++self->counter);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fo_err (err, errlen, "cannot create %s: %s", path, strerror (errno));
        free (path);
        return -1;
    }
    *tmp_path = path;
    return fd;
}

int
fo_blob_cache_commit (fo_blob_cache *self, const char *id, const char *tmp_path, bool exec,
                      char *err, size_t errlen)
{
    char *path = fo_blob_cache_path (self, id);
    char *sub = fo_xstrndup (path, strlen (path) - FO_HASH_HEX - 1);
    int rc = 0;
    if ((mkdir (sub, 0755) != 0 && errno != EEXIST) || chmod (tmp_path, exec ? 0555 : 0444) != 0
        || rename (tmp_path, path) != 0) {
        rc = fo_err (err, errlen, "cannot store blob %s: %s", id, strerror (errno));
        unlink (tmp_path);
    } else
        zhashx_insert (self->checked, id, (void *) 1);      /* hashed as it came */
    free (sub);
    free (path);
    return rc;
}

typedef struct {
    char *path;
    char name[FO_HASH_HEX + 1];
    uint64_t size;
    struct timespec used;
} entry;

typedef struct {
    entry *items;
    size_t len, cap;
    uint64_t total;
} listing;

static void
list_one (fo_blob_cache *self, const char *path, const char *name, const struct stat *st,
          void *arg)
{
    (void) self;
    listing *l = arg;
    size_t n = strlen (name);
    if (n >= sizeof l->items[0].name)
        return;         /* no blob id: not a blob of ours, never evicted */
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = fo_xrealloc (l->items, l->cap * sizeof *l->items);
    }
    entry *e = &l->items[l->len++];
    e->path = fo_xstrdup (path);
    memcpy (e->name, name, n + 1);
    e->size = (uint64_t) st->st_size;
    e->used = st->st_mtim;
    l->total += e->size;
}

static int
by_use (const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->used.tv_sec != y->used.tv_sec)
        return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
    return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

static int
cmp_str (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

size_t
fo_blob_cache_evict (fo_blob_cache *self, const fo_strv *keep)
{
    /* keep sorted once, searched per blob: O((n + k) log k) */
    size_t nkeep = keep ? keep->len : 0;
    char **sorted = fo_xcalloc (nkeep ? nkeep : 1, sizeof *sorted);
    for (size_t i = 0; i < nkeep; i++)
        sorted[i] = keep->items[i];
    qsort (sorted, nkeep, sizeof *sorted, cmp_str);
    lock (self, LOCK_EX);
    listing l = { 0 };
    each_blob (self, list_one, &l);
    size_t removed = 0;
    if (l.total > self->max_bytes) {
        qsort (l.items, l.len, sizeof *l.items, by_use);
        for (size_t i = 0; i < l.len && l.total > self->max_bytes; i++) {
            const char *name = l.items[i].name;
            if (nkeep && bsearch (&name, sorted, nkeep, sizeof *sorted, cmp_str))
                continue;
            if (unlink (l.items[i].path) == 0) {
                zhashx_delete (self->checked, name);
                l.total -= l.items[i].size;
                removed++;
            }
        }
    }
    for (size_t i = 0; i < l.len; i++)
        free (l.items[i].path);
    free (l.items);
    free (sorted);
    fo_blob_cache_unlock (self);
    return removed;
}
