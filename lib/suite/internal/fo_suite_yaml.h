/*  fo_suite_yaml — reading the values of a suite file out of a libyaml
    document (private to the loader, fo_suite_load.c).

    Each reader checks one value (a command, an env map, a timeout, ...) and
    either stores it or returns false with "file:line:column: message" in
    the reader's err, pointing at the offending node. Keeping these apart
    lets fo_suite_load.c read as the shape of the file: which keys a context
    or a test has, and what they build. */
#ifndef FO_SUITE_YAML_H
#define FO_SUITE_YAML_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "fo_suite.h"

typedef struct {
    fo_suite *suite;        /* path for messages, dir for relative cwds */
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    char *owner;            /* "test 'a/b'", "context 'a'", "the top level":
                               whose values are being read, for messages */
    size_t total;           /* bytes of every step and context id so far
                               (FO_SUITE_MAX_TOTAL) */
    size_t file_size;       /* the limits tied to it (fo_suite.h) */
    uint64_t held;          /* fo_step_held_size of every step and context */
    const void *owner_of;   /* the context owner names, when one does: it
                               is made only for a value that may need it */
    size_t ntests;          /* tests read so far (FO_SUITE_MAX_TESTS) */
    size_t early_total;     /* total and held as the tree is read, without */
    uint64_t early_held;    /* what steps inherit (fo_suite_check_early) */
} fo_yaml_reader;

/* "<kind> '<id>'" (the id cut at FO_ID_SHOWN), or "the top level" with a
   NULL kind, as L's owner; and a name or id cut so, for a message. */
void fo_yaml_set_owner (fo_yaml_reader *L, const char *kind, const char *id);
char *fo_yaml_shown (const char *id);

/* Write the error and return false, so that checks read
   "return fo_yaml_fail (...)". A NULL mark or node: no position (I/O).
   Control characters in the message (from the file's own text: a key, a
   mode) are escaped, never printed raw. */
bool fo_yaml_fail_at (fo_yaml_reader *L, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
bool fo_yaml_fail (fo_yaml_reader *L, const yaml_node_t *node, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

yaml_node_t *fo_yaml_node (fo_yaml_reader *L, int index);
const char *fo_yaml_text (const yaml_node_t *scalar);
bool fo_yaml_is_null (const yaml_node_t *node);
/* The value of key in map, or NULL. */
yaml_node_t *fo_yaml_lookup (fo_yaml_reader *L, const yaml_node_t *map, const char *key);

/* Every key a string from allowed (NULL-terminated), none twice. where:
   "in test", "at the top level", ... for the message. */
bool fo_yaml_check_keys (fo_yaml_reader *L, const yaml_node_t *map,
                         const char *const *allowed, const char *where);

/* A scalar's text (numbers and booleans too; null is refused). */
bool fo_yaml_string (fo_yaml_reader *L, const yaml_node_t *node, const char *what,
                     const char **out);
/* A test or context name (fo_name_check). kind: "test" or "context". */
bool fo_yaml_name (fo_yaml_reader *L, const yaml_node_t *node, const char *kind,
                   const char **out);
/* A shell string or a non-empty argv list; records the position. Each
   argument at most FO_SUITE_MAX_VALUE bytes. */
bool fo_yaml_command (fo_yaml_reader *L, const yaml_node_t *node, const char *key,
                      fo_command *cmd);
/* A map of NAME: value: each at most FO_SUITE_MAX_VALUE bytes, at most
   FO_SUITE_MAX_ENV_VARS of them, no name twice. */
bool fo_yaml_env (fo_yaml_reader *L, const yaml_node_t *node, fo_env *env);
bool fo_yaml_timeout (fo_yaml_reader *L, const yaml_node_t *node, uint32_t *timeout_ms);
/* Relative paths are resolved against the suite file's directory. At most
   FO_SUITE_MAX_CWD bytes as written. */
bool fo_yaml_cwd (fo_yaml_reader *L, const yaml_node_t *node, char **cwd);
/* `labels`: one label or a list of them, each a valid name (fo_name.h)
   of at most FO_SUITE_MAX_LABEL bytes, none twice, at most
   FO_SUITE_MAX_LABELS; appended to labels. */
bool fo_yaml_labels (fo_yaml_reader *L, const yaml_node_t *node, fo_strv *labels);
/* `artifacts`: one pattern or a list (fo_suite.h), appended to
   ctx->artifacts; each relative, without a '..' component, at most
   FO_SUITE_MAX_CWD bytes, at most FO_SUITE_MAX_ARTIFACTS of them. */
bool fo_yaml_artifacts (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *node);
/* One mode word or a list; ORs FO_MODE_* bits into mode. */
bool fo_yaml_mode (fo_yaml_reader *L, const yaml_node_t *node, unsigned *mode);

/* The needs of a test or context (fo_suite_needs.c): whether key is one
   of `locks`, `shared_locks`, `resources`, `requires`; reading its value
   into needs; and the check across them (a lock not both ways). */
bool fo_yaml_is_needs_key (const char *key);
bool fo_yaml_needs (fo_yaml_reader *L, const char *key, const yaml_node_t *v, fo_needs *needs);
bool fo_yaml_needs_check (fo_yaml_reader *L, const yaml_mark_t *shared_locks,
                          const fo_needs *needs);

#endif
