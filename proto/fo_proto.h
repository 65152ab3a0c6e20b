/*  fo_proto — the wire protocol between broker and agents.

    Every message is ONE ZeroMQ frame holding ONE msgpack map. Each map has
    "v" (protocol version, unsigned int) and "type" (string), plus the fields
    of its type. docs/protocol.md documents every message and field.

    Versioning rule: decoders are strict — unknown keys, missing keys and wrong
    types are rejected — so any change to a message's fields bumps
    FO_PROTO_VERSION. A peer speaking another version is refused with a reason.

    The decoder is written for hostile input: before msgpack-c sees a byte,
    fo_proto_prescan() walks the headers and rejects nesting deeper than
    FO_PROTO_MAX_DEPTH, strings/bins longer than FO_PROTO_MAX_STRING, and
    arrays/maps that announce more elements than the remaining bytes could
    hold (msgpack-c allocates per announced element before reading them).
    Messages larger than FO_PROTO_MAX_MESSAGE are never received (ZMQ_MAXMSGSIZE).
*/
#ifndef FO_PROTO_H
#define FO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_outcome.h"
#include "fo_util.h"

#define FO_PROTO_VERSION 8u
#define FO_PROTO_MAX_MESSAGE (16u * 1024u * 1024u)   /* whole frame, bytes */
#define FO_PROTO_MAX_STRING (8u * 1024u * 1024u)     /* one str or bin */
#define FO_PROTO_MAX_DEPTH 6                         /* lease.steps[].env{} is 3 */
/* Artifacts (docs/artifacts.md): the bytes of one chunk of a blob, what a
   fetch may ask for; well below FO_PROTO_MAX_MESSAGE, so that a transfer
   is many small messages between which leases, results and heartbeats
   of every agent still pass. */
#define FO_PROTO_MAX_CHUNK (1024u * 1024u)
/* A lease's root: the broker's suite directory, an absolute path. */
#define FO_PROTO_MAX_ROOT 4096u
/* A blob's id: its BLAKE2b-256 in lowercase hex. */
#define FO_PROTO_BLOB_ID 64u

/* Decoder results. */
#define FO_PROTO_OK 0
#define FO_PROTO_EMALFORMED (-1)  /* not a valid message of this version */
#define FO_PROTO_EVERSION (-2)    /* well-formed map but "v" is not ours */

typedef enum {
    FO_MSG_HELLO = 1,   /* agent -> broker */
    FO_MSG_WELCOME,     /* broker -> agent */
    FO_MSG_REFUSE,      /* broker -> agent */
    FO_MSG_REQUEST,     /* agent -> broker: credit for more tasks */
    FO_MSG_LEASE,       /* broker -> agent: one task */
    FO_MSG_RESULT,      /* agent -> broker: one test's result */
    FO_MSG_DONE,        /* agent -> broker: a lease has finished */
    FO_MSG_HEARTBEAT,   /* both ways */
    FO_MSG_CANCEL,      /* broker -> agent: stop a lease */
    FO_MSG_SHUTDOWN,    /* broker -> agent: the run is over / broker leaves */
    FO_MSG_BYE,         /* agent -> broker: the agent leaves */
    FO_MSG_DISCOVERED,  /* agent -> broker: the names a discover step printed */
    FO_MSG_SLOW,        /* agent -> broker: a step runs longer than slow_ms */
    FO_MSG_FETCH,       /* agent -> broker: a chunk of a blob (version 5) */
    FO_MSG_CHUNK,       /* broker -> agent: the chunk, or why not */
    FO_MSG_OUTPUT,      /* agent -> broker: a piece of a file a test left */
    FO_MSG_BATCH,       /* both ways: several messages in one frame (version 6) */
    FO_MSG_RETURN,      /* agent -> broker: a queued lease it gives back (version 8) */
} fo_msg_type;

/* The last message type (loops over every type end here). */
#define FO_MSG_LAST FO_MSG_RETURN

/* Messages in one batch, at most. A batch is what a sender has for one
   peer at once (the broker's leases of one dispatch pass, an agent's
   dones of one loop iteration): one frame, one wake-up and one send
   instead of one each per message. */
#define FO_PROTO_MAX_BATCH 256u

/* A relative path that stays where it is put: '/'-separated components,
   none empty, "." or "..", at most FO_PROTO_MAX_ROOT bytes. */
bool fo_relative_path_ok (const char *path);

/* Whether s is a blob id: exactly FO_PROTO_BLOB_ID lowercase hex digits. */
bool fo_blob_id_ok (const char *s);

/* "hello", "welcome", ... ; NULL for unknown */
const char *fo_msg_type_name (fo_msg_type type);

/* What an agent offers besides its slots (docs/resources.md). The
   decoder checks every limit and rule below; so does the encoder. */
#define FO_PROTO_MAX_RESOURCES 1024u    /* instances in one hello */
#define FO_PROTO_MAX_LABELS 256u        /* labels in one hello */
#define FO_PROTO_MAX_RESOURCE_NAME 64u  /* a resource type's name, an id */
#define FO_PROTO_MAX_LABEL 256u         /* one label */
#define FO_PROTO_MAX_RESOURCE_SLOTS 1000000u    /* slots of one instance */

/* One instance of a counted resource: type `name` ("gpu": a lowercase
   letter or '_', then lowercase letters, digits, '_', as CTest's resource
   spec), instance `id` (letters, digits, '_', '-', '.'; never a ','), and
   how many slots it has (1 to FO_PROTO_MAX_RESOURCE_SLOTS). No name+id
   twice in one hello. */
typedef struct {
    char *name;
    char *id;
    uint32_t slots;
} fo_resource;

/* Whether name / id / label follow the rules above (NUL-terminated). */
bool fo_resource_name_ok (const char *name);
bool fo_resource_id_ok (const char *id);
/* A label: 1 to FO_PROTO_MAX_LABEL printable ASCII bytes, no space or ','
   ("docker", "arch=arm64"). */
bool fo_label_ok (const char *label);

typedef struct {
    char *agent_id;     /* unique per agent process, e.g. "host:pid:random" */
    char *host;         /* the agent's host name, for the report */
    uint32_t slots;     /* worker slots (>= 1) */
    fo_resource *resources;     /* its resource instances (may be none) */
    size_t nresources;
    fo_strv labels;     /* its labels, none twice */
} fo_hello;

typedef struct {
    char *broker_id;
    uint32_t heartbeat_ms;  /* how often each side sends heartbeats */
    uint32_t liveness;      /* heartbeats missed before the peer is dead */
} fo_welcome;

typedef struct {
    char *reason;
} fo_refuse, fo_shutdown, fo_bye;

typedef struct {
    uint32_t credit;    /* how many MORE leases the agent can take now */
} fo_request;

typedef enum {
    FO_STEP_SETUP = 0,  /* a context's setup: on failure its scope is skipped */
    FO_STEP_TEST,       /* runs tests; results are read by the step's reader */
    FO_STEP_TEARDOWN,   /* closes the innermost open setup */
    FO_STEP_DISCOVER,   /* prints test names, one per line (answered with
                           a discovered message); always alone in its lease */
} fo_step_kind;

/* How a test step's output becomes results (lib/import/fo_reader.h). The
   values are contiguous from 0: the decoder walks fo_reader_name. */
typedef enum {
    FO_READER_EXIT_STATUS = 0,  /* one test per step: 0 pass, skip_code skip, else fail */
    FO_READER_TAP,              /* one test: a program's TAP stream is its verdict */
    FO_READER_CMOCKA,           /* the same with cmocka's TAP: a plan per group */
    FO_READER_GLIB,             /* one GLib path (the step's last argument) from --tap */
    FO_READER_GTEST,            /* GoogleTest tests: gtest's JSON output file */
    FO_READER_CTEST,            /* CTest's rules, from the step's verdict (below) */
    FO_READER_PYTHON,           /* a Python test: the helper's result line (fo_read_python.c);
                                   on a setup or teardown step (since version 5): the step
                                   runs in the agent's persistent Python worker too */
} fo_reader;

const char *fo_step_kind_name (fo_step_kind kind);  /* "setup", "test", "teardown", "discover" */
const char *fo_reader_name (fo_reader reader);      /* "exit-status", "tap", "cmocka", "glib",
                                                       "gtest", "ctest", "python" */


/* How the ctest reader judges a test step (lib/import/fo_read_ctest.c):
   CTest's test properties, as imported from `ctest --show-only=json-v1`
   (docs/sources.md, "CTest"). On the wire only for reader "ctest". */
typedef struct {
    bool will_fail;     /* WILL_FAIL: pass and fail swap */
    bool disabled;      /* DISABLED: never started, reported skipped */
    int32_t skip_code;  /* SKIP_RETURN_CODE, or -1 (the lease's skip_code
                           does not apply to a ctest step) */
    fo_strv pass;       /* PASS_REGULAR_EXPRESSION (POSIX ERE) */
    fo_strv fail;       /* FAIL_REGULAR_EXPRESSION */
    fo_strv skip;       /* SKIP_REGULAR_EXPRESSION */
    fo_strv needs;      /* test ids of this lease (fixture setups) that must
                           not fail for this step to start; when one did,
                           its tests are not_run, as CTest does */
} fo_verdict;

void fo_verdict_free (fo_verdict *verdict);
void fo_verdict_copy (fo_verdict *dst, const fo_verdict *src);

typedef struct {
    fo_step_kind kind;
    char *name;         /* the test id (test step) or context id (fixtures) */
    fo_strv argv;       /* argv[0] is looked up in PATH; never empty */
    char *cwd;          /* absolute path, or "" for the agent's own cwd */
    fo_env env;         /* overrides applied on top of the agent's environment */
    uint32_t timeout_ms;/* 0 = none */
    fo_reader reader;
    fo_strv tests;      /* the test ids this step reports (empty for fixtures) */
    /* The fixture's scope, in steps (fo_steps.h): a setup covers the `span`
       steps after it (its teardown, when it has one, is the last of them);
       a teardown covers the `span` steps before it (its setup, when it has
       one, is the first of them). 0 for test and discover steps. Scopes come
       from the suite's structure, never from parsing names. */
    uint32_t span;
    fo_verdict verdict; /* reader ctest only (else empty) */
} fo_step;

typedef struct {
    uint64_t lease;     /* unique per broker run, never reused */
    uint32_t attempt;   /* 1 for the first try */
    uint32_t output_cap;/* bytes of stdout and of stderr kept per step */
    int32_t skip_code;  /* exit status meaning "skipped" (77) */
    fo_env env;         /* exported by the task's shared contexts: applied
                           over every step's env (fo_lease_apply_env) */
    uint32_t slow_ms;   /* send `slow` when a step runs this long (and at each
                           multiple); 0 = never */
    uint32_t task_timeout_ms;   /* limit for all the steps together; 0 = none */
    fo_step *steps;
    size_t nsteps;
    /* Version 5, artifacts (docs/artifacts.md): the blob id of the
       manifest of what the task needs on the agent, or "" for none (the
       steps run where they say, as before). With one, root is the
       broker's suite directory (absolute): the agent runs the steps in a
       workspace laid out from the manifest, and a cwd or an argument
       under root is rewritten to the same place under the workspace. */
    char *manifest;
    char *root;
    /* Version 5: the bytes of files a test step may send back from
       $FANOUT_OUTPUT_DIR (`output`); 0: none (the variable is not set). */
    uint32_t outputs;
} fo_lease;

typedef struct {
    uint64_t lease;
    uint32_t step;      /* index into the lease's steps */
    char *test;         /* test id; "" for a fixture (setup/teardown) error */
    fo_outcome outcome;
    uint64_t duration_us;
    char *out;          /* captured stdout, arbitrary bytes, NUL-terminated copy */
    size_t out_len;
    char *err;          /* captured stderr */
    size_t err_len;
    char *message;      /* human explanation: "exit status 3", "killed by SIGSEGV" */
    char *host;
    uint32_t worker;    /* slot number on that host, from 1 */
    uint32_t attempt;
    /* Version 5: a joined test (lib/import/fo_reader.h): a test the step's
       program named as it ran (a TAP point), not one of the lease's. Then
       `test` is the step's test it joins (the program's), `joined` the new
       test's name and `group` a context under the program's context
       ("" for none: a cmocka group's name). Both "" for any other result;
       each at most FO_PROTO_MAX_JOINED_NAME bytes. */
    char *joined;
    char *group;
    /* Version 6: the test asked to stop the whole run, as an interrupt
       (SIGINT) of fanout would (a Python test that raised
       KeyboardInterrupt: docs/sources.md, "Python"). The broker stops the
       run as for SIGINT and marks the report interrupted. */
    bool interrupt;
    /* Set by the decoder and fo_result_copy: test, out, err, message,
       host, joined and group are one allocation, starting at `test` (one
       malloc per result, not seven); fo_result_free knows. A result built by hand leaves it false
       and owns each string. Never replace one string of such a result. */
    bool one_block;
} fo_result;

/* Why a run stopped by an interrupt stops: SIGINT (fanout run, fanout
   broker) and a result with interrupt alike; its tests not finished are
   "not run (interrupted)". */
#define FO_INTERRUPT_REASON "interrupted"

/* Bytes of a joined test's name or group on the wire (fo_name's FO_NAME_MAX). */
#define FO_PROTO_MAX_JOINED_NAME 4096u

/* A lease has finished. Since version 4 it also carries what would
   otherwise be more messages: the credit its slot gives back (a request's
   worth) and the results of the lease not sent yet (the last step's, as a
   rule), so a task of one test costs one message agent -> broker. */
typedef struct {
    uint64_t lease;
    int32_t exit_status;    /* of the task; -1 when a signal ended it */
    int32_t signal;         /* 0 when none */
    uint32_t credit;        /* how many MORE leases the agent can take now,
                               as request.credit; 0 for none */
    fo_result *results;     /* results of this lease not sent before, in
                               order; each one's lease is this lease (on the
                               wire it is left out) */
    size_t nresults;
} fo_done;

typedef struct {
    uint64_t lease;
    char *reason;       /* why: the tests it stops are "not run (<reason>)" */
} fo_cancel;

/* Version 8: a lease the agent queued and never started (no step ran, no
   artifact was fetched for it) goes back to the broker, which leases its
   task elsewhere as if it had never been leased: not an attempt. The
   agent returns a lease that waited in its queue longer than a bound
   while none of its slots could take it (docs/protocol.md, "Lease
   return"). `credit` is what the return gives back, as done.credit. */
typedef struct {
    uint64_t lease;
    uint32_t credit;
} fo_return;

/* The answer to a discover step: the test names it printed (trimmed, none
   empty; '/' allowed, as in any name), or why there are none. A discover
   step whose reader is ctest (version 7) is answered with its output
   whole instead, a CTest listing (`ctest --show-only=json-v1`, checked on
   the agent): `listing`, and no names. */
typedef struct {
    uint64_t lease;
    uint32_t step;      /* index of the discover step in the lease */
    fo_strv names;      /* in output order; empty when error is set */
    char *listing;      /* version 7: the listing, or NULL/empty: none;
                           never with names or an error */
    size_t listing_len;
    char *error;        /* "" on success, else "exit status 2", ... */
    char *err;          /* the command's captured stderr */
    size_t err_len;
    uint64_t duration_us;
} fo_discovered;

typedef struct {
    uint64_t lease;
    uint32_t step;          /* index into the lease's steps */
    uint64_t elapsed_ms;    /* how long it has run so far */
} fo_slow;

/* An agent asks for length bytes of blob from offset (length 1 to
   FO_PROTO_MAX_CHUNK). How many it has asked for and not received is its
   own credit window: the broker answers each fetch with one chunk. */
typedef struct {
    char *blob;             /* a blob id */
    uint64_t offset;
    uint32_t length;
} fo_fetch;

/* The answer to a fetch: data holds the bytes from offset (at most the
   length asked, fewer at the blob's end), size is the whole blob's;
   error is "" or why there is no data (unknown blob, unreadable file). */
typedef struct {
    char *blob;
    uint64_t offset;
    uint64_t size;
    char *data;
    size_t data_len;
    char *error;
} fo_chunk;

/* A piece of a file a test step wrote to $FANOUT_OUTPUT_DIR: path is
   relative to that directory (fo_relative_path_ok), data the bytes from
   offset (at most FO_PROTO_MAX_CHUNK), size the whole file's. A file
   goes in order, from offset 0; the broker keeps it under its
   --output-dir, named by the step's test (docs/artifacts.md). */
typedef struct {
    uint64_t lease;
    uint32_t step;
    char *path;
    uint64_t offset;
    uint64_t size;
    char *data;
    size_t data_len;
} fo_output;

typedef struct fo_msg fo_msg;

/* batch (version 6): messages to be handled as if each came in its own
   frame, in order. On the wire each is a bin holding one message's whole
   encoding (so each is decoded, within every limit, as a frame would be);
   never a batch itself; 1 to FO_PROTO_MAX_BATCH of them. */
typedef struct {
    fo_msg *msgs;
    size_t nmsgs;
} fo_batch;

struct fo_msg {
    fo_msg_type type;
    uint32_t version;       /* set by decode; encode always writes FO_PROTO_VERSION */
    union {
        fo_hello hello;
        fo_welcome welcome;
        fo_refuse refuse;
        fo_request request;
        fo_lease lease;
        fo_result result;
        fo_done done;
        fo_cancel cancel;
        fo_shutdown shutdown;
        fo_bye bye;
        fo_discovered discovered;
        fo_slow slow;
        fo_fetch fetch;
        fo_chunk chunk;
        fo_output output;
        fo_batch batch;
        fo_return ret;
    } u;
};

/* Appends the msgpack encoding of msg to out. Returns 0, or -1 if msg is
   not encodable (unknown type, a string over the limits). */
int fo_msg_encode (const fo_msg *msg, fo_buf *out);

/* How many bytes msg's encoding takes, counted without keeping them and
   without the FO_PROTO_MAX_MESSAGE limit (so that a message over it can be
   told by how much); 0 when a part of it cannot be encoded at all (a
   string over FO_PROTO_MAX_STRING, an unknown enum value). */
size_t fo_msg_encoded_size (const fo_msg *msg);

/* Decodes exactly one message occupying all of data[0..len). On success
   returns FO_PROTO_OK and *msg owns copies of everything (free with
   fo_msg_free). Otherwise returns FO_PROTO_EMALFORMED or FO_PROTO_EVERSION,
   writes a one-line reason into err, and leaves nothing to free. */
int fo_msg_decode (const void *data, size_t len, fo_msg *msg, char *err, size_t errlen);

/* Scratch memory for decoding, kept from one message to the next: two
   msgpack zones (a frame's object tree, a batch's messages'), emptied after
   each use down to their first 8 KB chunk. Without it every frame made
   and freed two 8 KB zones, and each such malloc made glibc consolidate
   its fast bins: 4,400 instructions, 1 to 2.5 µs of fanout's own CPU per
   tiny test (docs/performance-log.md). One per receiving thread: not
   thread-safe. */
typedef struct fo_msg_scratch fo_msg_scratch;
fo_msg_scratch *fo_msg_scratch_new (void);
void fo_msg_scratch_destroy (fo_msg_scratch **self_p);
/* fo_msg_decode, with scratch's zones (NULL: zones of its own). */
int fo_msg_decode_in (fo_msg_scratch *scratch, const void *data, size_t len, fo_msg *msg,
                      char *err, size_t errlen);

/* Frees what a decoded (or hand-built with fo_x* allocations) message owns. */
void fo_msg_free (fo_msg *msg);

/* Frees what a decoded result owns (one of done's results, say). */
void fo_result_free (fo_result *result);
/* dst: src with its own copy of every string and byte (NULL message,
   host, joined or group as ""), in one block (one_block), as the decoder
   makes them: one malloc and one free a result. */
void fo_result_copy (fo_result *dst, const fo_result *src);

/* Folds the lease's env into every step's env (the lease's values win)
   and empties it: what an agent does before running the steps. */
void fo_lease_apply_env (fo_lease *lease);

/* Frees one step's contents (used by the planner too). */
void fo_step_free (fo_step *step);
/* Deep copy of a step. */
void fo_step_copy (fo_step *dst, const fo_step *src);

/* Batches of messages already encoded (the broker's lease frames): a
   batch's header with room for any count, then each message appended as
   a bin, then the count written in. Appending never copies a message
   twice; fo_batch_buf_frame gives the frame to send: the one message
   alone when there is one, else the batch. */
typedef struct {
    fo_buf buf;         /* the header, then each message as a bin */
    size_t count;       /* messages appended */
    size_t first;       /* where the first message's bytes start */
} fo_batch_buf;

/* Whether a message of len bytes still fits in b (count and size). */
bool fo_batch_buf_fits (const fo_batch_buf *b, size_t len);
/* Appends one encoded message (at most FO_PROTO_MAX_STRING bytes; check
   fo_batch_buf_fits first). */
void fo_batch_buf_add (fo_batch_buf *b, const void *data, size_t len);
/* The frame to send (NULL when empty); valid until the next add or reset. */
const void *fo_batch_buf_frame (fo_batch_buf *b, size_t *len);
/* Empties b, keeping its memory. */
void fo_batch_buf_reset (fo_batch_buf *b);
void fo_batch_buf_free (fo_batch_buf *b);

/* The structural pre-scan run by fo_msg_decode. Exposed for tests/fuzzing.
   Returns 0 when data holds exactly one msgpack object within the limits. */
int fo_proto_prescan (const void *data, size_t len, char *err, size_t errlen);

#endif
