/*  fo_read_exit_status — the exit-status reader: the step's exit status
    is the verdict of every test it covers (one, as planned today).

        exit 0                  passed
        exit skip_code (77)     skipped, "exit status 77"
        other exit status       failed, "exit status 3"
        killed by a signal      crashed, "killed by SIGSEGV"
        past its time limit     timeout, "timed out after 1.0s (limit 1.0s)"
        stopped by fanout       the stop's outcome and message (fo_step_ending)

    Each test gets the step's whole output and duration. It reads nothing
    while the step runs (no feed). */
#include <stdlib.h>

#include "fo_reader.h"

typedef struct {
    const fo_step *step;
    int32_t skip_code;
} exit_status_state;

static void *
begin (const fo_read_step *step)
{
    exit_status_state *self = fo_xcalloc (1, sizeof *self);
    self->step = step->step;
    self->skip_code = step->skip_code;
    return self;
}

static void
end (void *state, fo_read *read, const fo_step_ending *e)
{
    const exit_status_state *self = state;
    const fo_proc_status *st = e->status;
    bool ok = st->exited && !st->timed_out && st->exit_code == 0;
    fo_outcome outcome;
    char *message;
    if (fo_step_ending_stopped (e)) {
        outcome = e->stop_outcome;
        message = fo_xstrdup (e->stop_message);
    }
    else {
        outcome = st->timed_out                       ? FO_TIMEOUT
                  : st->signal                        ? FO_CRASHED
                  : st->exit_code == self->skip_code  ? FO_SKIPPED
                  : st->exit_code != 0                ? FO_FAILED
                                                      : FO_PASSED;
        if (outcome == FO_SKIPPED)      /* what it said, not a hint about signals */
            message = fo_xasprintf ("exit status %d", st->exit_code);
        else if (ok)
            message = fo_xstrdup ("");
        else
            message = fo_proc_status_text (st, self->step->timeout_ms);
    }
    fo_read_emit_all (read, e, outcome, message);
    free (message);
}

static void
free_state (void *state)
{
    free (state);
}

const fo_reader_ops fo_reader_exit_status = {
    .id = FO_READER_EXIT_STATUS,
    .begin = begin,
    .end = end,
    .free = free_state,
};
