/*  Tests for fo_idmap (lib/suite/internal): the suite's id index, an open
    addressing table in Robin Hood order at most 7/8 full. Correct lookups
    at the highest load, after removals, and when every id falls on one
    slot (what a hostile file would want, had it the hash's key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_idmap.h"
#include "fo_util.h"

typedef struct {
    char id[32];
} item;

static const char *
item_id (const void *it)
{
    return ((const item *) it)->id;
}

static item *
items_new (size_t n, const char *prefix)
{
    item *items = fo_xcalloc (n, sizeof *items);
    for (size_t i = 0; i < n; i++)
        snprintf (items[i].id, sizeof items[i].id, "%s%zu", prefix, i);
    return items;
}

/* 7/8 full before it grows: 896 ids in 1,024 slots, the 897th doubles
   them (at most half full, 513 took 2,048). Every id is found at that
   load, none that is not there, and a second item of an id is refused. */
static void
test_high_load (void **state)
{
    (void) state;
    enum { N = 1024 * 7 / 8 };
    item *items = items_new (N + 1, "pkg.mod.Test_");
    item *absent = items_new (4 * N, "pkg.mod.Absent_");
    item dup = { "pkg.mod.Test_7" };
    fo_idmap *map = fo_idmap_new (item_id);
    assert_int_equal (fo_idmap_slots (map), 0);
    assert_null (fo_idmap_get (map, "x"));
    for (size_t i = 0; i < N; i++)
        assert_true (fo_idmap_add (map, &items[i]));
    assert_int_equal (fo_idmap_slots (map), 1024);
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal (fo_idmap_get (map, items[i].id), &items[i]);
    for (size_t i = 0; i < 4 * N; i++)
        assert_null (fo_idmap_get (map, absent[i].id));
    assert_false (fo_idmap_add (map, &dup));
    assert_ptr_equal (fo_idmap_get (map, "pkg.mod.Test_7"), &items[7]);
    assert_int_equal (fo_idmap_slots (map), 1024);

    assert_true (fo_idmap_add (map, &items[N]));
    assert_int_equal (fo_idmap_slots (map), 2048);
    for (size_t i = 0; i <= N; i++)
        assert_ptr_equal (fo_idmap_get (map, items[i].id), &items[i]);
    fo_idmap_destroy (&map);
    free (items);
    free (absent);
}

/* Removing every other id at full load leaves the rest found and the
   removed ones absent; removing an item that is not the one its id names
   changes nothing; they can be added again. */
static void
test_remove_at_load (void **state)
{
    (void) state;
    enum { N = 100000 };
    item *items = items_new (N, "t");
    item other = { "t5" };
    fo_idmap *map = fo_idmap_new (item_id);
    for (size_t i = 0; i < N; i++)
        assert_true (fo_idmap_add (map, &items[i]));
    fo_idmap_remove (map, &other);
    assert_ptr_equal (fo_idmap_get (map, "t5"), &items[5]);
    for (size_t i = 0; i < N; i += 2)
        fo_idmap_remove (map, &items[i]);
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal (fo_idmap_get (map, items[i].id), i % 2 ? &items[i] : NULL);
    for (size_t i = 0; i < N; i += 2)
        assert_true (fo_idmap_add (map, &items[i]));
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal (fo_idmap_get (map, items[i].id), &items[i]);
    for (size_t i = 0; i < N; i++)
        fo_idmap_remove (map, &items[i]);
    for (size_t i = 0; i < N; i++)
        assert_null (fo_idmap_get (map, items[i].id));
    fo_idmap_destroy (&map);
    free (items);
}

/* Ids whose hashes all fall on one home slot (given through the _hashed
   calls: the keyed hash cannot be made to do it) and ids whose hashes
   are all equal: lookups, refusals and removals stay exact, only
   slower. */
static void
test_colliding_hashes (void **state)
{
    (void) state;
    enum { N = 700 };
    item *items = items_new (N, "c");
    for (int same = 0; same < 2; same++) {
        fo_idmap *map = fo_idmap_new (item_id);
        /* one home (the low bits), the high bits differing, or all equal */
        for (size_t i = 0; i < N; i++) {
            uint64_t hash = same ? 42 : ((uint64_t) i << 40) | 42;
            assert_true (fo_idmap_add_hashed (map, &items[i], hash));
        }
        for (size_t i = 0; i < N; i++) {
            uint64_t hash = same ? 42 : ((uint64_t) i << 40) | 42;
            assert_ptr_equal (fo_idmap_get_hashed (map, items[i].id, hash), &items[i]);
            assert_false (fo_idmap_add_hashed (map, &items[i], hash));
        }
        assert_null (fo_idmap_get_hashed (map, "c999", 42));
        assert_null (fo_idmap_get_hashed (map, "c1", 43));
        fo_idmap_destroy (&map);
    }
    free (items);
}

/* The ids the loader gives, through the keyed hash: the empty id (the
   root context's), long ones, ones that differ only at the end. */
static void
test_ids (void **state)
{
    (void) state;
    item a = { "" }, b = { "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p" }, c = { "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/q" };
    fo_idmap *map = fo_idmap_new (item_id);
    assert_true (fo_idmap_add (map, &a));
    assert_true (fo_idmap_add (map, &b));
    assert_true (fo_idmap_add (map, &c));
    assert_ptr_equal (fo_idmap_get (map, ""), &a);
    assert_ptr_equal (fo_idmap_get (map, b.id), &b);
    assert_ptr_equal (fo_idmap_get (map, c.id), &c);
    assert_null (fo_idmap_get (map, "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/r"));
    fo_idmap_remove (map, &b);
    assert_null (fo_idmap_get (map, b.id));
    assert_ptr_equal (fo_idmap_get (map, c.id), &c);
    fo_idmap_destroy (&map);
    fo_idmap_destroy (&map);        /* NULL: nothing */
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_high_load),
        cmocka_unit_test (test_remove_at_load),
        cmocka_unit_test (test_colliding_hashes),
        cmocka_unit_test (test_ids),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
