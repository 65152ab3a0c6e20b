/*  fo_agent_outputs — the files test steps leave for the broker
    (docs/artifacts.md, "Outputs"). A lease with `outputs` gives each test
    step a directory of its own, $FANOUT_OUTPUT_DIR; when the step's first
    result is known, every regular file under it is sent back in pieces
    (`output`, FO_AGENT_OUTPUT_PIECE bytes each) and the directory removed.
    What passes the lease's bytes per test is not sent (the agent logs
    which); symlinks and other non-files are skipped. Directories of a
    lease that ends are removed, and all of a session's when it ends. */
#ifndef FO_AGENT_OUTPUTS_H
#define FO_AGENT_OUTPUTS_H

#include <stdint.h>

#include "fo_proto.h"

#define FO_AGENT_OUTPUT_PIECE (512u * 1024u)

typedef struct fo_agent_outputs fo_agent_outputs;
typedef void (fo_output_send_fn) (void *arg, const fo_output *piece);

/* dir: this session's (created when a lease needs it; removed with it). */
fo_agent_outputs *fo_agent_outputs_new (const char *dir);
/* A session's: <cache_dir>/outputs/<agent id as a name>, or without a
   cache directory $TMPDIR (else /tmp)/fanout-outputs-<agent id>. */
fo_agent_outputs *fo_agent_outputs_open (const char *cache_dir, const char *agent_id);
void fo_agent_outputs_destroy (fo_agent_outputs **self_p);

/* Gives each test step of a lease with outputs its directory. */
void fo_agent_outputs_prepare (fo_agent_outputs *self, fo_lease *lease);
/* Sends what step `step` of the lease left (once: later calls find
   nothing). */
void fo_agent_outputs_collect (fo_agent_outputs *self, uint64_t lease, uint32_t step,
                               fo_output_send_fn *send, void *arg);
/* The lease ended: what is left of it goes. */
void fo_agent_outputs_done (fo_agent_outputs *self, uint64_t lease);

#endif
