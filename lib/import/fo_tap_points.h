/*  fo_tap_points — each point of a TAP stream a joined test of its own
    (fo_reader.h): what the "tap" and "cmocka" readers (fo_read_tap.c)
    report besides their verdict of the whole program. docs/sources.md,
    "Each point a test of its own".

    It reads the stream's events (fo_tap.h) as the reader gets them and
    emits, through the reading, one result per point at depth 0, for the
    step's one test (the program's), named by the point's description
    ("test N" without one):

        ok                      passed
        not ok                  failed: its YAML `message`, or the
                                comments after it ("not ok" without)
        # SKIP why              skipped, why
        not ok # TODO why       skipped, "TODO: an expected failure: why"
        ok # TODO why           passed, "TODO passed unexpectedly: why"
        planned, never printed  error "test N": the plan's count, the
                                Bail out!, the crash (not_run, or the
                                stop's outcome, when fanout stopped it)

    A point's own lines (the point, its YAML block, the comments after a
    failure) are its stdout, at most TAP_POINT_OUT_MAX bytes. A point is
    emitted once the line after it is read (its comments may follow), so as
    the program prints them. Subtests are not points of their own: the
    point that closes one is.

    cmocka (cmocka set): each plan starts a group, and the group is the
    points' context (fo_read_result.group). cmocka names a group only in
    the comment after its last point ("# ok - NAME"), so a group's points
    wait for it; a group cut short is "group N". Held points are at most
    FO_READ_MAX_JOINED (the rest are counted as dropped).

    Names are the program's text: fo_read makes them valid and unique.
*/
#ifndef FO_TAP_POINTS_H
#define FO_TAP_POINTS_H

#include <stdbool.h>

#include "fo_reader.h"
#include "fo_tap.h"

typedef struct fo_tap_points fo_tap_points;

/* For the step's first test (the program's); cmocka: groups as above. */
fo_tap_points *fo_tap_points_new (const fo_step *step, bool cmocka);
/* Frees the points still held without emitting them. */
void fo_tap_points_destroy (fo_tap_points **self_p);

/* The stream's next event (any depth; after a Bail out! none come).
   fed: the output arrives as the program writes it (points get the time
   since the one before as their duration). */
void fo_tap_points_event (fo_tap_points *self, fo_read *read, const fo_tap_event *ev, bool fed);

/* The stream has ended, and how the program did: the last points, then
   the missing ones as errors. Call once, after the last event. */
void fo_tap_points_end (fo_tap_points *self, fo_read *read, const fo_step_ending *end);

#endif
