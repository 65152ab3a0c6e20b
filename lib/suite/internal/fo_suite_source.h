/*  fo_suite_source — a context's `source:` list (private to the loader):
    each entry is kept as written in the context's sources (fo_source_spec,
    fo_suite.h); what a kind means is lib/import's (fo_source.h), which
    checks the kind and its options when it imports, with the entry's
    position. docs/suite-file.md, "Sources"; docs/sources.md. */
#ifndef FO_SUITE_SOURCE_H
#define FO_SUITE_SOURCE_H

#include <stdbool.h>

#include "fo_suite_yaml.h"

/* The `source` value v of ctx: a list of maps
   {kind: K, from: X or [X, ...], mode: M, options: {KEY: value}}. */
bool fo_yaml_sources (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *v);

/* Entries one context may hold, and items one entry may import: a real
   suite has a handful; this keeps a hostile file small. */
#define FO_SUITE_MAX_SOURCES 1024u
#define FO_SUITE_MAX_SOURCE_ITEMS 65536u

#endif
