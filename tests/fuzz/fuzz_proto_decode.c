/*  fuzz_proto_decode — libFuzzer target for the wire decoder.

    Any input must either be rejected cleanly or decode into a message that
    encodes again; that encoding must decode too, and re-encoding the second
    decode must give the very same bytes (the encoding is canonical, so a
    difference means a field was lost or changed on the way). A decoder whose
    zones are kept from one input to the next (fo_msg_decode_in, as a wire's
    inbox keeps them) must answer every input exactly as a fresh one does.
    The sanitizers in the build catch overflows, leaks and undefined
    behaviour.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_proto.h"

static void
die (const char *what, const char *err)
{
    fprintf (stderr, "fuzz_proto_decode: %s%s%s\n", what, err ? ": " : "", err ? err : "");
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static fo_msg_scratch *kept;    /* across inputs; reachable, never freed */
    if (!kept)
        kept = fo_msg_scratch_new ();
    fo_msg msg, with;
    char err[256], err_with[256];
    int rc = fo_msg_decode (data, size, &msg, err, sizeof err);
    int rc_with = fo_msg_decode_in (kept, data, size, &with, err_with, sizeof err_with);
    if (rc_with != rc || (rc != FO_PROTO_OK && strcmp (err, err_with) != 0))
        die ("kept zones answer otherwise than fresh ones", err_with);
    if (rc != FO_PROTO_OK) {
        if (rc != FO_PROTO_EMALFORMED && rc != FO_PROTO_EVERSION)
            die ("unexpected return code", NULL);
        if (err[0] == '\0' || strchr (err, '\n'))
            die ("rejection without a one-line reason", err);
        return 0;
    }
    fo_buf first = { 0 }, second = { 0 }, third = { 0 };
    if (fo_msg_encode (&msg, &first) != 0)
        die ("a decoded message does not encode", NULL);
    if (fo_msg_encode (&with, &third) != 0 || third.len != first.len
        || memcmp (third.data, first.data, first.len) != 0)
        die ("kept zones decode otherwise than fresh ones", NULL);
    fo_msg_free (&with);
    fo_buf_free (&third);
    fo_msg again;
    if (fo_msg_decode (first.data, first.len, &again, err, sizeof err) != FO_PROTO_OK)
        die ("the re-encoded message does not decode", err);
    if (fo_msg_encode (&again, &second) != 0)
        die ("the second decode does not encode", NULL);
    if (first.len != second.len || memcmp (first.data, second.data, first.len) != 0)
        die ("re-encoding is not stable", NULL);
    fo_msg_free (&again);
    fo_msg_free (&msg);
    fo_buf_free (&first);
    fo_buf_free (&second);
    return 0;
}
