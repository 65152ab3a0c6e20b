/*  fo_workspace — where a lease that ships artifacts runs: a directory
    laid out from a manifest (fo_manifest.h) with the blobs of the agent's
    cache (fo_blob_cache.h), at the same relative places as under the
    broker's suite directory, so a test finds its files where the suite
    says (docs/artifacts.md).

    Files are hard links to the cache's blobs when their read-only mode is
    the blob's (cheap, and the cache may evict the blob meanwhile: the link
    keeps it), copies otherwise (another mode, another filesystem); inputs
    are read-only (every write bit dropped, and set-id bits), directories
    keep their mode plus the owner's rwx (a test may write next to its
    inputs), symlinks are made as they were. */
#ifndef FO_WORKSPACE_H
#define FO_WORKSPACE_H

#include "fo_blob_cache.h"
#include "fo_manifest.h"
#include "fo_proto.h"

/* Lays out m in dir (which must not exist; its parent must). 0; -1 with
   why; -2 when a blob is not in the cache (another agent sharing it
   evicted it meanwhile). The caller holds the cache's shared lock. */
int fo_workspace_make (fo_blob_cache *cache, const fo_manifest *m, const char *dir, char *err,
                       size_t errlen);

/* An agent's id as a directory name (caller frees): letters, digits, '.',
   '-', '_', everything else '_' — no ':' (workspace paths go into
   LD_LIBRARY_PATH, which ':' splits), no '/'. */
char *fo_workspace_name (const char *id);

/* Removes dir and everything under it (read-only inputs included). */
void fo_workspace_remove (const char *dir);

/* Rewrites the lease to run in the workspace dir: every step's cwd, every
   argument and every ':'-separated part of an env value that is the
   lease's root or under it is the same path under dir; the workspace's
   directories of shared libraries (fo_workspace_lib_dirs) go first in
   LD_LIBRARY_PATH (a build tree's programs name their libraries' places
   by absolute run paths into the broker's tree); $FANOUT_WORKSPACE is dir. */
void fo_workspace_rewrite (fo_lease *lease, const char *dir, const fo_strv *lib_dirs);

/* The workspace directories (under dir) of m's shared libraries: its
   files and links called *.so or *.so.N..., each directory once. */
void fo_workspace_lib_dirs (const fo_manifest *m, const char *dir, fo_strv *out);

#endif
