/*  fo_suite — the suite model: a tree of contexts and tests, loaded from a
    YAML suite file (docs/suite-file.md).

    Ids: a context's id is its ancestors' names and its own joined by "/"
    (the root context's id is ""); a test's id is its context's id, "/", and
    its name (a test of the root context: just its name). Names are never
    altered and may themselves hold "/" (fo_name.h), so two different paths
    can spell one id ("a" + "b/c" and "a/b" + "c"): the loader refuses that,
    and every id is unique among tests and among contexts. The whole tree
    shares one index from id to test and to context (O(1) lookups, used for
    uniqueness, --test and discovery).

    Inheritance (resolved by the fo_*_effective_* helpers, used by the planner):
    env merges from the root down (inner wins), cwd and timeout come from the
    nearest context (or the test) that sets them; labels add up (a test has
    its own and every context's above it). Relative cwds in the file are
    already resolved against the suite file's directory when loaded.

    Limits (docs/suite-file.md, "Limits"): each is far beyond what a real
    suite needs and keeps a hostile file to bounded memory and time, and
    every test to a size that can be sent to an agent in one message
    (proto/fo_proto.h: FO_PROTO_MAX_STRING, FO_PROTO_MAX_MESSAGE).
*/
#ifndef FO_SUITE_H
#define FO_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_name.h"
#include "fo_proto.h"
#include "fo_needs.h"
#include "fo_util.h"

#define FO_DEFAULT_TIMEOUT_MS (1500u * 1000u)   /* as CTest: 1500 s */
/* A timeout_ms meaning "no limit" (a suite file cannot write it; the
   command line's --timeout 0 can). Effective timeouts turn it into 0. */
#define FO_TIMEOUT_NONE UINT32_MAX
#define FO_DEFAULT_SKIP_CODE 77                 /* as automake and CTest */

/* The bytes of a suite file: it is read whole (a million tests of the
   `- name:` / `run:` shape take about 42 MB). */
#define FO_SUITE_MAX_FILE (64u * 1024u * 1024u)
/* Tests of one suite file, aliases expanded (discovered and imported
   tests are counted by their own limits). */
#define FO_SUITE_MAX_TESTS 2000000u
/* Nested YAML lists and maps, at any place in the file, aliases expanded.
   64 levels of contexts take 133; past this nothing a suite means can be
   written. */
#define FO_SUITE_MAX_YAML_DEPTH 256u
/* YAML nodes (every key, value, list and map) aliases stand for, each use
   counted with every node it names: an alias bomb stops here. The file's
   own nodes are not counted: it is read as a stream, never kept whole
   (FO_SUITE_MAX_FILE bounds them). */
#define FO_SUITE_MAX_NODES 2000000u
/* YAML nodes kept at once: those under anchors (to be aliased later), the
   values of a context written before its name, and the value being read. */
#define FO_SUITE_MAX_HELD_NODES 2000000u
/* Nested contexts (a top-level context is at depth 1). Real trees are a
   binary, a file, a class: 3 or 4 deep. */
#define FO_SUITE_MAX_DEPTH 64u
/* One value: a command's argument (a shell string is one), an env
   variable's name or value. */
#define FO_SUITE_MAX_VALUE (1024u * 1024u)
/* A cwd as written: longer than PATH_MAX could not be entered anyway. */
#define FO_SUITE_MAX_CWD 4096u
/* Labels a test or a context carries itself (`labels:`); each at most
   FO_SUITE_MAX_LABEL bytes and a valid name (fo_name.h). Labels choose
   tests (-L); a test has its own and every context's above it. */
#define FO_SUITE_MAX_LABELS 64u
#define FO_SUITE_MAX_LABEL 256u
/* `artifacts:` patterns one context declares, each at most
   FO_SUITE_MAX_CWD bytes. */
#define FO_SUITE_MAX_ARTIFACTS 1024u
/* Env variables one step carries: its own and every context's above it. */
#define FO_SUITE_MAX_ENV_VARS 1024u
/* One step (a test, or a context's setup, teardown or discover) as sent:
   2 x id + each argument + 1 + each variable's name and value + 2 + cwd.
   Half a protocol string, a quarter of a message: it always encodes. */
#define FO_SUITE_MAX_STEP (4u * 1024u * 1024u)
/* Every step of the file together, counted as sent (what it costs in
   memory is FO_SUITE_HELD_*'s). */
#define FO_SUITE_MAX_TOTAL (512u * 1024u * 1024u)

/* Limits tied to the file's size F, so that what a file costs stays in
   proportion to what it is (issue 10: a hostile file is refused "within
   bounded memory"); docs/suite-file.md, "Limits" and "Memory".

   The text aliases stand for, each use counted (a 1 MiB scalar aliased 480
   times is 480 MiB): at most max(16 MiB, 8 x F). Real files alias small
   things many times (an env map, a test), far below; a file of 64 MiB can
   share 8 times its size, and one of any size 16 MiB. Each such byte is
   held about three times (the tree, the plan, a lease), so this keeps
   aliased text within the memory a plain file of the same size costs. */
#define FO_SUITE_ALIAS_TEXT_MIN (16u * 1024u * 1024u)
#define FO_SUITE_ALIAS_TEXT_PER_BYTE 8u
/* What the tests, fixtures and contexts hold in memory through the run,
   as fo_step_held_size estimates it: at most max(64 MiB, 64 x F). A plain
   list of small tests already counts about 50 times its text (each test is
   some thirty small allocations in the tree, the plan, the report), so
   less would refuse plain files; past 64 times, the file multiplies
   itself through aliases or inheritance (one env of 1,024 variables at the
   top, copied into each of 60,000 steps, was 5 GiB from 2 MB). 64 MiB
   leaves a small file room to share an env among thousands of tests.
   Never more than FO_SUITE_HELD_MAX: a million tests of the plain `- name:`
   / `run:` shape count about 1 GiB, and padding a file (a comment of 60 MiB
   costs nothing) must not buy 4 GiB. */
#define FO_SUITE_HELD_MIN (64u * 1024u * 1024u)
#define FO_SUITE_HELD_PER_BYTE 64u
#define FO_SUITE_HELD_MAX (2048ull * 1024u * 1024u)

enum {
    FO_MODE_SPLIT = 1u << 0,
    FO_MODE_SHARED = 1u << 1,
    FO_MODE_SERIAL = 1u << 2,
    /* One task for the whole context, fixtures or not (as an unmarked
       context with fixtures is): an importer's group of tests that must
       run in order on one worker (a CTest fixture). Not in suite files. */
    FO_MODE_UNIT = 1u << 3,
};

typedef struct {
    fo_strv argv;       /* empty when absent; a shell string s becomes
                           {"/bin/sh", "-c", s} */
    int line, column;   /* where it was written, 1-based; 0 when absent */
} fo_command;

typedef struct fo_context fo_context;
typedef struct fo_suite_index fo_suite_index;   /* private: ids -> tests, contexts */

/* What few tests set for themselves, out of their record (fo_test.more):
   read with fo_test_env and fo_test_labels, set through fo_test_env_own
   and fo_test_labels_own. */
typedef struct {
    fo_env env;         /* its own variables (fo_test_effective_env adds its
                           contexts') */
    fo_strv labels;     /* its own labels (fo_test_has_label adds its
                           contexts') */
} fo_test_more;

/* A test: 112 bytes plus its strings (a million of them are most of a
   large run's memory: fields are ordered so that none pads, and what few
   tests have - a verdict, needs, an env or labels of its own - is out of
   line). */
typedef struct {
    char *name;         /* the end of id (not allocated of its own) */
    char *id;
    fo_command run;
    fo_test_more *more; /* NULL: no env, no labels of its own (most tests:
                           8 bytes each, not 48) */
    char *cwd;          /* absolute, or NULL = inherit */
    fo_needs *needs;    /* its own, NULL when it asks nothing (most tests:
                           8 bytes each); fo_test_effective_needs adds its
                           contexts' */
    /* Set by importers, NULL from a suite file: the rules of the ctest
       reader (only CTest's tests have one: out of line). */
    fo_verdict *verdict;
    fo_context *parent;
    int line, column;
    uint32_t timeout_ms;/* 0 = inherit */
    /* Set by importers: how long the test is expected to take, in ms
       (CTest's COST), when the history does not know it; 0: no hint. The
       broker runs the longest expected work first (fo_sched.h). */
    uint32_t cost_ms;
    /* The test's number in the plan built from the suite (fo_plan.tests),
       written by the planner: results name tests by id, and the suite's
       index finds the test, so the broker needs no index of its own.
       Meaningful only while plan->tests[number] is this test. */
    uint32_t number;
    /* How its output is read (a fo_reader, in one byte): the exit status
       unless a source imported it (a TAP stream, gtest's JSON output file:
       lib/import). With the flags below: no padding. */
    uint8_t reader;
    bool disabled : 1;  /* declared disabled where it was written (gtest's
                           DISABLED_ prefix): it is still run, and its
                           not_run is its own verdict, not a test the run
                           failed to run (fo_report_exit_status) */
    bool serial : 1;    /* set by importers: its task runs alone (CTest's
                           RUN_SERIAL) */
    /* A joined test (lib/import/fo_reader.h): one a running program named
       (a TAP point), added by the broker during the run with its result.
       Never planned into a task, never run by itself; held apart from
       `tests` (fo_context.joined). */
    bool joined : 1;
    /* It and its id are in the suite's pool (fo_test_adopt): freed with
       the suite, never alone. */
    bool pooled : 1;
    /* Its run.argv (the list and its strings) is in the suite's pool too,
       possibly shared with other tests' (the loader's: consecutive tests
       of one command share it): never freed, grown or changed alone. */
    bool argv_pooled : 1;
} fo_test;

_Static_assert (sizeof (void *) != 8 || sizeof (fo_test) == 112,
                "a test is 112 bytes on 64 bits: its env and labels out of line");

/* The test's own env and labels: empty ones when it has none (never NULL). */
const fo_env *fo_test_env (const fo_test *test);
const fo_strv *fo_test_labels (const fo_test *test);
/* The same to change: they are made when first asked for. */
fo_env *fo_test_env_own (fo_test *test);
fo_strv *fo_test_labels_own (fo_test *test);

/* A `source:` entry of a context (or a --tap, --glib... option): what a
   source kind imports into the context that holds it, before the run
   (lib/import/fo_source.h, docs/sources.md). Kept as written: the kinds
   are lib/import's, which checks the kind and its options. */
typedef struct {
    char *kind;         /* "tap", "glib", ... */
    fo_strv from;       /* what it imports, as written: programs, commands,
                           build trees; never empty */
    fo_env options;     /* the kind's own keys (`options:`), name and value */
    unsigned mode;      /* FO_MODE_* for each imported context; 0: the kind's */
    int line, column;   /* the entry in the suite file; 0: the command line */
} fo_source_spec;

struct fo_context {
    char *name;         /* "" for the root */
    char *id;           /* "" for the root */
    unsigned mode;      /* FO_MODE_* bits; split and shared never together */
    fo_command setup;
    fo_command teardown;
    /* The reader its setup and teardown steps carry: the exit status
       (0) unless a source imported it; FO_READER_PYTHON runs them in the
       agent's Python worker, with its tests (lib/import: the python
       source). */
    fo_reader fixture_reader;
    fo_env env;
    char *cwd;          /* absolute, or NULL = inherit (root: suite file's dir) */
    uint32_t timeout_ms;/* 0 = inherit (root: FO_DEFAULT_TIMEOUT_MS) */
    fo_strv labels;     /* its own; every test under it has them too */
    fo_needs *needs;    /* asked for every test under it (fo_needs.h), or NULL */
    fo_test **tests;
    size_t ntests, tests_cap;       /* tests_cap 0: exactly ntests allocated */
    fo_context **contexts;
    size_t ncontexts, contexts_cap;
    fo_context *parent;
    fo_suite_index *index;          /* the tree's, shared; made by the root */
    /* Run-time discovery: `discover` prints one test name per line; each
       becomes a test whose run is `run_template` with {name} replaced. */
    fo_command discover;
    char *run_template_shell;   /* the template when `run` was a string */
    fo_strv run_template_argv;  /* the template when `run` was a list */
    bool discover_on_agent;     /* `discover_on: agent`: run during the run,
                                   by an agent, not by the broker before it */
    bool discover_answered;     /* run time: that discovery has ended (its
                                   tests, if any, are in `tests`) */
    fo_reader discovered_reader;/* the reader of the tests it discovers: the
                                   exit status (0) unless a source set it */
    fo_source_spec *sources;    /* `source:` entries, imported before the
                                   run into contexts under this one */
    size_t nsources;
    const fo_source_spec *source;   /* the entry that imported it (an
                                       entry of an ancestor), or NULL: a
                                       discovery on an agent reads its
                                       options (a CTest tree's labels) */
    /* `artifacts:`: what its tests need shipped to an agent, as written:
       paths and glob(3) patterns relative to the suite file's directory
       (never absolute, no '..'), expanded by lib/artifacts
       (docs/artifacts.md). A context's tests need its own and every
       context's above it. Declared (artifacts_line != 0), even empty, it
       also ships the programs its tests run from under the suite's
       directory and the libraries they load (inferred). */
    fo_strv artifacts;
    int artifacts_line, artifacts_column;   /* where the list was written; 0:
                                               not declared; line -1: on the
                                               command line (--artifact) */
    int line, column;
    /* Run time: joined tests of the programs of this context
       (fo_context_add_joined); not walked by the plan. */
    fo_test **joined;
    size_t njoined, joined_cap;
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
/* The same from memory: path names the file in messages, and relative
   cwds are resolved against its directory (which must exist). */
fo_suite *fo_suite_load_buffer (const char *path, const void *data, size_t len, char *err,
                                size_t errlen);

void fo_suite_destroy (fo_suite **self_p);

/* Tree building (used by the loader, discovery and tests). The context and
   test take copies of name; ids are computed from the parent chain. An id
   already taken stays with its first owner in the index (the loader checks
   before it builds). */
fo_context *fo_context_new (fo_context *parent, const char *name);
fo_test *fo_test_new (fo_context *parent, const char *name);
bool fo_context_has_fixtures (const fo_context *ctx);
/* A new, empty source entry of ctx (the caller fills it in). */
fo_source_spec *fo_context_add_source (fo_context *ctx, const char *kind, int line, int column);

/* The id a test or context called name has under ctx: the one rule of
   ids (ctx's id, "/", name; under the root just name). Caller frees. */
char *fo_context_child_id (const fo_context *ctx, const char *name);
/* The test or context with exactly this id, or NULL (O(1)). */
fo_test *fo_suite_find_test (const fo_suite *self, const char *id);
fo_context *fo_suite_find_context (const fo_suite *self, const char *id);

/* Whether a discovered test called name may join ctx: the name follows
   fo_name_check, its id is taken by no test of the suite (a name with "/"
   can reach another context's id), and its step, the template filled in,
   stays within FO_SUITE_MAX_STEP and FO_SUITE_MAX_ENV_VARS. Returns true,
   or false with the reason in why ("duplicate test id 'a/b' (first defined
   at line 3)", ...). Names printed twice in one output are the caller's to
   find (same context, so same name is same id). */
bool fo_context_can_add_test (const fo_context *ctx, const char *name, char *why,
                              size_t whylen);
/* Adds a discovered test: its run is the context's template with {name}
   replaced by name (shell-quoted in a string template). The caller has
   checked it (fo_context_can_add_test); an id already taken is not added
   (NULL), so that ids stay unique whatever a caller forgot. */
fo_test *fo_context_add_discovered (fo_context *ctx, const char *name);
/* Adds a joined test (fo_test.joined) with id ctx's id, "/group" when group
   is not "", "/name"; indexed like any test (fo_suite_find_test). The
   caller checked the names (fo_name_check). NULL when the id is taken. */
fo_test *fo_context_add_joined (fo_context *ctx, const char *group, const char *name);
size_t fo_suite_count_tests (const fo_suite *self);

/* Keeps only the tests chosen by ids (--test): an id names one test, or a
   context and every test under it (those its `discover_on: agent` command
   will add included). Contexts left with no test and no discovery to come
   are removed, with their fixtures; a discovery on an agent survives only
   in a context chosen whole (its names are not known yet). No ids: nothing
   changes. Returns 0, or -1 with "--test 'X' matches no test or context"
   in err (the suite is then unchanged). */
int fo_suite_select (fo_suite *self, const char *const *ids, size_t nids, char *err,
                     size_t errlen);

/* Labels (docs/suite-file.md, "Labels"). Adding one a test or context
   carries already changes nothing (importers may repeat them). A test has
   a label when it or any context above it carries it. */
void fo_test_add_label (fo_test *test, const char *label);
void fo_context_add_label (fo_context *ctx, const char *label);
bool fo_test_has_label (const fo_test *test, const char *label);
/* Every label of the test, its contexts' from the root down, then its
   own, each once. out must be empty. */
void fo_test_effective_labels (const fo_test *test, fo_strv *out);

/* Effective values, resolved through the parents. */
void fo_test_effective_env (const fo_test *test, fo_env *out);       /* out must be empty */
void fo_context_effective_env (const fo_context *ctx, fo_env *out);
const char *fo_test_effective_cwd (const fo_suite *suite, const fo_test *test);
const char *fo_context_effective_cwd (const fo_suite *suite, const fo_context *ctx);
/* What the test asks and what every context above it asks (fo_needs.h).
   out must be empty. */
void fo_test_effective_needs (const fo_test *test, fo_needs *out);
/* 0 = no limit. */
uint32_t fo_test_effective_timeout (const fo_test *test);
uint32_t fo_context_effective_timeout (const fo_context *ctx);

/* The default timeout, for everything the file gives none (not even at its
   top level): --timeout / FANOUT_TIMEOUT. 0 = no limit. */
void fo_suite_set_default_timeout (fo_suite *self, uint32_t timeout_ms);

#endif
