/*  fo_offer — what an agent offers besides its slots (docs/resources.md):
    counted resources and labels, from the command line (`--resource
    gpu=2`, `--label docker`) and from a resource file in CTest's resource
    specification format (JSON, read with jansson):

      { "version": { "major": 1, "minor": 0 },
        "local": [ { "gpus": [ { "id": "0", "slots": 2 }, { "id": "1" } ] } ] }

    `local` holds exactly one map, resource type -> its instances; an
    instance's `slots` is 1 when left out. `--resource NAME=N` offers N
    instances of NAME with ids "0" .. "N-1", one slot each.

    Everything is checked by the protocol's rules (fo_proto.h: names, ids,
    slots, FO_PROTO_MAX_RESOURCES instances, FO_PROTO_MAX_LABELS labels, no
    instance or label twice), so a hello built from an offer always
    encodes. A resource file is at most FO_OFFER_MAX_FILE bytes.
*/
#ifndef FO_OFFER_H
#define FO_OFFER_H

#include <stddef.h>

#include "fo_proto.h"

#define FO_OFFER_MAX_FILE (1024u * 1024u)

typedef struct {
    fo_resource *resources;
    size_t nresources;
    fo_strv labels;
} fo_offer;

/* Each returns 0, or -1 with a one-line reason in err (the offer keeps
   what it held before the call). */
int fo_offer_add_resource_arg (fo_offer *self, const char *arg, char *err, size_t errlen);
int fo_offer_add_label (fo_offer *self, const char *label, char *err, size_t errlen);
int fo_offer_load_file (fo_offer *self, const char *path, char *err, size_t errlen);
void fo_offer_free (fo_offer *self);

#endif
