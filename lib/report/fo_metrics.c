/*  fo_metrics — see fo_metrics.h. */
#include "fo_metrics.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A task as the events tell it (fo_event.h: waits, leased, ended). */
enum { TASK_UNKNOWN = 0, TASK_WAITING, TASK_LEASED, TASK_ENDED };

typedef struct {
    bool joined;
    uint32_t slots;
    uint32_t leases;        /* leases it holds (a lost agent's end after it) */
} agent_rec;

/* The numbers a scrape shows: copied under the lock, formatted outside. */
typedef struct {
    size_t tests;           /* tests in the run now */
    size_t running;
    size_t done;            /* with a final outcome */
    size_t outcomes[FO_OUTCOME_COUNT];
    size_t queued_tasks;
    size_t agents;
    uint64_t slots;         /* of the agents connected */
    uint64_t busy;
    uint64_t results;
    uint64_t leases_lost;
} numbers;

struct fo_metrics {
    pthread_mutex_t lock;
    char *suite;
    numbers n;
    uint8_t *running;       /* per test: started, no result yet */
    size_t running_cap;
    uint8_t *tasks;         /* per task: TASK_* */
    size_t tasks_cap;
    agent_rec *agents;      /* index: the broker's agent number */
    size_t agents_cap;
};

fo_metrics *
fo_metrics_new (const char *suite)
{
    fo_metrics *self = fo_xcalloc (1, sizeof *self);
    pthread_mutex_init (&self->lock, NULL);
    self->suite = fo_xstrdup (suite ? suite : "");
    return self;
}

void
fo_metrics_destroy (fo_metrics **self_p)
{
    fo_metrics *self = *self_p;
    if (!self)
        return;
    pthread_mutex_destroy (&self->lock);
    free (self->suite);
    free (self->running);
    free (self->tasks);
    free (self->agents);
    free (self);
    *self_p = NULL;
}

/* Grows a zeroed array to hold index `need - 1` (doubling: O(1) amortised). */
static void *
grow (void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return items;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    items = fo_xrealloc (items, n * size);
    memset ((char *) items + *cap * size, 0, (n - *cap) * size);
    *cap = n;
    return items;
}

/* ---- tests ---------------------------------------------------------------- */

static void
set_running (fo_metrics *self, size_t test, bool running)
{
    self->running = grow (self->running, &self->running_cap, test + 1, 1);
    if (self->running[test] == running)
        return;
    self->running[test] = running;
    if (running)
        self->n.running++;
    else
        self->n.running--;
}

static void
finished (fo_metrics *self, size_t test, fo_outcome outcome)
{
    set_running (self, test, false);
    if ((unsigned) outcome < FO_OUTCOME_COUNT)
        self->n.outcomes[outcome]++;
    self->n.done++;
    if (outcome != FO_NOT_RUN)
        self->n.results++;
}

/* ---- tasks ---------------------------------------------------------------- */

/* An ended task stays ended. */
static void
set_task (fo_metrics *self, size_t task, uint8_t state)
{
    self->tasks = grow (self->tasks, &self->tasks_cap, task + 1, 1);
    uint8_t old = self->tasks[task];
    if (old == TASK_ENDED)
        return;
    if (old == TASK_WAITING)
        self->n.queued_tasks--;
    if (state == TASK_WAITING)
        self->n.queued_tasks++;
    self->tasks[task] = state;
}

/* ---- agents and slots ---------------------------------------------------- */

static agent_rec *
agent_of (fo_metrics *self, uint32_t number)
{
    self->agents = grow (self->agents, &self->agents_cap, (size_t) number + 1, sizeof (agent_rec));
    return &self->agents[number];
}

/* An agent's busy slots: its leases, at most its slots (a prefetched lease
   waits in the agent for a free slot). */
static uint64_t
busy_of (const agent_rec *a)
{
    return a->joined ? (a->leases < a->slots ? a->leases : a->slots) : 0;
}

/* Changes an agent's leases by +1 or -1, keeping the busy total. */
static void
add_lease (fo_metrics *self, uint32_t number, int delta)
{
    agent_rec *a = agent_of (self, number);
    if (delta < 0 && a->leases == 0)
        return;
    self->n.busy -= busy_of (a);
    a->leases = delta < 0 ? a->leases - 1 : a->leases + 1;
    self->n.busy += busy_of (a);
}

static void
agent_joined (fo_metrics *self, uint32_t number, uint32_t slots)
{
    agent_rec *a = agent_of (self, number);
    if (a->joined)
        return;
    *a = (agent_rec) { .joined = true, .slots = slots };
    self->n.agents++;
    self->n.slots += slots;
}

static void
agent_lost (fo_metrics *self, uint32_t number)
{
    agent_rec *a = agent_of (self, number);
    if (!a->joined)
        return;
    self->n.busy -= busy_of (a);
    self->n.slots -= a->slots;
    self->n.agents--;
    a->joined = false;          /* its leases' ends follow (LEASE_ENDED) */
}

/* ---- events --------------------------------------------------------------- */

/* The run is over: the tests' numbers are the final report's. */
static void
run_ended (fo_metrics *self, const fo_report *report)
{
    fo_report_counts (report, self->n.outcomes);
    self->n.tests = fo_report_ntests (report);
    self->n.done = self->n.tests;
    self->n.running = 0;
    self->n.queued_tasks = 0;
    self->n.agents = 0;
    self->n.slots = 0;
    self->n.busy = 0;
}

void
fo_metrics_event (fo_metrics *self, const fo_event *ev)
{
    pthread_mutex_lock (&self->lock);
    if (ev->report)
        self->n.tests = fo_report_ntests (ev->report);
    switch (ev->type) {
    case FO_EVENT_RUN_STARTED:
        for (size_t t = 0; t < ev->u.run_started.ntasks; t++)
            set_task (self, t, TASK_WAITING);
        break;
    case FO_EVENT_AGENT_JOINED:
        agent_joined (self, ev->u.agent.agent, ev->u.agent.slots);
        break;
    case FO_EVENT_AGENT_LOST:
        agent_lost (self, ev->u.agent.agent);
        break;
    case FO_EVENT_TASK_LEASED:
        set_task (self, ev->u.task_leased.task, TASK_LEASED);
        add_lease (self, ev->u.task_leased.agent, +1);
        break;
    case FO_EVENT_LEASE_ENDED:
        add_lease (self, ev->u.lease_ended.agent, -1);
        if (ev->u.lease_ended.how == FO_LEASE_LOST)
            self->n.leases_lost++;
        break;
    case FO_EVENT_TASK_QUEUED:
        /* Its running test (its lease was lost) waits again. */
        for (size_t i = 0; i < ev->u.task_queued.ntests; i++)
            set_running (self, ev->u.task_queued.tests[i], false);
        set_task (self, ev->u.task_queued.task, TASK_WAITING);
        break;
    case FO_EVENT_TASK_ENDED:
        set_task (self, ev->u.task_ended.task, TASK_ENDED);
        break;
    case FO_EVENT_TEST_STARTED:
        set_running (self, ev->u.test_started.test, true);
        break;
    case FO_EVENT_TEST_FINISHED:
        finished (self, ev->u.test_finished.test, ev->u.test_finished.record->outcome);
        break;
    case FO_EVENT_TRY_HELD:
        set_running (self, ev->u.try_held.test, false);
        self->n.results++;
        break;
    case FO_EVENT_RUN_ENDED:
        if (ev->report)
            run_ended (self, ev->report);
        break;
    default:
        break;
    }
    pthread_mutex_unlock (&self->lock);
}

/* ---- the exposition text ----------------------------------------------------- */

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0. */
static size_t
utf8_len (const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;     /* the second byte's range */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;                      /* no overlong form */
        else if (c == 0xED)
            hi = 0x9F;                      /* no surrogate */
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;                      /* at most U+10FFFF */
    }
    else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* A label value: backslash, double quote and newline escaped as the
   format says; a byte that is not UTF-8 (a path may hold any) becomes '?'
   (the format is UTF-8). */
static void
put_label_value (fo_buf *out, const char *value)
{
    const unsigned char *s = (const unsigned char *) value;
    while (*s) {
        size_t len = utf8_len (s);
        if (len == 0) {
            fo_buf_puts (out, "?");
            s++;
        }
        else if (*s == '\\' || *s == '"') {
            fo_buf_printf (out, "\\%c", *s);
            s++;
        }
        else if (*s == '\n') {
            fo_buf_puts (out, "\\n");
            s++;
        }
        else {
            fo_buf_append (out, s, len);
            s += len;
        }
    }
}

static void
head (fo_buf *out, const char *name, const char *type, const char *help)
{
    fo_buf_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
fo_metrics_render (fo_metrics *self, fo_buf *out)
{
    pthread_mutex_lock (&self->lock);
    numbers n = self->n;
    pthread_mutex_unlock (&self->lock);
    size_t waiting = n.tests > n.done + n.running ? n.tests - n.done - n.running : 0;

    /* self->suite never changes: read without the lock. */
    head (out, "fanout_run_info", "gauge", "The run this endpoint reports on: its suite file.");
    fo_buf_puts (out, "fanout_run_info{suite=\"");
    put_label_value (out, self->suite);
    fo_buf_puts (out, "\"} 1\n");

    head (out, "fanout_tests", "gauge",
          "Tests of the run by state: queued (no outcome yet, not running), running, "
          "or their final outcome.");
    fo_buf_printf (out, "fanout_tests{state=\"queued\"} %zu\n", waiting);
    fo_buf_printf (out, "fanout_tests{state=\"running\"} %zu\n", n.running);
    for (int o = 0; o < FO_OUTCOME_COUNT; o++)
        fo_buf_printf (out, "fanout_tests{state=\"%s\"} %zu\n", fo_outcome_name ((fo_outcome) o),
                       n.outcomes[o]);

    head (out, "fanout_queue_tasks", "gauge",
          "Tasks waiting for a lease (queued, parked until a shared fixture is up, or "
          "waiting for a discovery).");
    fo_buf_printf (out, "fanout_queue_tasks %zu\n", n.queued_tasks);

    head (out, "fanout_agents", "gauge", "Agents connected.");
    fo_buf_printf (out, "fanout_agents %zu\n", n.agents);

    head (out, "fanout_slots", "gauge",
          "Worker slots of the agents connected: busy (running a lease) or free.");
    fo_buf_printf (out, "fanout_slots{state=\"busy\"} %" PRIu64 "\n", n.busy);
    fo_buf_printf (out, "fanout_slots{state=\"free\"} %" PRIu64 "\n", n.slots - n.busy);

    head (out, "fanout_results_total", "counter",
          "Test results recorded: final outcomes but not_run, and failed tries held for "
          "a retry.");
    fo_buf_printf (out, "fanout_results_total %" PRIu64 "\n", n.results);

    head (out, "fanout_leases_lost_total", "counter", "Leases lost with their agent.");
    fo_buf_printf (out, "fanout_leases_lost_total %" PRIu64 "\n", n.leases_lost);
}
