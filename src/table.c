/* Tables declared once; see include/echelon/table.h and the column lists in
 * include/echelon/scenario.h. */
#include "echelon/table.h"
#include "echelon/scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * The descriptors, made from the column lists
 * ------------------------------------------------------------------------------ */

#define OFFSET_NONE(S, f) 0
#define OFFSET_TEXT(S, f) offsetof(S, f)
#define OFFSET_U8(S, f) offsetof(S, f)
#define OFFSET_I32(S, f) offsetof(S, f)
#define OFFSET_I64(S, f) offsetof(S, f)
#define OFFSET_U64(S, f) offsetof(S, f)
#define OFFSET_F64(S, f) offsetof(S, f)

#define CSV_COLUMN(field, type, input, h5, flags, def, lo, hi, values, units, desc) \
    {input, ((flags)&ECH_COL_REQUIRED) != 0},

#define DESCRIBE_NETWORK(field, type, input, h5, flags, def, lo, hi, values, units, desc) \
    {#field, ECH_COL_##type,                                                              \
     input,  h5,                                                                          \
     flags,  def,                                                                         \
     lo,     hi,                                                                          \
     values, units,                                                                       \
     desc,   OFFSET_##type(ech_network, field)},
#define CATALOGUE_COLUMN(field, type, input, h5, flags, def, lo, hi, values, units, desc) \
    {#field, ECH_COL_##type,                                                              \
     input,  h5,                                                                          \
     flags,  def,                                                                         \
     lo,     hi,                                                                          \
     values, units,                                                                       \
     desc,   OFFSET_##type(ech_catalogue, field)},
#define SKULOC_COLUMN(field, type, input, h5, flags, def, lo, hi, values, units, desc) \
    {#field, ECH_COL_##type,                                                           \
     input,  h5,                                                                       \
     flags,  def,                                                                      \
     lo,     hi,                                                                       \
     values, units,                                                                    \
     desc,   OFFSET_##type(ech_skulocs, field)},
#define VARIANT_COLUMN(field, type, input, h5, flags, def, lo, hi, values, units, desc) \
    {#field, ECH_COL_##type,                                                            \
     input,  h5,                                                                        \
     flags,  def,                                                                       \
     lo,     hi,                                                                        \
     values, units,                                                                     \
     desc,   OFFSET_##type(ech_variant, field)},

static const ech_column network_columns[] = {ECH_NETWORK_COLUMNS(DESCRIBE_NETWORK)};
static const ech_column catalogue_columns[] = {ECH_CATALOGUE_COLUMNS(CATALOGUE_COLUMN)};
static const ech_column skuloc_columns[] = {ECH_SKULOC_COLUMNS(SKULOC_COLUMN)};
static const ech_column variant_columns[] = {ECH_VARIANT_POLICY_COLUMNS(VARIANT_COLUMN)};

static const ech_csv_column network_csv[] = {ECH_NETWORK_COLUMNS(CSV_COLUMN)};
static const ech_csv_column catalogue_csv[] = {ECH_CATALOGUE_COLUMNS(CSV_COLUMN)};
static const ech_csv_column skuloc_csv[] = {ECH_SKULOC_COLUMNS(CSV_COLUMN)};
static const ech_csv_column variant_csv[] = {ECH_VARIANT_POLICY_COLUMNS(CSV_COLUMN)};

#define COUNT(a) ((int)(sizeof a / sizeof a[0]))
const ech_table ech_network_table = {"locations", "location", COUNT(network_columns),
                                     network_columns, network_csv};
const ech_table ech_catalogue_table = {"catalogue", "SKU", COUNT(catalogue_columns),
                                       catalogue_columns, catalogue_csv};
const ech_table ech_skuloc_table = {"assortment", "SKU-location", COUNT(skuloc_columns),
                                    skuloc_columns, skuloc_csv};
const ech_table ech_variant_policy_table = {"variant policy", "SKU-location",
                                            COUNT(variant_columns), variant_columns, variant_csv};

/* ------------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------------ */

static size_t elem_size(ech_col_type type)
{
    switch (type) {
    case ECH_COL_TEXT: return sizeof(char *);
    case ECH_COL_U8: return sizeof(uint8_t);
    case ECH_COL_I32: return sizeof(int32_t);
    case ECH_COL_I64: return sizeof(int64_t);
    case ECH_COL_U64: return sizeof(uint64_t);
    case ECH_COL_F64: return sizeof(double);
    default: return 0;
    }
}

static void **slot(const ech_table *t, void *table, int c)
{
    return (void **)((char *)table + t->column[c].offset);
}

/* Stores column c's default in rows [from, to). */
static void fill_defaults(const ech_column *col, void *array, int64_t from, int64_t to)
{
    for (int64_t i = from; i < to; ++i) {
        switch (col->type) {
        case ECH_COL_TEXT: ((char **)array)[i] = NULL; break;
        case ECH_COL_U8: ((uint8_t *)array)[i] = (uint8_t)col->def; break;
        case ECH_COL_I32: ((int32_t *)array)[i] = (int32_t)col->def; break;
        case ECH_COL_I64: ((int64_t *)array)[i] = (int64_t)col->def; break;
        case ECH_COL_U64: ((uint64_t *)array)[i] = (uint64_t)col->def; break;
        case ECH_COL_F64: ((double *)array)[i] = col->def; break;
        default: break;
        }
    }
}

void ech_table_alloc(const ech_table *t, void *table, int64_t n)
{
    int64_t cap = 0;
    for (int c = 0; c < t->n_columns; ++c)
        if (t->column[c].type != ECH_COL_NONE)
            *slot(t, table, c) = NULL;
    ech_table_reserve(t, table, n > 0 ? n : 1, &cap);
}

void ech_table_reserve(const ech_table *t, void *table, int64_t need, int64_t *cap)
{
    if (need <= *cap)
        return;
    int64_t grown = *cap ? 2 * *cap : 64;
    if (grown < need)
        grown = need;
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        size_t es = elem_size(col->type);
        if (!es)
            continue;
        char what[96];
        snprintf(what, sizeof what, "%s column %s", t->name, col->field);
        void **p = slot(t, table, c);
        *p = ech_xrealloc(*p, (size_t)grown * es, what);
        fill_defaults(col, *p, *cap, grown);
    }
    *cap = grown;
}

void ech_table_free(const ech_table *t, void *table, int64_t n)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (col->type == ECH_COL_NONE)
            continue;
        void **p = slot(t, table, c);
        if (col->type == ECH_COL_TEXT && *p)
            for (int64_t i = 0; i < n; ++i)
                free(((char **)*p)[i]);
        free(*p);
        *p = NULL;
    }
}

void ech_table_set_defaults(const ech_table *t, void *table, int64_t i)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (col->type == ECH_COL_NONE)
            continue;
        void *a = *slot(t, table, c);
        if (col->type == ECH_COL_TEXT) {
            free(((char **)a)[i]);
        }
        fill_defaults(col, a, i, i + 1);
    }
}

void ech_table_copy_row(const ech_table *t, void *dst, int64_t i, const void *src, int64_t j)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        size_t es = elem_size(col->type);
        if (!es || (col->flags & ECH_COL_DERIVED))
            continue;
        char *to = *slot(t, dst, c);
        const char *from = *(void *const *)((const char *)src + col->offset);
        if (col->type == ECH_COL_TEXT) {
            const char *s = ((char *const *)from)[j];
            ((char **)to)[i] = s ? ech_xstrdup(s, "table text") : NULL;
        } else {
            memcpy(to + (size_t)i * es, from + (size_t)j * es, es);
        }
    }
}

void ech_table_copy(const ech_table *t, void *dst, const void *src, int64_t n)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        size_t es = elem_size(col->type);
        const char *from = *(void *const *)((const char *)src + col->offset);
        if (!es || !from)
            continue;
        char *to = *slot(t, dst, c);
        if (col->type == ECH_COL_TEXT) {
            for (int64_t i = 0; i < n; ++i) {
                const char *s = ((char *const *)from)[i];
                free(((char **)to)[i]);
                ((char **)to)[i] = s ? ech_xstrdup(s, "table text") : NULL;
            }
        } else {
            memcpy(to, from, (size_t)n * es);
        }
    }
}

int ech_table_find(const ech_table *t, const char *field)
{
    for (int c = 0; c < t->n_columns; ++c)
        if (strcmp(t->column[c].field, field) == 0)
            return c;
    return -1;
}

/* ------------------------------------------------------------------------------
 * Reading rows
 * ------------------------------------------------------------------------------ */

/* %g, but whole numbers in full ("1000000000", not "1e+09"). */
static void number_text(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%g", v);
}

void ech_table_range_text(const ech_table *t, int c, char *buf, size_t size)
{
    const ech_column *col = &t->column[c];
    if (col->values) {
        char list[256];
        /* The words of the values the column accepts (lo..hi). */
        size_t used = 0;
        list[0] = '\0';
        for (int v = (int)col->lo; v <= (int)col->hi && v < col->values->count; ++v) {
            int m = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                             col->values->words[v]);
            used += m > 0 && (size_t)m < sizeof list - used ? (size_t)m : 0;
        }
        snprintf(buf, size, "one of: %s", list);
        return;
    }
    char lo[32], hi[32];
    number_text(col->lo, lo, sizeof lo);
    number_text(col->hi, hi, sizeof hi);
    /* Units after a number read as plurals ("between 0 and 100 units"). */
    const char *units =
        col->units && col->units[0] && strcmp(col->units, "1") != 0 ? col->units : "";
    if (strcmp(units, "unit") == 0)
        units = "units";
    else if (strcmp(units, "day") == 0)
        units = "days";
    else if (strcmp(units, "litre") == 0)
        units = "litres";
    else if (strcmp(units, "unit/day") == 0)
        units = "units a day";
    else if (strcmp(units, "1/year") == 0)
        units = "per year";
    else if (strcmp(units, "currency/unit") == 0)
        units = "(currency per unit)";
    int lo_open = (col->flags & ECH_COL_LO_OPEN) != 0,
        hi_open = (col->flags & ECH_COL_HI_OPEN) != 0;
    if (!lo_open && !hi_open)
        snprintf(buf, size, "must be between %s and %s%s%s", lo, hi, units[0] ? " " : "", units);
    else
        snprintf(buf, size, "must be in %s%s, %s%s%s%s", lo_open ? "(" : "[", lo, hi,
                 hi_open ? ")" : "]", units[0] ? " " : "", units);
}

static int in_range(const ech_column *col, double v)
{
    if (!(col->flags & ECH_COL_LO_OPEN) ? !(v >= col->lo) : !(v > col->lo))
        return 0;
    if (!(col->flags & ECH_COL_HI_OPEN) ? !(v <= col->hi) : !(v < col->hi))
        return 0;
    return 1;
}

ech_status ech_table_check_value(const ech_table *t, int c, double v, const ech_row *row,
                                 ech_error *err)
{
    if (in_range(&t->column[c], v))
        return ECH_OK;
    char range[320];
    ech_table_range_text(t, c, range, sizeof range);
    const char *text = ech_row_text(row, c);
    if (text)
        return ech_row_fail(row, c, err, "%s, got %s", range, text);
    return ech_row_fail(row, c, err, "%s, got %g", range, v);
}

/* Parses one given cell of a generic column into row i. */
static ech_status read_cell(const ech_table *t, void *table, int64_t i, int c, const ech_row *row,
                            ech_error *err)
{
    const ech_column *col = &t->column[c];
    const char *text = ech_row_text(row, c);
    void *a = *slot(t, table, c);
    ech_status st;
    if (col->values) {
        int v = ech_enum_parse(col->values, text);
        if (v < 0 || !in_range(col, v)) {
            char range[320];
            ech_table_range_text(t, c, range, sizeof range);
            return ech_row_fail(row, c, err, "'%s' is not %s", text, range);
        }
        ((uint8_t *)a)[i] = (uint8_t)v;
        return ECH_OK;
    }
    if (col->type == ECH_COL_F64) {
        double v = 0.0;
        if ((st = ech_row_double(row, c, &v, NULL, err)) != ECH_OK)
            return st;
        if ((st = ech_table_check_value(t, c, v, row, err)) != ECH_OK)
            return st;
        ((double *)a)[i] = v;
        return ECH_OK;
    }
    int64_t v = 0;
    if ((st = ech_row_int64(row, c, &v, NULL, err)) != ECH_OK)
        return st;
    if ((st = ech_table_check_value(t, c, (double)v, row, err)) != ECH_OK)
        return st;
    switch (col->type) {
    case ECH_COL_U8: ((uint8_t *)a)[i] = (uint8_t)v; break;
    case ECH_COL_I32: ((int32_t *)a)[i] = (int32_t)v; break;
    case ECH_COL_I64: ((int64_t *)a)[i] = v; break;
    case ECH_COL_U64: ((uint64_t *)a)[i] = (uint64_t)v; break;
    default: break;
    }
    return ECH_OK;
}

ech_status ech_table_read_row(const ech_table *t, void *table, int64_t i, const ech_row *row,
                              ech_error *err)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->input || (col->flags & (ECH_COL_CUSTOM | ECH_COL_DERIVED)) ||
            col->type == ECH_COL_TEXT || col->type == ECH_COL_NONE)
            continue;
        ech_status st;
        if (!ech_row_text(row, c)) {
            if ((col->flags & ECH_COL_REQUIRED) && (st = ech_row_require(row, c, err)) != ECH_OK)
                return st;
            continue;
        }
        if ((st = read_cell(t, table, i, c, row, err)) != ECH_OK)
            return st;
    }
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Documentation
 * ------------------------------------------------------------------------------ */

static const char *type_word(const ech_column *col)
{
    if (col->values)
        return "word";
    switch (col->type) {
    case ECH_COL_TEXT: return "text";
    case ECH_COL_F64: return "number";
    case ECH_COL_NONE: return "text";
    default: return (col->flags & ECH_COL_CUSTOM) && col->lo == col->hi ? "id" : "integer";
    }
}

void ech_table_write_markdown(FILE *out, const ech_table *t)
{
    fprintf(out, "| column | required | type | default | allowed | meaning |\n");
    fprintf(out, "|---|---|---|---|---|---|\n");
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->input)
            continue;
        char def[64] = "", allowed[320] = "";
        int reference = (col->flags & ECH_COL_CUSTOM) && col->lo == col->hi && !col->values;
        if (col->flags & ECH_COL_REQUIRED)
            snprintf(def, sizeof def, "%s", "");
        else if ((col->type == ECH_COL_F64 && isnan(col->def)) ||
                 (col->values && (col->def < col->lo || col->def > col->hi)))
            snprintf(def, sizeof def, "(see meaning)");
        else if (col->values && (int)col->def < col->values->count)
            snprintf(def, sizeof def, "`%s`", col->values->words[(int)col->def]);
        else if (col->values || col->type == ECH_COL_TEXT || col->type == ECH_COL_NONE ||
                 reference || (col->flags & ECH_COL_REQUIRED))
            snprintf(def, sizeof def, "%s", "");
        else if (col->def < col->lo || col->def > col->hi) /* a sentinel: the meaning says */
            snprintf(def, sizeof def, "(see meaning)");
        else
            number_text(col->def, def, sizeof def);
        if (!reference && col->type != ECH_COL_TEXT && col->type != ECH_COL_NONE) {
            ech_table_range_text(t, c, allowed, sizeof allowed);
            /* "must be between 0 and 10" reads as "0 .. 10" in a table. */
            const char *p = allowed;
            if (strncmp(p, "must be ", 8) == 0)
                p += 8;
            memmove(allowed, p, strlen(p) + 1);
        }
        fprintf(out, "| `%s` | %s | %s | %s | %s | %s |\n", col->input,
                (col->flags & ECH_COL_REQUIRED) ? "yes" : "", type_word(col), def, allowed,
                col->description);
    }
}
