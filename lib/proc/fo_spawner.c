/*  fo_spawner — see fo_spawner.h. One lock for every queue (one for a
    pool, one per lane): jobs are a few per millisecond at most, and each
    runs for far longer (a vfork) than the lock is held. */
#include "fo_spawner.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_spawn.h"
#include "fo_util.h"

typedef struct {
    fo_spawner_job *head, *tail;
    pthread_cond_t work;        /* a job queued here, or stopping */
    int notify_fd;              /* eventfd, semaphore mode: a count per done job
                                   asked about (-1 for a pool's others) */
} job_queue;

/* What a thread is given: its spawner, and the queue it serves. */
typedef struct {
    fo_spawner *spawner;
    job_queue *queue;
} thread_arg;

struct fo_spawner {
    pthread_mutex_t lock;
    pthread_cond_t settled;     /* a job let go */
    job_queue queues[FO_SPAWNER_MAX_THREADS];  /* one (a pool) or one per lane */
    unsigned lanes;             /* 0: a pool, every thread on queues[0] */
    bool stopping;
    unsigned nthreads;
    pthread_t threads[FO_SPAWNER_MAX_THREADS];
    thread_arg args[FO_SPAWNER_MAX_THREADS];
    /* Lanes: the CPUs the process may use (its children get them back),
       and how many; each lane's thread is pinned to one of them when
       there are two or more (fo_spawner_lanes_pinned). */
    cpu_set_t allowed;
    int ncpus;
    bool pinned;
};

static void
notify (int fd)
{
    uint64_t one = 1;
    while (write (fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

/* The queue's first job, taken off it; NULL when empty. Under the lock. */
static fo_spawner_job *
pop (job_queue *q)
{
    fo_spawner_job *job = q->head;
    if (job) {
        q->head = job->next;
        if (!q->head)
            q->tail = NULL;
    }
    return job;
}

static void mark_done_locked (fo_spawner *self, fo_spawner_job *job);

/* Marks job done, with its word if asked, then closes what it left to
   close (after the unlock: the job may be gone by then). Takes the lock. */
static void
mark_done (fo_spawner *self, fo_spawner_job *job)
{
    int close_after[2] = { job->close_after[0], job->close_after[1] };
    pthread_mutex_lock (&self->lock);
    mark_done_locked (self, job);
    pthread_mutex_unlock (&self->lock);
    for (int i = 0; i < 2; i++)
        if (close_after[i] >= 0)
            close (close_after[i]);
}

/* Marks job done, with its word if asked. Under the lock. */
static void
mark_done_locked (fo_spawner *self, fo_spawner_job *job)
{
    atomic_store_explicit (&job->done, true, memory_order_release);
    /* A word only for a job the loop waits for: the others it finds
       done when something else wakes it (fo_spawner.h). */
    bool asked = job->asked;
    /* From here on the job may be freed by its owner: not touched. */
    if (asked)
        notify (self->queues[job->queue].notify_fd);
    pthread_cond_broadcast (&self->settled);
}

/*  Pins the calling thread (lane's) to one CPU of those allowed, lane by
    lane in their order, and has its children spawned with all of them:
    a test's exit then wakes its lane on the CPU it left, and the next
    test starts there, whatever else queued on that CPU meanwhile (the
    loop, woken behind a test, made the CPU look busy, and the next test
    went to the other one while this one idled: docs/performance-log.md,
    "a thread per slot"). */
static void
pin_lane (fo_spawner *self, unsigned lane)
{
    int want = (int) (lane % (unsigned) self->ncpus), seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET (cpu, &self->allowed) || seen++ != want)
            continue;
        cpu_set_t one;
        CPU_ZERO (&one);
        CPU_SET (cpu, &one);
        if (pthread_setaffinity_np (pthread_self (), sizeof one, &one) == 0)
            fo_spawn_child_affinity (&self->allowed);
        return;
    }
}

static void *
thread_main (void *arg)
{
    thread_arg *ta = arg;
    fo_spawner *self = ta->spawner;
    job_queue *q = ta->queue;
    if (self->pinned)
        pin_lane (self, (unsigned) (q - self->queues));
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!q->head && !self->stopping)
            pthread_cond_wait (&q->work, &self->lock);
        fo_spawner_job *job = pop (q);
        if (!job)
            break;      /* stopping, and nothing left to run */
        pthread_mutex_unlock (&self->lock);
        job->run (job);
        /* A lane job holds its thread until its child has ended; the
           lane's next job (queued by then: armed) starts before this
           one's word wakes the loop. */
        while (job->wait) {
            job->wait (job);
            pthread_mutex_lock (&self->lock);
            fo_spawner_job *next = pop (q);
            pthread_mutex_unlock (&self->lock);
            if (next)
                next->run (next);
            if (!next)
                break;
            mark_done (self, job);
            job = next;
        }
        mark_done (self, job);
        pthread_mutex_lock (&self->lock);
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

static fo_spawner *
spawner_new (unsigned threads, unsigned lanes)
{
    if (threads == 0)
        return NULL;
    if (threads > FO_SPAWNER_MAX_THREADS)
        threads = FO_SPAWNER_MAX_THREADS;
    fo_spawner *self = fo_xcalloc (1, sizeof *self);
    self->lanes = lanes ? threads : 0;
    if (self->lanes && fo_spawner_pin_lanes ()
        && sched_getaffinity (0, sizeof self->allowed, &self->allowed) == 0) {
        self->ncpus = CPU_COUNT (&self->allowed);
        /* Only when the slots can keep every CPU busy: with CPUs to
           spare, a woken lane finds an idle one anyway, and a pinned one
           would wait for its own. */
        self->pinned = self->ncpus >= 2 && self->lanes >= (unsigned) self->ncpus;
    }
    /* A lane's eventfd is its own: a job's word wakes only the loop's
       proc of that lane, not every slot's. */
    for (unsigned i = 0; i < FO_SPAWNER_MAX_THREADS; i++)
        self->queues[i].notify_fd = -1;
    for (unsigned i = 0; i < (self->lanes ? self->lanes : 1); i++) {
        self->queues[i].notify_fd = eventfd (0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
        if (self->queues[i].notify_fd < 0) {
            for (unsigned j = 0; j < i; j++)
                close (self->queues[j].notify_fd);
            free (self);
            return NULL;
        }
    }
    pthread_mutex_init (&self->lock, NULL);
    for (unsigned i = 0; i < FO_SPAWNER_MAX_THREADS; i++)
        pthread_cond_init (&self->queues[i].work, NULL);
    pthread_cond_init (&self->settled, NULL);
    /* Signals are the main thread's: the threads start with all blocked,
       but SIGCHLD, so that their children's is dropped, not queued for
       the process to wake another thread (fo_spawn.h). */
    sigset_t all, old;
    fo_spawn_block_all (&all);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    for (unsigned i = 0; i < threads; i++) {
        self->args[i] = (thread_arg) { self, &self->queues[self->lanes ? i : 0] };
        if (pthread_create (&self->threads[i], NULL, thread_main, &self->args[i]) != 0)
            break;
        self->nthreads++;
    }
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    /* A lane without its thread would never run its jobs. */
    if (self->nthreads == 0 || (self->lanes && self->nthreads < threads)) {
        fo_spawner_destroy (&self);
        return NULL;
    }
    return self;
}

fo_spawner *
fo_spawner_new (unsigned threads)
{
    return spawner_new (threads, 0);
}

fo_spawner *
fo_spawner_new_lanes (unsigned lanes)
{
    return spawner_new (lanes, lanes);
}

unsigned
fo_spawner_lanes (const fo_spawner *self)
{
    return self->lanes;
}

bool
fo_spawner_pin_lanes (void)
{
    const char *env = getenv ("FANOUT_PIN_LANES");
    return !(env && !strcmp (env, "0"));
}

bool
fo_spawner_lanes_pinned (const fo_spawner *self)
{
    return self->pinned;
}

void
fo_spawner_destroy (fo_spawner **self_p)
{
    fo_spawner *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    for (unsigned i = 0; i < FO_SPAWNER_MAX_THREADS; i++)
        pthread_cond_broadcast (&self->queues[i].work);
    pthread_mutex_unlock (&self->lock);
    for (unsigned i = 0; i < self->nthreads; i++)
        pthread_join (self->threads[i], NULL);
    pthread_cond_destroy (&self->settled);
    for (unsigned i = 0; i < FO_SPAWNER_MAX_THREADS; i++)
        pthread_cond_destroy (&self->queues[i].work);
    pthread_mutex_destroy (&self->lock);
    for (unsigned i = 0; i < FO_SPAWNER_MAX_THREADS; i++)
        if (self->queues[i].notify_fd >= 0)
            close (self->queues[i].notify_fd);
    free (self);
    *self_p = NULL;
}

unsigned
fo_spawner_threads_for (unsigned slots)
{
    const char *env = getenv ("FANOUT_SPAWN_THREADS");
    if (env && *env) {
        char *end;
        errno = 0;
        unsigned long n = strtoul (env, &end, 10);
        if (errno == 0 && *end == '\0' && env[0] >= '0' && env[0] <= '9'
            && n <= FO_SPAWNER_MAX_THREADS)
            return (unsigned) n;
    }
    if (slots < 2)
        return 0;
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    unsigned n = slots;
    if (cpus > 0 && (unsigned long) cpus < n)
        n = (unsigned) cpus;
    return n > FO_SPAWNER_MAX_THREADS ? FO_SPAWNER_MAX_THREADS : n;
}

static void
enqueue (fo_spawner *self, job_queue *q, fo_spawner_job *job, bool asked)
{
    job->queue = (unsigned) (q - self->queues);
    atomic_store_explicit (&job->done, false, memory_order_relaxed);
    job->asked = asked;
    job->next = NULL;
    pthread_mutex_lock (&self->lock);
    if (q->tail)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
    pthread_mutex_unlock (&self->lock);
    /* After the unlock: a thread woken under the lock blocked on it at
       once, and the unlock had to wake it a second time (a futex call
       more on each side per spawn). A thread that is not waiting finds
       the job at its next look at the queue. */
    pthread_cond_signal (&q->work);
}

unsigned
fo_spawner_lanes_for (unsigned slots)
{
    const char *env = getenv ("FANOUT_SPAWN_LANES");
    if (env && !strcmp (env, "0"))
        return 0;
    return slots >= 2 && slots <= FO_SPAWNER_MAX_THREADS ? slots : 0;
}

void
fo_spawner_submit (fo_spawner *self, fo_spawner_job *job)
{
    job->wait = NULL;                   /* a pool's jobs never hold a thread */
    job->close_after[0] = job->close_after[1] = -1;
    enqueue (self, &self->queues[0], job, false);
}

void
fo_spawner_submit_to (fo_spawner *self, unsigned lane, fo_spawner_job *job, bool asked)
{
    enqueue (self, &self->queues[self->lanes ? lane % self->lanes : 0], job, asked);
}

bool
fo_spawner_cancel (fo_spawner *self, fo_spawner_job *job)
{
    bool taken = false;
    pthread_mutex_lock (&self->lock);
    job_queue *q = &self->queues[job->queue];     /* where enqueue put it */
    fo_spawner_job *prev = NULL;
    for (fo_spawner_job *j = q->head; j; prev = j, j = j->next) {
        if (j != job)
            continue;
        if (prev)
            prev->next = j->next;
        else
            q->head = j->next;
        if (q->tail == j)
            q->tail = prev;
        taken = true;
        break;
    }
    pthread_mutex_unlock (&self->lock);
    return taken;
}

bool
fo_spawner_done (const fo_spawner_job *job)
{
    return atomic_load_explicit (&job->done, memory_order_acquire);
}

int
fo_spawner_notify_fd (const fo_spawner *self)
{
    return self->queues[0].notify_fd;
}

int
fo_spawner_job_fd (const fo_spawner *self, const fo_spawner_job *job)
{
    return self->queues[job->queue].notify_fd;
}

bool
fo_spawner_ask (fo_spawner *self, fo_spawner_job *job)
{
    pthread_mutex_lock (&self->lock);
    if (!atomic_load_explicit (&job->done, memory_order_acquire))
        job->asked = true;
    bool asked = job->asked;
    pthread_mutex_unlock (&self->lock);
    return asked;
}

bool
fo_spawner_asked (const fo_spawner_job *job)
{
    return job->asked;          /* written by the caller's own thread */
}

void
fo_spawner_take (fo_spawner *self, const fo_spawner_job *job)
{
    /* done is set and the count added under the lock before the job is
       let go: taking the lock once orders us after both, so the count
       taken is there (and is this job's, or an equal one's). */
    pthread_mutex_lock (&self->lock);
    pthread_mutex_unlock (&self->lock);
    if (!job->asked)
        return;                 /* no count was added for it */
    uint64_t one;
    while (read (self->queues[job->queue].notify_fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

void
fo_spawner_wait (fo_spawner *self, const fo_spawner_job *job)
{
    pthread_mutex_lock (&self->lock);
    while (!atomic_load_explicit (&job->done, memory_order_acquire))
        pthread_cond_wait (&self->settled, &self->lock);
    pthread_mutex_unlock (&self->lock);
}
