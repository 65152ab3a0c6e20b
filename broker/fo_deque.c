/*  fo_deque — see internal/fo_deque.h. */
#include "fo_deque.h"

#include <stdlib.h>
#include <string.h>

#include "fo_util.h"

/* The items moved into a new array of cap, from its start. */
static void
relayout (fo_deque *q, size_t cap)
{
    size_t *items = fo_xmalloc (cap * sizeof *items);
    for (size_t i = 0; i < q->len; i++)
        items[i] = q->items[(q->head + i) % q->cap];
    free (q->items);
    q->items = items;
    q->head = 0;
    q->cap = cap;
}

static void
grow (fo_deque *q)
{
    relayout (q, q->cap ? q->cap * 2 : 64);
}

void
fo_deque_push_back (fo_deque *q, size_t v)
{
    if (q->len == q->cap)
        grow (q);
    q->items[(q->head + q->len++) % q->cap] = v;
}

void
fo_deque_push_front (fo_deque *q, size_t v)
{
    if (q->len == q->cap)
        grow (q);
    q->head = (q->head + q->cap - 1) % q->cap;
    q->items[q->head] = v;
    q->len++;
}

bool
fo_deque_pop_front (fo_deque *q, size_t *v)
{
    if (q->len == 0)
        return false;
    *v = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return true;
}

bool
fo_deque_pop_back (fo_deque *q, size_t *v)
{
    if (q->len == 0)
        return false;
    *v = q->items[(q->head + q->len - 1) % q->cap];
    q->len--;
    return true;
}

size_t
fo_deque_at (const fo_deque *q, size_t i)
{
    return q->items[(q->head + i) % q->cap];
}

/* Takes out item i, the others keep their order: the shorter side moves,
   O(min(i, len - i)), so taking from near the front is cheap too (the
   scheduler's retries: the first a host may take is usually first). */
void
fo_deque_remove_at (fo_deque *q, size_t i)
{
    if (i < q->len / 2) {
        for (size_t j = i; j > 0; j--)
            q->items[(q->head + j) % q->cap] = q->items[(q->head + j - 1) % q->cap];
        q->head = (q->head + 1) % q->cap;
    }
    else
        for (size_t j = i; j + 1 < q->len; j++)
            q->items[(q->head + j) % q->cap] = q->items[(q->head + j + 1) % q->cap];
    q->len--;
}

void
fo_deque_sort (fo_deque *q, int (*cmp) (const void *a, const void *b, void *arg), void *arg)
{
    if (q->len < 2)
        return;
    if (q->head + q->len > q->cap)
        relayout (q, q->cap);     /* wrapped: one run from the start */
    qsort_r (q->items + q->head, q->len, sizeof *q->items, cmp, arg);
}

void
fo_deque_free (fo_deque *q)
{
    free (q->items);
    memset (q, 0, sizeof *q);
}
