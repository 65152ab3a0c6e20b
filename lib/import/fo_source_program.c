/*  fo_source_program — see fo_source_program.h. */
#include "fo_source_program.h"

#include <string.h>

void
fo_source_program_argv (const char *item, fo_strv *argv)
{
    /* Characters that make a shell do more than run one program. */
    if (strpbrk (item, " \t\n|&;<>()$`\\\"'*?[]#~=%{}!")) {
        fo_strv_push (argv, "/bin/sh");
        fo_strv_push (argv, "-c");
    }
    fo_strv_push (argv, item);
}

int
fo_source_program (const fo_source_item *at, fo_reader reader, const fo_env *env, char *err,
                   size_t errlen)
{
    fo_context *ctx = fo_source_context (at, at->item, 0, err, errlen);
    if (!ctx)
        return -1;
    fo_strv argv = { 0 };
    fo_source_program_argv (at->item, &argv);
    fo_test *test = fo_source_test (ctx, FO_SOURCE_PROGRAM_TEST, &argv, reader, err, errlen);
    fo_strv_free (&argv);
    if (!test)
        return -1;
    if (env)
        fo_env_merge (fo_test_env_own (test), env);
    return 0;
}
