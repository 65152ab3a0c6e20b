/*  fo_wire — fo_msg over ZeroMQ sockets.

    One message is one frame (on a ROUTER socket: preceded by the peer's
    routing id frame). Receiving is non-blocking and never trusts the peer:
    the socket's ZMQ_MAXMSGSIZE caps the frame, extra frames are drained and
    rejected, and the payload goes through the strict decoder.
*/
#ifndef FO_WIRE_H
#define FO_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_proto.h"

#define FO_WIRE_MAX_ROUTING_ID 255   /* ZeroMQ's own limit */

/* Options every fanout socket gets: ZMQ_MAXMSGSIZE, no linger, high HWMs. */
int fo_wire_configure (void *socket);

/* Encodes and sends msg without blocking. routing_id (ROUTER sockets) may be
   NULL. Returns 0, or -1 (encode failure, nowhere to send it now, socket
   error; errno says which). */
int fo_wire_send (void *socket, const void *routing_id, size_t routing_len, const fo_msg *msg);

/* Sends a message already encoded (fo_msg_encode) without blocking: for a
   sender that must know a message can be encoded before it commits to it
   (the broker's leases). Returns 0 or -1 as fo_wire_send. */
int fo_wire_send_encoded (void *socket, const void *routing_id, size_t routing_len,
                          const void *data, size_t len);

/* Sends what b holds (its one message alone, or the batch) and empties
   it; nothing when it is empty. Returns 0 or -1 as fo_wire_send. */
int fo_wire_send_batch (void *socket, const void *routing_id, size_t routing_len,
                        fo_batch_buf *b);

typedef enum {
    FO_WIRE_NONE = 0,       /* nothing to read now */
    FO_WIRE_MSG,            /* *msg filled: free with fo_msg_free */
    FO_WIRE_BAD,            /* a frame arrived but is not a valid message: err says why */
    FO_WIRE_BAD_VERSION,    /* valid map, other protocol version */
    FO_WIRE_ERROR,          /* the socket failed (errno) */
} fo_wire_status;

/* Receives one message without blocking. With router, the routing id is
   copied into routing_id (up to FO_WIRE_MAX_ROUTING_ID bytes) and its length
   into *routing_len. */
fo_wire_status fo_wire_recv (void *socket, bool router, unsigned char *routing_id,
                             size_t *routing_len, fo_msg *msg, char *err, size_t errlen);

/* Receiving with batches opened (protocol 6): the messages of a batch
   come out one at a time, in order, as if each had had its own frame (a
   ROUTER's routing id repeated with each), the next frame is read only
   when the batch is used up. A bad message in a batch makes the whole
   frame FO_WIRE_BAD. Poll the socket only when fo_wire_inbox_pending is
   false: what the inbox holds is no longer on the socket. */
typedef struct {
    fo_msg batch;               /* FO_MSG_BATCH being handed out, or zeroed */
    size_t next;                /* its next message */
    unsigned char routing[FO_WIRE_MAX_ROUTING_ID];
    size_t routing_len;
    fo_msg_scratch *scratch;    /* the decoder's zones, made at the first frame */
} fo_wire_inbox;

fo_wire_status fo_wire_inbox_recv (fo_wire_inbox *in, void *socket, bool router,
                                   unsigned char *routing_id, size_t *routing_len, fo_msg *msg,
                                   char *err, size_t errlen);
bool fo_wire_inbox_pending (const fo_wire_inbox *in);
/* Drops what the inbox holds (a session's end). */
void fo_wire_inbox_clear (fo_wire_inbox *in);
/* ...and its decoder's zones: the inbox's end. */
void fo_wire_inbox_free (fo_wire_inbox *in);

#endif
