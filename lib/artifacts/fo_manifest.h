/*  fo_manifest — what one context's tests need on an agent: every file,
    directory and symlink, by path relative to the suite file's directory,
    with its content address (fo_hash), size and mode.

    Entries are kept sorted by path, each path once; the manifest's id is
    the hash of its encoding, so equal inputs have one id, and any change
    of a byte, a mode, a name or a link's target makes another. The
    encoding (msgpack: {"manifest": 1, "entries": [[path, kind, mode, size,
    hash, target], ...]}) is itself a blob: the broker serves it like any
    file, the agent fetches it by the id a lease names and checks it
    against that id before it believes a word of it.

    A path is relative, '/'-separated, of non-empty components that are
    neither "." nor "..", at most FO_MANIFEST_MAX_PATH bytes: whatever the
    broker sends, nothing lands outside the agent's workspace. */
#ifndef FO_MANIFEST_H
#define FO_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_hash.h"
#include "fo_util.h"

#define FO_MANIFEST_MAX_PATH 4096u
#define FO_MANIFEST_MAX_ENTRIES 1000000u
#define FO_MANIFEST_MAX_BYTES (256u * 1024u * 1024u)   /* encoded */

typedef enum {
    FO_ARTIFACT_FILE = 0,
    FO_ARTIFACT_DIR,
    FO_ARTIFACT_LINK,
} fo_artifact_kind;

typedef struct {
    char *path;         /* relative, checked (fo_manifest_path_ok) */
    fo_artifact_kind kind;
    uint32_t mode;      /* permission bits, 07777 at most */
    uint64_t size;      /* a file's bytes; 0 otherwise */
    unsigned char hash[FO_HASH_BYTES];  /* a file's content; zero otherwise */
    char *target;       /* a link's target, as readlink gave it; NULL otherwise */
    char *source;       /* the broker's absolute path it came from (never
                           encoded); NULL in a decoded manifest */
} fo_artifact;

typedef struct {
    fo_artifact *items;
    size_t len, cap;
    bool sealed;
    unsigned char id[FO_HASH_BYTES];
    char hex[FO_HASH_HEX + 1];
    fo_buf encoded;     /* after seal or decode */
    uint64_t bytes;     /* the files' sizes added up */
    size_t files;
} fo_manifest;

fo_manifest *fo_manifest_new (void);
void fo_manifest_destroy (fo_manifest **self_p);

bool fo_manifest_path_ok (const char *path);
const char *fo_artifact_kind_name (fo_artifact_kind kind);  /* "file", "dir", "link" */

/* Adds an entry (copies its strings). Before seal only. */
void fo_manifest_add (fo_manifest *self, const fo_artifact *entry);
/* Every entry of other (what a context inherits). */
void fo_manifest_add_all (fo_manifest *self, const fo_manifest *other);

/* Sorts, drops repeated paths (the first added stays), encodes, and sets
   the id. 0, or -1 with why (over a limit). */
int fo_manifest_seal (fo_manifest *self, char *err, size_t errlen);

/* The entry at path in a sealed manifest, or NULL (binary search). */
const fo_artifact *fo_manifest_find (const fo_manifest *self, const char *path);

/* A manifest from its encoding, every rule checked (paths, kinds, sorted,
   unique, limits). NULL with why. */
fo_manifest *fo_manifest_decode (const void *data, size_t len, char *err, size_t errlen);

#endif
