/*  fo_mask — keeps secret values out of what fanout shows.

    Values marked secret (an export written `secret NAME=VALUE`) must never
    appear in the console, the JSON report or the logs. fanout never prints
    environments itself; what remains is a test or fixture printing the
    value. The broker therefore masks every occurrence of a secret value in
    the output, message and captured streams of the tasks that received it,
    before they reach the report, as CI services do with their secrets.

    Values shorter than FO_MASK_MIN_LEN bytes are not masked: replacing
    every "1" or "on" would make all output unreadable and hide nothing.
*/
#ifndef FO_MASK_H
#define FO_MASK_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_util.h"

#define FO_MASK_MIN_LEN 4
#define FO_MASK_TEXT "********"

/* True when env holds a secret long enough to be masked. */
bool fo_mask_needed (const fo_env *env);

/* Copies data[0..len) into out (reset first) with every occurrence of a
   secret value of env replaced by FO_MASK_TEXT (longest values first, so
   that a secret containing another is masked whole). Returns true when
   anything was replaced. out is always NUL-terminated. */
bool fo_mask_secrets (const fo_env *env, const char *data, size_t len, fo_buf *out);

#endif
