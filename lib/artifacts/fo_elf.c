/*  fo_elf — see fo_elf.h. libelf is loaded on first use (fo_libelf.h). */
#include "fo_elf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_libelf.h"

/* "a:b::c" into search, each non-empty part. */
static void
split_path (const char *s, fo_strv *search)
{
    while (s && *s) {
        size_t n = strcspn (s, ":");
        if (n > 0) {
            char *part = fo_xstrndup (s, n);
            if (!fo_strv_contains (search, part))
                fo_strv_push_owned (search, part);
            else
                free (part);
        }
        s += n;
        s += strspn (s, ":");
    }
}

int
fo_elf_load (char *err, size_t errlen)
{
    return fo_libelf_load (err, errlen);
}

int
fo_elf_dynamic (const char *path, fo_strv *needed, fo_strv *search, char *err, size_t errlen)
{
    if (fo_libelf_load (err, errlen) != 0)
        return -1;
    if (sym_elf_version (EV_CURRENT) == EV_NONE)
        return fo_err (err, errlen, "libelf: %s", sym_elf_errmsg (-1));
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fo_err (err, errlen, "%s: %s", path, strerror (errno));
    Elf *e = sym_elf_begin (fd, ELF_C_READ, NULL);
    if (!e || sym_elf_kind (e) != ELF_K_ELF) {
        if (e)
            sym_elf_end (e);
        close (fd);
        return 0;
    }
    fo_strv runpath = { 0 }, rpath = { 0 };
    int rc = 1;
    for (Elf_Scn *scn = sym_elf_nextscn (e, NULL); scn && rc == 1; scn = sym_elf_nextscn (e, scn)) {
        GElf_Shdr shdr;
        if (!sym_gelf_getshdr (scn, &shdr) || shdr.sh_type != SHT_DYNAMIC || shdr.sh_entsize == 0)
            continue;
        Elf_Data *data = sym_elf_getdata (scn, NULL);
        size_t n = data ? shdr.sh_size / shdr.sh_entsize : 0;
        for (size_t i = 0; i < n; i++) {
            GElf_Dyn dyn;
            if (!sym_gelf_getdyn (data, (int) i, &dyn) || dyn.d_tag == DT_NULL)
                break;
            if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
                continue;
            const char *s = sym_elf_strptr (e, shdr.sh_link, dyn.d_un.d_val);
            if (!s)
                continue;
            if (dyn.d_tag == DT_NEEDED) {
                if (!fo_strv_contains (needed, s))
                    fo_strv_push (needed, s);
            } else
                split_path (s, dyn.d_tag == DT_RUNPATH ? &runpath : &rpath);
        }
    }
    /* ld.so: DT_RPATH is ignored when DT_RUNPATH is there. */
    const fo_strv *use = runpath.len ? &runpath : &rpath;
    for (size_t i = 0; i < use->len; i++)
        if (!fo_strv_contains (search, use->items[i]))
            fo_strv_push (search, use->items[i]);
    fo_strv_free (&runpath);
    fo_strv_free (&rpath);
    sym_elf_end (e);
    close (fd);
    return rc;
}
