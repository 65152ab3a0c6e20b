/*  fo_estimate — see internal/fo_estimate.h. */
#include "fo_estimate.h"

#include <stdlib.h>

struct fo_estimate {
    fo_expected_fn *fn;
    void *arg;
    int64_t *expected;      /* per test (report index): -1 unknown */
    size_t ntests;
    bool *done;             /* per test: counted out already */
    uint64_t known_left;    /* expected us of known tests without an outcome */
    size_t unknown_left;    /* tests without an outcome the history does not know */
    uint64_t known_sum;     /* every known test's, for the mean */
    size_t nknown;
    uint64_t slots;         /* of the agents connected now */
    uint32_t *agent_slots;  /* per agent number, while connected */
    size_t nagents;
};

fo_estimate *
fo_estimate_new (fo_expected_fn *fn, void *arg)
{
    if (!fn)
        return NULL;
    fo_estimate *self = fo_xcalloc (1, sizeof *self);
    self->fn = fn;
    self->arg = arg;
    return self;
}

void
fo_estimate_destroy (fo_estimate **self_p)
{
    fo_estimate *self = *self_p;
    if (!self)
        return;
    free (self->expected);
    free (self->done);
    free (self->agent_slots);
    free (self);
    *self_p = NULL;
}

/* Looks up the tests [self->ntests, n) of the report. */
static void
add_tests (fo_estimate *self, const fo_report *report, size_t n)
{
    if (n <= self->ntests)
        return;
    self->expected = fo_xrealloc (self->expected, n * sizeof *self->expected);
    self->done = fo_xrealloc (self->done, n * sizeof *self->done);
    for (size_t i = self->ntests; i < n; i++) {
        const fo_test_record *rec = fo_report_test (report, i);
        int64_t e = rec && rec->id ? self->fn (self->arg, rec->id) : -1;
        self->expected[i] = e;
        self->done[i] = false;
        if (e >= 0) {
            self->known_left += (uint64_t) e;
            self->known_sum += (uint64_t) e;
            self->nknown++;
        }
        else
            self->unknown_left++;
    }
    self->ntests = n;
}

static void
set_agent (fo_estimate *self, uint32_t agent, uint32_t slots)
{
    if (agent >= self->nagents) {
        if (agent >= 1u << 20)
            return;             /* not a number the broker gives */
        size_t n = (size_t) agent + 1;
        self->agent_slots = fo_xrealloc (self->agent_slots, n * sizeof *self->agent_slots);
        for (size_t i = self->nagents; i < n; i++)
            self->agent_slots[i] = 0;
        self->nagents = n;
    }
    self->slots -= self->agent_slots[agent];
    self->agent_slots[agent] = slots;
    self->slots += slots;
}

void
fo_estimate_event (fo_estimate *self, const fo_event *ev)
{
    if (!self)
        return;
    switch (ev->type) {
    case FO_EVENT_RUN_STARTED:
        add_tests (self, ev->report, ev->u.run_started.ntests);
        break;
    case FO_EVENT_TESTS_DISCOVERED:
        add_tests (self, ev->report, ev->u.discovered.total);
        break;
    case FO_EVENT_TEST_FINISHED: {
        size_t t = ev->u.test_finished.test;
        if (t < self->ntests && !self->done[t]) {
            self->done[t] = true;
            if (self->expected[t] >= 0)
                self->known_left -= (uint64_t) self->expected[t];
            else
                self->unknown_left--;
        }
        break;
    }
    case FO_EVENT_AGENT_JOINED:
        set_agent (self, ev->u.agent.agent, ev->u.agent.slots);
        break;
    case FO_EVENT_AGENT_LOST:
        set_agent (self, ev->u.agent.agent, 0);
        break;
    default:
        break;
    }
}

uint64_t
fo_estimate_left_us (const fo_estimate *self)
{
    if (!self || self->nknown == 0)
        return UINT64_MAX;
    uint64_t mean = self->known_sum / self->nknown;
    uint64_t work = self->known_left + (uint64_t) self->unknown_left * mean;
    return work / (self->slots ? self->slots : 1);
}
