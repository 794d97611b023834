/* Tuning every SKU over ranks and threads; see include/echelon/tune_run.h. */
#include "echelon/tune_run.h"

#include "echelon/csv_reader.h"
#include "echelon/engine.h"
#include "echelon/progress.h"
#include "echelon/run.h"
#include "echelon/table.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ech_tune_fill_target(const ech_scenario *sc, int64_t x)
{
    if (sc->sl.demand_dist[x] == ECH_DEMAND_NONE)
        return NAN;
    double t = sc->sl.fill_rate_target[x];
    int32_t k = sc->sl.sku[x];
    if (isnan(t))
        t = sc->cat.fill_rate_target[k];
    if (isnan(t) && sc->tuning.segment_fill_rate)
        t = sc->tuning.segment_fill_rate[sc->cat.segment[k]];
    return isnan(t) ? sc->tuning.fill_rate : t;
}

void ech_tune_result_free(ech_tune_result *res)
{
    free(res->order_up_to);
    free(res->reorder_point);
    free(res->old_order_up_to);
    free(res->old_reorder_point);
    free(res->fill_target);
    free(res->marginal_objective);
    free(res->marginal_fill);
    free(res->evaluations);
    free(res->replications);
    free(res->objective);
    free(res->objective_se);
    free(res->fill_rate);
    free(res->feasible);
    free(res->converged);
    memset(res, 0, sizeof *res);
}

static void result_alloc(ech_tune_result *res, const ech_scenario *sc, int32_t variant)
{
    memset(res, 0, sizeof *res);
    int64_t n = sc->sl.n;
    size_t nl = (size_t)(n > 0 ? n : 1), nk = (size_t)(sc->cat.n > 0 ? sc->cat.n : 1);
    res->n_skulocs = n;
    res->n_skus = sc->cat.n;
    res->variant = variant;
    res->order_up_to = ech_xmalloc(nl * sizeof(int32_t), "tuned targets");
    res->reorder_point = ech_xmalloc(nl * sizeof(int32_t), "tuned reorder points");
    res->old_order_up_to = ech_xmalloc(nl * sizeof(int32_t), "current targets");
    res->old_reorder_point = ech_xmalloc(nl * sizeof(int32_t), "current reorder points");
    res->fill_target = ech_xmalloc(nl * sizeof(double), "fill-rate targets");
    res->marginal_objective = ech_xmalloc(nl * sizeof(double), "marginal costs");
    res->marginal_fill = ech_xmalloc(nl * sizeof(double), "marginal fill rates");
    res->evaluations = ech_xcalloc(nk, sizeof(int32_t), "evaluations");
    res->replications = ech_xcalloc(nk, sizeof(int64_t), "replications");
    res->objective = ech_xcalloc(nk, sizeof(double), "objectives");
    res->objective_se = ech_xcalloc(nk, sizeof(double), "objective errors");
    res->fill_rate = ech_xcalloc(nk, sizeof(double), "fill rates");
    res->feasible = ech_xcalloc(nk, 1, "feasibility");
    res->converged = ech_xcalloc(nk, 1, "convergence");
    const ech_variant *vt = &sc->variant[variant];
    for (int64_t x = 0; x < n; ++x) {
        res->old_order_up_to[x] = res->order_up_to[x] = vt->order_up_to[x];
        res->old_reorder_point[x] = res->reorder_point[x] = vt->reorder_point[x];
        res->fill_target[x] = ech_tune_fill_target(sc, x);
        res->marginal_objective[x] = res->marginal_fill[x] = NAN;
    }
}

/* This rank's SKUs: a contiguous block [*first, *last) of about 1 / n_ranks of the
 * total simulation cost. */
static void rank_block(const ech_scenario *sc, int n_ranks, int rank, int32_t *first, int32_t *last)
{
    int64_t total = 0;
    for (int32_t k = 0; k < sc->cat.n; ++k)
        total += ech_engine_sku_cost(sc, k);
    int64_t before = 0;
    int32_t k = 0;
    int32_t bounds[2];
    for (int b = 0; b < 2; ++b) {
        /* The first SKU whose cost prefix reaches the share of ranks before. */
        __int128 want = (__int128)total * (rank + b) / n_ranks;
        while (k < sc->cat.n && (__int128)before < want) {
            before += ech_engine_sku_cost(sc, k);
            ++k;
        }
        bounds[b] = rank + b == n_ranks ? sc->cat.n : k;
    }
    *first = bounds[0];
    *last = bounds[1];
}

ech_status ech_tune_run(const ech_scenario *sc, MPI_Comm comm, const ech_tune_run_options *opt,
                        ech_tune_result *res, ech_error *err)
{
    int rank, n_ranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &n_ranks);
    result_alloc(res, sc, opt->variant);

    const ech_tuning *tn = &sc->tuning;
    ech_tune_settings set;
    ech_tune_settings_default(&set);
    set.objective = (ech_tune_objective)tn->objective;
    set.reps_start = tn->replications;
    set.reps_max = tn->max_replications;
    set.z = tn->significance;
    set.max_evaluations = tn->max_evaluations;
    set.stream_set = ECH_TUNE_SEARCH_STREAMS;
    set.value_price = 0.0;
    res->settings = set;

    int32_t first, last;
    rank_block(sc, n_ranks, rank, &first, &last);
    int64_t my_cost = 0;
    for (int32_t k = first; k < last; ++k)
        my_cost += ech_engine_sku_cost(sc, k);
    ech_progress *progress =
        rank == 0 ? ech_progress_new(opt->progress, "tuning", my_cost, opt->progress_interval)
                  : NULL;

    double t0 = wall_seconds();
    ech_status st = ECH_OK;
    int64_t evaluations = 0, skuloc_days = 0;
    int n_threads = opt->n_threads > 0 ? opt->n_threads : 1;
#pragma omp parallel num_threads(n_threads) reduction(+ : evaluations, skuloc_days)
    {
        ech_engine *e = ech_engine_new(sc);
        ech_error local;
        ech_error_clear(&local);
#pragma omp for schedule(dynamic, 1)
        for (int32_t k = first; k < last; ++k) {
            ech_status mine;
#pragma omp atomic read
            mine = st;
            if (mine != ECH_OK)
                continue;
            int64_t b = sc->sl.sku_begin[k], n = sc->sl.sku_begin[k + 1] - b;
            if (n == 0)
                continue;
            ech_tune_sku t = {
                .sku = k,
                .variant = opt->variant,
                .fill_target = res->fill_target + b,
                .order_up_to = res->order_up_to + b,
                .reorder_point = res->reorder_point + b,
                .marginal_objective = res->marginal_objective + b,
                .marginal_fill = res->marginal_fill + b,
            };
            ech_status s = ech_tune_sku_search(e, &set, &t, &local);
            if (s != ECH_OK) {
#pragma omp critical(tune_error)
                {
                    if (st == ECH_OK) {
                        *err = local;
                        st = s;
                    }
                }
                continue;
            }
            res->evaluations[k] = t.evaluations;
            res->replications[k] = t.replications;
            res->objective[k] = t.objective;
            res->objective_se[k] = t.objective_se;
            res->fill_rate[k] = t.fill_rate;
            res->feasible[k] = (uint8_t)t.feasible;
            res->converged[k] = (uint8_t)t.converged;
            evaluations += t.evaluations;
            skuloc_days += t.simulated * n * (int64_t)(sc->warmup_days + sc->days);
            if (progress)
                ech_progress_add(progress, ech_engine_sku_cost(sc, k));
        }
        ech_engine_free(e);
    }
    if (progress)
        ech_progress_finish(progress);
    st = ech_agree(comm, st, err);
    if (st != ECH_OK)
        return st;
    double seconds = wall_seconds() - t0;

    /* Every rank gets the whole result. */
    int *counts = ech_xmalloc((size_t)n_ranks * sizeof *counts, "gather counts");
    int *displs = ech_xmalloc((size_t)n_ranks * sizeof *displs, "gather offsets");
    int32_t bounds[2] = {first, last};
    int32_t *all = ech_xmalloc(2 * (size_t)n_ranks * sizeof *all, "rank blocks");
    MPI_Allgather(bounds, 2, MPI_INT32_T, all, 2, MPI_INT32_T, comm);
#define GATHER(array, type, per_skuloc)                                                \
    do {                                                                               \
        for (int r = 0; r < n_ranks; ++r) {                                            \
            int64_t a = all[2 * r], z = all[2 * r + 1];                                \
            if (per_skuloc) {                                                          \
                a = sc->sl.sku_begin[a];                                               \
                z = sc->sl.sku_begin[z];                                               \
            }                                                                          \
            counts[r] = (int)(z - a);                                                  \
            displs[r] = (int)a;                                                        \
        }                                                                              \
        MPI_Allgatherv(MPI_IN_PLACE, 0, type, res->array, counts, displs, type, comm); \
    } while (0)
    GATHER(order_up_to, MPI_INT32_T, 1);
    GATHER(reorder_point, MPI_INT32_T, 1);
    GATHER(marginal_objective, MPI_DOUBLE, 1);
    GATHER(marginal_fill, MPI_DOUBLE, 1);
    GATHER(evaluations, MPI_INT32_T, 0);
    GATHER(replications, MPI_INT64_T, 0);
    GATHER(objective, MPI_DOUBLE, 0);
    GATHER(objective_se, MPI_DOUBLE, 0);
    GATHER(fill_rate, MPI_DOUBLE, 0);
    GATHER(feasible, MPI_UINT8_T, 0);
    GATHER(converged, MPI_UINT8_T, 0);
#undef GATHER
    free(all);
    free(counts);
    free(displs);

    MPI_Allreduce(&evaluations, &res->evaluations_total, 1, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(&skuloc_days, &res->skuloc_days, 1, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(&seconds, &res->seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    res->infeasible = 0;
    for (int32_t k = 0; k < sc->cat.n; ++k)
        if (sc->sl.sku_begin[k + 1] > sc->sl.sku_begin[k] && !res->feasible[k])
            ++res->infeasible;
    res->value_price = set.value_price;
    return ECH_OK;
}

/* A deep copy of a variant (its resolved policy included). */
static void copy_variant(const ech_scenario *sc, ech_variant *dst, const ech_variant *src)
{
    memset(dst, 0, sizeof *dst);
    dst->name = ech_xstrdup(src->name, "variant name");
    dst->description = ech_xstrdup(src->description ? src->description : "", "variant text");
    size_t nd = (size_t)(sc->disruptions.n > 0 ? sc->disruptions.n : 1);
    dst->disruption_active = ech_xmalloc(nd, "active disruptions");
    memcpy(dst->disruption_active, src->disruption_active, nd);
    dst->lead_time_factor = src->lead_time_factor;
    dst->use_alternatives = src->use_alternatives;
    dst->allocation = src->allocation;
    memcpy(dst->rule, src->rule, sizeof dst->rule);
    ech_table_alloc(&ech_variant_policy_table, dst, sc->sl.n);
    ech_table_copy(&ech_variant_policy_table, dst, src, sc->sl.n);
}

void ech_tune_set_variants(ech_scenario *sc, const ech_tune_result *res)
{
    ech_variant *v = ech_xcalloc(2, sizeof *v, "variants");
    const ech_variant *base = &sc->variant[res->variant];
    copy_variant(sc, &v[0], base);
    copy_variant(sc, &v[1], base);
    free(v[1].name);
    free(v[1].description);
    /* "tuned", unless the tuned variant has that name already. */
    v[1].name =
        ech_xstrdup(strcmp(base->name, "tuned") == 0 ? "tuned_targets" : "tuned", "variant name");
    v[1].description = ech_xstrdup("the targets echelon tune chose", "variant text");
    memcpy(v[1].order_up_to, res->order_up_to, (size_t)sc->sl.n * sizeof(int32_t));
    memcpy(v[1].reorder_point, res->reorder_point, (size_t)sc->sl.n * sizeof(int32_t));
    for (int32_t i = 0; i < sc->n_variants; ++i)
        ech_variant_free(&sc->variant[i]);
    free(sc->variant);
    sc->variant = v;
    sc->n_variants = 2;
}

ech_status ech_tune_write_targets_csv(const char *path, const ech_scenario *sc,
                                      const ech_tune_result *res, ech_error *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return ech_fail(err, ECH_ERR_INPUT, "--targets-csv: cannot create %s: %s", tmp,
                        strerror(errno));
    const ech_variant *vt = &sc->variant[res->variant];
    const ech_skulocs *sl = &sc->sl;
    fprintf(f, "sku,location,policy,order_up_to,reorder_point\n");
    for (int64_t x = 0; x < sl->n; ++x) {
        int32_t held = vt->reserve[x] + (sl->display_min ? sl->display_min[x] : 0);
        int32_t S = res->order_up_to[x] - held, s = res->reorder_point[x] - held;
        if (s < -1)
            s = -1;
        ech_csv_write_field(f, sc->cat.id[sl->sku[x]]);
        fputc(',', f);
        ech_csv_write_field(f, sc->net.id[sl->location[x]]);
        fprintf(f, ",%s,%d,%d\n", ech_enum_word(&ech_policy_enum, vt->policy[x]), S, s);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return ech_fail(err, ECH_ERR_RUNTIME, "--targets-csv: writing %s failed: %s", path,
                        strerror(e));
    }
    return ECH_OK;
}
