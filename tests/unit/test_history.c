/*  test_history — the history store (lib/history): durations and outcomes
    kept across runs, a corrupt or oversized store is a warning and an
    empty history, runs saving at once all land, the store is bounded. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fo_history.h"
#include "tmpdir_support.h"

typedef struct {
    char dir[64];
    char *path;
} fixture;

static int
setup (void **state)
{
    fixture *f = calloc (1, sizeof *f);
    strcpy (f->dir, "/tmp/fo-history-XXXXXX");
    assert_non_null (mkdtemp (f->dir));
    f->path = fo_xasprintf ("%s/history.json", f->dir);
    *state = f;
    return 0;
}

static int
teardown (void **state)
{
    fixture *f = *state;
    remove_dir (f->dir);
    free (f->path);
    free (f);
    return 0;
}

static void
write_text (const char *path, const char *text)
{
    FILE *fp = fopen (path, "w");
    assert_non_null (fp);
    fputs (text, fp);
    fclose (fp);
}

static void
test_missing_is_empty (void **state)
{
    fixture *f = *state;
    char warn[512] = "x";
    fo_history *h = fo_history_load (f->path, warn, sizeof warn);
    assert_string_equal (warn, "");
    assert_true (fo_history_empty (h));
    assert_int_equal (fo_history_expected_us (h, "a"), -1);
    assert_int_equal (fo_history_expected_us (NULL, "a"), -1);
    assert_false (fo_history_failed_last (h, "a"));
    fo_history_destroy (&h);
}

static void
test_round_trip (void **state)
{
    fixture *f = *state;
    char warn[512], err[512];
    fo_history *h = fo_history_load (f->path, warn, sizeof warn);
    fo_history_record (h, "ctx/slow", FO_PASSED, 2000000);
    fo_history_record (h, "ctx/bad", FO_FAILED, 1000);
    fo_history_record (h, "ctx/skip", FO_SKIPPED, 5);
    fo_history_record (h, "ctx/never", FO_NOT_RUN, 5);
    fo_history_record_setup (h, "shared", 300000);
    /* What was recorded counts at once. */
    assert_false (fo_history_empty (h));
    assert_int_equal (fo_history_expected_us (h, "ctx/slow"), 2000000);
    assert_int_equal (fo_history_save (h, err, sizeof err), 0);
    fo_history_destroy (&h);

    h = fo_history_load (f->path, warn, sizeof warn);
    assert_string_equal (warn, "");
    assert_int_equal (fo_history_expected_us (h, "ctx/slow"), 2000000);
    assert_int_equal (fo_history_expected_us (h, "ctx/bad"), 1000);
    assert_int_equal (fo_history_expected_us (h, "ctx/skip"), -1);     /* no duration */
    assert_int_equal (fo_history_expected_us (h, "ctx/never"), -1);
    assert_int_equal (fo_history_setup_us (h, "shared"), 300000);
    assert_int_equal (fo_history_setup_us (h, "other"), -1);
    assert_true (fo_history_failed_last (h, "ctx/bad"));
    assert_false (fo_history_failed_last (h, "ctx/slow"));
    size_t n;
    const char **ids = fo_history_failed_ids (h, &n);
    assert_int_equal (n, 1);
    assert_string_equal (ids[0], "ctx/bad");
    free (ids);

    /* The mean follows change: a second run of 4 s gives 3 s; a pass
       after the failure clears it. */
    fo_history_record (h, "ctx/slow", FO_PASSED, 4000000);
    fo_history_record (h, "ctx/bad", FO_PASSED, 1000);
    assert_int_equal (fo_history_save (h, err, sizeof err), 0);
    fo_history_destroy (&h);
    h = fo_history_load (f->path, warn, sizeof warn);
    assert_int_equal (fo_history_expected_us (h, "ctx/slow"), 3000000);
    assert_false (fo_history_failed_last (h, "ctx/bad"));
    fo_history_destroy (&h);
}

/* Anything but a history: a warning, an empty history, and the next save
   replaces it with a good one. */
static void
test_corrupt (void **state)
{
    fixture *f = *state;
    static const char *bad[] = {
        "{\"fanout_history\": 1, \"tests\": {\"a\": ",     /* cut short */
        "\x01\x02garbage",
        "[1, 2, 3]",
        "{\"fanout_history\": 99, \"tests\": {}}",
        "{\"fanout_history\": 1, \"tests\": []}",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text (f->path, bad[i]);
        char warn[512] = "", err[512];
        fo_history *h = fo_history_load (f->path, warn, sizeof warn);
        assert_non_null (strstr (warn, "running without it"));
        assert_true (fo_history_empty (h));
        fo_history_record (h, "t", FO_PASSED, 10);
        assert_int_equal (fo_history_save (h, err, sizeof err), 0);
        fo_history_destroy (&h);
        h = fo_history_load (f->path, warn, sizeof warn);
        assert_string_equal (warn, "");
        assert_int_equal (fo_history_expected_us (h, "t"), 10);
        fo_history_destroy (&h);
    }
}

static void
test_wrong_entries_skipped (void **state)
{
    fixture *f = *state;
    write_text (f->path,
                "{\"fanout_history\": 1, \"tests\": {"
                "\"good\": {\"mean_us\": 5, \"last_us\": 5, \"runs\": 1, \"outcome\": \"passed\", \"seen\": 1},"
                "\"neg\": {\"mean_us\": -5, \"runs\": 1, \"outcome\": \"passed\", \"seen\": 1},"
                "\"word\": {\"mean_us\": 5, \"runs\": 1, \"outcome\": \"splendid\", \"seen\": 1},"
                "\"str\": \"x\"}, \"fixtures\": {\"f\": 3}}");
    char warn[512];
    fo_history *h = fo_history_load (f->path, warn, sizeof warn);
    assert_non_null (strstr (warn, "4 entries of the wrong shape ignored"));
    assert_int_equal (fo_history_expected_us (h, "good"), 5);
    assert_int_equal (fo_history_expected_us (h, "neg"), -1);
    assert_int_equal (fo_history_expected_us (h, "word"), -1);
    assert_int_equal (fo_history_setup_us (h, "f"), -1);
    fo_history_destroy (&h);
}

static void
test_oversized (void **state)
{
    fixture *f = *state;
    int fd = open (f->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true (fd >= 0);
    assert_int_equal (ftruncate (fd, (off_t) FO_HISTORY_MAX_BYTES + 1), 0);
    close (fd);
    char warn[512];
    fo_history *h = fo_history_load (f->path, warn, sizeof warn);
    assert_non_null (strstr (warn, "MiB"));
    assert_true (fo_history_empty (h));
    fo_history_destroy (&h);
}

/* Processes saving at once: each one's tests are in the file after. */
static void
test_concurrent_saves (void **state)
{
    fixture *f = *state;
    enum { WRITERS = 8, EACH = 50 };
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork ();
        assert_true (pids[w] >= 0);
        if (pids[w] == 0) {
            char warn[512], err[512];
            int bad = 0;
            for (int round = 0; round < 5; round++) {
                fo_history *h = fo_history_load (f->path, warn, sizeof warn);
                bad |= warn[0] != '\0';
                for (int i = 0; i < EACH; i++) {
                    char id[64];
                    snprintf (id, sizeof id, "w%d/t%d", w, i);
                    fo_history_record (h, id, FO_PASSED, (uint64_t) (w * 1000 + i));
                }
                bad |= fo_history_save (h, err, sizeof err) != 0;
                fo_history_destroy (&h);
            }
            _exit (bad);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal (waitpid (pids[w], &status, 0), pids[w]);
        assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
    char warn[512];
    fo_history *h = fo_history_load (f->path, warn, sizeof warn);
    assert_string_equal (warn, "");
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < EACH; i++) {
            char id[64];
            snprintf (id, sizeof id, "w%d/t%d", w, i);
            assert_int_equal (fo_history_expected_us (h, id), w * 1000 + i);
        }
    fo_history_destroy (&h);
}

/* A history saved twice: the second save starts from the file as the
   first left it when no one else wrote it since (its own tree), and from
   the file as another run left it when one did (read again): nothing of
   either is lost. */
static void
test_saved_again (void **state)
{
    fixture *f = *state;
    char warn[512], err[512];
    fo_history *h = fo_history_load (f->path, warn, sizeof warn);
    fo_history_record (h, "a", FO_PASSED, 1000);
    assert_int_equal (fo_history_save (h, err, sizeof err), 0);
    fo_history_record (h, "b", FO_PASSED, 2000);
    assert_int_equal (fo_history_save (h, err, sizeof err), 0);

    fo_history *other = fo_history_load (f->path, warn, sizeof warn);
    assert_int_equal (fo_history_expected_us (other, "b"), 2000);
    fo_history_record (other, "c", FO_FAILED, 3000);
    assert_int_equal (fo_history_save (other, err, sizeof err), 0);
    fo_history_destroy (&other);

    fo_history_record (h, "d", FO_PASSED, 4000);
    assert_int_equal (fo_history_save (h, err, sizeof err), 0);
    fo_history_destroy (&h);

    h = fo_history_load (f->path, warn, sizeof warn);
    assert_string_equal (warn, "");
    assert_int_equal (fo_history_expected_us (h, "a"), 1000);
    assert_int_equal (fo_history_expected_us (h, "b"), 2000);
    assert_int_equal (fo_history_expected_us (h, "c"), 3000);
    assert_true (fo_history_failed_last (h, "c"));
    assert_int_equal (fo_history_expected_us (h, "d"), 4000);
    fo_history_destroy (&h);
}

/* Over FO_HISTORY_MAX_TESTS: the tests seen longest ago go. */
static void
test_bounded (void **state)
{
    fixture *f = *state;
    FILE *fp = fopen (f->path, "w");
    assert_non_null (fp);
    fputs ("{\"fanout_history\": 1, \"fixtures\": {}, \"tests\": {", fp);
    size_t over = FO_HISTORY_MAX_TESTS + 5;
    for (size_t i = 0; i < over; i++)
        fprintf (fp, "%s\"t%zu\": {\"mean_us\": 1, \"runs\": 1, \"outcome\": \"passed\", \"seen\": %zu}",
                 i ? "," : "", i, 1000 + i);
    fputs ("}}", fp);
    fclose (fp);
    char warn[512], err[512];
    fo_history *h = fo_history_load (f->path, warn, sizeof warn);
    assert_string_equal (warn, "");
    fo_history_record (h, "new", FO_PASSED, 7);
    assert_int_equal (fo_history_save (h, err, sizeof err), 0);
    fo_history_destroy (&h);
    h = fo_history_load (f->path, warn, sizeof warn);
    assert_int_equal (fo_history_expected_us (h, "new"), 7);
    for (size_t i = 0; i < 6; i++) {
        char id[32];
        snprintf (id, sizeof id, "t%zu", i);
        assert_int_equal (fo_history_expected_us (h, id), -1);
    }
    assert_int_equal (fo_history_expected_us (h, "t6"), 1);
    fo_history_destroy (&h);
}

static void
test_unwritable (void **state)
{
    fixture *f = *state;
    char *path = fo_xasprintf ("%s/no/such/dir/h.json", f->dir);
    char warn[512], err[512];
    fo_history *h = fo_history_load (path, warn, sizeof warn);
    assert_string_equal (warn, "");
    fo_history_record (h, "t", FO_PASSED, 1);
    assert_int_equal (fo_history_save (h, err, sizeof err), -1);
    assert_non_null (strstr (err, "cannot"));
    fo_history_destroy (&h);
    free (path);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_missing_is_empty, setup, teardown),
        cmocka_unit_test_setup_teardown (test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown (test_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown (test_wrong_entries_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown (test_oversized, setup, teardown),
        cmocka_unit_test_setup_teardown (test_concurrent_saves, setup, teardown),
        cmocka_unit_test_setup_teardown (test_saved_again, setup, teardown),
        cmocka_unit_test_setup_teardown (test_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown (test_unwritable, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
