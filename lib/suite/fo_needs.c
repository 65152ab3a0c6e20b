/*  fo_needs — see fo_needs.h. */
#include "fo_needs.h"
#include "fo_suite.h"

#include <stdlib.h>
#include <string.h>

void
fo_needs_free (fo_needs *self)
{
    fo_strv_free (&self->locks);
    fo_strv_free (&self->shared_locks);
    fo_strv_free (&self->requires);
    for (size_t i = 0; i < self->nresources; i++)
        free (self->resources[i].name);
    free (self->resources);
    for (size_t i = 0; i < self->ngroup_needs; i++)
        free (self->groups[i].name);
    free (self->groups);
    fo_strv_free (&self->after);
    fo_strv_free (&self->with);
    memset (self, 0, sizeof *self);
}

fo_needs *
fo_needs_new (void)
{
    return fo_xcalloc (1, sizeof (fo_needs));
}

void
fo_needs_destroy (fo_needs **self_p)
{
    if (!*self_p)
        return;
    fo_needs_free (*self_p);
    free (*self_p);
    *self_p = NULL;
}

size_t
fo_needs_count (const fo_needs *self)
{
    if (!self)
        return 0;
    return self->locks.len + self->shared_locks.len + self->requires.len + self->nresources;
}

bool
fo_needs_empty (const fo_needs *self)
{
    return fo_needs_count (self) == 0 && (!self || self->processors <= 1);
}

bool
fo_lock_name_ok (const char *name)
{
    size_t n = name ? strlen (name) : 0;
    if (n == 0 || n > FO_NEEDS_MAX_LOCK)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
            return false;
    return true;
}

/* Removes entry i of v (its order is kept). */
static void
strv_remove (fo_strv *v, size_t i)
{
    free (v->items[i]);
    memmove (&v->items[i], &v->items[i + 1], (v->len - i) * sizeof *v->items);   /* the NULL too */
    v->len--;
}

void
fo_needs_merge (fo_needs *into, const fo_needs *add)
{
    if (!add)
        return;
    for (size_t i = 0; i < add->locks.len; i++) {
        const char *lock = add->locks.items[i];
        if (fo_strv_contains (&into->locks, lock))
            continue;
        for (size_t j = 0; j < into->shared_locks.len; j++)
            if (!strcmp (into->shared_locks.items[j], lock)) {
                strv_remove (&into->shared_locks, j);
                break;
            }
        fo_strv_push (&into->locks, lock);
    }
    for (size_t i = 0; i < add->shared_locks.len; i++)
        if (!fo_strv_contains (&into->locks, add->shared_locks.items[i])
            && !fo_strv_contains (&into->shared_locks, add->shared_locks.items[i]))
            fo_strv_push (&into->shared_locks, add->shared_locks.items[i]);
    for (size_t i = 0; i < add->requires.len; i++)
        if (!fo_strv_contains (&into->requires, add->requires.items[i]))
            fo_strv_push (&into->requires, add->requires.items[i]);
    for (size_t i = 0; i < add->nresources; i++) {
        const fo_need *r = &add->resources[i];
        size_t j = 0;
        while (j < into->nresources && strcmp (into->resources[j].name, r->name))
            j++;
        if (j < into->nresources) {
            if (r->count > into->resources[j].count)
                into->resources[j].count = r->count;
            continue;
        }
        into->resources = fo_xrealloc (into->resources,
                                       (into->nresources + 1) * sizeof *into->resources);
        into->resources[into->nresources++] = (fo_need) { fo_xstrdup (r->name), r->count };
    }
}

void
fo_test_effective_needs (const fo_test *test, fo_needs *out)
{
    fo_needs_merge (out, test->needs);
    for (const fo_context *c = test->parent; c; c = c->parent)
        fo_needs_merge (out, c->needs);
}
