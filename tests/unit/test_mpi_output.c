/* The results file writer (src/output.c) under MPI, normally with 2 ranks.
 *
 * Each test builds a small scenario by hand (4 locations, 3 SKUs, 10 skulocs, 3
 * segments), fabricates results whose every value is a known function of its place
 * (skuloc, KPI, statistic or replication), splits the skulocs between the ranks in
 * different ways (evenly, all on the first rank, all on the last), writes the file
 * collectively and then reads it back serially on rank 0 with the HDF5 C API.  The
 * read-back checks count failures instead of aborting the test, so both ranks stay
 * in step; the count is summed over the ranks and asserted on each.
 */
#include "echelon/error.h"
#include "echelon/kpi.h"
#include "echelon/output.h"
#include "echelon/run.h"
#include "echelon/scenario.h"
#include "echelon/scenario_load.h"
#include "echelon/version.h"

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

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "[rank %d] %s:%d: check failed: %s\n", g_rank, __FILE__,    \
                    __LINE__, #cond);                                                    \
            ++g_failures;                                                                \
        }                                                                                \
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
    ech_scenario_default_variants(sc);
    ech_variant *v = &sc->variant[0];
    ech_variant_free_policy(v);
    size_t n = (size_t)sc->sl.n;
    v->policy = ech_xmalloc(n, "variant policy");
    v->review_days = ech_xmalloc(n * sizeof(int32_t), "variant review");
    v->order_up_to = ech_xmalloc(n * sizeof(int32_t), "variant S");
    v->reorder_point = ech_xmalloc(n * sizeof(int32_t), "variant s");
    v->min_order_qty = ech_xmalloc(n * sizeof(int32_t), "variant moq");
    memcpy(v->policy, sc->sl.policy, n);
    memcpy(v->review_days, sc->sl.review_days, n * sizeof(int32_t));
    memcpy(v->order_up_to, sc->sl.order_up_to, n * sizeof(int32_t));
    memcpy(v->reorder_point, sc->sl.reorder_point, n * sizeof(int32_t));
    memcpy(v->min_order_qty, sc->sl.min_order_qty, n * sizeof(int32_t));
}

static void build_scenario(ech_scenario *sc, int keep_replications)
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
                                          "Pharmacy \xc3\x84pfelstra\xc3\x9f" "e", "Pharmacy 2"};
    static const uint8_t kind[N_LOC] = {ECH_LOC_CW, ECH_LOC_DC, ECH_LOC_RETAIL, ECH_LOC_RETAIL};
    static const int32_t parent[N_LOC] = {-1, 0, 1, 1};
    net->n = N_LOC;
    net->id = ech_xcalloc(N_LOC, sizeof(char *), "ids");
    net->name = ech_xcalloc(N_LOC, sizeof(char *), "names");
    net->kind = ech_xcalloc(N_LOC, sizeof(uint8_t), "kind");
    net->parent = ech_xcalloc(N_LOC, sizeof(int32_t), "parent");
    net->lead_time_days = ech_xcalloc(N_LOC, sizeof(int32_t), "lead time");
    net->priority = ech_xcalloc(N_LOC, sizeof(int32_t), "priority");
    net->review_offset = ech_xcalloc(N_LOC, sizeof(int32_t), "review offset");
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
    cat->n = N_SKU;
    cat->id = ech_xcalloc(N_SKU, sizeof(char *), "sku ids");
    cat->name = ech_xcalloc(N_SKU, sizeof(char *), "sku names");
    cat->unit_cost = ech_xcalloc(N_SKU, sizeof(double), "cost");
    cat->unit_price = ech_xcalloc(N_SKU, sizeof(double), "price");
    cat->pack_size = ech_xcalloc(N_SKU, sizeof(int32_t), "pack");
    cat->supplier = ech_xcalloc(N_SKU, sizeof(int32_t), "supplier");
    cat->shelf_life_days = ech_xcalloc(N_SKU, sizeof(int32_t), "shelf life");
    cat->storage = ech_xcalloc(N_SKU, sizeof(uint8_t), "storage");
    cat->handling = ech_xcalloc(N_SKU, sizeof(uint8_t), "handling");
    cat->substitution = ech_xcalloc(N_SKU, sizeof(uint8_t), "substitution");
    cat->segment = ech_xcalloc(N_SKU, sizeof(int32_t), "segment");
    cat->season_profile = ech_xcalloc(N_SKU, sizeof(int32_t), "season");
    cat->trend_per_year = ech_xcalloc(N_SKU, sizeof(double), "trend");
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

    ech_skulocs *sl = &sc->sl;
    sl->n = N_SKULOC;
    sl->sku = ech_xcalloc(N_SKULOC, sizeof(int32_t), "sku");
    sl->location = ech_xcalloc(N_SKULOC, sizeof(int32_t), "location");
    sl->sku_begin = ech_xcalloc(N_SKU + 1, sizeof(int64_t), "sku begin");
    sl->parent = ech_xcalloc(N_SKULOC, sizeof(int64_t), "parent");
    sl->demand_dist = ech_xcalloc(N_SKULOC, sizeof(uint8_t), "dist");
    sl->demand_mean = ech_xcalloc(N_SKULOC, sizeof(double), "mean");
    sl->demand_var_ratio = ech_xcalloc(N_SKULOC, sizeof(double), "var ratio");
    sl->demand_zero_prob = ech_xcalloc(N_SKULOC, sizeof(double), "zero prob");
    sl->replay = ech_xcalloc(N_SKULOC, sizeof(int32_t), "replay");
    sl->policy = ech_xcalloc(N_SKULOC, sizeof(uint8_t), "policy");
    sl->review_days = ech_xcalloc(N_SKULOC, sizeof(int32_t), "review");
    sl->order_up_to = ech_xcalloc(N_SKULOC, sizeof(int32_t), "S");
    sl->reorder_point = ech_xcalloc(N_SKULOC, sizeof(int32_t), "s");
    sl->min_order_qty = ech_xcalloc(N_SKULOC, sizeof(int32_t), "moq");
    sl->start_on_hand = ech_xcalloc(N_SKULOC, sizeof(int32_t), "start");
    sl->expected_outflow = ech_xcalloc(N_SKULOC, sizeof(double), "outflow");
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
    sl->sku_begin[0] = 0;
    sl->sku_begin[1] = 4;
    sl->sku_begin[2] = 7;
    sl->sku_begin[3] = 10;
    baseline_from_given(sc);
}

/* The value fabricated for statistic j of KPI k at skuloc x, and for replication r. */
static double stat_value(int64_t x, int k, int j)
{
    return (double)x * 1000.0 + k * 10.0 + j + 0.25;
}

static double rep_value(int64_t x, int k, int64_t r)
{
    return (double)x * 100000.0 + k * 100.0 + (double)r + 0.5;
}

/* Total t of aggregate g in replication r; the last segment is all zero (no demand,
 * nothing sold), which the derived series turn into 1 or NaN. */
static int64_t total_value(int g, int64_t r, int t)
{
    if (g == N_SEG)
        return 0;
    return (int64_t)(g + 1) * 1000000007LL + r * 1013LL + (int64_t)t * 17LL + 3;
}

typedef struct fixture {
    ech_scenario sc;
    ech_run_results res;
    ech_run_info info;
    double *stats, *reps;
    int64_t *totals;
    /* The results structure points at one variant's arrays and a report. */
    const double *stats_v[1];
    const double *reps_v[1];
    ech_run_report report;
} fixture;

/* Points f->res at the fixture's arrays: one variant, the totals in a report. */
static void bind_results(fixture *f, int64_t begin, int64_t end, int n_stats)
{
    f->stats_v[0] = f->stats;
    f->reps_v[0] = f->reps;
    memset(&f->report, 0, sizeof f->report);
    f->report.n_variants = 1;
    f->report.n_groups = 1 + f->sc.n_segments;
    f->report.totals = f->totals;
    f->res.skuloc_begin = begin;
    f->res.skuloc_end = end;
    f->res.n_stats = n_stats;
    f->res.n_variants = 1;
    f->res.stats = f->stats_v;
    f->res.reps = f->reps ? f->reps_v : NULL;
    f->res.report = &f->report;
}

/* Results for skulocs [begin, end) on this rank. */
static void build_results(fixture *f, int64_t begin, int64_t end, int keep_replications)
{
    const int K = ECH_KPI_COUNT;
    int64_t nloc = end - begin;
    f->stats = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * N_STATS * sizeof(double), "stats");
    f->reps = NULL;
    if (keep_replications && nloc > 0)
        f->reps = ech_xmalloc((size_t)nloc * K * N_REP * sizeof(double), "reps");
    for (int64_t x = begin; x < end; ++x)
        for (int k = 0; k < K; ++k) {
            for (int j = 0; j < N_STATS; ++j)
                f->stats[((x - begin) * K + k) * N_STATS + j] = stat_value(x, k, j);
            if (f->reps)
                for (int64_t r = 0; r < N_REP; ++r)
                    f->reps[((x - begin) * K + k) * N_REP + r] = rep_value(x, k, r);
        }
    size_t nt = (size_t)(1 + N_SEG) * N_REP * ECH_TOTAL_COUNT;
    f->totals = ech_xmalloc(nt * sizeof(int64_t), "totals");
    for (int g = 0; g <= N_SEG; ++g)
        for (int64_t r = 0; r < N_REP; ++r)
            for (int t = 0; t < ECH_TOTAL_COUNT; ++t)
                f->totals[(g * N_REP + r) * ECH_TOTAL_COUNT + t] = total_value(g, r, t);

    bind_results(f, begin, end, N_STATS);

    f->info.command_line = "echelon run scenarios/test-output.yaml -o out.h5";
    f->info.created = "2024-05-01T12:34:56Z";
    f->info.n_ranks = g_size;
    f->info.n_threads = 3;
    f->info.setup_seconds = 0.5;
    f->info.simulate_seconds = 2.25;
    f->info.skuloc_days = (int64_t)N_SKULOC * 35 * N_REP;
    f->info.skuloc_days_per_second_per_core = 123.5;
    f->info.verification_hash = UINT64_C(0xDEADBEEFCAFEF00D);
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

static void fixture_free(fixture *f)
{
    ech_scenario_free(&f->sc);
    free(f->stats);
    free(f->reps);
    free(f->totals);
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
static void *dataset_read(hid_t file, const char *path, hid_t memtype, size_t elem,
                          int *ndims, hsize_t dims[2])
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
    if (n > 0 && H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
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

static void verify_root(hid_t f, const fixture *fx)
{
    CHECK(text_attr_is(f, "file_type", "echelon-run"));
    CHECK(text_attr_is(f, "format_version", ECH_OUTPUT_FORMAT_VERSION));
    CHECK(text_attr_is(f, "program_version", ECH_VERSION_STRING));
    CHECK(text_attr_is(f, "git_commit", ECH_GIT_COMMIT));
    CHECK(text_attr_is(f, "command_line", fx->info.command_line));
    CHECK(text_attr_is(f, "created", fx->info.created));
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
    CHECK(H5Tget_class(t) == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_NONE &&
          H5Tget_size(t) == 8);
    H5Tclose(t);
    H5Aclose(a);
}

static void verify_catalogue_network(hid_t f)
{
    int nd;
    hsize_t dims[2];
    /* Fixed-length strings as long as the longest, read with their own type. */
    hid_t d = H5Dopen2(f, "/catalogue/sku_id", H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    CHECK(H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0 && H5Tget_size(t) == 4);
    char buf[N_SKU * 4 + 1] = {0};
    CHECK(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    CHECK(memcmp(buf, "A100B200C3\0\0", 12) == 0);
    H5Tclose(t);
    H5Dclose(d);

    d = H5Dopen2(f, "/network/location_name", H5P_DEFAULT);
    t = H5Dget_type(d);
    size_t len = H5Tget_size(t);
    CHECK(len == strlen("Pharmacy \xc3\x84pfelstra\xc3\x9f" "e"));
    char *names = calloc(N_LOC * len + 1, 1);
    CHECK(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0);
    CHECK(strncmp(names + 2 * len, "Pharmacy \xc3\x84pfelstra\xc3\x9f" "e", len) == 0);
    CHECK(strcmp(names + 3 * len, "Pharmacy 2") == 0);
    free(names);
    H5Tclose(t);
    H5Dclose(d);

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

    int32_t *parent = dataset_read(f, "/network/parent_index", H5T_NATIVE_INT32, 4, &nd, dims);
    CHECK(parent && dims[0] == N_LOC && parent[0] == -1 && parent[1] == 0 && parent[2] == 1 &&
          parent[3] == 1);
    free(parent);
    uint8_t *kind = dataset_read(f, "/network/kind", H5T_NATIVE_UINT8, 1, &nd, dims);
    CHECK(kind && kind[0] == 0 && kind[1] == 1 && kind[2] == 2 && kind[3] == 2);
    free(kind);
    CHECK(attached(f, "/network/lead_time_days", "/network/location", 0));
}

static void verify_skuloc(hid_t f, int keep_replications)
{
    int nd;
    hsize_t dims[2];
    int64_t *ids = dataset_read(f, "/skuloc/skuloc", H5T_NATIVE_INT64, 8, &nd, dims);
    CHECK(ids && nd == 1 && dims[0] == N_SKULOC);
    for (int x = 0; ids && x < N_SKULOC; ++x)
        CHECK(ids[x] == x);
    free(ids);
    int32_t *sku = dataset_read(f, "/skuloc/sku_index", H5T_NATIVE_INT32, 4, &nd, dims);
    int32_t *loc = dataset_read(f, "/skuloc/location_index", H5T_NATIVE_INT32, 4, &nd, dims);
    int64_t *par = dataset_read(f, "/skuloc/parent_skuloc", H5T_NATIVE_INT64, 8, &nd, dims);
    int32_t *S = dataset_read(f, "/skuloc/order_up_to", H5T_NATIVE_INT32, 4, &nd, dims);
    double *out = dataset_read(f, "/skuloc/expected_outflow", H5T_NATIVE_DOUBLE, 8, &nd, dims);
    CHECK(sku && loc && par && S && out);
    for (int x = 0; sku && loc && par && S && out && x < N_SKULOC; ++x) {
        CHECK(sku[x] == SKULOC_SKU[x]);
        CHECK(loc[x] == SKULOC_LOC[x]);
        CHECK(par[x] == SKULOC_PARENT[x]);
        CHECK(S[x] == 20 + x);
        CHECK(out[x] == 0.25 * (x + 1));
    }
    free(sku);
    free(loc);
    free(par);
    free(S);
    free(out);
    CHECK(attached(f, "/skuloc/sku_index", "/skuloc/skuloc", 0));

    double *q = dataset_read(f, "/skuloc/quantile", H5T_NATIVE_DOUBLE, 8, &nd, dims);
    CHECK(q && dims[0] == N_Q && q[0] == 0.05 && q[1] == 0.5 && q[2] == 0.95);
    free(q);

    for (int k = 0; k < ECH_KPI_COUNT; ++k) {
        const ech_field_info *kpi = &ech_kpi_info[k];
        char path[256], qpath[256], rpath[256];
        snprintf(path, sizeof path, "/skuloc/%s/mean", kpi->name);
        double *mean = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(mean && nd == 1 && dims[0] == N_SKULOC);
        for (int x = 0; mean && x < N_SKULOC; ++x)
            CHECK(mean[x] == stat_value(x, k, 0));
        free(mean);
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        CHECK(text_attr_is(d, "units", kpi->units));
        CHECK(text_attr_is(d, "description", kpi->description));
        H5Dclose(d);
        CHECK(attached(f, path, "/skuloc/skuloc", 0));
        CHECK(is_chunked_deflated(f, path));

        snprintf(path, sizeof path, "/skuloc/%s/sd", kpi->name);
        double *sd = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(sd && dims[0] == N_SKULOC);
        for (int x = 0; sd && x < N_SKULOC; ++x)
            CHECK(sd[x] == stat_value(x, k, 1));
        free(sd);

        snprintf(qpath, sizeof qpath, "/skuloc/%s/quantiles", kpi->name);
        double *qs = dataset_read(f, qpath, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(qs && nd == 2 && dims[0] == N_SKULOC && dims[1] == N_Q);
        for (int x = 0; qs && x < N_SKULOC; ++x)
            for (int i = 0; i < N_Q; ++i)
                CHECK(qs[x * N_Q + i] == stat_value(x, k, 2 + i));
        free(qs);
        d = H5Dopen2(f, qpath, H5P_DEFAULT);
        double probs[N_Q] = {0};
        CHECK(attr_read(d, "probabilities", H5T_NATIVE_DOUBLE, probs, N_Q) == 0 &&
              probs[0] == 0.05 && probs[1] == 0.5 && probs[2] == 0.95);
        CHECK(text_attr_is(d, "units", kpi->units));
        H5Dclose(d);
        CHECK(attached(f, qpath, "/skuloc/skuloc", 0));
        CHECK(attached(f, qpath, "/skuloc/quantile", 1));

        snprintf(rpath, sizeof rpath, "/skuloc/%s/replications", kpi->name);
        if (!keep_replications) {
            CHECK(H5Lexists(f, rpath, H5P_DEFAULT) == 0);
            continue;
        }
        double *reps = dataset_read(f, rpath, H5T_NATIVE_DOUBLE, 8, &nd, dims);
        CHECK(reps && nd == 2 && dims[0] == N_SKULOC && dims[1] == N_REP);
        for (int x = 0; reps && x < N_SKULOC; ++x)
            for (int r = 0; r < N_REP; ++r)
                CHECK(reps[x * N_REP + r] == rep_value(x, k, r));
        free(reps);
        CHECK(attached(f, rpath, "/skuloc/replication", 1));
        CHECK(is_chunked_deflated(f, rpath));
    }
}

/* The totals of aggregate g under `group` ("/totals/network", ...). */
static void verify_totals_group(hid_t f, const char *group, int g)
{
    int nd;
    hsize_t dims[2];
    char path[256];
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
        CHECK(attached(f, path, "/totals/replication", 0));
        if (ti->is_money) {
            double *v = dataset_read(f, path, H5T_NATIVE_DOUBLE, 8, &nd, dims);
            CHECK(v && dims[0] == N_REP);
            for (int r = 0; v && r < N_REP; ++r)
                CHECK(v[r] == (double)total_value(g, r, t) / ECH_MONEY_SCALE);
            free(v);
        } else {
            int64_t *v = dataset_read(f, path, H5T_NATIVE_INT64, 8, &nd, dims);
            CHECK(v && dims[0] == N_REP);
            for (int r = 0; v && r < N_REP; ++r)
                CHECK(v[r] == total_value(g, r, t));
            free(v);
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
        double demand = (double)total_value(g, r, ECH_TOTAL_DEMAND);
        double filled = (double)total_value(g, r, ECH_TOTAL_FILLED);
        double so = (double)total_value(g, r, ECH_TOTAL_STOCKOUT_DAYS);
        double dpd = (double)total_value(g, r, ECH_TOTAL_DEMAND_POINT_DAYS);
        double ohv = (double)total_value(g, r, ECH_TOTAL_ON_HAND_VALUE_DAYS);
        double sold = (double)total_value(g, r, ECH_TOTAL_SOLD_VALUE);
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

static void verify_totals_runtime(hid_t f)
{
    verify_totals_group(f, "/totals/network", 0);
    for (int s = 0; s < N_SEG; ++s) {
        char group[128];
        snprintf(group, sizeof group, "/totals/segments/%s", SEGMENT_LINKS[s]);
        CHECK(H5Lexists(f, group, H5P_DEFAULT) > 0);
        hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
        CHECK(text_attr_is(g, "segment_name", SEGMENTS[s]));
        int32_t idx = -1;
        CHECK(attr_read(g, "segment_index", H5T_NATIVE_INT32, &idx, 1) == 0 && idx == s);
        H5Gclose(g);
        verify_totals_group(f, group, 1 + s);
    }

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

/* Rank 0 reads the whole file back; also runs tests/check_results.py on it when
 * ECHELON_PYTHON and ECHELON_SOURCE_DIR are set (ctest sets both). */
static void verify_file(const char *path, const fixture *fx, int keep_replications, int python)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(f >= 0);
        if (f >= 0) {
            verify_root(f, fx);
            verify_catalogue_network(f);
            verify_skuloc(f, keep_replications);
            verify_totals_runtime(f);
            CHECK(H5Fget_obj_count(f, H5F_OBJ_ALL) == 1); /* only the file itself is open */
            H5Fclose(f);
        }
        CHECK(!temporaries_left());
        const char *py = getenv("ECHELON_PYTHON");
        const char *src = getenv("ECHELON_SOURCE_DIR");
        if (python && py && src) {
            char cmd[2048];
            snprintf(cmd, sizeof cmd, "'%s' '%s/tests/check_results.py' %s '%s'", py, src,
                     keep_replications ? "--expect-replications" : "", path);
            int rc = system(cmd);
            if (rc != 0)
                fprintf(stderr, "%s: exit status %d\n", cmd, rc);
            CHECK(rc == 0);
        }
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

/* Every rank holds some skulocs; every replication's value is kept. */
static void test_write_split_with_replications(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_EVEN, 1);
    char path[512];
    path_in_dir(path, sizeof path, "split.h5");
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
    CHECK(st == ECH_OK);
    if (st == ECH_OK)
        verify_file(path, &fx, 1, 1);
    fixture_free(&fx);
    finish_checks();
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
        ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
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
    char path[512];
    path_in_dir(path, sizeof path, "last.h5");
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
    if (st != ECH_OK)
        fprintf(stderr, "[rank %d] %s\n", g_rank, err.msg);
    CHECK(st == ECH_OK);
    if (st == ECH_OK)
        verify_file(path, &fx, 1, 0);
    fixture_free(&fx);
    finish_checks();
}

/* The same status and message on every rank. */
static void check_same_everywhere(const ech_error *err)
{
    ech_error root = *err;
    MPI_Bcast(&root, (int)sizeof root, MPI_BYTE, 0, MPI_COMM_WORLD);
    CHECK(root.status == err->status);
    CHECK(strcmp(root.msg, err->msg) == 0);
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
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
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

/* A failure after the file was written (the final name is a directory, so the
 * rename fails) is a runtime error on every rank and leaves no temporary file. */
static void test_failure_removes_temporary(void **state)
{
    (void)state;
    fixture fx;
    fixture_make(&fx, SPLIT_EVEN, 1);
    char path[512], inside[600];
    path_in_dir(path, sizeof path, "occupied.h5");
    if (g_rank == 0) {
        CHECK(mkdir(path, 0755) == 0);
        snprintf(inside, sizeof inside, "%s/keep", path);
        FILE *fp = fopen(inside, "w");
        CHECK(fp != NULL);
        if (fp)
            fclose(fp);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
    CHECK(st == ECH_ERR_RUNTIME);
    CHECK(strstr(err.msg, "occupied.h5") != NULL);
    check_same_everywhere(&err);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0) {
        CHECK(!temporaries_left());
        snprintf(inside, sizeof inside, "%s/keep", path);
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
    char path[512];
    path_in_dir(path, sizeof path, "overlap.h5");
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
    CHECK(st == ECH_ERR_RUNTIME);
    CHECK(strstr(err.msg, "exactly once") != NULL);
    check_same_everywhere(&err);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(access(path, F_OK) != 0);
    if (g_rank == 0)
        CHECK(!temporaries_left());
    fixture_free(&fx);
    finish_checks();
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
    char path[512];
    path_in_dir(path, sizeof path, "bad.h5");
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
    CHECK(st == ECH_ERR_RUNTIME);
    CHECK(strstr(err.msg, "n_stats") != NULL);
    check_same_everywhere(&err);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(access(path, F_OK) != 0);
    fixture_free(&fx);
    finish_checks();
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
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
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
    sl->n = n;
    int32_t **i32[] = {&sl->sku, &sl->location, &sl->replay, &sl->review_days, &sl->order_up_to,
                       &sl->reorder_point, &sl->min_order_qty, &sl->start_on_hand};
    for (size_t i = 0; i < sizeof i32 / sizeof i32[0]; ++i) {
        free(*i32[i]);
        *i32[i] = ech_xcalloc((size_t)n, sizeof(int32_t), "big test column");
    }
    double **f64[] = {&sl->demand_mean, &sl->demand_var_ratio, &sl->demand_zero_prob,
                      &sl->expected_outflow};
    for (size_t i = 0; i < sizeof f64 / sizeof f64[0]; ++i) {
        free(*f64[i]);
        *f64[i] = ech_xcalloc((size_t)n, sizeof(double), "big test column");
    }
    free(sl->parent);
    sl->parent = ech_xcalloc((size_t)n, sizeof(int64_t), "big test parents");
    free(sl->policy);
    sl->policy = ech_xcalloc((size_t)n, 1, "big test policy");
    free(sl->demand_dist);
    sl->demand_dist = ech_xcalloc((size_t)n, 1, "big test dist");
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
    fx.stats = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * 3 * sizeof(double), "stats");
    fx.reps = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * 2 * sizeof(double), "reps");
    for (int64_t x = begin; x < end; ++x)
        for (int k = 0; k < K; ++k) {
            for (int j = 0; j < 3; ++j)
                fx.stats[((x - begin) * K + k) * 3 + j] = stat_value(x, k, j);
            for (int r = 0; r < 2; ++r)
                fx.reps[((x - begin) * K + k) * 2 + r] = rep_value(x, k, r);
        }
    size_t nt = (size_t)(1 + N_SEG) * 2 * ECH_TOTAL_COUNT;
    fx.totals = ech_xcalloc(nt, sizeof(int64_t), "totals");
    bind_results(&fx, begin, end, 3);
    fx.info.n_ranks = g_size;

    char path[512];
    path_in_dir(path, sizeof path, "many.h5");
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
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
                bad += q[x] != stat_value(x, k, 2);
            free(q);
            snprintf(p, sizeof p, "/skuloc/%s/replications", ech_kpi_info[k].name);
            double *r = dataset_read(f, p, H5T_NATIVE_DOUBLE, 8, &nd, dims);
            CHECK(r && nd == 2 && dims[0] == (hsize_t)n && dims[1] == 2);
            for (int64_t x = 0; r && x < n; ++x)
                bad += r[2 * x] != rep_value(x, k, 0) || r[2 * x + 1] != rep_value(x, k, 1);
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
    fx.stats = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * 2 * sizeof(double), "stats");
    fx.reps = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * K * sizeof(double), "reps");
    for (int64_t x = begin; x < end; ++x)
        for (int k = 0; k < K; ++k) {
            fx.stats[((x - begin) * K + k) * 2 + 0] = stat_value(x, k, 0);
            fx.stats[((x - begin) * K + k) * 2 + 1] = 0.0;
            fx.reps[(x - begin) * K + k] = stat_value(x, k, 0);
        }
    fx.totals = ech_xcalloc((size_t)(1 + N_SEG) * ECH_TOTAL_COUNT, sizeof(int64_t), "totals");
    bind_results(&fx, begin, end, 2);
    fx.info.n_ranks = g_size;
    char path[512];
    path_in_dir(path, sizeof path, "noq.h5");
    ech_error err;
    ech_status st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
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
        double *r = dataset_read(f, "/skuloc/total_cost/replications", H5T_NATIVE_DOUBLE, 8,
                                 &nd, dims);
        CHECK(r && nd == 2 && dims[0] == N_SKULOC && dims[1] == 1);
        for (int x = 0; r && x < N_SKULOC; ++x)
            CHECK(r[x] == stat_value(x, ECH_KPI_TOTAL_COST, 0));
        free(r);
        CHECK(attached(f, "/skuloc/fill_rate/quantiles", "/skuloc/quantile", 1));
        H5Fclose(f);
        const char *py = getenv("ECHELON_PYTHON");
        const char *src = getenv("ECHELON_SOURCE_DIR");
        if (py && src) {
            char cmd[2048];
            snprintf(cmd, sizeof cmd, "'%s' '%s/tests/check_results.py' '%s'", py, src, path);
            CHECK(system(cmd) == 0);
        }
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
    fx.stats = ech_xcalloc((size_t)(nloc > 0 ? nloc : 1) * K * ns, sizeof(double), "stats");
    fx.reps = ech_xcalloc((size_t)(nloc > 0 ? nloc : 1) * K * R, sizeof(double), "reps");
    for (int64_t i = 0; i < nloc * K * ns; ++i)
        fx.stats[i] = (double)i;
    fx.totals = ech_xcalloc((size_t)(1 + fx.sc.n_segments) * R * ECH_TOTAL_COUNT,
                            sizeof(int64_t), "totals");
    bind_results(&fx, begin, end, ns);
    fx.info.command_line = "echelon run loaded.yaml";
    fx.info.created = "2027-01-01T00:00:00Z";
    fx.info.n_ranks = g_size;
    fx.info.n_threads = 1;

    st = ech_output_write(path, MPI_COMM_WORLD, &fx.sc, &fx.res, &fx.info, &err);
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
        const char *py = getenv("ECHELON_PYTHON");
        const char *src = getenv("ECHELON_SOURCE_DIR");
        if (py && src) {
            char cmd[2048];
            snprintf(cmd, sizeof cmd, "'%s' '%s/tests/check_results.py' --expect-replications '%s'",
                     py, src, path);
            CHECK(system(cmd) == 0);
        }
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
    if (g_rank == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(g_dir, sizeof g_dir, "%s/echelon-test-output-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(g_dir)) {
            perror("mkdtemp");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    MPI_Bcast(g_dir, sizeof g_dir, MPI_CHAR, 0, MPI_COMM_WORLD);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_split_with_replications),
        cmocka_unit_test(test_write_last_rank_empty),
        cmocka_unit_test(test_write_first_rank_empty),
        cmocka_unit_test(test_missing_directory),
        cmocka_unit_test(test_failure_removes_temporary),
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
