/*  fo_source_tap — `--tap PROGRAM`, `{kind: tap, from: [PROGRAM, ...]}`:
    a program that prints TAP (docs/sources.md, "TAP"). Each program is a
    context named as written, holding one test, "all", whose verdict is
    read from the program's TAP stream by the "tap" reader
    (fo_read_tap.c); each point the program prints joins the run as a test
    of its own (fo_tap_points.h), which `fanout list` cannot show. An item with a space or a shell character is a shell
    command (/bin/sh -c); any other is run as it is, with no arguments. */
#include "fo_source.h"
#include "fo_source_program.h"

static int
import (const fo_source_item *at, char *err, size_t errlen)
{
    return fo_source_program (at, FO_READER_TAP, NULL, err, errlen);
}

const fo_source_kind fo_source_kind_tap = {
    .name = "tap",
    .arg_name = "PROGRAM",
    .help = "a program that prints TAP: one context, a test per point it prints",
    .import = import,
};
