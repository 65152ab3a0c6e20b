/*  fo_discover_step — the agent's answer to a discover step.

    With `discover_on: agent` the broker leases a context's discover
    command to an agent (a lease of one step of kind discover). The agent
    runs it like any step; this module turns the finished step into the
    discovered message: the names it printed, read by the `discover`
    importer through fo_import_read (fo_importer.h) — the same code the
    broker uses for its own discover commands — or why there are none. The
    broker checks the names against the suite and plans them. A step whose
    reader is ctest (a CTest tree's `fanout ctest-list`) is answered with
    its output whole, the listing, once fo_ctest_parse reads it.
*/
#ifndef FO_DISCOVER_STEP_H
#define FO_DISCOVER_STEP_H

#include "fo_capture.h"
#include "fo_proc.h"
#include "fo_importer.h"
#include "fo_proto.h"

/* Output kept from a discover command (names must not be cut), within the
   protocol's message limit; its stderr is kept up to the lease's cap, at
   most FO_DISCOVER_ERR_CAP. */
#define FO_DISCOVER_OUTPUT_CAP FO_IMPORT_MAX_OUTPUT
#define FO_DISCOVER_ERR_CAP (1024u * 1024u)

/* Fills a zeroed d from the finished step (its reader: ctest for a
   listing, else names): how it ended and what it wrote
   (fo_runner_status / fo_runner_output). failure is NULL when it exited 0,
   else how it ended ("exit status 2"). err_cap: the lease's output_cap.
   Free d with fo_msg_free on a FO_MSG_DISCOVERED message. */
void fo_discover_step_answer (fo_discovered *d, fo_reader reader, const fo_proc_status *status,
                              const fo_capture *out_cap, const fo_capture *err_cap_text,
                              const char *failure, uint32_t err_cap);

#endif
