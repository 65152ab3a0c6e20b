/*  test_fetcher — the agent's side of artifacts: the blob cache (store,
    check on open, LRU eviction that spares what is kept) and the fetcher
    (a lease's manifest and blobs fetched in chunks within the window,
    checked, laid out in a workspace, the lease rewritten to run there; a
    blob that never verifies ends its leases with the reason after the
    tries). The broker is played by the test: it answers fetches from
    memory, truthfully or not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_blob_cache.h"
#include "fo_fetcher.h"
#include "fo_manifest.h"

static char dir[64];

static int
setup (void **state)
{
    (void) state;
    strcpy (dir, "/tmp/fo-test-fetcher-XXXXXX");
    assert_non_null (mkdtemp (dir));
    return 0;
}

static int
teardown (void **state)
{
    (void) state;
    char *cmd = fo_xasprintf ("chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
    assert_int_equal (system (cmd), 0);
    free (cmd);
    return 0;
}

static void
store (fo_blob_cache *cache, const char *data, size_t len, char *hex)
{
    unsigned char h[FO_HASH_BYTES];
    fo_hash_data (data, len, h);
    fo_hash_to_hex (h, hex);
    char *tmp = NULL, err[256];
    int fd = fo_blob_cache_begin (cache, &tmp, err, sizeof err);
    assert_true (fd >= 0);
    assert_int_equal (write (fd, data, len), (ssize_t) len);
    close (fd);
    assert_int_equal (fo_blob_cache_commit (cache, hex, tmp, false, err, sizeof err), 0);
    free (tmp);
}

/* Changes the first byte of the blob id in the cache at cdir. */
static void
corrupt (const char *cdir, const char *id)
{
    char *path = fo_xasprintf ("%s/blobs/%.2s/%s", cdir, id, id);
    assert_int_equal (chmod (path, 0644), 0);
    FILE *f = fopen (path, "r+");
    assert_non_null (f);
    fputc ('X', f);
    fclose (f);
    free (path);
}

static void
test_cache (void **state)
{
    (void) state;
    char *cdir = fo_xasprintf ("%s/cache", dir), err[512];
    fo_blob_cache *cache = fo_blob_cache_open (cdir, 2000, err, sizeof err);
    assert_non_null (cache);
    char a[FO_HASH_HEX + 1], b[FO_HASH_HEX + 1], c[FO_HASH_HEX + 1];
    char big[900];
    memset (big, 'a', sizeof big);
    store (cache, big, sizeof big, a);
    memset (big, 'b', sizeof big);
    store (cache, big, sizeof big, b);
    assert_true (fo_blob_cache_has (cache, a));
    char *path = fo_blob_cache_path (cache, a);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 07777, 0444);
    /* a used long ago, b just now: past the size, a goes first, never c */
    struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
    assert_int_equal (utimensat (AT_FDCWD, path, old, 0), 0);
    memset (big, 'c', sizeof big);
    store (cache, big, sizeof big, c);
    fo_strv keep = { 0 };
    fo_strv_push (&keep, c);
    assert_int_equal (fo_blob_cache_evict (cache, &keep), 1);
    assert_false (fo_blob_cache_has (cache, a));
    assert_true (fo_blob_cache_has (cache, b));
    assert_true (fo_blob_cache_has (cache, c));
    fo_strv_free (&keep);
    fo_blob_cache_destroy (&cache);
    free (path);

    /* A corrupt blob is found at its first use after the cache opens
       again (not when it opens: that would read the whole store), and
       removed. */
    corrupt (cdir, b);
    cache = fo_blob_cache_open (cdir, 2000, err, sizeof err);
    assert_non_null (cache);
    fo_blob_cache_stats cs = fo_blob_cache_stats_get (cache);
    assert_int_equal (cs.dropped, 0);
    assert_int_equal (cs.blobs, 2);
    assert_false (fo_blob_cache_has (cache, b));
    assert_true (fo_blob_cache_has (cache, c));
    cs = fo_blob_cache_stats_get (cache);
    assert_int_equal (cs.dropped, 1);
    path = fo_blob_cache_path (cache, b);
    assert_int_equal (access (path, F_OK), -1);
    /* Checked once: a blob corrupted after its first use is not hashed
       again by the same agent (its next start finds it). */
    corrupt (cdir, c);
    assert_true (fo_blob_cache_has (cache, c));
    fo_blob_cache_destroy (&cache);
    cache = fo_blob_cache_open (cdir, 2000, err, sizeof err);
    assert_non_null (cache);
    assert_false (fo_blob_cache_has (cache, c));
    /* A blob it stored itself was hashed as it came: not hashed again. */
    memset (big, 'd', sizeof big);
    store (cache, big, sizeof big, c);
    corrupt (cdir, c);
    assert_true (fo_blob_cache_has (cache, c));
    fo_blob_cache_destroy (&cache);
    free (path);
    free (cdir);
}

/* ---- the fetcher, against a broker played here ------------------------- */

typedef struct {
    const char *id;
    const char *data;
    size_t len;
} blob;

typedef struct {
    blob blobs[8];
    size_t nblobs;
    fo_fetch asked[64];     /* unanswered */
    size_t nasked, most_asked, fetches;
    bool lie;               /* serve the last blob with a byte changed */
    fo_lease ready;
    int nready, nfailed;
    char why[512];
} broker;

static void
on_send (void *arg, const fo_fetch *f)
{
    broker *b = arg;
    assert_true (b->nasked < 64);
    b->asked[b->nasked] = *f;
    b->asked[b->nasked].blob = fo_xstrdup (f->blob);
    b->nasked++;
    b->fetches++;
    if (b->nasked > b->most_asked)
        b->most_asked = b->nasked;
    assert_true (f->length <= FO_PROTO_MAX_CHUNK);
}

static void
on_ready (void *arg, fo_lease *lease)
{
    broker *b = arg;
    b->ready = *lease;
    memset (lease, 0, sizeof *lease);
    b->nready++;
}

static void
on_failed (void *arg, fo_lease *lease, const char *why)
{
    broker *b = arg;
    snprintf (b->why, sizeof b->why, "%s", why);
    fo_msg m = { .type = FO_MSG_LEASE, .u.lease = *lease };
    fo_msg_free (&m);
    b->nfailed++;
}

/* Answers every fetch asked so far, oldest first, until none is left. */
static void
serve (broker *b, fo_fetcher *fetcher)
{
    while (b->nasked > 0) {
        fo_fetch f = b->asked[0];
        memmove (b->asked, b->asked + 1, (b->nasked - 1) * sizeof *b->asked);
        b->nasked--;
        fo_chunk c = { .blob = f.blob, .offset = f.offset, .error = "" };
        const blob *x = NULL;
        for (size_t i = 0; i < b->nblobs; i++)
            if (!strcmp (b->blobs[i].id, f.blob))
                x = &b->blobs[i];
        char *copy = NULL;
        if (!x)
            c.error = "no such blob";
        else {
            c.size = x->len;
            size_t left = x->len - f.offset;
            c.data_len = left < f.length ? left : f.length;
            copy = fo_xmalloc (c.data_len + 1);
            memcpy (copy, x->data + f.offset, c.data_len);
            if (b->lie && x == &b->blobs[b->nblobs - 1] && c.data_len)
                copy[0] ^= 1;
            c.data = copy;
        }
        fo_fetcher_on_chunk (fetcher, &c);
        free (copy);
        free (f.blob);
    }
}

static char *
hex_of (const char *data, size_t len)
{
    unsigned char h[FO_HASH_BYTES];
    fo_hash_data (data, len, h);
    char *hex = fo_xmalloc (FO_HASH_HEX + 1);
    fo_hash_to_hex (h, hex);
    return hex;
}

static fo_lease
lease_for (const char *manifest)
{
    fo_lease l = { .lease = 7, .attempt = 1 };
    l.manifest = fo_xstrdup (manifest);
    l.root = fo_xstrdup ("/home/ci/build");
    l.nsteps = 1;
    l.steps = fo_xcalloc (1, sizeof *l.steps);
    l.steps[0].kind = FO_STEP_TEST;
    l.steps[0].name = fo_xstrdup ("t");
    l.steps[0].cwd = fo_xstrdup ("/home/ci/build/sub");
    fo_strv_push (&l.steps[0].argv, "/home/ci/build/bin/prog");
    fo_strv_push (&l.steps[0].argv, "/home/ci/buildx");     /* not under root */
    fo_strv_push (&l.steps[0].tests, "t");
    return l;
}

static void
fetch_run (bool lie)
{
    char *cdir = fo_xasprintf ("%s/cache", dir), *work = fo_xasprintf ("%s/work", dir);
    char err[512];
    fo_blob_cache *cache = fo_blob_cache_open (cdir, 1u << 30, err, sizeof err);
    assert_non_null (cache);

    /* A program of 3.5 chunks and a small data file, a directory, a link. */
    size_t plen = 3 * FO_FETCHER_CHUNK + FO_FETCHER_CHUNK / 2;
    char *prog = fo_xmalloc (plen);
    for (size_t i = 0; i < plen; i++)
        prog[i] = (char) (i * 31 + 7);
    const char *text = "hello\n";
    fo_manifest *m = fo_manifest_new ();
    fo_artifact e = { .path = "bin/prog", .kind = FO_ARTIFACT_FILE, .mode = 0755, .size = plen };
    fo_hash_data (prog, plen, e.hash);
    fo_manifest_add (m, &e);
    fo_artifact d = { .path = "sub", .kind = FO_ARTIFACT_DIR, .mode = 0750 };
    fo_manifest_add (m, &d);
    fo_artifact t = { .path = "sub/in.txt", .kind = FO_ARTIFACT_FILE, .mode = 0644, .size = 6 };
    fo_hash_data (text, 6, t.hash);
    fo_manifest_add (m, &t);
    fo_artifact l = { .path = "sub/link", .kind = FO_ARTIFACT_LINK, .mode = 0777, .target = "in.txt" };
    fo_manifest_add (m, &l);
    assert_int_equal (fo_manifest_seal (m, err, sizeof err), 0);

    broker b = { .lie = lie };
    char *pid = hex_of (prog, plen), *tid = hex_of (text, 6);
    b.blobs[b.nblobs++] = (blob) { m->hex, m->encoded.data, m->encoded.len };
    b.blobs[b.nblobs++] = (blob) { tid, text, 6 };
    b.blobs[b.nblobs++] = (blob) { pid, prog, plen };

    fo_fetcher_hooks hooks = { on_send, on_ready, on_failed, &b };
    fo_fetcher *fetcher = fo_fetcher_new (cache, work, &hooks);
    fo_lease lease = lease_for (m->hex);
    fo_fetcher_add (fetcher, &lease);
    assert_int_equal (fo_fetcher_waiting (fetcher), 1);
    serve (&b, fetcher);
    assert_true (b.most_asked <= FO_FETCHER_WINDOW);
    if (lie) {
        /* The program never verifies: fetched 3 times, then the lease ends. */
        assert_int_equal (b.nready, 0);
        assert_int_equal (b.nfailed, 1);
        assert_non_null (strstr (b.why, "its bytes do not match its hash (after 3 tries)"));
        assert_int_equal (fo_fetcher_get_stats (fetcher).retries, 2);
        assert_false (fo_blob_cache_has (cache, pid));
    } else {
        assert_int_equal (b.nready, 1);
        assert_int_equal (b.nfailed, 0);
        assert_int_equal (fo_fetcher_waiting (fetcher), 0);
        fo_step *s = &b.ready.steps[0];
        const char *ws = fo_env_get (&s->env, "FANOUT_WORKSPACE");
        assert_non_null (ws);
        char *want = fo_xasprintf ("%s/sub", ws);
        assert_string_equal (s->cwd, want);
        free (want);
        want = fo_xasprintf ("%s/bin/prog", ws);
        assert_string_equal (s->argv.items[0], want);
        assert_string_equal (s->argv.items[1], "/home/ci/buildx");
        /* The files, read-only, where the manifest says. */
        struct stat st;
        assert_int_equal (stat (want, &st), 0);
        assert_int_equal (st.st_mode & 07777, 0555);
        assert_int_equal (st.st_size, plen);
        free (want);
        want = fo_xasprintf ("%s/sub/in.txt", ws);
        assert_int_equal (stat (want, &st), 0);
        assert_int_equal (st.st_mode & 07777, 0444);
        free (want);
        want = fo_xasprintf ("%s/sub", ws);
        assert_int_equal (stat (want, &st), 0);
        assert_int_equal (st.st_mode & 07777, 0750);
        free (want);
        char target[64] = "";
        want = fo_xasprintf ("%s/sub/link", ws);
        assert_int_equal (readlink (want, target, sizeof target - 1), 6);
        assert_string_equal (target, "in.txt");
        free (want);
        fo_msg msg = { .type = FO_MSG_LEASE, .u.lease = b.ready };
        fo_msg_free (&msg);

        /* A second lease of the manifest: ready at once, nothing fetched. */
        size_t before = b.fetches;
        lease = lease_for (m->hex);
        lease.lease = 8;
        fo_fetcher_add (fetcher, &lease);
        assert_int_equal (b.nready, 2);
        assert_int_equal (b.fetches, before);
        char *space = fo_xstrdup (fo_env_get (&b.ready.steps[0].env, "FANOUT_WORKSPACE"));
        msg = (fo_msg) { .type = FO_MSG_LEASE, .u.lease = b.ready };
        fo_msg_free (&msg);

        /* The workspace goes when no lease uses it any more: not while
           lease 8 still runs in it, nor for a lease it never readied. */
        fo_fetcher_lease_end (fetcher, 7);
        fo_fetcher_lease_end (fetcher, 999);
        assert_int_equal (stat (space, &st), 0);
        fo_fetcher_lease_end (fetcher, 8);
        assert_int_equal (stat (space, &st), -1);
        assert_int_equal (errno, ENOENT);
        /* A later lease of the manifest: laid out again, nothing fetched. */
        lease = lease_for (m->hex);
        lease.lease = 9;
        fo_fetcher_add (fetcher, &lease);
        assert_int_equal (b.nready, 3);
        assert_int_equal (b.fetches, before);
        assert_int_equal (stat (space, &st), 0);
        msg = (fo_msg) { .type = FO_MSG_LEASE, .u.lease = b.ready };
        fo_msg_free (&msg);
        free (space);
    }
    fo_fetcher_destroy (&fetcher);
    struct stat st;
    assert_int_equal (stat (work, &st), -1);    /* the workspaces are gone */

    if (!lie) {
        /* A new session: everything is in the cache, nothing is fetched. */
        fetcher = fo_fetcher_new (cache, work, &hooks);
        size_t before = b.fetches;
        lease = lease_for (m->hex);
        fo_fetcher_add (fetcher, &lease);
        assert_int_equal (b.nready, 4);
        assert_int_equal (b.fetches, before);
        assert_int_equal (fo_fetcher_get_stats (fetcher).cached, 3);
        fo_msg msg = { .type = FO_MSG_LEASE, .u.lease = b.ready };
        fo_msg_free (&msg);
        fo_fetcher_destroy (&fetcher);
    }
    fo_blob_cache_destroy (&cache);
    fo_manifest_destroy (&m);
    free (prog);
    free (pid);
    free (tid);
    free (cdir);
    free (work);
}

static void
test_fetch (void **state)
{
    (void) state;
    fetch_run (false);
}

static void
test_fetch_never_verifies (void **state)
{
    (void) state;
    fetch_run (true);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_cache, setup, teardown),
        cmocka_unit_test_setup_teardown (test_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown (test_fetch_never_verifies, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
