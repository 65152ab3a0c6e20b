/*  fo_history — see fo_history.h. The store is kept as jansson's own tree
    (an object is a hash table: a lookup by id is O(1)); what this run
    recorded is also kept as a list of updates, so that saving can apply
    exactly those to the file as another run may have left it. */
#include "fo_history.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fo_util.h"

#define FORMAT_VERSION 1

/* Which version of the file was read: a save replaces the file through a
   rename, so another run's save changes at least the inode. */
typedef struct {
    bool exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} file_id;

static file_id
file_id_of (const struct stat *st)
{
    return (file_id) { .exists = true, .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
                       .mtime = st->st_mtim };
}

static bool
same_file (const file_id *a, const file_id *b)
{
    if (a->exists != b->exists)
        return false;
    return !a->exists
        || (a->dev == b->dev && a->ino == b->ino && a->size == b->size
            && a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec);
}

struct fo_history {
    char *path;
    json_t *root;           /* {"fanout_history": 1, "tests": {}, "fixtures": {}} */
    json_t *updates;        /* [[kind, id, outcome or null, us], ...] */
    size_t nknown;          /* tests with a mean */
    file_id loaded;         /* the file as it was read (or its absence) */
};

static json_t *
tests_of (const fo_history *self)
{
    return json_object_get (self->root, "tests");
}

static json_t *
fixtures_of (const fo_history *self)
{
    return json_object_get (self->root, "fixtures");
}

static json_t *
empty_root (void)
{
    return json_pack ("{s:i, s:{}, s:{}}", "fanout_history", FORMAT_VERSION, "tests", "fixtures");
}

static bool
is_count (const json_t *v)
{
    return json_is_integer (v) && json_integer_value (v) >= 0;
}

/* An entry of the right shape (anything else in it is ignored). */
static bool
test_entry_ok (const json_t *e)
{
    fo_outcome outcome;
    const json_t *name = json_object_get (e, "outcome");
    return json_is_object (e) && is_count (json_object_get (e, "mean_us"))
        && is_count (json_object_get (e, "runs")) && is_count (json_object_get (e, "seen"))
        && json_is_string (name) && fo_outcome_parse (json_string_value (name), &outcome) == 0;
}

static bool
fixture_entry_ok (const json_t *e)
{
    return json_is_object (e) && is_count (json_object_get (e, "setup_us"))
        && is_count (json_object_get (e, "seen"));
}

/* Drops entries of the wrong shape; returns how many. */
static size_t
drop_bad (json_t *map, bool (*ok) (const json_t *))
{
    size_t dropped = 0;
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe (map, tmp, key, value) {
        if (!ok (value) || strlen (key) > FO_HISTORY_MAX_ID) {
            json_object_del (map, key);
            dropped++;
        }
    }
    return dropped;
}

static size_t
count_known (const json_t *tests)
{
    size_t n = 0;
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *) tests, key, value)
        n += json_integer_value (json_object_get (value, "runs")) > 0;
    return n;
}

/* Reads path into a root, and which version of the file it was into id.
   Returns NULL with why in warn ("" when the file is simply not there). */
static json_t *
read_store (const char *path, file_id *id, char *warn, size_t warnlen)
{
    if (warnlen)
        warn[0] = '\0';
    memset (id, 0, sizeof *id);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            fo_err (warn, warnlen, "history %s cannot be read (%s); running without it", path,
                    strerror (errno));
        return NULL;
    }
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
        fo_err (warn, warnlen, "history %s is not a regular file; running without it", path);
        close (fd);
        return NULL;
    }
    if ((uint64_t) st.st_size > FO_HISTORY_MAX_BYTES) {
        fo_err (warn, warnlen, "history %s is over %u MiB; running without it", path,
                FO_HISTORY_MAX_BYTES >> 20);
        close (fd);
        return NULL;
    }
    *id = file_id_of (&st);
    size_t size = (size_t) st.st_size, got = 0;
    char *data = fo_xmalloc (size + 1);
    while (got < size) {
        ssize_t n = read (fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    json_error_t jerr;
    json_t *root = json_loadb (data, got, JSON_REJECT_DUPLICATES, &jerr);
    free (data);
    if (!root) {
        fo_err (warn, warnlen, "history %s:%d:%d: %s; running without it", path, jerr.line,
                jerr.column, jerr.text);
        return NULL;
    }
    json_t *version = json_object_get (root, "fanout_history");
    if (!json_is_object (root) || !json_is_integer (version)
        || json_integer_value (version) != FORMAT_VERSION
        || !json_is_object (json_object_get (root, "tests"))) {
        fo_err (warn, warnlen, "history %s is not a fanout history (version %d); running without it",
                path, FORMAT_VERSION);
        json_decref (root);
        return NULL;
    }
    if (!json_is_object (json_object_get (root, "fixtures")))
        json_object_set_new (root, "fixtures", json_object ());
    size_t dropped = drop_bad (json_object_get (root, "tests"), test_entry_ok)
                   + drop_bad (json_object_get (root, "fixtures"), fixture_entry_ok);
    if (dropped)
        fo_err (warn, warnlen, "history %s: %zu entr%s of the wrong shape ignored", path, dropped,
                dropped == 1 ? "y" : "ies");
    return root;
}

fo_history *
fo_history_load (const char *path, char *warn, size_t warnlen)
{
    fo_history *self = fo_xcalloc (1, sizeof *self);
    self->path = fo_xstrdup (path);
    self->root = read_store (path, &self->loaded, warn, warnlen);
    if (!self->root)
        self->root = empty_root ();
    self->updates = json_array ();
    self->nknown = count_known (tests_of (self));
    return self;
}

void
fo_history_destroy (fo_history **self_p)
{
    fo_history *self = *self_p;
    if (!self)
        return;
    json_decref (self->root);
    json_decref (self->updates);
    free (self->path);
    free (self);
    *self_p = NULL;
}

const char *
fo_history_path (const fo_history *self)
{
    return self->path;
}

bool
fo_history_empty (const fo_history *self)
{
    return !self || self->nknown == 0;
}

int64_t
fo_history_expected_us (const fo_history *self, const char *test_id)
{
    if (!self)
        return -1;
    json_t *e = json_object_get (tests_of (self), test_id);
    if (!e || json_integer_value (json_object_get (e, "runs")) == 0)
        return -1;
    return (int64_t) json_integer_value (json_object_get (e, "mean_us"));
}

int64_t
fo_history_typical_us (const fo_history *self)
{
    if (fo_history_empty (self))
        return -1;
    long double sum = 0;
    size_t n = 0;
    const char *key;
    json_t *value;
    json_object_foreach (tests_of (self), key, value)
        if (json_integer_value (json_object_get (value, "runs")) > 0) {
            sum += (long double) json_integer_value (json_object_get (value, "mean_us"));
            n++;
        }
    return n ? (int64_t) (sum / n) : -1;
}

int64_t
fo_history_setup_us (const fo_history *self, const char *context_id)
{
    json_t *e = self ? json_object_get (fixtures_of (self), context_id) : NULL;
    return e ? (int64_t) json_integer_value (json_object_get (e, "setup_us")) : -1;
}

static bool
entry_failed (const json_t *e)
{
    fo_outcome outcome;
    return e && fo_outcome_parse (json_string_value (json_object_get (e, "outcome")), &outcome) == 0
        && fo_outcome_is_failure (outcome);
}

bool
fo_history_failed_last (const fo_history *self, const char *test_id)
{
    return self && entry_failed (json_object_get (tests_of (self), test_id));
}

const char **
fo_history_failed_ids (const fo_history *self, size_t *n)
{
    json_t *tests = tests_of (self);
    const char **ids = fo_xmalloc ((json_object_size (tests) + 1) * sizeof *ids);
    *n = 0;
    const char *key;
    json_t *value;
    json_object_foreach (tests, key, value)
        if (entry_failed (value))
            ids[(*n)++] = key;
    return ids;
}

/* ---- recording ---------------------------------------------------------- */

static json_int_t
now_seconds (void)
{
    return (json_int_t) time (NULL);
}

/* One test's outcome into a tests map. Returns whether the test had no
   duration before and has one now. */
static bool
apply_test (json_t *tests, const char *id, fo_outcome outcome, uint64_t us, json_int_t seen)
{
    json_t *e = json_object_get (tests, id);
    if (!e) {
        e = json_pack ("{s:I, s:I, s:I}", "mean_us", (json_int_t) 0, "last_us", (json_int_t) 0,
                       "runs", (json_int_t) 0);
        json_object_set_new (tests, id, e);
    }
    json_int_t runs = json_integer_value (json_object_get (e, "runs"));
    bool was_known = runs > 0;
    if (outcome != FO_SKIPPED) {
        json_int_t mean = json_integer_value (json_object_get (e, "mean_us"));
        json_int_t d = (json_int_t) (us > (uint64_t) INT64_MAX / 2 ? (uint64_t) INT64_MAX / 2 : us);
        runs++;
        json_int_t weight = runs < FO_HISTORY_WINDOW ? runs : FO_HISTORY_WINDOW;
        mean += (d - mean) / weight;
        json_object_set_new (e, "mean_us", json_integer (mean));
        json_object_set_new (e, "last_us", json_integer (d));
        json_object_set_new (e, "runs", json_integer (runs));
    }
    json_object_set_new (e, "outcome", json_string (fo_outcome_name (outcome)));
    json_object_set_new (e, "seen", json_integer (seen));
    return !was_known && runs > 0;
}

static void
apply_setup (json_t *fixtures, const char *id, uint64_t us, json_int_t seen)
{
    json_int_t d = (json_int_t) (us > (uint64_t) INT64_MAX / 2 ? (uint64_t) INT64_MAX / 2 : us);
    json_object_set_new (fixtures, id, json_pack ("{s:I, s:I}", "setup_us", d, "seen", seen));
}

void
fo_history_record (fo_history *self, const char *test_id, fo_outcome outcome,
                   uint64_t duration_us)
{
    if (outcome == FO_NOT_RUN || outcome >= FO_OUTCOME_COUNT || strlen (test_id) > FO_HISTORY_MAX_ID)
        return;
    self->nknown += apply_test (tests_of (self), test_id, outcome, duration_us, now_seconds ());
    json_array_append_new (self->updates, json_pack ("[s, s, s, I]", "test", test_id,
                                                     fo_outcome_name (outcome),
                                                     (json_int_t) duration_us));
}

void
fo_history_record_setup (fo_history *self, const char *context_id, uint64_t duration_us)
{
    if (strlen (context_id) > FO_HISTORY_MAX_ID)
        return;
    apply_setup (fixtures_of (self), context_id, duration_us, now_seconds ());
    json_array_append_new (self->updates, json_pack ("[s, s, n, I]", "setup", context_id,
                                                     (json_int_t) duration_us));
}

/* ---- bounding and saving ------------------------------------------------ */

typedef struct {
    json_int_t seen;
    const char *key;
} aged;

static int
by_age (const void *a, const void *b)
{
    const aged *x = a, *y = b;
    return x->seen < y->seen ? -1 : x->seen > y->seen;
}

/* Keeps the FO_HISTORY_MAX_TESTS entries seen last. */
static void
bound (json_t *map)
{
    size_t n = json_object_size (map);
    if (n <= FO_HISTORY_MAX_TESTS)
        return;
    aged *all = fo_xmalloc (n * sizeof *all);
    size_t i = 0;
    const char *key;
    json_t *value;
    json_object_foreach (map, key, value)
        all[i++] = (aged) { json_integer_value (json_object_get (value, "seen")), key };
    qsort (all, n, sizeof *all, by_age);
    /* Copy the keys first: deleting an entry frees its key. */
    size_t drop = n - FO_HISTORY_MAX_TESTS;
    char **keys = fo_xmalloc (drop * sizeof *keys);
    for (i = 0; i < drop; i++)
        keys[i] = fo_xstrdup (all[i].key);
    for (i = 0; i < drop; i++) {
        json_object_del (map, keys[i]);
        free (keys[i]);
    }
    free (keys);
    free (all);
}

static int
write_all (int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write (fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

/* Writes root to path through a temporary file in the same directory. */
static int
replace_file (const char *path, const json_t *root, char *err, size_t errlen)
{
    char *data = json_dumps (root, JSON_COMPACT);
    if (!data)
        return fo_err (err, errlen, "history %s: cannot encode it", path);
    char *tmp = fo_xasprintf ("%s.tmp.%ld", path, (long) getpid ());
    int rc = -1;
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fo_err (err, errlen, "history %s cannot be written (%s)", tmp, strerror (errno));
    } else {
        size_t len = strlen (data);
        int bad = write_all (fd, data, len) != 0 || write_all (fd, "\n", 1) != 0 || fsync (fd) != 0;
        int saved = errno;
        if (close (fd) != 0 && !bad) {
            bad = 1;
            saved = errno;
        }
        if (bad)
            fo_err (err, errlen, "history %s cannot be written (%s)", tmp, strerror (saved));
        else if (rename (tmp, path) != 0)
            fo_err (err, errlen, "history %s cannot be replaced (%s)", path, strerror (errno));
        else
            rc = 0;
        if (rc != 0)
            unlink (tmp);
    }
    free (tmp);
    free (data);
    return rc;
}

int
fo_history_save (fo_history *self, char *err, size_t errlen)
{
    if (json_array_size (self->updates) == 0)
        return 0;
    char *lock_path = fo_xasprintf ("%s.lock", self->path);
    int lock = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) {
        fo_err (err, errlen, "history lock %s cannot be opened (%s)", lock_path, strerror (errno));
        free (lock_path);
        return -1;
    }
    free (lock_path);
    while (flock (lock, LOCK_EX) != 0) {
        if (errno != EINTR) {
            fo_err (err, errlen, "history %s cannot be locked (%s)", self->path, strerror (errno));
            close (lock);
            return -1;
        }
    }
    /* What another run saved since we loaded counts: apply our updates to
       the file as it is now. A store gone bad since is replaced. When the
       file is still the one we read, our own tree already holds the
       updates: reading it again would cost as much as the first time
       (about 0.3 s of CPU at the bound) for nothing. */
    struct stat st;
    file_id now = { 0 };
    bool gone = stat (self->path, &st) != 0 && errno == ENOENT;
    if (!gone)
        now = file_id_of (&st);
    json_t *root;
    if ((gone || now.exists) && same_file (&now, &self->loaded)) {
        root = json_incref (self->root);
    } else {
        char warn[512];
        root = read_store (self->path, &now, warn, sizeof warn);
        if (!root)
            root = empty_root ();
        json_t *tests = json_object_get (root, "tests");
        json_t *fixtures = json_object_get (root, "fixtures");
        json_int_t seen = now_seconds ();
        size_t i;
        json_t *u;
        json_array_foreach (self->updates, i, u) {
            const char *kind = json_string_value (json_array_get (u, 0));
            const char *id = json_string_value (json_array_get (u, 1));
            json_int_t us = json_integer_value (json_array_get (u, 3));
            if (strcmp (kind, "setup") == 0) {
                apply_setup (fixtures, id, (uint64_t) us, seen);
            } else {
                fo_outcome outcome = FO_PASSED;
                fo_outcome_parse (json_string_value (json_array_get (u, 2)), &outcome);
                apply_test (tests, id, outcome, (uint64_t) us, seen);
            }
        }
    }
    json_t *tests = json_object_get (root, "tests");
    json_t *fixtures = json_object_get (root, "fixtures");
    bound (tests);
    bound (fixtures);
    int rc = replace_file (self->path, root, err, errlen);
    flock (lock, LOCK_UN);
    close (lock);
    if (rc == 0) {
        json_decref (self->root);
        self->root = root;
        json_array_clear (self->updates);
        self->nknown = count_known (tests);
        memset (&self->loaded, 0, sizeof self->loaded);
        if (stat (self->path, &st) == 0)
            self->loaded = file_id_of (&st);
    } else {
        json_decref (root);
    }
    return rc;
}
