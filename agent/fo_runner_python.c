/*  fo_runner_python — see fo_runner_python.h. The pipe protocol is in
    docs/python-workers.md; python/fanout_nose/worker.py is its other end. */
#include "fo_runner_python.h"

#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_log.h"
#include "fo_python_dir.h"
#include "fo_reaper.h"
#include "fo_runner_process.h"

#define PROTOCOL 1

typedef struct {
    char *token;                /* the worker's own */
    fo_python_worker_options options;
    fo_runner *process;         /* every step that is not Python's */
    bool in_process;            /* the current step is the process runner's */
    char *helper;               /* this agent's helper, or NULL */

    /* the worker */
    char dir[64];               /* its FIFOs; "" until made */
    int req_fd, rep_fd;         /* to it (O_RDWR: open never blocks), from it */
    fo_proc *worker;
    char *interpreter;          /* what it runs on */
    bool hello;                 /* it said hello: it started well */
    uint32_t start_deaths;      /* deaths before hello, in a row */
    uint32_t tasks;             /* tasks begun on this worker */
    uint64_t rss_kb;            /* after its last step */
    uint64_t kept;              /* split contexts it keeps set up (its last answer) */
    bool retiring;              /* asked to end: its stderr goes to `retired` */
    fo_buf retired;             /* what a retiring worker wrote on stderr */
    char *scope;                /* the task of the last step (its token's scope) */
    bool loop_tried;            /* a crash loop's one try for this task made */
    fo_buf in;                  /* bytes read from it, not yet a frame */
    fo_buf pending;             /* bytes of the request not yet written */

    /* the step */
    bool active, done;
    uint64_t start_us, timeout_at_us;
    bool killing;               /* we are killing the worker for this step */
    fo_proc_status status;
    fo_capture out, err;
    fo_output_fn *on_output;
    void *output_arg;
} python_runner;

/* ---- the worker --------------------------------------------------------- */

static void
route_output (void *arg, int stream, const char *data, size_t len)
{
    python_runner *self = arg;
    if (self->retiring && stream == 2 && self->retired.len < 65536)
        fo_buf_append (&self->retired, data, len);
    if (!self->active || self->done)
        return;         /* between steps: nobody's */
    fo_capture_append (stream == 2 ? &self->err : &self->out, data, len);
    if (self->on_output)
        self->on_output (self->output_arg, stream, data, len);
}

static int
make_fifos (python_runner *self, char *err, size_t errlen)
{
    if (self->dir[0])
        return 0;
    const char *tmp = getenv ("TMPDIR");
    snprintf (self->dir, sizeof self->dir, "%s/fanout-py-XXXXXX",
              tmp && *tmp && strlen (tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp (self->dir)) {
        self->dir[0] = '\0';
        return fo_err (err, errlen, "cannot make the Python worker's folder: %s",
                       strerror (errno));
    }
    char *in = fo_xasprintf ("%s/in", self->dir), *out = fo_xasprintf ("%s/out", self->dir);
    int rc = 0;
    if (mkfifo (in, 0600) != 0 || mkfifo (out, 0600) != 0
        || (self->req_fd = open (in, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0
        || (self->rep_fd = open (out, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
        rc = fo_err (err, errlen, "cannot make the Python worker's pipes: %s", strerror (errno));
    free (in);
    free (out);
    return rc;
}

static void
drop_worker (python_runner *self)
{
    fo_proc_destroy (&self->worker);
    fo_buf_reset (&self->in);
    fo_buf_reset (&self->pending);
    /* A dead worker's unread answers must not answer the next one's steps. */
    char buf[4096];
    while (self->rep_fd >= 0 && read (self->rep_fd, buf, sizeof buf) > 0)
        ;
    while (self->req_fd >= 0 && read (self->req_fd, buf, sizeof buf) > 0)
        ;
    self->hello = false;
    self->tasks = 0;
    self->rss_kb = 0;
    self->kept = 0;
}

static void flush_request (python_runner *self);

/* A worker that is well and keeps split contexts set up (docs/python-
   workers.md) is asked to end, so that it runs their teardowns, as nose's
   worker processes did at their end: `end`, then up to grace_ms for it to
   exit (the agent's loop waits: a teardown is short, and only such a
   worker is waited for); a teardown that failed is logged. Any other
   worker, or one past the grace, is killed. */
static void
retire_worker (python_runner *self, uint32_t grace_ms)
{
    if (self->worker && self->hello && self->kept > 0 && !self->killing
        && !fo_proc_finished (self->worker)) {
        /* {"v": 1, "type": "end"} */
        static const char end[] = "\x82\xa1" "v\x01\xa4" "type\xa3" "end";
        unsigned char len[4] = { 0, 0, 0, sizeof end - 1 };
        fo_buf_append (&self->pending, len, 4);
        fo_buf_append (&self->pending, end, sizeof end - 1);
        self->retiring = true;
        fo_buf_reset (&self->retired);
        uint64_t until = fo_now_ms () + grace_ms;
        while (!fo_proc_service (self->worker) && fo_now_ms () < until) {
            flush_request (self);
            struct pollfd p[3];
            int fds[3];
            int n = fo_proc_pollfds (self->worker, fds);
            for (int i = 0; i < n; i++)
                p[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
            poll (p, (nfds_t) n, 50);
        }
        const fo_proc_status *st = fo_proc_finished (self->worker)
            ? fo_proc_status_get (self->worker) : NULL;
        if (!st)
            fo_log (FO_LOG_WARN, "agent", "python worker: the teardowns of the split contexts it "
                    "kept set up took more than %u ms: killed", grace_ms);
        else if (!st->exited || st->exit_code != 0)
            fo_log (FO_LOG_WARN, "agent", "python worker: %.*s", (int) self->retired.len,
                    self->retired.data ? self->retired.data : "a teardown failed");
        self->retiring = false;
        fo_buf_reset (&self->retired);
    }
    drop_worker (self);
}

static int
start_worker (python_runner *self, const fo_strv *argv, fo_start_error *error)
{
    if (make_fifos (self, error->message, sizeof error->message) != 0)
        return -1;
    char *in = fo_xasprintf ("%s/in", self->dir), *out = fo_xasprintf ("%s/out", self->dir);
    fo_env env = { 0 };
    fo_env_set (&env, "FANOUT_WORKER_IN", in);
    fo_env_set (&env, "FANOUT_WORKER_OUT", out);
    fo_strv wargv = { 0 };
    fo_strv_push (&wargv, argv->items[0]);
    fo_strv_push (&wargv, self->helper ? self->helper : argv->items[1]);
    fo_strv_push (&wargv, "worker");
    fo_proc_spec spec = {
        .argv = &wargv,
        .env = &env,
        .output_cap = 64,               /* the steps' captures keep the output */
        .token = self->token,           /* its own scope: no step's token matches it */
        .on_output = route_output,
        .output_arg = self,
    };
    self->worker = fo_proc_start (&spec, error->message, sizeof error->message);
    if (!self->worker) {
        error->errnum = errno;
        error->resources = fo_proc_resource_error (errno);
    }
    else {
        free (self->interpreter);
        self->interpreter = fo_xstrdup (argv->items[0]);
    }
    fo_strv_free (&wargv);
    fo_env_free (&env);
    free (in);
    free (out);
    return self->worker ? 0 : -1;
}

/* ---- frames: a 4-byte big-endian length, then one msgpack map ---------- */

static void
put_str (msgpack_packer *pk, const char *s)
{
    size_t len = strlen (s);
    msgpack_pack_str (pk, len);
    msgpack_pack_str_body (pk, s, len);
}

static void
frame_request (python_runner *self, const fo_runner_step *rs)
{
    const fo_step *step = rs->step;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init (&sb);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7);
    put_str (&pk, "v");
    msgpack_pack_unsigned_int (&pk, PROTOCOL);
    put_str (&pk, "type");
    put_str (&pk, "step");
    put_str (&pk, "argv");
    msgpack_pack_array (&pk, step->argv.len - 2);
    for (size_t i = 2; i < step->argv.len; i++)
        put_str (&pk, step->argv.items[i]);
    put_str (&pk, "cwd");
    put_str (&pk, step->cwd ? step->cwd : "");
    put_str (&pk, "env");
    msgpack_pack_map (&pk, step->env.len);
    for (size_t i = 0; i < step->env.len; i++) {
        put_str (&pk, step->env.items[i].name);
        put_str (&pk, step->env.items[i].value);
    }
    put_str (&pk, "token");
    put_str (&pk, rs->token ? rs->token : fo_reaper_base ());
    put_str (&pk, "output_cap");
    msgpack_pack_unsigned_int (&pk, (unsigned) (rs->output_cap ? rs->output_cap
                                                               : FO_DEFAULT_OUTPUT_CAP));
    unsigned char len[4] = { (unsigned char) (sb.size >> 24), (unsigned char) (sb.size >> 16),
                             (unsigned char) (sb.size >> 8), (unsigned char) sb.size };
    fo_buf_append (&self->pending, len, 4);
    fo_buf_append (&self->pending, sb.data, sb.size);
    msgpack_sbuffer_destroy (&sb);
}

static void
flush_request (python_runner *self)
{
    while (self->pending.len > 0) {
        ssize_t n = write (self->req_fd, self->pending.data, self->pending.len);
        if (n <= 0)
            return;     /* full: the worker reads it as it goes */
        memmove (self->pending.data, self->pending.data + n, self->pending.len - (size_t) n);
        self->pending.len -= (size_t) n;
    }
}

static const msgpack_object *
member (const msgpack_object *map, const char *key)
{
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen (key)
            && !memcmp (kv->key.via.str.ptr, key, kv->key.via.str.size))
            return &kv->val;
    }
    return NULL;
}

static void
append_bytes (fo_capture *cap, const msgpack_object *o)
{
    if (o && (o->type == MSGPACK_OBJECT_BIN || o->type == MSGPACK_OBJECT_STR))
        fo_capture_append (cap, o->via.bin.ptr, o->via.bin.size);
}

static void
end_step (python_runner *self)
{
    self->done = true;
    self->status.duration_us = fo_now_us () - self->start_us;
}

/* One answer. false: not an answer of the protocol (the worker is
   broken: it is killed). */
static bool
take_answer (python_runner *self, const char *data, size_t len)
{
    char why[256];
    if (fo_proto_prescan (data, len, why, sizeof why) != 0)
        return false;
    msgpack_zone zone;
    msgpack_zone_init (&zone, 4096);
    msgpack_object obj;
    bool ok = msgpack_unpack (data, len, NULL, &zone, &obj) == MSGPACK_UNPACK_SUCCESS
              && obj.type == MSGPACK_OBJECT_MAP;
    const msgpack_object *v = ok ? member (&obj, "v") : NULL;
    const msgpack_object *type = ok ? member (&obj, "type") : NULL;
    ok = ok && v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == PROTOCOL && type
         && type->type == MSGPACK_OBJECT_STR;
    if (ok && type->via.str.size == 5 && !memcmp (type->via.str.ptr, "hello", 5)) {
        self->hello = true;
        self->start_deaths = 0;
    }
    else if (ok && type->via.str.size == 4 && !memcmp (type->via.str.ptr, "done", 4)) {
        const msgpack_object *status = member (&obj, "status");
        const msgpack_object *rss = member (&obj, "rss_kb");
        ok = self->active && !self->done && status
             && status->type == MSGPACK_OBJECT_POSITIVE_INTEGER && status->via.u64 < 256;
        if (ok) {
            /* What the step wrote to fd 1 and 2 itself is in the pipes
               by now: collect it first. */
            fo_proc_service (self->worker);
            append_bytes (&self->out, member (&obj, "out"));
            append_bytes (&self->err, member (&obj, "err"));
            self->status.exited = true;
            self->status.exit_code = (int) status->via.u64;
            if (rss && rss->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                self->rss_kb = rss->via.u64;
            const msgpack_object *kept = member (&obj, "kept");
            self->kept = kept && kept->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? kept->via.u64 : 0;
            end_step (self);
        }
    }
    else
        ok = false;
    msgpack_zone_destroy (&zone);
    return ok;
}

/* Reads what the worker said; false when it broke the protocol. */
static bool
read_answers (python_runner *self)
{
    char buf[65536];
    ssize_t n;
    while ((n = read (self->rep_fd, buf, sizeof buf)) > 0)
        fo_buf_append (&self->in, buf, (size_t) n);
    size_t at = 0;
    bool ok = true;
    while (ok && self->in.len - at >= 4) {
        const unsigned char *p = (const unsigned char *) self->in.data + at;
        size_t len = (size_t) p[0] << 24 | (size_t) p[1] << 16 | (size_t) p[2] << 8 | p[3];
        if (len > FO_PYTHON_MAX_FRAME) {
            ok = false;
            break;
        }
        if (self->in.len - at - 4 < len)
            break;
        ok = take_answer (self, self->in.data + at + 4, len);
        at += 4 + len;
    }
    if (at > 0) {
        memmove (self->in.data, self->in.data + at, self->in.len - at);
        self->in.len -= at;
        self->in.data[self->in.len] = '\0';
    }
    return ok;
}

/* ---- the runner's operations ------------------------------------------ */

static bool
is_python (const python_runner *self, const fo_step *step)
{
    return !self->options.off && step->reader == FO_READER_PYTHON && step->argv.len >= 3
           && step->kind != FO_STEP_DISCOVER;
}

/* The task a step belongs to: its token without the step's index. */
static char *
scope_of (const char *token)
{
    const char *slash = token ? strrchr (token, '/') : NULL;
    return slash ? fo_xstrndup (token, (size_t) (slash - token)) : fo_xstrdup (token ? token : "");
}

static int
start (void *impl, const fo_runner_step *rs, fo_start_error *error)
{
    python_runner *self = impl;
    if (!is_python (self, rs->step)) {
        self->in_process = true;
        return fo_runner_start (self->process, rs, error);
    }
    self->in_process = false;
    char *scope = scope_of (rs->token);
    bool new_task = !self->scope || strcmp (scope, self->scope) != 0;
    free (self->scope);
    self->scope = scope;
    if (new_task) {
        self->loop_tried = false;
        /* Restarts happen between tasks only: a task's contexts live in
           its worker. */
        if (self->worker
            && ((self->options.max_tasks && self->tasks >= self->options.max_tasks)
                || (self->options.max_rss_kb && self->rss_kb > self->options.max_rss_kb)))
            retire_worker (self, FO_PYTHON_RESTART_GRACE_MS);
    }
    if (self->worker && strcmp (self->interpreter, rs->step->argv.items[0]) != 0)
        retire_worker (self, FO_PYTHON_RESTART_GRACE_MS);
    /* A worker that died between steps (a thread of the last test, a
       signal from outside) must not take the next test with it. */
    if (self->worker && fo_proc_service (self->worker))
        drop_worker (self);
    if (!self->worker) {
        if (self->start_deaths >= FO_PYTHON_START_TRIES) {
            if (self->loop_tried) {
                snprintf (error->message, sizeof error->message,
                          "the Python worker died at start %u times in a row (a crash loop): "
                          "not started again for this task", self->start_deaths);
                return -1;
            }
            self->loop_tried = true;
        }
        if (start_worker (self, &rs->step->argv, error) != 0)
            return -1;
    }
    if (new_task)
        self->tasks++;
    frame_request (self, rs);
    size_t cap = rs->output_cap ? rs->output_cap : FO_DEFAULT_OUTPUT_CAP;
    fo_capture_init (&self->out, cap);
    fo_capture_init (&self->err, cap);
    memset (&self->status, 0, sizeof self->status);
    self->active = true;
    self->done = false;
    self->killing = false;
    self->on_output = rs->on_output;
    self->output_arg = rs->output_arg;
    self->start_us = fo_now_us ();
    self->timeout_at_us = rs->step->timeout_ms ? self->start_us + rs->step->timeout_ms * 1000ull
                                               : UINT64_MAX;
    flush_request (self);
    return 0;
}

static int
pollfds (const void *impl, int fds[FO_RUNNER_MAX_FDS])
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_pollfds (self->process, fds);
    if (!self->active || self->done || !self->worker)
        return 0;
    int n = fo_proc_pollfds (self->worker, fds);   /* stdout, stderr, pidfd */
    fds[n++] = self->rep_fd;
    return n;
}

static uint64_t
deadline_ms (const void *impl)
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_deadline_ms (self->process);
    if (!self->active || self->done || !self->worker)
        return UINT64_MAX;
    uint64_t at = self->killing ? UINT64_MAX : fo_deadline_ms (self->timeout_at_us);
    if (self->pending.len)
        at = fo_now_ms () + 10;         /* the rest of the request */
    uint64_t worker = fo_proc_deadline_ms (self->worker);
    return worker < at ? worker : at;
}

/* The worker is to die with the step (a timeout, a cancel, a broken
   protocol): its process group gets SIGTERM, SIGKILL after the grace. */
static void
kill_worker (python_runner *self)
{
    if (!self->killing && self->worker) {
        self->killing = true;
        fo_proc_kill (self->worker);
    }
}

static bool
service (void *impl)
{
    python_runner *self = impl;
    if (self->in_process)
        return fo_runner_service (self->process);
    if (!self->active || self->done)
        return true;
    flush_request (self);
    if (!self->killing && !read_answers (self)) {
        static const char note[] = "\nfanout: the Python worker broke the pipe protocol "
                                   "(docs/python-workers.md): killed\n";
        fo_capture_append (&self->err, note, sizeof note - 1);
        fo_log (FO_LOG_WARN, "agent", "python worker: an answer that breaks the protocol; worker killed");
        kill_worker (self);
    }
    if (self->done)
        return true;
    if (fo_proc_service (self->worker)) {
        /* The worker died (or we killed it): the step with it. */
        read_answers (self);
        if (!self->done) {
            const fo_proc_status *ws = fo_proc_status_get (self->worker);
            if (!self->hello && !self->killing && ++self->start_deaths >= FO_PYTHON_START_TRIES)
                self->loop_tried = true;    /* no more tries in this task */
            self->status.exited = ws->exited && !self->killing;
            self->status.exit_code = ws->exit_code;
            self->status.signal = self->killing && !self->status.timed_out ? SIGKILL : ws->signal;
            if (ws->exited && !self->killing && !self->hello) {
                char note[160];
                snprintf (note, sizeof note,
                          "\nfanout: the Python worker ended before it started (exit status "
                          "%d)\n", ws->exit_code);
                fo_capture_append (&self->err, note, strlen (note));
            }
            end_step (self);
        }
        drop_worker (self);
        return true;
    }
    if (!self->killing && fo_now_us () >= self->timeout_at_us) {
        self->status.timed_out = true;
        kill_worker (self);
    }
    return false;
}

static void
kill_step (void *impl)
{
    python_runner *self = impl;
    if (self->in_process)
        fo_runner_kill (self->process);
    else if (self->active && !self->done)
        kill_worker (self);
}

static const fo_proc_status *
status (const void *impl)
{
    const python_runner *self = impl;
    return self->in_process ? fo_runner_status (self->process) : &self->status;
}

static const fo_capture *
output (const void *impl, int stream)
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_output (self->process, stream);
    return stream == 2 ? &self->err : &self->out;
}

static void
release (void *impl)
{
    python_runner *self = impl;
    if (self->in_process) {
        fo_runner_release (self->process);
        self->in_process = false;
        return;
    }
    if (!self->active)
        return;
    if (!self->done)
        drop_worker (self);     /* abandoned mid-step: it may be stuck in it */
    fo_capture_free (&self->out);
    fo_capture_free (&self->err);
    self->active = false;
}

static void
destroy (void *impl)
{
    python_runner *self = impl;
    release (self);
    retire_worker (self, FO_PYTHON_END_GRACE_MS);
    fo_runner_destroy (&self->process);
    if (self->dir[0]) {
        close (self->req_fd);
        close (self->rep_fd);
        char *in = fo_xasprintf ("%s/in", self->dir), *out = fo_xasprintf ("%s/out", self->dir);
        unlink (in);
        unlink (out);
        rmdir (self->dir);
        free (in);
        free (out);
    }
    fo_buf_free (&self->in);
    fo_buf_free (&self->pending);
    fo_buf_free (&self->retired);
    free (self->interpreter);
    free (self->scope);
    free (self->helper);
    free (self->token);
    free (self);
}

static const fo_runner_ops ops = {
    .name = "python-worker",
    .start = start,
    .pollfds = pollfds,
    .deadline_ms = deadline_ms,
    .service = service,
    .kill = kill_step,
    .status = status,
    .output = output,
    .release = release,
    .destroy = destroy,
};

fo_runner *
fo_runner_python_new (const char *token, const fo_python_worker_options *options)
{
    python_runner *self = fo_xcalloc (1, sizeof *self);
    self->token = fo_xstrdup (token);
    if (options)
        self->options = *options;
    self->process = fo_runner_process_new ();
    self->helper = fo_python_helper ();
    self->req_fd = self->rep_fd = -1;
    return fo_runner_new (&ops, self);
}
