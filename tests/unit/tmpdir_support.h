/*  tmpdir_support — what unit tests with a scratch directory share. */
#ifndef TMPDIR_SUPPORT_H
#define TMPDIR_SUPPORT_H

#include <dirent.h>
#include <stdio.h>
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

/* The whole of DIR/NAME as a string ("" when there is no such file). */
static inline char *
read_text (const char *dir, const char *name)
{
    char *path = fo_xasprintf ("%s/%s", dir, name);
    FILE *f = fopen (path, "r");
    free (path);
    fo_buf buf = { 0 };
    fo_buf_puts (&buf, "");
    char chunk[256];
    size_t n;
    while (f && (n = fread (chunk, 1, sizeof chunk, f)) > 0)
        fo_buf_append (&buf, chunk, n);
    if (f)
        fclose (f);
    return fo_buf_steal (&buf);
}

#endif
