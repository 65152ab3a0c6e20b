/*  fo_suite_events — libyaml's parser events for the streaming loader
    (private to it, fo_suite_load.c), with aliases expanded and the limits
    a hostile file needs.

    The loader never builds the document: it reads the suite file as a
    stream of events, and composes into a small libyaml document only one
    value at a time (a test, a context's `env`, ...), which the value
    readers of fo_suite_yaml.h then read and which is cleared for the
    next. So what a suite file costs is its tree (lib/suite's model), not a
    node of about 150 bytes per key and value of the whole file.

    Aliases: the nodes under an anchor are recorded (in a document of their
    own, aliases inside shared as in libyaml's loader); an alias is then
    replayed as the events of what it names, so the loader sees the file as
    if every alias were written out. What that may cost is bounded here,
    each limit stopping at the event that crosses it, with its line and
    column (docs/suite-file.md, "Limits"):

    - nesting of lists and maps at most FO_SUITE_MAX_YAML_DEPTH, aliases
      expanded (what an alias names counts from where it is used);
    - the nodes aliases stand for, each use counted with every node it
      names, at most FO_SUITE_MAX_NODES: an alias bomb (each anchor aliased
      twice by the next, 30 deep, 10^10 nodes) stops early;
    - the text aliases stand for, the bytes of every scalar an alias
      reaches counted at each use, at most fo_suite_alias_budget of the
      file's size (one scalar of a megabyte is one node);
    - the nodes kept at once, under anchors and in the values being
      composed, at most FO_SUITE_MAX_HELD_NODES;
    - an alias inside the node it names is refused (a cycle), a repeated
      anchor too; aliases are found through a hash table, in O(1).
*/
#ifndef FO_SUITE_EVENTS_H
#define FO_SUITE_EVENTS_H

#include <stdbool.h>
#include <yaml.h>

#include "fo_suite_yaml.h"
#include "fo_yaml_pump.h"

/* One event of a document, aliases expanded: a scalar, the start or end of
   a list or a map, or the document's end. value and length for a scalar
   (value[length] is always a NUL); value stays valid until the next call
   of fo_yaml_events_next. */
typedef struct {
    yaml_event_type_t type;
    const char *value;
    size_t length;
    yaml_scalar_style_t style;
    yaml_mark_t start_mark, end_mark;
} fo_yaml_ev;

typedef struct fo_yaml_events fo_yaml_events;

/* Reads pump's events (which must outlive it). */
fo_yaml_events *fo_yaml_events_new (fo_yaml_reader *L, fo_yaml_pump *pump);
void fo_yaml_events_destroy (fo_yaml_events **self_p);

/* Starts the stream's next document. Returns 1, 0 at the end of the stream,
   or -1 with "file:line:column: message" in L's err. */
int fo_yaml_events_document (fo_yaml_events *self);
/* The document's next event. Returns true, or false with the error in L. */
bool fo_yaml_events_next (fo_yaml_events *self, fo_yaml_ev *ev);

/* The n events evs (read from fo_yaml_events_next, their texts kept by
   the caller) come again next, before any other: a reader that looked
   ahead gives them back. evs must stay until they are read. */
void fo_yaml_events_unread (fo_yaml_events *self, const fo_yaml_ev *evs, size_t n);

/* Reads the whole file (data, len) as events without expanding an alias
   or keeping anything: each alias counted at its size, as a document
   would. So the limits above, and libyaml's own errors, stop a file before
   anything of it is built, with the message a composed document gave
   (an alias bomb: at the alias that crosses, not after building what the
   aliases before it stand for). Costs a second parse: the loader runs it
   only on a file with an alias ('*' somewhere in it). Returns true, or
   false with the error in L. */
bool fo_yaml_events_check (fo_yaml_reader *L, const void *data, size_t len);

/* A value composed alone (fo_yaml_events_compose): a libyaml document the
   value readers read as any (fo_yaml_value_doc), whose nodes, texts and
   lists live in one arena, reused from value to value: composing a test
   allocates nothing once the arena has grown (libyaml's document API made
   three allocations per node, a third of loading's time). */
typedef struct fo_yaml_value fo_yaml_value;

fo_yaml_value *fo_yaml_value_new (void);
/* Empties it, for the next value. */
void fo_yaml_value_clear (fo_yaml_events *self, fo_yaml_value *value);
void fo_yaml_value_destroy (fo_yaml_events *self, fo_yaml_value **value_p);
yaml_document_t *fo_yaml_value_doc (fo_yaml_value *value);

/* Composes the value that starts with first (the event just read) into
   value, after what it holds, reading events up to its end. Returns its
   node, or 0 with the error in L. */
int fo_yaml_events_compose (fo_yaml_events *self, const fo_yaml_ev *first,
                            fo_yaml_value *value);
/* The events of node of doc come next (before the parser's), as if the
   file held them there again: a value composed earlier, read now. doc must
   stay until they are read. */
bool fo_yaml_events_replay (fo_yaml_events *self, yaml_document_t *doc, int node,
                            const yaml_mark_t *at);

#endif
