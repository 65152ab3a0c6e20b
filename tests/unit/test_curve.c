/*  fo_curve: key pairs on disk and which endpoints may go plaintext. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_curve.h"
#include "fo_util.h"

static void
endpoints_local_or_not (void **state)
{
    (void) state;
    static const char *const local[] = {
        "inproc://fanout", "ipc:///tmp/fanout.sock", "tcp://127.0.0.1:5555",
        "tcp://127.1.2.3:1", "tcp://localhost:5555", "tcp://[::1]:5555", "tcp://lo:5555",
        "tcp://127.0.0.1:*",
    };
    static const char *const remote[] = {
        "tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://10.0.0.1:5555", "tcp://eth0:5555",
        "tcp://broker.example:5555", "tcp://[::]:5555", "tcp://127.0.0.1.evil.com:5555",
        "tcp://localhost.evil.com:5555", "tcp://127.0.0.1;10.0.0.1:5555", "tcp://127.0.0.1",
        "pgm://eth0;239.192.1.1:5555", "ws://127.0.0.1:5555", "tcp://[127.0.0.1]x:5",
        "tcp://127.x.0.1:5", "",
    };
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (!fo_endpoint_is_local (local[i]))
            fail_msg ("%s must count as local", local[i]);
    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
        if (fo_endpoint_is_local (remote[i]))
            fail_msg ("%s must not count as local", remote[i]);
}

typedef struct {
    char dir[64];
    char name[128];
} keydir;

static int
setup_dir (void **state)
{
    keydir *k = fo_xcalloc (1, sizeof *k);
    snprintf (k->dir, sizeof k->dir, "/tmp/fo-test-curve.XXXXXX");
    if (!mkdtemp (k->dir))
        return -1;
    snprintf (k->name, sizeof k->name, "%s/agent1", k->dir);
    *state = k;
    return 0;
}

static int
teardown_dir (void **state)
{
    keydir *k = *state;
    char *cmd = fo_xasprintf ("rm -rf '%s'", k->dir);
    int rc = system (cmd);
    free (cmd);
    free (k);
    return rc == 0 ? 0 : -1;
}

static void
keygen_writes_a_pair_that_loads (void **state)
{
    keydir *k = *state;
    fo_curve_key made, pub, sec, sec2;
    char err[512];
    assert_int_equal (fo_curve_keygen (k->name, &made, err, sizeof err), 0);
    assert_int_equal (strlen (made.public_txt), 40);
    assert_int_equal (strlen (made.secret_txt), 40);

    char *public_path = fo_xasprintf ("%s.cert", k->name);
    char *secret_path = fo_xasprintf ("%s.cert_secret", k->name);
    struct stat st;
    assert_int_equal (stat (secret_path, &st), 0);
    assert_int_equal (st.st_mode & 077, 0);        /* secret: owner only */
    assert_int_equal (stat (public_path, &st), 0);

    /* The public file alone: public key, no secret. */
    char *copy = fo_xasprintf ("%s/copy.cert", k->dir);
    char *cmd = fo_xasprintf ("cp '%s' '%s'", public_path, copy);
    assert_int_equal (system (cmd), 0);
    assert_int_equal (fo_curve_load (copy, false, &pub, err, sizeof err), 0);
    assert_string_equal (pub.public_txt, made.public_txt);
    assert_string_equal (pub.secret_txt, "");
    assert_int_equal (fo_curve_load (copy, true, &pub, err, sizeof err), -1);
    assert_non_null (strstr (err, "no secret key"));

    /* The secret file, or NAME.cert next to it: both keys. */
    assert_int_equal (fo_curve_load (secret_path, true, &sec, err, sizeof err), 0);
    assert_string_equal (sec.public_txt, made.public_txt);
    assert_string_equal (sec.secret_txt, made.secret_txt);
    assert_int_equal (fo_curve_load (public_path, true, &sec2, err, sizeof err), 0);
    assert_string_equal (sec2.secret_txt, made.secret_txt);

    /* Never overwrites. */
    assert_int_equal (fo_curve_keygen (k->name, &made, err, sizeof err), -1);
    assert_non_null (strstr (err, "already exists"));
    free (cmd);
    free (copy);
    free (public_path);
    free (secret_path);
}

static void
load_rejects_what_is_not_a_certificate (void **state)
{
    keydir *k = *state;
    fo_curve_key key;
    char err[512];
    char *missing = fo_xasprintf ("%s/missing.cert", k->dir);
    assert_int_equal (fo_curve_load (missing, false, &key, err, sizeof err), -1);
    assert_non_null (strstr (err, "cannot read"));

    char *junk = fo_xasprintf ("%s/junk.cert", k->dir);
    FILE *f = fopen (junk, "w");
    assert_non_null (f);
    fputs ("curve\n    public-key = \"short\"\n", f);
    fclose (f);
    assert_int_equal (fo_curve_load (junk, false, &key, err, sizeof err), -1);
    assert_non_null (strstr (err, "not a CurveZMQ certificate"));
    free (missing);
    free (junk);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (endpoints_local_or_not),
        cmocka_unit_test_setup_teardown (keygen_writes_a_pair_that_loads, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown (load_rejects_what_is_not_a_certificate, setup_dir,
                                         teardown_dir),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
