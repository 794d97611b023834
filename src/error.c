/* Error records and checked allocation; see include/echelon/error.h. */
#include "echelon/error.h"

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ech_error_clear(ech_error *err)
{
    if (err) {
        err->status = ECH_OK;
        err->msg[0] = '\0';
    }
}

ech_status ech_fail(ech_error *err, ech_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

ech_status ech_fail_at(ech_error *err, const char *path, long line, const char *field,
                       const char *fmt, ...)
{
    if (!err)
        return ECH_ERR_INPUT;
    size_t used = 0;
    int n;
    if (line > 0)
        n = snprintf(err->msg, sizeof err->msg, "%s:%ld: ", path ? path : "?", line);
    else
        n = snprintf(err->msg, sizeof err->msg, "%s: ", path ? path : "?");
    used = n > 0 ? (size_t)n : 0;
    if (field && field[0] && used < sizeof err->msg) {
        n = snprintf(err->msg + used, sizeof err->msg - used, "%s: ", field);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < sizeof err->msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg + used, sizeof err->msg - used, fmt, ap);
        va_end(ap);
    }
    err->status = ECH_ERR_INPUT;
    return ECH_ERR_INPUT;
}

static void out_of_memory(size_t size, const char *what)
{
    int initialized = 0, finalized = 0;
    fprintf(stderr, "echelon: out of memory allocating %zu bytes for %s\n", size,
            what ? what : "(unnamed)");
    fflush(stderr);
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized)
        MPI_Abort(MPI_COMM_WORLD, 1);
    abort();
}

void *ech_xmalloc(size_t size, const char *what)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size, what);
    return p;
}

void *ech_xcalloc(size_t count, size_t size, const char *what)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size, what);
    return p;
}

void *ech_xrealloc(void *ptr, size_t size, const char *what)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size, what);
    return p;
}

char *ech_xstrdup(const char *s, const char *what)
{
    size_t n = strlen(s) + 1;
    char *p = ech_xmalloc(n, what);
    memcpy(p, s, n);
    return p;
}
