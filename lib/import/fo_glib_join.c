/*  fo_glib_join — see fo_glib_join.h. */
#include "fo_glib_join.h"
#include "fo_step_join.h"

#include <string.h>

const char *
fo_glib_path (const fo_step *step)
{
    const fo_strv *a = &step->argv;
    if (step->kind != FO_STEP_TEST || step->reader != FO_READER_GLIB || step->tests.len != 1
        || a->len < 4 || a->len % 2 != 0 || strcmp (a->items[1], "--tap") != 0
        || strcmp (a->items[a->len - 2], "-p") != 0)
        return NULL;
    for (size_t i = 2; i + 2 < a->len; i += 2)
        if (strcmp (a->items[i], "-s") != 0)
            return NULL;
    return a->items[a->len - 1];
}

/* Is parent the path one level above child ("/a" of "/a/b")? */
static bool
parent_of (const char *parent, const char *child)
{
    const char *last = strrchr (child, '/');
    size_t n = last ? (size_t) (last - child) : 0;
    return n > 0 && strlen (parent) == n && strncmp (parent, child, n) == 0;
}

bool
fo_glib_joins (const fo_step *const *group, size_t n, const fo_step *next)
{
    const fo_step *first = group[0];
    const char *path = fo_glib_path (next);
    if (!path || !fo_glib_path (first) || !fo_step_join_same_process (first, next))
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *other = fo_glib_path (group[i]);
        if (parent_of (other, path) || parent_of (path, other) || strcmp (other, path) == 0)
            return false;
    }
    return true;
}

/* Is s the path of one of parts[0..n)? */
static bool
in_group (const fo_step *const *parts, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp (fo_glib_path (parts[i]), s) == 0)
            return true;
    return false;
}

void
fo_glib_join (const fo_step *const *parts, size_t n, fo_step *joined)
{
    fo_step_join_begin (parts[0], FO_READER_GLIB, joined);
    fo_strv_push (&joined->argv, "--tap");
    /* What -p would run beyond the group stays skipped; a path skipped by
       two parts is named once. */
    fo_strv skips = { 0 };
    for (size_t i = 0; i < n; i++)
        for (size_t k = 3; k + 2 < parts[i]->argv.len; k += 2) {
            const char *s = parts[i]->argv.items[k];
            if (in_group (parts, n, s))
                continue;
            bool seen = false;
            for (size_t j = 0; j < skips.len && !seen; j++)
                seen = strcmp (skips.items[j], s) == 0;
            if (!seen)
                fo_strv_push (&skips, s);
        }
    for (size_t j = 0; j < skips.len; j++) {
        fo_strv_push (&joined->argv, "-s");
        fo_strv_push (&joined->argv, skips.items[j]);
    }
    fo_strv_free (&skips);
    for (size_t i = 0; i < n; i++) {
        fo_strv_push (&joined->argv, "-p");
        fo_strv_push (&joined->argv, fo_glib_path (parts[i]));
        fo_strv_push (&joined->tests, parts[i]->tests.items[0]);
    }
    joined->timeout_ms = fo_step_join_timeout (parts, n);
}
