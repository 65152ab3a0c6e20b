/*  fo_run_discovered — the part of the run that grows it: names a discover
    command reported on an agent become tests and tasks (fo_discovery.h),
    which the report, the task records and the shared fixtures learn of
    and which queue; a discovery that failed is a fixture error. See
    fo_run.h; the run's other parts end discoveries through
    run_discovery_ended/failed (fo_run_internal.h). */
#include "fo_run.h"
#include "fo_run_internal.h"

#include <stdlib.h>

#include "fo_log.h"

/* A discovery that failed is a fixture error of phase "discover". */
void
run_discovery_failed (fo_run *self, size_t d, const char *message, const char *err, size_t err_len,
                  const char *host)
{
    fo_verdicts_fixture_error (self->verdicts, self->plan->discoveries[d].ctx->id, "discover",
                               message, NULL, 0, err, err_len, host);
    run_discovery_ended (self, d);
}

/* The plan grew: the report, the id index, the task records, the order
   between tasks and the shared fixtures' counts learn of the new tests
   and tasks, which queue (or wait for the tasks they must follow). */
static void
sync_growth (fo_run *self, size_t old_ntests, size_t old_ntasks)
{
    for (size_t i = old_ntests; i < self->plan->ntests; i++) {
        const fo_test *test = self->plan->tests[i];
        fo_report_add_test (self->report, test->id, test->parent->id);
    }
    fo_tasks_grow (self->tasks, old_ntests);
    /* A CTest tree's fixtures in the shared or split mode: the new tasks'
       order among themselves; one that waits is let go by after_ended. */
    fo_after_grow (&self->after, self->plan, self->tasks, old_ntests, old_ntasks);
    for (size_t t = old_ntasks; t < self->plan->ntasks; t++) {
        const fo_task *task = &self->plan->tasks[t];
        if (task->nshared > 0)
            fo_fixtures_add_task (self->fixtures, task->shared[task->nshared - 1]);
        if (fo_after_waits (self->after, t))
            fo_tasks_rec (self->tasks, t)->state = FO_TASK_BLOCKED;
        else
            run_queue_task (self, t, FO_SCHED_DISCOVERED);
    }
}

/* Discovery d has ended, with or without tests: the unit that waited for
   it may go. */
void
run_discovery_ended (fo_run *self, size_t d)
{
    size_t old_ntests = self->plan->ntests, old_ntasks = self->plan->ntasks;
    size_t unit = fo_discoveries_end (self->discoveries, d);
    sync_growth (self, old_ntests, old_ntasks);
    if (unit != FO_NO_TASK && fo_tasks_rec (self->tasks, unit)->state == FO_TASK_BLOCKED)
        run_queue_task (self, unit, FO_SCHED_DISCOVERED);
}

bool
fo_run_discovered (fo_run *self, uint32_t agent, const char *host, const fo_discovered *msg)
{
    fo_lease_rec *lease = run_current_lease (self, agent, host, msg->lease, "discovered names");
    if (!lease)
        return false;
    size_t d = self->plan->tasks[lease->task].discovery;
    if (d == FO_NO_DISCOVERY || msg->step != 0 || !fo_discoveries_open (self->discoveries, d)) {
        fo_log_peer (FO_LOG_WARN, ROLE, host, "discarded discovered names for lease %llu: not an open "
                "discovery", (unsigned long long) msg->lease);
        return false;
    }
    const char *ctx = self->plan->discoveries[d].ctx->id;
    size_t old_ntests = self->plan->ntests, old_ntasks = self->plan->ntasks;
    char why[512];
    bool listing = msg->listing_len > 0
                   || (msg->names.len == 0 && fo_discoveries_wants_listing (self->discoveries, d));
    if (msg->error[0]
        || (listing ? fo_discoveries_add_listing (self->discoveries, d, msg->listing,
                                                  msg->listing_len, why, sizeof why)
                    : fo_discoveries_add (self->discoveries, d, &msg->names, why, sizeof why))
               != 0) {
        char *message = fo_xasprintf ("discover command of context '%s' failed on %s: %s", ctx,
                                      host, msg->error[0] ? msg->error : why);
        run_discovery_failed (self, d, message, msg->err, msg->err_len, host);
        free (message);
        return true;
    }
    sync_growth (self, old_ntests, old_ntasks);
    /* The selection (-k, -L, ...) may have left some names out. */
    size_t kept = self->plan->ntests - old_ntests;
    if (listing)
        fo_log (FO_LOG_INFO, ROLE, "context '%s': %zu tests listed on %s", ctx, kept, host);
    else if (kept == msg->names.len)
        fo_log (FO_LOG_INFO, ROLE, "context '%s': %zu tests discovered on %s", ctx, kept, host);
    else
        fo_log (FO_LOG_INFO, ROLE, "context '%s': %zu tests discovered on %s, %zu of them chosen",
                ctx, msg->names.len, host, kept);
    run_emit (self, &(fo_event) {
        .type = FO_EVENT_TESTS_DISCOVERED,
        .u.discovered = { .context = ctx, .count = kept, .host = host,
                          .total = self->plan->ntests },
    });
    run_discovery_ended (self, d);
    return true;
}

