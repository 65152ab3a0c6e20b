/*  fo_source_kinds — the list of source kinds (fo_source.h), made from
    fo_source_kinds.def: one line there adds a kind here. */
#include "fo_source.h"

#include <string.h>

#define FO_SOURCE_KIND(name) extern const fo_source_kind fo_source_kind_##name;
#include "fo_source_kinds.def"
#undef FO_SOURCE_KIND

#define FO_SOURCE_KIND(name) &fo_source_kind_##name,
const fo_source_kind *const fo_source_kinds[] = {
#include "fo_source_kinds.def"
    NULL,
};
#undef FO_SOURCE_KIND

const fo_source_kind *
fo_source_kind_find (const char *name)
{
    for (size_t k = 0; fo_source_kinds[k]; k++)
        if (!strcmp (fo_source_kinds[k]->name, name))
            return fo_source_kinds[k];
    return NULL;
}
