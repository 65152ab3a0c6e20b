/*  fo_proc_env — see fo_proc_env.h. */
#include "fo_proc_env.h"
#include "fo_proc_scan.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

struct fo_proc_env {
    unsigned refs;
    fo_strv entries;            /* the child's, FANOUT_STEP_TOKEN left out */
    fo_env overrides;           /* a copy of what it was built from */
    char **environ_was;         /* environ, and its entries' addresses, then */
    char **environ_entries;     /* NULL-terminated copy of the pointers */
    size_t environ_len;
};

static bool
is_token (const char *entry)
{
    static const char key[] = FO_STEP_TOKEN_VAR "=";
    return strncmp (entry, key, sizeof key - 1) == 0;
}

fo_proc_env *
fo_proc_env_new (const fo_env *overrides)
{
    fo_proc_env *self = fo_xcalloc (1, sizeof *self);
    self->refs = 1;
    fo_strv all = { 0 };
    fo_env_build_envp (overrides, &all);
    for (size_t i = 0; i < all.len; i++) {
        if (is_token (all.items[i]))
            free (all.items[i]);
        else
            fo_strv_push_owned (&self->entries, all.items[i]);
    }
    free (all.items);           /* its strings are the entries' now, or freed */
    if (!self->entries.items)   /* an empty environment is still an envp */
        self->entries.items = fo_xcalloc (1, sizeof (char *));
    if (overrides)
        fo_env_copy (&self->overrides, overrides);
    self->environ_was = environ;
    while (environ && environ[self->environ_len])
        self->environ_len++;
    self->environ_entries = fo_xcalloc (self->environ_len + 1, sizeof (char *));
    if (self->environ_len)
        memcpy (self->environ_entries, environ, self->environ_len * sizeof (char *));
    return self;
}

bool
fo_proc_env_matches (const fo_proc_env *self, const fo_env *overrides)
{
    size_t n = overrides ? overrides->len : 0;
    if (n != self->overrides.len)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp (overrides->items[i].name, self->overrides.items[i].name) != 0
            || strcmp (overrides->items[i].value, self->overrides.items[i].value) != 0)
            return false;
    if (environ != self->environ_was)
        return false;
    /* The entries then, and the end where it was. */
    for (size_t i = 0; i < self->environ_len; i++)
        if (!environ || environ[i] != self->environ_entries[i])
            return false;
    return !environ || environ[self->environ_len] == NULL;
}

char *const *
fo_proc_env_entries (const fo_proc_env *self, size_t *count)
{
    *count = self->entries.len;
    return self->entries.items;
}

fo_proc_env *
fo_proc_env_ref (fo_proc_env *self)
{
    self->refs++;
    return self;
}

void
fo_proc_env_unref (fo_proc_env **self_p)
{
    fo_proc_env *self = *self_p;
    if (!self)
        return;
    *self_p = NULL;
    if (--self->refs > 0)
        return;
    fo_strv_free (&self->entries);
    fo_env_free (&self->overrides);
    free (self->environ_entries);
    free (self);
}
