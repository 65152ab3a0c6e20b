/*  fo_suite_compose — see fo_suite_compose.h. */
#include "fo_suite_compose.h"
#include "fo_strmap.h"
#include "fo_suite_tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An anchor (&name) and what it stands for. */
typedef struct {
    char *name;
    int node;               /* its node in the document */
    uint64_t size;          /* nodes it stands for, aliases expanded; 0 while
                               its list or map is still open */
    uint64_t bytes;         /* bytes of the scalars it holds, aliases expanded */
    yaml_mark_t mark;
} anchor_rec;

/* A list or map being built. */
typedef struct {
    int node;
    yaml_node_type_t type;
    int key;                /* map: the key waiting for its value, or 0 */
    uint64_t before;        /* expanded nodes before this one */
    uint64_t bytes_before;  /* expanded scalar bytes before this one */
    size_t anchor;          /* its anchor_rec + 1, or 0 */
} frame;

typedef struct {
    fo_yaml_reader *L;
    yaml_document_t *doc;
    uint64_t expanded;      /* nodes so far, aliases expanded */
    uint64_t bytes;         /* scalar bytes so far, aliases expanded */
    uint64_t alias_bytes;   /* of those, what aliases stand for */
    uint64_t alias_budget;  /* fo_suite_alias_budget of the file's size */
    frame *stack;
    size_t depth;
    anchor_rec *anchors;
    size_t nanchors, anchors_cap;
    zhashx_t *by_name;      /* anchor name -> index + 1 into anchors */
} composer;

/* libyaml's own words, at its mark. */
static int
syntax_error (fo_yaml_reader *L, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR)
        fo_yaml_fail_at (L, NULL, "out of memory reading the suite file");
    else if (parser->error == YAML_READER_ERROR)
        fo_yaml_fail_at (L, NULL, "%s at byte %zu", parser->problem, parser->problem_offset);
    else if (parser->context)
        fo_yaml_fail_at (L, &parser->problem_mark, "%s (%s started at line %d, column %d)",
                         parser->problem, parser->context, (int) parser->context_mark.line + 1,
                         (int) parser->context_mark.column + 1);
    else
        fo_yaml_fail_at (L, &parser->problem_mark, "%s",
                         parser->problem ? parser->problem : "invalid YAML");
    return -1;
}

/* Registers an anchor for node: open (size 0) for a list or a map until
   its end. YAML allows no use of it before its definition is done. */
static bool
add_anchor (composer *c, const yaml_char_t *anchor, int node, uint64_t size, uint64_t bytes,
            const yaml_mark_t *mark, size_t *rec)
{
    *rec = 0;
    if (!anchor)
        return true;
    uintptr_t seen = (uintptr_t) zhashx_lookup (c->by_name, anchor);
    if (seen) {
        /* As libyaml's loader: a repeated anchor is a mistake in a file
           written by hand, not a redefinition to follow. */
        const anchor_rec *first = &c->anchors[seen - 1];
        return fo_yaml_fail_at (c->L, mark, "duplicate anchor '&%s' (first defined at line %d, "
                                "column %d)", first->name, (int) first->mark.line + 1,
                                (int) first->mark.column + 1);
    }
    if (c->nanchors == c->anchors_cap) {
        c->anchors_cap = c->anchors_cap ? c->anchors_cap * 2 : 16;
        c->anchors = fo_xrealloc (c->anchors, c->anchors_cap * sizeof *c->anchors);
    }
    anchor_rec *a = &c->anchors[c->nanchors++];
    *a = (anchor_rec) { fo_xstrdup ((const char *) anchor), node, size, bytes, *mark };
    zhashx_insert (c->by_name, a->name, (void *) (uintptr_t) c->nanchors);
    *rec = c->nanchors;
    return true;
}

/* Counts n more nodes (1, or what an alias stands for) against the limit. */
static bool
count (composer *c, uint64_t n, const yaml_mark_t *mark, const char *alias)
{
    c->expanded += n;
    if (c->expanded <= FO_SUITE_MAX_NODES)
        return true;
    if (alias)
        return fo_yaml_fail_at (c->L, mark, "alias '*%s' makes the suite larger than %u YAML "
                                "nodes (an alias counts every node it stands for)", alias,
                                FO_SUITE_MAX_NODES);
    return fo_yaml_fail_at (c->L, mark, "the suite is larger than %u YAML nodes",
                            FO_SUITE_MAX_NODES);
}

/* Hangs node under the open list or map (the first node is the root). */
static void
attach (composer *c, int node)
{
    if (c->depth == 0)
        return;
    frame *top = &c->stack[c->depth - 1];
    if (top->type == YAML_SEQUENCE_NODE)
        yaml_document_append_sequence_item (c->doc, top->node, node);
    else if (!top->key)
        top->key = node;
    else {
        yaml_document_append_mapping_pair (c->doc, top->node, top->key, node);
        top->key = 0;
    }
}

static yaml_node_t *
node_at (composer *c, int node)
{
    return c->doc->nodes.start + node - 1;
}

static bool
on_scalar (composer *c, const yaml_event_t *ev)
{
    int node = yaml_document_add_scalar (c->doc, NULL, ev->data.scalar.value,
                                         (int) ev->data.scalar.length, ev->data.scalar.style);
    if (!node)
        return fo_yaml_fail_at (c->L, &ev->start_mark, "cannot store this value (out of memory)");
    node_at (c, node)->start_mark = ev->start_mark;
    node_at (c, node)->end_mark = ev->end_mark;
    size_t rec;
    c->bytes += ev->data.scalar.length;
    if (!count (c, 1, &ev->start_mark, NULL)
        || !add_anchor (c, ev->data.scalar.anchor, node, 1, ev->data.scalar.length,
                        &ev->start_mark, &rec))
        return false;
    attach (c, node);
    return true;
}

static bool
on_start (composer *c, const yaml_event_t *ev)
{
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    if (c->depth >= FO_SUITE_MAX_YAML_DEPTH)
        return fo_yaml_fail_at (c->L, &ev->start_mark, "lists and maps nest deeper than %u "
                                "levels here", FO_SUITE_MAX_YAML_DEPTH);
    uint64_t before = c->expanded;
    int node = seq ? yaml_document_add_sequence (c->doc, NULL, ev->data.sequence_start.style)
                   : yaml_document_add_mapping (c->doc, NULL, ev->data.mapping_start.style);
    if (!node)
        return fo_yaml_fail_at (c->L, &ev->start_mark, "cannot store this value (out of memory)");
    node_at (c, node)->start_mark = ev->start_mark;
    node_at (c, node)->end_mark = ev->end_mark;
    size_t rec;
    const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
    if (!count (c, 1, &ev->start_mark, NULL)
        || !add_anchor (c, anchor, node, 0, 0, &ev->start_mark, &rec))
        return false;
    attach (c, node);
    c->stack[c->depth++] = (frame) {
        node, seq ? YAML_SEQUENCE_NODE : YAML_MAPPING_NODE, 0, before, c->bytes, rec };
    return true;
}

static void
on_end (composer *c, const yaml_event_t *ev)
{
    frame *top = &c->stack[--c->depth];
    node_at (c, top->node)->end_mark = ev->end_mark;
    if (top->anchor) {
        c->anchors[top->anchor - 1].size = c->expanded - top->before;
        c->anchors[top->anchor - 1].bytes = c->bytes - top->bytes_before;
    }
}

static bool
on_alias (composer *c, const yaml_event_t *ev)
{
    const char *name = (const char *) ev->data.alias.anchor;
    uintptr_t i = (uintptr_t) zhashx_lookup (c->by_name, name);
    if (!i)
        return fo_yaml_fail_at (c->L, &ev->start_mark, "found undefined alias");
    const anchor_rec *a = &c->anchors[i - 1];
    if (a->size == 0)
        return fo_yaml_fail_at (c->L, &ev->start_mark, "alias '*%s' is inside the node it "
                                "names (defined at line %d, column %d): that would never end",
                                name, (int) a->mark.line + 1, (int) a->mark.column + 1);
    if (!count (c, a->size, &ev->start_mark, name))
        return false;
    /* Each use is a copy of those bytes in the tree, the plan and every
       lease: what the node count cannot see (one scalar of a megabyte is
       one node). */
    c->bytes += a->bytes;
    c->alias_bytes += a->bytes;
    if (c->alias_bytes > c->alias_budget)
        return fo_yaml_fail_at (c->L, &ev->start_mark, "alias '*%s' brings the text aliases "
                                "stand for to %llu bytes (at most %llu: 8 times the file's size, "
                                "at least 16 MiB)", name, (unsigned long long) c->alias_bytes,
                                (unsigned long long) c->alias_budget);
    attach (c, a->node);
    return true;
}

/* One event of the document's body. Returns 1 to go on, 0 at its end, -1
   on error. */
static int
on_event (composer *c, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return on_scalar (c, ev) ? 1 : -1;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_start (c, ev) ? 1 : -1;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        on_end (c, ev);
        return 1;
    case YAML_ALIAS_EVENT:
        return on_alias (c, ev) ? 1 : -1;
    case YAML_DOCUMENT_END_EVENT:
        return 0;
    default:    /* the parser gives nothing else inside a document */
        fo_yaml_fail_at (c->L, &ev->start_mark, "unexpected YAML event");
        return -1;
    }
}

int
fo_yaml_compose (fo_yaml_reader *L, yaml_parser_t *parser, yaml_document_t *doc)
{
    yaml_event_t ev;
    if (!parser->stream_start_produced) {
        if (!yaml_parser_parse (parser, &ev))
            return syntax_error (L, parser);
        yaml_event_delete (&ev);        /* STREAM-START */
    }
    if (parser->stream_end_produced)
        return 0;
    if (!yaml_parser_parse (parser, &ev))
        return syntax_error (L, parser);
    if (ev.type != YAML_DOCUMENT_START_EVENT) {     /* STREAM-END */
        yaml_event_delete (&ev);
        return 0;
    }
    yaml_event_delete (&ev);
    if (!yaml_document_initialize (doc, NULL, NULL, NULL, 1, 1))
        return fo_yaml_fail_at (L, NULL, "out of memory reading the suite file");

    composer c = {
        .L = L,
        .doc = doc,
        .stack = fo_xcalloc (FO_SUITE_MAX_YAML_DEPTH, sizeof (frame)),
        .by_name = fo_strmap_new (),
        .alias_budget = fo_suite_alias_budget (L->file_size),
    };
    int rc = 1;
    while (rc == 1) {
        if (!yaml_parser_parse (parser, &ev)) {
            rc = syntax_error (L, parser);
            break;
        }
        rc = on_event (&c, &ev);
        yaml_event_delete (&ev);
    }
    zhashx_destroy (&c.by_name);
    for (size_t i = 0; i < c.nanchors; i++)
        free (c.anchors[i].name);
    free (c.anchors);
    free (c.stack);
    if (rc < 0) {
        yaml_document_delete (doc);
        return -1;
    }
    return 1;
}
