/*  fo_elf — what a program loads, read from its ELF dynamic section with
    libelf (never guessed, never a hand-written ELF reader): the names it
    needs (DT_NEEDED) and where it looks for them (DT_RUNPATH, else
    DT_RPATH). lib/artifacts ships a test program's libraries from the
    build tree with it (docs/artifacts.md, "Inferred"). libelf is loaded
    the first time it is needed (fo_dl.h): a suite that infers nothing
    never maps it. */
#ifndef FO_ELF_H
#define FO_ELF_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_util.h"

/* Loads libelf (once): 0, or -1 with err saying what needs it and which
   package to install. fo_elf_dynamic loads it too; this tells a missing
   libelf from a file that cannot be read. */
int fo_elf_load (char *err, size_t errlen);

/* Fills needed and search (the run path's directories, as written:
   $ORIGIN unexpanded). Returns 1 for an ELF file (with or without a
   dynamic section), 0 for any other file (a script), -1 with why when it
   cannot be read or libelf cannot be loaded. */
int fo_elf_dynamic (const char *path, fo_strv *needed, fo_strv *search, char *err, size_t errlen);

#endif
