/* The typed CSV reader: header mapping, line numbers, quoting, typed cells, errors. */
#include "echelon/csv_reader.h"
#include "echelon/scenario.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char tmpdir[] = "/tmp/echelon_csv_XXXXXX";

/* Writes `len` bytes to a file in the test directory; returns its path (static). */
static const char *write_file(const char *name, const char *text, size_t len)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

enum { COL_ID, COL_NAME, COL_QTY, COL_EXTRA, N_COLS };
static const ech_csv_column cols[N_COLS] = {{"id", 1}, {"name", 0}, {"qty", 0}, {"extra", 0}};

static void test_rows_lines_quoting_bom(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFname,id,qty\r\n"  /* 1: header after a BOM */
                       "\"Aspirin, 100 mg\",A1,5\r\n" /* 2 */
                       "\r\n"                         /* 3: blank, skipped */
                       "\"say \"\"hi\"\"\",A2,\r\n"   /* 4: empty qty */
                       "\"two\nlines\",A3,7\n"        /* 5-6 */
                       "   \n"                        /* 7: blank */
                       "B4,A4,8";                     /* 8: no final line end */
    const char *path = write_text("rows.csv", text);
    ech_csv *r;
    ech_error err;
    assert_int_equal(ech_csv_open(&r, path, cols, N_COLS, &err), ECH_OK);
    assert_true(ech_csv_has_column(r, COL_ID));
    assert_true(ech_csv_has_column(r, COL_QTY));
    assert_false(ech_csv_has_column(r, COL_EXTRA));

    const ech_row *row;
    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_non_null(row);
    assert_int_equal(row->line, 2);
    assert_string_equal(ech_row_text(row, COL_ID), "A1");
    assert_string_equal(ech_row_text(row, COL_NAME), "Aspirin, 100 mg");
    assert_null(ech_row_text(row, COL_EXTRA));
    int32_t q = -1;
    int given = 0;
    assert_int_equal(ech_row_int(row, COL_QTY, &q, &given, &err), ECH_OK);
    assert_int_equal(q, 5);
    assert_true(given);

    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(row->line, 4);
    assert_string_equal(ech_row_text(row, COL_NAME), "say \"hi\"");
    assert_null(ech_row_text(row, COL_QTY));
    q = 99;
    assert_int_equal(ech_row_int(row, COL_QTY, &q, &given, &err), ECH_OK);
    assert_int_equal(q, 99); /* untouched when empty */
    assert_false(given);

    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(row->line, 5);
    assert_string_equal(ech_row_text(row, COL_NAME), "two\nlines");

    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(row->line, 8);
    assert_string_equal(ech_row_text(row, COL_ID), "A4");

    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_null(row);
    assert_int_equal(ech_csv_rows(r), 4);
    ech_csv_close(r);
}

static void test_lone_cr_line_ends(void **state)
{
    (void)state;
    const char *path = write_text("cr.csv", "id,qty\rX,1\rY,2\r");
    ech_csv *r;
    ech_error err;
    assert_int_equal(ech_csv_open(&r, path, cols, N_COLS, &err), ECH_OK);
    const ech_row *row;
    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(row->line, 2);
    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(row->line, 3);
    assert_string_equal(ech_row_text(row, COL_ID), "Y");
    ech_csv_close(r);
}

/* Opens `text` and reads every row; returns the first failure's status. */
static ech_status read_all(const char *name, const char *text, size_t len, ech_error *err)
{
    const char *path = write_file(name, text, len);
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, cols, N_COLS, err);
    if (st != ECH_OK)
        return st;
    const ech_row *row;
    while ((st = ech_csv_next(r, &row, err)) == ECH_OK && row)
        ;
    ech_csv_close(r);
    return st;
}

static void expect_error(const char *name, const char *text, size_t len, const char *a,
                         const char *b)
{
    ech_error err;
    ech_error_clear(&err);
    ech_status st = read_all(name, text, len, &err);
    if (st != ECH_ERR_INPUT || !strstr(err.msg, a) || (b && !strstr(err.msg, b)))
        fail_msg("%s: status %d, message '%s', wanted '%s' and '%s'", name, st, err.msg, a,
                 b ? b : "");
}

/* Lengths from sizeof, so that a literal with an embedded NUL byte keeps it. */
#define EXPECT_ERROR(name, literal, a, b) expect_error(name, literal, sizeof(literal) - 1, a, b)

static void test_file_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("empty.csv", "", "empty.csv: the file is empty", "id, name, qty, extra");
    EXPECT_ERROR("blank.csv", "\n  \n\r\n", "blank.csv: the file is empty", NULL);
    EXPECT_ERROR("unknown.csv", "id,colour\nA,red\n", "unknown.csv:1: colour: unknown column",
                 "known columns: id, name, qty, extra");
    EXPECT_ERROR("twice.csv", "id,qty,id\nA,1,B\n", "twice.csv:1: id:", "appears twice");
    EXPECT_ERROR("noid.csv", "name,qty\nA,1\n", "noid.csv:1: id:", "required column is missing");
    EXPECT_ERROR("noname.csv", "id,,qty\nA,1,2\n",
                 "noname.csv:1:", "column 2 of the header has no name");
    EXPECT_ERROR("cells.csv", "id,qty\nA,1\nB,2,3\n",
                 "cells.csv:3:", "the row has 3 cells but the header has 2 columns");
    EXPECT_ERROR("short.csv", "id,qty\nA,1\n\nB\n", "short.csv:4:", "the row has 1 cell");
    EXPECT_ERROR("open.csv", "id,name\nA,ok\nB,\"not closed\nC,x\n",
                 "open.csv:3:", "a quoted cell is not closed");
    EXPECT_ERROR("quote.csv", "id,name\nA,ok\nB,say \"hi\"\n", "quote.csv:3:", "bad quoting");
    EXPECT_ERROR("after.csv", "id,name\n\"A\"x,ok\n", "after.csv:2:", "bad quoting");
    EXPECT_ERROR("nul.csv", "id,name\nA,a\0b\n", "nul.csv:2:", "NUL byte");

    ech_csv *r;
    ech_error err;
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no_such_file.csv", tmpdir);
    assert_int_equal(ech_csv_open(&r, missing, cols, N_COLS, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "no_such_file.csv: cannot open"));
}

static void test_parse_numbers(void **state)
{
    (void)state;
    int32_t i32;
    int64_t i64;
    uint64_t u64;
    double d;
    assert_int_equal(ech_parse_int32("12", &i32), ECH_PARSE_OK);
    assert_int_equal(i32, 12);
    assert_int_equal(ech_parse_int32("-7", &i32), ECH_PARSE_OK);
    assert_int_equal(i32, -7);
    assert_int_equal(ech_parse_int32("+3", &i32), ECH_PARSE_OK);
    assert_int_equal(i32, 3);
    assert_int_equal(ech_parse_int32("-2147483648", &i32), ECH_PARSE_OK);
    assert_int_equal(i32, INT32_MIN);
    assert_int_equal(ech_parse_int32("2147483648", &i32), ECH_PARSE_RANGE);
    assert_int_equal(ech_parse_int64("99999999999999999999", &i64), ECH_PARSE_RANGE);
    const char *not_int[] = {"", "12x", " 12", "12 ", "1.0", "1e3", "0x10", "-", "+", "--1", NULL};
    for (int k = 0; not_int[k]; ++k)
        if (ech_parse_int32(not_int[k], &i32) != ECH_PARSE_SYNTAX)
            fail_msg("'%s' was accepted as an integer", not_int[k]);

    assert_int_equal(ech_parse_uint64("18446744073709551615", &u64), ECH_PARSE_OK);
    assert_true(u64 == UINT64_MAX);
    assert_int_equal(ech_parse_uint64("18446744073709551616", &u64), ECH_PARSE_RANGE);
    assert_int_equal(ech_parse_uint64("-1", &u64), ECH_PARSE_SYNTAX);

    assert_int_equal(ech_parse_double("1.5", &d), ECH_PARSE_OK);
    assert_true(d == 1.5);
    assert_int_equal(ech_parse_double("-2.5e-3", &d), ECH_PARSE_OK);
    assert_true(d == -2.5e-3);
    assert_int_equal(ech_parse_double(".5", &d), ECH_PARSE_OK);
    assert_true(d == 0.5);
    assert_int_equal(ech_parse_double("1e-400", &d), ECH_PARSE_OK); /* underflow reads as 0 */
    assert_int_equal(ech_parse_double("1e400", &d), ECH_PARSE_RANGE);
    assert_int_equal(ech_parse_double("-1e400", &d), ECH_PARSE_RANGE);
    const char *not_num[] = {"",   "abc", "1,5", "inf", "nan", "0x1p3",
                             "1e", "12x", " 1",  ".",   "--1", NULL};
    for (int k = 0; not_num[k]; ++k)
        if (ech_parse_double(not_num[k], &d) != ECH_PARSE_SYNTAX)
            fail_msg("'%s' was accepted as a number", not_num[k]);
}

/* Typed getters on a row built by hand, as the scenario loader does for inline rows. */
static void test_row_getters(void **state)
{
    (void)state;
    enum { C_N, C_X, C_DATE, C_KIND, C_EMPTY, N };
    static const ech_csv_column c[N] = {{"n", 0}, {"x", 0}, {"date", 0}, {"kind", 0}, {"empty", 0}};
    const char *cells[N] = {"42", "2.5", "2027-01-04", "dc", ""};
    long lines[N] = {10, 11, 12, 13, 0};
    ech_row row = {.path = "s.yaml",
                   .line = 9,
                   .columns = c,
                   .n_columns = N,
                   .cell = cells,
                   .cell_line = lines,
                   .field_prefix = "network.locations[2]."};
    ech_error err;
    int32_t n = 0, date = 0;
    double x = 0;
    int kind = -1, given = -1;
    static const char *const kinds[] = {"cw", "dc", "retail", NULL};
    assert_int_equal(ech_row_int(&row, C_N, &n, &given, &err), ECH_OK);
    assert_int_equal(n, 42);
    assert_int_equal(ech_row_double(&row, C_X, &x, NULL, &err), ECH_OK);
    assert_true(x == 2.5);
    assert_int_equal(ech_row_date(&row, C_DATE, &date, NULL, &err), ECH_OK);
    int32_t expect;
    assert_int_equal(ech_parse_date("2027-01-04", &expect), 0);
    assert_int_equal(date, expect);
    assert_int_equal(ech_row_choice(&row, C_KIND, kinds, &kind, &given, &err), ECH_OK);
    assert_int_equal(kind, 1);
    assert_true(given);
    assert_null(ech_row_text(&row, C_EMPTY));
    assert_int_equal(ech_row_line(&row, C_EMPTY), 9); /* no line of its own: the row's */

    /* Errors name the file, the cell's own line and the prefixed column. */
    assert_int_equal(ech_row_require(&row, C_EMPTY, &err), ECH_ERR_INPUT);
    assert_string_equal(err.msg, "s.yaml:9: network.locations[2].empty: a value is required");
    assert_int_equal(ech_row_int(&row, C_X, &n, NULL, &err), ECH_ERR_INPUT);
    assert_string_equal(err.msg, "s.yaml:11: network.locations[2].x: '2.5' is not an integer");
    assert_int_equal(ech_row_double(&row, C_DATE, &x, NULL, &err), ECH_ERR_INPUT);
    assert_non_null(
        strstr(err.msg, "s.yaml:12: network.locations[2].date: '2027-01-04' is not a number"));
    assert_int_equal(ech_row_date(&row, C_KIND, &date, NULL, &err), ECH_ERR_INPUT);
    assert_non_null(
        strstr(err.msg, "s.yaml:13: network.locations[2].kind: 'dc' is not a valid date"));
    static const char *const other[] = {"a", "b", NULL};
    assert_int_equal(ech_row_choice(&row, C_KIND, other, &kind, NULL, &err), ECH_ERR_INPUT);
    assert_string_equal(err.msg, "s.yaml:13: network.locations[2].kind: 'dc' is not one of: a, b");
    assert_int_equal(ech_row_fail(&row, -1, &err, "whole row %d", 1), ECH_ERR_INPUT);
    assert_string_equal(err.msg, "s.yaml:9: whole row 1");
}

/* A cell that overflows int32 names the column and the row's line. */
static void test_cell_errors_in_file(void **state)
{
    (void)state;
    const char *path = write_text("typed.csv", "id,qty\nA,1\nB,3000000000\nC,1e400\n");
    ech_csv *r;
    ech_error err;
    assert_int_equal(ech_csv_open(&r, path, cols, N_COLS, &err), ECH_OK);
    const ech_row *row;
    int32_t q;
    double d;
    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(ech_row_int(row, COL_QTY, &q, NULL, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "typed.csv:3: qty: '3000000000' is out of range"));
    assert_int_equal(ech_csv_next(r, &row, &err), ECH_OK);
    assert_int_equal(ech_row_double(row, COL_QTY, &d, NULL, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "typed.csv:4: qty: '1e400' is out of range"));
    ech_csv_close(r);
}

/* Long cells and many rows go through the buffers' growth paths. */
static void test_large_file(void **state)
{
    (void)state;
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)sprintf(text + len, "id,name,qty\n");
    for (int i = 0; i < 5000; ++i)
        len += (size_t)sprintf(text + len, "S%05d,%s,%d\n", i, i == 1234 ? "" : "name", i);
    /* One cell of 10,000 characters. */
    len += (size_t)sprintf(text + len, "LONG,\"");
    memset(text + len, 'x', 10000);
    len += 10000;
    len += (size_t)sprintf(text + len, "\",1\n");
    const char *path = write_file("large.csv", text, len);
    free(text);

    ech_csv *r;
    ech_error err;
    assert_int_equal(ech_csv_open(&r, path, cols, N_COLS, &err), ECH_OK);
    const ech_row *row;
    int64_t k = 0;
    while (ech_csv_next(r, &row, &err) == ECH_OK && row) {
        if (k < 5000) {
            int32_t q;
            assert_int_equal(ech_row_int(row, COL_QTY, &q, NULL, &err), ECH_OK);
            assert_int_equal(q, k);
            assert_int_equal(row->line, k + 2);
            if (k == 1234)
                assert_null(ech_row_text(row, COL_NAME));
        } else {
            assert_int_equal(strlen(ech_row_text(row, COL_NAME)), 10000);
        }
        ++k;
    }
    assert_int_equal(k, 5001);
    ech_csv_close(r);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_lines_quoting_bom),
        cmocka_unit_test(test_lone_cr_line_ends),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_parse_numbers),
        cmocka_unit_test(test_row_getters),
        cmocka_unit_test(test_cell_errors_in_file),
        cmocka_unit_test(test_large_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
