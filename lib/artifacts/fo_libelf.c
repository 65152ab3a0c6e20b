/*  fo_libelf — see internal/fo_libelf.h. */
#include "fo_libelf.h"

FO_LIBELF_SYMS (FO_DL_DEFINE)

static const fo_dl_sym syms[] = { FO_LIBELF_SYMS (FO_DL_SYM) };

static fo_dl_lib libelf = {
    .soname = "libelf.so.1",
    .package = "libelf1",
    .feature = "inferring the libraries a test program loads (artifacts)",
    .syms = syms,
    .nsyms = sizeof syms / sizeof syms[0],
};

int
fo_libelf_load (char *err, size_t errlen)
{
    return fo_dl_load (&libelf, err, errlen);
}
