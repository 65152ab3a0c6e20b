/*  fo_suite_events — see fo_suite_events.h. */
#include "fo_suite_events.h"
#include "fo_strmap.h"
#include "fo_suite_tree.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An anchor (&name) and what it stands for. */
typedef struct {
    char *name;
    int node;               /* its node in the store */
    uint64_t size;          /* nodes it stands for, aliases expanded; 0 while
                               its list or map is still open */
    uint64_t bytes;         /* bytes of the scalars it holds, aliases expanded */
    yaml_mark_t mark;
} anchor_rec;

/* A list or map of the file still open. */
typedef struct {
    bool seq;
    int stored;             /* its node in the store when recorded, or 0 */
    int key;                /* stored map: the key waiting for its value */
    uint64_t before;        /* expanded nodes before this one */
    uint64_t bytes_before;  /* expanded scalar bytes before this one */
    size_t anchor;          /* its anchor_rec + 1, or 0 */
} open_frame;

/* A list or map being replayed: the next of its items (a map's keys and
   values in turn). */
typedef struct {
    yaml_document_t *doc;
    int node;
    size_t next;
} replay_frame;

struct fo_yaml_events {
    fo_yaml_reader *L;
    fo_yaml_pump *pump;
    bool stream_started, stream_ended;
    yaml_document_t store;      /* what anchors name */
    uint64_t expanded;          /* nodes so far, aliases expanded */
    uint64_t bytes;             /* scalar bytes so far, aliases expanded */
    uint64_t alias_nodes;       /* nodes aliases stood for */
    uint64_t alias_bytes;       /* text aliases stood for */
    uint64_t alias_budget;      /* fo_suite_alias_budget of the file's size */
    uint64_t held;              /* nodes in the store and in composed values */
    open_frame stack[FO_SUITE_MAX_YAML_DEPTH];
    size_t depth;
    replay_frame replay[FO_SUITE_MAX_YAML_DEPTH];
    size_t nreplay;
    yaml_mark_t replay_at;      /* the alias being replayed */
    yaml_document_t *pending_doc;   /* fo_yaml_events_replay's, not begun */
    int pending_node;
    bool count_only;            /* fo_yaml_events_check's: no store, no replay */
    const fo_yaml_ev *unread;   /* fo_yaml_events_unread's, to come first */
    size_t nunread;
    anchor_rec *anchors;
    size_t nanchors, anchors_cap;
    zhashx_t *by_name;          /* anchor name -> index + 1 into anchors */
};

/* libyaml's own words, at its mark. */
static bool
syntax_error (fo_yaml_reader *L, const fo_yaml_pump *pump)
{
    const yaml_parser_t *parser = fo_yaml_pump_parser (pump);
    if (parser->error == YAML_MEMORY_ERROR)
        return fo_yaml_fail_at (L, NULL, "out of memory reading the suite file");
    if (parser->error == YAML_READER_ERROR)
        return fo_yaml_fail_at (L, NULL, "%s at byte %zu", parser->problem, parser->problem_offset);
    if (parser->context)
        return fo_yaml_fail_at (L, &parser->problem_mark, "%s (%s started at line %d, column %d)",
                                parser->problem, parser->context,
                                (int) parser->context_mark.line + 1,
                                (int) parser->context_mark.column + 1);
    return fo_yaml_fail_at (L, &parser->problem_mark, "%s",
                            parser->problem ? parser->problem : "invalid YAML");
}

/* ---- the store: libyaml's own document ------------------------------------- */

static void
doc_init (yaml_document_t *doc)
{
    if (!yaml_document_initialize (doc, NULL, NULL, NULL, 1, 1)) {
        fputs ("fanout: out of memory\n", stderr);     /* as fo_xmalloc */
        abort ();
    }
}

fo_yaml_events *
fo_yaml_events_new (fo_yaml_reader *L, fo_yaml_pump *pump)
{
    fo_yaml_events *self = fo_xcalloc (1, sizeof *self);
    self->L = L;
    self->pump = pump;
    doc_init (&self->store);
    self->by_name = fo_strmap_new ();
    self->alias_budget = fo_suite_alias_budget (L->file_size);
    return self;
}

void
fo_yaml_events_destroy (fo_yaml_events **self_p)
{
    fo_yaml_events *self = *self_p;
    if (!self)
        return;
    yaml_document_delete (&self->store);
    zhashx_destroy (&self->by_name);
    for (size_t i = 0; i < self->nanchors; i++)
        free (self->anchors[i].name);
    free (self->anchors);
    free (self);
    *self_p = NULL;
}

/* One more node kept: the store's or a composed value's. */
static bool
hold_node (fo_yaml_events *self, const yaml_mark_t *at)
{
    if (++self->held <= FO_SUITE_MAX_HELD_NODES)
        return true;
    return fo_yaml_fail_at (self->L, at, "more than %u YAML nodes kept at once (those under "
                            "anchors, and those of the value being read)",
                            FO_SUITE_MAX_HELD_NODES);
}

/* Adds the node of a scalar or a list's or map's start to doc. */
static int
add_node (fo_yaml_events *self, yaml_document_t *doc, const fo_yaml_ev *ev)
{
    if (!hold_node (self, &ev->start_mark))
        return 0;
    int node;
    if (ev->type == YAML_SCALAR_EVENT)
        node = yaml_document_add_scalar (doc, NULL, (yaml_char_t *) ev->value, (int) ev->length,
                                         ev->style);
    else if (ev->type == YAML_SEQUENCE_START_EVENT)
        node = yaml_document_add_sequence (doc, NULL, YAML_ANY_SEQUENCE_STYLE);
    else
        node = yaml_document_add_mapping (doc, NULL, YAML_ANY_MAPPING_STYLE);
    if (!node) {
        fo_yaml_fail_at (self->L, &ev->start_mark, "cannot store this value (out of memory)");
        return 0;
    }
    doc->nodes.start[node - 1].start_mark = ev->start_mark;
    doc->nodes.start[node - 1].end_mark = ev->end_mark;
    return node;
}

/* Hangs node under the list or map parent of doc; *key: a map's key
   waiting for its value. */
static void
attach (yaml_document_t *doc, int parent, int *key, int node)
{
    if (doc->nodes.start[parent - 1].type == YAML_SEQUENCE_NODE)
        yaml_document_append_sequence_item (doc, parent, node);
    else if (!*key)
        *key = node;
    else {
        yaml_document_append_mapping_pair (doc, parent, *key, node);
        *key = 0;
    }
}

/* ---- replaying ------------------------------------------------------------ */

static bool
nest_error (fo_yaml_events *self, const yaml_mark_t *at)
{
    return fo_yaml_fail_at (self->L, at, "lists and maps nest deeper than %u levels here",
                            FO_SUITE_MAX_YAML_DEPTH);
}

/* The event of node: a scalar, or the start of a list or map whose items
   come next. */
static bool
replay_node (fo_yaml_events *self, yaml_document_t *doc, int node, fo_yaml_ev *ev)
{
    const yaml_node_t *n = doc->nodes.start + node - 1;
    *ev = (fo_yaml_ev) { .start_mark = n->start_mark, .end_mark = n->end_mark };
    if (n->type == YAML_SCALAR_NODE) {
        ev->type = YAML_SCALAR_EVENT;
        ev->value = (const char *) n->data.scalar.value;
        ev->length = n->data.scalar.length;
        ev->style = n->data.scalar.style;
        return true;
    }
    /* an alias counts from where it is used: what it names may nest as
       deep again */
    if (self->depth + self->nreplay >= FO_SUITE_MAX_YAML_DEPTH)
        return nest_error (self, &self->replay_at);
    self->replay[self->nreplay++] = (replay_frame) { doc, node, 0 };
    ev->type = n->type == YAML_SEQUENCE_NODE ? YAML_SEQUENCE_START_EVENT : YAML_MAPPING_START_EVENT;
    return true;
}

static bool
replay_next (fo_yaml_events *self, fo_yaml_ev *ev)
{
    replay_frame *f = &self->replay[self->nreplay - 1];
    const yaml_node_t *n = f->doc->nodes.start + f->node - 1;
    if (n->type == YAML_SEQUENCE_NODE) {
        size_t count = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
        if (f->next < count)
            return replay_node (self, f->doc, n->data.sequence.items.start[f->next++], ev);
    } else {
        size_t count = 2 * (size_t) (n->data.mapping.pairs.top - n->data.mapping.pairs.start);
        if (f->next < count) {
            const yaml_node_pair_t *p = &n->data.mapping.pairs.start[f->next / 2];
            return replay_node (self, f->doc, f->next++ % 2 ? p->value : p->key, ev);
        }
    }
    *ev = (fo_yaml_ev) {
        .type = n->type == YAML_SEQUENCE_NODE ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT,
        .start_mark = n->end_mark, .end_mark = n->end_mark };
    self->nreplay--;
    return true;
}

bool
fo_yaml_events_replay (fo_yaml_events *self, yaml_document_t *doc, int node, const yaml_mark_t *at)
{
    /* its first event is the next call's */
    self->replay_at = *at;
    self->pending_doc = doc;
    self->pending_node = node;
    return true;
}

/* ---- the parser's events ----------------------------------------------- */

/* Registers an anchor for node: open (size 0) for a list or a map until
   its end. YAML allows no use of it before its definition is done. */
static bool
add_anchor (fo_yaml_events *self, const yaml_char_t *anchor, int node, uint64_t size,
            uint64_t bytes, const yaml_mark_t *mark, size_t *rec)
{
    *rec = 0;
    if (!anchor)
        return true;
    uintptr_t seen = (uintptr_t) zhashx_lookup (self->by_name, anchor);
    if (seen) {
        /* As libyaml's loader: a repeated anchor is a mistake in a file
           written by hand, not a redefinition to follow. */
        const anchor_rec *first = &self->anchors[seen - 1];
        return fo_yaml_fail_at (self->L, mark, "duplicate anchor '&%s' (first defined at line "
                                "%d, column %d)", first->name, (int) first->mark.line + 1,
                                (int) first->mark.column + 1);
    }
    if (self->nanchors == self->anchors_cap) {
        self->anchors_cap = self->anchors_cap ? self->anchors_cap * 2 : 16;
        self->anchors = fo_xrealloc (self->anchors, self->anchors_cap * sizeof *self->anchors);
    }
    anchor_rec *a = &self->anchors[self->nanchors++];
    *a = (anchor_rec) { fo_xstrdup ((const char *) anchor), node, size, bytes, *mark };
    zhashx_insert (self->by_name, a->name, (void *) (uintptr_t) self->nanchors);
    *rec = self->nanchors;
    return true;
}

/* The open list or map, or NULL at the top. */
static open_frame *
top (fo_yaml_events *self)
{
    return self->depth ? &self->stack[self->depth - 1] : NULL;
}

/* A scalar, or a list's or map's start: recorded in the store when it has
   an anchor or is under one. Returns its node there, 0 when not recorded,
   -1 on error. */
static int
record (fo_yaml_events *self, const fo_yaml_ev *ev, const yaml_char_t *anchor)
{
    open_frame *parent = top (self);
    if (self->count_only || (!anchor && !(parent && parent->stored)))
        return 0;
    int node = add_node (self, &self->store, ev);
    if (!node)
        return -1;
    if (parent && parent->stored)
        attach (&self->store, parent->stored, &parent->key, node);
    return node;
}

static bool
on_scalar (fo_yaml_events *self, const fo_yaml_pev *e, fo_yaml_ev *ev)
{
    *ev = (fo_yaml_ev) { YAML_SCALAR_EVENT, e->value, e->length, e->style, e->start_mark,
                         e->end_mark };
    self->expanded++;
    self->bytes += e->length;
    if (!e->anchor && !(self->depth && self->stack[self->depth - 1].stored))
        return true;        /* the common case: nothing to record */
    const yaml_char_t *anchor = (const yaml_char_t *) e->anchor;
    int node = record (self, ev, anchor);
    size_t rec;
    return node >= 0 && add_anchor (self, anchor, node, 1, e->length, &e->start_mark, &rec);
}

static bool
on_start (fo_yaml_events *self, const fo_yaml_pev *e, fo_yaml_ev *ev)
{
    if (self->depth >= FO_SUITE_MAX_YAML_DEPTH)
        return nest_error (self, &e->start_mark);
    *ev = (fo_yaml_ev) { .type = e->type, .start_mark = e->start_mark, .end_mark = e->end_mark };
    uint64_t before = self->expanded++;
    const yaml_char_t *anchor = (const yaml_char_t *) e->anchor;
    int node = record (self, ev, anchor);
    size_t rec;
    if (node < 0 || !add_anchor (self, anchor, node, 0, 0, &e->start_mark, &rec))
        return false;
    self->stack[self->depth++] = (open_frame) { e->type == YAML_SEQUENCE_START_EVENT, node, 0,
                                                before, self->bytes, rec };
    return true;
}

static void
on_end (fo_yaml_events *self, const fo_yaml_pev *e, fo_yaml_ev *ev)
{
    *ev = (fo_yaml_ev) { .type = e->type, .start_mark = e->start_mark, .end_mark = e->end_mark };
    open_frame *f = &self->stack[--self->depth];
    if (f->stored)
        self->store.nodes.start[f->stored - 1].end_mark = e->end_mark;
    if (f->anchor) {
        self->anchors[f->anchor - 1].size = self->expanded - f->before;
        self->anchors[f->anchor - 1].bytes = self->bytes - f->bytes_before;
    }
}

static bool
on_alias (fo_yaml_events *self, const fo_yaml_pev *e, fo_yaml_ev *ev)
{
    const char *name = e->anchor;
    uintptr_t i = (uintptr_t) zhashx_lookup (self->by_name, name);
    if (!i)
        return fo_yaml_fail_at (self->L, &e->start_mark, "found undefined alias");
    const anchor_rec *a = &self->anchors[i - 1];
    if (a->size == 0)
        return fo_yaml_fail_at (self->L, &e->start_mark, "alias '*%s' is inside the node it "
                                "names (defined at line %d, column %d): that would never end",
                                name, (int) a->mark.line + 1, (int) a->mark.column + 1);
    self->alias_nodes += a->size;
    if (self->alias_nodes > FO_SUITE_MAX_NODES)
        /* (the suite is then larger than that too: the words of the
           whole-document limit this was) */
        return fo_yaml_fail_at (self->L, &e->start_mark, "alias '*%s' makes the suite larger "
                                "than %u YAML nodes (an alias counts every node it stands for)",
                                name, FO_SUITE_MAX_NODES);
    /* Each use is a copy of those bytes in the tree, the plan and every
       lease: what the node count cannot see (one scalar of a megabyte is
       one node). */
    self->bytes += a->bytes;
    self->alias_bytes += a->bytes;
    if (self->alias_bytes > self->alias_budget)
        return fo_yaml_fail_at (self->L, &e->start_mark, "alias '*%s' brings the text aliases "
                                "stand for to %llu bytes (at most %llu: 8 times the file's size, "
                                "at least 16 MiB)", name, (unsigned long long) self->alias_bytes,
                                (unsigned long long) self->alias_budget);
    self->expanded += a->size;
    if (self->count_only) {
        *ev = (fo_yaml_ev) { .type = YAML_ALIAS_EVENT, .start_mark = e->start_mark,
                             .end_mark = e->end_mark };
        return true;
    }
    open_frame *parent = top (self);
    if (parent && parent->stored)
        attach (&self->store, parent->stored, &parent->key, a->node);
    self->replay_at = e->start_mark;
    return replay_node (self, &self->store, a->node, ev);
}

/* The parser's next event, or NULL with its error in L. */
static const fo_yaml_pev *
parse (fo_yaml_events *self)
{
    const fo_yaml_pev *e = fo_yaml_pump_next (self->pump);
    if (!e) {
        if (fo_yaml_pump_failed (self->pump))
            syntax_error (self->L, self->pump);
        else    /* (the loader reads no further than the stream's end) */
            fo_yaml_fail_at (self->L, NULL, "unexpected end of the YAML stream");
    }
    return e;
}

int
fo_yaml_events_document (fo_yaml_events *self)
{
    if (!self->stream_started) {
        if (!parse (self))          /* STREAM-START */
            return -1;
        self->stream_started = true;
    }
    if (self->stream_ended)
        return 0;
    const fo_yaml_pev *e = parse (self);
    if (!e)
        return -1;
    self->depth = 0;
    self->nreplay = 0;
    if (e->type == YAML_DOCUMENT_START_EVENT)
        return 1;
    self->stream_ended = true;      /* STREAM-END */
    return 0;
}

void
fo_yaml_events_unread (fo_yaml_events *self, const fo_yaml_ev *evs, size_t n)
{
    self->unread = evs;
    self->nunread = n;
}

bool
fo_yaml_events_next (fo_yaml_events *self, fo_yaml_ev *ev)
{
    if (self->nunread) {
        /* counted and checked when first read: given back as they were */
        *ev = *self->unread++;
        self->nunread--;
        return true;
    }
    if (self->pending_doc) {
        yaml_document_t *doc = self->pending_doc;
        self->pending_doc = NULL;
        return replay_node (self, doc, self->pending_node, ev);
    }
    if (self->nreplay)
        return replay_next (self, ev);
    const fo_yaml_pev *e = parse (self);
    if (!e)
        return false;
    switch (e->type) {
    case YAML_SCALAR_EVENT:
        return on_scalar (self, e, ev);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_start (self, e, ev);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        on_end (self, e, ev);
        return true;
    case YAML_ALIAS_EVENT:
        return on_alias (self, e, ev);
    case YAML_DOCUMENT_END_EVENT:
        *ev = (fo_yaml_ev) { .type = e->type, .start_mark = e->start_mark, .end_mark = e->end_mark };
        return true;
    default:    /* the parser gives nothing else inside a document */
        return fo_yaml_fail_at (self->L, &e->start_mark, "unexpected YAML event");
    }
}

bool
fo_yaml_events_check (fo_yaml_reader *L, const void *data, size_t len)
{
    fo_yaml_pump *pump = fo_yaml_pump_new (data, len);
    fo_yaml_events *self = fo_yaml_events_new (L, pump);
    self->count_only = true;
    int got;
    bool ok = true;
    while (ok && (got = fo_yaml_events_document (self)) != 0) {
        fo_yaml_ev ev = { .type = YAML_NO_EVENT };
        ok = got > 0;
        while (ok && ev.type != YAML_DOCUMENT_END_EVENT)
            ok = fo_yaml_events_next (self, &ev);
    }
    fo_yaml_events_destroy (&self);
    fo_yaml_pump_destroy (&pump);
    return ok;
}

/* ---- composing one value ---------------------------------------------------- */

/* A block of the arena. */
typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    max_align_t data[];
} chunk;

struct fo_yaml_value {
    yaml_document_t doc;    /* nodes.start..top: the value's nodes (our own
                               array); texts and lists in the arena */
    chunk *arena;           /* the current block first */
    int *kids;              /* the children of the open lists and maps, in
                               order, each one's after its parent's */
    size_t nkids, kids_cap;
};

#define CHUNK_SIZE (64u * 1024u)

fo_yaml_value *
fo_yaml_value_new (void)
{
    return fo_xcalloc (1, sizeof (fo_yaml_value));
}

static void *
arena_alloc (fo_yaml_value *v, size_t size)
{
    size = (size + sizeof (max_align_t) - 1) / sizeof (max_align_t) * sizeof (max_align_t);
    chunk *c = v->arena;
    if (!c || c->size - c->used < size) {
        size_t want = size > CHUNK_SIZE ? size : CHUNK_SIZE;
        c = fo_xmalloc (sizeof *c + want);
        *c = (chunk) { v->arena, want, 0 };
        v->arena = c;
    }
    void *p = (char *) c->data + c->used;
    c->used += size;
    return p;
}

void
fo_yaml_value_clear (fo_yaml_events *self, fo_yaml_value *v)
{
    self->held -= (uint64_t) (v->doc.nodes.top - v->doc.nodes.start);
    v->doc.nodes.top = v->doc.nodes.start;
    v->nkids = 0;
    /* keep one block (the last made: the largest need so far is rare) */
    while (v->arena && v->arena->next) {
        chunk *next = v->arena->next;
        free (v->arena);
        v->arena = next;
    }
    if (v->arena)
        v->arena->used = 0;
}

void
fo_yaml_value_destroy (fo_yaml_events *self, fo_yaml_value **value_p)
{
    fo_yaml_value *v = *value_p;
    if (!v)
        return;
    fo_yaml_value_clear (self, v);
    free (v->arena);
    free (v->doc.nodes.start);
    free (v->kids);
    free (v);
    *value_p = NULL;
}

yaml_document_t *
fo_yaml_value_doc (fo_yaml_value *v)
{
    return &v->doc;
}

/* A new node for ev (a scalar, or a list's or map's start, its items
   given at its end). */
static int
value_node (fo_yaml_events *self, fo_yaml_value *v, const fo_yaml_ev *ev)
{
    if (!hold_node (self, &ev->start_mark))
        return 0;
    yaml_document_t *doc = &v->doc;
    if (doc->nodes.top == doc->nodes.end) {
        size_t n = (size_t) (doc->nodes.top - doc->nodes.start);
        size_t cap = n ? 2 * n : 64;
        doc->nodes.start = fo_xrealloc (doc->nodes.start, cap * sizeof *doc->nodes.start);
        doc->nodes.top = doc->nodes.start + n;
        doc->nodes.end = doc->nodes.start + cap;
    }
    yaml_node_t *node = doc->nodes.top++;
    *node = (yaml_node_t) { .start_mark = ev->start_mark, .end_mark = ev->end_mark };
    if (ev->type == YAML_SCALAR_EVENT) {
        node->type = YAML_SCALAR_NODE;
        char *text = arena_alloc (v, ev->length + 1);
        memcpy (text, ev->value, ev->length);
        text[ev->length] = '\0';
        node->data.scalar.value = (yaml_char_t *) text;
        node->data.scalar.length = ev->length;
        node->data.scalar.style = ev->style;
    } else
        node->type = ev->type == YAML_SEQUENCE_START_EVENT ? YAML_SEQUENCE_NODE
                                                          : YAML_MAPPING_NODE;
    return (int) (doc->nodes.top - doc->nodes.start);
}

static void
push_kid (fo_yaml_value *v, int node)
{
    if (v->nkids == v->kids_cap) {
        v->kids_cap = v->kids_cap ? 2 * v->kids_cap : 256;
        v->kids = fo_xrealloc (v->kids, v->kids_cap * sizeof *v->kids);
    }
    v->kids[v->nkids++] = node;
}

/* A list or map ends: its children, kids[first..], become its items or
   pairs, in the arena. */
static void
close_node (fo_yaml_value *v, int index, size_t first, const yaml_mark_t *end)
{
    yaml_node_t *node = &v->doc.nodes.start[index - 1];
    size_t n = v->nkids - first;
    node->end_mark = *end;
    if (node->type == YAML_SEQUENCE_NODE) {
        yaml_node_item_t *items = arena_alloc (v, (n ? n : 1) * sizeof *items);
        if (n)          /* (kids is NULL before the first: `- []`, the fuzzer's) */
            memcpy (items, v->kids + first, n * sizeof *items);
        node->data.sequence.items.start = items;
        node->data.sequence.items.top = node->data.sequence.items.end = items + n;
    } else {
        yaml_node_pair_t *pairs = arena_alloc (v, (n / 2 ? n / 2 : 1) * sizeof *pairs);
        for (size_t i = 0; i + 1 < n; i += 2)
            pairs[i / 2] = (yaml_node_pair_t) { v->kids[first + i], v->kids[first + i + 1] };
        node->data.mapping.pairs.start = pairs;
        node->data.mapping.pairs.top = node->data.mapping.pairs.end = pairs + n / 2;
    }
    v->nkids = first;
}

int
fo_yaml_events_compose (fo_yaml_events *self, const fo_yaml_ev *first, fo_yaml_value *v)
{
    int root = value_node (self, v, first);
    if (!root || first->type == YAML_SCALAR_EVENT)
        return root;
    /* its open lists and maps: nesting is bounded by the events' own */
    struct open_node { int node; size_t first; } open[FO_SUITE_MAX_YAML_DEPTH + 1];
    size_t depth = 0;
    open[depth++] = (struct open_node) { root, v->nkids };
    while (depth > 0) {
        fo_yaml_ev ev;
        if (!fo_yaml_events_next (self, &ev))
            return 0;
        if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
            close_node (v, open[depth].node, open[depth].first, &ev.end_mark);
            if (depth > 0)
                push_kid (v, open[depth].node);
            continue;
        }
        int node = value_node (self, v, &ev);
        if (!node)
            return 0;
        if (ev.type == YAML_SCALAR_EVENT)
            push_kid (v, node);
        else if (depth <= FO_SUITE_MAX_YAML_DEPTH)
            open[depth++] = (struct open_node) { node, v->nkids };
    }
    return root;
}
