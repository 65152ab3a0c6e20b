/*  fo_deque — a double-ended queue of indexes (task numbers) in a ring
    buffer that doubles when full: the scheduler's queues (fo_sched.c).
    A zeroed fo_deque is empty; fo_deque_free makes it so again. */
#ifndef FO_DEQUE_H
#define FO_DEQUE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t *items;
    size_t head, len, cap;
} fo_deque;

void fo_deque_push_back (fo_deque *q, size_t v);
void fo_deque_push_front (fo_deque *q, size_t v);
/* false when empty */
bool fo_deque_pop_front (fo_deque *q, size_t *v);
bool fo_deque_pop_back (fo_deque *q, size_t *v);
/* The item i places from the front (i < len). */
size_t fo_deque_at (const fo_deque *q, size_t i);
/* Takes out item i, the others keep their order: O(min(i, len - i)). */
void fo_deque_remove_at (fo_deque *q, size_t i);
/* Sorts the items by cmp (qsort_r's order: negative when a goes first),
   front to back; the ring is laid out from its start. O(n log n). */
void fo_deque_sort (fo_deque *q, int (*cmp) (const void *a, const void *b, void *arg), void *arg);
void fo_deque_free (fo_deque *q);

#endif
