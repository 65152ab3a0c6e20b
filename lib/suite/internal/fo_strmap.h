/*  fo_strmap — string-keyed hash tables for the suite loader and model
    (czmq's zhashx), safe from hash flooding.

    The keys come from a suite file or a discover command, that is, from
    whoever wrote them: with zhashx's default hash (Bernstein's, unkeyed)
    anyone can write thousands of ids that fall into one bucket and turn
    every lookup into a scan. These tables hash with SipHash (libsodium's
    crypto_shorthash) under a key drawn at random once per process.

    Keys are not copied: each must outlive its entry (an id, a name, an
    anchor owned by the caller).
*/
#ifndef FO_STRMAP_H
#define FO_STRMAP_H

#include <czmq.h>
#include <stdint.h>

zhashx_t *fo_strmap_new (void);
/* The same keyed hash, for tables of their own (fo_idmap.h). */
uint64_t fo_strmap_hash (const char *key);

#endif
