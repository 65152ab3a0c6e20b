/*  fo_cli_listing — see fo_cli_listing.h. */
#include "fo_cli_listing.h"

#include <stdio.h>
#include <stdlib.h>

#include "fo_importer.h"
#include "fo_proc.h"

int
fo_cli_listing_run (const char *cmd, const char *program, const char *option, fo_buf *out)
{
    fo_strv args = { 0 };
    fo_strv_push (&args, program);
    fo_strv_push (&args, option);
    fo_env env = { 0 };
    fo_proc_spec spec = { .argv = &args, .env = &env, .output_cap = FO_IMPORT_MAX_OUTPUT };
    fo_proc_status status = { 0 };
    fo_buf e = { 0 };
    fo_buf_puts (out, "");
    fo_buf_puts (&e, "");
    char why[512] = "";
    int rc = -1;
    if (fo_proc_run_sync (&spec, &status, out, &e, why, sizeof why) != 0)
        fprintf (stderr, "fanout %s: %s\n", cmd, why);   /* why: "cannot run 'x': ..." */
    else if (!status.exited || status.exit_code != 0) {
        char *what = fo_proc_status_text (&status, 0);
        fprintf (stderr, "fanout %s: '%s' %s failed (%s)\n", cmd, program, option, what);
        free (what);
    }
    else if (out->len > FO_IMPORT_MAX_OUTPUT)
        fprintf (stderr, "fanout %s: '%s' listed more than %u MiB\n", cmd, program,
                 FO_IMPORT_MAX_OUTPUT >> 20);
    else
        rc = 0;
    fo_buf_free (&e);
    fo_strv_free (&args);
    return rc;
}
