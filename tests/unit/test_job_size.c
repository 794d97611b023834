/* Job sizing (job_size.h) and the batch job's end (job_end.h): the prediction's
 * heaviest rank and memory are the work plan's own, the calibration measures a
 * positive rate and compresses the sample below its raw size, and squeue's time
 * format is read (anything else is no end). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "echelon/job_end.h"
#include "echelon/job_size.h"
#include "echelon/kpi.h"
#include "support_scenario.h"

/* A CW and `pharmacies` pharmacies; SKU k is stocked at stocked[k] of them. */
static void size_case(ech_scenario *sc, int32_t pharmacies, const int32_t *stocked, int32_t n_sku,
                      int64_t reps)
{
    ts_init(sc, 30, 5, reps, 1);
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, 2, 0, 2, 2);
    ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    char id[32];
    for (int32_t p = 0; p < pharmacies; ++p) {
        snprintf(id, sizeof id, "P%03d", (int)p);
        ts_add_location(sc, id, ECH_LOC_RETAIL, "CW", 1);
    }
    for (int32_t k = 0; k < n_sku; ++k) {
        snprintf(id, sizeof id, "K%03d", (int)k);
        int32_t sku = ts_add_sku(sc, id, 1.0, 2.0, 1, sup);
        for (int32_t p = 0; p < stocked[k]; ++p)
            ts_add_skuloc(sc, sku, 1 + p, ECH_DEMAND_POISSON, 1.0, 1, 0, ECH_POLICY_BASE_STOCK, 1,
                          3, -1);
    }
    ts_finish(sc);
}

static const int32_t STOCKED[] = {1, 8, 2, 3, 1, 6, 2, 4, 1, 1, 5, 2};
enum { N_SKU = 12 };

static void test_prediction_follows_the_work_plan(void **state)
{
    (void)state;
    ech_scenario sc;
    size_case(&sc, 8, STOCKED, N_SKU, 40);
    ech_job_calibration cal = {.seconds_per_cost = 1e-8, .deflate_bytes_per_second = 1e8};
    /* Each thread's engine, measured on the largest SKU (8 skulocs and the CW). */
    double engine_bytes = ech_job_engine_bytes(&sc);
    assert_true(engine_bytes > 9 * 1000 && engine_bytes < 9 * 1e6);
    ech_job_assumptions as = {.storage_bytes_per_second = 1e9, .engine_bytes = engine_bytes};
    for (int ranks = 1; ranks <= 5; ++ranks) {
        ech_job_size js;
        ech_job_size_predict(&sc, &cal, &as, ranks, 2, &js);
        ech_job_size_memory(&sc, &as, &js);
        double heaviest = 0.0, memory = 0.0, total = 0.0;
        for (int r = 0; r < ranks; ++r) {
            ech_work_plan p;
            ech_work_plan_make(&p, &sc, ranks, r, 2);
            if ((double)p.my_cost > heaviest)
                heaviest = (double)p.my_cost;
            double m = ech_job_memory_per_rank(&sc, &p, 2, 0, sc.n_variants, sc.replications,
                                               ech_job_window_nodes(&sc, 0), engine_bytes);
            double without = ech_job_memory_per_rank(&sc, &p, 2, 0, sc.n_variants, sc.replications,
                                                     ech_job_window_nodes(&sc, 0), 0.0);
            assert_true(fabs(m - (without + 2 * engine_bytes)) <= 1e-9 * m);
            if (m > memory)
                memory = m;
            total = (double)p.total_cost;
            ech_work_plan_free(&p);
        }
        assert_true(js.heaviest_rank_cost == heaviest * sc.n_variants);
        assert_true(js.memory_per_rank == memory);
        assert_true(js.imbalance >= 1.0 && js.imbalance == heaviest / (total / ranks));
        assert_true(js.simulate_seconds == js.heaviest_rank_cost * 1e-8 / 2);
        assert_true(js.file_bytes > 0 && js.file_bytes_raw >= js.file_bytes);
    }
    ech_scenario_free(&sc);
}

/* KPI windows: a limit that holds 3 SKU-locations' values (the largest SKU, at 8
 * pharmacies and the warehouse, needs 3 windows) multiplies each SKU's predicted
 * cost by its windows, and bounds each thread's buffer of values. */
static void test_windows_in_the_prediction(void **state)
{
    (void)state;
    ech_scenario sc;
    size_case(&sc, 8, STOCKED, N_SKU, 40);
    const int64_t per_skuloc = (int64_t)ECH_KPI_COUNT * 40 * 8;
    assert_int_equal(ech_job_window_nodes(&sc, 0), 9);
    assert_int_equal(ech_job_windows(&sc, 9), 1);
    assert_int_equal(ech_job_window_nodes(&sc, 3 * per_skuloc + 7), 3);
    assert_int_equal(ech_job_windows(&sc, 3), 3);
    assert_int_equal(ech_job_window_nodes(&sc, 1), 1);
    ech_job_calibration cal = {.seconds_per_cost = 1e-8, .deflate_bytes_per_second = 1e8};
    ech_job_assumptions whole = {.storage_bytes_per_second = 1e9};
    ech_job_assumptions windows = whole;
    windows.kpi_memory_limit = 3 * per_skuloc;
    ech_job_size a, b;
    ech_job_size_predict(&sc, &cal, &whole, 1, 1, &a);
    ech_job_size_predict(&sc, &cal, &windows, 1, 1, &b);
    double expect = 0.0;
    for (int32_t k = 0; k < N_SKU; ++k) {
        int64_t nodes = sc.sl.sku_begin[k + 1] - sc.sl.sku_begin[k];
        expect += (double)ech_engine_sku_cost(&sc, k) * 40.0 * (double)((nodes + 2) / 3);
    }
    assert_true(b.heaviest_rank_cost == expect * sc.n_variants);
    assert_true(b.heaviest_rank_cost > a.heaviest_rank_cost);
    ech_job_size_memory(&sc, &whole, &a);
    ech_job_size_memory(&sc, &windows, &b);
    /* The thread's buffer: 9 SKU-locations' values at once, or 3. */
    assert_true(a.memory_per_rank - b.memory_per_rank == 6.0 * (double)per_skuloc);
    ech_scenario_free(&sc);
}

static void test_calibration_measures(void **state)
{
    (void)state;
    ech_scenario sc;
    size_case(&sc, 8, STOCKED, N_SKU, 16);
    ech_job_calibration cal;
    ech_error err;
    ech_error_clear(&err);
    assert_int_equal(ech_job_calibrate(&sc, 0.0, 200, &cal, &err), ECH_OK);
    /* A budget of 0 still simulates one SKU, with every replication. */
    assert_int_equal(cal.n_skus, 1);
    assert_int_equal(cal.replications, 16);
    assert_true(cal.seconds_per_cost > 0 && cal.cost > 0);
    double raw = ECH_KPI_COUNT * (2.0 + sc.output.n_quantiles) * 8.0;
    assert_true(cal.stats_bytes_per_skuloc > 0 && cal.stats_bytes_per_skuloc <= raw * 1.2);
    assert_true(ech_job_calibrate(&sc, 60.0, 4, &cal, &err) == ECH_OK);
    /* With time to spare every SKU is simulated, each once. */
    assert_int_equal(cal.n_skus, N_SKU);
    assert_int_equal(cal.n_skulocs, sc.sl.n);
    assert_int_equal(cal.replications, 4);
    ech_scenario_free(&sc);
}

static void test_job_end(void **state)
{
    (void)state;
    struct tm tm = {.tm_year = 2026 - 1900,
                    .tm_mon = 11,
                    .tm_mday = 6,
                    .tm_hour = 15,
                    .tm_min = 30,
                    .tm_sec = 5,
                    .tm_isdst = -1};
    time_t want = mktime(&tm);
    assert_true(ech_job_end_parse_iso("2026-12-06T15:30:05") == want);
    assert_true(ech_job_end_parse_iso("  2026-12-06T15:30:05\n") == want);
    assert_true(ech_job_end_parse_iso("N/A\n") == 0);
    assert_true(ech_job_end_parse_iso("UNLIMITED") == 0);
    assert_true(ech_job_end_parse_iso("2026-12-06T15:30:05x") == 0);
    assert_true(ech_job_end_parse_iso("") == 0);
    /* The environment wins, read once. */
    setenv("ECHELON_JOB_END", "1893456000", 1);
    assert_true(ech_job_end() == (time_t)1893456000);
    setenv("ECHELON_JOB_END", "12", 1);
    assert_true(ech_job_end() == (time_t)1893456000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prediction_follows_the_work_plan),
        cmocka_unit_test(test_windows_in_the_prediction),
        cmocka_unit_test(test_calibration_measures),
        cmocka_unit_test(test_job_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
