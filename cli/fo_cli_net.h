/*  fo_cli_net — the broker's network options, shared by `fanout broker` and
    `fanout run --bind`: where to listen, CurveZMQ keys, heartbeats, and the
    rule that plaintext TCP, loopback included, needs --insecure (inproc
    and ipc endpoints do not).
*/
#ifndef FO_CLI_NET_H
#define FO_CLI_NET_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_broker.h"
#include "fo_curve.h"

typedef struct {
    const char *bind;           /* --bind ENDPOINT, or NULL */
    const char *curve_secret;   /* --curve-secret FILE */
    const char *authorized;     /* --authorized DIR */
    bool insecure;              /* --insecure */
    uint32_t heartbeat_ms;      /* --heartbeat MS, 0: default */
    uint32_t liveness;          /* --liveness N, 0: default */
    fo_curve_key key;           /* loaded by fo_cli_net_check */
} fo_cli_net_opts;

enum {
    FO_OPT_BIND = 1050,
    FO_OPT_CURVE_SECRET,
    FO_OPT_AUTHORIZED,
    FO_OPT_INSECURE,
    FO_OPT_HEARTBEAT,
    FO_OPT_LIVENESS,
};

#define FO_CLI_NET_LONGOPTS \
    { "bind", required_argument, NULL, FO_OPT_BIND }, \
    { "curve-secret", required_argument, NULL, FO_OPT_CURVE_SECRET }, \
    { "authorized", required_argument, NULL, FO_OPT_AUTHORIZED }, \
    { "authorised", required_argument, NULL, FO_OPT_AUTHORIZED }, \
    { "insecure", no_argument, NULL, FO_OPT_INSECURE }, \
    { "heartbeat", required_argument, NULL, FO_OPT_HEARTBEAT }, \
    { "liveness", required_argument, NULL, FO_OPT_LIVENESS }

/* Handles one network option: 1 handled, 0 not one, -1 error printed. */
int fo_cli_net_option (const char *command, int c, const char *arg, fo_cli_net_opts *opts);

/* Help text of the network options; bind_help describes --bind. */
void fo_cli_net_usage (FILE *out, const char *bind_help);

/* Checks the combination and loads the broker's key: CURVE needs both
   --curve-secret and --authorized; plaintext TCP needs --insecure (then a
   warning is logged, an info line on loopback). 0, or FO_EXIT_USAGE after
   printing why. */
int fo_cli_net_check (const char *command, fo_cli_net_opts *opts);

/* Copies the options into the broker's. */
void fo_cli_net_apply (const fo_cli_net_opts *opts, fo_broker_options *bo);

/* The plaintext rule for one endpoint (agents use it too): inproc:// and
   ipc:// are fine; anything else, loopback TCP included, needs keys or
   --insecure. 0, or FO_EXIT_USAGE after printing the endpoint, the risk
   and both ways out (the agent's key options when agent is true, else
   the broker's). */
int fo_cli_check_plaintext (const char *command, const char *endpoint, bool insecure, bool agent);

#endif
