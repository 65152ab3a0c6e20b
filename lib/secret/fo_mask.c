/*  fo_mask — see fo_mask.h. */
#include "fo_mask.h"

#include <stdlib.h>
#include <string.h>

static bool
maskable (const fo_kv *kv)
{
    return kv->secret && strlen (kv->value) >= FO_MASK_MIN_LEN;
}

bool
fo_mask_needed (const fo_env *env)
{
    for (size_t i = 0; env && i < env->len; i++)
        if (maskable (&env->items[i]))
            return true;
    return false;
}

static int
longest_first (const void *a, const void *b)
{
    size_t x = strlen (*(char *const *) a), y = strlen (*(char *const *) b);
    return (x < y) - (x > y);
}

/* One pass: every occurrence of value in in[0..len) replaced into out. */
static bool
replace_all (const char *in, size_t len, const char *value, fo_buf *out)
{
    size_t n = strlen (value);
    bool hit = false;
    const char *p = in, *end = in + len;
    while (p < end) {
        const char *found = memmem (p, (size_t) (end - p), value, n);
        if (!found)
            break;
        fo_buf_append (out, p, (size_t) (found - p));
        fo_buf_puts (out, FO_MASK_TEXT);
        p = found + n;
        hit = true;
    }
    fo_buf_append (out, p, (size_t) (end - p));
    return hit;
}

bool
fo_mask_secrets (const fo_env *env, const char *data, size_t len, fo_buf *out)
{
    fo_buf_reset (out);
    fo_buf_append (out, data ? data : "", data ? len : 0);
    if (!fo_mask_needed (env) || !data || len == 0)
        return false;
    const char **values = fo_xcalloc (env->len, sizeof *values);
    size_t n = 0;
    for (size_t i = 0; i < env->len; i++)
        if (maskable (&env->items[i]))
            values[n++] = env->items[i].value;
    qsort (values, n, sizeof *values, longest_first);
    bool hit = false;
    fo_buf scratch = { 0 };
    for (size_t i = 0; i < n; i++) {
        fo_buf_reset (&scratch);
        if (replace_all (out->data, out->len, values[i], &scratch)) {
            fo_buf tmp = *out;
            *out = scratch;
            scratch = tmp;
            hit = true;
        }
    }
    fo_buf_free (&scratch);
    free (values);
    return hit;
}
