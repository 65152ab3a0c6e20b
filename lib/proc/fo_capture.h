/*  fo_capture — keeps what a process writes to one stream, within a cap.

    When more than `cap` bytes arrive, the first cap/2 bytes and the last
    cap/2 bytes are kept and the rest is dropped and counted; the finished
    text carries a visible marker where the cut was:

        \n[fanout: 123456 bytes dropped]\n

    Memory used never exceeds cap (+ the marker), however much is written.
*/
#ifndef FO_CAPTURE_H
#define FO_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "fo_util.h"

#define FO_DEFAULT_OUTPUT_CAP (1024u * 1024u)

typedef struct {
    size_t cap;
    fo_buf head;        /* first min(cap/2, total) bytes (all bytes while <= cap) */
    char *tail;         /* ring of cap/2 bytes, allocated once output passes cap */
    size_t tail_size;
    size_t tail_pos;    /* next write position in the ring */
    size_t tail_len;    /* bytes valid in the ring */
    uint64_t total;     /* bytes written in all */
} fo_capture;

void fo_capture_init (fo_capture *self, size_t cap);     /* cap >= 2 */
void fo_capture_append (fo_capture *self, const void *data, size_t len);
/* Appends the kept text (with the marker if anything was dropped) to out. */
void fo_capture_render (const fo_capture *self, fo_buf *out);
uint64_t fo_capture_dropped (const fo_capture *self);
void fo_capture_free (fo_capture *self);

#endif
