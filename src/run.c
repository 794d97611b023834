/* A whole run over a communicator, in phases; see include/echelon/run.h.
 *
 *   plan       which rank simulates which replications of which SKU (work_plan.h)
 *   simulate   threads take work units, heaviest first; each unit fills its SKU's
 *              KPI values and adds to its thread's integer accumulators; a SKU whose
 *              replications are all in is summarised (statistics, hash) at once
 *   exchange   replications of SKUs split over ranks go to their owners, which
 *              summarise them
 *   reduce     integer sums over ranks (totals, comparisons, hash), run facts
 *   output     the results file
 * Cold rooms add a reduction of their occupancy after each pass over the SKUs.
 */
#include "echelon/run.h"
#include "run_state.h"
#include "echelon/cold_chain.h"
#include "echelon/engine.h"
#include "echelon/job_size.h"
#include "echelon/kpi.h"
#include "echelon/progress.h"
#include "echelon/rng.h"
#include "echelon/stats.h"
#include "echelon/stop.h"
#include "echelon/work_plan.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

/* ------------------------------------------------------------------------------
 * The run's shared state
 * ------------------------------------------------------------------------------ */

/* An order-free hash: a wrapping sum of mixed (position, value bits) pairs, so any
 * split of the values over ranks and threads adds up to the same number. */
static inline uint64_t hash_value(uint64_t position, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return ech_mix64(ech_mix64(position) ^ bits);
}

/* SKU k's skulocs in the pass's window: [*b, *e), local; 0 when it has none there. */
static int sku_window(const run_state *rs, int32_t k, int64_t *b, int64_t *e)
{
    return ech_run_sku_window(rs, k, rs->window, b, e);
}

typedef struct window_of_run {
    const run_state *rs;
    int32_t window;
} window_of_run;

static int sku_in_window(const ech_scenario *sc, int32_t sku, const void *ctx)
{
    (void)sc;
    const window_of_run *w = ctx;
    int64_t b, e;
    return ech_run_sku_window(w->rs, sku, w->window, &b, &e);
}

/* Whether unit u records anything in window w (a group unit: any of its SKUs). */
static int unit_in_window(const run_state *rs, const ech_work_unit *u, int32_t w)
{
    window_of_run ctx = {rs, w};
    return ech_unit_has_sku(rs->sc, u, sku_in_window, &ctx);
}

/* Statistics of every KPI of SKU k's skulocs of the pass's window in variant v, from
 * all their replications `vals`, into the SKU's rows of the results; returns their
 * share of the hash. */
static uint64_t summarize_sku(const run_state *rs, int32_t k, int32_t v, const double *vals,
                              double *sorted)
{
    const ech_scenario *sc = rs->sc;
    const ech_results *res = rs->res;
    const int64_t n_rep = res->n_reps;
    const int n_stats = res->n_stats;
    int64_t xb = sc->sl.sku_begin[k], b, e;
    uint64_t variant_salt = ech_mix64((uint64_t)v + 1), hash = 0;
    double *stats = res->stats[v];
    sku_window(rs, k, &b, &e);
    for (int64_t i = b; i < e; ++i) {
        for (int kpi = 0; kpi < ECH_KPI_COUNT; ++kpi) {
            const double *series =
                vals + ((size_t)(i - b) * ECH_KPI_COUNT + (size_t)kpi) * (size_t)n_rep;
            size_t slot = ((size_t)(xb - res->skuloc_begin + i) * ECH_KPI_COUNT + (size_t)kpi) *
                          (size_t)n_stats;
            ech_stats_summarize(series, n_rep, sc->output.quantiles, sc->output.n_quantiles,
                                stats + slot, sorted);
            uint64_t pos = ((uint64_t)(xb + i) * ECH_KPI_COUNT + (uint64_t)kpi) * (uint64_t)n_stats;
            for (int j = 0; j < n_stats; ++j)
                hash += hash_value((pos + (uint64_t)j) ^ (v ? variant_salt : 0),
                                   stats[slot + (size_t)j]);
        }
    }
    return hash;
}

/* ------------------------------------------------------------------------------
 * Per-thread accumulators
 * ------------------------------------------------------------------------------ */

typedef struct thread_acc {
    ech_engine *engine;
    double *scratch;        /* one whole unit's values of the window (whole SKUs or groups) */
    double *sorted;         /* statistics scratch */
    int64_t *unit_totals;   /* one unit's totals per replication (of each SKU of a group) */
    int64_t *longest;       /* one unit's longest recovery per replication (likewise) */
    int64_t *location_lost; /* like ech_results.location_lost */
    int64_t *months;        /* one unit's purchases per replication and month (likewise) */
    uint64_t hash;
    int overflow; /* an integer sum overflowed (money beyond the totals' range) */
    ech_error err;
} thread_acc;

static void thread_acc_init(thread_acc *t, const run_state *rs)
{
    const ech_results *res = rs->res;
    size_t sku_vals = (size_t)ech_job_held_nodes(rs->plan, rs->window_nodes) * ECH_KPI_COUNT *
                      (size_t)res->n_reps;
    memset(t, 0, sizeof *t);
    t->engine = ech_engine_new(rs->sc);
    if (rs->trace.out && rs->window == 0) /* once: the first window simulates every SKU */
        ech_engine_set_trace(t->engine, &rs->trace);
    t->scratch = ech_xmalloc((sku_vals ? sku_vals : 1) * sizeof(double), "SKU KPI values");
    t->sorted = ech_xmalloc((size_t)(res->n_reps > 0 ? res->n_reps : 1) * sizeof(double),
                            "statistics scratch");
    size_t skus = (size_t)(rs->plan->max_group > 0 ? rs->plan->max_group : 1);
    t->unit_totals = ech_xmalloc(skus * (size_t)(res->n_reps > 0 ? res->n_reps : 1) *
                                     ECH_TOTAL_COUNT * sizeof(int64_t),
                                 "unit totals");
    t->longest = ech_xmalloc(skus * (size_t)(res->n_reps > 0 ? res->n_reps : 1) * sizeof(int64_t),
                             "unit recoveries");
    t->location_lost = ech_xcalloc((size_t)res->n_variants * (size_t)(res->n_locations + 1),
                                   sizeof(int64_t), "thread location losses");
    t->months = ech_xmalloc(skus * (size_t)(res->n_reps > 0 ? res->n_reps : 1) *
                                (size_t)(res->n_months > 0 ? res->n_months : 1) * sizeof(int64_t),
                            "unit purchases by month");
    ech_error_clear(&t->err);
}

static void thread_acc_free(thread_acc *t)
{
    ech_engine_free(t->engine);
    free(t->scratch);
    free(t->sorted);
    free(t->unit_totals);
    free(t->longest);
    free(t->location_lost);
    free(t->months);
    memset(t, 0, sizeof *t);
}

/* Adds a thread's sums to the results (integers: the order threads arrive in does
 * not matter) and clears them, so the thread can go on adding.  The totals per
 * replication went to the results directly (add_unit_sums). */
static void thread_acc_merge(thread_acc *t, run_state *rs)
{
    ech_results *res = rs->res;
    size_t lost_len = (size_t)res->n_variants * (size_t)res->n_locations;
    int overflow = t->overflow;
    for (size_t q = 0; q < lost_len; ++q)
        res->location_lost[q] += t->location_lost[q];
    rs->hash += t->hash;
    memset(t->location_lost, 0, lost_len * sizeof *t->location_lost);
    t->hash = 0;
    t->overflow = 0;
    if (overflow && rs->failed == ECH_OK) {
        ech_fail(rs->err, ECH_ERR_INPUT,
                 "the network's costs exceed what the totals can hold (%g currency units): "
                 "check the unit costs and the cost rates",
                 ECH_MONEY_LIMIT);
        rs->failed = ECH_ERR_INPUT;
    }
}

/* The unit's totals go to the network and to the SKU's segment (in window 0), added
 * by every thread into the rank's totals (one copy however many threads: they grow
 * with the replications); the sums that compare variants to the SKU and its
 * locations (the locations' of the window). */
static void add_unit_sums(thread_acc *t, run_state *rs, const ech_work_unit *u, int32_t v,
                          const double *vals, int64_t stride, int64_t offset,
                          const int64_t *unit_totals, const int64_t *longest)
{
    const ech_scenario *sc = rs->sc;
    ech_results *res = rs->res;
    const int64_t n_rep = res->n_reps, len = u->rep_end - u->rep_begin;
    int64_t *tv = res->totals + (size_t)v * (size_t)res->n_groups * (size_t)n_rep * ECH_TOTAL_COUNT;
    int64_t seg = 1 + sc->cat.segment[u->sku];
    const int first_window = rs->window == 0;
    for (int64_t r = 0; r < len && first_window; ++r) {
        const int64_t *x = unit_totals + r * ECH_TOTAL_COUNT;
        int64_t rep = u->rep_begin + r;
        for (int q = 0; q < ECH_TOTAL_COUNT; ++q) {
            if (x[q] == 0)
                continue;
            t->overflow |=
                ech_atomic_add_overflows(&tv[(0 * n_rep + rep) * ECH_TOTAL_COUNT + q], x[q]);
            t->overflow |=
                ech_atomic_add_overflows(&tv[(seg * n_rep + rep) * ECH_TOTAL_COUNT + q], x[q]);
        }
    }
    /* Lost (and backordered) units at the SKU's demand points, the SKU's longest
     * recovery and its days disrupted (the warehouse's, node 0, in window 0): whole
     * numbers, so exact in any order and any split into windows. */
    int64_t xb = sc->sl.sku_begin[u->sku], b, e;
    int64_t lost = 0, recovery = 0, disrupted = 0;
    sku_window(rs, u->sku, &b, &e);
    for (int64_t r = 0; r < len; ++r) {
        for (int64_t i = b; i < e; ++i) {
            if (sc->sl.demand_dist[xb + i] == ECH_DEMAND_NONE)
                continue;
            const double *row =
                vals + (size_t)(i - b) * ECH_KPI_COUNT * (size_t)stride + offset + r;
            int64_t l = (int64_t)(row[ECH_KPI_LOST * stride] + row[ECH_KPI_BACKORDERED * stride]);
            lost += l;
            t->location_lost[(size_t)v * (size_t)res->n_locations +
                             (size_t)sc->sl.location[xb + i]] += l;
        }
        if (first_window) {
            recovery += longest[r];
            disrupted += (int64_t)vals[ECH_KPI_DISRUPTED_DAYS * stride + offset + r];
        }
    }
    size_t ks = (size_t)v * (size_t)res->n_skus + (size_t)u->sku;
#pragma omp atomic
    res->sku_lost[ks] += lost;
#pragma omp atomic
    res->sku_recovery[ks] += recovery;
#pragma omp atomic
    res->sku_disrupted[ks] += disrupted;
}

/* The unit's purchases by month go to its supplier's: integers (value in the fixed
 * point of totals), so exact in any order. */
static void add_month_purchases(run_state *rs, const ech_work_unit *u, int32_t v,
                                const int64_t *months)
{
    const ech_scenario *sc = rs->sc;
    ech_results *res = rs->res;
    int32_t sup = sc->cat.supplier[u->sku], nm = res->n_months;
    if (sup < 0 || nm == 0 || rs->window > 0)
        return;
    double cost = sc->cat.unit_cost[u->sku];
    for (int64_t r = 0; r < u->rep_end - u->rep_begin; ++r)
        for (int32_t m = 0; m < nm; ++m) {
            int64_t units = months[r * nm + m];
            if (units == 0)
                continue;
            size_t at =
                (((size_t)v * (size_t)res->n_suppliers + (size_t)sup) * (size_t)nm + (size_t)m) *
                    (size_t)res->n_reps +
                (size_t)(u->rep_begin + r);
            int64_t value = ech_money_to_fixed((double)units * cost);
#pragma omp atomic
            res->supplier_month_units[at] += units;
#pragma omp atomic
            res->supplier_month_value[at] += value;
        }
}

/* ------------------------------------------------------------------------------
 * Simulate
 * ------------------------------------------------------------------------------ */

/* Where unit u's values of variant v go: the thread's scratch for a whole SKU (or
 * the results' block when replications are kept), the SKU's pending buffer when it
 * is split.  *stride is the replication stride, *offset the first replication's. */
static double *unit_values(thread_acc *t, const run_state *rs, const ech_work_unit *u, int32_t v,
                           int64_t *stride, int64_t *offset)
{
    const ech_results *res = rs->res;
    const ech_scenario *sc = rs->sc;
    *stride = res->n_reps;
    *offset = u->rep_begin;
    if (u->split >= 0)
        return rs->pending[u->split].vals[v - rs->v_begin];
    if (res->reps)
        return res->reps[v] + (size_t)(sc->sl.sku_begin[u->sku] - res->skuloc_begin) *
                                  ECH_KPI_COUNT * (size_t)res->n_reps;
    return t->scratch;
}

/* Before a unit's variant v: 0 when another thread failed (the unit stops quietly),
 * else 1 with the engine's cold rooms set to the variant's (in window 0: the other
 * windows simulate the same days again). */
static int variant_begins(thread_acc *t, run_state *rs, int32_t v)
{
    int failed;
#pragma omp atomic read
    failed = rs->failed;
    if (failed != ECH_OK)
        return 0;
    if (rs->rooms && rs->window == 0)
        ech_engine_set_cold_rooms(t->engine, &rs->rooms[v]);
    return 1;
}

/* A unit of a whole substitution group: the group simulated once, every SKU's
 * values to its place (the results' block when replications are kept, else the
 * SKU's part of the thread's scratch), its sums added and its statistics made. */
static ech_status simulate_group_unit(thread_acc *t, run_state *rs, const ech_work_unit *u)
{
    const ech_scenario *sc = rs->sc;
    const ech_results *res = rs->res;
    const int32_t *member = sc->subst.member + sc->subst.group_begin[u->group];
    int32_t n = sc->subst.group_begin[u->group + 1] - sc->subst.group_begin[u->group];
    size_t len = (size_t)(u->rep_end - u->rep_begin);
    size_t months = len * (size_t)(res->n_months > 0 ? res->n_months : 1);
    for (int32_t v = rs->v_begin; v < rs->v_end; ++v) {
        if (!variant_begins(t, rs, v))
            return ECH_OK; /* another thread failed: stop quietly */
        ech_eval_out out[ECH_MAX_GROUP_SKUS];
        const ech_eval_out *outs[ECH_MAX_GROUP_SKUS];
        double *vals[ECH_MAX_GROUP_SKUS];
        size_t scratch = 0, slot = 0;
        for (int32_t i = 0; i < n; ++i) {
            int64_t xb = sc->sl.sku_begin[member[i]], b, e;
            outs[i] = NULL;
            if (!sku_window(rs, member[i], &b, &e))
                continue;
            size_t size = (size_t)(e - b) * ECH_KPI_COUNT * (size_t)res->n_reps;
            vals[i] = res->reps ? res->reps[v] + (size_t)(xb - res->skuloc_begin) * ECH_KPI_COUNT *
                                                     (size_t)res->n_reps
                                : t->scratch + scratch;
            scratch += res->reps ? 0 : size;
            int64_t *totals = t->unit_totals + slot * len * ECH_TOTAL_COUNT;
            memset(totals, 0, len * ECH_TOTAL_COUNT * sizeof *totals);
            out[i] = (ech_eval_out){.kpi = vals[i] + u->rep_begin,
                                    .rep_stride = res->n_reps,
                                    .node_begin = (int32_t)b,
                                    .node_end = (int32_t)e,
                                    .longest_recovery = t->longest + slot * len,
                                    .totals = totals,
                                    .month_purchases = t->months + slot * months};
            outs[i] = &out[i];
            ++slot;
        }
        ech_status st =
            ech_engine_run_group(t->engine, u->group, v, u->rep_begin, u->rep_end, outs, &t->err);
        if (st != ECH_OK)
            return st;
        for (int32_t i = 0; i < n; ++i) {
            if (!outs[i])
                continue;
            ech_work_unit mu = *u;
            mu.sku = member[i];
            mu.group = -1;
            add_unit_sums(t, rs, &mu, v, vals[i], res->n_reps, u->rep_begin, out[i].totals,
                          out[i].longest_recovery);
            add_month_purchases(rs, &mu, v, out[i].month_purchases);
            t->hash += summarize_sku(rs, member[i], v, vals[i], t->sorted);
        }
    }
    return ECH_OK;
}

static ech_status simulate_unit(thread_acc *t, run_state *rs, const ech_work_unit *u)
{
    if (!unit_in_window(rs, u, rs->window))
        return ECH_OK; /* its SKUs have no skulocs in this pass's window */
    if (u->group >= 0)
        return simulate_group_unit(t, rs, u);
    for (int32_t v = rs->v_begin; v < rs->v_end; ++v) {
        if (!variant_begins(t, rs, v))
            return ECH_OK; /* another thread failed: stop quietly */
        int64_t stride, offset;
        double *vals = unit_values(t, rs, u, v, &stride, &offset);
        memset(t->unit_totals, 0,
               (size_t)(u->rep_end - u->rep_begin) * ECH_TOTAL_COUNT * sizeof(int64_t));
        ech_eval_request req = {
            .sku = u->sku, .variant = v, .rep_begin = u->rep_begin, .rep_end = u->rep_end};
        int64_t b, e;
        sku_window(rs, u->sku, &b, &e);
        ech_eval_out out = {.kpi = vals + offset,
                            .rep_stride = stride,
                            .node_begin = (int32_t)b,
                            .node_end = (int32_t)e,
                            .longest_recovery = t->longest,
                            .totals = t->unit_totals,
                            .month_purchases = t->months};
        ech_status st = ech_engine_evaluate(t->engine, &req, &out, &t->err);
        if (st != ECH_OK)
            return st;
        add_unit_sums(t, rs, u, v, vals, stride, offset, t->unit_totals, t->longest);
        add_month_purchases(rs, u, v, t->months);
        if (u->split < 0)
            t->hash += summarize_sku(rs, u->sku, v, vals, t->sorted);
    }
    /* The last unit of a SKU split only among this rank's threads summarises it. */
    if (u->split >= 0 && !rs->plan->split[u->split].cross_rank) {
        int left;
#pragma omp atomic capture
        left = --rs->pending[u->split].units_left;
        if (left == 0)
            for (int32_t v = rs->v_begin; v < rs->v_end; ++v)
                t->hash += summarize_sku(rs, u->sku, v, rs->pending[u->split].vals[v - rs->v_begin],
                                         t->sorted);
    }
    return ECH_OK;
}

/* One thread's share of a stretch of the pass: units in order, each finished once
 * taken, until none is left, a checkpoint is due, a stop is asked for or a unit
 * failed. */
static void simulate_stretch(run_state *rs, thread_acc *t)
{
    const ech_work_plan *plan = rs->plan;
    for (;;) {
        int pause, failed;
#pragma omp atomic read
        pause = rs->pause;
#pragma omp atomic read
        failed = rs->failed;
        if (pause || failed != ECH_OK || ech_stop_requested())
            return;
        int32_t it;
#pragma omp atomic capture
        it = rs->next_unit++;
        if (it >= plan->n_units)
            return;
        ech_status st = simulate_unit(t, rs, &plan->unit[it]);
        if (st != ECH_OK) {
#pragma omp critical(ech_run_error)
            {
                if (rs->failed == ECH_OK) {
                    *rs->err = t->err;
#pragma omp atomic write
                    rs->failed = st;
                }
            }
        }
        if (unit_in_window(rs, &plan->unit[it], rs->window))
            ech_progress_add(rs->progress, plan->unit[it].cost);
        if (rs->opt->stop_after_units > 0) {
            int64_t n;
#pragma omp atomic capture
            n = ++rs->units_run;
            if (n == rs->opt->stop_after_units)
                ech_stop_request(SIGTERM);
        }
        if (rs->checkpoint_due > 0 && wall_seconds() >= rs->checkpoint_due) {
#pragma omp atomic write
            rs->pause = 1;
        }
    }
}

/* The pass's units on this rank's threads, heaviest first.  Between stretches (no
 * thread in the loop, every unit taken finished) the threads' sums are merged and a
 * checkpoint saved when one is due or a stop was asked for; a stop ends the pass
 * with rs->failed == ECH_STOPPED. */
static void simulate(run_state *rs, double seconds_before)
{
    const ech_work_plan *plan = rs->plan;
    double start = wall_seconds();
    thread_acc *acc = ech_xcalloc((size_t)rs->n_threads, sizeof *acc, "thread sums");
    rs->acc = acc;
    for (;;) {
        rs->pause = 0;
#pragma omp parallel num_threads(rs->n_threads)
        {
            thread_acc *t = &acc[omp_get_thread_num()];
            if (!t->engine)
                thread_acc_init(t, rs);
            simulate_stretch(rs, t);
        }
        if (rs->next_unit > plan->n_units)
            rs->next_unit = plan->n_units;
        for (int i = 0; i < rs->n_threads; ++i)
            if (acc[i].engine)
                thread_acc_merge(&acc[i], rs);
        if (rs->failed != ECH_OK || rs->next_unit >= plan->n_units)
            break;
        int stop = ech_stop_requested() != 0;
        if (rs->checkpoint_folder) {
            ech_status st = ech_run_checkpoint_save(rs, seconds_before + wall_seconds() - start);
            rs->checkpoint_due = wall_seconds() + rs->opt->checkpoint_interval;
            rs->last_checkpoint = wall_seconds();
            if (st != ECH_OK && stop) { /* the work cannot be kept: say so */
                rs->failed = st;
                break;
            }
            if (st != ECH_OK && rs->rank == 0 && rs->opt->progress)
                fprintf(rs->opt->progress, "echelon: warning: %s (the run goes on)\n",
                        rs->err->msg);
        }
        if (stop) {
            rs->failed = ECH_STOPPED;
            break;
        }
    }
    for (int i = 0; i < rs->n_threads; ++i)
        if (acc[i].engine)
            thread_acc_free(&acc[i]);
    free(acc);
    rs->acc = NULL;
}

/* The buffers of the pass's split SKUs. */
static void pending_init(run_state *rs)
{
    const ech_work_plan *plan = rs->plan;
    const ech_results *res = rs->res;
    const ech_scenario *sc = rs->sc;
    int32_t n_var = rs->v_end - rs->v_begin;
    for (int32_t s = 0; s < plan->n_split; ++s) {
        const ech_split_sku *sp = &plan->split[s];
        pending_sku *p = &rs->pending[s];
        int64_t b, e;
        sku_window(rs, sp->sku, &b, &e);
        size_t len = (size_t)(e > b ? e - b : 0) * ECH_KPI_COUNT * (size_t)res->n_reps;
        p->units_left = sp->units;
        p->vals = ech_xcalloc((size_t)n_var, sizeof *p->vals, "split SKU values");
        /* The owner of a run that keeps replications gathers them in the results. */
        p->owned_vals = !(res->reps && sp->owner == rs->rank);
        for (int32_t v = 0; v < n_var; ++v)
            p->vals[v] = p->owned_vals
                             ? ech_xmalloc(len ? len * sizeof(double) : 1, "split SKU values")
                             : res->reps[rs->v_begin + v] +
                                   (size_t)(sc->sl.sku_begin[sp->sku] - res->skuloc_begin) *
                                       ECH_KPI_COUNT * (size_t)res->n_reps;
    }
}

static void pending_free(run_state *rs)
{
    int32_t n_var = rs->v_end - rs->v_begin;
    for (int32_t s = 0; s < rs->plan->n_split; ++s) {
        pending_sku *p = &rs->pending[s];
        for (int32_t v = 0; p->owned_vals && v < n_var; ++v)
            free(p->vals[v]);
        free(p->vals);
        memset(p, 0, sizeof *p);
    }
}

/* ------------------------------------------------------------------------------
 * Exchange: replications of SKUs split over ranks go to their owners
 * ------------------------------------------------------------------------------ */

/* Messages are at most this many doubles (MPI counts are int). */
enum { MAX_MESSAGE = 1 << 27 };

/* Packs (or unpacks) replications [b, e) of every row of one variant's values. */
static void pack_reps(double *buf, double *vals, int64_t rows, int64_t n_rep, int64_t b, int64_t e,
                      int unpack)
{
    size_t len = (size_t)(e - b);
    for (int64_t row = 0; row < rows; ++row) {
        double *at = vals + (size_t)row * (size_t)n_rep + (size_t)b;
        if (unpack)
            memcpy(at, buf + (size_t)row * len, len * sizeof *at);
        else
            memcpy(buf + (size_t)row * len, at, len * sizeof *at);
    }
}

static int send_or_recv(double *buf, size_t count, int peer, int tag, MPI_Comm comm, int send)
{
    for (size_t off = 0; off < count || (count == 0 && off == 0);) {
        int part = (int)(count - off < MAX_MESSAGE ? count - off : MAX_MESSAGE);
        int rc = send ? MPI_Send(buf + off, part, MPI_DOUBLE, peer, tag, comm)
                      : MPI_Recv(buf + off, part, MPI_DOUBLE, peer, tag, comm, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return 0;
        off += (size_t)part;
        if (count == 0)
            break;
    }
    return 1;
}

/* Every split SKU in SKU order; for each, every contributing rank sends its
 * replications to the owner in rank order (the same order on every rank, so the
 * blocking sends and receives pair up without deadlock). */
static ech_status exchange(run_state *rs)
{
    const ech_work_plan *plan = rs->plan;
    const int64_t n_rep = rs->res->n_reps;
    int32_t n_var = rs->v_end - rs->v_begin;
    int ok = 1;
    for (int32_t s = 0; s < plan->n_split && ok; ++s) {
        const ech_split_sku *sp = &plan->split[s];
        if (!sp->cross_rank)
            continue;
        int64_t b0, e0;
        if (!sku_window(rs, sp->sku, &b0, &e0))
            continue; /* nothing of it in this window, on any rank */
        int64_t rows = (e0 - b0) * ECH_KPI_COUNT;
        for (int q = 0; q < rs->n_ranks && ok; ++q) {
            if (q == sp->owner || (rs->rank != q && rs->rank != sp->owner))
                continue;
            int64_t b, e;
            ech_work_plan_reps_on(plan, q, sp->sku, &b, &e);
            if (e <= b)
                continue;
            size_t count = (size_t)rows * (size_t)(e - b);
            double *buf = ech_xmalloc((count ? count : 1) * sizeof *buf, "split SKU message");
            for (int32_t v = 0; v < n_var && ok; ++v) {
                double *vals = rs->pending[s].vals[v];
                if (rs->rank == q) {
                    pack_reps(buf, vals, rows, n_rep, b, e, 0);
                    ok = send_or_recv(buf, count, sp->owner, v, rs->comm, 1);
                } else {
                    ok = send_or_recv(buf, count, q, v, rs->comm, 0);
                    pack_reps(buf, vals, rows, n_rep, b, e, 1);
                }
            }
            free(buf);
        }
        if (ok && sp->owner == rs->rank)
            for (int32_t v = rs->v_begin; v < rs->v_end; ++v) {
                double *sorted = ech_xmalloc((size_t)(n_rep > 0 ? n_rep : 1) * sizeof *sorted,
                                             "statistics scratch");
                rs->hash +=
                    summarize_sku(rs, sp->sku, v, rs->pending[s].vals[v - rs->v_begin], sorted);
                free(sorted);
            }
    }
    if (!ok)
        return ech_fail(rs->err, ECH_ERR_RUNTIME, "sending replications of split SKUs failed");
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * The run
 * ------------------------------------------------------------------------------ */

/* The trace: checked on every rank, written by the rank that simulates its
 * replication of its SKU. */
static ech_status trace_open(run_state *rs)
{
    const ech_run_options *opt = rs->opt;
    rs->trace = (ech_trace){-1, opt->trace_variant, opt->trace_replication, NULL};
    if (!opt->trace_sku)
        return ECH_OK;
    int32_t sku = ech_scenario_find_sku(rs->sc, opt->trace_sku);
    if (sku < 0)
        return ech_fail(rs->err, ECH_ERR_INPUT, "--trace: no SKU '%s' in the scenario",
                        opt->trace_sku);
    if (opt->trace_replication < 0 || opt->trace_replication >= rs->sc->replications)
        return ech_fail(rs->err, ECH_ERR_INPUT,
                        "--trace-replication: %lld is not one of the %lld replications",
                        (long long)opt->trace_replication, (long long)rs->sc->replications);
    rs->trace.sku = sku;
    int failed = 0, any_failed = 0;
    if (ech_work_plan_rank_of(rs->plan, sku, opt->trace_replication) == rs->rank) {
        rs->trace.out = fopen(opt->trace_path, "w");
        failed = rs->trace.out == NULL;
    }
    MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, rs->comm);
    if (any_failed) {
        if (rs->trace.out)
            fclose(rs->trace.out);
        rs->trace.out = NULL;
        return ech_fail(rs->err, ECH_ERR_INPUT, "--trace-file: cannot write %s", opt->trace_path);
    }
    return ECH_OK;
}

/* Bytes a rank will hold: the estimate echelon plan also reports (job_size.h). */
static double memory_estimate(const ech_scenario *sc, const ech_work_plan *plan, int n_threads,
                              int32_t n_cold, int32_t per_pass, int64_t cold_block,
                              int32_t window_nodes)
{
    return ech_job_memory_per_rank(sc, plan, n_threads, n_cold, per_pass, cold_block, window_nodes,
                                   ech_job_engine_bytes(sc));
}

/* Refuses a run that cannot fit this node's memory with the ranks it shares it with:
 * better said at the start than found by the allocator an hour in. */
static ech_status check_memory(const run_state *rs, double bytes)
{
    MPI_Comm node;
    int on_node = 1;
    MPI_Comm_split_type(rs->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &on_node);
    double most = 0.0;
    MPI_Allreduce(&bytes, &most, 1, MPI_DOUBLE, MPI_MAX, node);
    MPI_Comm_free(&node);
    double physical = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (physical > 0 && most * on_node > 0.9 * physical)
        return ech_fail(rs->err, ECH_ERR_INPUT,
                        "the run needs about %.3g GiB per rank (%d rank(s) on this node), more "
                        "than this node's %.3g GiB: use fewer replications (%lld now), keep "
                        "fewer of them (keep_replications), or spread the ranks over more nodes",
                        most / 1073741824.0, on_node, physical / 1073741824.0,
                        (long long)rs->sc->replications);
    return ECH_OK;
}

/* The passes over the SKUs: simulate, exchange, cold rooms. */
/* After a pass's simulation: if any rank was stopped (or saw a stop signal), every
 * rank saves its checkpoint (those stopped in the loop have) and the run ends with
 * ECH_STOPPED; else a checkpoint is saved when one is due. */
static ech_status settle_stop(run_state *rs, double simulate_local)
{
    int stopped_here = rs->failed == ECH_STOPPED;
    int stop = stopped_here || ech_stop_requested() != 0, any = 0;
    MPI_Allreduce(&stop, &any, 1, MPI_INT, MPI_MAX, rs->comm);
    ech_status st = ECH_OK;
    int due = rs->checkpoint_due > 0 && wall_seconds() >= rs->checkpoint_due;
    if (rs->checkpoint_folder && !stopped_here && (any || due)) {
        st = ech_run_checkpoint_save(rs, simulate_local);
        rs->checkpoint_due = wall_seconds() + rs->opt->checkpoint_interval;
    }
    if (any) {
        st = ech_agree(rs->comm, st, rs->err);
        if (st != ECH_OK)
            return st;
        if (rs->checkpoint_folder)
            return ech_fail(rs->err, ECH_STOPPED,
                            "stopped at a signal; the work done is saved in %s: run the same "
                            "command with --resume to continue",
                            rs->checkpoint_folder);
        return ech_fail(rs->err, ECH_STOPPED,
                        "stopped at a signal (no results file, nothing "
                        "saved)");
    }
    /* A periodic checkpoint that failed is not worth the run. */
    if (st != ECH_OK && rs->rank == 0 && rs->opt->progress)
        fprintf(rs->opt->progress, "echelon: warning: %s (the run goes on)\n", rs->err->msg);
    return ECH_OK;
}

/* The passes over the SKUs: simulate, exchange, cold rooms. */
static ech_status run_passes(run_state *rs, double *simulate_local, double *exchange_local)
{
    const ech_scenario *sc = rs->sc;
    ech_results *res = rs->res;
    const int32_t n_var = sc->n_variants;
    const int32_t per_pass = rs->per_pass;
    ech_status st = ECH_OK;
    for (rs->pass = rs->resume.pass; rs->pass < res->n_passes && st == ECH_OK; ++rs->pass) {
        rs->window = rs->pass % rs->n_windows;
        rs->v_begin = rs->pass / rs->n_windows * per_pass;
        rs->v_end = rs->v_begin + per_pass < n_var ? rs->v_begin + per_pass : n_var;
        /* The cold rooms fill in window 0 and are summed up after the last window; a
         * run resumed at a later window reads them back from its checkpoint. */
        if (rs->window == 0 || rs->resume_from)
            ech_run_cold_pass_begin(rs);
        pending_init(rs);
        rs->next_unit = 0;
        if (rs->resume_from)
            st = ech_run_checkpoint_restore(rs);
        st = ech_agree(rs->comm, st, rs->err);

        double t0 = wall_seconds();
        if (st == ECH_OK) {
            simulate(rs, *simulate_local);
            *simulate_local += wall_seconds() - t0;
            /* Failures first (a stop is not one), then stops. */
            st = ech_agree(rs->comm, rs->failed == ECH_STOPPED ? ECH_OK : (ech_status)rs->failed,
                           rs->err);
        }
        if (st == ECH_OK)
            st = settle_stop(rs, *simulate_local);
        t0 = wall_seconds();
        if (st == ECH_OK && rs->plan->n_cross_rank > 0)
            st = ech_agree(rs->comm, exchange(rs), rs->err);
        if (st == ECH_OK && rs->rooms && rs->window == rs->n_windows - 1)
            st = ech_run_cold_pass_end(rs);
        *exchange_local += wall_seconds() - t0;
        pending_free(rs);
    }
    /* Rank 0 of a run that keeps replications hands the occupancy to the file. */
    if (rs->rooms && rs->keep_rooms && st == ECH_OK) {
        res->cold_rooms = rs->rooms;
    } else if (rs->rooms) {
        for (int32_t v = 0; v < n_var; ++v)
            ech_cold_rooms_free(&rs->rooms[v]);
        free(rs->rooms);
    }
    rs->rooms = NULL;
    return st;
}

/* Integer sums over the ranks (exact whatever the order), and the run's facts. */
static void reduce(run_state *rs, double simulate_local, double exchange_local)
{
    ech_results *res = rs->res;
    MPI_Comm comm = rs->comm;
    size_t totals_len =
        (size_t)res->n_variants * (size_t)res->n_groups * (size_t)res->n_reps * ECH_TOTAL_COUNT;
    int nk = (int)((size_t)res->n_variants * (size_t)res->n_skus);
    MPI_Allreduce(MPI_IN_PLACE, res->totals, (int)totals_len, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(MPI_IN_PLACE, res->sku_lost, nk, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(MPI_IN_PLACE, res->sku_recovery, nk, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(MPI_IN_PLACE, res->sku_disrupted, nk, MPI_INT64_T, MPI_SUM, comm);
    int sm = (int)((size_t)res->n_variants * (size_t)res->n_suppliers * (size_t)res->n_months *
                   (size_t)res->n_reps);
    MPI_Allreduce(MPI_IN_PLACE, res->supplier_month_units, sm, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(MPI_IN_PLACE, res->supplier_month_value, sm, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(MPI_IN_PLACE, res->location_lost,
                  (int)((size_t)res->n_variants * (size_t)res->n_locations), MPI_INT64_T, MPI_SUM,
                  comm);
    MPI_Allreduce(MPI_IN_PLACE, &rs->hash, 1, MPI_UINT64_T, MPI_SUM, comm);

    ech_run_info *info = &res->info;
    const ech_run_options *opt = rs->opt;
    info->command_line = opt->command_line;
    snprintf(info->created_text, sizeof info->created_text, "%s", rs->created);
    info->created = info->created_text; /* a resumed run keeps its first start */
    info->resumed = rs->resumed;
    info->n_ranks = rs->n_ranks;
    info->n_threads = rs->n_threads;
    /* The slowest rank's time includes the exchange and the cold rooms' statistics;
     * the fastest rank's is its simulation alone (the load balance). */
    simulate_local += rs->simulate_before; /* the attempts before a resume */
    double with_exchange = simulate_local + exchange_local;
    MPI_Allreduce(&with_exchange, &info->simulate_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    MPI_Allreduce(&simulate_local, &info->simulate_seconds_min, 1, MPI_DOUBLE, MPI_MIN, comm);
    MPI_Allreduce(&exchange_local, &info->exchange_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    MPI_Allreduce(&opt->setup_seconds, &info->setup_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    info->skuloc_days = rs->plan->total_work * res->n_reps * res->n_variants;
    double core_seconds = info->simulate_seconds * (double)rs->n_ranks * (double)rs->n_threads;
    info->skuloc_days_per_second_per_core =
        core_seconds > 0 ? (double)info->skuloc_days / core_seconds : 0.0;
    info->verification_hash = rs->hash;
    info->split_skus = rs->plan->n_cross_rank;
}

/* Opens this rank's checkpoint when resuming.  Ranks hold checkpoints of the same
 * pass (they pass the reductions between passes together); should a kill have
 * caught them between two, the run starts over rather than mix them. */
static ech_status resume_open(run_state *rs)
{
    rs->resume.pass = 0;
    rs->resume.units_done = 0;
    if (!rs->checkpoint_folder || !rs->opt->resume)
        return ECH_OK;
    if (rs->rank == 0)
        ech_checkpoint_clean_stale(rs->checkpoint_folder, rs->opt->output_path);
    MPI_Barrier(rs->comm);
    ech_status st = ech_agree(rs->comm, ech_run_checkpoint_open(rs), rs->err);
    if (st != ECH_OK)
        return st;
    int have = rs->resume_from != NULL, any = 0;
    int pass[2] = {have ? rs->resume.pass : 0, have ? -rs->resume.pass : 0}, range[2];
    MPI_Allreduce(&have, &any, 1, MPI_INT, MPI_MAX, rs->comm);
    MPI_Allreduce(pass, range, 2, MPI_INT, MPI_MAX, rs->comm);
    if (any && range[0] != -range[1]) {
        if (rs->rank == 0 && rs->opt->progress)
            fprintf(rs->opt->progress,
                    "echelon: warning: the ranks' checkpoints in %s are of different passes "
                    "(a kill between two): starting over\n",
                    rs->checkpoint_folder);
        ech_checkpoint_close(rs->resume_from, NULL);
        rs->resume_from = NULL;
        rs->resume.pass = 0;
        rs->resume.units_done = 0;
        return ECH_OK;
    }
    if (have) {
        rs->resumed = 1;
        snprintf(rs->created, sizeof rs->created, "%s", rs->resume.created);
    } else {
        rs->resume.pass = range[0];
        rs->resume.units_done = 0;
    }
    /* Every rank keeps the first start time: the lowest rank that has one sends it. */
    int from = have ? rs->rank : rs->n_ranks, first;
    MPI_Allreduce(&from, &first, 1, MPI_INT, MPI_MIN, rs->comm);
    if (first < rs->n_ranks) {
        MPI_Bcast(rs->created, (int)sizeof rs->created, MPI_CHAR, first, rs->comm);
        rs->resumed = 1;
    }
    if (rs->rank == 0 && rs->opt->progress && rs->resumed)
        fprintf(rs->opt->progress, "echelon: resuming from %s (started %s)\n",
                rs->checkpoint_folder, rs->created);
    return ECH_OK;
}

/* This rank's work still to do: the units of the passes left (those with skulocs
 * in their pass's window), less the units done. */
static int64_t cost_left(const run_state *rs)
{
    const ech_work_plan *plan = rs->plan;
    int64_t left = 0;
    for (int32_t pass = rs->resume.pass; pass < rs->res->n_passes; ++pass)
        for (int32_t i = 0; i < plan->n_units; ++i)
            if (unit_in_window(rs, &plan->unit[i], pass % rs->n_windows) &&
                (pass > rs->resume.pass || i >= rs->resume.units_done))
                left += plan->unit[i].cost;
    return left;
}

ech_status ech_run(const ech_scenario *sc, MPI_Comm comm, const ech_run_options *opt,
                   ech_results *res, ech_error *err)
{
    run_state rs = {.sc = sc, .opt = opt, .res = res, .comm = comm, .err = err};
    MPI_Comm_rank(comm, &rs.rank);
    MPI_Comm_size(comm, &rs.n_ranks);
    rs.n_threads = opt->n_threads > 0 ? opt->n_threads : 1;
    memset(res, 0, sizeof *res);

    /* Plan. */
    double t0 = wall_seconds();
    ech_work_plan plan;
    ech_work_plan_make(&plan, sc, rs.n_ranks, rs.rank, rs.n_threads);
    rs.plan = &plan;
    int32_t n_cold = ech_cold_rooms_count(sc);
    int32_t per_pass = ech_job_variants_per_pass(sc, opt->cold_memory_limit, n_cold);
    rs.cold_block = ech_job_cold_block_reps(sc, opt->cold_memory_limit, n_cold);
    rs.window_nodes = ech_job_window_nodes(sc, opt->kpi_memory_limit);
    rs.n_windows = ech_job_windows(sc, rs.window_nodes);
    ech_status st =
        ech_agree(comm,
                  check_memory(&rs, memory_estimate(sc, &plan, rs.n_threads, n_cold, per_pass,
                                                    rs.cold_block, rs.window_nodes)),
                  err);
    if (st != ECH_OK) {
        ech_work_plan_free(&plan);
        return st;
    }
    ech_results_init(res, sc, plan.first_sku[rs.rank], plan.first_sku[rs.rank + 1]);
    res->n_cold = n_cold;
    res->n_passes = (sc->n_variants + per_pass - 1) / per_pass * rs.n_windows;
    rs.per_pass = per_pass;
    rs.keep_rooms = n_cold > 0 && rs.rank == 0 && sc->output.keep_replications;
    double plan_local = wall_seconds() - t0;
    snprintf(rs.created, sizeof rs.created, "%s", opt->created ? opt->created : "");
    rs.checkpoint_folder =
        opt->checkpoint_folder ? ech_xstrdup(opt->checkpoint_folder, "checkpoint folder") : NULL;
    if (rs.checkpoint_folder && opt->checkpoint_interval > 0)
        rs.checkpoint_due = wall_seconds() + opt->checkpoint_interval;
    if ((st = resume_open(&rs)) != ECH_OK || (st = trace_open(&rs)) != ECH_OK) {
        ech_checkpoint_close(rs.resume_from, NULL);
        free(rs.checkpoint_folder);
        ech_work_plan_free(&plan);
        return st;
    }
    if (res->n_cold > 0) {
        rs.rooms = ech_xcalloc((size_t)sc->n_variants, sizeof *rs.rooms, "cold rooms");
        res->cold = ech_xcalloc((size_t)sc->n_variants, sizeof *res->cold, "cold-room statistics");
    }
    rs.pending = ech_xcalloc((size_t)(plan.n_split > 0 ? plan.n_split : 1), sizeof *rs.pending,
                             "split SKUs");
    if (rs.rank == 0 && opt->progress && rs.n_windows > 1)
        fprintf(opt->progress,
                "echelon: KPI values are held for %d SKU-locations of a SKU at a time "
                "(--kpi-memory): SKUs at more locations are simulated up to %d times\n",
                (int)rs.window_nodes, (int)rs.n_windows);
    rs.progress = rs.rank == 0 ? ech_progress_new(opt->progress, "simulating", cost_left(&rs),
                                                  opt->progress_interval)
                               : NULL;

    /* Simulate and exchange, pass by pass. */
    double simulate_local = 0.0, exchange_local = 0.0;
    st = run_passes(&rs, &simulate_local, &exchange_local);
    if (rs.trace.out && fclose(rs.trace.out) != 0 && st == ECH_OK)
        st = ech_fail(err, ECH_ERR_RUNTIME, "--trace-file: writing %s failed", opt->trace_path);
    if (rs.progress)
        ech_progress_finish(rs.progress);
    st = ech_agree(comm, st, err);

    /* Reduce. */
    if (st == ECH_OK) {
        t0 = wall_seconds();
        reduce(&rs, simulate_local, exchange_local);
        double reduce_local = wall_seconds() - t0;
        MPI_Allreduce(&reduce_local, &res->info.reduce_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
        MPI_Allreduce(&plan_local, &res->info.plan_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
        t0 = wall_seconds();
        st = ech_run_stock_bands(&rs);
        double bands_local = wall_seconds() - t0;
        MPI_Allreduce(&bands_local, &res->info.bands_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    }

    /* Output. */
    res->tuning = opt->tuning;
    res->contract = opt->contract;
    if (st == ECH_OK && opt->output_path) {
        t0 = wall_seconds();
        st = ech_output_write(opt->output_path, comm, sc, res, err);
        res->info.write_seconds = wall_seconds() - t0;
    }
    /* The results are in place: the checkpoint has served. */
    if (st == ECH_OK && rs.checkpoint_folder) {
        MPI_Barrier(comm);
        if (rs.rank == 0 && ech_checkpoint_remove(rs.checkpoint_folder) != 0 && opt->progress)
            fprintf(opt->progress, "echelon: warning: cannot remove the checkpoint %s: %s\n",
                    rs.checkpoint_folder, strerror(errno));
    }
    ech_checkpoint_close(rs.resume_from, NULL);
    free(rs.checkpoint_folder);
    free(rs.pending);
    ech_work_plan_free(&plan);
    return st;
}
