/*  fo_cli_python — see fo_cli_python.h. */
#include "fo_cli_python.h"

#include "fo_cli_parse.h"

int
fo_cli_python_option (const char *cmd, int c, const char *arg, fo_python_worker_options *opts)
{
    uint32_t n;
    switch (c) {
    case FO_OPT_RESTART_WORKER:
        opts->max_tasks = 1;
        return 1;
    case FO_OPT_MAX_TASKS_PER_WORKER:
        if (fo_cli_parse_count (cmd, "--max-tasks-per-worker", arg, 1, 1000000000u,
                                &opts->max_tasks) != 0)
            return -1;
        return 1;
    case FO_OPT_MAX_WORKER_RSS:
        if (fo_cli_parse_size (cmd, "--max-worker-rss", arg, 1024u * 1024u, 4095u * 1024u * 1024u,
                               &n) != 0)
            return -1;
        opts->max_rss_kb = n / 1024u;
        return 1;
    case FO_OPT_NO_PYTHON_WORKER:
        opts->off = true;
        return 1;
    default:
        return 0;
    }
}

void
fo_cli_python_usage (FILE *out)
{
    fprintf (out,
             "      --restart-worker  a new Python worker for every task (as nose's\n"
             "                        process-restartworker); docs/python-workers.md\n"
             "      --max-tasks-per-worker N  a new Python worker after N tasks\n"
             "      --max-worker-rss SIZE  a new Python worker, between tasks, once one\n"
             "                        uses more memory than SIZE (1M to 4095M)\n"
             "      --no-python-worker  every Python step in a process of its own (each\n"
             "                        test then runs its module's fixtures itself)\n");
}
