/*  fo_cli_python — `--restart-worker`, `--max-tasks-per-worker N`,
    `--max-worker-rss SIZE` and `--no-python-worker`: when an agent's persistent Python workers are
    replaced (agent/fo_runner_python.h, docs/python-workers.md). Taken by
    `fanout agent` and by `fanout run` (its local agent). */
#ifndef FO_CLI_PYTHON_H
#define FO_CLI_PYTHON_H

#include <stdio.h>

#include "fo_runner_python.h"

enum {
    FO_OPT_RESTART_WORKER = 1090,  /* after the offer options, before FO_OPT_COMMAND_BASE */
    FO_OPT_MAX_TASKS_PER_WORKER,
    FO_OPT_MAX_WORKER_RSS,
    FO_OPT_NO_PYTHON_WORKER,
};

#define FO_CLI_PYTHON_LONGOPTS \
    { "restart-worker", no_argument, NULL, FO_OPT_RESTART_WORKER }, \
    { "max-tasks-per-worker", required_argument, NULL, FO_OPT_MAX_TASKS_PER_WORKER }, \
    { "max-worker-rss", required_argument, NULL, FO_OPT_MAX_WORKER_RSS }, \
    { "no-python-worker", no_argument, NULL, FO_OPT_NO_PYTHON_WORKER }

/* Handles one of them: 1 handled, 0 not one, -1 error printed (usage). */
int fo_cli_python_option (const char *cmd, int c, const char *arg,
                          fo_python_worker_options *opts);
void fo_cli_python_usage (FILE *out);

#endif
