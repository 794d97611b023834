/* A whole run over a communicator; see include/echelon/run.h. */
#include "echelon/run.h"
#include "echelon/cold_chain.h"
#include "echelon/decomp.h"
#include "echelon/engine.h"
#include "echelon/kpi.h"
#include "echelon/progress.h"
#include "echelon/rng.h"
#include "echelon/stats.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct work_item {
    int64_t work;
    int32_t sku;
} work_item;

/* Heaviest SKUs first, so that the last SKUs handed to threads are light ones and
 * threads finish together; ties by SKU index keep the order fixed. */
static int cmp_work_desc(const void *a, const void *b)
{
    const work_item *x = a, *y = b;
    if (x->work != y->work)
        return x->work > y->work ? -1 : 1;
    return (x->sku > y->sku) - (x->sku < y->sku);
}

/* An order-free hash: a wrapping sum of mixed (position, value bits) pairs, so any
 * split of the values over ranks and threads adds up to the same number. */
static inline uint64_t hash_value(uint64_t position, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return ech_mix64(ech_mix64(position) ^ bits);
}

ech_status ech_agree(MPI_Comm comm, ech_status local, ech_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int mine = local != ECH_OK ? rank : size;
    int first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size)
        return ECH_OK;
    int status = local;
    MPI_Bcast(&status, 1, MPI_INT, first, comm);
    MPI_Bcast(err->msg, (int)sizeof err->msg, MPI_CHAR, first, comm);
    err->status = (ech_status)status;
    return (ech_status)status;
}

/* Statistics of every KPI of SKU k's skulocs in variant v, into the SKU's slots of
 * the rank's block (which starts at skuloc x0), and their share of the hash. */
static void summarize_sku(const ech_scenario *sc, int32_t k, int32_t v, int64_t x0,
                          const double *vals, int64_t n_rep, int n_stats, double *stats,
                          double *sorted, uint64_t *hash)
{
    int64_t xb = sc->sl.sku_begin[k], nodes = sc->sl.sku_begin[k + 1] - xb;
    uint64_t variant_salt = ech_mix64((uint64_t)v + 1);
    for (int64_t i = 0; i < nodes; ++i) {
        for (int kpi = 0; kpi < ECH_KPI_COUNT; ++kpi) {
            const double *series = vals + ((size_t)i * ECH_KPI_COUNT + (size_t)kpi) * (size_t)n_rep;
            size_t slot = ((size_t)(xb - x0 + i) * ECH_KPI_COUNT + (size_t)kpi) * (size_t)n_stats;
            ech_stats_summarize(series, n_rep, sc->output.quantiles, sc->output.n_quantiles,
                                stats + slot, sorted);
            uint64_t pos = ((uint64_t)(xb + i) * ECH_KPI_COUNT + (uint64_t)kpi) * (uint64_t)n_stats;
            for (int j = 0; j < n_stats; ++j)
                *hash += hash_value((pos + (uint64_t)j) ^ (v ? variant_salt : 0), stats[slot + (size_t)j]);
        }
    }
}

/* Sums over replications that compare variants: lost (and backordered) units at the
 * SKU's demand points, per SKU and per location; the SKU's longest recovery (the
 * largest over its demand points, per replication); the days its primary source
 * was disrupted.  Whole numbers, so their sums are exact in any order. */
static void compare_sums(const ech_scenario *sc, int32_t k, int32_t v, const double *vals,
                         int64_t n_rep, int64_t *sku_lost, int64_t *sku_recovery,
                         int64_t *sku_disrupted, int64_t *location_lost)
{
    int64_t xb = sc->sl.sku_begin[k], nodes = sc->sl.sku_begin[k + 1] - xb;
    size_t ks = (size_t)v * (size_t)sc->cat.n + (size_t)k;
    for (int64_t r = 0; r < n_rep; ++r) {
        int64_t longest = 0;
        for (int64_t i = 0; i < nodes; ++i) {
            if (sc->sl.demand_dist[xb + i] == ECH_DEMAND_NONE)
                continue;
            const double *row = vals + (size_t)i * ECH_KPI_COUNT * (size_t)n_rep;
            int64_t lost = (int64_t)(row[ECH_KPI_LOST * n_rep + r] + row[ECH_KPI_BACKORDERED * n_rep + r]);
            sku_lost[ks] += lost;
            location_lost[(size_t)v * (size_t)sc->net.n + (size_t)sc->sl.location[xb + i]] += lost;
            int64_t rec = (int64_t)row[ECH_KPI_RECOVERY_DAYS * n_rep + r];
            if (rec > longest)
                longest = rec;
        }
        sku_recovery[ks] += longest;
        sku_disrupted[ks] += (int64_t)vals[ECH_KPI_DISRUPTED_DAYS * n_rep + r];
    }
}

ech_status ech_run(const ech_scenario *sc, MPI_Comm comm, const ech_run_options *opt,
                   ech_run_report *report, ech_error *err)
{
    int rank, n_ranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &n_ranks);
    memset(report, 0, sizeof *report);

    const int32_t n_sku = sc->cat.n;
    const int64_t n_rep = sc->replications;
    const int n_stats = 2 + sc->output.n_quantiles;
    const int64_t n_groups = 1 + sc->n_segments;
    const int32_t n_var = sc->n_variants;
    const int n_threads = opt->n_threads > 0 ? opt->n_threads : 1;

    /* A day-by-day trace of one SKU, written by the rank that simulates it. */
    int32_t trace_sku = -1;
    if (opt->trace_sku) {
        trace_sku = ech_scenario_find_sku(sc, opt->trace_sku);
        if (trace_sku < 0)
            return ech_fail(err, ECH_ERR_INPUT, "--trace: no SKU '%s' in the scenario", opt->trace_sku);
        if (opt->trace_replication < 0 || opt->trace_replication >= n_rep)
            return ech_fail(err, ECH_ERR_INPUT,
                            "--trace-replication: %lld is not one of the %lld replications",
                            (long long)opt->trace_replication, (long long)n_rep);
    }

    /* Decomposition by estimated work. */
    int64_t *work = ech_xmalloc((size_t)(n_sku ? n_sku : 1) * sizeof *work, "SKU cost estimates");
    int64_t total_work = 0; /* skuloc-days, for the figure of merit */
    for (int32_t k = 0; k < n_sku; ++k) {
        work[k] = ech_engine_sku_cost(sc, k);
        total_work += ech_engine_sku_work(sc, k);
    }
    int32_t *first_sku = ech_xmalloc(((size_t)n_ranks + 1) * sizeof *first_sku, "decomposition");
    ech_decompose(work, n_sku, n_ranks, first_sku);
    int32_t k0 = first_sku[rank], k1 = first_sku[rank + 1];
    int64_t x0 = sc->sl.sku_begin[k0], x1 = sc->sl.sku_begin[k1];
    int64_t n_local = x1 - x0;

    int32_t n_items = k1 - k0;
    work_item *items = ech_xmalloc((size_t)(n_items ? n_items : 1) * sizeof *items, "work list");
    int64_t my_work = 0;
    int32_t max_nodes = 0;
    for (int32_t k = k0; k < k1; ++k) {
        items[k - k0].sku = k;
        items[k - k0].work = work[k];
        my_work += work[k];
        int32_t nodes = (int32_t)(sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k]);
        if (nodes > max_nodes)
            max_nodes = nodes;
    }
    qsort(items, (size_t)n_items, sizeof *items, cmp_work_desc);

    ech_trace trace = {trace_sku, opt->trace_variant, opt->trace_replication, NULL};
    int trace_failed = 0;
    if (trace_sku >= k0 && trace_sku < k1) {
        trace.out = fopen(opt->trace_path, "w");
        trace_failed = trace.out == NULL;
    }
    int any_trace_failed;
    MPI_Allreduce(&trace_failed, &any_trace_failed, 1, MPI_INT, MPI_MAX, comm);
    if (any_trace_failed) {
        free(items);
        free(first_sku);
        free(work);
        return ech_fail(err, ECH_ERR_INPUT, "--trace-file: cannot write %s", opt->trace_path);
    }

    /* Per variant: statistics of this rank's skulocs, optionally every replication,
     * and the totals; all indexed [variant] first. */
    size_t stats_len = (size_t)n_local * ECH_KPI_COUNT * (size_t)n_stats;
    size_t reps_len = (size_t)n_local * ECH_KPI_COUNT * (size_t)n_rep;
    size_t totals_len = (size_t)n_groups * (size_t)n_rep * ECH_TOTAL_COUNT;
    double **stats = ech_xcalloc((size_t)n_var, sizeof *stats, "KPI statistics");
    double **reps = ech_xcalloc((size_t)n_var, sizeof *reps, "KPI replications");
    for (int32_t v = 0; v < n_var; ++v) {
        stats[v] = ech_xmalloc((stats_len ? stats_len : 1) * sizeof **stats, "KPI statistics");
        if (sc->output.keep_replications)
            reps[v] = ech_xmalloc((reps_len ? reps_len : 1) * sizeof **reps, "KPI replications");
    }
    int64_t *totals = ech_xcalloc(totals_len * (size_t)n_var, sizeof *totals, "totals");
    /* Integer sums over replications for comparing variants, per SKU and location. */
    size_t n_loc = (size_t)sc->net.n;
    int64_t *sku_lost = ech_xcalloc((size_t)n_var * (size_t)(n_sku ? n_sku : 1), sizeof(int64_t), "SKU lost units");
    int64_t *sku_recovery = ech_xcalloc((size_t)n_var * (size_t)(n_sku ? n_sku : 1), sizeof(int64_t), "SKU recoveries");
    int64_t *sku_disrupted = ech_xcalloc((size_t)n_var * (size_t)(n_sku ? n_sku : 1), sizeof(int64_t), "SKU disruptions");
    int64_t *location_lost = ech_xcalloc((size_t)n_var * n_loc, sizeof(int64_t), "location lost units");

    /* Cold rooms: one occupancy array per variant of a pass (cold_chain.h).  The
     * variants of a SKU run back to back (they share its demand tables), so a pass
     * takes as many variants as the memory limit allows: normally all of them. */
    const int32_t n_cold = ech_cold_rooms_count(sc);
    int32_t per_pass = n_var;
    if (n_cold > 0) {
        int64_t limit = opt->cold_memory_limit > 0 ? opt->cold_memory_limit : ECH_COLD_MEMORY_DEFAULT;
        int64_t bytes = (int64_t)n_cold * n_rep * (int64_t)sc->days * (int64_t)sizeof(int64_t);
        int64_t fit = bytes > 0 ? limit / bytes : n_var;
        per_pass = fit < 1 ? 1 : fit < n_var ? (int32_t)fit : n_var;
    }
    const int32_t n_passes = (n_var + per_pass - 1) / per_pass;
    /* rooms[v]: variant v's array while its pass runs; kept afterwards only on rank
     * 0 of a run that keeps replications (the file gets them), otherwise handed on
     * to the next pass's variant. */
    const int keep_rooms = n_cold > 0 && rank == 0 && sc->output.keep_replications;
    ech_cold_rooms *rooms = n_cold > 0 ? ech_xcalloc((size_t)n_var, sizeof *rooms, "cold rooms") : NULL;
    ech_cold_stats *cold_stats = n_cold > 0 ? ech_xcalloc((size_t)n_var, sizeof *cold_stats, "cold-room statistics") : NULL;

    ech_progress *progress =
        rank == 0 ? ech_progress_new(opt->progress, "simulating", my_work * n_passes, opt->progress_interval)
                  : NULL;

    int local = ECH_OK; /* first failure of any thread (an ech_status) */
    uint64_t hash = 0;
    double simulate_local = 0.0, cold_local = 0.0;

    for (int32_t pass = 0; pass < n_passes; ++pass) {
        const int32_t v_begin = pass * per_pass;
        const int32_t v_end = v_begin + per_pass < n_var ? v_begin + per_pass : n_var;
        for (int32_t v = v_begin; rooms && v < v_end; ++v) {
            int32_t from = v - per_pass; /* the previous pass's array, when it is free */
            if (from >= 0 && !keep_rooms) {
                rooms[v] = rooms[from];
                memset(&rooms[from], 0, sizeof rooms[from]);
                ech_cold_rooms_clear(&rooms[v]);
            } else {
                ech_cold_rooms_init(&rooms[v], sc);
            }
        }
        double t_start = wall_seconds();

#pragma omp parallel num_threads(n_threads)
        {
            ech_engine *engine = ech_engine_new(sc);
            if (trace.out)
                ech_engine_set_trace(engine, &trace);
            size_t sku_vals = (size_t)max_nodes * ECH_KPI_COUNT * (size_t)n_rep;
            double *scratch_vals = sc->output.keep_replications
                                       ? NULL
                                       : ech_xmalloc((sku_vals ? sku_vals : 1) * sizeof(double), "SKU KPI values");
            double *sorted = ech_xmalloc((size_t)n_rep * sizeof(double), "statistics scratch");
            int64_t *sku_totals = ech_xmalloc((size_t)n_rep * ECH_TOTAL_COUNT * sizeof(int64_t), "SKU totals");
            int64_t *my_totals = ech_xcalloc(totals_len * (size_t)n_var, sizeof(int64_t), "thread totals");
            int64_t *my_location_lost = ech_xcalloc((size_t)n_var * n_loc, sizeof(int64_t), "thread location losses");
            uint64_t my_hash = 0;
            ech_error my_err;
            ech_error_clear(&my_err);

#pragma omp for schedule(dynamic, 1)
            for (int32_t it = 0; it < n_items; ++it) {
                int32_t k = items[it].sku;
                int64_t xb = sc->sl.sku_begin[k], nodes = sc->sl.sku_begin[k + 1] - xb;
                /* The variants of a SKU run back to back: they share its demand tables. */
                for (int32_t v = v_begin; v < v_end && nodes > 0; ++v) {
                    int failed;
#pragma omp atomic read
                    failed = local;
                    if (failed != ECH_OK)
                        break;
                    double *vals = reps[v] ? reps[v] + (size_t)(xb - x0) * ECH_KPI_COUNT * (size_t)n_rep
                                           : scratch_vals;
                    memset(sku_totals, 0, (size_t)n_rep * ECH_TOTAL_COUNT * sizeof(int64_t));
                    if (rooms)
                        ech_engine_set_cold_rooms(engine, &rooms[v]);
                    ech_status st = ech_engine_run_sku(engine, k, v, 0, n_rep, vals, n_rep, sku_totals, &my_err);
                    if (st != ECH_OK) {
#pragma omp critical(ech_run_error)
                        {
                            if (local == ECH_OK) {
                                *err = my_err;
#pragma omp atomic write
                                local = st;
                            }
                        }
                        break;
                    }
                    summarize_sku(sc, k, v, x0, vals, n_rep, n_stats, stats[v], sorted, &my_hash);
                    compare_sums(sc, k, v, vals, n_rep, sku_lost, sku_recovery, sku_disrupted,
                                 my_location_lost);
                    /* The SKU's totals go to the network and to its segment. */
                    int64_t *tv = my_totals + (size_t)v * totals_len;
                    int64_t seg = 1 + sc->cat.segment[k];
                    for (int64_t r = 0; r < n_rep; ++r) {
                        for (int t = 0; t < ECH_TOTAL_COUNT; ++t) {
                            int64_t x = sku_totals[r * ECH_TOTAL_COUNT + t];
                            tv[(0 * n_rep + r) * ECH_TOTAL_COUNT + t] += x;
                            tv[(seg * n_rep + r) * ECH_TOTAL_COUNT + t] += x;
                        }
                    }
                }
                ech_progress_add(progress, items[it].work);
            }

            /* Integer sums: the order threads arrive in does not matter. */
#pragma omp critical(ech_run_reduce)
            {
                for (size_t q = 0; q < totals_len * (size_t)n_var; ++q)
                    totals[q] += my_totals[q];
                for (size_t q = 0; q < (size_t)n_var * n_loc; ++q)
                    location_lost[q] += my_location_lost[q];
                hash += my_hash;
            }
            free(my_location_lost);
            free(my_totals);
            free(sku_totals);
            free(sorted);
            free(scratch_vals);
            ech_engine_free(engine);
        }
        simulate_local += wall_seconds() - t_start;

        /* The pass's cold rooms: summed over the ranks onto rank 0 (exact integer sums),
         * summarised there and the statistics sent to every rank. */
        if (rooms) {
            if (ech_agree(comm, (ech_status)local, err) != ECH_OK)
                break;
            double t_cold = wall_seconds();
            int mpi_ok = 1;
            for (int32_t v = v_begin; v < v_end; ++v) {
                mpi_ok &= ech_cold_rooms_reduce(&rooms[v], comm, 0) == MPI_SUCCESS;
                if (rank == 0)
                    ech_cold_stats_compute(&rooms[v], sc->net.cold_capacity_litres,
                                           sc->output.quantiles, sc->output.n_quantiles, n_threads,
                                           &cold_stats[v]);
                mpi_ok &= ech_cold_stats_bcast(&cold_stats[v], comm, 0) == MPI_SUCCESS;
            }
            if (!mpi_ok) {
                ech_fail(err, ECH_ERR_RUNTIME, "summing the cold-room occupancy over the ranks failed");
                local = ECH_ERR_RUNTIME;
            }
            cold_local += wall_seconds() - t_cold;
            if (local != ECH_OK)
                break;
        }
    }
    if (rooms && !keep_rooms) {
        for (int32_t v = 0; v < n_var; ++v)
            ech_cold_rooms_free(&rooms[v]);
        free(rooms);
        rooms = NULL;
    }
    if (trace.out && fclose(trace.out) != 0 && local == ECH_OK) {
        ech_fail(err, ECH_ERR_RUNTIME, "--trace-file: writing %s failed", opt->trace_path);
        local = ECH_ERR_RUNTIME;
    }
    if (progress)
        ech_progress_finish(progress);

    ech_status st = ech_agree(comm, (ech_status)local, err);
    if (st == ECH_OK) {
        /* Every sum is an integer: the reductions are exact, whatever the order. */
        MPI_Allreduce(MPI_IN_PLACE, totals, (int)(totals_len * (size_t)n_var), MPI_INT64_T, MPI_SUM, comm);
        int nk = (int)((size_t)n_var * (size_t)n_sku);
        MPI_Allreduce(MPI_IN_PLACE, sku_lost, nk, MPI_INT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, sku_recovery, nk, MPI_INT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, sku_disrupted, nk, MPI_INT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, location_lost, (int)((size_t)n_var * n_loc), MPI_INT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, &hash, 1, MPI_UINT64_T, MPI_SUM, comm);

        ech_run_info *info = &report->info;
        info->command_line = opt->command_line;
        info->created = opt->created;
        info->n_ranks = n_ranks;
        info->n_threads = n_threads;
        /* The slowest rank's time includes the cold rooms' statistics; the fastest
         * rank's is its SKUs alone (the load balance). */
        double with_cold = simulate_local + cold_local;
        MPI_Allreduce(&with_cold, &info->simulate_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
        MPI_Allreduce(&simulate_local, &info->simulate_seconds_min, 1, MPI_DOUBLE, MPI_MIN, comm);
        MPI_Allreduce(&opt->setup_seconds, &info->setup_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
        info->skuloc_days = total_work * n_rep * n_var;
        double core_seconds = info->simulate_seconds * (double)n_ranks * (double)n_threads;
        info->skuloc_days_per_second_per_core =
            core_seconds > 0 ? (double)info->skuloc_days / core_seconds : 0.0;
        info->verification_hash = hash;

        report->n_variants = n_var;
        report->n_groups = n_groups;
        report->totals = totals;
        report->sku_lost = sku_lost;
        report->sku_recovery = sku_recovery;
        report->sku_disrupted = sku_disrupted;
        report->location_lost = location_lost;
        report->n_cold = n_cold;
        report->cold = cold_stats;
        report->cold_rooms = rooms;
        report->n_passes = n_passes;
        totals = NULL;
        sku_lost = sku_recovery = sku_disrupted = location_lost = NULL;
        cold_stats = NULL;
        rooms = NULL;

        if (opt->output_path) {
            double t_write = wall_seconds();
            ech_run_results res = {x0, x1, n_stats, n_var, (const double *const *)stats,
                                   sc->output.keep_replications ? (const double *const *)reps : NULL,
                                   report};
            st = ech_output_write(opt->output_path, comm, sc, &res, info, err);
            info->write_seconds = wall_seconds() - t_write;
        }
    }
    free(totals);
    free(sku_lost);
    free(sku_recovery);
    free(sku_disrupted);
    free(location_lost);
    for (int32_t v = 0; cold_stats && v < n_var; ++v)
        ech_cold_stats_free(&cold_stats[v]);
    free(cold_stats);
    for (int32_t v = 0; rooms && v < n_var; ++v)
        ech_cold_rooms_free(&rooms[v]);
    free(rooms);
    for (int32_t v = 0; v < n_var; ++v) {
        free(stats[v]);
        free(reps[v]);
    }
    free(stats);
    free(reps);
    free(items);
    free(first_sku);
    free(work);
    if (st != ECH_OK)
        ech_run_report_free(report);
    return st;
}

void ech_run_report_free(ech_run_report *report)
{
    if (report) {
        free(report->totals);
        free(report->sku_lost);
        free(report->sku_recovery);
        free(report->sku_disrupted);
        free(report->location_lost);
        report->totals = report->sku_lost = report->sku_recovery = report->sku_disrupted =
            report->location_lost = NULL;
        for (int32_t v = 0; report->cold && v < report->n_variants; ++v)
            ech_cold_stats_free(&report->cold[v]);
        for (int32_t v = 0; report->cold_rooms && v < report->n_variants; ++v)
            ech_cold_rooms_free(&report->cold_rooms[v]);
        free(report->cold);
        free(report->cold_rooms);
        report->cold = NULL;
        report->cold_rooms = NULL;
        report->n_cold = 0;
    }
}

