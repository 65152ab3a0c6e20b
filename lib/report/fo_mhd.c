/*  fo_mhd — see internal/fo_mhd.h. */
#include "fo_mhd.h"

FO_MHD_SYMS (FO_DL_DEFINE)

static const fo_dl_sym syms[] = { FO_MHD_SYMS (FO_DL_SYM) };

static fo_dl_lib libmicrohttpd = {
    .soname = "libmicrohttpd.so.12",
    .package = "libmicrohttpd12",
    .feature = "the metrics endpoint",
    .syms = syms,
    .nsyms = sizeof syms / sizeof syms[0],
};

int
fo_mhd_load (char *err, size_t errlen)
{
    return fo_dl_load (&libmicrohttpd, err, errlen);
}
