/*  fo_import_discover — the `discover` importer: a context's discover
    command prints one test name per line (fo_discover_names.h: trimmed,
    empty lines skipped, the name rules), and each name becomes a test of
    the context run by its `run` template with {name} filled in
    (fo_context_add_discovered), read by the exit-status reader. */
#include "fo_discover_names.h"
#include "fo_importer.h"

static int
collect (void *arg, const char *name, size_t line)
{
    fo_listing_add (arg, name, line);
    return 0;
}

static int
read_names (char *data, size_t len, fo_listing *out, char *err, size_t errlen)
{
    return fo_discover_names (data, len, collect, out, err, errlen);
}

static void
add (fo_context *ctx, const fo_listing *listing)
{
    for (size_t i = 0; i < listing->len; i++)
        fo_context_add_discovered (ctx, listing->items[i].name);
}

const fo_importer fo_import_discover = {
    .name = "discover",
    .read = read_names,
    .add = add,
};
