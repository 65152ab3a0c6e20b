/*  fo_term — what fanout knows about the terminal it writes to: whether
    to colour (--color, NO_COLOR, CLICOLOR_FORCE), whether a live view can
    be drawn there, its size, and how wide text is on it.

    Colours (fo_term_color), first rule that applies:
      --color=always / --color=never      as said
      NO_COLOR set and not empty          never (https://no-color.org)
      CLICOLOR_FORCE set, not empty, not "0"   always, a terminal or not
      the stream is a terminal, TERM is set and not "dumb"   yes
      otherwise                           no
    So output that is not a terminal (a CI log, a pipe) never holds a
    control character of fanout's own unless colours were forced.

    A live view (fo_reporter_live.c) needs a terminal that moves its
    cursor: fo_term_can_live is true for a terminal whose TERM is set and
    not "dumb". Its size is read (ioctl TIOCGWINSZ) at every redraw, so a
    resized window is drawn right at the next frame without SIGWINCH
    (signals are the main thread's: cli/fo_cli_common.c).

    Width: names and output are UTF-8; the width of a character on the
    terminal is glibc's wcwidth under C.UTF-8 (wide CJK characters and
    emoji take two columns, combining marks none). When that locale is
    missing, every character past ASCII counts as two columns: a line may
    then end early, but it never wraps. Control characters and invalid
    UTF-8 are shown as '?' by fo_term_fit: text drawn in a live view can
    never move the cursor.

    The signal hooks are for cli/fo_cli_common.c's handler, which must
    not write into a live view it does not own.
*/
#ifndef FO_TERM_H
#define FO_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_util.h"

typedef enum {
    FO_COLOR_AUTO = 0,
    FO_COLOR_ALWAYS,
    FO_COLOR_NEVER,
} fo_color_mode;

/* "auto", "always", "never": 0 and *mode set, or -1. */
int fo_color_mode_parse (const char *name, fo_color_mode *mode);

/* Colours for output on fd (the rules above; the environment is read
   now). */
bool fo_term_color (fo_color_mode mode, int fd);

/* Can a live view be drawn on fd: a terminal, TERM set and not "dumb". */
bool fo_term_can_live (int fd);

/* The window's columns and rows (TIOCGWINSZ); 80 x 24 when fd is no
   terminal or says 0. */
void fo_term_size (int fd, unsigned *cols, unsigned *rows);

/* Columns the UTF-8 text s[0..len) takes (a control character or an
   invalid byte as one, for the '?' it is drawn as). */
size_t fo_term_width (const char *s, size_t len);

/* Appends s[0..len) to out fitted into at most cols columns: control
   characters and invalid UTF-8 become '?', and text that does not fit is
   cut at a character's end and ends with "…". Returns the columns used. */
size_t fo_term_fit (fo_buf *out, const char *s, size_t len, size_t cols);

/* ---- for the signal handler (async-signal-safe) ---- */

/* While a live view draws: it takes text (a string that lives for ever,
   leading and trailing newlines ignored) and shows it above its status
   area within a frame; returns true. Otherwise false: the caller writes
   it itself. */
bool fo_term_signal_note (const char *text);

/* Before the process exits from a signal handler: when a live view
   draws, put the terminal back (attributes reset, cursor shown, on a
   line of its own). Nothing otherwise. */
void fo_term_emergency_restore (void);

/* For fo_reporter_live.c: the terminal it draws on (-1: none) and the
   note the handler left (NULL: none; taken). */
void fo_term_set_live_fd (int fd);
const char *fo_term_take_note (void);

#endif
