/*  fo_proc_check — can this command be started here?

    A missing program or a bad cwd must be an error of its own, never an
    exit status 127 that looks like a test failing. fo_spawn's child
    reports its errno and the stage that failed; these checks then run in
    the parent to word the common cases (only then: a test that starts
    pays nothing for them).
    They mirror what the child will do: chdir first, then the PATH search.
*/
#include "fo_proc_check.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*  0 when path can be executed, else an errno like execve would give. */
static int
check_exec (const char *path)
{
    if (access (path, X_OK) != 0)
        return errno;
    struct stat st;
    if (stat (path, &st) != 0)
        return errno;
    return S_ISREG (st.st_mode) ? 0 : EACCES;
}

/*  Joins dir and name into buf; relative dirs are taken from cwd, as the
    child resolves them after its chdir. false when it does not fit. */
static bool
join_path (char *buf, size_t size, const char *cwd, const char *dir, size_t dirlen,
           const char *name)
{
    int n;
    if (dir[0] != '/' && cwd && *cwd)
        n = snprintf (buf, size, "%s/%.*s/%s", cwd, (int) dirlen, dir, name);
    else
        n = snprintf (buf, size, "%.*s/%s", (int) dirlen, dir, name);
    return n > 0 && (size_t) n < size;
}

/*  Same search as posix_spawnp: the parent's PATH (default /bin:/usr/bin),
    an empty entry meaning the current directory. EACCES wins over ENOENT
    when some candidate existed but was not executable. */
static int
check_program (const char *prog, const char *cwd)
{
    char path[PATH_MAX];
    if (*prog == '\0')
        return ENOENT;
    if (strchr (prog, '/')) {
        if (prog[0] == '/' || !cwd || !*cwd)
            return check_exec (prog);
        if (!join_path (path, sizeof path, cwd, ".", 1, prog))
            return ENAMETOOLONG;
        return check_exec (path);
    }
    const char *search = getenv ("PATH");
    if (!search)
        search = "/bin:/usr/bin";
    int result = ENOENT;
    for (const char *p = search;; ) {
        const char *end = strchrnul (p, ':');
        const char *dir = end == p ? "." : p;
        size_t dirlen = end == p ? 1 : (size_t) (end - p);
        if (join_path (path, sizeof path, cwd, dir, dirlen, prog)) {
            int rc = check_exec (path);
            if (rc == 0)
                return 0;
            if (rc == EACCES)
                result = EACCES;
        }
        if (*end == '\0')
            break;
        p = end + 1;
    }
    return result;
}

static int
check_cwd (const char *cwd)
{
    struct stat st;
    if (stat (cwd, &st) != 0)
        return errno;
    if (!S_ISDIR (st.st_mode))
        return ENOTDIR;
    return access (cwd, X_OK) == 0 ? 0 : errno;
}

int
fo_proc_check_runnable (const char *prog, const char *cwd, char *err, size_t errlen)
{
    int rc;
    if (cwd && *cwd && (rc = check_cwd (cwd)) != 0) {
        snprintf (err, errlen, "cannot change to directory '%s': %s", cwd, strerror (rc));
        return rc;
    }
    if ((rc = check_program (prog, cwd)) != 0) {
        snprintf (err, errlen, "cannot run '%s': %s", prog, strerror (rc));
        return rc;
    }
    return 0;
}
