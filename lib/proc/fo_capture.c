/*  fo_capture — head + tail of one output stream, within a fixed cap.

    While the total stays within cap, everything sits in `head`. The first
    append that crosses cap moves the bytes past cap/2 into a ring of cap/2
    bytes (`tail`) and shrinks head to cap/2; from then on only the ring is
    written. So a test that prints gigabytes costs us cap bytes, and the
    reader still sees how it started and how it ended.
*/
#include "fo_capture.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A literal (not a variable) so -Wformat-nonliteral can check it. */
#define MARKER_FMT "\n[fanout: %" PRIu64 " bytes dropped]\n"

void
fo_capture_init (fo_capture *self, size_t cap)
{
    memset (self, 0, sizeof *self);
    self->cap = cap < 2 ? 2 : cap;
}

/*  Grows head to hold `need` bytes (+ NUL) but never past cap + 1: fo_buf
    would double its way to almost twice the cap. */
static void
head_reserve (fo_capture *self, size_t need)
{
    fo_buf *head = &self->head;
    if (need + 1 <= head->cap)
        return;
    size_t cap = head->cap ? head->cap * 2 : 256;
    if (cap < need + 1)
        cap = need + 1;
    if (cap > self->cap + 1)
        cap = self->cap + 1;
    head->data = fo_xrealloc (head->data, cap);
    head->cap = cap;
}

/*  Writes into the ring, keeping only its last tail_size bytes. */
static void
tail_write (fo_capture *self, const char *data, size_t len)
{
    size_t size = self->tail_size;
    if (len >= size) {
        memcpy (self->tail, data + len - size, size);
        self->tail_pos = 0;
        self->tail_len = size;
        return;
    }
    size_t first = size - self->tail_pos;
    if (first > len)
        first = len;
    memcpy (self->tail + self->tail_pos, data, first);
    memcpy (self->tail, data + first, len - first);
    self->tail_pos = (self->tail_pos + len) % size;
    self->tail_len = self->tail_len + len > size ? size : self->tail_len + len;
}

/*  The first overflow: the part of head past cap/2 becomes the start of
    the tail stream, and head keeps its first cap/2 bytes (it has them). */
static void
start_tail (fo_capture *self)
{
    size_t keep = self->cap / 2;
    self->tail_size = self->cap / 2;
    self->tail = fo_xmalloc (self->tail_size);
    self->tail_pos = self->tail_len = 0;
    if (self->head.len > keep)
        tail_write (self, self->head.data + keep, self->head.len - keep);
    self->head.len = keep;
    self->head.data = fo_xrealloc (self->head.data, keep + 1);
    self->head.cap = keep + 1;
    self->head.data[keep] = '\0';
}

void
fo_capture_append (fo_capture *self, const void *data, size_t len)
{
    if (len == 0)
        return;
    if (!self->tail && self->total + len <= self->cap) {
        head_reserve (self, self->head.len + len);
        fo_buf_append (&self->head, data, len);
        self->total += len;
        return;
    }
    if (!self->tail) {
        /* Head must hold its cap/2 bytes before the rest goes to the ring. */
        size_t keep = self->cap / 2;
        if (self->head.len < keep) {
            size_t n = keep - self->head.len;   /* < len: total + len > cap */
            head_reserve (self, keep);
            fo_buf_append (&self->head, data, n);
            data = (const char *) data + n;
            len -= n;
            self->total += n;
        }
        start_tail (self);
    }
    tail_write (self, data, len);
    self->total += len;
}

uint64_t
fo_capture_dropped (const fo_capture *self)
{
    return self->total - self->head.len - self->tail_len;
}

void
fo_capture_render (const fo_capture *self, fo_buf *out)
{
    if (self->head.len)
        fo_buf_append (out, self->head.data, self->head.len);
    uint64_t dropped = fo_capture_dropped (self);
    if (dropped)
        fo_buf_printf (out, MARKER_FMT, dropped);
    if (self->tail_len) {
        size_t start = (self->tail_pos + self->tail_size - self->tail_len) % self->tail_size;
        size_t first = self->tail_size - start;
        if (first > self->tail_len)
            first = self->tail_len;
        fo_buf_append (out, self->tail + start, first);
        fo_buf_append (out, self->tail, self->tail_len - first);
    }
}

void
fo_capture_free (fo_capture *self)
{
    fo_buf_free (&self->head);
    free (self->tail);
    self->tail = NULL;
    self->tail_size = self->tail_pos = self->tail_len = 0;
    self->total = 0;
}
