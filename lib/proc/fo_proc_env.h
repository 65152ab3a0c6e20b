/*  fo_proc_env — a child's environment, built once and shared by the
    spawns that want the same one.

    Building a child's envp (the process environment with the step's
    overrides applied: fo_env_build_envp) copied every variable of the
    environment for every spawn, and freed them all again after it: for
    tiny tests a few percent of the agent loop's CPU. The steps of a lease
    (and the leases a slot runs after one another) almost always have the
    same overrides, so a runner keeps one fo_proc_env and hands it to
    each spawn (fo_proc_spec.built_env) for as long as it still matches.

    What it holds: the entries of the process environment that the
    overrides do not replace, then NAME=VALUE of each override, in that
    order, as fo_env_build_envp; but never a FANOUT_STEP_TOKEN entry, since
    each spawn adds its own step's (fo_proc.h).

    It matches (fo_proc_env_matches) the overrides it was built from, by
    name and value in the same order, and the process environment as it
    was then: the `environ` array and each of its entries' addresses.
    setenv, unsetenv and putenv each change one of those (glibc's setenv
    never rewrites an entry's string in place); a caller that writes into
    a string it gave putenv is not seen (fanout never does).

    Reference counted: a proc started on a spawner keeps a reference until
    its spawn has ended, so a runner may drop or replace its own at any
    time. Not thread-safe: take and drop references in one thread (the
    loop's); other threads may only read the envp while they hold the
    spawn that a reference is kept for.
*/
#ifndef FO_PROC_ENV_H
#define FO_PROC_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_util.h"

typedef struct fo_proc_env fo_proc_env;

/* Builds it from the process environment now and overrides (NULL: none).
   One reference, the caller's. */
fo_proc_env *fo_proc_env_new (const fo_env *overrides);

/* Would fo_proc_env_new (overrides) build the same now? */
bool fo_proc_env_matches (const fo_proc_env *self, const fo_env *overrides);

/* The entries (NAME=VALUE, no FANOUT_STEP_TOKEN), and how many. */
char *const *fo_proc_env_entries (const fo_proc_env *self, size_t *count);

/* Another reference to it; drop each with fo_proc_env_unref. */
fo_proc_env *fo_proc_env_ref (fo_proc_env *self);

/* Drops a reference (frees it with the last) and sets *self_p NULL. */
void fo_proc_env_unref (fo_proc_env **self_p);

#endif
