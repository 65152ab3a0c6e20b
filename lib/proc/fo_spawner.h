/*  fo_spawner — a few threads that spawn child processes for an event
    loop, so that the loop does not wait for each child to exec.

    Why: fo_spawn uses vfork, which suspends the calling thread until the
    child has exec'd (or failed): the child's own steps and the kernel's
    execve up to the point of no return, plus the time to get a CPU back.
    An agent that spawns every test from its one loop thread pays that
    once per test, one child after another, while the other cores idle:
    2,000 x /bin/true at -j2 took as long from one thread as from a loop
    with nothing else to do (docs/performance-log.md, "Issue 15: spawning,
    part 2"). On a spawner's threads the execs of several slots overlap,
    and the loop goes on reading output and sending results meanwhile.

    A job is queued by the loop (fo_spawner_submit), run on one of the
    threads, and then marked done. The loop learns of it when it looks
    (fo_spawner_done), or, if it asked for a word before the job was done
    (fo_spawner_ask), when the spawner's eventfd (fo_spawner_notify_fd,
    in semaphore mode), which the loop polls beside everything else,
    becomes readable: the thread adds 1 to it for a job that was asked
    about, and only for those. fo_proc_start_on (fo_proc.h) is the one
    user: its job is the spawn and what follows it, and it asks only when
    something else woke the loop first (the child's output or its end),
    so that a tiny test costs the loop one wake-up (its end) instead of
    two (docs/performance-log.md, "Issue 15: fanout's own CPU per test").

    A pool has one eventfd for every job (a descriptor per slot would
    count against the agent's descriptor limit: fo_capacity.h), a lanes
    spawner one per lane (at most FO_SPAWNER_MAX_THREADS; a shared one
    woke every slot's proc at each test's end). It is readable while a
    job that was asked about is done and not yet taken. The loop takes a
    job only when it finds it done (fo_spawner_take: one count off if it
    had asked), never drains the eventfd, so the word for one job is
    never eaten by another: every proc that asked polls the eventfd, and
    the one whose job is done takes its count.

    Ordering: asked is set and read under the spawner's lock; done is set
    (release) and the count added under it too, after which the thread
    never touches the job: fo_spawner_take, which takes the lock, is
    ordered after both, and the job's memory may go after it.

    Lanes (fo_spawner_new_lanes): a thread per lane, each with its own
    queue, for jobs that hold their thread while their child runs. A
    lane job may have a wait (blocks until its child has exited) and
    descriptors to close once it is done (close_after: fo_proc's are the
    write ends of the child's pipes, held so that the child's exit does
    not wake the loop). After a job's wait, the lane's next job, if one
    is queued, is run before the first is marked done: the next test of
    a slot starts on the CPU the last one just left, woken by that exit
    alone, before anything wakes the loop (docs/performance-log.md,
    "a thread per slot"). A lane's thread is pinned to a CPU of its own
    when the lanes are at least as many as the CPUs, two or more
    (fo_spawner_lanes_pinned). Its descriptors are closed after its word, so
    that the loop wakes once, for the word, not first for their end of
    file. A queued job that has not begun can be taken back
    (fo_spawner_cancel).

    The threads start with every signal blocked (signals are the main
    thread's, docs/architecture.md) but SIGCHLD, which the kernel sends
    to the thread that created the child and drops there (fo_spawn.h);
    fo_spawn blocks the rest anyway around its vfork and the child
    unblocks them before exec.
*/
#ifndef FO_SPAWNER_H
#define FO_SPAWNER_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct fo_spawner fo_spawner;
typedef struct fo_spawner_job fo_spawner_job;

struct fo_spawner_job {
    void (*run) (fo_spawner_job *job);  /* on a spawner's thread */
    /* Lanes only: NULL, or blocks until what run started has ended
       (then the lane's next job, if queued, runs before this one is
       done). */
    void (*wait) (fo_spawner_job *job);
    /* Lanes only: descriptors (-1: none) the thread closes right after
       the job is done and its word written (it owns them from run on;
       set them there). */
    int close_after[2];
    atomic_bool done;                   /* run has returned */
    bool asked;                         /* a count is due when done (the lock's) */
    fo_spawner_job *next;               /* the queue's */
    unsigned queue;                     /* the queue's (its lane, or 0) */
};

/* The most threads a spawner has. */
#define FO_SPAWNER_MAX_THREADS 16u

/* threads: 1 to FO_SPAWNER_MAX_THREADS. NULL when no thread (or no
   eventfd) could be had: the caller then spawns in its own thread. */
fo_spawner *fo_spawner_new (unsigned threads);

/* A spawner with one thread and one queue per lane (1 to
   FO_SPAWNER_MAX_THREADS); NULL as fo_spawner_new. */
fo_spawner *fo_spawner_new_lanes (unsigned lanes);

/* How many lanes it has (0: a pool, fo_spawner_new's). */
unsigned fo_spawner_lanes (const fo_spawner *self);

/* Are its lanes' threads pinned, each to one of the CPUs the process may
   use (lane i to the i-th, round robin)? Only with two CPUs or more and
   at least as many lanes as CPUs (the slots can keep them all busy: with
   CPUs to spare a woken lane finds an idle one anyway), and unless
   FANOUT_PIN_LANES=0 (fo_spawner_pin_lanes). Their children are not:
   each sets the process's CPUs back before its exec. */
bool fo_spawner_lanes_pinned (const fo_spawner *self);
bool fo_spawner_pin_lanes (void);

/* Runs what is still queued, then joins the threads. */
void fo_spawner_destroy (fo_spawner **self_p);

/* How many threads an agent with this many slots gets: one per slot, at
   most one per online CPU (execs beyond that only queue for a CPU) and at
   most FO_SPAWNER_MAX_THREADS; 0 (spawn in the loop's thread) for one
   slot, where nothing could overlap. FANOUT_SPAWN_THREADS, when set to a
   number from 0 to FO_SPAWNER_MAX_THREADS, overrides it (0: none). */
unsigned fo_spawner_threads_for (unsigned slots);

/* How many lanes an agent with this many slots gets: one per slot from
   2 to FO_SPAWNER_MAX_THREADS slots (a lane's thread is held by its
   slot's running test), else 0 (the slots spawn on the pool only).
   FANOUT_SPAWN_LANES=0 turns them off (a benchmark's comparison). */
unsigned fo_spawner_lanes_for (unsigned slots);

/* The eventfd to poll (readable) for a pool's job that was asked about
   (fo_spawner_ask). */
int fo_spawner_notify_fd (const fo_spawner *self);

/* The eventfd that job's word comes on: fo_spawner_notify_fd for a
   pool's job, its lane's own for a lane's. */
int fo_spawner_job_fd (const fo_spawner *self, const fo_spawner_job *job);

/* Queues job (run set; done, asked and next are the spawner's). */
void fo_spawner_submit (fo_spawner *self, fo_spawner_job *job);

/* Queues job on lane (< fo_spawner_lanes) of a lanes spawner; with
   asked, a word comes on the eventfd when it is done, as if
   fo_spawner_ask had been called before it began. */
void fo_spawner_submit_to (fo_spawner *self, unsigned lane, fo_spawner_job *job, bool asked);

/* Takes job out of its queue if no thread has begun it: true then (it
   will never run, and is not done); false when it has begun (wait for
   it: fo_spawner_wait). */
bool fo_spawner_cancel (fo_spawner *self, fo_spawner_job *job);

/* Has job run? (acquire: what run wrote is visible.) */
bool fo_spawner_done (const fo_spawner_job *job);

/* Asks for a word on the eventfd when job is done: true when it is not
   done yet (poll the eventfd, then look again), false when it is done
   already (take it now: no word will come). */
bool fo_spawner_ask (fo_spawner *self, fo_spawner_job *job);

/* Was a word asked for job (fo_spawner_ask returned true)? */
bool fo_spawner_asked (const fo_spawner_job *job);

/* After fo_spawner_done: takes the job's count off the eventfd if it was
   asked about, once the thread has let go of the job (briefly waited
   for). Exactly once per job. */
void fo_spawner_take (fo_spawner *self, const fo_spawner_job *job);

/* Blocks until job has run and been let go (for a destroy); then take it. */
void fo_spawner_wait (fo_spawner *self, const fo_spawner_job *job);

#endif
