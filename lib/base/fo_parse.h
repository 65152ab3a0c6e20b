/*  fo_parse — numbers as people write them, read by one rule wherever
    fanout reads them: a suite file's `timeout:`, and the command line's and
    the environment's seconds (--timeout, FANOUT_TIMEOUT, --task-timeout,
    --slow). Each caller words its own refusal (a suite file says where,
    the command line names the option); the accepted syntax is this one.
    docs/timeouts-and-failures.md, "Seconds", states it for users.

    strtod and strtoul accept more than a person means ("-1" as a huge
    unsigned, "inf", "nan", "0x10", "1e3", leading spaces) and round a
    decimal through binary ("2.007" * 1000 is 2007.0000000000002, one
    millisecond more once rounded up): this reads the digits itself,
    exactly.
*/
#ifndef FO_PARSE_H
#define FO_PARSE_H

#include <stdint.h>

/* The most seconds a value may say: its milliseconds fit 32 bits, below
   UINT32_MAX (which callers keep for "no limit"). _N spelt for messages. */
#define FO_SECONDS_MAX_N 4294967
#define FO_SECONDS_MAX ((uint32_t) FO_SECONDS_MAX_N)

typedef enum {
    FO_SECONDS_OK = 0,
    FO_SECONDS_BAD,         /* not a number of seconds as below */
    FO_SECONDS_TOO_BIG,     /* one, but more than FO_SECONDS_MAX */
} fo_seconds_status;

/* Seconds, whole or decimal, into milliseconds: decimal digits with at
   most one '.', and at least one digit ("30", "0.5", "5.", ".5", "007");
   nothing else: no sign, exponent, hex, inf, nan, space or unit. 0 is 0
   (what it means is the caller's: "none" on the command line, refused in
   a suite file). Rounded up to a whole millisecond, so a positive value
   never becomes 0 ("0.0001" is 1 ms); exact ("2.007" is 2007 ms). At most
   FO_SECONDS_MAX seconds ("4294967.001" is too big). *ms is set only on
   FO_SECONDS_OK. */
fo_seconds_status fo_parse_seconds (const char *s, uint32_t *ms);

#endif
