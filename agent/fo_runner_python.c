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

#define PROTOCOL 2
/* What the worker writes to its fds 1 and 2 after each step: the bytes
   before it there are that step's (python/fanout_nose/worker.py). */
#define STEP_END "\x1f" "fanout-python-step-end" "\x1f"
#define STEP_END_LEN (sizeof STEP_END - 1)

/* A step sent to the worker (one of a request's). */
typedef struct {
    const fo_step *step;        /* the step and its token: how its start is matched */
    char *token;
    uint32_t timeout_ms;
    uint64_t began_us;          /* when the worker began it, as far as the agent
                                   knows (the answer before came); 0: not yet */
    bool answered;              /* it ended: status and output are final */
    fo_proc_status status;
    fo_capture out, err;
} sent_step;

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
    bool killing;               /* we are killing the worker (for q[answers]) */
    bool timing_out;            /* ... because that step passed its timeout */
    /* Counted in steps this worker was sent (a step's sequence number):
       answers is the one it runs now (its answers so far), raw[s] the
       one the bytes on its fd s (1, 2) belong to (the STEP_ENDs so far). */
    uint64_t answers;
    uint64_t raw[3];
    char carry[3][STEP_END_LEN];    /* a STEP_END's start at the end of a read */
    size_t ncarry[3];

    /* The last request's steps: q[i] is sequence number base + i. The
       agent's step is q[cur] (when active); those before it are done. */
    sent_step *q;
    size_t nq, qcap, cur;
    uint64_t base;
    bool active;
    fo_output_fn *on_output;
    void *output_arg;
} python_runner;

static sent_step *
current (const python_runner *self)
{
    return self->active && self->cur < self->nq ? &self->q[self->cur] : NULL;
}

/* The step the worker runs now (sent, not answered), or NULL: it is idle. */
static sent_step *
running (const python_runner *self)
{
    if (!self->worker || self->answers < self->base || self->answers - self->base >= self->nq)
        return NULL;
    return &self->q[self->answers - self->base];
}

static void
free_sent (sent_step *s)
{
    free (s->token);
    fo_capture_free (&s->out);
    fo_capture_free (&s->err);
    memset (s, 0, sizeof *s);
}

/* Forgets the last request's steps (none may still run in the worker). */
static void
reset_queue (python_runner *self)
{
    for (size_t i = 0; i < self->nq; i++)
        free_sent (&self->q[i]);
    self->nq = self->cur = 0;
    self->base = self->answers;
    self->active = false;
}

/* ---- the worker --------------------------------------------------------- */

/* Bytes of fd stream that belong to the step with sequence number raw[stream]. */
static void
give_raw (python_runner *self, int stream, const char *data, size_t len)
{
    if (!len)
        return;
    uint64_t seq = self->raw[stream];
    if (seq < self->base || seq - self->base >= self->nq)
        return;         /* between steps: nobody's */
    size_t i = (size_t) (seq - self->base);
    sent_step *s = &self->q[i];
    if (s->answered)
        return;
    fo_capture_append (stream == 2 ? &self->q[i].err : &self->q[i].out, data, len);
    if (self->on_output && self->active && i == self->cur)
        self->on_output (self->output_arg, stream, data, len);
}

/* What the worker wrote to its fds 1 and 2: each STEP_END there moves
   on to the next step's bytes. */
static void
split_raw (python_runner *self, int stream, const char *data, size_t len)
{
    while (len > 0) {
        if (self->ncarry[stream]) {
            /* the bytes held back: is this the rest of a STEP_END? */
            size_t have = self->ncarry[stream], need = STEP_END_LEN - have;
            size_t take = len < need ? len : need;
            if (memcmp (STEP_END + have, data, take) != 0) {
                self->ncarry[stream] = 0;
                give_raw (self, stream, self->carry[stream], have);
                continue;       /* data again, from its start */
            }
            memcpy (self->carry[stream] + have, data, take);
            self->ncarry[stream] += take;
            data += take;
            len -= take;
            if (self->ncarry[stream] == STEP_END_LEN) {
                self->ncarry[stream] = 0;
                self->raw[stream]++;
            }
            continue;
        }
        const char *hit = memmem (data, len, STEP_END, STEP_END_LEN);
        if (hit) {
            give_raw (self, stream, data, (size_t) (hit - data));
            self->raw[stream]++;
            len -= (size_t) (hit - data) + STEP_END_LEN;
            data = hit + STEP_END_LEN;
            continue;
        }
        /* A STEP_END's first bytes at the end: held back until the next read. */
        size_t keep = 0;
        for (size_t k = STEP_END_LEN - 1; k > 0 && !keep; k--)
            if (k <= len && !memcmp (data + len - k, STEP_END, k))
                keep = k;
        give_raw (self, stream, data, len - keep);
        memcpy (self->carry[stream], data + len - keep, keep);
        self->ncarry[stream] = keep;
        return;
    }
}

static void
route_output (void *arg, int stream, const char *data, size_t len)
{
    python_runner *self = arg;
    if (stream != 1 && stream != 2)
        return;
    if (self->retiring && stream == 2 && self->retired.len < 65536)
        fo_buf_append (&self->retired, data, len);
    split_raw (self, stream, data, len);
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

/* The worker goes (killed if alive). Steps it had answered keep their
   answers; those it had not are the caller's to settle. */
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
    self->killing = self->timing_out = false;
    /* Its sequence numbers start again; the steps left keep theirs out of
       reach (base past them) until reset_queue. */
    self->answers = self->raw[1] = self->raw[2] = 0;
    self->ncarry[1] = self->ncarry[2] = 0;
    self->base = UINT64_MAX / 2;
}

static void flush_request (python_runner *self);

/* A worker that is well and keeps split contexts set up (docs/python-
   workers.md) is asked to end, so that it runs their teardowns, as nose's
   worker processes did at their end: `end`, then up to grace_ms for it to
   exit (the agent's loop waits: a teardown is short, and only such a
   worker is waited for); a teardown that failed is logged. Any other
   worker, one still running steps, or one past the grace, is killed. */
static void
retire_worker (python_runner *self, uint32_t grace_ms)
{
    if (self->worker && self->hello && self->kept > 0 && !self->killing && !running (self)
        && !fo_proc_finished (self->worker)) {
        /* {"v": 2, "type": "end"} */
        static const char end[] = "\x82\xa1" "v\x02\xa4" "type\xa3" "end";
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
        self->answers = self->raw[1] = self->raw[2] = 0;
        self->base = 0;
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
pack_step (msgpack_packer *pk, const fo_step *step, const char *token, size_t output_cap)
{
    msgpack_pack_map (pk, 5);
    put_str (pk, "argv");
    msgpack_pack_array (pk, step->argv.len - 2);
    for (size_t i = 2; i < step->argv.len; i++)
        put_str (pk, step->argv.items[i]);
    put_str (pk, "cwd");
    put_str (pk, step->cwd ? step->cwd : "");
    put_str (pk, "env");
    msgpack_pack_map (pk, step->env.len);
    for (size_t i = 0; i < step->env.len; i++) {
        put_str (pk, step->env.items[i].name);
        put_str (pk, step->env.items[i].value);
    }
    put_str (pk, "token");
    put_str (pk, token ? token : fo_reaper_base ());
    put_str (pk, "output_cap");
    msgpack_pack_unsigned_int (pk, (unsigned) output_cap);
}

static bool is_python (const python_runner *self, const fo_step *step);

/* The request for the step rs and the steps after it (rs->ahead) that go
   with it: Python steps of the same interpreter, at most
   FO_PYTHON_BATCH_STEPS and about FO_PYTHON_BATCH_BYTES. Each becomes a
   sent step (the queue is empty). */
static void
frame_request (python_runner *self, const fo_runner_step *rs)
{
    size_t cap = rs->output_cap ? rs->output_cap : FO_DEFAULT_OUTPUT_CAP;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    fo_buf token = { 0 };
    const fo_step *step = rs->step;
    const char *tok = rs->token ? rs->token : fo_reaper_base ();
    for (size_t k = 0; step; k++) {
        pack_step (&pk, step, tok, cap);
        if (self->nq == self->qcap) {
            self->qcap = self->qcap ? 2 * self->qcap : 16;
            self->q = fo_xrealloc (self->q, self->qcap * sizeof *self->q);
        }
        sent_step *s = &self->q[self->nq++];
        memset (s, 0, sizeof *s);
        s->step = step;
        s->token = fo_xstrdup (tok);
        s->timeout_ms = step->timeout_ms;
        fo_capture_init (&s->out, cap);
        fo_capture_init (&s->err, cap);
        if (!rs->ahead || self->nq >= FO_PYTHON_BATCH_STEPS || body.size >= FO_PYTHON_BATCH_BYTES)
            break;
        fo_buf_reset (&token);
        step = rs->ahead (rs->ahead_arg, k, &token);
        if (step && (!is_python (self, step) || strcmp (step->argv.items[0], self->interpreter)))
            step = NULL;
        tok = token.len ? token.data : fo_reaper_base ();
    }
    fo_buf_free (&token);

    msgpack_sbuffer head;
    msgpack_sbuffer_init (&head);
    msgpack_packer_init (&pk, &head, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    put_str (&pk, "v");
    msgpack_pack_unsigned_int (&pk, PROTOCOL);
    put_str (&pk, "type");
    put_str (&pk, "steps");
    put_str (&pk, "steps");
    msgpack_pack_array (&pk, (uint32_t) self->nq);
    size_t size = head.size + body.size;
    unsigned char len[4] = { (unsigned char) (size >> 24), (unsigned char) (size >> 16),
                             (unsigned char) (size >> 8), (unsigned char) size };
    fo_buf_append (&self->pending, len, 4);
    fo_buf_append (&self->pending, head.data, head.size);
    fo_buf_append (&self->pending, body.data, body.size);
    msgpack_sbuffer_destroy (&head);
    msgpack_sbuffer_destroy (&body);
    self->q[0].began_us = fo_now_us ();     /* the worker is idle: it begins now */
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

static uint64_t
uint_member (const msgpack_object *map, const char *key, uint64_t otherwise)
{
    const msgpack_object *o = member (map, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : otherwise;
}

/* The worker's answer for the step it ran: that step has ended; the next
   one of the request begins now. */
static void
take_done (python_runner *self, sent_step *s, const msgpack_object *obj, int status)
{
    /* What the step wrote to fd 1 and 2 itself is in the pipes by now,
       before its STEP_END: collect it first. */
    fo_proc_service (self->worker);
    append_bytes (&s->out, member (obj, "out"));
    append_bytes (&s->err, member (obj, "err"));
    s->status.exited = true;
    s->status.exit_code = status;
    uint64_t now = fo_now_us ();
    /* The worker's own time for it: the agent may read answers late. */
    s->status.duration_us = uint_member (obj, "us", now - s->began_us);
    s->answered = true;
    self->rss_kb = uint_member (obj, "rss_kb", self->rss_kb);
    self->kept = uint_member (obj, "kept", 0);
    self->answers++;
    if (uint_member (obj, "dropped", 0)) {
        size_t at = (size_t) (s - self->q);
        for (size_t i = at + 1; i < self->nq; i++)
            free_sent (&self->q[i]);
        self->nq = at + 1;
    }
    sent_step *next = running (self);
    if (next)
        next->began_us = now;
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
        sent_step *s = running (self);
        uint64_t status = uint_member (&obj, "status", 256);
        uint64_t dropped = uint_member (&obj, "dropped", 0);
        /* dropped: the request's steps after it that the worker does not
           run (it interrupted the run), all of them */
        ok = s && status < 256 && (!dropped || (size_t) (s - self->q) + 1 + dropped == self->nq);
        if (ok)
            take_done (self, s, &obj, (int) status);
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
    while (ok && self->worker && self->in.len - at >= 4) {
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
    if (at > 0 && at <= self->in.len) {
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

/* The step rs was sent ahead with the last request and is the next one
   not taken: it is the agent's step now (it may have ended already). */
static bool
begun_ahead (const python_runner *self, const fo_runner_step *rs)
{
    if (self->cur >= self->nq || !is_python (self, rs->step))
        return false;
    const sent_step *s = &self->q[self->cur];
    return s->step == rs->step && !strcmp (s->token, rs->token ? rs->token : fo_reaper_base ());
}

static int
start (void *impl, const fo_runner_step *rs, fo_start_error *error)
{
    python_runner *self = impl;
    self->on_output = rs->on_output;
    self->output_arg = rs->output_arg;
    if (begun_ahead (self, rs)) {
        self->in_process = false;
        self->active = true;
        return 0;
    }
    /* Anything else stops what the last request still has the worker run
       (a cancel, an interrupt: those steps are not wanted any more). */
    if (running (self)) {
        fo_log (FO_LOG_DEBUG, "agent", "python worker: steps sent ahead not wanted; worker killed");
        drop_worker (self);
    }
    reset_queue (self);
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
    self->base = self->answers;
    frame_request (self, rs);
    self->cur = 0;
    self->active = true;
    flush_request (self);
    return 0;
}

static int
pollfds (const void *impl, int fds[FO_RUNNER_MAX_FDS])
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_pollfds (self->process, fds);
    const sent_step *s = current (self);
    if (!s || s->answered || !self->worker)
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
    const sent_step *s = current (self);
    if (!s || s->answered || !self->worker)
        return UINT64_MAX;
    uint64_t at = self->killing || !s->timeout_ms || !s->began_us
                      ? UINT64_MAX : fo_deadline_ms (s->began_us + s->timeout_ms * 1000ull);
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

/* The worker died (or we killed it): the step it ran ends with it, the
   request's steps after it were never run and are forgotten (the agent
   starts them again: a new worker runs them). */
static void
worker_died (python_runner *self)
{
    read_answers (self);
    sent_step *s = running (self);
    if (s) {
        const fo_proc_status *ws = fo_proc_status_get (self->worker);
        if (!self->hello && !self->killing && ++self->start_deaths >= FO_PYTHON_START_TRIES)
            self->loop_tried = true;    /* no more tries in this task */
        s->status.exited = ws->exited && !self->killing;
        s->status.exit_code = ws->exit_code;
        s->status.timed_out = self->timing_out;
        s->status.signal = self->killing && !self->timing_out ? SIGKILL : ws->signal;
        if (ws->exited && !self->killing && !self->hello) {
            char note[160];
            snprintf (note, sizeof note,
                      "\nfanout: the Python worker ended before it started (exit status %d)\n",
                      ws->exit_code);
            fo_capture_append (&s->err, note, strlen (note));
        }
        s->status.duration_us = s->began_us ? fo_now_us () - s->began_us : 0;
        s->answered = true;
        size_t at = (size_t) (s - self->q);
        for (size_t i = at + 1; i < self->nq; i++)
            free_sent (&self->q[i]);
        self->nq = at + 1;
    }
    drop_worker (self);
}

static bool
service (void *impl)
{
    python_runner *self = impl;
    if (self->in_process)
        return fo_runner_service (self->process);
    sent_step *s = current (self);
    if (!s || s->answered)
        return true;
    flush_request (self);
    if (!self->killing && !read_answers (self)) {
        static const char note[] = "\nfanout: the Python worker broke the pipe protocol "
                                   "(docs/python-workers.md): killed\n";
        sent_step *r = running (self);
        fo_capture_append (r ? &r->err : &s->err, note, sizeof note - 1);
        fo_log (FO_LOG_WARN, "agent", "python worker: an answer that breaks the protocol; worker killed");
        kill_worker (self);
    }
    if (s->answered)
        return true;
    if (!self->worker) {
        s->status.signal = SIGKILL;     /* (never: a step without a worker is settled) */
        s->answered = true;
        return true;
    }
    if (fo_proc_service (self->worker)) {
        worker_died (self);
        return s->answered;
    }
    if (!self->killing && s->timeout_ms && s->began_us
        && fo_now_us () >= s->began_us + s->timeout_ms * 1000ull) {
        self->timing_out = true;
        kill_worker (self);
    }
    return false;
}

static void
kill_step (void *impl)
{
    python_runner *self = impl;
    const sent_step *s = current (self);
    if (self->in_process)
        fo_runner_kill (self->process);
    else if (s && !s->answered)
        kill_worker (self);
}

static const fo_proc_status *
status (const void *impl)
{
    const python_runner *self = impl;
    return self->in_process ? fo_runner_status (self->process) : &current (self)->status;
}

static const fo_capture *
output (const void *impl, int stream)
{
    const python_runner *self = impl;
    if (self->in_process)
        return fo_runner_output (self->process, stream);
    const sent_step *s = current (self);
    return stream == 2 ? &s->err : &s->out;
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
    sent_step *s = current (self);
    if (!s)
        return;
    if (!s->answered) {
        drop_worker (self);     /* abandoned mid-step: it may be stuck in it */
        reset_queue (self);
        return;
    }
    fo_capture_free (&s->out);
    fo_capture_free (&s->err);
    self->cur++;
    self->active = false;
}

static void
destroy (void *impl)
{
    python_runner *self = impl;
    release (self);
    retire_worker (self, FO_PYTHON_END_GRACE_MS);
    reset_queue (self);
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
    free (self->q);
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
