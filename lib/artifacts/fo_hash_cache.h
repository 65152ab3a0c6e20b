/*  fo_hash_cache — the broker's memory of what it hashed: a file whose
    size, modification time, change time and inode are those of the last
    run is not read again (hashing a large build tree once per run is the
    cost that matters, not once per change).

    Kept in a JSON file (jansson; default .fanout-hashes.json in the
    broker's working directory, docs/artifacts.md): {"fanout_hashes": 1,
    "files": {"/abs/path": [size, mtime_ns, ctime_ns, ino, "hex"]}}. Only
    the files this run used are saved, so it never outgrows the suites that
    use it. A file changed less than FO_HASH_CACHE_RACY_NS before it was
    hashed is not remembered: a write within the clock's granularity could
    otherwise keep its old time and size. A cache that cannot be read is
    ignored (the files are hashed); one larger than FO_HASH_CACHE_MAX_FILE
    is not read at all. */
#ifndef FO_HASH_CACHE_H
#define FO_HASH_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fo_hash.h"

#define FO_HASH_CACHE_DEFAULT ".fanout-hashes.json"
#define FO_HASH_CACHE_MAX_FILE (256u * 1024u * 1024u)
#define FO_HASH_CACHE_RACY_NS (2ull * 1000000000ull)

typedef struct fo_hash_cache fo_hash_cache;

fo_hash_cache *fo_hash_cache_new (void);
void fo_hash_cache_destroy (fo_hash_cache **self_p);

/* Reads path (a missing file is an empty cache). 0, or -1 with why (the
   cache is then empty: a warning, never an error of the run). */
int fo_hash_cache_load (fo_hash_cache *self, const char *path, char *err, size_t errlen);
/* Writes what this run used (to a temporary file renamed over path). */
int fo_hash_cache_save (const fo_hash_cache *self, const char *path, char *err, size_t errlen);

/* The hash of the file at path, whose lstat is st: remembered, or read
   (fo_hash_file). 0, or -1 with why. */
int fo_hash_cache_file (fo_hash_cache *self, const char *path, const struct stat *st,
                        unsigned char out[FO_HASH_BYTES], char *err, size_t errlen);

/* Files read and bytes hashed by this cache, and files taken from it. */
size_t fo_hash_cache_hashed (const fo_hash_cache *self);
uint64_t fo_hash_cache_hashed_bytes (const fo_hash_cache *self);
size_t fo_hash_cache_reused (const fo_hash_cache *self);

#endif
