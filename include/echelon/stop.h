/* Stop requests and temporary files: how a long run ends cleanly when the batch
 * system (Slurm's --signal, scancel, the time limit) or the user (Ctrl-C) asks it to.
 *
 * ech_stop_install catches SIGTERM, SIGINT and SIGUSR1: the first only sets a flag,
 * which the run polls between work units (so the unit in hand is finished, the
 * checkpoint written and the temporary files removed before it exits).  A second
 * SIGTERM or SIGINT does not wait: the registered temporary files are removed and
 * the process ends with the signal's default action.
 *
 * Temporary files (a results file being written, a checkpoint being saved) are
 * registered while they exist, so that any exit but SIGKILL removes them.
 */
#ifndef ECHELON_STOP_H
#define ECHELON_STOP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Exit status of a run stopped at a signal with its work saved (sysexits.h's
 * EX_TEMPFAIL: "try again later", i.e. with --resume). */
enum { ECH_EXIT_STOPPED = 75 };

/* Installs the handlers (once per process; later calls do nothing). */
void ech_stop_install(void);

/* The signal that asked for a stop, or 0. */
int ech_stop_requested(void);

/* Asks for a stop as a signal would (tests, and a rank that learns of another's). */
void ech_stop_request(int signal_number);

/* Forgets a stop request (a program that runs again, tests). */
void ech_stop_clear(void);

/* Registers / forgets a temporary file that a stop must not leave behind.  At most
 * a few at a time; paths longer than 4095 bytes are not registered. */
void ech_temp_register(const char *path);
void ech_temp_forget(const char *path);

/* Removes every registered temporary file (at exit; async-signal-safe). */
void ech_temp_remove_all(void);

#ifdef __cplusplus
}
#endif

#endif
