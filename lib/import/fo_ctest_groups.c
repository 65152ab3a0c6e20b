/*  fo_ctest_groups — see fo_ctest_groups.h. */
#include "fo_ctest_groups.h"

#include <stdlib.h>
#include <string.h>

#include "fo_util.h"

/* ---- groups: tests tied by a fixture ------------------------------------ */

/* Fixtures and DEPENDS make groups: a test that DEPENDS on another kept
   test runs after it, in one unit (fanout orders tests inside a task, not
   across tasks), the edge named "after NAME" in the group's name. A
   RESOURCE_LOCK is a lock of the test's own (fo_needs), which the broker
   holds across every host, so the tests sharing one spread over workers
   and still never overlap. */
typedef struct {
    const char *key;    /* a fixture's name */
    size_t test;
} key_ref;

static int
key_cmp (const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int d = strcmp (x->key, y->key);
    return d ? d : (x->test > y->test) - (x->test < y->test);
}

size_t
fo_ctest_group_root (size_t *parent, size_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

static void
push_keys (key_ref **refs, size_t *n, size_t *cap, const fo_strv *v, size_t test)
{
    for (size_t k = 0; k < v->len; k++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *refs = fo_xrealloc (*refs, *cap * sizeof **refs);
        }
        (*refs)[(*n)++] = (key_ref) { v->items[k], test };
    }
}

/* parent[]: a union-find over the kept tests; the group's name is built
   from its fixtures' names into names[root] ("db", "db+net"). */
static bool
any_in (const fo_strv *names, const fo_ctest_test *t)
{
    for (size_t k = 0; k < names->len; k++)
        if (fo_strv_contains (&t->fixtures_setup, names->items[k])
            || fo_strv_contains (&t->fixtures_cleanup, names->items[k])
            || fo_strv_contains (&t->fixtures_required, names->items[k]))
            return true;
    return false;
}

/* Do a and b name a fixture in common (CTest lists a fixture's order in
   DEPENDS too)? */
static bool
share_fixture (const fo_ctest_test *a, const fo_ctest_test *b)
{
    return any_in (&a->fixtures_setup, b) || any_in (&a->fixtures_cleanup, b)
        || any_in (&a->fixtures_required, b);
}

void
fo_ctest_group (const fo_ctest_list *list, const fo_ctest_test **sorted, const bool *keep,
                size_t *parent, fo_buf *names)
{
    fo_strv after = { 0 };      /* the DEPENDS keys, owned here */
    for (size_t i = 0; i < list->len; i++)
        parent[i] = i;
    key_ref *refs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < list->len; i++) {
        if (!keep[i])
            continue;
        const fo_ctest_test *t = &list->items[i];
        push_keys (&refs, &n, &cap, &t->fixtures_setup, i);
        push_keys (&refs, &n, &cap, &t->fixtures_cleanup, i);
        push_keys (&refs, &n, &cap, &t->fixtures_required, i);
        /* DEPENDS on a kept test: both hold the key "after NAME". A test
           not kept, or not listed, orders nothing (as in CTest). */
        for (size_t k = 0; k < t->depends.len; k++) {
            size_t j = fo_ctest_lookup (list, sorted, t->depends.items[k]);
            if (j == list->len || j == i || !keep[j] || share_fixture (t, &list->items[j]))
                continue;   /* CTest's own edges for a fixture: grouped by its name */
            fo_strv_push_owned (&after, fo_xasprintf ("after %s", list->items[j].name));
            fo_strv one = { .items = &after.items[after.len - 1], .len = 1 };
            push_keys (&refs, &n, &cap, &one, i);
            push_keys (&refs, &n, &cap, &one, j);
        }
    }
    if (n > 0)
        qsort (refs, n, sizeof *refs, key_cmp);
    for (size_t k = 1; k < n; k++)
        if (!strcmp (refs[k].key, refs[k - 1].key)) {
            size_t a = fo_ctest_group_root (parent, refs[k].test), b = fo_ctest_group_root (parent, refs[k - 1].test);
            if (a != b)
                parent[a > b ? a : b] = a < b ? a : b;     /* the first test is the root */
        }
    /* Each distinct key once, under its group's root. */
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && !strcmp (refs[k].key, refs[k - 1].key))
            continue;
        fo_buf *name = &names[fo_ctest_group_root (parent, refs[k].test)];
        if (name->len > 0)
            fo_buf_puts (name, "+");
        fo_buf_puts (name, refs[k].key);
    }
    free (refs);
    fo_strv_free (&after);
}

/* 0 setups, 1 the others, 2 cleanups: the order inside a unit, after
   DEPENDS. */
int
fo_ctest_tier (const fo_ctest_test *t)
{
    return t->fixtures_setup.len > 0 ? 0 : t->fixtures_cleanup.len > 0 ? 2 : 1;
}

/* Names to indices in n log n: a sorted view of the list. */
int
fo_ctest_name_cmp (const void *a, const void *b)
{
    const fo_ctest_test *const *x = a, *const *y = b;
    return strcmp ((*x)->name, (*y)->name);
}

size_t
fo_ctest_lookup (const fo_ctest_list *list, const fo_ctest_test **sorted, const char *name)
{
    fo_ctest_test key = { .name = (char *) name };
    const fo_ctest_test *k = &key;
    const fo_ctest_test **hit = bsearch (&k, sorted, list->len, sizeof *sorted, fo_ctest_name_cmp);
    return hit ? (size_t) (*hit - list->items) : list->len;
}

/* Orders a unit's members (list indices, ascending) as CTest would run
   them one at a time: a test after the tests of the unit it DEPENDS on
   (CTest adds a fixture's edges: setups before the tests requiring it,
   cleanups after), ties by tier, then by CTest's order. A cycle (which
   CTest refuses) is broken at the first test in that order. O(g^2) for
   a unit of g tests. */
void
fo_ctest_order_unit (const fo_ctest_list *list, const fo_ctest_test **sorted, size_t *members,
                     size_t g)
{
    size_t **deps = fo_xcalloc (g, sizeof *deps);
    size_t *ndeps = fo_xcalloc (g, sizeof *ndeps);
    for (size_t a = 0; a < g; a++) {
        const fo_strv *d = &list->items[members[a]].depends;
        deps[a] = fo_xcalloc (d->len + 1, sizeof **deps);
        for (size_t k = 0; k < d->len; k++) {
            size_t j = fo_ctest_lookup (list, sorted, d->items[k]);
            for (size_t b = 0; b < g; b++)
                if (members[b] == j && b != a)
                    deps[a][ndeps[a]++] = b;
        }
    }
    bool *placed = fo_xcalloc (g, sizeof *placed);
    size_t *order = fo_xcalloc (g, sizeof *order);
    for (size_t n = 0; n < g; n++) {
        size_t best = g, any = g;
        for (size_t a = 0; a < g; a++) {
            if (placed[a])
                continue;
            int ta = fo_ctest_tier (&list->items[members[a]]);
            if (any == g || ta < fo_ctest_tier (&list->items[members[any]]))
                any = a;
            bool ready = true;
            for (size_t k = 0; k < ndeps[a] && ready; k++)
                ready = placed[deps[a][k]];
            if (ready && (best == g || ta < fo_ctest_tier (&list->items[members[best]])))
                best = a;
        }
        best = best < g ? best : any;
        placed[best] = true;
        order[n] = members[best];
    }
    memcpy (members, order, g * sizeof *members);
    for (size_t a = 0; a < g; a++)
        free (deps[a]);
    free (deps);
    free (ndeps);
    free (placed);
    free (order);
}
