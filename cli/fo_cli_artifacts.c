/*  fo_cli_artifacts — see fo_cli_artifacts.h. */
#include "fo_cli_artifacts.h"

#include <stdlib.h>
#include <string.h>

#include "fo_log.h"
#include "fo_report.h"

static const char *
cache_path (const char *given)
{
    if (given)
        return given;
    const char *env = getenv ("FANOUT_HASH_CACHE");
    return env && *env ? env : FO_HASH_CACHE_DEFAULT;
}

int
fo_cli_artifact_option (const char *command, int c, const char *arg, fo_cli_artifact_opts *opts)
{
    switch (c) {
    case FO_OPT_HASH_CACHE:
        opts->hash_cache = arg;
        return 1;
    case FO_OPT_INFER_ARTIFACTS:
        opts->infer = true;
        return 1;
    case FO_OPT_ARTIFACT:
        /* The suite file's rules: under the suite's directory. */
        for (const char *p = arg; *p;) {
            size_t n = strcspn (p, "/");
            if (n == 2 && p[0] == '.' && p[1] == '.') {
                fprintf (stderr, "fanout %s: --artifact '%s' must stay under the suite's "
                         "directory (no '..')\n", command, arg);
                return -1;
            }
            p += n;
            p += strspn (p, "/");
        }
        if (!*arg || arg[0] == '/' || strlen (arg) > FO_SUITE_MAX_CWD) {
            fprintf (stderr, "fanout %s: --artifact '%s' must be a path or pattern relative to "
                     "the suite's directory\n", command, arg);
            return -1;
        }
        if (opts->patterns.len >= FO_SUITE_MAX_ARTIFACTS) {
            fprintf (stderr, "fanout %s: more than %u --artifact\n", command,
                     FO_SUITE_MAX_ARTIFACTS);
            return -1;
        }
        fo_strv_push (&opts->patterns, arg);
        return 1;
    }
    return 0;
}

void
fo_cli_artifact_usage (FILE *out)
{
    fprintf (out,
             "      --hash-cache FILE where the hashes of the suite's artifacts are kept\n"
             "                        between runs (default $FANOUT_HASH_CACHE, else\n"
             "                        ./" FO_HASH_CACHE_DEFAULT "; off: none). docs/artifacts.md\n"
             "      --artifact PATTERN  ship PATTERN (relative to the suite's directory)\n"
             "                        to the agents, as the top level's artifacts:\n"
             "                        (repeatable)\n"
             "      --infer-artifacts ship the programs the tests run from under the\n"
             "                        suite's directory and their libraries (a --ctest\n"
             "                        build tree), as artifacts: []\n");
}

void
fo_cli_artifact_opts_free (fo_cli_artifact_opts *opts)
{
    fo_strv_free (&opts->patterns);
}

int
fo_cli_artifacts_prepare (const char *command, fo_suite *suite, const fo_cli_artifact_opts *opts,
                          fo_cli_artifacts *out)
{
    *out = (fo_cli_artifacts) { 0 };
    fo_context *root = suite->root;
    if (opts->patterns.len || opts->infer) {
        for (size_t i = 0; i < opts->patterns.len; i++)
            if (!fo_strv_contains (&root->artifacts, opts->patterns.items[i]))
                fo_strv_push (&root->artifacts, opts->patterns.items[i]);
        if (root->artifacts_line == 0)
            root->artifacts_line = -1;      /* declared on the command line */
    }
    const char *path = cache_path (opts->hash_cache);
    bool use_cache = strcmp (path, FO_CLI_HASH_CACHE_OFF) != 0;
    fo_hash_cache *cache = use_cache ? fo_hash_cache_new () : NULL;
    char err[2048];
    if (cache && fo_hash_cache_load (cache, path, err, sizeof err) != 0)
        fprintf (stderr, "fanout %s: warning: hash cache %s; hashing every file\n", command, err);
    out->set = fo_artifacts_collect (suite, cache, err, sizeof err);
    if (!out->set) {
        fprintf (stderr, "%s\n", err);
        fo_hash_cache_destroy (&cache);
        return FO_EXIT_USAGE;
    }
    if (fo_artifacts_count (out->set) > 0) {
        if (cache) {
            fo_log (FO_LOG_INFO, command, "artifacts: %zu files hashed (%llu bytes), %zu "
                    "unchanged from the hash cache", fo_hash_cache_hashed (cache),
                    (unsigned long long) fo_hash_cache_hashed_bytes (cache),
                    fo_hash_cache_reused (cache));
            if (fo_hash_cache_save (cache, path, err, sizeof err) != 0)
                fprintf (stderr, "fanout %s: warning: hash cache %s\n", command, err);
        }
        out->root = fo_xstrdup (suite->dir);
    }
    fo_hash_cache_destroy (&cache);
    return FO_EXIT_OK;
}

/* The context whose manifest a task ships: the one it runs whole, or its
   first test's, or the one its discovery lists. */
static const char *
manifest_of (void *arg, const fo_plan *plan, size_t task)
{
    const fo_cli_artifacts *self = arg;
    const fo_task *t = &plan->tasks[task];
    const fo_context *ctx = t->unit ? t->unit
                          : t->ntests > 0 ? plan->tests[fo_task_tests (t)[0]]->parent
                          : t->discovery != FO_NO_DISCOVERY ? plan->discoveries[t->discovery].ctx
                          : NULL;
    const fo_manifest *m = ctx ? fo_artifacts_for_context (self->set, ctx) : NULL;
    return m ? m->hex : NULL;
}

void
fo_cli_artifacts_apply (fo_cli_artifacts *self, fo_broker_options *bo)
{
    size_t n = fo_artifacts_count (self->set);
    if (n == 0)
        return;
    self->blobs = fo_blobs_new ();
    for (size_t i = 0; i < n; i++) {
        const fo_manifest *m = fo_artifacts_manifest (self->set, i);
        fo_blobs_add_data (self->blobs, m->hex, m->encoded.data, m->encoded.len);
        for (size_t j = 0; j < m->len; j++) {
            const fo_artifact *e = &m->items[j];
            if (e->kind != FO_ARTIFACT_FILE)
                continue;
            char hex[FO_HASH_HEX + 1];
            fo_hash_to_hex (e->hash, hex);
            fo_blobs_add_file (self->blobs, hex, e->source, e->size);
        }
    }
    bo->blobs = self->blobs;
    bo->run.manifest_of = manifest_of;
    bo->run.manifest_arg = self;
    bo->run.artifact_root = self->root;
}

void
fo_cli_artifacts_free (fo_cli_artifacts *self)
{
    fo_artifacts_destroy (&self->set);
    fo_blobs_destroy (&self->blobs);
    free (self->root);
    self->root = NULL;
}

static void
print_mode (FILE *out, const fo_artifact *e)
{
    if (e->kind == FO_ARTIFACT_LINK)
        fprintf (out, "link      ");
    else
        fprintf (out, "%s %04o ", e->kind == FO_ARTIFACT_DIR ? "dir " : "file", e->mode);
}

void
fo_cli_artifacts_print (FILE *out, const fo_artifact_set *set)
{
    size_t n = fo_artifacts_count (set);
    if (n == 0) {
        fprintf (out, "no artifacts: the tests run where the suite says, on every agent\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const fo_manifest *m = fo_artifacts_manifest (set, i);
        const fo_context *ctx = fo_artifacts_context (set, i);
        size_t dirs = 0, links = 0;
        for (size_t j = 0; j < m->len; j++) {
            dirs += m->items[j].kind == FO_ARTIFACT_DIR;
            links += m->items[j].kind == FO_ARTIFACT_LINK;
        }
        if (*ctx->id)
            fprintf (out, "context '%s'", ctx->id);
        else
            fprintf (out, "the top level");
        fprintf (out, ": manifest %.16s: %zu file%s (%llu bytes), %zu director%s, %zu link%s\n",
                 m->hex, m->files, m->files == 1 ? "" : "s", (unsigned long long) m->bytes,
                 dirs, dirs == 1 ? "y" : "ies", links, links == 1 ? "" : "s");
        for (size_t j = 0; j < m->len; j++) {
            const fo_artifact *e = &m->items[j];
            fprintf (out, "  ");
            print_mode (out, e);
            if (e->kind == FO_ARTIFACT_FILE)
                fprintf (out, "%12llu  ", (unsigned long long) e->size);
            else
                fprintf (out, "%12s  ", "");
            fprintf (out, "%s", e->path);
            if (e->kind == FO_ARTIFACT_LINK)
                fprintf (out, " -> %s", e->target);
            fputc ('\n', out);
        }
    }
}
