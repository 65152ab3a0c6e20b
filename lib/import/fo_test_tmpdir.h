/*  fo_test_tmpdir — a fresh temporary directory for one test process,
    removed with everything in it when the test ends (docs/sources.md,
    "GLib": each GLib test process gets one as TMPDIR and G_TEST_TMPDIR).

    The directory is made with mkdtemp (mode 0700) under the step's own
    TMPDIR when its environment sets an absolute one, else the agent's
    $TMPDIR, else /tmp. Removal never follows a symbolic link and never
    leaves the directory's file system (a test that mounted something in
    it, or linked to / from it, loses nothing outside); it makes the
    directories it meets writable first (a test that made one read-only)
    and is otherwise best effort. */
#ifndef FO_TEST_TMPDIR_H
#define FO_TEST_TMPDIR_H

#include "fo_util.h"

/* A new directory fanout-<prefix>-XXXXXX; NULL with why in err. */
char *fo_test_tmpdir_make (const fo_env *step_env, const char *prefix, char *err, size_t errlen);
/* Removes dir and all below it (see above). */
void fo_test_tmpdir_remove (const char *dir);

#endif
