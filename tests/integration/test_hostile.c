/* Inputs a hostile or careless user could give that once hung, crashed or lied,
 * each refused with one message (or handled) in bounded time.  The cases a scenario
 * file can express are in tests/bad_input/ (test_bad_input.c); here are those that
 * need files made on the fly, and scenarios built in code that skip the loader's
 * checks, to show the layers below it do not hang or overflow either:
 *  - YAML nested 40,000 deep (80 KB): refused at once, memory and time linear;
 *  - a scenario or table that is a FIFO or a device, a CSV line that never ends;
 *  - a demand mean of 1e15 or a lognormal lead time with sd 1e300 reaching target
 *    resolution: refused, not an endless quantile search;
 *  - a unit cost of 1e308 reaching the engine: refused as bad input, not NaN;
 *  - a pack size of 2^31 - 1: refused, not a wrapped order;
 *  - ids with commas and quotes: the day-by-day trace quotes them, so it reads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/csv_reader.h"
#include "echelon/engine.h"
#include "echelon/policy.h"
#include "echelon/scenario_load.h"
#include "support_scenario.h"

#include <math.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void path_in_tmp(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    path_in_tmp(path, sizeof path, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads tmpdir/name and expects bad input with `want` in the message. */
static void expect_refused(const char *name, const char *want)
{
    char path[512];
    path_in_tmp(path, sizeof path, name);
    ech_scenario sc;
    ech_error err;
    double t0 = now();
    ech_status st = ech_scenario_load(path, NULL, &sc, &err);
    double took = now() - t0;
    print_message("%s (%.3f s): %s\n", name, took, err.msg);
    assert_int_equal(st, ECH_ERR_INPUT);
    if (!strstr(err.msg, want))
        fail_msg("%s: message lacks '%s': %s", name, want, err.msg);
    assert_true(took < 5.0);
}

static const char *HEAD = "name: hostile\nseed: 1\nreplications: 2\n"
                          "horizon: {start_date: 2027-01-04, days: 28}\n"
                          "suppliers:\n  - id: SUP\n    lead_time: {distribution: fixed, mean: 3}\n"
                          "network:\n  locations:\n    - {id: CW, kind: cw}\n"
                          "    - {id: PH1, kind: retail, parent: CW, lead_time_days: 1}\n";

static void test_deep_nesting(void **state)
{
    (void)state;
    enum { DEPTH = 40000 };
    size_t cap = strlen(HEAD) + 2 * DEPTH + 64;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap, "%sdescription: ", HEAD);
    for (int i = 0; i < DEPTH; ++i)
        text[n++] = '[';
    for (int i = 0; i < DEPTH; ++i)
        text[n++] = ']';
    text[n++] = '\n';
    text[n] = '\0';
    write_file("deep.yaml", text);
    free(text);
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    expect_refused("deep.yaml", "nested deeper than 64 levels");
    getrusage(RUSAGE_SELF, &after);
    /* Well under the 2.4 GB a path per entry took (maximum resident set, KiB). */
    assert_true(after.ru_maxrss - before.ru_maxrss < 200 * 1024);

    /* Wide instead of deep: 40,000 list entries of a key load in linear time. */
    cap = strlen(HEAD) + 8 * DEPTH + 128;
    text = malloc(cap);
    n = (size_t)snprintf(text, cap, "%soutput:\n  quantiles: [", HEAD);
    for (int i = 0; i < DEPTH; ++i)
        n += (size_t)snprintf(text + n, cap - n, "%s0.5", i ? ", " : "");
    n += (size_t)snprintf(text + n, cap - n,
                          "]\ncatalogue:\n  skus: [{id: A, unit_cost: 1, "
                          "unit_price: 2}]\n  assortment: [{sku: A, location: PH1, demand_mean: "
                          "1}]\n");
    write_file("wide.yaml", text);
    free(text);
    expect_refused("wide.yaml", "give 1 to 16 quantiles");
}

static void test_files_that_never_end(void **state)
{
    (void)state;
    char fifo[512], text[2048];
    path_in_tmp(fifo, sizeof fifo, "skus.fifo");
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(text, sizeof text, "%scatalogue:\n  skus_file: skus.fifo\n  assortment_file: a.csv\n",
             HEAD);
    write_file("fifo.yaml", text);
    write_file("a.csv", "sku,location,demand_mean\nA,PH1,1\n");
    expect_refused("fifo.yaml", "not a regular file");
    unlink(fifo);

    /* A scenario path that is a device. */
    ech_scenario sc;
    ech_error err;
    assert_int_equal(ech_scenario_load("/dev/zero", NULL, &sc, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "not a regular file"));

    /* A CSV whose second line never ends (2 MB without a line end). */
    size_t big = 2u << 20;
    char *line = malloc(big + 64);
    size_t n = (size_t)snprintf(line, 64, "id,unit_cost,unit_price\nA,1,");
    memset(line + n, '9', big);
    line[n + big] = '\0';
    write_file("long.csv", line);
    free(line);
    snprintf(text, sizeof text, "%scatalogue:\n  skus_file: long.csv\n  assortment_file: a.csv\n",
             HEAD);
    write_file("long.yaml", text);
    expect_refused("long.yaml", "long.csv:2: the line is longer than 1048576 bytes");
}

/* A single stage built in code (no loader checks). */
static void one_stage(ech_scenario *sc, ech_lead_time_dist dist, double lead_sd, double mean,
                      double cost, int32_t pack)
{
    ts_init(sc, 20, 5, 2, 3);
    int32_t sup = ts_add_supplier(sc, "S", dist, 4, lead_sd, 0, 30);
    int32_t loc = ts_add_location(sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(sc, "A", cost, 2.0 * cost, pack, sup);
    ts_add_skuloc(sc, sku, loc, ECH_DEMAND_POISSON, mean, 1, 0, ECH_POLICY_BASE_STOCK, 1, -1, -1);
    ech_error err;
    assert_int_equal(ech_scenario_finalize(sc, "code", &err), ECH_OK);
}

static void expect_resolve_refused(ech_scenario *sc, const char *want)
{
    ech_error err;
    double t0 = now();
    ech_status st = ech_policy_resolve(sc, &err);
    print_message("resolve (%.3f s): %s\n", now() - t0, err.msg);
    assert_int_equal(st, ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, want));
    assert_true(now() - t0 < 5.0);
}

static void test_targets_cannot_hang(void **state)
{
    (void)state;
    ech_scenario sc;
    one_stage(&sc, ECH_LT_FIXED, 0, 1e15, 1.0, 1);
    expect_resolve_refused(&sc, "its target would be");
    ech_scenario_free(&sc);

    one_stage(&sc, ECH_LT_LOGNORMAL, 1e300, 1.0, 1.0, 1);
    expect_resolve_refused(&sc, "SKU 'A' at 'P'");
    ech_scenario_free(&sc);

    /* A pack of 2^31 - 1 units: the SKU's order sizes cannot be counted. */
    one_stage(&sc, ECH_LT_FIXED, 0, 1.0, 1.0, INT32_MAX);
    expect_resolve_refused(&sc, "the engine can count");
    ech_scenario_free(&sc);
}

static void test_costs_beyond_totals(void **state)
{
    (void)state;
    ech_scenario sc;
    one_stage(&sc, ECH_LT_FIXED, 0, 2.0, 1e308, 1);
    ech_error err;
    assert_int_equal(ech_policy_resolve(&sc, &err), ECH_OK);
    ech_engine *e = ech_engine_new(&sc);
    double v[2 * ECH_KPI_COUNT];
    int64_t totals[2 * ECH_TOTAL_COUNT] = {0};
    ech_status st = ech_engine_run_sku(e, 0, 0, 0, 2, v, 2, totals, &err);
    print_message("engine: %s\n", err.msg);
    assert_int_equal(st, ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "beyond what the totals can hold"));
    ech_engine_free(e);
    ech_scenario_free(&sc);
}

/* Ids with a comma and a quote: every trace row reads back into its columns. */
static void test_trace_quotes_ids(void **state)
{
    (void)state;
    ech_scenario sc;
    ts_init(&sc, 5, 0, 1, 9);
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 1, 0, 1, 1);
    ts_add_location(&sc, "CW, \"main\"", ECH_LOC_CW, NULL, 0);
    ts_add_location(&sc, "P,1", ECH_LOC_RETAIL, "CW, \"main\"", 1);
    int32_t sku = ts_add_sku(&sc, "A,\"x\"", 1.0, 2.0, 1, sup);
    ts_add_skuloc(&sc, sku, 1, ECH_DEMAND_POISSON, 1.0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 4, -1);
    ts_finish(&sc);
    char path[512];
    path_in_tmp(path, sizeof path, "trace.csv");
    FILE *out = fopen(path, "w");
    ech_trace trace = {sku, 0, 0, out};
    ech_engine *e = ech_engine_new(&sc);
    ech_engine_set_trace(e, &trace);
    double v[2 * ECH_KPI_COUNT];
    ech_error err;
    assert_int_equal(ech_engine_run_sku(e, sku, 0, 0, 1, v, 1, NULL, &err), ECH_OK);
    ech_engine_free(e);
    fclose(out);

    static const ech_csv_column cols[] = {{"replication", 1}, {"day", 1},      {"date", 1},
                                          {"sku", 1},         {"location", 1}, {"on_hand", 1}};
    /* The trace has more columns than these: read it with all of its header. */
    FILE *f = fopen(path, "r");
    char header[1024];
    assert_non_null(fgets(header, sizeof header, f));
    fclose(f);
    ech_csv_column all[32];
    int n_cols = 0;
    for (char *tok = strtok(header, ",\n"); tok && n_cols < 32; tok = strtok(NULL, ",\n"))
        all[n_cols++] = (ech_csv_column){strdup(tok), 0};
    (void)cols;
    ech_csv *r;
    assert_int_equal(ech_csv_open(&r, path, all, n_cols, &err), ECH_OK);
    const ech_row *row;
    int rows = 0;
    while (ech_csv_next(r, &row, &err) == ECH_OK && row) {
        assert_string_equal(ech_row_text(row, 3), "A,\"x\"");
        const char *loc = ech_row_text(row, 4);
        assert_true(strcmp(loc, "CW, \"main\"") == 0 || strcmp(loc, "P,1") == 0);
        ++rows;
    }
    assert_int_equal(rows, 10); /* 5 days x 2 locations */
    ech_csv_close(r);
    for (int i = 0; i < n_cols; ++i)
        free((char *)all[i].name);
    ech_scenario_free(&sc);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/echelon-hostile-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deep_nesting),        cmocka_unit_test(test_files_that_never_end),
        cmocka_unit_test(test_targets_cannot_hang), cmocka_unit_test(test_costs_beyond_totals),
        cmocka_unit_test(test_trace_quotes_ids),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}
