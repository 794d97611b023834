/* The typed CSV reader; see include/echelon/csv_reader.h.
 *
 * libcsv is a push parser: it is fed bytes and calls back once per cell and once
 * per row end.  It does not count lines, so the reader feeds it one physical line
 * at a time and notes the line on which each row's first non-blank text appears.
 * Every chunk fed ends at the first line end it contains, so at most one row can end
 * per chunk and the row handed out is always the one just completed.
 */
#include "echelon/csv_reader.h"
#include "echelon/scenario.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* No physical line of a table is longer than this, and no row's text (a quoted cell
 * may span lines): a file that never ends a line (/dev/zero, a binary) is refused
 * instead of filling memory. */
enum { MAX_LINE_BYTES = 1 << 20, MAX_ROW_BYTES = 16 << 20 };

struct ech_csv {
    char *path;
    FILE *f;
    const ech_csv_column *columns;
    int n_columns;
    struct csv_parser parser;

    /* Input: the current physical line (read_line), fed in chunks. */
    char *buf;
    size_t buf_cap;
    size_t buf_len;
    size_t buf_pos;
    int at_start; /* nothing read yet: a byte order mark may follow */
    int eof;      /* no more input */
    int finished; /* csv_fini has been called */
    long line;    /* physical line of the next chunk */

    /* The row libcsv is assembling: cell texts back to back, each NUL-terminated. */
    char *text;
    size_t text_len, text_cap;
    size_t *cell_off;
    int n_cells, cells_cap;
    int in_row;    /* a row has started and not yet ended */
    long row_line; /* where the row being assembled started */
    int row_ready; /* libcsv has ended a row */
    int nul_in_cell;
    int row_too_long;

    /* Header: known column of each file column, and which known columns are present. */
    int *map;
    int n_file_columns;
    int *present;

    /* The row handed out. */
    const char **cells;
    ech_row row;
    int64_t rows;
};

/* ------------------------------------------------------------------------------
 * Names for messages
 * ------------------------------------------------------------------------------ */

void ech_csv_write_field(FILE *out, const char *text)
{
    size_t n = strlen(text);
    int quote = n > 0 && (text[0] == ' ' || text[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; ++i)
        quote = text[i] == ',' || text[i] == '"' || text[i] == '\n' || text[i] == '\r';
    if (!quote) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < n; ++i) {
        if (text[i] == '"')
            fputc('"', out);
        fputc(text[i], out);
    }
    fputc('"', out);
}

void ech_join_names(char *buf, size_t size, const char *const *names)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (int i = 0; names[i] && used < size; ++i) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void join_columns(char *buf, size_t size, const ech_csv_column *cols, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; ++i) {
        if (!cols[i].name)
            continue; /* not an input column */
        int k = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", cols[i].name);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* ------------------------------------------------------------------------------
 * libcsv callbacks
 * ------------------------------------------------------------------------------ */

static void on_cell(void *data, size_t len, void *ctx)
{
    ech_csv *r = ctx;
    if (len > 0 && memchr(data, '\0', len))
        r->nul_in_cell = 1;
    if (r->text_len + len > MAX_ROW_BYTES) {
        r->row_too_long = 1;
        len = 0;
    }
    if (r->text_len + len + 1 > r->text_cap) {
        size_t cap = r->text_cap ? r->text_cap : 256;
        while (cap < r->text_len + len + 1)
            cap *= 2;
        r->text = ech_xrealloc(r->text, cap, "CSV row text");
        r->text_cap = cap;
    }
    if (len > 0)
        memcpy(r->text + r->text_len, data, len);
    r->text[r->text_len + len] = '\0';
    if (r->n_cells == r->cells_cap) {
        r->cells_cap = r->cells_cap ? 2 * r->cells_cap : 16;
        r->cell_off =
            ech_xrealloc(r->cell_off, (size_t)r->cells_cap * sizeof *r->cell_off, "CSV row cells");
    }
    r->cell_off[r->n_cells++] = r->text_len;
    r->text_len += len + 1;
}

static void on_row_end(int terminator, void *ctx)
{
    (void)terminator;
    ech_csv *r = ctx;
    r->row_ready = 1;
    r->in_row = 0;
}

/* ------------------------------------------------------------------------------
 * Feeding the parser
 * ------------------------------------------------------------------------------ */

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* Reads the next physical line (up to and including '\n') into r->buf, at most
 * MAX_LINE_BYTES; returns its length, 0 at the end of the file, -1 on a read error
 * and -2 for a line that is too long. */
static ssize_t read_line(ech_csv *r)
{
    size_t n = 0;
    int c;
    while ((c = getc_unlocked(r->f)) != EOF) {
        if (n + 2 > r->buf_cap) {
            if (n >= MAX_LINE_BYTES)
                return -2;
            r->buf_cap = r->buf_cap ? 2 * r->buf_cap : 4096;
            r->buf = ech_xrealloc(r->buf, r->buf_cap, "CSV line");
        }
        r->buf[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (ferror(r->f))
        return -1;
    return (ssize_t)n;
}

/* Feeds one chunk: the rest of the current physical line, up to and including its
 * line end ("\n", "\r\n" or a lone "\r"). */
static ech_status feed_chunk(ech_csv *r, ech_error *err)
{
    if (r->buf_pos >= r->buf_len) {
        errno = 0;
        ssize_t n = read_line(r);
        if (n == -2)
            return ech_fail_at(err, r->path, r->line, NULL,
                               "the line is longer than %d bytes: is this a CSV text file?",
                               MAX_LINE_BYTES);
        if (n < 0)
            return ech_fail(err, ECH_ERR_INPUT, "%s: cannot read: %s", r->path,
                            strerror(errno ? errno : EIO));
        if (n == 0) {
            r->eof = 1;
            return ECH_OK;
        }
        r->buf_len = (size_t)n;
        r->buf_pos = 0;
        if (r->at_start) {
            r->at_start = 0;
            if (r->buf_len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
                r->buf_pos = 3;
        }
    }
    size_t start = r->buf_pos, end = start;
    int ends_line = 0;
    while (end < r->buf_len) {
        char c = r->buf[end++];
        if (c == '\n' || (c == '\r' && (end >= r->buf_len || r->buf[end] != '\n'))) {
            ends_line = 1;
            break;
        }
    }
    r->buf_pos = end;
    if (!r->in_row && !is_blank(r->buf + start, end - start)) {
        r->in_row = 1;
        r->row_line = r->line;
    }
    size_t used = csv_parse(&r->parser, r->buf + start, end - start, on_cell, on_row_end, r);
    if (used != end - start) {
        if (csv_error(&r->parser) == CSV_EPARSE)
            return ech_fail_at(err, r->path, r->line, NULL,
                               "bad quoting: a '\"' inside an unquoted cell or text after a "
                               "closing '\"' (quote the whole cell and double any '\"' in it)");
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: CSV parser: %s", r->path,
                        csv_strerror(csv_error(&r->parser)));
    }
    if (ends_line)
        r->line++;
    return ECH_OK;
}

/* Reads the next row's cells into r->text / r->cell_off; *got = 0 at the end. */
static ech_status read_raw_row(ech_csv *r, int *got, ech_error *err)
{
    r->text_len = 0;
    r->n_cells = 0;
    r->nul_in_cell = 0;
    r->row_too_long = 0;
    *got = 0;
    while (!r->row_ready) {
        if (r->finished)
            return ECH_OK;
        if (r->eof) {
            r->finished = 1;
            if (csv_fini(&r->parser, on_cell, on_row_end, r) != 0) {
                if (csv_error(&r->parser) == CSV_EPARSE)
                    return ech_fail_at(err, r->path, r->row_line, NULL,
                                       "a quoted cell is not closed (a '\"' is missing)");
                return ech_fail(err, ECH_ERR_RUNTIME, "%s: CSV parser: %s", r->path,
                                csv_strerror(csv_error(&r->parser)));
            }
            continue;
        }
        ech_status st = feed_chunk(r, err);
        if (st != ECH_OK)
            return st;
    }
    r->row_ready = 0;
    r->row.line = r->row_line;
    if (r->nul_in_cell)
        return ech_fail_at(err, r->path, r->row_line, NULL,
                           "the row contains a NUL byte (is this a text file?)");
    if (r->row_too_long)
        return ech_fail_at(err, r->path, r->row_line, NULL,
                           "the row is longer than %d bytes (a quote left open?)", MAX_ROW_BYTES);
    *got = 1;
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Opening, header, rows
 * ------------------------------------------------------------------------------ */

static ech_status read_header(ech_csv *r, ech_error *err)
{
    char known[1024];
    join_columns(known, sizeof known, r->columns, r->n_columns);
    int got;
    ech_status st = read_raw_row(r, &got, err);
    if (st != ECH_OK)
        return st;
    if (!got)
        return ech_fail_at(err, r->path, 0, NULL,
                           "the file is empty: a header line naming the columns is expected "
                           "(columns: %s)",
                           known);
    long line = r->row_line;
    r->n_file_columns = r->n_cells;
    r->map = ech_xmalloc((size_t)r->n_cells * sizeof *r->map, "CSV column map");
    for (int i = 0; i < r->n_cells; ++i) {
        const char *name = r->text + r->cell_off[i];
        if (name[0] == '\0')
            return ech_fail_at(err, r->path, line, NULL,
                               "column %d of the header has no name (columns: %s)", i + 1, known);
        int k = 0;
        while (k < r->n_columns && (!r->columns[k].name || strcmp(r->columns[k].name, name) != 0))
            ++k;
        if (k == r->n_columns)
            return ech_fail_at(err, r->path, line, name, "unknown column (known columns: %s)",
                               known);
        if (r->present[k])
            return ech_fail_at(err, r->path, line, name, "the column appears twice in the header");
        r->present[k] = 1;
        r->map[i] = k;
    }
    for (int k = 0; k < r->n_columns; ++k)
        if (r->columns[k].required && !r->present[k])
            return ech_fail_at(err, r->path, line, r->columns[k].name,
                               "required column is missing from the header");
    return ECH_OK;
}

ech_status ech_csv_open(ech_csv **out, const char *path, const ech_csv_column *columns,
                        int n_columns, ech_error *err)
{
    *out = NULL;
    /* Checked before opening: opening a FIFO would wait for a writer. */
    struct stat info;
    if (stat(path, &info) == 0 && !S_ISREG(info.st_mode))
        return ech_fail(err, ECH_ERR_INPUT, "%s: not a regular file (a CSV table must be a file)",
                        path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    ech_csv *r = ech_xcalloc(1, sizeof *r, "CSV reader");
    r->path = ech_xstrdup(path, "CSV path");
    r->f = f;
    r->columns = columns;
    r->n_columns = n_columns;
    r->at_start = 1;
    r->line = 1;
    r->present = ech_xcalloc((size_t)n_columns, sizeof *r->present, "CSV columns present");
    r->cells = ech_xcalloc((size_t)n_columns, sizeof *r->cells, "CSV row cells");
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(r->present);
        free(r->cells);
        free(r->path);
        fclose(f);
        free(r);
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: cannot start the CSV parser", path);
    }
    r->row.path = r->path;
    r->row.columns = columns;
    r->row.n_columns = n_columns;
    r->row.cell = r->cells;
    r->row.cell_line = NULL;
    r->row.field_prefix = NULL;

    ech_status st = read_header(r, err);
    if (st != ECH_OK) {
        ech_csv_close(r);
        return st;
    }
    *out = r;
    return ECH_OK;
}

ech_status ech_csv_next(ech_csv *r, const ech_row **row, ech_error *err)
{
    *row = NULL;
    int got;
    ech_status st = read_raw_row(r, &got, err);
    if (st != ECH_OK || !got)
        return st;
    if (r->n_cells != r->n_file_columns)
        return ech_fail_at(err, r->path, r->row_line, NULL,
                           "the row has %d cell%s but the header has %d column%s", r->n_cells,
                           r->n_cells == 1 ? "" : "s", r->n_file_columns,
                           r->n_file_columns == 1 ? "" : "s");
    for (int k = 0; k < r->n_columns; ++k)
        r->cells[k] = NULL;
    for (int i = 0; i < r->n_cells; ++i) {
        const char *text = r->text + r->cell_off[i];
        r->cells[r->map[i]] = text[0] ? text : NULL;
    }
    r->rows++;
    *row = &r->row;
    return ECH_OK;
}

int ech_csv_has_column(const ech_csv *r, int column)
{
    return column >= 0 && column < r->n_columns && r->present[column];
}

int64_t ech_csv_rows(const ech_csv *r)
{
    return r->rows;
}

const char *ech_csv_path(const ech_csv *r)
{
    return r->path;
}

void ech_csv_close(ech_csv *r)
{
    if (!r)
        return;
    csv_free(&r->parser);
    if (r->f)
        fclose(r->f);
    free(r->path);
    free(r->buf);
    free(r->text);
    free(r->cell_off);
    free(r->map);
    free(r->present);
    free(r->cells);
    free(r);
}

/* ------------------------------------------------------------------------------
 * Parsing numbers
 * ------------------------------------------------------------------------------ */

int ech_parse_int64(const char *text, int64_t *out)
{
    const char *p = text;
    if (!p || !*p)
        return ECH_PARSE_SYNTAX;
    if (*p == '+' || *p == '-')
        ++p;
    if (*p < '0' || *p > '9')
        return ECH_PARSE_SYNTAX;
    for (const char *q = p; *q; ++q)
        if (*q < '0' || *q > '9')
            return ECH_PARSE_SYNTAX;
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (*end != '\0')
        return ECH_PARSE_SYNTAX;
    if (errno == ERANGE)
        return ECH_PARSE_RANGE;
    *out = (int64_t)v;
    return ECH_PARSE_OK;
}

int ech_parse_int32(const char *text, int32_t *out)
{
    int64_t v;
    int rc = ech_parse_int64(text, &v);
    if (rc != ECH_PARSE_OK)
        return rc;
    if (v < INT32_MIN || v > INT32_MAX)
        return ECH_PARSE_RANGE;
    *out = (int32_t)v;
    return ECH_PARSE_OK;
}

int ech_parse_uint64(const char *text, uint64_t *out)
{
    const char *p = text;
    if (!p || !*p)
        return ECH_PARSE_SYNTAX;
    if (*p == '+')
        ++p;
    if (!*p)
        return ECH_PARSE_SYNTAX;
    for (const char *q = p; *q; ++q)
        if (*q < '0' || *q > '9')
            return ECH_PARSE_SYNTAX;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (*end != '\0')
        return ECH_PARSE_SYNTAX;
    if (errno == ERANGE)
        return ECH_PARSE_RANGE;
    *out = (uint64_t)v;
    return ECH_PARSE_OK;
}

int ech_parse_double(const char *text, double *out)
{
    if (!text || !*text)
        return ECH_PARSE_SYNTAX;
    /* strtod also reads "inf", "nan" and hexadecimal; none belongs in a scenario. */
    for (const char *q = text; *q; ++q)
        if (!((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
              *q == '-'))
            return ECH_PARSE_SYNTAX;
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return ECH_PARSE_SYNTAX;
    if (errno == ERANGE && fabs(v) == HUGE_VAL)
        return ECH_PARSE_RANGE;
    if (!isfinite(v))
        return ECH_PARSE_RANGE;
    *out = v;
    return ECH_PARSE_OK;
}

/* ------------------------------------------------------------------------------
 * Typed cells
 * ------------------------------------------------------------------------------ */

const char *ech_row_text(const ech_row *row, int column)
{
    const char *t = row->cell[column];
    return t && t[0] ? t : NULL;
}

long ech_row_line(const ech_row *row, int column)
{
    if (column >= 0 && row->cell_line && row->cell_line[column] > 0)
        return row->cell_line[column];
    return row->line;
}

ech_status ech_row_fail(const ech_row *row, int column, ech_error *err, const char *fmt, ...)
{
    char field[256] = "";
    if (column >= 0)
        snprintf(field, sizeof field, "%s%s", row->field_prefix ? row->field_prefix : "",
                 row->columns[column].name);
    char msg[ECH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ech_fail_at(err, row->path, ech_row_line(row, column), field, "%s", msg);
}

ech_status ech_row_require(const ech_row *row, int column, ech_error *err)
{
    if (ech_row_text(row, column))
        return ECH_OK;
    return ech_row_fail(row, column, err, "a value is required");
}

static void set_given(int *given, int v)
{
    if (given)
        *given = v;
}

/* An inline row of a scenario file is YAML, where "010" would be octal 8 to some
 * readers: a leading zero is refused there (in CSV files it is a decimal digit). */
static ech_status check_leading_zero(const ech_row *row, int column, const char *t, ech_error *err)
{
    const char *p = t + (t[0] == '+' || t[0] == '-');
    if (row->field_prefix && p[0] == '0' && p[1] >= '0' && p[1] <= '9')
        return ech_row_fail(row, column, err,
                            "'%s' has a leading zero: write the number without it (YAML 1.1 "
                            "reads a leading 0 as octal, so it is ambiguous)",
                            t);
    return ECH_OK;
}

/* An integer cell within [lo, hi] (the type's range: the tables check their own). */
static ech_status row_integer(const ech_row *row, int column, int64_t lo, int64_t hi, int64_t *out,
                              int *given, ech_error *err)
{
    const char *t = ech_row_text(row, column);
    set_given(given, 0);
    if (!t)
        return ECH_OK;
    int rc = ech_parse_int64(t, out);
    if (rc == ECH_PARSE_SYNTAX)
        return ech_row_fail(row, column, err, "'%s' is not an integer", t);
    ech_status st = check_leading_zero(row, column, t, err);
    if (st != ECH_OK)
        return st;
    if (rc == ECH_PARSE_RANGE || *out < lo || *out > hi)
        return ech_row_fail(row, column, err, "'%s' is out of range (at most %" PRId64 " in size)",
                            t, hi);
    set_given(given, 1);
    return ECH_OK;
}

ech_status ech_row_int(const ech_row *row, int column, int32_t *out, int *given, ech_error *err)
{
    int64_t v = 0;
    ech_status st = row_integer(row, column, INT32_MIN, INT32_MAX, &v, given, err);
    if (st == ECH_OK && ech_row_text(row, column))
        *out = (int32_t)v;
    return st;
}

ech_status ech_row_int64(const ech_row *row, int column, int64_t *out, int *given, ech_error *err)
{
    int64_t v = 0;
    ech_status st = row_integer(row, column, INT64_MIN, INT64_MAX, &v, given, err);
    if (st == ECH_OK && ech_row_text(row, column))
        *out = v;
    return st;
}

ech_status ech_row_double(const ech_row *row, int column, double *out, int *given, ech_error *err)
{
    const char *t = ech_row_text(row, column);
    set_given(given, 0);
    if (!t)
        return ECH_OK;
    int rc = ech_parse_double(t, out);
    if (rc == ECH_PARSE_SYNTAX)
        return ech_row_fail(row, column, err, "'%s' is not a number", t);
    if (rc == ECH_PARSE_RANGE)
        return ech_row_fail(row, column, err, "'%s' is out of range", t);
    set_given(given, 1);
    return ECH_OK;
}

ech_status ech_row_date(const ech_row *row, int column, int32_t *out, int *given, ech_error *err)
{
    const char *t = ech_row_text(row, column);
    set_given(given, 0);
    if (!t)
        return ECH_OK;
    if (ech_parse_date(t, out) != 0)
        return ech_row_fail(row, column, err, "'%s' is not a valid date (expected YYYY-MM-DD)", t);
    set_given(given, 1);
    return ECH_OK;
}

ech_status ech_row_choice(const ech_row *row, int column, const char *const *names, int *out,
                          int *given, ech_error *err)
{
    const char *t = ech_row_text(row, column);
    set_given(given, 0);
    if (!t)
        return ECH_OK;
    for (int i = 0; names[i]; ++i) {
        if (strcmp(names[i], t) == 0) {
            *out = i;
            set_given(given, 1);
            return ECH_OK;
        }
    }
    char list[512];
    ech_join_names(list, sizeof list, names);
    return ech_row_fail(row, column, err, "'%s' is not one of: %s", t, list);
}
