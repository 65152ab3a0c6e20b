/*  fo_resource_groups — see fo_resource_groups.h. */
#include "fo_resource_groups.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a type's ids are dealt from: the rest of its FANOUT_RESOURCE_*
   value. */
typedef struct {
    const char *name;
    const char *at;
} cursor;

static char *
upper (const char *prefix, const char *name)
{
    char *v = fo_xasprintf ("%s%s", prefix, name);
    for (char *p = v + strlen (prefix); *p; p++)
        *p = (char) toupper ((unsigned char) *p);
    return v;
}

static cursor *
cursor_of (cursor *cursors, size_t *n, const char *name, const fo_env *held)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp (cursors[i].name, name))
            return &cursors[i];
    char *var = upper ("FANOUT_RESOURCE_", name);
    const char *ids = held ? fo_env_get (held, var) : NULL;
    free (var);
    cursors[*n] = (cursor) { name, ids ? ids : "" };
    return &cursors[(*n)++];
}

/* Deals `slots` ids from c into b: "id:X,slots:K", one entry per run of
   equal ids, entries separated by ';'. */
static void
deal (cursor *c, uint32_t slots, fo_buf *b)
{
    const char *run = NULL;
    size_t runlen = 0;
    uint32_t k = 0;
    for (uint32_t s = 0; s <= slots; s++) {
        const char *id = NULL;
        size_t len = 0;
        if (s < slots && *c->at) {
            id = c->at;
            len = strcspn (id, ",");
            c->at = id[len] ? id + len + 1 : id + len;
        }
        if (run && id && len == runlen && !memcmp (id, run, len)) {
            k++;
            continue;
        }
        if (run)
            fo_buf_printf (b, "%sid:%.*s,slots:%u", b->len ? ";" : "", (int) runlen, run, k);
        run = id;
        runlen = len;
        k = 1;
        if (!id)
            break;
    }
}

static int
cmp_str (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
fo_resource_groups_env (const fo_needs *needs, const fo_env *held, fo_env *out)
{
    if (!needs || needs->ngroups == 0)
        return;
    size_t n = needs->ngroup_needs;
    cursor *cursors = fo_xcalloc (n + 1, sizeof *cursors);
    size_t ncursors = 0;
    const char **types = fo_xcalloc (n + 1, sizeof *types);
    size_t first = 0;
    for (uint32_t g = 0; g < needs->ngroups; g++) {
        size_t end = first;
        while (end < n && needs->groups[end].group == g)
            end++;
        /* its types, each once, sorted (CTest lists them from a std::map) */
        size_t ntypes = 0;
        for (size_t r = first; r < end; r++) {
            bool seen = false;
            for (size_t t = 0; t < ntypes && !seen; t++)
                seen = !strcmp (types[t], needs->groups[r].name);
            if (!seen)
                types[ntypes++] = needs->groups[r].name;
        }
        if (ntypes > 1)
            qsort (types, ntypes, sizeof *types, cmp_str);
        fo_buf list = { 0 };
        fo_buf_puts (&list, "");
        char *prefix = fo_xasprintf ("CTEST_RESOURCE_GROUP_%u_", g);
        for (size_t t = 0; t < ntypes; t++) {
            fo_buf_printf (&list, "%s%s", t ? "," : "", types[t]);
            cursor *c = cursor_of (cursors, &ncursors, types[t], held);
            fo_buf value = { 0 };
            fo_buf_puts (&value, "");
            for (size_t r = first; r < end; r++)
                if (!strcmp (needs->groups[r].name, types[t]))
                    deal (c, needs->groups[r].count, &value);
            char *var = upper (prefix, types[t]);
            fo_env_set (out, var, value.data);
            free (var);
            fo_buf_free (&value);
        }
        free (prefix);
        char *var = fo_xasprintf ("CTEST_RESOURCE_GROUP_%u", g);
        fo_env_set (out, var, list.data);
        free (var);
        fo_buf_free (&list);
        first = end;
    }
    char count[16];
    snprintf (count, sizeof count, "%u", needs->ngroups);
    fo_env_set (out, "CTEST_RESOURCE_GROUP_COUNT", count);
    free (types);
    free (cursors);
}
