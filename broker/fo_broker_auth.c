/*  fo_broker_auth — see fo_broker_auth.h. */
#include "fo_broker_auth.h"

#include <czmq.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fo_log.h"
#include "fo_monitor.h"
#include "fo_util.h"

#define ROLE "broker"

struct fo_broker_auth {
    zactor_t *zauth;            /* NULL without CURVE */
    fo_monitor *monitor;
    char *authorized_dir;
    size_t refused;             /* handshakes that failed */
    size_t dropped;             /* connections that went during the handshake */
};

fo_broker_auth *
fo_broker_auth_new (void *socket, const char *public_txt, const char *secret_txt,
                    const char *authorized_dir, char *err, size_t errlen)
{
    fo_broker_auth *self = fo_xcalloc (1, sizeof *self);
    if (public_txt && secret_txt) {
        struct stat st;
        if (!authorized_dir || stat (authorized_dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
            snprintf (err, errlen, "the directory of authorised agents' certificates '%s' %s",
                      authorized_dir ? authorized_dir : "(none)",
                      authorized_dir ? "is not a directory" : "must be given with CURVE keys");
            free (self);
            return NULL;
        }
        /* The ZAP handler must be in place before the first connection: in
           libzmq 4.3, a CURVE server without one accepts every key. */
        self->zauth = zactor_new (zauth, NULL);
        if (!self->zauth) {
            snprintf (err, errlen, "cannot start the authentication actor (zauth)");
            free (self);
            return NULL;
        }
        if (fo_log_get_level () >= FO_LOG_DEBUG) {
            zsys_set_logstream (stderr);
            zstr_send (self->zauth, "VERBOSE");
            zsock_wait (self->zauth);
        }
        zstr_sendx (self->zauth, "CURVE", authorized_dir, NULL);
        zsock_wait (self->zauth);
        self->authorized_dir = fo_xstrdup (authorized_dir);
        int on = 1;
        if (zmq_setsockopt (socket, ZMQ_CURVE_SERVER, &on, sizeof on) != 0
            || zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, public_txt, strlen (public_txt)) != 0
            || zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, secret_txt, strlen (secret_txt)) != 0
            || zmq_setsockopt (socket, ZMQ_ZAP_DOMAIN, "fanout", 6) != 0) {
            snprintf (err, errlen, "cannot make the socket a CURVE server: %s", zmq_strerror (errno));
            fo_broker_auth_destroy (&self);
            return NULL;
        }
    }
    self->monitor = fo_monitor_new (socket, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                            | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                            | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    if (!self->monitor)
        fo_log (FO_LOG_WARN, ROLE, "cannot monitor the socket: refused handshakes will not be logged");
    return self;
}

void *
fo_broker_auth_pollsocket (fo_broker_auth *self)
{
    return self->monitor ? fo_monitor_socket (self->monitor) : NULL;
}

static void
log_event (fo_broker_auth *self, const fo_monitor_event *ev)
{
    const char *where = ev->address;
    if (ev->event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        /* A peer that hung up during the handshake: often a scanner, or an
           agent whose wrong broker key made it give up. */
        fo_log_peer (FO_LOG_INFO, ROLE, NULL, "a peer on %s hung up during the handshake (%zu "
                     "so far)", where, ++self->dropped);
        return;
    }
    /* The monitor names our endpoint, not the peer: limited per kind. */
    self->refused++;
    if (ev->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        fo_log_peer (FO_LOG_WARN, ROLE, NULL, "refused an agent on %s: its key is not in the "
                     "authorised directory %s (ZAP status %u; %zu refused so far)", where,
                     self->authorized_dir ? self->authorized_dir : "?", ev->value,
                     self->refused);
    else if (ev->value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
        fo_log_peer (FO_LOG_WARN, ROLE, NULL, "refused a peer on %s: its CURVE handshake does "
                     "not decrypt (it was given another broker's public key; %zu refused so "
                     "far)", where, self->refused);
    else if (ev->value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        fo_log_peer (FO_LOG_WARN, ROLE, NULL, "refused a peer on %s: %s (%zu refused so far)",
                     where, self->zauth ? "it does not use CURVE, and this broker requires it"
                                        : "it uses CURVE, and this broker runs without keys",
                     self->refused);
    else
        fo_log_peer (FO_LOG_WARN, ROLE, NULL, "refused a peer on %s: ZeroMQ handshake error "
                     "0x%x (%zu refused so far)", where, ev->value, self->refused);
}

void
fo_broker_auth_service (fo_broker_auth *self)
{
    fo_monitor_event ev;
    while (self->monitor && fo_monitor_next (self->monitor, &ev))
        log_event (self, &ev);
}

size_t
fo_broker_auth_refused (const fo_broker_auth *self)
{
    return self->refused;
}

void
fo_broker_auth_destroy (fo_broker_auth **self_p)
{
    fo_broker_auth *self = *self_p;
    if (!self)
        return;
    fo_monitor_destroy (&self->monitor);
    zactor_destroy (&self->zauth);
    free (self->authorized_dir);
    free (self);
    *self_p = NULL;
}
