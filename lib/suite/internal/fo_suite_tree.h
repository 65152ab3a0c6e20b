/*  fo_suite_tree — what the loader (fo_suite_load.c) and selection
    (fo_suite_select.c) need of the tree beyond fo_suite.h: step sizes as
    the limits count them, and removing parts of a tree. */
#ifndef FO_SUITE_TREE_H
#define FO_SUITE_TREE_H

#include "fo_suite.h"

/* Bytes of an env as a step carries it: each name and value, + 2. */
size_t fo_env_wire_size (const fo_env *env);
/* Bytes of a step (FO_SUITE_MAX_STEP): the id twice (the step's name and
   the test it reports), each argument + 1, the env, the cwd. */
size_t fo_step_wire_size (size_t id_len, const fo_strv *argv, size_t env_bytes, size_t cwd_len);

/* Frees a test or a context with everything under it, and takes their ids
   out of the index. The caller unlinks them from the parent's array. */
void fo_test_remove (fo_test *test);
void fo_context_remove (fo_context *ctx);

#endif
