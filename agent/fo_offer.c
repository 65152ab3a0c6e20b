/*  fo_offer — see fo_offer.h. */
#include "fo_offer.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
fo_offer_free (fo_offer *self)
{
    for (size_t i = 0; i < self->nresources; i++) {
        free (self->resources[i].name);
        free (self->resources[i].id);
    }
    free (self->resources);
    fo_strv_free (&self->labels);
    memset (self, 0, sizeof *self);
}

/* Adds one instance, by every rule of fo_proto.h. */
static int
add_instance (fo_offer *self, const char *name, const char *id, uint64_t slots, char *err,
              size_t errlen)
{
    if (!fo_resource_name_ok (name)) {
        snprintf (err, errlen, "'%s' is not a valid resource name (1 to %u characters: a "
                  "lowercase letter or '_', then lowercase letters, digits or '_')", name,
                  FO_PROTO_MAX_RESOURCE_NAME);
        return -1;
    }
    if (!fo_resource_id_ok (id)) {
        snprintf (err, errlen, "'%s' is not a valid id of resource '%s' (1 to %u letters, "
                  "digits, '_', '-' or '.')", id, name, FO_PROTO_MAX_RESOURCE_NAME);
        return -1;
    }
    if (slots < 1 || slots > FO_PROTO_MAX_RESOURCE_SLOTS) {
        snprintf (err, errlen, "instance '%s' of resource '%s': slots must be 1 to %u", id,
                  name, FO_PROTO_MAX_RESOURCE_SLOTS);
        return -1;
    }
    if (self->nresources >= FO_PROTO_MAX_RESOURCES) {
        snprintf (err, errlen, "more than %u resource instances", FO_PROTO_MAX_RESOURCES);
        return -1;
    }
    for (size_t i = 0; i < self->nresources; i++)
        if (!strcmp (self->resources[i].name, name) && !strcmp (self->resources[i].id, id)) {
            snprintf (err, errlen, "instance '%s' of resource '%s' is offered twice", id, name);
            return -1;
        }
    self->resources = fo_xrealloc (self->resources,
                                   (self->nresources + 1) * sizeof *self->resources);
    self->resources[self->nresources++] = (fo_resource) { fo_xstrdup (name), fo_xstrdup (id),
                                                          (uint32_t) slots };
    return 0;
}

/* Takes back what a failed call added. */
static void
truncate_to (fo_offer *self, size_t n)
{
    while (self->nresources > n) {
        self->nresources--;
        free (self->resources[self->nresources].name);
        free (self->resources[self->nresources].id);
    }
}

int
fo_offer_add_resource_arg (fo_offer *self, const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr (arg, '=');
    char *end = NULL;
    errno = 0;
    unsigned long n = eq && eq[1] >= '0' && eq[1] <= '9' ? strtoul (eq + 1, &end, 10) : 0;
    if (!eq || errno || !end || *end || n < 1 || n > FO_PROTO_MAX_RESOURCES) {
        snprintf (err, errlen, "--resource '%s': expected NAME=COUNT, COUNT from 1 to %u", arg,
                  FO_PROTO_MAX_RESOURCES);
        return -1;
    }
    char *name = fo_xstrndup (arg, (size_t) (eq - arg));
    size_t before = self->nresources;
    int rc = 0;
    for (unsigned long i = 0; i < n && rc == 0; i++) {
        char id[24];
        snprintf (id, sizeof id, "%lu", i);
        rc = add_instance (self, name, id, 1, err, errlen);
    }
    if (rc != 0)
        truncate_to (self, before);
    free (name);
    return rc;
}

int
fo_offer_add_label (fo_offer *self, const char *label, char *err, size_t errlen)
{
    if (!fo_label_ok (label)) {
        snprintf (err, errlen, "label '%s': a label is 1 to %u printable characters, no space "
                  "or ','", label, FO_PROTO_MAX_LABEL);
        return -1;
    }
    for (size_t i = 0; i < self->labels.len; i++)
        if (!strcmp (self->labels.items[i], label)) {
            snprintf (err, errlen, "label '%s' is given twice", label);
            return -1;
        }
    if (self->labels.len >= FO_PROTO_MAX_LABELS) {
        snprintf (err, errlen, "more than %u labels", FO_PROTO_MAX_LABELS);
        return -1;
    }
    fo_strv_push (&self->labels, label);
    return 0;
}

/* One resource type's instances: [ {"id": ID, "slots": N}, ... ]. */
static int
load_type (fo_offer *self, const char *path, const char *name, json_t *list, char *err,
           size_t errlen)
{
    if (!json_is_array (list)) {
        snprintf (err, errlen, "%s: resource '%s' must be an array of {\"id\", \"slots\"}", path,
                  name);
        return -1;
    }
    size_t i;
    json_t *inst;
    json_array_foreach (list, i, inst) {
        json_t *id = json_object_get (inst, "id"), *slots = json_object_get (inst, "slots");
        const char *key;
        json_t *v;
        if (json_is_object (inst))
            json_object_foreach (inst, key, v)
                if (strcmp (key, "id") && strcmp (key, "slots")) {
                    snprintf (err, errlen, "%s: resource '%s' [%zu]: unknown key '%.64s' "
                              "(expected id, slots)", path, name, i, key);
                    return -1;
                }
        if (!json_is_object (inst) || !json_is_string (id)
            || (slots && !json_is_integer (slots))) {
            snprintf (err, errlen, "%s: resource '%s' [%zu] must be {\"id\": STRING, \"slots\": "
                      "INTEGER}", path, name, i);
            return -1;
        }
        json_int_t n = slots ? json_integer_value (slots) : 1;
        char why[400];
        if (add_instance (self, name, json_string_value (id), n < 0 ? 0 : (uint64_t) n, why,
                          sizeof why) != 0) {
            snprintf (err, errlen, "%s: %s", path, why);
            return -1;
        }
    }
    return 0;
}

static int
load_json (fo_offer *self, const char *path, json_t *root, char *err, size_t errlen)
{
    json_t *version = json_object_get (root, "version");
    json_t *local = json_object_get (root, "local");
    if (!json_is_object (root) || !json_is_object (version)
        || json_integer_value (json_object_get (version, "major")) != 1
        || !json_is_integer (json_object_get (version, "minor"))
        || json_integer_value (json_object_get (version, "minor")) != 0) {
        snprintf (err, errlen, "%s: not a resource specification of version 1.0 (expected "
                  "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": [...]})", path);
        return -1;
    }
    if (!json_is_array (local) || json_array_size (local) != 1
        || !json_is_object (json_array_get (local, 0))) {
        snprintf (err, errlen, "%s: \"local\" must be an array of exactly one map of resources",
                  path);
        return -1;
    }
    const char *name;
    json_t *list;
    json_object_foreach (json_array_get (local, 0), name, list)
        if (load_type (self, path, name, list, err, errlen) != 0)
            return -1;
    return 0;
}

int
fo_offer_load_file (fo_offer *self, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return -1;
    }
    char *buf = fo_xmalloc (FO_OFFER_MAX_FILE + 1);
    size_t len = fread (buf, 1, FO_OFFER_MAX_FILE + 1, f);
    bool failed = ferror (f);
    fclose (f);
    if (failed || len > FO_OFFER_MAX_FILE) {
        snprintf (err, errlen, failed ? "%s: cannot read it" : "%s: longer than %u bytes", path,
                  FO_OFFER_MAX_FILE);
        free (buf);
        return -1;
    }
    json_error_t jerr;
    /* Nesting is bounded by jansson itself (JSON_PARSER_MAX_DEPTH). */
    json_t *root = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
    free (buf);
    if (!root) {
        snprintf (err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return -1;
    }
    size_t before = self->nresources;
    int rc = load_json (self, path, root, err, errlen);
    json_decref (root);
    if (rc != 0)
        truncate_to (self, before);
    return rc;
}
