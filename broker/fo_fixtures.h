/*  fo_fixtures — the shared contexts' fixtures, run by the broker itself.

    A shared fixture is set up once, when the first task that needs it is
    about to be leased (fo_fixtures_ensure), and torn down as soon as the
    last task that needs it has finished (fo_fixtures_task_done) and every
    nested shared fixture inside it has been torn down. Its processes run in
    the broker's process tree with fo_proc, started on a spawner thread of
    the fixtures' own (fo_proc_start_on: a Python context's is forked from
    the discovery's fork server, a round trip) and polled by the broker's
    loop like the sockets: setting up never blocks the run. A start that
    fails on that thread is found at a later fo_fixtures_service: the
    fixture fails as if it had failed at once.

    The broker's thread never waits for a fixture's process, nor for the
    fork server: a start only queues the spawn, a service reads what is
    there and reaps only a child that has exited, a kill only signals.
    Setups and teardowns of several contexts run at once while leases go
    out (tests/integration/test_fixtures_shared_loop.sh and
    test_python_shared_loop.sh: fixtures that wait for a test of another
    context). What is left on that thread is bounded and off the normal
    path: an export file is read only if it is a regular file (opened
    non-blocking: a FIFO there cannot hold it, test_exports), at most
    FO_EXPORT_MAX_BYTES; fo_fixtures_abort and fo_fixtures_destroy let a
    spawn still in flight end (through the fork server at most
    FO_PYFORK_REPLY_MS, once the local agent's own exchange with it is
    over) and reap the processes they SIGKILLed; and when no spawner
    thread can be made at all, a start runs on the caller's thread, the
    fork server's round trip included.

    Exports: a shared setup runs with $FANOUT_EXPORT naming an empty file;
    the variables it writes there (fo_exports.h), on top of those of the
    shared contexts around it, go to every task of the context in its
    lease (fo_fixtures_exports) and to its teardown. Secret values are
    masked in what the fixture's processes print.

    A setup that fails makes the fixture FAILED: its tasks are never leased
    (the run reports their tests as errors with the setup's output) and its
    teardown does not run. A setup that exits 0 but writes an invalid
    export file fails too, but it did set things up: its teardown runs. A
    teardown that fails is a fixture error in the report.

    Events: FIXTURE_SET_UP when a fixture is up, FIXTURE_FAILED with every
    fixture error it adds to the report, FIXTURE_TORN_DOWN when a fixture
    that was set up is down again (its teardown ran, or it has none and its
    last task ended).
*/
#ifndef FO_FIXTURES_H
#define FO_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_plan.h"
#include "fo_verdicts.h"

typedef enum {
    FO_FIXTURE_IDLE = 0,        /* not needed yet */
    FO_FIXTURE_SETTING_UP,
    FO_FIXTURE_READY,           /* set up; its tasks may be leased */
    FO_FIXTURE_FAILED,          /* setup failed: see fo_fixtures_failure */
    FO_FIXTURE_TEARING_DOWN,
    FO_FIXTURE_DONE,            /* torn down, or never needed / failed and finished */
} fo_fixture_state;

typedef struct fo_fixtures fo_fixtures;

/* Called when fixture `index` became READY or FAILED. */
typedef void (fo_fixture_fn) (void *arg, size_t index, fo_fixture_state state);

/* Fixture errors and events (set up, torn down, failed) go out through
   `verdicts` (the report, the reporters). */
fo_fixtures *fo_fixtures_new (const fo_plan *plan, fo_verdicts *verdicts, const char *host,
                              uint32_t output_cap, fo_fixture_fn *on_change, void *arg);
void fo_fixtures_destroy (fo_fixtures **self_p);

fo_fixture_state fo_fixtures_state (const fo_fixtures *self, size_t index);

/* Starts the setup of an IDLE fixture (its parent must be READY). A fixture
   without a setup command becomes READY at once (on_change is called). */
void fo_fixtures_ensure (fo_fixtures *self, size_t index);

/* The variables the fixture's tasks receive: its own exports over those
   of its enclosing shared contexts. Complete once it is READY; owned by
   the fixtures (leases borrow it). */
const fo_env *fo_fixtures_exports (const fo_fixtures *self, size_t index);

/* Why a FAILED fixture failed: message and the setup's captured output. */
void fo_fixtures_failure (const fo_fixtures *self, size_t index, const char **message,
                          const fo_buf **out, const fo_buf **err);

/* A task generated during the run depends on the fixture (and so on the
   fixtures around it): their teardowns wait for it too. */
void fo_fixtures_add_task (fo_fixtures *self, size_t index);

/* One task that depends on the fixture (directly or nested) has ended. */
void fo_fixtures_task_done (fo_fixtures *self, size_t index);

/* Polling, as fo_proc: fds of running fixture processes (at most max). */
int fo_fixtures_pollfds (const fo_fixtures *self, int *fds, int max);
uint64_t fo_fixtures_deadline_ms (const fo_fixtures *self);
void fo_fixtures_service (fo_fixtures *self);

/* True while any setup or teardown process runs. */
bool fo_fixtures_busy (const fo_fixtures *self);

/* The run stops: running setups are killed (SIGTERM, SIGKILL after the
   grace) and end FAILED, so their teardowns do not run; running teardowns
   go on (they clean up). Keep servicing until not busy. */
void fo_fixtures_cancel_setups (fo_fixtures *self);

/* The run is cut short (a second interrupt): every setup or teardown
   process still running is killed now and not waited for, and no teardown
   runs any more. Not busy afterwards. */
void fo_fixtures_abort (fo_fixtures *self);

#endif
