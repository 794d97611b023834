/* echelon report and echelon export: commands written in Python (python/echelon/),
 * which the program hands over to, before MPI starts, by exec'ing the interpreter
 * with the package on PYTHONPATH.  ECHELON_PYTHON and ECHELON_PYTHON_DIR in the
 * environment override the interpreter and the package folder compiled in. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ECHELON_PYTHON
#define ECHELON_PYTHON "/usr/bin/python3"
#endif
#ifndef ECHELON_PYTHON_DIR
#define ECHELON_PYTHON_DIR ""
#endif

int cli_is_python_command(const char *name)
{
    return strcmp(name, "report") == 0 || strcmp(name, "export") == 0;
}

/* Whether `dir` holds the package (dir/echelon/__main__.py). */
static int has_package(const char *dir)
{
    char path[PATH_MAX + 32];
    if (!dir || !dir[0] || strlen(dir) >= PATH_MAX)
        return 0;
    snprintf(path, sizeof path, "%s/echelon/__main__.py", dir);
    return access(path, R_OK) == 0;
}

/* The package folder: $ECHELON_PYTHON_DIR, the source tree's python/ compiled in,
 * or share/echelon/python beside an installed program (bin/../share/...). */
static const char *package_dir(char *buf, size_t size)
{
    const char *env = getenv("ECHELON_PYTHON_DIR");
    if (env && env[0])
        return env;
    if (has_package(ECHELON_PYTHON_DIR))
        return ECHELON_PYTHON_DIR;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            int w = snprintf(buf, size, "%s/../share/echelon/python", exe);
            if (w > 0 && (size_t)w < size && has_package(buf))
                return buf;
        }
    }
    return NULL;
}

/* Processes of an MPI launch (Open MPI's mpirun, a PMI launcher such as srun). */
static long launched_processes(void)
{
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (int i = 0; i < 3; ++i) {
        const char *v = getenv(vars[i]);
        if (v && v[0])
            return strtol(v, NULL, 10);
    }
    return 1;
}

int cli_exec_python(int argc, char **argv)
{
    /* One process writes the page: several would write the same files at once. */
    if (launched_processes() > 1) {
        fprintf(stderr, "echelon: error: %s runs on one process: run it without mpirun or srun\n",
                argv[1]);
        return 2;
    }
    const char *python = getenv("ECHELON_PYTHON");
    if (!python || !python[0])
        python = ECHELON_PYTHON;
    char found[PATH_MAX + 32];
    const char *dir = package_dir(found, sizeof found);
    if (!dir) {
        fprintf(stderr,
                "echelon: error: %s: the echelon Python package is missing (looked in %s and "
                "beside the program; set ECHELON_PYTHON_DIR to the folder holding echelon/)\n",
                argv[1], ECHELON_PYTHON_DIR[0] ? ECHELON_PYTHON_DIR : "(none compiled in)");
        return 1;
    }
    /* The package first on the path, before whatever the user has there. */
    const char *old = getenv("PYTHONPATH");
    size_t len = strlen(dir) + (old ? strlen(old) : 0) + 2;
    char *path = malloc(len);
    if (!path) {
        fprintf(stderr, "echelon: error: out of memory\n");
        return 1;
    }
    snprintf(path, len, "%s%s%s", dir, old && old[0] ? ":" : "", old ? old : "");
    setenv("PYTHONPATH", path, 1);
    free(path);
    /* python3 -m echelon COMMAND ARGS...: argv[1] onwards, after four words. */
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (!args) {
        fprintf(stderr, "echelon: error: out of memory\n");
        return 1;
    }
    args[0] = (char *)python;
    args[1] = "-m";
    args[2] = "echelon";
    for (int i = 1; i < argc; ++i)
        args[i + 2] = argv[i];
    args[argc + 2] = NULL;
    fflush(stdout);
    execv(python, args);
    fprintf(stderr,
            "echelon: error: %s: cannot run %s: %s (set ECHELON_PYTHON to a Python 3 "
            "with h5py, pandas and matplotlib)\n",
            argv[1], python, strerror(errno));
    free(args);
    return 1;
}
