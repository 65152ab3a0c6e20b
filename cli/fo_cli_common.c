/*  fo_cli_common — what every subcommand shares: signals, and the guards
    against processes outliving fanout. */
#include "fo_cli.h"
#include "fo_proc.h"
#include "fo_pyfork.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fo_log.h"
#include "fo_reaper.h"
#include "fo_report.h"
#include "fo_term.h"
#include "fo_watchdog.h"

volatile sig_atomic_t fo_cli_interrupted;
volatile sig_atomic_t fo_cli_aborted;
static volatile sig_atomic_t graceful;
static volatile sig_atomic_t report_on_abort;
static volatile sig_atomic_t watchdog_pid;
/* When the last signal that counted came; only the handler touches it:
   the signals are blocked while it runs, and only the main thread takes
   them (threads are started with them blocked, fo_cli_signal_set). */
static volatile uint64_t last_signal_ms;

static void
say (const char *text)
{
    ssize_t rc = write (STDERR_FILENO, text, strlen (text));
    (void) rc;
}

/* A note while the run goes on: a live view shows it above its status
   area (writing into the area from here would tear it), else stderr. */
static void
note (const char *text)
{
    if (!fo_term_signal_note (text))
        say (text);
}

static uint64_t
monotonic_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);       /* async-signal-safe */
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/*  Only async-signal-safe calls: write, clock_gettime, the /proc scan,
    kill, waitpid, _exit. */
static void
on_signal (int sig)
{
    int saved = errno;
    uint64_t now = monotonic_ms ();
    if (graceful && fo_cli_interrupted <= 0) {
        last_signal_ms = now;           /* before the flag others read */
        fo_cli_interrupted = sig;
        note ("\nfanout: interrupted: stopping the run (interrupt again to stop at once)\n");
        errno = saved;
        return;
    }
    if (graceful && now - last_signal_ms < FO_CLI_SIGNAL_WINDOW_MS) {
        /* The same interrupt delivered twice: timeout(1) signals fanout,
           then its whole process group; a CI runner may do the same. */
        errno = saved;
        return;
    }
    last_signal_ms = now;
    /* When the report is kept, the run ends at once (fo_broker_options.
       abort, fo_agent_options.abort). The flag is set before the kill:
       the agent must see it before it sees a step killed, or it would
       start the next one (a teardown) meanwhile. */
    bool keep_report = graceful && report_on_abort && !fo_cli_aborted;
    if (keep_report)
        fo_cli_aborted = sig;
    /* Stop at once, leaving nothing behind... */
    fo_reaper_emergency ((pid_t) watchdog_pid);
    if (keep_report) {
        /* ... and still write the report. */
        note ("\nfanout: interrupted again: killed every process of the run; writing the "
              "report (interrupt again to exit without it)\n");
        errno = saved;
        return;
    }
    fo_cli_interrupted = sig;
    fo_term_emergency_restore ();       /* the live view's cursor, colours */
    say ("\nfanout: interrupted: killed every process of the run; no report was written\n");
    _exit (FO_EXIT_INTERRUPTED);
}

void
fo_cli_signal_set (sigset_t *set)
{
    sigemptyset (set);
    sigaddset (set, SIGINT);
    sigaddset (set, SIGTERM);
    sigaddset (set, SIGHUP);
}

void
fo_cli_install_signals (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* Nested delivery of another of them would run the emergency twice at
       once: block them while a handler runs. */
    fo_cli_signal_set (&sa.sa_mask);
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGHUP, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);
    fo_proc_signals_changed ();
    /* A blocked mask is inherited across exec: a launcher that blocked
       SIGTERM would leave fanout deaf to timeout(1) and to its own
       interrupt. This thread takes them (the others block them). */
    sigset_t ours;
    fo_cli_signal_set (&ours);
    pthread_sigmask (SIG_UNBLOCK, &ours, NULL);
}

void
fo_cli_signals_graceful (bool keeps_report)
{
    report_on_abort = keeps_report;
    graceful = 1;
}

void
fo_cli_guard_processes (const char *role)
{
    if (fo_reaper_become_subreaper () != 0)
        fo_log (FO_LOG_WARN, role, "cannot become a child subreaper (%s): processes that "
                "escape a test's process group may survive it", strerror (errno));
    fo_reaper_lock ();
    pid_t pid = fo_watchdog_start (fo_reaper_base ());
    if (pid > 0)
        fo_reaper_track (pid);      /* never swept: it must outlive us */
    fo_reaper_unlock ();
    if (pid < 0)
        fo_log (FO_LOG_WARN, role, "cannot start the watchdog (%s): if fanout is killed "
                "with SIGKILL, its tests' processes may survive it", strerror (errno));
    else
        watchdog_pid = pid;
}

void
fo_cli_sweep_processes (const char *role)
{
    fo_pyfork_shutdown ();      /* told first: it exits on its own */
    size_t killed = fo_reaper_kill_all (NULL, 5000);
    if (killed)
        fo_log (FO_LOG_INFO, role, "killed %zu leftover process%s at the end of the run",
                killed, killed == 1 ? "" : "es");
}

void
fo_cli_core_dumps (int allow)
{
    /* Allowed: as large as the hard limit permits (a soft limit of 0, set
       by a login default or a sanitizer runtime, would silently defeat
       the option). */
    struct rlimit rl;
    if (getrlimit (RLIMIT_CORE, &rl) == 0) {
        rl.rlim_cur = allow ? rl.rlim_max : 0;
        setrlimit (RLIMIT_CORE, &rl);
    }
}
