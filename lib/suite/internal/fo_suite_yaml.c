/*  fo_suite_yaml — readers for the values of a suite file; see the header. */
#include "fo_suite_yaml.h"
#include "fo_strmap.h"
#include "fo_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
report (fo_yaml_reader *L, int line, int column, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 4, 0)));

static void
report (fo_yaml_reader *L, int line, int column, const char *fmt, va_list ap)
{
    if (!L->err || L->errlen == 0)
        return;
    char *raw = NULL;
    if (vasprintf (&raw, fmt, ap) < 0)
        raw = NULL;
    fo_buf msg = { 0 };
    if (line > 0)
        fo_buf_printf (&msg, "%s:%d:%d: ", L->suite->path, line, column);
    else
        fo_buf_printf (&msg, "%s: ", L->suite->path);
    fo_name_escape (&msg, raw ? raw : "(no memory for the message)",
                    raw ? strlen (raw) : 27, SIZE_MAX);
    snprintf (L->err, L->errlen, "%s", msg.data);
    fo_buf_free (&msg);
    free (raw);
}

/* Always return false, so that checks read "return fo_yaml_fail (...)". A NULL
   mark or node means the error has no position (I/O errors). */
bool
fo_yaml_fail_at (fo_yaml_reader *L, const yaml_mark_t *mark, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    report (L, mark ? (int) mark->line + 1 : 0, mark ? (int) mark->column + 1 : 0, fmt, ap);
    va_end (ap);
    return false;
}

bool
fo_yaml_fail (fo_yaml_reader *L, const yaml_node_t *node, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    report (L, node ? (int) node->start_mark.line + 1 : 0,
            node ? (int) node->start_mark.column + 1 : 0, fmt, ap);
    va_end (ap);
    return false;
}

char *
fo_yaml_shown (const char *id)
{
    fo_buf out = { 0 };
    fo_name_escape (&out, id, strlen (id), FO_ID_SHOWN);
    return fo_buf_steal (&out);
}

void
fo_yaml_set_owner (fo_yaml_reader *L, const char *kind, const char *id)
{
    free (L->owner);
    L->owner_of = NULL;
    if (kind) {
        char *s = fo_yaml_shown (id);
        L->owner = fo_xasprintf ("%s '%s'", kind, s);
        free (s);
    } else
        L->owner = fo_xstrdup ("the top level");
}

yaml_node_t *
fo_yaml_node (fo_yaml_reader *L, int index)
{
    return yaml_document_get_node (L->doc, index);
}

const char *
fo_yaml_text (const yaml_node_t *node)
{
    return (const char *) node->data.scalar.value;
}

/* YAML's null (an empty value, ~ or null) is never a valid value here. */
bool
fo_yaml_is_null (const yaml_node_t *node)
{
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = fo_yaml_text (node);
    return !*s || !strcmp (s, "~") || !strcmp (s, "null") || !strcmp (s, "Null")
        || !strcmp (s, "NULL");
}

/* A scalar taken as its text: numbers and booleans are strings too. */
bool
fo_yaml_string (fo_yaml_reader *L, const yaml_node_t *node, const char *what, const char **out)
{
    if (node->type != YAML_SCALAR_NODE || fo_yaml_is_null (node))
        return fo_yaml_fail (L, node, "%s must be a string", what);
    if (strlen (fo_yaml_text (node)) != node->data.scalar.length)
        return fo_yaml_fail (L, node, "%s must not contain a NUL character", what);
    *out = fo_yaml_text (node);
    return true;
}

bool
fo_yaml_name (fo_yaml_reader *L, const yaml_node_t *node, const char *kind, const char **out)
{
    if (node->type != YAML_SCALAR_NODE || fo_yaml_is_null (node))
        return fo_yaml_fail (L, node, "'name' must be a string");
    char why[512];
    if (!fo_name_check (kind, fo_yaml_text (node), node->data.scalar.length, why, sizeof why))
        return fo_yaml_fail (L, node, "%s", why);
    *out = fo_yaml_text (node);
    return true;
}

yaml_node_t *
fo_yaml_lookup (fo_yaml_reader *L, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = fo_yaml_node (L, p->key);
        if (k->type == YAML_SCALAR_NODE && !strcmp (fo_yaml_text (k), key))
            return fo_yaml_node (L, p->value);
    }
    return NULL;
}

/* Every key must be a known string, written once. Done before anything
   else in a map, so a typo is reported as a typo and not as a missing key. */
bool
fo_yaml_check_keys (fo_yaml_reader *L, const yaml_node_t *map, const char *const *allowed, const char *where)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = fo_yaml_node (L, p->key);
        if (k->type != YAML_SCALAR_NODE)
            return fo_yaml_fail (L, k, "keys must be strings %s", where);
        size_t i = 0;
        while (allowed[i] && strcmp (allowed[i], fo_yaml_text (k)))
            i++;
        if (!allowed[i]) {
            fo_buf list = { 0 };
            for (i = 0; allowed[i]; i++)
                fo_buf_printf (&list, "%s%s", i ? ", " : "", allowed[i]);
            fo_yaml_fail (L, k, "unknown key '%s' %s (expected one of: %s)", fo_yaml_text (k), where, list.data);
            fo_buf_free (&list);
            return false;
        }
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++)
            if (!strcmp (fo_yaml_text (fo_yaml_node (L, q->key)), fo_yaml_text (k)))
                return fo_yaml_fail (L, k, "duplicate key '%s' (first at line %d)", fo_yaml_text (k),
                             (int) fo_yaml_node (L, q->key)->start_mark.line + 1);
    }
    return true;
}

/* A shell string becomes {"/bin/sh", "-c", s}; a list is the argv. */
bool
fo_yaml_command (fo_yaml_reader *L, const yaml_node_t *node, const char *key, fo_command *cmd)
{
    cmd->line = (int) node->start_mark.line + 1;
    cmd->column = (int) node->start_mark.column + 1;
    if (node->type == YAML_SCALAR_NODE && !fo_yaml_is_null (node)) {
        const char *s = NULL;
        if (!fo_yaml_string (L, node, key, &s))
            return false;
        if (!*s)
            return fo_yaml_fail (L, node, "'%s' must not be empty", key);
        if (node->data.scalar.length > FO_SUITE_MAX_VALUE)
            return fo_yaml_fail (L, node, "'%s' of %s is %zu bytes long (at most %u MiB)", key,
                                 L->owner, node->data.scalar.length, FO_SUITE_MAX_VALUE >> 20);
        fo_strv_push (&cmd->argv, "/bin/sh");
        fo_strv_push (&cmd->argv, "-c");
        fo_strv_push (&cmd->argv, s);
        return true;
    }
    if (node->type != YAML_SEQUENCE_NODE || node->data.sequence.items.start == node->data.sequence.items.top)
        return fo_yaml_fail (L, node, "'%s' must be a shell command string or a non-empty list of strings", key);
    for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
        const char *s = NULL;
        const yaml_node_t *arg = fo_yaml_node (L, *i);
        if (!fo_yaml_string (L, arg, "every argument", &s))
            return false;
        if (i == node->data.sequence.items.start && !*s)
            return fo_yaml_fail (L, arg, "the program name in '%s' must not be empty", key);
        if (arg->data.scalar.length > FO_SUITE_MAX_VALUE)
            return fo_yaml_fail (L, arg, "argument %zu of '%s' of %s is %zu bytes long (at most "
                                 "%u MiB)", (size_t) (i - node->data.sequence.items.start) + 1,
                                 key, L->owner, arg->data.scalar.length, FO_SUITE_MAX_VALUE >> 20);
        fo_strv_push (&cmd->argv, s);
    }
    return true;
}

/* fo_env_set looks for the name first: the reader has already refused a
   repeated one (through a hash), so appending keeps loading linear. */
static void
env_append (fo_env *env, const char *name, const char *value)
{
    if (env->len == env->cap) {
        env->cap = env->cap ? env->cap * 2 : 8;
        env->items = fo_xrealloc (env->items, env->cap * sizeof *env->items);
    }
    env->items[env->len++] = (fo_kv) { fo_xstrdup (name), fo_xstrdup (value), false };
}

bool
fo_yaml_env (fo_yaml_reader *L, const yaml_node_t *node, fo_env *env)
{
    if (node->type != YAML_MAPPING_NODE)
        return fo_yaml_fail (L, node, "'env' must be a map of NAME: value");
    size_t n = (size_t) (node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    if (n > FO_SUITE_MAX_ENV_VARS)
        return fo_yaml_fail (L, node, "'env' of %s has %zu variables (at most %u)", L->owner, n,
                             FO_SUITE_MAX_ENV_VARS);
    zhashx_t *seen = fo_strmap_new ();
    for (size_t i = 0; i < env->len; i++)
        zhashx_insert (seen, env->items[i].name, env->items[i].name);
    bool ok = true;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; ok && p < node->data.mapping.pairs.top; p++) {
        yaml_node_t *k = fo_yaml_node (L, p->key), *v = fo_yaml_node (L, p->value);
        const char *name = NULL, *value = NULL;
        if (!fo_yaml_string (L, k, "an env variable name", &name))
            ok = false;
        else if (!*name || strchr (name, '='))
            ok = fo_yaml_fail (L, k, "'%s' is not a valid env variable name", name);
        else if (k->data.scalar.length > FO_SUITE_MAX_VALUE)
            ok = fo_yaml_fail (L, k, "an env variable name of %s is %zu bytes long (at most %u MiB)",
                               L->owner, k->data.scalar.length, FO_SUITE_MAX_VALUE >> 20);
        else if (zhashx_insert (seen, name, (void *) name) != 0)
            ok = fo_yaml_fail (L, k, "duplicate env variable '%s'", name);
        else if (fo_yaml_is_null (v))
            ok = fo_yaml_fail (L, v, "env variable '%s' has no value (write \"\" for an empty one)", name);
        else if (v->type != YAML_SCALAR_NODE)
            ok = fo_yaml_fail (L, v, "env variable '%s' must be a string, number or boolean", name);
        else if (!fo_yaml_string (L, v, "an env value", &value))
            ok = false;
        else if (v->data.scalar.length > FO_SUITE_MAX_VALUE)
            ok = fo_yaml_fail (L, v, "env variable '%s' of %s is %zu bytes long (at most %u MiB)",
                               name, L->owner, v->data.scalar.length, FO_SUITE_MAX_VALUE >> 20);
        else
            env_append (env, name, value);
    }
    zhashx_destroy (&seen);
    return ok;
}

/* Seconds as the command line reads them (fo_parse.h), but 0: in the
   file it would mean "inherit", which is what leaving it out says. */
bool
fo_yaml_timeout (fo_yaml_reader *L, const yaml_node_t *node, uint32_t *timeout_ms)
{
    const char *s = node->type == YAML_SCALAR_NODE ? fo_yaml_text (node) : "";
    if (strlen (s) != (node->type == YAML_SCALAR_NODE ? node->data.scalar.length : 0))
        s = "";         /* "1\0x": a NUL would hide the rest */
    uint32_t ms = 0;
    fo_seconds_status got = fo_parse_seconds (s, &ms);
    if (got == FO_SECONDS_TOO_BIG)
        return fo_yaml_fail (L, node, "'timeout' must be at most %u seconds", FO_SECONDS_MAX);
    if (got != FO_SECONDS_OK || ms == 0)
        return fo_yaml_fail (L, node, "'timeout' must be a positive number of seconds");
    *timeout_ms = ms;
    return true;
}

bool
fo_yaml_cwd (fo_yaml_reader *L, const yaml_node_t *node, char **cwd)
{
    const char *s = NULL;
    if (!fo_yaml_string (L, node, "'cwd'", &s))
        return false;
    if (!*s)
        return fo_yaml_fail (L, node, "'cwd' must not be empty");
    if (node->data.scalar.length > FO_SUITE_MAX_CWD)
        return fo_yaml_fail (L, node, "'cwd' of %s is %zu bytes long (at most %u)", L->owner,
                             node->data.scalar.length, FO_SUITE_MAX_CWD);
    if (s[0] == '/')
        *cwd = fo_xstrdup (s);
    else if (!strcmp (s, "."))
        *cwd = fo_xstrdup (L->suite->dir);
    else
        *cwd = fo_xasprintf ("%s/%s", L->suite->dir, s);
    return true;
}

static bool
add_label (fo_yaml_reader *L, const yaml_node_t *v, fo_strv *labels)
{
    if (v->type != YAML_SCALAR_NODE || fo_yaml_is_null (v))
        return fo_yaml_fail (L, v, "a label must be a string");
    char why[512];
    if (!fo_name_check ("label", fo_yaml_text (v), v->data.scalar.length, why, sizeof why))
        return fo_yaml_fail (L, v, "%s", why);
    if (v->data.scalar.length > FO_SUITE_MAX_LABEL)
        return fo_yaml_fail (L, v, "a label of %s is %zu bytes long (at most %u)", L->owner,
                             v->data.scalar.length, FO_SUITE_MAX_LABEL);
    for (size_t i = 0; i < labels->len; i++)
        if (!strcmp (labels->items[i], fo_yaml_text (v)))
            return fo_yaml_fail (L, v, "duplicate label '%s'", fo_yaml_text (v));
    if (labels->len >= FO_SUITE_MAX_LABELS)
        return fo_yaml_fail (L, v, "%s has more than %u labels", L->owner, FO_SUITE_MAX_LABELS);
    fo_strv_push (labels, fo_yaml_text (v));
    return true;
}

bool
fo_yaml_labels (fo_yaml_reader *L, const yaml_node_t *node, fo_strv *labels)
{
    if (node->type != YAML_SEQUENCE_NODE)
        return add_label (L, node, labels);
    for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++)
        if (!add_label (L, fo_yaml_node (L, *i), labels))
            return false;
    return true;
}

static bool
add_mode (fo_yaml_reader *L, const yaml_node_t *v, unsigned *mode)
{
    const char *s = NULL;
    if (!fo_yaml_string (L, v, "'mode'", &s))
        return false;
    if (!strcmp (s, "split"))
        *mode |= FO_MODE_SPLIT;
    else if (!strcmp (s, "shared"))
        *mode |= FO_MODE_SHARED;
    else if (!strcmp (s, "serial"))
        *mode |= FO_MODE_SERIAL;
    else
        return fo_yaml_fail (L, v, "unknown mode '%s' (expected split, shared or serial)", s);
    return true;
}

/* One mode or a list of them. */
bool
fo_yaml_mode (fo_yaml_reader *L, const yaml_node_t *node, unsigned *mode)
{
    if (node->type != YAML_SEQUENCE_NODE) {
        if (!add_mode (L, node, mode))
            return false;
    } else {
        for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++)
            if (!add_mode (L, fo_yaml_node (L, *i), mode))
                return false;
    }
    if ((*mode & FO_MODE_SPLIT) && (*mode & FO_MODE_SHARED))
        return fo_yaml_fail (L, node, "a context cannot be both split and shared");
    return true;
}

