/*  fo_suite_load — reads a YAML suite file (docs/suite-file.md) into the
    tree of fo_suite.h, validating everything on the way.

    libyaml's document API does the parsing (and resolves anchors and
    aliases); this file walks the node graph and builds the tree, and
    fo_suite_yaml.c reads the single values. Every mistake stops the load
    with "file:line:column: message" pointing at the offending key or value,
    because a suite file is written by hand and the first thing its author
    needs is where to look. */
#include "fo_suite.h"
#include "fo_suite_yaml.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

/* The keys each kind of map accepts, in the order the error message lists
   them. */
static const char *const ROOT_KEYS[] = {
    "skip_code", "env", "timeout", "cwd", "tests", "contexts", NULL };
static const char *const CONTEXT_KEYS[] = {
    "name", "mode", "setup", "teardown", "env", "cwd", "timeout", "tests",
    "contexts", "discover", "discover_on", "run", NULL };
static const char *const TEST_KEYS[] = {
    "name", "run", "env", "cwd", "timeout", NULL };

/* The keys tests and contexts share. */
static bool
get_common (fo_yaml_reader *L, const char *key, const yaml_node_t *v, fo_env *env, char **cwd,
            uint32_t *timeout_ms)
{
    if (!strcmp (key, "env"))
        return fo_yaml_env (L, v, env);
    if (!strcmp (key, "cwd"))
        return fo_yaml_cwd (L, v, cwd);
    if (!strcmp (key, "timeout"))
        return fo_yaml_timeout (L, v, timeout_ms);
    return true;
}

static bool
load_test (fo_yaml_reader *L, fo_context *parent, const yaml_node_t *node)
{
    if (node->type != YAML_MAPPING_NODE)
        return fo_yaml_fail (L, node, "a test must be a map with 'name' and 'run'");
    if (!fo_yaml_check_keys (L, node, TEST_KEYS, "in test"))
        return false;
    const yaml_node_t *name_node = fo_yaml_lookup (L, node, "name");
    const char *name = NULL;
    if (!name_node)
        return fo_yaml_fail (L, node, "test has no 'name'");
    if (!fo_yaml_name (L, name_node, "test", &name))
        return false;
    if (!fo_yaml_lookup (L, node, "run"))
        return fo_yaml_fail (L, node, "test '%s' has no 'run'", name);

    fo_test *test = fo_test_new (parent, name);
    test->line = (int) node->start_mark.line + 1;
    test->column = (int) node->start_mark.column + 1;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *key = fo_yaml_text (fo_yaml_node (L, p->key));
        const yaml_node_t *v = fo_yaml_node (L, p->value);
        if (!strcmp (key, "run") ? !fo_yaml_command (L, v, "run", &test->run)
                                 : !get_common (L, key, v, &test->env, &test->cwd, &test->timeout_ms))
            return false;
    }
    return true;
}

static bool load_context (fo_yaml_reader *L, fo_context *parent, const yaml_node_t *node);

static bool
load_list (fo_yaml_reader *L, fo_context *ctx, const char *key, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fo_yaml_fail (L, v, "'%s' must be a list", key);
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
        if (!strcmp (key, "tests") ? !load_test (L, ctx, fo_yaml_node (L, *i))
                                   : !load_context (L, ctx, fo_yaml_node (L, *i)))
            return false;
    return true;
}

/* A context's `run` is the template of its discovered tests. */
static bool
get_template (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *v)
{
    fo_command cmd = { 0 };
    if (!fo_yaml_command (L, v, "run", &cmd)) {
        fo_strv_free (&cmd.argv);
        return false;
    }
    bool has_name = false;
    if (v->type == YAML_SCALAR_NODE) {
        ctx->run_template_shell = fo_xstrdup (cmd.argv.items[2]);
        has_name = strstr (ctx->run_template_shell, "{name}") != NULL;
        fo_strv_free (&cmd.argv);
    } else {
        ctx->run_template_argv = cmd.argv;
        for (size_t i = 0; i < cmd.argv.len; i++)
            has_name = has_name || strstr (cmd.argv.items[i], "{name}");
    }
    if (!has_name)
        return fo_yaml_fail (L, v, "the 'run' template must contain {name}");
    return true;
}

static bool
load_context_keys (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *node, bool root)
{
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *key = fo_yaml_text (fo_yaml_node (L, p->key));
        const yaml_node_t *v = fo_yaml_node (L, p->value);
        bool ok = true;
        if (!strcmp (key, "tests") || !strcmp (key, "contexts"))
            ok = load_list (L, ctx, key, v);
        else if (!strcmp (key, "mode"))
            ok = fo_yaml_mode (L, v, &ctx->mode);
        else if (!strcmp (key, "setup"))
            ok = fo_yaml_command (L, v, "setup", &ctx->setup);
        else if (!strcmp (key, "teardown"))
            ok = fo_yaml_command (L, v, "teardown", &ctx->teardown);
        else if (!strcmp (key, "discover"))
            ok = fo_yaml_command (L, v, "discover", &ctx->discover);
        else if (!strcmp (key, "run"))
            ok = get_template (L, ctx, v);
        else if (!strcmp (key, "discover_on")) {
            const char *where = v->type == YAML_SCALAR_NODE ? fo_yaml_text (v) : "";
            if (strcmp (where, "broker") && strcmp (where, "agent"))
                return fo_yaml_fail (L, v, "'discover_on' must be 'broker' or 'agent'");
            ctx->discover_on_agent = !strcmp (where, "agent");
        }
        else if (root && !strcmp (key, "skip_code")) {
            const char *s = v->type == YAML_SCALAR_NODE ? fo_yaml_text (v) : "";
            size_t n = strspn (s, "0123456789");
            long code = n > 0 && n <= 3 && !s[n] ? strtol (s, NULL, 10) : 0;
            if (code < 1 || code > 255)
                return fo_yaml_fail (L, v, "'skip_code' must be an integer from 1 to 255");
            L->suite->skip_code = (int) code;
        } else
            ok = get_common (L, key, v, &ctx->env, &ctx->cwd, &ctx->timeout_ms);
        if (!ok)
            return false;
    }
    const yaml_node_t *discover = fo_yaml_lookup (L, node, "discover"), *run = fo_yaml_lookup (L, node, "run");
    if (discover && !run)
        return fo_yaml_fail (L, discover, "'discover' needs a 'run' template containing {name}");
    if (run && !discover)
        return fo_yaml_fail (L, run, "'run' in a context is the template for discovered tests "
                             "and needs 'discover'");
    const yaml_node_t *on = fo_yaml_lookup (L, node, "discover_on");
    if (on && !discover)
        return fo_yaml_fail (L, on, "'discover_on' says where 'discover' runs and needs it");
    return true;
}

static bool
load_context (fo_yaml_reader *L, fo_context *parent, const yaml_node_t *node)
{
    if (node->type != YAML_MAPPING_NODE)
        return fo_yaml_fail (L, node, "a context must be a map with a 'name'");
    if (!fo_yaml_check_keys (L, node, CONTEXT_KEYS, "in context"))
        return false;
    const yaml_node_t *name_node = fo_yaml_lookup (L, node, "name");
    const char *name = NULL;
    if (!name_node)
        return fo_yaml_fail (L, node, "context has no 'name'");
    if (!fo_yaml_name (L, name_node, "context", &name))
        return false;
    for (size_t i = 0; i < parent->ncontexts; i++)
        if (!strcmp (parent->contexts[i]->name, name))
            return fo_yaml_fail (L, node, "duplicate context name '%s' (first defined at line %d)", name,
                         parent->contexts[i]->line);

    fo_context *ctx = fo_context_new (parent, name);
    ctx->line = (int) node->start_mark.line + 1;
    ctx->column = (int) node->start_mark.column + 1;
    return load_context_keys (L, ctx, node, false);
}

/* ---- test ids: unique over the whole suite ----------------------------- */

static void
collect_tests (const fo_context *ctx, fo_test ***all, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < ctx->ntests; i++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *all = fo_xrealloc (*all, *cap * sizeof **all);
        }
        (*all)[(*n)++] = ctx->tests[i];
    }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        collect_tests (ctx->contexts[i], all, n, cap);
}

static int
position_cmp (const fo_test *a, const fo_test *b)
{
    return a->line != b->line ? (a->line > b->line) - (a->line < b->line)
                              : (a->column > b->column) - (a->column < b->column);
}

static int
by_id_then_position (const void *pa, const void *pb)
{
    const fo_test *a = *(fo_test *const *) pa, *b = *(fo_test *const *) pb;
    int c = strcmp (a->id, b->id);
    return c ? c : position_cmp (a, b);
}

/* Sorting by id puts duplicates next to each other; of all the repeats
   the one written first in the file is reported, against the first
   definition of its id. */
static bool
check_unique_ids (fo_yaml_reader *L)
{
    fo_test **all = NULL, *dup = NULL, *first = NULL;
    size_t n = 0, cap = 0;
    collect_tests (L->suite->root, &all, &n, &cap);
    if (n > 1)
        qsort (all, n, sizeof *all, by_id_then_position);
    for (size_t i = 1, group = 0; i < n; i++) {
        if (strcmp (all[i]->id, all[group]->id)) {
            group = i;
            continue;
        }
        if (!dup || position_cmp (all[i], dup) < 0) {
            dup = all[i];
            first = all[group];
        }
    }
    free (all);
    if (!dup)
        return true;
    yaml_mark_t at = { .line = (size_t) dup->line - 1, .column = (size_t) dup->column - 1 };
    return fo_yaml_fail_at (L, &at, "duplicate test id '%s' (first defined at line %d)", dup->id, first->line);
}

/* ---- the file ---------------------------------------------------------- */

/* libyaml's own words, at its mark. */
static bool
syntax_error (fo_yaml_reader *L, const yaml_parser_t *parser)
{
    if (parser->error == YAML_READER_ERROR)
        return fo_yaml_fail_at (L, NULL, "%s at byte %zu", parser->problem, parser->problem_offset);
    if (parser->context)
        return fo_yaml_fail_at (L, &parser->problem_mark, "%s (%s started at line %d, column %d)",
                        parser->problem, parser->context, (int) parser->context_mark.line + 1,
                        (int) parser->context_mark.column + 1);
    return fo_yaml_fail_at (L, &parser->problem_mark, "%s",
                    parser->problem ? parser->problem : "invalid YAML");
}

static bool
load_document (fo_yaml_reader *L, yaml_parser_t *parser)
{
    yaml_document_t doc;
    if (!yaml_parser_load (parser, &doc))
        return syntax_error (L, parser);
    L->doc = &doc;
    bool ok = false;
    const yaml_node_t *top = yaml_document_get_root_node (&doc);
    if (!top) {
        yaml_mark_t at = { 0 };
        fo_yaml_fail_at (L, &at, "the suite file is empty (expected a map with 'tests' or 'contexts')");
    } else if (top->type != YAML_MAPPING_NODE)
        fo_yaml_fail (L, top, "the top level must be a map (with 'tests' or 'contexts')");
    else if (fo_yaml_check_keys (L, top, ROOT_KEYS, "at the top level")) {
        fo_context *root = L->suite->root;
        root->line = (int) top->start_mark.line + 1;
        root->column = (int) top->start_mark.column + 1;
        ok = load_context_keys (L, root, top, true) && check_unique_ids (L);
    }
    yaml_document_delete (&doc);
    L->doc = NULL;
    if (!ok || !top)
        return ok;

    /* One document per file: a second one would be silently ignored. */
    if (!yaml_parser_load (parser, &doc))
        return syntax_error (L, parser);
    const yaml_node_t *next = yaml_document_get_root_node (&doc);
    if (next)
        ok = fo_yaml_fail (L, next, "a suite file must hold a single YAML document");
    yaml_document_delete (&doc);
    return ok;
}

static char *
suite_dir (const char *path)
{
    char *copy = fo_xstrdup (path);
    char *dir = realpath (dirname (copy), NULL);
    free (copy);
    return dir;
}

fo_suite *
fo_suite_load (const char *path, char *err, size_t errlen)
{
    fo_suite *suite = fo_xcalloc (1, sizeof *suite);
    suite->path = fo_xstrdup (path);
    suite->skip_code = FO_DEFAULT_SKIP_CODE;
    suite->root = fo_context_new (NULL, "");
    fo_yaml_reader L = { .suite = suite, .err = err, .errlen = errlen };

    FILE *file = fopen (path, "rb");
    struct stat st;
    if (file && fstat (fileno (file), &st) == 0 && S_ISDIR (st.st_mode)) {
        fclose (file);
        file = NULL;
        errno = EISDIR;
    }
    bool ok = false;
    if (!file)
        fo_yaml_fail_at (&L, NULL, "cannot open suite file: %s", strerror (errno));
    else {
        suite->dir = suite_dir (path);
        if (!suite->dir)
            fo_yaml_fail_at (&L, NULL, "cannot resolve the suite file's directory: %s", strerror (errno));
        else {
            yaml_parser_t parser;
            yaml_parser_initialize (&parser);
            yaml_parser_set_input_file (&parser, file);
            ok = load_document (&L, &parser);
            yaml_parser_delete (&parser);
        }
        fclose (file);
    }
    if (!ok)
        fo_suite_destroy (&suite);
    return suite;
}
