/*  result_sink — the results a lease driven through fo_execution reports,
    kept for the test to look at (test_execution_failures.c,
    test_execution_resources.c, test_execution_spawner.c, test_runner.c,
    test_runner_python.c).

    - sink_add is the execution's fo_result_fn (its arg: the sink). A kept
      result is the reported one with test, message and out copied (the
      reported strings are the execution's, gone after the callback); err,
      host, joined and group are NULL.
    - sink_result finds a test's result and fails the test when there is
      none or more than one (a test reported twice is a bug too).
    - sink_expect fails, naming both outcomes and the message, when a test
      ended otherwise than expected.
    - sink_free frees what was kept and empties the sink for the next lease.
*/
/* Include after cmocka.h: failures are cmocka assertions. */
#ifndef RESULT_SINK_H
#define RESULT_SINK_H

#include <stdlib.h>
#include <string.h>

#include "fo_proto.h"
#include "fo_util.h"

#define SINK_MAX 32

typedef struct {
    fo_result results[SINK_MAX];
    size_t n;
} sink;

static inline void
sink_add (void *arg, const fo_result *r)
{
    sink *s = arg;
    assert_true (s->n < SINK_MAX);
    fo_result *copy = &s->results[s->n++];
    *copy = *r;
    copy->test = fo_xstrdup (r->test);
    copy->message = fo_xstrdup (r->message);
    copy->out = fo_xstrndup (r->out ? r->out : "", r->out ? r->out_len : 0);
    copy->err = copy->host = copy->joined = copy->group = NULL;
    copy->one_block = false;
}

static inline void
sink_free (sink *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free (s->results[i].test);
        free (s->results[i].message);
        free (s->results[i].out);
    }
    s->n = 0;
}

static inline const fo_result *
sink_result (const sink *s, const char *test)
{
    const fo_result *found = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp (s->results[i].test, test) == 0) {
            if (found)
                fail_msg ("two results for '%s'", test);
            found = &s->results[i];
        }
    if (!found)
        fail_msg ("no result for '%s'", test);
    return found;
}

static inline void
sink_expect (const sink *s, const char *test, fo_outcome outcome)
{
    const fo_result *r = sink_result (s, test);
    if (r->outcome != outcome)
        fail_msg ("'%s': %s, expected %s (%s)", test, fo_outcome_name (r->outcome),
                  fo_outcome_name (outcome), r->message);
}

#endif
