/*  fo_read_ctest — CTest's verdict rules (the ctest reader's, exposed for
    the importer and tests). See fo_read_ctest.c for the rules. */
#ifndef FO_READ_CTEST_H
#define FO_READ_CTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_outcome.h"
#include "fo_proc.h"
#include "fo_proto.h"

/* The outcome CTest gives a test with verdict v that ended as st, having
   printed out and err (NUL-terminated). *message is allocated ("" when
   there is nothing to say). */
void fo_ctest_judge (const fo_verdict *v, const fo_proc_status *st, uint32_t timeout_ms,
                     const char *out, const char *err, fo_outcome *outcome, char **message);

/* Does expr compile as the reader compiles it? If not, why says so. */
bool fo_ctest_regex_valid (const char *expr, char *why, size_t whylen);

#endif
