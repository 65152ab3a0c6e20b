/*  fo_cli — the `fanout` command line: one function per subcommand.

    cli/ wires the broker and agent libraries into the one binary users run;
    each subcommand parses its own options and returns the process's exit
    status (FO_EXIT_* from fo_report.h, 130 when interrupted).
*/
#ifndef FO_CLI_H
#define FO_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

int fo_cmd_run (int argc, char **argv);
int fo_cmd_broker (int argc, char **argv);
int fo_cmd_agent (int argc, char **argv);
int fo_cmd_keygen (int argc, char **argv);
/* Internal: a gtest source's listing step on an agent (fo_cmd_gtest_names.c). */
int fo_cmd_gtest_names (int argc, char **argv);
/* Internal: a glib source's listing step on an agent (fo_cmd_glib_names.c). */
int fo_cmd_glib_names (int argc, char **argv);
/* Internal: a ctest source's listing step on an agent (fo_cmd_ctest_list.c). */
int fo_cmd_ctest_list (int argc, char **argv);
int fo_cmd_list (int argc, char **argv);

/* "exit status:" and the statuses `command` ("run", "broker", "agent",
   "keygen") ends with, one per line (fo_cli_doc.c: the one list). */
void fo_cli_exit_usage (FILE *out, const char *command);
/* "environment:" and the variables `command` reads. */
void fo_cli_env_usage (FILE *out, const char *command);

/* SIGINT/SIGTERM/SIGHUP set fo_cli_interrupted (to the signal's number):
   the run stops gracefully (cancel, teardowns, report, exit 130). Signals
   within FO_CLI_SIGNAL_WINDOW_MS of the last one that counted are the same
   one delivered twice (timeout(1) signals fanout and then its process
   group) and are ignored. A second one stops at once: every process fanout
   started is killed (fo_reaper_emergency); when the command keeps its
   report (fo_cli_signals_graceful (true): run, broker) fo_cli_aborted is
   set first (nothing more starts), the run ends at once and the complete
   report is still written and exit 130; a third one, or the second where no report is kept (agent),
   exits 130 right away. Until fo_cli_signals_graceful() is called (while
   the suite is loaded and discovered: no run to report on yet) the first
   one already kills and exits. SIGPIPE is ignored (a closed stdout must
   not kill fanout before it has killed its tests). */
#define FO_CLI_SIGNAL_WINDOW_MS 250u
extern volatile sig_atomic_t fo_cli_interrupted;
extern volatile sig_atomic_t fo_cli_aborted;
void fo_cli_install_signals (void);
/* The signals fo_cli_install_signals handles (for threads to block). */
void fo_cli_signal_set (sigset_t *set);
void fo_cli_signals_graceful (bool keeps_report);

/* First thing in main: what the process that started fanout left it
   (inherited across exec) is put right: closed standard descriptors are
   opened on /dev/null (else the next file opened would take stdout's
   number and get the summary), SIGCHLD goes back to its default (else the
   kernel reaps the tests and their statuses are lost), and this process
   promises that only fo_proc reaps its children (fo_reaper.h). 0, or -1
   (said on stderr) when a closed one cannot be given /dev/null: nothing
   may run then. fo_cli_inherited.c. */
int fo_cli_take_inherited (void);

/* Process hygiene for a command that runs tests: become a child subreaper
   and start the watchdog (fo_watchdog.h) that kills every process of ours
   if this one is SIGKILLed. Call once, early. role names the command in
   warnings ("run", "broker", "agent"). */
void fo_cli_guard_processes (const char *role);
/* At the end: kill and reap every process fanout started that is still
   there (a leftover of a shared fixture, an escaped orphan). */
void fo_cli_sweep_processes (const char *role);

/* No core dumps from fanout and what it starts, unless allowed: the soft
   RLIMIT_CORE becomes 0 (inherited by every test); allowed, it is raised
   to the hard limit. */
void fo_cli_core_dumps (int allow);

#endif
