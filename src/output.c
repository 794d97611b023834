/* The HDF5 results file: layout and collective writing.  See include/echelon/output.h;
 * the layout itself is documented in results/README.md, which must change with it.
 *
 * Every rank of the communicator makes every HDF5 call in the same order with the same
 * arguments (parallel HDF5 requires it for anything that changes the file's structure
 * or attributes).  Raw data is written with collective transfers: each rank selects
 * its own block of skulocs, ranks with no data select nothing, and the small tables
 * (catalogue, network, supply, totals, comparisons) are supplied by rank 0 alone.
 *
 * Variants.  The baseline (variant 0) is written where format 1.0 had the run's
 * results (/skuloc, /totals), every other variant under /variants/<name>/ with its
 * comparison to the baseline; the same functions write both, given the parent group
 * and the variant.
 *
 * Failures.  HDF5's own error printing is switched off while writing and every return
 * code is checked; the first failure on a rank is recorded with what failed and the
 * innermost HDF5 message.  Before each step that communicates (creating, writing and
 * closing) the ranks agree whether anyone has failed (one MPI_Allreduce); once someone
 * has, every rank skips the remaining work, closes what it opened and the file, and
 * every rank returns the same status and message (those of the lowest failing rank).
 */
#include "echelon/output.h"
#include "echelon/run.h"
#include "echelon/kpi.h"
#include "echelon/scenario.h"
#include "echelon/scenario_load.h" /* ech_scenario_resolved_text */
#include "echelon/table.h"
#include "echelon/version.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compression of the large per-skuloc datasets: deflate level 1, no shuffle filter.
 * Measured on the results of scenarios/demo.yaml (85,530 skulocs): the shuffle made
 * the file 30% larger (many values are whole numbers or repeat, patterns deflate finds
 * in the unshuffled bytes) and level 4 saved 7% of the size for 40% more time. */
enum { DEFLATE_LEVEL = 1 };

/* Chunks of the large datasets hold at most this many elements (512 KiB of doubles)
 * and, where the rows allow, at least MIN_CHUNK_ELEMENTS (32 KiB). */
static const hsize_t CHUNK_ELEMENTS = 65536;
static const hsize_t MIN_CHUNK_ELEMENTS = 4096;

typedef struct writer {
    const char *path; /* the final name, for messages */
    const ech_scenario *sc;
    const ech_results *res;
    const ech_run_info *info;  /* &res->info */
    MPI_Comm comm;
    int rank, size;

    int64_t begin, end;    /* this rank's skulocs */
    int keep_replications; /* /skuloc/<kpi>/replications is written */
    int deflate;           /* the deflate filter is available */

    hid_t file;
    hid_t dxpl;     /* collective transfers */
    hid_t gcpl;     /* groups track the creation order of their links */
    hid_t vlstr;    /* variable-length UTF-8 string, for attributes */

    int failed;        /* this rank has recorded a failure in e */
    int anyone_failed; /* every rank knows that some rank failed */
    ech_error e;
} writer;

/* ------------------------------------------------------------------------------
 * Failures
 * ------------------------------------------------------------------------------ */

/* Finds the innermost (most specific) message on HDF5's error stack. */
static herr_t innermost_error(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    const char **desc = data;
    if (e->desc && e->desc[0])
        *desc = e->desc;
    return 0;
}

/* Records this rank's first failure: "cannot write results file PATH: WHAT: detail". */
static void fail_h5(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_h5(writer *w, const char *fmt, ...)
{
    if (w->failed)
        return;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *detail = NULL;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, innermost_error, &detail);
    if (detail)
        ech_fail(&w->e, ECH_ERR_RUNTIME, "cannot write results file %s: %s: %s", w->path,
                 what, detail);
    else
        ech_fail(&w->e, ECH_ERR_RUNTIME, "cannot write results file %s: %s", w->path, what);
    w->failed = 1;
}

/* True while no rank has failed; the ranks learn it together (an MPI_Allreduce), so
 * every rank must call this at the same points. */
static int all_ok(writer *w)
{
    if (w->anyone_failed)
        return 0; /* every rank already knows: no need to ask again */
    int mine = w->failed, any = 0;
    if (MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, w->comm) != MPI_SUCCESS)
        any = 1;
    if (any)
        w->anyone_failed = 1;
    return !any;
}

/* Makes every rank hold the same status and message: those of the lowest rank that
 * recorded a failure, or ECH_OK.  Collective. */
static ech_status agree(writer *w)
{
    int mine = w->failed ? w->rank : w->size, first = w->size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, w->comm);
    if (first == w->size)
        return ECH_OK;
    int status = (int)w->e.status;
    MPI_Bcast(&status, 1, MPI_INT, first, w->comm);
    MPI_Bcast(w->e.msg, (int)sizeof w->e.msg, MPI_CHAR, first, w->comm);
    w->e.status = (ech_status)status;
    w->failed = 1;
    w->anyone_failed = 1;
    return w->e.status;
}

/* ------------------------------------------------------------------------------
 * Attributes (metadata: every rank writes the same value)
 * ------------------------------------------------------------------------------ */

/* An attribute holding one value (n < 0) or an array of n >= 0 values. */
static void attr_write(writer *w, hid_t obj, const char *name, hid_t type, hssize_t n,
                       const void *value)
{
    if (w->failed || obj < 0)
        return;
    hsize_t len = n > 0 ? (hsize_t)n : 0;
    hid_t space = n < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &len, NULL);
    hid_t attr = space < 0 ? -1 : H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || (n != 0 && H5Awrite(attr, type, value) < 0))
        fail_h5(w, "attribute %s", name);
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
}

/* A text attribute, stored as a variable-length UTF-8 string.  NULL is written as "". */
static void attr_text(writer *w, hid_t obj, const char *name, const char *value)
{
    const char *v = value ? value : "";
    attr_write(w, obj, name, w->vlstr, -1, &v);
}

static void attr_i32(writer *w, hid_t obj, const char *name, int32_t v)
{
    attr_write(w, obj, name, H5T_NATIVE_INT32, -1, &v);
}

static void attr_i64(writer *w, hid_t obj, const char *name, int64_t v)
{
    attr_write(w, obj, name, H5T_NATIVE_INT64, -1, &v);
}

static void attr_u64(writer *w, hid_t obj, const char *name, uint64_t v)
{
    attr_write(w, obj, name, H5T_NATIVE_UINT64, -1, &v);
}

static void attr_f64(writer *w, hid_t obj, const char *name, double v)
{
    attr_write(w, obj, name, H5T_NATIVE_DOUBLE, -1, &v);
}

/* The units and description every dataset carries (units NULL: none, for text). */
static void describe(writer *w, hid_t obj, const char *units, const char *description)
{
    if (units)
        attr_text(w, obj, "units", units);
    attr_text(w, obj, "description", description);
}

/* ------------------------------------------------------------------------------
 * Groups and datasets
 * ------------------------------------------------------------------------------ */

static hid_t group_create(writer *w, hid_t loc, const char *name, const char *description)
{
    if (w->failed)
        return -1;
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
    if (g < 0) {
        fail_h5(w, "creating group %s", name);
        return -1;
    }
    if (description)
        attr_text(w, g, "description", description);
    return g;
}

static void close_group(hid_t g)
{
    if (g >= 0)
        H5Gclose(g);
}

static void close_dataset(hid_t d)
{
    if (d >= 0)
        H5Dclose(d);
}

/* The chunk shape of a large dataset of `ndims` dimensions.  Rows per chunk follow
 * the decomposition (about one rank's block, within the bounds above): in parallel
 * HDF5 each chunk is compressed by one rank after gathering its rows from the ranks
 * that hold them, so chunks the size of a block spread the compression over the
 * ranks and keep the data exchanged small. */
static void chunk_shape(const writer *w, int ndims, const hsize_t *dims, hsize_t *chunk)
{
    hsize_t cols = ndims == 2 ? dims[1] : 1;
    hsize_t chunk_cols = cols < CHUNK_ELEMENTS ? cols : CHUNK_ELEMENTS;
    hsize_t max_rows = CHUNK_ELEMENTS / chunk_cols;
    hsize_t min_rows = MIN_CHUNK_ELEMENTS / chunk_cols;
    hsize_t rows = (dims[0] + (hsize_t)w->size - 1) / (hsize_t)w->size;
    if (rows < min_rows)
        rows = min_rows;
    if (rows > max_rows)
        rows = max_rows;
    if (rows < 1)
        rows = 1;
    if (rows > dims[0])
        rows = dims[0];
    chunk[0] = rows;
    if (ndims == 2)
        chunk[1] = chunk_cols;
}

/* Creates a dataset of shape dims[0] (ndims 1) or dims[0] x dims[1] (ndims 2).
 * Large datasets are chunked and compressed, which parallel HDF5 allows only with
 * collective writes (all of ours are); a dataset with a zero-length dimension cannot
 * be chunked and stays contiguous.  Collective: the ranks first agree that nobody
 * has failed, since creating a dataset in parallel may allocate and write. */
static hid_t dataset_create(writer *w, hid_t loc, const char *name, hid_t type, int ndims,
                            const hsize_t *dims, int large)
{
    if (!all_ok(w))
        return -1;
    hid_t space = H5Screate_simple(ndims, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int ok = space >= 0 && dcpl >= 0;
    /* Every element is written, so filling unwritten space first is wasted I/O. */
    ok = ok && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0;
    int empty = dims[0] == 0 || (ndims == 2 && dims[1] == 0);
    if (ok && large && !empty) {
        hsize_t chunk[2];
        chunk_shape(w, ndims, dims, chunk);
        ok = H5Pset_chunk(dcpl, ndims, chunk) >= 0;
        if (ok && w->deflate)
            ok = H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0;
    }
    hid_t d = ok ? H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    if (d < 0)
        fail_h5(w, "creating dataset %s", name);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return d;
}

/* Writes rows [row0, row0 + rows) of dataset d (all its columns, `cols` of them: 1 for
 * a 1-d dataset) collectively.  This rank's values lie in memory as a matrix with
 * arbitrary row stride: element (i, c) is at base[i * stride + offset + c] (in units
 * of memtype), so a column can be written straight out of an interleaved array (the
 * totals are).  rows == 0 takes part with an empty selection. */
static void write_rows(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t row0,
                       hsize_t rows, hsize_t cols, const void *base, hsize_t stride,
                       hsize_t offset)
{
    if (!all_ok(w))
        return;
    hid_t fspace = H5Dget_space(d);
    int ndims = fspace < 0 ? -1 : H5Sget_simple_extent_ndims(fspace);
    int has_data = rows > 0 && cols > 0;
    hid_t mspace = -1;
    int ok = ndims >= 1;
    if (ok && has_data) {
        hsize_t fstart[2] = {row0, 0}, fcount[2] = {rows, cols};
        hsize_t mdim = (rows - 1) * stride + offset + cols;
        hsize_t mstart = offset, mstride = stride, mcount = rows, mblock = cols;
        mspace = H5Screate_simple(1, &mdim, NULL);
        ok = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, fstart, NULL, fcount, NULL) >= 0 &&
             mspace >= 0 &&
             H5Sselect_hyperslab(mspace, H5S_SELECT_SET, &mstart, &mstride, &mcount,
                                 &mblock) >= 0;
    } else if (ok) {
        hsize_t one = 1;
        mspace = H5Screate_simple(1, &one, NULL);
        ok = mspace >= 0 && H5Sselect_none(mspace) >= 0 && H5Sselect_none(fspace) >= 0;
    }
    /* A dataset without elements has no storage to write to (HDF5 fails on it even
     * with empty selections); its shape is the same on every rank, so all skip. */
    static const double dummy = 0;
    hssize_t total = ok ? H5Sget_simple_extent_npoints(fspace) : -1;
    if (!ok || total < 0 ||
        (total > 0 &&
         H5Dwrite(d, memtype, mspace, fspace, w->dxpl, has_data ? base : &dummy) < 0))
        fail_h5(w, "writing dataset %s", name);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
}

/* Attaches dimension scale `scale` to axis idx of dataset d. */
static void attach(writer *w, hid_t d, hid_t scale, unsigned idx, const char *name)
{
    if (d >= 0 && scale >= 0 && !w->failed && H5DSattach_scale(d, scale, idx) < 0)
        fail_h5(w, "attaching dimension scale %u to %s", idx, name);
}

/* A whole small table, supplied by rank 0 (the others take part with nothing). */
static void write_all_from_root(writer *w, hid_t d, const char *name, hid_t memtype,
                                hsize_t n, hsize_t cols, const void *data)
{
    write_rows(w, d, name, memtype, 0, w->rank == 0 ? n : 0, cols, data, cols, 0);
}

/* A small 1-d table of n values of one type, written by rank 0, with its attributes,
 * attached to the dimension scale `scale`. */
static void small_table(writer *w, hid_t loc, const char *name, hid_t type, hsize_t n,
                        const void *data, hid_t scale, const char *units,
                        const char *description, const char *codes)
{
    hid_t d = dataset_create(w, loc, name, type, 1, &n, 0);
    describe(w, d, units, description);
    if (codes)
        attr_text(w, d, "codes", codes);
    write_all_from_root(w, d, name, type, n, 1, data);
    attach(w, d, scale, 0, name);
    close_dataset(d);
}

/* A small dimension scale: a 1-d dataset of n values written by rank 0, marked with
 * H5DSset_scale so that netCDF tools and xarray see a dimension of that name with
 * these coordinate values.  Returns the open dataset (or -1 after a failure).  The
 * skuloc scale, as long as the skulocs, is written like the other skuloc columns. */
static hid_t scale_create(writer *w, hid_t loc, const char *name, hid_t type, hsize_t n,
                          const void *all_values, const char *units, const char *description)
{
    hid_t d = dataset_create(w, loc, name, type, 1, &n, 0);
    describe(w, d, units, description);
    write_all_from_root(w, d, name, type, n, 1, all_values);
    if (d >= 0 && !w->failed && H5DSset_scale(d, name) < 0)
        fail_h5(w, "making %s a dimension scale", name);
    return d;
}

/* A fixed-length string type as long as the longest of s[0..n-1] (at least 1), and
 * the strings packed into n x that many bytes, NUL-padded (parallel HDF5 cannot
 * write variable-length data in datasets). */
static hid_t text_type(writer *w, char *const *s, int64_t n, char **packed)
{
    size_t len = 1;
    for (int64_t i = 0; i < n; ++i) {
        size_t l = s[i] ? strlen(s[i]) : 0;
        if (l > len)
            len = l;
    }
    *packed = ech_xcalloc((size_t)(n > 0 ? n : 1), len, "text column of the results file");
    for (int64_t i = 0; i < n; ++i)
        if (s[i])
            memcpy(*packed + (size_t)i * len, s[i], strlen(s[i]));
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0 || H5Tset_size(t, len) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        fail_h5(w, "making a string type of %zu bytes", len);
        if (t >= 0)
            H5Tclose(t);
        return -1;
    }
    return t;
}

/* A text column of n strings, written by rank 0, attached to `scale`. */
static void text_table(writer *w, hid_t loc, const char *name, char *const *s, int64_t n,
                       hid_t scale, const char *description)
{
    char *packed = NULL;
    hid_t t = text_type(w, s, n, &packed);
    hsize_t dims = (hsize_t)n;
    hid_t d = dataset_create(w, loc, name, t >= 0 ? t : H5T_NATIVE_CHAR, 1, &dims, 0);
    describe(w, d, NULL, description);
    write_all_from_root(w, d, name, t, dims, 1, packed);
    attach(w, d, scale, 0, name);
    close_dataset(d);
    if (t >= 0)
        H5Tclose(t);
    free(packed);
}

/* The HDF5 memory type of a table column. */
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

/* Every column of a small table (catalogue, network) that has a dataset name, as
 * declared in scenario.h: written by rank 0 with its units, description and, for
 * enumerations, the codes of its values. */
static void table_columns(writer *w, hid_t g, const ech_table *t, const void *table, int64_t n,
                          hid_t scale)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->h5)
            continue;
        const void *a = ech_table_array(t, table, c);
        if (col->type == ECH_COL_TEXT) {
            text_table(w, g, col->h5, (char *const *)a, n, scale, col->description);
            continue;
        }
        char codes[512];
        if (col->values)
            ech_enum_codes(col->values, codes, sizeof codes);
        small_table(w, g, col->h5, column_type(col->type), (hsize_t)n, a, scale, col->units,
                    col->description, col->values ? codes : NULL);
    }
}

/* 0, 1, ..., n-1 as int32 (for the sku, location, supplier and segment scales). */
static int32_t *iota32(int64_t n)
{
    int32_t *v = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *v, "index scale");
    for (int64_t i = 0; i < n; ++i)
        v[i] = (int32_t)i;
    return v;
}

/* An input column the scenario may lack (a scenario built by an older loader or
 * in code): the array itself, or n copies of its default in *owned (freed by the
 * caller). */
static hid_t index_scale(writer *w, hid_t loc, const char *name, int64_t n,
                         const char *description)
{
    int32_t *idx = iota32(n);
    hid_t d = scale_create(w, loc, name, H5T_NATIVE_INT32, (hsize_t)(n > 0 ? n : 0), idx, "1",
                           description);
    free(idx);
    return d;
}

/* The replication scale 0 .. replications-1 (int64) of a group. */
static hid_t replication_scale(writer *w, hid_t loc)
{
    const int64_t R = w->sc->replications;
    int64_t *reps = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *reps, "replication scale");
    for (int64_t r = 0; r < R; ++r)
        reps[r] = r;
    hid_t d = scale_create(w, loc, "replication", H5T_NATIVE_INT64, (hsize_t)R, reps, "1",
                           "replication index");
    free(reps);
    return d;
}

/* HDF5 link names for names[0..n-1]: '/' is a path separator and "." and ".." are
 * not usable, so those become '_' or "<fallback>_<i>"; a name already used by an
 * earlier entry gets "_<i>" (again, until it is unique).  Returns n malloc'd strings
 * in a malloc'd array. */
static char **link_names(char *const *names, int32_t n, const char *fallback)
{
    char **out = ech_xcalloc((size_t)(n > 0 ? n : 1), sizeof *out, "group names");
    for (int32_t i = 0; i < n; ++i) {
        const char *raw = names && names[i] ? names[i] : "";
        size_t len = strlen(raw), size = len + strlen(fallback) + 16;
        char *name = ech_xmalloc(size, "group name");
        if (len == 0 || strcmp(raw, ".") == 0 || strcmp(raw, "..") == 0)
            snprintf(name, size, "%s_%d", fallback, (int)i);
        else
            for (size_t c = 0; c <= len; ++c)
                name[c] = raw[c] == '/' ? '_' : raw[c];
        for (int32_t o = 0; o < i; ++o)
            if (strcmp(out[o], name) == 0) {
                len = strlen(name);
                name = ech_xrealloc(name, len + 16, "group name");
                snprintf(name + len, 16, "_%d", (int)i);
                o = -1; /* check the longer name against all again */
            }
        out[i] = name;
    }
    return out;
}

static void free_names(char **names, int32_t n)
{
    for (int32_t i = 0; names && i < n; ++i)
        free(names[i]);
    free(names);
}

/* The names of the variants, in order (pointers into the scenario). */
static char **variant_names(const ech_scenario *sc)
{
    char **names = ech_xcalloc((size_t)sc->n_variants, sizeof *names, "variant names");
    for (int32_t v = 0; v < sc->n_variants; ++v)
        names[v] = sc->variant[v].name;
    return names;
}

/* names[i] for the i with keep[i] != 0 (all when keep is NULL) joined by ", ". */
static char *join_names(char *const *names, int32_t n, const uint8_t *keep)
{
    size_t len = 1;
    for (int32_t i = 0; i < n; ++i)
        if (!keep || keep[i])
            len += strlen(names[i] ? names[i] : "") + 2;
    char *s = ech_xmalloc(len, "list of names");
    s[0] = '\0';
    for (int32_t i = 0; i < n; ++i)
        if (!keep || keep[i]) {
            if (s[0])
                strcat(s, ", ");
            strcat(s, names[i] ? names[i] : "");
        }
    return s;
}

/* ------------------------------------------------------------------------------
 * Root attributes
 * ------------------------------------------------------------------------------ */

/* The resolved scenario text, made on rank 0 and broadcast so every rank writes the
 * same attribute value (and only one rank pays for producing it). */
static char *resolved_text_everywhere(writer *w)
{
    char *text = NULL;
    unsigned long long len = 0;
    if (w->rank == 0) {
        text = ech_scenario_resolved_text(w->sc);
        if (!text) /* not expected; keep at least the file as given */
            text = ech_xstrdup(w->sc->source_text ? w->sc->source_text : "",
                               "scenario text for the results file");
        len = strlen(text);
    }
    MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, w->comm);
    if (w->rank != 0)
        text = ech_xmalloc((size_t)len + 1, "resolved scenario text for the results file");
    for (unsigned long long off = 0; off < len;) {
        unsigned long long part = len - off < (1ull << 30) ? len - off : (1ull << 30);
        MPI_Bcast(text + off, (int)part, MPI_CHAR, 0, w->comm);
        off += part;
    }
    text[len] = '\0';
    return text;
}

/* What variant v changes, as attributes of obj, each name preceded by `prefix`:
 * on a variant's group (prefix "") and, for the baseline, at the root ("baseline_"). */
static void variant_attributes(writer *w, hid_t obj, int32_t v, const char *prefix)
{
    const ech_scenario *sc = w->sc;
    const ech_variant *var = &sc->variant[v];
    const ech_disruptions *d = &sc->disruptions;
    char name[64];
#define PREFIXED(s) (snprintf(name, sizeof name, "%s%s", prefix, s), name)
    attr_text(w, obj, PREFIXED("name"), var->name);
    attr_text(w, obj, PREFIXED("description"), var->description);
    attr_i32(w, obj, PREFIXED("variant_index"), v);
    attr_f64(w, obj, PREFIXED("lead_time_factor"), var->lead_time_factor);
    attr_text(w, obj, PREFIXED("allocation"), ech_enum_word(&ech_allocation_enum, var->allocation));
    attr_i32(w, obj, PREFIXED("alternative_sources"), var->use_alternatives ? 1 : 0);
    char *active = join_names(d->name, d->n, var->disruption_active);
    attr_text(w, obj, PREFIXED("active_disruptions"), active);
    free(active);
    int32_t *index = iota32(d->n), n_active = 0;
    for (int32_t i = 0; i < d->n; ++i)
        if (var->disruption_active[i])
            index[n_active++] = i;
    attr_write(w, obj, PREFIXED("active_disruption_index"), H5T_NATIVE_INT32, n_active, index);
    free(index);
#undef PREFIXED
}

static void write_root(writer *w)
{
    const ech_scenario *sc = w->sc;
    const ech_run_info *info = w->info;
    hid_t root = w->file;
    char date[32];
    ech_format_date(sc->start_date, date);
    char *resolved = resolved_text_everywhere(w);

    attr_text(w, root, "file_type", ECH_OUTPUT_FILE_TYPE);
    attr_text(w, root, "format_version", ECH_OUTPUT_FORMAT_VERSION);
    attr_text(w, root, "program_version", ECH_VERSION_STRING);
    attr_text(w, root, "git_commit", ECH_GIT_COMMIT);
    attr_text(w, root, "command_line", info->command_line);
    attr_text(w, root, "created", info->created);
    attr_text(w, root, "scenario_name", sc->name);
    attr_text(w, root, "scenario_description", sc->description);
    attr_text(w, root, "scenario_file", sc->source_path);
    attr_text(w, root, "scenario_text", sc->source_text);
    attr_text(w, root, "resolved_scenario", resolved);
    attr_u64(w, root, "seed", sc->seed);
    attr_i64(w, root, "replications", sc->replications);
    attr_i32(w, root, "days", sc->days);
    attr_i32(w, root, "warmup_days", sc->warmup_days);
    attr_text(w, root, "start_date", date);
    attr_text(w, root, "unmet_demand", ech_enum_word(&ech_unmet_enum, sc->unmet_demand));
    attr_text(w, root, "allocation", ech_enum_word(&ech_allocation_enum, sc->variant[0].allocation));
    attr_text(w, root, "internal_shortfall", ech_enum_word(&ech_shortfall_enum, sc->internal_shortfall));
    attr_i32(w, root, "n_ranks", info->n_ranks);
    attr_i32(w, root, "n_threads", info->n_threads);
    free(resolved);

    attr_i32(w, root, "n_variants", sc->n_variants);
    char **names = variant_names(sc);
    char *joined = join_names(names, sc->n_variants, NULL);
    attr_text(w, root, "variants", joined);
    free(joined);
    free(names);
    variant_attributes(w, root, 0, "baseline_");
}

/* ------------------------------------------------------------------------------
 * /catalogue, /network and /supply
 * ------------------------------------------------------------------------------ */

static void write_catalogue(writer *w)
{
    const ech_scenario *sc = w->sc;
    const ech_catalogue *cat = &sc->cat;
    hid_t g = group_create(w, w->file, "catalogue",
                           "the SKUs: one entry per SKU, indexed by the sku dimension");

    hid_t sku = index_scale(w, g, "sku", cat->n, "SKU index (the sku_index of /skuloc)");
    table_columns(w, g, &ech_catalogue_table, cat, cat->n, sku);
    close_dataset(sku);

    hid_t sup = index_scale(w, g, "supplier", sc->suppliers.n,
                            "supplier index (the supplier_index of a SKU)");
    text_table(w, g, "supplier_id", sc->suppliers.id, sc->suppliers.n, sup,
               "supplier id as in the input");
    close_dataset(sup);

    hid_t seg = index_scale(w, g, "segment", sc->n_segments,
                            "segment index (the segment_index of a SKU)");
    text_table(w, g, "segment_names", sc->segment, sc->n_segments, seg, "segment name");
    close_dataset(seg);
    close_group(g);
}

static void write_network(writer *w)
{
    const ech_network *net = &w->sc->net;
    hid_t g = group_create(w, w->file, "network",
                           "the locations of the supply tree, indexed by the location dimension");
    hid_t loc = index_scale(w, g, "location", net->n,
                            "location index (the location_index of /skuloc)");
    table_columns(w, g, &ech_network_table, net, net->n, loc);
    close_dataset(loc);
    close_group(g);
}

/* The sites' lanes to the central warehouse: the lead-time records as columns. */
static void site_lead_times(writer *w, hid_t g, hid_t site)
{
    const ech_sites *s = &w->sc->sites;
    size_t n = (size_t)(s->n > 0 ? s->n : 1);
    uint8_t *dist = ech_xmalloc(n, "site lead-time columns");
    double *mean = ech_xmalloc(n * sizeof *mean, "site lead-time columns");
    double *sd = ech_xmalloc(n * sizeof *sd, "site lead-time columns");
    int32_t *lo = ech_xmalloc(n * sizeof *lo, "site lead-time columns");
    int32_t *hi = ech_xmalloc(n * sizeof *hi, "site lead-time columns");
    for (int32_t i = 0; i < s->n; ++i) {
        dist[i] = s->lead_time[i].dist;
        mean[i] = s->lead_time[i].mean;
        sd[i] = s->lead_time[i].sd;
        lo[i] = s->lead_time[i].min_days;
        hi[i] = s->lead_time[i].max_days;
    }
    hsize_t m = (hsize_t)s->n;
    small_table(w, g, "site_lead_time_distribution", H5T_NATIVE_UINT8, m, dist, site, "1",
                "distribution of the lane's lead time (at lead_time_factor 1)",
                "0=fixed,1=gamma,2=lognormal,3=empirical");
    small_table(w, g, "site_lead_time_mean", H5T_NATIVE_DOUBLE, m, mean, site, "day",
                "mean lead time of the lane site -> central warehouse", NULL);
    small_table(w, g, "site_lead_time_sd", H5T_NATIVE_DOUBLE, m, sd, site, "day",
                "standard deviation of the lead time (unused for fixed)", NULL);
    small_table(w, g, "site_lead_time_min_days", H5T_NATIVE_INT32, m, lo, site, "day",
                "shortest lead time: sampled days are truncated to [min_days, max_days]", NULL);
    small_table(w, g, "site_lead_time_max_days", H5T_NATIVE_INT32, m, hi, site, "day",
                "longest lead time", NULL);
    free(dist);
    free(mean);
    free(sd);
    free(lo);
    free(hi);
}

/* How each supplier fails to deliver: the reliability records as columns. */
static void supplier_reliability(writer *w, hid_t g, hid_t supplier)
{
    const ech_suppliers *s = &w->sc->suppliers;
    size_t n = (size_t)(s->n > 0 ? s->n : 1);
    double *col = ech_xmalloc(4 * n * sizeof *col, "supplier reliability columns");
    uint8_t *shortfall = ech_xmalloc(n, "supplier reliability columns");
    for (int32_t i = 0; i < s->n; ++i) {
        col[0 * n + (size_t)i] = s->reliability[i].partial_prob;
        col[1 * n + (size_t)i] = s->reliability[i].partial_mean;
        col[2 * n + (size_t)i] = s->reliability[i].partial_sd;
        col[3 * n + (size_t)i] = s->reliability[i].cancel_prob;
        shortfall[i] = s->reliability[i].shortfall;
    }
    hsize_t m = (hsize_t)s->n;
    small_table(w, g, "partial_probability", H5T_NATIVE_DOUBLE, m, col, supplier, "1",
                "probability that a shipment delivers only part of what is owed", NULL);
    small_table(w, g, "partial_fraction_mean", H5T_NATIVE_DOUBLE, m, col + n, supplier, "1",
                "mean delivered fraction of a partial shipment (beta distribution)", NULL);
    small_table(w, g, "partial_fraction_sd", H5T_NATIVE_DOUBLE, m, col + 2 * n, supplier, "1",
                "standard deviation of the delivered fraction of a partial shipment", NULL);
    small_table(w, g, "cancel_probability", H5T_NATIVE_DOUBLE, m, col + 3 * n, supplier, "1",
                "probability that an order is cancelled outright", NULL);
    small_table(w, g, "shortfall", H5T_NATIVE_UINT8, m, shortfall, supplier, "1",
                "what happens to units a partial shipment or a disrupted site does not "
                "deliver: they stay owed (backorder) or are dropped (cancel)",
                "0=backorder,1=cancel");
    free(col);
    free(shortfall);
}

static void write_supply(writer *w)
{
    const ech_scenario *sc = w->sc;
    const ech_sites *s = &sc->sites;
    const ech_disruptions *d = &sc->disruptions;
    hid_t g = group_create(w, w->file, "supply",
                           "the supply model: supplier sites and their lanes to the central "
                           "warehouse, regions, supplier reliability and disruptions");

    hid_t site = index_scale(w, g, "site", s->n,
                             "site index (the site_index and alt_site_index of /catalogue)");
    text_table(w, g, "site_id", s->id, s->n, site,
               "site id as in the input (a supplier given without sites has one site with the "
               "supplier's id)");
    small_table(w, g, "site_supplier_index", H5T_NATIVE_INT32, (hsize_t)s->n, s->supplier, site,
                "1", "index of the site's supplier into supplier_id", NULL);
    small_table(w, g, "site_region_index", H5T_NATIVE_INT32, (hsize_t)s->n, s->region, site,
                "1", "index of the site's region into region_names", NULL);
    site_lead_times(w, g, site);
    close_dataset(site);

    hid_t region = index_scale(w, g, "region", sc->n_regions,
                               "region index (the site_region_index of a site)");
    text_table(w, g, "region_names", sc->region, sc->n_regions, region,
               "region name (region 0 is \"default\")");
    close_dataset(region);

    hid_t sup = index_scale(w, g, "supplier", sc->suppliers.n,
                            "supplier index (the site_supplier_index of a site)");
    text_table(w, g, "supplier_id", sc->suppliers.id, sc->suppliers.n, sup,
               "supplier id as in the input");
    supplier_reliability(w, g, sup);
    close_dataset(sup);

    hsize_t n = (hsize_t)d->n;
    hid_t dis = index_scale(w, g, "disruption", d->n, "disruption index");
    text_table(w, g, "disruption_name", d->name, d->n, dis, "disruption name as in the input");
    small_table(w, g, "disruption_kind", H5T_NATIVE_UINT8, n, d->kind, dis, "1",
                "markov: up and down spells in every replication; scripted: down over fixed "
                "days", "0=markov,1=scripted");
    small_table(w, g, "disruption_scope", H5T_NATIVE_UINT8, n, d->scope, dis, "1",
                "what goes down: one site, every site of one supplier or of one region "
                "together, or every site on its own timeline",
                "0=site,1=supplier,2=region,3=each_site");
    small_table(w, g, "disruption_target_index", H5T_NATIVE_INT32, n, d->target, dis, "1",
                "by scope: index into site_id, supplier_id or region_names; -1 for each_site",
                NULL);
    small_table(w, g, "disruption_mtbf_days", H5T_NATIVE_DOUBLE, n, d->mtbf_days, dis, "day",
                "markov: mean days up between failures (0 for scripted)", NULL);
    small_table(w, g, "disruption_mttr_days", H5T_NATIVE_DOUBLE, n, d->mttr_days, dis, "day",
                "markov: mean days down (0 for scripted)", NULL);
    small_table(w, g, "disruption_from_day", H5T_NATIVE_INT32, n, d->from_day, dis, "day",
                "scripted: first scenario day down (0 for markov)", NULL);
    small_table(w, g, "disruption_to_day", H5T_NATIVE_INT32, n, d->to_day, dis, "day",
                "scripted: first scenario day up again (0 for markov)", NULL);
    small_table(w, g, "disruption_capacity", H5T_NATIVE_DOUBLE, n, d->capacity, dis, "1",
                "share of normal supply a site still ships while down", NULL);
    close_dataset(dis);
    close_group(g);
}

/* ------------------------------------------------------------------------------
 * skuloc groups: /skuloc (the baseline) and /variants/<name>/skuloc
 * ------------------------------------------------------------------------------ */

typedef struct skuloc_scales {
    hid_t skuloc, quantile, replication;
} skuloc_scales;

/* The scales of a skuloc group.  Every such group has its own (h5netcdf looks for
 * dimensions in the group and its ancestors only); the skuloc scale is as long as
 * the skulocs and every rank writes its block. */
static void skuloc_scales_create(writer *w, hid_t g, skuloc_scales *s)
{
    const ech_scenario *sc = w->sc;
    const hsize_t n = (hsize_t)sc->sl.n;
    const int64_t nloc = w->end - w->begin;
    s->skuloc = dataset_create(w, g, "skuloc", H5T_NATIVE_INT64, 1, &n, 1);
    describe(w, s->skuloc, "1", "SKU-location index (skulocs sorted by SKU, then parents "
                                "before children)");
    int64_t *ids = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * sizeof *ids, "skuloc scale");
    for (int64_t i = 0; i < nloc; ++i)
        ids[i] = w->begin + i;
    write_rows(w, s->skuloc, "skuloc", H5T_NATIVE_INT64, (hsize_t)w->begin, (hsize_t)nloc, 1,
               ids, 1, 0);
    free(ids);
    if (s->skuloc >= 0 && !w->failed && H5DSset_scale(s->skuloc, "skuloc") < 0)
        fail_h5(w, "making skuloc a dimension scale");

    s->quantile = scale_create(w, g, "quantile", H5T_NATIVE_DOUBLE,
                               (hsize_t)sc->output.n_quantiles, sc->output.quantiles, "1",
                               "probability of each quantile");
    s->replication = replication_scale(w, g);
}

static void skuloc_scales_close(skuloc_scales *s)
{
    close_dataset(s->replication);
    close_dataset(s->quantile);
    close_dataset(s->skuloc);
}

/* A per-skuloc column of the scenario (whole-scenario array `all`): each rank writes
 * its own block. */
static void skuloc_column(writer *w, hid_t g, const skuloc_scales *sc_, const char *name,
                          hid_t type, size_t elem_size, const void *all, const char *units,
                          const char *description, const char *codes)
{
    hsize_t n = (hsize_t)w->sc->sl.n;
    hid_t d = dataset_create(w, g, name, type, 1, &n, 1);
    describe(w, d, units, description);
    if (codes)
        attr_text(w, d, "codes", codes);
    const char *base = (const char *)all + (size_t)w->begin * elem_size;
    write_rows(w, d, name, type, (hsize_t)w->begin, (hsize_t)(w->end - w->begin), 1, base, 1, 0);
    attach(w, d, sc_->skuloc, 0, name);
    close_dataset(d);
}

/* What a KPI dataset holds per skuloc. */
typedef enum kpi_shape { KPI_ONE, KPI_QUANTILES, KPI_REPLICATIONS } kpi_shape;

/* One statistic of one KPI: rows of `cols` values taken from this rank's block of the
 * interleaved results array (`base`, row stride `stride`, first value at `offset`). */
static void kpi_dataset(writer *w, hid_t g, const skuloc_scales *s, const ech_field_info *kpi,
                        const char *name, kpi_shape shape, hsize_t cols, const char *statistic,
                        const double *base, hsize_t stride, hsize_t offset)
{
    hsize_t dims[2] = {(hsize_t)w->sc->sl.n, cols};
    int ndims = shape == KPI_ONE ? 1 : 2;
    char full[256];
    snprintf(full, sizeof full, "%s/%s", kpi->name, name);
    hid_t d = dataset_create(w, g, name, H5T_NATIVE_DOUBLE, ndims, dims, 1);
    describe(w, d, kpi->units, kpi->description);
    attr_text(w, d, "statistic", statistic);
    if (shape == KPI_QUANTILES) {
        const ech_output_options *o = &w->sc->output;
        attr_write(w, d, "probabilities", H5T_NATIVE_DOUBLE, (hssize_t)o->n_quantiles,
                   o->quantiles);
        attr_text(w, d, "quantile_method",
                  "linear interpolation between order statistics (Hyndman and Fan type 7, "
                  "the default of R and NumPy)");
    }
    /* Gathered into one contiguous block first: HDF5 is markedly slower (a quarter of
     * the write time) with a strided memory selection of one small block per row. */
    hsize_t rows = (hsize_t)(w->end - w->begin);
    double *block = ech_xmalloc((size_t)(rows * cols > 0 ? rows * cols : 1) * sizeof *block,
                                "KPI block for the results file");
    for (hsize_t i = 0; i < rows; ++i)
        memcpy(block + i * cols, base + i * stride + offset, (size_t)cols * sizeof *block);
    write_rows(w, d, full, H5T_NATIVE_DOUBLE, (hsize_t)w->begin, rows, cols, block, cols, 0);
    free(block);
    attach(w, d, s->skuloc, 0, full);
    if (shape == KPI_QUANTILES)
        attach(w, d, s->quantile, 1, full);
    else if (shape == KPI_REPLICATIONS)
        attach(w, d, s->replication, 1, full);
    close_dataset(d);
}

/* The declared columns of a per-skuloc table with a dataset name: the skulocs'
 * own (/skuloc only) or a variant's resolved policy. */
static void skuloc_columns(writer *w, hid_t g, const skuloc_scales *s, const ech_table *t,
                           const void *table)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->h5)
            continue;
        char codes[512];
        if (col->values)
            ech_enum_codes(col->values, codes, sizeof codes);
        hid_t type = column_type(col->type);
        skuloc_column(w, g, s, col->h5, type, H5Tget_size(type), ech_table_array(t, table, c),
                      col->units, col->description, col->values ? codes : NULL);
    }
}

/* The skuloc group of variant v in `parent`: the scales, the identity columns (the
 * baseline only), the resolved policy and one group per KPI. */
static void write_skuloc(writer *w, hid_t parent, int32_t v, const char *description)
{
    const ech_results *res = w->res;
    const hsize_t nq = (hsize_t)w->sc->output.n_quantiles;
    const hsize_t R = (hsize_t)w->sc->replications;
    const hsize_t K = ECH_KPI_COUNT;
    const hsize_t ns = (hsize_t)res->n_stats;
    /* A rank without skulocs may hold no arrays at all. */
    const double *stats = res->stats ? res->stats[v] : NULL;
    const double *reps = res->reps ? res->reps[v] : NULL;

    hid_t g = group_create(w, parent, "skuloc", description);
    skuloc_scales s;
    skuloc_scales_create(w, g, &s);
    if (v == 0)
        skuloc_columns(w, g, &s, &ech_skuloc_table, &w->sc->sl);
    skuloc_columns(w, g, &s, &ech_variant_policy_table, &w->sc->variant[v]);

    for (hsize_t k = 0; k < K; ++k) {
        const ech_field_info *kpi = &ech_kpi_info[k];
        hid_t kg = group_create(w, g, kpi->name, NULL);
        describe(w, kg, kpi->units, kpi->description);
        /* stats[((x - begin) * K + k) * ns + j]: row stride K * ns, KPI k at k * ns. */
        kpi_dataset(w, kg, &s, kpi, "mean", KPI_ONE, 1, "mean across replications", stats,
                    K * ns, k * ns);
        kpi_dataset(w, kg, &s, kpi, "sd", KPI_ONE, 1,
                    "sample standard deviation across replications (0 with one replication)",
                    stats, K * ns, k * ns + 1);
        kpi_dataset(w, kg, &s, kpi, "quantiles", KPI_QUANTILES, nq,
                    "quantiles across replications at the probabilities of the quantile "
                    "dimension",
                    stats, K * ns, k * ns + 2);
        if (w->keep_replications)
            kpi_dataset(w, kg, &s, kpi, "replications", KPI_REPLICATIONS, R,
                        "value in each replication", reps, K * R, k * R);
        close_group(kg);
    }
    skuloc_scales_close(&s);
    close_group(g);
}

/* ------------------------------------------------------------------------------
 * totals and comparisons: /totals, /variants/<name>/{totals,comparison}
 * ------------------------------------------------------------------------------ */

/* A series over replications, written by rank 0, attached to the replication scale. */
static void totals_series(writer *w, hid_t g, hid_t scale, const char *name, hid_t type,
                          const void *base, hsize_t stride, const char *units,
                          const char *description)
{
    hsize_t R = (hsize_t)w->sc->replications;
    hid_t d = dataset_create(w, g, name, type, 1, &R, 0);
    describe(w, d, units, description);
    write_rows(w, d, name, type, 0, w->rank == 0 ? R : 0, 1, base, stride, 0);
    attach(w, d, scale, 0, name);
    close_dataset(d);
}

/* The figures (results.h) a totals group derives from its sums, and those a
 * comparison group holds as variant minus baseline, replication by replication. */
static const ech_figure DERIVED[] = {ECH_FIG_FILL_RATE, ECH_FIG_STOCKOUT_DAY_SHARE,
                                     ECH_FIG_MEAN_ON_HAND_VALUE, ECH_FIG_DAYS_OF_SUPPLY};
static const ech_figure COMPARED[] = {ECH_FIG_FILL_RATE, ECH_FIG_STOCKOUT_DAY_SHARE,
                                      ECH_FIG_LOST_UNITS, ECH_FIG_MEAN_ON_HAND_VALUE,
                                      ECH_FIG_TOTAL_COST};

/* Writes one aggregate's group contents; see write_aggregates. */
typedef void (*aggregate_fn)(writer *w, hid_t gid, hid_t scale, int32_t v, int64_t g);

/* The totals of aggregate g of variant v into group `gid`. */
static void totals_group(writer *w, hid_t gid, hid_t scale, int32_t v, int64_t g)
{
    const int64_t R = w->sc->replications;
    const int64_t T = ECH_TOTAL_COUNT;
    const int64_t *tot = ech_results_totals(w->res, v, g); /* [r * T + t] */
    double *buf = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *buf, "totals series");

    for (int64_t t = 0; t < T; ++t) {
        const ech_field_info *f = &ech_total_info[t];
        if (f->is_money) {
            for (int64_t r = 0; r < R; ++r)
                buf[r] = (double)tot[r * T + t] / ECH_MONEY_SCALE;
            totals_series(w, gid, scale, f->name, H5T_NATIVE_DOUBLE, buf, 1, f->units,
                          f->description);
        } else {
            totals_series(w, gid, scale, f->name, H5T_NATIVE_INT64, tot + t, (hsize_t)T,
                          f->units, f->description);
        }
    }
    for (size_t i = 0; i < sizeof DERIVED / sizeof DERIVED[0]; ++i) {
        const ech_field_info *f = &ech_figure_info[DERIVED[i]];
        for (int64_t r = 0; r < R; ++r) {
            double fig[ECH_FIG_COUNT];
            ech_figures(tot + r * T, (double)w->sc->days, fig);
            buf[r] = fig[DERIVED[i]];
        }
        totals_series(w, gid, scale, f->name, H5T_NATIVE_DOUBLE, buf, 1, f->units,
                      f->description);
    }
    free(buf);
}

/* Variant v against the baseline in aggregate g, into group `gid`. */
static void comparison_group(writer *w, hid_t gid, hid_t scale, int32_t v, int64_t g)
{
    const int64_t R = w->sc->replications;
    const int64_t T = ECH_TOTAL_COUNT;
    const int64_t *tv = ech_results_totals(w->res, v, g), *t0 = ech_results_totals(w->res, 0, g);
    const double days = (double)w->sc->days;
    double *buf = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *buf, "comparison series");
    for (size_t i = 0; i < sizeof COMPARED / sizeof COMPARED[0]; ++i) {
        const ech_field_info *f = &ech_figure_info[COMPARED[i]];
        for (int64_t r = 0; r < R; ++r) {
            double fv[ECH_FIG_COUNT], f0[ECH_FIG_COUNT];
            ech_figures(tv + r * T, days, fv);
            ech_figures(t0 + r * T, days, f0);
            buf[r] = fv[COMPARED[i]] - f0[COMPARED[i]];
        }
        char description[512];
        snprintf(description, sizeof description, "variant minus baseline, per replication: %s",
                 f->description);
        totals_series(w, gid, scale, f->name, H5T_NATIVE_DOUBLE, buf, 1, f->units, description);
    }
    free(buf);
}

/* The aggregates of variant v under `parent`: network/ and segments/<name>/, each
 * filled by fn, their series attached to the replication scale `scale`. */
static void write_aggregates(writer *w, hid_t parent, hid_t scale, int32_t v, aggregate_fn fn)
{
    const ech_scenario *sc = w->sc;
    hid_t net = group_create(w, parent, "network", "the whole network");
    fn(w, net, scale, v, 0);
    close_group(net);

    hid_t segs = group_create(w, parent, "segments",
                              "one group per segment of the catalogue (attribute segment_name "
                              "holds the name as given)");
    char **links = link_names(sc->segment, sc->n_segments, "segment");
    for (int32_t s = 0; s < sc->n_segments; ++s) {
        hid_t sg = group_create(w, segs, links[s], NULL);
        attr_text(w, sg, "segment_name", sc->segment[s]);
        attr_i32(w, sg, "segment_index", s);
        fn(w, sg, scale, v, 1 + (int64_t)s);
        close_group(sg);
    }
    free_names(links, sc->n_segments);
    close_group(segs);
}

static void write_totals(writer *w, hid_t parent, int32_t v)
{
    hid_t g = group_create(w, parent, "totals",
                           "per replication: sums over all SKU-locations of the network "
                           "(network/) and of each segment (segments/<name>/)");
    hid_t scale = replication_scale(w, g);
    write_aggregates(w, g, scale, v, totals_group);
    close_dataset(scale);
    close_group(g);
}

/* Per-replication means of integer sums over replications: (sums[i] - base[i]) / R
 * (base NULL: 0), attached to `scale`. */
static void replication_means(writer *w, hid_t g, hid_t scale, const char *name,
                              const int64_t *sums, const int64_t *base, int64_t n,
                              const char *units, const char *description)
{
    double *buf = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *buf, "per-replication means");
    for (int64_t i = 0; i < n; ++i)
        buf[i] = (double)(sums[i] - (base ? base[i] : 0)) / (double)w->sc->replications;
    small_table(w, g, name, H5T_NATIVE_DOUBLE, (hsize_t)(n > 0 ? n : 0), buf, scale, units,
                description, NULL);
    free(buf);
}

/* The per-SKU sums of variant v as means per replication, in a group "sku" of
 * `parent` with its own sku scale: at the root for the baseline (lost_units), in a
 * variant's comparison (lost_units_change, against the baseline). */
static void write_sku_sums(writer *w, hid_t parent, int32_t v)
{
    const ech_results *rep = w->res;
    const int64_t nk = w->sc->cat.n;
    const size_t at = (size_t)v * (size_t)nk;
    hid_t g = group_create(w, parent, "sku",
                           v == 0 ? "per SKU, the baseline: means over replications of what "
                                    "variants are compared by"
                                  : "per SKU: this variant against the baseline, means over "
                                    "replications");
    hid_t sku = index_scale(w, g, "sku", nk, "SKU index (row of /catalogue)");
    if (v == 0)
        replication_means(w, g, sku, "lost_units", rep->sku_lost, NULL, nk, "unit",
                          "lost and backordered units at the SKU's demand points, per "
                          "replication");
    else
        replication_means(w, g, sku, "lost_units_change", rep->sku_lost + at, rep->sku_lost, nk,
                          "unit",
                          "change against the baseline in lost and backordered units at the "
                          "SKU's demand points, per replication");
    replication_means(w, g, sku, "recovery_days", rep->sku_recovery + at, NULL, nk, "day",
                      "the SKU's longest recovery (over its demand points) from a supply "
                      "disruption, mean over replications");
    replication_means(w, g, sku, "disrupted_days", rep->sku_disrupted + at, NULL, nk, "day",
                      "days the SKU's primary source was disrupted, mean over replications");
    close_dataset(sku);
    close_group(g);
}

static void write_comparison(writer *w, hid_t parent, int32_t v)
{
    const ech_results *rep = w->res;
    const int64_t nl = w->sc->net.n;
    hid_t g = group_create(w, parent, "comparison",
                           "this variant against the baseline (common random numbers: the "
                           "differences are paired replication by replication)");
    attr_text(w, g, "baseline", w->sc->variant[0].name);
    write_sku_sums(w, g, v);

    hid_t lg = group_create(w, g, "location", "per location: this variant against the baseline");
    hid_t loc = index_scale(w, lg, "location", nl, "location index (row of /network)");
    replication_means(w, lg, loc, "lost_units_change", rep->location_lost + (size_t)v * (size_t)nl,
                      rep->location_lost, nl, "unit",
                      "change against the baseline in lost and backordered units at the "
                      "location (demand points only), per replication");
    close_dataset(loc);
    close_group(lg);

    hid_t scale = replication_scale(w, g);
    write_aggregates(w, g, scale, v, comparison_group);
    close_dataset(scale);
    close_group(g);
}

/* ------------------------------------------------------------------------------
 * Cold rooms: /cold_chain (the baseline) and /variants/<name>/cold_chain
 * ------------------------------------------------------------------------------ */

/* A 3-d dataset [n0, n1, n2] of int64 written whole by rank 0 from `data` (row-major,
 * the others take part with nothing); chunked [1, rows, n2] and compressed.  Returns
 * the open dataset (or -1 after a failure). */
static hid_t cube_from_root(writer *w, hid_t g, const char *name, const hsize_t dims[3],
                           const int64_t *data, const char *units, const char *description)
{
    if (!all_ok(w))
        return -1;
    hsize_t total = dims[0] * dims[1] * dims[2];
    hid_t space = H5Screate_simple(3, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int ok = space >= 0 && dcpl >= 0 && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0;
    if (ok && total > 0) {
        hsize_t rows = dims[2] < CHUNK_ELEMENTS ? CHUNK_ELEMENTS / dims[2] : 1;
        hsize_t chunk[3] = {1, rows < dims[1] ? rows : dims[1],
                            dims[2] < CHUNK_ELEMENTS ? dims[2] : CHUNK_ELEMENTS};
        ok = H5Pset_chunk(dcpl, 3, chunk) >= 0;
        if (ok && w->deflate)
            ok = H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0;
    }
    hid_t d = ok ? H5Dcreate2(g, name, H5T_NATIVE_INT64, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)
                 : -1;
    if (d < 0)
        fail_h5(w, "creating dataset %s", name);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    describe(w, d, units, description);
    if (d >= 0 && !w->failed && total > 0) {
        int mine = w->rank == 0;
        hsize_t one = 1;
        hid_t mspace = H5Screate_simple(1, mine ? &total : &one, NULL);
        hid_t fspace = H5Dget_space(d);
        ok = mspace >= 0 && fspace >= 0 &&
             (mine ? H5Sselect_all(fspace) : H5Sselect_none(fspace)) >= 0 &&
             (mine ? H5Sselect_all(mspace) : H5Sselect_none(mspace)) >= 0;
        static const int64_t dummy = 0;
        if (!ok || H5Dwrite(d, H5T_NATIVE_INT64, mspace, fspace, w->dxpl,
                            mine && data ? (const void *)data : (const void *)&dummy) < 0)
            fail_h5(w, "writing dataset %s", name);
        if (mspace >= 0)
            H5Sclose(mspace);
        if (fspace >= 0)
            H5Sclose(fspace);
    }
    if (space >= 0)
        H5Sclose(space);
    return d;
}

/* The cold rooms of variant v under `parent`: per location that stocks cold-chain
 * SKUs with a volume, the distribution of its daily occupancy over all
 * (replication, measured day) cells and how often it exceeds the capacity; with
 * replications kept, the whole daily occupancy. */
static void write_cold_chain(writer *w, hid_t parent, int32_t v)
{
    const ech_scenario *sc = w->sc;
    const ech_results *rep = w->res;
    const ech_cold_stats *cs = rep->n_cold > 0 ? &rep->cold[v] : NULL;
    const int32_t n = cs ? cs->n : 0;
    const hsize_t hn = (hsize_t)n, nq = (hsize_t)sc->output.n_quantiles;
    hid_t g = group_create(w, parent, "cold_chain",
                           "cold rooms: per location that stocks cold-chain SKUs with a unit "
                           "volume, its daily occupancy (stock on hand after the day's "
                           "receipts x unit volume, summed over the SKUs) over every "
                           "replication and measured day, and how often it exceeds the "
                           "location's capacity");
    attr_text(w, g, "occupancy_definition",
              "sum over cold-chain SKUs of units on hand after the day's receipts (step 2 of "
              "the day) x unit volume rounded to whole millilitres; measured days only");

    hid_t scale = index_scale(w, g, "cold_location", n,
                              "cold location index (the locations, in network order, that "
                              "stock a cold-chain SKU with a unit volume)");
    int32_t *loc = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *loc, "cold locations");
    char **ids = ech_xcalloc((size_t)(n > 0 ? n : 1), sizeof *ids, "cold location ids");
    for (int32_t i = 0; i < n; ++i) {
        loc[i] = cs->location[i];
        ids[i] = sc->net.id[loc[i]];
    }
    small_table(w, g, "location_index", H5T_NATIVE_INT32, hn, loc, scale, "1",
                "row of /network", NULL);
    text_table(w, g, "location_id", ids, n, scale, "location id as in the input");
    free(ids);
    free(loc);

    static const double none = 0;
    const double *at = &none;
#define COLUMN(field, name, units, description)                                            \
    small_table(w, g, name, H5T_NATIVE_DOUBLE, hn, cs ? cs->field : at, scale, units,      \
                description, NULL)
    COLUMN(capacity_litres, "capacity_litres", "litre",
           "the location's cold-room volume (network cold_capacity_litres); 0: none declared");
    COLUMN(mean_litres, "occupancy_mean", "litre",
           "mean daily occupancy over every replication and measured day");
    COLUMN(sd_litres, "occupancy_sd", "litre",
           "sample standard deviation of the daily occupancy over every replication and "
           "measured day");
    COLUMN(max_litres, "occupancy_max", "litre",
           "largest daily occupancy in any replication");
    COLUMN(exceed_probability, "exceed_probability", "1",
           "share of location-days (replications x measured days) with occupancy above the "
           "capacity; NaN without a capacity");
    COLUMN(days_over_mean, "days_over_capacity_mean", "day",
           "days with occupancy above the capacity per replication, mean over replications; "
           "NaN without a capacity");
    COLUMN(any_over_share, "replications_over_capacity_share", "1",
           "share of replications with at least one day above the capacity; NaN without a "
           "capacity");
#undef COLUMN

    hid_t qscale = scale_create(w, g, "quantile", H5T_NATIVE_DOUBLE, nq, sc->output.quantiles,
                                "1", "probability of each quantile");
    hsize_t qdims[2] = {hn, nq};
    hid_t d = dataset_create(w, g, "occupancy_quantiles", H5T_NATIVE_DOUBLE, 2, qdims, 0);
    describe(w, d, "litre",
             "quantiles of the daily occupancy over every replication and measured day, at "
             "the probabilities of the quantile dimension");
    attr_write(w, d, "probabilities", H5T_NATIVE_DOUBLE, (hssize_t)nq, sc->output.quantiles);
    attr_text(w, d, "quantile_method",
              "linear interpolation between order statistics (Hyndman and Fan type 7, the "
              "default of R and NumPy)");
    write_all_from_root(w, d, "occupancy_quantiles", H5T_NATIVE_DOUBLE, hn, nq,
                        cs ? cs->quantile_litres : at);
    attach(w, d, scale, 0, "occupancy_quantiles");
    attach(w, d, qscale, 1, "occupancy_quantiles");
    close_dataset(d);
    close_dataset(qscale);

    if (w->keep_replications) {
        const ech_cold_rooms *rooms = rep->cold_rooms ? &rep->cold_rooms[v] : NULL;
        if (w->rank == 0 && n > 0 && (!rooms || !rooms->ml || rooms->n != n))
            fail_h5(w, "internal error: the cold-room occupancy is missing on rank 0");
        hid_t rscale = replication_scale(w, g);
        int32_t *days = iota32(sc->days);
        hid_t dscale = scale_create(w, g, "day", H5T_NATIVE_INT32, (hsize_t)sc->days, days,
                                    "day", "measured day (0: the first day after the warm-up)");
        free(days);
        hsize_t dims[3] = {hn, (hsize_t)sc->replications, (hsize_t)sc->days};
        hid_t od = cube_from_root(w, g, "occupancy_ml", dims, rooms ? rooms->ml : NULL,
                                  "millilitre",
                                  "daily occupancy of every cold location, replication and "
                                  "measured day, in whole millilitres (the exact sums; litres "
                                  "= ml / 1000)");
        attach(w, od, scale, 0, "occupancy_ml");
        attach(w, od, rscale, 1, "occupancy_ml");
        attach(w, od, dscale, 2, "occupancy_ml");
        close_dataset(od);
        close_dataset(dscale);
        close_dataset(rscale);
    }
    close_dataset(scale);
    close_group(g);
}

/* ------------------------------------------------------------------------------
 * /variants
 * ------------------------------------------------------------------------------ */

static void write_variants(writer *w)
{
    const ech_scenario *sc = w->sc;
    hid_t g = group_create(w, w->file, "variants",
                           "one group per variant other than the baseline (which is at the "
                           "root: /skuloc, /totals, /sku), in the scenario's order");
    char **names = variant_names(sc);
    char **links = link_names(names, sc->n_variants, "variant");
    free(names);
    for (int32_t v = 1; v < sc->n_variants; ++v) {
        hid_t vg = group_create(w, g, links[v], NULL);
        variant_attributes(w, vg, v, "");
        write_skuloc(w, vg, v,
                     "per SKU-location in this variant: the resolved policy and one group per "
                     "KPI with its distribution across replications");
        write_totals(w, vg, v);
        write_comparison(w, vg, v);
        write_cold_chain(w, vg, v);
        close_group(vg);
    }
    free_names(links, sc->n_variants);
    close_group(g);
}

/* ------------------------------------------------------------------------------
 * /runtime
 * ------------------------------------------------------------------------------ */

static void write_runtime(writer *w)
{
    const ech_run_info *info = w->info;
    hid_t g = group_create(w, w->file, "runtime",
                           "how the run went: timings (seconds, maximum over ranks), the "
                           "figure of merit and the verification hash");
    attr_f64(w, g, "setup_seconds", info->setup_seconds);
    attr_f64(w, g, "simulate_seconds", info->simulate_seconds);
    attr_i64(w, g, "skuloc_days", info->skuloc_days);
    attr_f64(w, g, "skuloc_days_per_second_per_core", info->skuloc_days_per_second_per_core);
    attr_u64(w, g, "verification_hash", info->verification_hash);
    attr_i32(w, g, "n_ranks", info->n_ranks);
    attr_i32(w, g, "n_threads", info->n_threads);
    attr_f64(w, g, "plan_seconds", info->plan_seconds);
    attr_f64(w, g, "exchange_seconds", info->exchange_seconds);
    attr_f64(w, g, "reduce_seconds", info->reduce_seconds);
    attr_i32(w, g, "split_skus", info->split_skus);
    close_group(g);
}

/* ------------------------------------------------------------------------------
 * The file
 * ------------------------------------------------------------------------------ */

static void write_file(writer *w, const char *tmp)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    /* The 1.8 file format: readable by any HDF5 since 1.8, and it moves attributes too
     * large for an object header (many dimension-scale references) to dense storage. */
    if (fapl < 0 || fcpl < 0 || H5Pset_fapl_mpio(fapl, w->comm, MPI_INFO_NULL) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
        H5Pset_coll_metadata_write(fapl, 1) < 0 ||
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
        fail_h5(w, "setting up the file properties");
    w->file = w->failed ? -1 : H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (w->file < 0)
        fail_h5(w, "creating %s", tmp);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (!all_ok(w))
        return; /* no rank has the file open (creating it is collective) */

    write_root(w);
    write_catalogue(w);
    write_network(w);
    write_supply(w);
    write_skuloc(w, w->file, 0,
                 "per SKU-location: the resolved policy and one group per KPI with its "
                 "distribution across replications");
    write_totals(w, w->file, 0);
    write_sku_sums(w, w->file, 0);
    write_cold_chain(w, w->file, 0);
    write_variants(w);
    write_runtime(w);

    all_ok(w); /* every rank reaches the collective close together */
    if (H5Fclose(w->file) < 0)
        fail_h5(w, "closing the file");
    w->file = -1;
}

/* What is wrong with the results handed in, or NULL. */
static const char *results_problem(const ech_scenario *sc, const ech_results *res)
{
    const ech_results *rep = res;
    int has_rows = res->skuloc_end > res->skuloc_begin;
    if (res->skuloc_begin < 0 || res->skuloc_end < res->skuloc_begin ||
        res->skuloc_end > sc->sl.n)
        return "this rank's skuloc block lies outside the skulocs";
    if (sc->output.n_quantiles < 0 || res->n_stats != 2 + sc->output.n_quantiles)
        return "n_stats is not 2 + the number of quantiles";
    if (sc->output.n_quantiles > 0 && !sc->output.quantiles)
        return "no quantile probabilities";
    if (sc->replications < 1)
        return "no replications";
    if (sc->n_variants < 1 || !sc->variant)
        return "no variants";
    if (res->n_variants != sc->n_variants)
        return "the results' number of variants is not the scenario's";
    if (!rep->totals)
        return "no totals";
    if (rep->n_groups != 1 + (int64_t)sc->n_segments)
        return "the totals' number of groups is not 1 + the number of segments";
    if (!rep->sku_lost || !rep->sku_recovery || !rep->sku_disrupted || !rep->location_lost)
        return "no comparison sums";
    if (rep->n_cold > 0 && !rep->cold)
        return "no cold-room statistics";
    for (int32_t v = 0; rep->n_cold > 0 && v < sc->n_variants; ++v)
        if (rep->cold[v].n != rep->n_cold ||
            rep->cold[v].n_quantiles != sc->output.n_quantiles)
            return "cold-room statistics of the wrong shape";
    for (int32_t v = 0; has_rows && v < sc->n_variants; ++v)
        if (!res->stats || !res->stats[v])
            return "no statistics";
    return NULL;
}

/* The writer needs a resolved scenario (ech_scenario_finalize makes the supply model
 * and the variants complete, ech_policy_resolve the variants' policy numbers). */
static const char *scenario_problem(const ech_scenario *sc)
{
    for (int32_t v = 0; v < sc->n_variants; ++v)
        if (!sc->variant[v].order_up_to)
            return "a variant's policy is not resolved (ech_policy_resolve)";
    return NULL;
}

/* Checks what the caller handed in; any rank may find a problem. */
static void check_arguments(writer *w)
{
    if (!w->path || !w->path[0]) {
        ech_fail(&w->e, ECH_ERR_INPUT, "cannot write results: no output file named");
        w->failed = 1;
        return;
    }
    const char *problem = results_problem(w->sc, w->res);
    if (!problem)
        problem = scenario_problem(w->sc);
    if (problem) {
        ech_fail(&w->e, ECH_ERR_RUNTIME, "cannot write results file %s: internal error: %s",
                 w->path, problem);
        w->failed = 1;
    }
}

/* The blocks of all ranks must tile [0, n_skulocs) without overlap (in any rank order). */
static void check_blocks(writer *w)
{
    int64_t mine[2] = {w->begin, w->end};
    int64_t *all = ech_xmalloc(2 * (size_t)w->size * sizeof *all, "skuloc blocks");
    MPI_Allgather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, w->comm);
    int64_t covered = 0;
    int overlap = 0;
    for (int i = 0; i < w->size; ++i) {
        covered += all[2 * i + 1] - all[2 * i];
        for (int j = 0; j < i; ++j)
            if (all[2 * i] < all[2 * j + 1] && all[2 * j] < all[2 * i + 1])
                overlap = 1;
    }
    free(all);
    if (overlap || covered != w->sc->sl.n) {
        ech_fail(&w->e, ECH_ERR_RUNTIME,
                 "cannot write results file %s: internal error: the ranks' skuloc blocks "
                 "do not cover the %lld skulocs exactly once",
                 w->path, (long long)w->sc->sl.n);
        w->failed = 1;
    }
}

/* The directory part of path ("." when there is none). */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ech_xstrdup(".", "directory name");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = ech_xmalloc(len + 1, "directory name");
    memcpy(dir, path, len);
    dir[len] = '\0';
    return dir;
}

static void check_directory(writer *w)
{
    char *dir = directory_of(w->path);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ech_fail(&w->e, ECH_ERR_INPUT, "cannot write %s: directory %s does not exist", w->path,
                 dir);
        w->failed = 1;
    } else if (access(dir, W_OK | X_OK) != 0) {
        ech_fail(&w->e, ECH_ERR_INPUT, "cannot write %s: directory %s is not writable",
                 w->path, dir);
        w->failed = 1;
    }
    free(dir);
    /* The file is written under a temporary name and renamed over the target: over
     * a device or a pipe (say /dev/null) that would replace it with a file. */
    if (!w->failed && stat(w->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        ech_fail(&w->e, ECH_ERR_INPUT,
                 "cannot write %s: it exists and is not a regular file (to write no results, "
                 "use --no-output)",
                 w->path);
        w->failed = 1;
    }
}

ech_status ech_output_write(const char *path, MPI_Comm comm, const ech_scenario *sc,
                            const ech_results *res, ech_error *err)
{
    const ech_run_info *info = &res->info;
    writer w;
    memset(&w, 0, sizeof w);
    w.path = path;
    w.sc = sc;
    w.res = res;
    w.info = info;
    w.comm = comm;
    w.file = w.dxpl = w.gcpl = w.vlstr = -1;
    w.begin = res->skuloc_begin;
    w.end = res->skuloc_end;
    ech_error_clear(&w.e);
    MPI_Comm_rank(comm, &w.rank);
    MPI_Comm_size(comm, &w.size);

    check_arguments(&w);
    if (agree(&w) == ECH_OK)
        check_blocks(&w);
    if (agree(&w) == ECH_OK && w.rank == 0)
        check_directory(&w);
    if (agree(&w) != ECH_OK) {
        if (err)
            *err = w.e;
        return w.e.status;
    }

    /* Replications are written when the engine kept them (a rank without skulocs may
     * hold none: ask every rank). */
    int have = res->reps != NULL, any = 0;
    for (int32_t v = 0; have && v < res->n_variants; ++v)
        have = res->reps[v] != NULL;
    MPI_Allreduce(&have, &any, 1, MPI_INT, MPI_MAX, comm);
    w.keep_replications = any;
    if (any && !have && w.end > w.begin) {
        ech_fail(&w.e, ECH_ERR_RUNTIME,
                 "cannot write results file %s: internal error: replications missing on "
                 "rank %d",
                 path, w.rank);
        w.failed = 1;
    }
    if (agree(&w) != ECH_OK) {
        if (err)
            *err = w.e;
        return w.e.status;
    }

    /* The temporary name: the final one with a token from rank 0 (its process id). */
    long token = (long)getpid();
    MPI_Bcast(&token, 1, MPI_LONG, 0, comm);
    size_t tmp_len = strlen(path) + 32;
    char *tmp = ech_xmalloc(tmp_len, "temporary results file name");
    snprintf(tmp, tmp_len, "%s.tmp-%ld", path, token);

    /* HDF5 would print its error stack itself: silence it while we write, and turn
     * every failure into one message instead. */
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    unsigned filter_config = 0;
    w.deflate = H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
                H5Zget_filter_info(H5Z_FILTER_DEFLATE, &filter_config) >= 0 &&
                (filter_config & H5Z_FILTER_CONFIG_ENCODE_ENABLED);
    w.dxpl = H5Pcreate(H5P_DATASET_XFER);
    w.gcpl = H5Pcreate(H5P_GROUP_CREATE);
    w.vlstr = H5Tcopy(H5T_C_S1);
    if (w.dxpl < 0 || H5Pset_dxpl_mpio(w.dxpl, H5FD_MPIO_COLLECTIVE) < 0 || w.gcpl < 0 ||
        H5Pset_link_creation_order(w.gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        w.vlstr < 0 || H5Tset_size(w.vlstr, H5T_VARIABLE) < 0 ||
        H5Tset_cset(w.vlstr, H5T_CSET_UTF8) < 0)
        fail_h5(&w, "setting up the transfer properties");
    if (all_ok(&w))
        write_file(&w, tmp);
    if (w.vlstr >= 0)
        H5Tclose(w.vlstr);
    if (w.gcpl >= 0)
        H5Pclose(w.gcpl);
    if (w.dxpl >= 0)
        H5Pclose(w.dxpl);
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);

    /* Every rank has closed the file: rank 0 renames it into place, or removes it. */
    ech_status status = agree(&w);
    if (w.rank == 0) {
        if (status == ECH_OK && rename(tmp, path) != 0) {
            ech_fail(&w.e, ECH_ERR_RUNTIME, "cannot write results file %s: renaming %s: %s",
                     path, tmp, strerror(errno));
            w.failed = 1;
        }
        if (w.failed && unlink(tmp) != 0 && errno != ENOENT) {
            size_t used = strlen(w.e.msg);
            snprintf(w.e.msg + used, sizeof w.e.msg - used, " (and could not remove %s: %s)",
                     tmp, strerror(errno));
        }
    }
    status = agree(&w);
    free(tmp);
    if (err)
        *err = w.e;
    return status;
}
