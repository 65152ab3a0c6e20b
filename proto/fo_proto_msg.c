/*  fo_proto_msg — the lifetime of decoded messages and of steps.

    The free functions accept partly filled structs (every pointer either
    owned or NULL) because the decoder builds into the caller's struct field
    by field and frees it with these same functions when a later field fails.
*/
#include "fo_proto.h"

#include <stdlib.h>
#include <string.h>

void
fo_step_free (fo_step *step)
{
    if (!step)
        return;
    free (step->name);
    fo_strv_free (&step->argv);
    free (step->cwd);
    fo_env_free (&step->env);
    fo_strv_free (&step->tests);
    fo_verdict_free (&step->verdict);
    memset (step, 0, sizeof *step);
}

void
fo_verdict_free (fo_verdict *verdict)
{
    fo_strv_free (&verdict->pass);
    fo_strv_free (&verdict->fail);
    fo_strv_free (&verdict->skip);
    fo_strv_free (&verdict->needs);
    memset (verdict, 0, sizeof *verdict);
}

void
fo_verdict_copy (fo_verdict *dst, const fo_verdict *src)
{
    memset (dst, 0, sizeof *dst);
    dst->will_fail = src->will_fail;
    dst->disabled = src->disabled;
    dst->skip_code = src->skip_code;
    fo_strv_copy (&dst->pass, &src->pass);
    fo_strv_copy (&dst->fail, &src->fail);
    fo_strv_copy (&dst->skip, &src->skip);
    fo_strv_copy (&dst->needs, &src->needs);
}

void
fo_step_copy (fo_step *dst, const fo_step *src)
{
    memset (dst, 0, sizeof *dst);
    dst->kind = src->kind;
    dst->name = fo_xstrdup (src->name);
    fo_strv_copy (&dst->argv, &src->argv);
    dst->cwd = fo_xstrdup (src->cwd);
    fo_env_copy (&dst->env, &src->env);
    dst->timeout_ms = src->timeout_ms;
    dst->reader = src->reader;
    fo_strv_copy (&dst->tests, &src->tests);
    dst->span = src->span;
    fo_verdict_copy (&dst->verdict, &src->verdict);
}

void
fo_result_free (fo_result *result)
{
    if (result->one_block) {
        free (result->test);
        memset (result, 0, sizeof *result);
        return;
    }
    free (result->test);
    free (result->out);
    free (result->err);
    free (result->message);
    free (result->host);
    free (result->joined);
    free (result->group);
    memset (result, 0, sizeof *result);
}

void
fo_result_copy (fo_result *dst, const fo_result *src)
{
    *dst = *src;
    const char *message = src->message ? src->message : "";
    const char *host = src->host ? src->host : "";
    const char *joined = src->joined ? src->joined : "";
    const char *group = src->group ? src->group : "";
    size_t test_len = strlen (src->test), message_len = strlen (message);
    size_t host_len = strlen (host), joined_len = strlen (joined), group_len = strlen (group);
    char *p = fo_xmalloc (test_len + src->out_len + src->err_len + message_len + host_len
                          + joined_len + group_len + 7);
#define FO_PUT(field, data, len)            \
    do {                                    \
        dst->field = p;                     \
        if (len)                            \
            memcpy (p, data, len);          \
        p[len] = '\0';                      \
        p += (len) + 1;                     \
    } while (0)
    FO_PUT (test, src->test, test_len);     /* first: fo_result_free frees it */
    FO_PUT (out, src->out, src->out_len);
    FO_PUT (err, src->err, src->err_len);
    FO_PUT (message, message, message_len);
    FO_PUT (host, host, host_len);
    FO_PUT (joined, joined, joined_len);
    FO_PUT (group, group, group_len);
#undef FO_PUT
    dst->one_block = true;
}

void
fo_lease_apply_env (fo_lease *lease)
{
    for (size_t i = 0; lease->env.len > 0 && i < lease->nsteps; i++)
        fo_env_merge (&lease->steps[i].env, &lease->env);
    fo_env_free (&lease->env);
}

void
fo_msg_free (fo_msg *msg)
{
    if (!msg)
        return;
    switch (msg->type) {
    case FO_MSG_HELLO:
        free (msg->u.hello.agent_id);
        free (msg->u.hello.host);
        for (size_t i = 0; msg->u.hello.resources && i < msg->u.hello.nresources; i++) {
            free (msg->u.hello.resources[i].name);
            free (msg->u.hello.resources[i].id);
        }
        free (msg->u.hello.resources);
        fo_strv_free (&msg->u.hello.labels);
        break;
    case FO_MSG_WELCOME:
        free (msg->u.welcome.broker_id);
        break;
    case FO_MSG_REFUSE:
        free (msg->u.refuse.reason);
        break;
    case FO_MSG_SHUTDOWN:
        free (msg->u.shutdown.reason);
        break;
    case FO_MSG_BYE:
        free (msg->u.bye.reason);
        break;
    case FO_MSG_LEASE:
        fo_env_free (&msg->u.lease.env);
        for (size_t i = 0; msg->u.lease.steps && i < msg->u.lease.nsteps; i++)
            fo_step_free (&msg->u.lease.steps[i]);
        free (msg->u.lease.steps);
        free (msg->u.lease.manifest);
        free (msg->u.lease.root);
        break;
    case FO_MSG_RESULT:
        fo_result_free (&msg->u.result);
        break;
    case FO_MSG_DONE:
        for (size_t i = 0; msg->u.done.results && i < msg->u.done.nresults; i++)
            fo_result_free (&msg->u.done.results[i]);
        free (msg->u.done.results);
        break;
    case FO_MSG_CANCEL:
        free (msg->u.cancel.reason);
        break;
    case FO_MSG_DISCOVERED:
        fo_strv_free (&msg->u.discovered.names);
        free (msg->u.discovered.error);
        free (msg->u.discovered.err);
        free (msg->u.discovered.listing);
        break;
    case FO_MSG_FETCH:
        free (msg->u.fetch.blob);
        break;
    case FO_MSG_OUTPUT:
        free (msg->u.output.path);
        free (msg->u.output.data);
        break;
    case FO_MSG_CHUNK:
        free (msg->u.chunk.blob);
        free (msg->u.chunk.data);
        free (msg->u.chunk.error);
        break;
    case FO_MSG_BATCH:
        for (size_t i = 0; msg->u.batch.msgs && i < msg->u.batch.nmsgs; i++)
            fo_msg_free (&msg->u.batch.msgs[i]);
        free (msg->u.batch.msgs);
        break;
    case FO_MSG_REQUEST: case FO_MSG_HEARTBEAT: case FO_MSG_SLOW: case FO_MSG_RETURN:
        break;
    }
    memset (msg, 0, sizeof *msg);
}
