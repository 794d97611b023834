/* The work plan; see include/echelon/work_plan.h. */
#include "echelon/work_plan.h"
#include "echelon/engine.h"

#include <stdlib.h>
#include <string.h>

/* A cut leaves at least this many replications of a SKU on each side, or moves to
 * the SKU's edge: splitting costs the SKU's set-up (its demand tables, about five
 * replications' worth) on one more rank and a message to its owner. */
enum { MIN_EDGE_REPS = 8 };
/* Blocks of one SKU's replications for threads are at least this long. */
enum { MIN_BLOCK_REPS = 8 };
/* Threads get about this many units' worth of work each, so the last units handed
 * out are small and threads finish together. */
enum { UNITS_PER_THREAD = 4 };

typedef __int128 pos_t;

/* Heaviest first; ties by SKU and replication, so the order is fixed. */
static int cmp_units(const void *a, const void *b)
{
    const ech_work_unit *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    if (x->sku != y->sku)
        return x->sku < y->sku ? -1 : 1;
    return (x->rep_begin > y->rep_begin) - (x->rep_begin < y->rep_begin);
}

/* The cut nearest `target` in the sequence (SKU-major, `start[k]` the position of
 * SKU k's replication 0, `cost[k]` one replication's cost), snapped to a SKU's edge
 * when it would leave fewer than MIN_EDGE_REPS replications on a side. */
static void find_cut(const pos_t *start, const int64_t *cost, int32_t n_sku, int64_t n_reps,
                     pos_t target, int32_t *sku, int64_t *rep)
{
    /* The last SKU starting at or before the target (binary search). */
    int32_t lo = 0, hi = n_sku;
    while (hi - lo > 1) {
        int32_t mid = lo + (hi - lo) / 2;
        if (start[mid] <= target)
            lo = mid;
        else
            hi = mid;
    }
    int32_t k = lo;
    int64_t r = 0;
    if (cost[k] > 0) {
        pos_t within = (target - start[k] + cost[k] / 2) / cost[k];
        r = within > n_reps ? n_reps : (int64_t)within;
    }
    int64_t edge = n_reps < 2 * MIN_EDGE_REPS ? n_reps : MIN_EDGE_REPS;
    if (r < edge)
        r = r * 2 < edge ? 0 : edge;
    if (n_reps - r < edge)
        r = (n_reps - r) * 2 <= edge ? n_reps : n_reps - edge;
    if (r >= n_reps) {
        ++k;
        r = 0;
    }
    *sku = k;
    *rep = r;
}

/* The units of a substitution group whose SKUs are all whole on this rank (one unit
 * each, not split) become one unit, its first SKU's, that simulates the group once
 * (each unit's cost is already the group's). */
static void merge_groups(ech_work_plan *plan, const ech_scenario *sc)
{
    const ech_subst_rules *r = &sc->subst;
    if (!r->enabled || r->n_groups == 0 || plan->n_units == 0)
        return;
    /* Units are in SKU order here: find a SKU's by binary search. */
    int32_t *at = ech_xmalloc((size_t)ECH_MAX_GROUP_SKUS * sizeof *at, "group units");
    for (int32_t g = 0; g < r->n_groups; ++g) {
        int32_t n = 0, whole = 1;
        int64_t nodes = 0;
        for (int32_t i = r->group_begin[g]; i < r->group_begin[g + 1] && whole; ++i) {
            int32_t k = r->member[i];
            if (sc->sl.sku_begin[k + 1] == sc->sl.sku_begin[k])
                continue; /* stocked nowhere: nothing to simulate */
            int32_t lo = 0, hi = plan->n_units;
            while (lo < hi) {
                int32_t mid = lo + (hi - lo) / 2;
                if (plan->unit[mid].sku < k)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            whole = lo < plan->n_units && plan->unit[lo].sku == k && plan->unit[lo].split < 0;
            at[n++] = lo;
            nodes += sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        }
        if (!whole || n < 2)
            continue;
        plan->unit[at[0]].group = g;
        for (int32_t m = 1; m < n; ++m) {
            plan->my_cost -= plan->unit[at[m]].cost;
            plan->unit[at[m]].cost = -1; /* removed below */
        }
        if (nodes > plan->max_nodes)
            plan->max_nodes = (int32_t)nodes;
        if (n > plan->max_group)
            plan->max_group = n;
    }
    free(at);
    int32_t kept = 0;
    for (int32_t u = 0; u < plan->n_units; ++u)
        if (plan->unit[u].cost >= 0)
            plan->unit[kept++] = plan->unit[u];
    plan->n_units = kept;
}

void ech_work_plan_make(ech_work_plan *plan, const ech_scenario *sc, int n_ranks, int rank,
                        int n_threads)
{
    memset(plan, 0, sizeof *plan);
    const int32_t n_sku = sc->cat.n;
    const int64_t n_reps = sc->replications;
    plan->n_ranks = n_ranks;
    plan->rank = rank;
    plan->n_reps = n_reps;
    if (n_threads < 1)
        n_threads = 1;

    /* Costs and the position of each SKU's first replication. */
    int64_t *cost = ech_xmalloc((size_t)(n_sku + 1) * sizeof *cost, "SKU costs");
    pos_t *start = ech_xmalloc((size_t)(n_sku + 1) * sizeof *start, "SKU positions");
    pos_t total = 0;
    for (int32_t k = 0; k < n_sku; ++k) {
        int64_t nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        cost[k] = nodes > 0 ? ech_engine_sku_cost(sc, k) : 0;
        start[k] = total;
        total += (pos_t)cost[k] * n_reps;
        plan->total_work += ech_engine_sku_work(sc, k);
    }
    cost[n_sku] = 0;
    start[n_sku] = total;
    plan->total_cost = total > INT64_MAX ? INT64_MAX : (int64_t)total;

    /* The cuts: rank r's piece starts at r / n_ranks of the total cost. */
    plan->cut_sku = ech_xmalloc(((size_t)n_ranks + 1) * sizeof *plan->cut_sku, "work cuts");
    plan->cut_rep = ech_xmalloc(((size_t)n_ranks + 1) * sizeof *plan->cut_rep, "work cuts");
    plan->first_sku = ech_xmalloc(((size_t)n_ranks + 1) * sizeof *plan->first_sku, "SKU owners");
    plan->cut_sku[0] = 0;
    plan->cut_rep[0] = 0;
    plan->cut_sku[n_ranks] = n_sku;
    plan->cut_rep[n_ranks] = 0;
    for (int r = 1; r < n_ranks; ++r) {
        int32_t k = n_sku;
        int64_t rep = 0;
        if (n_sku > 0)
            find_cut(start, cost, n_sku, n_reps, total * r / n_ranks, &k, &rep);
        /* Never before the previous cut. */
        if (k < plan->cut_sku[r - 1] || (k == plan->cut_sku[r - 1] && rep < plan->cut_rep[r - 1])) {
            k = plan->cut_sku[r - 1];
            rep = plan->cut_rep[r - 1];
        }
        plan->cut_sku[r] = k;
        plan->cut_rep[r] = rep;
    }
    /* Owners: the rank whose piece holds a SKU's replication 0. */
    for (int r = 0; r <= n_ranks; ++r)
        plan->first_sku[r] = plan->cut_rep[r] == 0 ? plan->cut_sku[r] : plan->cut_sku[r] + 1;
    for (int r = 1; r <= n_ranks; ++r)
        if (plan->first_sku[r] < plan->first_sku[r - 1])
            plan->first_sku[r] = plan->first_sku[r - 1];
    plan->first_sku[n_ranks] = n_sku;
    for (int r = 1; r < n_ranks; ++r)
        plan->n_cross_rank += plan->cut_rep[r] > 0;

    /* This rank's segments, cut into blocks for threads where heavy. */
    pos_t mine = 0;
    int32_t k0 = plan->cut_sku[rank], k1 = plan->cut_sku[rank + 1];
    for (int32_t k = k0; k <= k1 && k < n_sku; ++k) {
        int64_t b, e;
        ech_work_plan_reps_on(plan, rank, k, &b, &e);
        mine += (pos_t)cost[k] * (e - b);
    }
    plan->my_cost = mine > INT64_MAX ? INT64_MAX : (int64_t)mine;
    pos_t per_unit = mine / ((pos_t)n_threads * UNITS_PER_THREAD);

    int32_t cap = 0;
    for (int32_t k = k0; k <= k1 && k < n_sku; ++k) {
        int64_t b, e;
        ech_work_plan_reps_on(plan, rank, k, &b, &e);
        int64_t nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        if (e <= b || nodes == 0)
            continue;
        if (nodes > plan->max_nodes)
            plan->max_nodes = (int32_t)nodes;
        int cross = b > 0 || e < n_reps;
        int64_t block = e - b;
        if (n_threads > 1 && cost[k] > 0 && (pos_t)cost[k] * (e - b) > 2 * per_unit) {
            pos_t want = (per_unit + cost[k] - 1) / cost[k];
            block = want < MIN_BLOCK_REPS ? MIN_BLOCK_REPS : (int64_t)want;
            if (block > e - b)
                block = e - b;
        }
        int32_t n_blocks = (int32_t)((e - b + block - 1) / block);
        int32_t split = -1;
        if (cross || n_blocks > 1) {
            plan->split = ech_xrealloc(
                plan->split, ((size_t)plan->n_split + 1) * sizeof *plan->split, "split SKUs");
            split = plan->n_split++;
            plan->split[split] =
                (ech_split_sku){k, ech_work_plan_rank_of(plan, k, 0), n_blocks, cross};
        }
        for (int64_t rb = b; rb < e; rb += block) {
            int64_t re = rb + block < e ? rb + block : e;
            if (plan->n_units == cap) {
                cap = cap ? 2 * cap : 256;
                plan->unit =
                    ech_xrealloc(plan->unit, (size_t)cap * sizeof *plan->unit, "work units");
            }
            plan->unit[plan->n_units++] =
                (ech_work_unit){k, rb, re, cost[k] * (re - rb), split, -1};
        }
    }
    merge_groups(plan, sc);
    if (plan->n_units > 1)
        qsort(plan->unit, (size_t)plan->n_units, sizeof *plan->unit, cmp_units);
    free(cost);
    free(start);
}

void ech_work_plan_free(ech_work_plan *plan)
{
    if (!plan)
        return;
    free(plan->cut_sku);
    free(plan->cut_rep);
    free(plan->first_sku);
    free(plan->unit);
    free(plan->split);
    memset(plan, 0, sizeof *plan);
}

/* Whether pair (k, r) comes before pair (k2, r2). */
static int before(int32_t k, int64_t r, int32_t k2, int64_t r2)
{
    return k < k2 || (k == k2 && r < r2);
}

int ech_work_plan_rank_of(const ech_work_plan *plan, int32_t sku, int64_t rep)
{
    /* The last rank whose piece starts at or before (sku, rep). */
    int lo = 0, hi = plan->n_ranks;
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (before(sku, rep, plan->cut_sku[mid], plan->cut_rep[mid]))
            hi = mid;
        else
            lo = mid;
    }
    return lo;
}

void ech_work_plan_reps_on(const ech_work_plan *plan, int r, int32_t sku, int64_t *begin,
                           int64_t *end)
{
    int32_t ks = plan->cut_sku[r], ke = plan->cut_sku[r + 1];
    int64_t b = sku > ks ? 0 : sku == ks ? plan->cut_rep[r] : plan->n_reps;
    int64_t e = sku < ke ? plan->n_reps : sku == ke ? plan->cut_rep[r + 1] : 0;
    if (e < b)
        e = b;
    *begin = b;
    *end = e;
}

void ech_work_plan_sku_block(const ech_scenario *sc, int n_ranks, int rank, int32_t *first,
                             int32_t *last)
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
