/*  fo_agent_outputs — see fo_agent_outputs.h. */
#include "fo_agent_outputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_log.h"
#include "fo_workspace.h"

#define ROLE "agent"

typedef struct {
    uint64_t lease;
    uint32_t limit;
    size_t nsteps;
} lease_rec;

struct fo_agent_outputs {
    char *dir;
    lease_rec *leases;
    size_t len, cap;
};

fo_agent_outputs *
fo_agent_outputs_new (const char *dir)
{
    fo_agent_outputs *self = fo_xcalloc (1, sizeof *self);
    self->dir = fo_xstrdup (dir);
    fo_workspace_remove (dir);
    return self;
}

fo_agent_outputs *
fo_agent_outputs_open (const char *cache_dir, const char *agent_id)
{
    char *name = fo_workspace_name (agent_id), *dir;
    if (cache_dir) {
        char *parent = fo_xasprintf ("%s/outputs", cache_dir);
        mkdir (parent, 0755);
        dir = fo_xasprintf ("%s/%s", parent, name);
        free (parent);
    } else {
        const char *tmp = getenv ("TMPDIR");
        dir = fo_xasprintf ("%s/fanout-outputs-%s", tmp && *tmp ? tmp : "/tmp", name);
    }
    fo_agent_outputs *self = fo_agent_outputs_new (dir);
    free (dir);
    free (name);
    return self;
}

void
fo_agent_outputs_destroy (fo_agent_outputs **self_p)
{
    fo_agent_outputs *self = *self_p;
    if (!self)
        return;
    fo_workspace_remove (self->dir);
    free (self->dir);
    free (self->leases);
    free (self);
    *self_p = NULL;
}

static char *
step_dir (const fo_agent_outputs *self, uint64_t lease, size_t step)
{
    return fo_xasprintf ("%s/%llu.%zu", self->dir, (unsigned long long) lease, step);
}

static lease_rec *
find (fo_agent_outputs *self, uint64_t lease)
{
    for (size_t i = 0; i < self->len; i++)
        if (self->leases[i].lease == lease)
            return &self->leases[i];
    return NULL;
}

void
fo_agent_outputs_prepare (fo_agent_outputs *self, fo_lease *lease)
{
    if (lease->outputs == 0)
        return;
    if (mkdir (self->dir, 0755) != 0 && errno != EEXIST) {
        fo_log (FO_LOG_WARN, ROLE, "cannot create %s: %s; lease %llu sends no outputs",
                self->dir, strerror (errno), (unsigned long long) lease->lease);
        return;
    }
    for (size_t i = 0; i < lease->nsteps; i++) {
        if (lease->steps[i].kind != FO_STEP_TEST)
            continue;
        char *dir = step_dir (self, lease->lease, i);
        if (mkdir (dir, 0755) == 0 || errno == EEXIST)
            fo_env_set (&lease->steps[i].env, "FANOUT_OUTPUT_DIR", dir);
        free (dir);
    }
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 8;
        self->leases = fo_xrealloc (self->leases, self->cap * sizeof *self->leases);
    }
    self->leases[self->len++] = (lease_rec) { lease->lease, lease->outputs, lease->nsteps };
}

typedef struct {
    fo_output_send_fn *send;
    void *arg;
    uint64_t lease;
    uint32_t step;
    uint64_t left;      /* bytes the test may still send */
    char *buf;
} walk;

static void
send_file (walk *w, const char *path, const char *rel, uint64_t size)
{
    if (!fo_relative_path_ok (rel))
        return;
    if (size > w->left) {
        fo_log (FO_LOG_WARN, ROLE, "output %s of lease %llu not sent: %llu bytes, past what a "
                "test may send back", rel, (unsigned long long) w->lease, (unsigned long long) size);
        return;
    }
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    fo_output piece = { .lease = w->lease, .step = w->step, .path = (char *) rel, .size = size };
    do {
        size_t want = size - piece.offset < FO_AGENT_OUTPUT_PIECE ? (size_t) (size - piece.offset)
                                                                  : FO_AGENT_OUTPUT_PIECE;
        ssize_t n = want ? pread (fd, w->buf, want, (off_t) piece.offset) : 0;
        if (n < 0 || (size_t) n != want)
            break;      /* it changed under us: what was sent stays */
        piece.data = w->buf;
        piece.data_len = want;
        w->send (w->arg, &piece);
        piece.offset += want;
    } while (piece.offset < size);
    close (fd);
    w->left -= size;
}

static void
walk_dir (walk *w, const char *dir, const char *rel, unsigned depth)
{
    DIR *d = depth < 64 ? opendir (dir) : NULL;
    struct dirent *de;
    while (d && (de = readdir (d)) != NULL) {
        if (!strcmp (de->d_name, ".") || !strcmp (de->d_name, ".."))
            continue;
        char *path = fo_xasprintf ("%s/%s", dir, de->d_name);
        char *r = *rel ? fo_xasprintf ("%s/%s", rel, de->d_name) : fo_xstrdup (de->d_name);
        struct stat st;
        if (lstat (path, &st) == 0) {
            if (S_ISDIR (st.st_mode))
                walk_dir (w, path, r, depth + 1);
            else if (S_ISREG (st.st_mode))
                send_file (w, path, r, (uint64_t) st.st_size);
        }
        free (path);
        free (r);
    }
    if (d)
        closedir (d);
}

void
fo_agent_outputs_collect (fo_agent_outputs *self, uint64_t lease, uint32_t step,
                          fo_output_send_fn *send, void *arg)
{
    lease_rec *rec = find (self, lease);
    if (!rec)
        return;
    char *dir = step_dir (self, lease, step);
    struct stat st;
    if (lstat (dir, &st) == 0 && S_ISDIR (st.st_mode)) {
        walk w = { send, arg, lease, step, rec->limit, fo_xmalloc (FO_AGENT_OUTPUT_PIECE) };
        walk_dir (&w, dir, "", 0);
        free (w.buf);
        fo_workspace_remove (dir);
    }
    free (dir);
}

void
fo_agent_outputs_done (fo_agent_outputs *self, uint64_t lease)
{
    lease_rec *rec = find (self, lease);
    if (!rec)
        return;
    for (size_t i = 0; i < rec->nsteps; i++) {
        char *dir = step_dir (self, lease, i);
        fo_workspace_remove (dir);
        free (dir);
    }
    *rec = self->leases[--self->len];
}
