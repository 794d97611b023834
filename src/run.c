/* A whole run over a communicator; see include/echelon/run.h. */
#include "echelon/run.h"
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

    ech_trace trace = {trace_sku, opt->trace_replication, NULL};
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

    size_t stats_len = (size_t)n_local * ECH_KPI_COUNT * (size_t)n_stats;
    double *stats = ech_xmalloc((stats_len ? stats_len : 1) * sizeof *stats, "KPI statistics");
    double *reps = NULL;
    if (sc->output.keep_replications)
        reps = ech_xmalloc(((size_t)n_local * ECH_KPI_COUNT * (size_t)n_rep + 1) * sizeof *reps,
                           "KPI replications");
    size_t totals_len = (size_t)n_groups * (size_t)n_rep * ECH_TOTAL_COUNT;
    int64_t *totals = ech_xcalloc(totals_len, sizeof *totals, "totals");

    ech_progress *progress =
        rank == 0 ? ech_progress_new(opt->progress, "simulating", my_work, opt->progress_interval)
                  : NULL;

    int local = ECH_OK; /* first failure of any thread (an ech_status) */
    uint64_t hash = 0;
    double t_start = wall_seconds();

#pragma omp parallel num_threads(n_threads)
    {
        ech_engine *engine = ech_engine_new(sc);
        if (trace.out)
            ech_engine_set_trace(engine, &trace);
        size_t sku_vals = (size_t)max_nodes * ECH_KPI_COUNT * (size_t)n_rep;
        double *scratch_vals =
            reps ? NULL : ech_xmalloc((sku_vals ? sku_vals : 1) * sizeof(double), "SKU KPI values");
        double *sorted = ech_xmalloc((size_t)n_rep * sizeof(double), "statistics scratch");
        int64_t *sku_totals = ech_xmalloc((size_t)n_rep * ECH_TOTAL_COUNT * sizeof(int64_t), "SKU totals");
        int64_t *my_totals = ech_xcalloc(totals_len, sizeof(int64_t), "thread totals");
        uint64_t my_hash = 0;
        ech_error my_err;
        ech_error_clear(&my_err);

#pragma omp for schedule(dynamic, 1)
        for (int32_t it = 0; it < n_items; ++it) {
            int failed;
#pragma omp atomic read
            failed = local;
            if (failed != ECH_OK)
                continue;
            int32_t k = items[it].sku;
            int64_t xb = sc->sl.sku_begin[k], nodes = sc->sl.sku_begin[k + 1] - xb;
            if (nodes == 0)
                continue;
            double *vals = reps ? reps + (size_t)(xb - x0) * ECH_KPI_COUNT * (size_t)n_rep
                                : scratch_vals;
            memset(sku_totals, 0, (size_t)n_rep * ECH_TOTAL_COUNT * sizeof(int64_t));
            ech_status st = ech_engine_run_sku(engine, k, 0, n_rep, vals, n_rep, sku_totals, &my_err);
            if (st != ECH_OK) {
#pragma omp critical(ech_run_error)
                {
                    if (local == ECH_OK) {
                        *err = my_err;
#pragma omp atomic write
                        local = st;
                    }
                }
                continue;
            }
            /* Statistics per skuloc and KPI, in the SKU's own slots. */
            for (int64_t i = 0; i < nodes; ++i) {
                for (int kpi = 0; kpi < ECH_KPI_COUNT; ++kpi) {
                    const double *series = vals + ((size_t)i * ECH_KPI_COUNT + (size_t)kpi) * (size_t)n_rep;
                    size_t slot = ((size_t)(xb - x0 + i) * ECH_KPI_COUNT + (size_t)kpi) * (size_t)n_stats;
                    ech_stats_summarize(series, n_rep, sc->output.quantiles, sc->output.n_quantiles,
                                        stats + slot, sorted);
                    uint64_t pos = ((uint64_t)(xb + i) * ECH_KPI_COUNT + (uint64_t)kpi) * (uint64_t)n_stats;
                    for (int j = 0; j < n_stats; ++j)
                        my_hash += hash_value(pos + (uint64_t)j, stats[slot + (size_t)j]);
                }
            }
            /* The SKU's totals go to the network and to its segment. */
            int64_t seg = 1 + sc->cat.segment[k];
            for (int64_t r = 0; r < n_rep; ++r) {
                for (int t = 0; t < ECH_TOTAL_COUNT; ++t) {
                    int64_t v = sku_totals[r * ECH_TOTAL_COUNT + t];
                    my_totals[(0 * n_rep + r) * ECH_TOTAL_COUNT + t] += v;
                    my_totals[(seg * n_rep + r) * ECH_TOTAL_COUNT + t] += v;
                }
            }
            ech_progress_add(progress, items[it].work);
        }

        /* Integer sums: the order threads arrive in does not matter. */
#pragma omp critical(ech_run_reduce)
        {
            for (size_t q = 0; q < totals_len; ++q)
                totals[q] += my_totals[q];
            hash += my_hash;
        }
        free(my_totals);
        free(sku_totals);
        free(sorted);
        free(scratch_vals);
        ech_engine_free(engine);
    }
    double simulate_local = wall_seconds() - t_start;
    if (trace.out && fclose(trace.out) != 0 && local == ECH_OK) {
        ech_fail(err, ECH_ERR_RUNTIME, "--trace-file: writing %s failed", opt->trace_path);
        local = ECH_ERR_RUNTIME;
    }
    if (progress)
        ech_progress_finish(progress);

    ech_status st = ech_agree(comm, (ech_status)local, err);
    if (st == ECH_OK) {
        MPI_Allreduce(MPI_IN_PLACE, totals, (int)totals_len, MPI_INT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, &hash, 1, MPI_UINT64_T, MPI_SUM, comm);

        ech_run_info *info = &report->info;
        info->command_line = opt->command_line;
        info->created = opt->created;
        info->n_ranks = n_ranks;
        info->n_threads = n_threads;
        MPI_Allreduce(&simulate_local, &info->simulate_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
        MPI_Allreduce(&simulate_local, &info->simulate_seconds_min, 1, MPI_DOUBLE, MPI_MIN, comm);
        MPI_Allreduce(&opt->setup_seconds, &info->setup_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
        info->skuloc_days = total_work * n_rep;
        double core_seconds = info->simulate_seconds * (double)n_ranks * (double)n_threads;
        info->skuloc_days_per_second_per_core =
            core_seconds > 0 ? (double)info->skuloc_days / core_seconds : 0.0;
        info->verification_hash = hash;

        if (opt->output_path) {
            double t_write = wall_seconds();
            ech_run_results res = {x0, x1, n_stats, stats, reps, totals};
            st = ech_output_write(opt->output_path, comm, sc, &res, info, err);
            info->write_seconds = wall_seconds() - t_write;
        }
    }
    if (st == ECH_OK) {
        report->n_groups = n_groups;
        report->totals = totals;
        totals = NULL;
    }
    free(totals);
    free(stats);
    free(reps);
    free(items);
    free(first_sku);
    free(work);
    return st;
}

void ech_run_report_free(ech_run_report *report)
{
    if (report) {
        free(report->totals);
        report->totals = NULL;
    }
}

/* ------------------------------------------------------------------------------
 * Summary
 * ------------------------------------------------------------------------------ */

/* Derived per-replication figures of one group. */
enum { FIG_FILL, FIG_STOCKOUT_SHARE, FIG_LOST, FIG_VALUE, FIG_RETAIL_VALUE, FIG_DOS, FIG_COST, FIG_COUNT };

static void group_figures(const ech_scenario *sc, const int64_t *t, double *f)
{
    double days = (double)sc->days;
    double demand = (double)t[ECH_TOTAL_DEMAND];
    f[FIG_FILL] = demand > 0 ? (double)t[ECH_TOTAL_FILLED] / demand : NAN;
    f[FIG_STOCKOUT_SHARE] = t[ECH_TOTAL_DEMAND_POINT_DAYS] > 0
                                ? (double)t[ECH_TOTAL_STOCKOUT_DAYS] / (double)t[ECH_TOTAL_DEMAND_POINT_DAYS]
                                : NAN;
    f[FIG_LOST] = (double)(t[ECH_TOTAL_LOST] + t[ECH_TOTAL_BACKORDERED]);
    f[FIG_VALUE] = (double)t[ECH_TOTAL_ON_HAND_VALUE_DAYS] / ECH_MONEY_SCALE / days;
    f[FIG_RETAIL_VALUE] = (double)t[ECH_TOTAL_RETAIL_ON_HAND_VALUE_DAYS] / ECH_MONEY_SCALE / days;
    f[FIG_DOS] = t[ECH_TOTAL_SOLD_VALUE] > 0
                     ? (double)t[ECH_TOTAL_ON_HAND_VALUE_DAYS] / (double)t[ECH_TOTAL_SOLD_VALUE]
                     : NAN;
    f[FIG_COST] = (double)t[ECH_TOTAL_TOTAL_COST] / ECH_MONEY_SCALE;
}

/* Mean and 5%/95% quantiles across replications of each figure of group g. */
static void group_summary(const ech_scenario *sc, const ech_run_report *rep, int64_t g,
                          double out[FIG_COUNT][5])
{
    int64_t n = sc->replications;
    double *series = ech_xmalloc((size_t)n * FIG_COUNT * sizeof *series, "summary series");
    double *scratch = ech_xmalloc((size_t)n * sizeof *scratch, "summary scratch");
    for (int64_t r = 0; r < n; ++r) {
        double f[FIG_COUNT];
        group_figures(sc, rep->totals + (g * n + r) * ECH_TOTAL_COUNT, f);
        for (int j = 0; j < FIG_COUNT; ++j)
            series[(size_t)j * (size_t)n + (size_t)r] = f[j];
    }
    static const double q[3] = {0.05, 0.5, 0.95};
    for (int j = 0; j < FIG_COUNT; ++j)
        ech_stats_summarize(series + (size_t)j * (size_t)n, n, q, 3, out[j], scratch);
    free(scratch);
    free(series);
}

static const char *human_number(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (a >= 1e9)
        snprintf(buf, n, "%.2fG", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, n, "%.2fM", v / 1e6);
    else if (a >= 1e3)
        snprintf(buf, n, "%.1fk", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
    return buf;
}

void ech_run_print_summary(FILE *out, const ech_scenario *sc, const ech_run_report *rep)
{
    const ech_run_info *info = &rep->info;
    double s[FIG_COUNT][5];
    char b1[32], b2[32], b3[32], b4[32];

    fprintf(out, "\nechelon: scenario '%s'\n", sc->name);
    fprintf(out, "  %d SKUs, %d locations, %lld SKU-locations, %d days (+%d warm-up), %lld replications, seed %llu\n",
            sc->cat.n, sc->net.n, (long long)sc->sl.n, sc->days, sc->warmup_days,
            (long long)sc->replications, (unsigned long long)sc->seed);

    group_summary(sc, rep, 0, s);
    fprintf(out, "\nNetwork (mean across replications, [5%% .. 95%%]):\n");
    fprintf(out, "  fill rate at demand points   %6.2f%%  [%.2f%% .. %.2f%%]\n", 100 * s[FIG_FILL][0],
            100 * s[FIG_FILL][2], 100 * s[FIG_FILL][4]);
    fprintf(out, "  stockout days                %6.2f%% of demand-point days  [%.2f%% .. %.2f%%]\n",
            100 * s[FIG_STOCKOUT_SHARE][0], 100 * s[FIG_STOCKOUT_SHARE][2],
            100 * s[FIG_STOCKOUT_SHARE][4]);
    fprintf(out, "  lost or backordered units    %s  [%s .. %s]\n", human_number(s[FIG_LOST][0], b1, sizeof b1),
            human_number(s[FIG_LOST][2], b2, sizeof b2), human_number(s[FIG_LOST][4], b3, sizeof b3));
    fprintf(out, "  mean inventory value         %s  [%s .. %s]  (demand points %s)\n",
            human_number(s[FIG_VALUE][0], b1, sizeof b1), human_number(s[FIG_VALUE][2], b2, sizeof b2),
            human_number(s[FIG_VALUE][4], b3, sizeof b3),
            human_number(s[FIG_RETAIL_VALUE][0], b4, sizeof b4));
    fprintf(out, "  days of supply (at cost)     %6.1f  [%.1f .. %.1f]\n", s[FIG_DOS][0], s[FIG_DOS][2],
            s[FIG_DOS][4]);
    fprintf(out, "  total cost                   %s  [%s .. %s]\n", human_number(s[FIG_COST][0], b1, sizeof b1),
            human_number(s[FIG_COST][2], b2, sizeof b2), human_number(s[FIG_COST][4], b3, sizeof b3));

    if (sc->n_segments > 1) {
        fprintf(out, "\nBy segment (means):\n");
        fprintf(out, "  %-20s %7s %10s %14s %8s\n", "segment", "fill", "stockout", "inventory", "days");
        for (int32_t g = 0; g < sc->n_segments; ++g) {
            group_summary(sc, rep, 1 + g, s);
            fprintf(out, "  %-20s %6.2f%% %9.2f%% %14s %8.1f\n", sc->segment[g], 100 * s[FIG_FILL][0],
                    100 * s[FIG_STOCKOUT_SHARE][0], human_number(s[FIG_VALUE][0], b1, sizeof b1),
                    s[FIG_DOS][0]);
        }
    }

    fprintf(out, "\nRun: %d rank(s) x %d thread(s), set-up %.2f s, simulation %.2f s, "
                 "%.3g SKU-location-days, %.1f M SKU-location-days/s per core\n",
            info->n_ranks, info->n_threads, info->setup_seconds, info->simulate_seconds,
            (double)info->skuloc_days, info->skuloc_days_per_second_per_core / 1e6);
    if (info->n_ranks > 1)
        fprintf(out, "Load balance: the fastest rank finished its SKUs in %.2f s, the slowest in %.2f s\n",
                info->simulate_seconds_min, info->simulate_seconds);
    fprintf(out, "Verification hash: %016llx\n", (unsigned long long)info->verification_hash);
}
