/*  fo_arena — see fo_arena.h. */
#include "fo_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fo_util.h"

#define BLOCK (64u * 1024u)
/* Pointers and 64-bit integers: what the records put here hold (16, for
   long double, would waste 8 bytes on each list of one index). */
#define ALIGN (alignof (uint64_t) > alignof (void *) ? alignof (uint64_t) : alignof (void *))

typedef struct block {
    struct block *next;
    size_t used, size;
    alignas (uint64_t) unsigned char data[];
} block;

struct fo_arena {
    block *head;        /* the block being filled; a large one goes behind it */
};

fo_arena *
fo_arena_new (void)
{
    return fo_xcalloc (1, sizeof (fo_arena));
}

void
fo_arena_destroy (fo_arena **self_p)
{
    fo_arena *self = *self_p;
    if (!self)
        return;
    for (block *b = self->head, *next; b; b = next) {
        next = b->next;
        free (b);
    }
    free (self);
    *self_p = NULL;
}

static block *
block_new (size_t size)
{
    block *b = fo_xmalloc (sizeof (block) + size);
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

static void *
take (fo_arena *self, size_t size, size_t align)
{
    block *b = self->head;
    if (b)
        b->used = (b->used + align - 1) & ~(align - 1);
    size_t need = size;
    if (b && b->used > b->size)
        b->used = b->size;
    if (!b || b->size - b->used < need) {
        if (need > BLOCK / 4) {
            /* large: a block of its own behind the one being filled, so
               that the latter's free room is not given up */
            block *big = block_new (need);
            big->used = need;
            if (b) {
                big->next = b->next;
                b->next = big;
            } else
                self->head = big;
            memset (big->data, 0, need);
            return big->data;
        }
        b = block_new (BLOCK);
        b->next = self->head;
        self->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    memset (p, 0, need);
    return p;
}

void *
fo_arena_alloc (fo_arena *self, size_t size)
{
    if (size > SIZE_MAX - ALIGN)
        abort ();           /* no such request is ever meant */
    return take (self, size ? size : 1, ALIGN);
}

void *
fo_arena_alloc_bytes (fo_arena *self, size_t size)
{
    if (size > SIZE_MAX - ALIGN)
        abort ();
    return take (self, size ? size : 1, 1);
}

char *
fo_arena_strdup (fo_arena *self, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen (s) + 1;
    char *copy = fo_arena_alloc_bytes (self, n);
    memcpy (copy, s, n);
    return copy;
}
