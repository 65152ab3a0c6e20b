/*  fo_offer: what an agent offers from --resource, --label and a resource
    file in CTest's resource specification format (read with jansson):
    ids and slots as the file gives them, every rule of the protocol
    checked with a clear reason, the size limit, and an offer that keeps
    what it had when a call fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fo_offer.h"

static char path[64];

static void
write_file (const char *text)
{
    snprintf (path, sizeof path, "/tmp/fo-offer-%d.json", (int) getpid ());
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (text, f);
    fclose (f);
}

static void
expect_file_error (fo_offer *o, const char *text, const char *want)
{
    char err[512] = "";
    size_t before = o->nresources;
    write_file (text);
    assert_int_equal (fo_offer_load_file (o, path, err, sizeof err), -1);
    if (!strstr (err, want))
        fail_msg ("'%s' does not contain '%s'", err, want);
    assert_int_equal (o->nresources, before);
    unlink (path);
}

static void
test_args (void **state)
{
    (void) state;
    fo_offer o = { 0 };
    char err[512];
    assert_int_equal (fo_offer_add_resource_arg (&o, "gpu=2", err, sizeof err), 0);
    assert_int_equal (o.nresources, 2);
    assert_string_equal (o.resources[1].name, "gpu");
    assert_string_equal (o.resources[1].id, "1");
    assert_int_equal (o.resources[1].slots, 1);
    assert_int_equal (fo_offer_add_resource_arg (&o, "gpu=1", err, sizeof err), -1);
    assert_string_equal (err, "instance '0' of resource 'gpu' is offered twice");
    assert_int_equal (o.nresources, 2);
    assert_int_equal (fo_offer_add_resource_arg (&o, "gpu", err, sizeof err), -1);
    assert_string_equal (err, "--resource 'gpu': expected NAME=COUNT, COUNT from 1 to 1024");
    assert_int_equal (fo_offer_add_resource_arg (&o, "gpu=0", err, sizeof err), -1);
    assert_int_equal (fo_offer_add_resource_arg (&o, "gpu=1025", err, sizeof err), -1);
    assert_int_equal (fo_offer_add_resource_arg (&o, "gpu=2x", err, sizeof err), -1);
    assert_int_equal (fo_offer_add_resource_arg (&o, "Gpu=1", err, sizeof err), -1);
    assert_true (strstr (err, "'Gpu' is not a valid resource name") != NULL);
    assert_int_equal (fo_offer_add_resource_arg (&o, "license=1", err, sizeof err), 0);
    assert_int_equal (o.nresources, 3);

    assert_int_equal (fo_offer_add_label (&o, "arch=arm64", err, sizeof err), 0);
    assert_int_equal (fo_offer_add_label (&o, "arch=arm64", err, sizeof err), -1);
    assert_string_equal (err, "label 'arch=arm64' is given twice");
    assert_int_equal (fo_offer_add_label (&o, "a b", err, sizeof err), -1);
    assert_int_equal (fo_offer_add_label (&o, "", err, sizeof err), -1);
    assert_int_equal (o.labels.len, 1);
    fo_offer_free (&o);
}

static void
test_file (void **state)
{
    (void) state;
    fo_offer o = { 0 };
    char err[512] = "";
    write_file ("{\"version\": {\"major\": 1, \"minor\": 0},\n"
                " \"local\": [{\"gpus\": [{\"id\": \"0\", \"slots\": 2}, {\"id\": \"1\"}],\n"
                "             \"crypto_chips\": [{\"id\": \"card0\", \"slots\": 4}]}]}\n");
    if (fo_offer_load_file (&o, path, err, sizeof err) != 0)
        fail_msg ("%s", err);
    unlink (path);
    assert_int_equal (o.nresources, 3);
    assert_string_equal (o.resources[0].name, "gpus");
    assert_int_equal (o.resources[0].slots, 2);
    assert_int_equal (o.resources[1].slots, 1);
    assert_string_equal (o.resources[2].id, "card0");

    expect_file_error (&o, "{", "1:1:");    /* jansson's position */
    expect_file_error (&o, "{\"version\": {\"major\": 2, \"minor\": 0}, \"local\": [{}]}",
                       "not a resource specification of version 1.0");
    expect_file_error (&o, "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": [{}, {}]}",
                       "\"local\" must be an array of exactly one map");
    expect_file_error (&o, "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": "
                       "[{\"x\": [{\"id\": \"a\"}, {\"id\": 1}]}]}",
                       "resource 'x' [1] must be {\"id\": STRING, \"slots\": INTEGER}");
    expect_file_error (&o, "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": "
                       "[{\"x\": [{\"id\": \"a\", \"slot\": 2}]}]}",
                       "unknown key 'slot' (expected id, slots)");
    expect_file_error (&o, "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": "
                       "[{\"x\": [{\"id\": \"a\", \"slots\": 0}]}]}",
                       "instance 'a' of resource 'x': slots must be 1 to 1000000");
    expect_file_error (&o, "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": "
                       "[{\"x\": [{\"id\": \"a\"}, {\"id\": \"b,c\"}]}]}",
                       "'b,c' is not a valid id of resource 'x'");
    expect_file_error (&o, "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": "
                       "[{\"gpus\": [{\"id\": \"0\"}]}]}",
                       "instance '0' of resource 'gpus' is offered twice");
    expect_file_error (&o, "{\"version\": {\"major\": 1, \"minor\": 0}, \"version\": 1}",
                       "duplicate object key");
    assert_int_equal (o.nresources, 3);

    /* the size limit */
    char *big = malloc (FO_OFFER_MAX_FILE + 2);
    memset (big, ' ', FO_OFFER_MAX_FILE + 1);
    big[FO_OFFER_MAX_FILE + 1] = '\0';
    expect_file_error (&o, big, "longer than 1048576 bytes");
    free (big);
    assert_int_equal (fo_offer_load_file (&o, "/nonexistent/x.json", err, sizeof err), -1);
    assert_string_equal (err, "/nonexistent/x.json: No such file or directory");
    fo_offer_free (&o);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_args),
        cmocka_unit_test (test_file),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
