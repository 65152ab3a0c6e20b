/*  fo_spawner — see fo_spawner.h. One queue under one lock: jobs are a
    few per millisecond at most, and each runs for far longer (a vfork)
    than the lock is held. */
#include "fo_spawner.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fo_spawn.h"
#include "fo_util.h"

struct fo_spawner {
    pthread_mutex_t lock;
    pthread_cond_t work;        /* a job queued, or stopping */
    pthread_cond_t settled;     /* a job let go */
    fo_spawner_job *head, *tail;
    bool stopping;
    int notify_fd;              /* eventfd, semaphore mode: a count per done job */
    unsigned nthreads;
    pthread_t threads[FO_SPAWNER_MAX_THREADS];
};

static void
notify (int fd)
{
    uint64_t one = 1;
    while (write (fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

static void *
thread_main (void *arg)
{
    fo_spawner *self = arg;
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->head && !self->stopping)
            pthread_cond_wait (&self->work, &self->lock);
        fo_spawner_job *job = self->head;
        if (!job)
            break;      /* stopping, and nothing left to run */
        self->head = job->next;
        if (!self->head)
            self->tail = NULL;
        pthread_mutex_unlock (&self->lock);

        job->run (job);

        pthread_mutex_lock (&self->lock);
        atomic_store_explicit (&job->done, true, memory_order_release);
        /* A word only for a job the loop waits for: the others it finds
           done when something else wakes it (fo_spawner.h). */
        bool asked = job->asked;
        /* From here on the job may be freed by its owner: not touched. */
        if (asked)
            notify (self->notify_fd);
        pthread_cond_broadcast (&self->settled);
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

fo_spawner *
fo_spawner_new (unsigned threads)
{
    if (threads == 0)
        return NULL;
    if (threads > FO_SPAWNER_MAX_THREADS)
        threads = FO_SPAWNER_MAX_THREADS;
    fo_spawner *self = fo_xcalloc (1, sizeof *self);
    self->notify_fd = eventfd (0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->notify_fd < 0) {
        free (self);
        return NULL;
    }
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->work, NULL);
    pthread_cond_init (&self->settled, NULL);
    /* Signals are the main thread's: the threads start with all blocked,
       but SIGCHLD, so that their children's is dropped, not queued for
       the process to wake another thread (fo_spawn.h). */
    sigset_t all, old;
    fo_spawn_block_all (&all);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create (&self->threads[i], NULL, thread_main, self) != 0)
            break;
        self->nthreads++;
    }
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (self->nthreads == 0) {
        fo_spawner_destroy (&self);
        return NULL;
    }
    return self;
}

void
fo_spawner_destroy (fo_spawner **self_p)
{
    fo_spawner *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_broadcast (&self->work);
    pthread_mutex_unlock (&self->lock);
    for (unsigned i = 0; i < self->nthreads; i++)
        pthread_join (self->threads[i], NULL);
    pthread_cond_destroy (&self->settled);
    pthread_cond_destroy (&self->work);
    pthread_mutex_destroy (&self->lock);
    close (self->notify_fd);
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

void
fo_spawner_submit (fo_spawner *self, fo_spawner_job *job)
{
    atomic_store_explicit (&job->done, false, memory_order_relaxed);
    job->asked = false;
    job->next = NULL;
    pthread_mutex_lock (&self->lock);
    if (self->tail)
        self->tail->next = job;
    else
        self->head = job;
    self->tail = job;
    pthread_mutex_unlock (&self->lock);
    /* After the unlock: a thread woken under the lock blocked on it at
       once, and the unlock had to wake it a second time (a futex call
       more on each side per spawn). A thread that is not waiting finds
       the job at its next look at the queue. */
    pthread_cond_signal (&self->work);
}

bool
fo_spawner_done (const fo_spawner_job *job)
{
    return atomic_load_explicit (&job->done, memory_order_acquire);
}

int
fo_spawner_notify_fd (const fo_spawner *self)
{
    return self->notify_fd;
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
    while (read (self->notify_fd, &one, sizeof one) < 0 && errno == EINTR)
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
