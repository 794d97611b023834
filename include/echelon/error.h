/* Error reporting shared by every module of the engine library.
 *
 * Library functions never print and never exit: they return an ech_status and, on
 * failure, fill an ech_error with one human-readable line.  The program decides what
 * to do with it (print on rank 0, exit 2 for bad input, 1 for a runtime failure).
 * Messages about input name the file, the line or row, and the key or column, in the
 * form "FILE:LINE: KEY: problem" so editors and users can jump to the spot.
 */
#ifndef ECHELON_ERROR_H
#define ECHELON_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ech_status {
    ECH_OK = 0,
    ECH_ERR_INPUT = -2,   /* the user's input is wrong: exit status 2 */
    ECH_ERR_RUNTIME = -1, /* a failure while running (memory, I/O, MPI): exit status 1 */
    ECH_STOPPED = -3,     /* stopped at a signal, the work saved for --resume: exit 75 */
} ech_status;

enum { ECH_ERROR_MSG_MAX = 1024 };

typedef struct ech_error {
    ech_status status;
    char msg[ECH_ERROR_MSG_MAX];
} ech_error;

/* Clears an error record (status ECH_OK, empty message). */
void ech_error_clear(ech_error *err);

/* Records a failure of the given kind with a printf-style message and returns the
 * status, so callers can write `return ech_fail(err, ECH_ERR_INPUT, "...")`.
 * A NULL err is allowed (the message is dropped). */
ech_status ech_fail(ech_error *err, ech_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Input error at a place in a file: "PATH:LINE: FIELD: message".
 * line <= 0 omits the line; field NULL or "" omits the field. */
ech_status ech_fail_at(ech_error *err, const char *path, long line, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Allocation that never returns NULL for a non-zero size: on failure it prints what
 * it was allocating and the size, then aborts the process (MPI_Abort when MPI is up).
 * `what` names the object ("demand tables for SKU X"), so a failure at scale says why. */
void *ech_xmalloc(size_t size, const char *what);
void *ech_xcalloc(size_t count, size_t size, const char *what);
void *ech_xrealloc(void *ptr, size_t size, const char *what);
char *ech_xstrdup(const char *s, const char *what);

#ifdef __cplusplus
}
#endif

#endif
