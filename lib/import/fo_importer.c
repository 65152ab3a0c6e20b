/*  fo_importer — see fo_importer.h. The registry, listings, and the steps
    every importer shares. */
#include "fo_importer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registry: one line per importer (defined in its own file). */
extern const fo_importer fo_import_discover;
static const fo_importer *const registry[] = {
    &fo_import_discover,
};

const fo_importer *
fo_importer_find (const char *name)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcmp (registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

void
fo_listing_add (fo_listing *self, const char *name, size_t line)
{
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->items = fo_xrealloc (self->items, self->cap * sizeof *self->items);
    }
    self->items[self->len++] = (fo_listed) { fo_xstrdup (name), line };
}

void
fo_listing_free (fo_listing *self)
{
    for (size_t i = 0; i < self->len; i++)
        free (self->items[i].name);
    free (self->items);
    memset (self, 0, sizeof *self);
}

int
fo_import_read (const fo_importer *importer, char *data, size_t len, bool cut, size_t cap,
                fo_listing *out, char *err, size_t errlen)
{
    if (cut) {
        /* A cut listing would lose names silently (the middle goes). */
        snprintf (err, errlen, "printed more than %zu MiB of names", cap >> 20);
        return -1;
    }
    if (importer->read (data, len, out, err, errlen) != 0) {
        fo_listing_free (out);
        return -1;
    }
    return 0;
}

/* A name and where it came from, for the check. */
typedef struct {
    const char *name;
    size_t seq;         /* ctx->tests first, then names, in order */
} entry;

static int
by_name_then_seq (const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int c = strcmp (a->name, b->name);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* A name of names[0..n) that repeats a test of ctx or an earlier name:
   true, with fault->index, in_suite and earlier set. */
static bool
find_repeat (const fo_context *ctx, const char *const *names, size_t n, fo_import_fault *dup)
{
    size_t total = ctx->ntests + n;
    if (total < 2)
        return false;
    entry *all = fo_xcalloc (total, sizeof *all);
    for (size_t i = 0; i < ctx->ntests; i++)
        all[i] = (entry) { ctx->tests[i]->name, i };
    for (size_t i = 0; i < n; i++)
        all[ctx->ntests + i] = (entry) { names[i], ctx->ntests + i };
    /* Sorted, equal names sit together, each group in order: any entry
       but a group's first repeats it. The earliest such name is the one
       to report (the context's own tests were checked when loaded). */
    qsort (all, total, sizeof *all, by_name_then_seq);
    size_t repeat = SIZE_MAX, first = 0;
    for (size_t i = 1, group = 0; i < total; i++) {
        if (strcmp (all[i].name, all[group].name)) {
            group = i;
            continue;
        }
        if (all[i].seq >= ctx->ntests && (repeat == SIZE_MAX || all[i].seq < repeat)) {
            repeat = all[i].seq;
            first = all[group].seq;
        }
    }
    free (all);
    if (repeat == SIZE_MAX)
        return false;
    dup->index = repeat - ctx->ntests;
    dup->repeated = true;
    dup->in_suite = first < ctx->ntests;
    dup->earlier = dup->in_suite ? first : first - ctx->ntests;
    return true;
}

bool
fo_import_check (const fo_context *ctx, const char *const *names, size_t n,
                 fo_import_fault *fault)
{
    memset (fault, 0, sizeof *fault);
    if (find_repeat (ctx, names, n, fault))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!fo_context_can_add_test (ctx, names[i], fault->why, sizeof fault->why)) {
            fault->index = i;
            return false;
        }
    return true;
}

bool
fo_import_check_listing (const fo_context *ctx, const fo_listing *listing,
                         fo_import_fault *fault)
{
    const char **names = fo_xcalloc (listing->len + 1, sizeof *names);
    for (size_t i = 0; i < listing->len; i++)
        names[i] = listing->items[i].name;
    bool ok = fo_import_check (ctx, names, listing->len, fault);
    free (names);
    return ok;
}
