/*  fo_xml2 — see internal/fo_xml2.h. */
#include "fo_xml2.h"

FO_XML2_SYMS (FO_DL_DEFINE)

static const fo_dl_sym syms[] = { FO_XML2_SYMS (FO_DL_SYM) };

static fo_dl_lib libxml2 = {
    .soname = "libxml2.so.2",
    .package = "libxml2",
    .feature = "the JUnit XML report",
    .syms = syms,
    .nsyms = sizeof syms / sizeof syms[0],
};

int
fo_xml2_load (char *err, size_t errlen)
{
    return fo_dl_load (&libxml2, err, errlen);
}
