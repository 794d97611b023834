/* The results file writer (src/output.c) under MPI, normally with 2 ranks.
 *
 * Each test builds a small scenario by hand (4 locations, 3 SKUs, 10 skulocs, 3
 * segments; some with sites, regions, disruptions and three variants), fabricates
 * results whose every value is a known function of its place (variant, skuloc, KPI,
 * statistic or replication), splits the skulocs between the ranks in
 * different ways (evenly, all on the first rank, all on the last), writes the file
 * collectively and then reads it back serially on rank 0 with the HDF5 C API.  The
 * read-back checks count failures instead of aborting the test, so both ranks stay
 * in step; the count is summed over the ranks and asserted on each.
 */
#include "echelon/error.h"
#include "echelon/kpi.h"
#include "echelon/output.h"
#include "echelon/table.h"
#include "echelon/run.h"
#include "echelon/scenario.h"
#include "echelon/scenario_load.h"
#include "echelon/version.h"
#include "support_mpi.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <mpi.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static int g_rank, g_size;
static char g_dir[256]; /* a fresh directory for this run's files, made by rank 0 */
static int g_failures;  /* failed checks on this rank in the current test */

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "[rank %d] %s:%d: check failed: %s\n", g_rank, __FILE__, __LINE__, \
                    #cond);                                                                    \
            ++g_failures;                                                                      \
        }                                                                                      \
    } while (0)

/* Ends a test on every rank: the checks of all ranks must have passed. */
static void finish_checks(void)
{
    int total = 0;
    MPI_Allreduce(&g_failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    g_failures = 0;
    assert_int_equal(total, 0);
}

/* ------------------------------------------------------------------------------
 * A small scenario and results with known values
 * ------------------------------------------------------------------------------ */

enum { N_LOC = 4, N_SKU = 3, N_SKULOC = 10, N_SEG = 3, N_REP = 4, N_Q = 3, N_STATS = 2 + N_Q };
enum { MAX_VARIANTS = 3 };
static const int64_t SKULOC_SKU[N_SKULOC] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
static const int64_t SKULOC_LOC[N_SKULOC] = {0, 1, 2, 3, 0, 1, 2, 0, 1, 3};
static const int64_t SKULOC_PARENT[N_SKULOC] = {-1, 0, 1, 1, -1, 4, 5, -1, 7, 8};
static const char *SEGMENTS[N_SEG] = {"fast/moving", "slow", "fast_moving"};
static const char *SEGMENT_LINKS[N_SEG] = {"fast_moving", "slow", "fast_moving_2"};

static char *sdup(const char *s)
{
    return ech_xstrdup(s, "test string");
}

/* The writer stores the baseline variant's resolved policy: here, the numbers the
 * test put in the skuloc table, copied (the test does not run ech_policy_resolve). */
static void baseline_from_given(ech_scenario *sc)
{
    ech_scenario_set_defaults(sc);
    ech_variant *v = &sc->variant[0];
    ech_variant_free_policy(v);
    size_t n = (size_t)sc->sl.n;
    ech_table_alloc(&ech_variant_policy_table, v, sc->sl.n);
    memcpy(v->policy, sc->sl.policy, n);
    memcpy(v->review_days, sc->sl.review_days, n * sizeof(int32_t));
    memcpy(v->order_up_to, sc->sl.order_up_to, n * sizeof(int32_t));
    memcpy(v->reorder_point, sc->sl.reorder_point, n * sizeof(int32_t));
    memcpy(v->min_order_qty, sc->sl.min_order_qty, n * sizeof(int32_t));
}

/* The tables of the test scenario, without the supply model and the variants. */
static void build_tables(ech_scenario *sc, int keep_replications)
{
    memset(sc, 0, sizeof *sc);
    sc->name = sdup("test-output");
    sc->description = sdup("a hand-made scenario for the output writer's test");
    sc->source_path = sdup("scenarios/test-output.yaml");
    /* Longer than the 64 KiB an attribute can hold in an object header. */
    size_t text_len = 100000;
    sc->source_text = ech_xmalloc(text_len + 1, "scenario text");
    for (size_t i = 0; i < text_len; ++i)
        sc->source_text[i] = (i % 64 == 63) ? '\n' : (char)('a' + (int)(i % 26));
    sc->source_text[text_len] = '\0';
    sc->seed = UINT64_C(0xFEDCBA9876543210);
    sc->replications = N_REP;
    sc->days = 30;
    sc->warmup_days = 5;
    assert_int_equal(ech_parse_date("2024-02-29", &sc->start_date), 0);
    sc->unmet_demand = ECH_UNMET_LOST;
    sc->internal_shortfall = ECH_SHORTFALL_CUT;
    sc->allocation = ECH_ALLOC_PRIORITY;

    sc->n_segments = N_SEG;
    sc->segment = ech_xcalloc(N_SEG, sizeof(char *), "segments");
    for (int s = 0; s < N_SEG; ++s)
        sc->segment[s] = sdup(SEGMENTS[s]);

    sc->output.n_quantiles = N_Q;
    sc->output.quantiles = ech_xmalloc(N_Q * sizeof(double), "quantiles");
    sc->output.quantiles[0] = 0.05;
    sc->output.quantiles[1] = 0.5;
    sc->output.quantiles[2] = 0.95;
    sc->output.keep_replications = keep_replications;

    ech_network *net = &sc->net;
    static const char *loc_id[N_LOC] = {"cw", "dc-north", "ph-001", "ph-002"};
    static const char *loc_name[N_LOC] = {"Central warehouse", "DC North",
                                          "Pharmacy \xc3\x84pfelstra\xc3\x9f"
                                          "e",
                                          "Pharmacy 2"};
    static const uint8_t kind[N_LOC] = {ECH_LOC_CW, ECH_LOC_DC, ECH_LOC_RETAIL, ECH_LOC_RETAIL};
    static const int32_t parent[N_LOC] = {-1, 0, 1, 1};
    ech_table_alloc(&ech_network_table, net, N_LOC);
    net->n = N_LOC;
    for (int i = 0; i < N_LOC; ++i) {
        net->id[i] = sdup(loc_id[i]);
        net->name[i] = sdup(loc_name[i]);
        net->kind[i] = kind[i];
        net->parent[i] = parent[i];
        net->lead_time_days[i] = i == 0 ? 0 : 3 - (i > 1);
        net->priority[i] = 10 * i;
        net->review_offset[i] = i % 2;
    }

    sc->suppliers.n = 2;
    sc->suppliers.id = ech_xcalloc(2, sizeof(char *), "supplier ids");
    sc->suppliers.id[0] = sdup("acme");
    sc->suppliers.id[1] = sdup("generics-plc-with-a-long-name");
    sc->suppliers.lead_time = ech_xcalloc(2, sizeof(ech_lead_time), "supplier lead times");

    ech_catalogue *cat = &sc->cat;
    static const char *sku_id[N_SKU] = {"A100", "B200", "C3"};
    static const char *sku_name[N_SKU] = {"Amoxicillin 500 mg", "Insulin glargine pen",
                                          "Morphine 10 mg"};
    ech_table_alloc(&ech_catalogue_table, cat, N_SKU);
    cat->n = N_SKU;
    for (int k = 0; k < N_SKU; ++k) {
        cat->id[k] = sdup(sku_id[k]);
        cat->name[k] = sdup(sku_name[k]);
        cat->unit_cost[k] = 1.25 * (k + 1);
        cat->unit_price[k] = 2.5 * (k + 1);
        cat->pack_size[k] = 5 * (k + 1);
        cat->supplier[k] = k % 2;
        cat->shelf_life_days[k] = k == 2 ? 0 : 100 * (k + 1);
        cat->storage[k] = k == 1 ? ECH_STORAGE_COLD : ECH_STORAGE_AMBIENT;
        cat->handling[k] = k == 2 ? ECH_HANDLING_CONTROLLED : ECH_HANDLING_NORMAL;
        cat->substitution[k] = k == 0 ? ECH_SUBST_GENERIC : ECH_SUBST_UNIQUE;
        cat->segment[k] = k == 1 ? 1 : 0;
    }
    for (int k = 0; k < N_SKU; ++k) {
        cat->unit_volume_litres[k] = 0.125 * (k + 1);
        cat->cw_reserved_units[k] = k == 0 ? -1 : 7 * k;
    }
    for (int i = 0; i < N_LOC; ++i)
        net->cold_capacity_litres[i] = 2.5 * i;

    ech_skulocs *sl = &sc->sl;
    ech_table_alloc(&ech_skuloc_table, sl, N_SKULOC);
    sl->n = N_SKULOC;
    sl->sku_begin = ech_xcalloc(N_SKU + 1, sizeof(int64_t), "sku begin");
    for (int x = 0; x < N_SKULOC; ++x) {
        int leaf = SKULOC_LOC[x] >= 2;
        sl->sku[x] = (int32_t)SKULOC_SKU[x];
        sl->location[x] = (int32_t)SKULOC_LOC[x];
        sl->parent[x] = SKULOC_PARENT[x];
        sl->demand_dist[x] = leaf ? ECH_DEMAND_POISSON : ECH_DEMAND_NONE;
        sl->demand_mean[x] = leaf ? 0.5 * (x + 1) : 0.0;
        sl->replay[x] = -1;
        sl->policy[x] = (uint8_t)(x % 2);
        sl->review_days[x] = x % 3 == 0 ? 7 : 1;
        sl->order_up_to[x] = 20 + x;
        sl->reorder_point[x] = 10 + x;
        sl->min_order_qty[x] = x;
        sl->start_on_hand[x] = -1;
        sl->expected_outflow[x] = 0.25 * (x + 1);
    }
    for (int x = 0; x < N_SKULOC; ++x)
        sl->display_min[x] = x % 3;
    sl->sku_begin[0] = 0;
    sl->sku_begin[1] = 4;
    sl->sku_begin[2] = 7;
    sl->sku_begin[3] = 10;
}

/* The test scenario with the default supply model (one site per supplier, no
 * disruptions, no alternative sources) and one variant. */
static void build_scenario(ech_scenario *sc, int keep_replications)
{
    build_tables(sc, keep_replications);
    baseline_from_given(sc);
}

/* Sites, regions, supplier reliability, alternative sources and (with_disruptions)
 * two disruptions, before ech_scenario_set_defaults. */
static void add_supply_model(ech_scenario *sc, int with_disruptions)
{
    sc->n_regions = 2;
    sc->region = ech_xcalloc(2, sizeof(char *), "regions");
    sc->region[0] = sdup("default");
    sc->region[1] = sdup("ASIA");

    static const char *site_id[3] = {"acme-1", "acme-asia", "gen-IN"};
    static const int32_t site_supplier[3] = {0, 0, 1}, site_region[3] = {0, 1, 1};
    static const uint8_t lt_dist[3] = {ECH_LT_GAMMA, ECH_LT_LOGNORMAL, ECH_LT_FIXED};
    ech_sites *st = &sc->sites;
    st->n = 3;
    st->id = ech_xcalloc(3, sizeof(char *), "site ids");
    st->supplier = ech_xcalloc(3, sizeof(int32_t), "site suppliers");
    st->region = ech_xcalloc(3, sizeof(int32_t), "site regions");
    st->lead_time = ech_xcalloc(3, sizeof(ech_lead_time), "site lead times");
    for (int i = 0; i < 3; ++i) {
        st->id[i] = sdup(site_id[i]);
        st->supplier[i] = site_supplier[i];
        st->region[i] = site_region[i];
        st->lead_time[i].dist = lt_dist[i];
        st->lead_time[i].mean = 10.5 * (i + 1);
        st->lead_time[i].sd = 0.5 + i;
        st->lead_time[i].min_days = i;
        st->lead_time[i].max_days = 40 * (i + 1);
    }

    sc->suppliers.reliability = ech_xcalloc(2, sizeof(ech_reliability), "reliability");
    for (int i = 0; i < 2; ++i) {
        ech_reliability *r = &sc->suppliers.reliability[i];
        r->partial_prob = 0.125 * (i + 1);
        r->partial_mean = 0.75 - 0.25 * i;
        r->partial_sd = 0.0625 * (i + 1);
        r->cancel_prob = 0.01 * (i + 1);
        r->shortfall = i == 1 ? ECH_SUPPLY_CANCEL : ECH_SUPPLY_BACKORDER;
    }

    ech_catalogue *cat = &sc->cat;
    static const int32_t site[N_SKU] = {0, 2, 1}, alt_site[N_SKU] = {1, -1, 0};
    static const uint8_t alt_rule[N_SKU] = {ECH_ALT_SWITCH, ECH_ALT_NONE, ECH_ALT_SPLIT};
    for (int k = 0; k < N_SKU; ++k) {
        cat->supplier[k] = site_supplier[site[k]];
        cat->site[k] = site[k];
        cat->alt_site[k] = alt_site[k];
        cat->alt_rule[k] = alt_rule[k];
        cat->alt_split[k] = alt_rule[k] == ECH_ALT_SPLIT ? 0.25 : 0.0;
        cat->alt_premium[k] = alt_site[k] >= 0 ? 0.05 * (k + 1) : 0.0;
    }

    if (!with_disruptions)
        return;
    ech_disruptions *d = &sc->disruptions;
    d->n = 2;
    d->name = ech_xcalloc(2, sizeof(char *), "disruption names");
    d->kind = ech_xcalloc(2, sizeof(uint8_t), "kinds");
    d->scope = ech_xcalloc(2, sizeof(uint8_t), "scopes");
    d->target = ech_xcalloc(2, sizeof(int32_t), "targets");
    d->mtbf_days = ech_xcalloc(2, sizeof(double), "mtbf");
    d->mttr_days = ech_xcalloc(2, sizeof(double), "mttr");
    d->from_day = ech_xcalloc(2, sizeof(int32_t), "from");
    d->to_day = ech_xcalloc(2, sizeof(int32_t), "to");
    d->capacity = ech_xcalloc(2, sizeof(double), "capacity");
    d->key = ech_xcalloc(2, sizeof(uint64_t), "keys");
    d->name[0] = sdup("monsoon");
    d->kind[0] = ECH_DISRUPT_MARKOV;
    d->scope[0] = ECH_SCOPE_REGION;
    d->target[0] = 1;
    d->mtbf_days[0] = 365;
    d->mttr_days[0] = 21.5;
    d->name[1] = sdup("it-strike");
    d->kind[1] = ECH_DISRUPT_SCRIPTED;
    d->scope[1] = ECH_SCOPE_SITE;
    d->target[1] = 0;
    d->from_day[1] = -3;
    d->to_day[1] = 12;
    d->capacity[1] = 0.3;
}

/* Variant v's resolved policy: the baseline's numbers shifted by v. */
static void resolve_variant(ech_scenario *sc, int v)
{
    ech_variant *var = &sc->variant[v];
    size_t n = (size_t)sc->sl.n;
    ech_table_alloc(&ech_variant_policy_table, var, sc->sl.n);
    for (size_t x = 0; x < n; ++x) {
        var->policy[x] = (uint8_t)((x + (size_t)v) % 2);
        var->review_days[x] = sc->variant[0].review_days[x] + v;
        var->order_up_to[x] = sc->variant[0].order_up_to[x] + 100 * v;
        var->reorder_point[x] = sc->variant[0].reorder_point[x] + 10 * v;
        var->min_order_qty[x] = sc->variant[0].min_order_qty[x] + v;
    }
}

/* The names of the test's three variants; the third has a '/', which the writer
 * turns into '_' in the group name (the loader would refuse it). */
static const char *VARIANT_NAMES[MAX_VARIANTS] = {"baseline", "no-disruptions", "slow/lanes"};
static const char *VARIANT_LINKS[MAX_VARIANTS] = {"baseline", "no-disruptions", "slow_lanes"};

/* The scenario with a supply model and three variants: the baseline (every
 * disruption), one without disruptions and fair-share allocation, and one with only
 * the second disruption and 50% longer lead times. */
static void build_variant_scenario(ech_scenario *sc, int keep_replications, int with_disruptions)
{
    build_tables(sc, keep_replications);
    add_supply_model(sc, with_disruptions);
    baseline_from_given(sc);
    ech_variant *all = ech_xcalloc(MAX_VARIANTS, sizeof *all, "variants");
    all[0] = sc->variant[0];
    free(sc->variant);
    sc->variant = all;
    sc->n_variants = MAX_VARIANTS;
    all[0].description = sdup("the network as it is");
    for (int v = 1; v < MAX_VARIANTS; ++v) {
        ech_variant *var = &all[v];
        free(var->name);
        var->name = sdup(VARIANT_NAMES[v]);
        var->description = v == 1 ? sdup("no disruptions at all") : NULL;
        var->lead_time_factor = v == 2 ? 1.5 : 1.0;
        var->use_alternatives = v == 1;
        var->allocation = v == 1 ? ECH_ALLOC_FAIR_SHARE : ECH_ALLOC_ALPHABETICAL;
        memcpy(var->rule, sc->rule, sizeof var->rule);
        int n_dis = sc->disruptions.n;
        var->disruption_active = ech_xcalloc((size_t)(n_dis > 0 ? n_dis : 1), 1, "active");
        for (int i = 0; i < n_dis; ++i)
            var->disruption_active[i] = v == 2 && i == 1;
        resolve_variant(sc, v);
    }
}

/* The value fabricated for statistic j of KPI k at skuloc x in variant v, and for
 * replication r. */
static double stat_value(int v, int64_t x, int k, int j)
{
    return (double)x * 1000.0 + k * 10.0 + j + 0.25 + v * 1e9;
}

static double rep_value(int v, int64_t x, int k, int64_t r)
{
    return (double)x * 100000.0 + k * 100.0 + (double)r + 0.5 + v * 1e11;
}

/* Total t of aggregate g in replication r of variant v; the last segment is all zero
 * (no demand, nothing sold), which the derived series turn into 1 or NaN. */
static int64_t total_value(int v, int g, int64_t r, int t)
{
    if (g == N_SEG)
        return 0;
    return (int64_t)(g + 1) * 1000000007LL + r * 1013LL + (int64_t)t * 17LL + 3 +
           (int64_t)v * (r * 7919LL + (int64_t)t * 31LL + 101LL * g + 1);
}

/* The comparison sums of the report: per SKU (lost, recovery, disrupted: which = 0,
 * 1, 2) and per location, for variant v.  Not multiples of N_REP, so that the means
 * per replication have fractions. */
static int64_t sku_sum(int which, int v, int k)
{
    return 1000LL * (which + 1) + 13LL * k + 5LL * v * (k + 1) + (int64_t)v * v + which + 1;
}

static int64_t location_sum(int v, int l)
{
    return 500LL + 9LL * l + 4LL * v * (l + 2) + v;
}

typedef struct fixture {
    ech_scenario sc;
    ech_results res; /* points at the arrays below (not freed through it) */
    double *stats[MAX_VARIANTS], *reps[MAX_VARIANTS];
    int64_t *totals;
    int64_t *sku_sums[3], *location_lost;
} fixture;

/* Points f->res at the fixture's arrays, one entry per variant of the scenario, with
 * the totals and the comparison sums (made here). */
static void bind_results(fixture *f, int64_t begin, int64_t end, int n_stats)
{
    const int n_var = f->sc.n_variants;
    const int n_sku = f->sc.cat.n, n_loc = f->sc.net.n;
    for (int i = 0; i < 3; ++i) {
        free(f->sku_sums[i]);
        f->sku_sums[i] = ech_xmalloc((size_t)n_var * n_sku * sizeof(int64_t), "SKU sums");
        for (int v = 0; v < n_var; ++v)
            for (int k = 0; k < n_sku; ++k)
                f->sku_sums[i][v * n_sku + k] = sku_sum(i, v, k);
    }
    free(f->location_lost);
    f->location_lost = ech_xmalloc((size_t)n_var * n_loc * sizeof(int64_t), "location sums");
    for (int v = 0; v < n_var; ++v)
        for (int l = 0; l < n_loc; ++l)
            f->location_lost[v * n_loc + l] = location_sum(v, l);
    ech_results *res = &f->res;
    res->n_variants = n_var;
    res->n_groups = 1 + f->sc.n_segments;
    res->n_reps = f->sc.replications;
    res->n_skus = n_sku;
    res->n_locations = n_loc;
    res->totals = f->totals;
    res->sku_lost = f->sku_sums[0];
    res->sku_recovery = f->sku_sums[1];
    res->sku_disrupted = f->sku_sums[2];
    res->location_lost = f->location_lost;
    res->skuloc_begin = begin;
    res->skuloc_end = end;
    res->n_stats = n_stats;
    res->stats = f->stats;
    res->reps = f->reps[0] ? f->reps : NULL;
}

/* Results of every variant for skulocs [begin, end) on this rank. */
static void build_results(fixture *f, int64_t begin, int64_t end, int keep_replications)
{
    const int K = ECH_KPI_COUNT;
    const int n_var = f->sc.n_variants;
    int64_t nloc = end - begin;
    for (int v = 0; v < n_var; ++v) {
        f->stats[v] =
            ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * N_STATS * sizeof(double), "stats");
        f->reps[v] = NULL;
        if (keep_replications && nloc > 0)
            f->reps[v] = ech_xmalloc((size_t)nloc * K * N_REP * sizeof(double), "reps");
        for (int64_t x = begin; x < end; ++x)
            for (int k = 0; k < K; ++k) {
                for (int j = 0; j < N_STATS; ++j)
                    f->stats[v][((x - begin) * K + k) * N_STATS + j] = stat_value(v, x, k, j);
                if (f->reps[v])
                    for (int64_t r = 0; r < N_REP; ++r)
                        f->reps[v][((x - begin) * K + k) * N_REP + r] = rep_value(v, x, k, r);
            }
    }
    size_t nt = (size_t)n_var * (1 + N_SEG) * N_REP * ECH_TOTAL_COUNT;
    f->totals = ech_xmalloc(nt * sizeof(int64_t), "totals");
    for (int v = 0; v < n_var; ++v)
        for (int g = 0; g <= N_SEG; ++g)
            for (int64_t r = 0; r < N_REP; ++r)
                for (int t = 0; t < ECH_TOTAL_COUNT; ++t)
                    f->totals[((v * (1 + N_SEG) + g) * N_REP + r) * ECH_TOTAL_COUNT + t] =
                        total_value(v, g, r, t);

    bind_results(f, begin, end, N_STATS);

    f->res.info.command_line = "echelon run scenarios/test-output.yaml -o out.h5";
    f->res.info.created = "2024-05-01T12:34:56Z";
    f->res.info.n_ranks = g_size;
    f->res.info.n_threads = 3;
    f->res.info.setup_seconds = 0.5;
    f->res.info.simulate_seconds = 2.25;
    f->res.info.skuloc_days = (int64_t)N_SKULOC * 35 * N_REP;
    f->res.info.skuloc_days_per_second_per_core = 123.5;
    f->res.info.verification_hash = UINT64_C(0xDEADBEEFCAFEF00D);
}

typedef enum split { SPLIT_EVEN, SPLIT_ALL_FIRST, SPLIT_ALL_LAST } split;

static void block_of(split how, int64_t *begin, int64_t *end)
{
    switch (how) {
    case SPLIT_EVEN:
        /* Uneven on purpose with 2 ranks: 6 and 4. */
        *begin = g_rank == 0 ? 0 : 6 + (int64_t)(g_rank - 1) * 4 / (g_size - 1);
        *end = g_rank == 0 ? (g_size > 1 ? 6 : N_SKULOC) : 6 + (int64_t)g_rank * 4 / (g_size - 1);
        break;
    case SPLIT_ALL_FIRST:
        *begin = g_rank == 0 ? 0 : N_SKULOC;
        *end = N_SKULOC;
        break;
    case SPLIT_ALL_LAST:
        *begin = 0;
        *end = g_rank == g_size - 1 ? N_SKULOC : 0;
        break;
    }
}

static void fixture_make(fixture *f, split how, int keep_replications)
{
    memset(f, 0, sizeof *f);
    build_scenario(&f->sc, keep_replications);
    int64_t begin, end;
    block_of(how, &begin, &end);
    build_results(f, begin, end, keep_replications);
}

/* Three variants, a supply model with or without disruptions. */
static void fixture_make_variants(fixture *f, split how, int keep_replications,
                                  int with_disruptions)
{
    memset(f, 0, sizeof *f);
    build_variant_scenario(&f->sc, keep_replications, with_disruptions);
    int64_t begin, end;
    block_of(how, &begin, &end);
    build_results(f, begin, end, keep_replications);
}

static void fixture_free(fixture *f)
{
    ech_scenario_free(&f->sc);
    for (int v = 0; v < MAX_VARIANTS; ++v) {
        free(f->stats[v]);
        free(f->reps[v]);
    }
    free(f->totals);
    for (int i = 0; i < 3; ++i)
        free(f->sku_sums[i]);
    free(f->location_lost);
}

/* ------------------------------------------------------------------------------
 * Reading back (rank 0, serial HDF5)
 * ------------------------------------------------------------------------------ */

/* A text attribute, variable- or fixed-length; malloc'd, NULL if absent. */
static char *attr_text(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    char *out = NULL;
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Aread(a, mt, &v) >= 0 && v) {
            out = strdup(v);
            H5free_memory(v);
        }
        H5Tclose(mt);
    } else if (H5Tget_class(t) == H5T_STRING) {
        size_t n = H5Tget_size(t);
        out = calloc(n + 1, 1);
        hid_t mt = H5Tcopy(t);
        if (H5Aread(a, mt, out) < 0) {
            free(out);
            out = NULL;
        }
        H5Tclose(mt);
    }
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

static int text_attr_is(hid_t obj, const char *name, const char *expected)
{
    char *v = attr_text(obj, name);
    int same = v && strcmp(v, expected) == 0;
    if (!same)
        fprintf(stderr, "attribute %s: got \"%s\", expected \"%s\"\n", name, v ? v : "(absent)",
                expected);
    free(v);
    return same;
}

/* A numeric attribute with n values read as memtype into out; 0 on success. */
static int attr_read(hid_t obj, const char *name, hid_t memtype, void *out, hssize_t n)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t s = H5Aget_space(a);
    int rc = H5Sget_simple_extent_npoints(s) == n && H5Aread(a, memtype, out) >= 0 ? 0 : -1;
    H5Sclose(s);
    H5Aclose(a);
    return rc;
}

/* A whole dataset read as memtype; its shape goes to dims (ndims returned in *ndims). */
static void *dataset_read(hid_t file, const char *path, hid_t memtype, size_t elem, int *ndims,
                          hsize_t dims[2])
{
    *ndims = -1;
    dims[0] = dims[1] = 0;
    if (H5Lexists(file, path, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t s = H5Dget_space(d);
    *ndims = H5Sget_simple_extent_ndims(s);
    H5Sget_simple_extent_dims(s, dims, NULL);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    void *buf = calloc((size_t)(n > 0 ? n : 1), elem);
    /* A category (format 2.0: an enumeration over uint8) is read as its bytes: HDF5
     * converts no enumeration to integers. */
    hid_t ftype = H5Dget_type(d);
    hid_t native = H5Tget_class(ftype) == H5T_ENUM && H5Tget_size(ftype) == elem
                       ? H5Tget_native_type(ftype, H5T_DIR_ASCEND)
                       : -1;
    if (native >= 0)
        memtype = native;
    H5Tclose(ftype);
    herr_t rc = n > 0 ? H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
    if (native >= 0)
        H5Tclose(native);
    if (rc < 0) {
        free(buf);
        buf = NULL;
    }
    H5Sclose(s);
    H5Dclose(d);
    return buf;
}

static int attached(hid_t file, const char *data, const char *scale, unsigned idx)
{
    hid_t d = H5Dopen2(file, data, H5P_DEFAULT);
    hid_t s = H5Dopen2(file, scale, H5P_DEFAULT);
    int yes = d >= 0 && s >= 0 && H5DSis_scale(s) > 0 && H5DSis_attached(d, s, idx) > 0;
    if (s >= 0)
        H5Dclose(s);
    if (d >= 0)
        H5Dclose(d);
    if (!yes)
        fprintf(stderr, "%s is not attached to %s as dimension %u\n", scale, data, idx);
    return yes;
}

static int is_chunked_deflated(hid_t file, const char *path)
{
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return 0;
    hid_t p = H5Dget_create_plist(d);
    unsigned flags = 0, cd[8];
    size_t ncd = 8;
    int yes = H5Pget_layout(p) == H5D_CHUNKED &&
              H5Pget_filter_by_id2(p, H5Z_FILTER_DEFLATE, &flags, &ncd, cd, 0, NULL, NULL) >= 0;
    H5Pclose(p);
    H5Dclose(d);
    return yes;
}

/* No "<name>.tmp-*" is left in the test directory. */
static int temporaries_left(void)
{
    DIR *dir = opendir(g_dir);
    int found = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL)
        if (strstr(e->d_name, ".tmp-")) {
            fprintf(stderr, "temporary file left behind: %s/%s\n", g_dir, e->d_name);
            found = 1;
        }
    if (dir)
        closedir(dir);
    return found;
}

/* Text dataset `path` (format 2.0: variable-length UTF-8) read whole; *n its length.
 * NULL if it is not such a dataset. */
static char **text_read(hid_t f, const char *path, hsize_t *n)
{
    *n = 0;
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    char **out = NULL;
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0 &&
        H5Tget_cset(t) == H5T_CSET_UTF8) {
        H5Sget_simple_extent_dims(s, n, NULL);
        out = calloc(*n > 0 ? *n : 1, sizeof *out);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5T_CSET_UTF8);
        if (*n > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
            free(out);
            out = NULL;
        }
        H5Tclose(mt);
    }
    H5Sclose(s);
    H5Tclose(t);
    H5Dclose(d);
    return out;
}

static void text_free(char **v, hsize_t n)
{
    for (hsize_t i = 0; v && i < n; ++i)
        H5free_memory(v[i]);
    free(v);
}

/* Entry i of the text dataset `path` is `expected`. */
static int text_entry_is(hid_t f, const char *path, hsize_t i, const char *expected)
{
    hsize_t n;
    char **v = text_read(f, path, &n);
    int same = v && i < n && v[i] && strcmp(v[i], expected) == 0;
    if (!same)
        fprintf(stderr, "%s[%llu]: expected \"%s\"\n", path, (unsigned long long)i, expected);
    text_free(v, n);
    return same;
}

/* Text datasets a and b hold the same n strings (an id scale and the ids). */
static int same_text(hid_t f, const char *a, const char *b, hsize_t n)
{
    hsize_t na, nb;
    char **va = text_read(f, a, &na), **vb = text_read(f, b, &nb);
    int same = va && vb && na == n && nb == n;
    for (hsize_t i = 0; same && i < n; ++i)
        same = strcmp(va[i], vb[i]) == 0;
    if (!same)
        fprintf(stderr, "%s: not the text of %s\n", a, b);
    text_free(va, na);
    text_free(vb, nb);
    return same;
}

/* Dataset `path` is a dimension scale holding the same n ids as text dataset `ids`
 * (format 2.0's entity scales). */
static int id_scale_is(hid_t f, const char *path, const char *ids, hsize_t n)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    int scale = d >= 0 && H5DSis_scale(d) > 0;
    if (d >= 0)
        H5Dclose(d);
    return scale && same_text(f, path, ids, n);
}

/* Objects a and b are the same (hard links to one dataset). */
static int same_object(hid_t f, const char *a, const char *b)
{
    H5O_info_t ia, ib;
    return H5Oget_info_by_name(f, a, &ia, H5P_DEFAULT) >= 0 &&
           H5Oget_info_by_name(f, b, &ib, H5P_DEFAULT) >= 0 && ia.addr == ib.addr &&
           ia.fileno == ib.fileno;
}

/* A category: the attribute codes, and (format 2.0) an enumeration over uint8 whose
 * members are those codes. */
static int codes_are(hid_t f, const char *path, const char *codes)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    int same = d >= 0 && text_attr_is(d, "codes", codes);
    hid_t t = d >= 0 ? H5Dget_type(d) : -1;
    hid_t base = t >= 0 && H5Tget_class(t) == H5T_ENUM ? H5Tget_super(t) : -1;
    same = same && base >= 0 && H5Tequal(base, H5T_STD_U8LE) > 0;
    int members = 0;
    for (const char *p = codes; same && p && *p; ++members) {
        unsigned value = (unsigned)strtoul(p, NULL, 10);
        const char *word = strchr(p, '=') + 1, *next = strchr(word, ',');
        size_t len = next ? (size_t)(next - word) : strlen(word);
        uint8_t v = (uint8_t)value;
        char name[64] = {0};
        same = H5Tenum_nameof(t, &v, name, sizeof name) >= 0 && strlen(name) == len &&
               strncmp(name, word, len) == 0;
        p = next ? next + 1 : NULL;
    }
    same = same && H5Tget_nmembers(t) == members;
    if (!same)
        fprintf(stderr, "%s: not an enumeration of %s\n", path, codes);
    if (base >= 0)
        H5Tclose(base);
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    return same;
}

static void verify_root(hid_t f, const fixture *fx)
{
    CHECK(text_attr_is(f, "file_type", "echelon-run"));
    CHECK(text_attr_is(f, "format_version", ECH_OUTPUT_FORMAT_VERSION));
    CHECK(text_attr_is(f, "program_version", ECH_VERSION_STRING));
    CHECK(text_attr_is(f, "git_commit", ECH_GIT_COMMIT));
    CHECK(text_attr_is(f, "command_line", fx->res.info.command_line));
    CHECK(text_attr_is(f, "created", fx->res.info.created));
    CHECK(text_attr_is(f, "scenario_name", "test-output"));
    CHECK(text_attr_is(f, "scenario_file", "scenarios/test-output.yaml"));
    CHECK(text_attr_is(f, "scenario_text", fx->sc.source_text));
    char *resolved = attr_text(f, "resolved_scenario");
    CHECK(resolved != NULL && resolved[0] != '\0');
    free(resolved);
    CHECK(text_attr_is(f, "start_date", "2024-02-29"));
    CHECK(text_attr_is(f, "unmet_demand", "lost"));
    CHECK(text_attr_is(f, "allocation", "priority"));
    CHECK(text_attr_is(f, "internal_shortfall", "cut"));
    uint64_t seed = 0;
    int64_t reps = 0;
    int32_t days = 0, warmup = 0, ranks = 0, threads = 0;
    CHECK(attr_read(f, "seed", H5T_NATIVE_UINT64, &seed, 1) == 0 &&
          seed == UINT64_C(0xFEDCBA9876543210));
    CHECK(attr_read(f, "replications", H5T_NATIVE_INT64, &reps, 1) == 0 && reps == N_REP);
    CHECK(attr_read(f, "days", H5T_NATIVE_INT32, &days, 1) == 0 && days == 30);
    CHECK(attr_read(f, "warmup_days", H5T_NATIVE_INT32, &warmup, 1) == 0 && warmup == 5);
    CHECK(attr_read(f, "n_ranks", H5T_NATIVE_INT32, &ranks, 1) == 0 && ranks == g_size);
    CHECK(attr_read(f, "n_threads", H5T_NATIVE_INT32, &threads, 1) == 0 && threads == 3);
    /* The attribute's type is unsigned 64-bit, so large seeds survive. */
    hid_t a = H5Aopen(f, "seed", H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    CHECK(H5Tget_class(t) == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_NONE && H5Tget_size(t) == 8);
    H5Tclose(t);
    H5Aclose(a);
}

static void verify_catalogue_network(hid_t f)
{
    int nd;
    hsize_t dims[2];
    /* Text is variable-length UTF-8 (format 2.0), the entity scales hold the ids. */
    CHECK(text_entry_is(f, "/catalogue/sku_id", 0, "A100"));
    CHECK(text_entry_is(f, "/catalogue/sku_id", 2, "C3"));
    CHECK(id_scale_is(f, "/catalogue/sku", "/catalogue/sku_id", N_SKU));
    CHECK(text_entry_is(f, "/network/location_name", 2,
                        "Pharmacy \xc3\x84pfelstra\xc3\x9f"
                        "e"));
    CHECK(text_entry_is(f, "/network/location_name", 3, "Pharmacy 2"));
    CHECK(id_scale_is(f, "/network/location", "/network/location_id", N_LOC));
    CHECK(id_scale_is(f, "/catalogue/supplier", "/catalogue/supplier_id", 2));
    CHECK(codes_are(f, "/network/kind", "0=cw,1=dc,2=retail"));
    hid_t d;

    double *cost = dataset_read(f, "/catalogue/unit_cost", H5T_NATIVE_DOUBLE, 8, &nd, dims);
    CHECK(cost && nd == 1 && dims[0] == N_SKU);
    if (cost)
        for (int k = 0; k < N_SKU; ++k)
            CHECK(cost[k] == 1.25 * (k + 1));
    free(cost);
    uint8_t *storage = dataset_read(f, "/catalogue/storage_class", H5T_NATIVE_UINT8, 1, &nd, dims);
    CHECK(storage && storage[0] == 0 && storage[1] == 1 && storage[2] == 0);
    free(storage);
    d = H5Dopen2(f, "/catalogue/storage_class", H5P_DEFAULT);
    CHECK(text_attr_is(d, "codes", "0=ambient,1=cold"));
    CHECK(text_attr_is(d, "units", "1"));
    H5Dclose(d);
    int32_t *seg = dataset_read(f, "/catalogue/segment_index", H5T_NATIVE_INT32, 4, &nd, dims);
    CHECK(seg && seg[0] == 0 && seg[1] == 1 && seg[2] == 0);
    free(seg);
    d = H5Dopen2(f, "/catalogue/segment_names", H5P_DEFAULT);
    CHECK(d >= 0);
    H5Dclose(d);
    CHECK(attached(f, "/catalogue/sku_name", "/catalogue/sku", 0));
    CHECK(attached(f, "/catalogue/supplier_id", "/catalogue/supplier", 0));
    CHECK(attached(f, "/catalogue/segment_names", "/catalogue/segment", 0));

    /* The input columns of format 1.2; receipt lives were not given (NaN). */
    double *vol = dataset_read(f, "/catalogue/unit_volume_litres", H5T_NATIVE_DOUBLE, 8, &nd, dims);
    CHECK(vol && dims[0] == N_SKU && vol[0] == 0.125 && vol[2] == 0.375);
    free(vol);
    double *life = dataset_read(f, "/catalogue/receipt_life_max", H5T_NATIVE_DOUBLE, 8, &nd, dims);
    CHECK(life && dims[0] == N_SKU && isnan(life[1]));
    free(life);
    int32_t *reserved =
        dataset_read(f, "/catalogue/cw_reserved_units", H5T_NATIVE_INT32, 4, &nd, dims);
    CHECK(reserved && reserved[0] == -1 && reserved[2] == 14);
    free(reserved);
    double *cap = dataset_read(f, "/network/cold_capacity_litres", H5T_NATIVE_DOUBLE, 8, &nd, dims);
    CHECK(cap && dims[0] == N_LOC && cap[0] == 0 && cap[3] == 7.5);
    free(cap);
    CHECK(attached(f, "/network/cold_capacity_litres", "/network/location", 0));
    d = H5Dopen2(f, "/network/cold_capacity_litres", H5P_DEFAULT);
    CHECK(text_attr_is(d, "units", "litre"));
    H5Dclose(d);

    int32_t *parent = dataset_read(f, "/network/parent_index", H5T_NATIVE_INT32, 4, &nd, dims);
    CHECK(parent && dims[0] == N_LOC && parent[0] == -1 && parent[1] == 0 && parent[2] == 1 &&
          parent[3] == 1);
    free(parent);
    uint8_t *kind = dataset_read(f, "/network/kind", H5T_NATIVE_UINT8, 1, &nd, dims);
    CHECK(kind && kind[0] == 0 && kind[1] == 1 && kind[2] == 2 && kind[3] == 2);
    free(kind);
    CHECK(attached(f, "/network/lead_time_days", "/network/location", 0));
}

/* Dataset `path` is 1-d with exactly the n values at `expect` (compared bit for bit,
 * read as memtype of elem bytes) and, with `scale`, attached to that scale. */
static int same_values(hid_t f, const char *path, hid_t memtype, size_t elem, const void *expect,
                       hsize_t n, const char *scale)
{
    int nd;
    hsize_t dims[2];
    void *got = dataset_read(f, path, memtype, elem, &nd, dims);
    int same = got && nd == 1 && dims[0] == n && (n == 0 || memcmp(got, expect, n * elem) == 0);
    if (!same)
        fprintf(stderr, "%s: not the values expected\n", path);
    free(got);
    return same && (!scale || attached(f, path, scale, 0));
}

/* The names of the disruptions active in variant v, joined by ", ". */
static void active_names(const ech_scenario *sc, int v, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < sc->disruptions.n; ++i)
        if (sc->variant[v].disruption_active[i]) {
            if (buf[0])
                strncat(buf, ", ", size - strlen(buf) - 1);
            strncat(buf, sc->disruptions.name[i], size - strlen(buf) - 1);
        }
}

/* The attributes that describe variant v, with their names preceded by `prefix`. */
static void verify_variant_attributes(hid_t obj, const fixture *fx, int v, const char *prefix)
{
    const ech_variant *var = &fx->sc.variant[v];
    char name[64], active[256];
    int32_t index = -1, listed[8], n_listed = 0;
    double factor = 0;
#define PREFIXED(s) (snprintf(name, sizeof name, "%s%s", prefix, s), name)
    CHECK(text_attr_is(obj, PREFIXED("name"), var->name));
    CHECK(text_attr_is(obj, PREFIXED("description"), var->description ? var->description : ""));
    CHECK(attr_read(obj, PREFIXED("variant_index"), H5T_NATIVE_INT32, &index, 1) == 0 &&
          index == v);
    CHECK(attr_read(obj, PREFIXED("lead_time_factor"), H5T_NATIVE_DOUBLE, &factor, 1) == 0 &&
          factor == var->lead_time_factor);
    static const char *alloc[] = {"fair_share", "priority", "alphabetical"};
    CHECK(text_attr_is(obj, PREFIXED("allocation"), alloc[var->allocation]));
    int32_t alternatives = -1;
    CHECK(attr_read(obj, PREFIXED("alternative_sources"), H5T_NATIVE_INT32, &alternatives, 1) ==
              0 &&
          alternatives == var->use_alternatives);
    active_names(&fx->sc, v, active, sizeof active);
    CHECK(text_attr_is(obj, PREFIXED("active_disruptions"), active));
    for (int i = 0; i < fx->sc.disruptions.n; ++i)
        if (var->disruption_active[i])
            listed[n_listed++] = i;
    int32_t got[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    CHECK(attr_read(obj, PREFIXED("active_disruption_index"), H5T_NATIVE_INT32, got, n_listed) ==
              0 &&
          memcmp(got, listed, (size_t)n_listed * sizeof *got) == 0);
#undef PREFIXED
}

/* The skuloc group `g` ("/skuloc" or "/variants/<name>/skuloc") of variant v. */
static void verify_skuloc(hid_t f, const fixture *fx, const char *g, int v, int keep_replications)
{
    int nd;
    hsize_t dims[2];
    char path[256], scale[256], qscale[256], rscale[256];
    snprintf(scale, sizeof scale, "%s/skuloc", g);
    snprintf(qscale, sizeof qscale, "%s/quantile", g);
    snprintf(rscale, sizeof rscale, "%s/replication", g);
    int64_t ids[N_SKULOC], reps_expect[N_REP];
    for (int x = 0; x < N_SKULOC; ++x)
        ids[x] = x;
    for (int r = 0; r < N_REP; ++r)
        reps_expect[r] = r;
    CHECK(same_values(f, scale, H5T_NATIVE_INT64, 8, ids, N_SKULOC, NULL));
    CHECK(same_values(f, qscale, H5T_NATIVE_DOUBLE, 8, fx->sc.output.quantiles, N_Q, NULL));
    CHECK(same_values(f, rscale, H5T_NATIVE_INT64, 8, reps_expect, N_REP, NULL));

    snprintf(path, sizeof path, "%s/sku_index", g);
    if (v == 0) {
        int32_t *sku = dataset_read(f, path, H5T_NATIVE_INT32, 4, &nd, dims);
        int32_t *loc = dataset_read(f, "/skuloc/location_index", H5T_NATIVE_INT32, 4, &nd, dims);
        int64_t *par = dataset_read(f, "/skuloc/parent_skuloc", H5T_NATIVE_INT64, 8, &nd, dims);
        double *out = dataset_read(f, "/skuloc/expected_outflow", H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(sku && loc && par && out);
        for (int x = 0; sku && loc && par && out && x < N_SKULOC; ++x) {
            CHECK(sku[x] == SKULOC_SKU[x]);
            CHECK(loc[x] == SKULOC_LOC[x]);
            CHECK(par[x] == SKULOC_PARENT[x]);
            CHECK(out[x] == 0.25 * (x + 1));
        }
        free(sku);
        free(loc);
        free(par);
        free(out);
        CHECK(attached(f, path, scale, 0));
        /* Format 2.0: the skulocs' ids as coordinates. */
        for (int x = 0; x < N_SKULOC; ++x) {
            char want[64];
            snprintf(want, sizeof want, "%s", fx->sc.cat.id[SKULOC_SKU[x]]);
            CHECK(text_entry_is(f, "/skuloc/sku", (hsize_t)x, want));
            snprintf(want, sizeof want, "%s", fx->sc.net.id[SKULOC_LOC[x]]);
            CHECK(text_entry_is(f, "/skuloc/location", (hsize_t)x, want));
        }
        CHECK(attached(f, "/skuloc/sku", scale, 0));
        CHECK(attached(f, "/skuloc/location", scale, 0));
    } else {
        CHECK(H5Lexists(f, path, H5P_DEFAULT) == 0); /* the skulocs are described once */
        snprintf(path, sizeof path, "%s/sku", g);
        CHECK(same_object(f, path, "/skuloc/sku"));
        snprintf(path, sizeof path, "%s/location", g);
        CHECK(same_object(f, path, "/skuloc/location"));
    }

    /* The variant's own resolved policy. */
    const ech_variant *var = &fx->sc.variant[v];
    snprintf(path, sizeof path, "%s/policy", g);
    CHECK(same_values(f, path, H5T_NATIVE_UINT8, 1, var->policy, N_SKULOC, scale));
    CHECK(codes_are(f, path, "0=base_stock,1=s_S"));
    snprintf(path, sizeof path, "%s/order_up_to", g);
    CHECK(same_values(f, path, H5T_NATIVE_INT32, 4, var->order_up_to, N_SKULOC, scale));
    snprintf(path, sizeof path, "%s/reorder_point", g);
    CHECK(same_values(f, path, H5T_NATIVE_INT32, 4, var->reorder_point, N_SKULOC, scale));
    snprintf(path, sizeof path, "%s/review_days", g);
    CHECK(same_values(f, path, H5T_NATIVE_INT32, 4, var->review_days, N_SKULOC, scale));
    snprintf(path, sizeof path, "%s/min_order_qty", g);
    CHECK(same_values(f, path, H5T_NATIVE_INT32, 4, var->min_order_qty, N_SKULOC, scale));

    for (int k = 0; k < ECH_KPI_COUNT; ++k) {
        const ech_field_info *kpi = &ech_kpi_info[k];
        char qpath[256], rpath[256];
        snprintf(path, sizeof path, "%s/%s", g, kpi->name);
        hid_t kg = H5Gopen2(f, path, H5P_DEFAULT);
        CHECK(kg >= 0 && text_attr_is(kg, "units", kpi->units));
        if (kg >= 0)
            H5Gclose(kg);
        snprintf(path, sizeof path, "%s/%s/mean", g, kpi->name);
        double *mean = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(mean && nd == 1 && dims[0] == N_SKULOC);
        for (int x = 0; mean && x < N_SKULOC; ++x)
            CHECK(mean[x] == stat_value(v, x, k, 0));
        free(mean);
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        CHECK(text_attr_is(d, "units", kpi->units));
        CHECK(text_attr_is(d, "description", kpi->description));
        CHECK(text_attr_is(d, "coordinates", "sku location"));
        H5Dclose(d);
        CHECK(attached(f, path, scale, 0));
        CHECK(is_chunked_deflated(f, path));
        snprintf(path, sizeof path, "%s/%s/sku", g, kpi->name);
        CHECK(same_object(f, path, "/skuloc/sku"));
        snprintf(path, sizeof path, "%s/%s/location", g, kpi->name);
        CHECK(same_object(f, path, "/skuloc/location"));

        snprintf(path, sizeof path, "%s/%s/sd", g, kpi->name);
        double *sd = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(sd && dims[0] == N_SKULOC);
        for (int x = 0; sd && x < N_SKULOC; ++x)
            CHECK(sd[x] == stat_value(v, x, k, 1));
        free(sd);

        snprintf(qpath, sizeof qpath, "%s/%s/quantiles", g, kpi->name);
        double *qs = dataset_read(f, qpath, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(qs && nd == 2 && dims[0] == N_SKULOC && dims[1] == N_Q);
        for (int x = 0; qs && x < N_SKULOC; ++x)
            for (int i = 0; i < N_Q; ++i)
                CHECK(qs[x * N_Q + i] == stat_value(v, x, k, 2 + i));
        free(qs);
        d = H5Dopen2(f, qpath, H5P_DEFAULT);
        double probs[N_Q] = {0};
        CHECK(attr_read(d, "probabilities", H5T_NATIVE_DOUBLE, probs, N_Q) == 0 &&
              probs[0] == 0.05 && probs[1] == 0.5 && probs[2] == 0.95);
        CHECK(text_attr_is(d, "units", kpi->units));
        H5Dclose(d);
        CHECK(attached(f, qpath, scale, 0));
        CHECK(attached(f, qpath, qscale, 1));
        CHECK(is_chunked_deflated(f, qpath));

        snprintf(rpath, sizeof rpath, "%s/%s/replications", g, kpi->name);
        if (!keep_replications) {
            CHECK(H5Lexists(f, rpath, H5P_DEFAULT) == 0);
            continue;
        }
        double *reps = dataset_read(f, rpath, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(reps && nd == 2 && dims[0] == N_SKULOC && dims[1] == N_REP);
        for (int x = 0; reps && x < N_SKULOC; ++x)
            for (int r = 0; r < N_REP; ++r)
                CHECK(reps[x * N_REP + r] == rep_value(v, x, k, r));
        free(reps);
        CHECK(attached(f, rpath, rscale, 1));
        CHECK(is_chunked_deflated(f, rpath));
    }
}

/* Checks one aggregate's group: `group` ("<...>/network" or a segment's), variant v,
 * aggregate g, series attached to `scale`. */
typedef void (*aggregate_check)(hid_t f, const char *group, const char *scale, int v, int g);

/* The totals of aggregate g of variant v. */
static void verify_totals_group(hid_t f, const char *group, const char *scale, int v, int g)
{
    int nd;
    hsize_t dims[2];
    char path[320];
    for (int t = 0; t < ECH_TOTAL_COUNT; ++t) {
        const ech_field_info *ti = &ech_total_info[t];
        snprintf(path, sizeof path, "%s/%s", group, ti->name);
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        CHECK(d >= 0);
        if (d < 0)
            continue;
        hid_t type = H5Dget_type(d);
        CHECK(H5Tget_class(type) == (ti->is_money ? H5T_FLOAT : H5T_INTEGER));
        H5Tclose(type);
        CHECK(text_attr_is(d, "units", ti->units));
        H5Dclose(d);
        CHECK(attached(f, path, scale, 0));
        if (ti->is_money) {
            double *x = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
            CHECK(x && dims[0] == N_REP);
            for (int r = 0; x && r < N_REP; ++r)
                CHECK(x[r] == (double)total_value(v, g, r, t) / ECH_MONEY_SCALE);
            free(x);
        } else {
            int64_t *x = dataset_read(f, path, H5T_NATIVE_INT64, 8, &nd, dims);
            CHECK(x && dims[0] == N_REP);
            for (int r = 0; x && r < N_REP; ++r)
                CHECK(x[r] == total_value(v, g, r, t));
            free(x);
        }
    }
    snprintf(path, sizeof path, "%s/fill_rate", group);
    double *fr = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
    snprintf(path, sizeof path, "%s/stockout_day_share", group);
    double *sds = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
    snprintf(path, sizeof path, "%s/mean_on_hand_value", group);
    double *moh = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
    snprintf(path, sizeof path, "%s/days_of_supply", group);
    double *dos = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
    CHECK(fr && sds && moh && dos);
    for (int r = 0; fr && sds && moh && dos && r < N_REP; ++r) {
        double demand = (double)total_value(v, g, r, ECH_TOTAL_DEMAND);
        double filled = (double)total_value(v, g, r, ECH_TOTAL_FILLED);
        double so = (double)total_value(v, g, r, ECH_TOTAL_STOCKOUT_DAYS);
        double dpd = (double)total_value(v, g, r, ECH_TOTAL_DEMAND_POINT_DAYS);
        double ohv = (double)total_value(v, g, r, ECH_TOTAL_ON_HAND_VALUE_DAYS);
        double sold = (double)total_value(v, g, r, ECH_TOTAL_SOLD_VALUE);
        if (g == N_SEG) {
            CHECK(fr[r] == 1.0);
            CHECK(isnan(sds[r]));
            CHECK(moh[r] == 0.0);
            CHECK(isnan(dos[r]));
        } else {
            CHECK(fr[r] == filled / demand);
            CHECK(sds[r] == so / dpd);
            CHECK(moh[r] == ohv / ECH_MONEY_SCALE / 30.0);
            CHECK(dos[r] == ohv / sold);
        }
    }
    free(fr);
    free(sds);
    free(moh);
    free(dos);
}

/* The figures a comparison is made of, for variant v, aggregate g, replication r. */
static double fill_of(int v, int g, int r)
{
    int64_t demand = total_value(v, g, r, ECH_TOTAL_DEMAND);
    return demand ? (double)total_value(v, g, r, ECH_TOTAL_FILLED) / (double)demand : 1.0;
}

/* Variant v against the baseline in aggregate g: paired differences per replication. */
static void verify_comparison_group(hid_t f, const char *group, const char *scale, int v, int g)
{
    static const char *series[5] = {"fill_rate", "stockout_day_share", "lost_units",
                                    "mean_on_hand_value", "total_cost"};
    double *got[5];
    int nd;
    hsize_t dims[2];
    for (int i = 0; i < 5; ++i) {
        char path[320];
        snprintf(path, sizeof path, "%s/%s", group, series[i]);
        got[i] = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(got[i] && nd == 1 && dims[0] == N_REP);
        CHECK(attached(f, path, scale, 0));
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        CHECK(d >= 0 && text_attr_is(d, "units",
                                     i == 0 || i == 1 ? "1"
                                     : i == 2         ? "unit"
                                                      : "currency"));
        if (d >= 0)
            H5Dclose(d);
    }
    for (int r = 0; got[0] && got[1] && got[2] && got[3] && got[4] && r < N_REP; ++r) {
        CHECK(got[0][r] == fill_of(v, g, r) - fill_of(0, g, r));
        int64_t lost_v =
            total_value(v, g, r, ECH_TOTAL_LOST) + total_value(v, g, r, ECH_TOTAL_BACKORDERED);
        int64_t lost_0 =
            total_value(0, g, r, ECH_TOTAL_LOST) + total_value(0, g, r, ECH_TOTAL_BACKORDERED);
        CHECK(got[2][r] == (double)(lost_v - lost_0));
        double moh_v =
            (double)total_value(v, g, r, ECH_TOTAL_ON_HAND_VALUE_DAYS) / ECH_MONEY_SCALE / 30.0;
        double moh_0 =
            (double)total_value(0, g, r, ECH_TOTAL_ON_HAND_VALUE_DAYS) / ECH_MONEY_SCALE / 30.0;
        CHECK(got[3][r] == moh_v - moh_0);
        CHECK(got[4][r] ==
              (double)total_value(v, g, r, ECH_TOTAL_TOTAL_COST) / ECH_MONEY_SCALE -
                  (double)total_value(0, g, r, ECH_TOTAL_TOTAL_COST) / ECH_MONEY_SCALE);
        if (g == N_SEG) {
            CHECK(got[0][r] == 0.0 && isnan(got[1][r]) && got[2][r] == 0.0);
        } else {
            double so_v = (double)total_value(v, g, r, ECH_TOTAL_STOCKOUT_DAYS) /
                          (double)total_value(v, g, r, ECH_TOTAL_DEMAND_POINT_DAYS);
            double so_0 = (double)total_value(0, g, r, ECH_TOTAL_STOCKOUT_DAYS) /
                          (double)total_value(0, g, r, ECH_TOTAL_DEMAND_POINT_DAYS);
            CHECK(got[1][r] == so_v - so_0);
            /* The fabricated totals of a variant differ from the baseline's. */
            CHECK(v == 0 || got[2][r] != 0.0);
        }
    }
    for (int i = 0; i < 5; ++i)
        free(got[i]);
}

/* The network and segment groups under `prefix` (a totals or comparison group), each
 * checked by `check`, with the replication scale of `prefix`. */
static void verify_aggregates(hid_t f, const char *prefix, int v, aggregate_check check)
{
    char group[256], scale[256];
    snprintf(scale, sizeof scale, "%s/replication", prefix);
    snprintf(group, sizeof group, "%s/network", prefix);
    check(f, group, scale, v, 0);
    snprintf(group, sizeof group, "%s/segments", prefix);
    hid_t segs = H5Gopen2(f, group, H5P_DEFAULT);
    hsize_t n_links = 0;
    CHECK(segs >= 0 && H5Gget_num_objs(segs, &n_links) >= 0 && n_links == N_SEG);
    if (segs >= 0)
        H5Gclose(segs);
    for (int s = 0; s < N_SEG; ++s) {
        snprintf(group, sizeof group, "%s/segments/%s", prefix, SEGMENT_LINKS[s]);
        CHECK(H5Lexists(f, group, H5P_DEFAULT) > 0);
        hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
        CHECK(text_attr_is(g, "segment_name", SEGMENTS[s]));
        int32_t idx = -1;
        CHECK(attr_read(g, "segment_index", H5T_NATIVE_INT32, &idx, 1) == 0 && idx == s);
        H5Gclose(g);
        check(f, group, scale, v, 1 + s);
    }
}

/* The per-SKU means per replication in group `g` (/sku, or a variant's comparison/sku). */
static void verify_sku_sums(hid_t f, const char *g, int v)
{
    double lost[N_SKU], recovery[N_SKU], disrupted[N_SKU];
    for (int k = 0; k < N_SKU; ++k) {
        lost[k] = (double)(sku_sum(0, v, k) - (v ? sku_sum(0, 0, k) : 0)) / N_REP;
        recovery[k] = (double)sku_sum(1, v, k) / N_REP;
        disrupted[k] = (double)sku_sum(2, v, k) / N_REP;
    }
    /* Fractions: the sums are not multiples of the replications. */
    CHECK(lost[0] != floor(lost[0]));
    char path[320], scale[320];
    snprintf(scale, sizeof scale, "%s/sku", g);
    CHECK(id_scale_is(f, scale, "/catalogue/sku_id", N_SKU));
    snprintf(path, sizeof path, "%s/%s", g, v ? "lost_units_change" : "lost_units");
    CHECK(same_values(f, path, H5T_NATIVE_DOUBLE, 8, lost, N_SKU, scale));
    snprintf(path, sizeof path, "%s/recovery_days", g);
    CHECK(same_values(f, path, H5T_NATIVE_DOUBLE, 8, recovery, N_SKU, scale));
    snprintf(path, sizeof path, "%s/disrupted_days", g);
    CHECK(same_values(f, path, H5T_NATIVE_DOUBLE, 8, disrupted, N_SKU, scale));
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    CHECK(d >= 0 && text_attr_is(d, "units", "day"));
    if (d >= 0)
        H5Dclose(d);
}

/* /variants/<name>/comparison of variant v. */
static void verify_comparison(hid_t f, const char *g, int v)
{
    hid_t cg = H5Gopen2(f, g, H5P_DEFAULT);
    CHECK(cg >= 0 && text_attr_is(cg, "baseline", "baseline"));
    if (cg >= 0)
        H5Gclose(cg);
    char path[256], scale[256];
    snprintf(path, sizeof path, "%s/sku", g);
    verify_sku_sums(f, path, v);
    double change[N_LOC];
    for (int l = 0; l < N_LOC; ++l) {
        change[l] = (double)(location_sum(v, l) - location_sum(0, l)) / N_REP;
    }
    snprintf(scale, sizeof scale, "%s/location/location", g);
    CHECK(id_scale_is(f, scale, "/network/location_id", N_LOC));
    snprintf(path, sizeof path, "%s/location/lost_units_change", g);
    CHECK(same_values(f, path, H5T_NATIVE_DOUBLE, 8, change, N_LOC, scale));
    verify_aggregates(f, g, v, verify_comparison_group);
}

static void verify_supply(hid_t f, const fixture *fx)
{
    const ech_scenario *sc = &fx->sc;
    const ech_sites *st = &sc->sites;
    const ech_disruptions *d = &sc->disruptions;
    const char *site = "/supply/site";
    for (int i = 0; i < st->n; ++i)
        CHECK(text_entry_is(f, "/supply/site_id", (hsize_t)i, st->id[i]));
    CHECK(attached(f, "/supply/site_id", site, 0));
    CHECK(id_scale_is(f, site, "/supply/site_id", (hsize_t)st->n));
    CHECK(id_scale_is(f, "/supply/region", "/supply/region_names", (hsize_t)sc->n_regions));
    CHECK(id_scale_is(f, "/supply/supplier", "/supply/supplier_id", 2));
    CHECK(same_values(f, "/supply/site_supplier_index", H5T_NATIVE_INT32, 4, st->supplier,
                      (hsize_t)st->n, site));
    CHECK(same_values(f, "/supply/site_region_index", H5T_NATIVE_INT32, 4, st->region,
                      (hsize_t)st->n, site));
    uint8_t dist[8];
    double mean[8], sd[8];
    int32_t lo[8], hi[8];
    for (int i = 0; i < st->n && i < 8; ++i) {
        dist[i] = st->lead_time[i].dist;
        mean[i] = st->lead_time[i].mean;
        sd[i] = st->lead_time[i].sd;
        lo[i] = st->lead_time[i].min_days;
        hi[i] = st->lead_time[i].max_days;
    }
    CHECK(same_values(f, "/supply/site_lead_time_distribution", H5T_NATIVE_UINT8, 1, dist,
                      (hsize_t)st->n, site));
    CHECK(codes_are(f, "/supply/site_lead_time_distribution",
                    "0=fixed,1=gamma,2=lognormal,3=empirical"));
    CHECK(same_values(f, "/supply/site_lead_time_mean", H5T_NATIVE_DOUBLE, 8, mean, (hsize_t)st->n,
                      site));
    CHECK(same_values(f, "/supply/site_lead_time_sd", H5T_NATIVE_DOUBLE, 8, sd, (hsize_t)st->n,
                      site));
    CHECK(same_values(f, "/supply/site_lead_time_min_days", H5T_NATIVE_INT32, 4, lo, (hsize_t)st->n,
                      site));
    CHECK(same_values(f, "/supply/site_lead_time_max_days", H5T_NATIVE_INT32, 4, hi, (hsize_t)st->n,
                      site));

    for (int i = 0; i < sc->n_regions; ++i)
        CHECK(text_entry_is(f, "/supply/region_names", (hsize_t)i, sc->region[i]));
    CHECK(attached(f, "/supply/region_names", "/supply/region", 0));

    const ech_reliability *rel = sc->suppliers.reliability;
    double pp[2], pm[2], ps[2], cp[2];
    uint8_t sf[2];
    for (int i = 0; i < 2; ++i) {
        pp[i] = rel[i].partial_prob;
        pm[i] = rel[i].partial_mean;
        ps[i] = rel[i].partial_sd;
        cp[i] = rel[i].cancel_prob;
        sf[i] = rel[i].shortfall;
    }
    const char *sup = "/supply/supplier";
    CHECK(text_entry_is(f, "/supply/supplier_id", 1, "generics-plc-with-a-long-name"));
    CHECK(same_values(f, "/supply/partial_probability", H5T_NATIVE_DOUBLE, 8, pp, 2, sup));
    CHECK(same_values(f, "/supply/partial_fraction_mean", H5T_NATIVE_DOUBLE, 8, pm, 2, sup));
    CHECK(same_values(f, "/supply/partial_fraction_sd", H5T_NATIVE_DOUBLE, 8, ps, 2, sup));
    CHECK(same_values(f, "/supply/cancel_probability", H5T_NATIVE_DOUBLE, 8, cp, 2, sup));
    CHECK(same_values(f, "/supply/shortfall", H5T_NATIVE_UINT8, 1, sf, 2, sup));
    CHECK(codes_are(f, "/supply/shortfall", "0=backorder,1=cancel"));

    /* Disruptions: an empty table when there are none. */
    const char *dis = "/supply/disruption";
    hsize_t n = (hsize_t)d->n;
    for (int i = 0; i < d->n && i < 8; ++i)
        CHECK(text_entry_is(f, "/supply/disruption_name", (hsize_t)i, d->name[i]));
    CHECK(id_scale_is(f, dis, "/supply/disruption_name", n));
    CHECK(same_values(f, "/supply/disruption_kind", H5T_NATIVE_UINT8, 1, d->kind, n, dis));
    CHECK(codes_are(f, "/supply/disruption_kind", "0=markov,1=scripted"));
    CHECK(same_values(f, "/supply/disruption_scope", H5T_NATIVE_UINT8, 1, d->scope, n, dis));
    CHECK(codes_are(f, "/supply/disruption_scope", "0=site,1=supplier,2=region,3=each_site"));
    CHECK(
        same_values(f, "/supply/disruption_target_index", H5T_NATIVE_INT32, 4, d->target, n, dis));
    CHECK(
        same_values(f, "/supply/disruption_mtbf_days", H5T_NATIVE_DOUBLE, 8, d->mtbf_days, n, dis));
    CHECK(
        same_values(f, "/supply/disruption_mttr_days", H5T_NATIVE_DOUBLE, 8, d->mttr_days, n, dis));
    CHECK(same_values(f, "/supply/disruption_from_day", H5T_NATIVE_INT32, 4, d->from_day, n, dis));
    CHECK(same_values(f, "/supply/disruption_to_day", H5T_NATIVE_INT32, 4, d->to_day, n, dis));
    CHECK(same_values(f, "/supply/disruption_capacity", H5T_NATIVE_DOUBLE, 8, d->capacity, n, dis));

    /* The SKUs' sources in /catalogue. */
    const ech_catalogue *cat = &sc->cat;
    const char *sku = "/catalogue/sku";
    CHECK(same_values(f, "/catalogue/site_index", H5T_NATIVE_INT32, 4, cat->site, N_SKU, sku));
    CHECK(same_values(f, "/catalogue/alt_site_index", H5T_NATIVE_INT32, 4, cat->alt_site, N_SKU,
                      sku));
    CHECK(same_values(f, "/catalogue/alt_rule", H5T_NATIVE_UINT8, 1, cat->alt_rule, N_SKU, sku));
    CHECK(codes_are(f, "/catalogue/alt_rule", "0=none,1=switch,2=split"));
    CHECK(same_values(f, "/catalogue/alt_split", H5T_NATIVE_DOUBLE, 8, cat->alt_split, N_SKU, sku));
    CHECK(same_values(f, "/catalogue/alt_premium", H5T_NATIVE_DOUBLE, 8, cat->alt_premium, N_SKU,
                      sku));
}

/* A cold_chain group of a run without cold rooms: every dataset, of length 0, and
 * the daily occupancy with kept replications. */
static void verify_cold_chain_empty(hid_t f, const char *g, int keep_replications)
{
    static const char *names[] = {"cold_location",
                                  "location_index",
                                  "location_id",
                                  "capacity_litres",
                                  "occupancy_mean",
                                  "occupancy_sd",
                                  "occupancy_max",
                                  "exceed_probability",
                                  "days_over_capacity_mean",
                                  "replications_over_capacity_share"};
    char path[256];
    int nd;
    hsize_t dims[2];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
        snprintf(path, sizeof path, "%s/%s", g, names[i]);
        free(dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims));
        if (!(nd == 1 && dims[0] == 0))
            fprintf(stderr, "%s: ndims %d\n", path, nd);
        CHECK(nd == 1 && dims[0] == 0);
    }
    snprintf(path, sizeof path, "%s/occupancy_quantiles", g);
    free(dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims));
    CHECK(nd == 2 && dims[0] == 0 && dims[1] == N_Q);
    snprintf(path, sizeof path, "%s/occupancy_ml", g);
    CHECK((H5Lexists(f, path, H5P_DEFAULT) > 0) == (keep_replications != 0));
}

/* Root attributes on variants, /variants and every variant's groups. */
static void verify_variants(hid_t f, const fixture *fx, int keep_replications)
{
    const int n_var = fx->sc.n_variants;
    int32_t n = 0;
    CHECK(attr_read(f, "n_variants", H5T_NATIVE_INT32, &n, 1) == 0 && n == n_var);
    CHECK(text_attr_is(f, "variants",
                       n_var == 1 ? "baseline" : "baseline, no-disruptions, slow/lanes"));
    verify_variant_attributes(f, fx, 0, "baseline_");

    hid_t g = H5Gopen2(f, "/variants", H5P_DEFAULT);
    hsize_t n_links = 99;
    CHECK(g >= 0 && H5Gget_num_objs(g, &n_links) >= 0 && n_links == (hsize_t)(n_var - 1));
    if (g >= 0)
        H5Gclose(g);
    for (int v = 1; v < n_var; ++v) {
        char group[128], sub[192];
        snprintf(group, sizeof group, "/variants/%s", VARIANT_LINKS[v]);
        hid_t vg = H5Gopen2(f, group, H5P_DEFAULT);
        CHECK(vg >= 0);
        if (vg < 0)
            continue;
        verify_variant_attributes(vg, fx, v, "");
        H5Gclose(vg);
        snprintf(sub, sizeof sub, "%s/skuloc", group);
        verify_skuloc(f, fx, sub, v, keep_replications);
        snprintf(sub, sizeof sub, "%s/totals", group);
        verify_aggregates(f, sub, v, verify_totals_group);
        snprintf(sub, sizeof sub, "%s/comparison", group);
        verify_comparison(f, sub, v);
        snprintf(sub, sizeof sub, "%s/cold_chain", group);
        verify_cold_chain_empty(f, sub, keep_replications);
    }
}

static void verify_runtime(hid_t f)
{
    hid_t g = H5Gopen2(f, "/runtime", H5P_DEFAULT);
    CHECK(g >= 0);
    double v = 0;
    int64_t i64 = 0;
    uint64_t u64 = 0;
    int32_t i32 = 0;
    CHECK(attr_read(g, "setup_seconds", H5T_NATIVE_DOUBLE, &v, 1) == 0 && v == 0.5);
    CHECK(attr_read(g, "simulate_seconds", H5T_NATIVE_DOUBLE, &v, 1) == 0 && v == 2.25);
    CHECK(attr_read(g, "skuloc_days_per_second_per_core", H5T_NATIVE_DOUBLE, &v, 1) == 0 &&
          v == 123.5);
    CHECK(attr_read(g, "skuloc_days", H5T_NATIVE_INT64, &i64, 1) == 0 &&
          i64 == (int64_t)N_SKULOC * 35 * N_REP);
    CHECK(attr_read(g, "verification_hash", H5T_NATIVE_UINT64, &u64, 1) == 0 &&
          u64 == UINT64_C(0xDEADBEEFCAFEF00D));
    CHECK(attr_read(g, "n_ranks", H5T_NATIVE_INT32, &i32, 1) == 0 && i32 == g_size);
    CHECK(attr_read(g, "n_threads", H5T_NATIVE_INT32, &i32, 1) == 0 && i32 == 3);
    H5Gclose(g);
}

/* Runs tests/check_results.py OPTIONS PATH when ECHELON_PYTHON and ECHELON_SOURCE_DIR
 * are set (ctest sets both): 1 when it passes or is not run.  Not under the
 * sanitizers (ECHELON_SANITIZED): Python exercises none of the C they watch, and the
 * optimised build checks the same files, the results being fabricated. */
static int check_results_py(const char *options, const char *path)
{
    const char *py = getenv("ECHELON_PYTHON");
    const char *src = getenv("ECHELON_SOURCE_DIR");
    if (!py || !src || getenv("ECHELON_SANITIZED"))
        return 1;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/check_results.py' %s '%s'", py, src, options, path);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "%s: exit status %d\n", cmd, rc);
    return rc == 0;
}

/* Rank 0 reads the whole file back; also runs tests/check_results.py on it
 * (check_results_py) when `python` is set. */
static void verify_file(const char *path, const fixture *fx, int keep_replications, int python)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(f >= 0);
        if (f >= 0) {
            verify_root(f, fx);
            verify_catalogue_network(f);
            verify_supply(f, fx);
            verify_skuloc(f, fx, "/skuloc", 0, keep_replications);
            verify_aggregates(f, "/totals", 0, verify_totals_group);
            verify_sku_sums(f, "/sku", 0);
            verify_cold_chain_empty(f, "/cold_chain", keep_replications);
            verify_variants(f, fx, keep_replications);
            verify_runtime(f);
            CHECK(H5Fget_obj_count(f, H5F_OBJ_ALL) == 1); /* only the file itself is open */
            H5Fclose(f);
        }
        CHECK(!temporaries_left());
        if (python)
            CHECK(check_results_py(keep_replications ? "--expect-replications" : "", path));
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

static void path_in_dir(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
}

/* ------------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------------ */

/* Writes the fixture's results to `name` in the test directory, reads the file back
 * (verify_file) and frees the fixture; ends the test. */
static void write_verify_free(fixture *fx, const char *name, int keep_replications, int python)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx->sc, &fx->res, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
    CHECK(st == ECH_OK);
    if (st == ECH_OK)
        verify_file(path, fx, keep_replications, python);
    fixture_free(fx);
    finish_checks();
}

/* Every rank holds some skulocs; every replication's value is kept. */
static void test_write_split_with_replications(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_EVEN, 1);
    write_verify_free(&fx, "split.h5", 1, 1);
}

/* The last rank holds no skulocs (and no replications array): it takes part with
 * empty selections.  Writing the same path twice replaces the file. */
static void test_write_last_rank_empty(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_ALL_FIRST, 0);
    char path[512];
    path_in_dir(path, sizeof path, "first.h5");
    ech_error err;
    for (int pass = 0; pass < 2; ++pass) {
        ech_error_clear(&err);
        ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &err);
        if (st != ECH_OK)
            fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
        CHECK(st == ECH_OK);
        CHECK(err.status == ECH_OK && err.msg[0] == '\0');
    }
    verify_file(path, &fx, 0, 1);
    fixture_free(&fx);
    finish_checks();
}

/* The first rank (the one that supplies the small tables) holds no skulocs and no
 * replications array while the others keep replications. */
static void test_write_first_rank_empty(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_ALL_LAST, 1);
    write_verify_free(&fx, "last.h5", 1, 0);
}

/* The same status and message on every rank. */
static void check_same_everywhere(const ech_error *err)
{
    ech_error root = *err;
    MPI_Bcast(&root, (int)sizeof root, MPI_BYTE, 0, MPI_COMM_WORLD);
    CHECK(root.status == err->status);
    CHECK(strcmp(root.msg, err->msg) == 0);
}

/* Writing the fixture's results to `name` fails with `status` and a message holding
 * `fragment`, the same on every rank, and leaves no file; frees the fixture and ends
 * the test. */
static void expect_refused(fixture *fx, const char *name, ech_status status, const char *fragment)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx->sc, &fx->res, &err);
    CHECK(st == status);
    CHECK(strstr(err.msg, fragment) != NULL);
    check_same_everywhere(&err);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(access(path, F_OK) != 0);
    if (g_rank == 0)
        CHECK(!temporaries_left());
    fixture_free(fx);
    finish_checks();
}

/* Three variants and two disruptions, the skulocs split between the ranks, every
 * replication kept: each variant's KPIs, totals and comparison with the baseline,
 * /sku, /supply and the root attributes. */
static void test_write_variants(void **state)
{
    (void)state;
    fixture fx;
    fixture_make_variants(&fx, SPLIT_EVEN, 1, 1);
    write_verify_free(&fx, "variants.h5", 1, 1);
}

/* Three variants without disruptions (empty disruption tables, no active ones): the
 * first rank, which supplies the small tables, holds no skulocs and hands in no
 * statistics or replications at all. */
static void test_write_variants_first_rank_empty(void **state)
{
    (void)state;
    fixture fx;
    fixture_make_variants(&fx, SPLIT_ALL_LAST, 1, 0);
    if (fx.res.skuloc_end == fx.res.skuloc_begin) {
        fx.res.stats = NULL;
        fx.res.reps = NULL;
    }
    write_verify_free(&fx, "variants-empty.h5", 1, 1);
}

/* Results whose variant count differs from the scenario's are refused. */
static void test_variant_count_mismatch(void **state)
{
    (void)state;
    fixture fx;
    fixture_make_variants(&fx, SPLIT_EVEN, 0, 1);
    fx.res.n_variants = 2;
    expect_refused(&fx, "mismatch.h5", ECH_ERR_RUNTIME, "number of variants");
}

/* A missing directory is bad input, found before anything is created. */
static void test_missing_directory(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_EVEN, 0);
    char path[600], dir[512];
    path_in_dir(dir, sizeof dir, "no-such-dir");
    snprintf(path, sizeof path, "%s/out.h5", dir);
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &err);
    CHECK(st == ECH_ERR_INPUT);
    CHECK(err.status == ECH_ERR_INPUT);
    CHECK(strstr(err.msg, "does not exist") != NULL);
    CHECK(strstr(err.msg, dir) != NULL);
    check_same_everywhere(&err);
    MPI_Barrier(MPI_COMM_WORLD);
    struct stat sb;
    CHECK(stat(dir, &sb) != 0 && errno == ENOENT);
    if (g_rank == 0)
        CHECK(!temporaries_left());
    fixture_free(&fx);
    finish_checks();
}

/* A directory under the final name is refused before anything is written (renaming
 * the file over it would fail at the end): bad input on every rank, the directory
 * and its contents untouched, no temporary file left. */
static void test_directory_as_target(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_EVEN, 1);
    char path[512], inside[600];
    path_in_dir(path, sizeof path, "occupied.h5");
    snprintf(inside, sizeof inside, "%s/keep", path);
    if (g_rank == 0) {
        CHECK(mkdir(path, 0755) == 0);
        FILE *fp = fopen(inside, "w");
        CHECK(fp != NULL);
        if (fp)
            fclose(fp);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &err);
    CHECK(st == ECH_ERR_INPUT);
    CHECK(strstr(err.msg, "occupied.h5") != NULL);
    CHECK(strstr(err.msg, "not a regular file") != NULL);
    check_same_everywhere(&err);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0) {
        CHECK(!temporaries_left());
        CHECK(unlink(inside) == 0);
        CHECK(rmdir(path) == 0);
    }
    fixture_free(&fx);
    finish_checks();
}

/* Blocks that overlap (every rank claims every skuloc) are refused before writing. */
static void test_overlapping_blocks(void **state)
{
    (void)state;
    if (g_size < 2)
        skip();
    fixture fx;
    memset(&fx, 0, sizeof fx);
    build_scenario(&fx.sc, 0);
    build_results(&fx, 0, N_SKULOC, 0);
    expect_refused(&fx, "overlap.h5", ECH_ERR_RUNTIME, "exactly once");
}

/* A caller's mistake found on one rank only (the statistics count) is reported by
 * every rank. */
static void test_bad_arguments_on_one_rank(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_EVEN, 0);
    if (g_rank == g_size - 1)
        fx.res.n_stats = N_STATS + 1;
    expect_refused(&fx, "bad.h5", ECH_ERR_RUNTIME, "n_stats");
}

/* A failure inside HDF5 is reported with what failed and HDF5's own reason, on
 * every rank.  To make creating the file fail, the test puts a directory where the
 * temporary file will go (white-box: the writer names it "<path>.tmp-<pid of rank 0>").
 * The writer cannot remove that directory either, and says so. */
static void test_hdf5_failure_is_reported(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_EVEN, 0);
    char path[512], tmp[600];
    path_in_dir(path, sizeof path, "blocked.h5");
    long pid = (long)getpid();
    MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, pid);
    if (g_rank == 0)
        CHECK(mkdir(tmp, 0755) == 0);
    MPI_Barrier(MPI_COMM_WORLD);
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &err);
    CHECK(st == ECH_ERR_RUNTIME);
    CHECK(strstr(err.msg, "cannot write results file") != NULL);
    CHECK(strstr(err.msg, "creating") != NULL);
    CHECK(strstr(err.msg, "could not remove") != NULL);
    if (g_rank == 0)
        printf("message: %s\n", err.msg);
    check_same_everywhere(&err);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(access(path, F_OK) != 0);
    if (g_rank == 0) {
        CHECK(rmdir(tmp) == 0);
        CHECK(!temporaries_left());
    }
    fixture_free(&fx);
    finish_checks();
}

/* Enough skulocs for several chunks per dataset, split unevenly so that a chunk is
 * shared by the ranks and a rank's block spans chunks (parallel compression then
 * moves data between ranks).  One quantile, two replications. */
static void test_many_skulocs(void **state)
{
    (void)state;
    const int64_t n = 70001;
    const int K = ECH_KPI_COUNT;
    fixture fx;
    memset(&fx, 0, sizeof fx);
    build_scenario(&fx.sc, 1);
    ech_skulocs *sl = &fx.sc.sl;
    /* The skuloc table again, n rows of defaults (table.h). */
    int64_t *keep_begin = sl->sku_begin;
    sl->sku_begin = NULL;
    ech_skulocs_free(sl);
    ech_table_alloc(&ech_skuloc_table, sl, n);
    sl->n = n;
    sl->sku_begin = keep_begin;
    for (int64_t x = 0; x < n; ++x) {
        sl->sku[x] = (int32_t)(x % N_SKU);
        sl->location[x] = (int32_t)(x % N_LOC);
        sl->parent[x] = x - 1;
        sl->order_up_to[x] = (int32_t)x;
    }
    baseline_from_given(&fx.sc);
    fx.sc.output.n_quantiles = 1;
    fx.sc.output.quantiles[0] = 0.5;
    fx.sc.replications = 2;

    /* Rank 0 takes 40,000 skulocs, the others share the rest. */
    int64_t begin, end;
    if (g_size == 1) {
        begin = 0;
        end = n;
    } else {
        int64_t rest = n - 40000;
        begin = g_rank == 0 ? 0 : 40000 + rest * (g_rank - 1) / (g_size - 1);
        end = g_rank == 0 ? 40000 : 40000 + rest * g_rank / (g_size - 1);
    }
    int64_t nloc = end - begin;
    fx.stats[0] = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * 3 * sizeof(double), "stats");
    fx.reps[0] = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * 2 * sizeof(double), "reps");
    for (int64_t x = begin; x < end; ++x)
        for (int k = 0; k < K; ++k) {
            for (int j = 0; j < 3; ++j)
                fx.stats[0][((x - begin) * K + k) * 3 + j] = stat_value(0, x, k, j);
            for (int r = 0; r < 2; ++r)
                fx.reps[0][((x - begin) * K + k) * 2 + r] = rep_value(0, x, k, r);
        }
    size_t nt = (size_t)(1 + N_SEG) * 2 * ECH_TOTAL_COUNT;
    fx.totals = ech_xcalloc(nt, sizeof(int64_t), "totals");
    bind_results(&fx, begin, end, 3);
    fx.res.info.n_ranks = g_size;

    char path[512];
    path_in_dir(path, sizeof path, "many.h5");
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
    CHECK(st == ECH_OK);
    MPI_Barrier(MPI_COMM_WORLD);
    if (st == ECH_OK && g_rank == 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        int nd;
        hsize_t dims[2];
        int bad = 0;
        for (int k = 0; k < K; k += 7) {
            char p[256];
            snprintf(p, sizeof p, "/skuloc/%s/quantiles", ech_kpi_info[k].name);
            double *q = dataset_read(f, p, H5T_NATIVE_DOUBLE, 8, &nd, dims);
            CHECK(q && nd == 2 && dims[0] == (hsize_t)n && dims[1] == 1);
            for (int64_t x = 0; q && x < n; ++x)
                bad += q[x] != stat_value(0, x, k, 2);
            free(q);
            snprintf(p, sizeof p, "/skuloc/%s/replications", ech_kpi_info[k].name);
            double *r = dataset_read(f, p, H5T_NATIVE_DOUBLE, 8, &nd, dims);
            CHECK(r && nd == 2 && dims[0] == (hsize_t)n && dims[1] == 2);
            for (int64_t x = 0; r && x < n; ++x)
                bad += r[2 * x] != rep_value(0, x, k, 0) || r[2 * x + 1] != rep_value(0, x, k, 1);
            free(r);
        }
        int64_t *ids = dataset_read(f, "/skuloc/skuloc", H5T_NATIVE_INT64, 8, &nd, dims);
        int32_t *S = dataset_read(f, "/skuloc/order_up_to", H5T_NATIVE_INT32, 4, &nd, dims);
        for (int64_t x = 0; ids && S && x < n; ++x)
            bad += ids[x] != x || S[x] != x;
        CHECK(ids && S);
        free(ids);
        free(S);
        CHECK(bad == 0);
        hid_t d = H5Dopen2(f, "/skuloc/fill_rate/mean", H5P_DEFAULT);
        hid_t p = H5Dget_create_plist(d);
        hsize_t chunk[2] = {0, 0};
        /* About one rank's block per chunk, between 4096 and 65536 rows. */
        hsize_t expect = (hsize_t)((n + g_size - 1) / g_size);
        expect = expect < 4096 ? 4096 : expect > 65536 ? 65536 : expect;
        CHECK(H5Pget_chunk(p, 2, chunk) == 1 && chunk[0] == expect);
        H5Pclose(p);
        H5Dclose(d);
        H5Fclose(f);
        CHECK(!temporaries_left());
    }
    MPI_Barrier(MPI_COMM_WORLD);
    fixture_free(&fx);
    finish_checks();
}

/* No quantiles asked for and a single replication: zero-width quantile datasets and
 * an empty quantile scale, which cannot be chunked. */
static void test_no_quantiles_one_replication(void **state)
{
    (void)state;
    const int K = ECH_KPI_COUNT;
    fixture fx;
    memset(&fx, 0, sizeof fx);
    build_scenario(&fx.sc, 1);
    fx.sc.output.n_quantiles = 0;
    fx.sc.replications = 1;
    int64_t begin, end;
    block_of(SPLIT_EVEN, &begin, &end);
    int64_t nloc = end - begin;
    fx.stats[0] = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * 2 * sizeof(double), "stats");
    fx.reps[0] = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * sizeof(double), "reps");
    for (int64_t x = begin; x < end; ++x)
        for (int k = 0; k < K; ++k) {
            fx.stats[0][((x - begin) * K + k) * 2 + 0] = stat_value(0, x, k, 0);
            fx.stats[0][((x - begin) * K + k) * 2 + 1] = 0.0;
            fx.reps[0][(x - begin) * K + k] = stat_value(0, x, k, 0);
        }
    fx.totals = ech_xcalloc((size_t)(1 + N_SEG) * ECH_TOTAL_COUNT, sizeof(int64_t), "totals");
    bind_results(&fx, begin, end, 2);
    fx.res.info.n_ranks = g_size;
    char path[512];
    path_in_dir(path, sizeof path, "noq.h5");
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
    CHECK(st == ECH_OK);
    MPI_Barrier(MPI_COMM_WORLD);
    if (st == ECH_OK && g_rank == 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        int nd;
        hsize_t dims[2];
        double *q = dataset_read(f, "/skuloc/quantile", H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(nd == 1 && dims[0] == 0);
        free(q);
        q = dataset_read(f, "/skuloc/fill_rate/quantiles", H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(nd == 2 && dims[0] == N_SKULOC && dims[1] == 0);
        free(q);
        double *r =
            dataset_read(f, "/skuloc/total_cost/replications", H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(r && nd == 2 && dims[0] == N_SKULOC && dims[1] == 1);
        for (int x = 0; r && x < N_SKULOC; ++x)
            CHECK(r[x] == stat_value(0, x, ECH_KPI_TOTAL_COST, 0));
        free(r);
        CHECK(attached(f, "/skuloc/fill_rate/quantiles", "/skuloc/quantile", 1));
        H5Fclose(f);
        CHECK(check_results_py("", path));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    fixture_free(&fx);
    finish_checks();
}

/* A scenario through the real loader (a small generated chain in the manner of
 * scenarios/demo.yaml), results fabricated for its skulocs, split between the ranks;
 * the file must pass tests/check_results.py and carry the resolved scenario. */
static const char *LOADED_YAML =
    "name: loaded\n"
    "seed: 42\n"
    "replications: 3\n"
    "horizon: {start_date: 2027-01-04, days: 28, warmup_days: 7}\n"
    "demand: {unmet: backorder}\n"
    "supply: {internal_shortfall: backorder, allocation: fair_share}\n"
    "suppliers:\n"
    "  - id: GENERICS-EU\n"
    "    lead_time: {distribution: gamma, mean: 14, sd: 5, max_days: 60}\n"
    "costs: {holding_rate_per_year: 0.2, supplier_order_cost: 40, internal_order_cost: 3,\n"
    "        backorder_cost_per_day: 0.02, lost_sale_penalty: 0.1}\n"
    "policies:\n"
    "  cw:     {type: base_stock, review_days: 7, service_level: 0.98}\n"
    "  dc:     {type: base_stock, review_days: 2, service_level: 0.97}\n"
    "  retail: {type: s_S, review_days: 2, service_level: 0.95, order_days: 10}\n"
    "network:\n"
    "  generate: {dcs: 2, retail_per_dc: 3, dc_lead_time_days: 1, retail_lead_time_days: 1}\n"
    "catalogue:\n"
    "  generate: {skus: 40, seed: 7}\n"
    "output: {quantiles: [0.1, 0.9], keep_replications: true}\n";

static void test_write_loaded_scenario(void **state)
{
    (void)state;
    char yaml[512], path[512];
    path_in_dir(yaml, sizeof yaml, "loaded.yaml");
    path_in_dir(path, sizeof path, "loaded.h5");
    if (g_rank == 0) {
        FILE *fp = fopen(yaml, "w");
        CHECK(fp && fputs(LOADED_YAML, fp) >= 0);
        if (fp)
            fclose(fp);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    fixture fx;
    memset(&fx, 0, sizeof fx);
    ech_error err;
    ech_status st = ech_scenario_load(yaml, NULL, &fx.sc, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
    assert_int_equal(st, ECH_OK); /* the same on every rank: nobody is left waiting */

    const int K = ECH_KPI_COUNT;
    const int ns = 2 + fx.sc.output.n_quantiles;
    const int64_t R = fx.sc.replications, n = fx.sc.sl.n;
    int64_t begin = n * g_rank / g_size, end = n * (g_rank + 1) / g_size, nloc = end - begin;
    fx.stats[0] = ech_xcalloc((size_t)(nloc > 0 ? nloc : 1) * K * ns, sizeof(double), "stats");
    fx.reps[0] = ech_xcalloc((size_t)(nloc > 0 ? nloc : 1) * K * R, sizeof(double), "reps");
    for (int64_t i = 0; i < nloc * K * ns; ++i)
        fx.stats[0][i] = (double)i;
    fx.totals = ech_xcalloc((size_t)(1 + fx.sc.n_segments) * R * ECH_TOTAL_COUNT, sizeof(int64_t),
                            "totals");
    bind_results(&fx, begin, end, ns);
    fx.res.info.command_line = "echelon run loaded.yaml";
    fx.res.info.created = "2027-01-01T00:00:00Z";
    fx.res.info.n_ranks = g_size;
    fx.res.info.n_threads = 1;

    st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
    CHECK(st == ECH_OK);
    MPI_Barrier(MPI_COMM_WORLD);
    if (st == ECH_OK && g_rank == 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(text_attr_is(f, "scenario_text", LOADED_YAML));
        CHECK(text_attr_is(f, "unmet_demand", "backorder"));
        CHECK(text_attr_is(f, "allocation", "fair_share"));
        char *resolved = attr_text(f, "resolved_scenario");
        CHECK(resolved && strstr(resolved, "name:") && strstr(resolved, "seed: 42"));
        free(resolved);
        int nd;
        hsize_t dims[2];
        int64_t *par = dataset_read(f, "/skuloc/parent_skuloc", H5T_NATIVE_INT64, 8, &nd, dims);
        CHECK(par && dims[0] == (hsize_t)n);
        for (int64_t x = 0; par && x < n; ++x)
            CHECK(par[x] == fx.sc.sl.parent[x]);
        free(par);
        H5Fclose(f);
        CHECK(check_results_py("--expect-replications", path));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    fixture_free(&fx);
    finish_checks();
}

/* Removes the test directory and what the tests left in it (rank 0). */
static void remove_test_dir(void)
{
    if (getenv("ECHELON_KEEP_TEST_OUTPUT")) {
        printf("test files kept in %s\n", g_dir);
        return;
    }
    DIR *dir = opendir(g_dir);
    struct dirent *e;
    char p[600];
    while (dir && (e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
        unlink(p);
    }
    if (dir)
        closedir(dir);
    rmdir(g_dir);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    ts_mpi_temp_dir(g_dir, (int)sizeof g_dir, "output");

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_split_with_replications),
        cmocka_unit_test(test_write_last_rank_empty),
        cmocka_unit_test(test_write_first_rank_empty),
        cmocka_unit_test(test_write_variants),
        cmocka_unit_test(test_write_variants_first_rank_empty),
        cmocka_unit_test(test_variant_count_mismatch),
        cmocka_unit_test(test_missing_directory),
        cmocka_unit_test(test_directory_as_target),
        cmocka_unit_test(test_overlapping_blocks),
        cmocka_unit_test(test_bad_arguments_on_one_rank),
        cmocka_unit_test(test_hdf5_failure_is_reported),
        cmocka_unit_test(test_many_skulocs),
        cmocka_unit_test(test_no_quantiles_one_replication),
        cmocka_unit_test(test_write_loaded_scenario),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        remove_test_dir();
    MPI_Finalize();
    return failed ? 1 : 0;
}
