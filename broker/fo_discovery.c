/*  fo_discovery — see fo_discovery.h. */
#include "fo_discovery.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>

#include "fo_proc.h"

struct fo_discoveries {
    fo_plan *plan;
    bool *ended;            /* per discovery: its answer (or failure) is in */
    size_t n;
};

fo_discoveries *
fo_discoveries_new (fo_plan *plan)
{
    fo_discoveries *self = fo_xcalloc (1, sizeof *self);
    self->plan = plan;
    self->n = plan->ndiscoveries;
    self->ended = fo_xcalloc (self->n ? self->n : 1, sizeof *self->ended);
    return self;
}

void
fo_discoveries_destroy (fo_discoveries **self_p)
{
    fo_discoveries *self = *self_p;
    if (!self)
        return;
    free (self->ended);
    free (self);
    *self_p = NULL;
}

bool
fo_discoveries_open (const fo_discoveries *self, size_t d)
{
    return d < self->n && !self->ended[d];
}

/* The one place the broker judges discovered names: they must give new
   ids, unique among themselves and beside the tests the context has (from
   the file or an earlier discovery). This repeats a rule of the suite
   (ids are unique); it is kept in this one function so that the call can
   become the suite's own check of names and ids once lib/suite has it. */
static int
check_names (const fo_context *ctx, const fo_strv *names, char *why, size_t whylen)
{
    zhashx_t *seen = zhashx_new ();
    int rc = 0;
    for (size_t i = 0; i < ctx->ntests; i++)
        zhashx_insert (seen, ctx->tests[i]->name, (void *) 1);
    for (size_t i = 0; i < names->len && rc == 0; i++)
        if (zhashx_insert (seen, names->items[i], (void *) 2) != 0) {
            bool earlier = (uintptr_t) zhashx_lookup (seen, names->items[i]) == 2;
            snprintf (why, whylen, "name %zu: duplicate test id '%s%s%s' (%s)", i + 1, ctx->id,
                      ctx->id[0] ? "/" : "", names->items[i],
                      earlier ? "printed twice" : "already in the suite");
            rc = -1;
        }
    zhashx_destroy (&seen);
    return rc;
}

/* The context of discovery d, writable: the run owns the suite (see the
   header), the plan only borrows it. */
static fo_context *
context_of (fo_discoveries *self, size_t d)
{
    return (fo_context *) self->plan->discoveries[d].ctx;
}

int
fo_discoveries_add (fo_discoveries *self, size_t d, const fo_strv *names, char *why,
                    size_t whylen)
{
    if (!fo_discoveries_open (self, d)) {
        snprintf (why, whylen, "the discovery has ended");
        return -1;
    }
    fo_context *ctx = context_of (self, d);
    if (check_names (ctx, names, why, whylen) != 0)
        return -1;
    size_t first = ctx->ntests;
    for (size_t i = 0; i < names->len; i++)
        fo_context_add_discovered (ctx, names->items[i]);
    fo_plan_add_discovered (self->plan, d, first);
    return 0;
}

size_t
fo_discoveries_end (fo_discoveries *self, size_t d)
{
    if (!fo_discoveries_open (self, d))
        return FO_NO_TASK;
    self->ended[d] = true;
    context_of (self, d)->discover_answered = true;
    return fo_plan_discovery_done (self->plan, d);
}

char *
fo_discoveries_silent (const fo_discoveries *self, size_t d, const fo_done *done)
{
    const char *id = self->plan->discoveries[d].ctx->id;
    return done->signal
        ? fo_xasprintf ("discover command of context '%s' sent no names (its task was killed by "
                        "%s)", id, fo_signal_name (done->signal))
        : fo_xasprintf ("discover command of context '%s' sent no names (its task ended with "
                        "exit status %d)", id, done->exit_status);
}

char *
fo_discoveries_lost (const fo_discoveries *self, size_t d, const char *host, const char *why,
                     uint32_t attempt, uint32_t max_attempts)
{
    return fo_xasprintf ("host %s was lost (%s) while running the discover command of context "
                         "'%s' (attempt %u of %u)", host, why, self->plan->discoveries[d].ctx->id,
                         attempt, max_attempts);
}
