/*  fo_suite_load — reads a YAML suite file (docs/suite-file.md) into the
    tree of fo_suite.h, validating everything on the way.

    The file is read as a stream: libyaml's events (fo_suite_events.c:
    aliases expanded, the limits a hostile file needs) go straight into the
    tree, and no document of the whole file is ever built (at a million
    tests it took some 1.5 kB per test, more than the tree). The top level
    and each context are a small state machine over their keys (a table:
    one entry per key, what it accepts and where); `tests` and `contexts`
    are read item by item as they stream; every other value, and each test
    whole, is composed into a small document alone and read by the value
    readers of fo_suite_yaml.c, then dropped. Every mistake stops the load
    with "file:line:column: message" pointing at the offending key or
    value, because a suite file is written by hand and the first thing its
    author needs is where to look.

    A file with an alias is read twice: first as events only, each alias
    counted at what it stands for and nothing built (fo_yaml_events_check),
    so that an alias bomb, or any YAML error, stops it before any of it is
    built, as when a document was composed first.

    A context's tests need its name (their ids) when they are read: values
    written before the name are composed and kept until it comes (a file
    written `name:` first streams). What a step inherits (env, cwd, needs)
    is only known once the file is read, so the limits that depend on it
    are checked then, over the tree (fo_suite_check.c).

    Linear in what the file expands to: ids are unique through the tree's
    index (a hash), contexts nest at most FO_SUITE_MAX_DEPTH deep (the only
    recursion). */
#include "fo_suite.h"
#include "fo_suite_check.h"
#include "fo_suite_events.h"
#include "fo_suite_quick.h"
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

size_t fo_suite_max_tests = FO_SUITE_MAX_TESTS;

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

/* ---- the values of tests and contexts ------------------------------------ */

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
    if (!strcmp (key, "env") && env)   /* NULL: the caller read it (a test's) */
        return fo_yaml_env (L, v, env);
    if (!strcmp (key, "cwd"))
        return fo_yaml_cwd (L, v, cwd);
    if (!strcmp (key, "timeout"))
        return fo_yaml_timeout (L, v, timeout_ms);
    return true;
}

/* A command's list to its size (fo_strv grows by 8: 56 bytes a test). */
static bool
fit (fo_strv *argv)
{
    argv->items = fo_xrealloc (argv->items, (argv->len + 1) * sizeof *argv->items);
    argv->cap = argv->len + 1;
    return true;
}

/* Whether key is `run` with a value whose messages never name the test:
   every argument within FO_SUITE_MAX_VALUE. */
static bool
short_command (fo_yaml_reader *L, const char *key, const yaml_node_t *v)
{
    if (strcmp (key, "run"))
        return false;
    if (v->type == YAML_SCALAR_NODE)
        return v->data.scalar.length <= FO_SUITE_MAX_VALUE;
    if (v->type != YAML_SEQUENCE_NODE)
        return true;
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
        const yaml_node_t *arg = fo_yaml_node (L, *i);
        if (arg->type == YAML_SCALAR_NODE && arg->data.scalar.length > FO_SUITE_MAX_VALUE)
            return false;
    }
    return true;
}

/* A test, composed alone (node, in L's document). The limits that depend
   on what it inherits are fo_suite_check.c's, once the file is read. */
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
    if (!fo_yaml_lookup (L, node, "run")) {
        char *s = fo_yaml_shown (name);
        fo_yaml_fail (L, node, "test '%s' has no 'run'", s);
        free (s);
        return false;
    }

    /* A '/' in a name can spell another path's id: "a" + "b/c" is "a/b" + "c". */
    char *id = fo_context_child_id (parent, name);
    const fo_test *first = fo_suite_find_test (L->suite, id);
    if (first) {
        char *s = fo_yaml_shown (id);
        fo_yaml_fail (L, node, "duplicate test id '%s' (first defined at line %d)", s, first->line);
        free (s);
        free (id);
        return false;
    }
    fo_test *test = fo_test_adopt (parent, name, id);
    test->line = (int) node->start_mark.line + 1;
    test->column = (int) node->start_mark.column + 1;
    /* The owner names it in the readers' messages: made only for a value
       that may need it (most tests have nothing but a name and a command
       of a sane length: a million owners were 7% of loading). */
    bool owned = false;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *key = fo_yaml_text (fo_yaml_node (L, p->key));
        const yaml_node_t *v = fo_yaml_node (L, p->value);
        if (!owned && strcmp (key, "name") && !short_command (L, key, v)) {
            fo_yaml_set_owner (L, "test", test->id);
            owned = true;
        }
        if (!strcmp (key, "run") ? !fo_yaml_command (L, v, "run", &test->run)
                                     || !fit (&test->run.argv)
            : !strcmp (key, "labels") ? !fo_yaml_labels (L, v, fo_test_labels_own (test))
            /* its env out of line, made only when it has one */
            : !strcmp (key, "env") ? !fo_yaml_env (L, v, fo_test_env_own (test))
            : !get_common (L, key, v, NULL, &test->cwd, &test->timeout_ms, &test->needs))
            return false;
    }
    return !test->needs || !test->needs->shared_locks.len || !test->needs->locks.len
           || fo_yaml_needs_check (L, &fo_yaml_lookup (L, node, "shared_locks")->start_mark,
                                   test->needs);
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

/* One key of a context (or of the top level), but its name and lists. */
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
        return fo_yaml_labels (L, v, &ctx->labels);
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

/* ---- the stream: the top level and contexts -------------------------------- */

/* How each key of a context's map (or of the top level's) is read: its
   lists streamed item by item, its name first of all, every other value
   composed alone and given to load_setting. A new key of a context is a
   line in CONTEXT_KEYS (and ROOT_KEYS) and a branch of load_setting; one
   that holds tests or contexts to stream, a line here. */
typedef enum { KEY_VALUE, KEY_NAME, KEY_TESTS, KEY_CONTEXTS } key_kind;

static const struct {
    const char *key;
    key_kind kind;
} STREAMED_KEYS[] = {
    { "name", KEY_NAME }, { "tests", KEY_TESTS }, { "contexts", KEY_CONTEXTS },
};

static key_kind
kind_of (const char *key)
{
    for (size_t i = 0; i < sizeof STREAMED_KEYS / sizeof STREAMED_KEYS[0]; i++)
        if (!strcmp (key, STREAMED_KEYS[i].key))
            return STREAMED_KEYS[i].kind;
    return KEY_VALUE;
}

#define MAX_KEYS 32     /* of ROOT_KEYS and CONTEXT_KEYS, each */
_Static_assert (sizeof ROOT_KEYS / sizeof ROOT_KEYS[0] <= MAX_KEYS, "MAX_KEYS");
_Static_assert (sizeof CONTEXT_KEYS / sizeof CONTEXT_KEYS[0] <= MAX_KEYS, "MAX_KEYS");

/* A context's map (or the top level's) being read. */
typedef struct {
    fo_context *ctx;            /* NULL until its name is read */
    fo_context *parent;
    bool root;
    unsigned depth;             /* the top level is 0 */
    yaml_mark_t at;             /* where the map starts */
    const char *const *allowed; /* ROOT_KEYS or CONTEXT_KEYS */
    const char *where;          /* "at the top level", "in context" */
    int first_line[MAX_KEYS];   /* each allowed key: its line, 0 = not yet */
    yaml_mark_t mark[MAX_KEYS]; /* each key's value: where it is */
    fo_yaml_value *early;       /* values written before the name, kept */
    fo_suite_known known;       /* what its steps inherit, as read so far */
    size_t early_key[MAX_KEYS];
    int early_node[MAX_KEYS];
    size_t nearly;
} map_state;

typedef struct {
    fo_yaml_reader *L;
    fo_yaml_events *E;
    fo_yaml_value *value;       /* the value or test being read */
    fo_suite_quick *quick;      /* tests of the common shape */
} stream;

static bool read_map (stream *S, map_state *st);

static size_t
key_index (const char *const *allowed, const char *key)
{
    size_t i = 0;
    while (allowed[i] && strcmp (allowed[i], key))
        i++;
    return i;
}

/* Composes the value that starts with first into value; L reads it. */
static const yaml_node_t *
compose (stream *S, const fo_yaml_ev *first, fo_yaml_value *value)
{
    int node = fo_yaml_events_compose (S->E, first, value);
    S->L->doc = fo_yaml_value_doc (value);
    return node ? yaml_document_get_node (S->L->doc, node) : NULL;
}

/* One item of `tests`: composed whole (its keys are checked before any
   value is read), then built. */
static bool
read_test (stream *S, const map_state *st, const fo_yaml_ev *first)
{
    fo_context *parent = st->ctx;
    fo_yaml_reader *L = S->L;
    if (L->ntests >= fo_suite_max_tests)
        return fo_yaml_fail_at (L, &first->start_mark, "the suite file has more than %zu tests",
                                fo_suite_max_tests);
    int quick = first->type == YAML_MAPPING_START_EVENT
                ? fo_suite_quick_test (S->quick, L, S->E, parent, first) : 0;
    bool ok = quick > 0;
    if (quick == 0) {
        const yaml_node_t *node = compose (S, first, S->value);
        ok = node && load_test (L, parent, node);
        fo_yaml_value_clear (S->E, S->value);
    }
    L->ntests++;
    if (!ok)
        return false;
    const fo_test *test = parent->tests[parent->ntests - 1];
    fo_suite_known mine = st->known;
    mine.env_bytes += fo_env_wire_size (fo_test_env (test));
    mine.env_vars += fo_test_env (test)->len;
    if (test->cwd)
        mine.cwd_len = strlen (test->cwd);
    return fo_suite_check_early (L, &first->start_mark, "test", test->id, &test->run.argv,
                                 fo_test_labels (test), &mine);
}

/* One item of `contexts`: a map streamed key by key. */
static bool
read_context (stream *S, const map_state *up, const fo_yaml_ev *first)
{
    fo_yaml_reader *L = S->L;
    fo_context *parent = up->ctx;
    unsigned depth = up->depth + 1;
    if (first->type != YAML_MAPPING_START_EVENT || depth > FO_SUITE_MAX_DEPTH) {
        /* what is wrong with it is said once libyaml has read it whole, as
           for any value: its own YAML errors first */
        const yaml_node_t *node = compose (S, first, S->value);
        if (node && node->type != YAML_MAPPING_NODE)
            fo_yaml_fail (L, node, "a context must be a map with a 'name'");
        else if (node)
            fo_yaml_fail (L, node, "contexts nest deeper than %u levels here", FO_SUITE_MAX_DEPTH);
        fo_yaml_value_clear (S->E, S->value);
        return false;
    }
    map_state st = { .parent = parent, .depth = depth, .at = first->start_mark,
                     .allowed = CONTEXT_KEYS, .where = "in context", .known = up->known };
    bool ok = read_map (S, &st);
    fo_yaml_value_destroy (S->E, &st.early);
    return ok;
}

/* `tests` or `contexts` of st's context, from its first event on. */
static bool
read_list (stream *S, map_state *st, key_kind kind, const fo_yaml_ev *first)
{
    if (first->type != YAML_SEQUENCE_START_EVENT) {
        const yaml_node_t *node = compose (S, first, S->value);
        if (node)
            fo_yaml_fail (S->L, node, "'%s' must be a list", kind == KEY_TESTS ? "tests" : "contexts");
        fo_yaml_value_clear (S->E, S->value);
        return false;
    }
    for (;;) {
        fo_yaml_ev item;
        if (!fo_yaml_events_next (S->E, &item))
            return false;
        if (item.type == YAML_SEQUENCE_END_EVENT)
            return true;
        if (kind == KEY_TESTS ? !read_test (S, st, &item)
                              : !read_context (S, st, &item))
            return false;
    }
}

/* A setting's value (node, in L's document) for st's context. */
static bool
apply (stream *S, map_state *st, size_t k, const yaml_node_t *v)
{
    fo_yaml_reader *L = S->L;
    const char *key = st->allowed[k];
    if (L->owner_of != st->ctx) {
        /* the readers' messages name it: made when a value is read (an
           alias bomb makes 100,000 contexts with nothing but a name) */
        fo_yaml_set_owner (L, st->root ? NULL : "context", st->ctx->id);
        L->owner_of = st->ctx;
    }
    size_t env_before = fo_env_wire_size (&st->ctx->env), vars_before = st->ctx->env.len;
    if (!load_setting (L, st->ctx, key, v, st->root))
        return false;
    if (!strcmp (key, "env")) {
        st->known.env_bytes += fo_env_wire_size (&st->ctx->env) - env_before;
        st->known.env_vars += st->ctx->env.len - vars_before;
    } else if (!strcmp (key, "cwd"))
        st->known.cwd_len = strlen (st->ctx->cwd);
    else if (!strcmp (key, "setup") || !strcmp (key, "teardown") || !strcmp (key, "discover")) {
        const fo_command *cmd = !strcmp (key, "setup") ? &st->ctx->setup
                                : !strcmp (key, "teardown") ? &st->ctx->teardown
                                : &st->ctx->discover;
        if (!fo_suite_check_early (L, &v->start_mark, key, st->ctx->id, &cmd->argv, NULL,
                                   &st->known))
            return false;
    }
    /* a lock both ways: said at `shared_locks`, whichever came second */
    const fo_needs *needs = st->ctx->needs;
    size_t shared = key_index (st->allowed, "shared_locks");
    if ((!strcmp (key, "locks") || !strcmp (key, "shared_locks")) && needs
        && needs->locks.len && needs->shared_locks.len)
        return fo_yaml_needs_check (L, &st->mark[shared], needs);
    return true;
}

/* The context's name: it is made. */
static bool
name_context (stream *S, map_state *st, const yaml_node_t *name_node)
{
    fo_yaml_reader *L = S->L;
    const char *name = NULL;
    if (!fo_yaml_name (L, name_node, "context", &name))
        return false;
    char *id = fo_context_child_id (st->parent, name);
    const fo_context *first = fo_suite_find_context (L->suite, id);
    if (first) {
        char *s = fo_yaml_shown (first->parent == st->parent ? name : id);
        fo_yaml_fail_at (L, &st->at, "duplicate context %s '%s' (first defined at line %d)",
                         first->parent == st->parent ? "name" : "id", s, first->line);
        free (s);
        free (id);
        return false;
    }
    st->ctx = fo_context_adopt (st->parent, name, id);
    st->ctx->line = (int) st->at.line + 1;
    st->ctx->column = (int) st->at.column + 1;
    return fo_suite_check_early (L, &st->at, "context", st->ctx->id, NULL, NULL, &st->known);
}

/* What was written before the name, read now that it is known: the
   settings first, as a file written name-first reads them, then the
   lists, replayed as events. */
static bool
read_early (stream *S, map_state *st)
{
    for (size_t i = 0; i < st->nearly; i++) {
        S->L->doc = fo_yaml_value_doc (st->early);
        key_kind kind = kind_of (st->allowed[st->early_key[i]]);
        if (kind == KEY_VALUE
            && !apply (S, st, st->early_key[i], yaml_document_get_node (fo_yaml_value_doc (st->early), st->early_node[i])))
            return false;
    }
    for (size_t i = 0; i < st->nearly; i++) {
        key_kind kind = kind_of (st->allowed[st->early_key[i]]);
        if (kind == KEY_VALUE)
            continue;
        fo_yaml_ev ev;
        if (!fo_yaml_events_replay (S->E, fo_yaml_value_doc (st->early), st->early_node[i], &st->at)
            || !fo_yaml_events_next (S->E, &ev) || !read_list (S, st, kind, &ev))
            return false;
    }
    return true;
}

/* The value of key k, from its first event. */
static bool
read_value (stream *S, map_state *st, size_t k, const fo_yaml_ev *first)
{
    key_kind kind = kind_of (st->allowed[k]);
    st->mark[k] = first->start_mark;
    if (st->ctx && (kind == KEY_TESTS || kind == KEY_CONTEXTS))
        return read_list (S, st, kind, first);
    if (!st->ctx && kind != KEY_NAME) {
        /* before the name: kept until it comes */
        if (!st->early)
            st->early = fo_yaml_value_new ();
        int node = fo_yaml_events_compose (S->E, first, st->early);
        if (!node)
            return false;
        st->early_key[st->nearly] = k;
        st->early_node[st->nearly++] = node;
        return true;
    }
    const yaml_node_t *v = compose (S, first, S->value);
    bool ok = v && (kind == KEY_NAME ? name_context (S, st, v) : apply (S, st, k, v));
    fo_yaml_value_clear (S->E, S->value);
    return ok && (kind != KEY_NAME || read_early (S, st));
}

/* What a context's keys must say together, once all are read. */
static bool
end_map (stream *S, map_state *st)
{
    fo_yaml_reader *L = S->L;
    if (!st->ctx)
        return fo_yaml_fail_at (L, &st->at, "context has no 'name'");
    size_t discover = key_index (st->allowed, "discover"), run = key_index (st->allowed, "run");
    size_t on = key_index (st->allowed, "discover_on");
    if (st->root)
        return true;
    if (st->first_line[discover] && !st->first_line[run])
        return fo_yaml_fail_at (L, &st->mark[discover], "'discover' needs a 'run' template "
                                "containing {name}");
    if (st->first_line[run] && !st->first_line[discover])
        return fo_yaml_fail_at (L, &st->mark[run], "'run' in a context is the template for "
                                "discovered tests and needs 'discover'");
    if (st->first_line[on] && !st->first_line[discover])
        return fo_yaml_fail_at (L, &st->mark[on], "'discover_on' says where 'discover' runs and "
                                "needs it");
    return true;
}

/* A map of keys (the top level's, a context's), from after its start. */
static bool
read_map (stream *S, map_state *st)
{
    fo_yaml_reader *L = S->L;
    for (;;) {
        fo_yaml_ev ev;
        if (!fo_yaml_events_next (S->E, &ev))
            return false;
        if (ev.type == YAML_MAPPING_END_EVENT)
            return end_map (S, st);
        if (ev.type != YAML_SCALAR_EVENT) {
            const yaml_node_t *k = compose (S, &ev, S->value);
            if (k)
                fo_yaml_fail (L, k, "keys must be strings %s", st->where);
            fo_yaml_value_clear (S->E, S->value);
            return false;
        }
        size_t k = key_index (st->allowed, ev.value);
        if (!st->allowed[k]) {
            fo_buf list = { 0 };
            for (size_t i = 0; st->allowed[i]; i++)
                fo_buf_printf (&list, "%s%s", i ? ", " : "", st->allowed[i]);
            fo_yaml_fail_at (L, &ev.start_mark, "unknown key '%s' %s (expected one of: %s)",
                             ev.value, st->where, list.data);
            fo_buf_free (&list);
            return false;
        }
        if (st->first_line[k])
            return fo_yaml_fail_at (L, &ev.start_mark, "duplicate key '%s' (first at line %d)",
                                    st->allowed[k], st->first_line[k]);
        st->first_line[k] = (int) ev.start_mark.line + 1;
        fo_yaml_ev first;
        if (!fo_yaml_events_next (S->E, &first) || !read_value (S, st, k, &first))
            return false;
    }
}

/* ---- the file ---------------------------------------------------------- */

static bool
load_document (fo_yaml_reader *L, fo_yaml_events *E)
{
    int got = fo_yaml_events_document (E);
    if (got < 0)
        return false;
    yaml_mark_t start = { 0 };
    fo_yaml_ev first;
    if (!got)
        return fo_yaml_fail_at (L, &start, "the suite file is empty (expected a map with 'tests' "
                                "or 'contexts')");
    if (!fo_yaml_events_next (E, &first))
        return false;
    stream S = { .L = L, .E = E, .value = fo_yaml_value_new (), .quick = fo_suite_quick_new () };
    bool ok = false;
    if (first.type != YAML_MAPPING_START_EVENT) {
        const yaml_node_t *top = compose (&S, &first, S.value);
        if (top)
            fo_yaml_fail (L, top, "the top level must be a map (with 'tests' or 'contexts')");
    } else {
        fo_context *root = L->suite->root;
        root->line = (int) first.start_mark.line + 1;
        root->column = (int) first.start_mark.column + 1;
        fo_yaml_set_owner (L, NULL, NULL);
        map_state st = { .ctx = root, .root = true, .at = first.start_mark,
                         .allowed = ROOT_KEYS, .where = "at the top level",
                         .known = { .cwd_len = strlen (L->suite->dir) } };
        fo_yaml_ev end;
        ok = read_map (&S, &st) && fo_yaml_events_next (E, &end);
    }
    fo_yaml_value_clear (E, S.value);
    if (!ok) {
        fo_yaml_value_destroy (E, &S.value);
        fo_suite_quick_destroy (&S.quick);
        return false;
    }

    /* One document per file: a second one would be silently ignored. */
    got = fo_yaml_events_document (E);
    if (got > 0 && fo_yaml_events_next (E, &first)) {
        const yaml_node_t *next = compose (&S, &first, S.value);
        if (next)
            fo_yaml_fail (L, next, "a suite file must hold a single YAML document");
        ok = false;
    } else if (got != 0)
        ok = false;
    fo_yaml_value_destroy (E, &S.value);
    fo_suite_quick_destroy (&S.quick);
    L->doc = NULL;
    return ok && fo_suite_check_tree (L);
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
    else if (!memchr (data, '*', len) || fo_yaml_events_check (&L, data, len)) {
        fo_yaml_pump *pump = fo_yaml_pump_new (data, len);
        fo_yaml_events *events = fo_yaml_events_new (&L, pump);
        ok = load_document (&L, events);
        fo_yaml_events_destroy (&events);
        fo_yaml_pump_destroy (&pump);
    }
    free (L.owner);
    if (!ok)
        fo_suite_destroy (&suite);
    return suite;
}

/* The whole file, or NULL with errno (EFBIG past the limit: it is not
   read further). A regular file is read into one block of its size, with
   room for the NUL and for the read that finds its end (a 40 MB suite
   grew a buffer by doubling: copies, and pages touched twice); what it
   turns out to hold past that (it grew meanwhile), and a pipe's bytes,
   grow the block. */
static char *
read_file (const char *path, size_t *len)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    bool sized = fstat (fd, &st) == 0;
    if (sized && S_ISDIR (st.st_mode)) {
        close (fd);
        errno = EISDIR;
        return NULL;
    }
    size_t cap = sized && S_ISREG (st.st_mode) && st.st_size > 0
                 && st.st_size <= FO_SUITE_MAX_FILE ? (size_t) st.st_size + 2 : 65536;
    size_t used = 0;
    char *data = fo_xmalloc (cap);
    for (;;) {
        if (cap - used < 2) {
            cap = cap + cap / 2 + 65536;
            data = fo_xrealloc (data, cap);
        }
        ssize_t n = read (fd, data + used, cap - used - 1);
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || used + (size_t) n > FO_SUITE_MAX_FILE) {
            int saved = n < 0 ? errno : EFBIG;
            free (data);
            close (fd);
            errno = saved;
            return NULL;
        }
        used += (size_t) n;
    }
    close (fd);
    data[used] = '\0';
    *len = used;
    return data;
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
