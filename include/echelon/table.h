/* Tables declared once: the columns of the catalogue, the SKU-locations, the network
 * and each variant's resolved policy.
 *
 * A table is a structure of arrays, one array per column, all of the table's row
 * count.  Its columns are listed once, as an X-macro in scenario.h, with everything
 * the program needs to know about each: its C type, the name users write in CSV
 * headers and inline rows, the name of its dataset in the results file, its
 * default, the range a given value must lie in, the words of an enumeration, its
 * units and what it means.  From that one list come
 *   - the struct fields (scenario.h),
 *   - allocation with defaults, growth, freeing (ech_table_alloc, _reserve, _free),
 *   - the copy of a row when the loader sorts the assortment (ech_table_copy_row),
 *   - CSV and inline-row parsing with range checks (ech_table_read_row),
 *   - the results file's columns with units and descriptions (output.c),
 *   - the value ranges in the resolved scenario text,
 * so a new column is one line in scenario.h plus the code that uses it (and its
 * documentation in scenarios/README.md).
 */
#ifndef ECHELON_TABLE_H
#define ECHELON_TABLE_H

#include "echelon/csv_reader.h"
#include "echelon/enums.h"
#include "echelon/error.h"

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Storage types of columns.  NONE: an input column with no array of its own (the
 * loader reads it into another column, as alt_supplier into alt_site). */
typedef enum ech_col_type {
    ECH_COL_NONE,
    ECH_COL_TEXT, /* char *: owned strings */
    ECH_COL_U8,   /* uint8_t: enumerations (with `values`) and flags */
    ECH_COL_I32,
    ECH_COL_I64,
    ECH_COL_U64,
    ECH_COL_F64,
} ech_col_type;

/* Column flags. */
enum {
    ECH_COL_REQUIRED = 1 << 0, /* every row must give a value (and a CSV header the column) */
    ECH_COL_CUSTOM = 1 << 1,   /* read by the table's row function (references by id, values
                                * whose rules depend on other columns), not generically */
    ECH_COL_DERIVED = 1 << 2,  /* computed after loading; not an input, not copied by sorts */
    ECH_COL_LO_OPEN = 1 << 3,  /* a given value must be > lo (not >= lo) */
    ECH_COL_HI_OPEN = 1 << 4,  /* a given value must be < hi (not <= hi) */
};

typedef struct ech_column {
    const char *field; /* the struct field */
    ech_col_type type;
    const char *input; /* CSV column and inline key; NULL: not an input */
    const char *h5;    /* dataset name in the results file; NULL: not written */
    unsigned flags;
    double def;             /* value of a row that gives none (TEXT: NULL) */
    double lo, hi;          /* range of a given value (numbers and enumerations) */
    const ech_enum *values; /* enumerations: the words users write; else NULL */
    const char *units;      /* "unit", "day", "currency/unit", "1" ... */
    const char *description;
    size_t offset; /* offsetof(the table struct, field) */
} ech_column;

typedef struct ech_table {
    const char *name; /* "catalogue", "assortment", "locations", "variant policy" */
    const char *row;  /* what a row is, for messages: "SKU", "SKU-location" */
    int n_columns;
    const ech_column *column;
    const ech_csv_column *csv; /* n_columns entries: input names (NULL for non-inputs) */
} ech_table;

extern const ech_table ech_catalogue_table, ech_skuloc_table, ech_network_table,
    ech_variant_policy_table;

/* The array of column c in a table struct (`table` points at the struct). */
static inline void *ech_table_array(const ech_table *t, const void *table, int c)
{
    return *(void *const *)((const char *)table + t->column[c].offset);
}

/* Allocates every column for n rows (at least one element each), filled with the
 * columns' defaults.  The struct's arrays must be unallocated (NULL). */
void ech_table_alloc(const ech_table *t, void *table, int64_t n);

/* Makes room for at least `need` rows, growing geometrically from *cap (the rows
 * allocated now); new rows hold the defaults.  Works on a zeroed struct too. */
void ech_table_reserve(const ech_table *t, void *table, int64_t need, int64_t *cap);

/* Frees every column (the strings of TEXT columns of the first n rows too) and sets
 * the arrays to NULL. */
void ech_table_free(const ech_table *t, void *table, int64_t n);

/* Sets row i of every column (or of the input columns only) to its default. */
void ech_table_set_defaults(const ech_table *t, void *table, int64_t i);

/* Copies row j of `src` to row i of `dst` (input and non-derived columns; strings
 * are duplicated). */
void ech_table_copy_row(const ech_table *t, void *dst, int64_t i, const void *src, int64_t j);

/* A whole copy of the first n rows of every column, derived ones included, into a
 * table allocated with ech_table_alloc(t, dst, n) (strings are duplicated). */
void ech_table_copy(const ech_table *t, void *dst, const void *src, int64_t n);

/* Reads the generic columns of a row (inputs that are neither CUSTOM nor TEXT nor
 * NONE) into row i: each given cell is parsed (integers, decimals or an
 * enumeration's words), checked against the column's range and stored; an empty
 * cell keeps the default, and fails if the column is REQUIRED.  Messages name the
 * row's file, line and column with the allowed range and units. */
ech_status ech_table_read_row(const ech_table *t, void *table, int64_t i, const ech_row *row,
                              ech_error *err);

/* Checks one value against column c's range; fails with the row's place. */
ech_status ech_table_check_value(const ech_table *t, int c, double v, const ech_row *row,
                                 ech_error *err);

/* Writes "must be between LO and HI UNITS" (or "> LO", "in [LO, HI)") for column c. */
void ech_table_range_text(const ech_table *t, int c, char *buf, size_t size);

/* Writes a Markdown table of the input columns of a table: name, whether required,
 * type, default, allowed values and meaning (the reference in scenarios/README.md
 * is this output, checked by the test suite). */
void ech_table_write_markdown(FILE *out, const ech_table *t);

/* The column whose field is `field`, or -1. */
int ech_table_find(const ech_table *t, const char *field);

#ifdef __cplusplus
}
#endif

#endif
