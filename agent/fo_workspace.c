/*  fo_workspace — see fo_workspace.h. */
#include "fo_workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The parents of rel under dir that are not there yet. */
static int
make_parents (const char *dir, const char *rel)
{
    char *path = fo_xasprintf ("%s/%s", dir, rel);
    for (char *p = path + strlen (dir) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir (path, 0755) != 0 && errno != EEXIST) {
            free (path);
            return -1;
        }
        *p = '/';
    }
    free (path);
    return 0;
}

static int
copy_file (const char *from, const char *to, mode_t mode)
{
    int in = open (from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open (to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        close (in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read (in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            rc = errno == EINTR ? 0 : -1;
            continue;
        }
        for (ssize_t done = 0; rc == 0 && done < n;) {
            ssize_t w = write (out, buf + done, (size_t) (n - done));
            if (w < 0 && errno != EINTR)
                rc = -1;
            else if (w > 0)
                done += w;
        }
    }
    if (fchmod (out, mode) != 0)
        rc = -1;
    int e = errno;
    close (in);
    if (close (out) != 0)
        rc = -1;
    errno = e;
    return rc;
}

int
fo_workspace_make (fo_blob_cache *cache, const fo_manifest *m, const char *dir, char *err,
                   size_t errlen)
{
    if (mkdir (dir, 0755) != 0)
        return fo_err (err, errlen, "cannot create the workspace %s: %s", dir, strerror (errno));
    for (size_t i = 0; i < m->len; i++) {
        const fo_artifact *e = &m->items[i];
        char *path = fo_xasprintf ("%s/%s", dir, e->path);
        int rc = make_parents (dir, e->path);
        if (rc == 0 && e->kind == FO_ARTIFACT_DIR)
            rc = mkdir (path, (e->mode & 0777) | 0700) != 0 && errno != EEXIST ? -1 : 0;
        else if (rc == 0 && e->kind == FO_ARTIFACT_LINK)
            rc = symlink (e->target, path);
        else if (rc == 0) {
            char hex[FO_HASH_HEX + 1];
            fo_hash_to_hex (e->hash, hex);
            char *blob = fo_blob_cache_path (cache, hex);
            struct stat st;
            mode_t want = e->mode & 0555;
            if (lstat (blob, &st) != 0) {
                free (blob);
                free (path);
                fo_err (err, errlen, "blob %s of '%s' is no longer in the cache", hex, e->path);
                return -2;
            }
            rc = (st.st_mode & 07777) == want ? link (blob, path) : -1;
            if (rc != 0)
                rc = copy_file (blob, path, want);
            free (blob);
        }
        if (rc != 0) {
            int saved = errno;
            free (path);
            return fo_err (err, errlen, "cannot lay out '%s' in the workspace %s: %s", e->path,
                           dir, strerror (saved));
        }
        free (path);
    }
    return 0;
}

void
fo_workspace_remove (const char *dir)
{
    /* A directory's entries can be removed only when it is writable. */
    chmod (dir, 0700);
    DIR *d = opendir (dir);
    struct dirent *de;
    while (d && (de = readdir (d)) != NULL) {
        if (!strcmp (de->d_name, ".") || !strcmp (de->d_name, ".."))
            continue;
        char *path = fo_xasprintf ("%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
            fo_workspace_remove (path);
        else
            unlink (path);
        free (path);
    }
    if (d)
        closedir (d);
    rmdir (dir);
}

/* s itself when it is root or under it, moved under dir; else NULL. */
static char *
moved (const char *s, const char *root, const char *dir)
{
    size_t n = strlen (root);
    if (!s || strncmp (s, root, n) != 0 || (s[n] != '\0' && s[n] != '/'))
        return NULL;
    return fo_xasprintf ("%s%s", dir, s + n);
}

/* An env value with each ':'-separated part under root moved; NULL when
   none is. */
static char *
moved_list (const char *value, const char *root, const char *dir)
{
    fo_buf out = { 0 };
    bool any = false;
    for (const char *p = value;;) {
        size_t n = strcspn (p, ":");
        char *part = fo_xstrndup (p, n);
        char *m = moved (part, root, dir);
        any = any || m;
        fo_buf_puts (&out, m ? m : part);
        free (m);
        free (part);
        p += n;
        if (!*p)
            break;
        fo_buf_puts (&out, ":");
        p++;
    }
    fo_buf_puts (&out, "");
    if (!any) {
        fo_buf_free (&out);
        return NULL;
    }
    return fo_buf_steal (&out);
}

static bool
is_shared_lib (const char *path)
{
    const char *base = strrchr (path, '/');
    base = base ? base + 1 : path;
    const char *so = strstr (base, ".so");
    while (so && so[3] != '\0' && so[3] != '.')
        so = strstr (so + 3, ".so");
    return so && so != base;
}

void
fo_workspace_lib_dirs (const fo_manifest *m, const char *dir, fo_strv *out)
{
    for (size_t i = 0; i < m->len; i++) {
        const fo_artifact *e = &m->items[i];
        if (e->kind == FO_ARTIFACT_DIR || !is_shared_lib (e->path))
            continue;
        const char *slash = strrchr (e->path, '/');
        char *d = slash ? fo_xasprintf ("%s/%.*s", dir, (int) (slash - e->path), e->path)
                        : fo_xstrdup (dir);
        if (!fo_strv_contains (out, d))
            fo_strv_push (out, d);
        free (d);
    }
}

void
fo_workspace_rewrite (fo_lease *lease, const char *dir, const fo_strv *lib_dirs)
{
    const char *root = lease->root;
    if (!root || root[0] != '/')
        return;
    fo_buf libs = { 0 };
    for (size_t i = 0; lib_dirs && i < lib_dirs->len; i++)
        fo_buf_printf (&libs, "%s%s", i ? ":" : "", lib_dirs->items[i]);
    for (size_t i = 0; i < lease->nsteps; i++) {
        fo_step *step = &lease->steps[i];
        char *cwd = moved (step->cwd, root, dir);
        if (cwd) {
            free (step->cwd);
            step->cwd = cwd;
        }
        for (size_t j = 0; j < step->argv.len; j++) {
            char *arg = moved (step->argv.items[j], root, dir);
            if (arg) {
                free (step->argv.items[j]);
                step->argv.items[j] = arg;
            }
        }
        for (size_t j = 0; j < step->env.len; j++) {
            char *v = moved_list (step->env.items[j].value, root, dir);
            if (v) {
                free (step->env.items[j].value);
                step->env.items[j].value = v;
            }
        }
        if (libs.len) {
            const char *was = fo_env_get (&step->env, "LD_LIBRARY_PATH");
            if (!was)
                was = getenv ("LD_LIBRARY_PATH");
            char *v = was && *was ? fo_xasprintf ("%s:%s", libs.data, was) : fo_xstrdup (libs.data);
            fo_env_set (&step->env, "LD_LIBRARY_PATH", v);
            free (v);
        }
        fo_env_set (&step->env, "FANOUT_WORKSPACE", dir);
    }
    fo_buf_free (&libs);
}

char *
fo_workspace_name (const char *id)
{
    char *name = fo_xstrdup (id);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
              || *p == '.' || *p == '-' || *p == '_'))
            *p = '_';
    return name;
}
