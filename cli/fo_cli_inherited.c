/*  fo_cli_inherited — what the process that started fanout left it, put
    right before anything else runs (fo_cli.h).

    Both survive exec, and both quietly break a run:
    - A closed standard descriptor (`fanout run >&-`, a daemon's launch):
      the next file fanout opens takes its number, and the summary meant
      for stdout is written into the JSON report, or a log line into a
      socket. Each closed one becomes /dev/null, so every later open gets
      a number above 2.
    - SIGCHLD ignored: the kernel reaps every test as it exits and its
      exit status is lost (fo_reaper_own_children).
*/
#include "fo_cli.h"
#include "fo_reaper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
fo_cli_take_inherited (void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl (fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* The lowest free number is fd itself: 0..fd-1 are open by now. */
        if (open ("/dev/null", O_RDWR) < 0) {
            /* No /dev/null (a bare chroot): going on would bring the bug
               back. Said where it can be seen, if anywhere. */
            fprintf (stderr, "fanout: descriptor %d (%s) is closed and /dev/null cannot be "
                     "opened in its place (%s): start fanout with 0, 1 and 2 open\n", fd,
                     fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr", strerror (errno));
            return -1;
        }
    }
    fo_reaper_own_children ();
    return 0;
}
