/*  fo_reporter_kinds — the list of reporter kinds (fo_reporter.h), made
    from fo_reporter_kinds.def: one line there adds a kind here. */
#include "fo_reporter.h"

#define FO_REPORTER_KIND(name) extern const fo_reporter_kind fo_reporter_kind_##name;
#include "fo_reporter_kinds.def"
#undef FO_REPORTER_KIND

#define FO_REPORTER_KIND(name) &fo_reporter_kind_##name,
const fo_reporter_kind *const fo_reporter_kinds[] = {
#include "fo_reporter_kinds.def"
    NULL,
};
#undef FO_REPORTER_KIND
