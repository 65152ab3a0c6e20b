/*  fo_suite_load — reads a YAML suite file (docs/suite-file.md) into the
    tree of fo_suite.h, validating everything on the way.

    libyaml parses; fo_suite_compose.c builds the document from its events
    under the limits a hostile file needs (nesting, alias expansion, cycles);
    this file walks the document and builds the tree, and fo_suite_yaml.c
    reads the single values. Every mistake stops the load with
    "file:line:column: message" pointing at the offending key or value,
    because a suite file is written by hand and the first thing its author
    needs is where to look.

    What the file will cost in memory is counted as the tree is built
    (fo_step_held_size) and bounded by the file's size: what a step
    inherits (env, cwd, a long context id) is copied into every step of the
    plan, so a small file could otherwise ask for gigabytes.

    The walk is linear in what the document expands to: ids are unique
    through the tree's index (a hash), contexts nest at most
    FO_SUITE_MAX_DEPTH deep (the only recursion), and what each step
    inherits (env, cwd) is passed down, never collected by walking up. */
#include "fo_suite.h"
#include "fo_suite_compose.h"
#include "fo_suite_source.h"
#include "fo_suite_tree.h"
#include "fo_suite_yaml.h"

#include "fo_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* Any step within the limit fits a message, with room for the rest of the
   lease (exports, other fields). */
_Static_assert (FO_SUITE_MAX_STEP <= FO_PROTO_MAX_STRING / 2, "a step must fit a protocol string");
_Static_assert (FO_SUITE_MAX_STEP <= FO_PROTO_MAX_MESSAGE / 4, "a step must fit a message");
_Static_assert (FO_SUITE_MAX_VALUE <= FO_SUITE_MAX_STEP, "a value must fit a step");

/* The keys each kind of map accepts, in the order the error message lists
   them. */
static const char *const ROOT_KEYS[] = {
    "skip_code", "env", "timeout", "cwd", "tests", "contexts", "source", "locks",
    "shared_locks", "resources", "requires", "artifacts", NULL };
static const char *const CONTEXT_KEYS[] = {
    "name", "mode", "setup", "teardown", "env", "cwd", "timeout", "tests",
    "contexts", "discover", "discover_on", "run", "labels", "source", "locks", "shared_locks",
    "resources", "requires", "artifacts", NULL };
static const char *const TEST_KEYS[] = {
    "name", "run", "env", "cwd", "timeout", "labels", "locks", "shared_locks", "resources",
    "requires", NULL };

/* What a context hands down to what it holds: how deep it is, and what
   its steps inherit, for the size limits. */
typedef struct {
    unsigned depth;         /* the root is 0 */
    size_t env_bytes;       /* the env of this context and all above it */
    size_t env_vars;
    size_t cwd_len;         /* the effective cwd's */
    size_t needs;           /* entries of fo_needs of this context and above */
} inherited;

/* A name or id for a message: a long one cut (FO_ID_SHOWN), so that what
   is wrong with it still fits. */
static char *
shown (const char *id)
{
    fo_buf out = { 0 };
    fo_name_escape (&out, id, strlen (id), FO_ID_SHOWN);
    return fo_buf_steal (&out);
}

/* "<kind> '<id>'", or "the top level". */
static void
set_owner (fo_yaml_reader *L, const char *kind, const char *id)
{
    free (L->owner);
    if (kind) {
        char *s = shown (id);
        L->owner = fo_xasprintf ("%s '%s'", kind, s);
        free (s);
    } else
        L->owner = fo_xstrdup ("the top level");
}

/* Counts what a step or a context will hold in memory against the file's
   budget: the one limit that sees a file multiply itself through what its
   steps inherit (an env, a cwd, a long context id) and through aliased
   tests, however each is within its own limits. */
static bool
hold (fo_yaml_reader *L, const yaml_mark_t *at, const char *what, uint64_t bytes)
{
    L->held += bytes;
    uint64_t budget = fo_suite_held_budget (L->file_size);
    if (L->held <= budget)
        return true;
    return fo_yaml_fail_at (L, at, "the suite's tests and fixtures would take more than %llu "
                            "bytes of memory to run (64 times the file's size, at least 64 MiB, "
                            "at most 1 GiB; at %s)", (unsigned long long) budget, what);
}

/* Labels are held, not sent: each its bytes and a string's 48. */
static bool
hold_labels (fo_yaml_reader *L, const yaml_mark_t *at, const fo_strv *labels)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < labels->len; i++)
        bytes += strlen (labels->items[i]) + 1 + 48;
    return bytes == 0 || hold (L, at, L->owner, bytes);
}

/* The limits of one step (a test, or a context's setup, teardown or
   discover), and of all of them together. what: "test 'a/b'", "setup of
   context 'a'". */
static bool
check_step (fo_yaml_reader *L, const yaml_mark_t *at, const char *what, size_t id_len,
            const fo_strv *argv, const inherited *env)
{
    if (env->env_vars > FO_SUITE_MAX_ENV_VARS)
        return fo_yaml_fail_at (L, at, "%s has %zu env variables with those it inherits (at most "
                                "%u)", what, env->env_vars, FO_SUITE_MAX_ENV_VARS);
    size_t size = fo_step_wire_size (id_len, argv, env->env_bytes, env->cwd_len);
    if (size > FO_SUITE_MAX_STEP)
        return fo_yaml_fail_at (L, at, "%s takes %zu bytes to send (its id twice, command, env "
                                "with what it inherits, cwd); the limit is %u MiB", what, size,
                                FO_SUITE_MAX_STEP >> 20);
    L->total += size;
    if (L->total > FO_SUITE_MAX_TOTAL)
        return fo_yaml_fail_at (L, at, "the suite's tests and fixtures take more than %u MiB to "
                                "send in all (at %s)", FO_SUITE_MAX_TOTAL >> 20, what);
    return hold (L, at, what, fo_step_held_size (id_len, size, 2 + argv->len + 2 * env->env_vars + 1));
}

/* The keys tests and contexts share. */
static bool
get_common (fo_yaml_reader *L, const char *key, const yaml_node_t *v, fo_env *env, char **cwd,
            uint32_t *timeout_ms, fo_needs **needs)
{
    if (fo_yaml_is_needs_key (key)) {
        if (!*needs)
            *needs = fo_needs_new ();
        return fo_yaml_needs (L, key, v, *needs);
    }
    if (!strcmp (key, "env"))
        return fo_yaml_env (L, v, env);
    if (!strcmp (key, "cwd"))
        return fo_yaml_cwd (L, v, cwd);
    if (!strcmp (key, "timeout"))
        return fo_yaml_timeout (L, v, timeout_ms);
    return true;
}

/* A test's or context's needs: a lock not both ways, and at most
   FO_NEEDS_MAX entries with what it inherits (what placement compares
   per lease stays small, whatever the file). */
static bool
check_needs (fo_yaml_reader *L, const yaml_node_t *node, const fo_needs *needs,
             const inherited *up)
{
    if (needs && !fo_yaml_needs_check (L, node, needs))
        return false;
    size_t n = up->needs + fo_needs_count (needs);
    if (n > FO_NEEDS_MAX)
        return fo_yaml_fail (L, node, "%s asks for %zu locks, resources and labels with those "
                             "it inherits (at most %u)", L->owner, n, FO_NEEDS_MAX);
    return true;
}

/* What a step of ctx (or of a test in it, with its own env and cwd on top)
   inherits. */
static inherited
inherit (const inherited *up, const fo_env *env, const char *cwd)
{
    inherited here = *up;
    here.env_bytes += fo_env_wire_size (env);
    here.env_vars += env->len;
    if (cwd)
        here.cwd_len = strlen (cwd);
    return here;
}

static bool
load_test (fo_yaml_reader *L, fo_context *parent, const yaml_node_t *node, const inherited *up)
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
    if (!fo_yaml_lookup (L, node, "run")) {
        char *s = shown (name);
        fo_yaml_fail (L, node, "test '%s' has no 'run'", s);
        free (s);
        return false;
    }

    /* A '/' in a name can spell another path's id: "a" + "b/c" is "a/b" + "c". */
    char *id = fo_context_child_id (parent, name);
    const fo_test *first = fo_suite_find_test (L->suite, id);
    if (first) {
        char *s = shown (id);
        fo_yaml_fail (L, node, "duplicate test id '%s' (first defined at line %d)", s, first->line);
        free (s);
        free (id);
        return false;
    }
    free (id);
    fo_test *test = fo_test_new (parent, name);
    test->line = (int) node->start_mark.line + 1;
    test->column = (int) node->start_mark.column + 1;
    set_owner (L, "test", test->id);
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *key = fo_yaml_text (fo_yaml_node (L, p->key));
        const yaml_node_t *v = fo_yaml_node (L, p->value);
        if (!strcmp (key, "run") ? !fo_yaml_command (L, v, "run", &test->run)
            : !strcmp (key, "labels") ? !fo_yaml_labels (L, v, &test->labels)
            : !get_common (L, key, v, &test->env, &test->cwd, &test->timeout_ms, &test->needs))
            return false;
    }
    if (!hold_labels (L, &node->start_mark, &test->labels) || !check_needs (L, node, test->needs, up))
        return false;
    inherited mine = inherit (up, &test->env, test->cwd);
    return check_step (L, &node->start_mark, L->owner, strlen (test->id), &test->run.argv, &mine);
}

static bool load_context (fo_yaml_reader *L, fo_context *parent, const yaml_node_t *node,
                          const inherited *up);

static bool
load_list (fo_yaml_reader *L, fo_context *ctx, const char *key, const yaml_node_t *v,
           const inherited *here)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fo_yaml_fail (L, v, "'%s' must be a list", key);
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++)
        if (!strcmp (key, "tests") ? !load_test (L, ctx, fo_yaml_node (L, *i), here)
                                   : !load_context (L, ctx, fo_yaml_node (L, *i), here))
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

/* One key of a context (or of the top level), but its lists. */
static bool
load_setting (fo_yaml_reader *L, fo_context *ctx, const char *key, const yaml_node_t *v, bool root)
{
    if (!strcmp (key, "mode"))
        return fo_yaml_mode (L, v, &ctx->mode);
    if (!strcmp (key, "setup"))
        return fo_yaml_command (L, v, "setup", &ctx->setup);
    if (!strcmp (key, "teardown"))
        return fo_yaml_command (L, v, "teardown", &ctx->teardown);
    if (!strcmp (key, "labels"))
        return fo_yaml_labels (L, v, &ctx->labels) && hold_labels (L, &v->start_mark, &ctx->labels);
    if (!strcmp (key, "discover"))
        return fo_yaml_command (L, v, "discover", &ctx->discover);
    if (!strcmp (key, "run"))
        return get_template (L, ctx, v);
    if (!strcmp (key, "source"))
        return fo_yaml_sources (L, ctx, v);
    if (!strcmp (key, "artifacts"))
        return fo_yaml_artifacts (L, ctx, v);
    if (!strcmp (key, "discover_on")) {
        const char *where = v->type == YAML_SCALAR_NODE ? fo_yaml_text (v) : "";
        if (strcmp (where, "broker") && strcmp (where, "agent"))
            return fo_yaml_fail (L, v, "'discover_on' must be 'broker' or 'agent'");
        ctx->discover_on_agent = !strcmp (where, "agent");
        return true;
    }
    if (root && !strcmp (key, "skip_code")) {
        const char *s = v->type == YAML_SCALAR_NODE ? fo_yaml_text (v) : "";
        size_t n = strspn (s, "0123456789");
        long code = n > 0 && n <= 3 && !s[n] ? strtol (s, NULL, 10) : 0;
        if (code < 1 || code > 255)
            return fo_yaml_fail (L, v, "'skip_code' must be an integer from 1 to 255");
        L->suite->skip_code = (int) code;
        return true;
    }
    return get_common (L, key, v, &ctx->env, &ctx->cwd, &ctx->timeout_ms, &ctx->needs);
}

/* The commands a context runs itself are steps too. */
static bool
check_fixtures (fo_yaml_reader *L, const fo_context *ctx, const inherited *here)
{
    const struct { const char *kind; const fo_command *cmd; } steps[] = {
        { "setup", &ctx->setup }, { "teardown", &ctx->teardown }, { "discover", &ctx->discover },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i].cmd->argv.len == 0)
            continue;
        yaml_mark_t at = { .line = (size_t) steps[i].cmd->line - 1,
                           .column = (size_t) steps[i].cmd->column - 1 };
        char *id = shown (ctx->id);
        char *what = fo_xasprintf ("%s of context '%s'", steps[i].kind, id);
        free (id);
        bool ok = check_step (L, &at, what, strlen (ctx->id), &steps[i].cmd->argv, here);
        free (what);
        if (!ok)
            return false;
    }
    return true;
}

/* A context's own settings first, then what it holds (its tests need its
   env and cwd for their sizes, wherever the keys are written). */
static bool
load_context_keys (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *node, bool root,
                   const inherited *up)
{
    if (root)
        set_owner (L, NULL, NULL);      /* a context's is set by load_context */
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *key = fo_yaml_text (fo_yaml_node (L, p->key));
        if (strcmp (key, "tests") && strcmp (key, "contexts")
            && !load_setting (L, ctx, key, fo_yaml_node (L, p->value), root))
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

    if (!check_needs (L, node, ctx->needs, up))
        return false;
    inherited here = inherit (up, &ctx->env, ctx->cwd);
    here.needs += fo_needs_count (ctx->needs);
    if (!check_fixtures (L, ctx, &here))
        return false;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *key = fo_yaml_text (fo_yaml_node (L, p->key));
        if ((!strcmp (key, "tests") || !strcmp (key, "contexts"))
            && !load_list (L, ctx, key, fo_yaml_node (L, p->value), &here))
            return false;
    }
    return true;
}

static bool
load_context (fo_yaml_reader *L, fo_context *parent, const yaml_node_t *node, const inherited *up)
{
    if (node->type != YAML_MAPPING_NODE)
        return fo_yaml_fail (L, node, "a context must be a map with a 'name'");
    if (up->depth >= FO_SUITE_MAX_DEPTH)
        return fo_yaml_fail (L, node, "contexts nest deeper than %u levels here",
                             FO_SUITE_MAX_DEPTH);
    if (!fo_yaml_check_keys (L, node, CONTEXT_KEYS, "in context"))
        return false;
    const yaml_node_t *name_node = fo_yaml_lookup (L, node, "name");
    const char *name = NULL;
    if (!name_node)
        return fo_yaml_fail (L, node, "context has no 'name'");
    if (!fo_yaml_name (L, name_node, "context", &name))
        return false;
    char *id = fo_context_child_id (parent, name);
    const fo_context *first = fo_suite_find_context (L->suite, id);
    if (first) {
        char *s = shown (first->parent == parent ? name : id);
        fo_yaml_fail (L, node, "duplicate context %s '%s' (first defined at line %d)",
                      first->parent == parent ? "name" : "id", s, first->line);
        free (s);
        free (id);
        return false;
    }
    L->total += strlen (id);
    free (id);
    fo_context *ctx = fo_context_new (parent, name);
    ctx->line = (int) node->start_mark.line + 1;
    ctx->column = (int) node->start_mark.column + 1;
    set_owner (L, "context", ctx->id);
    if (L->total > FO_SUITE_MAX_TOTAL)
        return fo_yaml_fail (L, node, "the suite's tests and fixtures take more than %u MiB to "
                             "send in all (at %s)", FO_SUITE_MAX_TOTAL >> 20, L->owner);
    if (!hold (L, &node->start_mark, L->owner, fo_context_held_size (strlen (ctx->id))))
        return false;
    inherited down = *up;
    down.depth++;
    return load_context_keys (L, ctx, node, false, &down);
}

/* ---- the file ---------------------------------------------------------- */

static bool
load_document (fo_yaml_reader *L, yaml_parser_t *parser)
{
    yaml_document_t doc;
    int got = fo_yaml_compose (L, parser, &doc);
    if (got < 0)
        return false;
    const yaml_node_t *top = got ? yaml_document_get_root_node (&doc) : NULL;
    bool ok = false;
    L->doc = &doc;
    if (!top) {
        yaml_mark_t at = { 0 };
        fo_yaml_fail_at (L, &at, "the suite file is empty (expected a map with 'tests' or 'contexts')");
    } else if (top->type != YAML_MAPPING_NODE)
        fo_yaml_fail (L, top, "the top level must be a map (with 'tests' or 'contexts')");
    else if (fo_yaml_check_keys (L, top, ROOT_KEYS, "at the top level")) {
        fo_context *root = L->suite->root;
        root->line = (int) top->start_mark.line + 1;
        root->column = (int) top->start_mark.column + 1;
        inherited none = { .cwd_len = strlen (L->suite->dir) };
        ok = load_context_keys (L, root, top, true, &none);
    }
    if (got)
        yaml_document_delete (&doc);
    L->doc = NULL;
    if (!ok)
        return false;

    /* One document per file: a second one would be silently ignored. */
    got = fo_yaml_compose (L, parser, &doc);
    if (got < 0)
        return false;
    if (got) {
        const yaml_node_t *next = yaml_document_get_root_node (&doc);
        if (next)
            ok = fo_yaml_fail (L, next, "a suite file must hold a single YAML document");
        yaml_document_delete (&doc);
    }
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
fo_suite_load_buffer (const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    fo_suite *suite = fo_xcalloc (1, sizeof *suite);
    suite->path = fo_xstrdup (path);
    suite->skip_code = FO_DEFAULT_SKIP_CODE;
    suite->root = fo_context_new (NULL, "");
    fo_yaml_reader L = { .suite = suite, .err = err, .errlen = errlen, .file_size = len };
    bool ok = false;
    suite->dir = suite_dir (path);
    if (!suite->dir)
        fo_yaml_fail_at (&L, NULL, "cannot resolve the suite file's directory: %s", strerror (errno));
    else if (len > FO_SUITE_MAX_FILE)
        fo_yaml_fail_at (&L, NULL, "the suite file is %zu bytes long (at most %u MiB)", len,
                         FO_SUITE_MAX_FILE >> 20);
    else {
        yaml_parser_t parser;
        yaml_parser_initialize (&parser);
        yaml_parser_set_input_string (&parser, data, len);
        ok = load_document (&L, &parser);
        yaml_parser_delete (&parser);
    }
    free (L.owner);
    if (!ok)
        fo_suite_destroy (&suite);
    return suite;
}

/* The whole file, or NULL with errno (EFBIG past the limit: it is not
   read further). */
static char *
read_file (const char *path, size_t *len)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode)) {
        close (fd);
        errno = EISDIR;
        return NULL;
    }
    fo_buf buf = { 0 };
    char chunk[65536];
    ssize_t n;
    while ((n = read (fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || buf.len + (size_t) n > FO_SUITE_MAX_FILE) {
            int saved = n < 0 ? errno : EFBIG;
            fo_buf_free (&buf);
            close (fd);
            errno = saved;
            return NULL;
        }
        fo_buf_append (&buf, chunk, (size_t) n);
    }
    close (fd);
    fo_buf_puts (&buf, "");
    *len = buf.len;
    return fo_buf_steal (&buf);
}

fo_suite *
fo_suite_load (const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *data = read_file (path, &len);
    if (!data) {
        if (err && errlen) {
            if (errno == EFBIG)
                snprintf (err, errlen, "%s: the suite file is longer than %u MiB", path,
                          FO_SUITE_MAX_FILE >> 20);
            else
                snprintf (err, errlen, "%s: cannot open suite file: %s", path, strerror (errno));
        }
        return NULL;
    }
    fo_suite *suite = fo_suite_load_buffer (path, data, len, err, errlen);
    free (data);
    return suite;
}
