/*  fo_summary_sections — see internal/fo_summary_sections.h. */
#include "fo_summary_sections.h"

#include <stdlib.h>
#include <string.h>

#include "fo_text.h"

#define RULE "======================================================================\n"

/* Did the test run: a try of it has an outcome. */
static bool
ran (const fo_test_record *rec)
{
    return rec->done && rec->nattempts > 0 && rec->outcome != FO_NOT_RUN;
}

/* "  12.34s  id [on host]" */
static void
print_test_line (FILE *out, const fo_test_record *rec)
{
    fprintf (out, "  %7.2fs  ", (double) rec->duration_us / 1e6);
    fo_text_put_safe (out, rec->id ? rec->id : "", rec->id ? strlen (rec->id) : 0);
    if (rec->host) {
        fputs (" [on ", out);
        fo_text_put_safe (out, rec->host, strlen (rec->host));
        fputc (']', out);
    }
    fputc ('\n', out);
}

static void
print_title (FILE *out, bool color, const char *title)
{
    fprintf (out, RULE "%s%s%s\n", fo_sgr (color, FO_SGR_BOLD), title,
             fo_sgr (color, FO_SGR_RESET));
}

typedef struct {
    uint64_t duration_us;
    size_t index;
} timed;

static int
slowest_first (const void *pa, const void *pb)
{
    const timed *a = pa, *b = pb;
    if (a->duration_us != b->duration_us)
        return a->duration_us < b->duration_us ? 1 : -1;
    return (a->index > b->index) - (a->index < b->index);
}

void
fo_summary_slowest (FILE *out, const fo_report *report, size_t n, bool color)
{
    if (n == 0)
        return;
    size_t ntests = fo_report_ntests (report), nran = 0;
    timed *t = fo_xmalloc ((ntests ? ntests : 1) * sizeof *t);
    for (size_t i = 0; i < ntests; i++) {
        const fo_test_record *rec = fo_report_test (report, i);
        if (ran (rec))
            t[nran++] = (timed) { rec->duration_us, i };
    }
    if (nran) {
        qsort (t, nran, sizeof *t, slowest_first);
        size_t shown = n < nran ? n : nran;
        char *title = shown == nran
            ? fo_xasprintf ("SLOWEST: every test that ran (%zu)", nran)
            : fo_xasprintf ("SLOWEST: %zu of %zu tests", shown, nran);
        print_title (out, color, title);
        free (title);
        for (size_t k = 0; k < shown; k++)
            print_test_line (out, fo_report_test (report, t[k].index));
    }
    free (t);
}

void
fo_summary_serial (FILE *out, const fo_report *report, bool color)
{
    size_t ntests = fo_report_ntests (report), nserial = 0;
    for (size_t i = 0; i < ntests; i++) {
        const fo_test_record *rec = fo_report_test (report, i);
        nserial += ran (rec) && rec->serial;
    }
    if (nserial == 0)
        return;
    char *title = fo_xasprintf ("SERIAL: %zu test%s ran alone", nserial, nserial == 1 ? "" : "s");
    print_title (out, color, title);
    free (title);
    size_t shown = 0;
    for (size_t i = 0; i < ntests && shown < FO_SUMMARY_SERIAL_MAX; i++) {
        const fo_test_record *rec = fo_report_test (report, i);
        if (ran (rec) && rec->serial) {
            print_test_line (out, rec);
            shown++;
        }
    }
    if (shown < nserial)
        fprintf (out, "  ... and %zu more (the JSON report lists them all)\n", nserial - shown);
}
