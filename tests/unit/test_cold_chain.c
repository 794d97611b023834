/* Cold rooms (src/cold_chain.c) without MPI: which locations get a room, the
 * statistics of a hand-made occupancy array, and the occupancy the engine collects
 * against a case worked out by hand and against an independent recomputation from
 * the day-by-day trace (stock after the day's receipts = end-of-day stock + the
 * day's shipments + the day's sales, less same-day deliveries on lanes with lead
 * time 0, which arrive later in the day; summed over the cold-chain SKUs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/cold_chain.h"
#include "echelon/engine.h"
#include "support_scenario.h"
#include "support_cold_scenario.h"

#include <math.h>

/* ------------------------------------------------------------------------------
 * Slots
 * ------------------------------------------------------------------------------ */

static void test_slots(void **state)
{
    (void)state;
    ech_scenario sc;
    cold_case(&sc, 3, 20, 5, 1, 11);
    assert_int_equal(ech_cold_unit_ml(&sc, 0), 300);
    assert_int_equal(ech_cold_unit_ml(&sc, 1), 1250);
    assert_int_equal(ech_cold_unit_ml(&sc, 2), 0); /* ambient: no cold room */
    assert_int_equal(ech_cold_unit_ml(&sc, 3), 0); /* 0.4 ml rounds to 0 */
    assert_int_equal(ech_cold_rooms_count(&sc), COLD_N_ROOMS);

    ech_cold_rooms c;
    ech_cold_rooms_init(&c, &sc);
    assert_int_equal(c.n, COLD_N_ROOMS);
    assert_int_equal(c.n_reps, 3);
    assert_int_equal(c.n_days, 20);
    for (int32_t s = 0; s < c.n; ++s) {
        assert_int_equal(c.location[s], COLD_ROOMS[s]);
        assert_int_equal(c.slot[COLD_ROOMS[s]], s);
    }
    assert_int_equal(c.slot[ech_scenario_find_location(&sc, "P5")], -1);
    assert_int_equal(ech_cold_rooms_cells(&c), (int64_t)COLD_N_ROOMS * 3 * 20);
    for (int64_t i = 0; i < ech_cold_rooms_cells(&c); ++i)
        assert_int_equal(c.ml[i], 0);
    c.ml[5] = 7;
    ech_cold_rooms_clear(&c);
    assert_int_equal(c.ml[5], 0);
    ech_cold_rooms_free(&c);
    assert_null(c.ml);
    assert_int_equal(c.n, 0);

    /* No volumes (an older loader): no rooms and nothing allocated. */
    for (int32_t k = 0; k < sc.cat.n; ++k)
        sc.cat.unit_volume_litres[k] = 0.0;
    assert_int_equal(ech_cold_rooms_count(&sc), 0);
    ech_cold_rooms_init(&c, &sc);
    assert_int_equal(c.n, 0);
    assert_null(c.ml);
    assert_null(c.location);
    assert_null(c.slot);
    ech_cold_rooms_free(&c);
    /* Cold-chain storage with a volume but ambient class: none either. */
    sc.cat.unit_volume_litres[2] = 2.0;
    assert_int_equal(ech_cold_rooms_count(&sc), 0);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Statistics of a hand-made occupancy
 * ------------------------------------------------------------------------------ */

/* Two rooms, 2 replications x 5 days.  Room 0 (network location 3, capacity 2.5 l):
 *   rep 0: 1000 2000 3000 2500 0      rep 1: 4000 1500 2600 2400 500   (ml)
 * sorted (l): 0 0.5 1 1.5 2 2.4 2.5 2.6 3 4; sum 19.5 l, mean 1.95 l;
 * over 2.5 l: 3000 and 4000, 2600 (2500 is not over): 3 of 10 days; rep 0 has 1 day
 * over, rep 1 has 2, so 1.5 days per replication and both replications had one.
 * Room 1 (location 1, no capacity): all 7000 ml: sd 0, NaN for capacities. */
static void hand_rooms(ech_cold_rooms *c, int64_t *ml)
{
    static const int64_t v[20] = {1000, 2000, 3000, 2500, 0,    4000, 1500, 2600, 2400, 500,
                                  7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000};
    static int32_t location[2] = {3, 1};
    static int32_t slot[5] = {-1, 1, -1, 0, -1};
    memcpy(ml, v, sizeof v);
    c->n = 2;
    c->location = location;
    c->slot = slot;
    c->rep_begin = 0;
    c->n_reps = c->block_reps = 2;
    c->n_days = 5;
    c->ml = ml;
}

static void test_stats_by_hand(void **state)
{
    (void)state;
    ech_cold_rooms c;
    int64_t ml[20];
    hand_rooms(&c, ml);
    double capacity[5] = {0, 0, 0, 2.5, 0};
    const double q[5] = {0.0, 0.05, 0.5, 0.95, 1.0};
    ech_cold_stats s;
    ech_cold_stats_compute(&c, capacity, q, 5, 1, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.n_quantiles, 5);
    assert_int_equal(s.location[0], 3);
    assert_int_equal(s.location[1], 1);
    assert_float_equal(s.capacity_litres[0], 2.5, 0);
    assert_float_equal(s.capacity_litres[1], 0, 0);

    const double sorted[10] = {0, 0.5, 1, 1.5, 2, 2.4, 2.5, 2.6, 3, 4};
    double mean = 1.95, ss = 0;
    for (int i = 0; i < 10; ++i)
        ss += (sorted[i] - mean) * (sorted[i] - mean);
    assert_float_equal(s.mean_litres[0], mean, 1e-12);
    assert_float_equal(s.sd_litres[0], sqrt(ss / 9), 1e-12);
    assert_float_equal(s.max_litres[0], 4.0, 0);
    /* Type 7: h = 9 p; 5%: h 0.45 -> 0 + 0.45 x 0.5; 50%: h 4.5 -> 2 + 0.5 x 0.4;
     * 95%: h 8.55 -> 3 + 0.55 x 1. */
    double *qs = s.quantile_litres;
    assert_float_equal(qs[0], 0.0, 0);
    assert_float_equal(qs[1], 0.225, 1e-12);
    assert_float_equal(qs[2], 2.2, 1e-12);
    assert_float_equal(qs[3], 3.55, 1e-12);
    assert_float_equal(qs[4], 4.0, 0);
    assert_float_equal(s.p95_litres[0], 3.55, 1e-12);
    assert_float_equal(s.exceed_probability[0], 0.3, 1e-15);
    assert_float_equal(s.days_over_mean[0], 1.5, 0);
    assert_float_equal(s.any_over_share[0], 1.0, 0);

    assert_float_equal(s.mean_litres[1], 7.0, 0);
    assert_float_equal(s.sd_litres[1], 0.0, 0);
    assert_float_equal(s.max_litres[1], 7.0, 0);
    for (int j = 0; j < 5; ++j)
        assert_float_equal(qs[5 + j], 7.0, 0);
    assert_true(isnan(s.exceed_probability[1]));
    assert_true(isnan(s.days_over_mean[1]));
    assert_true(isnan(s.any_over_share[1]));

    /* A capacity only one replication exceeds: 3.5 l (rep 1's 4 l). */
    capacity[3] = 3.5;
    ech_cold_stats t;
    ech_cold_stats_compute(&c, capacity, q, 5, 1, &t);
    assert_float_equal(t.exceed_probability[0], 0.1, 1e-15);
    assert_float_equal(t.days_over_mean[0], 0.5, 0);
    assert_float_equal(t.any_over_share[0], 0.5, 0);
    ech_cold_stats_free(&t);

    /* No capacities at all (NULL), and several threads: the same distribution,
     * bit for bit. */
    ech_cold_stats u;
    ech_cold_stats_compute(&c, NULL, q, 5, 3, &u);
    assert_memory_equal(u.quantile_litres, s.quantile_litres, 10 * sizeof(double));
    assert_memory_equal(u.mean_litres, s.mean_litres, 2 * sizeof(double));
    assert_memory_equal(u.sd_litres, s.sd_litres, 2 * sizeof(double));
    assert_true(isnan(u.exceed_probability[0]));

    /* The order of the cells does not matter for the distribution. */
    int64_t swapped[20];
    memcpy(swapped, ml, sizeof swapped);
    for (int i = 0; i < 5; ++i) {
        int64_t x = swapped[i];
        swapped[i] = swapped[9 - i];
        swapped[9 - i] = x;
    }
    c.ml = swapped;
    ech_cold_stats w;
    ech_cold_stats_compute(&c, NULL, q, 5, 1, &w);
    assert_memory_equal(w.values, u.values, 2 * sizeof(double) * 4);
    assert_memory_equal(w.quantile_litres, u.quantile_litres, 10 * sizeof(double));
    ech_cold_stats_free(&w);
    ech_cold_stats_free(&u);
    ech_cold_stats_free(&s);
}

/* One replication and one day: sd 0, every quantile the value. */
static void test_stats_single_cell(void **state)
{
    (void)state;
    int64_t ml[1] = {1234};
    int32_t location[1] = {0}, slot[1] = {0};
    ech_cold_rooms c = {.n = 1,
                        .location = location,
                        .slot = slot,
                        .n_reps = 1,
                        .block_reps = 1,
                        .n_days = 1,
                        .ml = ml};
    const double q[2] = {0.05, 0.95};
    double capacity[1] = {1.0};
    ech_cold_stats s;
    ech_cold_stats_compute(&c, capacity, q, 2, 4, &s);
    assert_float_equal(s.mean_litres[0], 1.234, 1e-15);
    assert_float_equal(s.sd_litres[0], 0, 0);
    assert_float_equal(s.quantile_litres[0], 1.234, 1e-15);
    assert_float_equal(s.quantile_litres[1], 1.234, 1e-15);
    assert_float_equal(s.exceed_probability[0], 1.0, 0);
    assert_float_equal(s.any_over_share[0], 1.0, 0);
    ech_cold_stats_free(&s);
}

/* ------------------------------------------------------------------------------
 * The tally against the sorted array of every cell
 * ------------------------------------------------------------------------------ */

/* Type 7 quantile of sorted[0..n-1] (millilitres) at probability p, in litres. */
static double sorted_quantile(const int64_t *sorted, int64_t n, double p)
{
    double h = (double)(n - 1) * p;
    int64_t lo = (int64_t)floor(h);
    if (lo >= n - 1)
        return (double)sorted[n - 1] / 1000.0;
    double a = (double)sorted[lo] / 1000.0, b = (double)sorted[lo + 1] / 1000.0;
    return a + (h - (double)lo) * (b - a);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Random occupancies (slot 0 with many ties, slot 1 spread wide, slot 2 empty),
 * folded in blocks of every size from one replication to all of them, the blocks
 * in reverse order: every statistic bit for bit that of the sorted array of all
 * cells, the distinct values counted once each. */
static void test_tally_blocks(void **state)
{
    (void)state;
    enum { N = 3, R = 37, D = 11, NQ = 5 };
    static int64_t all[N * R * D];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int s = 0; s < N; ++s)
        for (int i = 0; i < R * D; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            uint64_t u = x >> 33;
            all[s * R * D + i] = s == 0   ? 250 * (int64_t)(u % 9)
                                 : s == 1 ? (int64_t)(u % 5000000)
                                          : 0;
        }
    int32_t location[N] = {4, 0, 2}, slot[5] = {1, -1, 2, -1, 0};
    double capacity[5] = {2500, 0, 0, 0, 1.2}; /* slot 0: 1.2 l, slot 1: 2,500 l, slot 2: none */
    const double q[NQ] = {0.0, 0.05, 0.5, 0.95, 1.0};

    /* The reference: every cell sorted, the sums in ascending order. */
    double mean[N], sd[N], quant[N][NQ], exceed[N], reps_over[N];
    int64_t distinct[N];
    static int64_t sorted[R * D];
    for (int s = 0; s < N; ++s) {
        const int64_t *c = all + s * R * D;
        double cap = capacity[location[s]];
        int64_t over = 0, any = 0;
        for (int r = 0; r < R; ++r) {
            int64_t days = 0;
            for (int d = 0; d < D; ++d)
                days += cap > 0 && (double)c[r * D + d] / 1000.0 > cap;
            over += days;
            any += days > 0;
        }
        exceed[s] = (double)over / (R * D);
        reps_over[s] = (double)any / R;
        memcpy(sorted, c, sizeof sorted);
        qsort(sorted, R * D, sizeof *sorted, cmp_i64);
        int64_t sum = 0;
        distinct[s] = 0;
        for (int i = 0; i < R * D; ++i) {
            sum += sorted[i];
            distinct[s] += i == 0 || sorted[i] != sorted[i - 1];
        }
        mean[s] = (double)sum / 1000.0 / (R * D);
        double ss = 0;
        for (int i = 0; i < R * D; ++i) {
            double d = (double)sorted[i] / 1000.0 - mean[s];
            ss += d * d;
        }
        sd[s] = sqrt(ss / (R * D - 1));
        for (int j = 0; j < NQ; ++j)
            quant[s][j] = sorted_quantile(sorted, R * D, q[j]);
    }

    static int64_t block[N * R * D];
    for (int64_t size = 1; size <= R; size += size < 4 ? 1 : 11) {
        ech_cold_rooms c = {.n = N,
                            .location = location,
                            .slot = slot,
                            .block_reps = size,
                            .n_days = D,
                            .ml = block};
        ech_cold_tally t;
        ech_cold_tally_init(&t, &c, capacity);
        for (int64_t b = (R - 1) / size * size; b >= 0; b -= size) {
            int64_t n = R - b < size ? R - b : size;
            c.rep_begin = b;
            c.n_reps = n;
            for (int s = 0; s < N; ++s)
                memcpy(block + s * n * D, all + (s * R + b) * D, (size_t)(n * D) * sizeof *block);
            ech_cold_tally_add(&t, &c, (int)(size % 3) + 1);
        }
        assert_int_equal(t.n_reps, R);
        int64_t bytes = ech_cold_tally_bytes(&t);
        for (int s = 0; s < N; ++s) {
            assert_int_equal(t.distinct[s], distinct[s]);
            bytes -= 16 * distinct[s];
        }
        assert_true(bytes > 0 && bytes <= 64 * N); /* beside the values, a few words a room */
        ech_cold_stats st;
        ech_cold_tally_stats(&t, location, q, NQ, 2, &st);
        for (int s = 0; s < N; ++s) {
            assert_int_equal(st.location[s], location[s]);
            assert_memory_equal(&st.mean_litres[s], &mean[s], sizeof(double));
            assert_memory_equal(&st.sd_litres[s], &sd[s], sizeof(double));
            assert_memory_equal(&st.quantile_litres[s * NQ], quant[s], NQ * sizeof(double));
            assert_memory_equal(&st.max_litres[s], &quant[s][NQ - 1], sizeof(double));
            if (capacity[location[s]] > 0) {
                assert_memory_equal(&st.exceed_probability[s], &exceed[s], sizeof(double));
                assert_memory_equal(&st.any_over_share[s], &reps_over[s], sizeof(double));
            } else {
                assert_true(isnan(st.exceed_probability[s]));
            }
        }
        assert_true(st.exceed_probability[0] > 0 && st.exceed_probability[0] < 1);
        assert_true(st.exceed_probability[1] > 0 && st.exceed_probability[1] < 1);
        ech_cold_stats_free(&st);
        ech_cold_tally_free(&t);
    }
}

/* A block holds its replications only; set_block moves and zeroes it. */
static void test_block_add(void **state)
{
    (void)state;
    int64_t ml[2 * 3] = {0};
    int32_t location[1] = {0}, slot[1] = {0};
    ech_cold_rooms c = {.n = 1,
                        .location = location,
                        .slot = slot,
                        .rep_begin = 0,
                        .n_reps = 2,
                        .block_reps = 2,
                        .n_days = 3,
                        .ml = ml};
    ech_cold_rooms_set_block(&c, 4, 5); /* at most block_reps */
    assert_int_equal(c.rep_begin, 4);
    assert_int_equal(c.n_reps, 2);
    assert_false(ech_cold_rooms_holds(&c, 3));
    assert_false(ech_cold_rooms_holds(&c, 6));
    assert_true(ech_cold_rooms_holds(&c, 4) && ech_cold_rooms_holds(&c, 5));
    ech_cold_rooms_add(&c, 0, 5, 2, 9);
    ech_cold_rooms_add(&c, 0, 4, 0, 1);
    static const int64_t expect[6] = {1, 0, 0, 0, 0, 9};
    assert_memory_equal(ml, expect, sizeof expect);
    ech_cold_rooms_set_block(&c, 6, 1);
    assert_int_equal(c.n_reps, 1);
    assert_true(ech_cold_rooms_holds(&c, 6) && !ech_cold_rooms_holds(&c, 7));
    assert_int_equal(ml[0] + ml[2], 0);
}

/* ------------------------------------------------------------------------------
 * The engine's occupancy
 * ------------------------------------------------------------------------------ */

/* Single stage, S = 5, lead time 2, replayed demand (test_engine.c works the days
 * out): stock after receipts is 5 2 2 3 0 2 5 1 on days 0..7.  Half a litre a
 * unit; two warm-up days simulated first with no demand, which the rooms skip. */
static void test_engine_by_hand(void **state)
{
    (void)state;
    ech_scenario sc;
    ts_init(&sc, 8, 2, 1, 1);
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 2, 0, 2, 2);
    int32_t loc = ts_add_location(&sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 2.0, 3.0, 1, sup);
    ts_add_skuloc(&sc, sku, loc, ECH_DEMAND_POISSON, 1.0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 5, -1);
    sc.cat.unit_volume_litres[0] = 0.5;
    sc.cat.storage[0] = ECH_STORAGE_COLD;
    ts_finish(&sc);
    static const int32_t demand[10] = {0, 0, 3, 0, 2, 7, 1, 0, 4, 2};
    ts_set_replay(&sc, 0, demand);

    ech_cold_rooms c;
    ech_cold_rooms_init(&c, &sc);
    assert_int_equal(c.n, 1);
    ech_engine *e = ech_engine_new(&sc);
    ech_engine_set_cold_rooms(e, &c);
    double kpi[ECH_KPI_COUNT];
    ech_error err;
    ech_error_clear(&err);
    assert_int_equal(ech_engine_run_sku(e, sku, 0, 0, 1, kpi, 1, NULL, &err), ECH_OK);
    static const int64_t units[8] = {5, 2, 2, 3, 0, 2, 5, 1};
    for (int t = 0; t < 8; ++t)
        assert_int_equal(c.ml[t], units[t] * 500);
    /* A second run adds on top: the sink accumulates. */
    assert_int_equal(ech_engine_run_sku(e, sku, 0, 0, 1, kpi, 1, NULL, &err), ECH_OK);
    for (int t = 0; t < 8; ++t)
        assert_int_equal(c.ml[t], units[t] * 1000);
    ech_engine_free(e);

    const double q[1] = {0.5};
    double capacity[1] = {3.0}; /* 2 of the 8 days hold 5 units = 5 l (twice over) */
    ech_cold_stats s;
    ech_cold_stats_compute(&c, capacity, q, 1, 1, &s);
    assert_float_equal(s.mean_litres[0], 20.0 / 8.0, 1e-15);
    assert_float_equal(s.max_litres[0], 5.0, 0);
    assert_float_equal(s.exceed_probability[0], 2.0 / 8.0, 0);
    ech_cold_stats_free(&s);
    ech_cold_rooms_free(&c);
    ech_scenario_free(&sc);
}

/* Adds to expect[] the occupancy the trace of SKU k in replication r implies. */
static void occupancy_from_trace(const ech_scenario *sc, int32_t k, int64_t r,
                                 const ech_cold_rooms *c, int64_t *expect)
{
    ech_engine *e = ech_engine_new(sc);
    FILE *f = tmpfile();
    assert_non_null(f);
    ech_trace trace = {k, 0, r, f};
    ech_engine_set_trace(e, &trace);
    int64_t nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
    double *kpi = calloc((size_t)(nodes * ECH_KPI_COUNT), sizeof *kpi);
    ech_error err;
    ech_error_clear(&err);
    assert_int_equal(ech_engine_run_sku(e, k, 0, r, r + 1, kpi, 1, NULL, &err), ECH_OK);
    free(kpi);
    ech_engine_free(e);

    rewind(f);
    char line[2048];
    assert_non_null(fgets(line, sizeof line, f));
    /* Columns by name (the trace may grow more). */
    enum { MAX_COLS = 64 };
    int col_rep = -1, col_day = -1, col_loc = -1, col_on_hand = -1, col_received = -1;
    int col_shipped = -1, col_sold = -1, col_expired = -1, col_returned = -1, n_cols = 0;
    for (char *p = strtok(line, ",\n"); p; p = strtok(NULL, ",\n"), ++n_cols) {
        int *at = strcmp(p, "replication") == 0 ? &col_rep
                  : strcmp(p, "day") == 0       ? &col_day
                  : strcmp(p, "location") == 0  ? &col_loc
                  : strcmp(p, "on_hand") == 0   ? &col_on_hand
                  : strcmp(p, "received") == 0  ? &col_received
                  : strcmp(p, "shipped") == 0   ? &col_shipped
                  : strcmp(p, "sold") == 0      ? &col_sold
                  : strcmp(p, "expired") == 0   ? &col_expired
                  : strcmp(p, "returned") == 0  ? &col_returned
                                                : NULL;
        if (at)
            *at = n_cols;
    }
    assert_true(n_cols <= MAX_COLS && col_rep >= 0 && col_day >= 0 && col_loc >= 0 &&
                col_on_hand >= 0 && col_received >= 0 && col_shipped >= 0 && col_sold >= 0);
    int64_t unit_ml = (int64_t)llround(sc->cat.unit_volume_litres[k] * 1000.0);
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        char *field[MAX_COLS];
        int n = 0;
        for (char *p = strtok(line, ",\n"); p && n < MAX_COLS; p = strtok(NULL, ",\n"))
            field[n++] = p;
        assert_int_equal(n, n_cols);
        assert_int_equal(atoll(field[col_rep]), r);
        /* No batches here: nothing expires or goes back up, which would leave
         * between the receipts and the end of the day too. */
        if (col_expired >= 0)
            assert_int_equal(atoll(field[col_expired]), 0);
        if (col_returned >= 0)
            assert_int_equal(atoll(field[col_returned]), 0);
        int day = atoi(field[col_day]);
        if (day < 0)
            continue; /* warm-up */
        int32_t loc = ech_scenario_find_location(sc, field[col_loc]);
        /* What left after the receipts: shipped and sold.  A lane with lead time 0
         * delivers at shipping time (step 4), after the rooms are measured, so
         * what such a location received that day was not yet there. */
        int64_t after_receipts =
            atoll(field[col_on_hand]) + atoll(field[col_shipped]) + atoll(field[col_sold]);
        if (sc->net.parent[loc] >= 0 && sc->net.lead_time_days[loc] == 0)
            after_receipts -= atoll(field[col_received]);
        int32_t slot = c->slot[loc];
        assert_true(slot >= 0);
        expect[((int64_t)slot * c->n_reps + r) * c->n_days + day] += after_receipts * unit_ml;
        ++rows;
    }
    assert_int_equal(rows, (int)nodes * sc->days);
    fclose(f);
}

static void test_engine_against_trace(void **state)
{
    (void)state;
    ech_scenario sc;
    cold_case(&sc, 4, 45, 12, 1, 2027);
    ech_cold_rooms c;
    ech_cold_rooms_init(&c, &sc);
    assert_int_equal(c.n, COLD_N_ROOMS);

    /* Every SKU through one engine with the rooms attached. */
    ech_engine *e = ech_engine_new(&sc);
    ech_engine_set_cold_rooms(e, &c);
    ech_error err;
    ech_error_clear(&err);
    for (int32_t k = 0; k < sc.cat.n; ++k) {
        int64_t nodes = sc.sl.sku_begin[k + 1] - sc.sl.sku_begin[k];
        double *kpi = calloc((size_t)(nodes * ECH_KPI_COUNT * sc.replications), sizeof *kpi);
        assert_int_equal(
            ech_engine_run_sku(e, k, 0, 0, sc.replications, kpi, sc.replications, NULL, &err),
            ECH_OK);
        free(kpi);
    }
    ech_engine_free(e);

    /* The same from the traces of the cold-chain SKUs with a volume. */
    int64_t cells = ech_cold_rooms_cells(&c);
    int64_t *expect = calloc((size_t)cells, sizeof *expect);
    for (int32_t k = 0; k < sc.cat.n; ++k)
        if (ech_cold_unit_ml(&sc, k) > 0)
            for (int64_t r = 0; r < sc.replications; ++r)
                occupancy_from_trace(&sc, k, r, &c, expect);
    int64_t nonzero = 0;
    for (int64_t i = 0; i < cells; ++i) {
        if (c.ml[i] != expect[i])
            fprintf(stderr, "cell %lld: engine %lld, trace %lld\n", (long long)i,
                    (long long)c.ml[i], (long long)expect[i]);
        assert_int_equal(c.ml[i], expect[i]);
        nonzero += c.ml[i] > 0;
    }
    assert_true(nonzero > cells / 2);

    /* Some rooms overflow now and then, not always. */
    ech_cold_stats s;
    ech_cold_stats_compute(&c, sc.net.cold_capacity_litres, sc.output.quantiles,
                           sc.output.n_quantiles, 2, &s);
    int some_over = 0;
    for (int32_t i = 0; i < s.n; ++i) {
        if (sc.net.cold_capacity_litres[s.location[i]] > 0) {
            assert_true(s.exceed_probability[i] >= 0 && s.exceed_probability[i] <= 1);
            some_over += s.exceed_probability[i] > 0 && s.exceed_probability[i] < 1;
        } else {
            assert_true(isnan(s.exceed_probability[i]));
        }
        assert_true(s.quantile_litres[i * 3] <= s.quantile_litres[i * 3 + 1]);
        assert_true(s.quantile_litres[i * 3 + 1] <= s.quantile_litres[i * 3 + 2]);
        assert_true(s.quantile_litres[i * 3 + 2] <= s.max_litres[i]);
    }
    assert_true(some_over > 0);
    ech_cold_stats_free(&s);
    free(expect);
    ech_cold_rooms_free(&c);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_stats_by_hand),
        cmocka_unit_test(test_stats_single_cell),
        cmocka_unit_test(test_tally_blocks),
        cmocka_unit_test(test_block_add),
        cmocka_unit_test(test_engine_by_hand),
        cmocka_unit_test(test_engine_against_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
