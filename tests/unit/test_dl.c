/*  Tests for fo_dl (lib/base): libraries loaded on first use. libm.so.6
    stands for libxml2 and the others here (glibc's own: always there);
    what the real three do is the integration tests' (test_lazy_libs.sh,
    test_lazy_libs_missing.sh). */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_dl.h"

#define LIBM_SYMS(X) X (fmax) X (hypot)
LIBM_SYMS (FO_DL_DEFINE)
static const fo_dl_sym libm_syms[] = { LIBM_SYMS (FO_DL_SYM) };

static void
test_load_once (void **state)
{
    (void) state;
    fo_dl_lib lib = { .soname = "libm.so.6", .package = "libc6", .feature = "a test",
                      .syms = libm_syms, .nsyms = 2 };
    sym_fmax = NULL;
    sym_hypot = NULL;
    assert_false (fo_dl_loaded (&lib));
    char err[256] = "";
    assert_int_equal (fo_dl_load (&lib, err, sizeof err), 0);
    assert_true (fo_dl_loaded (&lib));
    assert_string_equal (err, "");
    /* The pointers are the library's functions, called as typed. */
    assert_non_null (sym_fmax);
    assert_true (sym_fmax (2.0, 3.0) == 3.0);
    assert_true (sym_hypot (3.0, 4.0) == 5.0);
    /* Loaded: the next call returns at once and changes nothing. */
    typeof (&fmax) before = sym_fmax;
    sym_hypot = NULL;           /* would be set again if it loaded again */
    assert_int_equal (fo_dl_load (&lib, err, sizeof err), 0);
    assert_ptr_equal (sym_fmax, before);
    assert_null (sym_hypot);
}

static void
test_missing_library (void **state)
{
    (void) state;
    fo_dl_lib lib = { .soname = "libfanout-test-missing.so.7", .package = "fanout-test-pkg",
                      .feature = "the test feature", .syms = libm_syms, .nsyms = 2 };
    char err[512];
    for (int i = 0; i < 2; i++) {     /* not remembered: tried and said again */
        err[0] = '\0';
        assert_int_equal (fo_dl_load (&lib, err, sizeof err), -1);
        assert_false (fo_dl_loaded (&lib));
        assert_non_null (strstr (err, "the test feature needs libfanout-test-missing.so.7, which "
                                      "cannot be loaded (libfanout-test-missing.so.7: "));
        assert_non_null (strstr (err, "): install the fanout-test-pkg package "
                                      "(apt-get install fanout-test-pkg)"));
    }
    /* A short err is cut, not overrun (ASan would see it). */
    char small[16];
    assert_int_equal (fo_dl_load (&lib, small, sizeof small), -1);
    assert_int_equal (strlen (small), sizeof small - 1);
}

static void *no_such_fn;

static void
test_missing_symbol (void **state)
{
    (void) state;
    const fo_dl_sym syms[] = { { "fmax", &sym_fmax }, { "fo_dl_no_such_symbol", &no_such_fn } };
    fo_dl_lib lib = { .soname = "libm.so.6", .package = "libc6", .feature = "a test",
                      .syms = syms, .nsyms = 2 };
    char err[512] = "";
    assert_int_equal (fo_dl_load (&lib, err, sizeof err), -1);
    assert_false (fo_dl_loaded (&lib));
    assert_non_null (strstr (err, "a test needs libm.so.6, which cannot be loaded ("));
    assert_non_null (strstr (err, "fo_dl_no_such_symbol"));
    assert_null (no_such_fn);
}

/* Threads that load one library at once all find it loaded, with the
   same pointers. */
#define NTHREADS 8
static fo_dl_lib shared_lib = { .soname = "libm.so.6", .package = "libc6", .feature = "a test",
                                .syms = libm_syms, .nsyms = 2 };
static pthread_barrier_t start;

static void *
loader (void *arg)
{
    (void) arg;
    pthread_barrier_wait (&start);
    char err[256];
    if (fo_dl_load (&shared_lib, err, sizeof err) != 0)
        return NULL;
    /* Once fo_dl_load returned 0 the pointers are there to call. */
    return sym_hypot (6.0, 8.0) == 10.0 ? (void *) sym_fmax : NULL;
}

static void
test_threads (void **state)
{
    (void) state;
    sym_fmax = NULL;
    sym_hypot = NULL;
    pthread_t t[NTHREADS];
    pthread_barrier_init (&start, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal (pthread_create (&t[i], NULL, loader, NULL), 0);
    void *got[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_join (t[i], &got[i]);
    pthread_barrier_destroy (&start);
    assert_true (fo_dl_loaded (&shared_lib));
    for (int i = 0; i < NTHREADS; i++) {
        assert_non_null (got[i]);
        assert_ptr_equal (got[i], (void *) sym_fmax);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_load_once),
        cmocka_unit_test (test_missing_library),
        cmocka_unit_test (test_missing_symbol),
        cmocka_unit_test (test_threads),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
