/*  fo_yaml_pump — see fo_yaml_pump.h. */
#include "fo_yaml_pump.h"
#include "fo_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t fo_yaml_pump_thread_min = 256u * 1024u;

#define TEXT_SIZE (64u * 1024u)    /* a batch's texts, to begin with */

typedef struct {
    fo_yaml_pev ev[FO_YAML_PUMP_EVENTS];
    size_t n;
    char *text;             /* the events' texts; grown only while empty (a
                               scalar longer than it), so pointers hold */
    size_t text_len, text_cap;
    bool last;              /* the stream ends after these: its end, or the
                               parser's error */
} batch;

struct fo_yaml_pump {
    yaml_parser_t parser;
    batch ring[FO_YAML_PUMP_BATCHES];
    /* the parser's side */
    yaml_event_t held;      /* parsed, not yet in a batch (no room left) */
    bool have_held;
    bool failed;            /* the parser's error ended the stream */
    /* the thread, when there is one; head and tail under lock */
    bool threaded;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled, freed;
    size_t head;            /* batches filled so far */
    size_t tail;            /* batches the reader is done with */
    bool stop;              /* the reader stopped: fill no more */
    /* the reader's side */
    batch *cur;             /* the batch being read, or NULL */
    size_t pos;             /* its next event */
    size_t taken;           /* batches taken so far */
    bool ended;
};

/* Copies len bytes of s into b's texts (room made by the caller). */
static const char *
put_text (batch *b, const void *s, size_t len)
{
    char *p = b->text + b->text_len;
    memcpy (p, s, len);
    p[len] = '\0';
    b->text_len += len + 1;
    return p;
}

/* e into b, its texts copied. false: no room for them (b holds events:
   e goes first in the next batch). */
static bool
put (batch *b, const yaml_event_t *e)
{
    const yaml_char_t *anchor = NULL;
    const yaml_char_t *value = NULL;
    size_t length = 0;
    switch (e->type) {
    case YAML_SCALAR_EVENT:
        anchor = e->data.scalar.anchor;
        value = e->data.scalar.value;
        length = e->data.scalar.length;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = e->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = e->data.mapping_start.anchor;
        break;
    case YAML_ALIAS_EVENT:
        anchor = e->data.alias.anchor;
        break;
    default:
        break;
    }
    size_t anchor_len = anchor ? strlen ((const char *) anchor) : 0;
    size_t need = (anchor ? anchor_len + 1 : 0) + (value ? length + 1 : 0);
    if (b->text_cap - b->text_len < need) {
        if (b->n)
            return false;
        /* alone in its batch: the texts grow to hold it (a scalar is at
           most the file, whose size is bounded) */
        b->text_cap = need > TEXT_SIZE ? need : TEXT_SIZE;
        free (b->text);
        b->text = fo_xmalloc (b->text_cap);
    }
    fo_yaml_pev *ev = &b->ev[b->n++];
    *ev = (fo_yaml_pev) { .type = e->type, .start_mark = e->start_mark, .end_mark = e->end_mark };
    if (anchor)
        ev->anchor = put_text (b, anchor, anchor_len);
    if (value) {
        ev->value = put_text (b, value, length);
        ev->length = length;
        ev->style = e->data.scalar.style;
    }
    return true;
}

/* Parses events into b until it is full or the stream ends. */
static void
fill (fo_yaml_pump *self, batch *b)
{
    b->n = 0;
    b->text_len = 0;
    b->last = false;
    while (b->n < FO_YAML_PUMP_EVENTS) {
        if (!self->have_held) {
            if (!yaml_parser_parse (&self->parser, &self->held)) {
                self->failed = true;
                b->last = true;
                return;
            }
            self->have_held = true;
        }
        if (!put (b, &self->held))
            return;
        bool end = self->held.type == YAML_STREAM_END_EVENT;
        yaml_event_delete (&self->held);
        self->have_held = false;
        if (end) {
            b->last = true;
            return;
        }
    }
}

static void *
parse_ahead (void *arg)
{
    fo_yaml_pump *self = arg;
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->stop && self->head - self->tail >= FO_YAML_PUMP_BATCHES)
            pthread_cond_wait (&self->freed, &self->lock);
        if (self->stop)
            break;
        batch *b = &self->ring[self->head % FO_YAML_PUMP_BATCHES];
        pthread_mutex_unlock (&self->lock);
        fill (self, b);
        pthread_mutex_lock (&self->lock);
        self->head++;
        pthread_cond_signal (&self->filled);
        if (b->last)
            break;
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

fo_yaml_pump *
fo_yaml_pump_new (const void *data, size_t len)
{
    fo_yaml_pump *self = fo_xcalloc (1, sizeof *self);
    if (!yaml_parser_initialize (&self->parser)) {
        fputs ("fanout: out of memory\n", stderr);     /* as fo_xmalloc */
        abort ();
    }
    yaml_parser_set_input_string (&self->parser, data, len);
    for (size_t i = 0; i < FO_YAML_PUMP_BATCHES; i++) {
        self->ring[i].text_cap = TEXT_SIZE;
        self->ring[i].text = fo_xmalloc (TEXT_SIZE);
    }
    if (len < fo_yaml_pump_thread_min)
        return self;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->filled, NULL);
    pthread_cond_init (&self->freed, NULL);
    /* the parser thread takes no signal: they stay the program's */
    sigset_t all, old;
    sigfillset (&all);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    self->threaded = pthread_create (&self->thread, NULL, parse_ahead, self) == 0;
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (!self->threaded) {     /* no thread to be had: parsed here */
        pthread_cond_destroy (&self->freed);
        pthread_cond_destroy (&self->filled);
        pthread_mutex_destroy (&self->lock);
    }
    return self;
}

void
fo_yaml_pump_destroy (fo_yaml_pump **self_p)
{
    fo_yaml_pump *self = *self_p;
    if (!self)
        return;
    if (self->threaded) {
        pthread_mutex_lock (&self->lock);
        self->stop = true;
        pthread_cond_signal (&self->freed);
        pthread_mutex_unlock (&self->lock);
        pthread_join (self->thread, NULL);
        pthread_cond_destroy (&self->freed);
        pthread_cond_destroy (&self->filled);
        pthread_mutex_destroy (&self->lock);
    }
    if (self->have_held)
        yaml_event_delete (&self->held);
    yaml_parser_delete (&self->parser);
    for (size_t i = 0; i < FO_YAML_PUMP_BATCHES; i++)
        free (self->ring[i].text);
    free (self);
    *self_p = NULL;
}

/* The next batch to read, or NULL at the stream's end. */
static batch *
take (fo_yaml_pump *self)
{
    if (self->cur) {
        bool last = self->cur->last;
        if (self->threaded) {
            pthread_mutex_lock (&self->lock);
            self->tail++;
            pthread_cond_signal (&self->freed);
            pthread_mutex_unlock (&self->lock);
        }
        self->cur = NULL;
        if (last)
            return NULL;
    }
    batch *b;
    if (self->threaded) {
        pthread_mutex_lock (&self->lock);
        while (self->taken == self->head)
            pthread_cond_wait (&self->filled, &self->lock);
        pthread_mutex_unlock (&self->lock);
        b = &self->ring[self->taken % FO_YAML_PUMP_BATCHES];
    } else {
        b = &self->ring[0];
        fill (self, b);
    }
    self->taken++;
    self->cur = b;
    self->pos = 0;
    return b;
}

const fo_yaml_pev *
fo_yaml_pump_next (fo_yaml_pump *self)
{
    while (!self->ended) {
        if (self->cur && self->pos < self->cur->n)
            return &self->cur->ev[self->pos++];
        if (!take (self))
            self->ended = true;
    }
    return NULL;
}

const yaml_parser_t *
fo_yaml_pump_parser (const fo_yaml_pump *self)
{
    return &self->parser;
}

bool
fo_yaml_pump_failed (const fo_yaml_pump *self)
{
    return self->ended && self->failed;
}
