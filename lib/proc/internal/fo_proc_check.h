/*  fo_proc_check — private to fo_proc: checks, once a spawn has failed,
    whether the program can be run in the directory, so that "no such
    program" and "no such directory" are reported as such and not as exit
    status 127.

    Only the PATH search and stat/access calls: cheap enough for the spawn
    hot path, and no state, so safe from any thread.
*/
#ifndef FO_PROC_CHECK_H
#define FO_PROC_CHECK_H

#include <stddef.h>

/*  0 when prog (PATH lookup like posix_spawnp when it has no '/', relative
    paths taken from cwd) can be executed in cwd (NULL or "" = ours).
    Otherwise the errno value that says why (ENOENT, EACCES, ...), and err
    says it in words, e.g.
    "cannot run 'foo': No such file or directory" or
    "cannot change to directory '/x': No such file or directory". */
int fo_proc_check_runnable (const char *prog, const char *cwd, char *err, size_t errlen);

#endif
