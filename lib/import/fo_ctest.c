/*  fo_ctest — `ctest --show-only=json-v1` into fo_ctest_list (see the
    header). Every value is checked for its JSON type before it is used. */
#include "fo_ctest.h"
#include "fo_needs.h"
#include "fo_proto.h"
#include "fo_reader.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *err;
    size_t errlen;
} ctx;

static int fail (ctx *c, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
fail (ctx *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        char why[400];
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (why, sizeof why, fmt, ap);
        va_end (ap);
        fo_err (c->err, c->errlen, "ctest json-v1: %s", why);  /* one line: fo_util.h */
    }
    return -1;
}

/* A string within FO_CTEST_MAX_STRING. */
static int
get_string (ctx *c, size_t i, const char *what, const json_t *v, char **out)
{
    if (!json_is_string (v))
        return fail (c, "tests[%zu]: %s must be a string", i, what);
    if (json_string_length (v) > FO_CTEST_MAX_STRING)
        return fail (c, "tests[%zu]: %s is longer than %u bytes", i, what, FO_CTEST_MAX_STRING);
    *out = fo_xstrdup (json_string_value (v));
    return 0;
}

/* A list of strings; CTest writes a one-item list property as a list, but
   a plain string is accepted as one item. */
static int
get_strings (ctx *c, size_t i, const char *what, const json_t *v, fo_strv *out)
{
    if (json_is_string (v)) {
        char *s = NULL;
        if (get_string (c, i, what, v, &s) < 0)
            return -1;
        fo_strv_push_owned (out, s);
        return 0;
    }
    if (!json_is_array (v))
        return fail (c, "tests[%zu]: %s must be a list of strings", i, what);
    size_t k;
    const json_t *item;
    json_array_foreach (v, k, item) {
        char *s = NULL;
        if (get_string (c, i, what, item, &s) < 0)
            return -1;
        fo_strv_push_owned (out, s);
    }
    return 0;
}

static int
get_bool (ctx *c, size_t i, const char *what, const json_t *v, bool *out)
{
    if (!json_is_boolean (v))
        return fail (c, "tests[%zu]: %s must be true or false", i, what);
    *out = json_is_true (v);
    return 0;
}

static int
get_number (ctx *c, size_t i, const char *what, const json_t *v, double min, double max,
            double *out)
{
    if (!json_is_number (v))
        return fail (c, "tests[%zu]: %s must be a number", i, what);
    double d = json_number_value (v);
    if (!isfinite (d) || d < min || d > max)
        return fail (c, "tests[%zu]: %s is out of range (%g to %g)", i, what, min, max);
    *out = d;
    return 0;
}

/* RESOURCE_GROUPS as json-v1 lists it (see the header). */
static int
get_groups (ctx *c, size_t i, fo_ctest_test *t, const json_t *v)
{
    const char *tn = t->name;
    if (!json_is_array (v))
        return fail (c, "tests[%zu] ('%.100s'): RESOURCE_GROUPS must be a list of groups", i, tn);
    size_t g;
    const json_t *group;
    json_array_foreach (v, g, group) {
        const json_t *reqs = json_object_get (group, "requirements");
        if (!json_is_object (group) || !json_is_array (reqs))
            return fail (c, "tests[%zu] ('%.100s'): RESOURCE_GROUPS: group %zu must be "
                         "{\"requirements\": [...]}", i, tn, g);
        if (t->ngroups + 1 + t->nreqs + json_array_size (reqs) > FO_CTEST_MAX_RESOURCE_REQS)
            return fail (c, "tests[%zu] ('%.100s'): RESOURCE_GROUPS: more than %u groups and "
                         "requirements", i, tn, FO_CTEST_MAX_RESOURCE_REQS);
        size_t k;
        const json_t *r;
        json_array_foreach (reqs, k, r) {
            const json_t *type = json_object_get (r, ".type");
            const json_t *slots = json_object_get (r, "slots");
            if (!json_is_object (r) || !json_is_string (type) || !json_is_integer (slots))
                return fail (c, "tests[%zu] ('%.100s'): RESOURCE_GROUPS: group %zu, requirement "
                             "%zu must be {\".type\": NAME, \"slots\": N}", i, tn, g, k);
            const char *name = json_string_value (type);
            if (!fo_resource_name_ok (name))
                return fail (c, "tests[%zu] ('%.100s'): RESOURCE_GROUPS: group %zu: '%.100s' is "
                             "not a resource name (a lowercase letter or '_', then lowercase "
                             "letters, digits or '_'; at most 64)", i, tn, g, name);
            json_int_t n = json_integer_value (slots);
            if (n < 1 || n > FO_NEEDS_MAX_COUNT)
                return fail (c, "tests[%zu] ('%.100s'): RESOURCE_GROUPS: group %zu: the slots of "
                             "'%s' must be an integer from 1 to %u", i, tn, g, name,
                             FO_NEEDS_MAX_COUNT);
            t->reqs = fo_xrealloc (t->reqs, (t->nreqs + 1) * sizeof *t->reqs);
            t->reqs[t->nreqs++] = (fo_ctest_req) { fo_xstrdup (name), (uint32_t) n,
                                                   t->ngroups };
        }
        t->ngroups++;
    }
    return 0;
}

static int
get_property (ctx *c, size_t i, fo_ctest_test *t, const char *name, const json_t *v)
{
    double d = 0;
    if (!strcmp (name, "WORKING_DIRECTORY")) {
        free (t->cwd);
        t->cwd = NULL;
        return get_string (c, i, name, v, &t->cwd);
    }
    if (!strcmp (name, "ENVIRONMENT"))
        return get_strings (c, i, name, v, &t->env);
    if (!strcmp (name, "ENVIRONMENT_MODIFICATION"))
        return get_strings (c, i, name, v, &t->env_mod);
    if (!strcmp (name, "TIMEOUT")) {
        t->has_timeout = true;
        /* 49 days: what a timeout in milliseconds can hold */
        return get_number (c, i, name, v, 0, 4.2e6, &t->timeout_s);
    }
    if (!strcmp (name, "WILL_FAIL"))
        return get_bool (c, i, name, v, &t->will_fail);
    if (!strcmp (name, "DISABLED"))
        return get_bool (c, i, name, v, &t->disabled);
    if (!strcmp (name, "RUN_SERIAL"))
        return get_bool (c, i, name, v, &t->run_serial);
    if (!strcmp (name, "SKIP_RETURN_CODE")) {
        if (get_number (c, i, name, v, 0, 255, &d) < 0)
            return -1;
        t->skip_code = (int32_t) d;
        return 0;
    }
    if (!strcmp (name, "PASS_REGULAR_EXPRESSION"))
        return get_strings (c, i, name, v, &t->pass);
    if (!strcmp (name, "FAIL_REGULAR_EXPRESSION"))
        return get_strings (c, i, name, v, &t->fail);
    if (!strcmp (name, "SKIP_REGULAR_EXPRESSION"))
        return get_strings (c, i, name, v, &t->skip);
    if (!strcmp (name, "LABELS"))
        return get_strings (c, i, name, v, &t->labels);
    if (!strcmp (name, "FIXTURES_SETUP"))
        return get_strings (c, i, name, v, &t->fixtures_setup);
    if (!strcmp (name, "FIXTURES_CLEANUP"))
        return get_strings (c, i, name, v, &t->fixtures_cleanup);
    if (!strcmp (name, "FIXTURES_REQUIRED"))
        return get_strings (c, i, name, v, &t->fixtures_required);
    if (!strcmp (name, "RESOURCE_LOCK"))
        return get_strings (c, i, name, v, &t->resource_lock);
    if (!strcmp (name, "RESOURCE_GROUPS")) {
        if (t->ngroups || t->nreqs)
            return fail (c, "tests[%zu] ('%.100s'): RESOURCE_GROUPS twice", i, t->name);
        return get_groups (c, i, t, v);
    }
    if (!strcmp (name, "DEPENDS"))
        return get_strings (c, i, name, v, &t->depends);
    if (!strcmp (name, "PROCESSORS")) {
        if (get_number (c, i, name, v, 0, 1e6, &d) < 0)
            return -1;
        t->processors = d < 1 ? 1 : (uint32_t) d;
        return 0;
    }
    if (!strcmp (name, "COST"))
        return get_number (c, i, name, v, -1e300, 1e300, &t->cost);
    return 0;   /* one fanout does not use */
}

static int
get_test (ctx *c, size_t i, const json_t *o, fo_ctest_test *t)
{
    if (!json_is_object (o))
        return fail (c, "tests[%zu] must be an object", i);
    if (get_string (c, i, "name", json_object_get (o, "name"), &t->name) < 0)
        return -1;
    const json_t *cmd = json_object_get (o, "command");
    if (cmd && (get_strings (c, i, "command", cmd, &t->command) < 0))
        return -1;
    if (cmd && !json_is_array (cmd))
        return fail (c, "tests[%zu]: command must be a list of strings", i);
    const json_t *props = json_object_get (o, "properties");
    if (!props)
        return 0;
    if (!json_is_array (props))
        return fail (c, "tests[%zu]: properties must be a list", i);
    size_t k;
    const json_t *p;
    json_array_foreach (props, k, p) {
        const json_t *name = json_object_get (p, "name");
        const json_t *value = json_object_get (p, "value");
        if (!json_is_object (p) || !json_is_string (name) || !value)
            return fail (c, "tests[%zu]: properties[%zu] must be {\"name\": ..., \"value\": ...}",
                         i, k);
        if (get_property (c, i, t, json_string_value (name), value) < 0)
            return -1;
    }
    return 0;
}

static void
test_free (fo_ctest_test *t)
{
    free (t->name);
    fo_strv_free (&t->command);
    free (t->cwd);
    fo_strv *lists[] = { &t->env, &t->env_mod, &t->pass, &t->fail, &t->skip, &t->labels,
                         &t->fixtures_setup, &t->fixtures_cleanup, &t->fixtures_required,
                         &t->resource_lock, &t->depends };
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
        fo_strv_free (lists[k]);
    for (size_t k = 0; k < t->nreqs; k++)
        free (t->reqs[k].type);
    free (t->reqs);
}

void
fo_ctest_list_free (fo_ctest_list *self)
{
    for (size_t i = 0; i < self->len; i++)
        test_free (&self->items[i]);
    free (self->items);
    self->items = NULL;
    self->len = 0;
}

static int
cmp_name (const void *a, const void *b)
{
    const fo_ctest_test *const *x = a, *const *y = b;
    int d = strcmp ((*x)->name, (*y)->name);
    return d ? d : (*x > *y) - (*x < *y);
}

/* Names are ids: sorted, so that 100,000 tests are checked in n log n. */
static int
check_unique (ctx *c, const fo_ctest_list *list)
{
    if (list->len < 2)
        return 0;
    const fo_ctest_test **sorted = fo_xmalloc (list->len * sizeof *sorted);
    for (size_t i = 0; i < list->len; i++)
        sorted[i] = &list->items[i];
    qsort (sorted, list->len, sizeof *sorted, cmp_name);
    int rc = 0;
    for (size_t i = 1; i < list->len && rc == 0; i++)
        if (!strcmp (sorted[i]->name, sorted[i - 1]->name))
            rc = fail (c, "tests[%zu]: the name of tests[%zu] again ('%.100s')",
                       (size_t) (sorted[i] - list->items), (size_t) (sorted[i - 1] - list->items),
                       sorted[i]->name);
    free (sorted);
    return rc;
}

int
fo_ctest_parse (const char *data, size_t len, fo_ctest_list *out, char *err, size_t errlen)
{
    ctx c = { err, errlen };
    memset (out, 0, sizeof *out);
    if (len > FO_CTEST_MAX_JSON)
        return fail (&c, "%zu bytes, more than the %u MiB allowed", len,
                     FO_CTEST_MAX_JSON / (1024u * 1024u));
    json_error_t jerr;
    json_t *root = json_loadb (data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        /* jansson quotes the input near the error: a newline of it must
           not split the one-line message (found by fuzz_ctest_json). */
        fo_buf what = { 0 };
        fo_read_message (&what, jerr.text, strlen (jerr.text), 200);
        fail (&c, "line %d column %d: %s", jerr.line, jerr.column, what.data ? what.data : "");
        fo_buf_free (&what);
        return -1;
    }
    int rc = 0;
    const json_t *kind = json_object_get (root, "kind");
    const json_t *version = json_object_get (root, "version");
    const json_t *major = json_object_get (version, "major");
    const json_t *tests = json_object_get (root, "tests");
    if (!json_is_object (root) || !json_is_string (kind)
        || strcmp (json_string_value (kind), "ctestInfo") != 0)
        rc = fail (&c, "not a ctestInfo object");
    else if (!json_is_integer (major) || json_integer_value (major) != 1)
        rc = fail (&c, "version.major must be 1");
    else if (!json_is_array (tests))
        rc = fail (&c, "tests must be a list");
    else if (json_array_size (tests) > FO_CTEST_MAX_TESTS)
        rc = fail (&c, "%zu tests, more than the %u allowed", json_array_size (tests),
                   FO_CTEST_MAX_TESTS);
    else {
        size_t n = json_array_size (tests);
        out->items = fo_xcalloc (n ? n : 1, sizeof *out->items);
        for (size_t i = 0; i < n && rc == 0; i++) {
            fo_ctest_test *t = &out->items[out->len++];
            t->skip_code = -1;
            t->processors = 1;
            rc = get_test (&c, i, json_array_get (tests, i), t);
        }
        if (rc == 0)
            rc = check_unique (&c, out);
    }
    json_decref (root);
    if (rc != 0)
        fo_ctest_list_free (out);
    return rc;
}

size_t
fo_ctest_find (const fo_ctest_list *list, const char *name)
{
    for (size_t i = 0; i < list->len; i++)
        if (!strcmp (list->items[i].name, name))
            return i;
    return list->len;
}
