/*  fo_suite — the suite model: a tree of contexts and tests, loaded from a
    YAML suite file (docs/suite-file.md).

    Ids: a context's id is its ancestors' names and its own joined by "/"
    (the root context's id is ""); a test's id is its context's id, "/", and
    its name (a test of the root context: just its name).

    Inheritance (resolved by the fo_*_effective_* helpers, used by the planner):
    env merges from the root down (inner wins), cwd and timeout come from the
    nearest context (or the test) that sets them. Relative cwds in the file are
    already resolved against the suite file's directory when loaded.
*/
#ifndef FO_SUITE_H
#define FO_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_util.h"

#define FO_DEFAULT_TIMEOUT_MS (1500u * 1000u)   /* as CTest: 1500 s */
/* A timeout_ms meaning "no limit" (a suite file cannot write it; the
   command line's --timeout 0 can). Effective timeouts turn it into 0. */
#define FO_TIMEOUT_NONE UINT32_MAX
#define FO_DEFAULT_SKIP_CODE 77                 /* as automake and CTest */

enum {
    FO_MODE_SPLIT = 1u << 0,
    FO_MODE_SHARED = 1u << 1,
    FO_MODE_SERIAL = 1u << 2,
};

typedef struct {
    fo_strv argv;       /* empty when absent; a shell string s becomes
                           {"/bin/sh", "-c", s} */
    int line, column;   /* where it was written, 1-based; 0 when absent */
} fo_command;

typedef struct fo_context fo_context;

typedef struct {
    char *name;
    char *id;
    fo_command run;
    fo_env env;
    char *cwd;          /* absolute, or NULL = inherit */
    uint32_t timeout_ms;/* 0 = inherit */
    fo_context *parent;
    int line, column;
} fo_test;

struct fo_context {
    char *name;         /* "" for the root */
    char *id;           /* "" for the root */
    unsigned mode;      /* FO_MODE_* bits; split and shared never together */
    fo_command setup;
    fo_command teardown;
    fo_env env;
    char *cwd;          /* absolute, or NULL = inherit (root: suite file's dir) */
    uint32_t timeout_ms;/* 0 = inherit (root: FO_DEFAULT_TIMEOUT_MS) */
    fo_test **tests;
    size_t ntests;
    fo_context **contexts;
    size_t ncontexts;
    fo_context *parent;
    /* Run-time discovery: `discover` prints one test name per line; each
       becomes a test whose run is `run_template` with {name} replaced. */
    fo_command discover;
    char *run_template_shell;   /* the template when `run` was a string */
    fo_strv run_template_argv;  /* the template when `run` was a list */
    bool discover_on_agent;     /* `discover_on: agent`: run during the run,
                                   by an agent, not by the broker before it */
    bool discover_answered;     /* run time: that discovery has ended (its
                                   tests, if any, are in `tests`) */
    int line, column;
};

typedef struct {
    char *path;         /* as given */
    char *dir;          /* absolute directory of the suite file */
    fo_context *root;
    int skip_code;      /* top-level `skip_code`, default FO_DEFAULT_SKIP_CODE */
} fo_suite;

/* Loads and validates a suite file. On error returns NULL and writes
   "file:line:column: message" into err (never NULL-terminated-truncated
   below errlen). Discovery commands are NOT run here. */
fo_suite *fo_suite_load (const char *path, char *err, size_t errlen);

void fo_suite_destroy (fo_suite **self_p);

/* Tree building (used by the loader, discovery and tests). The context and
   test take copies of name; ids are computed from the parent chain. */
fo_context *fo_context_new (fo_context *parent, const char *name);
fo_test *fo_test_new (fo_context *parent, const char *name);
bool fo_context_has_fixtures (const fo_context *ctx);
/* Adds a discovered test: its run is the context's template with {name}
   replaced by name (shell-quoted in a string template). The caller has
   checked the name (fo_discover_names) and that its id is new. */
fo_test *fo_context_add_discovered (fo_context *ctx, const char *name);
size_t fo_suite_count_tests (const fo_suite *self);

/* Effective values, resolved through the parents. */
void fo_test_effective_env (const fo_test *test, fo_env *out);       /* out must be empty */
void fo_context_effective_env (const fo_context *ctx, fo_env *out);
const char *fo_test_effective_cwd (const fo_suite *suite, const fo_test *test);
const char *fo_context_effective_cwd (const fo_suite *suite, const fo_context *ctx);
/* 0 = no limit. */
uint32_t fo_test_effective_timeout (const fo_test *test);
uint32_t fo_context_effective_timeout (const fo_context *ctx);

/* The default timeout, for everything the file gives none (not even at its
   top level): --timeout / FANOUT_TIMEOUT. 0 = no limit. */
void fo_suite_set_default_timeout (fo_suite *self, uint32_t timeout_ms);

#endif
