/*  fo_loadgen — many fake agents in one process, to load a broker.

    Acts as N agents with S slots each, every one its own DEALER socket on
    the broker's endpoint (real ZeroMQ, real messages through fanout's
    protocol library), and answers each lease with a `passed` result for
    every test of its steps, either at once or after a set delay (a slot
    holds the lease meanwhile; leases beyond the free slots wait, as an
    agent's prefetch does). It runs nothing. It keeps its credit with the
    broker as fanout's agent does (fo_flow.h): a slot that waits longer
    for its next lease than the last one ran asks for more credit, up to
    a cap, so instant answers end with the agent's largest prefetch, as
    instant tests on a real agent would. At the end it prints one line of
    key=value figures:

      tests        results sent
      seconds      from the first lease to the broker's shutdown
      tests_per_s  tests / seconds
      broker_cpu_us_per_test   the broker process's CPU time over that
                   interval (every thread: /proc/PID/task/TID/schedstat,
                   or /proc/PID/stat without schedstat), per test
      broker_peak_rss_kb       the broker's VmHWM (/proc/PID/status) at the end
      loadgen_cpu_us_per_test  this process's own CPU, per test
      frames_in, frames_out    frames received and sent: a batch of leases
                   (protocol 6) is one frame, and the done messages of
                   one agent's pass over them go back as one
      run_frames_in, run_frames_out  of them, those from the first lease to
                   the first shutdown (that one included): the time the
                   broker's CPU is measured over (the agents' hellos,
                   welcomes and idle heartbeats before it are not)
      credit_max   the most credit an agent asked for in all (its first
                   request and the requests for more, fo_flow.h)

    With --frames it prints on stderr where the frames came from: per
    agent and phase of the run (by the tests answered: the first 10%, up
    to 70%, the rest, after the first shutdown) the frames each way and
    how many carried leases (dones), and histograms of leases per frame
    in and dones per frame out.

    The broker's figures need --broker-pid. The generator ends when every
    agent got shutdown, or fails (exit 1) when the broker refuses an agent
    or --timeout passes. Not installed; a benchmark tool (bench/README.md).

    Sockets are waited on with epoll over their ZMQ_FD: a wake-up costs
    O(sockets that have something), so the generator itself stays cheap at
    thousands of agents. ZMQ_FD only signals that the socket's commands
    may have changed, so a socket is drained until a receive finds nothing
    (which processes them), and drained again after anything this process
    sent on it (a send may process them too, taking the signal).
*/
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zmq.h>

#include "fo_flow.h"
#include "fo_procstat.h"
#include "fo_proto.h"
#include "fo_util.h"
#include "fo_wire.h"

#define MAX_AGENTS 4096u
#define MAX_SLOTS 4096u
#define HEARTBEAT_CHECK_MS 200u

typedef struct {
    uint64_t due_us;            /* delay mode: when the lease is answered */
    fo_msg msg;                 /* the decoded lease (owned) */
    uint32_t slot;
} running_lease;

typedef struct {
    void *sock;
    int fd;                     /* ZMQ_FD, in the epoll set */
    uint32_t index;
    char host[32];
    char id[64];
    bool welcomed, shut_down;
    bool listed;                /* in `dirty`: to drain before the next wait */
    uint32_t heartbeat_ms;
    uint64_t last_send_ms;
    uint32_t busy;              /* slots holding a lease (delay mode) */
    running_lease *queue;       /* leases beyond the free slots, FIFO */
    size_t qhead, qlen, qcap;
    uint64_t tests, leases;
    fo_wire_inbox inbox;        /* the rest of a batch of leases */
    fo_batch_buf outbox;        /* what it sends, sent as one frame (protocol 6) */
    bool outq;                  /* in `outq`: its outbox holds messages */
    fo_flow flow;               /* its credit, as fanout's agent keeps it */
    uint32_t idle;              /* slots waiting for a lease since idle_us */
    uint64_t idle_us;
    uint32_t ask;               /* credit to ask for once the frame is read */
    bool answered;              /* the outbox holds a done */
    uint32_t dones;             /* dones in the outbox (--frames) */
} agent;

typedef struct {
    const char *endpoint;
    uint32_t agents, slots, prefetch;
    uint64_t delay_us;
    int broker_pid;
    uint32_t timeout_s;
    bool verbose;
    bool frames;                /* --frames: the frame accounting on stderr */
} options;

/* Delayed leases, due in the order they were started (one delay for all):
   a FIFO is a timer queue here. */
typedef struct {
    running_lease *items;
    uint32_t *agent;
    size_t head, len, cap;
} timer_fifo;

static options opt = { .agents = 16, .slots = 4, .prefetch = 1, .timeout_s = 600 };
static agent *agents;
static timer_fifo timers;
static uint64_t total_tests, total_leases;
static uint64_t frames_in, frames_out;  /* frames received and sent (batches count one) */
static uint64_t run_frames_in, run_frames_out;  /* of them, from the first lease to the
                                                   first shutdown (the broker's CPU's time) */
static uint64_t credit_max;     /* the most credit one agent asked for in all */
static uint64_t first_lease_us, end_us;
static long long broker_cpu_start = -1, broker_cpu_end = -1;
static size_t shut_down;
static int failed;
static uint32_t *dirty;         /* agents to drain before the next wait */
static size_t ndirty;
static uint32_t *outq;          /* agents whose outbox holds messages */
static size_t noutq;
static fo_buf scratch;          /* one message's encoding */

/* --frames: every frame's direction, its leases or dones, and how far
   the run was when it passed, counted by phase at the end (a fraction of
   a frame per test: small). */
typedef struct {
    uint64_t answered;          /* tests answered before it; UINT64_MAX: after the shutdown */
    uint16_t n;                 /* leases in a frame in; dones in a frame out */
    bool out;
} frame_rec;
static frame_rec *frame_log;
static size_t nframe_log, frame_log_cap;
static uint32_t frame_leases;   /* leases in the frame being read */

/* ---- the broker process, from /proc ------------------------------------- */

/* The CPU time of every thread of pid, in ns: the sum of the first field
   of /proc/PID/task/TID/schedstat (ns resolution), or utime + stime of
   /proc/PID/stat (clock ticks) when there is no schedstat. -1 when gone. */

static long long
proc_cpu_ns (int pid)
{
    char path[64];
    snprintf (path, sizeof path, "/proc/%d/task", pid);
    DIR *dir = opendir (path);
    if (dir) {
        long long sum = 0;
        bool any = false;
        struct dirent *d;
        while ((d = readdir (dir))) {
            if (d->d_name[0] < '0' || d->d_name[0] > '9')
                continue;
            char file[320];
            snprintf (file, sizeof file, "/proc/%d/task/%s/schedstat", pid, d->d_name);
            FILE *f = fopen (file, "r");
            long long ns;
            if (f && fscanf (f, "%lld", &ns) == 1) {
                sum += ns;
                any = true;
            }
            if (f)
                fclose (f);
        }
        closedir (dir);
        if (any)
            return sum;
    }
    long long ticks = fo_procstat_cpu_ticks (pid);
    return ticks < 0 ? -1 : (long long) ticks * (1000000000ll / sysconf (_SC_CLK_TCK));
}

/* A "Name:   123 kB" line of /proc/pid/status, or -1. */
static long
proc_status_kb (int pid, const char *name)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    long kb = -1;
    size_t len = strlen (name);
    while (fgets (line, sizeof line, f))
        if (strncmp (line, name, len) == 0 && line[len] == ':') {
            kb = strtol (line + len + 1, NULL, 10);
            break;
        }
    fclose (f);
    return kb;
}

/* ---- the frame accounting (--frames) ------------------------------------- */

static void
log_frame (bool out, uint32_t n)
{
    if (!opt.frames)
        return;
    if (nframe_log == frame_log_cap) {
        frame_log_cap = frame_log_cap ? frame_log_cap * 2 : 4096;
        frame_log = fo_xrealloc (frame_log, frame_log_cap * sizeof *frame_log);
    }
    frame_log[nframe_log++] = (frame_rec) {
        .answered = end_us ? UINT64_MAX : total_tests, .out = out,
        .n = (uint16_t) (n > UINT16_MAX ? UINT16_MAX : n),
    };
}

/* The histogram's buckets of leases (dones) per frame. */
static const uint32_t hist_upper[] = { 0, 1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64, UINT32_MAX };
#define NHIST (sizeof hist_upper / sizeof hist_upper[0])
#define NPHASE 4

static size_t
hist_bucket (uint32_t n)
{
    size_t b = 0;
    while (n > hist_upper[b])
        b++;
    return b;
}

/* Phases by the tests answered before a frame (of all): the run's start
   (hellos, welcomes, the credit ramp, the first 10%), its middle, its last
   30% (the broker's fair-share tail binds there at many agents), and
   from the first shutdown on. */
static const char *phase_name[NPHASE] = { "start (<10%)", "steady (10-70%)", "tail (>70%)",
                                          "end (shutdown)" };

static void
print_frames (void)
{
    uint64_t hist_in[NPHASE][NHIST] = { { 0 } }, hist_out[NPHASE][NHIST] = { { 0 } };
    uint64_t in[NPHASE] = { 0 }, out[NPHASE] = { 0 }, leases[NPHASE] = { 0 }, dones[NPHASE] = { 0 };
    uint64_t done_frames[NPHASE] = { 0 }, lease_frames[NPHASE] = { 0 };
    for (size_t k = 0; k < nframe_log; k++) {
        const frame_rec *f = &frame_log[k];
        size_t p = f->answered == UINT64_MAX ? 3
                 : f->answered * 10 < total_tests ? 0
                 : f->answered * 10 < total_tests * 7 ? 1 : 2;
        if (f->out) {
            out[p]++;
            hist_out[p][hist_bucket (f->n)]++;
            dones[p] += f->n;
            done_frames[p] += f->n > 0;
        }
        else {
            in[p]++;
            hist_in[p][hist_bucket (f->n)]++;
            leases[p] += f->n;
            lease_frames[p] += f->n > 0;
        }
    }
    fprintf (stderr, "frames by phase, per agent (%u agents):\n", opt.agents);
    fprintf (stderr, "| phase | frames in | of them leases | leases/frame | frames out | of them dones | dones/frame |\n");
    for (size_t p = 0; p < NPHASE; p++)
        fprintf (stderr, "| %s | %.2f | %.2f | %.1f | %.2f | %.2f | %.1f |\n", phase_name[p],
                 (double) in[p] / opt.agents, (double) lease_frames[p] / opt.agents,
                 lease_frames[p] ? (double) leases[p] / lease_frames[p] : 0.0,
                 (double) out[p] / opt.agents, (double) done_frames[p] / opt.agents,
                 done_frames[p] ? (double) dones[p] / done_frames[p] : 0.0);
    fprintf (stderr, "leases per frame in / dones per frame out (frames, all phases; by phase):\n");
    for (size_t b = 0; b < NHIST; b++) {
        uint64_t ti = 0, to = 0;
        for (size_t p = 0; p < NPHASE; p++) {
            ti += hist_in[p][b];
            to += hist_out[p][b];
        }
        if (!ti && !to)
            continue;
        char label[32];
        if (b == 0)
            snprintf (label, sizeof label, "0");
        else if (hist_upper[b] == UINT32_MAX)
            snprintf (label, sizeof label, ">%u", hist_upper[b - 1]);
        else
            snprintf (label, sizeof label, "%u-%u", hist_upper[b - 1] + 1, hist_upper[b]);
        fprintf (stderr, "| %s | %" PRIu64 " (%" PRIu64 " / %" PRIu64 " / %" PRIu64 " / %" PRIu64
                 ") | %" PRIu64 " (%" PRIu64 " / %" PRIu64 " / %" PRIu64 " / %" PRIu64 ") |\n",
                 label, ti, hist_in[0][b], hist_in[1][b], hist_in[2][b], hist_in[3][b], to,
                 hist_out[0][b], hist_out[1][b], hist_out[2][b], hist_out[3][b]);
    }
}

/* ---- sending ------------------------------------------------------------ */

/* Sends what the agent's outbox holds: one message, or a batch of what
   it answered in one pass (an agent batches its dones so, fo_agent). */
static void
flush (agent *a)
{
    size_t n = a->outbox.count;
    if (n == 0)
        return;
    frames_out++;
    run_frames_out += first_lease_us && !end_us;
    log_frame (true, a->dones);
    a->dones = 0;
    if (fo_wire_send_batch (a->sock, NULL, 0, &a->outbox) != 0) {
        fprintf (stderr, "fo_loadgen: agent %u cannot send %zu message%s: %s\n", a->index, n,
                 n == 1 ? "" : "s", zmq_strerror (errno));
        failed = 1;
    }
    a->last_send_ms = fo_now_ms ();
    if (opt.delay_us == 0 && a->answered) {
        a->answered = false;
        /* Instant answers: every slot is free again, waiting from now. */
        a->idle = opt.slots;
        a->idle_us = fo_now_us ();
    }
    if (!a->listed) {           /* a send may consume the socket's ZMQ_FD signal */
        a->listed = true;
        dirty[ndirty++] = a->index;
    }
}

static void
flush_all (void)
{
    for (size_t k = 0; k < noutq; k++) {
        agent *a = &agents[outq[k]];
        a->outq = false;
        flush (a);
    }
    noutq = 0;
}

/* Queues msg in the agent's outbox, sent by flush_all. */
static void
send_msg (agent *a, const fo_msg *msg)
{
    fo_buf_reset (&scratch);
    if (fo_msg_encode (msg, &scratch) != 0) {
        fprintf (stderr, "fo_loadgen: agent %u cannot encode %s\n", a->index,
                 fo_msg_type_name (msg->type));
        failed = 1;
        return;
    }
    if (!fo_batch_buf_fits (&a->outbox, scratch.len))
        flush (a);
    fo_batch_buf_add (&a->outbox, scratch.data, scratch.len);
    if (!a->outq) {
        a->outq = true;
        outq[noutq++] = a->index;
    }
}

/* Answers a lease as an agent whose tests all passed, as fo_agent does
   (protocol 4): one done carrying the lease's results and the slot's
   credit back. */
static void
answer (agent *a, running_lease *rl)
{
    const fo_lease *lease = &rl->msg.u.lease;
    size_t n = 0;
    for (size_t s = 0; s < lease->nsteps; s++)
        n += lease->steps[s].tests.len;
    fo_result *results = fo_xcalloc (n ? n : 1, sizeof *results);
    size_t k = 0;
    for (size_t s = 0; s < lease->nsteps; s++) {
        const fo_step *step = &lease->steps[s];
        for (size_t t = 0; t < step->tests.len; t++) {
            results[k++] = (fo_result) {
                .lease = lease->lease, .step = (uint32_t) s, .test = step->tests.items[t],
                .outcome = FO_PASSED, .duration_us = opt.delay_us,
                .out = "", .err = "", .message = "", .host = a->host,
                .worker = rl->slot + 1, .attempt = lease->attempt,
            };
            a->tests++;
            total_tests++;
        }
    }
    fo_msg done = { .type = FO_MSG_DONE };
    done.u.done = (fo_done) { .lease = lease->lease, .exit_status = 0, .signal = 0,
                              .credit = fo_flow_ended (&a->flow, opt.delay_us),
                              .results = results, .nresults = n };
    send_msg (a, &done);
    a->answered = true;
    a->dones++;
    free (results);
    a->leases++;
    total_leases++;
    fo_msg_free (&rl->msg);
}

static void
timer_push (uint32_t index, running_lease *rl)
{
    if (timers.len == timers.cap) {
        size_t cap = timers.cap ? timers.cap * 2 : 256;
        running_lease *items = fo_xcalloc (cap, sizeof *items);
        uint32_t *who = fo_xcalloc (cap, sizeof *who);
        for (size_t i = 0; i < timers.len; i++) {
            items[i] = timers.items[(timers.head + i) % timers.cap];
            who[i] = timers.agent[(timers.head + i) % timers.cap];
        }
        free (timers.items);
        free (timers.agent);
        timers.items = items;
        timers.agent = who;
        timers.head = 0;
        timers.cap = cap;
    }
    size_t at = (timers.head + timers.len++) % timers.cap;
    timers.items[at] = *rl;
    timers.agent[at] = index;
}

/* Delay mode: the lease takes a free slot and is due after the delay. */
static void
start_lease (agent *a, running_lease *rl)
{
    rl->due_us = fo_now_us () + opt.delay_us;
    a->busy++;
    timer_push (a->index, rl);
}

static void
queue_lease (agent *a, running_lease *rl)
{
    if (a->qhead + a->qlen == a->qcap) {
        if (a->qhead > 0) {
            memmove (a->queue, a->queue + a->qhead, a->qlen * sizeof *a->queue);
            a->qhead = 0;
        }
        else {
            a->qcap = a->qcap ? a->qcap * 2 : 8;
            a->queue = fo_xrealloc (a->queue, a->qcap * sizeof *a->queue);
        }
    }
    a->queue[a->qhead + a->qlen++] = *rl;
}

/* Delay mode: answers every lease that is due, and starts queued ones in
   the slots that frees. */
static uint64_t
run_timers (void)
{
    uint64_t now = fo_now_us ();
    while (timers.len > 0) {
        running_lease *rl = &timers.items[timers.head];
        if (rl->due_us > now)
            return rl->due_us - now;
        agent *a = &agents[timers.agent[timers.head]];
        running_lease taken = *rl;
        timers.head = (timers.head + 1) % timers.cap;
        timers.len--;
        a->busy--;
        if (!a->shut_down)
            answer (a, &taken);
        else
            fo_msg_free (&taken.msg);
        if (a->qlen > 0 && !a->shut_down) {
            running_lease next = a->queue[a->qhead++];
            a->qlen--;
            next.slot = taken.slot;
            start_lease (a, &next);
        }
        else if (a->idle++ == 0)
            a->idle_us = now;   /* the slot waits for a lease from now */
    }
    return UINT64_MAX;
}

/* ---- receiving ---------------------------------------------------------- */

static void
note_credit (const agent *a)
{
    uint64_t credit = (uint64_t) a->flow.slots + a->flow.prefetch + a->flow.extra;
    if (credit > credit_max)
        credit_max = credit;
}

static void
on_lease (agent *a, fo_msg *msg)
{
    if (first_lease_us == 0) {
        first_lease_us = fo_now_us ();
        if (opt.broker_pid > 0)
            broker_cpu_start = proc_cpu_ns (opt.broker_pid);
    }
    running_lease rl = { .msg = *msg };
    memset (msg, 0, sizeof *msg);
    if (a->idle > 0) {          /* a slot waited for this lease */
        a->idle--;
        a->ask += fo_flow_waited (&a->flow, fo_now_us () - a->idle_us, opt.delay_us);
    }
    if (opt.delay_us == 0) {
        rl.slot = 0;
        answer (a, &rl);
        return;
    }
    if (a->busy < opt.slots) {
        rl.slot = a->busy;
        start_lease (a, &rl);
    }
    else
        queue_lease (a, &rl);
}

static void
handle (agent *a, fo_msg *msg)
{
    switch (msg->type) {
    case FO_MSG_WELCOME: {
        a->welcomed = true;
        a->heartbeat_ms = msg->u.welcome.heartbeat_ms ? msg->u.welcome.heartbeat_ms : 1000;
        fo_msg req = { .type = FO_MSG_REQUEST };
        req.u.request.credit = fo_flow_init (&a->flow, opt.slots, opt.prefetch);
        send_msg (a, &req);
        note_credit (a);     /* a slot's first lease measures nothing (fo_agent) */
        break;
    }
    case FO_MSG_LEASE:
        on_lease (a, msg);
        break;
    case FO_MSG_SHUTDOWN:
        if (!a->shut_down) {
            a->shut_down = true;
            if (shut_down++ == 0) {
                end_us = fo_now_us ();
                if (opt.broker_pid > 0)
                    broker_cpu_end = proc_cpu_ns (opt.broker_pid);
            }
        }
        break;
    case FO_MSG_REFUSE:
        fprintf (stderr, "fo_loadgen: the broker refused agent %u: %s\n", a->index,
                 msg->u.refuse.reason);
        failed = 1;
        break;
    case FO_MSG_CANCEL:
        /* Answered leases are gone already; a queued one is answered as if
           it ran (the broker drops what it no longer expects). */
        break;
    default:
        break;
    }
}

/* Reads until the socket has nothing. A receive that finds nothing has
   ZeroMQ process the socket's commands first (which re-arms ZMQ_FD), so no
   ZMQ_EVENTS call is needed around it: each of those cost a poll and a
   getpid system call inside libzmq, two per drain. */
static void
drain (agent *a)
{
    for (;;) {
        fo_msg msg;
        char why[256];
        fo_wire_status st = fo_wire_inbox_recv (&a->inbox, a->sock, false, NULL, NULL, &msg,
                                                why, sizeof why);
        if (st == FO_WIRE_NONE)
            return;
        if (st == FO_WIRE_MSG && msg.type == FO_MSG_LEASE)
            frame_leases++;
        if (!fo_wire_inbox_pending (&a->inbox)) {
            frames_in++;        /* a frame's last (or only) message */
            /* handled below: the first lease's frame is in, the first
               shutdown's too (end_us is set by it) */
            run_frames_in += (first_lease_us || (st == FO_WIRE_MSG && msg.type == FO_MSG_LEASE))
                             && !end_us;
            log_frame (false, frame_leases);
            frame_leases = 0;
        }
        if (st != FO_WIRE_MSG) {
            fprintf (stderr, "fo_loadgen: agent %u got a bad message: %s\n", a->index, why);
            failed = 1;
            continue;
        }
        handle (a, &msg);
        fo_msg_free (&msg);
        if (a->ask > 0 && !fo_wire_inbox_pending (&a->inbox)) {
            /* The frame's leases asked for more credit (fo_flow.h). */
            fo_msg req = { .type = FO_MSG_REQUEST, .u.request.credit = a->ask };
            a->ask = 0;
            send_msg (a, &req);
            note_credit (a);
        }
    }
}

/* ---- main --------------------------------------------------------------- */

static void
usage (FILE *out)
{
    fprintf (out,
             "usage: fo_loadgen --connect ENDPOINT [OPTIONS]\n"
             "  -c, --connect ENDPOINT  the broker (tcp://127.0.0.1:PORT, ipc://PATH)\n"
             "  -a, --agents N          fake agents, one DEALER socket each (default 16, at most %u)\n"
             "  -s, --slots S           slots per agent (default 4)\n"
             "  -p, --prefetch P        leases asked beyond the slots (default 1)\n"
             "  -d, --delay-us US       answer each lease after US microseconds in a slot\n"
             "                          (default 0: at once)\n"
             "  -b, --broker-pid PID    read the broker's CPU and peak RSS from /proc\n"
             "  -t, --timeout S         give up after S seconds (default 600)\n"
             "  -v, --verbose           per-agent counts on stderr\n"
             "  -f, --frames            frames per agent by phase of the run, and leases\n"
             "                          (dones) per frame, on stderr\n",
             MAX_AGENTS);
}

static int
parse_u (const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull (s, &end, 10);
    if (errno || end == s || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int
parse_args (int argc, char **argv)
{
    static const struct option longopts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "agents", required_argument, NULL, 'a' },
        { "slots", required_argument, NULL, 's' },
        { "prefetch", required_argument, NULL, 'p' },
        { "delay-us", required_argument, NULL, 'd' },
        { "broker-pid", required_argument, NULL, 'b' },
        { "timeout", required_argument, NULL, 't' },
        { "verbose", no_argument, NULL, 'v' },
        { "frames", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    unsigned long long v;
    while ((c = getopt_long (argc, argv, "c:a:s:p:d:b:t:vfh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': opt.endpoint = optarg; break;
        case 'a':
            if (parse_u (optarg, MAX_AGENTS, &v) || v == 0) goto bad;
            opt.agents = (uint32_t) v;
            break;
        case 's':
            if (parse_u (optarg, MAX_SLOTS, &v) || v == 0) goto bad;
            opt.slots = (uint32_t) v;
            break;
        case 'p':
            if (parse_u (optarg, 1000, &v)) goto bad;
            opt.prefetch = (uint32_t) v;
            break;
        case 'd':
            if (parse_u (optarg, 3600000000ull, &v)) goto bad;
            opt.delay_us = v;
            break;
        case 'b':
            if (parse_u (optarg, 1u << 30, &v)) goto bad;
            opt.broker_pid = (int) v;
            break;
        case 't':
            if (parse_u (optarg, 86400, &v) || v == 0) goto bad;
            opt.timeout_s = (uint32_t) v;
            break;
        case 'v': opt.verbose = true; break;
        case 'f': opt.frames = true; break;
        case 'h': usage (stdout); exit (0);
        default: goto bad_usage;
        }
    }
    if (!opt.endpoint || optind != argc)
        goto bad_usage;
    return 0;
bad:
    fprintf (stderr, "fo_loadgen: bad value '%s' for -%c\n", optarg, c);
    return -1;
bad_usage:
    usage (stderr);
    return -1;
}

static double
self_cpu_s (void)
{
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
         + (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main (int argc, char **argv)
{
    if (parse_args (argc, argv) != 0)
        return 2;
    void *ctx = zmq_ctx_new ();
    /* One socket per agent: past libzmq's default of 1023 sockets. */
    zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) opt.agents + 16);
    int ep = epoll_create1 (EPOLL_CLOEXEC);
    if (!ctx || ep < 0) {
        fprintf (stderr, "fo_loadgen: cannot set up ZeroMQ or epoll\n");
        return 1;
    }
    agents = fo_xcalloc (opt.agents, sizeof *agents);
    dirty = fo_xcalloc (opt.agents, sizeof *dirty);
    outq = fo_xcalloc (opt.agents, sizeof *outq);
    for (uint32_t i = 0; i < opt.agents; i++) {
        agent *a = &agents[i];
        a->index = i;
        snprintf (a->host, sizeof a->host, "lg%u", i);
        snprintf (a->id, sizeof a->id, "loadgen:%d:%u", (int) getpid (), i);
        a->sock = zmq_socket (ctx, ZMQ_DEALER);
        if (!a->sock || fo_wire_configure (a->sock) != 0
            || zmq_connect (a->sock, opt.endpoint) != 0) {
            fprintf (stderr, "fo_loadgen: agent %u cannot connect to %s: %s\n", i,
                     opt.endpoint, zmq_strerror (errno));
            return 1;
        }
        size_t len = sizeof a->fd;
        zmq_getsockopt (a->sock, ZMQ_FD, &a->fd, &len);
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
        if (epoll_ctl (ep, EPOLL_CTL_ADD, a->fd, &ev) != 0) {
            fprintf (stderr, "fo_loadgen: epoll_ctl: %s\n", strerror (errno));
            return 1;
        }
        fo_msg hello = { .type = FO_MSG_HELLO };
        hello.u.hello = (fo_hello) { .agent_id = a->id, .host = a->host, .slots = opt.slots };
        send_msg (a, &hello);
        flush_all ();
    }

    uint64_t give_up = fo_now_ms () + (uint64_t) opt.timeout_s * 1000u;
    uint64_t next_heartbeat_check = fo_now_ms () + HEARTBEAT_CHECK_MS;
    struct epoll_event events[256];
    while (shut_down < opt.agents && !failed) {
        flush_all ();
        /* Sockets something was sent on: ZMQ_FD may not fire for them. */
        bool any_dirty = ndirty > 0;
        while (ndirty > 0) {
            agent *a = &agents[dirty[--ndirty]];
            a->listed = false;
            drain (a);
        }
        uint64_t wait_us = opt.delay_us ? run_timers () : UINT64_MAX;
        flush_all ();
        uint64_t now_ms = fo_now_ms ();
        if (now_ms >= give_up) {
            fprintf (stderr, "fo_loadgen: timed out after %u s (%zu of %u agents got shutdown, "
                     "%" PRIu64 " tests answered)\n", opt.timeout_s, shut_down, opt.agents,
                     total_tests);
            failed = 1;
            break;
        }
        if (now_ms >= next_heartbeat_check) {
            next_heartbeat_check = now_ms + HEARTBEAT_CHECK_MS;
            for (uint32_t i = 0; i < opt.agents; i++) {
                agent *a = &agents[i];
                if (a->welcomed && !a->shut_down && now_ms - a->last_send_ms >= a->heartbeat_ms / 2) {
                    fo_msg hb = { .type = FO_MSG_HEARTBEAT };
                    send_msg (a, &hb);
                }
            }
            flush_all ();
        }
        int timeout = HEARTBEAT_CHECK_MS;
        if (wait_us != UINT64_MAX && wait_us / 1000 < (uint64_t) timeout)
            timeout = (int) (wait_us / 1000);
        if (any_dirty)
            timeout = 0;
        int n = epoll_wait (ep, events, 256, timeout);
        if (n < 0 && errno != EINTR) {
            fprintf (stderr, "fo_loadgen: epoll_wait: %s\n", strerror (errno));
            failed = 1;
            break;
        }
        for (int k = 0; k < n; k++) {
            drain (&agents[events[k].data.u32]);
            flush (&agents[events[k].data.u32]);    /* its answers in one frame */
        }
    }
    double cpu = self_cpu_s ();
    long hwm = opt.broker_pid > 0 ? proc_status_kb (opt.broker_pid, "VmHWM") : -1;
    if (end_us == 0)
        end_us = fo_now_us ();
    double seconds = first_lease_us ? (double) (end_us - first_lease_us) / 1e6 : 0.0;
    double tps = seconds > 0 ? (double) total_tests / seconds : 0.0;
    double per = total_tests ? 1.0 / (double) total_tests : 0.0;
    double broker_us = broker_cpu_start >= 0 && broker_cpu_end >= 0
        ? (double) (broker_cpu_end - broker_cpu_start) / 1e3 * per : -1.0;
    printf ("agents=%u slots=%u delay_us=%" PRIu64 " tests=%" PRIu64 " leases=%" PRIu64
            " seconds=%.3f tests_per_s=%.0f broker_cpu_us_per_test=%.2f broker_peak_rss_kb=%ld"
            " loadgen_cpu_us_per_test=%.2f frames_in=%" PRIu64 " frames_out=%" PRIu64
            " run_frames_in=%" PRIu64 " run_frames_out=%" PRIu64 " credit_max=%" PRIu64 "\n",
            opt.agents, opt.slots, opt.delay_us, total_tests, total_leases, seconds, tps,
            broker_us, hwm, cpu * 1e6 * per, frames_in, frames_out, run_frames_in,
            run_frames_out, credit_max);
    if (opt.frames)
        print_frames ();
    if (opt.verbose)
        for (uint32_t i = 0; i < opt.agents; i++)
            fprintf (stderr, "agent %u: %" PRIu64 " leases, %" PRIu64 " tests\n", i,
                     agents[i].leases, agents[i].tests);
    for (uint32_t i = 0; i < opt.agents; i++) {
        agent *a = &agents[i];
        for (size_t k = 0; k < a->qlen; k++)
            fo_msg_free (&a->queue[a->qhead + k].msg);
        free (a->queue);
        fo_wire_inbox_free (&a->inbox);
        fo_batch_buf_free (&a->outbox);
        zmq_close (a->sock);
    }
    for (size_t k = 0; k < timers.len; k++)
        fo_msg_free (&timers.items[(timers.head + k) % timers.cap].msg);
    free (timers.items);
    free (timers.agent);
    free (agents);
    free (dirty);
    free (outq);
    fo_buf_free (&scratch);
    free (frame_log);
    close (ep);
    zmq_ctx_term (ctx);
    return failed ? 1 : 0;
}
