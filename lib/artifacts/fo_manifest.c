/*  fo_manifest — see fo_manifest.h. */
#include "fo_manifest.h"
#include "fo_proto.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAMES[] = { "file", "dir", "link" };

const char *
fo_artifact_kind_name (fo_artifact_kind kind)
{
    return (unsigned) kind < 3 ? KIND_NAMES[kind] : NULL;
}

fo_manifest *
fo_manifest_new (void)
{
    return fo_xcalloc (1, sizeof (fo_manifest));
}

static void
entry_free (fo_artifact *e)
{
    free (e->path);
    free (e->target);
    free (e->source);
}

void
fo_manifest_destroy (fo_manifest **self_p)
{
    fo_manifest *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->len; i++)
        entry_free (&self->items[i]);
    free (self->items);
    fo_buf_free (&self->encoded);
    free (self);
    *self_p = NULL;
}

bool
fo_manifest_path_ok (const char *path)
{
    /* The protocol's rule: what stays under the directory it is put in. */
    _Static_assert (FO_MANIFEST_MAX_PATH == FO_PROTO_MAX_ROOT, "one path limit");
    return fo_relative_path_ok (path);
}

void
fo_manifest_add (fo_manifest *self, const fo_artifact *entry)
{
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->items = fo_xrealloc (self->items, self->cap * sizeof *self->items);
    }
    fo_artifact *e = &self->items[self->len++];
    *e = *entry;
    e->path = fo_xstrdup (entry->path);
    e->target = fo_xstrdup (entry->target);
    e->source = fo_xstrdup (entry->source);
}

void
fo_manifest_add_all (fo_manifest *self, const fo_manifest *other)
{
    for (size_t i = 0; other && i < other->len; i++)
        fo_manifest_add (self, &other->items[i]);
}

/* Byte order of paths; stable for equal ones (the index breaks ties), so
   the first added stays. */
typedef struct {
    const fo_artifact *e;
    size_t index;
} sort_item;

static int
cmp_items (const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    int c = strcmp (x->e->path, y->e->path);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

static void
encode (fo_manifest *self)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init (&sb);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    msgpack_pack_str_with_body (&pk, "manifest", 8);
    msgpack_pack_uint32 (&pk, 1);
    msgpack_pack_str_with_body (&pk, "entries", 7);
    msgpack_pack_array (&pk, (uint32_t) self->len);
    for (size_t i = 0; i < self->len; i++) {
        const fo_artifact *e = &self->items[i];
        msgpack_pack_array (&pk, 6);
        msgpack_pack_str_with_body (&pk, e->path, strlen (e->path));
        const char *kind = fo_artifact_kind_name (e->kind);
        msgpack_pack_str_with_body (&pk, kind, strlen (kind));
        msgpack_pack_uint32 (&pk, e->mode);
        msgpack_pack_uint64 (&pk, e->size);
        if (e->kind == FO_ARTIFACT_FILE)
            msgpack_pack_bin_with_body (&pk, e->hash, FO_HASH_BYTES);
        else
            msgpack_pack_bin_with_body (&pk, "", 0);
        const char *t = e->target ? e->target : "";
        msgpack_pack_str_with_body (&pk, t, strlen (t));
    }
    fo_buf_reset (&self->encoded);
    fo_buf_append (&self->encoded, sb.data, sb.size);
    msgpack_sbuffer_destroy (&sb);
}

/* Every ancestor of an entry that the manifest holds is a directory: a
   file under a link would be written wherever the link points. */
static int
check_parents (const fo_manifest *self, char *err, size_t errlen)
{
    for (size_t i = 0; i < self->len; i++) {
        char *path = fo_xstrdup (self->items[i].path);
        int rc = 0;
        for (char *slash = strrchr (path, '/'); slash && rc == 0; slash = strrchr (path, '/')) {
            *slash = '\0';
            const fo_artifact *up = fo_manifest_find (self, path);
            if (up && up->kind != FO_ARTIFACT_DIR)
                rc = fo_err (err, errlen, "artifact '%s' lies under '%s', which is a %s",
                             self->items[i].path, path, fo_artifact_kind_name (up->kind));
        }
        free (path);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void
finish (fo_manifest *self)
{
    self->bytes = 0;
    self->files = 0;
    for (size_t i = 0; i < self->len; i++)
        if (self->items[i].kind == FO_ARTIFACT_FILE) {
            self->bytes += self->items[i].size;
            self->files++;
        }
    fo_hash_data (self->encoded.data, self->encoded.len, self->id);
    fo_hash_to_hex (self->id, self->hex);
    self->sealed = true;
}

int
fo_manifest_seal (fo_manifest *self, char *err, size_t errlen)
{
    sort_item *order = fo_xcalloc (self->len ? self->len : 1, sizeof *order);
    for (size_t i = 0; i < self->len; i++)
        order[i] = (sort_item) { &self->items[i], i };
    qsort (order, self->len, sizeof *order, cmp_items);
    fo_artifact *sorted = fo_xcalloc (self->len ? self->len : 1, sizeof *sorted);
    size_t n = 0;
    for (size_t i = 0; i < self->len; i++) {
        fo_artifact *e = (fo_artifact *) order[i].e;
        if (n > 0 && !strcmp (sorted[n - 1].path, e->path))
            entry_free (e);
        else
            sorted[n++] = *e;
    }
    free (order);
    free (self->items);
    self->items = sorted;
    self->len = self->cap = n;
    if (self->len > FO_MANIFEST_MAX_ENTRIES)
        return fo_err (err, errlen, "%zu artifacts in one manifest (at most %u)", self->len,
                       FO_MANIFEST_MAX_ENTRIES);
    if (check_parents (self, err, errlen) != 0)
        return -1;
    encode (self);
    if (self->encoded.len > FO_MANIFEST_MAX_BYTES)
        return fo_err (err, errlen, "the manifest takes %zu bytes (at most %u MiB)",
                       self->encoded.len, FO_MANIFEST_MAX_BYTES >> 20);
    finish (self);
    return 0;
}

const fo_artifact *
fo_manifest_find (const fo_manifest *self, const char *path)
{
    size_t lo = 0, hi = self->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp (self->items[mid].path, path);
        if (c == 0)
            return &self->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- decoding ---------------------------------------------------------- */

static bool
str_is (const msgpack_object *o, const char *s)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen (s)
           && !memcmp (o->via.str.ptr, s, o->via.str.size);
}

static char *
copy_str (const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_STR || memchr (o->via.str.ptr, '\0', o->via.str.size))
        return NULL;
    return fo_xstrndup (o->via.str.ptr, o->via.str.size);
}

static int
decode_entry (const msgpack_object *o, fo_artifact *e, size_t i, char *err, size_t errlen)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 6)
        return fo_err (err, errlen, "manifest entry %zu is not an array of 6", i);
    const msgpack_object *f = o->via.array.ptr;
    e->path = copy_str (&f[0]);
    if (!e->path || !fo_manifest_path_ok (e->path))
        return fo_err (err, errlen, "manifest entry %zu has a bad path", i);
    int kind = -1;
    for (int k = 0; k < 3; k++)
        if (str_is (&f[1], KIND_NAMES[k]))
            kind = k;
    if (kind < 0)
        return fo_err (err, errlen, "manifest entry %zu has an unknown kind", i);
    e->kind = (fo_artifact_kind) kind;
    if (f[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER || f[2].via.u64 > 07777
        || f[3].type != MSGPACK_OBJECT_POSITIVE_INTEGER || f[4].type != MSGPACK_OBJECT_BIN)
        return fo_err (err, errlen, "manifest entry %zu has a bad mode, size or hash", i);
    e->mode = (uint32_t) f[2].via.u64;
    e->size = f[3].via.u64;
    bool file = e->kind == FO_ARTIFACT_FILE;
    if (f[4].via.bin.size != (file ? FO_HASH_BYTES : 0) || (!file && e->size != 0))
        return fo_err (err, errlen, "manifest entry %zu has a bad size or hash", i);
    if (file)
        memcpy (e->hash, f[4].via.bin.ptr, FO_HASH_BYTES);
    char *target = copy_str (&f[5]);
    if (!target || (e->kind == FO_ARTIFACT_LINK) != (target[0] != '\0')
        || strlen (target) > FO_MANIFEST_MAX_PATH) {
        free (target);
        return fo_err (err, errlen, "manifest entry %zu has a bad link target", i);
    }
    if (e->kind == FO_ARTIFACT_LINK)
        e->target = target;
    else
        free (target);
    return 0;
}

fo_manifest *
fo_manifest_decode (const void *data, size_t len, char *err, size_t errlen)
{
    if (len > FO_MANIFEST_MAX_BYTES) {
        fo_err (err, errlen, "a manifest of %zu bytes (at most %u MiB)", len,
                FO_MANIFEST_MAX_BYTES >> 20);
        return NULL;
    }
    /* msgpack-c trusts announced sizes: the prescan bounds them first. */
    if (fo_proto_prescan (data, len, err, errlen) < 0)
        return NULL;
    msgpack_unpacked up;
    msgpack_unpacked_init (&up);
    size_t off = 0;
    fo_manifest *m = fo_manifest_new ();
    int rc = -1;
    if (msgpack_unpack_next (&up, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len
        || up.data.type != MSGPACK_OBJECT_MAP || up.data.via.map.size != 2
        || !str_is (&up.data.via.map.ptr[0].key, "manifest")
        || up.data.via.map.ptr[0].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER
        || up.data.via.map.ptr[0].val.via.u64 != 1
        || !str_is (&up.data.via.map.ptr[1].key, "entries")
        || up.data.via.map.ptr[1].val.type != MSGPACK_OBJECT_ARRAY)
        fo_err (err, errlen, "not a manifest of version 1");
    else {
        const msgpack_object *entries = &up.data.via.map.ptr[1].val;
        size_t n = entries->via.array.size;
        if (n > FO_MANIFEST_MAX_ENTRIES)
            fo_err (err, errlen, "%zu entries (at most %u)", n, FO_MANIFEST_MAX_ENTRIES);
        else {
            m->items = fo_xcalloc (n ? n : 1, sizeof *m->items);
            m->cap = n;
            rc = 0;
            for (size_t i = 0; i < n && rc == 0; i++) {
                m->len++;
                rc = decode_entry (&entries->via.array.ptr[i], &m->items[i], i, err, errlen);
                if (rc == 0 && i > 0 && strcmp (m->items[i - 1].path, m->items[i].path) >= 0)
                    rc = fo_err (err, errlen, "manifest entry %zu is out of order or repeated", i);
            }
        }
    }
    msgpack_unpacked_destroy (&up);
    if (rc == 0)
        rc = check_parents (m, err, errlen);
    if (rc != 0) {
        fo_manifest_destroy (&m);
        return NULL;
    }
    fo_buf_append (&m->encoded, data, len);
    finish (m);
    return m;
}
