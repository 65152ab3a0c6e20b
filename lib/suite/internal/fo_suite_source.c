/*  fo_suite_source — see fo_suite_source.h. */
#include "fo_suite_source.h"

#include <string.h>

static const char *const SOURCE_KEYS[] = { "kind", "from", "mode", "options", NULL };

/* One item of `from`: a string, at most FO_SUITE_MAX_VALUE bytes. */
static bool
add_item (fo_yaml_reader *L, fo_source_spec *spec, const yaml_node_t *node)
{
    const char *s = NULL;
    if (!fo_yaml_string (L, node, "an item of 'from'", &s))
        return false;
    if (!*s)
        return fo_yaml_fail (L, node, "an item of 'from' is empty");
    if (node->data.scalar.length > FO_SUITE_MAX_VALUE)
        return fo_yaml_fail (L, node, "an item of 'from' is %zu bytes long (at most %u MiB)",
                             node->data.scalar.length, FO_SUITE_MAX_VALUE >> 20);
    fo_strv_push (&spec->from, s);
    return true;
}

static bool
load_from (fo_yaml_reader *L, fo_source_spec *spec, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return add_item (L, spec, v);
    size_t n = (size_t) (v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0)
        return fo_yaml_fail (L, v, "'from' is an empty list");
    if (n > FO_SUITE_MAX_SOURCE_ITEMS)
        return fo_yaml_fail (L, v, "'from' has %zu items (at most %u)", n,
                             FO_SUITE_MAX_SOURCE_ITEMS);
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
        if (!add_item (L, spec, fo_yaml_node (L, *i)))
            return false;
    return true;
}

/* `options`: a map of the kind's own keys to strings (which keys a kind
   takes is checked when it imports). */
static bool
load_options (fo_yaml_reader *L, fo_source_spec *spec, const yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return fo_yaml_fail (L, v, "'options' must be a map of KEY: value");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = fo_yaml_node (L, p->key), *val = fo_yaml_node (L, p->value);
        const char *key = NULL, *value = NULL;
        if (!fo_yaml_string (L, k, "an option's name", &key)
            || !fo_yaml_string (L, val, "an option's value", &value))
            return false;
        if (fo_env_get (&spec->options, key))
            return fo_yaml_fail (L, k, "duplicate option '%s'", key);
        if (k->data.scalar.length + val->data.scalar.length > FO_SUITE_MAX_VALUE)
            return fo_yaml_fail (L, val, "option '%s' is longer than %u MiB", key,
                                 FO_SUITE_MAX_VALUE >> 20);
        if ((size_t) (p - v->data.mapping.pairs.start) >= FO_SUITE_MAX_ENV_VARS)
            return fo_yaml_fail (L, k, "more than %u options", FO_SUITE_MAX_ENV_VARS);
        fo_env_set (&spec->options, key, value);
    }
    return true;
}

static bool
load_entry (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *node)
{
    if (node->type != YAML_MAPPING_NODE)
        return fo_yaml_fail (L, node, "a source must be a map with 'kind' and 'from'");
    if (!fo_yaml_check_keys (L, node, SOURCE_KEYS, "in source"))
        return false;
    const yaml_node_t *kind = fo_yaml_lookup (L, node, "kind");
    const yaml_node_t *from = fo_yaml_lookup (L, node, "from");
    const char *kind_name = NULL;
    if (!kind)
        return fo_yaml_fail (L, node, "source has no 'kind' (docs/sources.md lists them)");
    if (!fo_yaml_string (L, kind, "'kind'", &kind_name))
        return false;
    if (!from)
        return fo_yaml_fail (L, node, "source has no 'from' (what it imports)");
    fo_source_spec *spec = fo_context_add_source (ctx, kind_name, (int) node->start_mark.line + 1,
                                                  (int) node->start_mark.column + 1);
    const yaml_node_t *mode = fo_yaml_lookup (L, node, "mode");
    const yaml_node_t *options = fo_yaml_lookup (L, node, "options");
    return load_from (L, spec, from) && (!mode || fo_yaml_mode (L, mode, &spec->mode))
           && (!options || load_options (L, spec, options));
}

bool
fo_yaml_sources (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fo_yaml_fail (L, v, "'source' must be a list of sources");
    size_t n = (size_t) (v->data.sequence.items.top - v->data.sequence.items.start);
    if (n > FO_SUITE_MAX_SOURCES)
        return fo_yaml_fail (L, v, "'source' has %zu entries (at most %u)", n,
                             FO_SUITE_MAX_SOURCES);
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
        if (!load_entry (L, ctx, fo_yaml_node (L, *i)))
            return false;
    return true;
}
