/*  fo_python_dir — where fanout's Python helper is (python/fanout_nose in
    the source tree, share/fanout/python/fanout_nose where it is
    installed): docs/python.md.

    In this order, the first that holds fanout_nose/__main__.py:
    $FANOUT_PYTHON_DIR; the folder share/fanout/python next to the running
    binary's bin/ (any prefix `cmake --install` chose); the source tree
    this binary was built from (a build tree's binary). */
#ifndef FO_PYTHON_DIR_H
#define FO_PYTHON_DIR_H

/* The path of the helper's package folder (".../fanout_nose"), or NULL
   when none is found. Caller frees. */
char *fo_python_helper (void);

/* The interpreter the python source runs by default: Debian's. */
#define FO_PYTHON_INTERPRETER "/usr/bin/python3"

#endif
