/*  fo_arena — many small allocations that live and die together: blocks
    of 64 KiB (or one of its own for a larger request), handed out in
    order, all freed at once by fo_arena_destroy. Nothing is freed alone.

    Why: a run of a million tests held a million of each small record (a
    report's copy of an id, a task's list of one test), each a malloc with
    its 16 bytes of header and rounding, and ending the run freed them one
    by one (issue 15: most of the 2.9 s it took). Here an id costs its
    bytes, and the end is a few hundred frees.
*/
#ifndef FO_ARENA_H
#define FO_ARENA_H

#include <stddef.h>

typedef struct fo_arena fo_arena;

fo_arena *fo_arena_new (void);
void fo_arena_destroy (fo_arena **self_p);

/* size bytes aligned for pointers and 64-bit integers (not for long
   double: 8 bytes on x86-64, not 16), zeroed; never NULL (aborts like
   fo_xmalloc when memory runs out). size 0 gives a valid pointer. */
void *fo_arena_alloc (fo_arena *self, size_t size);
/* size bytes with no alignment (strings), zeroed. */
void *fo_arena_alloc_bytes (fo_arena *self, size_t size);
/* A copy of s in the arena; NULL -> NULL. */
char *fo_arena_strdup (fo_arena *self, const char *s);

#endif
