/* Tuning every SKU over ranks and threads; see include/echelon/tune_run.h. */
#include "echelon/repro_math.h"
#include "echelon/tune_run.h"
#include "echelon/work_plan.h"

#include "echelon/cold_chain.h"
#include "echelon/csv_reader.h"
#include "echelon/engine.h"
#include "echelon/kpi.h"
#include "echelon/phase_log.h"
#include "echelon/policy.h"
#include "echelon/progress.h"
#include "echelon/run.h"
#include "echelon/stop.h"
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

/* The result's arrays: name, element type, MPI type, per skuloc (else per SKU). */
#define RESULT_ARRAYS(X)                         \
    X(order_up_to, int32_t, MPI_INT32_T, 1)      \
    X(reorder_point, int32_t, MPI_INT32_T, 1)    \
    X(marginal_objective, double, MPI_DOUBLE, 1) \
    X(marginal_fill, double, MPI_DOUBLE, 1)      \
    X(marginal_value, double, MPI_DOUBLE, 1)     \
    X(evaluations, int32_t, MPI_INT32_T, 0)      \
    X(replications, int64_t, MPI_INT64_T, 0)     \
    X(objective, double, MPI_DOUBLE, 0)          \
    X(objective_se, double, MPI_DOUBLE, 0)       \
    X(fill_rate, double, MPI_DOUBLE, 0)          \
    X(value, double, MPI_DOUBLE, 0)              \
    X(skuloc_value, double, MPI_DOUBLE, 1)       \
    X(feasible, uint8_t, MPI_UINT8_T, 0)         \
    X(converged, uint8_t, MPI_UINT8_T, 0)        \
    X(expedite_level, int32_t, MPI_INT32_T, 1)

void ech_tune_result_free(ech_tune_result *res)
{
#define FREE_ARRAY(name, type, mpi, per_skuloc) free(res->name);
    RESULT_ARRAYS(FREE_ARRAY)
#undef FREE_ARRAY
    free(res->old_order_up_to);
    free(res->old_reorder_point);
    free(res->fill_target);
    free(res->frontier_budget);
    free(res->frontier_scale);
    free(res->frontier_price);
    free(res->frontier_value);
    free(res->frontier_order_up_to);
    free(res->frontier_reorder_point);
    free(res->budget_location);
    free(res->location_budget);
    free(res->location_value);
    free(res->location_price);
    free(res->cold_location);
    free(res->cold_capacity);
    free(res->cold_exceed);
    free(res->cold_price);
    free(res->classic_service_level);
    free(res->classic_fill);
    free(res->tuned_fill);
    free(res->classic_order_up_to);
    free(res->classic_reorder_point);
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
#define ALLOC_ARRAY(name, type, mpi, per_skuloc) \
    res->name = ech_xcalloc(per_skuloc ? nl : nk, sizeof(type), "tuning results");
    RESULT_ARRAYS(ALLOC_ARRAY)
#undef ALLOC_ARRAY
    res->old_order_up_to = ech_xmalloc(nl * sizeof(int32_t), "current targets");
    res->old_reorder_point = ech_xmalloc(nl * sizeof(int32_t), "current reorder points");
    res->fill_target = ech_xmalloc(nl * sizeof(double), "fill-rate targets");
    const ech_variant *vt = &sc->variant[variant];
    for (int64_t x = 0; x < n; ++x) {
        res->old_order_up_to[x] = res->order_up_to[x] = vt->order_up_to[x];
        res->old_reorder_point[x] = res->reorder_point[x] = vt->reorder_point[x];
        res->expedite_level[x] = vt->expedite_level[x];
        res->fill_target[x] = ech_tune_fill_target(sc, x);
        res->marginal_objective[x] = res->marginal_fill[x] = res->marginal_value[x] = NAN;
    }
    res->budget = sc->tuning.budget;
    res->budget_met = 1;
}

/* The per-SKU and per-skuloc results of one trial (a snapshot to go back to). */
static void result_copy_arrays(ech_tune_result *dst, const ech_tune_result *src)
{
    size_t nl = (size_t)src->n_skulocs, nk = (size_t)src->n_skus;
#define COPY_ARRAY(name, type, mpi, per_skuloc) \
    memcpy(dst->name, src->name, (per_skuloc ? nl : nk) * sizeof(type));
    RESULT_ARRAYS(COPY_ARRAY)
#undef COPY_ARRAY
}

/* What the passes of one tuning share. */
typedef struct tuning_ctx {
    const ech_scenario *sc;
    MPI_Comm comm;
    int rank, n_ranks;
    const ech_tune_run_options *opt;
    ech_tune_settings set;
    int32_t first, last; /* this rank's SKUs */
    int32_t *blocks;     /* every rank's [first, last) */
    int64_t my_cost;
    int64_t evaluations, skuloc_days; /* all ranks', over all passes */
    ech_tune_result *res;
    ech_error *err;
    const uint8_t *only;    /* per SKU: passes search these alone (NULL: all) */
    double *location_price; /* per network location: the location budgets' prices */
    int32_t max_nodes;      /* the most skulocs of one SKU (evaluation buffers) */
    ech_phase_log *log;     /* the completed phases, saved and replayed */
} tuning_ctx;

/* Every rank's blocks of the arrays onto every rank. */
static void gather_results(tuning_ctx *c)
{
    const ech_scenario *sc = c->sc;
    ech_tune_result *res = c->res;
    int *counts = ech_xmalloc((size_t)c->n_ranks * sizeof *counts, "gather counts");
    int *displs = ech_xmalloc((size_t)c->n_ranks * sizeof *displs, "gather offsets");
#define GATHER_ARRAY(name, type, mpi, per_skuloc)                                      \
    do {                                                                               \
        for (int r = 0; r < c->n_ranks; ++r) {                                         \
            int64_t a = c->blocks[2 * r], z = c->blocks[2 * r + 1];                    \
            if (per_skuloc) {                                                          \
                a = sc->sl.sku_begin[a];                                               \
                z = sc->sl.sku_begin[z];                                               \
            }                                                                          \
            counts[r] = (int)(z - a);                                                  \
            displs[r] = (int)a;                                                        \
        }                                                                              \
        MPI_Allgatherv(MPI_IN_PLACE, 0, mpi, res->name, counts, displs, mpi, c->comm); \
    } while (0);
    RESULT_ARRAYS(GATHER_ARRAY)
#undef GATHER_ARRAY
    free(counts);
    free(displs);
}

/* The result arrays as fields of a phase (phase_log.h): whole, or this rank's
 * slices (its SKUs [first, last) and their skulocs).  Returns how many. */
#define COUNT_ARRAY(name, type, mpi, per_skuloc) +1
enum { RESULT_FIELDS = 0 RESULT_ARRAYS(COUNT_ARRAY) };
#undef COUNT_ARRAY
static int result_fields(const tuning_ctx *c, ech_phase_field *f, int whole)
{
    const ech_scenario *sc = c->sc;
    ech_tune_result *res = c->res;
    int32_t a = whole ? 0 : c->first, z = whole ? sc->cat.n : c->last;
    int64_t xa = sc->sl.sku_begin[a], xz = sc->sl.sku_begin[z];
    int n = 0;
#define RESULT_FIELD(name, type, mpi, per_skuloc)                                 \
    f[n++] = (ech_phase_field){#name, res->name + (per_skuloc ? xa : (int64_t)a), \
                               (size_t)(per_skuloc ? xz - xa : (int64_t)(z - a)) * sizeof(type)};
    RESULT_ARRAYS(RESULT_FIELD)
#undef RESULT_FIELD
    return n;
}

/* One stretch of this rank's SKUs not yet done, searched by its threads until all
 * are or a checkpoint or stop asks them to pause; mine: the pass's evaluations
 * and skuloc-days on this rank. */
static ech_status search_stretch(tuning_ctx *c, const ech_tune_settings *set, uint8_t *done,
                                 int64_t mine[2], ech_progress *progress)
{
    const ech_scenario *sc = c->sc;
    ech_tune_result *res = c->res;
    ech_status st = ECH_OK;
    int64_t evaluations = 0, skuloc_days = 0;
    int n_threads = c->opt->n_threads > 0 ? c->opt->n_threads : 1;
    ech_error *err = c->err;
#pragma omp parallel num_threads(n_threads) reduction(+ : evaluations, skuloc_days)
    {
        ech_engine *e = ech_engine_new(sc);
        ech_error local;
        ech_error_clear(&local);
#pragma omp for schedule(dynamic, 1)
        for (int32_t k = c->first; k < c->last; ++k) {
            ech_status now;
#pragma omp atomic read
            now = st;
            if (now != ECH_OK || done[k - c->first] || ech_phase_units_pause(c->log))
                continue;
            int64_t b = sc->sl.sku_begin[k], n = sc->sl.sku_begin[k + 1] - b;
            if (n == 0) {
                res->feasible[k] = res->converged[k] = 1;
                done[k - c->first] = 1;
                continue;
            }
            if (c->only && !c->only[k]) {
                done[k - c->first] = 1;
                continue; /* no multiplier of this pass prices it: as searched before */
            }
            ech_tune_sku t = {
                .sku = k,
                .variant = c->opt->variant,
                .fill_target = res->fill_target + b,
                .order_up_to = res->order_up_to + b,
                .reorder_point = res->reorder_point + b,
                .marginal_objective = res->marginal_objective + b,
                .marginal_fill = res->marginal_fill + b,
                .marginal_value = res->marginal_value + b,
                .node_value = res->skuloc_value + b,
                .expedite_level = res->expedite_level + b,
            };
            ech_status s = ech_tune_sku_search(e, set, &t, &local);
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
            res->value[k] = t.value;
            res->feasible[k] = (uint8_t)t.feasible;
            res->converged[k] = (uint8_t)t.converged;
            evaluations += t.evaluations;
            skuloc_days += t.simulated * n * (int64_t)(sc->warmup_days + sc->days);
            done[k - c->first] = 1;
            ech_phase_unit_done(c->log);
            if (progress) {
#pragma omp critical(tune_progress)
                ech_progress_add(progress, ech_engine_sku_cost(sc, k));
            }
        }
        ech_engine_free(e);
    }
    mine[0] += evaluations;
    mine[1] += skuloc_days;
    return st;
}

/* Every SKU searched at `price` from the current targets, the results gathered on
 * every rank; counts: the pass's evaluations and skuloc-days, all ranks.  The SKUs
 * done are saved when a checkpoint is due or a stop asked for (ECH_STOPPED). */
static ech_status search_skus(tuning_ctx *c, double price, const char *label, int64_t counts[2])
{
    const ech_scenario *sc = c->sc;
    ech_tune_settings set = c->set;
    set.value_price = price;
    int32_t n = c->last - c->first;
    uint8_t *done = ech_xcalloc((size_t)(n > 0 ? n : 1), 1, "SKUs done");
    int64_t mine[2] = {0, 0};
    ech_phase_field f[RESULT_FIELDS + 1];
    int nf = result_fields(c, f, 0);
    f[nf++] = (ech_phase_field){"counts", mine, sizeof mine};
    ech_status st = ech_phase_units_begin(c->log, label, price, n, done, f, nf, c->err);
    int64_t left = 0;
    for (int32_t k = c->first; k < c->last; ++k)
        left += done[k - c->first] ? 0 : ech_engine_sku_cost(sc, k);
    ech_progress *progress =
        c->rank == 0 && st == ECH_OK
            ? ech_progress_new(c->opt->progress, label, left, c->opt->progress_interval)
            : NULL;
    int complete = 0;
    while (st == ECH_OK) {
        st = search_stretch(c, &set, done, mine, progress);
        int32_t u = 0;
        while (u < n && done[u])
            ++u;
        if (st != ECH_OK || (complete = u == n))
            break;
        if (ech_phase_units_settle(c->log, n, done, f, nf))
            break;
    }
    if (progress)
        ech_progress_finish(progress);
    st = ech_agree(c->comm, st, c->err);
    if (st == ECH_OK)
        st = ech_phase_units_end(c->log, complete, n, done, f, nf, c->err);
    free(done);
    if (st != ECH_OK)
        return st;
    gather_results(c);
    MPI_Allreduce(mine, counts, 2, MPI_INT64_T, MPI_SUM, c->comm);
    return ECH_OK;
}

/* One pass: every SKU searched at `price` from the current targets, the results
 * gathered on every rank; *value the network's mean inventory value, summed in SKU
 * order so that it is the same at any number of ranks.  A pass saved by a stopped
 * attempt is read back instead (phase_log.h). */
static ech_status tuning_pass(tuning_ctx *c, double price, const char *label, double *value)
{
    const ech_scenario *sc = c->sc;
    ech_tune_result *res = c->res;
    int64_t counts[2] = {0, 0};
    ech_phase_field f[RESULT_FIELDS + 1];
    int nf = result_fields(c, f, 1);
    f[nf++] = (ech_phase_field){"counts", counts, sizeof counts};
    int replayed = 0;
    ech_status st = ech_phase_replay(c->log, label, price, f, nf, &replayed, c->err);
    if (st == ECH_OK && !replayed)
        st = search_skus(c, price, label, counts);
    if (st != ECH_OK)
        return st;
    c->evaluations += counts[0];
    c->skuloc_days += counts[1];
    double v = 0.0;
    for (int32_t k = 0; k < sc->cat.n; ++k)
        v += res->value[k];
    *value = v;
    ++res->passes;
    return replayed ? ECH_OK : ech_phase_record(c->log, label, price, f, nf, c->err);
}

/* Single packs that gain most per unit of value, one per SKU (their marginal
 * figures describe the SKU's targets as searched), while they fit in the gap. */
typedef struct pack_move {
    int64_t x;
    double ratio;
} pack_move;

static int by_ratio(const void *a, const void *b)
{
    const pack_move *p = a, *q = b;
    if (p->ratio != q->ratio)
        return p->ratio > q->ratio ? -1 : 1;
    return p->x < q->x ? -1 : p->x > q->x;
}

static void fill_budget_gap(const ech_scenario *sc, ech_tune_result *res, double price, double gap)
{
    pack_move *moves =
        ech_xmalloc((size_t)(sc->cat.n > 0 ? sc->cat.n : 1) * sizeof *moves, "budget moves");
    int32_t n_moves = 0;
    for (int32_t k = 0; k < sc->cat.n; ++k) {
        pack_move best = {-1, 0.0};
        for (int64_t x = sc->sl.sku_begin[k]; x < sc->sl.sku_begin[k + 1]; ++x) {
            double dv = res->marginal_value[x];
            /* The cost change without the budget's price on the value added. */
            double dcost = res->marginal_objective[x] - price * dv;
            if (!(dv > 0.0) || !(dcost < 0.0) || dv > gap)
                continue;
            double ratio = -dcost / dv;
            if (best.x < 0 || ratio > best.ratio)
                best = (pack_move){x, ratio};
        }
        if (best.x >= 0)
            moves[n_moves++] = best;
    }
    qsort(moves, (size_t)n_moves, sizeof *moves, by_ratio);
    for (int32_t m = 0; m < n_moves; ++m) {
        int64_t x = moves[m].x;
        double dv = res->marginal_value[x];
        if (dv > gap)
            continue;
        int32_t k = sc->sl.sku[x];
        int32_t pack = sc->cat.pack_size[k] > 1 ? sc->cat.pack_size[k] : 1;
        res->order_up_to[x] += pack;
        res->reorder_point[x] += pack;
        res->value[k] += dv;
        res->objective[k] += res->marginal_objective[x];
        res->fill_rate[k] += res->marginal_fill[x];
        gap -= dv;
        /* The SKU's marginal figures described its targets before this pack. */
        for (int64_t y = sc->sl.sku_begin[k]; y < sc->sl.sku_begin[k + 1]; ++y)
            res->marginal_objective[y] = res->marginal_fill[y] = res->marginal_value[y] = NAN;
    }
    free(moves);
}

/* Budgets are met to within this share (or one pack's fill beyond it). */
#define BUDGET_BISECTIONS 10

/* Tunes under a budget on the mean inventory value: the multiplier bracketed from
 * *price (a price known to leave the value above the budget, or 0) and bisected;
 * the result is the last trial within the budget, its gap filled by single packs.
 * *value on entry: the value at *price (the current targets); on exit: the
 * result's.  *price on exit: the multiplier kept. */
static ech_status tune_to_budget(tuning_ctx *c, double budget, double *price, double *value,
                                 int *met)
{
    ech_tune_result *res = c->res;
    const ech_scenario *sc = c->sc;
    if (*value <= budget) {
        *met = 1;
        return ECH_OK;
    }
    ech_tune_result best;
    result_alloc(&best, sc, res->variant);
    int have_best = 0;
    double best_value = NAN, best_price = NAN;
    double lo = *price, hi = NAN;
    /* A first price: the holding rate's order of magnitude, per day. */
    double trial = lo > 0.0 ? 4.0 * lo : fmax(sc->costs.holding_rate_per_year / 365.0, 1e-6);
    ech_status st = ECH_OK;
    char label[64];
    double last = *value;
    for (int k = 0; st == ECH_OK && k < 24 && isnan(hi); ++k) {
        snprintf(label, sizeof label, "budget, price %.3g", trial);
        double v;
        if ((st = tuning_pass(c, trial, label, &v)) != ECH_OK)
            break;
        if (v > budget && v > last * (1.0 - 1e-3)) {
            lo = trial; /* a higher price no longer lowers the value: the targets' floor */
            break;
        }
        last = v;
        if (v <= budget) {
            hi = trial;
            result_copy_arrays(&best, res);
            have_best = 1;
            best_value = v;
            best_price = trial;
        } else {
            lo = trial;
            trial *= 4.0;
        }
    }
    for (int k = 0; st == ECH_OK && have_best && k < BUDGET_BISECTIONS; ++k) {
        if (budget - best_value <= 1e-3 * budget)
            break;
        trial = lo > 0.0 ? sqrt(lo * hi) : hi / 4.0;
        snprintf(label, sizeof label, "budget, price %.3g", trial);
        double v;
        if ((st = tuning_pass(c, trial, label, &v)) != ECH_OK)
            break;
        if (v <= budget) {
            hi = trial;
            if (v > best_value || !have_best) {
                result_copy_arrays(&best, res);
                best_value = v;
                best_price = trial;
            }
        } else {
            lo = trial;
        }
    }
    if (st == ECH_OK && have_best) {
        result_copy_arrays(res, &best);
        fill_budget_gap(sc, res, best_price, budget - best_value);
        double v = 0.0;
        for (int32_t k = 0; k < sc->cat.n; ++k)
            v += res->value[k];
        *value = v;
        *price = best_price;
        *met = 1;
    } else if (st == ECH_OK) {
        /* Not even the highest price gets under the budget (service targets hold
         * stock up): the last trial stands, the budget unmet. */
        *price = lo;
        double v = 0.0;
        for (int32_t k = 0; k < sc->cat.n; ++k)
            v += res->value[k];
        *value = v;
        *met = 0;
    }
    ech_tune_result_free(&best);
    return st;
}

/* ------------------------------------------------------------------------------
 * The best classic rule
 * ------------------------------------------------------------------------------ */

/* The classic rule's pharmacy rules: the variant's retail rule with service level
 * level[g] for segment g (the variant's rules per segment elsewhere). */
static void classic_rules(const ech_scenario *sc, ech_variant *v, const ech_variant *base,
                          const double *level)
{
    int32_t ng = sc->n_segments, nb = base->n_segment_rules;
    ech_segment_rule *r = ech_xmalloc((size_t)(nb + ng) * sizeof *r, "classic rules");
    int32_t n = 0;
    for (int32_t i = 0; i < nb; ++i)
        if (base->segment_rules[i].kind != ECH_LOC_RETAIL)
            r[n++] = base->segment_rules[i];
    for (int32_t g = 0; g < ng; ++g) {
        ech_policy_rule rule = base->rule[ECH_LOC_RETAIL];
        rule.target = ECH_TARGET_SERVICE_LEVEL;
        rule.service_level = level[g];
        r[n++] = (ech_segment_rule){.segment = g, .kind = ECH_LOC_RETAIL, .rule = rule};
    }
    ech_variant_copy_segment_rules(v, r, n);
    free(r);
}

/* Units demanded and filled per segment (all ranks, exact integer sums) under the
 * given targets, on replications [0, reps) of the searches' stream set. */
static ech_status segment_fill(tuning_ctx *c, const int32_t *S, const int32_t *s, int64_t reps,
                               int64_t *demand, int64_t *filled)
{
    const ech_scenario *sc = c->sc;
    int32_t ng = sc->n_segments;
    ech_phase_field f[2] = {{"demand", demand, (size_t)ng * sizeof *demand},
                            {"filled", filled, (size_t)ng * sizeof *filled}};
    int replayed = 0;
    ech_status st = ech_phase_replay(c->log, "segment fill", (double)reps, f, 2, &replayed, c->err);
    if (st != ECH_OK || replayed)
        return st;
    int64_t *mine = ech_xcalloc(2 * (size_t)(ng > 0 ? ng : 1), sizeof *mine, "segment fill");
    ech_error *err = c->err;
    int n_threads = c->opt->n_threads > 0 ? c->opt->n_threads : 1;
    int stopped = 0; /* a stop left SKUs out: the check is done again on resuming */
#pragma omp parallel num_threads(n_threads)
    {
        ech_engine *e = ech_engine_new(sc);
        double *kpi = ech_xmalloc((size_t)c->max_nodes * ECH_KPI_COUNT * (size_t)reps * sizeof *kpi,
                                  "classic KPIs");
        int64_t *totals =
            ech_xmalloc((size_t)reps * ECH_TOTAL_COUNT * sizeof *totals, "classic totals");
        ech_error local;
        ech_error_clear(&local);
#pragma omp for schedule(dynamic, 1)
        for (int32_t k = c->first; k < c->last; ++k) {
            int64_t b = sc->sl.sku_begin[k];
            if (sc->sl.sku_begin[k + 1] == b)
                continue;
            if (ech_stop_requested()) {
#pragma omp atomic write
                stopped = 1;
                continue;
            }
            memset(totals, 0, (size_t)reps * ECH_TOTAL_COUNT * sizeof *totals);
            ech_eval_request req = {
                .sku = k,
                .variant = c->opt->variant,
                .rep_begin = 0,
                .rep_end = reps,
                .stream_set = ECH_TUNE_SEARCH_STREAMS,
                .order_up_to = S + b,
                .reorder_point = s + b,
            };
            ech_eval_out out = {.kpi = kpi, .rep_stride = reps, .totals = totals};
            ech_status one = ech_engine_evaluate(e, &req, &out, &local);
            if (one != ECH_OK) {
#pragma omp critical(classic_error)
                {
                    if (st == ECH_OK) {
                        *err = local;
                        st = one;
                    }
                }
                continue;
            }
            int64_t d = 0, f = 0;
            for (int64_t r = 0; r < reps; ++r) {
                d += totals[r * ECH_TOTAL_COUNT + ECH_TOTAL_DEMAND];
                f += totals[r * ECH_TOTAL_COUNT + ECH_TOTAL_FILLED];
            }
            int32_t g = sc->cat.segment[k];
#pragma omp atomic
            mine[2 * g] += d;
#pragma omp atomic
            mine[2 * g + 1] += f;
        }
        free(kpi);
        free(totals);
        ech_engine_free(e);
    }
    st = ech_agree(c->comm, st, err);
    if (st == ECH_OK)
        st = ech_phase_units_end(c->log, !stopped, 0, NULL, NULL, 0, err);
    if (st == ECH_OK) {
        int64_t *all = ech_xmalloc(2 * (size_t)(ng > 0 ? ng : 1) * sizeof *all, "segment fill");
        MPI_Allreduce(mine, all, 2 * ng, MPI_INT64_T, MPI_SUM, c->comm);
        for (int32_t g = 0; g < ng; ++g) {
            demand[g] = all[2 * g];
            filled[g] = all[2 * g + 1];
        }
        free(all);
    }
    free(mine);
    if (st == ECH_OK)
        st = ech_phase_record(c->log, "segment fill", (double)reps, f, 2, err);
    return st;
}

/* Bisection steps on the probit scale between service levels 1% and 99.99% (with
 * (s,S) lots, a low cycle service level can still fill most demand). */
#define CLASSIC_BISECTIONS 10

static ech_status tune_classic(tuning_ctx *c)
{
    const ech_scenario *sc = c->sc;
    ech_tune_result *res = c->res;
    int32_t ng = sc->n_segments;
    size_t nl = (size_t)(sc->sl.n > 0 ? sc->sl.n : 1), ngs = (size_t)(ng > 0 ? ng : 1);
    res->n_segments = ng;
    res->classic_service_level = ech_xmalloc(ngs * sizeof(double), "classic levels");
    res->classic_fill = ech_xmalloc(ngs * sizeof(double), "classic fill");
    res->tuned_fill = ech_xmalloc(ngs * sizeof(double), "tuned fill");
    res->classic_order_up_to = ech_xmalloc(nl * sizeof(int32_t), "classic targets");
    res->classic_reorder_point = ech_xmalloc(nl * sizeof(int32_t), "classic targets");
    int64_t reps = c->set.reps_start;
    int64_t *demand = ech_xmalloc(ngs * sizeof *demand, "segment demand");
    int64_t *filled = ech_xmalloc(ngs * sizeof *filled, "segment fill");
    double *lo = ech_xmalloc(ngs * sizeof *lo, "bisection"),
           *hi = ech_xmalloc(ngs * sizeof *hi, "bisection");
    double *level = ech_xmalloc(ngs * sizeof *level, "levels");
    ech_status st = segment_fill(c, res->order_up_to, res->reorder_point, reps, demand, filled);
    for (int32_t g = 0; g < ng; ++g) {
        res->tuned_fill[g] = demand[g] > 0 ? (double)filled[g] / (double)demand[g] : NAN;
        lo[g] = ech_normal_quantile(0.01);
        hi[g] = ech_normal_quantile(0.9999);
    }
    const ech_variant *base = &sc->variant[res->variant];
    ech_variant v;
    ech_variant_copy(sc, &v, base);
    ech_progress *progress =
        c->rank == 0 ? ech_progress_new(c->opt->progress, "classic rule", CLASSIC_BISECTIONS + 1,
                                        c->opt->progress_interval)
                     : NULL;
    for (int it = 0; st == ECH_OK && it <= CLASSIC_BISECTIONS; ++it) {
        /* The last round resolves the levels found (the upper ends, which reach the
         * tuned fill rates), and measures them. */
        for (int32_t g = 0; g < ng; ++g)
            level[g] = ech_normal_p(it < CLASSIC_BISECTIONS ? 0.5 * (lo[g] + hi[g]) : hi[g]);
        classic_rules(sc, &v, base, level);
        if ((st = ech_policy_resolve_variant(sc, &v, c->err)) != ECH_OK)
            break;
        if ((st = segment_fill(c, v.order_up_to, v.reorder_point, reps, demand, filled)) != ECH_OK)
            break;
        for (int32_t g = 0; g < ng; ++g) {
            double fill = demand[g] > 0 ? (double)filled[g] / (double)demand[g] : NAN;
            if (it == CLASSIC_BISECTIONS) {
                res->classic_fill[g] = fill;
                res->classic_service_level[g] = level[g];
            } else if (!(fill < res->tuned_fill[g])) {
                hi[g] = 0.5 * (lo[g] + hi[g]);
            } else {
                lo[g] = 0.5 * (lo[g] + hi[g]);
            }
        }
        if (progress)
            ech_progress_add(progress, 1);
    }
    if (progress)
        ech_progress_finish(progress);
    if (st == ECH_OK) {
        memcpy(res->classic_order_up_to, v.order_up_to, (size_t)sc->sl.n * sizeof(int32_t));
        memcpy(res->classic_reorder_point, v.reorder_point, (size_t)sc->sl.n * sizeof(int32_t));
        res->has_classic = 1;
    }
    ech_variant_free(&v);
    free(demand);
    free(filled);
    free(lo);
    free(hi);
    free(level);
    return st;
}

/* ------------------------------------------------------------------------------
 * Budgets per location
 * ------------------------------------------------------------------------------ */

/* The next multiplier of one constraint (a location's budget, a cold room) from
 * whether the targets searched at *price break it: over, the price rises (from
 * `start`, by 4 until the constraint holds, then bisected geometrically between
 * [*lo, *hi]); within, it falls (by 4, to 0 when it never had to rise); once the
 * bracket is within 25% the upper end stays.  Returns whether the price changed. */
static int next_price(int over, double start, double *price, double *lo, double *hi)
{
    double p = *price;
    if (over) {
        *lo = p;
        p = isnan(*hi) ? (p > 0.0 ? 4.0 * p : start) : sqrt(*lo * *hi);
    } else if (p > 0.0) {
        *hi = p;
        p = *lo > 0.0 ? sqrt(*lo * *hi) : p / 4.0;
        if (*lo == 0.0 && p < 1e-3 * start)
            p = 0.0; /* within without a price */
    }
    if (!isnan(*hi) && *lo > 0.0 && *hi / *lo < 1.25)
        p = *hi;
    int changed = p != *price;
    *price = p;
    return changed;
}

/* Budget passes at most (each a search of the SKUs stocked at a budgeted location). */
#define LOCATION_BUDGET_PASSES 12

/* Each budgeted location's mean inventory value, summed in skuloc order (the same
 * at any number of ranks). */
static void location_values(const ech_scenario *sc, ech_tune_result *res)
{
    int32_t *index =
        ech_xmalloc((size_t)(sc->net.n > 0 ? sc->net.n : 1) * sizeof *index, "budget index");
    for (int32_t l = 0; l < sc->net.n; ++l)
        index[l] = -1;
    for (int32_t b = 0; b < res->n_location_budgets; ++b) {
        index[res->budget_location[b]] = b;
        res->location_value[b] = 0.0;
    }
    for (int64_t x = 0; x < sc->sl.n; ++x) {
        int32_t b = index[sc->sl.location[x]];
        if (b >= 0)
            res->location_value[b] += res->skuloc_value[x];
    }
    free(index);
}

/* Holds each budgeted location's mean inventory value within its budget: a
 * multiplier per location on the value held there, raised (by 4, then bisected)
 * while the location is over and lowered while within, over passes of the SKUs it
 * stocks; the last targets within every budget are kept. */
static ech_status tune_location_budgets(tuning_ctx *c)
{
    const ech_scenario *sc = c->sc;
    ech_tune_result *res = c->res;
    const double *budget = sc->tuning.location_budget;
    int32_t n = 0;
    for (int32_t l = 0; l < sc->net.n; ++l)
        n += !isnan(budget[l]);
    size_t nb = (size_t)(n > 0 ? n : 1);
    res->n_location_budgets = n;
    res->budget_location = ech_xmalloc(nb * sizeof(int32_t), "budget locations");
    res->location_budget = ech_xmalloc(nb * sizeof(double), "location budgets");
    res->location_value = ech_xcalloc(nb, sizeof(double), "location values");
    res->location_price = ech_xcalloc(nb, sizeof(double), "location multipliers");
    for (int32_t l = 0, b = 0; l < sc->net.n; ++l)
        if (!isnan(budget[l])) {
            res->budget_location[b] = l;
            res->location_budget[b++] = budget[l];
        }
    uint8_t *skus = ech_xcalloc((size_t)(sc->cat.n > 0 ? sc->cat.n : 1), 1, "budgeted SKUs");
    for (int64_t x = 0; x < sc->sl.n; ++x)
        if (!isnan(budget[sc->sl.location[x]]))
            skus[sc->sl.sku[x]] = 1;
    double *lo = ech_xcalloc(nb, sizeof *lo, "budget bisection");
    double *hi = ech_xmalloc(nb * sizeof *hi, "budget bisection");
    double *price =
        ech_xcalloc((size_t)(sc->net.n > 0 ? sc->net.n : 1), sizeof *price, "location prices");
    double start = fmax(sc->costs.holding_rate_per_year / 365.0, 1e-6);
    /* The prices the current targets were searched at, and the kept targets'. */
    double *used = ech_xcalloc(nb, sizeof *used, "prices used");
    double *best_used = ech_xcalloc(nb, sizeof *best_used, "prices kept");
    for (int32_t b = 0; b < n; ++b)
        hi[b] = NAN;
    ech_tune_result best;
    result_alloc(&best, sc, res->variant);
    int have_best = 0;
    ech_tune_settings saved = c->set;
    ech_status st = ECH_OK;
    location_values(sc, res);
    for (int pass = 0; st == ECH_OK && pass <= LOCATION_BUDGET_PASSES; ++pass) {
        int all_met = 1, changed = 0;
        for (int32_t b = 0; b < n; ++b) {
            int over = res->location_value[b] > res->location_budget[b];
            all_met &= !over;
            changed |= next_price(over, start, &res->location_price[b], &lo[b], &hi[b]);
        }
        if (all_met) {
            result_copy_arrays(&best, res);
            memcpy(best_used, used, nb * sizeof *used);
            have_best = 1;
        }
        if (!changed || pass == LOCATION_BUDGET_PASSES)
            break;
        memcpy(used, res->location_price, nb * sizeof *used);
        for (int32_t b = 0; b < n; ++b)
            price[res->budget_location[b]] = res->location_price[b];
        c->set.location_price = price;
        c->only = skus;
        double v;
        st = tuning_pass(c, res->value_price, "location budgets", &v);
        c->only = NULL;
        c->set = saved;
        if (st == ECH_OK)
            location_values(sc, res);
    }
    if (st == ECH_OK) {
        int all_met = 1;
        for (int32_t b = 0; b < n; ++b)
            all_met &= res->location_value[b] <= res->location_budget[b];
        if (!all_met && have_best) {
            result_copy_arrays(res, &best);
            memcpy(used, best_used, nb * sizeof *used);
            location_values(sc, res);
            all_met = 1;
        }
        memcpy(res->location_price, used, nb * sizeof *used);
        res->location_budgets_met = all_met;
        double v = 0.0;
        for (int32_t k = 0; k < sc->cat.n; ++k)
            v += res->value[k];
        res->value_total = v;
        /* Later passes (cold rooms) keep the prices of the targets kept. */
        for (int32_t b = 0; b < n; ++b)
            c->location_price[res->budget_location[b]] = res->location_price[b];
    }
    ech_tune_result_free(&best);
    free(used);
    free(best_used);
    free(skus);
    free(lo);
    free(hi);
    free(price);
    return st;
}

/* ------------------------------------------------------------------------------
 * Cold rooms

 * ------------------------------------------------------------------------------ */

/* The share of location-days each cold room is over capacity under the current
 * targets, on replications [0, reps) of the searches' stream set (every rank). */
static ech_status cold_check(tuning_ctx *c, ech_cold_rooms *rooms, int64_t reps, double *exceed)
{
    const ech_scenario *sc = c->sc;
    const ech_tune_result *res = c->res;
    ech_phase_field f[1] = {{"exceed", exceed, (size_t)rooms->n * sizeof *exceed}};
    int replayed = 0;
    ech_status st = ech_phase_replay(c->log, "cold check", (double)reps, f, 1, &replayed, c->err);
    if (st != ECH_OK || replayed)
        return st;
    ech_cold_rooms_clear(rooms);
    ech_error *err = c->err;
    int n_threads = c->opt->n_threads > 0 ? c->opt->n_threads : 1;
    int stopped = 0; /* a stop left SKUs out: the check is done again on resuming */
#pragma omp parallel num_threads(n_threads)
    {
        ech_engine *e = ech_engine_new(sc);
        ech_engine_set_cold_rooms(e, rooms);
        double *kpi = ech_xmalloc((size_t)c->max_nodes * ECH_KPI_COUNT * (size_t)reps * sizeof *kpi,
                                  "cold-room KPIs");
        ech_error local;
        ech_error_clear(&local);
#pragma omp for schedule(dynamic, 1)
        for (int32_t k = c->first; k < c->last; ++k) {
            int64_t b = sc->sl.sku_begin[k];
            if (sc->sl.sku_begin[k + 1] == b || ech_cold_unit_ml(sc, k) == 0)
                continue;
            if (ech_stop_requested()) {
#pragma omp atomic write
                stopped = 1;
                continue;
            }
            ech_eval_request req = {
                .sku = k,
                .variant = c->opt->variant,
                .rep_begin = 0,
                .rep_end = reps,
                .stream_set = ECH_TUNE_SEARCH_STREAMS,
                .order_up_to = res->order_up_to + b,
                .reorder_point = res->reorder_point + b,
            };
            ech_eval_out out = {.kpi = kpi, .rep_stride = reps, .totals = NULL};
            ech_status one = ech_engine_evaluate(e, &req, &out, &local);
            if (one != ECH_OK) {
#pragma omp critical(cold_error)
                {
                    if (st == ECH_OK) {
                        *err = local;
                        st = one;
                    }
                }
            }
        }
        free(kpi);
        ech_engine_free(e);
    }
    st = ech_agree(c->comm, st, err);
    if (st == ECH_OK)
        st = ech_phase_units_end(c->log, !stopped, 0, NULL, NULL, 0, err);
    if (st != ECH_OK)
        return st;
    if (ech_cold_rooms_reduce(rooms, c->comm, -1) != MPI_SUCCESS)
        return ech_fail(err, ECH_ERR_RUNTIME,
                        "summing the cold-room occupancy over the ranks failed");
    ech_cold_stats stats;
    ech_cold_stats_compute(rooms, sc->net.cold_capacity_litres, NULL, 0, n_threads, &stats);
    for (int32_t s = 0; s < rooms->n; ++s)
        exceed[s] = stats.exceed_probability[s];
    ech_cold_stats_free(&stats);
    return ech_phase_record(c->log, "cold check", (double)reps, f, 1, err);
}

/* Cold-room passes at most (each a search of the cold-chain SKUs and a check). */
#define COLD_PASSES 12

/* Holds each cold room to the share of days over capacity: a multiplier per room
 * on the litres held there, raised (by 4, then bisected) while the room is over
 * and lowered while it is within, over passes of the cold-chain SKUs; the last
 * targets within every limit are kept. */
static ech_status tune_cold_rooms(tuning_ctx *c)
{
    const ech_scenario *sc = c->sc;
    ech_tune_result *res = c->res;
    double share = sc->tuning.cold_exceed_share;
    ech_cold_rooms rooms;
    int64_t reps = c->set.reps_start;
    ech_cold_rooms_init_reps(&rooms, sc, reps);
    int32_t n = rooms.n;
    size_t ns = (size_t)(n > 0 ? n : 1);
    res->has_cold = 1;
    res->n_cold = n;
    res->cold_location = ech_xmalloc(ns * sizeof(int32_t), "cold locations");
    res->cold_capacity = ech_xmalloc(ns * sizeof(double), "cold capacities");
    res->cold_exceed = ech_xcalloc(ns, sizeof(double), "cold exceedance");
    res->cold_price = ech_xcalloc(ns, sizeof(double), "cold prices");
    double *lo = ech_xcalloc(ns, sizeof *lo, "cold bisection");
    double *hi = ech_xmalloc(ns * sizeof *hi, "cold bisection");
    double *start = ech_xcalloc(ns, sizeof *start, "cold first prices");
    double *price = ech_xcalloc((size_t)(sc->net.n > 0 ? sc->net.n : 1), sizeof *price,
                                "cold prices by location");
    /* A first price per room: twice the holding cost of a litre of its cold stock. */
    double *litres = ech_xcalloc(ns, sizeof *litres, "cold litres");
    for (int64_t x = 0; x < sc->sl.n; ++x) {
        int64_t ml = ech_cold_unit_ml(sc, sc->sl.sku[x]);
        int32_t s = n > 0 ? rooms.slot[sc->sl.location[x]] : -1;
        if (ml <= 0 || s < 0)
            continue;
        start[s] += ech_holding_rate(sc, x) / 365.0 * sc->cat.unit_cost[sc->sl.sku[x]];
        litres[s] += 1e-3 * (double)ml;
    }
    for (int32_t s = 0; s < n; ++s) {
        res->cold_location[s] = rooms.location[s];
        res->cold_capacity[s] = sc->net.cold_capacity_litres[rooms.location[s]];
        start[s] = litres[s] > 0.0 ? 2.0 * start[s] / litres[s] : 1e-6;
        hi[s] = NAN;
    }
    uint8_t *cold_skus = ech_xcalloc((size_t)(sc->cat.n > 0 ? sc->cat.n : 1), 1, "cold SKUs");
    for (int32_t k = 0; k < sc->cat.n; ++k)
        cold_skus[k] = ech_cold_unit_ml(sc, k) > 0;
    double *used = ech_xcalloc(ns, sizeof *used, "prices used");
    double *best_used = ech_xcalloc(ns, sizeof *best_used, "prices kept");
    ech_tune_result best;
    result_alloc(&best, sc, res->variant);
    int have_best = 0;
    ech_status st = cold_check(c, &rooms, reps, res->cold_exceed);
    ech_tune_settings saved = c->set;
    for (int pass = 0; st == ECH_OK && pass < COLD_PASSES; ++pass) {
        int all_met = 1, changed = 0;
        for (int32_t s = 0; s < n; ++s) {
            int over = res->cold_capacity[s] > 0.0 && res->cold_exceed[s] > share;
            all_met &= !over;
            changed |= next_price(over, start[s], &res->cold_price[s], &lo[s], &hi[s]);
        }
        if (all_met) {
            result_copy_arrays(&best, res);
            memcpy(best_used, used, ns * sizeof *used);
            have_best = 1;
        }
        if (!changed)
            break;
        memcpy(used, res->cold_price, ns * sizeof *used);
        for (int32_t s = 0; s < n; ++s)
            price[rooms.location[s]] = res->cold_price[s];
        c->set.cold_price = price;
        c->only = cold_skus;
        double v;
        st = tuning_pass(c, c->res->value_price, "cold rooms", &v);
        c->only = NULL;
        c->set = saved;
        if (st == ECH_OK)
            st = cold_check(c, &rooms, reps, res->cold_exceed);
    }
    if (st == ECH_OK) {
        int all_met = 1;
        for (int32_t s = 0; s < n; ++s)
            all_met &= !(res->cold_capacity[s] > 0.0 && res->cold_exceed[s] > share);
        if (!all_met && have_best) {
            result_copy_arrays(res, &best);
            memcpy(used, best_used, ns * sizeof *used);
            st = cold_check(c, &rooms, reps, res->cold_exceed);
            all_met = 1;
        }
        memcpy(res->cold_price, used, ns * sizeof *used);
        res->cold_met = all_met;
        double v = 0.0;
        for (int32_t k = 0; k < sc->cat.n; ++k)
            v += res->value[k];
        res->value_total = v;
    }
    ech_tune_result_free(&best);
    free(cold_skus);
    free(used);
    free(best_used);
    ech_cold_rooms_free(&rooms);
    free(lo);
    free(hi);
    free(start);
    free(price);
    free(litres);
    return st;
}

ech_status ech_tune_run(const ech_scenario *sc, MPI_Comm comm, const ech_tune_run_options *opt,
                        ech_tune_result *res, ech_error *err)
{
    tuning_ctx c = {.sc = sc, .comm = comm, .opt = opt, .res = res, .err = err};
    MPI_Comm_rank(comm, &c.rank);
    MPI_Comm_size(comm, &c.n_ranks);
    result_alloc(res, sc, opt->variant);
    if (ech_scenario_no_groups(sc, "tune", err) != ECH_OK)
        return ECH_ERR_INPUT;
    ech_status st =
        ech_phase_log_open(&c.log, &opt->checkpoint, comm, opt->n_threads, opt->progress, err);
    if (st != ECH_OK)
        return st;
    res->resumed = ech_phase_log_resumed(c.log);
    snprintf(res->created, sizeof res->created, "%s", ech_phase_log_created(c.log));

    const ech_tuning *tn = &sc->tuning;
    ech_tune_settings_default(&c.set);
    c.set.objective = (ech_tune_objective)tn->objective;
    c.set.reps_start = tn->replications;
    c.set.reps_max = tn->max_replications;
    c.set.z = tn->significance;
    c.set.tolerance = tn->tolerance;
    c.set.max_evaluations = tn->max_evaluations;
    c.set.stream_set = ECH_TUNE_SEARCH_STREAMS;
    c.set.value_price = 0.0;
    res->settings = c.set;

    ech_work_plan_sku_block(sc, c.n_ranks, c.rank, &c.first, &c.last);
    for (int32_t k = c.first; k < c.last; ++k)
        c.my_cost += ech_engine_sku_cost(sc, k);
    int64_t most = ech_scenario_most_skulocs(sc);
    c.max_nodes = most > 1 ? (int32_t)most : 1;
    int32_t bounds[2] = {c.first, c.last};
    c.blocks = ech_xmalloc(2 * (size_t)c.n_ranks * sizeof *c.blocks, "rank blocks");
    MPI_Allgather(bounds, 2, MPI_INT32_T, c.blocks, 2, MPI_INT32_T, comm);

    double t0 = wall_seconds();
    double price = 0.0, value = 0.0;
    st = tuning_pass(&c, 0.0, "tuning", &value);
    res->value_unconstrained = value;
    c.set.warm = 1; /* later passes start from an earlier pass's targets */
    ech_tune_result unconstrained;
    memset(&unconstrained, 0, sizeof unconstrained);
    int32_t nf = opt->frontier > 0 ? opt->frontier : 0;
    if (st == ECH_OK && nf > 0) {
        result_alloc(&unconstrained, sc, opt->variant);
        result_copy_arrays(&unconstrained, res);
    }
    if (st == ECH_OK && !isnan(tn->budget)) {
        res->budget_binding = value > tn->budget;
        st = tune_to_budget(&c, tn->budget, &price, &value, &res->budget_met);
    }
    res->value_price = price;
    res->value_total = value;
    c.set.value_price = price;
    c.location_price =
        ech_xcalloc((size_t)(sc->net.n > 0 ? sc->net.n : 1), sizeof(double), "location prices");
    if (st == ECH_OK && tn->location_budget)
        st = tune_location_budgets(&c);
    if (st == ECH_OK && !isnan(tn->cold_exceed_share)) {
        c.set.location_price = c.location_price;
        st = tune_cold_rooms(&c);
        c.set.location_price = NULL;
    }
    free(c.location_price);
    c.location_price = NULL;
    c.set.value_price = 0.0;

    /* The frontier.  Cost objective: budgets from half the unpriced value up to all
     * of it, tuned from the top down (each price at least the last).  Service
     * objective (whose targets fix the least stock): every demand point's allowed
     * shortfall 1 - target scaled from 4 times down to a quarter, tuned from the
     * lowest targets up, each from the unpriced tuning's targets. */
    if (st == ECH_OK && nf > 0) {
        ech_tune_result main_result;
        result_alloc(&main_result, sc, opt->variant);
        result_copy_arrays(&main_result, res);
        result_copy_arrays(res, &unconstrained);
        size_t nl = (size_t)sc->sl.n;
        res->n_frontier = nf;
        res->frontier_budget = ech_xmalloc((size_t)nf * sizeof(double), "frontier budgets");
        res->frontier_scale = ech_xmalloc((size_t)nf * sizeof(double), "frontier scales");
        res->frontier_price = ech_xmalloc((size_t)nf * sizeof(double), "frontier prices");
        res->frontier_value = ech_xmalloc((size_t)nf * sizeof(double), "frontier values");
        res->frontier_order_up_to =
            ech_xmalloc((size_t)nf * (nl ? nl : 1) * sizeof(int32_t), "frontier targets");
        res->frontier_reorder_point =
            ech_xmalloc((size_t)nf * (nl ? nl : 1) * sizeof(int32_t), "frontier targets");
        int service = c.set.objective == ECH_TUNE_SERVICE;
        double *targets = ech_xmalloc((nl ? nl : 1) * sizeof(double), "fill-rate targets");
        memcpy(targets, res->fill_target, nl * sizeof(double));
        double v0 = res->value_unconstrained, p = 0.0, v = v0;
        for (int32_t step = 0; step < nf && st == ECH_OK; ++step) {
            int32_t f = service ? step : nf - 1 - step;
            double frac = nf == 1 ? 1.0 : (double)f / (double)(nf - 1);
            double b = NAN, scale = NAN;
            int met = 1;
            if (service) {
                scale = nf == 1 ? 1.0 : ech_pow(4.0, 1.0 - 2.0 * frac);
                for (size_t x = 0; x < nl; ++x) {
                    double t = 1.0 - (1.0 - targets[x]) * scale;
                    res->fill_target[x] = isnan(t) ? t : t < 0.0 ? 0.0 : t > 0.9999 ? 0.9999 : t;
                }
                /* From the unpriced targets, their lots kept (a point differs from
                 * the next in its levels alone, so stock grows with the targets):
                 * scale 1 is then the tuning itself. */
                result_copy_arrays(res, &unconstrained);
                ech_tune_settings saved = c.set;
                c.set.keep_lots = 1;
                c.set.analytic_start = 0;
                st = tuning_pass(&c, 0.0, "frontier", &v);
                c.set = saved;
            } else {
                b = v0 * (0.5 + 0.5 * frac);
                if (step > 0)
                    st = tune_to_budget(&c, b, &p, &v, &met);
            }
            res->frontier_budget[f] = b;
            res->frontier_scale[f] = scale;
            res->frontier_price[f] = p;
            res->frontier_value[f] = v;
            memcpy(res->frontier_order_up_to + (size_t)f * nl, res->order_up_to,
                   nl * sizeof(int32_t));
            memcpy(res->frontier_reorder_point + (size_t)f * nl, res->reorder_point,
                   nl * sizeof(int32_t));
        }
        memcpy(res->fill_target, targets, nl * sizeof(double));
        free(targets);
        result_copy_arrays(res, &main_result);
        ech_tune_result_free(&main_result);
    }
    ech_tune_result_free(&unconstrained);
    if (st == ECH_OK && opt->classic)
        st = tune_classic(&c);
    double seconds = wall_seconds() - t0 + ech_phase_log_seconds_before(c.log);
    free(c.blocks);
    ech_phase_log_close(c.log);
    if (st != ECH_OK)
        return st;

    res->evaluations_total = c.evaluations; /* each pass's, summed over the ranks */
    res->skuloc_days = c.skuloc_days;
    MPI_Allreduce(&seconds, &res->seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    res->infeasible = 0;
    for (int32_t k = 0; k < sc->cat.n; ++k)
        if (sc->sl.sku_begin[k + 1] > sc->sl.sku_begin[k] && !res->feasible[k])
            ++res->infeasible;
    return ECH_OK;
}

void ech_tune_set_variants(ech_scenario *sc, const ech_tune_result *res)
{
    int32_t n_variants = 2 + res->has_classic + res->n_frontier;
    ech_variant *v = ech_xcalloc((size_t)n_variants, sizeof *v, "variants");
    const ech_variant *base = &sc->variant[res->variant];
    ech_variant_copy(sc, &v[0], base);
    ech_variant_copy(sc, &v[1], base);
    free(v[1].name);
    free(v[1].description);
    /* "tuned", unless the tuned variant has that name already. */
    v[1].name =
        ech_xstrdup(strcmp(base->name, "tuned") == 0 ? "tuned_targets" : "tuned", "variant name");
    v[1].description = ech_xstrdup("the targets echelon tune chose", "variant text");
    memcpy(v[1].order_up_to, res->order_up_to, (size_t)sc->sl.n * sizeof(int32_t));
    memcpy(v[1].expedite_level, res->expedite_level, (size_t)sc->sl.n * sizeof(int32_t));
    memcpy(v[1].reorder_point, res->reorder_point, (size_t)sc->sl.n * sizeof(int32_t));
    if (res->has_classic) {
        ech_variant *w = &v[2];
        ech_variant_copy(sc, w, base);
        free(w->name);
        free(w->description);
        w->name = ech_xstrdup("classic", "variant name");
        w->description = ech_xstrdup("one service level per segment at the pharmacies, each "
                                     "set to reach the tuned fill rate",
                                     "variant text");
        classic_rules(sc, w, base, res->classic_service_level);
        memcpy(w->order_up_to, res->classic_order_up_to, (size_t)sc->sl.n * sizeof(int32_t));
        memcpy(w->reorder_point, res->classic_reorder_point, (size_t)sc->sl.n * sizeof(int32_t));
    }
    for (int32_t f = 0; f < res->n_frontier; ++f) {
        ech_variant *w = &v[2 + res->has_classic + f];
        ech_variant_copy(sc, w, base);
        free(w->name);
        free(w->description);
        char name[64], text[160];
        snprintf(name, sizeof name, "frontier_%d", (int)f + 1);
        snprintf(text, sizeof text, "targets tuned within a mean inventory value of %.6g",
                 res->frontier_budget[f]);
        w->name = ech_xstrdup(name, "variant name");
        w->description = ech_xstrdup(text, "variant text");
        size_t nl = (size_t)sc->sl.n;
        memcpy(w->order_up_to, res->frontier_order_up_to + (size_t)f * nl, nl * sizeof(int32_t));
        memcpy(w->reorder_point, res->frontier_reorder_point + (size_t)f * nl,
               nl * sizeof(int32_t));
    }
    for (int32_t i = 0; i < sc->n_variants; ++i)
        ech_variant_free(&sc->variant[i]);
    free(sc->variant);
    sc->variant = v;
    sc->n_variants = n_variants;
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
    /* The expedite levels where some supplier has an express mode. */
    int expedite = 0;
    for (int32_t k = 0; sc->suppliers.express && k < sc->suppliers.n; ++k)
        expedite |= sc->suppliers.express[k].lead_time_days >= 0;
    fprintf(f, "sku,location,policy,order_up_to,reorder_point%s\n",
            expedite ? ",expedite_level" : "");
    for (int64_t x = 0; x < sl->n; ++x) {
        int32_t held = vt->reserve[x] + (sl->display_min ? sl->display_min[x] : 0);
        int32_t S = res->order_up_to[x] - held, s = res->reorder_point[x] - held;
        if (s < -1)
            s = -1;
        ech_csv_write_field(f, sc->cat.id[sl->sku[x]]);
        fputc(',', f);
        ech_csv_write_field(f, sc->net.id[sl->location[x]]);
        fprintf(f, ",%s,%d,%d", ech_enum_word(&ech_policy_enum, vt->policy[x]), S, s);
        if (expedite)
            fprintf(f, ",%d", res->expedite_level[x]);
        fputc('\n', f);
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
