/*  tmpdir_support — what unit tests with a scratch directory share. */
#ifndef TMPDIR_SUPPORT_H
#define TMPDIR_SUPPORT_H

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_util.h"

/* Removes a flat scratch directory and the files in it. */
static inline void
remove_dir (const char *path)
{
    DIR *d = opendir (path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir (d)))
        if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0) {
            char *file = fo_xasprintf ("%s/%s", path, e->d_name);
            unlink (file);
            free (file);
        }
    closedir (d);
    rmdir (path);
}

#endif
