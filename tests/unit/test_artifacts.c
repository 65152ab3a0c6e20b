/*  test_artifacts — lib/artifacts: the `artifacts:` key of the suite file,
    patterns expanded into per-context manifests (files, directories,
    links; inherited), content hashes (BLAKE2b through libsodium), the
    manifest's encoding and strict decoding, and the broker's hash cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_artifacts.h"
#include "fo_suite.h"
#include "suite_text.h"

static char tree[64];

static void
put (const char *rel, const char *text, mode_t mode)
{
    char *path = fo_xasprintf ("%s/%s", tree, rel);
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (text, f);
    fclose (f);
    chmod (path, mode);
    free (path);
}

static void
sub (const char *rel)
{
    char *path = fo_xasprintf ("%s/%s", tree, rel);
    assert_int_equal (mkdir (path, 0755), 0);
    free (path);
}

static fo_suite *
load (const char *text)
{
    put ("fanout.yml", text, 0644);
    char *path = fo_xasprintf ("%s/fanout.yml", tree);
    char err[1024] = "";
    fo_suite *suite = fo_suite_load (path, err, sizeof err);
    free (path);
    if (!suite)
        fail_msg ("%s", err);
    return suite;
}

static int
setup (void **state)
{
    (void) state;
    strcpy (tree, "/tmp/fo-test-artifacts-XXXXXX");
    assert_non_null (mkdtemp (tree));
    sub ("bin");
    sub ("data");
    sub ("data/deep");
    put ("bin/t1", "#!/bin/sh\nexit 0\n", 0755);
    put ("bin/t2", "#!/bin/sh\nexit 1\n", 0755);
    put ("data/a.txt", "alpha\n", 0644);
    put ("data/deep/b.txt", "beta\n", 0600);
    char *link = fo_xasprintf ("%s/data/link", tree);
    assert_int_equal (symlink ("a.txt", link), 0);
    free (link);
    return 0;
}

static int
teardown (void **state)
{
    (void) state;
    char *cmd = fo_xasprintf ("rm -rf '%s'", tree);
    assert_int_equal (system (cmd), 0);
    free (cmd);
    return 0;
}

static void
test_hash_is_blake2b (void **state)
{
    (void) state;
    unsigned char mine[FO_HASH_BYTES], theirs[FO_HASH_BYTES];
    fo_hash_data ("abc", 3, mine);
    assert_int_equal (sodium_init () >= 0, 1);
    crypto_generichash (theirs, sizeof theirs, (const unsigned char *) "abc", 3, NULL, 0);
    assert_memory_equal (mine, theirs, FO_HASH_BYTES);
    char hex[FO_HASH_HEX + 1];
    fo_hash_to_hex (mine, hex);
    /* BLAKE2b-256("abc"), the reference value */
    assert_string_equal (hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    unsigned char back[FO_HASH_BYTES];
    assert_int_equal (fo_hash_from_hex (hex, back), 0);
    assert_memory_equal (back, mine, FO_HASH_BYTES);
    hex[3] = 'G';
    assert_int_equal (fo_hash_from_hex (hex, back), -1);
    assert_int_equal (fo_hash_from_hex ("abc", back), -1);

    /* A file, streamed in chunks, hashes as its bytes do. */
    put ("big", "", 0644);
    char *path = fo_xasprintf ("%s/big", tree);
    FILE *f = fopen (path, "w");
    size_t n = 3 * FO_HASH_READ + 17;
    unsigned char *bytes = fo_xmalloc (n);
    for (size_t i = 0; i < n; i++)
        bytes[i] = (unsigned char) (i * 7);
    fwrite (bytes, 1, n, f);
    fclose (f);
    uint64_t size = 0;
    char err[256];
    assert_int_equal (fo_hash_file (path, mine, &size, err, sizeof err), 0);
    assert_int_equal (size, n);
    fo_hash_data (bytes, n, theirs);
    assert_memory_equal (mine, theirs, FO_HASH_BYTES);
    free (bytes);
    unlink (path);
    free (path);
}

static void
test_collect (void **state)
{
    (void) state;
    fo_suite *suite = load ("artifacts: [bin/t1]\n"
                            "contexts:\n"
                            "  - name: c\n"
                            "    artifacts: [data, 'bin/t?']\n"
                            "    tests: [{name: x, run: 'true'}]\n"
                            "    contexts:\n"
                            "      - name: inner\n"
                            "        tests: [{name: y, run: 'true'}]\n"
                            "  - name: plain\n"
                            "    tests: [{name: z, run: 'true'}]\n");
    char err[1024] = "";
    fo_artifact_set *set = fo_artifacts_collect (suite, NULL, err, sizeof err);
    if (!set)
        fail_msg ("%s", err);
    assert_int_equal (fo_artifacts_count (set), 2);
    const fo_manifest *top = fo_artifacts_for_context (set, suite->root);
    assert_non_null (top);
    assert_int_equal (top->len, 1);
    assert_string_equal (top->items[0].path, "bin/t1");
    assert_int_equal (top->items[0].mode, 0755);
    assert_int_equal (top->items[0].size, 17);

    const fo_context *c = fo_suite_find_context (suite, "c");
    const fo_manifest *m = fo_artifacts_for_context (set, c);
    assert_ptr_equal (fo_artifacts_for_context (set, fo_suite_find_context (suite, "c/inner")), m);
    assert_ptr_equal (fo_artifacts_for_context (set, fo_suite_find_context (suite, "plain")), top);
    /* bin/t1 once (inherited and matched again), sorted by path */
    const char *want[] = { "bin/t1", "bin/t2", "data", "data/a.txt", "data/deep",
                           "data/deep/b.txt", "data/link" };
    assert_int_equal (m->len, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal (m->items[i].path, want[i]);
    assert_int_equal (m->files, 4);
    assert_int_equal (m->bytes, 17 + 17 + 6 + 5);
    const fo_artifact *link = fo_manifest_find (m, "data/link");
    assert_int_equal (link->kind, FO_ARTIFACT_LINK);
    assert_string_equal (link->target, "a.txt");
    assert_int_equal (fo_manifest_find (m, "data/deep")->kind, FO_ARTIFACT_DIR);
    assert_int_equal (fo_manifest_find (m, "data/deep/b.txt")->mode, 0600);

    /* With FO_WRITE_SEEDS=dir, the encodings are written there: how
       tests/fuzz/corpus-manifest/ is made. */
    const char *seeds = getenv ("FO_WRITE_SEEDS");
    for (size_t i = 0; seeds && i < 2; i++) {
        const fo_manifest *w = i ? m : top;
        char *path = fo_xasprintf ("%s/manifest-%zu.msgpack", seeds, i);
        FILE *f = fopen (path, "wb");
        assert_non_null (f);
        fwrite (w->encoded.data, 1, w->encoded.len, f);
        fclose (f);
        free (path);
    }

    /* The encoding decodes to the same manifest, id and all. */
    fo_manifest *back = fo_manifest_decode (m->encoded.data, m->encoded.len, err, sizeof err);
    if (!back)
        fail_msg ("%s", err);
    assert_string_equal (back->hex, m->hex);
    assert_int_equal (back->len, m->len);
    assert_memory_equal (fo_manifest_find (back, "data/a.txt")->hash,
                         fo_manifest_find (m, "data/a.txt")->hash, FO_HASH_BYTES);
    assert_null (back->items[0].source);
    fo_manifest_destroy (&back);

    /* One byte changed: another id. The same content: the same id. */
    char id[FO_HASH_HEX + 1];
    strcpy (id, m->hex);
    fo_artifacts_destroy (&set);
    set = fo_artifacts_collect (suite, NULL, err, sizeof err);
    assert_string_equal (fo_artifacts_for_context (set, c)->hex, id);
    fo_artifacts_destroy (&set);
    put ("data/a.txt", "alphA\n", 0644);
    set = fo_artifacts_collect (suite, NULL, err, sizeof err);
    assert_string_not_equal (fo_artifacts_for_context (set, c)->hex, id);
    fo_artifacts_destroy (&set);
    put ("data/a.txt", "alpha\n", 0644);
    fo_suite_destroy (&suite);
}

static void
test_collect_errors (void **state)
{
    (void) state;
    char err[1024] = "";
    fo_suite *suite = load ("tests: [{name: x, run: 'true'}]\n"
                            "contexts:\n"
                            "  - name: c\n"
                            "    artifacts: [nothing-here*]\n"
                            "    tests: [{name: y, run: 'true'}]\n");
    assert_null (fo_artifacts_collect (suite, NULL, err, sizeof err));
    char *want = fo_xasprintf ("%s/fanout.yml:4:16: artifacts of context 'c': 'nothing-here*' "
                               "matches nothing under %s", tree, tree);
    assert_string_equal (err, want);
    free (want);
    fo_suite_destroy (&suite);

    /* No declaration: nothing to ship. */
    suite = load ("tests: [{name: x, run: 'true'}]\n");
    fo_artifact_set *set = fo_artifacts_collect (suite, NULL, err, sizeof err);
    assert_non_null (set);
    assert_int_equal (fo_artifacts_count (set), 0);
    assert_null (fo_artifacts_for_context (set, suite->root));
    fo_artifacts_destroy (&set);
    fo_suite_destroy (&suite);
}

/* `artifacts: []` ships what the tests' commands name under the suite's
   directory, and nothing else: programs outside it, commands looked up in
   PATH and shell strings are not the suite's. (Libraries a program loads
   are read from its dynamic section: test_net_artifacts.sh builds them.) */
static void
test_inferred (void **state)
{
    (void) state;
    char *abs = fo_xasprintf ("%s/bin/t2", tree);
    char *text = fo_xasprintf ("artifacts: []\n"
                               "tests:\n"
                               "  - {name: a, run: [./bin/t1, data/a.txt]}\n"
                               "  - {name: b, run: [/bin/true]}\n"
                               "  - {name: c, run: [true]}\n"
                               "  - {name: d, run: 'bin/t2'}\n"
                               "contexts:\n"
                               "  - name: sub\n"
                               "    tests: [{name: e, run: ['%s']}]\n", abs);
    fo_suite *suite = load (text);
    char err[1024] = "";
    fo_artifact_set *set = fo_artifacts_collect (suite, NULL, err, sizeof err);
    if (!set)
        fail_msg ("%s", err);
    assert_int_equal (fo_artifacts_count (set), 1);
    const fo_manifest *m = fo_artifacts_for_context (set, fo_suite_find_context (suite, "sub"));
    assert_non_null (m);
    assert_int_equal (m->len, 2);
    assert_string_equal (m->items[0].path, "bin/t1");
    assert_string_equal (m->items[1].path, "bin/t2");
    fo_artifacts_destroy (&set);
    fo_suite_destroy (&suite);
    free (text);
    free (abs);
}

static void
test_loader_rules (void **state)
{
    (void) state;
    text_expect_error ("s.yml", "artifacts: /etc/passwd\ntests: [{name: x, run: 'true'}]\n",
                       "1:12: artifact '/etc/passwd' must be relative to the suite file's "
                       "directory");
    text_expect_error ("s.yml", "artifacts: [a, ../b]\ntests: [{name: x, run: 'true'}]\n",
                       "1:16: artifact '../b' must stay under the suite file's directory "
                       "(no '..')");
    text_expect_error ("s.yml", "artifacts: ['']\ntests: [{name: x, run: 'true'}]\n",
                       "1:13: an artifact must not be empty");
    text_expect_error ("s.yml", "tests: [{name: x, run: 'true', artifacts: [a]}]\n",
                       "1:32: unknown key 'artifacts' in test (expected one of: name, run, "
                       "env, cwd, timeout, labels, locks, shared_locks, resources, requires)");
    fo_suite *suite = text_load_ok ("s.yml", "artifacts: a/b..c\ntests: [{name: x, run: 'true'}]\n");
    assert_int_equal (suite->root->artifacts.len, 1);
    fo_suite_destroy (&suite);
}

/* What a hostile or broken manifest cannot do: paths out of the
   workspace, through links, repeated, out of order. */
static void
test_decode_rejects (void **state)
{
    (void) state;
    char err[256];
    const char *bad_paths[] = { "/abs", "a/../b", "..", ".", "a//b", "a/", "" };
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++)
        assert_false (fo_manifest_path_ok (bad_paths[i]));
    assert_true (fo_manifest_path_ok ("a/b..c/.d"));

    fo_manifest *m = fo_manifest_new ();
    fo_artifact link = { .path = "l", .kind = FO_ARTIFACT_LINK, .mode = 0777, .target = "/etc" };
    fo_artifact file = { .path = "l/passwd", .kind = FO_ARTIFACT_FILE, .mode = 0644, .size = 1 };
    fo_manifest_add (m, &link);
    fo_manifest_add (m, &file);
    assert_int_equal (fo_manifest_seal (m, err, sizeof err), -1);
    assert_string_equal (err, "artifact 'l/passwd' lies under 'l', which is a link");
    fo_manifest_destroy (&m);

    /* Encoded by hand through a manifest that is fine, then broken. */
    m = fo_manifest_new ();
    fo_artifact a = { .path = "a", .kind = FO_ARTIFACT_FILE, .mode = 0644, .size = 1 };
    fo_artifact b = { .path = "b", .kind = FO_ARTIFACT_FILE, .mode = 0644, .size = 1 };
    fo_manifest_add (m, &b);
    fo_manifest_add (m, &a);
    fo_manifest_add (m, &a);
    assert_int_equal (fo_manifest_seal (m, err, sizeof err), 0);
    assert_int_equal (m->len, 2);
    assert_string_equal (m->items[0].path, "a");
    fo_buf enc = { 0 };
    fo_buf_append (&enc, m->encoded.data, m->encoded.len);
    char *p = memmem (enc.data, enc.len, "\xa1" "b", 2);
    assert_non_null (p);
    p[1] = 'a';                 /* "a" twice */
    assert_null (fo_manifest_decode (enc.data, enc.len, err, sizeof err));
    assert_string_equal (err, "manifest entry 1 is out of order or repeated");
    p[1] = '/';                 /* an absolute path */
    assert_null (fo_manifest_decode (enc.data, enc.len, err, sizeof err));
    assert_string_equal (err, "manifest entry 1 has a bad path");
    assert_null (fo_manifest_decode (enc.data, enc.len - 1, err, sizeof err));
    assert_null (fo_manifest_decode ("\x93\x01\x02\x03", 4, err, sizeof err));
    assert_string_equal (err, "not a manifest of version 1");
    fo_buf_free (&enc);
    fo_manifest_destroy (&m);
}

static void
test_hash_cache (void **state)
{
    (void) state;
    fo_suite *suite = load ("artifacts: [bin, data]\ntests: [{name: x, run: 'true'}]\n");
    /* Files older than the racy window are remembered. */
    const char *files[] = { "bin/t1", "bin/t2", "data/a.txt", "data/deep/b.txt" };
    for (size_t i = 0; i < 4; i++) {
        char *path = fo_xasprintf ("%s/%s", tree, files[i]);
        struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
        assert_int_equal (utimensat (AT_FDCWD, path, old, 0), 0);
        free (path);
    }
    char err[1024] = "";
    char *store = fo_xasprintf ("%s/hashes.json", tree);
    fo_hash_cache *cache = fo_hash_cache_new ();
    assert_int_equal (fo_hash_cache_load (cache, store, err, sizeof err), 0);   /* missing: empty */
    fo_artifact_set *set = fo_artifacts_collect (suite, cache, err, sizeof err);
    assert_non_null (set);
    char id[FO_HASH_HEX + 1];
    strcpy (id, fo_artifacts_for_context (set, suite->root)->hex);
    assert_int_equal (fo_hash_cache_hashed (cache), 4);
    assert_int_equal (fo_hash_cache_reused (cache), 0);
    assert_int_equal (fo_hash_cache_save (cache, store, err, sizeof err), 0);
    fo_hash_cache_destroy (&cache);
    fo_artifacts_destroy (&set);

    /* The next run reads none of them again, and gets the same id. */
    cache = fo_hash_cache_new ();
    assert_int_equal (fo_hash_cache_load (cache, store, err, sizeof err), 0);
    set = fo_artifacts_collect (suite, cache, err, sizeof err);
    assert_string_equal (fo_artifacts_for_context (set, suite->root)->hex, id);
    assert_int_equal (fo_hash_cache_hashed (cache), 0);
    assert_int_equal (fo_hash_cache_reused (cache), 4);
    fo_hash_cache_destroy (&cache);
    fo_artifacts_destroy (&set);

    /* A file rewritten (new content, same size): read again. */
    put ("data/a.txt", "ALPHA\n", 0644);
    cache = fo_hash_cache_new ();
    assert_int_equal (fo_hash_cache_load (cache, store, err, sizeof err), 0);
    set = fo_artifacts_collect (suite, cache, err, sizeof err);
    assert_string_not_equal (fo_artifacts_for_context (set, suite->root)->hex, id);
    assert_int_equal (fo_hash_cache_hashed (cache), 1);
    assert_int_equal (fo_hash_cache_reused (cache), 3);
    fo_hash_cache_destroy (&cache);
    fo_artifacts_destroy (&set);
    put ("data/a.txt", "alpha\n", 0644);

    /* A broken store is a warning and an empty cache. */
    FILE *f = fopen (store, "w");
    fputs ("{nope", f);
    fclose (f);
    cache = fo_hash_cache_new ();
    assert_int_equal (fo_hash_cache_load (cache, store, err, sizeof err), -1);
    fo_hash_cache_destroy (&cache);
    unlink (store);
    free (store);
    fo_suite_destroy (&suite);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_hash_is_blake2b),
        cmocka_unit_test (test_collect),
        cmocka_unit_test (test_collect_errors),
        cmocka_unit_test (test_inferred),
        cmocka_unit_test (test_loader_rules),
        cmocka_unit_test (test_decode_rejects),
        cmocka_unit_test (test_hash_cache),
    };
    return cmocka_run_group_tests (tests, setup, teardown);
}
