/*  fo_dl — see fo_dl.h. */
#include "fo_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "fo_util.h"

/* One lock for every library: loads are rare (once each per process), and
   one lock cannot be taken in two orders. */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

bool
fo_dl_loaded (const fo_dl_lib *lib)
{
    return __atomic_load_n (&lib->loaded, __ATOMIC_ACQUIRE) != 0;
}

/* What to tell the user: what needs the library, ld.so's reason, and the
   package (the library is a dependency of fanout's package, so this is a
   broken or partial installation). */
static int
cannot (const fo_dl_lib *lib, const char *why, char *err, size_t errlen)
{
    return fo_err (err, errlen, "%s needs %s, which cannot be loaded (%s): install the %s package"
                   " (apt-get install %s)", lib->feature, lib->soname, why ? why : "unknown error",
                   lib->package, lib->package);
}

int
fo_dl_load (fo_dl_lib *lib, char *err, size_t errlen)
{
    if (fo_dl_loaded (lib))
        return 0;
    pthread_mutex_lock (&load_lock);
    int rc = 0;
    if (!fo_dl_loaded (lib)) {
        /* RTLD_NOW: a library that lacks a symbol it needs itself fails
           here, not in the middle of a report. RTLD_LOCAL: its symbols
           stay its own. */
        dlerror ();
        void *handle = dlopen (lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (!handle)
            rc = cannot (lib, dlerror (), err, errlen);
        for (size_t i = 0; handle && i < lib->nsyms; i++) {
            dlerror ();
            void *p = dlsym (handle, lib->syms[i].name);
            if (!p) {
                const char *why = dlerror ();
                char what[512];
                snprintf (what, sizeof what, "%s", why ? why : lib->syms[i].name);
                rc = cannot (lib, what, err, errlen);
                /* Nothing resolved so far is used (loaded stays 0). Kept
                   loaded, as a loaded one is: dlclose would run its
                   destructors for nothing. */
                break;
            }
            /* A function pointer and void * have one representation on
               every platform with dlsym (POSIX); memcpy writes one into
               the other without breaking the aliasing rules. */
            memcpy (lib->syms[i].fn, &p, sizeof p);
        }
        if (rc == 0)
            __atomic_store_n (&lib->loaded, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock (&load_lock);
    return rc;
}
