/*  fo_source_cmocka — `--cmocka PROGRAM`, `{kind: cmocka, from: ...}`: a
    cmocka test program (docs/sources.md, "cmocka"). Like a TAP program
    (fo_source_tap.c), it runs with CMOCKA_MESSAGE_OUTPUT=TAP, cmocka's
    own TAP output, never its console text, read by the "cmocka" reader:
    each group prints its own plan; each cmocka test joins the run as a
    test of its own, in a context per group (fo_tap_points.h). All its
    groups run in one process, so group fixtures stay whole. */
#include "fo_source.h"
#include "fo_source_program.h"

static int
import (const fo_source_item *at, char *err, size_t errlen)
{
    fo_env env = { 0 };
    fo_env_set (&env, "CMOCKA_MESSAGE_OUTPUT", "TAP");
    int rc = fo_source_program (at, FO_READER_CMOCKA, &env, err, errlen);
    fo_env_free (&env);
    return rc;
}

const fo_source_kind fo_source_kind_cmocka = {
    .name = "cmocka",
    .arg_name = "PROGRAM",
    .help = "a cmocka test program, read through CMOCKA_MESSAGE_OUTPUT=TAP",
    .import = import,
};
