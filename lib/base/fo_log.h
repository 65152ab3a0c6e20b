/*  fo_log — one-line diagnostics on stderr, prefixed with the role
    ("fanout broker: ...", "fanout agent: ..."). Test results never go
    through here; they go to the report. */
#ifndef FO_LOG_H
#define FO_LOG_H

typedef enum {
    FO_LOG_ERROR = 0,
    FO_LOG_WARN,
    FO_LOG_INFO,
    FO_LOG_DEBUG,
} fo_log_level;

/* Messages above this level are dropped. Default FO_LOG_WARN. */
void fo_log_set_level (fo_log_level level);
fo_log_level fo_log_get_level (void);

void fo_log (fo_log_level level, const char *role, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif
