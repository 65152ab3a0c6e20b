/*  fo_suite_quick — a test of the common shape read straight from the
    events (private to the loader, fo_suite_load.c).

    Most tests of a large suite are a map of a `name` and a `run` (a string,
    or a list of strings): composing each into a document for the value
    readers, then looking its keys up there, was a fifth of the loader's
    own time at a million tests. Such a test is read here from its events
    and built at once. Anything else (another key, a key twice, a value of
    another kind, a value the readers would refuse, a duplicate id, a
    command argument past what needs no owner in messages) is left to the
    general path: the events read so far are given back
    (fo_yaml_events_unread) and the test is composed as before, so every
    message, and what is accepted, is the general path's own. */
#ifndef FO_SUITE_QUICK_H
#define FO_SUITE_QUICK_H

#include "fo_suite_events.h"

typedef struct fo_suite_quick fo_suite_quick;

fo_suite_quick *fo_suite_quick_new (void);
void fo_suite_quick_destroy (fo_suite_quick **self_p);

/* The test whose map starts at first (a MAPPING-START just read) under
   parent. Returns 1 with the test built and added to parent, 0 when it is
   not of the common shape (its events given back: compose it from first
   on), or -1 on the stream's error (in L). */
int fo_suite_quick_test (fo_suite_quick *self, fo_yaml_reader *L, fo_yaml_events *E,
                         fo_context *parent, const fo_yaml_ev *first);

#endif
