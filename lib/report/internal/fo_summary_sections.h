/*  fo_summary_sections — the parts of the summary that list tests by a
    property of their run rather than by outcome: the slowest tests
    (--durations) and the tests that ran alone (serial). Each starts with
    a rule of '=' and a title, and says nothing when it has nothing. */
#ifndef FO_SUMMARY_SECTIONS_H
#define FO_SUMMARY_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fo_report.h"

/* Tests listed by a section at most, unless asked for all: the rest are
   counted ("... and 12 more"). */
#define FO_SUMMARY_SERIAL_MAX 20u

/* The n slowest tests that ran (0: none, SIZE_MAX: all), slowest first,
   ties in report order: "  12.34s  id [on host]". */
void fo_summary_slowest (FILE *out, const fo_report *report, size_t n, bool color);

/* The tests that ran alone (a serial context's), in report order. */
void fo_summary_serial (FILE *out, const fo_report *report, bool color);

#endif
