/*  fo_reaper — see fo_reaper.h. */
#include "fo_reaper.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fo_proc_scan.h"
#include "fo_util.h"

/* Long enough for any token fanout makes; a longer one cannot match. */
#define TOKEN_MAX 512

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Held for reading across a spawn and its tracking (fo_reaper_lock), for
   writing by a pass: spawns on several threads (fo_spawner.h) overlap,
   and a pass never sees a child of ours that is not tracked yet. Writers
   first, so that a steady stream of spawns cannot hold a pass off. */
static pthread_rwlock_t spawning = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static pid_t *tracked;          /* fo_proc's live children, under lock */
static size_t ntracked, tracked_cap;

static pid_t newest_spawn;      /* the last pid tracked, under lock */

static pthread_once_t base_once = PTHREAD_ONCE_INIT;
static char base[64];

static atomic_bool children_owned;

bool
fo_reaper_own_children (void)
{
    struct sigaction old;
    if (sigaction (SIGCHLD, NULL, &old) != 0)
        return false;
    bool ignored = old.sa_handler == SIG_IGN || (old.sa_flags & SA_NOCLDWAIT);
    if (ignored) {
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigemptyset (&dfl.sa_mask);
        if (sigaction (SIGCHLD, &dfl, NULL) != 0)
            return false;
    }
    atomic_store (&children_owned, true);
    return ignored;
}

bool
fo_reaper_children_owned (void)
{
    return atomic_load (&children_owned);
}

int
fo_reaper_become_subreaper (void)
{
    return prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -1;
}

static void
make_base (void)
{
    uint32_t r = 0;
    if (getrandom (&r, sizeof r, GRND_NONBLOCK) != (ssize_t) sizeof r)
        r = (uint32_t) fo_now_us ();
    snprintf (base, sizeof base, "fanout-%d-%08x", (int) getpid (), (unsigned) r);
}

const char *
fo_reaper_base (void)
{
    pthread_once (&base_once, make_base);
    return base;
}

void
fo_reaper_lock (void)
{
    pthread_rwlock_rdlock (&spawning);
}

void
fo_reaper_unlock (void)
{
    pthread_rwlock_unlock (&spawning);
}

void
fo_reaper_track (pid_t pid)
{
    pthread_mutex_lock (&lock);
    if (ntracked == tracked_cap) {
        tracked_cap = tracked_cap ? tracked_cap * 2 : 64;
        tracked = fo_xrealloc (tracked, tracked_cap * sizeof *tracked);
    }
    tracked[ntracked++] = pid;
    newest_spawn = pid;
    pthread_mutex_unlock (&lock);
}

pid_t
fo_reaper_mark (void)
{
    pthread_mutex_lock (&lock);
    pid_t mark = newest_spawn;
    pthread_mutex_unlock (&lock);
    return mark > 0 ? mark : fo_proc_scan_last_pid ();
}

void
fo_reaper_untrack (pid_t pid)
{
    pthread_mutex_lock (&lock);
    for (size_t i = 0; i < ntracked; i++)
        if (tracked[i] == pid) {
            tracked[i] = tracked[--ntracked];
            break;
        }
    if (ntracked == 0) {
        /* Do not keep the array for the life of the process (leak checks
           at exit see none, and an idle agent holds nothing). */
        free (tracked);
        tracked = NULL;
        tracked_cap = 0;
    }
    pthread_mutex_unlock (&lock);
}

static bool
is_tracked (pid_t pid)
{
    for (size_t i = 0; i < ntracked; i++)
        if (tracked[i] == pid)
            return true;
    return false;
}

static void
kill_tree_root (const fo_proc_info *info)
{
    if (info->pgid == info->pid)
        kill (-info->pid, SIGKILL);     /* a group leader: its group too */
    kill (info->pid, SIGKILL);
}

typedef struct {
    pid_t self;
    const char *const *prefixes;
    size_t nprefixes;
    size_t *hits;
    fo_reaper_counts counts;
} pass_ctx;

/* Our own children are fo_proc's: not even read. */
static bool
skip_tracked (void *arg, pid_t pid)
{
    (void) arg;
    return is_tracked (pid);
}

static int
pass_one (void *arg, const fo_proc_info *info)
{
    pass_ctx *ctx = arg;
    if (info->ppid != ctx->self || is_tracked (info->pid))
        return 0;
    if (info->state == 'Z') {
        if (waitpid (info->pid, NULL, WNOHANG) == info->pid)
            ctx->counts.reaped++;
        return 0;
    }
    bool kill_it = ctx->prefixes == NULL;
    if (!kill_it) {
        char token[TOKEN_MAX];
        if (fo_proc_scan_token (info->pid, token, sizeof token) < 0) {
            ctx->counts.unknown++;
            return 0;
        }
        for (size_t i = 0; i < ctx->nprefixes; i++)
            if (fo_token_matches (token, ctx->prefixes[i])) {
                kill_it = true;
                if (ctx->hits)
                    ctx->hits[i]++;
            }
    }
    if (kill_it) {
        kill_tree_root (info);
        ctx->counts.killed++;
    }
    return 0;
}

fo_reaper_counts
fo_reaper_pass_after (pid_t after, const char *const *prefixes, size_t nprefixes, size_t *hits)
{
    pass_ctx ctx = { .self = getpid (), .prefixes = prefixes, .nprefixes = nprefixes,
                     .hits = hits };
    fo_pid_window window;
    /* Taken before the scan: what is started after it is seen next time. */
    bool windowed = after > 0 && fo_proc_scan_window (after, &window);
    pthread_rwlock_wrlock (&spawning);
    pthread_mutex_lock (&lock);
    /* Only our children matter (pass_one): without a window, they are
       listed from our threads' children files rather than found among
       every process of the host; all of them are read only where the
       kernel cannot list them (pass_one may then see a child twice,
       a second kill is harmless, though counted twice). */
    if (windowed || fo_proc_scan_children (pass_one, &ctx) != 0)
        fo_proc_scan_some_but (windowed ? &window : NULL, skip_tracked, pass_one, &ctx);
    pthread_mutex_unlock (&lock);
    pthread_rwlock_unlock (&spawning);
    return ctx.counts;
}

fo_reaper_counts
fo_reaper_pass (const char *const *prefixes, size_t nprefixes, size_t *hits)
{
    return fo_reaper_pass_after (0, prefixes, nprefixes, hits);
}

static void
sleep_ms (long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
        ;
}

size_t
fo_reaper_kill_all (const char *prefix, uint32_t max_ms)
{
    uint64_t until = fo_now_ms () + max_ms;
    size_t killed = 0;
    for (;;) {
        fo_reaper_counts c = fo_reaper_pass (prefix ? &prefix : NULL, prefix ? 1 : 0, NULL);
        killed += c.killed;
        if (c.killed == 0 && c.reaped == 0 && c.unknown == 0)
            break;
        if (fo_now_ms () >= until)
            break;
        sleep_ms (2);
    }
    return killed;
}

/* ---- the emergency exit ------------------------------------------------ */

typedef struct {
    pid_t self;
    pid_t spare;
    size_t alive;       /* children not dead yet (zombies are dead) */
    size_t killed;
} emergency_ctx;

static int
emergency_one (void *arg, const fo_proc_info *info)
{
    emergency_ctx *ctx = arg;
    if (info->ppid != ctx->self || info->pid == ctx->spare)
        return 0;
    if (info->state == 'Z' || info->state == 'X')
        return 0;
    ctx->alive++;
    kill_tree_root (info);
    ctx->killed++;
    return 0;
}

/*  Reaps nothing: a zombie's pid cannot be reused, so whoever owns it can
    still signal its process group safely (fo_proc kills the group of its
    child before reaping it), and an untracked one is reaped by the next
    sweep. (This once reaped with waitpid(-1), and an fo_proc whose child
    it had reaped then signalled a process group id that might have been
    reused.) Dead is dead enough: a child's own children are re-parented
    to us before it becomes a zombie, so once every child is a zombie,
    nothing of ours runs any more. */
size_t
fo_reaper_emergency (pid_t spare)
{
    emergency_ctx ctx = { .self = getpid (), .spare = spare };
    for (int round = 0; round < 200; round++) {
        ctx.alive = 0;
        int rc = fo_proc_scan_children (emergency_one, &ctx);
        if (rc != 0) {
            ctx.alive = 0;      /* counted again by the whole scan */
            rc = fo_proc_scan_all (emergency_one, &ctx);
        }
        if (rc != 0 || ctx.alive == 0)
            break;
        sleep_ms (10);
    }
    return ctx.killed;
}
