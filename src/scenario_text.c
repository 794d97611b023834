/* The resolved scenario as YAML text (the results file's provenance); see
 * ech_scenario_resolved_text in include/echelon/scenario_load.h. */
#include "echelon/scenario_load.h"
#include "echelon/table.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = 2 * b->cap + (size_t)n;
        b->s = ech_xrealloc(b->s, b->cap, "resolved scenario text");
    }
}

/* A double-quoted YAML string. */
static void sb_quoted(sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; ++p) {
        if (*p == '"' || *p == '\\')
            sb_printf(b, "\\%c", *p);
        else if (*p == '\n')
            sb_printf(b, "\\n");
        else if (*p == '\t')
            sb_printf(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            sb_printf(b, "\\x%02x", *p);
        else
            sb_printf(b, "%c", *p);
    }
    sb_printf(b, "\"");
}

/* The shortest decimal that reads back as the same double. */
static void sb_num(sbuf *b, double v)
{
    char buf[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        sb_printf(b, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; ++prec) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    sb_printf(b, "%s", buf);
}

static void sb_num_list(sbuf *b, const double *v, int n)
{
    sb_printf(b, "[");
    for (int i = 0; i < n; ++i) {
        if (i)
            sb_printf(b, ", ");
        sb_num(b, v[i]);
    }
    sb_printf(b, "]");
}

/* One kind's rule, its key indented by `ind` spaces. */
static void sb_rule(sbuf *b, int ind, const char *kind, const ech_policy_rule *r)
{
    int in = ind + 2;
    sb_printf(b, "%*s%s:\n%*stype: %s\n%*sreview_days: %d\n", ind, "", kind, in, "",
              ech_enum_word(&ech_policy_enum, r->policy), in, "", (int)r->review_days);
    switch (r->target) {
    case ECH_TARGET_SERVICE_LEVEL:
        sb_printf(b, "%*sservice_level: ", in, "");
        sb_num(b, r->service_level);
        sb_printf(b, "\n");
        break;
    case ECH_TARGET_COVER_DAYS:
        sb_printf(b, "%*scover_days: ", in, "");
        sb_num(b, r->cover_days);
        sb_printf(b, "\n");
        break;
    default:
        sb_printf(b, "%*sorder_up_to: %d\n", in, "", (int)r->order_up_to);
        if (r->policy == ECH_POLICY_S_S && r->reorder_point != ECH_REORDER_NOT_GIVEN)
            sb_printf(b, "%*sreorder_point: %d\n", in, "", (int)r->reorder_point);
        break;
    }
    if (r->policy == ECH_POLICY_S_S) {
        sb_printf(b, "%*sorder_days: ", in, "");
        sb_num(b, r->order_days);
        sb_printf(b, "\n");
    }
    sb_printf(b, "%*smin_order_qty: %d\n", in, "", (int)r->min_order_qty);
}

/* The rules per segment and kind (policies.by_segment), when there are any. */
static void sb_segment_rules(sbuf *b, int ind, const ech_scenario *sc, const ech_segment_rule *r,
                             int32_t n)
{
    if (n <= 0)
        return;
    sb_printf(b, "%*sby_segment:\n", ind, "");
    for (int32_t i = 0; i < n; ++i) {
        sb_printf(b, "%*s- segment: ", ind + 2, "");
        sb_quoted(b, sc->segment[r[i].segment]);
        sb_printf(b, "\n");
        sb_rule(b, ind + 4, ech_location_kind_enum.words[r[i].kind], &r[i].rule);
    }
}

/* A lead time as simulated ("lead_time:" at indent `ind`): an empirical one as its
 * pmf over min_days..max_days. */
static void sb_lead_time(sbuf *b, int ind, const ech_lead_time *lt)
{
    int in = ind + 2;
    sb_printf(b, "%*slead_time:\n%*sdistribution: %s\n%*smean: ", ind, "", in, "",
              ech_enum_word(&ech_lead_time_dist_enum, lt->dist), in, "");
    sb_num(b, lt->mean);
    if (lt->dist != ECH_LT_FIXED) {
        sb_printf(b, "\n%*ssd: ", in, "");
        sb_num(b, lt->sd);
    }
    sb_printf(b, "\n%*smin_days: %d\n%*smax_days: %d\n", in, "", (int)lt->min_days, in, "",
              (int)lt->max_days);
    if (lt->dist == ECH_LT_EMPIRICAL && lt->pmf) {
        /* The pmf's support and its probabilities (the days with mass only). */
        int32_t n = lt->max_days - lt->min_days + 1;
        sb_printf(b, "%*svalues: [", in, "");
        for (int32_t j = 0, first = 1; j < n; ++j)
            if (lt->pmf[j] > 0.0) {
                sb_printf(b, "%s%d", first ? "" : ", ", (int)(lt->min_days + j));
                first = 0;
            }
        sb_printf(b, "]\n%*sweights: [", in, "");
        for (int32_t j = 0, first = 1; j < n; ++j)
            if (lt->pmf[j] > 0.0) {
                sb_printf(b, "%s", first ? "" : ", ");
                sb_num(b, lt->pmf[j]);
                first = 0;
            }
        sb_printf(b, "]\n");
    }
}

/* Suppliers with their reliability and sites, the regions and the disruptions, as
 * simulated. */
static void sb_supply_model(sbuf *b, const ech_scenario *sc)
{
    const ech_suppliers *sup = &sc->suppliers;
    const ech_sites *si = &sc->sites;
    sb_printf(b, "suppliers:\n");
    for (int32_t i = 0; i < sup->n; ++i) {
        sb_printf(b, "  - id: ");
        sb_quoted(b, sup->id[i]);
        sb_printf(b, "\n");
        sb_lead_time(b, 4, &sup->lead_time[i]);
        if (sup->reliability) {
            const ech_reliability *r = &sup->reliability[i];
            if (r->partial_prob > 0.0) {
                sb_printf(b, "    partial: {probability: ");
                sb_num(b, r->partial_prob);
                sb_printf(b, ", fraction_mean: ");
                sb_num(b, r->partial_mean);
                sb_printf(b, ", fraction_sd: ");
                sb_num(b, r->partial_sd);
                sb_printf(b, "}\n");
            }
            sb_printf(b, "    cancel_probability: ");
            sb_num(b, r->cancel_prob);
            sb_printf(b, "\n    shortfall: %s\n",
                      ech_enum_word(&ech_supply_shortfall_enum, r->shortfall));
        }
        sb_printf(b, "    sites:\n");
        for (int32_t s = 0; s < si->n; ++s) {
            if (si->supplier[s] != i)
                continue;
            sb_printf(b, "      - id: ");
            sb_quoted(b, si->id[s]);
            sb_printf(b, "\n        region: ");
            sb_quoted(b, si->region[s] >= 0 && si->region[s] < sc->n_regions
                             ? sc->region[si->region[s]]
                             : "?");
            sb_printf(b, "\n");
            sb_lead_time(b, 8, &si->lead_time[s]);
        }
    }
    sb_printf(b, "regions: [");
    for (int32_t r = 0; r < sc->n_regions; ++r) {
        sb_printf(b, "%s", r ? ", " : "");
        sb_quoted(b, sc->region[r]);
    }
    sb_printf(b, "]\n");

    const ech_disruptions *d = &sc->disruptions;
    sb_printf(b, "disruptions:%s\n", d->n ? "" : " []");
    for (int32_t i = 0; i < d->n; ++i) {
        sb_printf(b, "  - name: ");
        sb_quoted(b, d->name[i]);
        sb_printf(b, "\n    kind: %s\n    scope: %s\n",
                  ech_enum_word(&ech_disruption_kind_enum, d->kind[i]),
                  ech_enum_word(&ech_disruption_scope_enum, d->scope[i]));
        const char *target = NULL;
        int32_t t = d->target[i];
        if (d->scope[i] == ECH_SCOPE_SITE && t >= 0 && t < si->n)
            target = si->id[t];
        else if (d->scope[i] == ECH_SCOPE_SUPPLIER && t >= 0 && t < sup->n)
            target = sup->id[t];
        else if (d->scope[i] == ECH_SCOPE_REGION && t >= 0 && t < sc->n_regions)
            target = sc->region[t];
        if (target) {
            sb_printf(b, "    target: ");
            sb_quoted(b, target);
            sb_printf(b, "\n");
        }
        if (d->kind[i] == ECH_DISRUPT_MARKOV) {
            sb_printf(b, "    mtbf_days: ");
            sb_num(b, d->mtbf_days[i]);
            sb_printf(b, "\n    mttr_days: ");
            sb_num(b, d->mttr_days[i]);
            sb_printf(b, "\n");
        } else {
            sb_printf(b, "    from_day: %d\n    to_day: %d\n", (int)d->from_day[i],
                      (int)d->to_day[i]);
        }
        sb_printf(b, "    capacity: ");
        sb_num(b, d->capacity[i]);
        sb_printf(b, "\n");
    }
}

/* Batches and expiry, and the rules for controlled substances. */
static void sb_expiry_controlled(sbuf *b, const ech_scenario *sc)
{
    const ech_expiry_rules *e = &sc->expiry;
    sb_printf(b,
              "expiry:\n  enabled: %s\n  min_remaining_days: %d\n  receipt_life: "
              "{min_fraction: ",
              e->enabled ? "true" : "false", (int)e->min_remaining_days);
    sb_num(b, e->receipt_life_min);
    sb_printf(b, ", max_fraction: ");
    sb_num(b, e->receipt_life_max);
    sb_printf(b, "}\n");
    if (e->returns)
        sb_printf(b, "  returns: {enabled: true, within_days: %d}\n", (int)e->return_within_days);
    else
        sb_printf(b, "  returns: {enabled: false}\n");
    const ech_controlled_rules *r = &sc->controlled;
    sb_printf(b, "controlled:\n  min_days_between_orders: %d\n  max_stock_days: ",
              (int)r->min_days_between_orders);
    sb_num(b, r->max_stock_days);
    sb_printf(b, "\n  extra_lead_time_days: %d\n", (int)r->extra_lead_time_days);
}

/* The variants, each with its disruptions, factor, allocation and rules. */
static void sb_variants(sbuf *b, const ech_scenario *sc)
{
    const ech_disruptions *d = &sc->disruptions;
    sb_printf(b, "variants:%s\n", sc->n_variants ? "" : " []");
    for (int32_t v = 0; v < sc->n_variants; ++v) {
        const ech_variant *vt = &sc->variant[v];
        sb_printf(b, "  - name: ");
        sb_quoted(b, vt->name);
        sb_printf(b, "\n");
        if (vt->description && vt->description[0]) {
            sb_printf(b, "    description: ");
            sb_quoted(b, vt->description);
            sb_printf(b, "\n");
        }
        sb_printf(b, "    disruptions: [");
        int first = 1;
        for (int32_t i = 0; i < d->n; ++i) {
            if (!vt->disruption_active || !vt->disruption_active[i])
                continue;
            sb_printf(b, "%s", first ? "" : ", ");
            sb_quoted(b, d->name[i]);
            first = 0;
        }
        sb_printf(b, "]\n    lead_time_factor: ");
        sb_num(b, vt->lead_time_factor);
        sb_printf(b, "\n    alternative_sources: %s", vt->use_alternatives ? "true" : "false");
        sb_printf(b, "\n    allocation: %s\n    policies:\n",
                  ech_enum_word(&ech_allocation_enum, vt->allocation));
        for (int k = 0; k < ECH_LOC_KIND_COUNT; ++k)
            sb_rule(b, 6, ech_location_kind_enum.words[k], &vt->rule[k]);
        sb_segment_rules(b, 6, sc, vt->segment_rules, vt->n_segment_rules);
    }
}

/* The range of every numeric input column of a table as simulated ("columns:
 * {unit_cost: [0.5, 120], pack_size: [1, 12], ...}"), so a reader of the results
 * sees what the tables held without the files. */
static void sb_columns(sbuf *b, const ech_table *t, const void *table, int64_t n)
{
    sb_printf(b, "%s_columns:", t->name);
    int any = 0;
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->input || col->type == ECH_COL_TEXT || col->type == ECH_COL_NONE || n <= 0)
            continue;
        if ((col->flags & ECH_COL_CUSTOM) && col->lo == col->hi && !col->values)
            continue; /* a reference to another table (an index, not a quantity) */
        const void *a = ech_table_array(t, table, c);
        if (col->values) {
            /* An enumeration: the words that occur. */
            int seen[256] = {0};
            for (int64_t i = 0; i < n; ++i)
                seen[((const uint8_t *)a)[i]] = 1;
            sb_printf(b, "\n  %s: [", col->input);
            int first = 1;
            for (int v = 0; v < 256; ++v)
                if (seen[v]) {
                    sb_printf(b, "%s%s", first ? "" : ", ",
                              v == ECH_POLICY_FROM_RULE && col->values == &ech_policy_enum
                                  ? "from_rule"
                                  : ech_enum_word(col->values, v));
                    first = 0;
                }
            sb_printf(b, "]");
            any = 1;
            continue;
        }
        double lo = 0.0, hi = 0.0;
        int64_t counted = 0;
        for (int64_t i = 0; i < n; ++i) {
            double v;
            switch (col->type) {
            case ECH_COL_U8: v = ((const uint8_t *)a)[i]; break;
            case ECH_COL_I32: v = ((const int32_t *)a)[i]; break;
            case ECH_COL_I64: v = (double)((const int64_t *)a)[i]; break;
            case ECH_COL_U64: v = (double)((const uint64_t *)a)[i]; break;
            default: v = ((const double *)a)[i]; break;
            }
            if (isnan(v))
                continue;
            lo = counted == 0 || v < lo ? v : lo;
            hi = counted == 0 || v > hi ? v : hi;
            ++counted;
        }
        if (counted == 0)
            continue;
        sb_printf(b, "\n  %s: [", col->input);
        sb_num(b, lo);
        sb_printf(b, ", ");
        sb_num(b, hi);
        sb_printf(b, "]");
        any = 1;
    }
    sb_printf(b, "%s\n", any ? "" : " {}");
}

static void sb_tuning(sbuf *b, const ech_scenario *sc)
{
    const ech_tuning *t = &sc->tuning;
    sb_printf(b, "tuning:\n  objective: %s\n  fill_rate: ",
              ech_enum_word(&ech_tune_objective_enum, t->objective));
    sb_num(b, t->fill_rate);
    int any = 0;
    for (int32_t g = 0; t->segment_fill_rate && g < sc->n_segments; ++g) {
        if (isnan(t->segment_fill_rate[g]))
            continue;
        sb_printf(b, any ? "\n    - {segment: " : "\n  fill_rate_by_segment:\n    - {segment: ");
        sb_quoted(b, sc->segment[g]);
        sb_printf(b, ", fill_rate: ");
        sb_num(b, t->segment_fill_rate[g]);
        sb_printf(b, "}");
        any = 1;
    }
    sb_printf(b, "\n  replications: %lld\n  max_replications: %lld\n  significance: ",
              (long long)t->replications, (long long)t->max_replications);
    sb_num(b, t->significance);
    sb_printf(b, "\n  max_evaluations: %d\n", (int)t->max_evaluations);
    if (!isnan(t->budget)) {
        sb_printf(b, "  budget: ");
        sb_num(b, t->budget);
        sb_printf(b, "\n");
    }
}

/* The contract terms as given (every default filled in). */
static void sb_contracts(sbuf *b, const ech_scenario *sc)
{
    const ech_contracts *ct = &sc->contracts;
    if (ct->n == 0)
        return;
    sb_printf(b, "contracts:\n");
    for (int32_t k = 0; k < ct->n; ++k) {
        const ech_contract_terms *t = &ct->terms[k];
        sb_printf(b, "  - supplier: ");
        sb_quoted(b, sc->suppliers.id[t->supplier]);
        if (t->sku >= 0) {
            sb_printf(b, "\n    sku: ");
            sb_quoted(b, sc->cat.id[t->sku]);
        }
        if (!isnan(t->committed)) {
            sb_printf(b, "\n    committed_units: ");
            sb_num(b, t->committed);
        }
        sb_printf(b, "\n    commitment: %s", ech_enum_word(&ech_commitment_enum, t->commitment));
        if (t->commitment == ECH_COMMIT_PENALTY) {
            sb_printf(b, "\n    shortfall_penalty: ");
            sb_num(b, t->penalty);
        }
        sb_printf(b, "\n    flex: ");
        sb_num(b, t->flex);
        if (!isinf(t->capacity)) {
            sb_printf(b, "\n    capacity_units: ");
            sb_num(b, t->capacity);
        }
        sb_printf(b, "\n    above_capacity: %s\n    spot_premium: ",
                  ech_enum_word(&ech_above_contract_enum, t->above));
        sb_num(b, t->spot_premium);
        sb_printf(b,
                  "\n    spot_lead_time_days: %d\n    unneeded: %s\n    schedule: %s\n    tiers:",
                  (int)t->spot_lead_time_days, ech_enum_word(&ech_unneeded_enum, t->unneeded),
                  ech_enum_word(&ech_schedule_enum, t->schedule));
        for (int32_t j = 0; j < t->n_tiers; ++j) {
            sb_printf(b, "\n      - {from_units: ");
            sb_num(b, t->tier_from[j]);
            if (isnan(t->tier_price[j])) {
                sb_printf(b, ", discount: ");
                sb_num(b, t->tier_discount[j]);
            } else {
                sb_printf(b, ", unit_price: ");
                sb_num(b, t->tier_price[j]);
            }
            sb_printf(b, "}");
        }
        sb_printf(b, "\n");
    }
}

char *ech_scenario_resolved_text(const ech_scenario *sc)
{
    sbuf b = {ech_xmalloc(4096, "resolved scenario text"), 0, 4096};
    b.s[0] = '\0';
    char date[11];

    const ech_sources *src = &sc->sources;

    sb_printf(&b, "# The scenario as simulated: every setting after defaults and command-line "
                  "overrides.\nname: ");
    sb_quoted(&b, sc->name);
    sb_printf(&b, "\n");
    if (sc->description && sc->description[0]) {
        sb_printf(&b, "description: ");
        sb_quoted(&b, sc->description);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "source: ");
    sb_quoted(&b, sc->source_path);
    sb_printf(&b, "\nseed: %" PRIu64 "\nreplications: %" PRId64 "\n", sc->seed, sc->replications);
    ech_format_date(sc->start_date, date);
    sb_printf(&b, "horizon:\n  start_date: %s\n  days: %d\n  warmup_days: %d\n", date,
              (int)sc->days, (int)sc->warmup_days);
    ech_format_date(sc->start_date + sc->days - 1, date);
    sb_printf(&b, "  last_date: %s\n", date);

    sb_printf(&b, "demand:\n  unmet: %s\n  weekly_profile: ",
              ech_enum_word(&ech_unmet_enum, sc->unmet_demand));
    sb_num_list(&b, sc->weekly, 7);
    sb_printf(&b, "\n  seasonality:\n");
    for (int32_t i = 0; i < sc->seasons.n && i <= sc->seasons.n_inline; ++i) {
        sb_printf(&b, "    - name: ");
        sb_quoted(&b, sc->seasons.name[i]);
        sb_printf(&b, "\n      monthly: ");
        sb_num_list(&b, sc->seasons.monthly[i], 12);
        sb_printf(&b, "\n");
    }
    if (sc->weeklies.n_inline > 0)
        sb_printf(&b, "  weekly_profiles:\n");
    for (int32_t i = 0; i < sc->weeklies.n_inline; ++i) {
        sb_printf(&b, "    - name: ");
        sb_quoted(&b, sc->weeklies.name[i]);
        sb_printf(&b, "\n      daily: ");
        sb_num_list(&b, sc->weeklies.daily[i], 7);
        sb_printf(&b, "\n");
    }
    if (src->profiles_file) {
        sb_printf(&b, "  profiles_file: ");
        sb_quoted(&b, src->profiles_file);
        sb_printf(&b, "\n  profiles_from_file: {yearly: %d, weekly: %d}\n",
                  (int)(sc->seasons.n - 1 - sc->seasons.n_inline),
                  (int)(sc->weeklies.n - sc->weeklies.n_inline));
    }
    if (src->events_file) {
        sb_printf(&b, "  events_file: ");
        sb_quoted(&b, src->events_file);
        sb_printf(&b, "\n");
    }
    if (sc->events.n > 0)
        sb_printf(&b, "  events: %d\n", (int)sc->events.n);
    if (sc->subst.enabled) {
        sb_printf(&b, "  substitution:\n    share: ");
        sb_num(&b, sc->subst.share);
        sb_printf(&b, "\n    order: %s\n    groups: %d\n",
                  ech_enum_word(&ech_subst_order_enum, sc->subst.order), (int)sc->subst.n_groups);
    }
    if (src->history_file) {
        sb_printf(&b, "  history: ");
        sb_quoted(&b, src->history_file);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "  replayed_skulocs: %d\n", (int)sc->replay.n);

    sb_printf(&b, "supply:\n  internal_shortfall: %s\n  allocation: %s\n",
              ech_enum_word(&ech_shortfall_enum, sc->internal_shortfall),
              ech_enum_word(&ech_allocation_enum, sc->allocation));
    sb_printf(&b, "  cw_reserve_share: ");
    sb_num(&b, sc->cw_reserve_share);
    sb_printf(&b, "\n");
    sb_expiry_controlled(&b, sc);
    sb_supply_model(&b, sc);
    sb_printf(&b, "costs:\n  holding_rate_per_year: ");
    sb_num(&b, sc->costs.holding_rate_per_year);
    sb_printf(&b, "\n  supplier_order_cost: ");
    sb_num(&b, sc->costs.supplier_order_cost);
    sb_printf(&b, "\n  internal_order_cost: ");
    sb_num(&b, sc->costs.internal_order_cost);
    sb_printf(&b, "\n  backorder_cost_per_day: ");
    sb_num(&b, sc->costs.backorder_cost_per_day);
    sb_printf(&b, "\n  lost_sale_penalty: ");
    sb_num(&b, sc->costs.lost_sale_penalty);
    if (sc->costs.has_holding_by_kind) {
        sb_printf(&b, "\n  holding_rate_by_kind:");
        for (int k = 0; k < ECH_LOC_KIND_COUNT; ++k) {
            if (isnan(sc->costs.holding_rate_by_kind[k]))
                continue;
            sb_printf(&b, "\n    %s: ", ech_location_kind_enum.words[k]);
            sb_num(&b, sc->costs.holding_rate_by_kind[k]);
        }
    }
    sb_printf(&b, "\npolicies:\n");
    for (int k = 0; k < ECH_LOC_KIND_COUNT; ++k)
        sb_rule(&b, 2, ech_location_kind_enum.words[k], &sc->rule[k]);
    sb_segment_rules(&b, 2, sc, sc->segment_rules, sc->n_segment_rules);
    sb_variants(&b, sc);

    sb_printf(&b, "start:\n  stock: %s\n", ech_enum_word(&ech_start_stock_enum, sc->start_stock));
    if (src->on_hand_file) {
        sb_printf(&b, "  on_hand: ");
        sb_quoted(&b, src->on_hand_file);
        sb_printf(&b, "\n");
    }
    if (src->open_orders_file) {
        sb_printf(&b, "  open_orders: ");
        sb_quoted(&b, src->open_orders_file);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "  open_order_count: %" PRId64 "\n", sc->open_orders.n);

    int32_t by_kind[ECH_LOC_KIND_COUNT] = {0};
    for (int32_t i = 0; i < sc->net.n; ++i)
        if (sc->net.kind[i] < ECH_LOC_KIND_COUNT)
            by_kind[sc->net.kind[i]]++;
    sb_printf(&b, "network:\n");
    if (src->network == ECH_FROM_FILE) {
        sb_printf(&b, "  source: locations_file\n  locations_file: ");
        sb_quoted(&b, src->locations_file);
        sb_printf(&b, "\n");
    } else if (src->network == ECH_FROM_GENERATOR) {
        ech_network_gen g = src->network_gen;
        {
            sb_printf(&b,
                      "  source: generate\n  generate: {dcs: %d, retail_per_dc: %d, "
                      "dc_lead_time_days: %d, retail_lead_time_days: %d, "
                      "cw_cold_capacity_litres: ",
                      (int)g.dcs, (int)g.retail_per_dc, (int)g.dc_lead_time_days,
                      (int)g.retail_lead_time_days);
            sb_num(&b, g.cw_cold_capacity_litres);
            sb_printf(&b, ", dc_cold_capacity_litres: ");
            sb_num(&b, g.dc_cold_capacity_litres);
            sb_printf(&b, ", retail_cold_capacity_litres: ");
            sb_num(&b, g.retail_cold_capacity_litres);
            sb_printf(&b, "}\n");
        }
    } else if (src->network == ECH_FROM_INLINE) {
        sb_printf(&b, "  source: inline\n");
    }
    if (src->network_variant) {
        /* The base's network changed by a network variant (its text and the base's
         * are the results' scenario_text). */
        sb_printf(&b, "  changed_by: network_changes\n  closed: [");
        for (int32_t i = 0; i < src->n_closed_locations; ++i) {
            sb_printf(&b, i ? ", " : "");
            sb_quoted(&b, src->closed_locations[i]);
        }
        sb_printf(&b, "]\n");
    }
    sb_printf(&b, "  locations: %d\n  cw: %d\n  dcs: %d\n  retail: %d\n", (int)sc->net.n,
              (int)by_kind[ECH_LOC_CW], (int)by_kind[ECH_LOC_DC], (int)by_kind[ECH_LOC_RETAIL]);
    /* Declared cold-room volume, summed by kind of location. */
    double cold[ECH_LOC_KIND_COUNT] = {0.0};
    for (int32_t i = 0; sc->net.cold_capacity_litres && i < sc->net.n; ++i)
        if (sc->net.kind[i] < ECH_LOC_KIND_COUNT)
            cold[sc->net.kind[i]] += sc->net.cold_capacity_litres[i];
    sb_printf(&b, "  cold_capacity_litres: {cw: ");
    sb_num(&b, cold[ECH_LOC_CW]);
    sb_printf(&b, ", dc: ");
    sb_num(&b, cold[ECH_LOC_DC]);
    sb_printf(&b, ", retail: ");
    sb_num(&b, cold[ECH_LOC_RETAIL]);
    sb_printf(&b, "}\n");

    sb_printf(&b, "catalogue:\n");
    if (src->catalogue == ECH_FROM_FILE) {
        sb_printf(&b, "  source: files\n  skus_file: ");
        sb_quoted(&b, src->skus_file);
        sb_printf(&b, "\n  assortment_file: ");
        sb_quoted(&b, src->assortment_file);
        sb_printf(&b, "\n");
    } else if (src->catalogue == ECH_FROM_GENERATOR) {
        ech_catalogue_gen g = src->catalogue_gen;
        {
            sb_printf(&b, "  source: generate\n  generate:\n    skus: %d\n    seed: %" PRIu64 "\n",
                      (int)g.skus, g.seed);
            struct {
                const char *name;
                double v;
            } shares[] = {{"fast_share", g.fast_share},
                          {"intermittent_share", g.intermittent_share},
                          {"cold_share", g.cold_share},
                          {"controlled_share", g.controlled_share},
                          {"generic_share", g.generic_share},
                          {"assortment_density", g.assortment_density},
                          {"alternative_share", g.alternative_share},
                          {"alternative_premium", g.alternative_premium},
                          {"display_share", g.display_share}};
            for (size_t i = 0; i < sizeof shares / sizeof shares[0]; ++i) {
                sb_printf(&b, "    %s: ", shares[i].name);
                sb_num(&b, shares[i].v);
                sb_printf(&b, "\n");
            }
        }
    } else if (src->catalogue == ECH_FROM_INLINE) {
        sb_printf(&b, "  source: inline\n");
    }
    if (src->demand_file) {
        sb_printf(&b, "  demand_file: ");
        sb_quoted(&b, src->demand_file);
        sb_printf(&b, "\n");
    }
    if (src->targets_file) {
        sb_printf(&b, "  targets_file: ");
        sb_quoted(&b, src->targets_file);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "  skus: %d\n  skulocs: %" PRId64 "\n  segments: [", (int)sc->cat.n, sc->sl.n);
    for (int32_t i = 0; i < sc->n_segments; ++i) {
        if (i)
            sb_printf(&b, ", ");
        sb_quoted(&b, sc->segment[i]);
    }
    sb_printf(&b, "]\noutput:\n  quantiles: ");
    sb_num_list(&b, sc->output.quantiles, sc->output.n_quantiles);
    sb_printf(&b, "\n  keep_replications: %s\n", sc->output.keep_replications ? "true" : "false");
    sb_printf(&b, "  stock_bands: %d\n", (int)sc->output.stock_bands);
    sb_tuning(&b, sc);
    sb_contracts(&b, sc);

    sb_columns(&b, &ech_network_table, &sc->net, sc->net.n);
    sb_columns(&b, &ech_catalogue_table, &sc->cat, sc->cat.n);
    sb_columns(&b, &ech_skuloc_table, &sc->sl, sc->sl.n);
    return b.s;
}
