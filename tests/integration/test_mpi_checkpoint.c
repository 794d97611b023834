/* Checkpoint and resume (run_state.h, checkpoint.h) under MPI (normally 2 ranks):
 * a run stopped after some work units and resumed, once or several times, must end
 * bitwise identical to the same run uninterrupted — statistics of every skuloc and
 * variant, kept replications, totals, per-SKU and per-location sums, purchases,
 * cold-room statistics and daily occupancy, and the verification hash — on 2 ranks
 * x 1 and x 2 threads (SKUs split over ranks), on one rank, with the variants
 * in several passes, and with each SKU's skulocs in windows of two (a pass per
 * window).  Also: a checkpoint is refused for another scenario or layout,
 * and a damaged one is refused with its name.
 *
 * Checks count failures instead of aborting, so the ranks stay in step. */
#include "echelon/checkpoint.h"
#include "echelon/kpi.h"
#include "echelon/run.h"
#include "echelon/stop.h"
#include "support_mpi.h"

#include <mpi.h>

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

#include "support_scenario.h"
#include "support_cold_scenario.h"

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

typedef struct layout {
    const char *name;
    MPI_Comm comm;
    int threads;
    int64_t memory_limit; /* 0: one pass */
    int keep;
    int64_t kpi_limit; /* 0: every SKU's skulocs at once */
} layout;

static ech_status run_once(ech_scenario *sc, const layout *l, const char *folder, int resume,
                           int64_t stop_after, uint64_t fingerprint, ech_results *res,
                           ech_error *err)
{
    sc->output.keep_replications = l->keep;
    ech_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.n_threads = l->threads;
    opt.command_line = "test_mpi_checkpoint";
    opt.created = resume ? "2027-02-02T00:00:00Z" : "2027-01-01T00:00:00Z";
    opt.progress_interval = 30;
    opt.cold_memory_limit = l->memory_limit;
    opt.kpi_memory_limit = l->kpi_limit;
    opt.checkpoint_folder = folder;
    opt.resume = resume;
    opt.checkpoint_fingerprint = fingerprint;
    opt.stop_after_units = stop_after;
    ech_stop_clear();
    ech_error_clear(err);
    ech_status st = ech_run(sc, l->comm, &opt, res, err);
    ech_stop_clear();
    return st;
}

static int same_bytes(const void *a, const void *b, size_t n)
{
    return (a == NULL && b == NULL) || (a && b && memcmp(a, b, n) == 0);
}

/* Everything a run computes, compared bit for bit. */
static void check_identical(const ech_scenario *sc, const ech_results *a, const ech_results *b,
                            int same_passes, const char *what)
{
    int before = g_failures;
    const size_t V = (size_t)a->n_variants, R = (size_t)a->n_reps, K = ECH_KPI_COUNT;
    const size_t rows = (size_t)(a->skuloc_end - a->skuloc_begin);
    CHECK(a->skuloc_begin == b->skuloc_begin && a->skuloc_end == b->skuloc_end);
    CHECK(a->info.verification_hash == b->info.verification_hash);
    for (size_t v = 0; v < V; ++v) {
        CHECK(same_bytes(a->stats[v], b->stats[v], rows * K * (size_t)a->n_stats * 8));
        if (a->reps)
            CHECK(b->reps && same_bytes(a->reps[v], b->reps[v], rows * K * R * 8));
    }
    CHECK(same_bytes(a->totals, b->totals, V * (size_t)a->n_groups * R * ECH_TOTAL_COUNT * 8));
    CHECK(same_bytes(a->sku_lost, b->sku_lost, V * (size_t)a->n_skus * 8));
    CHECK(same_bytes(a->sku_recovery, b->sku_recovery, V * (size_t)a->n_skus * 8));
    CHECK(same_bytes(a->sku_disrupted, b->sku_disrupted, V * (size_t)a->n_skus * 8));
    CHECK(same_bytes(a->location_lost, b->location_lost, V * (size_t)a->n_locations * 8));
    size_t months = V * (size_t)a->n_suppliers * (size_t)a->n_months * R * 8;
    CHECK(same_bytes(a->supplier_month_units, b->supplier_month_units, months));
    CHECK(same_bytes(a->supplier_month_value, b->supplier_month_value, months));
    CHECK(a->n_cold == b->n_cold && (a->n_passes == b->n_passes || !same_passes));
    for (size_t v = 0; a->cold && v < V; ++v)
        CHECK(same_bytes(a->cold[v].values, b->cold[v].values,
                         (size_t)a->n_cold * (9 + (size_t)sc->output.n_quantiles) * 8));
    CHECK((a->cold_rooms == NULL) == (b->cold_rooms == NULL));
    for (size_t v = 0; a->cold_rooms && b->cold_rooms && v < V; ++v)
        CHECK(same_bytes(a->cold_rooms[v].ml, b->cold_rooms[v].ml,
                         (size_t)ech_cold_rooms_cells(&a->cold_rooms[v]) * 8));
    if (g_failures > before)
        fprintf(stderr, "[rank %d] %s: results differ from the uninterrupted run\n", g_rank, what);
}

static int folder_exists(const char *folder)
{
    struct stat st;
    return stat(folder, &st) == 0;
}

static void test_stop_and_resume(void **state)
{
    (void)state;
    ech_scenario sc;
    cold_case(&sc, 6, 40, 8, 3, 777);
    const int64_t per_variant = (int64_t)COLD_N_ROOMS * sc.replications * sc.days * 8;
    const int64_t two_skulocs = 2 * (int64_t)ECH_KPI_COUNT * sc.replications * 8 + 1;
    const layout layouts[] = {
        {"2x1 kept", MPI_COMM_WORLD, 1, 0, 1, 0},
        {"2x2", MPI_COMM_WORLD, 2, 0, 0, 0},
        {"2x2 kept, a pass per variant", MPI_COMM_WORLD, 2, 1, 1, 0},
        {"2x1, two passes", MPI_COMM_WORLD, 1, 2 * per_variant, 0, 0},
        {"1x2 kept, a pass per variant", MPI_COMM_SELF, 2, per_variant + 1, 1, 0},
        {"2x2, windows of two skulocs", MPI_COMM_WORLD, 2, 0, 0, two_skulocs},
        {"2x1, windows of two skulocs, a pass per variant", MPI_COMM_WORLD, 1, per_variant + 1, 0,
         two_skulocs},
    };
    /* Stop after the first unit, after the second (if the rank has two), and after
     * every unit (resumed each time until the run completes). */
    const int64_t stops[] = {1, 2, -1};
    uint64_t fingerprint = 0x1234;

    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; ++i) {
        const layout *l = &layouts[i];
        /* Runs on MPI_COMM_SELF are one per process: a folder each. */
        char folder[512];
        snprintf(folder, sizeof folder, "%s/run-%d.h5.checkpoint", g_dir,
                 l->comm == MPI_COMM_SELF ? g_rank : -1);
        ech_results ref;
        ech_error err;
        CHECK(run_once(&sc, l, NULL, 0, 0, fingerprint, &ref, &err) == ECH_OK);
        if (l->kpi_limit > 0) { /* the windows change nothing but the passes */
            layout whole = *l;
            whole.kpi_limit = 0;
            ech_results once;
            CHECK(run_once(&sc, &whole, NULL, 0, 0, fingerprint, &once, &err) == ECH_OK);
            CHECK(ref.n_passes == 4 * once.n_passes); /* the largest SKU's 7 skulocs */
            check_identical(&sc, &once, &ref, 0, l->name);
            ech_results_free(&once);
        }
        for (size_t s = 0; s < sizeof stops / sizeof stops[0]; ++s) {
            int64_t every = stops[s] < 0 ? -stops[s] : 0;
            ech_results res;
            ech_status st =
                run_once(&sc, l, folder, 0, every ? every : stops[s], fingerprint, &res, &err);
            if (stops[s] != 2) { /* every rank has a unit, not always two */
                CHECK(st == ECH_STOPPED);
                CHECK(strstr(err.msg, "--resume") != NULL);
                CHECK(folder_exists(folder));
            }
            int attempts = 1;
            while (st == ECH_STOPPED && attempts < 200) {
                ech_results_free(&res);
                st = run_once(&sc, l, folder, 1, every, fingerprint, &res, &err);
                ++attempts;
            }
            CHECK(st == ECH_OK);
            if (st != ECH_OK)
                fprintf(stderr, "[rank %d] %s: %s\n", g_rank, l->name, err.msg);
            if (every)
                CHECK(attempts > 2);
            if (g_rank == 0 && every)
                printf("%s: stopped after every unit, identical after %d attempts\n", l->name,
                       attempts);
            if (st == ECH_OK) {
                char what[128];
                snprintf(what, sizeof what, "%s, stop %lld", l->name, (long long)stops[s]);
                check_identical(&sc, &ref, &res, 1, what);
                CHECK(strcmp(res.info.created, "2027-01-01T00:00:00Z") == 0);
            }
            MPI_Barrier(MPI_COMM_WORLD);
            CHECK(!folder_exists(folder)); /* a completed run removes it */
            ech_results_free(&res);
            MPI_Barrier(MPI_COMM_WORLD);
        }
        ech_results_free(&ref);
    }
    ech_scenario_free(&sc);
    finish_checks();
}

static void test_refusals(void **state)
{
    (void)state;
    ech_scenario sc;
    cold_case(&sc, 4, 30, 5, 3, 99);
    char folder[512];
    snprintf(folder, sizeof folder, "%s/refused.h5.checkpoint", g_dir);
    layout two = {"2x1", MPI_COMM_WORLD, 1, 0, 0, 0};
    layout threads = {"2x2", MPI_COMM_WORLD, 2, 0, 0, 0};
    ech_results res;
    ech_error err;
    CHECK(run_once(&sc, &two, folder, 0, 2, 1, &res, &err) == ECH_STOPPED);
    ech_results_free(&res);

    /* Another scenario (fingerprint), another layout. */
    CHECK(run_once(&sc, &two, folder, 1, 0, 2, &res, &err) == ECH_ERR_INPUT);
    CHECK(strstr(err.msg, "changed") != NULL);
    ech_results_free(&res);
    CHECK(run_once(&sc, &threads, folder, 1, 0, 1, &res, &err) == ECH_ERR_INPUT);
    CHECK(strstr(err.msg, "2 rank(s) x 1 thread(s)") != NULL);
    ech_results_free(&res);

    /* A damaged file: named, refused. */
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0) {
        char *file = ech_checkpoint_rank_file(folder, 0);
        FILE *f = fopen(file, "r+b");
        CHECK(f != NULL);
        if (f) {
            fseek(f, 300, SEEK_SET);
            fputc(0x5a, f);
            fclose(f);
        }
        free(file);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(run_once(&sc, &two, folder, 1, 0, 1, &res, &err) == ECH_ERR_INPUT);
    CHECK(strstr(err.msg, "damaged") != NULL && strstr(err.msg, "rank-000000.ckpt") != NULL);
    ech_results_free(&res);

    /* Resume without a checkpoint: the run starts from the beginning. */
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        CHECK(ech_checkpoint_remove(folder) == 0);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(run_once(&sc, &two, folder, 1, 0, 1, &res, &err) == ECH_OK);
    ech_results_free(&res);
    ech_scenario_free(&sc);
    finish_checks();
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    ts_mpi_temp_dir(g_dir, (int)sizeof g_dir, "checkpoint");

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_and_resume),
        cmocka_unit_test(test_refusals),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        rmdir(g_dir);
    MPI_Finalize();
    return failed;
}
