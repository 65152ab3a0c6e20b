/*  fuzz_manifest — libFuzzer target for the manifest decoder
    (fo_manifest_decode, lib/artifacts): what an agent reads from the blob
    a lease names before it lays out a workspace.

    Any input must be refused with a message, or give a manifest whose
    every rule holds: each path relative and without '.' or '..', sorted
    and unique, none under a link or a file, the id the hash of the input,
    and an encoding that decodes again to the same id. The sanitizers in
    the build catch overflows, leaks and undefined behaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_manifest.h"

static void
die (const char *what)
{
    fprintf (stderr, "fuzz_manifest: %s\n", what);
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err[256] = "";
    fo_manifest *m = fo_manifest_decode (data, size, err, sizeof err);
    if (!m) {
        if (!err[0])
            die ("refused without a reason");
        return 0;
    }
    unsigned char id[FO_HASH_BYTES];
    fo_hash_data (data, size, id);
    if (memcmp (id, m->id, FO_HASH_BYTES) != 0)
        die ("the id is not the hash of the input");
    for (size_t i = 0; i < m->len; i++) {
        const fo_artifact *e = &m->items[i];
        if (!fo_manifest_path_ok (e->path))
            die ("a bad path was accepted");
        if (i > 0 && strcmp (m->items[i - 1].path, e->path) >= 0)
            die ("paths out of order or repeated");
        if ((e->kind == FO_ARTIFACT_LINK) != (e->target != NULL))
            die ("a link without a target, or a target without a link");
        char *copy = fo_xstrdup (e->path);
        for (char *slash = strrchr (copy, '/'); slash; slash = strrchr (copy, '/')) {
            *slash = '\0';
            const fo_artifact *up = fo_manifest_find (m, copy);
            if (up && up->kind != FO_ARTIFACT_DIR)
                die ("an entry under a link or a file");
        }
        free (copy);
    }
    fo_manifest *again = fo_manifest_decode (m->encoded.data, m->encoded.len, err, sizeof err);
    if (!again || memcmp (again->id, m->id, FO_HASH_BYTES) != 0)
        die ("its own encoding does not decode to it");
    fo_manifest_destroy (&again);
    fo_manifest_destroy (&m);
    return 0;
}
