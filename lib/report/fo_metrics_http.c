/*  fo_metrics_http — see fo_metrics_http.h. libmicrohttpd does all of
    HTTP; this file parses ADDR, makes the listening socket (so that a port
    in use is a clear error before the run) and answers requests.
    libmicrohttpd is loaded by the first fo_metrics_http_new (fo_mhd.h):
    a run without --metrics never maps it. */
#include "fo_metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_log.h"
#include "fo_mhd.h"

#define FORMS "HOST:PORT, [IPV6]:PORT or :PORT"

struct fo_metrics_http {
    struct MHD_Daemon *daemon;
    fo_metrics *metrics;
    const char *role;
    char address[INET6_ADDRSTRLEN + 16];
};

/* ---- ADDR ------------------------------------------------------------------ */

/* PORT: 1 to 5 decimal digits, at most 65535. */
static int
parse_port (const char *s, in_port_t *port)
{
    size_t n = strlen (s);
    if (n == 0 || n > 5 || strspn (s, "0123456789") != n)
        return -1;
    unsigned long v = strtoul (s, NULL, 10);
    if (v > 65535)
        return -1;
    *port = htons ((uint16_t) v);
    return 0;
}

int
fo_metrics_addr_parse (const char *text, fo_metrics_addr *addr, char *err, size_t errlen)
{
    memset (addr, 0, sizeof *addr);
    const char *colon = strrchr (text, ':');
    if (!colon)
        return fo_err (err, errlen, "'%s': not " FORMS, text);
    in_port_t port;
    if (parse_port (colon + 1, &port) != 0)
        return fo_err (err, errlen, "'%s': the port must be a number from 0 to 65535", text);
    size_t hostlen = (size_t) (colon - text);
    char host[INET6_ADDRSTRLEN + 2];
    if (hostlen >= sizeof host)
        return fo_err (err, errlen, "'%s': the host must be an IP address (" FORMS ")", text);
    memcpy (host, text, hostlen);
    host[hostlen] = '\0';

    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &addr->sa;
    struct sockaddr_in *in4 = (struct sockaddr_in *) &addr->sa;
    if (hostlen == 0 || strcmp (host, "*") == 0) {
        addr->any = true;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_any;
        in6->sin6_port = port;
        addr->len = sizeof *in6;
        return 0;
    }
    if (host[0] == '[') {
        if (hostlen < 2 || host[hostlen - 1] != ']')
            return fo_err (err, errlen, "'%s': not " FORMS, text);
        host[hostlen - 1] = '\0';
        if (inet_pton (AF_INET6, host + 1, &in6->sin6_addr) != 1)
            return fo_err (err, errlen, "'%s': '%s' is not an IPv6 address", text, host + 1);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = port;
        addr->len = sizeof *in6;
        return 0;
    }
    if (strchr (host, ':'))
        return fo_err (err, errlen, "'%s': an IPv6 address goes in brackets ([::1]:9464)", text);
    if (inet_pton (AF_INET, host, &in4->sin_addr) != 1)
        return fo_err (err, errlen, "'%s': the host must be an IP address (" FORMS ")", text);
    in4->sin_family = AF_INET;
    in4->sin_port = port;
    addr->len = sizeof *in4;
    return 0;
}

/* A listening socket at addr (close-on-exec, non-blocking, as
   libmicrohttpd wants it), or -1 with errno set. */
static int
listen_at (const struct sockaddr *sa, socklen_t len, bool dual_stack)
{
    int fd = socket (sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int on = 1, off = 0;
    /* SO_REUSEADDR lets a new run take a port that an old one's
       connections still hold in TIME_WAIT; never one that is listened on. */
    if (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0
        || (dual_stack && setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0)
        || bind (fd, sa, len) != 0 || listen (fd, FO_METRICS_HTTP_BACKLOG) != 0) {
        int saved = errno;
        close (fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* "127.0.0.1:9464", "[::1]:9464": where fd listens. */
static void
describe (int fd, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (getsockname (fd, (struct sockaddr *) &ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) &ss;
            inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
            port = ntohs (in6->sin6_port);
            snprintf (out, outlen, "[%s]:%u", host, port);
            return;
        }
        const struct sockaddr_in *in4 = (const struct sockaddr_in *) &ss;
        inet_ntop (AF_INET, &in4->sin_addr, host, sizeof host);
        port = ntohs (in4->sin_port);
    }
    snprintf (out, outlen, "%s:%u", host, port);
}

/* ---- HTTP -------------------------------------------------------------------- */

static enum MHD_Result
reply (struct MHD_Connection *conn, unsigned status, const char *text, const char *allow)
{
    struct MHD_Response *r = sym_MHD_create_response_from_buffer (strlen (text), (void *) text,
                                                              MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    sym_MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow)
        sym_MHD_add_response_header (r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = sym_MHD_queue_response (conn, status, r);
    sym_MHD_destroy_response (r);
    return ret;
}

/* Every request, answered at its first call (once its headers are in):
   nothing here reads a body, and a request with one is answered and its
   connection closed by libmicrohttpd. */
static enum MHD_Result
answer (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
        const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
    fo_metrics_http *self = cls;
    (void) version;
    (void) upload_data;
    (void) upload_data_size;
    (void) req_cls;
    if (strcmp (url, "/metrics") != 0)
        return reply (conn, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n", NULL);
    if (strcmp (method, MHD_HTTP_METHOD_GET) != 0 && strcmp (method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply (conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET or HEAD\n",
                      "GET, HEAD");
    fo_buf body = { 0 };
    fo_metrics_render (self->metrics, &body);
    size_t len = body.len;
    struct MHD_Response *r = sym_MHD_create_response_from_buffer (len, fo_buf_steal (&body),
                                                              MHD_RESPMEM_MUST_FREE);
    if (!r)
        return MHD_NO;
    sym_MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, FO_METRICS_CONTENT_TYPE);
    enum MHD_Result ret = sym_MHD_queue_response (conn, MHD_HTTP_OK, r);
    sym_MHD_destroy_response (r);
    return ret;
}

/* What libmicrohttpd says (a client that breaks the rules, the connection
   limit): at debug level, since a client can make it talk at will. */
__attribute__ ((format (printf, 2, 0))) static void
log_mhd (void *cls, const char *fmt, va_list ap)
{
    const fo_metrics_http *self = cls;
    if (fo_log_get_level () < FO_LOG_DEBUG)
        return;
    char line[512];
    vsnprintf (line, sizeof line, fmt, ap);
    line[strcspn (line, "\n")] = '\0';
    fo_log (FO_LOG_DEBUG, self->role, "metrics endpoint: %s", line);
}

fo_metrics_http *
fo_metrics_http_new (const char *text, fo_metrics *metrics, const char *role, char *err,
                     size_t errlen)
{
    fo_metrics_addr addr;
    if (fo_metrics_addr_parse (text, &addr, err, errlen) != 0)
        return NULL;
    char why[512];
    if (fo_mhd_load (why, sizeof why) != 0) {
        fo_err (err, errlen, "'%s': %s", text, why);
        return NULL;
    }
    int fd = listen_at ((const struct sockaddr *) &addr.sa, addr.len, addr.any);
    if (fd < 0 && addr.any && errno == EAFNOSUPPORT) {
        /* No IPv6 in this kernel: every IPv4 address. */
        struct sockaddr_in in4 = {
            .sin_family = AF_INET,
            .sin_port = ((struct sockaddr_in6 *) &addr.sa)->sin6_port,
            .sin_addr.s_addr = htonl (INADDR_ANY),
        };
        fd = listen_at ((const struct sockaddr *) &in4, sizeof in4, false);
    }
    if (fd < 0) {
        fo_err (err, errlen, "'%s': cannot listen there: %s", text, strerror (errno));
        return NULL;
    }
    fo_metrics_http *self = fo_xcalloc (1, sizeof *self);
    self->metrics = metrics;
    self->role = role;
    describe (fd, self->address, sizeof self->address);

    /* The thread libmicrohttpd starts inherits this mask: every signal
       stays the main thread's. */
    sigset_t all, old;
    sigfillset (&all);
    pthread_sigmask (SIG_BLOCK, &all, &old);
    /* From here the socket is libmicrohttpd's: it closes it when it stops,
       and (on most of its failure paths) when it cannot start. */
    self->daemon = sym_MHD_start_daemon (
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer, self,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, self,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) FO_METRICS_HTTP_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) FO_METRICS_HTTP_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) FO_METRICS_HTTP_MEMORY,
        MHD_OPTION_END);
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (!self->daemon) {
        fo_err (err, errlen, "'%s': cannot start the HTTP server (libmicrohttpd)", text);
        free (self);
        return NULL;
    }
    return self;
}

const char *
fo_metrics_http_address (const fo_metrics_http *self)
{
    return self->address;
}

void
fo_metrics_http_destroy (fo_metrics_http **self_p)
{
    fo_metrics_http *self = *self_p;
    if (!self)
        return;
    sym_MHD_stop_daemon (self->daemon);
    free (self);
    *self_p = NULL;
}
