/*  fo_artifacts — a suite's `artifacts:` declarations (fo_context.artifacts)
    expanded on the broker into one manifest per context that declares any
    (docs/artifacts.md).

    A context's tests need what it declares and what every context above
    it declares: its manifest holds both. A context that declares nothing
    uses its nearest declaring ancestor's manifest; with none above it
    either, its tests ship nothing and run where the suite says, as before.

    Patterns are glob(3)'s (`*`, `?`, `[...]`; no `**`), relative to the
    suite file's directory. A match that is a directory brings everything
    under it; symlinks are kept as links (never followed inside a
    directory); a pattern matching nothing, a device or a socket, an
    unreadable file are errors naming the context and where it declared
    them. Every file is hashed through the hash cache (fo_hash_cache.h). */
#ifndef FO_ARTIFACTS_H
#define FO_ARTIFACTS_H

#include <stddef.h>

#include "fo_hash_cache.h"
#include "fo_manifest.h"
#include "fo_suite.h"

/* How deep a declared directory is walked. */
#define FO_ARTIFACTS_MAX_DEPTH 128u

typedef struct fo_artifact_set fo_artifact_set;

/* NULL with "file:line:column: message" in err. cache may be NULL (every
   file is hashed). */
fo_artifact_set *fo_artifacts_collect (const fo_suite *suite, fo_hash_cache *cache, char *err,
                                       size_t errlen);
void fo_artifacts_destroy (fo_artifact_set **self_p);

/* The manifest ctx's tests need, or NULL (nothing to ship). O(depth x
   declaring contexts). */
const fo_manifest *fo_artifacts_for_context (const fo_artifact_set *self, const fo_context *ctx);

/* The declaring contexts and their manifests, in tree order. */
size_t fo_artifacts_count (const fo_artifact_set *self);
const fo_manifest *fo_artifacts_manifest (const fo_artifact_set *self, size_t i);
const fo_context *fo_artifacts_context (const fo_artifact_set *self, size_t i);

#endif
