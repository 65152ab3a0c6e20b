/*  fo_flow — see fo_flow.h. */
#include "fo_flow.h"

uint32_t
fo_flow_max_extra (uint32_t slots, uint32_t prefetch)
{
    if (prefetch == 0)
        return 0;               /* no lease beyond the free slots, ever */
    if (slots == 0)
        return 0;
    uint64_t max = (uint64_t) slots * FO_FLOW_EXTRA_PER_SLOT;
    if (max < FO_FLOW_MIN_EXTRA)
        max = FO_FLOW_MIN_EXTRA;
    return max > FO_FLOW_MAX_EXTRA ? FO_FLOW_MAX_EXTRA : (uint32_t) max;
}

uint32_t
fo_flow_init (fo_flow *self, uint32_t slots, uint32_t prefetch)
{
    *self = (fo_flow) { .slots = slots, .prefetch = prefetch };
    return slots + prefetch;
}

uint32_t
fo_flow_waited (fo_flow *self, uint64_t waited_us, uint64_t ran_us)
{
    /* Not a round trip, or a lease that outlasted it: one lease of
       prefetch already covered the wait. */
    if (waited_us > FO_FLOW_DRY_US || waited_us <= ran_us)
        return 0;
    if (self->withhold > 0) {   /* short again: keep what is being returned */
        self->withhold--;
        self->extra++;
        return 0;
    }
    /* Each slot that waited adds its share of what is asked already, so
       the extra about doubles in a round trip where every slot waited.
       And at once what the wait calls for, when that is more: a slot that
       waited w after a lease that ran r needs about w / r leases queued
       behind the running one to cover such a wait, slots * w / r queued
       in all, the prefetch among them (instant leases, r = 0: the cap).
       By doubling alone an agent of 2,000 in a 200,000-test run spent
       three round trips and half of its 100 tests in small frames
       (docs/performance-log.md, "Issue 15: broker CPU per test (branch
       bcpu2)"). */
    uint32_t max = fo_flow_max_extra (self->slots, self->prefetch);
    if (self->extra >= max)
        return 0;
    uint32_t more = 1 + self->extra / (self->slots ? self->slots : 1);
    uint64_t depth = ran_us ? (waited_us + ran_us - 1) / ran_us : max;
    uint64_t target = depth * self->slots;
    target = target > self->prefetch ? target - self->prefetch : 0;
    if (target > max)
        target = max;
    if (target > self->extra && target - self->extra > more)
        more = (uint32_t) (target - self->extra);
    if (more > max - self->extra)
        more = max - self->extra;
    self->extra += more;
    return more;
}

void
fo_flow_returned (fo_flow *self, uint32_t n)
{
    uint32_t w = n < self->withhold ? n : self->withhold;
    self->withhold -= w;
    n -= w;
    self->extra -= n < self->extra ? n : self->extra;
}

uint32_t
fo_flow_ended (fo_flow *self, uint64_t ran_us)
{
    if (!self->ran)
        self->avg_us = ran_us;
    else if (ran_us >= self->avg_us)
        self->avg_us += (ran_us - self->avg_us) / 8;
    else
        self->avg_us -= (self->avg_us - ran_us) / 8;
    self->ran = true;
    if (ran_us > FO_FLOW_LONG_US && self->avg_us > FO_FLOW_LONG_US && self->extra > 0) {
        uint32_t back = self->extra - self->extra / 2;
        self->extra -= back;
        self->withhold += back;
    }
    if (self->withhold > 0) {
        self->withhold--;
        return 0;
    }
    if (ran_us < FO_FLOW_SHORT_US && self->avg_us < FO_FLOW_SHORT_US
        && self->extra < fo_flow_max_extra (self->slots, self->prefetch)) {
        self->extra++;      /* short leases: the queue deepens by one */
        return 2;
    }
    return 1;
}
