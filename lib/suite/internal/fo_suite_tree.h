/*  fo_suite_tree — what the loader (fo_suite_load.c) and selection
    (fo_suite_select.c) need of the tree beyond fo_suite.h: step sizes as
    the limits count them, and removing parts of a tree. */
#ifndef FO_SUITE_TREE_H
#define FO_SUITE_TREE_H

#include "fo_suite.h"

#include <stdint.h>

/* Bytes of an env as a step carries it: each name and value, + 2. */
size_t fo_env_wire_size (const fo_env *env);
/* Bytes of a step (FO_SUITE_MAX_STEP): the id twice (the step's name and
   the test it reports), each argument + 1, the env, the cwd. */
size_t fo_step_wire_size (size_t id_len, const fo_strv *argv, size_t env_bytes, size_t cwd_len);

/* What a step costs in memory through a run: an estimate, measured on
   this code (docs/suite-file.md, "Memory"). Its bytes as sent (wire, from
   fo_step_wire_size: the id twice, in its plan step), its id four times
   more (the tree, the report, the broker's indexes), 48 bytes for each
   string it is made of (the allocator's header and rounding, the pointer
   to it; strings: the id twice, each argument, each env name and value,
   the cwd), and 768 for its structures (the test, its plan step and task,
   its result, the index entries). */
uint64_t fo_step_held_size (size_t id_len, size_t wire, size_t strings);
/* The tests of a context and of the contexts inside it. */
size_t fo_context_count_tests (const fo_context *ctx);

/* A context: its name and id, and its structure in the tree. */
uint64_t fo_context_held_size (size_t id_len);
/* The budgets of fo_suite.h for a file of file_size bytes. */
uint64_t fo_suite_alias_budget (size_t file_size);
uint64_t fo_suite_held_budget (size_t file_size);

/* fo_idmap_prefetch in the suite's index of tests: the loader knows a
   test's id a little before it looks it up. */
void fo_suite_prefetch_test (const fo_suite *self, const char *id);

/* The same with the id's hash given (fo_suite_id_hash): the loader's
   quick path hashes each id once for the check, the prefetch and the
   index. */
uint64_t fo_suite_id_hash (const char *id);
fo_test *fo_suite_find_test_hashed (const fo_suite *self, const char *id, uint64_t hash);
void fo_suite_prefetch_test_hashed (const fo_suite *self, uint64_t hash);

/* FO_SUITE_MAX_TESTS, as the loader applies it: a unit test lowers it to
   check the limit without a file of two million tests. */
extern size_t fo_suite_max_tests;

/* fo_test_new and fo_context_new with the id already made (the loader
   makes it to check it first): they take it. fo_test_adopt may copy the
   id into the suite's pool and free it at once: after the call, use
   test->id, never id. */
fo_test *fo_test_adopt (fo_context *parent, const char *name, char *id);
fo_context *fo_context_adopt (fo_context *parent, const char *name, char *id);

/* fo_test_adopt for a parent in an indexed tree (a suite's), the id
   (id_len bytes, its last name_len the test's name) borrowed: copied into
   the suite's pool with the test (no malloc of its own to make, copy and
   free: the loader's quick path builds ids in a buffer it reuses), and
   indexed under hash (fo_suite_id_hash of the id). */
fo_test *fo_test_adopt_copy (fo_context *parent, const char *id, size_t id_len, size_t name_len,
                             uint64_t hash);
/* Bytes in the suite's pool (ctx in an indexed tree): zeroed, aligned for
   pointers, freed with the suite only. A test's argv there is marked
   fo_test.argv_pooled. */
void *fo_suite_pool_alloc (fo_context *ctx, size_t size);
/* A copy of the len bytes at s, NUL-terminated, in the pool. */
char *fo_suite_pool_copy (fo_context *ctx, const char *s, size_t len);

/* Frees a test or a context with everything under it, and takes their ids
   out of the index. The caller unlinks them from the parent's array. */
void fo_test_remove (fo_test *test);
void fo_context_remove (fo_context *ctx);

#endif
