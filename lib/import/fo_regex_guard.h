/*  fo_regex_guard — POSIX extended regular expressions from untrusted
    places (a CTest build tree's PASS_, FAIL_ and SKIP_REGULAR_EXPRESSION,
    the verdicts a lease carries, --ctest-label) compiled with a bound on
    what compiling may cost.

    Why: glibc's regcomp copies the tree under a repetition for each
    repeat (`x+` is `xx*`, `x{n}` is n copies of x), so stacked or nested
    repetitions grow it exponentially: "all " and thirty `+` took more than
    2 GiB (found by fuzz_ctest_json), sixteen 700 MiB. Before compiling,
    fo_regex_cost bounds the number of nodes that tree would have, reading
    the expression once: an atom is 1; a group the sum of its branches;
    `*` and `?` add 1; `+` doubles what it repeats; `{m,n}` repeats it n
    times (m + 1 when open, `{m,}`). An expression over FO_REGEX_MAX_COST
    is refused as too complex, without compiling it.

    FO_REGEX_MAX_COST allows any expression a test would use (a date
    `[0-9]{4}-[0-9]{2}-[0-9]{2}` costs 20, an address
    `([0-9]{1,3}\.){3}[0-9]{1,3}` about 25) and costs regcomp at most tens
    of MiB. */
#ifndef FO_REGEX_GUARD_H
#define FO_REGEX_GUARD_H

#include <regex.h>
#include <stddef.h>

#define FO_REGEX_MAX_COST 4096.0

/* An upper bound of the nodes regcomp would build for expr (a bound, not a
   count; an expression that is not well formed gets some finite value:
   regcomp judges it). */
double fo_regex_cost (const char *expr);

/* regcomp (re, expr, REG_EXTENDED | REG_NOSUB), unless expr costs more
   than FO_REGEX_MAX_COST: 0 when compiled (regfree it), else non-zero with
   why (when given) saying what was wrong. */
int fo_regex_compile (regex_t *re, const char *expr, char *why, size_t whylen);

#endif
