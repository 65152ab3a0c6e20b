/*  fo_watchdog — see fo_watchdog.h. The child side uses only
    async-signal-safe calls: the parent may have threads when it forks. */
#include "fo_watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fo_proc_scan.h"

#define TOKEN_MAX 512
#define MAX_ROUNDS 500          /* x 10 ms: gives up after about 5 s */

typedef struct {
    const char *prefix;
    pid_t self;
    size_t found;
    size_t unsure;      /* running with an empty environment: inside execve? */
} sweep_ctx;

static int
kill_matching (void *arg, const fo_proc_info *info)
{
    sweep_ctx *ctx = arg;
    if (info->pid == ctx->self || info->state == 'Z')
        return 0;
    char token[TOKEN_MAX];
    ssize_t len = fo_proc_scan_token (info->pid, token, sizeof token);
    if (len == -2 && (info->state == 'R' || info->state == 'D') && info->ppid != 2
        && info->pid != 2) {
        /* Perhaps a test's child that fanout's last moments spawned, still
           inside execve (its token not visible yet): look again. Kernel
           threads (children of kthreadd) and sleeping processes that run
           with no environment are not waited for. */
        ctx->unsure++;
        return 0;
    }
    if (len < 0 || !fo_token_matches (token, ctx->prefix))
        return 0;
    if (info->pgid == info->pid)
        kill (-info->pid, SIGKILL);
    kill (info->pid, SIGKILL);
    ctx->found++;
    return 0;
}

static void
close_other_fds (int keep)
{
    /* close_range would do, but needs a new enough glibc and kernel; the
       fallback is a loop over what /proc/self/fd could hold. */
    long max = sysconf (_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    if ((keep <= 3 || syscall (SYS_close_range, 3u, (unsigned) keep - 1, 0u) == 0)
        && syscall (SYS_close_range, (unsigned) keep + 1, ~0u, 0u) == 0)
        return;
    for (int fd = 3; fd < max; fd++)
        if (fd != keep)
            close (fd);
}

static void __attribute__ ((noreturn))
guard (int fd, const char *prefix)
{
    if (fd <= 2) {
        /* fanout was started with a standard descriptor closed: move the
           pipe out of the way of the /dev/null ones below. */
        int moved = fcntl (fd, F_DUPFD_CLOEXEC, 3);
        if (moved >= 0)
            fd = moved;
    }
    setsid ();
    prctl (PR_SET_NAME, "fanout-watchdog", 0, 0, 0);
    struct sigaction ign;
    memset (&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction (SIGINT, &ign, NULL);
    sigaction (SIGTERM, &ign, NULL);
    sigaction (SIGHUP, &ign, NULL);
    sigaction (SIGPIPE, &ign, NULL);
    sigaction (SIGQUIT, &ign, NULL);
    int null = open ("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2 (null, 0);
        dup2 (null, 1);
        dup2 (null, 2);
        if (null > 2)
            close (null);
    }
    close_other_fds (fd);

    /* Nothing is ever written: wait for end of file. */
    for (;;) {
        char byte;
        ssize_t n = read (fd, &byte, 1);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    close (fd);

    sweep_ctx ctx = { .prefix = prefix, .self = getpid () };
    for (int round = 0; round < MAX_ROUNDS; round++) {
        ctx.found = ctx.unsure = 0;
        if (fo_proc_scan_all (kill_matching, &ctx) != 0 || (ctx.found == 0 && ctx.unsure == 0))
            break;
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep (&ts, NULL);
    }
    _exit (0);
}

pid_t
fo_watchdog_start (const char *prefix)
{
    int fds[2];
    if (pipe2 (fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork ();
    if (pid < 0) {
        int saved = errno;
        close (fds[0]);
        close (fds[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close (fds[1]);
        guard (fds[0], prefix);
    }
    close (fds[0]);
    /* fds[1] stays open, unused, until this process ends: its closing is
       the signal. It is close-on-exec, so no test inherits it. */
    return pid;
}
