/* Sizing a job; see include/echelon/job_size.h. */
#include "echelon/job_size.h"
#include "echelon/cold_chain.h"
#include "echelon/engine.h"
#include "echelon/kpi.h"
#include "echelon/results.h"
#include "echelon/run.h"
#include "echelon/stats.h"
#include "echelon/stock_bands.h"
#include "echelon/table.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The calling thread's CPU time: what the calibration measures, so that other
 * processes on a shared machine (a login node) do not slow the prediction down; a
 * batch job has its cores to itself. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------------ */

/* The results of the rank's SKUs (statistics, and every replication when kept), the
 * totals per replication (one copy: threads add to it), each thread's buffers (a
 * window of a SKU's KPI values) and engines, its split SKUs' windows and the cold
 * rooms' occupancy. */
double ech_job_memory_per_rank(const ech_scenario *sc, const ech_work_plan *plan, int n_threads,
                               int32_t n_cold, int32_t per_pass, int64_t cold_block,
                               int32_t window_nodes, double engine_bytes)
{
    double K = ECH_KPI_COUNT, R = (double)sc->replications, V = sc->n_variants;
    const int64_t *first = sc->sl.sku_begin;
    double rows =
        (double)(first[plan->first_sku[plan->rank + 1]] - first[plan->first_sku[plan->rank]]);
    double bytes = V * rows * K * (2.0 + sc->output.n_quantiles);
    if (sc->output.keep_replications)
        bytes += V * rows * K * R;
    bytes += V * (1.0 + sc->n_segments) * R * ECH_TOTAL_COUNT;
    double group = plan->max_group > 1 ? plan->max_group : 1.0; /* a group unit's SKUs */
    double window = window_nodes > 0 ? window_nodes : 1.0;
    double held = (double)ech_job_held_nodes(plan, window_nodes);
    bytes += n_threads * (held * K * R + group * R * (2.0 + ECH_TOTAL_COUNT));
    bytes += n_threads * group * engine_bytes / 8.0;
    bytes += 4.0 * V * (sc->cat.n + sc->net.n);
    for (int32_t s = 0; s < plan->n_split; ++s) {
        int32_t k = plan->split[s].sku;
        double nodes = (double)(sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k]);
        bytes += per_pass * (nodes < window ? nodes : window) * K * R;
    }
    bytes += per_pass * (double)n_cold * (double)cold_block * sc->days;
    /* The stock bands' block of int32 cells, after the passes. */
    int64_t bands = sc->output.stock_bands;
    bytes += 0.5 * (double)ech_stock_bands_block(bands, sc->replications, sc->days) * R * sc->days *
             (bands > 0);
    return 8.0 * bytes;
}

double ech_job_engine_bytes(const ech_scenario *sc)
{
    int32_t widest = ech_scenario_widest_sku(sc);
    return widest >= 0 ? ech_engine_sku_memory(sc, widest) : 0.0;
}

int64_t ech_job_held_nodes(const ech_work_plan *plan, int32_t window_nodes)
{
    int64_t group = plan->max_group > 1 ? plan->max_group : 1;
    int64_t window = window_nodes > 0 ? window_nodes : 1;
    return plan->max_nodes < group * window ? plan->max_nodes : group * window;
}

/* Windows of `window` skulocs a SKU of `nodes` takes (at least one). */
static int64_t windows_of(int64_t nodes, int64_t window)
{
    return nodes <= window ? 1 : (nodes + window - 1) / window;
}

int32_t ech_job_window_nodes(const ech_scenario *sc, int64_t kpi_memory_limit)
{
    int64_t most = ech_scenario_most_skulocs(sc);
    if (most < 1)
        return 1;
    if (sc->output.keep_replications)
        return (int32_t)most;
    int64_t group = 1;
    for (int32_t g = 0; sc->subst.enabled && g < sc->subst.n_groups; ++g) {
        int64_t n = sc->subst.group_begin[g + 1] - sc->subst.group_begin[g];
        group = n > group ? n : group;
    }
    int64_t fit = ech_job_window_fit(kpi_memory_limit, group * sc->replications);
    return (int32_t)(fit < most ? fit : most);
}

int64_t ech_job_window_fit(int64_t kpi_memory_limit, int64_t reps)
{
    int64_t limit = kpi_memory_limit > 0 ? kpi_memory_limit : ECH_KPI_MEMORY_DEFAULT;
    int64_t per_node = ECH_KPI_COUNT * (reps > 0 ? reps : 1) * (int64_t)sizeof(double);
    int64_t fit = limit / per_node;
    return fit < 1 ? 1 : fit;
}

int32_t ech_job_windows(const ech_scenario *sc, int32_t window_nodes)
{
    return (int32_t)windows_of(ech_scenario_most_skulocs(sc), window_nodes);
}

int64_t ech_job_cold_block_reps(const ech_scenario *sc, int64_t cold_memory_limit, int32_t n_cold)
{
    int64_t R = sc->replications;
    if (n_cold == 0 || sc->output.keep_replications)
        return R;
    int64_t limit = cold_memory_limit > 0 ? cold_memory_limit : ECH_COLD_MEMORY_DEFAULT;
    int64_t per_rep = (int64_t)n_cold * (int64_t)sc->days * (int64_t)sizeof(int64_t);
    int64_t fit = per_rep > 0 ? limit / per_rep : R;
    return fit < 1 ? 1 : fit < R ? fit : R;
}

int32_t ech_job_variants_per_pass(const ech_scenario *sc, int64_t cold_memory_limit, int32_t n_cold)
{
    int32_t n_var = sc->n_variants;
    if (n_cold == 0)
        return n_var;
    int64_t limit = cold_memory_limit > 0 ? cold_memory_limit : ECH_COLD_MEMORY_DEFAULT;
    int64_t bytes =
        (int64_t)n_cold * sc->replications * (int64_t)sc->days * (int64_t)sizeof(int64_t);
    int64_t fit = bytes > 0 ? limit / bytes : n_var;
    return fit < 1 ? 1 : fit < n_var ? (int32_t)fit : n_var;
}

/* ------------------------------------------------------------------------------
 * Compression, measured as the results writer compresses (output_h5.c: deflate
 * level 1, no shuffle, chunks of at most 65,536 elements)
 * ------------------------------------------------------------------------------ */

enum { CHUNK_ELEMENTS = 65536, DEFLATE_LEVEL = 1 };

typedef struct sampler {
    hid_t file; /* an HDF5 file in memory, never written to disk */
    int deflate;
    int64_t n;        /* datasets made */
    double raw, secs; /* bytes deflated and the time it took */
} sampler;

static void sampler_open(sampler *s)
{
    memset(s, 0, sizeof *s);
    s->deflate = H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    s->file = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0)
        s->file = H5Fcreate("echelon-plan-sample.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
}

static void sampler_close(sampler *s)
{
    if (s->file >= 0)
        H5Fclose(s->file);
    s->file = -1;
}

/* Stored bytes of rows x cols elements of `type` as the writer stores a large
 * dataset; the raw size when anything fails (never an underestimate). */
static double stored_bytes(sampler *s, hid_t type, const void *data, hsize_t rows, hsize_t cols)
{
    double raw = (double)rows * (double)cols * (double)H5Tget_size(type);
    if (rows == 0 || cols == 0 || s->file < 0 || !s->deflate)
        return raw;
    hsize_t dims[2] = {rows, cols};
    int ndims = cols > 1 ? 2 : 1;
    hsize_t chunk_cols = cols < CHUNK_ELEMENTS ? cols : CHUNK_ELEMENTS;
    hsize_t chunk[2] = {CHUNK_ELEMENTS / chunk_cols, chunk_cols};
    if (chunk[0] > rows)
        chunk[0] = rows;
    if (chunk[0] < 1)
        chunk[0] = 1;
    double t0 = cpu_seconds(), bytes = raw;
    char name[32];
    snprintf(name, sizeof name, "d%lld", (long long)s->n++);
    hid_t space = H5Screate_simple(ndims, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, ndims, chunk) >= 0 &&
        H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0) {
        hid_t d = H5Dcreate2(s->file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0) {
            if (H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0)
                bytes = (double)H5Dget_storage_size(d);
            H5Dclose(d);
            /* The data is no longer needed: free the memory file's space. */
            H5Ldelete(s->file, name, H5P_DEFAULT);
        }
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    s->raw += raw;
    s->secs += cpu_seconds() - t0;
    return bytes;
}

static hid_t column_type(ech_col_type type)
{
    switch (type) {
    case ECH_COL_U8: return H5T_NATIVE_UINT8;
    case ECH_COL_I32: return H5T_NATIVE_INT32;
    case ECH_COL_I64: return H5T_NATIVE_INT64;
    case ECH_COL_U64: return H5T_NATIVE_UINT64;
    default: return H5T_NATIVE_DOUBLE;
    }
}

/* Stored bytes of a per-skuloc table's written columns at the sample's skulocs
 * (rows[0..n)), with the skuloc scale (an int64 index) that every skuloc group has. */
static double columns_bytes(sampler *s, const ech_table *t, const void *table, const int64_t *rows,
                            int64_t n)
{
    int64_t *buf = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *buf, "sample column");
    double bytes = stored_bytes(s, H5T_NATIVE_INT64, rows, (hsize_t)n, 1);
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->h5 || col->type == ECH_COL_TEXT || col->type == ECH_COL_NONE)
            continue;
        hid_t type = column_type(col->type);
        size_t size = H5Tget_size(type);
        const char *a = ech_table_array(t, table, c);
        if (!a)
            continue;
        for (int64_t i = 0; i < n; ++i)
            memcpy((char *)buf + (size_t)i * size, a + (size_t)rows[i] * size, size);
        bytes += stored_bytes(s, type, buf, (hsize_t)n, 1);
    }
    free(buf);
    return bytes;
}

/* Bytes of the skulocs' ids (/skuloc/sku and /skuloc/location, format 2.0) at the
 * sample's skulocs: variable-length strings live in HDF5's global heap, uncompressed,
 * each with a 16-byte header and padded to 8 bytes, and the dataset holds a 16-byte
 * reference per string (deflated with its chunk; counted whole here, never an
 * underestimate). */
static double ids_bytes(const ech_scenario *sc, const int64_t *rows, int64_t n)
{
    double bytes = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const char *ids[2] = {sc->cat.id[sc->sl.sku[rows[i]]],
                              sc->net.id[sc->sl.location[rows[i]]]};
        for (int j = 0; j < 2; ++j)
            bytes += 32.0 + (double)((strlen(ids[j] ? ids[j] : "") + 7) / 8 * 8);
    }
    return bytes;
}

/* ------------------------------------------------------------------------------
 * Calibration
 * ------------------------------------------------------------------------------ */

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A growing sample of skulocs: their indices, every variant's statistics (variants
 * differ in how well they compress: a variant that orders weekly has more distinct
 * values) and, when kept, variant 0's replications. */
typedef struct sample {
    int64_t n, cap;
    int64_t *skuloc;
    double *stats; /* [i][variant][kpi][stat] */
    double *reps;  /* [i][kpi][rep], or NULL */
} sample;

static void sample_grow(sample *s, int64_t add, int ns, int64_t R, int keep, int32_t V)
{
    if (s->n + add <= s->cap)
        return;
    while (s->cap < s->n + add)
        s->cap = s->cap ? 2 * s->cap : 1024;
    s->skuloc = ech_xrealloc(s->skuloc, (size_t)s->cap * sizeof *s->skuloc, "sample skulocs");
    s->stats = ech_xrealloc(
        s->stats, (size_t)s->cap * (size_t)V * ECH_KPI_COUNT * (size_t)ns * sizeof(double),
        "sample statistics");
    if (keep)
        s->reps = ech_xrealloc(s->reps, (size_t)s->cap * ECH_KPI_COUNT * (size_t)R * sizeof(double),
                               "sample replications");
}

/* The compressed sizes of the sample's datasets, per skuloc. */
static void measure_file(const ech_scenario *sc, const sample *sm, int ns, int64_t R,
                         ech_job_calibration *cal)
{
    sampler s;
    sampler_open(&s);
    const int64_t n = sm->n;
    const int nq = ns - 2;
    double *col = ech_xmalloc((size_t)(n > 0 ? n : 1) * (size_t)(nq > R ? nq : R) * sizeof *col,
                              "sample KPI column");
    const size_t V = (size_t)sc->n_variants;
    double stats = 0.0, reps = 0.0;
    for (int k = 0; k < ECH_KPI_COUNT; ++k) {
        for (size_t v = 0; v < V; ++v) {
            /* Row i's KPI k of variant v. */
#define AT(i) (sm->stats + (((size_t)(i)*V + v) * ECH_KPI_COUNT + (size_t)k) * (size_t)ns)
            for (int j = 0; j < 2; ++j) { /* mean, sd */
                for (int64_t i = 0; i < n; ++i)
                    col[i] = AT(i)[j];
                stats += stored_bytes(&s, H5T_NATIVE_DOUBLE, col, (hsize_t)n, 1);
            }
            for (int64_t i = 0; i < n; ++i)
                memcpy(col + (size_t)i * (size_t)nq, AT(i) + 2, (size_t)nq * sizeof *col);
#undef AT
            stats += stored_bytes(&s, H5T_NATIVE_DOUBLE, col, (hsize_t)n, (hsize_t)nq);
        }
        if (sm->reps) {
            for (int64_t i = 0; i < n; ++i)
                memcpy(col + (size_t)i * (size_t)R,
                       sm->reps + ((size_t)i * ECH_KPI_COUNT + (size_t)k) * (size_t)R,
                       (size_t)R * sizeof *col);
            reps += stored_bytes(&s, H5T_NATIVE_DOUBLE, col, (hsize_t)n, (hsize_t)R);
        }
    }
    free(col);
    double per = n > 0 ? 1.0 / (double)n : 0.0;
    cal->stats_bytes_per_skuloc = stats * per;
    cal->reps_bytes_per_skuloc_rep = R > 0 ? reps * per / (double)R : 0.0;
    cal->baseline_columns_bytes_per_skuloc =
        per * (columns_bytes(&s, &ech_skuloc_table, &sc->sl, sm->skuloc, n) +
               columns_bytes(&s, &ech_variant_policy_table, &sc->variant[0], sm->skuloc, n) +
               ids_bytes(sc, sm->skuloc, n));
    cal->variant_columns_bytes_per_skuloc = 0.0;
    for (int32_t v = 1; v < sc->n_variants; ++v)
        cal->variant_columns_bytes_per_skuloc +=
            per * columns_bytes(&s, &ech_variant_policy_table, &sc->variant[v], sm->skuloc, n);
    cal->deflate_bytes_per_second = s.secs > 0 ? s.raw / s.secs : 0.0;
    sampler_close(&s);
}

ech_status ech_job_calibrate(const ech_scenario *sc, double budget_seconds,
                             int64_t max_replications, ech_job_calibration *cal, ech_error *err)
{
    double t_start = wall_seconds();
    memset(cal, 0, sizeof *cal);
    const int32_t n_sku = sc->cat.n;
    const int64_t R = sc->replications < max_replications || max_replications <= 0
                          ? sc->replications
                          : max_replications;
    const int ns = 2 + sc->output.n_quantiles;
    const int keep = sc->output.keep_replications;
    cal->replications = R;
    if (n_sku <= 0 || R <= 0)
        return ECH_OK;

    /* A deterministic spread of the catalogue: SKU (j * step) mod n for j = 0, 1, ...
     * with step about n / golden ratio and coprime with n, so every prefix of the
     * order samples the whole catalogue (generated catalogues are often sorted by
     * segment or size). */
    int64_t step = (int64_t)((double)n_sku * 0.6180339887) | 1;
    while (gcd64(step, n_sku) != 1)
        ++step;

    ech_engine *engine = ech_engine_new(sc);
    int32_t max_nodes = 0;
    for (int32_t k = 0; k < n_sku; ++k) {
        int64_t nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        if (nodes > max_nodes)
            max_nodes = (int32_t)nodes;
    }
    double *vals = ech_xmalloc((size_t)(max_nodes > 0 ? max_nodes : 1) * ECH_KPI_COUNT * (size_t)R *
                                   sizeof *vals,
                               "calibration KPI values");
    int64_t *totals =
        ech_xmalloc((size_t)R * ECH_TOTAL_COUNT * sizeof *totals, "calibration totals");
    double *sorted = ech_xmalloc((size_t)R * sizeof *sorted, "calibration scratch");
    sample sm = {0};
    ech_status st = ECH_OK;

    for (int64_t j = 0; j < n_sku && st == ECH_OK; ++j) {
        int32_t k = (int32_t)((j * step) % n_sku);
        int64_t xb = sc->sl.sku_begin[k], nodes = sc->sl.sku_begin[k + 1] - xb;
        if (nodes == 0)
            continue;
        sample_grow(&sm, nodes, ns, R, keep, sc->n_variants);
        double t0 = cpu_seconds();
        for (int32_t v = 0; v < sc->n_variants && st == ECH_OK; ++v) {
            memset(totals, 0, (size_t)R * ECH_TOTAL_COUNT * sizeof *totals);
            ech_eval_request req = {.sku = k, .variant = v, .rep_begin = 0, .rep_end = R};
            ech_eval_out out = {.kpi = vals, .rep_stride = R, .totals = totals};
            st = ech_engine_evaluate(engine, &req, &out, err);
            /* The statistics, as the run computes them for every variant. */
            for (int64_t i = 0; i < nodes && st == ECH_OK; ++i)
                for (int kpi = 0; kpi < ECH_KPI_COUNT; ++kpi) {
                    const double *series =
                        vals + ((size_t)i * ECH_KPI_COUNT + (size_t)kpi) * (size_t)R;
                    double *dst =
                        sm.stats +
                        (((size_t)(sm.n + i) * (size_t)sc->n_variants + (size_t)v) * ECH_KPI_COUNT +
                         (size_t)kpi) *
                            (size_t)ns;
                    ech_stats_summarize(series, R, sc->output.quantiles, sc->output.n_quantiles,
                                        dst, sorted);
                }
            if (v == 0 && keep)
                memcpy(sm.reps + (size_t)sm.n * ECH_KPI_COUNT * (size_t)R, vals,
                       (size_t)nodes * ECH_KPI_COUNT * (size_t)R * sizeof *vals);
        }
        cal->simulate_seconds += cpu_seconds() - t0;
        for (int64_t i = 0; i < nodes; ++i)
            sm.skuloc[sm.n + i] = xb + i;
        sm.n += nodes;
        cal->n_skus++;
        cal->cost += (double)ech_engine_sku_cost(sc, k) * (double)R * sc->n_variants;
        /* The budget is CPU time, so that a busy machine samples as many SKUs as an
         * idle one; on a very busy one the wall time stops it at three times that. */
        if (cal->simulate_seconds >= budget_seconds ||
            wall_seconds() - t_start >= 3.0 * budget_seconds)
            break;
    }
    free(vals);
    free(totals);
    free(sorted);
    ech_engine_free(engine);
    cal->n_skulocs = sm.n;
    cal->seconds_per_cost = cal->cost > 0 ? cal->simulate_seconds / cal->cost : 0.0;
    if (st == ECH_OK)
        measure_file(sc, &sm, ns, R, cal);
    free(sm.skuloc);
    free(sm.stats);
    free(sm.reps);
    cal->seconds = wall_seconds() - t_start;
    return st;
}

/* ------------------------------------------------------------------------------
 * Prediction
 * ------------------------------------------------------------------------------ */

/* Bytes of HDF5 structure per dataset (object header, attributes: units,
 * description, dimension scales), measured on the bundled scenarios' results files;
 * the writer allocates metadata in blocks of META_BLOCK, so a file has at least one,
 * and about SMALL_DATA_SLACK of the last small-data block is left unused. */
static const double DATASET_OVERHEAD = 2150.0;
static const double META_BLOCK = 1048576.0;
static const double SMALL_DATA_SLACK = 65536.0;
/* Memory the writer holds per dataset of the file, up to WRITE_MEMORY_MAX: peak
 * resident memory with and without the results file, on the bundled scenarios. */
static const double WRITE_MEMORY_PER_DATASET = 40.0 * 1024;
static const double WRITE_MEMORY_MAX = 32.0 * 1024 * 1024;
/* Time per dataset of the file (creating it, its attributes and its scales),
 * measured on the demo's results file. */
static const double DATASET_SECONDS = 0.0008;

/* The results file: its size raw and compressed, the raw bytes of its large
 * (compressed) datasets and how many datasets it has. */
static void file_size(const ech_scenario *sc, const ech_job_calibration *cal, double *stored,
                      double *raw, double *large_raw, double *n_datasets)
{
    const double V = sc->n_variants, X = (double)sc->sl.n, S = sc->cat.n, K = ECH_KPI_COUNT;
    const double R = (double)sc->replications, G = 1.0 + sc->n_segments;
    const double ns = 2.0 + sc->output.n_quantiles;
    const int keep = sc->output.keep_replications;
    int n_skuloc_cols = 0, n_policy_cols = 0, n_cat_cols = 0;
    double cat_row = 0.0;
    for (int c = 0; c < ech_skuloc_table.n_columns; ++c)
        n_skuloc_cols += ech_skuloc_table.column[c].h5 != NULL;
    for (int c = 0; c < ech_variant_policy_table.n_columns; ++c)
        n_policy_cols += ech_variant_policy_table.column[c].h5 != NULL;
    for (int c = 0; c < ech_catalogue_table.n_columns; ++c) {
        const ech_column *col = &ech_catalogue_table.column[c];
        if (!col->h5)
            continue;
        ++n_cat_cols;
        if (col->type == ECH_COL_TEXT) {
            char *const *s = ech_table_array(&ech_catalogue_table, &sc->cat, c);
            size_t len = 1;
            for (int32_t k = 0; s && k < sc->cat.n; ++k)
                if (s[k] && strlen(s[k]) > len)
                    len = strlen(s[k]);
            cat_row += (double)len;
        } else {
            cat_row += (double)H5Tget_size(column_type(col->type));
        }
    }

    /* The per-skuloc datasets: measured compression. */
    double large = V * X * K * ns * 8.0 + X * 8.0 * (n_skuloc_cols + V * (n_policy_cols + 1));
    double large_stored =
        X * (cal->stats_bytes_per_skuloc + cal->baseline_columns_bytes_per_skuloc +
             cal->variant_columns_bytes_per_skuloc);
    if (keep) {
        large += V * X * K * R * 8.0;
        large_stored += V * X * R * cal->reps_bytes_per_skuloc_rep;
    }
    /* Everything else is small and stored as is: the catalogue, per SKU sums, totals
     * and comparisons per replication, purchases by supplier and month, cold rooms,
     * the network. */
    double months = ech_results_months(sc), suppliers = sc->suppliers.n;
    double small = S * (cat_row + 4.0) + V * S * 3.0 * 8.0 + S * 4.0;
    small += V * G * R * 8.0 * (ECH_TOTAL_COUNT + 4.0) + (V - 1.0) * G * R * 8.0 * 5.0;
    small += V * suppliers * months * R * 16.0;
    small += V * (double)ech_cold_rooms_count(sc) * 8.0 * (ns + 2.0);
    small += sc->net.n * 64.0 + (double)(sc->source_text ? strlen(sc->source_text) : 0) * 3.0;
    double datasets = V * (K * (3.0 + keep) + n_policy_cols + 3.0 + G * (ECH_TOTAL_COUNT + 5.0) +
                           (V > 1 ? G * 5.0 : 0.0) + 8.0) +
                      n_skuloc_cols + n_cat_cols + 60.0;
    *large_raw = large;
    double structure = datasets * DATASET_OVERHEAD;
    if (structure < META_BLOCK)
        structure = META_BLOCK;
    *raw = large + small + structure + SMALL_DATA_SLACK;
    *stored = large_stored + small + structure + SMALL_DATA_SLACK;
    *n_datasets = datasets;
}

void ech_job_size_predict(const ech_scenario *sc, const ech_job_calibration *cal,
                          const ech_job_assumptions *as, int n_ranks, int n_threads,
                          ech_job_size *out)
{
    memset(out, 0, sizeof *out);
    out->n_ranks = n_ranks;
    out->n_threads = n_threads;
    const int32_t n_sku = sc->cat.n;
    const double V = sc->n_variants;

    /* Each rank's cost, from the cuts every plan holds (one plan, not one per rank).
     * A SKU whose KPI values take several windows is simulated once per window. */
    ech_work_plan plan;
    ech_work_plan_make(&plan, sc, n_ranks, 0, n_threads);
    out->split_skus = plan.n_cross_rank;
    const int64_t window = ech_job_window_nodes(sc, as->kpi_memory_limit);
    double total_cost = 0.0, heaviest = 0.0;
    for (int r = 0; r < n_ranks; ++r) {
        double cost = 0.0;
        for (int32_t k = plan.cut_sku[r]; k <= plan.cut_sku[r + 1] && k < n_sku; ++k) {
            int64_t b, e, nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
            ech_work_plan_reps_on(&plan, r, k, &b, &e);
            if (e > b && nodes > 0)
                cost += (double)ech_engine_sku_cost(sc, k) * (double)(e - b) *
                        (double)windows_of(nodes, window);
        }
        total_cost += cost;
        if (cost > heaviest)
            heaviest = cost;
    }
    ech_work_plan_free(&plan);
    out->heaviest_rank_cost = heaviest * V;
    out->mean_rank_cost = total_cost * V / n_ranks;
    out->imbalance = out->mean_rank_cost > 0 ? out->heaviest_rank_cost / out->mean_rank_cost : 1.0;

    double large_raw, n_datasets;
    file_size(sc, cal, &out->file_bytes, &out->file_bytes_raw, &large_raw, &n_datasets);

    out->write_memory = n_datasets * WRITE_MEMORY_PER_DATASET;
    if (out->write_memory > WRITE_MEMORY_MAX)
        out->write_memory = WRITE_MEMORY_MAX;
    out->setup_seconds = as->setup_seconds;
    out->simulate_seconds = out->heaviest_rank_cost * cal->seconds_per_cost / n_threads;
    /* Writing: one writer (rank 0) deflates every chunk, the other ranks' blocks
     * reaching it by MPI (output_h5.c), then the file system takes the compressed
     * bytes. */
    double deflate = cal->deflate_bytes_per_second > 0 ? cal->deflate_bytes_per_second : 1e8;
    double storage = as->storage_bytes_per_second > 0 ? as->storage_bytes_per_second : 1e9;
    out->write_seconds =
        large_raw / deflate + out->file_bytes / storage + n_datasets * DATASET_SECONDS;
    out->total_seconds = out->setup_seconds + out->simulate_seconds + out->write_seconds;
}

void ech_job_size_memory(const ech_scenario *sc, const ech_job_assumptions *as, ech_job_size *out)
{
    const int n_ranks = out->n_ranks, n_threads = out->n_threads;
    int32_t n_cold = ech_cold_rooms_count(sc);
    int32_t per_pass = ech_job_variants_per_pass(sc, as->cold_memory_limit, n_cold);
    int64_t cold_block = ech_job_cold_block_reps(sc, as->cold_memory_limit, n_cold);
    int32_t window = ech_job_window_nodes(sc, as->kpi_memory_limit);
    ech_work_plan plan;
    out->memory_per_rank = 0.0;
    /* Every rank's own plan, or an even spread of at most 256 ranks (and the
     * last) when there are more. */
    int stride = n_ranks > 256 ? (n_ranks + 255) / 256 : 1;
    for (int r = 0; r < n_ranks; r += stride) {
        int rank = r + stride >= n_ranks ? n_ranks - 1 : r;
        ech_work_plan_make(&plan, sc, n_ranks, rank, n_threads);
        double m = ech_job_memory_per_rank(sc, &plan, n_threads, n_cold, per_pass, cold_block,
                                           window, as->engine_bytes);
        if (m > out->memory_per_rank)
            out->memory_per_rank = m;
        ech_work_plan_free(&plan);
    }
}
