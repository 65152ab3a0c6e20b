/*  fo_outputs — where the files tests send back land on the broker
    (docs/artifacts.md, "Outputs"): DIR/<test id>/<path>, the test id made
    one safe path component ('%' as %25, '/' as %2F, a leading '.' as %2E),
    path as the agent sent it (relative, no '.' or '..': fo_relative_path_ok).

    Bounded: each file at most the lease's per-test limit (checked again
    here, whatever the agent says), and everything of the run together at
    most max_total; what passes a limit is dropped, said once in the log.
    Files are written as their pieces arrive, in order: a piece at offset 0
    starts the file again (a retried test's file replaces its earlier try's). */
#ifndef FO_OUTPUTS_H
#define FO_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "fo_proto.h"

typedef struct fo_outputs fo_outputs;

/* dir must exist (it is made absolute). NULL with why. */
fo_outputs *fo_outputs_new (const char *dir, uint32_t per_test, uint64_t max_total, char *err,
                            size_t errlen);
void fo_outputs_destroy (fo_outputs **self_p);

uint32_t fo_outputs_per_test (const fo_outputs *self);

/* Writes one piece of test's file. Returns the file's path when this
   piece started it (for the report), else NULL; *dropped when it was not
   written (a limit, an error: logged). The path is valid until the next
   call. */
const char *fo_outputs_write (fo_outputs *self, const char *test, const fo_output *piece,
                              bool *dropped);

uint64_t fo_outputs_bytes (const fo_outputs *self);

#endif
