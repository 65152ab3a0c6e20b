/*  fo_metrics_http — the metrics endpoint: HTTP, served by libmicrohttpd
    (loaded on first use, fo_dl.h) from a thread of its own, answering GET
    (or HEAD) /metrics with the exposition text of a fo_metrics (404 for
    any other path, 405 for any other method on /metrics).

    ADDR, what `--metrics` takes (docs/deploy.md, "Metrics"):

      HOST:PORT      HOST an IPv4 address (127.0.0.1:9464)
      [HOST]:PORT    HOST an IPv6 address ([::1]:9464)
      :PORT, *:PORT  every address of the host: IPv6 and IPv4 where the
                     kernel has IPv6, else IPv4 alone
      PORT           a decimal number, 0 to 65535; 0: the system picks a
                     free port (fo_metrics_http_address says which)

    Host names are not taken (one name may stand for several addresses),
    nor IPv6 zone ids.

    The socket is bound and listening when fo_metrics_http_new returns: a
    port in use is found before any test runs. The server's thread starts
    with every signal blocked, so that the process's signals reach the
    main thread alone (cli/fo_cli_common.c handles them there); its
    sockets are close-on-exec, so that no test inherits one.

    Bounded: at most FO_METRICS_HTTP_CONNECTIONS connections at once (more
    wait in the listen backlog, FO_METRICS_HTTP_BACKLOG, until one closes),
    each closed after FO_METRICS_HTTP_TIMEOUT_S seconds without traffic,
    each with FO_METRICS_HTTP_MEMORY bytes for its request (a longer
    request line or header is answered 431). A request's body is never
    read.
*/
#ifndef FO_METRICS_HTTP_H
#define FO_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "fo_metrics.h"

#define FO_METRICS_HTTP_CONNECTIONS 16u
#define FO_METRICS_HTTP_TIMEOUT_S 10u
#define FO_METRICS_HTTP_MEMORY (32u * 1024u)
#define FO_METRICS_HTTP_BACKLOG 16

typedef struct {
    struct sockaddr_storage sa;
    socklen_t len;
    bool any;               /* :PORT: every address (sa is IPv6's any) */
} fo_metrics_addr;

/* Reads ADDR (above). Returns 0, or -1 with err set ("'x': ..."). */
int fo_metrics_addr_parse (const char *text, fo_metrics_addr *addr, char *err, size_t errlen);

typedef struct fo_metrics_http fo_metrics_http;

/* Listens at ADDR and serves `metrics` (borrowed: it must outlive the
   server). role names fanout's command in log lines ("run", "broker"):
   what libmicrohttpd says is logged at debug level (a client can make it
   talk at will). NULL with err set when ADDR is not one, libmicrohttpd
   cannot be loaded (it is loaded here, the first time: fo_dl.h), or the
   socket cannot listen there (in use, not an address of this host). */
fo_metrics_http *fo_metrics_http_new (const char *addr, fo_metrics *metrics, const char *role,
                                      char *err, size_t errlen);

/* Where it listens, the port chosen when 0 was asked: "127.0.0.1:9464",
   "[::]:9464". */
const char *fo_metrics_http_address (const fo_metrics_http *self);

/* Stops serving: the thread ends, open connections and the socket close. */
void fo_metrics_http_destroy (fo_metrics_http **self_p);

#endif
