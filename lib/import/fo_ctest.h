/*  fo_ctest — CTest's test list (`ctest --show-only=json-v1`) read into
    plain structs: what the CTest importer (fo_import_ctest.h) turns into
    contexts and tests.

    The document is CMake's "ctestInfo" object, major version 1: a
    `tests` array, each test a `name`, an optional `command` (absent when
    the test's executable is not available) and `properties`, a list of
    {name, value}. Properties fanout does not use are ignored; one it
    uses with a value of the wrong JSON type is an error, never guessed.
    Parsed with jansson (duplicate keys refused, no NUL in strings).

    RESOURCE_GROUPS is listed by json-v1 as a list of groups, each
    {"requirements": [{".type": TYPE, "slots": N}, ...]}: each TYPE must
    be a resource name as the protocol takes one, each N an integer from
    1 to FO_NEEDS_MAX_COUNT, at most FO_CTEST_MAX_RESOURCE_REQS groups
    and requirements together; else an error naming the test and the
    property.

    The output is the listing program's (a build tree may be anyone's), so
    it is read with limits: at most FO_CTEST_MAX_JSON bytes and
    FO_CTEST_MAX_TESTS tests; each string at most FO_CTEST_MAX_STRING
    bytes. Fuzzed: tests/fuzz/fuzz_ctest_json.c.
*/
#ifndef FO_CTEST_H
#define FO_CTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_util.h"

#define FO_CTEST_MAX_JSON (32u * 1024u * 1024u)
#define FO_CTEST_MAX_TESTS 100000u
#define FO_CTEST_MAX_STRING (1024u * 1024u)

/* Requirements of RESOURCE_GROUPS, in all groups of one test (json-v1
   lists a group given with a count N as N groups), groups counted too. */
#define FO_CTEST_MAX_RESOURCE_REQS 256u

/* One requirement of a group of RESOURCE_GROUPS: `slots` of one instance
   of resource `type` (CTest's "type:slots"). */
typedef struct {
    char *type;         /* a resource name (fo_resource_name_ok) */
    uint32_t slots;     /* 1 to FO_NEEDS_MAX_COUNT */
    uint32_t group;     /* its group, from 0 */
} fo_ctest_req;

typedef struct {
    char *name;
    fo_strv command;            /* empty: CTest lists no command */
    char *cwd;                  /* WORKING_DIRECTORY, or NULL */
    fo_strv env;                /* ENVIRONMENT: "NAME=value" each */
    fo_strv env_mod;            /* ENVIRONMENT_MODIFICATION: "NAME=op:value" */
    bool has_timeout;
    double timeout_s;           /* TIMEOUT (seconds; 0: none) */
    bool will_fail, disabled, run_serial;
    int32_t skip_code;          /* SKIP_RETURN_CODE, or -1 */
    fo_strv pass, fail, skip;   /* the three *_REGULAR_EXPRESSION lists */
    fo_strv labels;             /* LABELS */
    fo_strv fixtures_setup, fixtures_cleanup, fixtures_required;
    fo_strv resource_lock;      /* RESOURCE_LOCK */
    fo_strv depends;            /* DEPENDS (CTest adds the fixtures' edges) */
    fo_ctest_req *reqs;         /* RESOURCE_GROUPS: every group's requirements, */
    size_t nreqs;               /* in CTest's order (group by group) */
    uint32_t ngroups;
    uint32_t processors;        /* PROCESSORS (1 when absent) */
    double cost;                /* COST (0 when absent) */
} fo_ctest_test;

typedef struct {
    fo_ctest_test *items;
    size_t len;
} fo_ctest_list;

/* Reads json-v1 from data[0..len). 0, or -1 with "ctest json-v1: why" in
   err and an empty list. */
int fo_ctest_parse (const char *data, size_t len, fo_ctest_list *out, char *err, size_t errlen);
void fo_ctest_list_free (fo_ctest_list *self);

/* The index of the test called name, or list->len. */
size_t fo_ctest_find (const fo_ctest_list *list, const char *name);

#endif
