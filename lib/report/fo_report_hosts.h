/*  fo_report_hosts — each host judged apart from its tests
    (docs/timeouts-and-failures.md, "Bad hosts"). The report keeps, per host
    an agent named, its tries (tries of tests that ran to an outcome
    there, retried ones included), how many of them failed
    (fo_outcome_is_failure) and crashed, the time they took, and the leases
    lost with it. Counted as tries and lost leases are recorded, so the
    judgement is O(1) at any moment of the run.

    A host is suspect when its failures stand far above the other hosts':
    at least FO_HOST_SUSPECT_MIN_FAILURES failed tries, at least half of
    its tries failed, the other hosts together made at least
    FO_HOST_SUSPECT_MIN_OTHERS tries, and its failure rate is at least
    FO_HOST_SUSPECT_FACTOR times theirs. With retries on another host
    (--retries, the default of --quarantine-hosts) the other hosts run the
    same tests that failed on it, so the rates compare the same work.
    Integer arithmetic only: the same counts always give the same verdict.
*/
#ifndef FO_REPORT_HOSTS_H
#define FO_REPORT_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_outcome.h"
#include "fo_report.h"

#define FO_HOST_SUSPECT_MIN_FAILURES 3u
#define FO_HOST_SUSPECT_MIN_OTHERS 3u
#define FO_HOST_SUSPECT_FACTOR 4u

typedef struct {
    char *host;
    size_t tries;
    size_t failures;        /* failed, error, timeout or crashed */
    size_t crashes;         /* crashed */
    size_t lost_leases;     /* leases lost with one of its agents */
    uint64_t busy_us;       /* its tries' durations, summed */
    bool quarantined;       /* --quarantine-hosts stopped leasing to it */
} fo_host_stats;

/* Hosts in the order they were first seen. O(1). */
size_t fo_report_nhosts (const fo_report *self);
const fo_host_stats *fo_report_host (const fo_report *self, size_t index);
/* The host of this name, or NULL. O(hosts). */
const fo_host_stats *fo_report_find_host (const fo_report *self, const char *host);

/* A lease was lost with an agent of host (the run calls it). */
void fo_report_host_lost_lease (fo_report *self, const char *host);
/* --quarantine-hosts stopped leasing to host. */
void fo_report_host_set_quarantined (fo_report *self, const char *host);

/* Tries, and failed ones, of every other host together. */
size_t fo_report_host_tries_elsewhere (const fo_report *self, const fo_host_stats *host);
size_t fo_report_host_failures_elsewhere (const fo_report *self, const fo_host_stats *host);

/* The rule above, for one host of this report. */
bool fo_report_host_suspect (const fo_report *self, const fo_host_stats *host);

/* The summary's lines about hosts, when there is something to say:
     host h2 looks bad: 5 of 6 tries failed there, 0 of 14 on the other hosts[ (quarantined)]
     flaky on h2: t7 (failed on h2, passed on h1)
   Nothing when no host is suspect and no test was flaky on one host. */
void fo_report_print_hosts (FILE *out, const fo_report *self);

/* The summary's HOSTS section, hosts by name, when it says something a
   one-host run does not (more than one host ran tests, or a lease was
   lost):
     h1: 12 tests, 3.20s busy, 1 failure, 0 crashes, 0 lost leases
   "tests" are tries with an outcome there (a retried test once per try);
   failures are failed, error and timed-out tries, crashes apart. */
void fo_report_print_host_totals (FILE *out, const fo_report *self, bool color);

#endif
