/*  fo_hash — content addresses: BLAKE2b-256 through libsodium's
    crypto_generichash (never a hand-written hash), over a file read in
    bounded chunks or over bytes in memory, and their 64-character
    lowercase hex spelling (what the wire and the caches carry).

    A streamed state (fo_hash_state) hashes a blob as its chunks arrive, so
    an agent verifies what it received without reading it again. */
#ifndef FO_HASH_H
#define FO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_HASH_BYTES 32u
#define FO_HASH_HEX 64u         /* characters, without the NUL */
/* What one read() of a file being hashed asks for. */
#define FO_HASH_READ (256u * 1024u)

typedef struct {
    unsigned char opaque[384];  /* crypto_generichash_state, aligned below */
} fo_hash_state __attribute__ ((aligned (64)));

void fo_hash_init (fo_hash_state *state);
void fo_hash_update (fo_hash_state *state, const void *data, size_t len);
void fo_hash_final (fo_hash_state *state, unsigned char out[FO_HASH_BYTES]);

void fo_hash_data (const void *data, size_t len, unsigned char out[FO_HASH_BYTES]);

/* Hashes the file at path (following no symlink at the last component:
   O_NOFOLLOW), streamed. *size gets its length. 0, or -1 with why in err. */
int fo_hash_file (const char *path, unsigned char out[FO_HASH_BYTES], uint64_t *size,
                  char *err, size_t errlen);

/* hex must hold FO_HASH_HEX + 1 bytes. */
void fo_hash_to_hex (const unsigned char hash[FO_HASH_BYTES], char *hex);
/* Exactly FO_HASH_HEX lowercase hex digits; 0 or -1. */
int fo_hash_from_hex (const char *hex, unsigned char hash[FO_HASH_BYTES]);

#endif
