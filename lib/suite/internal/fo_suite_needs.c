/*  fo_suite_needs — the keys of a suite file that say what a test or a
    context needs of the cluster (fo_needs.h, docs/resources.md):

      locks: [NAME, ...]          exclusive named locks
      shared_locks: [NAME, ...]   locks held beside other readers
      resources: {NAME: COUNT}    slots of counted resources agents offer
      requires: [LABEL, ...]      labels the agent must carry

    Each value is checked here with "file:line:column: message" at the
    offending item, by the rules the protocol and the placement share. */
#include "fo_suite_yaml.h"
#include "fo_strmap.h"

#include "fo_proto.h"

#include <stdlib.h>
#include <string.h>

bool
fo_yaml_is_needs_key (const char *key)
{
    return !strcmp (key, "locks") || !strcmp (key, "shared_locks") || !strcmp (key, "resources")
        || !strcmp (key, "requires");
}

/* A list of distinct strings, each passing ok. */
static bool
read_list (fo_yaml_reader *L, const char *key, const yaml_node_t *node, bool (*ok) (const char *),
           const char *rule, fo_strv *out)
{
    if (node->type != YAML_SEQUENCE_NODE)
        return fo_yaml_fail (L, node, "'%s' must be a list", key);
    size_t n = (size_t) (node->data.sequence.items.top - node->data.sequence.items.start);
    if (n > FO_NEEDS_MAX)
        return fo_yaml_fail (L, node, "'%s' of %s has %zu entries (at most %u)", key, L->owner, n,
                             FO_NEEDS_MAX);
    for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
        const yaml_node_t *item = fo_yaml_node (L, *i);
        const char *s = NULL;
        if (item->type != YAML_SCALAR_NODE || fo_yaml_is_null (item))
            return fo_yaml_fail (L, item, "an entry of '%s' must be a string", key);
        if (!fo_yaml_string (L, item, "an entry", &s))
            return false;
        if (!ok (s))
            return fo_yaml_fail (L, item, "'%s' is not a valid entry of '%s' (%s)", s, key, rule);
        for (size_t j = 0; j < out->len; j++)
            if (!strcmp (out->items[j], s))
                return fo_yaml_fail (L, item, "'%s' is in '%s' twice", s, key);
        fo_strv_push (out, s);
    }
    return true;
}

static bool
read_resources (fo_yaml_reader *L, const yaml_node_t *node, fo_needs *needs)
{
    if (node->type != YAML_MAPPING_NODE)
        return fo_yaml_fail (L, node, "'resources' must be a map of NAME: COUNT");
    size_t n = (size_t) (node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    if (n > FO_NEEDS_MAX)
        return fo_yaml_fail (L, node, "'resources' of %s has %zu entries (at most %u)", L->owner,
                             n, FO_NEEDS_MAX);
    needs->resources = fo_xcalloc (n ? n : 1, sizeof *needs->resources);
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = fo_yaml_node (L, p->key), *v = fo_yaml_node (L, p->value);
        const char *name = NULL;
        if (!fo_yaml_string (L, k, "a resource name", &name))
            return false;
        if (!fo_resource_name_ok (name))
            return fo_yaml_fail (L, k, "'%s' is not a valid resource name (1 to %u characters: a "
                                 "lowercase letter or '_', then lowercase letters, digits or "
                                 "'_')", name, FO_PROTO_MAX_RESOURCE_NAME);
        for (size_t j = 0; j < needs->nresources; j++)
            if (!strcmp (needs->resources[j].name, name))
                return fo_yaml_fail (L, k, "resource '%s' is in 'resources' twice", name);
        const char *s = v->type == YAML_SCALAR_NODE ? fo_yaml_text (v) : "";
        size_t digits = strspn (s, "0123456789");
        unsigned long count = digits > 0 && digits <= 7 && !s[digits] ? strtoul (s, NULL, 10) : 0;
        if (count < 1 || count > FO_NEEDS_MAX_COUNT)
            return fo_yaml_fail (L, v, "the count of resource '%s' must be an integer from 1 "
                                 "to %u", name, FO_NEEDS_MAX_COUNT);
        needs->resources[needs->nresources++] = (fo_need) { fo_xstrdup (name), (uint32_t) count };
    }
    return true;
}

bool
fo_yaml_needs (fo_yaml_reader *L, const char *key, const yaml_node_t *v, fo_needs *needs)
{
    if (!strcmp (key, "locks"))
        return read_list (L, key, v, fo_lock_name_ok, "1 to 256 bytes, no control character",
                          &needs->locks);
    if (!strcmp (key, "shared_locks"))
        return read_list (L, key, v, fo_lock_name_ok, "1 to 256 bytes, no control character",
                          &needs->shared_locks);
    if (!strcmp (key, "requires"))
        return read_list (L, key, v, fo_label_ok, "1 to 256 printable characters, no space or ','",
                          &needs->requires);
    return read_resources (L, v, needs);
}

/* A lock both in `locks` and `shared_locks` of one test or context. */
bool
fo_yaml_needs_check (fo_yaml_reader *L, const yaml_mark_t *shared_locks, const fo_needs *needs)
{
    for (size_t i = 0; i < needs->shared_locks.len; i++)
        for (size_t j = 0; j < needs->locks.len; j++)
            if (!strcmp (needs->shared_locks.items[i], needs->locks.items[j]))
                return fo_yaml_fail_at (L, shared_locks,
                                        "lock '%s' is in both 'locks' and 'shared_locks'",
                                        needs->locks.items[j]);
    return true;
}
