/*  fo_cli_artifacts — a suite's artifacts on the command line
    (docs/artifacts.md): collected and hashed before the run (through the
    hash cache: --hash-cache FILE, $FANOUT_HASH_CACHE, default
    .fanout-hashes.json; "off" for none), served by the broker (fo_blobs),
    named by each lease (the run's manifest_of hook), and shown by
    `fanout list --artifacts`. */
#ifndef FO_CLI_ARTIFACTS_H
#define FO_CLI_ARTIFACTS_H

#include <stdio.h>

#include "fo_artifacts.h"
#include "fo_broker.h"
#include "fo_cli_session.h"

#define FO_CLI_HASH_CACHE_OFF "off"

/* The command line's: --hash-cache FILE, --artifact PATTERN (repeatable:
   more for the top level, as its `artifacts:`), --infer-artifacts (the top
   level ships its tests' programs and their libraries, as `artifacts: []`
   says: a CTest tree given with --ctest). */
typedef struct {
    const char *hash_cache;
    fo_strv patterns;
    bool infer;
} fo_cli_artifact_opts;

/* Takes one of the options above (0 when c is none of them, 1 when taken,
   -1 after a message: a pattern out of the suite's directory). */
/* after the source options (FO_OPT_SOURCE_BASE + FO_CLI_MAX_SOURCES) */
enum { FO_OPT_HASH_CACHE = 1400, FO_OPT_ARTIFACT, FO_OPT_INFER_ARTIFACTS };
_Static_assert (FO_OPT_HASH_CACHE >= FO_OPT_SOURCE_BASE + FO_CLI_MAX_SOURCES,
                "the artifact options come after the source options");
#define FO_CLI_ARTIFACT_LONGOPTS \
    { "hash-cache", required_argument, NULL, FO_OPT_HASH_CACHE }, \
    { "artifact", required_argument, NULL, FO_OPT_ARTIFACT }, \
    { "infer-artifacts", no_argument, NULL, FO_OPT_INFER_ARTIFACTS }
int fo_cli_artifact_option (const char *command, int c, const char *arg,
                            fo_cli_artifact_opts *opts);
void fo_cli_artifact_usage (FILE *out);
void fo_cli_artifact_opts_free (fo_cli_artifact_opts *opts);

typedef struct {
    fo_artifact_set *set;   /* NULL until prepared */
    fo_blobs *blobs;        /* NULL when the suite ships nothing */
    char *root;             /* the suite's directory */
} fo_cli_artifacts;

/* Collects what the suite declares; a mistake is printed
   (file:line:column: ...) and gives FO_EXIT_USAGE. A hash cache that
   cannot be read or written is a warning. */
int fo_cli_artifacts_prepare (const char *command, fo_suite *suite,
                              const fo_cli_artifact_opts *opts, fo_cli_artifacts *out);
/* The broker serves the blobs and the run's leases name the manifests
   (nothing when the suite ships nothing). */
void fo_cli_artifacts_apply (fo_cli_artifacts *self, fo_broker_options *bo);
void fo_cli_artifacts_free (fo_cli_artifacts *self);

/* What each declaring context ships: its manifest id, counts and size,
   and every entry. */
void fo_cli_artifacts_print (FILE *out, const fo_artifact_set *set);

#endif
