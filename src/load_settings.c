/* The scenario's settings from its file: name, seed, replications, horizon, demand
 * profiles, supply rules, costs, policy rules, expiry, controlled substances,
 * variants, start and output options, and the command line's overrides; see load.h.
 * Suppliers, sites and disruptions are in load_supply.c. */
#include "load.h"
#include "echelon/stock_bands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------------ */

static ech_status build_profile(const loadctx *c, const char *key, char **values, unsigned count,
                                unsigned want, double *out)
{
    char k[256];
    if (count != want)
        return ech_key_fail(c, key, "expected %u numbers, got %u", want, count);
    double sum = 0.0;
    for (unsigned i = 0; i < count; ++i) {
        ech_status st = ech_key_double_range(c, ech_key_path(k, sizeof k, "%s[%u]", key, i),
                                             values[i], 0.0, 0, 1e6, 0, "", &out[i]);
        if (st != ECH_OK)
            return st;
        sum += out[i];
    }
    if (!(sum > 0.0))
        return ech_key_fail(c, key, "the numbers are all 0: demand would vanish");
    ech_profile_to_mean_one(out, (int)count, sum);
    return ECH_OK;
}

void ech_profile_to_mean_one(double *v, int n, double sum)
{
    /* Multipliers have mean 1, so a profile shapes demand without changing its level.
     * A profile whose mean is 1 up to rounding of the sum is kept as written. */
    if (fabs(sum - n) > 1e-9 * n)
        for (int i = 0; i < n; ++i)
            v[i] = v[i] * n / sum;
}

/* demand.substitution: the share of unmet demand that buys a substitute and the
 * order substitutes are offered in.  Substitution replaces a lost sale, so it needs
 * lost sales: with backorders the customer waits for the SKU itself. */
static ech_status build_substitution(const loadctx *c, const y_substitution *y, ech_scenario *sc)
{
    if (!y)
        return ech_yaml_has(c->ix, "demand.substitution")
                   ? ech_key_missing(c, "demand.substitution", "share",
                                     "required with substitution (the share of unmet demand "
                                     "that buys a substitute)")
                   : ECH_OK;
    ech_subst_rules *r = &sc->subst;
    ech_status st =
        ech_key_double_range(c, "demand.substitution.share", y->share, 0.0, 0, 1.0, 0,
                             "the share of unmet demand that buys a substitute", &r->share);
    if (st != ECH_OK)
        return st;
    int v = ECH_SUBST_ORDER_CHEAPEST;
    if (y->order && (st = ech_key_enum(c, "demand.substitution.order", y->order,
                                       &ech_subst_order_enum, 0, &v)) != ECH_OK)
        return st;
    r->order = (uint8_t)v;
    if (sc->unmet_demand == ECH_UNMET_BACKORDER)
        return ech_key_fail(c, "demand.substitution",
                            "substitution needs demand.unmet: lost (with backorders the customer "
                            "waits for the SKU itself)");
    r->enabled = 1;
    return ECH_OK;
}

static ech_status build_demand(const loadctx *c, const y_demand *y, ech_scenario *sc)
{
    ech_status st;
    char k[256];
    for (int d = 0; d < 7; ++d)
        sc->weekly[d] = 1.0;
    sc->seasons.n = 1 + (y ? (int32_t)y->seasonality_count : 0);
    sc->seasons.name =
        ech_xcalloc((size_t)sc->seasons.n, sizeof *sc->seasons.name, "season profile names");
    sc->seasons.monthly =
        ech_xcalloc((size_t)sc->seasons.n, sizeof *sc->seasons.monthly, "season profiles");
    sc->seasons.name[0] = ech_xstrdup("flat", "season profile name");
    for (int m = 0; m < 12; ++m)
        sc->seasons.monthly[0][m] = 1.0;
    if (!y)
        return ECH_OK;

    int v;
    if (y->unmet) {
        if ((st = ech_key_enum(c, "demand.unmet", y->unmet, &ech_unmet_enum, 0, &v)) != ECH_OK)
            return st;
        sc->unmet_demand = (uint8_t)v;
    }
    if ((st = build_substitution(c, y->substitution, sc)) != ECH_OK)
        return st;
    if (ech_yaml_has(c->ix, "demand.weekly_profile") &&
        (st = build_profile(c, "demand.weekly_profile", y->weekly_profile, y->weekly_profile_count,
                            7, sc->weekly)) != ECH_OK)
        return st;
    for (unsigned i = 0; i < y->seasonality_count; ++i) {
        const y_season *s = &y->seasonality[i];
        const char *key = ech_key_path(k, sizeof k, "demand.seasonality[%u].name", i);
        if ((st = ech_key_text(c, key, s->name)) != ECH_OK)
            return st;
        if (strcmp(s->name, "flat") == 0)
            return ech_key_fail(c, key,
                                "'flat' is the built-in profile of all ones: choose another name");
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(y->seasonality[j].name, s->name) == 0)
                return ech_key_fail(
                    c, key, "profile '%s' is defined twice (first on line %ld)", s->name,
                    ech_key_line(
                        c, ech_key_path((char[256]){0}, 256, "demand.seasonality[%u].name", j)));
        char mk[256];
        if ((st = build_profile(c, ech_key_path(mk, sizeof mk, "demand.seasonality[%u].monthly", i),
                                s->monthly, s->monthly_count, 12, sc->seasons.monthly[i + 1])) !=
            ECH_OK)
            return st;
        sc->seasons.name[i + 1] = ech_xstrdup(s->name, "season profile name");
    }
    sc->seasons.n_inline = (int32_t)y->seasonality_count;

    /* Named weekly profiles for the skulocs that use one. */
    unsigned nw = y->weekly_profiles_count;
    sc->weeklies.n = sc->weeklies.n_inline = (int32_t)nw;
    sc->weeklies.name = ech_xcalloc(nw ? nw : 1, sizeof *sc->weeklies.name, "weekly profile names");
    sc->weeklies.daily = ech_xcalloc(nw ? nw : 1, sizeof *sc->weeklies.daily, "weekly profiles");
    for (unsigned i = 0; i < nw; ++i) {
        const y_weekly *w = &y->weekly_profiles[i];
        const char *key = ech_key_path(k, sizeof k, "demand.weekly_profiles[%u].name", i);
        if ((st = ech_key_text(c, key, w->name)) != ECH_OK)
            return st;
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(y->weekly_profiles[j].name, w->name) == 0)
                return ech_key_fail(
                    c, key, "profile '%s' is defined twice (first on line %ld)", w->name,
                    ech_key_line(c, ech_key_path((char[256]){0}, 256,
                                                 "demand.weekly_profiles[%u].name", j)));
        char dk[256];
        if ((st = build_profile(c,
                                ech_key_path(dk, sizeof dk, "demand.weekly_profiles[%u].daily", i),
                                w->daily, w->daily_count, 7, sc->weeklies.daily[i])) != ECH_OK)
            return st;
        sc->weeklies.name[i] = ech_xstrdup(w->name, "weekly profile name");
    }
    return ech_load_profiles_file(c, y, sc);
}

/* Letters, digits, '-', '_' and '.': a variant's name labels its results. */
static int safe_name(const char *s)
{
    if (!s[0])
        return 0;
    for (const char *p = s; *p; ++p) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return 0;
    }
    return 1;
}

static ech_status build_rule(const loadctx *c, const char *prefix, const char *kind,
                             const y_rule *y, ech_policy_rule *r);

static ech_status build_variants(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    if (!ech_yaml_has(c->ix, "variants"))
        return ECH_OK;
    unsigned n = y->variants_count;
    if (n == 0)
        return ech_key_fail(c, "variants",
                            "an empty list: give at least one variant (the first is "
                            "the baseline), or leave the key out");
    sc->variant = ech_xcalloc(n, sizeof *sc->variant, "variants");
    sc->n_variants = (int32_t)n;
    const ech_disruptions *dis = &sc->disruptions;
    char base[64], k[256], prefix[128];
    ech_status st;
    for (unsigned i = 0; i < n; ++i) {
        const y_variant *yv = &y->variants[i];
        ech_variant *v = &sc->variant[i];
        ech_key_path(base, sizeof base, "variants[%u]", i);
#define V_KEY(name) ech_key_path(k, sizeof k, "%s.%s", base, name)
        if ((st = ech_key_text(c, V_KEY("name"), yv->name)) != ECH_OK)
            return st;
        if (!safe_name(yv->name))
            return ech_key_fail(c, k,
                                "'%s' is not a safe name: use letters, digits, '-', '_' and "
                                "'.' only (it labels the variant's results)",
                                yv->name);
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(sc->variant[j].name, yv->name) == 0)
                return ech_key_fail(
                    c, k, "variant '%s' is defined twice (first on line %ld)", yv->name,
                    ech_key_line(c, ech_key_path((char[256]){0}, 256, "variants[%u].name", j)));
        v->name = ech_xstrdup(yv->name, "variant name");
        v->description = ech_xstrdup(yv->description ? yv->description : "", "variant description");

        /* Active disruptions: all unless listed. */
        v->disruption_active = ech_xmalloc((size_t)(dis->n > 0 ? dis->n : 1), "active disruptions");
        if (ech_yaml_has(c->ix, V_KEY("disruptions"))) {
            memset(v->disruption_active, 0, (size_t)(dis->n > 0 ? dis->n : 1));
            for (unsigned j = 0; j < yv->disruptions_count; ++j) {
                const char *dk = ech_key_path(k, sizeof k, "%s.disruptions[%u]", base, j);
                const char *name = yv->disruptions[j];
                if ((st = ech_key_text(c, dk, name)) != ECH_OK)
                    return st;
                int32_t d = -1;
                for (int32_t e = 0; e < dis->n && d < 0; ++e)
                    if (strcmp(dis->name[e], name) == 0)
                        d = e;
                if (d < 0) {
                    char list[512];
                    ech_join_list(list, sizeof list, dis->name, dis->n);
                    return ech_key_fail(c, dk, "no disruption named '%s' (%s%s)", name,
                                        dis->n ? "the scenario's disruptions: "
                                               : "the scenario has "
                                                 "no disruptions",
                                        list);
                }
                if (v->disruption_active[d])
                    return ech_key_fail(c, dk, "disruption '%s' is listed twice", name);
                v->disruption_active[d] = 1;
            }
        } else {
            for (int32_t d = 0; d < dis->n; ++d)
                v->disruption_active[d] = 1;
        }

        v->lead_time_factor = 1.0;
        if (yv->lead_time_factor) {
            const char *fk = V_KEY("lead_time_factor");
            if ((st = ech_key_double_range(c, fk, yv->lead_time_factor, 0.0, 1, 100.0, 0, "",
                                           &v->lead_time_factor)) != ECH_OK)
                return st;
            for (int32_t s = 0; s < sc->sites.n; ++s) {
                double m = sc->sites.lead_time[s].mean;
                if (m * v->lead_time_factor > ECH_MAX_LANE_DAYS)
                    return ech_key_fail(c, fk,
                                        "makes the mean lead time of site '%s' %g x %s = %g "
                                        "days, more than %d",
                                        sc->sites.id[s], m, yv->lead_time_factor,
                                        m * v->lead_time_factor, ECH_MAX_LANE_DAYS);
            }
        }

        v->use_alternatives = 1;
        if (yv->alternative_sources) {
            int on = 1;
            if ((st = ech_key_bool(c, V_KEY("alternative_sources"), yv->alternative_sources,
                                   &on)) != ECH_OK)
                return st;
            v->use_alternatives = (uint8_t)on;
        }

        v->allocation = sc->allocation;
        if (yv->allocation) {
            int a = 0;
            if ((st = ech_key_enum(c, V_KEY("allocation"), yv->allocation, &ech_allocation_enum, 0,
                                   &a)) != ECH_OK)
                return st;
            v->allocation = (uint8_t)a;
        }

        if (yv->supplier_fill) {
            v->supplier_fill = ech_xcalloc(1, sizeof *v->supplier_fill, "supplier fill");
            if ((st = ech_build_partial(c, V_KEY("supplier_fill"), yv->supplier_fill,
                                        v->supplier_fill)) != ECH_OK)
                return st;
        }

        /* A kind's rule given here replaces the scenario's rule for that kind. */
        memcpy(v->rule, sc->rule, sizeof v->rule);
        const y_policies *p = yv->policies;
        if (p) {
            ech_key_path(prefix, sizeof prefix, "%s.policies", base);
            const y_rule *given[ECH_LOC_KIND_COUNT] = {p->cw, p->dc, p->retail};
            for (int kd = 0; kd < ECH_LOC_KIND_COUNT; ++kd)
                if (given[kd] && (st = build_rule(c, prefix, ech_location_kind_enum.words[kd],
                                                  given[kd], &v->rule[kd])) != ECH_OK)
                    return st;
        }
#undef V_KEY
    }
    return ECH_OK;
}

static ech_status build_costs(const loadctx *c, const y_costs *y, ech_costs *out)
{
    *out = (ech_costs){.holding_rate_per_year = 0.25};
    for (int k = 0; k < ECH_LOC_KIND_COUNT; ++k)
        out->holding_rate_by_kind[k] = NAN;
    if (!y)
        return ECH_OK;
    const y_kind_rates *byk = y->holding_rate_by_kind;
    /* Upper limits: beyond them a rate or a cost is a typing error. */
    struct {
        const char *key, *text;
        double *dst, hi;
        const char *what;
    } items[] = {
        {"costs.holding_rate_per_year", y->holding_rate_per_year, &out->holding_rate_per_year, 10,
         "a yearly rate on unit cost"},
        {"costs.supplier_order_cost", y->supplier_order_cost, &out->supplier_order_cost, 1e7,
         "currency per order line"},
        {"costs.internal_order_cost", y->internal_order_cost, &out->internal_order_cost, 1e7,
         "currency per order line"},
        {"costs.backorder_cost_per_day", y->backorder_cost_per_day, &out->backorder_cost_per_day,
         10, "a fraction of unit price per unit-day"},
        {"costs.lost_sale_penalty", y->lost_sale_penalty, &out->lost_sale_penalty, 100,
         "a fraction of unit price per lost unit"},
        {"costs.holding_rate_by_kind.cw", byk ? byk->cw : NULL,
         &out->holding_rate_by_kind[ECH_LOC_CW], 10, "a yearly rate on unit cost"},
        {"costs.holding_rate_by_kind.dc", byk ? byk->dc : NULL,
         &out->holding_rate_by_kind[ECH_LOC_DC], 10, "a yearly rate on unit cost"},
        {"costs.holding_rate_by_kind.retail", byk ? byk->retail : NULL,
         &out->holding_rate_by_kind[ECH_LOC_RETAIL], 10, "a yearly rate on unit cost"},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; ++i) {
        if (!items[i].text)
            continue;
        ech_status st = ech_key_double_range(c, items[i].key, items[i].text, 0.0, 0, items[i].hi, 0,
                                             items[i].what, items[i].dst);
        if (st != ECH_OK)
            return st;
    }
    out->has_holding_by_kind = byk != NULL;
    return ECH_OK;
}

static ech_policy_rule default_rule(void)
{
    return (ech_policy_rule){
        .policy = ECH_POLICY_BASE_STOCK,
        .target = ECH_TARGET_SERVICE_LEVEL,
        .review_days = 1,
        .service_level = 0.95,
        .cover_days = 0.0,
        .order_days = 7.0,
        .order_up_to = -1,
        .reorder_point = ECH_REORDER_NOT_GIVEN,
        .min_order_qty = 0,
        .forecast = {.method = ECH_FORECAST_NONE,
                     .weeks = 4,
                     .uplift = 1.0,
                     .smoothing = 0.0,
                     .on_hand_only = 0,
                     .round_to = 1},
    };
}

/* The rule for one kind of location at key path PREFIX.KIND ("policies.cw" or
 * "variants[1].policies.cw"). */
/* A rule's forecast: block (ech_forecast_rule). */
static ech_status build_forecast(const loadctx *c, const char *prefix, const y_forecast *y,
                                 ech_forecast_rule *f)
{
    char k[256];
    ech_status st;
    int v = 0;
#define F_KEY(name) ech_key_path(k, sizeof k, "%s.%s", prefix, name)
    if ((st = ech_key_enum(c, F_KEY("method"), y->method, &ech_forecast_method_enum, 0, &v)) !=
        ECH_OK)
        return st;
    f->method = (uint8_t)v;
    if (y->weeks) {
        if (f->method != ECH_FORECAST_MOVING_AVERAGE)
            return ech_key_fail(c, F_KEY("weeks"), "only for method moving_average");
        if ((st = ech_key_int32(c, F_KEY("weeks"), y->weeks, 1, 52, &f->weeks)) != ECH_OK)
            return st;
    }
    if (y->smoothing) {
        if (f->method != ECH_FORECAST_MODEL)
            return ech_key_fail(c, F_KEY("smoothing"), "only for method model");
        if ((st = ech_key_double_range(c, F_KEY("smoothing"), y->smoothing, 0.0, 0, 1.0, 0,
                                       "the weight of a new day in the level", &f->smoothing)) !=
            ECH_OK)
            return st;
    }
    if (y->uplift &&
        (st = ech_key_double_range(c, F_KEY("uplift"), y->uplift, 0.0, 1, 100.0, 0,
                                   "the factor on the forecast", &f->uplift)) != ECH_OK)
        return st;
    if (y->position) {
        if (strcmp(y->position, "full") == 0)
            f->on_hand_only = 0;
        else if (strcmp(y->position, "on_hand") == 0)
            f->on_hand_only = 1;
        else
            return ech_key_fail(c, F_KEY("position"), "'%s' is not one of: full, on_hand",
                                y->position);
    }
    if (y->round_to &&
        (st = ech_key_int32(c, F_KEY("round_to"), y->round_to, 1, 1000000, &f->round_to)) != ECH_OK)
        return st;
#undef F_KEY
    return ECH_OK;
}

static ech_status build_rule(const loadctx *c, const char *prefix, const char *kind,
                             const y_rule *y, ech_policy_rule *r)
{
    *r = default_rule();
    if (!y)
        return ECH_OK;
    char k[256];
    ech_status st;
#define RULE_KEY(name) ech_key_path(k, sizeof k, "%s.%s.%s", prefix, kind, name)
    int type = ECH_POLICY_BASE_STOCK;
    if (y->type &&
        (st = ech_key_enum(c, RULE_KEY("type"), y->type, &ech_policy_enum, 0, &type)) != ECH_OK)
        return st;
    r->policy = (uint8_t)type;
    if (y->review_days && (st = ech_key_int32(c, RULE_KEY("review_days"), y->review_days, 1,
                                              ECH_MAX_LANE_DAYS, &r->review_days)) != ECH_OK)
        return st;

    /* One target rule: the first given wins the check, the second is the error. */
    const char *target_keys[3] = {"service_level", "cover_days", "order_up_to"};
    const char *target_text[3] = {y->service_level, y->cover_days, y->order_up_to};
    int first = -1;
    for (int i = 0; i < 3; ++i) {
        if (!target_text[i])
            continue;
        if (first >= 0) {
            /* Name whichever of the two comes later in the file. */
            char a[256], b[256];
            ech_key_path(a, sizeof a, "%s.%s.%s", prefix, kind, target_keys[first]);
            ech_key_path(b, sizeof b, "%s.%s.%s", prefix, kind, target_keys[i]);
            const char *later = ech_key_line(c, a) > ech_key_line(c, b) ? a : b;
            return ech_key_fail(c, later,
                                "give only one of service_level, cover_days and order_up_to "
                                "(both %s and %s are given)",
                                target_keys[first], target_keys[i]);
        }
        first = i;
    }
    if (y->service_level) {
        if ((st = ech_key_double(c, RULE_KEY("service_level"), y->service_level,
                                 &r->service_level)) != ECH_OK)
            return st;
        if (!(r->service_level > 0.0 && r->service_level < 1.0))
            return ech_key_fail(c, RULE_KEY("service_level"),
                                "must be between 0 and 1, both excluded (a probability), got %s",
                                y->service_level);
        r->target = ECH_TARGET_SERVICE_LEVEL;
    } else if (y->cover_days) {
        if ((st = ech_key_double_range(c, RULE_KEY("cover_days"), y->cover_days, 0.0, 1,
                                       ECH_MAX_LANE_DAYS, 0, "", &r->cover_days)) != ECH_OK)
            return st;
        r->target = ECH_TARGET_COVER_DAYS;
    } else if (y->order_up_to) {
        if ((st = ech_key_int32(c, RULE_KEY("order_up_to"), y->order_up_to, 0,
                                (int32_t)ECH_MAX_UNITS, &r->order_up_to)) != ECH_OK)
            return st;
        r->target = ECH_TARGET_FIXED;
    }
    if (y->order_days) {
        if (type != ECH_POLICY_S_S)
            return ech_key_fail(c, RULE_KEY("order_days"), "only for type s_S");
        if ((st = ech_key_double_range(c, RULE_KEY("order_days"), y->order_days, 0.0, 1,
                                       ECH_MAX_LANE_DAYS, 0, "", &r->order_days)) != ECH_OK)
            return st;
    }
    if (y->reorder_point) {
        if (type != ECH_POLICY_S_S || !y->order_up_to)
            return ech_key_fail(c, RULE_KEY("reorder_point"),
                                "only for type s_S with a fixed order_up_to");
        if ((st = ech_key_int32(c, RULE_KEY("reorder_point"), y->reorder_point, -1,
                                (int32_t)ECH_MAX_UNITS, &r->reorder_point)) != ECH_OK)
            return st;
        if (r->reorder_point >= r->order_up_to)
            return ech_key_fail(c, RULE_KEY("reorder_point"),
                                "must be below order_up_to (%d), got %d", r->order_up_to,
                                r->reorder_point);
    }
    if (y->min_order_qty &&
        (st = ech_key_int32(c, RULE_KEY("min_order_qty"), y->min_order_qty, 0,
                            (int32_t)ECH_MAX_UNITS, &r->min_order_qty)) != ECH_OK)
        return st;
    if (y->forecast) {
        char fp[200];
        ech_key_path(fp, sizeof fp, "%s.%s.forecast", prefix, kind);
        if (r->target == ECH_TARGET_FIXED)
            return ech_key_fail(c, fp,
                                "a forecast sets the targets: give cover_days or service_level, "
                                "not order_up_to");
        if ((st = build_forecast(c, fp, y->forecast, &r->forecast)) != ECH_OK)
            return st;
    }
#undef RULE_KEY
    return ECH_OK;
}

/* Batches and expiry: the section's presence turns them on (written empty, with
 * every default). */
static ech_status build_expiry(const loadctx *c, const y_expiry *y, ech_expiry_rules *e)
{
    *e = (ech_expiry_rules){
        .enabled = 0,
        .min_remaining_days = 0,
        .receipt_life_min = 1.0,
        .receipt_life_max = 1.0,
        .returns = 0,
        .return_within_days = 0,
    };
    if (!ech_yaml_has(c->ix, "expiry"))
        return ECH_OK;
    e->enabled = 1;
    if (!y)
        return ECH_OK;
    ech_status st;
    if (y->enabled) {
        int on = 1;
        if ((st = ech_key_bool(c, "expiry.enabled", y->enabled, &on)) != ECH_OK)
            return st;
        e->enabled = (uint8_t)on;
    }
    if (y->min_remaining_days &&
        (st = ech_key_int32(c, "expiry.min_remaining_days", y->min_remaining_days, 0,
                            ECH_MAX_HORIZON_DAYS, &e->min_remaining_days)) != ECH_OK)
        return st;
    const y_receipt_life *r = y->receipt_life;
    if (r) {
        static const char *what = "the share of the shelf life left when a batch arrives "
                                  "from the supplier";
        if ((st = ech_key_double_range(c, "expiry.receipt_life.min_fraction", r->min_fraction, 0.0,
                                       1, 1.0, 0, what, &e->receipt_life_min)) != ECH_OK ||
            (st = ech_key_double_range(c, "expiry.receipt_life.max_fraction", r->max_fraction, 0.0,
                                       1, 1.0, 0, what, &e->receipt_life_max)) != ECH_OK)
            return st;
        if (e->receipt_life_min > e->receipt_life_max)
            return ech_key_fail(c, "expiry.receipt_life.min_fraction",
                                "must be <= max_fraction (%s), got %s", r->max_fraction,
                                r->min_fraction);
    }
    if (ech_yaml_has(c->ix, "expiry.returns")) {
        if (!y->returns)
            return ech_key_missing(c, "expiry.returns", "within_days",
                                   "required with returns (pharmacies return batches that expire "
                                   "within this many days)");
        const char *key = "expiry.returns.within_days";
        if ((st = ech_key_int32(c, key, y->returns->within_days, 1, ECH_MAX_HORIZON_DAYS,
                                &e->return_within_days)) != ECH_OK)
            return st;
        if (e->return_within_days <= e->min_remaining_days)
            return ech_key_fail(c, key,
                                "must be more than expiry.min_remaining_days (%d): a batch "
                                "with fewer days left is refused, so returns must look further "
                                "ahead, got %d",
                                (int)e->min_remaining_days, (int)e->return_within_days);
        e->returns = 1;
    }
    return ECH_OK;
}

/* Rules for controlled substances; every key optional, all 0 by default (none). */
static ech_status build_controlled(const loadctx *c, const y_controlled *y, ech_controlled_rules *r)
{
    *r = (ech_controlled_rules){0, 0.0, 0};
    if (!y)
        return ECH_OK;
    ech_status st;
    if ((y->min_days_between_orders &&
         (st = ech_key_int32(c, "controlled.min_days_between_orders", y->min_days_between_orders, 0,
                             ECH_MAX_LANE_DAYS, &r->min_days_between_orders)) != ECH_OK) ||
        (y->max_stock_days &&
         (st = ech_key_double_range(c, "controlled.max_stock_days", y->max_stock_days, 0.0, 0,
                                    ECH_MAX_LANE_DAYS, 0, "", &r->max_stock_days)) != ECH_OK) ||
        (y->extra_lead_time_days &&
         (st = ech_key_int32(c, "controlled.extra_lead_time_days", y->extra_lead_time_days, 0,
                             ECH_MAX_LANE_DAYS, &r->extra_lead_time_days)) != ECH_OK))
        return st;
    return ECH_OK;
}

static ech_status build_output(const loadctx *c, const y_output *y, ech_output_options *out)
{
    static const double defaults[] = {0.05, 0.5, 0.95};
    char k[256];
    if (!ech_yaml_has(c->ix, "output.quantiles")) {
        out->n_quantiles = 3;
        out->quantiles = ech_xmalloc(sizeof defaults, "output quantiles");
        memcpy(out->quantiles, defaults, sizeof defaults);
    } else {
        unsigned n = y->quantiles_count;
        if (n < 1 || n > ECH_MAX_QUANTILES)
            return ech_key_fail(c, "output.quantiles", "give 1 to %d quantiles, got %u",
                                ECH_MAX_QUANTILES, n);
        out->quantiles = ech_xmalloc(n * sizeof *out->quantiles, "output quantiles");
        out->n_quantiles = (int32_t)n;
        for (unsigned i = 0; i < n; ++i) {
            const char *key = ech_key_path(k, sizeof k, "output.quantiles[%u]", i);
            double q;
            ech_status st = ech_key_double(c, key, y->quantiles[i], &q);
            if (st != ECH_OK)
                return st;
            if (!(q > 0.0 && q < 1.0))
                return ech_key_fail(c, key, "must be between 0 and 1, both excluded, got %s",
                                    y->quantiles[i]);
            if (i > 0 && !(q > out->quantiles[i - 1]))
                return ech_key_fail(c, key, "quantiles must be strictly increasing: %s follows %s",
                                    y->quantiles[i], y->quantiles[i - 1]);
            out->quantiles[i] = q;
        }
    }
    out->keep_replications = 0;
    ech_status st;
    if (y && y->keep_replications &&
        (st = ech_key_bool(c, "output.keep_replications", y->keep_replications,
                           &out->keep_replications)) != ECH_OK)
        return st;
    out->stock_bands = ECH_STOCK_BANDS_DEFAULT;
    if (y && y->stock_bands &&
        (st = ech_key_int32(c, "output.stock_bands", y->stock_bands, 0, ECH_STOCK_BANDS_MAX,
                            &out->stock_bands)) != ECH_OK)
        return st;
    return ECH_OK;
}

ech_status ech_build_settings(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    ech_status st;
    if ((st = ech_key_text(c, "name", y->name)) != ECH_OK)
        return st;
    if (!safe_name(y->name))
        return ech_key_fail(c, "name",
                            "'%s' is not a safe name: use letters, digits, '-', '_' and "
                            "'.' only (it names the results file, results/NAME.h5)",
                            y->name);
    sc->name = ech_xstrdup(y->name, "scenario name");
    sc->description = ech_xstrdup(y->description ? y->description : "", "scenario description");
    if ((st = ech_key_uint64(c, "seed", y->seed, &sc->seed)) != ECH_OK)
        return st;
    if ((st = ech_key_int(c, "replications", y->replications, 1, ECH_MAX_REPLICATIONS,
                          &sc->replications)) != ECH_OK)
        return st;

    const y_horizon *h = y->horizon;
    if (ech_parse_date(h->start_date, &sc->start_date) != 0)
        return ech_key_fail(c, "horizon.start_date",
                            "'%s' is not a valid date (expected YYYY-MM-DD)", h->start_date);
    if ((st = ech_key_int32(c, "horizon.days", h->days, 1, ECH_MAX_HORIZON_DAYS, &sc->days)) !=
        ECH_OK)
        return st;
    sc->warmup_days = 0;
    if (h->warmup_days && (st = ech_key_int32(c, "horizon.warmup_days", h->warmup_days, 0,
                                              ECH_MAX_HORIZON_DAYS, &sc->warmup_days)) != ECH_OK)
        return st;
    if ((int64_t)sc->days + sc->warmup_days > ECH_MAX_HORIZON_DAYS)
        return ech_key_fail(c, h->warmup_days ? "horizon.warmup_days" : "horizon.days",
                            "warm-up and measured days together must be at most %d (a century), "
                            "got %d + %d",
                            ECH_MAX_HORIZON_DAYS, (int)sc->warmup_days, (int)sc->days);

    if ((st = build_demand(c, y->demand, sc)) != ECH_OK)
        return st;
    if (y->demand && y->demand->history &&
        (st = ech_key_text(c, "demand.history", y->demand->history)) != ECH_OK)
        return st;

    int v;
    if (y->supply && y->supply->internal_shortfall) {
        if ((st = ech_key_enum(c, "supply.internal_shortfall", y->supply->internal_shortfall,
                               &ech_shortfall_enum, 0, &v)) != ECH_OK)
            return st;
        sc->internal_shortfall = (uint8_t)v;
    }
    if (y->supply && y->supply->allocation) {
        if ((st = ech_key_enum(c, "supply.allocation", y->supply->allocation, &ech_allocation_enum,
                               0, &v)) != ECH_OK)
            return st;
        sc->allocation = (uint8_t)v;
    }
    sc->cw_reserve_share = 0.0;
    if (y->supply && y->supply->cw_reserve_share &&
        (st = ech_key_double_range(c, "supply.cw_reserve_share", y->supply->cw_reserve_share, 0.0,
                                   0, 1.0, 1,
                                   "the share of the central warehouse's order-up-to level "
                                   "kept back from the pharmacies",
                                   &sc->cw_reserve_share)) != ECH_OK)
        return st;
    if ((st = build_expiry(c, y->expiry, &sc->expiry)) != ECH_OK ||
        (st = build_controlled(c, y->controlled, &sc->controlled)) != ECH_OK)
        return st;
    if ((st = ech_build_suppliers(c, y, sc)) != ECH_OK ||
        (st = ech_build_sites(c, y, sc)) != ECH_OK)
        return st;
    if ((st = build_costs(c, y->costs, &sc->costs)) != ECH_OK)
        return st;
    const y_policies *p = y->policies;
    if ((st = build_rule(c, "policies", "cw", p ? p->cw : NULL, &sc->rule[ECH_LOC_CW])) != ECH_OK ||
        (st = build_rule(c, "policies", "dc", p ? p->dc : NULL, &sc->rule[ECH_LOC_DC])) != ECH_OK ||
        (st = build_rule(c, "policies", "retail", p ? p->retail : NULL,
                         &sc->rule[ECH_LOC_RETAIL])) != ECH_OK)
        return st;
    if ((st = ech_build_disruptions(c, y, sc)) != ECH_OK ||
        (st = build_variants(c, y, sc)) != ECH_OK)
        return st;

    const y_start *s = y->start;
    sc->start_stock = ECH_START_TARGET;
    if (s && s->stock) {
        if ((st = ech_key_enum(c, "start.stock", s->stock, &ech_start_stock_enum, 0, &v)) != ECH_OK)
            return st;
        sc->start_stock = (uint8_t)v;
    }
    if (sc->start_stock == ECH_START_SNAPSHOT && !(s && s->on_hand))
        return ech_key_fail(c, "start.stock",
                            "a snapshot start needs start.on_hand (a CSV file of "
                            "sku, location, on_hand)");
    if (sc->start_stock != ECH_START_SNAPSHOT && s && s->on_hand)
        return ech_key_fail(c, "start.on_hand", "only read with stock: snapshot");
    if (sc->start_stock != ECH_START_SNAPSHOT && s && s->open_orders)
        return ech_key_fail(c, "start.open_orders", "only read with stock: snapshot");

    return build_output(c, y->output, &sc->output);
}

ech_status ech_apply_overrides(const ech_overrides *ov, ech_scenario *sc, ech_error *err)
{
    if (!ov)
        return ECH_OK;
    if (ov->replications == 0 || ov->replications > ECH_MAX_REPLICATIONS)
        return ech_fail(err, ECH_ERR_INPUT,
                        "command line: --replications: must be between 1 and %d",
                        ECH_MAX_REPLICATIONS);
    if (ov->days == 0 || ov->days > ECH_MAX_HORIZON_DAYS)
        return ech_fail(err, ECH_ERR_INPUT, "command line: --days: must be between 1 and %d",
                        ECH_MAX_HORIZON_DAYS);
    if (ov->stock_bands > ECH_STOCK_BANDS_MAX)
        return ech_fail(err, ECH_ERR_INPUT, "command line: --stock-bands: must be between 0 and %d",
                        ECH_STOCK_BANDS_MAX);
    if (ov->warmup_days > ECH_MAX_HORIZON_DAYS)
        return ech_fail(err, ECH_ERR_INPUT, "command line: --warmup: must be between 0 and %d",
                        ECH_MAX_HORIZON_DAYS);
    if (ov->replications > 0)
        sc->replications = ov->replications;
    if (ov->days > 0)
        sc->days = ov->days;
    if (ov->warmup_days >= 0)
        sc->warmup_days = ov->warmup_days;
    if (ov->has_seed)
        sc->seed = ov->seed;
    if (ov->keep_replications)
        sc->output.keep_replications = 1;
    if (ov->stock_bands >= 0)
        sc->output.stock_bands = ov->stock_bands;
    if ((int64_t)sc->days + sc->warmup_days > ECH_MAX_HORIZON_DAYS)
        return ech_fail(err, ECH_ERR_INPUT,
                        "command line: warm-up and measured days together must be at most %d, "
                        "got %d + %d",
                        ECH_MAX_HORIZON_DAYS, (int)sc->warmup_days, (int)sc->days);
    return ECH_OK;
}

ech_overrides ech_overrides_none(void)
{
    return (ech_overrides){
        .replications = -1,
        .days = -1,
        .warmup_days = -1,
        .has_seed = 0,
        .seed = 0,
        .keep_replications = 0,
        .stock_bands = -1,
        .targets_path = NULL,
    };
}

/* One policies.by_segment list onto `rules` (an entry for a segment and kind already
 * there is replaced: a variant's over the scenario's). */
static ech_status add_segment_rules(const loadctx *c, const char *prefix, const y_policies *p,
                                    const ech_scenario *sc, ech_segment_rule **rules, int32_t *n)
{
    if (!p)
        return ECH_OK;
    char key[256], sub[256];
    for (unsigned i = 0; i < p->by_segment_count; ++i) {
        const y_segment_policies *e = &p->by_segment[i];
        ech_key_path(key, sizeof key, "%s.by_segment[%u].segment", prefix, i);
        ech_status st = ech_key_text(c, key, e->segment);
        if (st != ECH_OK)
            return st;
        int32_t g;
        if ((st = ech_key_segment(c, key, e->segment, sc, &g)) != ECH_OK)
            return st;
        const y_rule *given[ECH_LOC_KIND_COUNT] = {e->cw, e->dc, e->retail};
        ech_key_path(sub, sizeof sub, "%s.by_segment[%u]", prefix, i);
        int any = 0;
        for (int kd = 0; kd < ECH_LOC_KIND_COUNT; ++kd) {
            if (!given[kd])
                continue;
            any = 1;
            ech_policy_rule r;
            if ((st = build_rule(c, sub, ech_location_kind_enum.words[kd], given[kd], &r)) !=
                ECH_OK)
                return st;
            int32_t at = -1;
            for (int32_t j = 0; j < *n && at < 0; ++j)
                if ((*rules)[j].segment == g && (*rules)[j].kind == kd)
                    at = j;
            if (at < 0) {
                *rules = ech_xrealloc(*rules, (size_t)(*n + 1) * sizeof **rules, "segment rules");
                at = (*n)++;
            }
            (*rules)[at] = (ech_segment_rule){.segment = g, .kind = (uint8_t)kd, .rule = r};
        }
        if (!any)
            return ech_key_fail(c, key,
                                "segment '%s': give its rule for at least one of cw, dc "
                                "and retail",
                                e->segment);
    }
    return ECH_OK;
}

ech_status ech_build_segment_rules(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    ech_status st =
        add_segment_rules(c, "policies", y->policies, sc, &sc->segment_rules, &sc->n_segment_rules);
    if (st != ECH_OK)
        return st;
    for (int32_t v = 0; v < sc->n_variants; ++v) {
        ech_variant *vt = &sc->variant[v];
        ech_variant_copy_segment_rules(vt, sc->segment_rules, sc->n_segment_rules);
        if (v >= (int32_t)y->variants_count)
            continue;
        char prefix[128];
        ech_key_path(prefix, sizeof prefix, "variants[%d].policies", (int)v);
        if ((st = add_segment_rules(c, prefix, y->variants[v].policies, sc, &vt->segment_rules,
                                    &vt->n_segment_rules)) != ECH_OK)
            return st;
    }
    return ECH_OK;
}
