/*  fo_kexpr — see fo_kexpr.h. A tokenizer with one token of lookahead, a
    recursive-descent parser into a tree of n-ary nodes, and a glob matcher
    of its own: fnmatch(3) backtracks at every '*' and takes exponential
    time on a pattern like "*a*a*a*a*b" against a long id, while this one
    (the classic single backtrack point to the last '*') is O(pattern x
    id) whatever the pattern. */
#include "fo_kexpr.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fo_name.h"
#include "fo_util.h"

/* ---- patterns ----------------------------------------------------------- */

static int
fold (unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Bytes of the UTF-8 sequence starting with c (1 for anything else, so
   that a broken sequence is still consumed byte by byte). */
static size_t
seq_len (const char *s, size_t left)
{
    unsigned char c = (unsigned char) s[0];
    size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
    if (c >= 0xF5)
        n = 1;
    if (n > left)
        return 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char) s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/* A bracket expression at p (just past '['): whether byte c is in it, and
   where it ends (just past ']'); false with *end = NULL when it is not
   closed (then '[' is an ordinary character, as fnmatch takes it). */
static bool
bracket (const char *p, unsigned char c, bool ic, const char **end)
{
    bool negate = *p == '!' || *p == '^';
    if (negate)
        p++;
    bool in = false;
    const char *q = p;
    int lc = fold (c);
    do {
        if (!*q) {
            *end = NULL;
            return false;
        }
        unsigned char lo = (unsigned char) *q++;
        if (lo == '\\' && *q)
            lo = (unsigned char) *q++;
        unsigned char hi = lo;
        if (q[0] == '-' && q[1] && q[1] != ']') {
            hi = (unsigned char) q[1];
            q += 2;
            if (hi == '\\' && *q)
                hi = (unsigned char) *q++;
        }
        /* Either case of c in the range: [a-z] matches 'Q'. */
        if ((c >= lo && c <= hi)
            || (ic && ((lc >= fold (lo) && lc <= fold (hi))
                       || (lc >= 'a' && lc <= 'z' && lc - 'a' + 'A' >= lo
                           && lc - 'a' + 'A' <= hi))))
            in = true;
    } while (*q != ']');
    *end = q + 1;
    return in != negate;
}

/* One pattern element at pattern[*pi] against s[si..]: the bytes of s it
   takes (0: no match), *pi moved past it. */
static size_t
element (const char *pattern, size_t *pi, const char *s, size_t left, bool ic)
{
    const char *p = pattern + *pi;
    if (*p == '?') {
        (*pi)++;
        return seq_len (s, left);
    }
    if (*p == '[') {
        const char *end;
        bool in = bracket (p + 1, (unsigned char) *s, ic, &end);
        if (end) {
            *pi = (size_t) (end - pattern);
            return in ? 1 : 0;
        }
        /* not closed: a plain '[' */
    }
    if (*p == '\\' && p[1])
        p++;
    if (ic ? fold ((unsigned char) *p) != fold ((unsigned char) *s) : *p != *s)
        return 0;
    *pi = (size_t) (p + 1 - pattern);
    return 1;
}

bool
fo_glob_match (const char *pattern, const char *s, bool ic)
{
    size_t plen = strlen (pattern), slen = strlen (s);
    size_t pi = 0, si = 0;
    size_t star_p = SIZE_MAX, star_s = 0;
    while (si < slen) {
        if (pi < plen && pattern[pi] == '*') {
            while (pi < plen && pattern[pi] == '*')
                pi++;
            star_p = pi;
            star_s = si;
            continue;
        }
        size_t next = pi, took = pi < plen ? element (pattern, &next, s + si, slen - si, ic) : 0;
        if (took) {
            pi = next;
            si += took;
            continue;
        }
        if (star_p == SIZE_MAX)
            return false;
        star_s += seq_len (s + star_s, slen - star_s);
        pi = star_p;
        si = star_s;
    }
    while (pi < plen && pattern[pi] == '*')
        pi++;
    return pi == plen;
}

bool
fo_pattern_match (const char *pattern, const char *id)
{
    if (strpbrk (pattern, "*?["))
        return fo_glob_match (pattern, id, true);
    return strcasestr (id, pattern) != NULL;
}

/* ---- the tree ----------------------------------------------------------- */

typedef enum { K_PATTERN, K_NOT, K_AND, K_OR } kind;

typedef struct node node;
struct node {
    kind kind;
    char *pattern;          /* K_PATTERN */
    node **kids;            /* K_NOT: one; K_AND, K_OR: two or more */
    size_t nkids, kids_cap;
};

struct fo_kexpr {
    node *root;
};

static node *
node_new (kind k)
{
    node *n = fo_xcalloc (1, sizeof *n);
    n->kind = k;
    return n;
}

/* Doubling: a chain of n terms costs O(n), also where realloc cannot grow
   in place (one more slot per term was O(n^2) copying under ASan). */
static void
node_add (node *n, node *kid)
{
    if (n->nkids == n->kids_cap) {
        n->kids_cap = n->kids_cap ? n->kids_cap * 2 : 2;
        n->kids = fo_xrealloc (n->kids, n->kids_cap * sizeof *n->kids);
    }
    n->kids[n->nkids++] = kid;
}

/* Recursion is bounded: the parser refuses nesting past
   FO_KEXPR_MAX_DEPTH, and chains are n-ary (eval too). */
static void
node_free (node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free (n->kids[i]);
    free (n->kids);
    free (n->pattern);
    free (n);
}

static bool
eval (const node *n, const char *id)
{
    switch (n->kind) {
    case K_PATTERN:
        return fo_pattern_match (n->pattern, id);
    case K_NOT:
        return !eval (n->kids[0], id);
    case K_AND:
        for (size_t i = 0; i < n->nkids; i++)
            if (!eval (n->kids[i], id))
                return false;
        return true;
    case K_OR:
        for (size_t i = 0; i < n->nkids; i++)
            if (eval (n->kids[i], id))
                return true;
        return false;
    }
    return false;
}

bool
fo_kexpr_match (const fo_kexpr *self, const char *id)
{
    return eval (self->root, id);
}

void
fo_kexpr_destroy (fo_kexpr **self_p)
{
    fo_kexpr *self = *self_p;
    if (!self)
        return;
    node_free (self->root);
    free (self);
    *self_p = NULL;
}

/* ---- tokens --------------------------------------------------------------- */

typedef enum { T_END, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_PATTERN } token_type;

typedef struct {
    token_type type;
    const char *text;       /* T_PATTERN: its characters (quotes removed) */
    size_t len;
    size_t column;          /* 1-based, of its first character */
} token;

typedef struct {
    const char *text;
    size_t len, pos;
    token next;             /* the lookahead */
    unsigned depth;
    char *err;
    size_t errlen;
    bool failed;
} parser;

static bool
fail (parser *P, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static bool
fail (parser *P, const char *fmt, ...)
{
    if (P->failed)
        return false;
    P->failed = true;
    if (P->err && P->errlen) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (P->err, P->errlen, fmt, ap);
        va_end (ap);
    }
    return false;
}

static bool
is_space (char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool
bare_is (const token *t, const char *word)
{
    return t->len == strlen (word) && memcmp (t->text, word, t->len) == 0;
}

/* Reads the next token into P->next. */
static bool
lex (parser *P)
{
    while (P->pos < P->len && is_space (P->text[P->pos]))
        P->pos++;
    token *t = &P->next;
    *t = (token) { .type = T_END, .column = P->pos + 1 };
    if (P->pos >= P->len)
        return true;
    char c = P->text[P->pos];
    if (c == '(' || c == ')') {
        t->type = c == '(' ? T_LPAREN : T_RPAREN;
        t->text = P->text + P->pos++;
        t->len = 1;
        return true;
    }
    if (c == '\'' || c == '"') {
        const char *close = memchr (P->text + P->pos + 1, c, P->len - P->pos - 1);
        if (!close)
            return fail (P, "the quote at column %zu is never closed", t->column);
        t->type = T_PATTERN;
        t->text = P->text + P->pos + 1;
        t->len = (size_t) (close - t->text);
        P->pos = (size_t) (close - P->text) + 1;
        if (t->len == 0)
            return fail (P, "empty pattern at column %zu (it would match every test)",
                         t->column);
        return true;
    }
    size_t start = P->pos;
    while (P->pos < P->len && !is_space (P->text[P->pos]) && P->text[P->pos] != '('
           && P->text[P->pos] != ')')
        P->pos++;
    t->type = T_PATTERN;
    t->text = P->text + start;
    t->len = P->pos - start;
    if (bare_is (t, "and"))
        t->type = T_AND;
    else if (bare_is (t, "or"))
        t->type = T_OR;
    else if (bare_is (t, "not"))
        t->type = T_NOT;
    return true;
}

/* What a message calls a token: 'and', ')', 'pattern' (escaped, cut). */
static char *
shown (const token *t)
{
    if (t->type == T_END)
        return fo_xstrdup ("the end");
    fo_buf out = { 0 };
    fo_buf_puts (&out, "'");
    fo_name_escape (&out, t->text, t->len, 60);
    fo_buf_puts (&out, "'");
    return fo_buf_steal (&out);
}

static node *parse_or (parser *P);

static node *
parse_factor (parser *P)
{
    token t = P->next;
    if (t.type == T_NOT || t.type == T_LPAREN) {
        if (++P->depth > FO_KEXPR_MAX_DEPTH) {
            fail (P, "parentheses and 'not' nest deeper than %u at column %zu",
                  FO_KEXPR_MAX_DEPTH, t.column);
            return NULL;
        }
        if (!lex (P))
            return NULL;
        node *n = NULL;
        if (t.type == T_NOT) {
            node *kid = parse_factor (P);
            if (kid) {
                n = node_new (K_NOT);
                node_add (n, kid);
            }
        } else {
            n = parse_or (P);
            if (n && P->next.type != T_RPAREN) {
                char *what = shown (&P->next);
                fail (P, "the '(' at column %zu is never closed (found %s at column %zu)",
                      t.column, what, P->next.column);
                free (what);
                node_free (n);
                n = NULL;
            } else if (n && !lex (P)) {
                node_free (n);
                n = NULL;
            }
        }
        P->depth--;
        return n;
    }
    if (t.type == T_PATTERN) {
        if (memchr (t.text, '\0', t.len)) {
            fail (P, "the expression must not contain a NUL byte");
            return NULL;
        }
        node *n = node_new (K_PATTERN);
        n->pattern = fo_xstrndup (t.text, t.len);
        if (!lex (P)) {
            node_free (n);
            return NULL;
        }
        return n;
    }
    char *what = shown (&t);
    if (t.type == T_END)
        fail (P, "a pattern is missing at the end");
    else
        fail (P, "expected a pattern, 'not' or '(' at column %zu, found %s", t.column, what);
    free (what);
    return NULL;
}

/* A chain of factors (op T_AND) or of terms (op T_OR): one n-ary node. */
static node *
parse_chain (parser *P, token_type op, kind k, node *(*sub) (parser *))
{
    node *first = sub (P);
    if (!first || P->next.type != op)
        return first;
    node *n = node_new (k);
    node_add (n, first);
    while (P->next.type == op) {
        if (!lex (P)) {
            node_free (n);
            return NULL;
        }
        node *kid = sub (P);
        if (!kid) {
            node_free (n);
            return NULL;
        }
        node_add (n, kid);
    }
    return n;
}

static node *
parse_and (parser *P)
{
    return parse_chain (P, T_AND, K_AND, parse_factor);
}

static node *
parse_or (parser *P)
{
    return parse_chain (P, T_OR, K_OR, parse_and);
}

fo_kexpr *
fo_kexpr_parse (const char *text, size_t len, char *err, size_t errlen)
{
    parser P = { .text = text, .len = len, .err = err, .errlen = errlen };
    if (len > FO_KEXPR_MAX_TEXT) {
        fail (&P, "the expression is %zu bytes long (at most %u)", len, FO_KEXPR_MAX_TEXT);
        return NULL;
    }
    if (memchr (text, '\0', len)) {
        fail (&P, "the expression must not contain a NUL byte");
        return NULL;
    }
    if (!lex (&P))
        return NULL;
    if (P.next.type == T_END) {
        fail (&P, "the expression is empty");
        return NULL;
    }
    node *root = parse_or (&P);
    if (root && P.next.type != T_END) {
        char *what = shown (&P.next);
        if (P.next.type == T_RPAREN)
            fail (&P, "unbalanced ')' at column %zu", P.next.column);
        else
            fail (&P, "expected 'and', 'or' or the end at column %zu, found %s", P.next.column,
                  what);
        free (what);
        node_free (root);
        root = NULL;
    }
    if (!root)
        return NULL;
    fo_kexpr *self = fo_xcalloc (1, sizeof *self);
    self->root = root;
    return self;
}
