/*  fo_curve — CurveZMQ keys for fanout's sockets, and where plaintext is
    acceptable.

    A key pair is a czmq certificate (zcert): `fanout keygen NAME` writes
    NAME.cert (the public key: hand it out) and NAME.cert_secret (both keys:
    it never leaves its host, mode 0600). A broker is given its own secret
    certificate and a directory of the agents' public certificates; an agent
    is given its own secret certificate and the broker's public one.

    Plaintext TCP carries test commands and results unauthenticated, so
    fanout refuses it on every address, loopback included (any local user
    of a shared build host could join), unless the user said --insecure;
    inproc and ipc endpoints (whose files have permissions) stay free.
    fo_endpoint_is_local tells how far a plaintext endpoint reaches, for
    the warning --insecure gives.
*/
#ifndef FO_CURVE_H
#define FO_CURVE_H

#include <stdbool.h>
#include <stddef.h>

#define FO_CURVE_KEY_TXT 41     /* a 32-byte key in Z85: 40 characters + NUL */

typedef struct {
    char public_txt[FO_CURVE_KEY_TXT];
    char secret_txt[FO_CURVE_KEY_TXT];     /* "" when only the public key is known */
} fo_curve_key;

/* Loads the certificate at path (czmq's zcert format; for NAME.cert the
   secret is read from NAME.cert_secret when that file exists). With
   need_secret the secret key must be there. Returns 0, or -1 with err set. */
int fo_curve_load (const char *path, bool need_secret, fo_curve_key *key, char *err,
                   size_t errlen);

/* Makes a new key pair and writes NAME.cert and NAME.cert_secret (0600).
   Refuses to overwrite either file. Returns 0, or -1 with err set. */
int fo_curve_keygen (const char *name, fo_curve_key *key, char *err, size_t errlen);

/* True when a ZeroMQ endpoint can only be reached from this host: inproc,
   ipc, or tcp on a loopback address (127.0.0.0/8, ::1, localhost, lo).
   Wildcards (*, 0.0.0.0), other addresses and other transports are not. */
bool fo_endpoint_is_local (const char *endpoint);

#endif
