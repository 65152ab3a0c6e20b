/*  fo_curve — see fo_curve.h. */
#include "fo_curve.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_util.h"

static bool
all_zero (const byte *key)
{
    for (size_t i = 0; i < 32; i++)
        if (key[i])
            return false;
    return true;
}

int
fo_curve_load (const char *path, bool need_secret, fo_curve_key *key, char *err, size_t errlen)
{
    memset (key, 0, sizeof *key);
    if (access (path, R_OK) != 0) {
        snprintf (err, errlen, "cannot read certificate '%s': %s", path, strerror (errno));
        return -1;
    }
    zcert_t *cert = zcert_load (path);
    if (!cert || all_zero (zcert_public_key (cert))) {
        snprintf (err, errlen, "'%s' is not a CurveZMQ certificate (make one with 'fanout keygen NAME')",
                  path);
        zcert_destroy (&cert);
        return -1;
    }
    bool has_secret = !all_zero (zcert_secret_key (cert));
    if (need_secret && !has_secret) {
        snprintf (err, errlen, "'%s' holds no secret key: give the NAME.cert_secret file that "
                  "'fanout keygen NAME' wrote", path);
        zcert_destroy (&cert);
        return -1;
    }
    snprintf (key->public_txt, sizeof key->public_txt, "%s", zcert_public_txt (cert));
    if (has_secret)
        snprintf (key->secret_txt, sizeof key->secret_txt, "%s", zcert_secret_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

int
fo_curve_keygen (const char *name, fo_curve_key *key, char *err, size_t errlen)
{
    char *public_path = fo_xasprintf ("%s.cert", name);
    char *secret_path = fo_xasprintf ("%s.cert_secret", name);
    int rc = -1;
    struct stat st;
    if (stat (public_path, &st) == 0 || stat (secret_path, &st) == 0) {
        snprintf (err, errlen, "'%s' already exists: remove it first, fanout never overwrites a key",
                  stat (public_path, &st) == 0 ? public_path : secret_path);
        goto out;
    }
    zcert_t *cert = zcert_new ();
    if (!cert) {
        snprintf (err, errlen, "cannot make a key pair");
        goto out;
    }
    const char *base = strrchr (name, '/');
    zcert_set_meta (cert, "name", "%s", base ? base + 1 : name);
    zcert_set_meta (cert, "created-by", "fanout keygen");
    /* The secret file must never exist with wider permissions, not even
       for a moment: create it under a strict umask. */
    mode_t old = umask (077);
    int saved = zcert_save_secret (cert, secret_path);
    umask (old);
    if (saved == 0)
        saved = zcert_save_public (cert, public_path);
    if (saved != 0) {
        snprintf (err, errlen, "cannot write '%s' / '%s': %s", public_path, secret_path,
                  strerror (errno));
        unlink (secret_path);
        unlink (public_path);
        zcert_destroy (&cert);
        goto out;
    }
    snprintf (key->public_txt, sizeof key->public_txt, "%s", zcert_public_txt (cert));
    snprintf (key->secret_txt, sizeof key->secret_txt, "%s", zcert_secret_txt (cert));
    zcert_destroy (&cert);
    rc = 0;
out:
    free (public_path);
    free (secret_path);
    return rc;
}

static bool
host_is_loopback (const char *host, size_t len)
{
    if (len == 9 && strncmp (host, "localhost", 9) == 0)
        return true;
    if (len == 2 && strncmp (host, "lo", 2) == 0)      /* the interface, for bind */
        return true;
    if (len == 3 && strncmp (host, "::1", 3) == 0)
        return true;
    /* 127.0.0.0/8: "127." and then only digits and dots */
    if (len < 5 || strncmp (host, "127.", 4) != 0)
        return false;
    for (size_t i = 4; i < len; i++)
        if (!(host[i] == '.' || (host[i] >= '0' && host[i] <= '9')))
            return false;
    return true;
}

bool
fo_endpoint_is_local (const char *endpoint)
{
    if (strncmp (endpoint, "inproc://", 9) == 0 || strncmp (endpoint, "ipc://", 6) == 0)
        return true;
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    if (strchr (host, ';'))         /* source;destination: judge conservatively */
        return false;
    const char *colon = strrchr (host, ':');
    if (!colon)
        return false;
    size_t len = (size_t) (colon - host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    return host_is_loopback (host, len);
}
