/* Comparing results files (compare.h): paired differences of a base run and another
 * run of the same seed and replications, read with serial HDF5. */
#include "echelon/compare.h"

#include "echelon/error.h"
#include "echelon/repro_math.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ECH_COMPARE_MEASURE_KEY(sym, key, label, units) key,
#define ECH_COMPARE_MEASURE_LABEL(sym, key, label, units) label,
#define ECH_COMPARE_MEASURE_UNITS(sym, key, label, units) units,
static const char *const measure_key[] = {ECH_COMPARE_MEASURES(ECH_COMPARE_MEASURE_KEY)};
static const char *const measure_label[] = {ECH_COMPARE_MEASURES(ECH_COMPARE_MEASURE_LABEL)};
static const char *const measure_units[] = {ECH_COMPARE_MEASURES(ECH_COMPARE_MEASURE_UNITS)};

const char *ech_compare_measure_key(int m)
{
    return measure_key[m];
}
const char *ech_compare_measure_label(int m)
{
    return measure_label[m];
}
const char *ech_compare_measure_units(int m)
{
    return measure_units[m];
}

/* ------------------------------------------------------------------------------
 * Reading a results file
 * ------------------------------------------------------------------------------ */

typedef struct rfile {
    const char *path;
    hid_t f;
    uint64_t seed;
    int64_t reps;
    int32_t days, warmup;
    char *name;
    int32_t n_loc, n_sku;
    int64_t n_sl;
    char **loc_id;
    int32_t *loc_parent, *loc_lead;
    char **sku_id;
    double *sl_sku, *sl_loc; /* skuloc identity (indices, as doubles) */
} rfile;

static int exists(hid_t f, const char *path)
{
    /* Each component must exist for H5Lexists not to fail. */
    char buf[640];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; ++p) {
        if (*p != '/')
            continue;
        *p = '\0';
        int ok = H5Lexists(f, buf, H5P_DEFAULT) > 0;
        *p = '/';
        if (!ok)
            return 0;
    }
    return H5Lexists(f, buf, H5P_DEFAULT) > 0;
}

static ech_status missing(const rfile *r, const char *what, ech_error *err)
{
    return ech_fail(err, ECH_ERR_INPUT,
                    "%s: %s is missing: not a results file of `echelon run` (format 1.1 or "
                    "later)",
                    r->path, what);
}

/* A dataset of n (or n x m) numbers as doubles; *n_out its first dimension, *m_out
 * its second (1 for one dimension). */
static ech_status read_doubles(const rfile *r, const char *path, double **out, int64_t *n_out,
                               int64_t *m_out, ech_error *err)
{
    *out = NULL;
    if (!exists(r->f, path))
        return missing(r, path, err);
    hid_t d = H5Dopen2(r->f, path, H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(s);
    hsize_t dims[2] = {0, 1};
    if (rank < 1 || rank > 2) {
        H5Sclose(s);
        H5Dclose(d);
        return ech_fail(err, ECH_ERR_INPUT, "%s: %s: expected 1 or 2 dimensions", r->path, path);
    }
    H5Sget_simple_extent_dims(s, dims, NULL);
    size_t n = (size_t)dims[0] * (size_t)(rank == 2 ? dims[1] : 1);
    double *v = ech_xmalloc((n ? n : 1) * sizeof *v, "results values");
    herr_t rc = n ? H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
    H5Sclose(s);
    H5Dclose(d);
    if (rc < 0) {
        free(v);
        return ech_fail(err, ECH_ERR_INPUT, "%s: %s: cannot read as numbers", r->path, path);
    }
    *out = v;
    if (n_out)
        *n_out = (int64_t)dims[0];
    if (m_out)
        *m_out = rank == 2 ? (int64_t)dims[1] : 1;
    return ECH_OK;
}

/* A dataset of text (fixed or variable length) as n owned strings. */
static ech_status read_strings(const rfile *r, const char *path, char ***out, int64_t *n_out,
                               ech_error *err)
{
    *out = NULL;
    if (!exists(r->f, path))
        return missing(r, path, err);
    hid_t d = H5Dopen2(r->f, path, H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    hid_t s = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(s, &n, NULL);
    char **v = ech_xcalloc(n ? n : 1, sizeof *v, "results strings");
    herr_t rc = 0;
    if (H5Tget_class(t) != H5T_STRING) {
        rc = -1;
    } else if (H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        char **raw = ech_xcalloc(n ? n : 1, sizeof *raw, "results strings");
        if (n && (rc = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw)) >= 0) {
            for (hsize_t i = 0; i < n; ++i)
                v[i] = ech_xstrdup(raw[i] ? raw[i] : "", "results string");
            H5Dvlen_reclaim(mt, s, H5P_DEFAULT, raw);
        }
        free(raw);
        H5Tclose(mt);
    } else {
        size_t size = H5Tget_size(t);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, size);
        H5Tset_cset(mt, H5Tget_cset(t));
        H5Tset_strpad(mt, H5Tget_strpad(t));
        char *buf = ech_xmalloc((size_t)(n ? n : 1) * size + 1, "results strings");
        if (n && (rc = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >= 0)
            for (hsize_t i = 0; i < n; ++i) {
                v[i] = ech_xmalloc(size + 1, "results string");
                memcpy(v[i], buf + i * size, size);
                v[i][size] = '\0';
            }
        free(buf);
        H5Tclose(mt);
    }
    H5Sclose(s);
    H5Tclose(t);
    H5Dclose(d);
    if (rc < 0) {
        for (hsize_t i = 0; i < n; ++i)
            free(v[i]);
        free(v);
        return ech_fail(err, ECH_ERR_INPUT, "%s: %s: cannot read as text", r->path, path);
    }
    *out = v;
    *n_out = (int64_t)n;
    return ECH_OK;
}

static ech_status read_attr(const rfile *r, const char *name, hid_t type, void *out, ech_error *err)
{
    if (H5Aexists(r->f, name) <= 0)
        return missing(r, name, err);
    hid_t a = H5Aopen(r->f, name, H5P_DEFAULT);
    herr_t rc = H5Aread(a, type, out);
    H5Aclose(a);
    if (rc < 0)
        return ech_fail(err, ECH_ERR_INPUT, "%s: root attribute %s cannot be read", r->path, name);
    return ECH_OK;
}

/* A text attribute of object `obj` (variable or fixed length), owned; NULL if absent. */
static char *text_attr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    char *v = NULL;
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t));
            char *raw = NULL;
            if (H5Aread(a, mt, &raw) >= 0 && raw) {
                v = ech_xstrdup(raw, "results attribute");
                H5free_memory(raw);
            }
            H5Tclose(mt);
        } else {
            size_t size = H5Tget_size(t);
            v = ech_xcalloc(size + 1, 1, "results attribute");
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, size);
            H5Tset_cset(mt, H5Tget_cset(t));
            if (H5Aread(a, mt, v) < 0)
                v[0] = '\0';
            H5Tclose(mt);
        }
    }
    H5Tclose(t);
    H5Aclose(a);
    return v;
}

static void rfile_close(rfile *r)
{
    if (r->f >= 0)
        H5Fclose(r->f);
    for (int32_t i = 0; r->loc_id && i < r->n_loc; ++i)
        free(r->loc_id[i]);
    for (int32_t i = 0; r->sku_id && i < r->n_sku; ++i)
        free(r->sku_id[i]);
    free(r->loc_id);
    free(r->sku_id);
    free(r->loc_parent);
    free(r->loc_lead);
    free(r->sl_sku);
    free(r->sl_loc);
    free(r->name);
    memset(r, 0, sizeof *r);
    r->f = -1;
}

static ech_status rfile_open(rfile *r, const char *path, ech_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    struct stat info;
    if (stat(path, &info) != 0)
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(info.st_mode))
        return ech_fail(err, ECH_ERR_INPUT, "%s: not a regular file (a results file)", path);
    r->f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (r->f < 0)
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot open as an HDF5 file", path);
    char *type = text_attr(r->f, "file_type");
    int ok = type && strcmp(type, "echelon-run") == 0;
    if (!ok) {
        ech_status st = ech_fail(err, ECH_ERR_INPUT,
                                 "%s: file_type is '%s', not 'echelon-run': compare reads the "
                                 "results files of `echelon run`",
                                 path, type ? type : "(none)");
        free(type);
        return st;
    }
    free(type);
    ech_status st;
    if ((st = read_attr(r, "seed", H5T_NATIVE_UINT64, &r->seed, err)) != ECH_OK ||
        (st = read_attr(r, "replications", H5T_NATIVE_INT64, &r->reps, err)) != ECH_OK ||
        (st = read_attr(r, "days", H5T_NATIVE_INT32, &r->days, err)) != ECH_OK ||
        (st = read_attr(r, "warmup_days", H5T_NATIVE_INT32, &r->warmup, err)) != ECH_OK)
        return st;
    r->name = text_attr(r->f, "scenario_name");
    if (!r->name)
        r->name = ech_xstrdup("", "scenario name");
    int64_t n, m;
    double *v = NULL;
    if ((st = read_strings(r, "/network/location_id", &r->loc_id, &n, err)) != ECH_OK)
        return st;
    r->n_loc = (int32_t)n;
    r->loc_parent = ech_xmalloc((size_t)(n ? n : 1) * sizeof(int32_t), "parents");
    r->loc_lead = ech_xmalloc((size_t)(n ? n : 1) * sizeof(int32_t), "lead times");
    if ((st = read_doubles(r, "/network/parent_index", &v, &m, NULL, err)) != ECH_OK)
        return st;
    for (int64_t i = 0; i < n && i < m; ++i)
        r->loc_parent[i] = (int32_t)v[i];
    free(v);
    if ((st = read_doubles(r, "/network/lead_time_days", &v, &m, NULL, err)) != ECH_OK)
        return st;
    for (int64_t i = 0; i < n && i < m; ++i)
        r->loc_lead[i] = (int32_t)v[i];
    free(v);
    if ((st = read_strings(r, "/catalogue/sku_id", &r->sku_id, &n, err)) != ECH_OK)
        return st;
    r->n_sku = (int32_t)n;
    if ((st = read_doubles(r, "/skuloc/sku_index", &r->sl_sku, &r->n_sl, NULL, err)) != ECH_OK ||
        (st = read_doubles(r, "/skuloc/location_index", &r->sl_loc, &n, NULL, err)) != ECH_OK)
        return st;
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Paired statistics
 * ------------------------------------------------------------------------------ */

static double t_quantile(int64_t n)
{
    return n > 1 ? ech_t_quantile(0.975, (double)(n - 1)) : NAN;
}

/* The paired difference of two series of n replications. */
static ech_paired paired(const double *a, const double *b, int64_t n)
{
    ech_paired p = {0, 0, 0, NAN};
    if (n < 1)
        return p;
    double sa = 0, sb = 0, sd = 0;
    for (int64_t r = 0; r < n; ++r) {
        sa += a[r];
        sb += b[r];
        sd += b[r] - a[r];
    }
    p.base = sa / (double)n;
    p.other = sb / (double)n;
    p.diff = sd / (double)n;
    if (n > 1) {
        double ss = 0;
        for (int64_t r = 0; r < n; ++r) {
            double e = (b[r] - a[r]) - p.diff;
            ss += e * e;
        }
        p.half_width = t_quantile(n) * sqrt(ss / (double)(n - 1)) / sqrt((double)n);
    }
    return p;
}

/* One measure of a totals group as a series of replications. */
static ech_status group_series(const rfile *r, const char *group, int m, double **out,
                               ech_error *err)
{
    char path[600];
    int64_t n;
    ech_status st;
    snprintf(path, sizeof path, "%s/%s", group, measure_key[m]);
    if ((st = read_doubles(r, path, out, &n, NULL, err)) != ECH_OK)
        return st;
    if (n != r->reps) {
        free(*out);
        *out = NULL;
        return ech_fail(err, ECH_ERR_INPUT, "%s: %s has %lld values for %lld replications", r->path,
                        path, (long long)n, (long long)r->reps);
    }
    if (m == ECH_CMP_LOST_UNITS) {
        /* Lost and backordered units: customers not served on the day. */
        double *b = NULL;
        snprintf(path, sizeof path, "%s/backordered_units", group);
        if ((st = read_doubles(r, path, &b, &n, NULL, err)) != ECH_OK) {
            free(*out);
            *out = NULL;
            return st;
        }
        for (int64_t i = 0; i < r->reps && i < n; ++i)
            (*out)[i] += b[i];
        free(b);
    }
    return ECH_OK;
}

static ech_status compare_group(const rfile *a, const rfile *b, const char *ga, const char *gb,
                                ech_compare_group *g, ech_error *err)
{
    for (int m = 0; m < ECH_CMP_COUNT; ++m) {
        double *x = NULL, *y = NULL;
        ech_status st = group_series(a, ga, m, &x, err);
        if (st == ECH_OK)
            st = group_series(b, gb, m, &y, err);
        if (st == ECH_OK)
            g->measure[m] = paired(x, y, a->reps);
        free(x);
        free(y);
        if (st != ECH_OK)
            return st;
    }
    return ECH_OK;
}

/* The segment groups of a file: link names and segment names. */
typedef struct seglist {
    int n;
    char **link, **name;
} seglist;

static herr_t add_segment(hid_t g, const char *link, const H5L_info_t *info, void *data)
{
    (void)info;
    seglist *s = data;
    hid_t sub = H5Gopen2(g, link, H5P_DEFAULT);
    if (sub < 0)
        return 0;
    char *name = text_attr(sub, "segment_name");
    H5Gclose(sub);
    s->link = ech_xrealloc(s->link, (size_t)(s->n + 1) * sizeof *s->link, "segments");
    s->name = ech_xrealloc(s->name, (size_t)(s->n + 1) * sizeof *s->name, "segments");
    s->link[s->n] = ech_xstrdup(link, "segment link");
    s->name[s->n] = name ? name : ech_xstrdup(link, "segment name");
    s->n++;
    return 0;
}

static void segments_of(const rfile *r, seglist *s)
{
    memset(s, 0, sizeof *s);
    if (!exists(r->f, "/totals/segments"))
        return;
    hid_t g = H5Gopen2(r->f, "/totals/segments", H5P_DEFAULT);
    hsize_t idx = 0;
    H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, add_segment, s);
    if (s->n == 0) {
        idx = 0;
        H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, add_segment, s);
    }
    H5Gclose(g);
}

static void seglist_free(seglist *s)
{
    for (int i = 0; i < s->n; ++i) {
        free(s->link[i]);
        free(s->name[i]);
    }
    free(s->link);
    free(s->name);
}

/* ------------------------------------------------------------------------------
 * Identity maps
 * ------------------------------------------------------------------------------ */

typedef struct id_ref {
    const char *id;
    int32_t i;
} id_ref;

static int cmp_id_ref(const void *x, const void *y)
{
    const id_ref *a = x, *b = y;
    int c = strcmp(a->id, b->id);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* map[j] = the index in `ids` of other[j], or -1. */
static void map_ids(char **ids, int32_t n, char **other, int32_t m, int32_t *map)
{
    int same = n == m;
    for (int32_t i = 0; same && i < n; ++i)
        same = strcmp(ids[i], other[i]) == 0;
    if (same) {
        for (int32_t i = 0; i < m; ++i)
            map[i] = i;
        return;
    }
    id_ref *a = ech_xmalloc((size_t)(n ? n : 1) * sizeof *a, "id map");
    for (int32_t i = 0; i < n; ++i)
        a[i] = (id_ref){ids[i], i};
    qsort(a, (size_t)n, sizeof *a, cmp_id_ref);
    for (int32_t j = 0; j < m; ++j) {
        int32_t lo = 0, hi = n;
        while (lo < hi) {
            int32_t mid = lo + (hi - lo) / 2;
            if (strcmp(a[mid].id, other[j]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        map[j] = lo < n && strcmp(a[lo].id, other[j]) == 0 ? a[lo].i : -1;
    }
    free(a);
}

typedef struct sl_key {
    int64_t key;
    int64_t x;
} sl_key;

static int cmp_sl_key(const void *p, const void *q)
{
    const sl_key *a = p, *b = q;
    return (a->key > b->key) - (a->key < b->key);
}

/* ------------------------------------------------------------------------------
 * The comparison
 * ------------------------------------------------------------------------------ */

/* A per-skuloc KPI's means, and its replications when the file kept them. */
static ech_status skuloc_kpi(const rfile *r, const char *kpi, double **mean, double **reps,
                             ech_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "/skuloc/%s/mean", kpi);
    ech_status st = read_doubles(r, path, mean, NULL, NULL, err);
    if (st != ECH_OK || !reps)
        return st;
    *reps = NULL;
    snprintf(path, sizeof path, "/skuloc/%s/replications", kpi);
    if (!exists(r->f, path))
        return ECH_OK;
    return read_doubles(r, path, reps, NULL, NULL, err);
}

static ech_status compare_locations(const rfile *a, const rfile *b, ech_comparison *c,
                                    ech_error *err)
{
    int32_t *bmap = ech_xmalloc((size_t)(b->n_loc ? b->n_loc : 1) * sizeof *bmap, "location map");
    map_ids(a->loc_id, a->n_loc, b->loc_id, b->n_loc, bmap);
    int32_t nu = a->n_loc;
    for (int32_t j = 0; j < b->n_loc; ++j)
        if (bmap[j] < 0)
            bmap[j] = nu++;
    int32_t *amap = ech_xmalloc((size_t)(nu ? nu : 1) * sizeof *amap, "location map");
    for (int32_t u = 0; u < nu; ++u)
        amap[u] = u < a->n_loc ? u : -1;
    int32_t *in_b = ech_xmalloc((size_t)(nu ? nu : 1) * sizeof *in_b, "location map");
    for (int32_t u = 0; u < nu; ++u)
        in_b[u] = -1;
    for (int32_t j = 0; j < b->n_loc; ++j)
        in_b[bmap[j]] = j;

    c->n_locations = nu;
    c->location = ech_xcalloc((size_t)(nu ? nu : 1), sizeof *c->location, "compared locations");
    for (int32_t u = 0; u < nu; ++u) {
        ech_compare_location *l = &c->location[u];
        int32_t i = amap[u], j = in_b[u];
        l->id = ech_xstrdup(i >= 0 ? a->loc_id[i] : b->loc_id[j], "location id");
        l->parent_base = i < 0
                             ? NULL
                             : ech_xstrdup(a->loc_parent[i] >= 0 ? a->loc_id[a->loc_parent[i]] : "",
                                           "location id");
        l->parent_other =
            j < 0 ? NULL
                  : ech_xstrdup(b->loc_parent[j] >= 0 ? b->loc_id[b->loc_parent[j]] : "",
                                "location id");
        l->lead_base = i >= 0 ? a->loc_lead[i] : -1;
        l->lead_other = j >= 0 ? b->loc_lead[j] : -1;
    }

    /* Per location, sums over its skulocs: of the means, and per replication where
     * both files kept them. */
    static const char *const kpis[ECH_CMP_LOC_COUNT][2] = {
        {"lost_units", "backordered_units"}, {"total_cost", NULL}, {"mean_on_hand_value", NULL}};
    int64_t R = a->reps;
    ech_status st = ECH_OK;
    for (int k = 0; k < ECH_CMP_LOC_COUNT && st == ECH_OK; ++k) {
        double *sum[2], *rsum[2];
        int have_reps = 1;
        for (int side = 0; side < 2; ++side) {
            sum[side] = ech_xcalloc((size_t)(nu ? nu : 1), sizeof(double), "location sums");
            rsum[side] = NULL;
        }
        for (int part = 0; part < 2 && kpis[k][part] && st == ECH_OK; ++part) {
            for (int side = 0; side < 2 && st == ECH_OK; ++side) {
                const rfile *r = side ? b : a;
                double *mean = NULL, *reps = NULL;
                if ((st = skuloc_kpi(r, kpis[k][part], &mean, &reps, err)) != ECH_OK)
                    break;
                if (!reps)
                    have_reps = 0;
                if (reps && !rsum[side])
                    rsum[side] = ech_xcalloc((size_t)(nu ? nu : 1) * (size_t)R, sizeof(double),
                                             "location sums");
                for (int64_t x = 0; x < r->n_sl; ++x) {
                    int32_t loc = (int32_t)r->sl_loc[x];
                    if (loc < 0 || loc >= r->n_loc)
                        continue;
                    int32_t u = side ? bmap[loc] : loc;
                    sum[side][u] += mean[x];
                    for (int64_t q = 0; reps && q < R; ++q)
                        rsum[side][(size_t)u * (size_t)R + (size_t)q] +=
                            reps[(size_t)x * (size_t)R + (size_t)q];
                }
                free(mean);
                free(reps);
            }
        }
        for (int32_t u = 0; u < nu && st == ECH_OK; ++u) {
            ech_paired *p = &c->location[u].measure[k];
            if (have_reps && rsum[0] && rsum[1]) {
                *p = paired(rsum[0] + (size_t)u * (size_t)R, rsum[1] + (size_t)u * (size_t)R, R);
            } else {
                p->base = sum[0][u];
                p->other = sum[1][u];
                p->diff = sum[1][u] - sum[0][u];
                p->half_width = NAN;
            }
        }
        for (int side = 0; side < 2; ++side) {
            free(sum[side]);
            free(rsum[side]);
        }
    }
    free(amap);
    free(in_b);
    free(bmap);
    return st;
}

static ech_status compare_skus_and_skulocs(const rfile *a, const rfile *b, ech_comparison *c,
                                           ech_error *err)
{
    ech_status st;
    int32_t *bsku = ech_xmalloc((size_t)(b->n_sku ? b->n_sku : 1) * sizeof *bsku, "SKU map");
    map_ids(a->sku_id, a->n_sku, b->sku_id, b->n_sku, bsku);
    int32_t *bloc = ech_xmalloc((size_t)(b->n_loc ? b->n_loc : 1) * sizeof *bloc, "location map");
    map_ids(a->loc_id, a->n_loc, b->loc_id, b->n_loc, bloc);
    int32_t nu = a->n_loc;
    for (int32_t j = 0; j < b->n_loc; ++j)
        if (bloc[j] < 0)
            bloc[j] = nu++;

    double *lost[2] = {NULL, NULL}, *cost[2] = {NULL, NULL}, *dem[2] = {NULL, NULL};
    double *dmean = NULL; /* the base's demand_mean: customer demand points are > 0 */
    double *lostx[2] = {NULL, NULL}, *backx[2] = {NULL, NULL}; /* per skuloc, means */
    double *fill_sum = NULL; /* per location: demand base, short base, demand, short */
    double *sku_cost[2];
    for (int side = 0; side < 2; ++side) {
        const rfile *r = side ? b : a;
        int64_t n;
        if ((st = read_doubles(r, "/sku/lost_units", &lost[side], &n, NULL, err)) != ECH_OK ||
            (st = skuloc_kpi(r, "total_cost", &cost[side], NULL, err)) != ECH_OK ||
            (st = skuloc_kpi(r, "demand_units", &dem[side], NULL, err)) != ECH_OK ||
            (st = skuloc_kpi(r, "lost_units", &lostx[side], NULL, err)) != ECH_OK ||
            (st = skuloc_kpi(r, "backordered_units", &backx[side], NULL, err)) != ECH_OK)
            goto done;
        if (side == 0 &&
            (st = read_doubles(r, "/skuloc/demand_mean", &dmean, NULL, NULL, err)) != ECH_OK)
            goto done;
        sku_cost[side] =
            ech_xcalloc((size_t)(r->n_sku ? r->n_sku : 1), sizeof(double), "SKU costs");
        for (int64_t x = 0; x < r->n_sl; ++x) {
            int32_t k = (int32_t)r->sl_sku[x];
            if (k >= 0 && k < r->n_sku)
                sku_cost[side][k] += cost[side][x];
        }
    }
    /* SKUs in both, in the base's order. */
    int32_t *amap_sku =
        ech_xmalloc((size_t)(a->n_sku ? a->n_sku : 1) * sizeof *amap_sku, "SKU map");
    for (int32_t i = 0; i < a->n_sku; ++i)
        amap_sku[i] = -1;
    for (int32_t j = 0; j < b->n_sku; ++j)
        if (bsku[j] >= 0)
            amap_sku[bsku[j]] = j;
    c->sku = ech_xcalloc((size_t)(a->n_sku ? a->n_sku : 1), sizeof *c->sku, "compared SKUs");
    c->n_skus = 0;
    for (int32_t i = 0; i < a->n_sku; ++i) {
        int32_t j = amap_sku[i];
        if (j < 0)
            continue;
        ech_compare_sku *s = &c->sku[c->n_skus++];
        s->id = ech_xstrdup(a->sku_id[i], "SKU id");
        s->lost_base = lost[0][i];
        s->lost_other = lost[1][j];
        s->cost_base = sku_cost[0][i];
        s->cost_other = sku_cost[1][j];
    }
    free(amap_sku);
    free(sku_cost[0]);
    free(sku_cost[1]);

    /* SKU-locations by (SKU, location) identity, as keys in the base's numbering. */
    sl_key *ka = ech_xmalloc((size_t)(a->n_sl ? a->n_sl : 1) * sizeof *ka, "skuloc keys");
    sl_key *kb = ech_xmalloc((size_t)(b->n_sl ? b->n_sl : 1) * sizeof *kb, "skuloc keys");
    int64_t na = 0, nb = 0, b_unknown_sku = 0;
    for (int64_t x = 0; x < a->n_sl; ++x)
        ka[na++] = (sl_key){(int64_t)a->sl_sku[x] * (nu + 1) + (int64_t)a->sl_loc[x], x};
    for (int64_t x = 0; x < b->n_sl; ++x) {
        int32_t k = (int32_t)b->sl_sku[x], l = (int32_t)b->sl_loc[x];
        if (k < 0 || k >= b->n_sku || l < 0 || l >= b->n_loc || bsku[k] < 0) {
            ++b_unknown_sku;
            continue;
        }
        kb[nb++] = (sl_key){(int64_t)bsku[k] * (nu + 1) + bloc[l], x};
    }
    qsort(ka, (size_t)na, sizeof *ka, cmp_sl_key);
    qsort(kb, (size_t)nb, sizeof *kb, cmp_sl_key);
    fill_sum = ech_xcalloc((size_t)(nu ? nu : 1) * 4, sizeof *fill_sum, "location fill");
    int64_t i = 0, j = 0;
    c->skulocs_both = c->skulocs_base_only = c->skulocs_demand_differs = 0;
    c->skulocs_other_only = b_unknown_sku;
    while (i < na || j < nb) {
        if (j >= nb || (i < na && ka[i].key < kb[j].key)) {
            ++c->skulocs_base_only;
            ++i;
        } else if (i >= na || kb[j].key < ka[i].key) {
            ++c->skulocs_other_only;
            ++j;
        } else {
            ++c->skulocs_both;
            int64_t xa = ka[i].x, xb = kb[j].x;
            if (dmean[xa] > 0) {
                if (dem[0][xa] != dem[1][xb])
                    ++c->skulocs_demand_differs;
                int64_t u = ka[i].key % (nu + 1);
                if (u >= 0 && u < c->n_locations) {
                    double *f = fill_sum + 4 * u;
                    f[0] += dem[0][xa];
                    f[1] += lostx[0][xa] + backx[0][xa];
                    f[2] += dem[1][xb];
                    f[3] += lostx[1][xb] + backx[1][xb];
                    c->location[u].common_demand_points++;
                }
            }
            ++i;
            ++j;
        }
    }
    for (int32_t u = 0; u < c->n_locations; ++u) {
        const double *f = fill_sum + 4 * u;
        c->location[u].fill_base = f[0] > 0 ? 1 - f[1] / f[0] : NAN;
        c->location[u].fill_other = f[2] > 0 ? 1 - f[3] / f[2] : NAN;
    }
    free(ka);
    free(kb);
    st = ECH_OK;
done:
    free(fill_sum);
    for (int side = 0; side < 2; ++side) {
        free(lostx[side]);
        free(backx[side]);
    }
    for (int side = 0; side < 2; ++side) {
        free(lost[side]);
        free(cost[side]);
        free(dem[side]);
    }
    free(dmean);
    free(bsku);
    free(bloc);
    return st;
}

ech_status ech_compare_files(const char *base_path, const char *other_path, ech_comparison *out,
                             ech_error *err)
{
    memset(out, 0, sizeof *out);
    H5E_auto2_t old_fn;
    void *old_data;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our own messages, not HDF5's stack */
    rfile a, b;
    memset(&b, 0, sizeof b);
    b.f = -1;
    ech_status st = rfile_open(&a, base_path, err);
    if (st == ECH_OK)
        st = rfile_open(&b, other_path, err);
    if (st != ECH_OK)
        goto done;
    if (a.seed != b.seed || a.reps != b.reps) {
        st = ech_fail(err, ECH_ERR_INPUT,
                      "%s: seed %llu and %lld replications, but the base %s has seed %llu and "
                      "%lld replications: paired differences need the same seed and "
                      "replications (run both with the same --seed and --replications)",
                      other_path, (unsigned long long)b.seed, (long long)b.reps, base_path,
                      (unsigned long long)a.seed, (long long)a.reps);
        goto done;
    }
    if (a.days != b.days || a.warmup != b.warmup) {
        st = ech_fail(err, ECH_ERR_INPUT,
                      "%s: %d days after a warm-up of %d, but the base %s has %d after %d: "
                      "compared runs need the same horizon",
                      other_path, b.days, b.warmup, base_path, a.days, a.warmup);
        goto done;
    }
    out->base_path = ech_xstrdup(base_path, "file name");
    out->other_path = ech_xstrdup(other_path, "file name");
    out->base_name = ech_xstrdup(a.name, "scenario name");
    out->other_name = ech_xstrdup(b.name, "scenario name");
    out->seed = a.seed;
    out->replications = a.reps;

    /* The network, then the segments both files have (by name). */
    seglist sa, sb;
    segments_of(&a, &sa);
    segments_of(&b, &sb);
    out->group = ech_xcalloc((size_t)sa.n + 1, sizeof *out->group, "compared groups");
    out->group[0].name = ech_xstrdup("network", "group name");
    out->n_groups = 1;
    st = compare_group(&a, &b, "/totals/network", "/totals/network", &out->group[0], err);
    for (int s = 0; s < sa.n && st == ECH_OK; ++s) {
        int t = 0;
        while (t < sb.n && strcmp(sa.name[s], sb.name[t]) != 0)
            ++t;
        if (t == sb.n)
            continue;
        char ga[512], gb[512];
        snprintf(ga, sizeof ga, "/totals/segments/%s", sa.link[s]);
        snprintf(gb, sizeof gb, "/totals/segments/%s", sb.link[t]);
        ech_compare_group *g = &out->group[out->n_groups++];
        g->name = ech_xstrdup(sa.name[s], "group name");
        st = compare_group(&a, &b, ga, gb, g, err);
    }
    seglist_free(&sa);
    seglist_free(&sb);
    if (st == ECH_OK)
        st = compare_locations(&a, &b, out, err);
    if (st == ECH_OK)
        st = compare_skus_and_skulocs(&a, &b, out, err);
done:
    rfile_close(&a);
    rfile_close(&b);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    if (st != ECH_OK)
        ech_comparison_free(out);
    return st;
}

void ech_comparison_free(ech_comparison *c)
{
    for (int32_t g = 0; c->group && g < c->n_groups; ++g)
        free(c->group[g].name);
    for (int32_t l = 0; c->location && l < c->n_locations; ++l) {
        free(c->location[l].id);
        free(c->location[l].parent_base);
        free(c->location[l].parent_other);
    }
    for (int32_t k = 0; c->sku && k < c->n_skus; ++k)
        free(c->sku[k].id);
    free(c->group);
    free(c->location);
    free(c->sku);
    free(c->base_path);
    free(c->other_path);
    free(c->base_name);
    free(c->other_name);
    memset(c, 0, sizeof *c);
}

static const ech_comparison *top_c;
static int top_by;

static int cmp_top(const void *p, const void *q)
{
    const ech_compare_sku *a = &top_c->sku[*(const int32_t *)p];
    const ech_compare_sku *b = &top_c->sku[*(const int32_t *)q];
    double da = top_by ? a->cost_other - a->cost_base : a->lost_other - a->lost_base;
    double db = top_by ? b->cost_other - b->cost_base : b->lost_other - b->lost_base;
    if (da != db)
        return da > db ? -1 : 1;
    int32_t x = *(const int32_t *)p, y = *(const int32_t *)q;
    return (x > y) - (x < y);
}

int32_t ech_compare_top_skus(const ech_comparison *c, int by, int32_t n, int32_t *idx)
{
    if (n > c->n_skus)
        n = c->n_skus;
    if (n <= 0)
        return 0;
    int32_t *all = ech_xmalloc((size_t)c->n_skus * sizeof *all, "SKU order");
    for (int32_t k = 0; k < c->n_skus; ++k)
        all[k] = k;
    top_c = c;
    top_by = by;
    qsort(all, (size_t)c->n_skus, sizeof *all, cmp_top);
    top_c = NULL;
    memcpy(idx, all, (size_t)n * sizeof *idx);
    free(all);
    return n;
}
