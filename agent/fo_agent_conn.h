/*  fo_agent_conn — one session's connection from an agent to its broker.

    A DEALER socket (a CurveZMQ client when keys are given: the agent's own
    pair, and the broker's public key pinned) and a socket monitor that turns
    libzmq's connection events into what the session must do:

      - a handshake failed: the broker refused this agent's key, or could not
        prove that it holds the secret of the pinned key, or speaks another
        security mechanism. The session is rejected and `why` says which, in
        words an operator can act on. libzmq 4.3 never retries a connection
        whose handshake was refused, so the agent throws the socket away and
        builds a new one after a backoff: authorising the agent later works
        without restarting it;
      - an established connection closed: the broker went away or restarted.

    Over inproc neither happens (no handshake); heartbeats still find a
    silent broker whatever the transport.
*/
#ifndef FO_AGENT_CONN_H
#define FO_AGENT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fo_agent_conn fo_agent_conn;

typedef struct {
    const char *endpoint;
    const char *public_txt;     /* the agent's key pair (Z85), or NULL: plaintext */
    const char *secret_txt;
    const char *server_txt;     /* the broker's public key; required with a key pair */
} fo_conn_options;

typedef enum {
    FO_CONN_PENDING = 0,        /* connecting or connected: nothing to do */
    FO_CONN_REJECTED,           /* a handshake failed: why says how */
    FO_CONN_CLOSED,             /* the connection to the broker closed */
} fo_conn_state;

/* Creates the socket and starts connecting. NULL with err set on failure
   (a malformed endpoint, an unusable key). */
fo_agent_conn *fo_agent_conn_new (const fo_conn_options *options, char *err, size_t errlen);

void *fo_agent_conn_socket (fo_agent_conn *self);

/* The monitor's socket to poll for ZMQ_POLLIN, or NULL. */
void *fo_agent_conn_pollsocket (fo_agent_conn *self);

/* Reads the monitor's events. Once REJECTED or CLOSED, stays so. */
fo_conn_state fo_agent_conn_service (fo_agent_conn *self, char *why, size_t whylen);

/* A handshake has succeeded on this connection and it has not closed. */
bool fo_agent_conn_up (const fo_agent_conn *self);

/* Closes the socket; linger_ms lets the last messages (bye) leave. */
void fo_agent_conn_destroy (fo_agent_conn **self_p, uint32_t linger_ms);

#endif
