/*  fo_mhd — libmicrohttpd, loaded on first use (fo_dl.h): the functions
    the metrics endpoint (fo_metrics_http.c) calls, as sym_MHD_foo
    pointers typed from microhttpd.h. A run without --metrics never maps
    libmicrohttpd (nor GnuTLS and the crypto libraries it brings). */
#ifndef FO_MHD_H
#define FO_MHD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "fo_dl.h"

#define FO_MHD_SYMS(X)                                                                        \
    X (MHD_start_daemon)                                                                      \
    X (MHD_stop_daemon)                                                                       \
    X (MHD_create_response_from_buffer)                                                       \
    X (MHD_add_response_header)                                                               \
    X (MHD_queue_response)                                                                    \
    X (MHD_destroy_response)

FO_MHD_SYMS (FO_DL_DECLARE)

/* Loads libmicrohttpd.so.12 (once): 0, or -1 with err saying what to
   install. */
int fo_mhd_load (char *err, size_t errlen);

#endif
