/* echelon: entry point and subcommand dispatch. */
#include "cli.h"
#include "echelon/engine.h"
#include "echelon/stop.h"
#include "echelon/version.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void print_usage(FILE *out)
{
    fprintf(
        out,
        "echelon %s: Monte Carlo simulation of multi-echelon pharmaceutical supply chains\n"
        "\n"
        "Usage: echelon COMMAND [OPTIONS] ...\n"
        "       mpirun -n RANKS echelon COMMAND ...\n"
        "\n"
        "Commands:\n"
        "  run SCENARIO.yaml [-o OUT.h5]   simulate a scenario and write its results file\n"
        "  tune SCENARIO.yaml              choose every SKU-location's targets, verify them\n"
        "  contract SCENARIO.yaml          size supply contracts' commitments, verify them\n"
        "  compare BASE.h5 OTHER.h5 ...    paired differences of runs against a base run\n"
        "  validate SCENARIO.yaml          check a scenario and describe what it contains\n"
        "  plan SCENARIO.yaml --ranks N    predict a run's time, memory and file size; a Slurm "
        "line\n"
        "  fit-suppliers HISTORY.csv       fit supplier lead times from delivery history (YAML)\n"
        "  calibrate HISTORY.csv -o D.csv  fit demand models from sales history (CSV files)\n"
        "  columns                         the columns of the CSV tables, as Markdown\n"
        "  report RUN.h5 ... -o PAGE.html  an HTML report with charts of results files\n"
        "  export RUN.h5 --what TABLE      CSV or XLSX tables: kpis, targets, variants\n"
        "\n"
        "Options:\n"
        "  -h, --help      this help (also: echelon COMMAND --help)\n"
        "  -V, --version   program version and git commit\n"
        "\n"
        "Exit status: 0 success, 1 runtime failure, 2 bad input.\n",
        ECH_VERSION_STRING);
}

int cli_exit_status(ech_status st)
{
    return st == ECH_OK ? 0 : st == ECH_ERR_INPUT ? 2 : st == ECH_STOPPED ? ECH_EXIT_STOPPED : 1;
}

int cli_on_rank0(int (*command)(int argc, char **argv), int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int status = rank == 0 ? command(argc, argv) : 0;
    MPI_Bcast(&status, 1, MPI_INT, 0, comm);
    return status;
}

void cli_report_error(MPI_Comm comm, const ech_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        fprintf(stderr, "echelon: %s: %s\n", err->status == ECH_STOPPED ? "stopped" : "error",
                err->msg[0] ? err->msg : "unknown failure");
        fflush(stderr);
    }
}

char *cli_join_argv(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; ++i)
        len += strlen(argv[i]) + 3;
    char *s = ech_xmalloc(len, "command line");
    s[0] = '\0';
    for (int i = 0; i < argc; ++i) {
        int quote = strchr(argv[i], ' ') != NULL || argv[i][0] == '\0';
        if (i)
            strcat(s, " ");
        if (quote)
            strcat(s, "'");
        strcat(s, argv[i]);
        if (quote)
            strcat(s, "'");
    }
    return s;
}

int cli_default_threads(MPI_Comm comm)
{
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && env[0])
        return omp_get_max_threads();
    MPI_Comm node;
    int on_node = 1;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &on_node);
    MPI_Comm_free(&node);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int t = (int)(cores / on_node);
    return t >= 1 ? t : 1;
}

/* Set by cli_make_results_folder when it made results/. */
static int made_results_folder;

int main(int argc, char **argv)
{
    /* The Python commands replace this process before MPI starts. */
    if (argc >= 2 && cli_is_python_command(argv[1]))
        return cli_exec_python(argc, argv);
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    /* GSL's default error handler aborts the process; echelon checks what GSL
     * returns instead (a failed table or target is an error with a message). */
    gsl_set_error_handler_off();

    int status;
    if (!ech_engine_simd()) {
        if (rank == 0)
            fprintf(stderr,
                    "echelon: the environment's ECHELON_SIMD=%s is not one of scalar, baseline, "
                    "avx2, avx512\n",
                    getenv("ECHELON_SIMD"));
        status = 2;
    } else if (argc < 2) {
        if (rank == 0)
            print_usage(stderr);
        status = 2;
    } else if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
               strcmp(argv[1], "help") == 0) {
        if (rank == 0)
            print_usage(stdout);
        status = 0;
    } else if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        if (rank == 0)
            printf("echelon %s (git %s)\n", ECH_VERSION_STRING, ECH_GIT_COMMIT);
        status = 0;
    } else if (strcmp(argv[1], "run") == 0) {
        status = cmd_run(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "tune") == 0) {
        status = cmd_tune(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "contract") == 0) {
        status = cmd_contract(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "plan") == 0) {
        status = cmd_plan(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "compare") == 0) {
        status = cmd_compare(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "validate") == 0) {
        status = cmd_validate(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "columns") == 0) {
        status = cmd_columns(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "fit-suppliers") == 0) {
        status = cmd_fit_suppliers(argc, argv, MPI_COMM_WORLD);
    } else if (strcmp(argv[1], "calibrate") == 0) {
        status = cmd_calibrate(argc, argv, MPI_COMM_WORLD);
    } else {
        if (rank == 0)
            fprintf(stderr, "echelon: error: unknown command '%s' (see echelon --help)\n", argv[1]);
        status = 2;
    }
    /* A results/ folder this failed command made, and left empty, goes again. */
    if (status != 0 && made_results_folder && rank == 0)
        rmdir("results");
    fflush(stdout);
    MPI_Finalize();
    return status;
}

void cli_default_output(MPI_Comm comm, const char *stem, int resume, char *buf, size_t size)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        cli_make_results_folder();
        if (!resume || cli_resumable_default(buf, size, stem, ".h5"))
            cli_fresh_default(buf, size, stem, ".h5");
    }
    MPI_Bcast(buf, (int)size, MPI_CHAR, 0, comm);
}

void cli_make_results_folder(void)
{
    if (mkdir("results", 0777) == 0)
        made_results_folder = 1;
    else if (errno != EEXIST)
        fprintf(stderr, "echelon: warning: cannot create results/: %s\n", strerror(errno));
}

double cli_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The same file (device and inode) as `other`, both existing. */
static int same_file(const struct stat *st, const char *other)
{
    struct stat o;
    return other && stat(other, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino;
}

/* A file the scenario names, as the loader opens it: relative to the scenario's
 * folder unless absolute. */
static void scenario_relative(char *buf, size_t size, const char *scenario, const char *name)
{
    const char *slash = strrchr(scenario, '/');
    if (name[0] == '/' || !slash)
        snprintf(buf, size, "%s", name);
    else
        snprintf(buf, size, "%.*s%s", (int)(slash - scenario + 1), scenario, name);
}

int cli_check_new_file(const char *what, const char *path, int force, const ech_scenario *sc,
                       const char *const *inputs, int n_inputs)
{
    if (!path)
        return 0;
    struct stat st;
    if (stat(path, &st) == 0) {
        /* Never an input, --force or not: the results would destroy what made them. */
        int input = 0;
        for (int k = 0; k < n_inputs && !input; ++k)
            input = same_file(&st, inputs[k]);
        if (sc && sc->source_path && !input) {
            const char *named[ECH_SCENARIO_MAX_INPUTS];
            int n_named = ech_scenario_input_files(sc, named);
            input = same_file(&st, sc->source_path);
            for (int k = 0; k < n_named && !input; ++k) {
                char full[4096];
                if (!named[k])
                    continue;
                scenario_relative(full, sizeof full, sc->source_path, named[k]);
                input = same_file(&st, full);
            }
        }
        if (input) {
            fprintf(stderr, "echelon: error: %s: %s is an input of this run; choose another name\n",
                    what, path);
            return 2;
        }
        if (!S_ISREG(st.st_mode)) { /* a device, a folder: never replaced by a rename */
            fprintf(stderr, "echelon: error: %s: %s is not a regular file\n", what, path);
            return 2;
        }
        if (!force) {
            fprintf(stderr,
                    "echelon: error: %s: %s exists (choose another name, or --force to replace "
                    "it)\n",
                    what, path);
            return 2;
        }
    }
    /* The folder must take the file, checked now rather than after the work. */
    char folder[4096];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(folder, sizeof folder, "%.*s", (int)(slash - path > 0 ? slash - path : 1), path);
    else
        snprintf(folder, sizeof folder, ".");
    struct stat fs;
    if (stat(folder, &fs) != 0 || !S_ISDIR(fs.st_mode)) {
        fprintf(stderr, "echelon: error: %s: the folder of %s (%s) does not exist\n", what, path,
                folder);
        return 2;
    }
    if (access(folder, W_OK | X_OK) != 0) {
        fprintf(stderr, "echelon: error: %s: the folder of %s (%s) is not writable: %s\n", what,
                path, folder, strerror(errno));
        return 2;
    }
    return 0;
}

/* A name is taken by a file, or by the checkpoint of a stopped run that will write
 * it. */
static int name_taken(const char *path)
{
    struct stat st;
    char folder[4200];
    snprintf(folder, sizeof folder, "%s.checkpoint", path);
    return stat(path, &st) == 0 || stat(folder, &st) == 0;
}

int cli_fresh_default(char *buf, size_t size, const char *stem, const char *ext)
{
    snprintf(buf, size, "%s%s", stem, ext);
    for (int k = 1; k < 10000 && name_taken(buf); ++k)
        snprintf(buf, size, "%s-%d%s", stem, k, ext);
    return name_taken(buf) ? -1 : 0;
}

int cli_resumable_default(char *buf, size_t size, const char *stem, const char *ext)
{
    struct stat st;
    char folder[4200];
    for (int k = 0; k < 10000; ++k) {
        if (k == 0)
            snprintf(buf, size, "%s%s", stem, ext);
        else
            snprintf(buf, size, "%s-%d%s", stem, k, ext);
        snprintf(folder, sizeof folder, "%s.checkpoint", buf);
        if (stat(folder, &st) == 0 && stat(buf, &st) != 0)
            return 0;
        if (stat(buf, &st) != 0 && stat(folder, &st) != 0)
            break; /* names beyond the first free one were never used */
    }
    return -1;
}

void cli_created_now(MPI_Comm comm, char *buf)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    MPI_Bcast(buf, 32, MPI_CHAR, 0, comm);
}
