/*  fo_proto_resources — the rules of what a hello offers (fo_proto.h):
    resource names, instance ids and labels. The encoder and the decoder
    apply the same rules (fo_hello_offer_check), so an agent cannot send
    what a broker would refuse, and the broker never holds what it could
    not name in an environment variable (FANOUT_RESOURCE_<NAME>) or a
    comma list of ids. */
#include "fo_proto.h"
#include "fo_proto_fields.h"

#include <stdio.h>
#include <string.h>

bool
fo_resource_name_ok (const char *name)
{
    size_t n = name ? strlen (name) : 0;
    if (n == 0 || n > FO_PROTO_MAX_RESOURCE_NAME || !(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z')))
        return false;
    return strspn (name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

bool
fo_resource_id_ok (const char *id)
{
    size_t n = id ? strlen (id) : 0;
    return n > 0 && n <= FO_PROTO_MAX_RESOURCE_NAME
        && strspn (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

bool
fo_label_ok (const char *label)
{
    size_t n = label ? strlen (label) : 0;
    if (n == 0 || n > FO_PROTO_MAX_LABEL)
        return false;
    for (size_t i = 0; i < n; i++)
        if (label[i] <= ' ' || label[i] > '~' || label[i] == ',')
            return false;
    return true;
}

/* Every rule of fo_proto.h on a hello's resources and labels; 0, or -1
   with why. Pairs are compared pairwise: at most FO_PROTO_MAX_RESOURCES
   (1024) instances and FO_PROTO_MAX_LABELS labels, checked first, keep
   this to half a million comparisons of short strings, once per hello. */
int
fo_hello_offer_check (const fo_hello *h, char *why, size_t whylen)
{
    if (h->nresources > FO_PROTO_MAX_RESOURCES) {
        snprintf (why, whylen, "%zu resource instances (at most %u)", h->nresources,
                  FO_PROTO_MAX_RESOURCES);
        return -1;
    }
    if (h->labels.len > FO_PROTO_MAX_LABELS) {
        snprintf (why, whylen, "%zu labels (at most %u)", h->labels.len, FO_PROTO_MAX_LABELS);
        return -1;
    }
    for (size_t i = 0; i < h->nresources; i++) {
        const fo_resource *r = &h->resources[i];
        if (!fo_resource_name_ok (r->name)) {
            snprintf (why, whylen, "resources[%zu]: a resource name is 1 to %u characters: "
                      "a lowercase letter or '_', then lowercase letters, digits or '_'", i,
                      FO_PROTO_MAX_RESOURCE_NAME);
            return -1;
        }
        if (!fo_resource_id_ok (r->id)) {
            snprintf (why, whylen, "resources[%zu]: an instance id is 1 to %u letters, digits, "
                      "'_', '-' or '.'", i, FO_PROTO_MAX_RESOURCE_NAME);
            return -1;
        }
        if (r->slots == 0 || r->slots > FO_PROTO_MAX_RESOURCE_SLOTS) {
            snprintf (why, whylen, "resources[%zu]: slots must be 1 to %u", i,
                      FO_PROTO_MAX_RESOURCE_SLOTS);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp (h->resources[j].name, r->name) && !strcmp (h->resources[j].id, r->id)) {
                snprintf (why, whylen, "resources[%zu]: instance '%s' of '%s' twice", i, r->id,
                          r->name);
                return -1;
            }
    }
    for (size_t i = 0; i < h->labels.len; i++) {
        if (!fo_label_ok (h->labels.items[i])) {
            snprintf (why, whylen, "labels[%zu]: a label is 1 to %u printable characters, no "
                      "space or ','", i, FO_PROTO_MAX_LABEL);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp (h->labels.items[j], h->labels.items[i])) {
                snprintf (why, whylen, "labels[%zu]: label '%s' twice", i, h->labels.items[i]);
                return -1;
            }
    }
    return 0;
}
