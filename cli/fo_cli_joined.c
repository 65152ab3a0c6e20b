/*  fo_cli_joined — see fo_cli_joined.h. */
#include "fo_cli_joined.h"

#include <stdio.h>
#include <string.h>

bool
fo_cli_joined_program (const fo_test *test)
{
    return test->reader == FO_READER_TAP || test->reader == FO_READER_CMOCKA;
}

static size_t
walk (const fo_context *ctx, fo_buf *names, size_t max, size_t found)
{
    for (size_t i = 0; i < ctx->ntests; i++)
        if (fo_cli_joined_program (ctx->tests[i])) {
            if (names && found < max)
                fo_buf_printf (names, "%s%s", found ? ", " : "", ctx->id);
            else if (names && found == max)
                fo_buf_puts (names, ", ...");
            found++;
        }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        found = walk (ctx->contexts[i], names, max, found);
    return found;
}

size_t
fo_cli_joined_programs (const fo_context *ctx, fo_buf *names, size_t max)
{
    return walk (ctx, names, max, 0);
}

static const fo_test *
program_above (const fo_context *ctx, const char *id)
{
    size_t n = strlen (ctx->id);
    if (*ctx->id && (strncmp (id, ctx->id, n) != 0 || id[n] != '/'))
        return NULL;
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        const fo_test *t = program_above (ctx->contexts[i], id);
        if (t)
            return t;
    }
    for (size_t i = 0; i < ctx->ntests; i++)
        if (*ctx->id && fo_cli_joined_program (ctx->tests[i]))
            return ctx->tests[i];
    return NULL;
}

bool
fo_cli_joined_hint (const fo_context *root, const char *id, char *hint, size_t hintlen)
{
    const fo_test *t = program_above (root, id);
    if (!t || !strcmp (t->id, id))
        return false;       /* the program's own test is one to choose */
    snprintf (hint, hintlen, "'%s' would be a %s of the %s program '%s': it is a test only "
              "once the program runs, and cannot be chosen alone; choose the program: "
              "--test '%s'", id, t->reader == FO_READER_TAP ? "test point" : "test",
              t->reader == FO_READER_TAP ? "TAP" : "cmocka", t->parent->id, t->parent->id);
    return true;
}
