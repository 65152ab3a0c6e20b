/*  fo_strmap — see fo_strmap.h. */
#include "fo_strmap.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

static unsigned char siphash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t siphash_once = PTHREAD_ONCE_INIT;

static void
siphash_init (void)
{
    if (sodium_init () < 0)
        abort ();       /* no randomness at all: nothing else would work */
    randombytes_buf (siphash_key, sizeof siphash_key);
}

static size_t
siphash (const void *key)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash (out, key, strlen (key), siphash_key);
    size_t h;
    memcpy (&h, out, sizeof h < sizeof out ? sizeof h : sizeof out);
    return h;
}

uint64_t
fo_strmap_hash (const char *key)
{
    pthread_once (&siphash_once, siphash_init);
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash (out, (const unsigned char *) key, strlen (key), siphash_key);
    uint64_t h;
    memcpy (&h, out, sizeof h);
    return h;
}

zhashx_t *
fo_strmap_new (void)
{
    pthread_once (&siphash_once, siphash_init);
    zhashx_t *map = zhashx_new ();
    if (!map)
        abort ();
    zhashx_set_key_hasher (map, siphash);
    zhashx_set_key_duplicator (map, NULL);
    zhashx_set_key_destructor (map, NULL);
    return map;
}
