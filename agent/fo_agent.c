/*  fo_agent — see fo_agent.h. One thread, one event loop: the DEALER socket
    and every running step's pipes and pidfd are polled together, so a result
    leaves the agent the moment its process is collected, and the next queued
    lease starts in the same iteration (no round trip between tasks). */
#include "fo_agent.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_agent_conn.h"
#include "fo_agent_state.h"
#include "fo_agent_outputs.h"
#include "fo_blob_cache.h"
#include "fo_fetcher.h"
#include "fo_capacity.h"
#include "fo_execution.h"
#include "fo_log.h"
#include "fo_reaper.h"
#include "fo_runner_process.h"
#include "fo_runner_python.h"
#include "fo_sweeper.h"
#include "fo_wire.h"
#include "fo_zpoll.h"

#define RECONNECT_MIN_MS 250
#define RECONNECT_MAX_MS 8000
/* Until the broker's welcome tells us its heartbeat, assume these. */
#define DEFAULT_HEARTBEAT_MS 1000
#define DEFAULT_LIVENESS 3
/* How long a bye may take to leave when the agent stops. */
#define BYE_LINGER_MS 1000
/* How long the end of a session waits for what tests left behind to die. */
#define FLUSH_MS 5000

typedef enum {
    SESSION_ENDED,      /* the broker shut the run down */
    SESSION_LOST,       /* the broker went silent, or its connection closed */
    SESSION_RETRY,      /* never welcomed: handshake refused or connection closed */
    SESSION_STOPPED,    /* *stop was set */
    SESSION_ABORTED,    /* *abort was set */
    SESSION_FATAL,      /* refused, or the socket failed: err set */
} session_end;



/* Kills everything running and reports queued leases as not run. The
   teardowns of completed setups still run, unless the run was aborted. */
static void
cancel_all (agent *self, const char *reason)
{
    for (uint32_t i = 0; i < self->options->slots; i++) {
        /* The chained ones first, the last first: a running step killed
           first could end, and its lane start the next, before that
           one's cancel stopped it. */
        fo_execution *all[1 + FO_AGENT_CHAIN_DEPTH] = { self->slots[i] };
        memcpy (all + 1, agent_next (self, i), FO_AGENT_CHAIN_DEPTH * sizeof *all);
        for (unsigned k = FO_AGENT_CHAIN_DEPTH + 1; k-- > 0;) {
            if (!all[k])
                continue;
            if (agent_aborted (self))
                fo_execution_abort (all[k], reason);
            else
                fo_execution_cancel (all[k], reason);
        }
    }
    fo_lease lease;
    while (agent_queue_pop (self, &lease)) {
        /* Run it as cancelled: every test is reported not_run, then done. */
        fo_execution *execution = fo_execution_new (&lease, 0, self->host, agent_on_result, self);
        fo_execution_cancel (execution, reason);
        while (!fo_execution_service (execution))
            ;
        agent_send_done (self, execution, 0);
        fo_execution_destroy (&execution);
    }
}

static bool
any_running (const agent *self)
{
    for (uint32_t i = 0; i < self->options->slots; i++)
        if (self->slots[i])
            return true;
    return false;
}

/* A lease that never starts: its tests end not run with the reason, its
   done gives its place back. */
static void
end_unstarted (agent *self, fo_lease *lease, const char *reason)
{
    fo_execution *execution = fo_execution_new (lease, 0, self->host, agent_on_result, self);
    fo_execution_cancel (execution, reason);
    while (!fo_execution_service (execution))
        ;
    agent_send_done (self, execution, 1);
    fo_execution_destroy (&execution);
}

static void
handle_cancel (agent *self, uint64_t lease_id, const char *reason)
{
    fo_lease waiting;
    if (self->fetcher && fo_fetcher_take (self->fetcher, lease_id, &waiting)) {
        end_unstarted (self, &waiting, reason);
        return;
    }
    for (uint32_t i = 0; i < self->options->slots; i++) {
        if (self->slots[i] && fo_execution_lease (self->slots[i]) == lease_id) {
            fo_execution_cancel (self->slots[i], reason);
            self->due[i] = true;
            return;
        }
        /* Chained after the slot's lease: it ends, cancelled, when it
           begins there (its steps may be the worker's already). */
        fo_execution **next = agent_next (self, i);
        for (unsigned k = 0; k < FO_AGENT_CHAIN_DEPTH && next[k]; k++)
            if (fo_execution_lease (next[k]) == lease_id) {
                fo_execution_cancel (next[k], reason);
                return;
            }
    }
    for (size_t k = 0; k < self->queue_len; k++) {
        fo_lease *lease = &self->queue[self->queue_head + k];
        if (lease->lease != lease_id)
            continue;
        fo_lease taken = *lease;
        memmove (lease, lease + 1, (self->queue_len - k - 1) * sizeof *lease);
        self->queue_len--;
        if (k == 0)     /* a new head: it waits from now (lease return) */
            self->queue_since_ms = self->queue_len ? fo_now_ms () : 0;
        fo_execution *execution = fo_execution_new (&taken, 0, self->host, agent_on_result, self);
        fo_execution_cancel (execution, reason);
        while (!fo_execution_service (execution))
            ;
        agent_send_done (self, execution, 1);     /* its place in the queue is free */
        fo_execution_destroy (&execution);
        return;
    }
}

/* The fetcher's hooks: a fetch goes out, a lease whose workspace is laid
   out joins the queue, one whose artifacts could not be had ends not run
   saying why. */
static void
fetch_send (void *arg, const fo_fetch *fetch)
{
    agent *self = arg;
    fo_msg msg = { .type = FO_MSG_FETCH, .u.fetch = *fetch };
    agent_send_msg (self, &msg);
}

static void
fetch_ready (void *arg, fo_lease *lease)
{
    agent *self = arg;
    agent_queue_push (self, lease);
    agent_fill_slots (self);
}

static void
fetch_failed (void *arg, fo_lease *lease, const char *why)
{
    end_unstarted ((agent *) arg, lease, why);
}

/* A session's fetcher and output directories (under the cache's
   directory; outputs under $TMPDIR without one), or their end. */
static void
session_fetcher (agent *self, bool open)
{
    if (!open) {
        fo_agent_outputs_destroy (&self->outputs);
        fo_fetcher_destroy (&self->fetcher);
        return;
    }
    self->outputs = fo_agent_outputs_open (self->cache ? fo_blob_cache_dir (self->cache) : NULL,
                                           self->agent_id);
    fo_fetcher_hooks hooks = { fetch_send, fetch_ready, fetch_failed, self };
    if (self->cache)
        self->fetcher = fo_fetcher_open (self->cache, self->agent_id, &hooks);
}

/* Handles one message. Returns -1 when the session must end (*end set). */
static int
handle_msg (agent *self, fo_msg *msg, session_end *end, char *err, size_t errlen)
{
    /* Leases start in new slots (due), chunks go to the fetcher; what else
       comes may concern any running lease. */
    if (msg->type != FO_MSG_LEASE && msg->type != FO_MSG_CHUNK && msg->type != FO_MSG_HEARTBEAT)
        agent_mark_all_due (self);
    switch (msg->type) {
    case FO_MSG_WELCOME:
        if (self->welcomed)
            break;
        self->welcomed = true;
        self->heartbeat_ms = msg->u.welcome.heartbeat_ms ? msg->u.welcome.heartbeat_ms : DEFAULT_HEARTBEAT_MS;
        self->liveness = msg->u.welcome.liveness ? msg->u.welcome.liveness : DEFAULT_LIVENESS;
        fo_log (FO_LOG_INFO, ROLE, "joined broker %s with %u slot%s", msg->u.welcome.broker_id,
                self->options->slots, self->options->slots == 1 ? "" : "s");
        /* A slot's first lease measures nothing: no lease ran before it. */
        memset (self->times, 0, self->options->slots * sizeof *self->times);
        self->ask = 0;
        agent_send_request (self, fo_flow_init (&self->flow, self->options->slots,
                                                self->options->prefetch));
        break;
    case FO_MSG_REFUSE:
        snprintf (err, errlen, "the broker refused this agent: %s", msg->u.refuse.reason);
        *end = SESSION_FATAL;
        return -1;
    case FO_MSG_LEASE:
        if (!self->welcomed) {
            fo_log (FO_LOG_WARN, ROLE, "ignored lease %llu: the broker has not welcomed this agent",
                    (unsigned long long) msg->u.lease.lease);
            break;
        }
        fo_lease_apply_env (&msg->u.lease);    /* shared contexts' exports */
        if (msg->u.lease.manifest && msg->u.lease.manifest[0]) {
            /* Its artifacts first (docs/artifacts.md). */
            if (self->fetcher)
                fo_fetcher_add (self->fetcher, &msg->u.lease);
            else
                end_unstarted (self, &msg->u.lease, "the tests need artifacts shipped and this "
                               "agent has no cache for them (fanout agent --cache-dir)");
            break;
        }
        agent_queue_push (self, &msg->u.lease);
        agent_fill_slots (self);
        break;
    case FO_MSG_CHUNK:
        if (self->fetcher)
            fo_fetcher_on_chunk (self->fetcher, &msg->u.chunk);
        break;
    case FO_MSG_CANCEL:
        handle_cancel (self, msg->u.cancel.lease, msg->u.cancel.reason);
        break;
    case FO_MSG_SHUTDOWN:
        fo_log (FO_LOG_INFO, ROLE, "the broker ended the run: %s", msg->u.shutdown.reason);
        *end = SESSION_ENDED;
        return -1;
    case FO_MSG_HEARTBEAT:
        break;
    default:
        fo_log (FO_LOG_WARN, ROLE, "ignored unexpected %s message from the broker",
                fo_msg_type_name (msg->type));
        break;
    }
    return 0;
}

/* Reads everything waiting on the socket. */
static int
read_socket (agent *self, session_end *end, char *err, size_t errlen)
{
    for (;;) {
        fo_msg msg;
        char why[256];
        fo_wire_status st = fo_wire_inbox_recv (&self->inbox, self->raw, false, NULL, NULL, &msg,
                                                why, sizeof why);
        if (st == FO_WIRE_NONE)
            return 0;
        self->last_recv_ms = fo_now_ms ();
        if (st == FO_WIRE_ERROR) {
            snprintf (err, errlen, "%s", why);
            *end = SESSION_FATAL;
            return -1;
        }
        if (st == FO_WIRE_BAD_VERSION) {
            /* Peers of different versions never half-understand each other. */
            snprintf (err, errlen, "the broker at %s speaks another protocol: %s",
                      self->options->endpoint, why);
            *end = SESSION_FATAL;
            return -1;
        }
        if (st != FO_WIRE_MSG) {
            /* The first few, then every power of two: a broken peer must
               not be able to flood the log. */
            size_t n = ++self->bad_messages;
            if (n <= 5 || (n & (n - 1)) == 0)
                fo_log (FO_LOG_WARN, ROLE, "dropped a bad message from the broker: %s "
                        "(%zu so far)", why, n);
            continue;
        }
        int rc = handle_msg (self, &msg, end, err, errlen);
        fo_msg_free (&msg);
        if (rc != 0)
            return rc;
    }
}

/* Kills everything and services the slots until all processes are gone.
   Nothing of it is reported: the session is over, and the broker re-leases
   what this agent held (it said bye, or it will notice the silence). */
static void
wind_down (agent *self, const char *reason)
{
    agent_flush_results (self);       /* what was known before the end still goes */
    self->muted = true;
    cancel_all (self, reason);
    size_t max_items = FO_EXECUTION_MAX_FDS * (size_t) self->options->slots;
    zmq_pollitem_t *items = fo_xcalloc (max_items, sizeof *items);
    while (any_running (self)) {
        int n = 0;
        uint64_t deadline = UINT64_MAX;
        for (uint32_t i = 0; i < self->options->slots; i++) {
            if (!self->slots[i])
                continue;
            int fds[FO_EXECUTION_MAX_FDS];
            int k = fo_execution_pollfds (self->slots[i], fds);
            for (int j = 0; j < k; j++)
                items[n++] = (zmq_pollitem_t) { .fd = fds[j], .events = ZMQ_POLLIN };
            uint64_t d = fo_execution_deadline_ms (self->slots[i]);
            if (d < deadline)
                deadline = d;
        }
        uint64_t now = fo_now_ms ();
        long timeout = deadline == UINT64_MAX ? 100 : (deadline > now ? (long) (deadline - now) : 0);
        if (timeout > 100)
            timeout = 100;
        fo_zpoll (items, n, timeout);
        for (uint32_t i = 0; i < self->options->slots; i++)
            if (self->slots[i] && fo_execution_service (self->slots[i]))
                agent_slot_done (self, i, 0);
        fo_sweeper_service (self->sweeper);
    }
    free (items);
    /* Nothing of this session may survive it. */
    fo_sweeper_add_since (self->sweeper, self->token, self->session_mark);
    fo_sweeper_flush (self->sweeper, FLUSH_MS);
}

/* Sends what the session's end calls for and closes the connection. */
static void
close_session (agent *self, session_end end, const char *reason)
{
    agent_flush_outbox (self);      /* what a pass held */
    wind_down (self, reason);
    session_fetcher (self, false);     /* its workspaces go: nothing runs in them now */
    uint32_t linger = 0;
    if ((end == SESSION_STOPPED || end == SESSION_ABORTED || end == SESSION_FATAL)
        && self->welcomed) {
        /* Tell the broker at once, so that it re-leases our tasks now
           instead of after the liveness timeout. */
        self->muted = false;
        agent_send_simple (self, FO_MSG_BYE, reason);
        linger = BYE_LINGER_MS;
    }
    fo_agent_conn_destroy (&self->conn, linger);
    self->raw = NULL;
    fo_wire_inbox_clear (&self->inbox);     /* leases of the old session */
    fo_batch_buf_reset (&self->outbox);
}

static session_end
run_session (agent *self, char *err, size_t errlen)
{
    fo_conn_options co = {
        .endpoint = self->options->endpoint,
        .public_txt = self->options->curve_public,
        .secret_txt = self->options->curve_secret,
        .server_txt = self->options->curve_server,
    };
    self->conn = fo_agent_conn_new (&co, err, errlen);
    if (!self->conn)
        return SESSION_FATAL;
    self->raw = fo_agent_conn_socket (self->conn);
    void *monitor = fo_agent_conn_pollsocket (self->conn);
    self->welcomed = false;
    self->muted = false;
    self->send_failed = false;
    self->session++;
    self->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
    self->liveness = DEFAULT_LIVENESS;
    self->last_recv_ms = fo_now_ms ();

    self->session_mark = fo_sweeper_mark ();
    fo_msg hello = { .type = FO_MSG_HELLO };
    hello.u.hello.agent_id = self->agent_id;
    hello.u.hello.host = (char *) self->host;
    hello.u.hello.slots = self->options->slots;
    /* Borrowed: hello is not freed. */
    if (self->options->offer) {
        hello.u.hello.resources = self->options->offer->resources;
        hello.u.hello.nresources = self->options->offer->nresources;
        hello.u.hello.labels = self->options->offer->labels;
    }
    agent_send_msg (self, &hello);
    session_fetcher (self, true);

    size_t max_items = 2 + FO_EXECUTION_MAX_FDS * (size_t) self->options->slots;
    zmq_pollitem_t *items = fo_xcalloc (max_items, sizeof *items);
    uint32_t *item_slot = fo_xcalloc (max_items, sizeof *item_slot);  /* slot of items[k] */
    agent_mark_all_due (self);
    session_end end = SESSION_ENDED;
    for (;;) {
        if (agent_aborted (self)) {
            end = SESSION_ABORTED;
            break;
        }
        if (self->options->stop && *self->options->stop) {
            end = SESSION_STOPPED;
            break;
        }
        size_t n = 0;
        items[n++] = (zmq_pollitem_t) { .socket = self->raw, .events = ZMQ_POLLIN };
        if (monitor)
            items[n++] = (zmq_pollitem_t) { .socket = monitor, .events = ZMQ_POLLIN };
        uint64_t now = fo_now_ms ();
        uint64_t deadline = self->last_send_ms + self->heartbeat_ms;
        uint64_t sweep = fo_sweeper_deadline_ms (self->sweeper);
        if (sweep < deadline)
            deadline = sweep;
        uint64_t held = agent_hold_deadline_ms (self);
        if (held < deadline)
            deadline = held;
        uint64_t strand = agent_return_deadline_ms (self);
        if (strand < deadline)
            deadline = strand;
        uint64_t unbind = agent_unbind_deadline_ms (self);
        if (unbind < deadline)
            deadline = unbind;
        for (uint32_t i = 0; i < self->options->slots; i++) {
            if (!self->slots[i])
                continue;
            int fds[FO_EXECUTION_MAX_FDS];
            int k = fo_execution_pollfds (self->slots[i], fds);
            for (int j = 0; j < k; j++) {
                item_slot[n] = i;
                items[n++] = (zmq_pollitem_t) { .fd = fds[j], .events = ZMQ_POLLIN };
            }
            uint64_t d = fo_execution_deadline_ms (self->slots[i]);
            if (d < deadline)
                deadline = d;
        }
        long timeout = deadline > now ? (long) (deadline - now) : 0;
        if (timeout > 200)
            timeout = 200;  /* also how often *stop is checked */
        if (fo_zpoll (items, (int) n, timeout) < 0 && errno != EINTR) {
            snprintf (err, errlen, "poll failed: %s", zmq_strerror (errno));
            end = SESSION_FATAL;
            break;
        }
        /* Due: the slots whose fds polled, and those whose deadline came. */
        for (size_t k = 1 + (monitor != NULL); k < n; k++)
            if (items[k].revents)
                self->due[item_slot[k]] = true;
        now = fo_now_ms ();
        for (uint32_t i = 0; i < self->options->slots; i++)
            if (self->slots[i] && fo_execution_deadline_ms (self->slots[i]) <= now)
                self->due[i] = true;
        /* An abort usually comes with every process killed: servicing the
           slots now would start the next steps (teardowns) of the tasks. */
        if (agent_aborted (self)) {
            end = SESSION_ABORTED;
            break;
        }
        if (items[0].revents & ZMQ_POLLIN && read_socket (self, &end, err, errlen) != 0)
            break;
        fo_conn_state cs = fo_agent_conn_service (self->conn, self->why, sizeof self->why);
        if (cs != FO_CONN_PENDING) {
            self->rejected = cs == FO_CONN_REJECTED;
            if (self->welcomed)
                fo_log (FO_LOG_WARN, ROLE, "lost the broker: %s", self->why);
            end = self->welcomed ? SESSION_LOST : SESSION_RETRY;
            break;
        }
        agent_unbind_slow (self);
        agent_service_slots (self);
        fo_sweeper_service (self->sweeper);
        now = fo_now_ms ();
        if (self->welcomed && now - self->last_send_ms >= self->heartbeat_ms)
            agent_send_simple (self, FO_MSG_HEARTBEAT, NULL);
        /* A long pass over the slots (a program printing a million TAP
           points, read 1 MiB at a time) is no silence of the broker's:
           what it sent meanwhile is read before judging. */
        if (self->welcomed && now - self->last_recv_ms > (uint64_t) self->heartbeat_ms * self->liveness) {
            if (read_socket (self, &end, err, errlen) != 0)
                break;
            now = fo_now_ms ();
        }
        if (self->welcomed && now - self->last_recv_ms > (uint64_t) self->heartbeat_ms * self->liveness) {
            fo_log (FO_LOG_WARN, ROLE, "lost the broker at %s (silent for %llu ms)",
                    self->options->endpoint, (unsigned long long) (now - self->last_recv_ms));
            end = SESSION_LOST;
            break;
        }
    }
    free (items);
    free (item_slot);
    const char *reason = end == SESSION_ENDED ? "the run ended"
                       : end == SESSION_LOST ? "lost the broker"
                       : end == SESSION_RETRY ? "no session with the broker"
                       : end == SESSION_STOPPED ? "the agent was stopped"
                       : end == SESSION_ABORTED ? ABORT_REASON
                       : "agent error";
    close_session (self, end, reason);
    return end;
}

/* Sleeps ms in small steps; false when *stop or *abort was set meanwhile. */
static bool
pause_ms (const fo_agent_options *options, uint32_t ms)
{
    for (uint32_t waited = 0; waited < ms; waited += 50) {
        if ((options->stop && *options->stop) || (options->abort && *options->abort))
            return false;
        zclock_sleep (50);
    }
    return !((options->stop && *options->stop) || (options->abort && *options->abort));
}

int
fo_agent_run (const fo_agent_options *options, char *err, size_t errlen)
{
    if (options->slots == 0) {
        snprintf (err, errlen, "an agent needs at least one worker slot");
        return -1;
    }
    char hostname[256] = "localhost";
    if (!options->host && gethostname (hostname, sizeof hostname) != 0)
        snprintf (hostname, sizeof hostname, "localhost");
    hostname[sizeof hostname - 1] = '\0';

    agent self = { .options = options, .host = options->host ? options->host : hostname };
    snprintf (self.agent_id, sizeof self.agent_id, "%s:%d:%08x", self.host, (int) getpid (),
              (unsigned) (fo_now_us () & 0xffffffffu));
    self.slots = fo_xcalloc (options->slots, sizeof *self.slots);
    self.next = fo_xcalloc ((size_t) options->slots * FO_AGENT_CHAIN_DEPTH, sizeof *self.next);
    self.due = fo_xcalloc (options->slots, sizeof *self.due);
    self.times = fo_xcalloc (options->slots, sizeof *self.times);
    /* Each slot's runner: a process per step, and the steps of Python
       suites in the slot's persistent Python worker, started when the
       first comes, with "<self.token>/runner-<slot>" as its own token
       (fo_runner.h, fo_runner_python.h). The token is made below. */
    self.runners = fo_xcalloc (options->slots, sizeof *self.runners);
    /* Running out of descriptors must not fail tests (fo_capacity.h). */
    fo_capacity_check_descriptors (options->slots);
    self.capacity = fo_capacity_new (options->slots);
    /* The slots' children exec side by side, not one after another in
       this thread (fo_spawner.h). */
    self.spawner = fo_spawner_new (fo_spawner_threads_for (options->slots));
    /* ...and each slot's next test starts at its last one's exit, from
       the thread that saw it (fo_agent_slots.c, chained leases). */
    self.lanes = fo_spawner_new_lanes (fo_spawner_lanes_for (options->slots));
    /* Orphans of our tests are re-parented to us, to be found and killed. */
    if (fo_reaper_become_subreaper () != 0)
        fo_log (FO_LOG_WARN, ROLE, "cannot become a child subreaper (%s): processes that "
                "escape a test's process group may survive it", strerror (errno));
    if (options->cache_dir) {
        /* Counted, not hashed: a blob is checked at its first use. */
        self.cache = fo_blob_cache_open (options->cache_dir, options->cache_size
                                         ? options->cache_size : FO_BLOB_CACHE_DEFAULT_SIZE,
                                         err, errlen);
        if (!self.cache && !options->cache_dir_given) {
            /* The default place (a read-only home, a container): the agent
               still runs every test that ships nothing. */
            fo_log (FO_LOG_WARN, ROLE, "%s; no artifacts can be shipped to this agent "
                    "(--cache-dir)", err);
            err[0] = '\0';
        } else if (!self.cache) {
            free (self.slots);
            free (self.next);
            free (self.due);
            free (self.times);
            for (uint32_t i = 0; i < options->slots; i++)
                fo_runner_destroy (&self.runners[i]);
            free (self.runners);
            fo_capacity_destroy (&self.capacity);
            fo_spawner_destroy (&self.spawner);
            fo_spawner_destroy (&self.lanes);
            return -1;
        }
    }
    self.sweeper = fo_sweeper_new ();
    self.token = fo_xasprintf ("%s/agent-%08x", fo_reaper_base (),
                               (unsigned) ((fo_now_us () >> 4) & 0xffffffffu));
    for (uint32_t i = 0; i < options->slots; i++) {
        char *runner_token = fo_xasprintf ("%s/runner-%u", self.token, i + 1);
        self.runners[i] = fo_runner_python_new (runner_token, options->python);
        free (runner_token);
    }

    int rc = 0;
    uint32_t backoff = RECONNECT_MIN_MS;
    char last_why[sizeof self.why] = "";
    for (;;) {
        self.why[0] = '\0';
        self.rejected = false;
        session_end end = run_session (&self, err, errlen);
        if (end == SESSION_FATAL) {
            rc = -1;
            break;
        }
        if (end == SESSION_STOPPED || end == SESSION_ABORTED)
            break;
        if (options->once && end == SESSION_ENDED)
            break;
        if (options->once && end == SESSION_LOST) {
            snprintf (err, errlen, "lost the broker at %s", options->endpoint);
            rc = -1;
            break;
        }
        /* The Python workers of a run end with it (docs/python-workers.md):
           they tear down the split contexts they keep (all slots' side by
           side), and the next run, which may bring new code, imports its
           modules afresh. */
        if (self.welcomed) {
            fo_runner_python_end_all (self.runners, options->slots, options->abort);
            for (uint32_t i = 0; i < options->slots; i++) {
                fo_runner_destroy (&self.runners[i]);
                char *runner_token = fo_xasprintf ("%s/runner-%u", self.token, i + 1);
                self.runners[i] = fo_runner_python_new (runner_token, options->python);
                free (runner_token);
            }
        }
        /* A daemon (or a --once agent that never got its run): wait a little,
           longer after each session that did not get a welcome, and join
           again on a new socket. */
        if (self.welcomed)
            backoff = RECONNECT_MIN_MS;
        if (end == SESSION_RETRY && self.why[0]) {
            /* A refusal is worth a warning the first time; a connection that
               closed before the welcome (a broker that just finished) is not. */
            bool same = strcmp (self.why, last_why) == 0;
            fo_log (self.rejected && !same ? FO_LOG_WARN : FO_LOG_INFO, ROLE,
                    "%s; trying again in %g s", self.why, backoff / 1000.0);
            snprintf (last_why, sizeof last_why, "%s", self.why);
        }
        else if (self.welcomed)
            last_why[0] = '\0';
        if (!pause_ms (options, backoff))
            break;
        if (!self.welcomed)
            backoff = backoff * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : backoff * 2;
    }
    free (self.slots);
    free (self.next);
    free (self.due);
    free (self.times);
    /* Their workers tear down what they keep side by side (at most one
       grace in all), unless the agent was aborted. */
    fo_runner_python_end_all (self.runners, options->slots, options->abort);
    for (uint32_t i = 0; i < options->slots; i++)
        fo_runner_destroy (&self.runners[i]);
    free (self.runners);
    fo_capacity_destroy (&self.capacity);
    fo_spawner_destroy (&self.spawner);
    fo_spawner_destroy (&self.lanes);
    free (self.queue);
    free (self.pending);
    fo_batch_buf_free (&self.outbox);
    fo_wire_inbox_free (&self.inbox);
    fo_buf_free (&self.scratch);
    fo_sweeper_destroy (&self.sweeper);
    fo_blob_cache_destroy (&self.cache);
    free (self.token);
    return rc;
}
