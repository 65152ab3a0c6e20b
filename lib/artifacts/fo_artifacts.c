/*  fo_artifacts — see fo_artifacts.h. */
#include "fo_artifacts.h"
#include "fo_elf.h"

#include <jansson.h>
#include <libgen.h>

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const fo_context *ctx;
    fo_manifest *manifest;
} declared;

struct fo_artifact_set {
    declared *items;
    size_t len, cap;
};

typedef struct {
    const fo_suite *suite;
    fo_hash_cache *cache;
    fo_manifest *m;         /* being filled */
    const fo_context *ctx;
    char *err;
    size_t errlen;
    size_t entries;
    json_t *seen;           /* programs and libraries inferred already */
} collector;

static int
fail (collector *c, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* "file:line:column: artifacts of context 'x': <message>" */
static int
fail (collector *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (msg, sizeof msg, fmt, ap);
    va_end (ap);
    const char *id = c->ctx->id;
    if (c->ctx->artifacts_line < 0)     /* the command line's */
        return fo_err (c->err, c->errlen, "--artifact: %s", msg);
    return fo_err (c->err, c->errlen, "%s:%d:%d: artifacts of %s%s%s: %s", c->suite->path,
                   c->ctx->artifacts_line, c->ctx->artifacts_column,
                   *id ? "context '" : "the top level", id, *id ? "'" : "", msg);
}

/* One path found on disk (lstat'ed): a file, a link, or a directory and
   all under it. rel is its manifest path. */
static int add_path (collector *c, const char *abs, const char *rel, unsigned depth);

static int
add_dir (collector *c, const char *abs, const char *rel, unsigned depth)
{
    if (depth >= FO_ARTIFACTS_MAX_DEPTH)
        return fail (c, "'%s' nests deeper than %u directories", rel, FO_ARTIFACTS_MAX_DEPTH);
    DIR *d = opendir (abs);
    if (!d)
        return fail (c, "cannot read directory '%s': %s", rel, strerror (errno));
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir (d)) != NULL) {
        if (!strcmp (de->d_name, ".") || !strcmp (de->d_name, ".."))
            continue;
        char *a = fo_xasprintf ("%s/%s", abs, de->d_name);
        char *r = fo_xasprintf ("%s/%s", rel, de->d_name);
        rc = add_path (c, a, r, depth + 1);
        free (a);
        free (r);
    }
    closedir (d);
    return rc;
}

static int
add_path (collector *c, const char *abs, const char *rel, unsigned depth)
{
    if (!fo_manifest_path_ok (rel))
        return fail (c, "'%s' cannot be shipped (a path of at most %u bytes, without '.' or "
                     "'..' components)", rel, FO_MANIFEST_MAX_PATH);
    if (++c->entries > FO_MANIFEST_MAX_ENTRIES)
        return fail (c, "more than %u files, directories and links", FO_MANIFEST_MAX_ENTRIES);
    struct stat st;
    if (lstat (abs, &st) != 0)
        return fail (c, "'%s': %s", rel, strerror (errno));
    fo_artifact e = { .path = (char *) rel, .mode = (uint32_t) (st.st_mode & 07777),
                      .source = (char *) abs };
    if (S_ISREG (st.st_mode)) {
        e.kind = FO_ARTIFACT_FILE;
        e.size = (uint64_t) st.st_size;
        char why[512];
        int rc = c->cache ? fo_hash_cache_file (c->cache, abs, &st, e.hash, why, sizeof why)
                          : fo_hash_file (abs, e.hash, &e.size, why, sizeof why);
        if (rc != 0)
            return fail (c, "cannot read '%s': %s", rel, why);
        fo_manifest_add (c->m, &e);
        return 0;
    }
    if (S_ISLNK (st.st_mode)) {
        char target[FO_MANIFEST_MAX_PATH + 1];
        ssize_t n = readlink (abs, target, sizeof target);
        if (n <= 0 || (size_t) n > FO_MANIFEST_MAX_PATH)
            return fail (c, "cannot read the link '%s'", rel);
        target[n] = '\0';
        e.kind = FO_ARTIFACT_LINK;
        e.mode = 0777;
        e.target = target;
        fo_manifest_add (c->m, &e);
        return 0;
    }
    if (S_ISDIR (st.st_mode)) {
        e.kind = FO_ARTIFACT_DIR;
        fo_manifest_add (c->m, &e);
        return add_dir (c, abs, rel, depth);
    }
    return fail (c, "'%s' is neither a file, a directory nor a symlink", rel);
}

/* A glob match under dir, as a manifest path: "./" and repeated '/' gone. */
static char *
relative (const char *dir, const char *match)
{
    size_t n = strlen (dir);
    const char *p = match + n + 1;
    fo_buf out = { 0 };
    while (*p) {
        size_t k = strcspn (p, "/");
        if (k > 0 && !(k == 1 && p[0] == '.')) {
            if (out.len)
                fo_buf_puts (&out, "/");
            fo_buf_append (&out, p, k);
        }
        p += k;
        p += strspn (p, "/");
    }
    fo_buf_puts (&out, "");
    return fo_buf_steal (&out);
}

static int
expand (collector *c, const char *pattern)
{
    const char *dir = c->suite->dir;
    char *full = fo_xasprintf ("%s/%s", dir, pattern);
    glob_t g;
    int grc = glob (full, GLOB_NOSORT, NULL, &g);
    free (full);
    if (grc == GLOB_NOMATCH)
        return fail (c, "'%s' matches nothing under %s", pattern, dir);
    if (grc != 0)
        return fail (c, "cannot expand '%s' (%s)", pattern,
                     grc == GLOB_NOSPACE ? "out of memory" : "a directory cannot be read");
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
        char *rel = relative (dir, g.gl_pathv[i]);
        rc = add_path (c, g.gl_pathv[i], rel, 0);
        free (rel);
    }
    globfree (&g);
    return rc;
}

/* ---- inferred: test programs and the libraries they load --------------- */

/* abs as a manifest path when it lies under the suite's directory, else NULL. */
static char *
under_suite (const collector *c, const char *abs)
{
    size_t n = strlen (c->suite->dir);
    if (strncmp (abs, c->suite->dir, n) != 0 || abs[n] != '/')
        return NULL;
    char *rel = relative (c->suite->dir, abs);
    if (!fo_manifest_path_ok (rel)) {
        free (rel);
        return NULL;
    }
    return rel;
}

/* "$ORIGIN/../lib" with origin. */
static char *
expand_origin (const char *dir, const char *origin)
{
    fo_buf out = { 0 };
    for (const char *p = dir; *p;) {
        if (!strncmp (p, "$ORIGIN", 7)) {
            fo_buf_puts (&out, origin);
            p += 7;
        } else if (!strncmp (p, "${ORIGIN}", 9)) {
            fo_buf_puts (&out, origin);
            p += 9;
        } else
            fo_buf_append (&out, p++, 1);
    }
    fo_buf_puts (&out, "");
    return fo_buf_steal (&out);
}

/* A program or library under the suite's directory, and what it loads
   from there (DT_NEEDED found on its run path), each once. */
static int
infer_file (collector *c, const char *abs, unsigned depth)
{
    if (depth > 16 || json_object_get (c->seen, abs))
        return 0;
    json_object_set_new (c->seen, abs, json_true ());
    char *rel = under_suite (c, abs);
    struct stat st;
    if (!rel || lstat (abs, &st) != 0 || !S_ISREG (st.st_mode)) {
        free (rel);
        return 0;
    }
    int rc = add_path (c, abs, rel, 0);
    free (rel);
    fo_strv needed = { 0 }, search = { 0 };
    char why[512];
    /* A file fo_elf_dynamic cannot read is shipped as it is (add_path read
       it); a libelf that cannot be loaded is an error, not a program
       shipped without its libraries. */
    if (rc == 0 && fo_elf_load (why, sizeof why) != 0)
        rc = fail (c, "%s", why);
    if (rc == 0 && fo_elf_dynamic (abs, &needed, &search, why, sizeof why) == 1) {
        char *copy = fo_xstrdup (abs);
        const char *origin = dirname (copy);
        for (size_t i = 0; i < needed.len && rc == 0; i++) {
            if (strchr (needed.items[i], '/'))
                continue;
            for (size_t k = 0; k < search.len; k++) {
                char *dir = expand_origin (search.items[k], origin);
                char *lib = fo_xasprintf ("%s/%s", dir, needed.items[i]);
                char *real = realpath (lib, NULL);
                bool found = real != NULL;
                /* The name the program asks for (a link, often), and
                   the file it points to. */
                if (found) {
                    char *lrel = under_suite (c, lib);
                    if (lrel && lstat (lib, &st) == 0 && S_ISLNK (st.st_mode)
                        && !json_object_get (c->seen, lib)) {
                        json_object_set_new (c->seen, lib, json_true ());
                        rc = add_path (c, lib, lrel, 0);
                    }
                    free (lrel);
                    if (rc == 0)
                        rc = infer_file (c, real, depth + 1);
                }
                free (real);
                free (lib);
                free (dir);
                if (found)
                    break;      /* the first on the run path is what ld.so loads */
            }
        }
        free (copy);
    }
    fo_strv_free (&needed);
    fo_strv_free (&search);
    return rc;
}

/* The programs of the tests under ctx, down to a context that declares
   its own artifacts (it has a manifest of its own). */
static int
infer_context (collector *c, const fo_context *ctx, bool top)
{
    if (!top && ctx->artifacts_line != 0)
        return 0;
    for (size_t i = 0; i < ctx->ntests; i++) {
        const fo_test *t = ctx->tests[i];
        if (t->run.argv.len == 0 || !strchr (t->run.argv.items[0], '/'))
            continue;       /* looked up in PATH: not the suite's */
        const char *prog = t->run.argv.items[0];
        char *abs = prog[0] == '/' ? fo_xstrdup (prog)
                  : fo_xasprintf ("%s/%s", fo_test_effective_cwd (c->suite, t), prog);
        int rc = infer_file (c, abs, 0);
        free (abs);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (infer_context (c, ctx->contexts[i], false) != 0)
            return -1;
    return 0;
}

static void
set_push (fo_artifact_set *self, const fo_context *ctx, fo_manifest *m)
{
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 4;
        self->items = fo_xrealloc (self->items, self->cap * sizeof *self->items);
    }
    self->items[self->len++] = (declared) { ctx, m };
}

static int
walk (fo_artifact_set *self, collector *c, const fo_context *ctx, const fo_manifest *above)
{
    const fo_manifest *mine = above;
    if (ctx->artifacts_line != 0) {
        fo_manifest *m = fo_manifest_new ();
        fo_manifest_add_all (m, above);
        c->m = m;
        c->ctx = ctx;
        c->entries = m->len;
        int rc = 0;
        for (size_t i = 0; i < ctx->artifacts.len && rc == 0; i++)
            rc = expand (c, ctx->artifacts.items[i]);
        json_object_clear (c->seen);
        if (rc == 0)
            rc = infer_context (c, ctx, true);
        char why[512];
        if (rc == 0 && fo_manifest_seal (m, why, sizeof why) != 0)
            rc = fail (c, "%s", why);
        if (rc != 0) {
            fo_manifest_destroy (&m);
            return -1;
        }
        set_push (self, ctx, m);
        mine = m;
    }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (walk (self, c, ctx->contexts[i], mine) != 0)
            return -1;
    return 0;
}

fo_artifact_set *
fo_artifacts_collect (const fo_suite *suite, fo_hash_cache *cache, char *err, size_t errlen)
{
    fo_artifact_set *self = fo_xcalloc (1, sizeof *self);
    collector c = { .suite = suite, .cache = cache, .err = err, .errlen = errlen,
                    .seen = json_object () };
    if (walk (self, &c, suite->root, NULL) != 0)
        fo_artifacts_destroy (&self);
    json_decref (c.seen);
    return self;
}

void
fo_artifacts_destroy (fo_artifact_set **self_p)
{
    fo_artifact_set *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->len; i++)
        fo_manifest_destroy (&self->items[i].manifest);
    free (self->items);
    free (self);
    *self_p = NULL;
}

const fo_manifest *
fo_artifacts_for_context (const fo_artifact_set *self, const fo_context *ctx)
{
    if (!self || self->len == 0)
        return NULL;
    for (const fo_context *c = ctx; c; c = c->parent)
        if (c->artifacts_line != 0)
            for (size_t i = 0; i < self->len; i++)
                if (self->items[i].ctx == c)
                    return self->items[i].manifest;
    return NULL;
}

size_t fo_artifacts_count (const fo_artifact_set *self) { return self ? self->len : 0; }

const fo_manifest *
fo_artifacts_manifest (const fo_artifact_set *self, size_t i)
{
    return self->items[i].manifest;
}

const fo_context *
fo_artifacts_context (const fo_artifact_set *self, size_t i)
{
    return self->items[i].ctx;
}
