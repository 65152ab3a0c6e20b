/*  fo_hosts — see fo_hosts.h. Hosts are few (one per agent's machine):
    a sorted array found by binary search. */
#include "fo_hosts.h"

#include <stdlib.h>
#include <string.h>

#include "fo_text.h"

struct fo_hosts {
    fo_host_totals *items;      /* sorted by host; hosts owned */
    size_t len;
    size_t cap;
};

fo_hosts *
fo_hosts_new (void)
{
    return fo_xcalloc (1, sizeof (fo_hosts));
}

void
fo_hosts_destroy (fo_hosts **self_p)
{
    fo_hosts *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->len; i++)
        free ((char *) self->items[i].host);
    free (self->items);
    free (self);
    *self_p = NULL;
}

/* The entry of host, made when it is new. */
static fo_host_totals *
entry (fo_hosts *self, const char *host)
{
    size_t lo = 0, hi = self->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp (self->items[mid].host, host);
        if (c == 0)
            return &self->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (self->len == self->cap) {
        self->cap = self->cap ? 2 * self->cap : 8;
        self->items = fo_xrealloc (self->items, self->cap * sizeof *self->items);
    }
    memmove (&self->items[lo + 1], &self->items[lo], (self->len - lo) * sizeof *self->items);
    self->items[lo] = (fo_host_totals) { .host = fo_xstrdup (host) };
    self->len++;
    return &self->items[lo];
}

void
fo_hosts_event (fo_hosts *self, const fo_event *ev)
{
    if (ev->type == FO_EVENT_LEASE_ENDED && ev->u.lease_ended.how == FO_LEASE_LOST
        && ev->u.lease_ended.host)
        entry (self, ev->u.lease_ended.host)->lost++;
}

const fo_host_totals *
fo_hosts_totals (fo_hosts *self, const fo_report *report, size_t *n)
{
    for (size_t i = 0; i < self->len; i++) {
        fo_host_totals *h = &self->items[i];
        h->tests = h->failures = h->crashes = 0;
        h->busy_us = 0;
    }
    size_t ntests = fo_report_ntests (report);
    for (size_t t = 0; t < ntests; t++) {
        const fo_test_record *rec = fo_report_test (report, t);
        for (size_t a = 0; a < rec->nattempts; a++) {
            const fo_attempt *try = &rec->attempts[a];
            if (!try->host)
                continue;
            fo_host_totals *h = entry (self, try->host);
            h->tests++;
            h->busy_us += try->duration_us;
            if (try->outcome == FO_CRASHED)
                h->crashes++;
            else if (fo_outcome_is_failure (try->outcome))
                h->failures++;
        }
    }
    *n = self->len;
    return self->items;
}

static const char *
plural (size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

void
fo_hosts_print (fo_hosts *self, const fo_report *report, FILE *out, bool color)
{
    size_t n;
    const fo_host_totals *h = fo_hosts_totals (self, report, &n);
    size_t ran = 0, lost = 0;
    for (size_t i = 0; i < n; i++) {
        ran += h[i].tests > 0;
        lost += h[i].lost;
    }
    if (ran < 2 && lost == 0)
        return;
    fputs ("======================================================================\n", out);
    fprintf (out, "%sHOSTS%s\n", fo_sgr (color, FO_SGR_BOLD), fo_sgr (color, FO_SGR_RESET));
    for (size_t i = 0; i < n; i++) {
        char busy[16];
        fo_text_duration (busy, sizeof busy, h[i].busy_us);
        fputs ("  ", out);
        fo_text_put_safe (out, h[i].host, strlen (h[i].host));
        bool bad = h[i].failures || h[i].crashes || h[i].lost;
        fprintf (out, ": %zu %s, %s busy, %s%zu %s, %zu %s, %zu %s%s\n", h[i].tests,
                 plural (h[i].tests, "test", "tests"), busy,
                 fo_sgr (color && bad, FO_SGR_RED), h[i].failures,
                 plural (h[i].failures, "failure", "failures"), h[i].crashes,
                 plural (h[i].crashes, "crash", "crashes"), h[i].lost,
                 plural (h[i].lost, "lost lease", "lost leases"),
                 fo_sgr (color && bad, FO_SGR_RESET));
    }
}
