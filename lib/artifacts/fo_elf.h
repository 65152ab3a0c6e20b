/*  fo_elf — what a program loads, read from its ELF dynamic section with
    libelf (never guessed, never a hand-written ELF reader): the names it
    needs (DT_NEEDED) and where it looks for them (DT_RUNPATH, else
    DT_RPATH). lib/artifacts ships a test program's libraries from the
    build tree with it (docs/artifacts.md, "Inferred"). */
#ifndef FO_ELF_H
#define FO_ELF_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_util.h"

/* Fills needed and search (the run path's directories, as written:
   $ORIGIN unexpanded). Returns 1 for an ELF file (with or without a
   dynamic section), 0 for any other file (a script), -1 with why when it
   cannot be read. */
int fo_elf_dynamic (const char *path, fo_strv *needed, fo_strv *search, char *err, size_t errlen);

#endif
