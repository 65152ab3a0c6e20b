/*  fo_text — what the console and the live view share when they write
    for a person: colours (SGR sequences, empty when colours are off),
    durations in a few characters, and text made safe for a line. */
#ifndef FO_TEXT_H
#define FO_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_outcome.h"
#include "fo_util.h"

#define FO_SGR_RESET "\x1b[0m"
#define FO_SGR_BOLD "\x1b[1m"
#define FO_SGR_RED "\x1b[31m"
#define FO_SGR_GREEN "\x1b[32m"
#define FO_SGR_YELLOW "\x1b[33m"
#define FO_SGR_CYAN "\x1b[36m"
#define FO_SGR_DIM "\x1b[2m"

/* The sequence when colours are on, "" when off. */
static inline const char *
fo_sgr (bool color, const char *sgr)
{
    return color ? sgr : "";
}

/* The colour an outcome is shown in (red for failures, yellow for
   skipped and not run, green for passed). */
const char *fo_outcome_sgr (fo_outcome outcome);

/* "0.42s", "12.3s", "4m05s", "1h02m": at most 6 characters below 100 h. */
void fo_text_duration (char *buf, size_t size, uint64_t us);

/* Appends s with every control character (C0, DEL, C1) as '?': a name, a
   message or a host on a progress line can never move a cursor or start
   an escape sequence, in a log or on a terminal. Bytes that are not
   UTF-8 are kept (they are not control characters). */
void fo_text_append_safe (fo_buf *out, const char *s, size_t len);
/* The same written to a stream. */
void fo_text_put_safe (FILE *out, const char *s, size_t len);

#endif
