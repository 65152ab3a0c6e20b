/*  fo_discovery — see fo_discovery.h. */
#include "fo_discovery.h"

#include "fo_glib_list.h"
#include "fo_gtest_list.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>

#include "fo_import_ctest.h"
#include "fo_importer.h"
#include "fo_proc.h"

struct fo_discoveries {
    fo_plan *plan;
    const fo_select *select;    /* which of the names become tests; NULL: all */
    bool *ended;            /* per discovery: its answer (or failure) is in */
    size_t n;
};

fo_discoveries *
fo_discoveries_new (fo_plan *plan, const fo_select *select)
{
    fo_discoveries *self = fo_xcalloc (1, sizeof *self);
    self->plan = plan;
    self->select = select;
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

/* The names must give new tests (fo_import_check, the rule discovery
   before the run follows too); the wire carries no output lines, so a
   name is told by its position. */
static int
check_names (const fo_context *ctx, const fo_strv *names, char *why, size_t whylen)
{
    fo_import_fault fault;
    if (fo_import_check (ctx, (const char *const *) names->items, names->len, &fault))
        return 0;
    if (!fault.repeated)
        return fo_err (why, whylen, "name %zu: %s", fault.index + 1, fault.why);
    char *id = fo_context_child_id (ctx, names->items[fault.index]);
    fo_err (why, whylen, "name %zu: duplicate test id '%s' (%s)", fault.index + 1, id,
            fault.in_suite ? "already in the suite" : "printed twice");
    free (id);
    return -1;
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
    if (fo_discoveries_wants_listing (self, d)) {
        snprintf (why, whylen, "it sent names where a CTest listing was due");
        return -1;
    }
    if (check_names (ctx, names, why, whylen) != 0)
        return -1;
    /* Added by the importer the listing came from, as before the run. */
    size_t first = ctx->ntests;
    fo_listing listing = { 0 };
    for (size_t i = 0; i < names->len; i++)
        fo_listing_add (&listing, names->items[i], i + 1);
    fo_importer_find ("discover")->add (ctx, &listing);
    fo_listing_free (&listing);
    /* A gtest program listed on an agent (docs/sources.md, "GoogleTest"):
       its disabled tests are declared so, as when the broker lists it. */
    for (size_t i = first; i < ctx->ntests; i++)
        if (ctx->tests[i]->reader == FO_READER_GTEST)
            ctx->tests[i]->disabled = fo_gtest_disabled (ctx->tests[i]->name);
    /* A GLib program listed on an agent: its paths' commands skip the
       listed paths below them, as when the broker lists it (before the
       selection: -p runs those whether chosen or not). */
    fo_glib_discovered (ctx, first);
    /* The same choice as before the run (-k, -L, ...) for every test. */
    fo_context_filter_from (ctx, first, self->select);
    fo_plan_add_discovered (self->plan, d, first);
    return 0;
}

bool
fo_discoveries_wants_listing (const fo_discoveries *self, size_t d)
{
    return d < self->n && self->plan->discoveries[d].ctx->discovered_reader == FO_READER_CTEST;
}

int
fo_discoveries_add_listing (fo_discoveries *self, size_t d, const char *listing, size_t len,
                            char *why, size_t whylen)
{
    if (!fo_discoveries_open (self, d)) {
        snprintf (why, whylen, "the discovery has ended");
        return -1;
    }
    if (!fo_discoveries_wants_listing (self, d)) {
        snprintf (why, whylen, "it sent a listing where names were due");
        return -1;
    }
    if (len == 0) {
        snprintf (why, whylen, "it sent no listing");
        return -1;
    }
    fo_context *ctx = context_of (self, d);
    size_t first = ctx->ntests, cfirst = ctx->ncontexts;
    if (fo_ctest_discovered (self->plan->suite, ctx, listing, len, why, whylen) != 0)
        return -1;
    /* The same choice as before the run (-k, -L, ...) for every test. */
    fo_context_filter_added ((fo_suite *) self->plan->suite, ctx, first, cfirst, self->select);
    fo_plan_add_discovered (self->plan, d, first);
    fo_plan_add_discovered_units (self->plan, d, cfirst);
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
