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

#define FO_CLI_HASH_CACHE_OFF "off"

typedef struct {
    fo_artifact_set *set;   /* NULL until prepared */
    fo_blobs *blobs;        /* NULL when the suite ships nothing */
    char *root;             /* the suite's directory */
} fo_cli_artifacts;

/* Collects what the suite declares; a mistake is printed
   (file:line:column: ...) and gives FO_EXIT_USAGE. A hash cache that
   cannot be read or written is a warning. */
int fo_cli_artifacts_prepare (const char *command, const fo_suite *suite, const char *hash_cache,
                              fo_cli_artifacts *out);
/* The broker serves the blobs and the run's leases name the manifests
   (nothing when the suite ships nothing). */
void fo_cli_artifacts_apply (fo_cli_artifacts *self, fo_broker_options *bo);
void fo_cli_artifacts_free (fo_cli_artifacts *self);

/* What each declaring context ships: its manifest id, counts and size,
   and every entry. */
void fo_cli_artifacts_print (FILE *out, const fo_artifact_set *set);

#endif
