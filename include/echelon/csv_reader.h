/* A small typed reader for CSV tables, over libcsv.
 *
 * Scenario tables (locations, SKUs, assortment, stock snapshots, demand history)
 * arrive as CSV extracts from ERP systems.  This reader maps the header row onto a
 * table's known columns (order free, unknown columns rejected, required columns
 * checked), hands out one row at a time with the physical line it starts on, and
 * parses cells into typed values with end-pointer checks, so "12x", "1e400" and
 * "3.5" for an integer are errors rather than silently truncated numbers.
 *
 * A row is an ech_row: the text of each known column plus where it came from.  The
 * same struct carries rows written inline in a scenario file, so one function per
 * table checks rows from either source and every message has the same form:
 * "PATH:LINE: COLUMN: problem".
 *
 * Files are read as a stream (one row in memory at a time), so assortment extracts
 * with millions of rows cost no more memory than the model they fill.  A UTF-8 byte
 * order mark is skipped; CRLF, LF and CR line ends are accepted; cells may be quoted
 * ("a, b" and "say ""hi""") and quoted cells may span lines.
 */
#ifndef ECHELON_CSV_READER_H
#define ECHELON_CSV_READER_H

#include "echelon/error.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One known column of a table. */
typedef struct ech_csv_column {
    const char *name;
    int required; /* the header must have this column (cells may still be empty) */
} ech_csv_column;

/* One row of a table, from a CSV file or from an inline list in a scenario file. */
typedef struct ech_row {
    const char *path;              /* file named in messages */
    long line;                     /* line the row starts on (a CSV header is line 1) */
    const ech_csv_column *columns; /* the table's known columns */
    int n_columns;
    const char *const *cell;  /* text per known column; NULL when empty or absent */
    const long *cell_line;    /* line per column, or NULL when all are on `line` */
    const char *field_prefix; /* put before column names in messages, or NULL */
} ech_row;

/* ------------------------------------------------------------------------------
 * Reading a file
 * ------------------------------------------------------------------------------ */

typedef struct ech_csv ech_csv;

/* Opens `path` and reads its header.  Fails (ECH_ERR_INPUT) if the file cannot be
 * read, is empty, or its header names an unknown column, names one twice, or lacks
 * a required one.  `columns` must outlive the reader. */
ech_status ech_csv_open(ech_csv **out, const char *path, const ech_csv_column *columns,
                        int n_columns, ech_error *err);

/* Reads the next data row into *row (valid until the next call), or sets *row to
 * NULL at the end of the file.  Fails on malformed quoting, an unterminated quoted
 * cell, or a row whose number of cells differs from the header's. */
ech_status ech_csv_next(ech_csv *r, const ech_row **row, ech_error *err);

/* Whether the header has column `column` (an index into the known columns). */
int ech_csv_has_column(const ech_csv *r, int column);

/* Data rows read so far. */
int64_t ech_csv_rows(const ech_csv *r);

/* The path the reader was opened with. */
const char *ech_csv_path(const ech_csv *r);

void ech_csv_close(ech_csv *r);

/* ------------------------------------------------------------------------------
 * Parsing text (shared with the scenario file's scalars)
 * ------------------------------------------------------------------------------ */

/* Results of the parsers below. */
enum {
    ECH_PARSE_OK = 0,
    ECH_PARSE_SYNTAX = -1, /* not a number of the wanted kind */
    ECH_PARSE_RANGE = -2,  /* a number, but it does not fit */
};

/* Decimal integers: an optional sign and digits, nothing else (no spaces, no
 * fraction, no exponent).  uint64 rejects a sign of '-'. */
int ech_parse_int64(const char *text, int64_t *out);
int ech_parse_int32(const char *text, int32_t *out);
int ech_parse_uint64(const char *text, uint64_t *out);

/* Decimal numbers as strtod reads them, restricted to digits, sign, '.', 'e' and
 * 'E': no hexadecimal, no "inf" or "nan".  Overflow ("1e400") is ECH_PARSE_RANGE;
 * underflow to zero is accepted. */
int ech_parse_double(const char *text, double *out);

/* ------------------------------------------------------------------------------
 * Typed cells
 *
 * Each getter leaves *out unchanged and sets *given to 0 (when given is not NULL)
 * when the cell is empty; otherwise it parses the cell, fails with a message naming
 * the row's file, line and column if the text is not of the wanted kind, and sets
 * *given to 1.
 * ------------------------------------------------------------------------------ */

/* The cell's text, or NULL when empty. */
const char *ech_row_text(const ech_row *row, int column);

/* The line a cell is on. */
long ech_row_line(const ech_row *row, int column);

/* Fails with "PATH:LINE: COLUMN: <message>" for a cell of the row (column < 0 names
 * no column). */
ech_status ech_row_fail(const ech_row *row, int column, ech_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fails unless the cell has a value. */
ech_status ech_row_require(const ech_row *row, int column, ech_error *err);

ech_status ech_row_int(const ech_row *row, int column, int32_t *out, int *given, ech_error *err);
ech_status ech_row_int64(const ech_row *row, int column, int64_t *out, int *given, ech_error *err);
ech_status ech_row_double(const ech_row *row, int column, double *out, int *given, ech_error *err);

/* An ISO date "YYYY-MM-DD" as days since 1970-01-01. */
ech_status ech_row_date(const ech_row *row, int column, int32_t *out, int *given, ech_error *err);

/* One of a NULL-terminated list of names; *out is its index. */
ech_status ech_row_choice(const ech_row *row, int column, const char *const *names, int *out,
                          int *given, ech_error *err);

/* Writes one CSV field: as it is, or quoted (with its quotes doubled) when it holds
 * a comma, a quote, a line end or leading or trailing spaces, so that any id reads
 * back as written. */
void ech_csv_write_field(FILE *out, const char *text);

/* Writes "a, b, c" for a NULL-terminated list of names into buf (for messages). */
void ech_join_names(char *buf, size_t size, const char *const *names);

#ifdef __cplusplus
}
#endif

#endif
