/*  fuzz_python — libFuzzer target for what the python source reads from
    a child process: the discovery helper's JSON (fo_python_tree_read,
    into an empty suite) and a test step's output (the "python" reader:
    its result line). The first byte chooses: even the tree, odd the
    reader (the rest is the step's stdout; exit status, signal and timeout
    from the first byte's other bits).

    The tree must be refused with one line, or give tests whose every id
    is found in the suite; the reader must give its one test exactly one
    result with a valid outcome. The sanitizers in the build catch
    overflows, leaks and undefined behaviour. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_python_tree.h"
#include "fo_reader.h"
#include "fo_source.h"
#include "fo_suite.h"

static void
die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_python: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

static void
count_tests (const fo_suite *suite, const fo_context *ctx, size_t *n)
{
    for (size_t i = 0; i < ctx->ntests; i++) {
        if (fo_suite_find_test (suite, ctx->tests[i]->id) != ctx->tests[i])
            die ("a test its id does not find", ctx->tests[i]->id);
        if (ctx->tests[i]->reader != FO_READER_PYTHON)
            die ("a test not read by the python reader", ctx->tests[i]->id);
        (*n)++;
    }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        count_tests (suite, ctx->contexts[i], n);
}

static void
tree (const char *data, size_t size)
{
    char err[512] = "";
    fo_suite *suite = fo_suite_load_buffer ("/tmp/fuzz.yml", "{}", 2, err, sizeof err);
    if (!suite)
        die ("no empty suite", err);
    fo_source_spec spec = { .kind = "python" };
    fo_source_item at = { .suite = suite, .parent = suite->root, .spec = &spec, .item = "t" };
    fo_python_cmd cmd = { .interpreter = "python3", .helper = "/h" };
    if (fo_python_tree_read (&at, &cmd, data, size, err, sizeof err) != 0) {
        if (!*err || strchr (err, '\n'))
            die ("a refusal that is not one line", err);
    }
    else {
        size_t n = 0;
        count_tests (suite, suite->root, &n);
        if (n != fo_suite_count_tests (suite))
            die ("tests counted twice or lost", NULL);
    }
    fo_suite_destroy (&suite);
}

typedef struct {
    size_t n;
} results;

static void
collect (void *arg, const fo_read_result *r)
{
    results *got = arg;
    got->n++;
    if ((unsigned) r->outcome >= FO_OUTCOME_COUNT || !r->message || strcmp (r->test, "t"))
        die ("a bad result", r->test);
}

static void
reader (unsigned flags, const char *data, size_t size)
{
    fo_step step = { .kind = FO_STEP_TEST, .reader = FO_READER_PYTHON, .timeout_ms = 1000 };
    fo_strv_push (&step.tests, "t");
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    results got = { 0 };
    fo_read *read = fo_read_new (&rs, collect, &got);
    fo_proc_status st = { .exited = !(flags & 2), .exit_code = (int) (flags >> 4),
                          .signal = flags & 2 ? SIGSEGV : 0, .timed_out = flags & 4 };
    fo_step_ending end = { .status = &st, .out = data, .out_len = size, .err = "e",
                           .err_len = 1 };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    fo_strv_free (&step.tests);
    if (got.n != 1)
        die ("not exactly one result", NULL);
}

int LLVMFuzzerTestOneInput (const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        reader (data[0], (const char *) data + 1, size - 1);
    else
        tree ((const char *) data + 1, size - 1);
    return 0;
}
