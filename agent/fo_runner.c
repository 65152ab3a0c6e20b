/*  fo_runner — see fo_runner.h. The calls go through the implementation's
    operations; this file holds what every runner shares. */
#include "fo_runner.h"

#include <stdlib.h>

struct fo_runner {
    const fo_runner_ops *ops;
    void *impl;
};

fo_runner *
fo_runner_new (const fo_runner_ops *ops, void *impl)
{
    fo_runner *self = fo_xcalloc (1, sizeof *self);
    self->ops = ops;
    self->impl = impl;
    return self;
}

void
fo_runner_destroy (fo_runner **self_p)
{
    fo_runner *self = *self_p;
    if (!self)
        return;
    self->ops->destroy (self->impl);
    free (self);
    *self_p = NULL;
}

const char *
fo_runner_name (const fo_runner *self)
{
    return self->ops->name;
}

void *
fo_runner_impl (const fo_runner *self, const fo_runner_ops *ops)
{
    return self->ops == ops ? self->impl : NULL;
}

int
fo_runner_start (fo_runner *self, const fo_runner_step *step, fo_start_error *error)
{
    error->errnum = 0;
    error->resources = false;
    error->message[0] = '\0';
    return self->ops->start (self->impl, step, error);
}

int
fo_runner_pollfds (const fo_runner *self, int fds[FO_RUNNER_MAX_FDS])
{
    return self->ops->pollfds (self->impl, fds);
}

uint64_t
fo_runner_deadline_ms (const fo_runner *self)
{
    return self->ops->deadline_ms (self->impl);
}

bool
fo_runner_service (fo_runner *self)
{
    return self->ops->service (self->impl);
}

void
fo_runner_kill (fo_runner *self)
{
    self->ops->kill (self->impl);
}

const fo_proc_status *
fo_runner_status (const fo_runner *self)
{
    return self->ops->status (self->impl);
}

const fo_capture *
fo_runner_output (const fo_runner *self, int stream)
{
    return self->ops->output (self->impl, stream);
}

void
fo_runner_release (fo_runner *self)
{
    self->ops->release (self->impl);
}

const fo_start_error *
fo_runner_start_error (const fo_runner *self)
{
    return self->ops->start_error ? self->ops->start_error (self->impl) : NULL;
}

void
fo_runner_idle (fo_runner *self)
{
    if (self->ops->idle)
        self->ops->idle (self->impl);
}

void
fo_runner_unchain (fo_runner *self, const fo_step *first, const char *token)
{
    if (self->ops->unchain)
        self->ops->unchain (self->impl, first, token);
}

int
fo_runner_withdraw (fo_runner *self, const fo_step *first, const char *token)
{
    return self->ops->withdraw ? self->ops->withdraw (self->impl, first, token) : -1;
}

int
fo_runner_chain (fo_runner *self, const fo_runner_step *first)
{
    return self->ops->chain ? self->ops->chain (self->impl, first) : -1;
}
