/*  fo_flow — how much credit an agent keeps with the broker.

    An agent asks for its slots plus a prefetch (request), and each done
    gives a lease's credit back (docs/protocol.md, "Credit"). One lease of
    prefetch keeps a slot fed when a lease runs longer than the round trip
    to the broker. When leases end faster than that, the slots spend most
    of their time waiting for the next lease, and every frame each way
    carries a handful of tests: ZeroMQ's and the kernel's cost per frame is
    then most of the broker's cost per test (docs/performance-log.md, "Issue
    15: broker throughput, part 3").

    So an agent asks for more while its leases are short: when a slot waited
    longer for its next lease than the lease before it ran, more credit
    (`extra`: one lease, plus the extra's share per slot, so it about
    doubles in a round trip where every slot waited; and at once what the
    wait calls for, every slot waited / ran leases, when that is more:
    instant leases reach the cap in one round trip), up to
    FO_FLOW_EXTRA_PER_SLOT per slot (at least FO_FLOW_MIN_EXTRA, at most
    FO_FLOW_MAX_EXTRA).

    And while the leases are short (this one and the average under
    FO_FLOW_SHORT_US), each done asks for one lease more than it frees,
    up to the cap, though no slot waited: slots that never wait settled
    at a queue of a few leases, and the dones the agent holds while its
    queue feeds every slot (agent_end_pass) then left four to a frame.
    With the cap's two dozen queued they left a dozen or more to a frame,
    and the broker's CPU per test with a real agent halved
    (docs/performance-log.md, "Issue 15: lease return and deeper queues").
    The floor is four dozen: two dozen tiny tests at -j2 (/bin/true) ran
    in 3.5 ms, so the queue ran low and the held frame left three times
    per hold (FO_AGENT_HOLD_MS); with four dozen, a frame carries about
    twice as many tests, and the broker's CPU per test with a real agent
    fell by a seventh (docs/performance-log.md, "Issue 15: the last
    system calls and frames of a tiny test").
    Such a queue is safe because a lease queued behind slots that long
    tests hold goes back to the broker (lease return,
    agent/fo_agent_slots.c).

    A wait longer than FO_FLOW_DRY_US is a queue that
    ran dry (the broker had nothing to lease), not a round trip: it asks
    for nothing (a broker busy with 2,000 agents answers in a few hundred
    milliseconds, so the bound is generous). When the leases' average
    run (over about the last eight: each lease moves it by an eighth of
    its difference) passes FO_FLOW_LONG_US, a long lease halves the extra:
    the dones after it give no credit back until that much is returned.
    One lease that waited for a core on a busy machine (a /bin/true that
    took 30 ms) moves the average by a few milliseconds and keeps the
    extra; a suite that turns to long tests halves it at its first lease
    of 150 ms or more. Leases queued behind slots that long leases hold
    go back to the broker anyway (the agent's lease return,
    agent/fo_agent_slots.c). The broker's own rule near a run's end (prefetch waits once
    the tasks left fit in the free slots) still holds, so the extra costs
    a run's end at most the short leases an agent holds.

    Both fanout's agent and bench/fo_loadgen (which must behave as an agent
    does) keep their credit with this. Pure logic: the caller measures
    the times (fo_now_us).
*/
#ifndef FO_FLOW_H
#define FO_FLOW_H

#include <stdbool.h>
#include <stdint.h>

/* Beyond this a wait is a queue that ran dry, not a round trip. */
#define FO_FLOW_DRY_US 1000000u
/* Beyond this a lease is long: one lease of prefetch covers a round trip. */
#define FO_FLOW_LONG_US 20000u
/* Below this a lease is short: its done asks for one more (see above). */
#define FO_FLOW_SHORT_US 5000u
/* The extra credit: per slot, at least (a frame's worth of dones), and
   in all. */
#define FO_FLOW_EXTRA_PER_SLOT 4u
#define FO_FLOW_MIN_EXTRA 48u
#define FO_FLOW_MAX_EXTRA 64u

typedef struct {
    uint32_t slots, prefetch;
    uint32_t extra;             /* credit asked beyond slots + prefetch */
    uint32_t withhold;          /* credit the next dones keep back */
    uint64_t avg_us;            /* the leases' average run, µs (see above) */
    bool ran;                   /* avg_us holds at least one lease */
} fo_flow;

/* Starts an agent's flow (a new session): returns the credit its first
   request asks for, slots + prefetch. */
uint32_t fo_flow_init (fo_flow *self, uint32_t slots, uint32_t prefetch);

/* A slot that waited waited_us for this lease, after the lease before it
   ran ran_us: the credit to ask for now in a request (0: none). */
uint32_t fo_flow_waited (fo_flow *self, uint64_t waited_us, uint64_t ran_us);

/* A lease that ran ran_us ended in its slot: the credit its done gives
   back (1; 0 while extra credit is being returned; 2 while short leases
   deepen the extra). */
uint32_t fo_flow_ended (fo_flow *self, uint64_t ran_us);

/* n queued leases went back to the broker with no credit (lease return):
   the credit they held was first what the dones would have kept back
   (withhold), then the extra; beyond both, the prefetch's, which the agent
   then holds no more. Without it a return after a long lease halved the
   extra left the dones keeping back credit that had already gone, and the
   agent ended with none. */
void fo_flow_returned (fo_flow *self, uint32_t n);

/* The most extra credit for so many slots and that prefetch: none with
   no prefetch (`fanout agent --prefetch 0` holds no lease beyond its free
   slots, ever). */
uint32_t fo_flow_max_extra (uint32_t slots, uint32_t prefetch);

#endif
