/* Checkpoints of tune and contract (phase_log.h) under MPI (normally 2 ranks): a
 * tuning under a budget (many searches of every SKU at bisected prices, the classic
 * rule's checks, a frontier), one with cold rooms and a budget per location (their
 * searches of some SKUs and their checks) and a contract sizing (its SKUs' values
 * held a window of skulocs at a time), each stopped several times in the middle of
 * a search (a stop on one rank, which the other learns of at the
 * phase's end) and resumed, must end bitwise identical to the same command
 * uninterrupted: every per-SKU and per-skuloc array and every figure of the
 * whole.  Also: the saved phases are refused for another fingerprint or layout, and
 * a fresh folder with resume starts from the beginning.
 *
 * Checks count failures instead of aborting, so the ranks stay in step. */
#include "echelon/contract_run.h"
#include "echelon/kpi.h"
#include "echelon/checkpoint.h"
#include "echelon/phase_log.h"
#include "echelon/scenario_load.h"
#include "echelon/stop.h"
#include "echelon/tune_run.h"
#include "support_mpi.h"

#include <mpi.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static int g_rank, g_size;
static char g_dir[256];
static int g_failures;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "[rank %d] %s:%d: check failed: %s\n", g_rank, __FILE__, __LINE__, \
                    #cond);                                                                    \
            ++g_failures;                                                                      \
        }                                                                                      \
    } while (0)

static void finish_checks(void)
{
    int total = 0;
    MPI_Allreduce(&g_failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    g_failures = 0;
    assert_int_equal(total, 0);
}

static int same_bytes(const void *a, const void *b, size_t n)
{
    return n == 0 || (a == NULL && b == NULL) || (a && b && memcmp(a, b, n) == 0);
}

static int folder_exists(const char *folder)
{
    struct stat st;
    return stat(folder, &st) == 0;
}

static void load(const char *name, ech_scenario *sc)
{
    const char *src = getenv("ECHELON_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/scenarios/%s", src ? src : ".", name);
    ech_overrides ov = ech_overrides_none();
    ech_error err;
    ech_error_clear(&err);
    memset(sc, 0, sizeof *sc);
    if (ech_scenario_load(path, &ov, sc, &err) != ECH_OK)
        fail_msg("%s: %s", path, err.msg);
}

/* ------------------------------------------------------------------------------
 * echelon tune
 * ------------------------------------------------------------------------------ */

static int g_frontier = 2, g_classic = 1;

static ech_status tune_once(const ech_scenario *sc, int threads, const char *folder, int resume,
                            int64_t stop_after, uint64_t fingerprint, ech_tune_result *res)
{
    ech_tune_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.n_threads = threads;
    opt.frontier = g_frontier;
    opt.classic = g_classic;
    opt.progress_interval = 30;
    opt.checkpoint.folder = folder;
    opt.checkpoint.interval = 0;
    opt.checkpoint.resume = resume;
    opt.checkpoint.fingerprint = fingerprint;
    opt.checkpoint.created = resume ? "2027-02-02T00:00:00Z" : "2027-01-01T00:00:00Z";
    opt.checkpoint.stop_after_units = stop_after;
    ech_error err;
    ech_error_clear(&err);
    ech_stop_clear();
    ech_status st = ech_tune_run(sc, MPI_COMM_WORLD, &opt, res, &err);
    ech_stop_clear();
    if (st != ECH_OK && st != ECH_STOPPED && g_rank == 0)
        printf("  tune: %s\n", err.msg);
    return st;
}

static void check_tuned(const ech_scenario *sc, const ech_tune_result *a, const ech_tune_result *b,
                        const char *what)
{
    int before = g_failures;
    size_t nl = (size_t)sc->sl.n, nk = (size_t)sc->cat.n;
    CHECK(same_bytes(a->order_up_to, b->order_up_to, nl * 4));
    CHECK(same_bytes(a->reorder_point, b->reorder_point, nl * 4));
    CHECK(same_bytes(a->expedite_level, b->expedite_level, nl * 4));
    CHECK(same_bytes(a->marginal_objective, b->marginal_objective, nl * 8));
    CHECK(same_bytes(a->marginal_fill, b->marginal_fill, nl * 8));
    CHECK(same_bytes(a->marginal_value, b->marginal_value, nl * 8));
    CHECK(same_bytes(a->skuloc_value, b->skuloc_value, nl * 8));
    CHECK(same_bytes(a->evaluations, b->evaluations, nk * 4));
    CHECK(same_bytes(a->replications, b->replications, nk * 8));
    CHECK(same_bytes(a->objective, b->objective, nk * 8));
    CHECK(same_bytes(a->objective_se, b->objective_se, nk * 8));
    CHECK(same_bytes(a->fill_rate, b->fill_rate, nk * 8));
    CHECK(same_bytes(a->value, b->value, nk * 8));
    CHECK(same_bytes(a->feasible, b->feasible, nk));
    CHECK(same_bytes(a->converged, b->converged, nk));
    CHECK(same_bytes(&a->value_price, &b->value_price, 8));
    CHECK(same_bytes(&a->value_total, &b->value_total, 8));
    CHECK(same_bytes(&a->value_unconstrained, &b->value_unconstrained, 8));
    CHECK(a->passes == b->passes && a->budget_met == b->budget_met &&
          a->budget_binding == b->budget_binding);
    CHECK(a->evaluations_total == b->evaluations_total && a->skuloc_days == b->skuloc_days);
    CHECK(a->infeasible == b->infeasible);
    CHECK(a->has_classic == b->has_classic && a->n_segments == b->n_segments);
    size_t ng = (size_t)a->n_segments;
    CHECK(same_bytes(a->classic_service_level, b->classic_service_level, ng * 8));
    CHECK(same_bytes(a->classic_fill, b->classic_fill, ng * 8));
    CHECK(same_bytes(a->tuned_fill, b->tuned_fill, ng * 8));
    CHECK(same_bytes(a->classic_order_up_to, b->classic_order_up_to, nl * 4));
    CHECK(a->n_frontier == b->n_frontier);
    size_t nf = (size_t)a->n_frontier;
    CHECK(same_bytes(a->frontier_price, b->frontier_price, nf * 8));
    CHECK(same_bytes(a->frontier_value, b->frontier_value, nf * 8));
    CHECK(same_bytes(a->frontier_order_up_to, b->frontier_order_up_to, nf * nl * 4));
    CHECK(same_bytes(a->frontier_reorder_point, b->frontier_reorder_point, nf * nl * 4));
    CHECK(a->has_cold == b->has_cold && a->n_cold == b->n_cold && a->cold_met == b->cold_met);
    size_t nc = (size_t)a->n_cold;
    CHECK(same_bytes(a->cold_exceed, b->cold_exceed, nc * 8));
    CHECK(same_bytes(a->cold_price, b->cold_price, nc * 8));
    CHECK(a->n_location_budgets == b->n_location_budgets &&
          a->location_budgets_met == b->location_budgets_met);
    size_t nb = (size_t)a->n_location_budgets;
    CHECK(same_bytes(a->location_value, b->location_value, nb * 8));
    CHECK(same_bytes(a->location_price, b->location_price, nb * 8));
    if (g_failures > before)
        fprintf(stderr, "[rank %d] %s: tuning differs from the uninterrupted one\n", g_rank, what);
}

static void test_tune_stop_and_resume(void **state)
{
    (void)state;
    ech_scenario sc;
    load("tune_small.yaml", &sc);
    /* A cost objective under a binding budget: a dozen or more searches. */
    sc.tuning.objective = ECH_TUNE_COST;
    sc.tuning.budget = 4000;
    sc.tuning.replications = 8;
    sc.tuning.max_replications = 8;
    const uint64_t fp = 0x5151;
    ech_tune_result ref;
    assert_int_equal(tune_once(&sc, 1, NULL, 0, 0, fp, &ref), ECH_OK);
    if (g_rank == 0)
        printf("  uninterrupted: %d searches, %lld evaluations\n", (int)ref.passes,
               (long long)ref.evaluations_total);
    CHECK(ref.passes >= 6);

    for (int threads = 1; threads <= 2; ++threads) {
        char folder[512];
        snprintf(folder, sizeof folder, "%s/tune-%d.h5.checkpoint", g_dir, threads);
        /* Stops in the first search, a few searches in, and later (units per rank). */
        const int64_t stops[] = {5, 37, 90, 0};
        ech_status st = ECH_STOPPED;
        ech_tune_result res;
        int attempts = 0;
        for (int i = 0; st == ECH_STOPPED && attempts < 40; ++attempts) {
            int64_t after = stops[i] ? stops[i] : 0;
            st = tune_once(&sc, threads, folder, attempts > 0, after, fp, &res);
            if (stops[i])
                ++i;
            if (st == ECH_STOPPED) {
                CHECK(folder_exists(folder));
                ech_tune_result_free(&res);
            }
        }
        CHECK(st == ECH_OK);
        if (g_rank == 0)
            printf("  %d rank(s) x %d thread(s): completed after %d attempt(s)\n", g_size, threads,
                   attempts);
        CHECK(attempts >= 3);
        CHECK(res.resumed);
        CHECK(strcmp(res.created, "2027-01-01T00:00:00Z") == 0);
        char what[64];
        snprintf(what, sizeof what, "tune, %d thread(s)", threads);
        if (st == ECH_OK)
            check_tuned(&sc, &ref, &res, what);
        ech_tune_result_free(&res);
        MPI_Barrier(MPI_COMM_WORLD);
        if (g_rank == 0)
            ech_checkpoint_remove(folder);
        MPI_Barrier(MPI_COMM_WORLD);
    }

    /* Refused: another fingerprint, another layout; a missing folder starts over. */
    char folder[512];
    snprintf(folder, sizeof folder, "%s/refused.h5.checkpoint", g_dir);
    ech_tune_result res;
    CHECK(tune_once(&sc, 1, folder, 0, 30, fp, &res) == ECH_STOPPED);
    ech_tune_result_free(&res);
    CHECK(tune_once(&sc, 1, folder, 1, 0, fp + 1, &res) == ECH_ERR_INPUT);
    ech_tune_result_free(&res);
    CHECK(tune_once(&sc, 2, folder, 1, 0, fp, &res) == ECH_ERR_INPUT);
    ech_tune_result_free(&res);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        ech_checkpoint_remove(folder);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(tune_once(&sc, 1, folder, 1, 10, fp, &res) == ECH_STOPPED); /* nothing to resume */
    CHECK(!res.resumed);
    ech_tune_result_free(&res);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        ech_checkpoint_remove(folder);
    ech_tune_result_free(&ref);
    ech_scenario_free(&sc);
    finish_checks();
}

/* Cold rooms held to a share of days over capacity and budgets per location: their
 * searches of some SKUs and their checks, stopped and resumed. */
static void test_tune_cold_and_locations(void **state)
{
    (void)state;
    ech_scenario sc;
    load("tune_cold.yaml", &sc);
    sc.tuning.replications = 8;
    sc.tuning.max_replications = 8;
    sc.tuning.location_budget = malloc((size_t)sc.net.n * sizeof(double));
    for (int32_t l = 0; l < sc.net.n; ++l)
        sc.tuning.location_budget[l] = NAN;
    int32_t dc = ech_scenario_find_location(&sc, "DC01");
    assert_true(dc >= 0);
    sc.tuning.location_budget[dc] = 500;
    g_frontier = 0;
    g_classic = 0;
    const uint64_t fp = 0x6262;
    ech_tune_result ref, res;
    assert_int_equal(tune_once(&sc, 2, NULL, 0, 0, fp, &ref), ECH_OK);
    if (g_rank == 0)
        printf("  uninterrupted: %d searches, %d cold rooms%s, %d location budget(s)%s\n",
               (int)ref.passes, (int)ref.n_cold, ref.cold_met ? " held" : "",
               (int)ref.n_location_budgets, ref.location_budgets_met ? " met" : "");
    CHECK(ref.has_cold && ref.n_location_budgets == 1);
    char folder[512];
    snprintf(folder, sizeof folder, "%s/cold.h5.checkpoint", g_dir);
    const int64_t stops[] = {40, 130, 200, 0};
    ech_status st = ECH_STOPPED;
    int attempts = 0;
    for (; st == ECH_STOPPED && attempts < 40; ++attempts) {
        int64_t after = attempts < 3 ? stops[attempts] : 0;
        st = tune_once(&sc, 2, folder, attempts > 0, after, fp, &res);
        if (st == ECH_STOPPED)
            ech_tune_result_free(&res);
    }
    CHECK(st == ECH_OK);
    CHECK(attempts >= 2);
    if (st == ECH_OK) {
        check_tuned(&sc, &ref, &res, "tune, cold rooms and a location budget");
        ech_tune_result_free(&res);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        ech_checkpoint_remove(folder);
    g_frontier = 2;
    g_classic = 1;
    ech_tune_result_free(&ref);
    ech_scenario_free(&sc);
    finish_checks();
}

/* ------------------------------------------------------------------------------
 * echelon contract
 * ------------------------------------------------------------------------------ */

static ech_status contract_once(const ech_scenario *sc, int threads, const char *folder, int resume,
                                int64_t stop_after, int64_t kpi_limit, ech_contract_result *res)
{
    ech_contract_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.n_threads = threads;
    opt.replications = 64;
    opt.refine_replications = 32;
    opt.today_margin = 0.1;
    opt.kpi_memory_limit = kpi_limit;
    opt.progress_interval = 30;
    opt.checkpoint.folder = folder;
    opt.checkpoint.resume = resume;
    opt.checkpoint.fingerprint = 77;
    opt.checkpoint.created = "2027-01-01T00:00:00Z";
    opt.checkpoint.stop_after_units = stop_after;
    ech_error err;
    ech_error_clear(&err);
    ech_stop_clear();
    ech_status st = ech_contract_run(sc, MPI_COMM_WORLD, &opt, res, &err);
    ech_stop_clear();
    if (st != ECH_OK && st != ECH_STOPPED && g_rank == 0)
        printf("  contract: %s\n", err.msg);
    return st;
}

static void test_contract_stop_and_resume(void **state)
{
    (void)state;
    ech_scenario sc;
    load("contract_small.yaml", &sc);
    ech_contract_result ref;
    assert_int_equal(contract_once(&sc, 2, NULL, 0, 0, 0, &ref), ECH_OK);
    /* The stopped and resumed sizing holds its SKUs' values 3 skulocs at a time
     * (of up to 9): every figure the same to the bit. */
    const int64_t three_skulocs = 3 * (int64_t)ECH_KPI_COUNT * 64 * 8;
    char folder[512];
    snprintf(folder, sizeof folder, "%s/contract.h5.checkpoint", g_dir);
    ech_contract_result res;
    ech_status st = ECH_STOPPED;
    int attempts = 0;
    for (; st == ECH_STOPPED && attempts < 20; ++attempts) {
        st = contract_once(&sc, 2, folder, attempts > 0, attempts < 3 ? 2 : 0, three_skulocs, &res);
        if (st == ECH_STOPPED)
            ech_contract_result_free(&res);
    }
    CHECK(st == ECH_OK);
    CHECK(attempts >= 3); /* a few SKUs per rank an attempt, then the rest */
    if (st == ECH_OK) {
        size_t nk = (size_t)sc.cat.n;
#define SAME_FIELD(field, name, units, desc) CHECK(same_bytes(ref.field, res.field, nk * 8));
        ECH_CONTRACT_SKU_FIELDS(SAME_FIELD)
#undef SAME_FIELD
        size_t months = (size_t)sc.suppliers.n * (size_t)ref.n_months * 8;
        CHECK(same_bytes(ref.supplier_month_need, res.supplier_month_need, months));
        CHECK(same_bytes(ref.supplier_month_value, res.supplier_month_value, months));
        CHECK(ref.n_sized == res.n_sized && ref.skuloc_days == res.skuloc_days);
        CHECK(res.resumed);
        ech_contract_result_free(&res);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        ech_checkpoint_remove(folder);
    ech_contract_result_free(&ref);
    ech_scenario_free(&sc);
    finish_checks();
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    ts_mpi_temp_dir(g_dir, (int)sizeof g_dir, "tune-checkpoint");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tune_stop_and_resume),
        cmocka_unit_test(test_tune_cold_and_locations),
        cmocka_unit_test(test_contract_stop_and_resume),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        rmdir(g_dir);
    MPI_Finalize();
    return failed;
}
