/*  fo_step_join — what joining one-test steps into one process means,
    whatever the program's kind (fo_glib_join.h: a GLib program's paths;
    fo_gtest_join.h: a GoogleTest suite's tests). Each kind decides which
    of its steps may join and how their arguments combine; the rest is
    the same for all and is here:

    - fo_step_join_same_process: a step may join a group only when it runs
      the same program (argv[0]) in the same directory with the same
      environment (names, values and secret marks, in order) as the
      group's first step: the joined step is that one process.
    - fo_step_join_begin: the joined step starts as a test step with the
      first part's name, cwd and environment, the kind's reader, and the
      program as its only argument so far.
    - fo_step_join_timeout: the joined step's timeout is the sum of the
      parts' (each part keeps the time it had), capped at UINT32_MAX ms,
      or none (0) when any part has none. */
#ifndef FO_STEP_JOIN_H
#define FO_STEP_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_proto.h"

bool fo_step_join_same_process (const fo_step *first, const fo_step *next);

/* Fills joined (its old contents are not freed) from parts[0]. */
void fo_step_join_begin (const fo_step *first, fo_reader reader, fo_step *joined);

uint32_t fo_step_join_timeout (const fo_step *const *parts, size_t n);

#endif
