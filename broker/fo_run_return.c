/*  fo_run_return — the part of the run that takes back a lease its agent
    gives back (protocol 8, `return`): a lease queued on an agent whose
    slots were all held by longer tests, never started there. Its task
    waits again among the retries, which go to another host while one is
    alive (fo_sched_failed_on): the agent that gave it back may still hold
    credit the broker has not spent, and would get it straight back; the
    lease was no attempt (`attempts`, --max-attempts and the report's
    attempt number see none). A discovery goes back to the front of its
    queue. See fo_run.h, and docs/protocol.md, "Lease return". */
#include "fo_run.h"
#include "fo_run_internal.h"

bool
fo_run_return (fo_run *self, uint32_t agent, const char *host, const fo_return *ret)
{
    fo_lease_rec *lease = run_current_lease (self, agent, host, ret->lease, "a return");
    if (!lease)
        return false;
    size_t task = lease->task;
    run_lease_ended (self, lease, ret->lease, FO_LEASE_RETURNED, host);
    fo_task_rec *rec = fo_tasks_rec (self->tasks, task);
    if (rec->attempts > 0)
        rec->attempts--;
    if (self->stopping || run_stop_due (self))
        run_not_run_task (self, task);  /* what a cancel of it would have said */
    else if (self->plan->tasks[task].discovery != FO_NO_DISCOVERY)
        run_queue_task (self, task, FO_SCHED_LOST);
    else {
        /* A peer may have sent results for it first: only the tests
           without an outcome wait again. */
        fo_sched_failed_on (self->sched, task, agent);
        run_lease_again (self, task, FO_SCHED_RETRY);
    }
    run_apply_stop (self);
    return true;
}
