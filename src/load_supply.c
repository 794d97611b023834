/* Suppliers, their sites and regions, and disruptions, from the scenario file; see
 * load.h. */
#include "load.h"
#include "echelon/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An empirical lead time: observed whole days with optional weights, stored as the
 * pmf over [min value, max value] with its mean and sd. */
static ech_status build_empirical(const loadctx *c, const char *base, const y_lead_time *lt,
                                  ech_lead_time *out)
{
    char k[256], vk[256], wk[256];
    static const char *const computed[4] = {"mean", "sd", "min_days", "max_days"};
    const char *given[4] = {lt->mean, lt->sd, lt->min_days, lt->max_days};
    for (int i = 0; i < 4; ++i)
        if (given[i])
            return ech_key_fail(c, ech_key_path(k, sizeof k, "%s.%s", base, computed[i]),
                                "not allowed for an empirical lead time (its mean, sd and range "
                                "come from the values)");
    ech_key_path(vk, sizeof vk, "%s.values", base);
    ech_key_path(wk, sizeof wk, "%s.weights", base);
    if (!ech_yaml_has(c->ix, vk))
        return ech_key_missing(c, base, "values",
                               "required for an empirical lead time (the "
                               "observed lead times in days)");
    unsigned n = lt->values_count;
    if (n == 0)
        return ech_key_fail(c, vk, "give at least one observed lead time");
    int has_weights = ech_yaml_has(c->ix, wk);
    if (has_weights && lt->weights_count != n)
        return ech_key_fail(c, wk, "expected %u weights, one per value, got %u", n,
                            lt->weights_count);

    int32_t *days = ech_xmalloc(n * sizeof *days, "empirical lead times");
    double *w = ech_xmalloc(n * sizeof *w, "empirical lead-time weights");
    ech_status st = ECH_OK;
    int32_t lo = ECH_MAX_LANE_DAYS, hi = 0;
    double total = 0.0;
    for (unsigned i = 0; i < n && st == ECH_OK; ++i) {
        st = ech_key_int32(c, ech_key_path(k, sizeof k, "%s[%u]", vk, i), lt->values[i], 0,
                           ECH_MAX_LANE_DAYS, &days[i]);
        if (st == ECH_OK && has_weights)
            st = ech_key_double_range(c, ech_key_path(k, sizeof k, "%s[%u]", wk, i), lt->weights[i],
                                      0.0, 1, 1e12, 0, "", &w[i]);
        else
            w[i] = 1.0;
        if (st == ECH_OK) {
            lo = days[i] < lo ? days[i] : lo;
            hi = days[i] > hi ? days[i] : hi;
            total += w[i];
        }
    }
    if (st == ECH_OK && !isfinite(total))
        st = ech_key_fail(c, wk,
                          "the weights add up to more than the largest number: scale them down");
    if (st != ECH_OK) {
        free(days);
        free(w);
        return st;
    }
    int32_t span = hi - lo + 1;
    double *pmf = ech_xcalloc((size_t)span, sizeof *pmf, "empirical lead-time pmf");
    for (unsigned i = 0; i < n; ++i)
        pmf[days[i] - lo] += w[i];
    double mean = 0.0, var = 0.0;
    for (int32_t j = 0; j < span; ++j) {
        pmf[j] /= total;
        mean += (double)(lo + j) * pmf[j];
    }
    for (int32_t j = 0; j < span; ++j) {
        double dev = (double)(lo + j) - mean;
        var += dev * dev * pmf[j];
    }
    free(days);
    free(w);
    out->mean = mean;
    out->sd = sqrt(var);
    out->min_days = lo;
    out->max_days = hi;
    out->pmf = pmf;
    return ECH_OK;
}

/* A lead time at key path `base` ("suppliers[0].lead_time").  On failure *out owns
 * nothing. */
static ech_status build_lead_time(const loadctx *c, const char *base, const y_lead_time *lt,
                                  ech_lead_time *out)
{
    char k[256], mean_key[256];
    ech_status st;
    memset(out, 0, sizeof *out);
    int dist = 0;
    if ((st = ech_key_enum(c, ech_key_path(k, sizeof k, "%s.distribution", base), lt->distribution,
                           &ech_lead_time_dist_enum, 0, &dist)) != ECH_OK)
        return st;
    out->dist = (uint8_t)dist;
    if (dist == ECH_LT_EMPIRICAL)
        return build_empirical(c, base, lt, out);
    if (ech_yaml_has(c->ix, ech_key_path(k, sizeof k, "%s.values", base)) ||
        ech_yaml_has(c->ix, ech_key_path(k, sizeof k, "%s.weights", base))) {
        if (!ech_yaml_has(c->ix, ech_key_path(k, sizeof k, "%s.values", base)))
            ech_key_path(k, sizeof k, "%s.weights", base);
        return ech_key_fail(c, k, "only for an empirical lead time (distribution: empirical)");
    }
    if (!lt->mean)
        return ech_key_missing(c, base, "mean", "required key is missing from %s", base);

    ech_key_path(mean_key, sizeof mean_key, "%s.mean", base);
    if ((st = ech_key_double(c, mean_key, lt->mean, &out->mean)) != ECH_OK)
        return st;
    if (out->mean > ECH_MAX_LANE_DAYS)
        return ech_key_fail(c, mean_key, "must be at most %d days, got %s", ECH_MAX_LANE_DAYS,
                            lt->mean);
    if (dist == ECH_LT_FIXED) {
        if (!(out->mean >= 0.0) || out->mean != floor(out->mean))
            return ech_key_fail(c, mean_key,
                                "a fixed lead time must be a whole number of days >= 0, got %s",
                                lt->mean);
        if (lt->sd)
            return ech_key_fail(c, ech_key_path(k, sizeof k, "%s.sd", base),
                                "not allowed for a fixed lead time");
        out->sd = 0.0;
    } else {
        if (!(out->mean > 0.0))
            return ech_key_fail(c, mean_key, "must be > 0 days, got %s", lt->mean);
        if (!lt->sd)
            return ech_key_missing(c, base, "sd", "required for a %s lead time",
                                   ech_lead_time_dist_enum.words[dist]);
        if ((st = ech_key_double_range(c, ech_key_path(k, sizeof k, "%s.sd", base), lt->sd, 0.0, 1,
                                       ECH_MAX_LANE_DAYS, 0, "", &out->sd)) != ECH_OK)
            return st;
    }
    out->min_days = 0;
    if (lt->min_days &&
        (st = ech_key_int32(c, ech_key_path(k, sizeof k, "%s.min_days", base), lt->min_days, 0,
                            ECH_MAX_LANE_DAYS, &out->min_days)) != ECH_OK)
        return st;
    if (lt->max_days) {
        const char *max_key = ech_key_path(k, sizeof k, "%s.max_days", base);
        if ((st = ech_key_int32(c, max_key, lt->max_days, 0, ECH_MAX_LANE_DAYS, &out->max_days)) !=
            ECH_OK)
            return st;
        if (out->max_days < out->min_days)
            return ech_key_fail(c, max_key, "must be >= min_days (%d), got %d", out->min_days,
                                out->max_days);
    } else if (dist == ECH_LT_FIXED) {
        out->max_days = (int32_t)out->mean;
    } else {
        double m = ceil(out->mean + 10.0 * out->sd);
        out->max_days = m > ECH_MAX_LANE_DAYS ? ECH_MAX_LANE_DAYS : (int32_t)m;
        if (out->max_days < out->min_days)
            out->max_days = out->min_days;
    }
    if (dist == ECH_LT_FIXED && (out->mean < out->min_days || out->mean > out->max_days))
        return ech_key_fail(c, mean_key,
                            "a fixed lead time of %s days is outside min_days..max_days "
                            "(%d..%d)",
                            lt->mean, out->min_days, out->max_days);
    return ECH_OK;
}

ech_status ech_build_partial(const loadctx *c, const char *prefix, const y_partial *p,
                             ech_reliability *r)
{
    char k[256];
    ech_status st;
    if ((st = ech_key_double_range(
             c, ech_key_path(k, sizeof k, "%s.probability", prefix), p->probability, 0.0, 0, 1.0, 0,
             "the probability that a shipment is partial", &r->partial_prob)) != ECH_OK ||
        (st = ech_key_double_range(
             c, ech_key_path(k, sizeof k, "%s.fraction_mean", prefix), p->fraction_mean, 0.0, 1,
             1.0, 1, "the mean delivered share of a partial shipment", &r->partial_mean)) != ECH_OK)
        return st;
    const char *sd_key = ech_key_path(k, sizeof k, "%s.fraction_sd", prefix);
    if ((st = ech_key_double(c, sd_key, p->fraction_sd, &r->partial_sd)) != ECH_OK)
        return st;
    double m = r->partial_mean, limit = sqrt(m * (1.0 - m));
    if (!(r->partial_sd > 0.0 && r->partial_sd < limit))
        return ech_key_fail(c, sd_key,
                            "must be > 0 and below sqrt(m (1 - m)) = %.4g for fraction_mean %s "
                            "(no beta distribution has a larger sd), got %s",
                            limit, p->fraction_mean, p->fraction_sd);
    return ECH_OK;
}

/* Partial deliveries, cancellations and what happens to undelivered units. */
static ech_status build_reliability(const loadctx *c, unsigned i, const y_supplier *ys,
                                    ech_reliability *r)
{
    char k[256];
    ech_status st;
    memset(r, 0, sizeof *r);
    r->shortfall = ECH_SUPPLY_BACKORDER;
    if (ys->partial &&
        (st = ech_build_partial(c, ech_key_path(k, sizeof k, "suppliers[%u].partial", i),
                                ys->partial, r)) != ECH_OK)
        return st;
    if (ys->cancel_probability &&
        (st = ech_key_double_range(
             c, ech_key_path(k, sizeof k, "suppliers[%u].cancel_probability", i),
             ys->cancel_probability, 0.0, 0, 1.0, 1, "the probability that an order is cancelled",
             &r->cancel_prob)) != ECH_OK)
        return st;
    if (ys->shortfall) {
        int v;
        if ((st = ech_key_enum(c, ech_key_path(k, sizeof k, "suppliers[%u].shortfall", i),
                               ys->shortfall, &ech_supply_shortfall_enum, 0, &v)) != ECH_OK)
            return st;
        r->shortfall = (uint8_t)v;
    }
    return ECH_OK;
}

/* The express mode of a supplier's lanes (scenario.h, ech_express). */
static ech_status build_express(const loadctx *c, unsigned i, const y_supplier *ys,
                                ech_scenario *sc)
{
    ech_suppliers *s = &sc->suppliers;
    if (!ys->express)
        return ECH_OK;
    if (!s->express) {
        s->express = ech_xcalloc(s->n > 0 ? (size_t)s->n : 1, sizeof *s->express, "express");
        for (int32_t j = 0; j < s->n; ++j)
            s->express[j].lead_time_days = -1;
    }
    ech_express *e = &s->express[i];
    char k[256];
    ech_status st;
    const y_express *y = ys->express;
    if ((st = ech_key_int32(c, ech_key_path(k, sizeof k, "suppliers[%u].express.lead_time_days", i),
                            y->lead_time_days, 0, ECH_MAX_LANE_DAYS, &e->lead_time_days)) != ECH_OK)
        return st;
    if (y->premium &&
        (st = ech_key_double_range(c, ech_key_path(k, sizeof k, "suppliers[%u].express.premium", i),
                                   y->premium, 0.0, 0, 100.0, 0, "a share of unit_cost a unit",
                                   &e->premium)) != ECH_OK)
        return st;
    if (y->shipment_cost &&
        (st = ech_key_double_range(
             c, ech_key_path(k, sizeof k, "suppliers[%u].express.shipment_cost", i),
             y->shipment_cost, 0.0, 0, ECH_MAX_UNIT_MONEY, 0, "currency a shipment",
             &e->shipment_cost)) != ECH_OK)
        return st;
    return ECH_OK;
}

ech_status ech_build_suppliers(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    if (y->suppliers_count == 0)
        return ech_key_fail(c, "suppliers", "at least one supplier is needed");
    ech_suppliers *s = &sc->suppliers;
    s->id = ech_xcalloc(y->suppliers_count, sizeof *s->id, "supplier ids");
    s->lead_time = ech_xcalloc(y->suppliers_count, sizeof *s->lead_time, "supplier lead times");
    s->reliability =
        ech_xcalloc(y->suppliers_count, sizeof *s->reliability, "supplier reliability");
    char k[256];
    for (unsigned i = 0; i < y->suppliers_count; ++i) {
        const y_supplier *ys = &y->suppliers[i];
        ech_status st;
        const char *key = ech_key_path(k, sizeof k, "suppliers[%u].id", i);
        if ((st = ech_key_text(c, key, ys->id)) != ECH_OK)
            return st;
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(y->suppliers[j].id, ys->id) == 0)
                return ech_key_fail(
                    c, key, "supplier '%s' is defined twice (first on line %ld)", ys->id,
                    ech_key_line(c, ech_key_path((char[256]){0}, 256, "suppliers[%u].id", j)));
        if ((st = build_lead_time(c, ech_key_path(k, sizeof k, "suppliers[%u].lead_time", i),
                                  ys->lead_time, &s->lead_time[i])) != ECH_OK)
            return st;
        s->id[i] = ech_xstrdup(ys->id, "supplier id");
        s->n = (int32_t)i + 1;
        if ((st = build_reliability(c, i, ys, &s->reliability[i])) != ECH_OK)
            return st;
    }
    /* Express modes once every supplier is known (the array is per supplier). */
    for (unsigned i = 0; i < y->suppliers_count; ++i) {
        ech_status st = build_express(c, i, &y->suppliers[i], sc);
        if (st != ECH_OK)
            return st;
    }
    return ECH_OK;
}

/* The index of region `name`, added after the others when new. */
static int32_t region_index(ech_scenario *sc, int32_t *cap, const char *name)
{
    for (int32_t r = 0; r < sc->n_regions; ++r)
        if (strcmp(sc->region[r], name) == 0)
            return r;
    if (sc->n_regions == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        sc->region = ech_xrealloc(sc->region, (size_t)*cap * sizeof *sc->region, "region names");
    }
    sc->region[sc->n_regions] = ech_xstrdup(name, "region name");
    return sc->n_regions++;
}

/* Supplier sites and regions.  A supplier without a `sites` list has one site named
 * as the supplier, in region "default", with the supplier's lead time. */
ech_status ech_build_sites(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    const ech_suppliers *sup = &sc->suppliers;
    ech_sites *si = &sc->sites;
    char k[256], base[256];
    size_t total = 0;
    for (unsigned i = 0; i < y->suppliers_count; ++i) {
        const y_supplier *ys = &y->suppliers[i];
        if (ys->sites_count == 0 &&
            ech_yaml_has(c->ix, ech_key_path(k, sizeof k, "suppliers[%u].sites", i)))
            return ech_key_fail(c, k,
                                "an empty list: give at least one site, or leave the key out "
                                "for one site named as the supplier");
        total += ys->sites_count ? ys->sites_count : 1;
    }
    si->id = ech_xcalloc(total, sizeof *si->id, "site ids");
    si->supplier = ech_xcalloc(total, sizeof *si->supplier, "site suppliers");
    si->region = ech_xcalloc(total, sizeof *si->region, "site regions");
    si->lead_time = ech_xcalloc(total, sizeof *si->lead_time, "site lead times");
    si->id_hash = ech_xcalloc(total, sizeof *si->id_hash, "site id hashes");
    long *line = ech_xcalloc(total, sizeof *line, "site lines");
    int32_t region_cap = 0;
    region_index(sc, &region_cap, "default");

    ech_status st = ECH_OK;
    for (unsigned i = 0; i < y->suppliers_count && st == ECH_OK; ++i) {
        const y_supplier *ys = &y->suppliers[i];
        if (ys->sites_count == 0) {
            int32_t n = si->n;
            si->id[n] = ech_xstrdup(sup->id[i], "site id");
            si->supplier[n] = (int32_t)i;
            si->region[n] = 0;
            si->lead_time[n] = ech_lead_time_copy(&sup->lead_time[i]);
            si->n = n + 1;
            continue;
        }
        for (unsigned j = 0; j < ys->sites_count && st == ECH_OK; ++j) {
            const y_site *ysi = &ys->sites[j];
            ech_key_path(base, sizeof base, "suppliers[%u].sites[%u]", i, j);
            const char *id_key = ech_key_path(k, sizeof k, "%s.id", base);
            if ((st = ech_key_text(c, id_key, ysi->id)) != ECH_OK)
                break;
            int32_t other = ech_scenario_find_supplier(sc, ysi->id);
            if (other >= 0 && other != (int32_t)i) {
                st = ech_key_fail(c, id_key,
                                  "'%s' is the id of supplier '%s' (line %ld): a site may "
                                  "share its id only with its own supplier",
                                  ysi->id, sup->id[other],
                                  ech_key_line(c, ech_key_path((char[256]){0}, 256,
                                                               "suppliers[%d].id", (int)other)));
                break;
            }
            for (int32_t s = 0; s < si->n && st == ECH_OK; ++s)
                if (strcmp(si->id[s], ysi->id) == 0)
                    st = ech_key_fail(c, id_key,
                                      "site '%s' is defined twice (first on line %ld); "
                                      "site ids are unique across all suppliers",
                                      ysi->id, line[s]);
            if (st != ECH_OK)
                break;
            int32_t region = 0;
            if (ysi->region) {
                if ((st = ech_key_text(c, ech_key_path(k, sizeof k, "%s.region", base),
                                       ysi->region)) != ECH_OK)
                    break;
                region = region_index(sc, &region_cap, ysi->region);
            }
            ech_lead_time lt;
            if (ysi->lead_time) {
                if ((st = build_lead_time(c, ech_key_path(k, sizeof k, "%s.lead_time", base),
                                          ysi->lead_time, &lt)) != ECH_OK)
                    break;
            } else {
                lt = ech_lead_time_copy(&sup->lead_time[i]);
            }
            int32_t n = si->n;
            si->id[n] = ech_xstrdup(ysi->id, "site id");
            si->supplier[n] = (int32_t)i;
            si->region[n] = region;
            si->lead_time[n] = lt;
            line[n] = ech_key_line(c, ech_key_path(k, sizeof k, "%s.id", base));
            si->n = n + 1;
        }
    }
    free(line);
    for (int32_t s = 0; s < si->n; ++s)
        si->id_hash[s] = ech_hash_string(si->id[s]);
    return st;
}

static int32_t find_site(const ech_scenario *sc, const char *id)
{
    for (int32_t s = 0; s < sc->sites.n; ++s)
        if (strcmp(sc->sites.id[s], id) == 0)
            return s;
    return -1;
}

static int32_t find_region(const ech_scenario *sc, const char *name)
{
    for (int32_t r = 0; r < sc->n_regions; ++r)
        if (strcmp(sc->region[r], name) == 0)
            return r;
    return -1;
}

void ech_join_list(char *buf, size_t size, char *const *names, int32_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int32_t i = 0; i < n && used + 1 < size; ++i) {
        int m = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        used += m > 0 ? (size_t)m : 0;
    }
    if (used >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

ech_status ech_build_disruptions(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    unsigned n = y->disruptions_count;
    if (n == 0)
        return ECH_OK;
    ech_disruptions *d = &sc->disruptions;
    d->name = ech_xcalloc(n, sizeof *d->name, "disruption names");
    d->kind = ech_xcalloc(n, sizeof *d->kind, "disruption kinds");
    d->scope = ech_xcalloc(n, sizeof *d->scope, "disruption scopes");
    d->target = ech_xcalloc(n, sizeof *d->target, "disruption targets");
    d->mtbf_days = ech_xcalloc(n, sizeof *d->mtbf_days, "disruption MTBFs");
    d->mttr_days = ech_xcalloc(n, sizeof *d->mttr_days, "disruption MTTRs");
    d->from_day = ech_xcalloc(n, sizeof *d->from_day, "disruption first days");
    d->to_day = ech_xcalloc(n, sizeof *d->to_day, "disruption last days");
    d->capacity = ech_xcalloc(n, sizeof *d->capacity, "disruption capacities");
    d->key = ech_xcalloc(n, sizeof *d->key, "disruption keys");
    d->n = (int32_t)n;

    char base[64], k[256];
    ech_status st;
    for (unsigned i = 0; i < n; ++i) {
        const y_disruption *yd = &y->disruptions[i];
        ech_key_path(base, sizeof base, "disruptions[%u]", i);
#define D_KEY(name) ech_key_path(k, sizeof k, "%s.%s", base, name)
        if ((st = ech_key_text(c, D_KEY("name"), yd->name)) != ECH_OK)
            return st;
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(d->name[j], yd->name) == 0)
                return ech_key_fail(
                    c, k, "disruption '%s' is defined twice (first on line %ld)", yd->name,
                    ech_key_line(c, ech_key_path((char[256]){0}, 256, "disruptions[%u].name", j)));
        d->name[i] = ech_xstrdup(yd->name, "disruption name");
        d->key[i] = ech_hash_string(yd->name);

        int kind = 0, scope = 0;
        if ((st = ech_key_enum(c, D_KEY("kind"), yd->kind, &ech_disruption_kind_enum, 0, &kind)) !=
                ECH_OK ||
            (st = ech_key_enum(c, D_KEY("scope"), yd->scope, &ech_disruption_scope_enum, 0,
                               &scope)) != ECH_OK)
            return st;
        d->kind[i] = (uint8_t)kind;
        d->scope[i] = (uint8_t)scope;

        /* The target, looked up by the scope. */
        d->target[i] = -1;
        if (scope == ECH_SCOPE_EACH_SITE) {
            if (yd->target)
                return ech_key_fail(c, D_KEY("target"),
                                    "not allowed with scope each_site (it "
                                    "strikes every site, each on its own timeline)");
        } else {
            static const char *const what[] = {"site", "supplier", "region"};
            if (!yd->target)
                return ech_key_missing(c, base, "target",
                                       "required with scope %s (the %s it "
                                       "strikes)",
                                       ech_disruption_scope_enum.words[scope], what[scope]);
            const char *tk = D_KEY("target");
            if ((st = ech_key_text(c, tk, yd->target)) != ECH_OK)
                return st;
            int32_t found[3] = {find_site(sc, yd->target),
                                ech_scenario_find_supplier(sc, yd->target),
                                find_region(sc, yd->target)};
            if (found[scope] < 0) {
                int other = -1;
                for (int s = 0; s < 3 && other < 0; ++s)
                    if (found[s] >= 0)
                        other = s;
                if (other < 0)
                    return ech_key_fail(c, tk, "no site, supplier or region named '%s'",
                                        yd->target);
                return ech_key_fail(c, tk, "'%s' is a %s, not a %s: use scope: %s, or name a %s",
                                    yd->target, what[other], what[scope],
                                    ech_disruption_scope_enum.words[other], what[scope]);
            }
            d->target[i] = found[scope];
        }

        if (kind == ECH_DISRUPT_MARKOV) {
            if (yd->from_day || yd->to_day)
                return ech_key_fail(
                    c, D_KEY(yd->from_day ? "from_day" : "to_day"),
                    "only for a scripted disruption (a markov one has mtbf_days and "
                    "mttr_days)");
            if (!yd->mtbf_days)
                return ech_key_missing(c, base, "mtbf_days",
                                       "required for a markov disruption "
                                       "(mean days up between failures)");
            if (!yd->mttr_days)
                return ech_key_missing(c, base, "mttr_days",
                                       "required for a markov disruption "
                                       "(mean days down)");
            if ((st = ech_key_double_range(c, D_KEY("mtbf_days"), yd->mtbf_days, 1.0, 0, 1e6, 0, "",
                                           &d->mtbf_days[i])) != ECH_OK ||
                (st = ech_key_double_range(c, D_KEY("mttr_days"), yd->mttr_days, 1.0, 0, 1e6, 0, "",
                                           &d->mttr_days[i])) != ECH_OK)
                return st;
        } else {
            if (yd->mtbf_days || yd->mttr_days)
                return ech_key_fail(c, D_KEY(yd->mtbf_days ? "mtbf_days" : "mttr_days"),
                                    "only for a markov disruption (a scripted one has from_day and "
                                    "to_day)");
            if (!yd->from_day)
                return ech_key_missing(c, base, "from_day",
                                       "required for a scripted disruption "
                                       "(the first scenario day down)");
            if (!yd->to_day)
                return ech_key_missing(c, base, "to_day",
                                       "required for a scripted disruption "
                                       "(the first scenario day up again)");
            if ((st = ech_key_int32(c, D_KEY("from_day"), yd->from_day, -ECH_MAX_HORIZON_DAYS,
                                    ECH_MAX_HORIZON_DAYS, &d->from_day[i])) != ECH_OK ||
                (st = ech_key_int32(c, D_KEY("to_day"), yd->to_day, -ECH_MAX_HORIZON_DAYS,
                                    ECH_MAX_HORIZON_DAYS, &d->to_day[i])) != ECH_OK)
                return st;
            if (d->to_day[i] <= d->from_day[i])
                return ech_key_fail(c, D_KEY("to_day"),
                                    "must be after from_day (%d): the site is down "
                                    "on days from_day .. to_day - 1, got %d",
                                    (int)d->from_day[i], (int)d->to_day[i]);
        }
        d->capacity[i] = 0.0;
        if (yd->capacity &&
            (st = ech_key_double_range(c, D_KEY("capacity"), yd->capacity, 0.0, 0, 1.0, 1,
                                       "the share of normal supply while down (1 would be no "
                                       "disruption)",
                                       &d->capacity[i])) != ECH_OK)
            return st;
#undef D_KEY
    }
    return ECH_OK;
}
