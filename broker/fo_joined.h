/*  fo_joined — the broker's side of joined tests: tests a running step's
    program names itself (a TAP point, a cmocka test: lib/import/fo_reader.h),
    which were in no lease.

    A joined result names the step's test it joins (the program's, "all")
    and the new test's name and group. It becomes a test of the report:

        id       the program's context id, "/group" if any, "/name"
        context  the program's context id, "/group" if any
        outcome  its one result's (host, worker, duration as the agent says)

    The test joins the suite (fo_context_add_joined), the plan (in no task:
    fo_plan_add_joined) and the report at once, so that its index is the
    same everywhere, then ends through fo_verdicts like any test (events,
    fail fast, history). Rules:

      - exactly one outcome per id: a second result for it (a program run
        again after its agent was lost, the same name twice) is dropped;
      - an id taken by a test of the suite (or a context's) is refused;
      - the names are checked again (fo_name_check): the agent's are
        trusted no more than any peer's;
      - at most FO_JOINED_MAX_RUN joined tests in a run: past it they are
        refused, and the program's own test ends `error` saying so;
      - a joined test's stdout and stderr are its own lines (the agent's
        reader keeps 8 KiB): at most FO_JOINED_MAX_OUTPUT bytes each here
        (its message too),
        and FO_JOINED_MAX_RUN_OUTPUT bytes for all of a run's joined tests
        (past it they keep their outcome and message, not their output), so
        that no agent can make the report hold 500000 outputs;
      - with retries (hold), a program's joined results wait for the
        program's own result: a try that will be retried drops them (the
        next try reports them again), any other try settles them first.
        Without retries they end at once, as they arrive (streamed). A
        lease that ends without its program's result drops them.

    Memory: the held results (at most the agents' running programs' points,
    FO_READ_MAX_JOINED each). Calls nothing back.
*/
#ifndef FO_JOINED_H
#define FO_JOINED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_plan.h"
#include "fo_proto.h"
#include "fo_report.h"
#include "fo_tasks.h"
#include "fo_verdicts.h"

#define FO_JOINED_MAX_RUN 500000u
#define FO_JOINED_MAX_OUTPUT (8u * 1024u)
#define FO_JOINED_MAX_RUN_OUTPUT (64u * 1024u * 1024u)

typedef struct fo_joined fo_joined;

/* All borrowed; the plan's suite is written to (the run owns it). hold:
   the run retries failed tries (see above). max: joined tests in the run
   (0: FO_JOINED_MAX_RUN). */
fo_joined *fo_joined_new (fo_plan *plan, fo_report *report, fo_tasks *tasks,
                          fo_verdicts *verdicts, bool hold, size_t max);
void fo_joined_destroy (fo_joined **self_p);

/* A joined result r of test `program` (an index), for lease `lease`,
   view its result (host, attempt... filled in). 0 when taken (ended now,
   or held), -1 with why when refused. */
int fo_joined_add (fo_joined *self, uint64_t lease, size_t program, const fo_result *r,
                   const fo_test_result_view *view, char *why, size_t whylen);

/* The program's own result for lease is in: its held joined results end
   now (keep), or are dropped (its try is retried). Returns how many of
   this lease's joined results the run limit refused (then the program's
   own test is an error that says so). */
size_t fo_joined_settle (fo_joined *self, uint64_t lease, size_t program, bool keep);

/* How many of program's joined tests ended with a failure (failed,
   error, timeout, crashed), over the run: they carry its own test's
   failure (fo_report_set_summary). */
size_t fo_joined_failing (const fo_joined *self, size_t program);

/* Lease `id` has ended: joined results it still holds (its program's own
   result never came) are dropped. */
void fo_joined_forget (fo_joined *self, uint64_t lease);

/* Joined tests in the report. */
size_t fo_joined_count (const fo_joined *self);

#endif
