/*  fuzz_kexpr — libFuzzer target for the -k expression (fo_kexpr_parse)
    and the pattern rule it uses.

    Any input must either be refused with a message that holds no control
    character, or parse into an expression that answers for any id without
    failing, and answers as the logic says: "not (E)" chooses exactly the
    ids E does not, "(E) or (E)" and "(E) and (E)" what E chooses. The
    input is also taken as a pattern against a few ids, and a glob must
    match itself when it holds no special character. Limits keep each
    input to bounded time (the matcher is O(pattern x id)); the sanitizers
    in the build catch overflows, leaks and undefined behaviour.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_kexpr.h"
#include "fo_util.h"

static void
die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_kexpr: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

static const char *const IDS[] = {
    "", "a", "db/insert", "db/pg/Vacuum", "x.py::test_it[1 + 1]", "gr\xc3\xb6\xc3\x9f\x65",
    "and", "(a)", "*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
};
#define NIDS (sizeof IDS / sizeof IDS[0])

static fo_kexpr *
parse (const char *text, size_t len)
{
    char err[512] = "";
    fo_kexpr *e = fo_kexpr_parse (text, len, err, sizeof err);
    if (!e) {
        if (!*err)
            die ("a refusal without a reason", NULL);
        for (const unsigned char *p = (const unsigned char *) err; *p; p++)
            if (*p < 0x20 || *p == 0x7f)
                die ("a refusal with a control character", err);
    }
    return e;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    fo_kexpr *e = parse (text, size);
    if (e) {
        fo_buf neg = { 0 }, both = { 0 };
        fo_buf_puts (&neg, "not (");
        fo_buf_append (&neg, text, size);
        fo_buf_puts (&neg, ")");
        fo_buf_puts (&both, "(");
        fo_buf_append (&both, text, size);
        fo_buf_puts (&both, ") or (");
        fo_buf_append (&both, text, size);
        fo_buf_puts (&both, ")");
        /* wrapping may cross the depth limit or the length: then skip */
        fo_kexpr *n = fo_kexpr_parse (neg.data, neg.len, NULL, 0);
        fo_kexpr *b = fo_kexpr_parse (both.data, both.len, NULL, 0);
        for (size_t i = 0; i < NIDS; i++) {
            bool m = fo_kexpr_match (e, IDS[i]);
            if (n && fo_kexpr_match (n, IDS[i]) == m)
                die ("not (E) agrees with E", IDS[i]);
            if (b && fo_kexpr_match (b, IDS[i]) != m)
                die ("(E) or (E) differs from E", IDS[i]);
        }
        fo_kexpr_destroy (&n);
        fo_kexpr_destroy (&b);
        fo_kexpr_destroy (&e);
        fo_buf_free (&neg);
        fo_buf_free (&both);
    }
    /* the input as a pattern */
    if (size <= 4096 && !memchr (text, '\0', size)) {
        char *pattern = fo_xstrndup (text, size);
        for (size_t i = 0; i < NIDS; i++)
            (void) fo_pattern_match (pattern, IDS[i]);
        if (!strpbrk (pattern, "*?[\\") && !fo_glob_match (pattern, pattern, false))
            die ("a glob without special characters does not match itself", pattern);
        if (*pattern && !strpbrk (pattern, "*?[") && !fo_pattern_match (pattern, pattern))
            die ("a substring does not match itself", pattern);
        free (pattern);
    }
    return 0;
}
