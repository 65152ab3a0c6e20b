/*  fo_report_hosts — see fo_report_hosts.h. The hosts are an array in the
    order they were seen, found by name through a hash (a farm may have
    thousands of machines, and every try is counted on its host), after
    trying the host of the previous try: results come in runs from one
    agent. */
#include "fo_report_hosts.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

#include "fo_report_internal.h"
#include "fo_term.h"
#include "fo_text.h"

static fo_host_stats *
host_of (fo_report *self, const char *name)
{
    if (!name || !*name)
        return NULL;
    if (self->last_host < self->nhosts && strcmp (self->hosts[self->last_host].host, name) == 0)
        return &self->hosts[self->last_host];
    if (!self->host_index)
        self->host_index = zhashx_new ();
    uintptr_t found = (uintptr_t) zhashx_lookup (self->host_index, name);
    if (found) {
        self->last_host = found - 1;
        return &self->hosts[found - 1];
    }
    if (self->nhosts == self->hosts_cap) {
        self->hosts_cap = self->hosts_cap ? self->hosts_cap * 2 : 8;
        self->hosts = fo_xrealloc (self->hosts, self->hosts_cap * sizeof *self->hosts);
    }
    self->hosts[self->nhosts] = (fo_host_stats) { .host = fo_xstrdup (name) };
    zhashx_insert (self->host_index, name, (void *) (uintptr_t) (self->nhosts + 1));
    self->last_host = self->nhosts;
    return &self->hosts[self->nhosts++];
}

void
fo_report_count_try (fo_report *self, const char *host, fo_outcome outcome, uint64_t duration_us)
{
    fo_host_stats *h = host_of (self, host);
    if (!h)
        return;
    h->tries++;
    self->host_tries++;
    if (fo_outcome_is_failure (outcome)) {
        h->failures++;
        self->host_failures++;
    }
    h->crashes += outcome == FO_CRASHED;
    h->busy_us += duration_us;
}

void
fo_report_free_hosts (fo_report *self)
{
    for (size_t i = 0; i < self->nhosts; i++)
        free (self->hosts[i].host);
    free (self->hosts);
    zhashx_destroy (&self->host_index);
}

size_t
fo_report_nhosts (const fo_report *self)
{
    return self->nhosts;
}

const fo_host_stats *
fo_report_host (const fo_report *self, size_t index)
{
    return index < self->nhosts ? &self->hosts[index] : NULL;
}

const fo_host_stats *
fo_report_find_host (const fo_report *self, const char *host)
{
    uintptr_t found = host && self->host_index
                          ? (uintptr_t) zhashx_lookup (self->host_index, host) : 0;
    return found ? &self->hosts[found - 1] : NULL;
}

void
fo_report_host_lost_lease (fo_report *self, const char *host)
{
    fo_host_stats *h = host_of (self, host);
    if (h)
        h->lost_leases++;
}

void
fo_report_host_set_quarantined (fo_report *self, const char *host)
{
    fo_host_stats *h = host_of (self, host);
    if (h)
        h->quarantined = true;
}

size_t
fo_report_host_tries_elsewhere (const fo_report *self, const fo_host_stats *h)
{
    return self->host_tries - h->tries;
}

size_t
fo_report_host_failures_elsewhere (const fo_report *self, const fo_host_stats *h)
{
    return self->host_failures - h->failures;
}

bool
fo_report_host_suspect (const fo_report *self, const fo_host_stats *h)
{
    uint64_t f = h->failures, t = h->tries;
    uint64_t of = self->host_failures - f, ot = self->host_tries - t;
    /* f / t >= FACTOR x of / ot, without division */
    return f >= FO_HOST_SUSPECT_MIN_FAILURES && 2 * f >= t && ot >= FO_HOST_SUSPECT_MIN_OTHERS
        && f * ot >= (uint64_t) FO_HOST_SUSPECT_FACTOR * of * t;
}

/* A flaky test's failed tries all on one host, and its pass on another:
   that host, else NULL. */
static const char *
flaky_on (const fo_test_record *rec)
{
    if (!rec->flaky || rec->nattempts < 2 || !rec->host)
        return NULL;
    const char *bad = NULL;
    for (size_t i = 0; i + 1 < rec->nattempts; i++) {
        const fo_attempt *a = &fo_report_retried (rec)[i];
        const char *h = a->host;
        if (!fo_outcome_is_failure (a->outcome))
            continue;
        if (!h || (bad && strcmp (bad, h) != 0))
            return NULL;
        bad = h;
    }
    return bad && strcmp (bad, rec->host) != 0 ? bad : NULL;
}

void
fo_report_print_hosts (FILE *out, const fo_report *self)
{
    for (size_t i = 0; i < self->nhosts; i++) {
        const fo_host_stats *h = &self->hosts[i];
        if (!fo_report_host_suspect (self, h))
            continue;
        fprintf (out, "host %s looks bad: %zu of %zu tries failed there, %zu of %zu on the "
                 "other hosts%s\n", h->host, h->failures, h->tries,
                 self->host_failures - h->failures, self->host_tries - h->tries,
                 h->quarantined ? " (quarantined: no more leases went to it)" : "");
    }
    for (size_t i = 0; i < self->ntests; i++) {
        const fo_test_record *rec = &self->tests[i];
        const char *bad = flaky_on (rec);
        if (bad)
            fprintf (out, "flaky on %s: %s (failed there, passed on %s)\n", bad, rec->id,
                     rec->host);
    }
}

static const char *
plural (size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static int
by_name (const void *a, const void *b)
{
    const fo_host_stats *const *x = a, *const *y = b;
    return strcmp ((*x)->host, (*y)->host);
}

void
fo_report_print_host_totals (FILE *out, const fo_report *self, bool color)
{
    size_t ran = 0, lost = 0;
    for (size_t i = 0; i < self->nhosts; i++) {
        ran += self->hosts[i].tries > 0;
        lost += self->hosts[i].lost_leases;
    }
    if (ran < 2 && lost == 0)
        return;
    const fo_host_stats **sorted = fo_xcalloc (self->nhosts, sizeof *sorted);
    for (size_t i = 0; i < self->nhosts; i++)
        sorted[i] = &self->hosts[i];
    qsort (sorted, self->nhosts, sizeof *sorted, by_name);
    fputs ("======================================================================\n", out);
    fprintf (out, "%sHOSTS%s\n", fo_sgr (color, FO_SGR_BOLD), fo_sgr (color, FO_SGR_RESET));
    for (size_t i = 0; i < self->nhosts; i++) {
        const fo_host_stats *h = sorted[i];
        size_t failures = h->failures - h->crashes;     /* crashes counted apart */
        char busy[16];
        fo_text_duration (busy, sizeof busy, h->busy_us);
        fputs ("  ", out);
        fo_text_put_safe (out, h->host, strlen (h->host));
        bool bad = h->failures || h->lost_leases;
        fprintf (out, ": %zu %s, %s busy, %s%zu %s, %zu %s, %zu %s%s\n", h->tries,
                 plural (h->tries, "test", "tests"), busy, fo_sgr (color && bad, FO_SGR_RED),
                 failures, plural (failures, "failure", "failures"), h->crashes,
                 plural (h->crashes, "crash", "crashes"), h->lost_leases,
                 plural (h->lost_leases, "lost lease", "lost leases"),
                 fo_sgr (color && bad, FO_SGR_RESET));
    }
    free (sorted);
}
