/*  fo_hosts — per-host totals for the summary: on each host, the tests it
    ran, its busy time, its failures and crashes, and the leases it lost.

    Tries come from the final report (every try with an outcome is one of
    its records' attempts, with its host and duration), so a test retried
    on another host counts once on each; lost leases come from the events
    (LEASE_ENDED, lost), which the report does not keep. Busy time is the
    sum of the durations of the tries that ran there (setups, teardowns
    and the time a lease waited in the agent's queue are not in it).

        tests     tries with an outcome that ran there (a retried test once
                  per try)
        failures  tries that failed, errored or timed out
        crashes   tries that crashed
        lost      leases lost with one of its agents

    Fed on the broker's thread (fo_hosts_event) and read once the run has
    ended (fo_hosts_print); O(1) per event but for a host seen for the
    first time, O(tries) at the end. */
#ifndef FO_HOSTS_H
#define FO_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_event.h"

typedef struct fo_hosts fo_hosts;

typedef struct {
    const char *host;
    size_t tests;
    uint64_t busy_us;
    size_t failures;
    size_t crashes;
    size_t lost;
} fo_host_totals;

fo_hosts *fo_hosts_new (void);
void fo_hosts_destroy (fo_hosts **self_p);

/* Takes what the report does not keep: lost leases. */
void fo_hosts_event (fo_hosts *self, const fo_event *ev);

/* The totals of every host, in the order of their names, from the final
   report and the events; *n is their number. Valid until the next call
   or destroy. */
const fo_host_totals *fo_hosts_totals (fo_hosts *self, const fo_report *report, size_t *n);

/* The summary's HOSTS section, when it says something a one-host run
   does not: more than one host ran tests, or a lease was lost. */
void fo_hosts_print (fo_hosts *self, const fo_report *report, FILE *out, bool color);

#endif
