/*  fo_ctest_tree — running ctest to list a build tree (fo_import_ctest.h:
    fo_ctest_run_listing, fo_ctest_list_tree, fo_import_ctest): on the
    broker, or on an agent through `fanout ctest-list`. */
#include "fo_import_ctest.h"

#include <stdlib.h>
#include <string.h>

#include "fo_proc.h"

int
fo_ctest_run_listing (const char *build_dir, fo_buf *o, char *err, size_t errlen)
{
    fo_strv argv = { 0 };
    fo_strv_push (&argv, "ctest");
    fo_strv_push (&argv, "--show-only=json-v1");
    fo_env env = { 0 };
    fo_proc_spec spec = {
        .argv = &argv,
        .cwd = build_dir,
        .env = &env,
        .output_cap = FO_CTEST_MAX_JSON,
        .timeout_ms = FO_CTEST_LIST_TIMEOUT_MS,
    };
    fo_proc_status status = { 0 };
    fo_buf e = { 0 };
    fo_buf_puts (o, "");
    fo_buf_puts (&e, "");
    char why[256] = "";
    int rc = 0;
    if (fo_proc_run_sync (&spec, &status, o, &e, why, sizeof why) != 0)
        rc = fo_err (err, errlen, "cannot run ctest in %s: %s", build_dir, why);
    else if (status.timed_out || !status.exited || status.exit_code != 0) {
        char *what = fo_proc_status_text (&status, spec.timeout_ms);
        size_t first = strcspn (e.data, "\r\n");
        e.data[first] = '\0';
        rc = fo_err (err, errlen, "ctest --show-only=json-v1 failed (%s)%s%.300s", what, first ? ": " : "", e.data);
        free (what);
    }
    /* The capture keeps head and tail past the cap: longer means cut. */
    else if (o->len > FO_CTEST_MAX_JSON)
        rc = fo_err (err, errlen, "ctest --show-only=json-v1 printed more than %u MiB",
                   FO_CTEST_MAX_JSON / (1024u * 1024u));
    fo_buf_free (&e);
    fo_strv_free (&argv);
    return rc;
}

int
fo_ctest_list_tree (const char *build_dir, fo_ctest_list *out, char *err, size_t errlen)
{
    memset (out, 0, sizeof *out);
    fo_buf o = { 0 };
    int rc = fo_ctest_run_listing (build_dir, &o, err, errlen);
    if (rc == 0) {
        char perr[512];
        rc = fo_ctest_parse (o.data, o.len, out, perr, sizeof perr);
        if (rc != 0)
            fo_err (err, errlen, "%s", perr);
    }
    fo_buf_free (&o);
    return rc;
}

int
fo_import_ctest (fo_context *ctx, const char *build_dir, const fo_ctest_filter *filter,
                 char *err, size_t errlen)
{
    fo_ctest_list list;
    if (fo_ctest_list_tree (build_dir, &list, err, errlen) != 0)
        return -1;
    int rc = fo_ctest_add (ctx, &list, filter, build_dir, err, errlen);
    fo_ctest_list_free (&list);
    return rc;
}
