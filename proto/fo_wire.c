/*  fo_wire — see fo_wire.h. */
#include "fo_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "fo_zpoll.h"

/*  Every function here that calls ZeroMQ on a socket tells fo_zpoll
    (fo_zpoll_touch): such a call may process the socket's commands and
    leave a message to read that its ZMQ_FD will not announce. */

int
fo_wire_configure (void *socket)
{
    fo_zpoll_touch ();      /* a new socket, connected or bound next */
    int64_t max = FO_PROTO_MAX_MESSAGE;
    int linger = 0;
    /* Results stream faster than a busy peer may read them; ZeroMQ's default
       HWM of 1000 would block or drop. Memory stays bounded by the number of
       tests in flight, each capped by the output limits. */
    int hwm = 1000000;
    if (zmq_setsockopt (socket, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0
        || zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger) != 0
        || zmq_setsockopt (socket, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0
        || zmq_setsockopt (socket, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0)
        return -1;
    return 0;
}

int
fo_wire_send (void *socket, const void *routing_id, size_t routing_len, const fo_msg *msg)
{
    fo_buf buf = { 0 };
    if (fo_msg_encode (msg, &buf) != 0) {
        fo_buf_free (&buf);
        errno = EINVAL;
        return -1;
    }
    int rc = fo_wire_send_encoded (socket, routing_id, routing_len, buf.data, buf.len);
    fo_buf_free (&buf);
    return rc;
}

int
fo_wire_send_encoded (void *socket, const void *routing_id, size_t routing_len, const void *data,
                      size_t len)
{
    /* Never block: a ROUTER drops what it cannot queue anyway, and a DEALER
       whose connection was refused has no pipe left and would wait for ever. */
    fo_zpoll_touch ();
    if (routing_id && zmq_send (socket, routing_id, routing_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    if (zmq_send (socket, data, len, ZMQ_DONTWAIT) < 0)
        return -1;
    return 0;
}

int
fo_wire_send_batch (void *socket, const void *routing_id, size_t routing_len, fo_batch_buf *b)
{
    size_t len;
    const void *frame = fo_batch_buf_frame (b, &len);
    int rc = frame ? fo_wire_send_encoded (socket, routing_id, routing_len, frame, len) : 0;
    fo_batch_buf_reset (b);
    return rc;
}

/* Reads and discards the rest of a multi-frame message. */
static void
drain_more (void *socket)
{
    int more = 1;
    size_t size = sizeof more;
    while (zmq_getsockopt (socket, ZMQ_RCVMORE, &more, &size) == 0 && more) {
        zmq_msg_t part;
        zmq_msg_init (&part);
        zmq_msg_recv (&part, socket, 0);
        zmq_msg_close (&part);
    }
}

static bool
has_more (void *socket)
{
    int more = 0;
    size_t size = sizeof more;
    return zmq_getsockopt (socket, ZMQ_RCVMORE, &more, &size) == 0 && more;
}

static fo_wire_status
recv_with (fo_msg_scratch *scratch, void *socket, bool router, unsigned char *routing_id,
           size_t *routing_len, fo_msg *msg, char *err, size_t errlen)
{
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    fo_zpoll_touch ();
    if (zmq_msg_recv (&frame, socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&frame);
        if (errno == EAGAIN || errno == EINTR)
            return FO_WIRE_NONE;
        snprintf (err, errlen, "receive failed: %s", zmq_strerror (errno));
        return FO_WIRE_ERROR;
    }
    if (router) {
        size_t n = zmq_msg_size (&frame);
        if (n > FO_WIRE_MAX_ROUTING_ID)
            n = FO_WIRE_MAX_ROUTING_ID;
        memcpy (routing_id, zmq_msg_data (&frame), n);
        *routing_len = n;
        zmq_msg_close (&frame);
        if (!has_more (socket)) {
            snprintf (err, errlen, "empty message");
            return FO_WIRE_BAD;
        }
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, socket, 0) < 0) {
            zmq_msg_close (&frame);
            snprintf (err, errlen, "receive failed: %s", zmq_strerror (errno));
            return FO_WIRE_ERROR;
        }
    }
    if (has_more (socket)) {
        zmq_msg_close (&frame);
        drain_more (socket);
        snprintf (err, errlen, "message has more than one frame");
        return FO_WIRE_BAD;
    }
    int rc = fo_msg_decode_in (scratch, zmq_msg_data (&frame), zmq_msg_size (&frame), msg, err,
                               errlen);
    zmq_msg_close (&frame);
    if (rc == FO_PROTO_OK)
        return FO_WIRE_MSG;
    return rc == FO_PROTO_EVERSION ? FO_WIRE_BAD_VERSION : FO_WIRE_BAD;
}

fo_wire_status
fo_wire_recv (void *socket, bool router, unsigned char *routing_id, size_t *routing_len,
              fo_msg *msg, char *err, size_t errlen)
{
    return recv_with (NULL, socket, router, routing_id, routing_len, msg, err, errlen);
}

bool
fo_wire_inbox_pending (const fo_wire_inbox *in)
{
    return in->batch.type == FO_MSG_BATCH && in->next < in->batch.u.batch.nmsgs;
}

void
fo_wire_inbox_clear (fo_wire_inbox *in)
{
    fo_msg_free (&in->batch);
    in->next = 0;
}

void
fo_wire_inbox_free (fo_wire_inbox *in)
{
    fo_wire_inbox_clear (in);
    fo_msg_scratch_destroy (&in->scratch);
}

fo_wire_status
fo_wire_inbox_recv (fo_wire_inbox *in, void *socket, bool router, unsigned char *routing_id,
                    size_t *routing_len, fo_msg *msg, char *err, size_t errlen)
{
    if (!fo_wire_inbox_pending (in)) {
        fo_wire_inbox_clear (in);
        if (!in->scratch)
            in->scratch = fo_msg_scratch_new ();
        fo_wire_status st = recv_with (in->scratch, socket, router, routing_id, routing_len, msg,
                                       err, errlen);
        if (st != FO_WIRE_MSG || msg->type != FO_MSG_BATCH)
            return st;
        in->batch = *msg;
        if (router) {
            memcpy (in->routing, routing_id, *routing_len);
            in->routing_len = *routing_len;
        }
    }
    else if (router) {
        memcpy (routing_id, in->routing, in->routing_len);
        *routing_len = in->routing_len;
    }
    /* Each message moves out; the batch keeps a zeroed record to free. */
    *msg = in->batch.u.batch.msgs[in->next];
    memset (&in->batch.u.batch.msgs[in->next], 0, sizeof *msg);
    in->next++;
    return FO_WIRE_MSG;
}
