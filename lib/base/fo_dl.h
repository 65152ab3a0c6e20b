/*  fo_dl — shared libraries loaded on first use (dlopen), not at start-up.

    Most runs need neither libxml2 (the JUnit XML report), libmicrohttpd
    (the metrics endpoint) nor libelf (the libraries of a test program,
    inferred as artifacts), yet ld.so mapped and relocated them and the
    twelve libraries they bring (ICU, GnuTLS and its crypto, zlib) in
    every fanout process: half of its start-up's CPU (issue 15,
    docs/performance-log.md). Their users load them here instead, as systemd
    loads its optional libraries: the binary does not link them (no
    DT_NEEDED), and the first call that needs one dlopens it by its
    versioned soname and resolves, once, every symbol its user calls.

    One small module per library sits next to its user (fo_xml2,
    fo_mhd, fo_libelf): an X-macro list of the functions it calls,
    FO_DL_DECLARE in its header, FO_DL_DEFINE and FO_DL_SYM in its .c.
    Each function pointer is `typeof (&xmlFoo)`, typed from the library's
    own header, so the compiler checks every call as it did when it was
    linked; callers write sym_xmlFoo (...). Calling xmlFoo itself would
    not link: the library is not on the link line.

    Thread-safe: loads are serialised by one mutex; once a library is
    loaded its pointers are set for good (a release store, read with an
    acquire load), and later calls return at once. A library is never
    unloaded (its users may keep pointers into it, and it may keep
    allocations). A failed load is not remembered: the next call tries
    again, and says why again.

    The libraries stay dependencies of the package (debian/control names
    them: dpkg-shlibdeps cannot see a dlopen). */
#ifndef FO_DL_H
#define FO_DL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *name;           /* the symbol: "xmlNewTextWriter" */
    void *fn;                   /* where its address goes: a typeof (&xmlNewTextWriter) * */
} fo_dl_sym;

typedef struct {
    const char *soname;         /* the versioned file name: "libxml2.so.2" */
    const char *package;        /* the Debian package that has it: "libxml2" */
    const char *feature;        /* what needs it, for the error: "the JUnit XML report" */
    const fo_dl_sym *syms;
    size_t nsyms;
    int loaded;                 /* fo_dl.c's (atomic): every sym is set */
} fo_dl_lib;

/* In a library module's header: `extern typeof (&name) sym_name;`. */
#define FO_DL_DECLARE(name) extern typeof (&name) sym_##name;
/* In its .c, the pointer itself. */
#define FO_DL_DEFINE(name) typeof (&name) sym_##name;
/* An entry of its fo_dl_sym table. */
#define FO_DL_SYM(name) { #name, &sym_##name },

/* Loads lib and resolves its symbols, the first time; 0 when they are
   there (at once, after the first time), else -1 with err set: what
   needs it, why it cannot be loaded (dlerror), and which package to
   install. */
int fo_dl_load (fo_dl_lib *lib, char *err, size_t errlen);

/* Whether lib is loaded (for tests). */
bool fo_dl_loaded (const fo_dl_lib *lib);

#endif
