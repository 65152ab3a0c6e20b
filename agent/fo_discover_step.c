/*  fo_discover_step — see fo_discover_step.h. */
#include "fo_discover_step.h"

#include <stdio.h>
#include <string.h>

#include "fo_ctest.h"
#include "fo_importer.h"

/* A CTest listing (the step's reader is ctest): sent whole, once it
   reads as the broker will read it. */
static void
answer_listing (fo_discovered *d, fo_buf *out, bool cut, char *why, size_t whylen)
{
    fo_ctest_list list;
    if (cut || out->len > FO_DISCOVER_OUTPUT_CAP)
        snprintf (why, whylen, "printed more than %u MiB of listing", FO_DISCOVER_OUTPUT_CAP >> 20);
    else if (fo_ctest_parse (out->data, out->len, &list, why, whylen) == 0) {
        fo_ctest_list_free (&list);
        d->listing_len = out->len;
        d->listing = fo_buf_steal (out);
    }
}

void
fo_discover_step_answer (fo_discovered *d, fo_reader reader, const fo_proc_status *status,
                         const fo_capture *out_cap, const fo_capture *err_cap_text,
                         const char *failure, uint32_t err_cap)
{
    fo_buf out = { 0 }, err = { 0 };
    fo_capture_render (out_cap, &out);
    fo_capture_render (err_cap_text, &err);
    size_t cap = err_cap && err_cap < FO_DISCOVER_ERR_CAP ? err_cap : FO_DISCOVER_ERR_CAP;
    if (err.len > cap)
        err.len = cap;      /* the head says what went wrong first */
    d->err_len = err.len;
    d->err = fo_xstrndup (err.data ? err.data : "", err.len);
    d->duration_us = status->duration_us;

    char why[512] = "";
    if (failure)
        snprintf (why, sizeof why, "%s", failure);
    else if (reader == FO_READER_CTEST) {
        fo_buf_puts (&out, "");
        answer_listing (d, &out, fo_capture_dropped (out_cap) > 0, why, sizeof why);
    }
    else {
        /* The same reading as the broker's before the run. */
        fo_listing listing = { 0 };
        fo_buf_puts (&out, "");     /* a writable terminator even when empty */
        if (fo_import_read (fo_importer_find ("discover"), out.data, out.len,
                            fo_capture_dropped (out_cap) > 0, FO_DISCOVER_OUTPUT_CAP, &listing,
                            why, sizeof why) == 0)
            for (size_t i = 0; i < listing.len; i++)
                fo_strv_push (&d->names, listing.items[i].name);
        fo_listing_free (&listing);
    }
    d->error = fo_xstrdup (why);
    fo_buf_free (&out);
    fo_buf_free (&err);
}
