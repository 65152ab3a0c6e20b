/*  fo_log_limit — fo_log_peer: log lines a peer can cause at will, limited
    per kind and peer with token buckets in two fixed tables (see fo_log.h
    for the rules). Fixed tables, not a hash map that grows: a peer can
    invent names without end, and the memory must not follow them. Lookups
    scan the tables; they run only when a line is logged, and compare a
    pointer first. */
#include "fo_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "fo_util.h"

#define INTERVAL_MS ((uint64_t) FO_LOG_INTERVAL_S * 1000u)
#define SAMPLE_MAX 72           /* bytes of a suppressed line quoted */

typedef struct {
    const char *kind;           /* the call site's format string; NULL: free */
    const char *role;
    fo_log_level level;
    char peer[FO_LOG_PEER_MAX]; /* "" on a kind's own key */
    unsigned tokens;            /* lines it may print now */
    uint64_t refill_ms;         /* when the last token was added */
    uint64_t used_ms;           /* its last line, printed or not */
    size_t suppressed;          /* lines not printed since since_ms */
    uint64_t since_ms;
    char sample[SAMPLE_MAX + 4];    /* the last suppressed line, shortened */
    /* A kind's own key counts lines of several peers: whose they were. */
    char from[FO_LOG_PEER_MAX];
    bool from_many;
} limit_key;

static limit_key kinds[FO_LOG_KINDS];
static limit_key peers[FO_LOG_PEERS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t (*clock_ms) (void) = fo_now_ms;
static uint64_t next_sweep_ms;

/* A token bucket of `cap` tokens, one added per interval. */
static bool
take (limit_key *k, unsigned cap, uint64_t now)
{
    if (k->tokens < cap) {
        uint64_t n = (now - k->refill_ms) / INTERVAL_MS;
        if (n >= cap - k->tokens)
            k->tokens = cap;
        else {
            k->tokens += (unsigned) n;
            k->refill_ms += n * INTERVAL_MS;
        }
    }
    if (k->tokens == 0)
        return false;
    if (k->tokens == cap)
        k->refill_ms = now;     /* a full bucket starts refilling from now */
    k->tokens--;
    return true;
}

/* The one line that stands for the key's suppressed lines. */
static void
summarise (limit_key *k, uint64_t now)
{
    if (k->suppressed == 0)
        return;
    uint64_t secs = (now - k->since_ms + 999) / 1000;
    const char *from = k->peer[0] ? k->peer : k->from_many ? "several peers" : k->from;
    char text[1024];
    snprintf (text, sizeof text, "%zu more line%s like \"%s\"%s%s suppressed in the last %llu s",
              k->suppressed, k->suppressed == 1 ? "" : "s", k->sample, from[0] ? " from " : "",
              from, (unsigned long long) (secs ? secs : 1));
    fo_log_text (k->level, k->role, text);
    k->suppressed = 0;
    k->from[0] = '\0';
    k->from_many = false;
}

static void
suppress (limit_key *k, const char *peer, const char *line, uint64_t now)
{
    if (k->suppressed++ == 0)
        k->since_ms = now;
    size_t len = strlen (line);
    if (len > SAMPLE_MAX) {
        len = SAMPLE_MAX - 3;
        while (len > 0 && ((unsigned char) line[len] & 0xc0) == 0x80)
            len--;              /* never cut a UTF-8 sequence */
        memcpy (k->sample, line, len);
        memcpy (k->sample + len, "...", 4);
    }
    else
        memcpy (k->sample, line, len + 1);
    if (!k->peer[0] && peer && !k->from_many) {
        if (!k->from[0])
            snprintf (k->from, sizeof k->from, "%s", peer);
        else if (strcmp (k->from, peer) != 0)
            k->from_many = true;
    }
}

/* Summaries of keys whose count is an interval old, checked once a
   second: a flood that stopped is still reported. */
static void
sweep (uint64_t now)
{
    if (now < next_sweep_ms)
        return;
    next_sweep_ms = now + 1000;
    for (size_t i = 0; i < FO_LOG_KINDS; i++)
        if (kinds[i].suppressed && now - kinds[i].since_ms >= INTERVAL_MS)
            summarise (&kinds[i], now);
    for (size_t i = 0; i < FO_LOG_PEERS; i++)
        if (peers[i].suppressed && now - peers[i].since_ms >= INTERVAL_MS)
            summarise (&peers[i], now);
}

/* A free slot, else the least recently used one (its count printed first). */
static limit_key *
claim (limit_key *table, size_t n, uint64_t now)
{
    limit_key *lru = &table[0];
    for (size_t i = 0; i < n; i++) {
        if (!table[i].kind)
            return &table[i];
        if (table[i].used_ms < lru->used_ms)
            lru = &table[i];
    }
    summarise (lru, now);
    return lru;
}

static limit_key *
init_key (limit_key *k, const char *fmt, const char *role, fo_log_level level, const char *peer,
          unsigned tokens, uint64_t now)
{
    memset (k, 0, sizeof *k);
    k->kind = fmt;
    k->role = role;
    k->level = level;
    snprintf (k->peer, sizeof k->peer, "%s", peer);
    k->tokens = tokens;
    k->refill_ms = k->used_ms = now;
    return k;
}

static limit_key *
kind_key (const char *fmt, const char *role, fo_log_level level, uint64_t now)
{
    for (size_t i = 0; i < FO_LOG_KINDS; i++)
        if (kinds[i].kind == fmt)
            return &kinds[i];
    return init_key (claim (kinds, FO_LOG_KINDS, now), fmt, role, level, "", FO_LOG_KIND_BURST,
                     now);
}

static limit_key *
peer_key (const char *fmt, const char *peer)
{
    for (size_t i = 0; i < FO_LOG_PEERS; i++)
        if (peers[i].kind == fmt && strcmp (peers[i].peer, peer) == 0)
            return &peers[i];
    return NULL;
}

void
fo_log_peer (fo_log_level level, const char *role, const char *peer, const char *fmt, ...)
{
    if (level > fo_log_get_level ())
        return;
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    /* Keys hold a peer's name shortened, and an empty name is no name. */
    char name[FO_LOG_PEER_MAX];
    snprintf (name, sizeof name, "%s", peer ? peer : "");

    pthread_mutex_lock (&lock);
    uint64_t now = clock_ms ();
    sweep (now);
    limit_key *kind = kind_key (fmt, role, level, now);
    limit_key *own = name[0] ? peer_key (fmt, name) : NULL;
    /* A peer with a key of its own spends its own lines; a new one (or
       none) spends its kind's. */
    limit_key *k = own ? own : kind;
    kind->used_ms = k->used_ms = now;
    if (take (k, own ? FO_LOG_BURST : FO_LOG_KIND_BURST, now)) {
        summarise (k, now);
        fo_log_text (level, role, line);
        if (!own && name[0])
            init_key (claim (peers, FO_LOG_PEERS, now), fmt, role, level, name,
                      FO_LOG_BURST - 1, now);
    }
    else
        suppress (k, name[0] ? name : NULL, line, now);
    pthread_mutex_unlock (&lock);
}

void
fo_log_flush (void)
{
    pthread_mutex_lock (&lock);
    uint64_t now = clock_ms ();
    for (size_t i = 0; i < FO_LOG_KINDS; i++)
        summarise (&kinds[i], now);
    for (size_t i = 0; i < FO_LOG_PEERS; i++)
        summarise (&peers[i], now);
    pthread_mutex_unlock (&lock);
}

void
fo_log_limit_reset (uint64_t (*now_ms) (void))
{
    pthread_mutex_lock (&lock);
    memset (kinds, 0, sizeof kinds);
    memset (peers, 0, sizeof peers);
    clock_ms = now_ms ? now_ms : fo_now_ms;
    next_sweep_ms = 0;
    pthread_mutex_unlock (&lock);
}
