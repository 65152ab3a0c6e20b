/*  fo_yaml_pump — libyaml's parser events for the streaming loader
    (private to lib/suite: fo_suite_events.c reads them), parsed ahead on
    a thread of their own for a large file.

    libyaml's parser is a third of what loading a large suite costs (1.35
    s of CPU for a million tests, 39 MB): more than the loader may spend
    in all. It cannot be made faster (the project keeps libyaml), but it
    can run beside the loader: a parser thread fills batches of events,
    the loader reads them, and the two overlap on two cores. The batches
    go round a ring of FO_YAML_PUMP_BATCHES (bounded: the parser never runs
    more than that ahead, whatever the file's size); each holds up to
    FO_YAML_PUMP_EVENTS events and their texts (scalars, anchors), copied
    out of libyaml's event there, which the parser thread then frees: all
    of libyaml's allocations stay on its thread (and its malloc arena), and
    the loader handles one batch per some thousand events.

    A small file (below fo_yaml_pump_thread_min bytes) is parsed in the
    loader's own thread, batch by batch through the same code: starting
    a thread would cost more than it saves. So both ways read the same
    events, in the same order, with the same errors.

    A parser's error ends the stream where it happens: the events before it
    are read first (as when the loader called the parser itself: a mistake
    the loader finds earlier in the file is still the one reported), then
    fo_yaml_pump_next fails and fo_yaml_pump_parser says why. The loader
    may stop reading at any time: fo_yaml_pump_destroy stops the thread. */
#ifndef FO_YAML_PUMP_H
#define FO_YAML_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* Batches in the ring, and events in each (how far the parser may run
   ahead: under 1 MB). */
#define FO_YAML_PUMP_BATCHES 4
#define FO_YAML_PUMP_EVENTS 2048

/* Files from this size on are parsed on a thread (a unit test lowers it
   to 0 to run every text both ways). */
extern size_t fo_yaml_pump_thread_min;

/* One of libyaml's events, its texts in the batch. */
typedef struct {
    yaml_event_type_t type;
    yaml_scalar_style_t style;      /* a scalar's */
    size_t length;                  /* a scalar's, in bytes */
    const char *value;              /* a scalar's text, NUL-terminated */
    const char *anchor;             /* a scalar's, a list's or a map's
                                       anchor, an alias's name; or NULL */
    yaml_mark_t start_mark, end_mark;
} fo_yaml_pev;

typedef struct fo_yaml_pump fo_yaml_pump;

/* Parses data (len bytes, which must stay until destroy). */
fo_yaml_pump *fo_yaml_pump_new (const void *data, size_t len);
void fo_yaml_pump_destroy (fo_yaml_pump **self_p);

/* The next event (STREAM-START first, STREAM-END last), valid until the
   next call. Returns NULL after the stream's end, or on the parser's
   error: then fo_yaml_pump_parser's error fields say what. */
const fo_yaml_pev *fo_yaml_pump_next (fo_yaml_pump *self);
/* The parser, for its error fields once fo_yaml_pump_next failed (its
   thread has stopped then). */
const yaml_parser_t *fo_yaml_pump_parser (const fo_yaml_pump *self);
/* Whether fo_yaml_pump_next failed on the parser's error. */
bool fo_yaml_pump_failed (const fo_yaml_pump *self);

#endif
