/*  fo_broker_auth — who may talk to the broker, and what it says about the
    peers it turned away.

    With CurveZMQ keys the broker's ROUTER is a CURVE server and czmq's zauth
    actor checks each agent's public key against the certificates in the
    authorised directory during the handshake, before any message of that
    agent reaches the broker: an unknown key never gets a task and can never
    submit a result. zauth re-reads the directory when it changes, so copying
    an agent's NAME.cert into it authorises that agent without a restart.

    A socket monitor logs the handshakes that fail (a key that is not
    authorised, a peer with the wrong broker key, plaintext against CURVE and
    the reverse). Logging is sampled (the first few, then every power of two)
    so that a peer retrying in a loop cannot flood the log.
*/
#ifndef FO_BROKER_AUTH_H
#define FO_BROKER_AUTH_H

#include <stddef.h>

typedef struct fo_broker_auth fo_broker_auth;

/* Secures `socket` before it binds. With public_txt/secret_txt (Z85 keys)
   NULL the socket stays plaintext and only the monitor is set up. With keys,
   authorized_dir must be a readable directory. NULL with err set on failure. */
fo_broker_auth *fo_broker_auth_new (void *socket, const char *public_txt,
                                    const char *secret_txt, const char *authorized_dir,
                                    char *err, size_t errlen);

/* The monitor's socket, to poll for ZMQ_POLLIN (NULL when there is none). */
void *fo_broker_auth_pollsocket (fo_broker_auth *self);

/* Logs the handshake events waiting on the monitor. */
void fo_broker_auth_service (fo_broker_auth *self);

/* Counts of refused handshakes so far (for tests and the final log). */
size_t fo_broker_auth_refused (const fo_broker_auth *self);

/* Call before destroying the socket. */
void fo_broker_auth_destroy (fo_broker_auth **self_p);

#endif
