/*  fo_python_tree — the python source's tree: the JSON the discovery
    helper prints (python/fanout_nose/discover.py; the format in
    docs/python.md) into contexts and tests of the suite.

    Each package, module and class is a context named as nose names it
    (a package or module by the last part of its dotted name, a class by
    its name), under the item's context; each test a test of its
    context, read by FO_READER_PYTHON. A context with a setup or teardown
    gets the helper's `setup`/`teardown` step as its fixture, with
    fixture_reader FO_READER_PYTHON (so an agent runs it in the Python
    worker that runs its tests). Its mode comes from the attributes the
    helper read (`_multiprocess_can_split_`: split, `_multiprocess_shared_`:
    shared, `_multiprocess_ = False`: serial), else the entry's `mode`.
    A module that failed to import is one test of its parent context,
    named as the module, which fails with the import's traceback when run.
    A generator (a test function that yields) is a context whose tests an
    agent lists during the run (`discover_on: agent`: the helper's
    `generate`), each run as `test ... ADDRESS NAME`.

    The text is a child process's output, so it is not trusted: at most
    FO_IMPORT_MAX_OUTPUT bytes (the caller's limit), contexts nested at
    most FO_PYTHON_MAX_DEPTH deep, every name through the suite's rules
    (fo_source_context, fo_source_test), each `root` and `address` at most
    FO_PYTHON_MAX_ADDRESS bytes; anything else is an error naming where.
    Fuzzed by tests/fuzz/fuzz_python_tree.c.
*/
#ifndef FO_PYTHON_TREE_H
#define FO_PYTHON_TREE_H

#include <stddef.h>

#include "fo_source.h"

#define FO_PYTHON_MAX_DEPTH 32u
#define FO_PYTHON_MAX_ADDRESS 4096u

/* How the tests are run: argv[0] the interpreter, argv[1] the helper
   (a folder: .../fanout_nose). */
typedef struct {
    const char *interpreter;
    const char *helper;
} fo_python_cmd;

/* Builds the tree of json (len bytes) into a new context named
   at->item under at->parent. 0, or -1 with why in err (nothing is
   removed from the suite then: the import as a whole fails). */
int fo_python_tree_read (const fo_source_item *at, const fo_python_cmd *cmd, const char *json,
                         size_t len, char *err, size_t errlen);

#endif
