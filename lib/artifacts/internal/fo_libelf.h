/*  fo_libelf — libelf, loaded on first use (fo_dl.h): the functions
    fo_elf.c calls to read a program's dynamic section, as sym_elf_foo
    pointers typed from libelf.h and gelf.h. Only a suite whose
    `artifacts:` infer a program's libraries maps libelf. */
#ifndef FO_LIBELF_H
#define FO_LIBELF_H

#include <stddef.h>

#include <gelf.h>
#include <libelf.h>

#include "fo_dl.h"

#define FO_LIBELF_SYMS(X)                                                                     \
    X (elf_version)                                                                           \
    X (elf_errmsg)                                                                            \
    X (elf_begin)                                                                             \
    X (elf_end)                                                                               \
    X (elf_kind)                                                                              \
    X (elf_nextscn)                                                                           \
    X (elf_getdata)                                                                           \
    X (elf_strptr)                                                                            \
    X (gelf_getshdr)                                                                          \
    X (gelf_getdyn)

FO_LIBELF_SYMS (FO_DL_DECLARE)

/* Loads libelf.so.1 (once): 0, or -1 with err saying what to install. */
int fo_libelf_load (char *err, size_t errlen);

#endif
