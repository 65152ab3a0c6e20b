/*  fo_source_program — what the sources that run a program whole share
    (tap, cmocka): the program is a context named as written, with one
    test, "all", read by the given reader. */
#ifndef FO_SOURCE_PROGRAM_H
#define FO_SOURCE_PROGRAM_H

#include "fo_source.h"

/* The one test's name. */
#define FO_SOURCE_PROGRAM_TEST "all"

/* The argv that runs item: itself, or /bin/sh -c item when it holds a
   space or a shell character. */
void fo_source_program_argv (const char *item, fo_strv *argv);

/* Imports at->item as a program; env (or NULL) is set on its test. */
int fo_source_program (const fo_source_item *at, fo_reader reader, const fo_env *env, char *err,
                       size_t errlen);

#endif
