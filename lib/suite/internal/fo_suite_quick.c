/*  fo_suite_quick — see fo_suite_quick.h. */
#include "fo_suite_quick.h"
#include "fo_name.h"
#include "fo_suite_tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Events of one test looked at, at most: a map of `name` and `run` with
   up to 24 arguments. A longer one takes the general path. */
#define MAX_EVENTS 32

struct fo_suite_quick {
    fo_yaml_ev ev[MAX_EVENTS];
    size_t off[MAX_EVENTS];     /* a scalar's text in text (it moves as it grows) */
    size_t n;
    fo_buf text;                /* the scalars' texts, each NUL-terminated */
    fo_buf id;                  /* the test's id, made when its name is read
                                   (copied into the suite's pool with the
                                   test: no malloc of its own) */
    size_t name_len;            /* its last bytes, the name */
    uint64_t hash;              /* its hash in the suite's index */
    /* The last test's command, in the pool: the next one's arguments that
       are the same text share its strings, and a command the same in
       full shares its list (a generated suite's million `/bin/true`s were
       a list and a string each, 64 bytes with malloc's headers). */
    char **prev_argv;
    size_t prev_argc;
};

fo_suite_quick *
fo_suite_quick_new (void)
{
    return fo_xcalloc (1, sizeof (fo_suite_quick));
}

void
fo_suite_quick_destroy (fo_suite_quick **self_p)
{
    fo_suite_quick *self = *self_p;
    if (!self)
        return;
    fo_buf_free (&self->text);
    fo_buf_free (&self->id);
    free (self);
    *self_p = NULL;
}

/* The next event, kept with its text. 1, 0 when there is no room left
   (not the common shape), -1 on the stream's error. */
static int
next (fo_suite_quick *self, fo_yaml_events *E)
{
    if (self->n == MAX_EVENTS)
        return 0;
    fo_yaml_ev *ev = &self->ev[self->n];
    if (!fo_yaml_events_next (E, ev))
        return -1;
    if (ev->type == YAML_SCALAR_EVENT) {
        /* valid until the next event only: copied */
        self->off[self->n] = self->text.len;
        fo_buf_append (&self->text, ev->value, ev->length + 1);    /* (its NUL too) */
    }
    self->n++;
    return 1;
}

/* Texts back in the events, where the buffer ended up. */
static void
fix_texts (fo_suite_quick *self)
{
    for (size_t i = 0; i < self->n; i++)
        if (self->ev[i].type == YAML_SCALAR_EVENT)
            self->ev[i].value = self->text.data + self->off[i];
}

/* A scalar the value readers take as a string (fo_yaml_string): not
   null, no NUL inside, within FO_SUITE_MAX_VALUE (so that no message
   would name the test: fo_suite_load.c's short_command). */
static bool
plain_string (const fo_yaml_ev *ev)
{
    if (ev->type != YAML_SCALAR_EVENT || ev->length > FO_SUITE_MAX_VALUE
        || memchr (ev->value, '\0', ev->length))
        return false;
    yaml_node_t node = { .type = YAML_SCALAR_NODE };
    node.data.scalar.value = (yaml_char_t *) ev->value;
    node.data.scalar.length = ev->length;
    node.data.scalar.style = ev->style;
    return !fo_yaml_is_null (&node);
}

/* The id of the test name under parent (fo_context_child_id's), in
   self->id, and its hash. */
static void
make_id (fo_suite_quick *self, const fo_context *parent, const char *name)
{
    self->id.len = 0;
    if (parent && parent->id[0]) {
        fo_buf_append (&self->id, parent->id, strlen (parent->id));
        fo_buf_append (&self->id, "/", 1);
    }
    self->name_len = strlen (name);
    fo_buf_append (&self->id, name, self->name_len);    /* (NUL-terminated) */
    self->hash = fo_suite_id_hash (self->id.data);
}

/* Reads the map's events: where its name and run are (indexes into ev;
   run_end: one past the run's last argument). false: not the shape. */
static int
read_shape (fo_suite_quick *self, fo_yaml_reader *L, fo_yaml_events *E, fo_context *parent,
            size_t *name, size_t *run, size_t *run_end)
{
    *name = *run = *run_end = 0;
    for (;;) {
        int got = next (self, E);
        if (got <= 0)
            return got;
        const fo_yaml_ev *key = &self->ev[self->n - 1];
        if (key->type == YAML_MAPPING_END_EVENT)
            return *name && *run;
        if (key->type != YAML_SCALAR_EVENT)
            return 0;
        const char *k = self->text.data + self->off[self->n - 1];
        bool is_name = !strcmp (k, "name"), is_run = !strcmp (k, "run");
        if ((!is_name && !is_run) || (is_name && *name) || (is_run && *run))
            return 0;
        if ((got = next (self, E)) <= 0)
            return got;
        size_t at = self->n - 1;
        if (self->ev[at].type == YAML_SCALAR_EVENT) {
            *(is_name ? name : run) = at;
            *run_end = is_run ? at + 1 : *run_end;
            if (is_name) {
                /* its slot in the index is on its way while the rest is read */
                make_id (self, parent, self->text.data + self->off[at]);
                fo_suite_prefetch_test_hashed (L->suite, self->hash);
            }
            continue;
        }
        if (!is_run || self->ev[at].type != YAML_SEQUENCE_START_EVENT)
            return 0;
        *run = at;
        for (;;) {
            if ((got = next (self, E)) <= 0)
                return got;
            yaml_event_type_t t = self->ev[self->n - 1].type;
            if (t == YAML_SEQUENCE_END_EVENT)
                break;
            if (t != YAML_SCALAR_EVENT)
                return 0;
        }
        *run_end = self->n - 1;
    }
}

int
fo_suite_quick_test (fo_suite_quick *self, fo_yaml_reader *L, fo_yaml_events *E,
                     fo_context *parent, const fo_yaml_ev *first)
{
    self->n = 0;
    self->text.len = 0;
    size_t name, run, run_end;
    int got = read_shape (self, L, E, parent, &name, &run, &run_end);
    if (got < 0)
        return -1;
    fix_texts (self);
    /* what the readers would accept, and nothing they would say more
       about: else the general path reads it (and says it) */
    bool ok = got > 0;
    const fo_yaml_ev *name_ev = &self->ev[name];
    char why[512];
    ok = ok && plain_string (name_ev)
         && fo_name_check ("test", name_ev->value, name_ev->length, why, sizeof why);
    const fo_yaml_ev *run_ev = &self->ev[run];
    bool shell = ok && run_ev->type == YAML_SCALAR_EVENT;
    size_t first_arg = shell ? run : run + 1;
    ok = ok && run_end > first_arg
         && (shell ? run_ev->length > 0 : self->ev[first_arg].length > 0);
    for (size_t i = first_arg; ok && i < run_end; i++)
        ok = plain_string (&self->ev[i]);
    /* a duplicate is said by the general path */
    if (!ok || fo_suite_find_test_hashed (L->suite, self->id.data, self->hash)) {
        fo_yaml_events_unread (E, self->ev, self->n);
        return 0;
    }

    fo_test *test = fo_test_adopt_copy (parent, self->id.data, self->id.len, self->name_len,
                                        self->hash);
    test->line = (int) first->start_mark.line + 1;
    test->column = (int) first->start_mark.column + 1;
    test->run.line = (int) run_ev->start_mark.line + 1;
    test->run.column = (int) run_ev->start_mark.column + 1;
    /* the command in the pool, sharing what it can with the last one's */
    size_t argc = shell ? 3 : run_end - first_arg;
    const char *args[MAX_EVENTS];
    size_t lens[MAX_EVENTS];
    if (shell) {
        args[0] = "/bin/sh";
        args[1] = "-c";
        args[2] = run_ev->value;
        lens[0] = 7;
        lens[1] = 2;
        lens[2] = run_ev->length;
    } else
        for (size_t i = 0; i < argc; i++) {
            args[i] = self->ev[first_arg + i].value;
            lens[i] = self->ev[first_arg + i].length;
        }
    bool same = argc == self->prev_argc;
    for (size_t i = 0; same && i < argc; i++)
        same = !strcmp (self->prev_argv[i], args[i]);   /* (no NUL inside: plain_string) */
    fo_strv *argv = &test->run.argv;
    if (!same) {
        char **items = fo_suite_pool_alloc (parent, (argc + 1) * sizeof *items);
        for (size_t i = 0; i < argc; i++)
            items[i] = i < self->prev_argc && !strcmp (self->prev_argv[i], args[i])
                       ? self->prev_argv[i] : fo_suite_pool_copy (parent, args[i], lens[i]);
        items[argc] = NULL;
        self->prev_argv = items;
        self->prev_argc = argc;
    }
    argv->items = self->prev_argv;
    argv->len = argc;
    argv->cap = argc + 1;
    test->argv_pooled = true;
    return 1;
}
