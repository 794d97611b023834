/* Target tuning of one SKU by simulation on common random numbers; see
 * include/echelon/tune.h for the method and its guarantees. */
#include "echelon/tune.h"

#include "echelon/kpi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ech_tune_settings_default(ech_tune_settings *set)
{
    *set = (ech_tune_settings){
        .objective = ECH_TUNE_COST,
        .reps_start = 64,
        .reps_max = 1024,
        .z = 2.0,
        .max_evaluations = 0,
        .stream_set = 0,
        .value_price = 0.0,
        .tolerance = 1e-3,
    };
}

/* A candidate's results on replications [0, reps) of the search's stream set. */
typedef struct candidate {
    int32_t *x;     /* S of the nodes, then s of the nodes */
    int64_t reps;   /* evaluated so far */
    double *obj;    /* objective per day, per replication [reps_max] */
    double *demand; /* per demand point: units demanded, summed over replications */
    double *filled; /* ... and met from stock on the day */
    uint64_t used;  /* when last asked for (for eviction) */
} candidate;

typedef struct tuner {
    ech_engine *e;
    const ech_scenario *sc;
    const ech_tune_settings *set;
    ech_tune_sku *t;
    ech_error *err;
    int32_t n;        /* nodes */
    int32_t pack;     /* the SKU's pack: the smallest step */
    double days;      /* measured days, to put costs per day */
    int32_t *parent;  /* local index of the parent, -1 at the root */
    uint8_t *ss;      /* the node follows (s,S): its s and S move apart */
    int32_t *floor_S; /* display minimum + reserve: S never goes below */
    int32_t cap_S;    /* ... nor above */
    int32_t n_leaves;
    int32_t *leaf;    /* node of demand point j */
    double *target;   /* fill-rate target of demand point j (NaN: none) */
    double *kpi;      /* evaluation scratch: [node][kpi][rep] for a block */
    int64_t kpi_reps; /* the block's capacity */
    candidate *cache;
    int32_t n_cache, cap_cache;
    uint64_t clock;
    int32_t evaluations;
    int64_t simulated;
} tuner;

/* ------------------------------------------------------------------------------
 * Evaluating candidates
 * ------------------------------------------------------------------------------ */

static size_t x_bytes(const tuner *tu)
{
    return 2 * (size_t)tu->n * sizeof(int32_t);
}

static candidate *cache_find(tuner *tu, const int32_t *x)
{
    for (int32_t c = 0; c < tu->n_cache; ++c)
        if (memcmp(tu->cache[c].x, x, x_bytes(tu)) == 0)
            return &tu->cache[c];
    return NULL;
}

/* A slot for x: a free one, else the one unused longest (never `keep`). */
static candidate *cache_slot(tuner *tu, const int32_t *x, const candidate *keep)
{
    candidate *c;
    if (tu->n_cache < tu->cap_cache) {
        c = &tu->cache[tu->n_cache++];
    } else {
        c = NULL;
        for (int32_t k = 0; k < tu->n_cache; ++k)
            if (&tu->cache[k] != keep && (!c || tu->cache[k].used < c->used))
                c = &tu->cache[k];
    }
    memcpy(c->x, x, x_bytes(tu));
    c->reps = 0;
    memset(c->demand, 0, (size_t)tu->n_leaves * sizeof *c->demand);
    memset(c->filled, 0, (size_t)tu->n_leaves * sizeof *c->filled);
    return c;
}

#define KPI_AT(tu, i, k, r) ((tu)->kpi[((int64_t)(i)*ECH_KPI_COUNT + (k)) * (tu)->kpi_reps + (r)])

/* Simulates replications [c->reps, reps) of candidate c and appends them. */
static ech_status extend(tuner *tu, candidate *c, int64_t reps)
{
    const ech_tune_settings *set = tu->set;
    int service = set->objective == ECH_TUNE_SERVICE;
    while (c->reps < reps) {
        int64_t begin = c->reps;
        int64_t end = reps - begin > tu->kpi_reps ? begin + tu->kpi_reps : reps;
        ech_eval_request req = {
            .sku = tu->t->sku,
            .variant = tu->t->variant,
            .rep_begin = begin,
            .rep_end = end,
            .stream_set = set->stream_set,
            .order_up_to = c->x,
            .reorder_point = c->x + tu->n,
        };
        ech_eval_out out = {.kpi = tu->kpi, .rep_stride = tu->kpi_reps, .totals = NULL};
        ech_status st = ech_engine_evaluate(tu->e, &req, &out, tu->err);
        if (st != ECH_OK)
            return st;
        for (int64_t r = 0; r < end - begin; ++r) {
            double cost = 0.0, value = 0.0;
            for (int32_t i = 0; i < tu->n; ++i) {
                cost += KPI_AT(tu, i, ECH_KPI_TOTAL_COST, r);
                if (service)
                    cost -= KPI_AT(tu, i, ECH_KPI_SHORTAGE_COST, r);
                value += KPI_AT(tu, i, ECH_KPI_MEAN_ON_HAND_VALUE, r);
            }
            c->obj[begin + r] = cost / tu->days + set->value_price * value;
            for (int32_t j = 0; j < tu->n_leaves; ++j) {
                double d = KPI_AT(tu, tu->leaf[j], ECH_KPI_DEMAND, r);
                c->demand[j] += d;
                c->filled[j] += round(d * KPI_AT(tu, tu->leaf[j], ECH_KPI_FILL_RATE, r));
            }
        }
        tu->simulated += end - begin;
        c->reps = end;
    }
    return ECH_OK;
}

/* The candidate x evaluated on `reps` replications (from the cache when it can). */
static ech_status evaluate(tuner *tu, const int32_t *x, int64_t reps, const candidate *keep,
                           candidate **out)
{
    candidate *c = cache_find(tu, x);
    if (!c) {
        c = cache_slot(tu, x, keep);
        ++tu->evaluations;
    }
    c->used = ++tu->clock;
    *out = c;
    return extend(tu, c, reps);
}

static double mean_of(const double *v, int64_t n)
{
    double s = 0.0;
    for (int64_t r = 0; r < n; ++r)
        s += v[r];
    return s / (double)n;
}

/* Mean and standard error of a[r] - b[r] over the first n replications. */
static void paired(const candidate *a, const candidate *b, int64_t n, double *mean, double *se)
{
    double s = 0.0;
    for (int64_t r = 0; r < n; ++r)
        s += a->obj[r] - b->obj[r];
    double m = s / (double)n, ss = 0.0;
    for (int64_t r = 0; r < n; ++r) {
        double d = a->obj[r] - b->obj[r] - m;
        ss += d * d;
    }
    *mean = m;
    *se = n > 1 ? sqrt(ss / (double)(n - 1) / (double)n) : INFINITY;
}

/* Fill-rate shortfall below the targets, summed over demand points (0: feasible). */
static double shortfall(const tuner *tu, const candidate *c)
{
    double gap = 0.0;
    for (int32_t j = 0; j < tu->n_leaves; ++j) {
        if (isnan(tu->target[j]) || c->demand[j] <= 0.0)
            continue;
        double fill = c->filled[j] / c->demand[j];
        if (fill < tu->target[j])
            gap += tu->target[j] - fill;
    }
    return gap;
}

static double fill_rate(const tuner *tu, const candidate *c)
{
    double d = 0.0, f = 0.0;
    for (int32_t j = 0; j < tu->n_leaves; ++j) {
        d += c->demand[j];
        f += c->filled[j];
    }
    return d > 0.0 ? f / d : 1.0;
}

/* ------------------------------------------------------------------------------
 * Moves
 * ------------------------------------------------------------------------------ */

/* A move changes the level (S and s together) of up to two nodes, or the lot
 * (S alone) of one (s,S) node. */
typedef struct move {
    int32_t node, level;   /* node's S and s change by `level` */
    int32_t node2, level2; /* a second node's (-1: none) */
    int32_t lot;           /* node's S alone changes by `lot` */
} move;

/* x with the move applied, in `out`; 0 when that leaves the bounds. */
static int apply(const tuner *tu, const int32_t *x, const move *m, int32_t *out)
{
    memcpy(out, x, x_bytes(tu));
    int32_t n = tu->n;
    int32_t nodes[2] = {m->node, m->node2}, level[2] = {m->level, m->level2};
    for (int k = 0; k < 2; ++k) {
        int32_t i = nodes[k];
        if (i < 0)
            continue;
        int64_t S = (int64_t)out[i] + level[k] + (k == 0 ? m->lot : 0);
        int64_t s = (int64_t)out[n + i] + level[k];
        if (!tu->ss[i])
            s = S - 1;
        if (S < tu->floor_S[i] || S > tu->cap_S || s < -1 || s >= S)
            return 0;
        out[i] = (int32_t)S;
        out[n + i] = (int32_t)s;
    }
    return 1;
}

/* ------------------------------------------------------------------------------
 * The search
 * ------------------------------------------------------------------------------ */

static int32_t pow2_floor(int64_t v)
{
    int32_t p = 1;
    while ((int64_t)p * 2 <= v && p < (1 << 28))
        p *= 2;
    return p;
}

/* Closing the fill-rate shortfall: of the level steps up at each node, the one with
 * the most shortfall closed per cost added.  Returns 1 with x moved, 0 when no step
 * closes any (the steps then double), -1 when none can. */
static ech_status repair_step(tuner *tu, int32_t *x, int32_t *cand, int32_t *step, int64_t reps,
                              int *moved)
{
    candidate *cur;
    ech_status st = evaluate(tu, x, reps, NULL, &cur);
    if (st != ECH_OK)
        return st;
    double gap = shortfall(tu, cur), cost = mean_of(cur->obj, reps);
    int32_t best = -1;
    double best_ratio = -INFINITY;
    for (int32_t i = 0; i < tu->n; ++i) {
        move m = {.node = i, .level = step[i], .node2 = -1};
        if (!apply(tu, x, &m, cand))
            continue;
        candidate *c;
        if ((st = evaluate(tu, cand, reps, cur, &c)) != ECH_OK)
            return st;
        double closed = gap - shortfall(tu, c);
        if (closed <= 1e-12)
            continue;
        double added = mean_of(c->obj, reps) - cost;
        double ratio = added > 1e-12 ? closed / added : INFINITY;
        if (ratio == INFINITY)
            ratio = 1e300 * closed; /* free improvements: the largest first */
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = i;
        }
    }
    if (best >= 0) {
        move m = {.node = best, .level = step[best], .node2 = -1};
        apply(tu, x, &m, x);
        *moved = 1;
        return ECH_OK;
    }
    /* Nothing helps at these steps: try larger ones. */
    int grew = 0;
    for (int32_t i = 0; i < tu->n; ++i)
        if ((int64_t)step[i] * 2 <= tu->cap_S) {
            step[i] *= 2;
            grew = 1;
        }
    *moved = grew ? 0 : -1;
    return ECH_OK;
}

/* One sweep over the moves around x at these steps: level up and down at each node,
 * the lot of (s,S) nodes, stock moved between a node and its parent.  A move that
 * beats the noise is taken at once and repeated while it keeps doing so (a line
 * search along it), so a start far from the optimum costs one evaluation a step, not
 * a round of every move.  *moved counts the moves taken; *best_gain is the largest
 * gain among the moves not taken (worth more replications?). */
static ech_status improve_sweep(tuner *tu, int32_t *x, int32_t *cand, const int32_t *step,
                                const int32_t *lot_step, int64_t reps, int *moved,
                                double *best_gain_out)
{
    int service = tu->set->objective == ECH_TUNE_SERVICE;
    double best_gain = -INFINITY;
    int32_t n = tu->n;
    ech_status st = ECH_OK;
    *moved = 0;
    for (int32_t k = 0; k < 6 * n; ++k) {
        int32_t i = k / 6, kind = k % 6;
        move m = {.node = i, .node2 = -1};
        switch (kind) {
        case 0: m.level = step[i]; break;
        case 1: m.level = -step[i]; break;
        case 2:
        case 3:
            if (!tu->ss[i])
                continue;
            m.lot = kind == 2 ? lot_step[i] : -lot_step[i];
            break;
        default: {
            int32_t p = tu->parent[i];
            if (p < 0)
                continue;
            int32_t d = step[i] < step[p] ? step[i] : step[p];
            m.level = kind == 4 ? d : -d;
            m.node2 = p;
            m.level2 = -m.level;
            break;
        }
        }
        while (apply(tu, x, &m, cand)) {
            candidate *cur, *c;
            if ((st = evaluate(tu, x, reps, NULL, &cur)) != ECH_OK ||
                (st = evaluate(tu, cand, reps, cur, &c)) != ECH_OK)
                return st;
            if (service && shortfall(tu, c) > 0.0)
                break;
            double gain, se;
            paired(cur, c, reps, &gain, &se);
            if (gain > 0.0 && gain > tu->set->z * se) {
                memcpy(x, cand, x_bytes(tu));
                ++*moved;
                continue;
            }
            if (gain > best_gain)
                best_gain = gain;
            break;
        }
    }
    *best_gain_out = best_gain;
    return ECH_OK;
}

static void tuner_free(tuner *tu)
{
    for (int32_t c = 0; c < tu->cap_cache; ++c) {
        free(tu->cache[c].x);
        free(tu->cache[c].obj);
        free(tu->cache[c].demand);
        free(tu->cache[c].filled);
    }
    free(tu->cache);
    free(tu->kpi);
    free(tu->parent);
    free(tu->ss);
    free(tu->floor_S);
    free(tu->leaf);
    free(tu->target);
}

static void tuner_init(tuner *tu, ech_engine *e, const ech_tune_settings *set, ech_tune_sku *t,
                       ech_error *err)
{
    const ech_scenario *sc = ech_engine_scenario(e);
    const ech_skulocs *sl = &sc->sl;
    const ech_variant *vt = &sc->variant[t->variant];
    memset(tu, 0, sizeof *tu);
    tu->e = e;
    tu->sc = sc;
    tu->set = set;
    tu->t = t;
    tu->err = err;
    int64_t first = sl->sku_begin[t->sku];
    int32_t n = (int32_t)(sl->sku_begin[t->sku + 1] - first);
    tu->n = n;
    tu->pack = sc->cat.pack_size[t->sku] > 1 ? sc->cat.pack_size[t->sku] : 1;
    tu->days = sc->days > 0 ? (double)sc->days : 1.0;
    tu->parent = ech_xmalloc((size_t)n * sizeof *tu->parent, "tuning parents");
    tu->ss = ech_xmalloc((size_t)n, "tuning policies");
    tu->floor_S = ech_xmalloc((size_t)n * sizeof *tu->floor_S, "tuning floors");
    tu->leaf = ech_xmalloc((size_t)n * sizeof *tu->leaf, "tuning demand points");
    tu->target = ech_xmalloc((size_t)n * sizeof *tu->target, "tuning targets");
    for (int32_t i = 0; i < n; ++i) {
        int64_t x = first + i;
        tu->parent[i] = sl->parent[x] >= 0 ? (int32_t)(sl->parent[x] - first) : -1;
        tu->ss[i] = vt->policy[x] == ECH_POLICY_S_S;
        tu->floor_S[i] = vt->reserve[x] + (sl->display_min ? sl->display_min[x] : 0);
        if (sl->demand_dist[x] != ECH_DEMAND_NONE) {
            tu->leaf[tu->n_leaves] = i;
            tu->target[tu->n_leaves] =
                set->objective == ECH_TUNE_SERVICE && t->fill_target ? t->fill_target[i] : NAN;
            ++tu->n_leaves;
        }
    }
    /* The engine counts a SKU's units in 32 bits: keep its targets well inside. */
    double cap = 1e8 / (double)(n > 0 ? n : 1);
    tu->cap_S = (int32_t)(cap < ECH_MAX_UNITS ? cap : ECH_MAX_UNITS);

    tu->kpi_reps = set->reps_max < 256 ? set->reps_max : 256;
    tu->kpi = ech_xmalloc((size_t)n * ECH_KPI_COUNT * (size_t)tu->kpi_reps * sizeof *tu->kpi,
                          "tuning KPI block");
    tu->cap_cache = 8 * n + 32;
    tu->cache = ech_xcalloc((size_t)tu->cap_cache, sizeof *tu->cache, "tuning cache");
    for (int32_t c = 0; c < tu->cap_cache; ++c) {
        tu->cache[c].x = ech_xmalloc(x_bytes(tu), "tuning candidate");
        tu->cache[c].obj = ech_xmalloc((size_t)set->reps_max * sizeof(double), "tuning costs");
        tu->cache[c].demand =
            ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(double), "tuning demand");
        tu->cache[c].filled = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(double), "tuning fills");
    }
}

ech_status ech_tune_sku_search(ech_engine *e, const ech_tune_settings *set, ech_tune_sku *t,
                               ech_error *err)
{
    const ech_scenario *sc = ech_engine_scenario(e);
    if (t->sku < 0 || t->sku >= sc->cat.n || t->variant < 0 || t->variant >= sc->n_variants ||
        set->reps_start < 2 || set->reps_max < set->reps_start || !(set->z >= 0.0) ||
        !(set->value_price >= 0.0))
        return ech_fail(err, ECH_ERR_RUNTIME, "internal error: tuning settings out of range");
    tuner tu;
    tuner_init(&tu, e, set, t, err);
    int32_t n = tu.n;
    t->evaluations = 0;
    t->simulated = 0;
    t->feasible = 1;
    t->converged = 0;
    if (n == 0) {
        tuner_free(&tu);
        return ECH_OK;
    }
    int32_t *x = ech_xmalloc(x_bytes(&tu), "tuning point");
    int32_t *cand = ech_xmalloc(x_bytes(&tu), "tuning candidate point");
    int32_t *step = ech_xmalloc((size_t)n * sizeof *step, "tuning steps");
    int32_t *lot_step = ech_xmalloc((size_t)n * sizeof *lot_step, "tuning lot steps");

    /* The start, brought inside the bounds; steps of about an eighth of the level
     * (a quarter of the lot), in whole packs. */
    for (int32_t i = 0; i < n; ++i) {
        int64_t S = t->order_up_to[i], s = tu.ss[i] ? t->reorder_point[i] : S - 1;
        if (S < tu.floor_S[i])
            S = tu.floor_S[i];
        if (S > tu.cap_S)
            S = tu.cap_S;
        if (S < 1 && tu.ss[i])
            S = 1;
        if (s >= S)
            s = S - 1;
        if (s < -1)
            s = -1;
        x[i] = (int32_t)S;
        x[n + i] = (int32_t)s;
        step[i] = tu.pack * pow2_floor(S / (8 * (int64_t)tu.pack));
        lot_step[i] = tu.pack * pow2_floor((S - s) / (4 * (int64_t)tu.pack));
    }

    int32_t max_eval = set->max_evaluations > 0 ? set->max_evaluations : 100 * n + 200;
    int64_t reps = set->reps_start;
    int service = set->objective == ECH_TUNE_SERVICE;
    ech_status st = ECH_OK;
    /* Iterations are bounded too: revisiting cached candidates costs no evaluation. */
    for (int64_t iteration = 0; tu.evaluations < max_eval && iteration < 4 * (int64_t)max_eval;
         ++iteration) {
        int moved = 0;
        candidate *cur;
        if ((st = evaluate(&tu, x, reps, NULL, &cur)) != ECH_OK)
            break;
        if (service && shortfall(&tu, cur) > 0.0) {
            if ((st = repair_step(&tu, x, cand, step, reps, &moved)) != ECH_OK)
                break;
            if (moved < 0)
                break; /* cannot be met within the bounds */
            continue;
        }
        double gain;
        if ((st = improve_sweep(&tu, x, cand, step, lot_step, reps, &moved, &gain)) != ECH_OK)
            break;
        if (moved)
            continue;
        /* Nothing beats the noise: finer steps first, then more replications. */
        int finer = 0;
        for (int32_t i = 0; i < n; ++i) {
            if (step[i] > tu.pack) {
                step[i] /= 2;
                finer = 1;
            }
            if (lot_step[i] > tu.pack) {
                lot_step[i] /= 2;
                finer = 1;
            }
        }
        if (finer)
            continue;
        candidate *here;
        if ((st = evaluate(&tu, x, reps, NULL, &here)) != ECH_OK)
            break;
        double worth = set->tolerance * fabs(mean_of(here->obj, reps));
        if (reps < set->reps_max && gain > worth) {
            reps = 2 * reps < set->reps_max ? 2 * reps : set->reps_max;
            continue;
        }
        t->converged = 1;
        break;
    }

    candidate *cur = NULL;
    if (st == ECH_OK)
        st = evaluate(&tu, x, reps, NULL, &cur);
    if (st == ECH_OK) {
        memcpy(t->order_up_to, x, (size_t)n * sizeof *x);
        memcpy(t->reorder_point, x + n, (size_t)n * sizeof *x);
        t->objective = mean_of(cur->obj, reps);
        double ss = 0.0;
        for (int64_t r = 0; r < reps; ++r)
            ss += (cur->obj[r] - t->objective) * (cur->obj[r] - t->objective);
        t->objective_se = reps > 1 ? sqrt(ss / (double)(reps - 1) / (double)reps) : INFINITY;
        t->fill_rate = fill_rate(&tu, cur);
        t->feasible = !service || shortfall(&tu, cur) <= 0.0;
        t->replications = reps;
    }
    /* What one more pack at each node would change. */
    for (int32_t i = 0; st == ECH_OK && (t->marginal_objective || t->marginal_fill) && i < n; ++i) {
        move m = {.node = i, .level = tu.pack, .node2 = -1};
        double dobj = NAN, dfill = NAN;
        if (apply(&tu, x, &m, cand)) {
            candidate *c;
            if ((st = evaluate(&tu, cand, reps, cur, &c)) != ECH_OK)
                break;
            dobj = mean_of(c->obj, reps) - t->objective;
            dfill = fill_rate(&tu, c) - t->fill_rate;
        }
        if (t->marginal_objective)
            t->marginal_objective[i] = dobj;
        if (t->marginal_fill)
            t->marginal_fill[i] = dfill;
    }
    t->evaluations = tu.evaluations;
    t->simulated = tu.simulated;
    free(x);
    free(cand);
    free(step);
    free(lot_step);
    tuner_free(&tu);
    return st;
}
