/*  fo_regex_guard — see fo_regex_guard.h. */
#include "fo_regex_guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Groups deeper than this cost the maximum: regcomp's own recursion would
   be the next limit. */
#define MAX_DEPTH 64

/* The end of the bracket expression that starts at p ('['): past its ']'. */
static const char *
bracket_end (const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;            /* a ']' first is a member */
    while (*p && *p != ']') {
        if (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
            char close = p[1];
            const char *e = p + 2;
            while (*e && !(e[0] == close && e[1] == ']'))
                e++;
            p = *e ? e + 2 : e;
        }
        else
            p++;
    }
    return *p ? p + 1 : p;
}

/* The repeat count of an interval at p ('{'), its end in *end; 0 when it
   is not one (glibc then takes the '{' as a literal). */
static double
interval (const char *p, const char **end)
{
    char *e;
    unsigned long m = strtoul (p + 1, &e, 10), n = m;
    if (e == p + 1)
        return 0;
    if (*e == ',') {
        char *f;
        n = strtoul (e + 1, &f, 10);
        if (f == e + 1)
            n = m + 1;      /* {m,}: m copies and a star */
        e = f;
    }
    if (*e != '}')
        return 0;
    *end = e + 1;
    return (double) (n > m ? n : m) + 1;
}

double
fo_regex_cost (const char *expr)
{
    double branches[MAX_DEPTH + 1] = { 0 };   /* per open group: its closed branches */
    double cur[MAX_DEPTH + 1] = { 0 };        /* the branch being read */
    int depth = 0;
    double last = 0;                          /* what a repetition repeats */
    for (const char *p = expr; *p;) {
        const char *next = p + 1;
        switch (*p) {
        case '\\':
            last = 1;
            cur[depth] += 1;
            next = p[1] ? p + 2 : p + 1;
            break;
        case '[':
            last = 1;
            cur[depth] += 1;
            next = bracket_end (p);
            break;
        case '(':
            if (depth == MAX_DEPTH)
                return FO_REGEX_MAX_COST * 2;
            depth++;
            branches[depth] = cur[depth] = 0;
            last = 0;
            break;
        case ')':
            if (depth == 0) {       /* a literal ')' in ERE */
                last = 1;
                cur[0] += 1;
                break;
            }
            last = branches[depth] + cur[depth] + 1;
            depth--;
            cur[depth] += last;
            break;
        case '|':
            branches[depth] += cur[depth] + 1;
            cur[depth] = 0;
            last = 0;
            break;
        case '*':
        case '?':
            cur[depth] += 1;
            last += 1;
            break;
        case '+':
            cur[depth] += last + 1;
            last = 2 * last + 1;
            break;
        case '{': {
            double k = interval (p, &next);
            if (k == 0) {
                last = 1;
                cur[depth] += 1;
                next = p + 1;
                break;
            }
            cur[depth] += last * (k - 1) + k;
            last = last * k + k;
            break;
        }
        default:
            last = 1;
            cur[depth] += 1;
            break;
        }
        double total = 0;
        for (int d = 0; d <= depth; d++)
            total += branches[d] + cur[d];
        if (total > FO_REGEX_MAX_COST)
            return total;
        p = next;
    }
    double total = 0;
    for (int d = 0; d <= depth; d++)
        total += branches[d] + cur[d];
    return total;
}

int
fo_regex_compile (regex_t *re, const char *expr, char *why, size_t whylen)
{
    if (fo_regex_cost (expr) > FO_REGEX_MAX_COST) {
        if (why && whylen)
            snprintf (why, whylen, "too complex to compile (its repetitions would build more "
                      "than %.0f nodes)", FO_REGEX_MAX_COST);
        return REG_ESPACE;
    }
    int rc = regcomp (re, expr, REG_EXTENDED | REG_NOSUB);
    if (rc != 0 && why && whylen)
        regerror (rc, re, why, whylen);
    return rc;
}
