/* The scenario model: freeing, finalising, lookups and the calendar.
 * See include/echelon/scenario.h. */
#include "echelon/scenario.h"
#include "echelon/demand_model.h"
#include "echelon/rng.h"
#include "echelon/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * Freeing
 * ------------------------------------------------------------------------------ */

void ech_strings_free(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; ++i)
        free(s[i]);
    free(s);
}

void ech_network_free(ech_network *net)
{
    ech_table_free(&ech_network_table, net, net->n);
    memset(net, 0, sizeof *net);
}

void ech_catalogue_free(ech_catalogue *cat)
{
    ech_table_free(&ech_catalogue_table, cat, cat->n);
    memset(cat, 0, sizeof *cat);
}

void ech_skulocs_free(ech_skulocs *t)
{
    ech_table_free(&ech_skuloc_table, t, t->n);
    free(t->sku_begin);
    free(t->source);
    memset(t, 0, sizeof *t);
}

void ech_variant_free_policy(ech_variant *v)
{
    ech_table_free(&ech_variant_policy_table, v, 0);
}

void ech_variant_copy_segment_rules(ech_variant *v, const ech_segment_rule *rules, int32_t n)
{
    free(v->segment_rules);
    v->segment_rules = NULL;
    v->n_segment_rules = n;
    if (n > 0) {
        v->segment_rules = ech_xmalloc((size_t)n * sizeof *rules, "segment rules");
        memcpy(v->segment_rules, rules, (size_t)n * sizeof *rules);
    }
}

void ech_variant_free(ech_variant *v)
{
    free(v->name);
    free(v->description);
    free(v->disruption_active);
    free(v->segment_rules);
    free(v->committed);
    free(v->supplier_fill);
    ech_variant_free_policy(v);
    memset(v, 0, sizeof *v);
}

void ech_variant_copy(const ech_scenario *sc, ech_variant *dst, const ech_variant *src)
{
    memset(dst, 0, sizeof *dst);
    dst->name = ech_xstrdup(src->name, "variant name");
    dst->description = ech_xstrdup(src->description ? src->description : "", "variant text");
    size_t nd = (size_t)(sc->disruptions.n > 0 ? sc->disruptions.n : 1);
    dst->disruption_active = ech_xmalloc(nd, "active disruptions");
    memcpy(dst->disruption_active, src->disruption_active, nd);
    dst->lead_time_factor = src->lead_time_factor;
    dst->use_alternatives = src->use_alternatives;
    dst->allocation = src->allocation;
    memcpy(dst->rule, src->rule, sizeof dst->rule);
    ech_variant_copy_segment_rules(dst, src->segment_rules, src->n_segment_rules);
    if (src->supplier_fill) {
        dst->supplier_fill = ech_xmalloc(sizeof *dst->supplier_fill, "supplier fill");
        *dst->supplier_fill = *src->supplier_fill;
    }
    if (src->committed) {
        size_t n = (size_t)(sc->cat.n > 0 ? sc->cat.n : 1) * sizeof *dst->committed;
        dst->committed = ech_xmalloc(n, "commitments");
        memcpy(dst->committed, src->committed, n);
    }
    ech_table_alloc(&ech_variant_policy_table, dst, sc->sl.n);
    ech_table_copy(&ech_variant_policy_table, dst, src, sc->sl.n);
}

static void contracts_free(ech_contracts *c)
{
    for (int32_t k = 0; k < c->n; ++k) {
        free(c->terms[k].tier_from);
        free(c->terms[k].tier_price);
        free(c->terms[k].tier_discount);
    }
    free(c->terms);
    free(c->of_sku);
    memset(c, 0, sizeof *c);
}

double ech_contract_tier_price(const ech_contract_terms *t, int32_t k, double unit_cost)
{
    double price = t->tier_price[k];
    return price == price ? price : unit_cost * (1.0 - t->tier_discount[k]);
}

int32_t ech_contract_tier(const ech_contract_terms *t, double c)
{
    int32_t k = 0;
    while (k + 1 < t->n_tiers && t->tier_from[k + 1] <= c)
        ++k;
    return k;
}

const char *ech_expedite_refusal(const ech_scenario *sc, int64_t x)
{
    const ech_skulocs *sl = &sc->sl;
    if (sl->expedite_level[x] < 0)
        return NULL;
    if (sl->expedite_level[x] > ECH_MAX_UNITS)
        return "is beyond the units the engine counts";
    if (sl->parent[x] >= 0)
        return sc->net.express_lead_time_days[sl->location[x]] >= 0
                   ? NULL
                   : "needs an express mode of the lane into the location (network "
                     "express_lead_time_days)";
    int32_t sup = sc->cat.supplier[sl->sku[x]];
    return sc->suppliers.express && sup >= 0 && sc->suppliers.express[sup].lead_time_days >= 0
               ? NULL
               : "needs an express mode of the SKU's supplier (suppliers: express)";
}

void ech_contract_band(double c, double flex, double capacity, double *minimum, double *limit)
{
    *minimum = floor(c * (1.0 - flex) + 1e-9);
    double top = floor(c * (1.0 + flex) + 1e-9);
    *limit = top < capacity ? top : capacity;
    if (*limit < *minimum) /* a capacity below the minimum is refused on input */
        *limit = *minimum;
}

double ech_variant_commitment(const ech_scenario *sc, const ech_variant *v, int32_t sku)
{
    if (!sc->contracts.of_sku || sc->contracts.of_sku[sku] < 0)
        return NAN;
    if (v && v->committed)
        return v->committed[sku];
    return sc->contracts.terms[sc->contracts.of_sku[sku]].committed;
}

static void lead_times_free(ech_lead_time *lt, int32_t n)
{
    for (int32_t i = 0; lt && i < n; ++i)
        free(lt[i].pmf);
    free(lt);
}

int ech_scenario_input_files(const ech_scenario *sc, const char *out[ECH_SCENARIO_MAX_INPUTS])
{
    const ech_sources *src = &sc->sources;
    const char *named[] = {src->locations_file, src->skus_file,    src->assortment_file,
                           src->history_file,   src->on_hand_file, src->open_orders_file,
                           src->targets_file,   src->demand_file,  src->profiles_file,
                           src->events_file};
    int n = (int)(sizeof named / sizeof named[0]);
    for (int k = 0; k < n; ++k)
        out[k] = named[k];
    return n;
}

void ech_scenario_free(ech_scenario *sc)
{
    if (!sc)
        return;
    free(sc->name);
    free(sc->description);
    free(sc->source_path);
    free(sc->source_text);
    ech_strings_free(sc->seasons.name, sc->seasons.n);
    free(sc->seasons.monthly);
    ech_strings_free(sc->weeklies.name, sc->weeklies.n);
    free(sc->weeklies.daily);
    ech_demand_events_free(&sc->events);
    ech_strings_free(sc->group, sc->n_groups);
    ech_strings_free(sc->segment, sc->n_segments);
    ech_strings_free(sc->subst.group_name, sc->subst.n_groups);
    free(sc->subst.group_begin);
    free(sc->subst.member);
    free(sc->segment_rules);
    free(sc->output.quantiles);
    free(sc->tuning.segment_fill_rate);
    free(sc->tuning.location_budget);
    contracts_free(&sc->contracts);
    ech_network_free(&sc->net);
    ech_strings_free(sc->suppliers.id, sc->suppliers.n);
    lead_times_free(sc->suppliers.lead_time, sc->suppliers.n);
    free(sc->suppliers.reliability);
    free(sc->suppliers.express);
    ech_strings_free(sc->sites.id, sc->sites.n);
    free(sc->sites.supplier);
    free(sc->sites.region);
    lead_times_free(sc->sites.lead_time, sc->sites.n);
    free(sc->sites.id_hash);
    ech_strings_free(sc->region, sc->n_regions);
    ech_disruptions *dis = &sc->disruptions;
    ech_strings_free(dis->name, dis->n);
    free(dis->kind);
    free(dis->scope);
    free(dis->target);
    free(dis->mtbf_days);
    free(dis->mttr_days);
    free(dis->from_day);
    free(dis->to_day);
    free(dis->capacity);
    free(dis->key);
    for (int32_t v = 0; v < sc->n_variants; ++v)
        ech_variant_free(&sc->variant[v]);
    free(sc->variant);
    ech_catalogue_free(&sc->cat);
    ech_skulocs_free(&sc->sl);
    free(sc->open_orders.skuloc);
    free(sc->open_orders.arrival_day);
    free(sc->open_orders.quantity);
    free(sc->replay.quantity);
    ech_sources *src = &sc->sources;
    free(src->locations_file);
    free(src->skus_file);
    free(src->assortment_file);
    free(src->history_file);
    free(src->targets_file);
    free(src->demand_file);
    free(src->profiles_file);
    free(src->events_file);
    ech_strings_free(src->closed_locations, src->n_closed_locations);
    free(src->on_hand_file);
    free(src->open_orders_file);
    memset(sc, 0, sizeof *sc);
}

/* ------------------------------------------------------------------------------
 * Network
 * ------------------------------------------------------------------------------ */

/* qsort has no context argument; finalisation is single-threaded set-up code, so a
 * file-scope pointer to the network being sorted is enough. */
static const ech_network *sort_net;

static int cmp_by_name(const void *a, const void *b)
{
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    int c = strcmp(sort_net->name[i], sort_net->name[j]);
    return c ? c : strcmp(sort_net->id[i], sort_net->id[j]);
}

static int cmp_by_priority(const void *a, const void *b)
{
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    if (sort_net->priority[i] != sort_net->priority[j])
        return sort_net->priority[i] < sort_net->priority[j] ? -1 : 1;
    return cmp_by_name(a, b);
}

static int cmp_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static ech_status finalize_network(ech_network *net, const char *path, ech_error *err)
{
    int32_t n = net->n;
    if (n < 1)
        return ech_fail_at(err, path, 0, "locations", "the network has no locations");

    /* Unique ids (the loaders check with row numbers; this guards generated data). */
    char **sorted = ech_xmalloc((size_t)n * sizeof *sorted, "location id check");
    memcpy(sorted, net->id, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_strings);
    for (int32_t i = 1; i < n; ++i) {
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            ech_status st =
                ech_fail_at(err, path, 0, "id", "duplicate location id '%s'", sorted[i]);
            free(sorted);
            return st;
        }
    }
    free(sorted);

    net->root = -1;
    for (int32_t i = 0; i < n; ++i) {
        int32_t p = net->parent[i];
        if (p < -1 || p >= n || p == i)
            return ech_fail_at(err, path, 0, "parent", "location '%s' has an invalid parent",
                               net->id[i]);
        if (p == -1) {
            if (net->root >= 0)
                return ech_fail_at(err, path, 0, "parent",
                                   "two locations without a parent ('%s' and '%s'): the network "
                                   "must have exactly one root (the central warehouse)",
                                   net->id[net->root], net->id[i]);
            net->root = i;
        }
        if (net->lead_time_days[i] < 0)
            return ech_fail_at(err, path, 0, "lead_time_days",
                               "location '%s': lead time must be >= 0", net->id[i]);
    }
    if (net->root < 0)
        return ech_fail_at(err, path, 0, "parent",
                           "every location has a parent: the supply tree has a cycle and no root");

    /* The derived columns are allocated with the table (table.h). */
    memset(net->n_children, 0, (size_t)n * sizeof *net->n_children);

    /* Depth by walking up; a walk longer than n means a cycle. */
    for (int32_t i = 0; i < n; ++i) {
        int32_t d = 0, j = i;
        while (net->parent[j] >= 0) {
            j = net->parent[j];
            if (++d > n)
                return ech_fail_at(err, path, 0, "parent", "location '%s' is on a cycle of parents",
                                   net->id[i]);
        }
        net->depth[i] = d;
        if (net->parent[i] >= 0)
            net->n_children[net->parent[i]]++;
    }

    /* Topological order: by depth, then input order (a stable counting sort), so
     * parents always come before children. */
    int32_t max_depth = 0;
    for (int32_t i = 0; i < n; ++i)
        if (net->depth[i] > max_depth)
            max_depth = net->depth[i];
    int32_t *count = ech_xcalloc((size_t)max_depth + 2, sizeof *count, "depth counts");
    for (int32_t i = 0; i < n; ++i)
        count[net->depth[i] + 1]++;
    for (int32_t d = 1; d <= max_depth + 1; ++d)
        count[d] += count[d - 1];
    for (int32_t i = 0; i < n; ++i)
        net->topo[count[net->depth[i]]++] = i;
    free(count);
    for (int32_t k = 0; k < n; ++k)
        net->topo_pos[net->topo[k]] = k;

    int32_t *order = ech_xmalloc((size_t)n * sizeof *order, "location order");
    sort_net = net;
    for (int32_t i = 0; i < n; ++i)
        order[i] = i;
    qsort(order, (size_t)n, sizeof *order, cmp_by_name);
    for (int32_t k = 0; k < n; ++k)
        net->name_rank[order[k]] = k;
    for (int32_t i = 0; i < n; ++i)
        order[i] = i;
    qsort(order, (size_t)n, sizeof *order, cmp_by_priority);
    for (int32_t k = 0; k < n; ++k)
        net->priority_rank[order[k]] = k;
    sort_net = NULL;
    free(order);

    for (int32_t i = 0; i < n; ++i)
        net->id_hash[i] = ech_hash_string(net->id[i]);
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * SKU-locations
 * ------------------------------------------------------------------------------ */

static const ech_scenario *sort_sc;

static int cmp_skuloc_rows(const void *a, const void *b)
{
    int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
    const ech_skulocs *sl = &sort_sc->sl;
    if (sl->sku[i] != sl->sku[j])
        return sl->sku[i] < sl->sku[j] ? -1 : 1;
    int32_t pi = sort_sc->net.topo_pos[sl->location[i]];
    int32_t pj = sort_sc->net.topo_pos[sl->location[j]];
    if (pi != pj)
        return pi < pj ? -1 : 1;
    return i < j ? -1 : (i > j);
}

static int cmp_topo_pos(const void *a, const void *b)
{
    int32_t pa = sort_net->topo_pos[*(const int32_t *)a];
    int32_t pb = sort_net->topo_pos[*(const int32_t *)b];
    return (pa > pb) - (pa < pb);
}

/* Rebuilds the skuloc table: rows sorted by (SKU, topological position), ancestors
 * of stocking locations added with default fields, parent links set. */
static ech_status finalize_skulocs(ech_scenario *sc, const char *path, ech_error *err)
{
    const ech_network *net = &sc->net;
    ech_skulocs *in = &sc->sl;
    int32_t n_sku = sc->cat.n;
    int64_t n_rows = in->n;

    for (int64_t r = 0; r < n_rows; ++r) {
        if (in->sku[r] < 0 || in->sku[r] >= n_sku || in->location[r] < 0 ||
            in->location[r] >= net->n)
            return ech_fail_at(err, path, 0, "assortment",
                               "assortment row %lld names an unknown SKU or location",
                               (long long)r + 1);
    }

    int64_t *order = ech_xmalloc((size_t)(n_rows ? n_rows : 1) * sizeof *order, "assortment order");
    for (int64_t r = 0; r < n_rows; ++r)
        order[r] = r;
    sort_sc = sc;
    /* Generators and sorted ERP extracts give rows in order already: check before
     * paying for a sort of millions of rows. */
    int sorted = 1;
    for (int64_t r = 1; r < n_rows && sorted; ++r)
        sorted = cmp_skuloc_rows(&order[r - 1], &order[r]) < 0;
    if (!sorted)
        qsort(order, (size_t)n_rows, sizeof *order, cmp_skuloc_rows);
    sort_sc = NULL;

    for (int64_t k = 1; k < n_rows; ++k) {
        int64_t a = order[k - 1], b = order[k];
        if (in->sku[a] == in->sku[b] && in->location[a] == in->location[b]) {
            ech_status st =
                ech_fail_at(err, path, 0, "assortment", "SKU '%s' is listed twice at location '%s'",
                            sc->cat.id[in->sku[a]], net->id[in->location[a]]);
            free(order);
            return st;
        }
    }

    /* Per SKU, the stocking locations are the rows' locations and all their
     * ancestors.  `mark[loc] == s` says loc is already gathered for SKU s (walks up
     * stop there); `row_of[loc]` is its input row when `row_mark[loc] == s`;
     * `slot_of[loc]` is its position in the output, for parent links. */
    int32_t *mark = ech_xmalloc((size_t)net->n * sizeof *mark, "location marks");
    int32_t *row_mark = ech_xmalloc((size_t)net->n * sizeof *row_mark, "location row marks");
    int64_t *row_of = ech_xmalloc((size_t)net->n * sizeof *row_of, "location rows");
    int64_t *slot_of = ech_xmalloc((size_t)net->n * sizeof *slot_of, "location slots");
    int32_t *gathered = ech_xmalloc((size_t)net->n * sizeof *gathered, "SKU locations");

    /* Pass 0 counts the output rows; pass 1 fills them. */
    ech_skulocs out = {0};
    for (int pass = 0; pass < 2; ++pass) {
        for (int32_t i = 0; i < net->n; ++i)
            mark[i] = row_mark[i] = -1;
        int64_t w = 0, k = 0;
        for (int32_t s = 0; s < n_sku; ++s) {
            if (pass == 1)
                out.sku_begin[s] = w;
            int32_t ng = 0;
            for (; k < n_rows && in->sku[order[k]] == s; ++k) {
                int32_t loc = in->location[order[k]];
                row_mark[loc] = s;
                row_of[loc] = order[k];
                for (int32_t a = loc; a >= 0 && mark[a] != s; a = net->parent[a]) {
                    mark[a] = s;
                    gathered[ng++] = a;
                }
            }
            if (pass == 1) {
                sort_net = net;
                qsort(gathered, (size_t)ng, sizeof *gathered, cmp_topo_pos);
                sort_net = NULL;
                for (int32_t g = 0; g < ng; ++g) {
                    int64_t x = w + g;
                    int32_t loc = gathered[g];
                    slot_of[loc] = x;
                    out.sku[x] = s;
                    out.location[x] = loc;
                    int32_t p = net->parent[loc];
                    /* Parents come earlier in topological order, so their slot is set. */
                    out.parent[x] = p >= 0 ? slot_of[p] : -1;
                    /* Rows of the input keep their columns; ancestors the
                     * input did not list take the defaults (no demand, targets
                     * from the rules). */
                    if (row_mark[loc] == s)
                        ech_table_copy_row(&ech_skuloc_table, &out, x, in, row_of[loc]);
                }
            }
            w += ng;
        }
        if (pass == 0) {
            ech_table_alloc(&ech_skuloc_table, &out, w);
            out.n = w;
            out.source = in->source;
            in->source = NULL;
            out.sku_begin = ech_xmalloc(((size_t)n_sku + 1) * sizeof(int64_t), "SKU ranges");
        } else
            out.sku_begin[n_sku] = w;
    }
    free(mark);
    free(row_mark);
    free(row_of);
    free(slot_of);
    free(gathered);
    free(order);
    ech_skulocs_free(in);
    *in = out;

    /* Demand only at the leaves of a SKU's tree: a location that supplies the SKU to
     * another location cannot also sell it (orders and customer demand would compete
     * for the same stock in an order DESIGN.md does not define). */
    ech_skulocs *sl = &sc->sl;
    for (int64_t x = 0; x < sl->n; ++x) {
        int64_t p = sl->parent[x];
        if (p >= 0 && sl->demand_dist[p] != ECH_DEMAND_NONE)
            return ech_fail_at(
                err, sl->source ? sl->source : path, sl->source_line[p], "demand_mean",
                "SKU '%s' has demand at '%s', which also supplies it to '%s': "
                "demand can only arise at locations that supply no one",
                sc->cat.id[sl->sku[x]], net->id[sl->location[p]], net->id[sl->location[x]]);
    }
    /* Expediting is a mode of a lane: the supplier's to the central warehouse, or
     * the one into the location. */
    for (int64_t x = 0; sl->expedite_level && x < sl->n; ++x) {
        const char *why = ech_expedite_refusal(sc, x);
        if (why)
            return ech_fail_at(err, sl->source ? sl->source : path, sl->source_line[x],
                               "expedite_level", "SKU '%s' at '%s': an expedite level %s",
                               sc->cat.id[sl->sku[x]], net->id[sl->location[x]], why);
    }
    return ECH_OK;
}

ech_lead_time ech_lead_time_copy(const ech_lead_time *lt)
{
    ech_lead_time c = *lt;
    if (lt->pmf) {
        size_t n = (size_t)(lt->max_days - lt->min_days + 1);
        c.pmf = ech_xmalloc(n * sizeof *c.pmf, "lead-time pmf");
        memcpy(c.pmf, lt->pmf, n * sizeof *c.pmf);
    }
    return c;
}

void ech_tuning_set_defaults(ech_tuning *t)
{
    t->objective = ECH_TUNE_SERVICE;
    t->fill_rate = 0.95;
    t->replications = 16;
    t->max_replications = 128;
    t->significance = 2.0;
    t->tolerance = 0.005;
    t->max_evaluations = 0;
    t->budget = NAN;
    t->cold_exceed_share = NAN;
}

void ech_scenario_set_defaults(ech_scenario *sc)
{
    /* A scenario built in code has no tuning settings: the defaults. */
    if (sc->tuning.replications == 0) {
        ech_tuning_set_defaults(&sc->tuning);
        sc->tuning.segment_fill_rate =
            ech_xrealloc(sc->tuning.segment_fill_rate,
                         (size_t)(sc->n_segments > 0 ? sc->n_segments : 1) * sizeof(double),
                         "segment fill-rate targets");
        for (int32_t g = 0; g < sc->n_segments; ++g)
            sc->tuning.segment_fill_rate[g] = NAN;
    }
    ech_suppliers *sup = &sc->suppliers;
    if (!sup->reliability && sup->n > 0)
        sup->reliability = ech_xcalloc((size_t)sup->n, sizeof *sup->reliability,
                                       "supplier reliability"); /* always delivers in full */
    if (sc->n_regions == 0) {
        sc->n_regions = 1;
        sc->region = ech_xmalloc(sizeof *sc->region, "regions");
        sc->region[0] = ech_xstrdup("default", "region name");
    }
    ech_sites *sites = &sc->sites;
    if (sites->n == 0 && sup->n > 0) {
        size_t n = (size_t)sup->n;
        sites->n = sup->n;
        sites->id = ech_xmalloc(n * sizeof *sites->id, "site ids");
        sites->supplier = ech_xmalloc(n * sizeof *sites->supplier, "site suppliers");
        sites->region = ech_xcalloc(n, sizeof *sites->region, "site regions");
        sites->lead_time = ech_xmalloc(n * sizeof *sites->lead_time, "site lead times");
        for (int32_t i = 0; i < sup->n; ++i) {
            sites->id[i] = ech_xstrdup(sup->id[i], "site id");
            sites->supplier[i] = i;
            sites->lead_time[i] = ech_lead_time_copy(&sup->lead_time[i]);
        }
    }
    if (!sites->id_hash && sites->n > 0) {
        sites->id_hash = ech_xmalloc((size_t)sites->n * sizeof *sites->id_hash, "site id hashes");
        for (int32_t i = 0; i < sites->n; ++i)
            sites->id_hash[i] = ech_hash_string(sites->id[i]);
    }
    /* A SKU without a site (code-built scenarios) is made at its supplier's first. */
    ech_catalogue *cat = &sc->cat;
    for (int32_t k = 0; k < cat->n; ++k)
        for (int32_t i = 0; i < sites->n && cat->site[k] < 0; ++i)
            if (sites->supplier[i] == cat->supplier[k])
                cat->site[k] = i;
    if (sc->n_variants == 0) {
        sc->n_variants = 1;
        sc->variant = ech_xcalloc(1, sizeof *sc->variant, "variants");
        ech_variant *v = &sc->variant[0];
        v->name = ech_xstrdup("baseline", "variant name");
        v->lead_time_factor = 1.0;
        v->use_alternatives = 1;
        v->allocation = sc->allocation;
        memcpy(v->rule, sc->rule, sizeof v->rule);
        ech_variant_copy_segment_rules(v, sc->segment_rules, sc->n_segment_rules);
        v->disruption_active = ech_xmalloc((size_t)(sc->disruptions.n > 0 ? sc->disruptions.n : 1),
                                           "active disruptions");
        for (int32_t d = 0; d < sc->disruptions.n; ++d)
            v->disruption_active[d] = 1;
    }
}

ech_status ech_scenario_finalize(ech_scenario *sc, const char *path, ech_error *err)
{
    ech_scenario_set_defaults(sc);
    ech_status st = finalize_network(&sc->net, path, err);
    if (st != ECH_OK)
        return st;
    return finalize_skulocs(sc, path, err);
}

void ech_scenario_index_groups(ech_scenario *sc)
{
    ech_subst_rules *r = &sc->subst;
    int32_t ng = r->n_groups;
    free(r->group_begin);
    free(r->member);
    r->group_begin = ech_xcalloc((size_t)ng + 1, sizeof *r->group_begin, "substitution groups");
    for (int32_t k = 0; k < sc->cat.n; ++k)
        if (sc->cat.subst_group[k] >= 0)
            r->group_begin[sc->cat.subst_group[k] + 1]++;
    for (int32_t g = 0; g < ng; ++g)
        r->group_begin[g + 1] += r->group_begin[g];
    r->member =
        ech_xmalloc((size_t)(r->group_begin[ng] > 0 ? r->group_begin[ng] : 1) * sizeof *r->member,
                    "substitution groups");
    int32_t *fill = ech_xmalloc((size_t)(ng > 0 ? ng : 1) * sizeof *fill, "substitution groups");
    for (int32_t g = 0; g < ng; ++g)
        fill[g] = r->group_begin[g];
    for (int32_t k = 0; k < sc->cat.n; ++k)
        if (sc->cat.subst_group[k] >= 0)
            r->member[fill[sc->cat.subst_group[k]]++] = k;
    free(fill);
}

ech_status ech_scenario_no_groups(const ech_scenario *sc, const char *command, ech_error *err)
{
    if (!sc->subst.enabled || sc->subst.n_groups == 0)
        return ECH_OK;
    return ech_fail(err, ECH_ERR_INPUT,
                    "%s: demand.substitution: echelon %s searches one SKU at a time, but the %d "
                    "substitution group(s) of this scenario sell for each other, so a SKU's "
                    "results depend on its substitutes' decisions; %s a copy of the scenario "
                    "without demand.substitution, then run the result with it",
                    sc->source_path ? sc->source_path : sc->name, command, (int)sc->subst.n_groups,
                    command);
}

/* ------------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------------ */

int32_t ech_scenario_find_location(const ech_scenario *sc, const char *id)
{
    for (int32_t i = 0; i < sc->net.n; ++i)
        if (strcmp(sc->net.id[i], id) == 0)
            return i;
    return -1;
}

int32_t ech_scenario_find_sku(const ech_scenario *sc, const char *id)
{
    for (int32_t i = 0; i < sc->cat.n; ++i)
        if (strcmp(sc->cat.id[i], id) == 0)
            return i;
    return -1;
}

int32_t ech_scenario_find_supplier(const ech_scenario *sc, const char *id)
{
    for (int32_t i = 0; i < sc->suppliers.n; ++i)
        if (strcmp(sc->suppliers.id[i], id) == 0)
            return i;
    return -1;
}

int32_t ech_scenario_widest_sku(const ech_scenario *sc)
{
    int32_t widest = -1;
    int64_t most = 0;
    for (int32_t k = 0; k < sc->cat.n; ++k) {
        int64_t n = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        if (n > most) {
            most = n;
            widest = k;
        }
    }
    return widest;
}

int64_t ech_scenario_most_skulocs(const ech_scenario *sc)
{
    int32_t k = ech_scenario_widest_sku(sc);
    return k < 0 ? 0 : sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
}

int64_t ech_scenario_find_skuloc(const ech_scenario *sc, int32_t sku, int32_t location)
{
    if (sku < 0 || sku >= sc->cat.n || location < 0 || location >= sc->net.n)
        return -1;
    /* Within a SKU, skulocs are sorted by topological position: binary search. */
    int64_t lo = sc->sl.sku_begin[sku], hi = sc->sl.sku_begin[sku + 1];
    int32_t want = sc->net.topo_pos[location];
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int32_t pos = sc->net.topo_pos[sc->sl.location[mid]];
        if (pos < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < sc->sl.sku_begin[sku + 1] && sc->sl.location[lo] == location)
        return lo;
    return -1;
}

/* ------------------------------------------------------------------------------
 * Calendar (proleptic Gregorian; days since 1970-01-01)
 * ------------------------------------------------------------------------------ */

int32_t ech_days_from_civil(int32_t y, int32_t m, int32_t d)
{
    /* Count from 0000-03-01 so that the leap day ends each cycle year. */
    y -= m <= 2;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    int32_t yoe = y - era * 400;
    int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ech_civil_from_days(int32_t z, int32_t *y, int32_t *m, int32_t *d)
{
    z += 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

int ech_parse_date(const char *text, int32_t *days_since_epoch)
{
    int y, m, d, used = 0;
    if (!text || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
        text[10] != '\0')
        return -1;
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
        return -1;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *days_since_epoch = ech_days_from_civil(y, m, d);
    return 0;
}

void ech_format_date(int32_t days_since_epoch, char *buf)
{
    int32_t y, m, d;
    ech_civil_from_days(days_since_epoch, &y, &m, &d);
    /* Dates lie in four-digit years (start dates 1900..2200 plus bounded horizons);
     * the modulo tells the compiler so, to keep the buffer exact. */
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

int ech_weekday_of_date(int32_t days_since_epoch)
{
    int32_t w = (days_since_epoch + 3) % 7; /* 1970-01-01 was a Thursday */
    return w < 0 ? w + 7 : w;
}

int ech_scenario_weekday(const ech_scenario *sc, int32_t day)
{
    return ech_weekday_of_date(sc->start_date + day);
}

int ech_scenario_month(const ech_scenario *sc, int32_t day)
{
    int32_t y, m, d;
    ech_civil_from_days(sc->start_date + day, &y, &m, &d);
    return m - 1;
}

double ech_scenario_trend_years(const ech_scenario *sc, int32_t day)
{
    int32_t y, m, d;
    ech_civil_from_days(sc->start_date + day, &y, &m, &d);
    return (double)(ech_days_from_civil(y, m, 15) - sc->start_date) / 365.25;
}
