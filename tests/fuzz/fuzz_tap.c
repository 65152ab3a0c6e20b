/*  fuzz_tap — libFuzzer target for TAP streams: the parser (fo_tap.h)
    and the three TAP readers (fo_read_tap.c) read any bytes, fed in
    pieces cut where the input says, as a program's output arrives; so
    does the reader of GLib paths joined in one process
    (fo_read_glib_join.c).

    Whatever the bytes: every event's strings are NUL-terminated and a
    point's depth within FO_TAP_MAX_DEPTH; each reader emits exactly one
    result for its one test, with a known outcome and a message that holds
    no control character (it is shown on one console line). The "tap" and
    "cmocka" readers' joined tests (each point, fo_reader.h) come before
    the program's own result, each with a valid name (fo_name_check),
    unique within its group, at most FO_READ_MAX_JOINED. The joined
    reader emits one result for each of its paths when the program exited
    0 without a Bail out!, and at least one (the running path) otherwise. The limits
    keep each input to bounded memory; the sanitizers catch the rest.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "fo_glib_join.h"
#include "fo_name.h"
#include "fo_reader.h"
#include "fo_tap.h"

static void
die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_tap: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

static void
on_event (void *arg, const fo_tap_event *ev)
{
    size_t *count = arg;
    (*count)++;
    if (ev->depth > FO_TAP_MAX_DEPTH)
        die ("an event deeper than the limit", NULL);
    /* Each string must be readable to its end. */
    size_t n = strlen (ev->description) + strlen (ev->reason) + strlen (ev->text);
    if (ev->yaml_message)
        n += strlen (ev->yaml_message);
    if (ev->yaml_error)
        n += strlen (ev->yaml_error);
    (void) n;
}

typedef struct {
    size_t n;
    size_t njoined;
    zhashx_t *ids;              /* group "/" name of the joined tests */
} results;

static void
collect (void *arg, const fo_read_result *r)
{
    results *res = arg;
    if (r->joined) {
        char why[512];
        if (res->n > 0)
            die ("a joined test after the program's own result", r->joined);
        if (!fo_name_check ("test", r->joined, strlen (r->joined), why, sizeof why))
            die ("a joined test's name breaks the rule", why);
        if (*r->group && !fo_name_check ("context", r->group, strlen (r->group), why, sizeof why))
            die ("a joined test's group breaks the rule", why);
        char *id = fo_xasprintf ("%s/%s", r->group, r->joined);
        if (zhashx_insert (res->ids, id, (void *) 1) != 0)
            die ("a joined test's id twice", id);
        free (id);
        if (++res->njoined > FO_READ_MAX_JOINED)
            die ("more joined tests than the limit", NULL);
    }
    else
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
    /* The first byte says where to cut the stream. */
    size_t piece = size ? (size_t) data[0] % 64 + 1 : 1;
    const char *text = (const char *) data + (size ? 1 : 0);
    size_t len = size ? size - 1 : 0;

    size_t events = 0;
    fo_tap *tap = fo_tap_new (on_event, &events);
    for (size_t i = 0; i < len; i += piece)
        fo_tap_feed (tap, text + i, len - i < piece ? len - i : piece);
    fo_tap_end (tap);
    fo_tap_destroy (&tap);

    const fo_reader readers[] = { FO_READER_TAP, FO_READER_CMOCKA, FO_READER_GLIB };
    for (size_t k = 0; k < sizeof readers / sizeof readers[0]; k++) {
        fo_step step = { .kind = FO_STEP_TEST, .reader = readers[k], .timeout_ms = 1000 };
        fo_strv_push (&step.tests, "p/all");
        fo_strv_push (&step.argv, "prog");
        fo_strv_push (&step.argv, "/a");
        fo_read_step rs = { .step = &step, .skip_code = 77 };
        results res = { .ids = zhashx_new () };
        fo_read *read = fo_read_new (&rs, collect, &res);
        for (size_t i = 0; i < len; i += piece)
            fo_read_feed (read, 1, text + i, len - i < piece ? len - i : piece);
        fo_proc_status st = { .exited = true, .exit_code = (int) (size % 3) };
        fo_step_ending end = { .status = &st, .out = text, .out_len = len, .err = "",
                               .err_len = 0 };
        fo_read_end (read, &end);
        fo_read_destroy (&read);
        fo_strv_free (&step.tests);
        fo_strv_free (&step.argv);
        zhashx_destroy (&res.ids);
        if (res.n != 1)
            die ("a reader did not emit exactly one result", NULL);
    }

    const char *paths[] = { "/a", "/b/c", "/d" };
    fo_step steps[3];
    const fo_step *parts[3];
    for (size_t k = 0; k < 3; k++) {
        steps[k] = (fo_step) { .kind = FO_STEP_TEST, .reader = FO_READER_GLIB, .timeout_ms = 1 };
        fo_strv_push (&steps[k].argv, "prog");
        fo_strv_push (&steps[k].argv, "--tap");
        fo_strv_push (&steps[k].argv, "-p");
        fo_strv_push (&steps[k].argv, paths[k]);
        fo_strv_push (&steps[k].tests, paths[k]);
        steps[k].name = fo_xstrdup (paths[k]);
        steps[k].cwd = fo_xstrdup ("");
        parts[k] = &steps[k];
    }
    fo_step joined;
    fo_glib_join (parts, 3, &joined);
    fo_read_step rs = { .step = &joined, .skip_code = 77, .parts = parts, .nparts = 3 };
    results res = { .ids = zhashx_new () };
    fo_read *read = fo_read_new_with (&fo_reader_glib_join, &rs, collect, &res);
    for (size_t i = 0; i < len; i += piece)
        fo_read_feed (read, 1, text + i, len - i < piece ? len - i : piece);
    fo_proc_status st = { .exited = true, .exit_code = (int) (size % 3) };
    fo_step_ending end = { .status = &st, .out = text, .out_len = len, .err = "", .err_len = 0 };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    zhashx_destroy (&res.ids);
    fo_step_free (&joined);
    for (size_t k = 0; k < 3; k++)
        fo_step_free (&steps[k]);
    bool bail = memmem (text, len, "Bail out!", 9) != NULL;
    if (res.n > 3 || (st.exit_code == 0 && !bail && res.n != 3) || res.n == 0)
        die ("the joined reader did not emit one result per path, or none for the running one",
             NULL);
    return 0;
}
