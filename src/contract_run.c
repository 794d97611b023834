/* `echelon contract`: every SKU's contract sized on its simulated need, over ranks
 * and threads; see include/echelon/contract_run.h. */
#include "echelon/contract_run.h"
#include "echelon/contract.h"
#include "echelon/csv_reader.h"
#include "echelon/engine.h"
#include "echelon/job_size.h"
#include "echelon/kpi.h"
#include "echelon/phase_log.h"
#include "echelon/progress.h"
#include "echelon/results.h"
#include "echelon/run.h"
#include "echelon/stats.h"
#include "echelon/work_plan.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
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

void ech_contract_result_free(ech_contract_result *res)
{
#define FREE_FIELD(field, name, units, desc) free(res->field);
    ECH_CONTRACT_SKU_FIELDS(FREE_FIELD)
#undef FREE_FIELD
    free(res->supplier_month_need);
    free(res->supplier_month_value);
    free(res->month_start);
    memset(res, 0, sizeof *res);
}

/* What one thread needs to size a SKU.  Its KPI values are held a window of its
 * nodes at a time (the run's kpi_memory_limit): a SKU at more nodes is simulated
 * once per window, and every sum over its nodes is carried across the windows in
 * node order, so the figures are the same to the bit whatever the window. */
typedef struct sizer {
    ech_engine *engine;
    int32_t window;  /* nodes whose values are held at once */
    double *kpi;     /* window nodes x KPIs x replications */
    int64_t *months; /* replications x months */
    double *need, *sorted, *year;
    double *cost; /* a candidate's total cost per replication, summed over the nodes */
} sizer;

/* Adds KPI k of the window's n nodes to *sum, node by node, replication by
 * replication (in the windows' order: the order of one sum over every node). */
static void add_over_nodes(const double *kpi, int32_t n, int k, int64_t reps, double *sum)
{
    for (int32_t i = 0; i < n; ++i)
        for (int64_t r = 0; r < reps; ++r)
            *sum += kpi[((int64_t)i * ECH_KPI_COUNT + k) * reps + r];
}

/* The sums one evaluation of the SKU gives: the warehouse's purchases per
 * replication (the need) and pushed units, and the held cost summed over nodes and
 * replications. */
typedef struct sku_sums {
    double held, pushed;
} sku_sums;

/* Simulates `req` window by window: the need into z->need when asked, the sums, and
 * each replication's total cost over the nodes into z->cost when asked. */
static ech_status evaluate_by_window(sizer *z, const ech_scenario *sc, ech_eval_request *req,
                                     int64_t *month_purchases, int need, int cost, sku_sums *sums,
                                     int64_t *days, ech_error *err)
{
    int64_t R = req->rep_end - req->rep_begin;
    int32_t nodes = (int32_t)(sc->sl.sku_begin[req->sku + 1] - sc->sl.sku_begin[req->sku]);
    double held = 0.0, expired = 0.0, pushed = 0.0;
    for (int64_t r = 0; cost && r < R; ++r)
        z->cost[r] = 0.0;
    for (int32_t b = 0; b < nodes; b += z->window) {
        int32_t e = nodes - b < z->window ? nodes : b + z->window;
        ech_eval_out out = {.kpi = z->kpi,
                            .rep_stride = R,
                            .node_begin = b,
                            .node_end = e,
                            .month_purchases = b == 0 ? month_purchases : NULL};
        ech_status st = ech_engine_evaluate(z->engine, req, &out, err);
        if (st != ECH_OK)
            return st;
        if (b == 0) { /* the warehouse, node 0; the days once, as the results' figure */
            *days += R * nodes * (int64_t)(sc->warmup_days + sc->days);
            for (int64_t r = 0; need && r < R; ++r)
                z->need[r] = z->kpi[(int64_t)ECH_KPI_PURCHASED_UNITS * R + r];
            add_over_nodes(z->kpi, 1, ECH_KPI_PUSHED_UNITS, R, &pushed);
        }
        add_over_nodes(z->kpi, e - b, ECH_KPI_HOLDING_COST, R, &held);
        add_over_nodes(z->kpi, e - b, ECH_KPI_EXPIRED_VALUE, R, &expired);
        for (int32_t i = 0; cost && i < e - b; ++i)
            for (int64_t r = 0; r < R; ++r)
                z->cost[r] += z->kpi[((int64_t)i * ECH_KPI_COUNT + ECH_KPI_TOTAL_COST) * R + r];
    }
    sums->held = held / (double)R + expired / (double)R;
    sums->pushed = pushed / (double)R;
    return ECH_OK;
}

/* Sizes SKU k (which has terms and is stocked): fills its entries of res and adds
 * its mean need per month to month_need[k * n_months ...]. */
static ech_status size_sku(sizer *z, const ech_scenario *sc, const ech_contract_run_options *opt,
                           int32_t k, ech_contract_result *res, double *month_need, int64_t *days,
                           ech_error *err)
{
    int64_t R = opt->replications;
    int32_t nm = res->n_months;
    ech_eval_request req = {.sku = k,
                            .variant = opt->variant,
                            .rep_begin = 0,
                            .rep_end = R,
                            .stream_set = 1,
                            .contract = ECH_CONTRACT_NONE};
    sku_sums without, with;
    ech_status st = evaluate_by_window(z, sc, &req, z->months, 1, 0, &without, days, err);
    if (st != ECH_OK)
        return st;
    for (int32_t m = 0; m < nm; ++m) {
        double sum = 0.0;
        for (int64_t r = 0; r < R; ++r)
            sum += (double)z->months[r * nm + m];
        month_need[(size_t)k * (size_t)nm + (size_t)m] = sum / (double)R;
    }

    ech_contract_offer o;
    ech_contract_offer_init(&o, sc, k);
    double cost;
    double c = ech_contract_best(&o, z->need, R, &cost);
    if (o.deliver) {
        /* Learn what a pushed unit costs to hold: the first answer in force on the
         * same numbers, against the need's run. */
        double minimum, limit, short_mean = 0.0;
        ech_contract_band(c, o.flex, o.capacity, &minimum, &limit);
        for (int64_t r = 0; r < R; ++r)
            short_mean += minimum > z->need[r] ? (minimum - z->need[r]) / (double)R : 0.0;
        if (short_mean >= 0.5) {
            req.contract = ECH_CONTRACT_GIVEN;
            req.committed = c;
            if ((st = evaluate_by_window(z, sc, &req, NULL, 0, 0, &with, days, err)) != ECH_OK) {
                ech_contract_offer_free(&o);
                return st;
            }
            double held0 = without.held, held1 = with.held, pushed = with.pushed;
            if (pushed > 0.0 && held1 > held0) {
                o.pushed_cost = (held1 - held0) / pushed;
                c = ech_contract_best(&o, z->need, R, &cost);
            }
        }
    }

    /* Today's rule: one year's purchases and a margin, in whole units. */
    double most = ech_contract_max_commitment(&o);
    double today = ceil(z->need[0] * (1.0 + opt->today_margin) - 1e-9);
    today = today < most ? today : most;
    res->analytic[k] = c;

    /* What the need's cost leaves out (the service lost while spot orders travel or
     * refused orders wait, the stock pushed units add downstream) the simulation
     * of the contract in force sees: the answer, commitments around it and today's
     * rule on the same numbers, by the SKU's total cost over all its locations.  A
     * candidate replaces the answer only when it saves more than two paired
     * standard errors. */
    int64_t Rs = R < opt->refine_replications ? R : opt->refine_replications;
    double cand[6] = {c, floor(0.9 * c), ceil(1.1 * c), ceil(1.2 * c), ceil(1.35 * c), today};
    double mean_of[6];
    const int n_cand = 6;
    double *base = z->sorted; /* the answer's cost per replication (scratch) */
    double best_mean = NAN;
    for (int j = 0; j < n_cand && Rs >= 2; ++j) {
        cand[j] = cand[j] < most ? cand[j] : most;
        mean_of[j] = NAN;
        for (int i = 0; i < j; ++i)
            if (cand[i] == cand[j])
                mean_of[j] = mean_of[i]; /* simulated already */
        if (!isnan(mean_of[j]))
            continue;
        req.contract = ECH_CONTRACT_GIVEN;
        req.committed = cand[j];
        req.rep_end = Rs;
        if ((st = evaluate_by_window(z, sc, &req, NULL, 0, 1, &with, days, err)) != ECH_OK) {
            ech_contract_offer_free(&o);
            return st;
        }
        double sum = 0.0, sum_d = 0.0, sum_d2 = 0.0;
        for (int64_t r = 0; r < Rs; ++r) {
            double x = z->cost[r];
            if (j == 0)
                base[r] = x;
            sum += x;
            sum_d += x - base[r];
            sum_d2 += (x - base[r]) * (x - base[r]);
        }
        mean_of[j] = sum / (double)Rs;
        if (j == 0) {
            best_mean = mean_of[0];
            continue;
        }
        double md = sum_d / (double)Rs;
        double se =
            sqrt(fmax(0.0, (sum_d2 - (double)Rs * md * md) / ((double)Rs - 1.0)) / (double)Rs);
        if (md + 2.0 * se < 0.0 && mean_of[j] < best_mean) {
            best_mean = mean_of[j];
            c = cand[j];
        }
    }
    res->simulated_cost[k] = Rs >= 2 ? best_mean : NAN;
    res->simulated_cost_today[k] = Rs >= 2 ? mean_of[n_cand - 1] : NAN;
    cost = ech_contract_mean_cost(&o, c, z->need, R);

    /* The figures of the answer on the sizing's sample. */
    double minimum, limit;
    ech_contract_band(c, o.flex, o.capacity, &minimum, &limit);
    double price = ech_contract_price(&o, c);
    const ech_contract_terms *t = &sc->contracts.terms[sc->contracts.of_sku[k]];
    double above = 0.0, excess = 0.0, beyond = 0.0, shortfall = 0.0;
    double value = 0.0;
    for (int64_t r = 0; r < R; ++r) {
        double v = z->need[r];
        above += v > c;
        excess += v > c ? v - c : 0.0;
        double b = v > limit ? v - limit : 0.0, s = minimum > v ? minimum - v : 0.0;
        beyond += b;
        shortfall += s;
        double under = v - b;
        value += under * price +
                 (t->above == ECH_ABOVE_SPOT ? b * o.unit_cost * (1.0 + t->spot_premium) : 0.0) +
                 s * (!o.take_or_pay ? o.penalty : price);
        z->year[r] = ech_contract_year_cost(&o, c, v);
    }
    double n = (double)R;
    /* Mean, sd and quantiles as the run's statistics compute them (stats.h). */
    static const double q[3] = {0.05, 0.50, 0.95};
    double need[5], year[3];
    ech_stats_summarize(z->need, R, q, 3, need, z->sorted);
    ech_stats_summarize(z->year, R, q + 2, 1, year, z->sorted);
    res->committed[k] = c;
    res->unit_price[k] = price;
    res->minimum[k] = minimum;
    res->limit[k] = limit;
    res->need_mean[k] = need[0];
    res->need_sd[k] = need[1];
    res->need_p05[k] = need[2];
    res->need_p50[k] = need[3];
    res->need_p95[k] = need[4];
    res->prob_above[k] = above / n;
    res->excess_mean[k] = excess / n;
    res->beyond_mean[k] = beyond / n;
    res->shortfall_mean[k] = shortfall / n;
    res->cost_mean[k] = cost;
    res->cost_p95[k] = year[2];
    res->value_mean[k] = value / n;
    res->pushed_cost[k] = o.pushed_cost;
    res->today[k] = today;
    res->today_cost_mean[k] = ech_contract_mean_cost(&o, today, z->need, R);
    ech_contract_offer_free(&o);
    return ECH_OK;
}

/* Every rank's block of a per-SKU array (stride values per SKU) onto every rank. */
static void gather_skus(double *a, int stride, const int32_t *blocks, int n_ranks, MPI_Comm comm)
{
    int *counts = ech_xmalloc((size_t)n_ranks * sizeof *counts, "gather counts");
    int *displs = ech_xmalloc((size_t)n_ranks * sizeof *displs, "gather offsets");
    for (int r = 0; r < n_ranks; ++r) {
        counts[r] = (blocks[2 * r + 1] - blocks[2 * r]) * stride;
        displs[r] = blocks[2 * r] * stride;
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, a, counts, displs, MPI_DOUBLE, comm);
    free(counts);
    free(displs);
}

/* The sizing's results as fields of a phase (phase_log.h): SKUs [a, z) of every
 * per-SKU array and of the need by month.  Returns how many. */
#define CONTRACT_COUNT(field, name, units, desc) +1
enum { CONTRACT_FIELDS = 1 ECH_CONTRACT_SKU_FIELDS(CONTRACT_COUNT) };
#undef CONTRACT_COUNT
static int sizing_fields(ech_contract_result *res, double *month_need, int32_t a, int32_t z,
                         ech_phase_field *f)
{
    int n = 0;
    size_t nm = (size_t)res->n_months;
#define CONTRACT_FIELD(field, name, units, desc) \
    f[n++] = (ech_phase_field){#field, res->field + a, (size_t)(z - a) * sizeof(double)};
    ECH_CONTRACT_SKU_FIELDS(CONTRACT_FIELD)
#undef CONTRACT_FIELD
    f[n++] = (ech_phase_field){"monthned", month_need + (size_t)a * nm,
                               (size_t)(z - a) * nm * sizeof(double)};
    return n;
}

/* What the sizing of this rank's SKUs shares. */
typedef struct sizing {
    const ech_scenario *sc;
    const ech_contract_run_options *opt;
    ech_contract_result *res;
    double *month_need;
    ech_phase_log *log;
    int32_t first, last, max_nodes;
    MPI_Comm comm;
    ech_error *err;
} sizing;

/* One stretch of this rank's SKUs not yet done, sized by its threads until all are
 * or a checkpoint or stop asks them to pause; mine: skuloc-days and SKUs sized. */
static ech_status size_stretch(const sizing *s, uint8_t *done, int64_t mine[2],
                               ech_progress *progress)
{
    const ech_scenario *sc = s->sc;
    const ech_contract_run_options *opt = s->opt;
    int32_t nm = s->res->n_months;
    ech_status st = ECH_OK;
    int64_t days = 0, sized = 0;
    int64_t R = opt->replications;
    int n_threads = opt->n_threads > 0 ? opt->n_threads : 1;
#pragma omp parallel num_threads(n_threads) reduction(+ : days, sized)
    {
        sizer z;
        z.engine = ech_engine_new(sc);
        int64_t fit = ech_job_window_fit(opt->kpi_memory_limit, R);
        z.window = (int32_t)(fit < s->max_nodes ? fit : s->max_nodes > 0 ? s->max_nodes : 1);
        z.kpi = ech_xmalloc((size_t)z.window * ECH_KPI_COUNT * (size_t)R * sizeof(double),
                            "sizing KPIs");
        z.cost = ech_xmalloc((size_t)R * sizeof(double), "candidate costs");
        z.months =
            ech_xmalloc((size_t)R * (size_t)(nm > 0 ? nm : 1) * sizeof(int64_t), "sizing months");
        z.need = ech_xmalloc((size_t)R * sizeof(double), "need");
        z.sorted = ech_xmalloc((size_t)R * sizeof(double), "need");
        z.year = ech_xmalloc((size_t)R * sizeof(double), "year costs");
        ech_error local;
        ech_error_clear(&local);
#pragma omp for schedule(dynamic, 1)
        for (int32_t k = s->first; k < s->last; ++k) {
            ech_status now;
#pragma omp atomic read
            now = st;
            if (now != ECH_OK || done[k - s->first] || ech_phase_units_pause(s->log))
                continue;
            if (sc->contracts.of_sku[k] < 0 || sc->sl.sku_begin[k + 1] == sc->sl.sku_begin[k]) {
                done[k - s->first] = 1;
                continue;
            }
            ech_status one = size_sku(&z, sc, opt, k, s->res, s->month_need, &days, &local);
            if (one != ECH_OK) {
#pragma omp critical(contract_error)
                {
                    if (st == ECH_OK) {
                        *s->err = local;
                        st = one;
                    }
                }
                continue;
            }
            ++sized;
            done[k - s->first] = 1;
            ech_phase_unit_done(s->log);
            if (progress) {
#pragma omp critical(contract_progress)
                ech_progress_add(progress, ech_engine_sku_cost(sc, k));
            }
        }
        ech_engine_free(z.engine);
        free(z.kpi);
        free(z.months);
        free(z.need);
        free(z.sorted);
        free(z.year);
        free(z.cost);
    }
    mine[0] += days;
    mine[1] += sized;
    return st;
}

/* This rank's SKUs sized (their state saved when a checkpoint is due or a stop
 * asked for: ECH_STOPPED); counts: skuloc-days and SKUs sized, all ranks. */
static ech_status size_skus(const sizing *s, int64_t my_cost, int rank, int64_t counts[2])
{
    int32_t n = s->last - s->first;
    uint8_t *done = ech_xcalloc((size_t)(n > 0 ? n : 1), 1, "SKUs done");
    int64_t mine[2] = {0, 0};
    ech_phase_field f[CONTRACT_FIELDS + 1];
    int nf = sizing_fields(s->res, s->month_need, s->first, s->last, f);
    f[nf++] = (ech_phase_field){"counts", mine, sizeof mine};
    ech_status st = ech_phase_units_begin(s->log, "contract sizing", (double)s->opt->replications,
                                          n, done, f, nf, s->err);
    int64_t left = my_cost;
    for (int32_t k = s->first; k < s->last; ++k)
        left -= done[k - s->first] ? ech_engine_sku_cost(s->sc, k) : 0;
    ech_progress *progress = rank == 0 && st == ECH_OK
                                 ? ech_progress_new(s->opt->progress, "sizing contracts", left,
                                                    s->opt->progress_interval)
                                 : NULL;
    int complete = 0;
    while (st == ECH_OK) {
        st = size_stretch(s, done, mine, progress);
        int32_t u = 0;
        while (u < n && done[u])
            ++u;
        if (st != ECH_OK || (complete = u == n))
            break;
        if (ech_phase_units_settle(s->log, n, done, f, nf))
            break;
    }
    if (progress)
        ech_progress_finish(progress);
    st = ech_agree(s->comm, st, s->err);
    if (st == ECH_OK)
        st = ech_phase_units_end(s->log, complete, n, done, f, nf, s->err);
    free(done);
    if (st == ECH_OK)
        MPI_Allreduce(mine, counts, 2, MPI_INT64_T, MPI_SUM, s->comm);
    return st;
}

ech_status ech_contract_run(const ech_scenario *sc, MPI_Comm comm,
                            const ech_contract_run_options *opt, ech_contract_result *res,
                            ech_error *err)
{
    memset(res, 0, sizeof *res);
    double t0 = wall_seconds();
    if (ech_scenario_no_groups(sc, "contract", err) != ECH_OK)
        return ECH_ERR_INPUT;
    if (sc->contracts.n == 0)
        return ech_fail(err, ECH_ERR_INPUT,
                        "%s: the scenario has no contracts: section, so there is nothing to "
                        "size (see scenarios/README.md, \"Supply contracts\")",
                        sc->source_path ? sc->source_path : sc->name);
    int rank, n_ranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &n_ranks);
    int32_t nk = sc->cat.n;
    res->variant = opt->variant;
    res->replications = opt->replications;
    res->refine_replications = opt->refine_replications < 2 ? 0
                               : opt->refine_replications < opt->replications
                                   ? opt->refine_replications
                                   : opt->replications;
    res->today_margin = opt->today_margin;
    size_t nk1 = (size_t)(nk > 0 ? nk : 1);
#define ALLOC_FIELD(field, name, units, desc)                               \
    res->field = ech_xmalloc(nk1 * sizeof *res->field, "contract results"); \
    for (int32_t k = 0; k < nk; ++k)                                        \
        res->field[k] = NAN;
    ECH_CONTRACT_SKU_FIELDS(ALLOC_FIELD)
#undef ALLOC_FIELD

    /* The measured months, as the engine counts them. */
    ech_engine *probe = ech_engine_new(sc);
    int32_t nm = res->n_months = ech_engine_months(probe);
    ech_engine_free(probe);
    res->month_start = ech_xmalloc((size_t)(nm > 0 ? nm : 1) * sizeof *res->month_start, "months");
    for (int32_t t = 0, m = -1; t < sc->days; ++t)
        if (t == 0 || ech_scenario_month(sc, t) != ech_scenario_month(sc, t - 1))
            res->month_start[++m] = sc->start_date + t;
    double *month_need =
        ech_xcalloc(nk1 * (size_t)(nm > 0 ? nm : 1), sizeof *month_need, "need by month");

    int32_t *blocks = ech_xmalloc(2 * (size_t)n_ranks * sizeof *blocks, "rank blocks");
    for (int r = 0; r < n_ranks; ++r)
        ech_work_plan_sku_block(sc, n_ranks, r, &blocks[2 * r], &blocks[2 * r + 1]);
    int32_t first = blocks[2 * rank], last = blocks[2 * rank + 1];
    int32_t max_nodes = 1;
    int64_t my_cost = 0;
    for (int32_t k = first; k < last; ++k) {
        int32_t n = (int32_t)(sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k]);
        max_nodes = n > max_nodes ? n : max_nodes;
        my_cost += ech_engine_sku_cost(sc, k);
    }
    /* The sizing is one phase (phase_log.h): read back when a stopped attempt
     * completed it, else computed SKU by SKU, the SKUs done saved at a stop. */
    ech_phase_log *log = NULL;
    ech_status st =
        ech_phase_log_open(&log, &opt->checkpoint, comm, opt->n_threads, opt->progress, err);
    if (st != ECH_OK) {
        free(blocks);
        free(month_need);
        return st;
    }
    res->resumed = ech_phase_log_resumed(log);
    snprintf(res->created, sizeof res->created, "%s", ech_phase_log_created(log));
    int64_t counts[2] = {0, 0}; /* skuloc-days simulated and SKUs sized, all ranks */
    ech_phase_field f[CONTRACT_FIELDS + 2];
    int nf = sizing_fields(res, month_need, 0, nk, f);
    f[nf++] = (ech_phase_field){"counts", counts, sizeof counts};
    int replayed = 0;
    st = ech_phase_replay(log, "contract sizing", (double)opt->replications, f, nf, &replayed, err);
    if (st == ECH_OK && !replayed) {
        sizing s = {.sc = sc,
                    .opt = opt,
                    .res = res,
                    .month_need = month_need,
                    .log = log,
                    .first = first,
                    .last = last,
                    .max_nodes = max_nodes,
                    .comm = comm,
                    .err = err};
        st = size_skus(&s, my_cost, rank, counts);
        if (st == ECH_OK) {
#define GATHER_FIELD(field, name, units, desc) gather_skus(res->field, 1, blocks, n_ranks, comm);
            ECH_CONTRACT_SKU_FIELDS(GATHER_FIELD)
#undef GATHER_FIELD
            gather_skus(month_need, nm, blocks, n_ranks, comm);
            st = ech_phase_record(log, "contract sizing", (double)opt->replications, f, nf, err);
        }
    }
    double before = ech_phase_log_seconds_before(log);
    ech_phase_log_close(log);
    if (st != ECH_OK) {
        free(blocks);
        free(month_need);
        return st;
    }
    res->skuloc_days = counts[0];
    res->n_sized = (int32_t)counts[1];

    /* Per supplier and month, summed in SKU order (the same at any ranks). */
    size_t ns = (size_t)(sc->suppliers.n > 0 ? sc->suppliers.n : 1);
    res->supplier_month_need =
        ech_xcalloc(ns * (size_t)(nm > 0 ? nm : 1), sizeof(double), "supplier months");
    res->supplier_month_value =
        ech_xcalloc(ns * (size_t)(nm > 0 ? nm : 1), sizeof(double), "supplier months");
    for (int32_t k = 0; k < nk; ++k) {
        if (sc->contracts.of_sku[k] < 0 || isnan(res->committed[k]))
            continue;
        int32_t s = sc->cat.supplier[k];
        for (int32_t m = 0; m < nm; ++m) {
            double units = month_need[(size_t)k * (size_t)nm + (size_t)m];
            res->supplier_month_need[(size_t)s * (size_t)nm + (size_t)m] += units;
            res->supplier_month_value[(size_t)s * (size_t)nm + (size_t)m] +=
                units * sc->cat.unit_cost[k];
        }
    }
    free(month_need);
    free(blocks);
    double seconds = wall_seconds() - t0 + before;
    MPI_Allreduce(&seconds, &res->seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    return ECH_OK;
}

void ech_contract_set_variants(ech_scenario *sc, const ech_contract_result *res)
{
    ech_variant *v = ech_xcalloc(3, sizeof *v, "variants");
    const ech_variant *base = &sc->variant[res->variant];
    const double *commit[2] = {res->today, res->committed};
    const char *names[2] = {"today", "recommended"};
    const char *texts[2] = {"today's rule: last year's purchases plus a margin, committed",
                            "the commitments echelon contract recommends"};
    ech_variant_copy(sc, &v[0], base);
    for (int j = 0; j < 2; ++j) {
        ech_variant *w = &v[1 + j];
        ech_variant_copy(sc, w, base);
        free(w->name);
        free(w->description);
        w->name = ech_xstrdup(strcmp(base->name, names[j]) == 0
                                  ? (j ? "recommended_commitments" : "today_rule")
                                  : names[j],
                              "variant name");
        w->description = ech_xstrdup(texts[j], "variant text");
        free(w->committed);
        size_t n = (size_t)(sc->cat.n > 0 ? sc->cat.n : 1);
        w->committed = ech_xmalloc(n * sizeof *w->committed, "commitments");
        for (int32_t k = 0; k < sc->cat.n; ++k)
            w->committed[k] = commit[j][k];
    }
    for (int32_t i = 0; i < sc->n_variants; ++i)
        ech_variant_free(&sc->variant[i]);
    free(sc->variant);
    sc->variant = v;
    sc->n_variants = 3;
}

ech_status ech_contract_write_csv(const char *path, const ech_scenario *sc,
                                  const ech_contract_result *res, ech_error *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return ech_fail(err, ECH_ERR_INPUT, "--csv: cannot create %s: %s", tmp, strerror(errno));
    fprintf(f, "sku,supplier");
#define CSV_HEAD(field, name, units, desc) fprintf(f, ",%s", name);
    ECH_CONTRACT_SKU_FIELDS(CSV_HEAD)
#undef CSV_HEAD
    fputc('\n', f);
    for (int32_t k = 0; k < sc->cat.n; ++k) {
        if (sc->contracts.of_sku[k] < 0 || isnan(res->committed[k]))
            continue;
        ech_csv_write_field(f, sc->cat.id[k]);
        fputc(',', f);
        ech_csv_write_field(f, sc->suppliers.id[sc->cat.supplier[k]]);
#define CSV_VALUE(field, name, units, desc) fprintf(f, ",%.10g", res->field[k]);
        ECH_CONTRACT_SKU_FIELDS(CSV_VALUE)
#undef CSV_VALUE
        fputc('\n', f);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return ech_fail(err, ECH_ERR_RUNTIME, "--csv: writing %s failed: %s", path, strerror(e));
    }
    return ECH_OK;
}

void ech_contract_print_summary(FILE *out, const ech_scenario *sc, const ech_contract_result *res)
{
    enum { COMMITTED, TODAY, NEED, COST, TODAY_COST, TOTAL, TODAY_TOTAL, N_COLS };
    int32_t ns = sc->suppliers.n;
    double *row = ech_xcalloc((size_t)(ns > 0 ? ns : 1) * N_COLS, sizeof *row, "summary");
    int32_t *skus = ech_xcalloc((size_t)(ns > 0 ? ns : 1), sizeof *skus, "summary");
    int checked = 0;
    for (int32_t k = 0; k < sc->cat.n; ++k) {
        if (sc->contracts.of_sku[k] < 0 || isnan(res->committed[k]))
            continue;
        double *r = row + (size_t)sc->cat.supplier[k] * N_COLS;
        double c = sc->cat.unit_cost[k];
        skus[sc->cat.supplier[k]]++;
        r[COMMITTED] += res->committed[k] * c;
        r[TODAY] += res->today[k] * c;
        r[NEED] += res->need_mean[k] * c;
        r[COST] += res->cost_mean[k];
        r[TODAY_COST] += res->today_cost_mean[k];
        checked |= !isnan(res->simulated_cost[k]);
        r[TOTAL] += isnan(res->simulated_cost[k]) ? 0.0 : res->simulated_cost[k];
        r[TODAY_TOTAL] += isnan(res->simulated_cost_today[k]) ? 0.0 : res->simulated_cost_today[k];
    }
    fprintf(out,
            "\nContract sizing: %d SKUs on %lld simulated years each (stream set 1), the need "
            "under variant '%s' without contracts\n",
            (int)res->n_sized, (long long)res->replications, sc->variant[res->variant].name);
    fprintf(out, "  %-14s %5s %13s %13s %13s %13s %13s %13s %13s\n", "", "", "committed",
            "today's rule", "mean need", "contract", "contract", "total cost", "total cost");
    fprintf(out, "  %-14s %5s %13s %13s %13s %13s %13s %13s %13s\n", "supplier", "SKUs",
            "(unit cost)", "(unit cost)", "(unit cost)", "cost", "(today)", "in force", "(today)");
    double total[N_COLS] = {0};
    for (int32_t s = 0; s <= ns; ++s) {
        if (s < ns && skus[s] == 0)
            continue;
        const double *r = s < ns ? row + (size_t)s * N_COLS : total;
        fprintf(out, "  %-14.14s %5d", s < ns ? sc->suppliers.id[s] : "all",
                s < ns ? (int)skus[s] : (int)res->n_sized);
        for (int j = 0; j < N_COLS; ++j) {
            if (j >= TOTAL && !checked)
                fprintf(out, " %13s", "-");
            else
                fprintf(out, " %13.0f", r[j]);
            if (s < ns)
                total[j] += r[j];
        }
        fputc('\n', out);
    }
    fprintf(out,
            "  (contract cost: over buying at unit cost, on the need's distribution; total cost: "
            "the SKUs' total cost\n   a year with the commitments in force on the sizing's "
            "first %lld years; the verification below\n   re-simulates them on fresh numbers)\n",
            (long long)res->refine_replications);
    free(row);
    free(skus);
}

void ech_contract_print_verification(FILE *out, const ech_scenario *sc, const ech_results *res)
{
    if (res->n_variants < 3)
        return;
    /* Variants 1 (today) and 2 (recommended) on the same replications. */
    enum { N_ROWS = 9 };
    static const struct {
        const char *label;
        int total;  /* ECH_TOTAL_*, or -1 for a figure */
        int figure; /* ECH_FIG_* */
        double scale;
    } rows[N_ROWS] = {
        {"total cost", -1, ECH_FIG_TOTAL_COST, 1.0},
        {"contract cost", ECH_TOTAL_CONTRACT_COST, 0, 1.0 / ECH_MONEY_SCALE},
        {"purchased value", ECH_TOTAL_PURCHASED_VALUE, 0, 1.0 / ECH_MONEY_SCALE},
        {"expired value", -1, ECH_FIG_EXPIRED_VALUE, 1.0},
        {"lost units", -1, ECH_FIG_LOST_UNITS, 1.0},
        {"fill rate (points)", -1, ECH_FIG_FILL_RATE, 100.0},
        {"mean inventory value", -1, ECH_FIG_MEAN_ON_HAND_VALUE, 1.0},
        {"pushed units", ECH_TOTAL_PUSHED_UNITS, 0, 1.0},
        {"spot units", ECH_TOTAL_SPOT_UNITS, 0, 1.0},
    };
    int64_t n = res->n_reps;
    double days = (double)sc->days;
    fprintf(out,
            "\nVerification of the commitments (network, means per year over %lld replications "
            "of stream set 0;\nrecommended - today paired, +- 95%% interval):\n",
            (long long)n);
    fprintf(out, "  %-22s %15s %15s %15s %12s\n", "", "today", "recommended", "change", "+-");
    for (int j = 0; j < N_ROWS; ++j) {
        double sum[2] = {0, 0}, sd = 0.0, sd2 = 0.0;
        for (int64_t r = 0; r < n; ++r) {
            double x[2];
            for (int v = 0; v < 2; ++v) {
                const int64_t *t = ech_results_totals(res, 1 + v, 0) + r * ECH_TOTAL_COUNT;
                if (rows[j].total >= 0) {
                    x[v] = (double)t[rows[j].total] * rows[j].scale;
                } else {
                    double f[ECH_FIG_COUNT];
                    ech_figures(t, days, f);
                    x[v] = f[rows[j].figure] * rows[j].scale;
                }
                sum[v] += x[v];
            }
            sd += x[1] - x[0];
            sd2 += (x[1] - x[0]) * (x[1] - x[0]);
        }
        double md = sd / (double)n;
        double half =
            n > 1 ? 1.96 *
                        sqrt(fmax(0.0, (sd2 - (double)n * md * md) / ((double)n - 1.0)) / (double)n)
                  : NAN;
        double x[4] = {sum[0] / (double)n, sum[1] / (double)n, md, half};
        char cell[4][32];
        for (int i = 0; i < 4; ++i) /* whole numbers where they are large */
            snprintf(cell[i], sizeof cell[i],
                     fabs(x[i]) >= 1000.0 ? (i == 2 ? "%+.0f" : "%.0f")
                                          : (i == 2 ? "%+.4g" : "%.4g"),
                     x[i]);
        fprintf(out, "  %-22s %15s %15s %15s %12s\n", rows[j].label, cell[0], cell[1], cell[2],
                cell[3]);
    }
    fputc('\n', out);
}
