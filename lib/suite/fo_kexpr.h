/*  fo_kexpr — the -k expression: which tests to run, by their ids, as
    pytest's -k reads it (docs/selection.md, "-k EXPR").

    fanout's own small language, read by a small recursive-descent parser:

        expr    := term ('or' term)*
        term    := factor ('and' factor)*
        factor  := 'not' factor | '(' expr ')' | pattern
        pattern := a bare word | 'single quoted' | "double quoted"

    A bare word runs to the next space, tab or parenthesis; `and`, `or` and
    `not` written bare are the operators (quote a pattern that is one of
    them, or that holds a space, a parenthesis or a quote). `not` binds
    tightest, then `and`, then `or`.

    A pattern (fo_pattern_match) matches a test id:
      - with any of * ? [ in it, a glob (fnmatch(3), without FNM_PATHNAME:
        * matches '/' too) over the whole id;
      - otherwise, a substring anywhere in the id;
    ASCII letters match either case (as pytest's -k; "Db" matches "db").

    The text comes from the command line, so it is bounded: at most
    FO_KEXPR_MAX_TEXT bytes, parentheses and nots nested at most
    FO_KEXPR_MAX_DEPTH deep (the parser's and the evaluator's only
    recursion). `and` and `or` chains are n-ary nodes, never deeper with
    their length. Parsing is linear in the text; matching one id costs
    at most one pattern match per pattern of the expression.
*/
#ifndef FO_KEXPR_H
#define FO_KEXPR_H

#include <stdbool.h>
#include <stddef.h>

#define FO_KEXPR_MAX_TEXT (1024u * 1024u)
#define FO_KEXPR_MAX_DEPTH 64u

typedef struct fo_kexpr fo_kexpr;

/* Parses text[0..len) (a NUL inside is an error). Returns the expression,
   or NULL with the reason in err: "expected a pattern after 'and' (column
   7)", "unbalanced ')' (column 3)", ... Never a raw control character in
   err (the text's own are escaped). */
fo_kexpr *fo_kexpr_parse (const char *text, size_t len, char *err, size_t errlen);
void fo_kexpr_destroy (fo_kexpr **self_p);

/* Does the expression choose this id? */
bool fo_kexpr_match (const fo_kexpr *self, const char *id);

/* The pattern rule above, alone (--exclude uses it). */
bool fo_pattern_match (const char *pattern, const char *id);

/* A glob over the whole text: * (any run of bytes, '/' too), ? (one UTF-8
   character), [set] with ranges and ! or ^ to negate, \ quoting the next
   character; a '[' never closed is an ordinary one. ignore_case: ASCII
   letters match either case. O(pattern x text), whatever the pattern. */
bool fo_glob_match (const char *pattern, const char *text, bool ignore_case);

#endif
