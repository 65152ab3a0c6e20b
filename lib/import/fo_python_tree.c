/*  fo_python_tree — see fo_python_tree.h. */
#include "fo_python_tree.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const fo_source_item *at;
    const fo_python_cmd *cmd;
    char *err;
    size_t errlen;
} reading;

/* A string member at most max bytes without NUL, or NULL. */
static const char *
text_of (const json_t *obj, const char *key, size_t max)
{
    const json_t *v = json_object_get (obj, key);
    if (!json_is_string (v) || json_string_length (v) > max
        || strlen (json_string_value (v)) != json_string_length (v))
        return NULL;
    return json_string_value (v);
}

static void
helper_argv (const reading *r, fo_strv *argv, const char *op, const char *root,
             const char *address)
{
    fo_strv_push (argv, r->cmd->interpreter);
    fo_strv_push (argv, r->cmd->helper);
    fo_strv_push (argv, op);
    fo_strv_push (argv, "--root");
    fo_strv_push (argv, root);
    fo_strv_push (argv, address);
}

static int
read_test (reading *r, fo_context *ctx, const json_t *t, const char *where)
{
    const char *name = text_of (t, "name", FO_SUITE_MAX_VALUE);
    const char *root = text_of (t, "root", FO_PYTHON_MAX_ADDRESS);
    const char *address = text_of (t, "address", FO_PYTHON_MAX_ADDRESS);
    if (!json_is_object (t) || !name || !root || !address)
        return fo_err (r->err, r->errlen,
                       "discovery output: a test of %s lacks a name, root or address", where);
    fo_strv argv = { 0 };
    helper_argv (r, &argv, "test", root, address);
    char why[768];
    fo_test *test = fo_source_test (ctx, name, &argv, FO_READER_PYTHON, why, sizeof why);
    fo_strv_free (&argv);
    if (!test)
        return fo_err (r->err, r->errlen, "discovery output: %s", why);
    return 0;
}

static int read_context (reading *r, fo_context *parent, const json_t *c, unsigned depth);

static int
read_list (reading *r, fo_context *ctx, const json_t *node, unsigned depth, const char *where)
{
    const json_t *tests = json_object_get (node, "tests");
    const json_t *contexts = json_object_get (node, "contexts");
    if ((tests && !json_is_array (tests)) || (contexts && !json_is_array (contexts)))
        return fo_err (r->err, r->errlen,
                       "discovery output: 'tests' and 'contexts' of %s must be lists", where);
    size_t i;
    const json_t *v;
    json_array_foreach (tests, i, v)
        if (read_test (r, ctx, v, where) != 0)
            return -1;
    json_array_foreach (contexts, i, v)
        if (read_context (r, ctx, v, depth + 1) != 0)
            return -1;
    return 0;
}

/* "", or one of split and shared and/or serial, space-separated. */
static int
mode_of (const char *mode, unsigned *bits)
{
    static const struct { const char *text; unsigned bits; } modes[] = {
        { "", 0 },
        { "split", FO_MODE_SPLIT },
        { "shared", FO_MODE_SHARED },
        { "serial", FO_MODE_SERIAL },
        { "split serial", FO_MODE_SPLIT | FO_MODE_SERIAL },
        { "shared serial", FO_MODE_SHARED | FO_MODE_SERIAL },
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp (mode, modes[i].text)) {
            *bits = modes[i].bits;
            return 0;
        }
    return -1;
}

static int
read_context (reading *r, fo_context *parent, const json_t *c, unsigned depth)
{
    if (depth > FO_PYTHON_MAX_DEPTH)
        return fo_err (r->err, r->errlen, "discovery output: contexts nested deeper than %u",
                       FO_PYTHON_MAX_DEPTH);
    const char *name = json_is_object (c) ? text_of (c, "name", FO_SUITE_MAX_VALUE) : NULL;
    const char *kind = json_is_object (c) ? text_of (c, "kind", 16) : NULL;
    const char *root = json_is_object (c) ? text_of (c, "root", FO_PYTHON_MAX_ADDRESS) : NULL;
    const char *address = json_is_object (c) ? text_of (c, "address", FO_PYTHON_MAX_ADDRESS)
                                             : NULL;
    const char *mode = json_is_object (c) ? text_of (c, "mode", 16) : NULL;
    unsigned bits = 0;
    const json_t *setup = json_object_get (c, "setup"), *teardown = json_object_get (c, "teardown");
    if (!name || !kind || !root || !address || !mode || mode_of (mode, &bits) != 0
        || (strcmp (kind, "package") && strcmp (kind, "module") && strcmp (kind, "class")
            && strcmp (kind, "generator"))
        || !json_is_boolean (setup) || !json_is_boolean (teardown))
        return fo_err (r->err, r->errlen,
                       "discovery output: a context needs a name, a kind (package, module, "
                       "class, generator), a root, an address, a mode ('', split, shared, "
                       "serial, split serial, shared serial) and setup and teardown (true or "
                       "false)");
    fo_source_item in = *r->at;
    in.parent = parent;
    char why[768];
    fo_context *ctx = fo_source_context (&in, name, 0, why, sizeof why);
    if (!ctx)
        return fo_err (r->err, r->errlen, "discovery output: %s", why);
    if (bits)
        ctx->mode = bits;       /* the context's own attributes win over the entry's */
    ctx->fixture_reader = FO_READER_PYTHON;
    if (json_is_true (setup))
        helper_argv (r, &ctx->setup.argv, "setup", root, address);
    if (json_is_true (teardown))
        helper_argv (r, &ctx->teardown.argv, "teardown", root, address);
    if (!strcmp (kind, "generator")) {
        /* Its tests are listed during the run, by an agent, and join it
           (fo_plan_grow): `generate` prints their names, and each runs as
           `test ... ADDRESS NAME`. */
        helper_argv (r, &ctx->discover.argv, "generate", root, address);
        ctx->discover_on_agent = true;
        helper_argv (r, &ctx->run_template_argv, "test", root, address);
        fo_strv_push (&ctx->run_template_argv, "{name}");
        ctx->discovered_reader = FO_READER_PYTHON;
    }
    char where[96];
    snprintf (where, sizeof where, "%s '%.60s'", kind, name);
    return read_list (r, ctx, c, depth, where);
}

int
fo_python_tree_read (const fo_source_item *at, const fo_python_cmd *cmd, const char *json,
                     size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *top = json_loadb (json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!top) {
        /* jansson quotes the input near the error: one line, escaped. */
        fo_buf what = { 0 };
        fo_name_escape (&what, jerr.text, strlen (jerr.text), 200);
        int rc = fo_err (err, errlen, "discovery output is no JSON: line %d: %s", jerr.line,
                         what.data ? what.data : "");
        fo_buf_free (&what);
        return rc;
    }
    int rc = 0;
    const json_t *format = json_object_get (top, "format");
    const json_t *errors = json_object_get (top, "errors");
    if (!json_is_object (top) || !json_is_integer (format) || json_integer_value (format) != 1)
        rc = fo_err (err, errlen, "discovery output: not format 1 of fanout's Python helper");
    else if (errors && (!json_is_array (errors) || json_array_size (errors) > 0)) {
        /* The suite asks for something nose refuses (split and shared at
           once): the helper names the module. */
        const json_t *first = json_array_get (errors, 0);
        const char *text = json_is_string (first) ? json_string_value (first) : "a bad 'errors'";
        fo_buf shown = { 0 };
        fo_name_escape (&shown, text, strlen (text), 300);
        rc = fo_err (err, errlen, "%s%s", shown.data ? shown.data : "",
                     json_array_size (errors) > 1 ? " (and more)" : "");
        fo_buf_free (&shown);
    }
    if (rc == 0) {
        reading r = { .at = at, .cmd = cmd, .err = err, .errlen = errlen };
        fo_context *item = fo_source_context (at, at->item, 0, err, errlen);
        if (!item)
            rc = -1;
        else
            rc = read_list (&r, item, top, 0, "the top");
    }
    json_decref (top);
    return rc;
}
