/*  fuzz_gtest — libFuzzer target for what a GoogleTest program writes:
    the JSON output file (fo_gtest_json.h), read by itself and through
    the gtest reader (fo_read_gtest.c: the bytes are written to the file
    the reader names in GTEST_OUTPUT), and the --gtest_list_tests output
    (fo_gtest_list.h), and the result stream of a suite run in one process
    (fo_gtest_stream.h). All come from the tested program: untrusted.

    Whatever the bytes: the JSON reader refuses or gives results with a
    name, a known outcome and a message within FO_GTEST_MAX_MESSAGE; the
    reader emits exactly one result per test of its step, with a known
    outcome and a message that holds no control character (it is shown on
    one console line), and leaves no file behind; the listing reader gives
    names that are not empty, hold no whitespace (a suite's no '.'), and
    are within FO_GTEST_MAX_NAME. The sanitizers catch the rest.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fo_gtest_json.h"
#include "fo_gtest_list.h"
#include "fo_gtest_stream.h"
#include "fo_reader.h"

static void
die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_gtest: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

static void
check_name (const char *name, bool suite)
{
    size_t n = strlen (name);
    if (n == 0 || n > FO_GTEST_MAX_NAME)
        die ("a listed name empty or too long", name);
    if (strpbrk (name, " \t\r\n") || (suite && strchr (name, '.')))
        die ("a listed name with whitespace, or a suite with '.'", name);
}

static int
on_listed (void *arg, const char *suite, const char *test, size_t line)
{
    (void) arg;
    (void) line;
    check_name (suite, true);
    check_name (test, false);
    return 0;
}

typedef struct {
    size_t n;
} results;

static void
collect (void *arg, const fo_read_result *r)
{
    results *res = arg;
    res->n++;
    if ((unsigned) r->outcome >= FO_OUTCOME_COUNT)
        die ("an unknown outcome", NULL);
    for (const unsigned char *p = (const unsigned char *) r->message; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            die ("a message with a control character", r->message);
}

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
    const char *text = (const char *) data;

    char err[512];
    fo_gtest_results res;
    if (fo_gtest_json_read (text, size, &res, err, sizeof err) == 0) {
        for (size_t i = 0; i < res.len; i++) {
            const fo_gtest_result *r = &res.items[i];
            if (!r->name || !r->message || (unsigned) r->outcome >= FO_OUTCOME_COUNT)
                die ("a result without a name, a message or a known outcome", NULL);
            if (strlen (r->message) > FO_GTEST_MAX_MESSAGE + 3)
                die ("a message past the limit", NULL);
        }
        fo_gtest_results_free (&res);
    }
    else if (res.len || res.items)
        die ("a refusal that kept results", err);

    fo_gtest_list_read (text, size, on_listed, NULL, err, sizeof err);

    /* The bytes as gtest's result stream, in two pieces split anywhere:
       what it says of a test is a known outcome, a message within the
       limit (and its newline and "file:line\n" added per part result). */
    fo_gtest_stream *stream = fo_gtest_stream_new ();
    size_t half = size ? data[0] % (size + 1) : 0;
    fo_gtest_stream_feed (stream, text, half);
    fo_gtest_stream_feed (stream, text + half, size - half);
    static const char *const probes[] = { "S.t", "S.u", "A.B", "." };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const fo_gtest_stream_test *t = fo_gtest_stream_find (stream, probes[i]);
        if (t && t->ended && t->outcome != FO_PASSED && t->outcome != FO_FAILED
            && t->outcome != FO_SKIPPED)
            die ("a stream verdict that is not passed, failed or skipped", probes[i]);
        if (t && (!t->message || strlen (t->message) > FO_GTEST_MAX_MESSAGE))
            die ("a stream message missing or past the limit", probes[i]);
    }
    fo_gtest_stream_destroy (&stream);

    /* The reader, with the bytes as gtest's output file. */
    fo_step step = { .kind = FO_STEP_TEST, .reader = FO_READER_GTEST, .timeout_ms = 1000 };
    fo_strv_push (&step.tests, "p/S/t");
    fo_strv_push (&step.tests, "p/S/u");
    fo_strv_push (&step.argv, "prog");
    fo_strv_push (&step.argv, "--gtest_filter=S.t:S.u");
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    results got = { 0 };
    fo_read *read = fo_read_new (&rs, collect, &got);
    const fo_env *env = fo_read_env (read);
    const char *path = env ? fo_env_get (env, "GTEST_OUTPUT") : NULL;
    char *file = path ? strdup (path + strlen ("json:")) : NULL;
    if (file) {
        FILE *f = fopen (file, "wb");
        if (!f || fwrite (data, 1, size, f) != size || fclose (f) != 0)
            die ("cannot write the output file", file);
    }
    fo_proc_status st = { .exited = true, .exit_code = (int) (size % 3) };
    fo_step_ending end = { .status = &st, .out = "", .err = "" };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    struct stat sb;
    if (file && stat (file, &sb) == 0)
        die ("the output file was left behind", file);
    free (file);
    fo_strv_free (&step.tests);
    fo_strv_free (&step.argv);
    if (got.n != 2)
        die ("the reader did not emit one result per test", NULL);
    return 0;
}
