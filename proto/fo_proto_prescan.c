/*  fo_proto_prescan — a structural walk over msgpack headers, run before
    msgpack-c sees untrusted bytes.

    msgpack-c trusts the sizes it reads: an array header announcing 2^32-1
    elements makes it allocate 2^32-1 objects before it notices that the
    bytes are not there, and deep nesting recurses without a bound. This walk
    reads only headers (it is not a parser: it never builds a value) and
    rejects anything whose announced sizes the actual bytes cannot back.

    It keeps one counter per open container (how many objects it still owes)
    and the sum of all of them: every owed object needs at least one byte, so
    when the sum exceeds the bytes left the input is a lie. Bounding the sum,
    not each header alone, also bounds what msgpack-c allocates in total for
    nested containers to a small multiple of the message size.
*/
#include "fo_proto.h"

#include <stdio.h>

/* Big-endian unsigned of n bytes at p (n is 1, 2 or 4). */
static uint32_t
read_be (const uint8_t *p, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* What one header says comes after it. */
typedef struct {
    size_t header;      /* bytes of the header itself */
    uint64_t payload;   /* raw bytes that follow (str, bin, ext, numbers) */
    uint64_t size;      /* the announced length of a str, bin or ext */
    uint64_t children;  /* objects that follow (2 per map entry) */
    bool container;
    const char *what;   /* for messages: "str", "bin", "ext", "array", "map" */
} header;

/* Decodes the header at p (avail >= 1 bytes). Returns 0, or -1 when the
   header itself is cut short or the first byte is not a msgpack type. */
static int
read_header (const uint8_t *p, size_t avail, header *h)
{
    uint8_t b = p[0];
    *h = (header) { .header = 1, .what = "value" };
    size_t lenbytes = 0;    /* size of a length field after the type byte */

    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return 0;   /* fixint, nil, bool */
    if (b >= 0x80 && b <= 0x8f) {
        h->children = 2u * (b & 0x0fu);
        h->container = true, h->what = "map";
        return 0;
    }
    if (b >= 0x90 && b <= 0x9f) {
        h->children = b & 0x0fu;
        h->container = true, h->what = "array";
        return 0;
    }
    if (b >= 0xa0 && b <= 0xbf) {
        h->payload = h->size = b & 0x1fu;
        h->what = "str";
        return 0;
    }
    switch (b) {
    case 0xca: h->payload = 4; return 0;            /* float32 */
    case 0xcb: h->payload = 8; return 0;            /* float64 */
    case 0xcc: case 0xd0: h->payload = 1; return 0; /* (u)int8 */
    case 0xcd: case 0xd1: h->payload = 2; return 0;
    case 0xce: case 0xd2: h->payload = 4; return 0;
    case 0xcf: case 0xd3: h->payload = 8; return 0;
    case 0xd4: h->payload = 2; h->what = "ext"; return 0;   /* fixext: type + data */
    case 0xd5: h->payload = 3; h->what = "ext"; return 0;
    case 0xd6: h->payload = 5; h->what = "ext"; return 0;
    case 0xd7: h->payload = 9; h->what = "ext"; return 0;
    case 0xd8: h->payload = 17; h->what = "ext"; return 0;
    case 0xc4: case 0xd9: lenbytes = 1; break;
    case 0xc5: case 0xda: lenbytes = 2; break;
    case 0xc6: case 0xdb: lenbytes = 4; break;
    case 0xc7: lenbytes = 1; break;
    case 0xc8: lenbytes = 2; break;
    case 0xc9: lenbytes = 4; break;
    case 0xdc: case 0xde: lenbytes = 2; break;
    case 0xdd: case 0xdf: lenbytes = 4; break;
    default: return -1;                             /* 0xc1: never used */
    }
    if (avail < 1 + lenbytes)
        return -1;
    uint64_t n = read_be (p + 1, lenbytes);
    h->header = 1 + lenbytes;
    if (b >= 0xc4 && b <= 0xc6)
        h->payload = h->size = n, h->what = "bin";
    else if (b >= 0xd9 && b <= 0xdb)
        h->payload = h->size = n, h->what = "str";
    else if (b >= 0xc7 && b <= 0xc9)
        h->size = n, h->payload = n + 1, h->what = "ext";   /* + the ext type byte */
    else if (b == 0xdc || b == 0xdd)
        h->children = n, h->container = true, h->what = "array";
    else
        h->children = 2 * n, h->container = true, h->what = "map";
    return 0;
}

int
fo_proto_prescan (const void *data, size_t len, char *err, size_t errlen)
{
    const uint8_t *p = data;
    if (!p || len == 0)
        return fo_err (err, errlen, "empty message");

    /* owed[d] = objects still to read inside the container at depth d;
       depth 0 is the virtual slot holding the one top-level object. */
    uint64_t owed[FO_PROTO_MAX_DEPTH + 1];
    uint64_t owed_total = 1;
    int depth = 0;
    owed[0] = 1;
    size_t off = 0;

    while (owed_total > 0) {
        while (owed[depth] == 0)
            depth--;                    /* that container is complete */
        size_t left = len - off;
        if (left == 0)
            return fo_err (err, errlen, "truncated message (%zu bytes)", len);
        header h;
        if (read_header (p + off, left, &h) < 0) {
            if (p[off] == 0xc1)
                return fo_err (err, errlen, "invalid msgpack byte 0xc1 at offset %zu", off);
            return fo_err (err, errlen, "truncated message (%zu bytes)", len);
        }
        owed[depth]--, owed_total--;
        off += h.header;
        left = len - off;
        if (h.size > FO_PROTO_MAX_STRING)
            return fo_err (err, errlen, "%s of %llu bytes exceeds the limit of %u bytes",
                         h.what, (unsigned long long) h.size, FO_PROTO_MAX_STRING);
        if (h.payload > left)
            return fo_err (err, errlen, "truncated message: %s of %llu bytes at offset %zu"
                         " but only %zu bytes left", h.what,
                         (unsigned long long) h.payload, off - h.header, left);
        off += (size_t) h.payload;
        if (!h.container)
            continue;
        if (depth + 1 > FO_PROTO_MAX_DEPTH)
            return fo_err (err, errlen, "nesting deeper than %d levels", FO_PROTO_MAX_DEPTH);
        if (h.children + owed_total > left)
            return fo_err (err, errlen, "truncated message: %s at offset %zu announces %llu elements"
                         " but only"
                         " %zu bytes follow", h.what, off - h.header,
                         (unsigned long long) (h.what[0] == 'm' ? h.children / 2 : h.children),
                         left);
        if (h.children > 0) {
            owed[++depth] = h.children;
            owed_total += h.children;
        }
    }
    if (off != len)
        return fo_err (err, errlen, "%zu trailing bytes after the message", len - off);
    return 0;
}
