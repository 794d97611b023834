/* Substitution groups: the SKUs of a group simulated together, day by day, so that
 * a share of one SKU's unmet demand at a pharmacy can buy another SKU of the group
 * in stock there; see docs/MODEL.md ("Substitution among generics").
 *
 * Each member of the group has its own engine (plan, state, arena), which borrows
 * the calendar and lead-time tables of the engine that owns the group.  A day runs
 * steps 1-4 for every member, then each member's own demand (step 5, own stock
 * only), then the substitutions in catalogue order of the member whose customers
 * were not served, then step 6 for every member.  Every member keeps the streams it
 * has when simulated alone, plus one substitution stream per demand point, so the
 * group's results depend on the group alone, never on the rank, thread or which
 * member's results an evaluation records.
 */
#include "engine_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ech_group_sim {
    int32_t group; /* the group the members and maps are set up for; -1: none */
    int32_t n;     /* its SKUs stocked somewhere */
    int32_t sku[ECH_MAX_GROUP_SKUS];
    double share[ECH_MAX_GROUP_SKUS];  /* of each member's unmet demand */
    int32_t order[ECH_MAX_GROUP_SKUS]; /* members in the order they are offered */
    ech_engine *member[ECH_MAX_GROUP_SKUS];
    /* node[m][j * n + q]: member q's node at member m's demand point j, or -1 where
     * the location does not stock q. */
    int32_t *node[ECH_MAX_GROUP_SKUS];
} ech_group_sim;

/* An engine for one member: its own plan, state and scratch; the parent's read-only
 * calendar and lead-time tables. */
static ech_engine *member_new(const ech_engine *parent)
{
    ech_engine *e = ech_xcalloc(1, sizeof *e, "group member engine");
    e->sc = parent->sc;
    e->borrowed = 1;
    e->n_days = parent->n_days;
    e->n_periods = parent->n_periods;
    e->period_of_day = parent->period_of_day;
    e->period_day = parent->period_day;
    e->n_months = parent->n_months;
    e->month_end = parent->month_end;
    e->measured_month = parent->measured_month;
    e->lead_tables = parent->lead_tables;
    e->lead_ok = parent->lead_ok;
    e->fc_rules = parent->fc_rules;
    e->fc_window = parent->fc_window;
    ech_arena_init(&e->arena, 1 << 20);
    size_t nm = (size_t)(e->n_months > 0 ? e->n_months : 1);
    e->due_day = ech_xmalloc(nm * sizeof *e->due_day, "contract schedule");
    e->due_units = ech_xmalloc(nm * sizeof *e->due_units, "contract schedule");
    e->demand_tables = ech_demand_tables_new(e->sc, e->period_day, e->n_periods);
    e->plan_sku = -1;
    e->pool.free = -1;
    return e;
}

void ech_group_free(ech_group_sim *g)
{
    if (!g)
        return;
    for (int32_t m = 0; m < ECH_MAX_GROUP_SKUS; ++m) {
        ech_engine_free(g->member[m]);
        free(g->node[m]);
    }
    free(g);
}

/* Whether member a is offered before member b (cheapest: by unit price; preferred:
 * by substitution rank; ties by catalogue order). */
static int offered_before(const ech_scenario *sc, int32_t a, int32_t b)
{
    double ka = 0.0, kb = 0.0;
    if (sc->subst.order == ECH_SUBST_ORDER_CHEAPEST) {
        ka = sc->cat.unit_price[a];
        kb = sc->cat.unit_price[b];
    } else if (sc->subst.order == ECH_SUBST_ORDER_PREFERRED) {
        ka = sc->cat.subst_rank[a];
        kb = sc->cat.subst_rank[b];
    }
    return ka < kb || (ka == kb && a < b);
}

/* The group's members (its SKUs stocked somewhere, in catalogue order), their
 * shares and the order substitutes are offered in; engines as needed. */
static ech_group_sim *group_members(ech_engine *e, int32_t group)
{
    const ech_scenario *sc = e->sc;
    if (!e->group) {
        e->group = ech_xcalloc(1, sizeof *e->group, "substitution group");
        e->group->group = -1;
    }
    ech_group_sim *g = e->group;
    if (g->group == group)
        return g;
    g->group = -1; /* until the maps are built */
    g->n = 0;
    for (int32_t i = sc->subst.group_begin[group]; i < sc->subst.group_begin[group + 1]; ++i) {
        int32_t k = sc->subst.member[i];
        if (sc->sl.sku_begin[k + 1] == sc->sl.sku_begin[k])
            continue;
        int32_t m = g->n++;
        g->sku[m] = k;
        g->share[m] = isnan(sc->cat.subst_share[k]) ? sc->subst.share : sc->cat.subst_share[k];
        if (!g->member[m])
            g->member[m] = member_new(e);
        /* Insertion sort: groups are small. */
        int32_t t = m;
        while (t > 0 && offered_before(sc, k, g->sku[g->order[t - 1]])) {
            g->order[t] = g->order[t - 1];
            --t;
        }
        g->order[t] = m;
    }
    return g;
}

/* For each member's demand points, where each other member is stocked there. */
static void group_maps(ech_group_sim *g, const ech_scenario *sc, int32_t group)
{
    int32_t n = g->n;
    for (int32_t m = 0; m < n; ++m) {
        const sku_plan *p = &g->member[m]->plan;
        size_t len = (size_t)(p->n_leaves ? p->n_leaves : 1) * (size_t)n;
        g->node[m] = ech_xrealloc(g->node[m], len * sizeof *g->node[m], "substitute nodes");
        for (int32_t j = 0; j < p->n_leaves; ++j) {
            int32_t loc = sc->sl.location[p->first + p->leaf[j]];
            for (int32_t q = 0; q < n; ++q) {
                int64_t x = ech_scenario_find_skuloc(sc, g->sku[q], loc);
                g->node[m][(size_t)j * (size_t)n + (size_t)q] =
                    x < 0 ? -1 : (int32_t)(x - sc->sl.sku_begin[g->sku[q]]);
            }
        }
    }
    g->group = group;
}

/* Member e sells up to `want` units at node x to another SKU's customers. */
static int32_t sell_substitute(ech_engine *e, int32_t x, int32_t want)
{
    sku_state *s = &e->state;
    int32_t q = s->on_hand[x] < want ? s->on_hand[x] : want;
    if (q <= 0)
        return 0;
    s->on_hand[x] -= q;
    s->acc[x].sold += q;
    s->acc[x].substituted_in += q;
    if (e->plan.batched)
        ech_batches_sell(&s->batches, x, q);
    return q;
}

/* Step 5 for substitutes: member by member in catalogue order, each demand point's
 * unmet demand x share (floor, plus one with the fraction's probability) buys the
 * substitutes stocked at its location, in the scenario's order, as far as their
 * stock goes; what they cannot serve stays lost. */
static void substitute(ech_group_sim *g, const ech_scenario *sc)
{
    int32_t n = g->n;
    int any = sc->subst.order == ECH_SUBST_ORDER_ANY;
    for (int32_t m = 0; m < n; ++m) {
        ech_engine *em = g->member[m];
        const sku_plan *p = &em->plan;
        sku_state *s = &em->state;
        for (int32_t j = 0; j < p->n_leaves; ++j) {
            int32_t unmet = s->unmet[j];
            if (unmet == 0)
                continue;
            double x = g->share[m] * unmet;
            int32_t want = (int32_t)x;
            if (x > (double)want && ech_pcg32_uniform(&s->subst_rng[j]) < x - (double)want)
                ++want;
            const int32_t *node = g->node[m] + (size_t)j * (size_t)n;
            int32_t got = 0;
            for (int32_t t = 0; t < n && got < want; ++t) {
                int32_t q = g->order[t];
                if (any) { /* the substitute with the most stock left (ties: catalogue order) */
                    int32_t most = 0;
                    q = -1;
                    for (int32_t r = 0; r < n; ++r)
                        if (r != m && node[r] >= 0 && g->member[r]->state.on_hand[node[r]] > most) {
                            most = g->member[r]->state.on_hand[node[r]];
                            q = r;
                        }
                    if (q < 0)
                        break;
                } else if (q == m || node[q] < 0) {
                    continue;
                }
                got += sell_substitute(g->member[q], node[q], want - got);
            }
            if (got > 0) {
                node_acc *acc = &s->acc[p->leaf[j]];
                acc->lost -= got;
                acc->substituted_out += got;
            }
        }
    }
}

/* Simulates group `group` for the request's replications; the member whose SKU is
 * req->sku runs under the request (targets, contract), the others under their
 * variant's.  outs[i] (i indexing sc->subst.member from the group's start) receives
 * the results of that SKU, or NULL; cold-room occupancy is counted for the SKUs
 * recorded. */
static ech_status group_run(ech_engine *e, int32_t group, const ech_eval_request *req,
                            const ech_eval_out *const *outs, ech_error *err)
{
    const ech_scenario *sc = e->sc;
    ech_group_sim *g = group_members(e, group);
    const int32_t *member = sc->subst.member + sc->subst.group_begin[group];
    const ech_eval_out *out[ECH_MAX_GROUP_SKUS];
    ech_status st;
    for (int32_t m = 0, i = 0; m < g->n; ++m, ++i) {
        while (member[i] != g->sku[m])
            ++i; /* a SKU stocked nowhere has no member */
        out[m] = outs[i];
        ech_engine *me = g->member[m];
        ech_eval_request r = {.sku = g->sku[m],
                              .variant = req->variant,
                              .rep_begin = req->rep_begin,
                              .rep_end = req->rep_end,
                              .stream_set = req->stream_set};
        if (g->sku[m] == req->sku)
            r = *req;
        ech_engine_set_cold_rooms(me, e->cold);
        ech_engine_set_stock_days(me, out[m] ? e->stock : NULL);
        ech_engine_set_trace(me, out[m] ? e->trace : NULL);
        st = ech_sku_eval_setup(me, &r, out[m] && out[m]->month_purchases, 1, err);
        if (st != ECH_OK)
            return st;
        if (!out[m])
            me->eval_cold = NULL; /* counted where its results are */
    }
    if (g->group != group)
        group_maps(g, sc, group);

    int64_t base = (int64_t)req->stream_set * ECH_STREAM_SET_SIZE;
    int32_t n = g->n, n_days = e->n_days;
    for (int64_t rep = req->rep_begin; rep < req->rep_end; ++rep) {
        for (int32_t m = 0; m < n; ++m)
            ech_sku_rep_begin(g->member[m], base + rep, rep);
        for (int32_t d = 0; d < n_days; ++d) {
            for (int32_t m = 0; m < n; ++m)
                ech_sku_day_supply(g->member[m], d, rep);
            for (int32_t m = 0; m < n; ++m)
                ech_sku_day_demand(g->member[m], d);
            substitute(g, sc);
            for (int32_t m = 0; m < n; ++m)
                ech_sku_day_end(g->member[m], d, rep);
        }
        for (int32_t m = 0; m < n; ++m)
            if ((st = ech_sku_rep_end(g->member[m], rep, req->rep_begin, out[m], err)) != ECH_OK)
                return st;
    }
    return ECH_OK;
}

ech_status ech_group_evaluate(ech_engine *e, const ech_eval_request *req, const ech_eval_out *out,
                              ech_error *err)
{
    const ech_scenario *sc = e->sc;
    int32_t group = sc->cat.subst_group[req->sku];
    const ech_eval_out *outs[ECH_MAX_GROUP_SKUS] = {0};
    for (int32_t i = sc->subst.group_begin[group]; i < sc->subst.group_begin[group + 1]; ++i)
        if (sc->subst.member[i] == req->sku)
            outs[i - sc->subst.group_begin[group]] = out;
    return group_run(e, group, req, outs, err);
}

ech_status ech_engine_run_group(ech_engine *e, int32_t group, int32_t variant, int64_t rep_begin,
                                int64_t rep_end, const ech_eval_out *const *outs, ech_error *err)
{
    const ech_scenario *sc = e->sc;
    if (!sc->subst.enabled || group < 0 || group >= sc->subst.n_groups || variant < 0 ||
        variant >= sc->n_variants || rep_begin < 0 || rep_end < rep_begin ||
        rep_end > ECH_STREAM_SET_SIZE)
        return ech_fail(err, ECH_ERR_RUNTIME,
                        "internal error: an evaluation of substitution group %d, variant %d, "
                        "replications %lld..%lld is out of range",
                        (int)group, (int)variant, (long long)rep_begin, (long long)rep_end);
    ech_eval_request req = {
        .sku = -1, .variant = variant, .rep_begin = rep_begin, .rep_end = rep_end};
    return group_run(e, group, &req, outs, err);
}
