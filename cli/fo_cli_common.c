/*  fo_cli_common — what every subcommand shares: jobs and signals. */
#include "fo_cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t fo_cli_interrupted;

unsigned
fo_cli_default_jobs (void)
{
    long n = sysconf (_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned) n : 1u;
}

int
fo_cli_parse_jobs (const char *text, unsigned *jobs)
{
    char *end;
    errno = 0;
    long n = strtol (text, &end, 10);
    if (errno || end == text || *end != '\0' || n > 100000)
        return -1;
    *jobs = n > 0 ? (unsigned) n : fo_cli_default_jobs ();
    return 0;
}

static void
on_signal (int sig)
{
    fo_cli_interrupted = sig;
    /* The next one ends the process at once. */
    signal (sig, SIG_DFL);
}

void
fo_cli_install_signals (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
}
