/* Cold rooms under MPI (normally 2 ranks): the exact reduction of the occupancy to
 * every rank and to rank 0, the broadcast of the statistics, and whole runs
 * (ech_run) of a scenario with cold-chain SKUs and three variants on every layout
 * this test can make: 2 ranks x 1 and x 2 threads on MPI_COMM_WORLD, 1 rank x 1
 * and x 2 threads on MPI_COMM_SELF, the variants in one, two or three passes
 * (a small memory limit) and a variant's replications in blocks (smaller still),
 * the later blocks simulated again.  Every layout must give the same statistics and the same
 * daily occupancy, bit for bit; the results file must hold them.
 *
 * Checks count failures instead of aborting, so the ranks stay in step; the count
 * is summed over the ranks and asserted on each. */
#include "echelon/cold_chain.h"
#include "echelon/kpi.h"
#include "echelon/output.h"
#include "echelon/run.h"
#include "support_mpi.h"

#include <hdf5.h>
#include <mpi.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A cell's value on rank r: large enough that a sum through doubles would lose
 * units (above 2^53 together), distinct per cell and rank. */
static int64_t cell_value(int r, int64_t i)
{
    return ((int64_t)1 << 51) + (int64_t)(r + 1) * 1000003 * (i + 1) + r;
}

static void test_reduce(void **state)
{
    (void)state;
    ech_scenario sc;
    cold_case(&sc, 3, 10, 2, 1, 5);
    for (int root = -1; root < g_size; ++root) {
        ech_cold_rooms c;
        ech_cold_rooms_init(&c, &sc);
        CHECK(c.n == COLD_N_ROOMS);
        int64_t cells = ech_cold_rooms_cells(&c);
        for (int64_t i = 0; i < cells; ++i)
            c.ml[i] = cell_value(g_rank, i);
        CHECK(ech_cold_rooms_reduce(&c, MPI_COMM_WORLD, root) == MPI_SUCCESS);
        for (int64_t i = 0; i < cells; ++i) {
            int64_t want = 0;
            if (root < 0 || g_rank == root)
                for (int r = 0; r < g_size; ++r)
                    want += cell_value(r, i);
            else
                want = cell_value(g_rank, i);
            if (c.ml[i] != want) {
                CHECK(c.ml[i] == want);
                break;
            }
        }
        ech_cold_rooms_free(&c);
    }

    /* No rooms: nothing to send, and the call still matches on every rank. */
    ech_cold_rooms none;
    memset(&none, 0, sizeof none);
    CHECK(ech_cold_rooms_reduce(&none, MPI_COMM_WORLD, 0) == MPI_SUCCESS);
    CHECK(ech_cold_rooms_reduce(&none, MPI_COMM_WORLD, -1) == MPI_SUCCESS);
    ech_scenario_free(&sc);
    finish_checks();
}

static void test_stats_bcast(void **state)
{
    (void)state;
    int64_t ml[12];
    for (int i = 0; i < 12; ++i)
        ml[i] = 100 * (i % 5) + i;
    int32_t location[2] = {0, 2}, slot[3] = {0, -1, 1};
    ech_cold_rooms c = {.n = 2,
                        .location = location,
                        .slot = slot,
                        .n_reps = 2,
                        .block_reps = 2,
                        .n_days = 3,
                        .ml = ml};
    double capacity[3] = {0.25, 0, 0.3};
    const double q[2] = {0.1, 0.9};
    ech_cold_stats s;
    memset(&s, 0, sizeof s);
    if (g_rank == 0)
        ech_cold_stats_compute(&c, capacity, q, 2, 1, &s);
    CHECK(ech_cold_stats_bcast(&s, MPI_COMM_WORLD, 0) == MPI_SUCCESS);
    ech_cold_stats mine;
    ech_cold_stats_compute(&c, capacity, q, 2, 2, &mine);
    CHECK(s.n == 2 && s.n_quantiles == 2);
    CHECK(memcmp(s.location, mine.location, 2 * sizeof(int32_t)) == 0);
    CHECK(memcmp(s.values, mine.values, 2 * (9 + 2) * sizeof(double)) == 0);
    CHECK(s.exceed_probability[0] > 0 && isnan(s.exceed_probability[1]) == 0);
    ech_cold_stats_free(&mine);
    ech_cold_stats_free(&s);
    finish_checks();
}

/* ------------------------------------------------------------------------------
 * Whole runs
 * ------------------------------------------------------------------------------ */

typedef struct layout {
    const char *name;
    MPI_Comm comm;
    int threads;
    int64_t memory_limit;
    int keep;
    int passes; /* expected */
} layout;

static ech_status run_layout(ech_scenario *sc, const layout *l, const char *path, ech_results *rep)
{
    sc->output.keep_replications = l->keep;
    ech_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.n_threads = l->threads;
    opt.output_path = path;
    opt.command_line = "test_mpi_cold_chain";
    opt.created = "2027-01-01T00:00:00Z";
    opt.progress_interval = 30;
    opt.cold_memory_limit = l->memory_limit;
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_run(sc, l->comm, &opt, rep, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s: %s\n", g_rank, l->name, err.msg);
    return st;
}

/* Reads an int64 or double dataset whole into buf (rank 0, serial HDF5). */
static int read_dataset(hid_t f, const char *path, hid_t type, void *buf, size_t n)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t space = H5Dget_space(d);
    int ok = H5Sget_simple_extent_npoints(space) == (hssize_t)n &&
             H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    H5Sclose(space);
    H5Dclose(d);
    return ok ? 0 : -1;
}

static void test_run_layouts(void **state)
{
    (void)state;
    ech_scenario sc;
    cold_case(&sc, 6, 50, 10, 3, 4242);
    const int32_t n_var = sc.n_variants, nq = sc.output.n_quantiles;
    const int64_t cells = (int64_t)COLD_N_ROOMS * sc.replications * sc.days;
    const int64_t per_variant = cells * (int64_t)sizeof(int64_t);
    const int64_t per_rep = per_variant / sc.replications;
    const layout layouts[] = {
        {"2x1 kept", MPI_COMM_WORLD, 1, 0, 1, 1},
        {"2x2", MPI_COMM_WORLD, 2, 0, 0, 1},
        {"1x1 kept", MPI_COMM_SELF, 1, 0, 1, 1},
        {"1x2", MPI_COMM_SELF, 2, 0, 0, 1},
        {"1x2 kept, a pass per variant", MPI_COMM_SELF, 2, per_variant + 1, 1, 3},
        {"2x1, two passes", MPI_COMM_WORLD, 1, 2 * per_variant, 0, 2},
        {"2x2 kept, a pass per variant", MPI_COMM_WORLD, 2, 1, 1, 3},
        /* Blocks of replications, the later ones simulated again: one at a time, and
         * three (the last block shorter). */
        {"2x2, blocks of one replication", MPI_COMM_WORLD, 2, per_rep, 0, 3},
        {"1x2, blocks of three", MPI_COMM_SELF, 2, 3 * per_rep, 0, 3},
        {"2x1, blocks of three", MPI_COMM_WORLD, 1, 3 * per_rep + 7, 0, 3},
    };
    enum { N_LAYOUTS = sizeof layouts / sizeof layouts[0] };
    ech_results rep[N_LAYOUTS];
    char path[512];
    snprintf(path, sizeof path, "%s/cold.h5", g_dir);

    for (int i = 0; i < N_LAYOUTS; ++i) {
        const layout *l = &layouts[i];
        /* The file from the first layout (world, kept), read back below. */
        ech_status st = run_layout(&sc, l, i == 0 ? path : NULL, &rep[i]);
        CHECK(st == ECH_OK);
        if (st != ECH_OK) {
            ech_results_free(&rep[i]);
            continue;
        }
        CHECK(rep[i].n_cold == COLD_N_ROOMS);
        CHECK(rep[i].n_passes == l->passes);
        int rank_in;
        MPI_Comm_rank(l->comm, &rank_in);
        CHECK((rep[i].cold_rooms != NULL) == (l->keep && rank_in == 0));
    }

    const ech_results *a = &rep[0];
    for (int i = 1; i < N_LAYOUTS; ++i) {
        const ech_results *b = &rep[i];
        if (!a->cold || !b->cold)
            continue;
        CHECK(a->info.verification_hash == b->info.verification_hash);
        for (int32_t v = 0; v < n_var; ++v) {
            const ech_cold_stats *x = &a->cold[v], *y = &b->cold[v];
            CHECK(x->n == COLD_N_ROOMS && y->n == COLD_N_ROOMS && y->n_quantiles == nq);
            CHECK(memcmp(x->location, y->location, (size_t)x->n * sizeof(int32_t)) == 0);
            if (memcmp(x->values, y->values, (size_t)x->n * (size_t)(9 + nq) * sizeof(double)) !=
                0) {
                fprintf(stderr, "[rank %d] %s: variant %d statistics differ from %s\n", g_rank,
                        layouts[i].name, (int)v, layouts[0].name);
                ++g_failures;
            }
        }
        /* The daily occupancy where both keep it (rank 0 of each). */
        if (a->cold_rooms && b->cold_rooms)
            for (int32_t v = 0; v < n_var; ++v)
                CHECK(memcmp(a->cold_rooms[v].ml, b->cold_rooms[v].ml,
                             (size_t)cells * sizeof(int64_t)) == 0);
    }

    /* The variants fill the rooms differently, some rooms overflow, and the
     * statistics follow from the daily occupancy. */
    if (a->cold) {
        CHECK(memcmp(a->cold[0].mean_litres, a->cold[1].mean_litres,
                     COLD_N_ROOMS * sizeof(double)) != 0);
        CHECK(memcmp(a->cold[0].mean_litres, a->cold[2].mean_litres,
                     COLD_N_ROOMS * sizeof(double)) != 0);
        int over = 0;
        for (int32_t i = 0; i < COLD_N_ROOMS; ++i)
            over += a->cold[0].exceed_probability[i] > 0;
        CHECK(over > 0);
    }
    if (a->cold_rooms) {
        for (int32_t v = 0; v < n_var; ++v) {
            ech_cold_stats s;
            ech_cold_stats_compute(&a->cold_rooms[v], sc.net.cold_capacity_litres,
                                   sc.output.quantiles, nq, 1, &s);
            CHECK(memcmp(s.values, a->cold[v].values,
                         (size_t)s.n * (size_t)(9 + nq) * sizeof(double)) == 0);
            ech_cold_stats_free(&s);
        }
    }

    /* The file holds the same numbers. */
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0 && a->cold_rooms) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(f >= 0);
        static const char *group[3] = {"/cold_chain", "/variants/lean/cold_chain",
                                       "/variants/rich/cold_chain"};
        double *d = malloc((size_t)COLD_N_ROOMS * (size_t)(nq > 0 ? nq : 1) * sizeof *d);
        int64_t *ml = malloc((size_t)cells * sizeof *ml);
        int32_t loc[COLD_N_ROOMS];
        char name[128];
        for (int32_t v = 0; f >= 0 && v < n_var; ++v) {
            const ech_cold_stats *s = &a->cold[v];
            snprintf(name, sizeof name, "%s/location_index", group[v]);
            CHECK(read_dataset(f, name, H5T_NATIVE_INT32, loc, COLD_N_ROOMS) == 0);
            CHECK(memcmp(loc, COLD_ROOMS, sizeof loc) == 0);
            snprintf(name, sizeof name, "%s/occupancy_mean", group[v]);
            CHECK(read_dataset(f, name, H5T_NATIVE_DOUBLE, d, COLD_N_ROOMS) == 0);
            CHECK(memcmp(d, s->mean_litres, COLD_N_ROOMS * sizeof(double)) == 0);
            snprintf(name, sizeof name, "%s/exceed_probability", group[v]);
            CHECK(read_dataset(f, name, H5T_NATIVE_DOUBLE, d, COLD_N_ROOMS) == 0);
            for (int32_t i = 0; i < COLD_N_ROOMS; ++i)
                CHECK((isnan(d[i]) && isnan(s->exceed_probability[i])) ||
                      d[i] == s->exceed_probability[i]);
            snprintf(name, sizeof name, "%s/occupancy_quantiles", group[v]);
            CHECK(read_dataset(f, name, H5T_NATIVE_DOUBLE, d, (size_t)COLD_N_ROOMS * (size_t)nq) ==
                  0);
            CHECK(memcmp(d, s->quantile_litres,
                         (size_t)COLD_N_ROOMS * (size_t)nq * sizeof(double)) == 0);
            snprintf(name, sizeof name, "%s/occupancy_ml", group[v]);
            CHECK(read_dataset(f, name, H5T_NATIVE_INT64, ml, (size_t)cells) == 0);
            CHECK(memcmp(ml, a->cold_rooms[v].ml, (size_t)cells * sizeof(int64_t)) == 0);
        }
        free(ml);
        free(d);
        if (f >= 0)
            H5Fclose(f);
        unlink(path);
    }

    for (int i = 0; i < N_LAYOUTS; ++i)
        ech_results_free(&rep[i]);
    ech_scenario_free(&sc);
    finish_checks();
}

/* A scenario without cold-chain volumes: no rooms, no passes, nothing kept. */
static void test_run_without_rooms(void **state)
{
    (void)state;
    ech_scenario sc;
    cold_case(&sc, 2, 10, 0, 2, 7);
    for (int32_t k = 0; k < sc.cat.n; ++k)
        sc.cat.unit_volume_litres[k] = 0;
    layout l = {"no rooms", MPI_COMM_WORLD, 1, 1, 1, 1};
    ech_results rep;
    CHECK(run_layout(&sc, &l, NULL, &rep) == ECH_OK);
    CHECK(rep.n_cold == 0 && rep.cold == NULL && rep.cold_rooms == NULL && rep.n_passes == 1);
    ech_results_free(&rep);
    ech_scenario_free(&sc);
    finish_checks();
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    ts_mpi_temp_dir(g_dir, (int)sizeof g_dir, "cold");

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_stats_bcast),
        cmocka_unit_test(test_run_layouts),
        cmocka_unit_test(test_run_without_rooms),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        rmdir(g_dir);
    MPI_Finalize();
    return failed ? 1 : 0;
}
