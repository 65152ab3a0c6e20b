/*  fo_proto_batch — batches built from messages already encoded (see
    fo_batch_buf in fo_proto.h).

    The header is written once, with its count as a msgpack array16 (room
    for any count up to FO_PROTO_MAX_BATCH), and each message goes in as a
    bin32: so the batch's bytes never move and the count is patched in at
    the end. msgpack allows these wider forms; the decoder reads them as
    any other, and fo_msg_encode's own batches use the shortest forms.
*/
#include "fo_proto.h"

#include <msgpack.h>
#include <string.h>

#define BIN32_HEADER 5u

static int
buf_write (void *data, const char *buf, size_t len)
{
    fo_buf_append ((fo_buf *) data, buf, len);
    return 0;
}

/* {"v": VERSION, "type": "batch", "msgs": [ (array16, count 0 for now) */
static void
put_header (fo_batch_buf *b)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, &b->buf, buf_write);
    msgpack_pack_map (&pk, 3);
    msgpack_pack_str_with_body (&pk, "v", 1);
    msgpack_pack_uint32 (&pk, FO_PROTO_VERSION);
    msgpack_pack_str_with_body (&pk, "type", 4);
    msgpack_pack_str_with_body (&pk, "batch", 5);
    msgpack_pack_str_with_body (&pk, "msgs", 4);
    const unsigned char array16[3] = { 0xdc, 0, 0 };
    fo_buf_append (&b->buf, array16, sizeof array16);
    b->first = b->buf.len;
}

bool
fo_batch_buf_fits (const fo_batch_buf *b, size_t len)
{
    size_t used = b->count ? b->buf.len : 32;   /* the header is under 32 bytes */
    return b->count < FO_PROTO_MAX_BATCH && len <= FO_PROTO_MAX_STRING
        && used + BIN32_HEADER + len <= FO_PROTO_MAX_MESSAGE;
}

void
fo_batch_buf_add (fo_batch_buf *b, const void *data, size_t len)
{
    if (b->count == 0) {
        fo_buf_reset (&b->buf);
        put_header (b);
    }
    unsigned char bin32[BIN32_HEADER] = {
        0xc6, (unsigned char) (len >> 24), (unsigned char) (len >> 16),
        (unsigned char) (len >> 8), (unsigned char) len,
    };
    fo_buf_append (&b->buf, bin32, sizeof bin32);
    fo_buf_append (&b->buf, data, len);
    b->count++;
}

const void *
fo_batch_buf_frame (fo_batch_buf *b, size_t *len)
{
    if (b->count == 0) {
        *len = 0;
        return NULL;
    }
    if (b->count == 1) {        /* the message alone, as it was encoded */
        *len = b->buf.len - b->first - BIN32_HEADER;
        return b->buf.data + b->first + BIN32_HEADER;
    }
    unsigned char *count = (unsigned char *) b->buf.data + b->first - 2;
    count[0] = (unsigned char) (b->count >> 8);
    count[1] = (unsigned char) b->count;
    *len = b->buf.len;
    return b->buf.data;
}

void
fo_batch_buf_reset (fo_batch_buf *b)
{
    fo_buf_reset (&b->buf);
    b->count = 0;
    b->first = 0;
}

void
fo_batch_buf_free (fo_batch_buf *b)
{
    fo_buf_free (&b->buf);
    b->count = 0;
    b->first = 0;
}
