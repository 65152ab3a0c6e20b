/*  fo_hash — see fo_hash.h. */
#include "fo_hash.h"
#include "fo_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert (sizeof (fo_hash_state) >= sizeof (crypto_generichash_state),
                "fo_hash_state must hold libsodium's state");
_Static_assert (FO_HASH_BYTES >= crypto_generichash_BYTES_MIN
                && FO_HASH_BYTES <= crypto_generichash_BYTES_MAX, "a BLAKE2b output size");

static void
ready (void)
{
    /* Idempotent and thread-safe; it fails only when no entropy source can
       be opened, which hashing does not need. */
    if (sodium_init () < 0)
        return;
}

void
fo_hash_init (fo_hash_state *state)
{
    ready ();
    crypto_generichash_init ((crypto_generichash_state *) state, NULL, 0, FO_HASH_BYTES);
}

void
fo_hash_update (fo_hash_state *state, const void *data, size_t len)
{
    crypto_generichash_update ((crypto_generichash_state *) state, data, len);
}

void
fo_hash_final (fo_hash_state *state, unsigned char out[FO_HASH_BYTES])
{
    crypto_generichash_final ((crypto_generichash_state *) state, out, FO_HASH_BYTES);
}

void
fo_hash_data (const void *data, size_t len, unsigned char out[FO_HASH_BYTES])
{
    ready ();
    crypto_generichash (out, FO_HASH_BYTES, data, len, NULL, 0);
}

int
fo_hash_file (const char *path, unsigned char out[FO_HASH_BYTES], uint64_t *size, char *err,
              size_t errlen)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return fo_err (err, errlen, "%s: %s", path, strerror (errno));
    fo_hash_state st;
    fo_hash_init (&st);
    unsigned char *chunk = fo_xmalloc (FO_HASH_READ);
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read (fd, chunk, FO_HASH_READ);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free (chunk);
            close (fd);
            return fo_err (err, errlen, "%s: %s", path, strerror (e));
        }
        if (n == 0)
            break;
        fo_hash_update (&st, chunk, (size_t) n);
        total += (uint64_t) n;
    }
    free (chunk);
    close (fd);
    fo_hash_final (&st, out);
    *size = total;
    return 0;
}

void
fo_hash_to_hex (const unsigned char hash[FO_HASH_BYTES], char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < FO_HASH_BYTES; i++) {
        hex[2 * i] = digits[hash[i] >> 4];
        hex[2 * i + 1] = digits[hash[i] & 15];
    }
    hex[FO_HASH_HEX] = '\0';
}

static int
digit (char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
fo_hash_from_hex (const char *hex, unsigned char hash[FO_HASH_BYTES])
{
    if (!hex || strlen (hex) != FO_HASH_HEX)
        return -1;
    for (unsigned i = 0; i < FO_HASH_BYTES; i++) {
        int hi = digit (hex[2 * i]), lo = digit (hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        hash[i] = (unsigned char) (hi << 4 | lo);
    }
    return 0;
}
