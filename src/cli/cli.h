/* The echelon program: subcommands over the engine library.  MPI is initialised
 * once in main.c; each subcommand gets the world communicator and returns the exit
 * status (0 ok, 1 runtime failure, 2 bad input). */
#ifndef ECHELON_CLI_H
#define ECHELON_CLI_H

#include "echelon/error.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

int cmd_run(int argc, char **argv, MPI_Comm comm);
int cmd_tune(int argc, char **argv, MPI_Comm comm);
int cmd_validate(int argc, char **argv, MPI_Comm comm);
int cmd_fit_suppliers(int argc, char **argv, MPI_Comm comm);
int cmd_columns(int argc, char **argv, MPI_Comm comm);
int cmd_contract(int argc, char **argv, MPI_Comm comm);
int cmd_compare(int argc, char **argv, MPI_Comm comm);
int cmd_plan(int argc, char **argv, MPI_Comm comm);
int cmd_calibrate(int argc, char **argv, MPI_Comm comm);

/* Whether a subcommand is one of those written in Python (report, export). */
int cli_is_python_command(const char *name);

/* Runs `echelon COMMAND ARGS...` as `python3 -m echelon COMMAND ARGS...` (exec, so it
 * returns only on failure, with the exit status).  Called before MPI starts: these
 * commands read results files and run on one process. */
int cli_exec_python(int argc, char **argv);

/* Runs a serial command on rank 0 of comm (the others wait) and returns its exit
 * status on every rank. */
int cli_on_rank0(int (*command)(int argc, char **argv), int argc, char **argv, MPI_Comm comm);

/* Exit status for a library status. */
int cli_exit_status(ech_status st);

/* Prints "echelon: error: MESSAGE" on rank 0 of comm. */
void cli_report_error(MPI_Comm comm, const ech_error *err);

/* The command line as one string (arguments with spaces quoted), malloc'd. */
char *cli_join_argv(int argc, char **argv);

/* OpenMP threads per rank when none is asked for: OMP_NUM_THREADS if set, else the
 * node's cores shared among the ranks on the node. */
int cli_default_threads(MPI_Comm comm);

/* Seconds on a monotonic clock. */
double cli_wall_seconds(void);

/* 0 if `path` may be written, else prints why not (naming the option `what`) and
 * returns 2: it exists (without force), it is one of the run's inputs (the scenario
 * file, the files it names, inputs[0..n_inputs); never replaced, even with force),
 * or its folder does not exist or cannot be written.  NULL path: 0.  Rank 0 calls
 * it, before any work. */
int cli_check_new_file(const char *what, const char *path, int force, const ech_scenario *sc,
                       const char *const *inputs, int n_inputs);

/* A default output that replaces nothing: STEM.EXT, or STEM-1.EXT, STEM-2.EXT ... the
 * first that does not exist, into buf.  0, or -1 when all are taken. */
int cli_fresh_default(char *buf, size_t size, const char *stem, const char *ext);

/* The default output that a stopped run left a checkpoint for: STEM.EXT or
 * STEM-K.EXT with a STEM....EXT.checkpoint folder and no results yet.  0, or -1 when
 * there is none. */
int cli_resumable_default(char *buf, size_t size, const char *stem, const char *ext);

/* A default results file STEM.h5 (STEM normally results/NAME...): the first name no
 * file or stopped run's checkpoint takes (cli_fresh_default), or with resume the one
 * a stopped run left a checkpoint for (cli_resumable_default), if any.  Rank 0 picks
 * it (making results/ when missing), every rank of comm gets it in buf. */
void cli_default_output(MPI_Comm comm, const char *stem, int resume, char *buf, size_t size);

/* Makes results/ for a default output when missing (rank 0); a command that then
 * fails removes it again if it is still empty. */
void cli_make_results_folder(void);

/* A file written through a temporary name renamed into place, so a failed command
 * leaves no half-written file under the final name.  Anything else that already
 * exists under the name (a device such as /dev/null, a pipe) is written directly:
 * renaming over it would replace the device with a file.  The temporary file is
 * registered (stop.h) while it exists.  A NULL path writes to `fallback`. */
typedef struct cli_out_file {
    const char *path;
    char tmp[4096];
    int direct;
    FILE *f;
} cli_out_file;

ech_status cli_out_open(cli_out_file *o, const char *path, FILE *fallback, ech_error *err);

/* Closes the file: renamed into place when `keep`, else removed. */
ech_status cli_out_close(cli_out_file *o, int keep, ech_error *err);

/* The current UTC time as ISO 8601 into buf (32 bytes), the same on every rank. */
void cli_created_now(MPI_Comm comm, char *buf);

#endif
