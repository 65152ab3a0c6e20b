/*  fo_log — one-line diagnostics on stderr, prefixed with the role
    ("fanout broker: ...", "fanout agent: ..."). Test results never go
    through here; they go to the report.

    Control characters in a line (a newline or an escape sequence in a name
    a peer sent) are printed as '?': one call is one line, and no peer can
    forge log lines or drive the terminal.

    fo_log_peer is for lines a peer can cause at will (a hostile or broken
    agent, a scanner): rate-limited, so that no peer can flood the log
    (fo_log_limit.c; docs/protocol.md, "Bad peers"). A line is keyed by
    its kind, which is its call site (the format string, by address), and
    by its peer, the text that names who caused it ("agent ID on HOST";
    NULL when nobody is known):

    - each key prints FO_LOG_BURST lines, then one per FO_LOG_INTERVAL_S
      seconds;
    - the first line of a peer that has no key of its own (or of no peer) is
      charged to its kind, which prints FO_LOG_KIND_BURST lines, then one
      per interval: peers invented by the thousand (new connections, new
      agent ids) cost a bounded number of lines;
    - at most FO_LOG_PEERS keys are remembered (the least recently used one
      is forgotten first): memory stays bounded whatever the number of
      peers;
    - lines over the limit are counted, and one line says how many when
      the key prints again, on a later log call once the interval is over,
      or at fo_log_flush:
        fanout broker: info: 4195 more lines like "discarded a result for
        lease 7: ..." from agent evil on h1 suppressed in the last 10 s
*/
#ifndef FO_LOG_H
#define FO_LOG_H

#include <stdint.h>
#include <stdio.h>

typedef enum {
    FO_LOG_ERROR = 0,
    FO_LOG_WARN,
    FO_LOG_INFO,
    FO_LOG_DEBUG,
} fo_log_level;

#define FO_LOG_BURST 5u             /* lines per kind and peer, then ... */
#define FO_LOG_INTERVAL_S 10u       /* ... one per this many seconds */
#define FO_LOG_KIND_BURST 20u       /* first lines of new peers, per kind */
#define FO_LOG_PEERS 256u           /* kind-and-peer keys remembered */
#define FO_LOG_KINDS 64u            /* kinds remembered */
#define FO_LOG_PEER_MAX 96u         /* bytes of a peer's name kept */

/* A level by its name as lines show it ("error", "warning" or "warn",
   "info", "debug"): 0, or -1 when it is none of them. */
int fo_log_level_from_name (const char *name, fo_log_level *level);

/* Messages above this level are dropped. Default FO_LOG_WARN. */
void fo_log_set_level (fo_log_level level);
fo_log_level fo_log_get_level (void);

void fo_log (fo_log_level level, const char *role, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* One line already formatted (control characters still become '?'). */
void fo_log_text (fo_log_level level, const char *role, const char *text);

/* A line a peer can repeat at will, rate-limited per kind and peer (see
   above). fmt must be a string literal: its address is the kind. */
void fo_log_peer (fo_log_level level, const char *role, const char *peer, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Prints the count of every key's suppressed lines now (at the end of a
   run: nothing suppressed goes unmentioned). */
void fo_log_flush (void);

/* While set, lines go to fn instead of the stream (NULL: back to the
   stream): the live view on a terminal (fo_reporter_live.c) shows them
   above its status area, which a line written into it would tear. Called
   from any thread that logs, one call per whole line (its newline
   included); it must not block for long. */
typedef void (fo_log_sink_fn) (const char *line, size_t len);
void fo_log_set_sink (fo_log_sink_fn *fn);

/* For tests: where lines go (NULL: stderr); the limiter's clock in ms
   (NULL: fo_now_ms), which also forgets every key. */
void fo_log_set_stream (FILE *stream);
void fo_log_limit_reset (uint64_t (*now_ms) (void));

#endif
