/* Target tuning of one SKU by simulation on common random numbers; see
 * include/echelon/tune.h for the method and its guarantees. */
#include "echelon/tune.h"

#include "echelon/cold_chain.h"
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
        .tolerance = 5e-3,
        .analytic_start = 1,
    };
}

/* A candidate's results on replications [0, reps) of the search's stream set. */
typedef struct candidate {
    int32_t *x;         /* S of the nodes, then s of the nodes */
    int64_t reps;       /* evaluated so far */
    int64_t cap_reps;   /* room in obj and node_obj */
    double *obj;        /* objective per day, per replication */
    double *node_obj;   /* [block node][replication]: a block node's own part of it */
    double *demand;     /* per demand point: units demanded, summed over replications */
    double *filled;     /* ... and met from stock on the day */
    double value;       /* mean inventory value, summed over replications */
    double *node_value; /* ... per node */
    uint64_t used;      /* when last asked for (for eviction) */
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
    int32_t *leaf;       /* node of demand point j */
    int32_t *leaf_of;    /* demand point of node i (-1: none) */
    double *target;      /* fill-rate target of demand point j (NaN: none) */
    int32_t n_block;     /* nodes moved together, each judged by its own KPIs */
    int32_t *block;      /* node of block member b */
    int32_t *block_of;   /* block member of node i (-1: moved alone) */
    int32_t *momentum;   /* [b][kind]: multiple of the step of b's next move */
    double *cold_price;  /* per node: the cold-room price of a unit held there (NULL: none) */
    double *value_price; /* per node: the price of inventory value held there */
    double *kpi;         /* evaluation scratch: [node][kpi][rep] for a block */
    int64_t kpi_reps;    /* the block's capacity */
    candidate *cache;
    int32_t n_cache, cap_cache;
    uint64_t clock;
    int32_t evaluations;
    int64_t simulated;
    /* Express modes: the expedite level of each node whose inbound lane has one
     * (xp[i]) is searched too (x[2n + i]; -1: never), by steps of its own. */
    int expedite;
    uint8_t *xp;
    int32_t *expedite_step;
} tuner;

/* Demand points with no children move as a block when there are more than this
 * many: one evaluation then moves them all, each judged by its own costs and fill
 * rate (they interact only through their parent's stock), instead of one each.
 * Small trees keep the exact one-at-a-time moves. */
#define BLOCK_MIN 4

/* Kinds of a block member's move: level up, level down, lot up, lot down. */
#define BLOCK_KINDS 4

/* ------------------------------------------------------------------------------
 * Evaluating candidates
 * ------------------------------------------------------------------------------ */

/* A point: S of the nodes, s of the nodes, and with expediting each node's expedite
 * level. */
static size_t x_bytes(const tuner *tu)
{
    return (2 * (size_t)tu->n + (tu->expedite ? (size_t)tu->n : 0)) * sizeof(int32_t);
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
    c->value = 0.0;
    memset(c->node_value, 0, (size_t)tu->n * sizeof *c->node_value);
    memset(c->demand, 0, (size_t)tu->n_leaves * sizeof *c->demand);
    memset(c->filled, 0, (size_t)tu->n_leaves * sizeof *c->filled);
    return c;
}

#define KPI_AT(tu, i, k, r) ((tu)->kpi[((int64_t)(i)*ECH_KPI_COUNT + (k)) * (tu)->kpi_reps + (r)])

/* Room for `reps` replications in c. */
static void grow(tuner *tu, candidate *c, int64_t reps)
{
    if (reps <= c->cap_reps)
        return;
    int64_t cap = c->cap_reps > 0 ? c->cap_reps : 16;
    while (cap < reps)
        cap *= 2;
    c->obj = ech_xrealloc(c->obj, (size_t)cap * sizeof *c->obj, "tuning costs");
    if (tu->n_block > 0) {
        double *node =
            ech_xmalloc((size_t)tu->n_block * (size_t)cap * sizeof *node, "tuning node costs");
        for (int32_t b = 0; b < tu->n_block && c->reps > 0; ++b)
            memcpy(node + (size_t)b * (size_t)cap, c->node_obj + (size_t)b * (size_t)c->cap_reps,
                   (size_t)c->reps * sizeof *node);
        free(c->node_obj);
        c->node_obj = node;
    }
    c->cap_reps = cap;
}

/* Simulates replications [c->reps, reps) of candidate c and appends them. */
static ech_status extend(tuner *tu, candidate *c, int64_t reps)
{
    const ech_tune_settings *set = tu->set;
    int service = set->objective == ECH_TUNE_SERVICE;
    grow(tu, c, reps);
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
            .expedite_level = tu->expedite ? c->x + 2 * tu->n : NULL,
        };
        ech_eval_out out = {.kpi = tu->kpi, .rep_stride = tu->kpi_reps, .totals = NULL};
        ech_status st = ech_engine_evaluate(tu->e, &req, &out, tu->err);
        if (st != ECH_OK)
            return st;
        for (int64_t r = 0; r < end - begin; ++r) {
            double total = 0.0;
            for (int32_t i = 0; i < tu->n; ++i) {
                double cost = KPI_AT(tu, i, ECH_KPI_TOTAL_COST, r);
                if (service)
                    cost -= KPI_AT(tu, i, ECH_KPI_SHORTAGE_COST, r);
                double value = KPI_AT(tu, i, ECH_KPI_MEAN_ON_HAND_VALUE, r);
                c->value += value;
                c->node_value[i] += value;
                double own = cost / tu->days + tu->value_price[i] * value;
                if (tu->cold_price)
                    own += tu->cold_price[i] * KPI_AT(tu, i, ECH_KPI_MEAN_ON_HAND, r);
                total += own;
                int32_t b = tu->block_of[i];
                if (b >= 0)
                    c->node_obj[(size_t)b * (size_t)c->cap_reps + (size_t)(begin + r)] = own;
            }
            c->obj[begin + r] = total;
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
static void paired_values(const double *a, const double *b, int64_t n, double *mean, double *se)
{
    double s = 0.0;
    for (int64_t r = 0; r < n; ++r)
        s += a[r] - b[r];
    double m = s / (double)n, ss = 0.0;
    for (int64_t r = 0; r < n; ++r) {
        double d = a[r] - b[r] - m;
        ss += d * d;
    }
    *mean = m;
    *se = n > 1 ? sqrt(ss / (double)(n - 1) / (double)n) : INFINITY;
}

static void paired(const candidate *a, const candidate *b, int64_t n, double *mean, double *se)
{
    paired_values(a->obj, b->obj, n, mean, se);
}

/* The same for block member m's own objective. */
static void paired_node(const candidate *a, const candidate *b, int32_t m, int64_t n, double *mean,
                        double *se)
{
    paired_values(a->node_obj + (size_t)m * (size_t)a->cap_reps,
                  b->node_obj + (size_t)m * (size_t)b->cap_reps, n, mean, se);
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
    int32_t expedite;      /* the expedite level of node xnode changes by this */
    int32_t xnode;
} move;

/* x with the move applied, in `out`; 0 when that leaves the bounds. */
static int apply(const tuner *tu, const int32_t *x, const move *m, int32_t *out)
{
    memcpy(out, x, x_bytes(tu));
    int32_t n = tu->n;
    if (m->expedite) {
        int32_t *level = &out[2 * n + m->xnode];
        int64_t e = (int64_t)*level + m->expedite;
        if (e < -1 || e > tu->cap_S || (*level == -1 && m->expedite < 0))
            return 0;
        *level = (int32_t)e;
    }
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

/* x with the level of every demand point short of its target in c a step up, in
 * `out`; returns how many were raised. */
static int raise_short(const tuner *tu, const candidate *c, const int32_t *x, const int32_t *step,
                       int32_t *out)
{
    memcpy(out, x, x_bytes(tu));
    int raised = 0;
    for (int32_t j = 0; j < tu->n_leaves; ++j) {
        if (isnan(tu->target[j]) || c->demand[j] <= 0.0 ||
            c->filled[j] / c->demand[j] >= tu->target[j])
            continue;
        int32_t i = tu->leaf[j];
        move m = {.node = i, .level = step[i], .node2 = -1};
        raised += apply(tu, out, &m, out);
    }
    return raised;
}

/* Closing the fill-rate shortfall: the short demand points' levels a step up, or
 * else of the level steps up at each node, the one with the most shortfall closed
 * per cost added.  Returns 1 with x moved, 0 when no step
 * closes any (the steps then double), -1 when none can. */
static ech_status repair_step(tuner *tu, int32_t *x, int32_t *cand, int32_t *step, int64_t reps,
                              int *moved)
{
    candidate *cur;
    ech_status st = evaluate(tu, x, reps, NULL, &cur);
    if (st != ECH_OK)
        return st;
    double gap = shortfall(tu, cur), cost = mean_of(cur->obj, reps);
    /* First every short demand point up a step at once: one evaluation, and the
     * right move whenever the shortfall is local. */
    if (raise_short(tu, cur, x, step, cand)) {
        candidate *c;
        if ((st = evaluate(tu, cand, reps, cur, &c)) != ECH_OK)
            return st;
        if (shortfall(tu, c) < gap - 1e-12) {
            memcpy(x, cand, x_bytes(tu));
            *moved = 1;
            return ECH_OK;
        }
    }
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

/* Candidate x2 (evaluated as *c, x2 in `x`) with the demand points below node
 * `top` a step lower where their fill rate stays on target: all lowered in one
 * evaluation, those that fall short put back, the rest evaluated again as *c. */
static ech_status lower_below(tuner *tu, int32_t top, int32_t *x, const int32_t *step, int64_t reps,
                              const candidate *keep, candidate **c)
{
    size_t bytes = x_bytes(tu);
    int32_t *low = ech_xmalloc(bytes, "tuning lowered candidate");
    memcpy(low, x, bytes);
    int lowered = 0;
    for (int32_t j = 0; j < tu->n_leaves; ++j) {
        int32_t i = tu->leaf[j], a = tu->parent[i];
        while (a >= 0 && a != top)
            a = tu->parent[a];
        move m = {.node = i, .level = -step[i], .node2 = -1};
        if (a == top && !isnan(tu->target[j]))
            lowered += apply(tu, low, &m, low);
    }
    ech_status st = ECH_OK;
    candidate *l;
    if (lowered && (st = evaluate(tu, low, reps, keep, &l)) == ECH_OK) {
        int kept = 0;
        for (int32_t j = 0; j < tu->n_leaves; ++j) {
            int32_t i = tu->leaf[j];
            if (low[i] == x[i])
                continue;
            if (l->demand[j] > 0.0 && l->filled[j] / l->demand[j] < tu->target[j]) {
                low[i] = x[i];
                low[tu->n + i] = x[tu->n + i];
            } else {
                ++kept;
            }
        }
        if (kept && (st = evaluate(tu, low, reps, keep, &l)) == ECH_OK && shortfall(tu, l) <= 0.0) {
            memcpy(x, low, bytes);
            *c = l;
        }
    }
    free(low);
    return st;
}

/* One sweep over the moves around x at these steps: level up and down at each node,
 * the lot of (s,S) nodes, and at the finest steps stock moved between a node and
 * its parent; block members move in block_moves.  A move that beats the noise is
 * taken at once and repeated, doubled, while it keeps doing so (a line search along
 * it).  *moved counts the moves taken; *best_gain is the largest gain among the
 * moves not taken that exceeds its standard error (-inf: none), the case for more
 * replications. */
static ech_status improve_sweep(tuner *tu, int32_t *x, int32_t *cand, const int32_t *step,
                                const int32_t *lot_step, const int32_t *finest, int64_t reps,
                                int *moved, double *best_gain_out)
{
    int service = tu->set->objective == ECH_TUNE_SERVICE;
    double best_gain = -INFINITY;
    int32_t n = tu->n;
    ech_status st = ECH_OK;
    *moved = 0;
    int32_t n_kinds = 6 * n + (tu->expedite ? 4 * n : 0);
    for (int32_t k = 0; k < n_kinds; ++k) {
        int32_t i = k < 6 * n ? k / 6 : (k - 6 * n) / 4;
        int32_t kind = k < 6 * n ? k % 6 : 6 + (k - 6 * n) % 4;
        if (kind < 6 && tu->block_of[i] >= 0)
            continue; /* moved in blocks */
        if (kind >= 6 && !tu->xp[i])
            continue;
        move m = {.node = i, .node2 = -1, .xnode = i};
        int32_t xstep = kind >= 6 ? tu->expedite_step[i] : 0;
        int32_t level = kind >= 6 ? x[2 * n + i] : -1;
        switch (kind) {
        case 6:
        case 7:
            /* The expedite level alone (the first step up from "never" starts it at
             * -1 + step). */
            m.node = -1;
            m.expedite = kind == 6 ? xstep : -xstep;
            if (kind == 6 && level < 0)
                m.expedite = xstep + 1;
            if (kind == 7 && level >= 0 && level < xstep)
                m.expedite = -level - 1; /* back to never */
            break;
        case 8:
        case 9:
            /* Expediting in place of stock at the warehouse, and the reverse: the
             * level up and S down together (or down and up), which the service
             * objective needs to see the trade. */
            m.level = kind == 8 ? -step[i] : step[i];
            m.expedite = kind == 8 ? xstep : -xstep;
            if (kind == 8 && level < 0)
                m.expedite = xstep + 1;
            break;
        case 0:
            /* For the service objective more stock at a demand point only costs
             * (repairs add it); upstream it may let the demand points below hold
             * less (lower_below). */
            if (service && tu->leaf_of[i] >= 0)
                continue;
            m.level = step[i];
            break;
        case 1: m.level = -step[i]; break;
        case 2:
        case 3:
            if (!tu->ss[i] || tu->set->keep_lots)
                continue;
            m.lot = kind == 2 ? lot_step[i] : -lot_step[i];
            break;
        default: {
            /* Stock between a node and its parent: a fine adjustment, once the
             * levels themselves have settled. */
            int32_t p = tu->parent[i];
            if (p < 0 || step[i] > finest[i] || step[p] > finest[p])
                continue;
            if (service)
                continue; /* the moves with repairs and lowerings do this */
            int32_t d = step[i] < step[p] ? step[i] : step[p];
            m.level = kind == 4 ? d : -d;
            m.node2 = p;
            m.level2 = -m.level;
            break;
        }
        }
        /* Each success doubles the move (a start far from the optimum costs a few
         * evaluations, not one a step); a failure beyond the base move retries it. */
        move base = m;
        for (;;) {
            if (!apply(tu, x, &m, cand)) {
                if (m.level == base.level && m.lot == base.lot && m.expedite == base.expedite)
                    break;
                m = base;
                continue;
            }
            candidate *cur, *c;
            if ((st = evaluate(tu, x, reps, NULL, &cur)) != ECH_OK ||
                (st = evaluate(tu, cand, reps, cur, &c)) != ECH_OK)
                return st;
            /* Upstream stock taken away can leave demand points short: the move
             * is then judged with their levels raised to make up for it (at most
             * twice), which is how stock moves down the tree. */
            for (int fix = 0; service && fix < 2 && shortfall(tu, c) > 0.0; ++fix) {
                if (!raise_short(tu, c, cand, step, cand))
                    break;
                if ((st = evaluate(tu, cand, reps, cur, &c)) != ECH_OK)
                    return st;
            }
            /* ... and stock added upstream is judged with the demand points below
             * that can then do with less a step lower. */
            if (service && m.level > 0 && m.node2 < 0 && tu->leaf_of[i] < 0 &&
                shortfall(tu, c) <= 0.0) {
                if ((st = lower_below(tu, i, cand, step, reps, cur, &c)) != ECH_OK)
                    return st;
            }
            int ok = !(service && shortfall(tu, c) > 0.0);
            double gain = 0.0, se = 0.0;
            if (ok) {
                paired(cur, c, reps, &gain, &se);
                ok = gain > 0.0 && gain > tu->set->z * se;
            }
            if (ok) {
                memcpy(x, cand, x_bytes(tu));
                ++*moved;
                m.level *= 2;
                m.level2 *= 2;
                m.lot *= 2;
                m.expedite *= 2;
                continue;
            }
            if (m.level != base.level || m.lot != base.lot || m.expedite != base.expedite) {
                m = base;
                continue;
            }
            /* Worth more replications: a gain that matters and that more of them
             * could show (above one standard error). */
            if (gain > se && gain > best_gain)
                best_gain = gain;
            break;
        }
    }
    *best_gain_out = best_gain;
    return ECH_OK;
}

/* Block moves: every block member's level (or lot) up, or down, in one candidate;
 * each member whose own cost improves beyond the noise, with its own fill rate on
 * target, keeps its move, and the members kept are taken together when the whole
 * SKU gains.  A member's step grows while its moves keep being taken. */
static ech_status block_moves(tuner *tu, int32_t *x, int32_t *cand, const int32_t *step,
                              const int32_t *lot_step, int64_t reps, int *moved, double *best_gain)
{
    int service = tu->set->objective == ECH_TUNE_SERVICE;
    size_t bytes = x_bytes(tu);
    int32_t *trial = ech_xmalloc(bytes, "tuning block candidate");
    uint8_t *tried = ech_xmalloc((size_t)tu->n_block, "tuning block members");
    ech_status st = ECH_OK;
    for (int kind = 0; kind < BLOCK_KINDS && st == ECH_OK; ++kind) {
        memcpy(trial, x, bytes);
        int any = 0;
        for (int32_t b = 0; b < tu->n_block; ++b) {
            int32_t i = tu->block[b];
            int32_t mult = tu->momentum[b * BLOCK_KINDS + kind];
            move m = {.node = i, .node2 = -1};
            if (kind < 2)
                m.level = (kind == 0 ? 1 : -1) * step[i] * mult;
            else if (tu->ss[i] && !tu->set->keep_lots)
                m.lot = (kind == 2 ? 1 : -1) * lot_step[i] * mult;
            tried[b] = (m.level != 0 || m.lot != 0) && apply(tu, trial, &m, trial);
            any |= tried[b];
        }
        if (!any)
            continue;
        candidate *cur, *c;
        if ((st = evaluate(tu, x, reps, NULL, &cur)) != ECH_OK ||
            (st = evaluate(tu, trial, reps, cur, &c)) != ECH_OK)
            break;
        /* Members that gain: their moves, on x. */
        memcpy(cand, x, bytes);
        int kept = 0;
        for (int32_t b = 0; b < tu->n_block; ++b) {
            if (!tried[b])
                continue;
            int32_t i = tu->block[b], j = tu->leaf_of[i];
            int32_t *mult = &tu->momentum[b * BLOCK_KINDS + kind];
            int on_target = !service || isnan(tu->target[j]) || c->demand[j] <= 0.0 ||
                            c->filled[j] / c->demand[j] >= tu->target[j];
            double gain, se;
            paired_node(cur, c, b, reps, &gain, &se);
            if (on_target && gain > 0.0 && gain > tu->set->z * se) {
                cand[i] = trial[i];
                cand[tu->n + i] = trial[tu->n + i];
                ++kept;
                if (*mult < 64)
                    *mult *= 2;
            } else {
                *mult = 1;
                if (on_target && gain > se && gain > *best_gain)
                    *best_gain = gain;
            }
        }
        if (!kept)
            continue;
        candidate *k;
        if ((st = evaluate(tu, cand, reps, cur, &k)) != ECH_OK)
            break;
        double gain, se;
        paired(cur, k, reps, &gain, &se);
        if (gain > 0.0 && !(service && shortfall(tu, k) > shortfall(tu, cur))) {
            memcpy(x, cand, bytes);
            *moved += kept;
        }
    }
    free(trial);
    free(tried);
    return st;
}

static int32_t pow2_floor(int64_t v);

static void tuner_free(tuner *tu)
{
    for (int32_t c = 0; c < tu->cap_cache; ++c) {
        free(tu->cache[c].x);
        free(tu->cache[c].obj);
        free(tu->cache[c].node_obj);
        free(tu->cache[c].demand);
        free(tu->cache[c].filled);
        free(tu->cache[c].node_value);
    }
    free(tu->cache);
    free(tu->kpi);
    free(tu->parent);
    free(tu->ss);
    free(tu->floor_S);
    free(tu->leaf);
    free(tu->leaf_of);
    free(tu->target);
    free(tu->block);
    free(tu->block_of);
    free(tu->momentum);
    free(tu->cold_price);
    free(tu->value_price);
    free(tu->xp);
    free(tu->expedite_step);
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
    tu->leaf_of = ech_xmalloc((size_t)n * sizeof *tu->leaf_of, "tuning demand points");
    tu->target = ech_xmalloc((size_t)n * sizeof *tu->target, "tuning targets");
    tu->block = ech_xmalloc((size_t)n * sizeof *tu->block, "tuning blocks");
    tu->block_of = ech_xmalloc((size_t)n * sizeof *tu->block_of, "tuning blocks");
    uint8_t *has_child = ech_xcalloc((size_t)n, 1, "tuning children");
    for (int32_t i = 0; i < n; ++i) {
        int64_t p = sl->parent[first + i];
        if (p >= 0)
            has_child[p - first] = 1;
    }
    for (int32_t i = 0; i < n; ++i) {
        tu->leaf_of[i] = tu->block_of[i] = -1;
        int64_t x = first + i;
        tu->parent[i] = sl->parent[x] >= 0 ? (int32_t)(sl->parent[x] - first) : -1;
        tu->ss[i] = vt->policy[x] == ECH_POLICY_S_S;
        tu->floor_S[i] = vt->reserve[x] + (sl->display_min ? sl->display_min[x] : 0);
        if (sl->demand_dist[x] != ECH_DEMAND_NONE) {
            if (!has_child[i])
                tu->block[tu->n_block++] = i;
            tu->leaf_of[i] = tu->n_leaves;
            tu->leaf[tu->n_leaves] = i;
            tu->target[tu->n_leaves] =
                set->objective == ECH_TUNE_SERVICE && t->fill_target ? t->fill_target[i] : NAN;
            ++tu->n_leaves;
        }
    }
    free(has_child);
    tu->value_price =
        ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *tu->value_price, "value prices");
    for (int32_t i = 0; i < n; ++i)
        tu->value_price[i] =
            set->value_price +
            (set->location_price ? set->location_price[sl->location[first + i]] : 0.0);
    /* A cold-chain SKU's units take room where a cold room is priced. */
    double litres = (double)ech_cold_unit_ml(sc, t->sku) / 1000.0;
    if (set->cold_price && litres > 0.0) {
        tu->cold_price =
            ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *tu->cold_price, "cold-room prices");
        for (int32_t i = 0; i < n; ++i)
            tu->cold_price[i] = set->cold_price[sl->location[first + i]] * litres;
    }
    if (tu->n_block <= BLOCK_MIN)
        tu->n_block = 0;
    for (int32_t b = 0; b < tu->n_block; ++b)
        tu->block_of[tu->block[b]] = b;
    tu->momentum = ech_xmalloc((size_t)(tu->n_block > 0 ? tu->n_block : 1) * BLOCK_KINDS *
                                   sizeof *tu->momentum,
                               "tuning momentum");
    for (int32_t k = 0; k < tu->n_block * BLOCK_KINDS; ++k)
        tu->momentum[k] = 1;
    /* The engine counts a SKU's units in 32 bits: keep its targets well inside. */
    double cap = 1e8 / (double)(n > 0 ? n : 1);
    tu->cap_S = (int32_t)(cap < ECH_MAX_UNITS ? cap : ECH_MAX_UNITS);

    /* Express modes (the supplier's into the warehouse, a lane's into its
     * location): the node's expedite level is searched, in steps from about a
     * quarter of its demand over the express lead time and a review down to a pack. */
    int32_t sup = sc->cat.supplier[t->sku];
    tu->xp = ech_xcalloc((size_t)(n > 0 ? n : 1), 1, "tuning express modes");
    tu->expedite_step =
        ech_xcalloc((size_t)(n > 0 ? n : 1), sizeof *tu->expedite_step, "tuning expedite steps");
    for (int32_t i = 0; t->expedite_level && i < n; ++i) {
        int32_t days =
            i == 0 ? (sc->suppliers.express && sup >= 0 ? sc->suppliers.express[sup].lead_time_days
                                                        : -1)
                   : sc->net.express_lead_time_days[sl->location[first + i]];
        if (days < 0)
            continue;
        tu->xp[i] = 1;
        tu->expedite = 1;
        double cover =
            sl->expected_outflow[first + i] * (double)(days + vt->review_days[first + i]);
        int64_t coarse = (int64_t)(cover / 4.0) / tu->pack;
        tu->expedite_step[i] = tu->pack * pow2_floor(coarse > 1 ? coarse : 1);
    }

    tu->kpi_reps = set->reps_max < 256 ? set->reps_max : 256;
    tu->kpi = ech_xmalloc((size_t)n * ECH_KPI_COUNT * (size_t)tu->kpi_reps * sizeof *tu->kpi,
                          "tuning KPI block");
    /* Candidates kept: a sweep's worth of single moves, and the block moves. */
    tu->cap_cache = 8 * (n - tu->n_block) + 32;
    tu->cache = ech_xcalloc((size_t)tu->cap_cache, sizeof *tu->cache, "tuning cache");
    for (int32_t c = 0; c < tu->cap_cache; ++c) {
        tu->cache[c].x = ech_xmalloc(x_bytes(tu), "tuning candidate");
        tu->cache[c].demand =
            ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(double), "tuning demand");
        tu->cache[c].filled = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(double), "tuning fills");
        tu->cache[c].node_value =
            ech_xcalloc((size_t)(n > 0 ? n : 1), sizeof(double), "tuning node values");
    }
}

/* Targets (S, s) brought inside the search's bounds, into x. */
static void start_inside(const tuner *tu, const int32_t *S_in, const int32_t *s_in, int32_t *x)
{
    int32_t n = tu->n;
    for (int32_t i = 0; i < n; ++i) {
        int64_t S = S_in[i], s = tu->ss[i] ? s_in[i] : S - 1;
        if (S < tu->floor_S[i])
            S = tu->floor_S[i];
        if (S > tu->cap_S)
            S = tu->cap_S;
        if (S < 1 && tu->ss[i])
            S = 1;
        if (s >= S)
            s = S - 1;
        if (s < -1)
            s = -1;
        x[i] = (int32_t)S;
        x[n + i] = (int32_t)s;
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

    /* The start: the given targets, or the analytic ones where they simulate better
     * (feasible first, then cheaper). */
    int32_t *finest = ech_xmalloc((size_t)n * sizeof *finest, "tuning finest steps");
    double *scale = ech_xmalloc((size_t)n * sizeof *scale, "tuning scales");
    ech_status st = ECH_OK;
    int analytic = 0;
    start_inside(&tu, t->order_up_to, t->reorder_point, x);
    for (int32_t i = 0; tu.expedite && i < n; ++i) {
        int32_t e = tu.xp[i] ? t->expedite_level[i] : -1;
        x[2 * n + i] = e < -1 ? -1 : (e > tu.cap_S ? tu.cap_S : e);
    }
    ech_tune_start(sc, t->variant, t->sku, set->objective, t->fill_target, cand, cand + n, scale);
    if (set->analytic_start) {
        start_inside(&tu, cand, cand + n, cand);
        if (tu.expedite) /* the analytic start knows no expediting */
            memcpy(cand + 2 * n, x + 2 * n, (size_t)n * sizeof *x);
        candidate *given, *other;
        if ((st = evaluate(&tu, x, set->reps_start, NULL, &given)) == ECH_OK &&
            (st = evaluate(&tu, cand, set->reps_start, given, &other)) == ECH_OK) {
            double gap_given = shortfall(&tu, given), gap_other = shortfall(&tu, other);
            analytic = gap_other < gap_given ||
                       (gap_other == gap_given && mean_of(other->obj, set->reps_start) <
                                                      mean_of(given->obj, set->reps_start));
            if (analytic)
                memcpy(x, cand, x_bytes(&tu));
        }
    }
    /* Steps in whole packs: the finest a pack, or for fast movers about a
     * sixteenth of the demand's spread over the protection interval (finer moves
     * change the cost by less than the noise); the first four times that from the
     * analytic or a warm start, else about an eighth of the level (a quarter of the
     * lot). */
    for (int32_t i = 0; i < n; ++i) {
        int64_t S = x[i], s = x[n + i];
        int64_t fine = (int64_t)(scale[i] / 16.0) / tu.pack;
        finest[i] = tu.pack * pow2_floor(fine > 1 ? fine : 1);
        int64_t coarse = tu.pack * (int64_t)pow2_floor(S / (8 * (int64_t)tu.pack));
        if ((analytic || set->warm) && coarse > 4 * (int64_t)finest[i])
            coarse = 4 * (int64_t)finest[i];
        step[i] = coarse > finest[i] ? (int32_t)coarse : finest[i];
        lot_step[i] = tu.pack * pow2_floor((S - s) / (4 * (int64_t)tu.pack));
    }
    free(scale);

    int32_t max_eval = set->max_evaluations > 0 ? set->max_evaluations : 100 * n + 200;
    int64_t reps = set->reps_start;
    int service = set->objective == ECH_TUNE_SERVICE;
    /* Iterations are bounded too: revisiting cached candidates costs no evaluation. */
    for (int64_t iteration = 0;
         st == ECH_OK && tu.evaluations < max_eval && iteration < 4 * (int64_t)max_eval;
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
        double gain = -INFINITY, gain_single;
        if (tu.n_block > 0 &&
            (st = block_moves(&tu, x, cand, step, lot_step, reps, &moved, &gain)) != ECH_OK)
            break;
        int moved_single = 0;
        if ((st = improve_sweep(&tu, x, cand, step, lot_step, finest, reps, &moved_single,
                                &gain_single)) != ECH_OK)
            break;
        moved += moved_single;
        if (gain_single > gain)
            gain = gain_single;
        if (moved)
            continue;
        /* Nothing beats the noise: finer steps first, then more replications. */
        int finer = 0;
        for (int32_t i = 0; i < n; ++i) {
            if (step[i] > finest[i]) {
                step[i] /= 2;
                finer = 1;
            }
            if (lot_step[i] > tu.pack) {
                lot_step[i] /= 2;
                finer = 1;
            }
        }
        for (int32_t i = 0; tu.expedite && i < n; ++i)
            if (tu.expedite_step[i] > tu.pack) {
                tu.expedite_step[i] /= 2;
                finer = 1;
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
        for (int32_t i = 0; tu.expedite && i < n; ++i)
            if (tu.xp[i])
                t->expedite_level[i] = x[2 * n + i];
        t->objective = mean_of(cur->obj, reps);
        double ss = 0.0;
        for (int64_t r = 0; r < reps; ++r)
            ss += (cur->obj[r] - t->objective) * (cur->obj[r] - t->objective);
        t->objective_se = reps > 1 ? sqrt(ss / (double)(reps - 1) / (double)reps) : INFINITY;
        t->fill_rate = fill_rate(&tu, cur);
        t->value = cur->value / (double)reps;
        for (int32_t i = 0; t->node_value && i < n; ++i)
            t->node_value[i] = cur->node_value[i] / (double)reps;
        t->feasible = !service || shortfall(&tu, cur) <= 0.0;
        t->replications = reps;
    }
    /* What one more pack at each node would change. */
    for (int32_t i = 0;
         st == ECH_OK && (t->marginal_objective || t->marginal_fill || t->marginal_value) && i < n;
         ++i) {
        move m = {.node = i, .level = tu.pack, .node2 = -1};
        double dobj = NAN, dfill = NAN, dvalue = NAN;
        if (apply(&tu, x, &m, cand)) {
            candidate *c;
            if ((st = evaluate(&tu, cand, reps, cur, &c)) != ECH_OK)
                break;
            dobj = mean_of(c->obj, reps) - t->objective;
            dfill = fill_rate(&tu, c) - t->fill_rate;
            dvalue = c->value / (double)reps - t->value;
        }
        if (t->marginal_objective)
            t->marginal_objective[i] = dobj;
        if (t->marginal_fill)
            t->marginal_fill[i] = dfill;
        if (t->marginal_value)
            t->marginal_value[i] = dvalue;
    }
    t->evaluations = tu.evaluations;
    t->simulated = tu.simulated;
    free(x);
    free(cand);
    free(step);
    free(lot_step);
    free(finest);
    tuner_free(&tu);
    return st;
}
