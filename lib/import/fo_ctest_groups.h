/*  fo_ctest_groups — which of a CTest list's tests go together, and in
    what order, for the CTest importer (fo_import_ctest.c): fixtures
    (FIXTURES_SETUP, _CLEANUP, _REQUIRED) and DEPENDS between kept tests
    tie tests into groups (a union-find over the list), each named by its
    keys ("db", "db+net", "after NAME"); a group's members are ordered as
    CTest would run them one at a time. Names are looked up in a sorted
    view of the list (n log n). */
#ifndef FO_CTEST_GROUPS_H
#define FO_CTEST_GROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_ctest.h"
#include "fo_util.h"

/* qsort's order of a view (const fo_ctest_test *[]) by name. */
int fo_ctest_name_cmp (const void *a, const void *b);
/* The index in list of the test named name, or list->len; sorted: the
   list's tests sorted by fo_ctest_name_cmp. */
size_t fo_ctest_lookup (const fo_ctest_list *list, const fo_ctest_test **sorted, const char *name);

/* Groups the kept tests: parent[] (list->len entries) a union-find whose
   root is a group's first test (fo_ctest_group_root), names[root] the
   group's name. */
void fo_ctest_group (const fo_ctest_list *list, const fo_ctest_test **sorted, const bool *keep,
                     size_t *parent, fo_buf *names);
size_t fo_ctest_group_root (size_t *parent, size_t i);

/* 0 a setup test, 2 a cleanup test, 1 the others. */
int fo_ctest_tier (const fo_ctest_test *t);
/* Orders a group's g members (list indices, ascending) as CTest would run
   them one at a time: after the members each DEPENDS on, ties by tier,
   then by CTest's order; a cycle is broken at the first test. O(g^2). */
void fo_ctest_order_unit (const fo_ctest_list *list, const fo_ctest_test **sorted, size_t *members,
                          size_t g);

#endif
