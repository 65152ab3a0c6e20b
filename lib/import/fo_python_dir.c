/*  fo_python_dir — see fo_python_dir.h. */
#include "fo_python_dir.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_util.h"

/* dir/fanout_nose when it holds the helper, else NULL. */
static char *
helper_in (const char *dir)
{
    if (!dir || !*dir)
        return NULL;
    char *main_py = fo_xasprintf ("%s/fanout_nose/__main__.py", dir);
    bool there = access (main_py, R_OK) == 0;
    free (main_py);
    return there ? fo_xasprintf ("%s/fanout_nose", dir) : NULL;
}

char *
fo_python_helper (void)
{
    char *found = helper_in (getenv ("FANOUT_PYTHON_DIR"));
    if (found)
        return found;
    char exe[PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr (exe, '/');
        if (slash) {
            *slash = '\0';
            /* FO_PYTHON_FROM_BINDIR: the data folder relative to bindir. */
            char *dir = fo_xasprintf ("%s/%s", exe, FO_PYTHON_FROM_BINDIR);
            found = helper_in (dir);
            free (dir);
            if (found)
                return found;
        }
    }
    return helper_in (FO_PYTHON_SOURCE_DIR);
}
