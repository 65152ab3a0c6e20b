/*  fo_sweeper — see fo_sweeper.h. */
#include "fo_sweeper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fo_reaper.h"
#include "fo_util.h"

/* Passes a token gets even when the first finds nothing: a group member
   killed by SIGKILL may not have died (and handed its escaped children
   over to us) by the time of the first pass. */
#define MIN_PASSES 2u

typedef struct {
    char *token;
    uint64_t due_ms;
    uint32_t passes;
} pending;

struct fo_sweeper {
    pending *items;
    size_t len, cap;
    const char **tokens;        /* scratch for fo_reaper_pass */
    size_t *hits;
    size_t scratch_cap;
};

fo_sweeper *
fo_sweeper_new (void)
{
    return fo_xcalloc (1, sizeof (fo_sweeper));
}

static void
forget_all (fo_sweeper *self)
{
    for (size_t i = 0; i < self->len; i++)
        free (self->items[i].token);
    self->len = 0;
}

void
fo_sweeper_destroy (fo_sweeper **self_p)
{
    fo_sweeper *self = *self_p;
    if (!self)
        return;
    forget_all (self);
    free (self->items);
    free (self->tokens);
    free (self->hits);
    free (self);
    *self_p = NULL;
}

void
fo_sweeper_add (fo_sweeper *self, const char *token)
{
    uint64_t due = fo_now_ms () + FO_SWEEP_DELAY_MS;
    for (size_t i = 0; i < self->len; i++)
        if (strcmp (self->items[i].token, token) == 0) {
            self->items[i].passes = 0;
            return;
        }
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->items = fo_xrealloc (self->items, self->cap * sizeof *self->items);
    }
    self->items[self->len++] = (pending) { .token = fo_xstrdup (token), .due_ms = due };
}

uint64_t
fo_sweeper_deadline_ms (const fo_sweeper *self)
{
    uint64_t deadline = UINT64_MAX;
    for (size_t i = 0; i < self->len; i++)
        if (self->items[i].due_ms < deadline)
            deadline = self->items[i].due_ms;
    return deadline;
}

/* One pass over every pending token; returns whether anything was found. */
static bool
pass (fo_sweeper *self, uint64_t now)
{
    if (self->scratch_cap < self->len) {
        self->scratch_cap = self->cap;
        self->tokens = fo_xrealloc (self->tokens, self->scratch_cap * sizeof *self->tokens);
        self->hits = fo_xrealloc (self->hits, self->scratch_cap * sizeof *self->hits);
    }
    for (size_t i = 0; i < self->len; i++) {
        self->tokens[i] = self->items[i].token;
        self->hits[i] = 0;
    }
    fo_reaper_counts c = fo_reaper_pass (self->tokens, self->len, self->hits);
    /* Tokens that found something (or were not checked enough) stay. */
    size_t kept = 0;
    for (size_t i = 0; i < self->len; i++) {
        pending p = self->items[i];
        if (p.due_ms <= now)
            p.passes++;
        if (self->hits[i] == 0 && p.passes >= MIN_PASSES) {
            free (p.token);
            continue;
        }
        if (p.due_ms <= now)
            p.due_ms = now + FO_SWEEP_DELAY_MS;
        self->items[kept++] = p;
    }
    self->len = kept;
    return c.killed > 0 || c.reaped > 0 || c.unknown > 0;
}

void
fo_sweeper_service (fo_sweeper *self)
{
    uint64_t now = fo_now_ms ();
    if (self->len > 0 && fo_sweeper_deadline_ms (self) <= now)
        pass (self, now);
}

void
fo_sweeper_flush (fo_sweeper *self, uint32_t max_ms)
{
    uint64_t until = fo_now_ms () + max_ms;
    while (self->len > 0) {
        for (size_t i = 0; i < self->len; i++)
            self->items[i].due_ms = 0;      /* every token takes part now */
        bool found = pass (self, fo_now_ms ());
        if (fo_now_ms () >= until)
            break;
        if (self->len > 0 || found) {
            struct timespec ts = { 0, 2 * 1000000L };
            while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
                ;
        }
    }
    forget_all (self);
}
