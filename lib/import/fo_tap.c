/*  fo_tap — see fo_tap.h. Lines are split here; each complete line is
    classified by its indentation and its first words (the grammar of TAP
    14, which reads TAP 12 and 13 too); a test point waits for the next
    line to learn whether a YAML block follows it. */
#include "fo_tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "fo_util.h"

struct fo_tap {
    fo_tap_fn *fn;
    void *arg;
    fo_buf line;            /* the line being read (at most FO_TAP_MAX_LINE) */
    bool overlong;          /* the current line passed the limit: rest dropped */
    size_t lineno;
    bool ended;
    bool deep_told;         /* the FO_TAP_ERROR about depth was delivered */

    /* A test point waiting for the next line (its YAML block). */
    bool pending;
    fo_tap_event point;     /* its strings point into the buffers below */
    fo_buf raw;             /* the point's line and its block's lines */
    fo_buf description, reason;
    bool in_yaml;           /* between "---" and "..." */
    fo_buf yaml;            /* the block, without its indentation */
    bool yaml_too_big;
    char *yaml_message;
    char yaml_error[256];
};

fo_tap *
fo_tap_new (fo_tap_fn *fn, void *arg)
{
    fo_tap *self = fo_xcalloc (1, sizeof *self);
    self->fn = fn;
    self->arg = arg;
    return self;
}

void
fo_tap_destroy (fo_tap **self_p)
{
    fo_tap *self = *self_p;
    if (!self)
        return;
    fo_buf_free (&self->line);
    fo_buf_free (&self->raw);
    fo_buf_free (&self->description);
    fo_buf_free (&self->reason);
    fo_buf_free (&self->yaml);
    free (self->yaml_message);
    free (self);
    *self_p = NULL;
}

/* ---- YAML diagnostics ---------------------------------------------------- */

bool
fo_tap_yaml (const char *text, size_t len, char **message, char *err, size_t errlen)
{
    *message = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize (&parser))
        return fo_err (err, errlen, "cannot start the YAML parser") == 0;
    yaml_parser_set_input_string (&parser, (const unsigned char *) text, len);
    bool ok = true, done = false, is_key = false, want_message = false;
    unsigned depth = 0;         /* open lists and maps */
    size_t items = 0;           /* nodes directly in the top-level map */
    bool top_is_map = false;
    int documents = 0;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse (&parser, &ev)) {
            fo_err (err, errlen, "not valid YAML: %s (line %zu of the block)",
                    parser.problem ? parser.problem : "error",
                    (size_t) parser.problem_mark.line + 1);
            ok = false;
            break;
        }
        /* What sits directly in the top-level map of the first document:
           keys and values alternate. */
        bool item = depth == 1 && top_is_map && documents == 1
                    && (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT
                        || ev.type == YAML_SEQUENCE_START_EVENT
                        || ev.type == YAML_MAPPING_START_EVENT);
        if (item) {
            is_key = items % 2 == 0;
            items++;
            if (!is_key && want_message && ev.type == YAML_SCALAR_EVENT && !*message)
                *message = fo_xstrndup ((const char *) ev.data.scalar.value,
                                        ev.data.scalar.length);
            want_message = is_key && ev.type == YAML_SCALAR_EVENT
                           && ev.data.scalar.length == 7
                           && memcmp (ev.data.scalar.value, "message", 7) == 0;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            documents++;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == 0 && documents == 1)
                top_is_map = ev.type == YAML_MAPPING_START_EVENT;
            if (++depth > FO_TAP_YAML_DEPTH) {
                fo_err (err, errlen, "lists and maps nest deeper than %u levels",
                        FO_TAP_YAML_DEPTH);
                ok = false;
                done = true;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete (&ev);
    }
    yaml_parser_delete (&parser);
    if (!ok) {
        free (*message);
        *message = NULL;
    }
    return ok;
}

/* ---- small text helpers ------------------------------------------------- */

static bool
is_space (char c)
{
    return c == ' ' || c == '\t';
}

static const char *
skip_spaces (const char *p, const char *end)
{
    while (p < end && is_space (*p))
        p++;
    return p;
}

/* end, with the spaces before it left out. */
static const char *
trim_end (const char *begin, const char *end)
{
    while (end > begin && is_space (end[-1]))
        end--;
    return end;
}

/* Does [p, end) begin with word (ASCII, any case), followed by the end or
   a character that is not a letter, digit or '_'? */
static bool
starts_word (const char *p, const char *end, const char *word)
{
    size_t n = strlen (word);
    if ((size_t) (end - p) < n || strncasecmp (p, word, n) != 0)
        return false;
    if (p + n == end)
        return true;
    char c = p[n];
    return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
             || c == '_');
}

static bool
starts_with (const char *p, const char *end, const char *prefix)
{
    size_t n = strlen (prefix);
    return (size_t) (end - p) >= n && memcmp (p, prefix, n) == 0;
}

/* Digits at *p, at most 19 of them read (more: UINT64_MAX). False when
   there is no digit. */
static bool
read_number (const char **p, const char *end, uint64_t *out)
{
    const char *q = *p;
    uint64_t n = 0;
    bool overflow = false;
    while (q < end && *q >= '0' && *q <= '9') {
        if (n > (UINT64_MAX - 9) / 10)
            overflow = true;
        else
            n = n * 10 + (uint64_t) (*q - '0');
        q++;
    }
    if (q == *p)
        return false;
    *out = overflow ? UINT64_MAX : n;
    *p = q;
    return true;
}

/* Appends [p, end) to out with TAP's escapes undone: "\#" is '#', "\\"
   is '\'. */
static void
unescape (fo_buf *out, const char *p, const char *end)
{
    fo_buf_reset (out);
    while (p < end) {
        if (*p == '\\' && p + 1 < end && (p[1] == '#' || p[1] == '\\'))
            p++;
        fo_buf_append (out, p++, 1);
    }
    fo_buf_puts (out, "");
}

/* ---- events ---------------------------------------------------------------- */

static void
deliver (fo_tap *self, fo_tap_kind kind, unsigned depth, const char *raw, size_t raw_len,
         const char *text)
{
    fo_tap_event ev = {
        .kind = kind, .depth = depth, .lineno = self->lineno, .raw = raw, .raw_len = raw_len,
        .description = "", .reason = "", .text = text ? text : "",
    };
    self->fn (self->arg, &ev);
}

/* The pending test point, with what its YAML block gave. */
static void
deliver_point (fo_tap *self)
{
    if (!self->pending)
        return;
    self->pending = false;
    fo_tap_event *ev = &self->point;
    if (ev->has_yaml && !self->yaml_error[0]) {
        if (self->yaml_too_big)
            snprintf (self->yaml_error, sizeof self->yaml_error,
                      "the YAML block is longer than %u KiB: not read", FO_TAP_MAX_YAML / 1024);
        else if (self->in_yaml)
            snprintf (self->yaml_error, sizeof self->yaml_error,
                      "the YAML block has no end ('...')");
        else
            fo_tap_yaml (self->yaml.data ? self->yaml.data : "", self->yaml.len,
                         &self->yaml_message, self->yaml_error, sizeof self->yaml_error);
    }
    ev->yaml_message = self->yaml_message;
    ev->yaml_error = self->yaml_error[0] ? self->yaml_error : NULL;
    ev->raw = self->raw.data;
    ev->raw_len = self->raw.len;
    self->in_yaml = false;
    self->fn (self->arg, ev);
    free (self->yaml_message);
    self->yaml_message = NULL;
}

/* A test point: "(not )ok [N][ -][ description][ # directive[ reason]]". */
static bool
parse_point (fo_tap *self, unsigned depth, const char *line, size_t len, const char *p,
             const char *end)
{
    bool ok = true;
    if (starts_with (p, end, "not ok")) {
        ok = false;
        p += 6;
    }
    else if (starts_with (p, end, "ok"))
        p += 2;
    else
        return false;
    if (p < end && !is_space (*p))
        return false;           /* "okay", "ok1": not a point */
    p = skip_spaces (p, end);
    uint64_t number = 0;
    bool has_number = read_number (&p, end, &number);
    if (has_number && p < end && !is_space (*p))
        return false;           /* "ok 3x" */
    p = skip_spaces (p, end);
    if (p < end && *p == '-' && (p + 1 == end || is_space (p[1])))
        p = skip_spaces (p + 1, end);

    /* The directive: the first unescaped '#' followed by SKIP or TODO. */
    const char *desc_end = end, *reason = end;
    fo_tap_directive directive = FO_TAP_NO_DIRECTIVE;
    for (const char *q = p; q < end; q++) {
        if (*q == '\\' && q + 1 < end) {
            q++;
            continue;
        }
        if (*q != '#')
            continue;
        const char *w = skip_spaces (q + 1, end);
        if ((size_t) (end - w) >= 4 && !strncasecmp (w, "skip", 4)) {
            directive = FO_TAP_SKIP;
            while (w < end && !is_space (*w))
                w++;            /* "SKIP", "skipped", "Skip:" */
        }
        else if (starts_word (w, end, "todo")) {
            directive = FO_TAP_TODO;
            w += 4;
        }
        else
            continue;
        desc_end = q;
        reason = skip_spaces (w, end);
        break;
    }
    self->pending = true;
    fo_buf_reset (&self->raw);
    fo_buf_append (&self->raw, line, len);
    unescape (&self->description, p, trim_end (p, desc_end));
    fo_buf_reset (&self->reason);
    fo_buf_append (&self->reason, reason, (size_t) (end - reason));
    fo_buf_puts (&self->reason, "");
    fo_buf_reset (&self->yaml);
    self->yaml_too_big = false;
    self->yaml_error[0] = '\0';
    self->point = (fo_tap_event) {
        .kind = FO_TAP_POINT, .depth = depth, .lineno = self->lineno, .ok = ok,
        .number = number, .has_number = has_number, .description = self->description.data, .directive = directive,
        .reason = self->reason.data, .text = "",
    };
    return true;
}

/* "1..N[ # reason]". */
static bool
parse_plan (fo_tap *self, unsigned depth, const char *line, size_t len, const char *p,
            const char *end)
{
    if (!starts_with (p, end, "1.."))
        return false;
    p += 3;
    uint64_t count;
    if (!read_number (&p, end, &count))
        return false;
    p = skip_spaces (p, end);
    const char *reason = end;
    if (p < end) {
        if (*p != '#')
            return false;
        p = skip_spaces (p + 1, end);
        /* "1..0 # SKIP why" (or "# Skipped: why"): the reason is what follows. */
        if ((size_t) (end - p) >= 4 && !strncasecmp (p, "skip", 4)) {
            while (p < end && !is_space (*p))
                p++;
            p = skip_spaces (p, end);
        }
        reason = p;
    }
    char *why = fo_xstrndup (reason, (size_t) (end - reason));
    fo_tap_event ev = {
        .kind = FO_TAP_PLAN, .depth = depth, .lineno = self->lineno, .raw = line, .raw_len = len,
        .count = count, .skip_all = count == 0, .description = "", .reason = why, .text = "",
    };
    self->fn (self->arg, &ev);
    free (why);
    return true;
}

/* One complete line (without its newline): what it is, at what depth. */
static void
classify (fo_tap *self, const char *line, size_t len, bool cut)
{
    const char *end = line + len;
    if (cut) {
        deliver (self, FO_TAP_OUTPUT, 0, line, len, NULL);
        return;
    }
    size_t spaces = 0;
    while (spaces < len && line[spaces] == ' ')
        spaces++;
    const char *p = line + spaces;
    if (spaces % 4 != 0 || p == end) {
        deliver (self, FO_TAP_OUTPUT, 0, line, len, NULL);
        return;
    }
    bool tapish = starts_with (p, end, "ok") || starts_with (p, end, "not ok")
                  || starts_with (p, end, "1..") || starts_with (p, end, "#")
                  || starts_with (p, end, "Bail out!") || starts_with (p, end, "TAP version ")
                  || starts_with (p, end, "pragma ");
    if (spaces / 4 > FO_TAP_MAX_DEPTH) {
        if (tapish && !self->deep_told) {
            self->deep_told = true;
            char *why = fo_xasprintf ("subtests nest deeper than %u levels at line %zu: "
                                      "deeper lines are read as output", FO_TAP_MAX_DEPTH,
                                      self->lineno);
            deliver (self, FO_TAP_ERROR, FO_TAP_MAX_DEPTH, line, len, why);
            free (why);
        }
        deliver (self, FO_TAP_OUTPUT, 0, line, len, NULL);
        return;
    }
    unsigned depth = (unsigned) (spaces / 4);
    if (parse_point (self, depth, line, len, p, end) || parse_plan (self, depth, line, len, p, end))
        return;
    if (starts_with (p, end, "Bail out!")) {
        const char *r = skip_spaces (p + 9, end);
        char *why = fo_xstrndup (r, (size_t) (trim_end (r, end) - r));
        fo_tap_event ev = {
            .kind = FO_TAP_BAIL, .depth = depth, .lineno = self->lineno, .raw = line,
            .raw_len = len, .description = "", .reason = why, .text = "",
        };
        self->fn (self->arg, &ev);
        free (why);
        return;
    }
    if (*p == '#') {
        const char *t = skip_spaces (p + 1, end);
        fo_tap_kind kind = FO_TAP_COMMENT;
        if (starts_word (t, end, "Subtest")) {
            kind = FO_TAP_SUBTEST;
            t = skip_spaces (t + 7, end);
            if (t < end && *t == ':')
                t = skip_spaces (t + 1, end);
        }
        char *text = fo_xstrndup (t, (size_t) (trim_end (t, end) - t));
        deliver (self, kind, depth, line, len, text);
        free (text);
        return;
    }
    if (starts_with (p, end, "TAP version ") || starts_with (p, end, "pragma ")) {
        char *text = fo_xstrndup (p, (size_t) (end - p));
        deliver (self, *p == 'T' ? FO_TAP_VERSION : FO_TAP_PRAGMA, depth, line, len, text);
        free (text);
        return;
    }
    deliver (self, FO_TAP_OUTPUT, 0, line, len, NULL);
}

/* A line inside or right after a pending point: part of its YAML block?
   True when the line was taken. */
static bool
yaml_line (fo_tap *self, const char *line, size_t len, bool cut)
{
    size_t indent = 4u * self->point.depth + 2u;
    size_t spaces = 0;
    while (spaces < len && line[spaces] == ' ')
        spaces++;
    const char *rest = line + spaces, *end = trim_end (line + spaces, line + len);
    if (!self->in_yaml) {
        if (cut || spaces != indent || (size_t) (end - rest) != 3 || memcmp (rest, "---", 3))
            return false;
        self->point.has_yaml = true;
        self->in_yaml = true;
    }
    else if (!cut && spaces == indent && (size_t) (end - rest) == 3 && !memcmp (rest, "...", 3)) {
        self->in_yaml = false;
        fo_buf_append (&self->raw, "\n", 1);
        fo_buf_append (&self->raw, line, len);
        deliver_point (self);
        return true;
    }
    else if (cut || (spaces < indent && rest != line + len)) {
        return false;           /* the block ended without its "...": deliver_point says so */
    }
    else if (!self->yaml_too_big) {
        size_t skip = spaces < indent ? spaces : indent;
        if (self->yaml.len + (len - skip) + 1 > FO_TAP_MAX_YAML) {
            self->yaml_too_big = true;
            fo_buf_reset (&self->yaml);
        }
        else {
            fo_buf_append (&self->yaml, line + skip, len - skip);
            fo_buf_append (&self->yaml, "\n", 1);
        }
    }
    /* The point's raw lines are its output: bounded by the block's limit
       (and by the line limit for the point itself). */
    if (self->raw.len + len + 1 <= FO_TAP_MAX_LINE + FO_TAP_MAX_YAML + 16) {
        fo_buf_append (&self->raw, "\n", 1);
        fo_buf_append (&self->raw, line, len);
    }
    return true;
}

static void
line_done (fo_tap *self)
{
    self->lineno++;
    char *line = self->line.data ? self->line.data : "";
    size_t len = self->line.len;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    bool cut = self->overlong;
    if (self->pending && yaml_line (self, line, len, cut)) {
        fo_buf_reset (&self->line);
        self->overlong = false;
        return;
    }
    deliver_point (self);
    classify (self, line, len, cut);
    fo_buf_reset (&self->line);
    self->overlong = false;
}

void
fo_tap_feed (fo_tap *self, const char *data, size_t len)
{
    if (self->ended)
        return;
    while (len > 0) {
        const char *nl = memchr (data, '\n', len);
        size_t n = nl ? (size_t) (nl - data) : len;
        size_t room = FO_TAP_MAX_LINE - self->line.len;
        if (n > room) {
            self->overlong = true;
            fo_buf_append (&self->line, data, room);
        }
        else
            fo_buf_append (&self->line, data, n);
        if (!nl)
            return;
        line_done (self);
        data += n + 1;
        len -= n + 1;
    }
}

void
fo_tap_end (fo_tap *self)
{
    if (self->ended)
        return;
    if (self->line.len > 0 || self->overlong)
        line_done (self);
    deliver_point (self);
    self->ended = true;
}
