/* HDF5 for the results writer; see output_h5.h.
 *
 * One writer.  Rank 0 alone opens the file (HDF5's POSIX driver) and makes every HDF5
 * call; the other ranks send it their blocks of the per-skuloc datasets (MPI_Gatherv,
 * a slab of whole chunks at a time) and make no HDF5 call at all.  On every rank the
 * writer's functions are called in the same order with the same arguments, so the
 * gathers match; on ranks other than 0 they return -1 for every HDF5 object and do
 * nothing but their part of the gathers.
 *
 * Why not parallel HDF5's collective writes, which the writer used up to format 1.5:
 * every dataset, attribute and group then costs every rank several collective steps
 * (agreeing on metadata, redistributing, compressing and re-allocating the chunks of
 * compressed datasets, collective MPI-IO), whose latency, paid a few thousand times
 * per file, made writing from 2 ranks 3 to 20 times slower than from 1, and slower
 * still with ranks waiting on busy cores.  The file is modest (tens to hundreds of MB,
 * compressed), which one process writes at the speed of the compression; the ranks'
 * data reaches it over MPI far faster than that.
 *
 * Failures.  HDF5's own error printing is switched off while writing and every return
 * code is checked; the first failure is recorded with what failed and the innermost
 * HDF5 message.  Rank 0 skips the HDF5 calls after a failure; the ranks learn of a
 * failure at the gathers (each rank's state travels with its block) and at the end,
 * when every rank returns the same status and message (those of the lowest failing
 * rank).
 *
 * A full disk.  HDF5 1.10 leaves a file whose close failed half-destroyed (and crashes
 * on it in MPI_Finalize), and a write that fails part-way leaves its state hard to
 * reason about.  So the writer never lets HDF5 meet a full disk: before every step
 * that may write (ech_h5_ready), rank 0 reserves the blocks the file will need with
 * fallocate (keeping the file's size), and fails with a clear message when the disk
 * cannot hold them.  Where the file system cannot reserve (no fallocate), rank 0
 * compares the free space instead, which catches a disk that is already full but not
 * one filling up while we write.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* fallocate */
#endif
#include "output_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
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

/* The ranks' blocks reach rank 0 in slabs of about this many bytes (whole chunks). */
static const hsize_t SLAB_BYTES = (hsize_t)32 << 20;

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
void ech_h5_fail(writer *w, const char *fmt, ...)
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
        ech_fail(&w->e, ECH_ERR_RUNTIME, "cannot write results file %s: %s: %s", w->path, what,
                 detail);
    else
        ech_fail(&w->e, ECH_ERR_RUNTIME, "cannot write results file %s: %s", w->path, what);
    w->failed = 1;
}

/* True while no rank has failed; the ranks learn it together (an MPI_Allreduce), so
 * every rank must call this at the same points. */
int ech_h5_all_ok(writer *w)
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

/* Room reserved beyond what the file has allocated and the next step writes: the
 * metadata HDF5 allocates between two steps (object headers, heaps, B-tree nodes, a
 * block of the metadata aggregator).  Reservations grow in steps of ROOM_STEP to keep
 * the fallocate calls few. */
static const hsize_t ROOM_SLACK = (hsize_t)4 << 20;
static const hsize_t ROOM_STEP = (hsize_t)4 << 20;

/* "12.3 MB" or "456 kB": a size in a message. */
static const char *size_text(double bytes, char *buf, size_t n)
{
    if (bytes >= 1e6)
        snprintf(buf, n, "%.1f MB", bytes / 1e6);
    else
        snprintf(buf, n, "%.0f kB", bytes / 1e3);
    return buf;
}

/* "cannot write results file PATH: No space left on device (...)": what rank 0 says
 * when the file system cannot give the file `more` bytes. */
static void no_room(writer *w, int err, hsize_t more)
{
    struct statvfs fs;
    char a[32], b[32];
    if (statvfs(w->tmp, &fs) == 0)
        ech_fail(&w->e, ECH_ERR_RUNTIME,
                 "cannot write results file %s: %s (the disk is full: the file needs %s more, "
                 "%s are free)",
                 w->path, strerror(err), size_text((double)more, a, sizeof a),
                 size_text((double)fs.f_bavail * (double)fs.f_frsize, b, sizeof b));
    else
        ech_fail(&w->e, ECH_ERR_RUNTIME,
                 "cannot write results file %s: %s (the file needs %s more)", w->path,
                 strerror(err), size_text((double)more, a, sizeof a));
    w->failed = 1;
}

/* Rank 0: reserves the blocks the file may write to before the next step: all it has
 * allocated (its end of allocation, which HDF5's POSIX driver reports as the file
 * size), `bytes` and ROOM_SLACK for the metadata allocated on the way. */
static void reserve_room(writer *w, hsize_t bytes)
{
    if (w->rank != 0 || w->failed || w->room_fd < 0 || w->file < 0)
        return;
    hsize_t eoa = 0;
    struct stat st;
    if (H5Fget_filesize(w->file, &eoa) < 0 || fstat(w->room_fd, &st) != 0) {
        ech_h5_fail(w, "reading the file's size");
        return;
    }
    hsize_t need = eoa + bytes + ROOM_SLACK;
    if (need <= w->room)
        return;
    if (!w->room_off) {
        hsize_t upto = (need + ROOM_STEP - 1) / ROOM_STEP * ROOM_STEP;
        int rc = -1;
        errno = EOPNOTSUPP;
#ifdef FALLOC_FL_KEEP_SIZE
        rc = fallocate(w->room_fd, FALLOC_FL_KEEP_SIZE, (off_t)w->room, (off_t)(upto - w->room));
#endif
        if (rc == 0) {
            w->room = upto;
            return;
        }
        if (errno == ENOSPC || errno == EDQUOT) {
            /* A whole step may not fit where the file itself still does. */
            if (upto > need && fallocate(w->room_fd, FALLOC_FL_KEEP_SIZE, (off_t)w->room,
                                         (off_t)(need - w->room)) == 0) {
                w->room = need;
                return;
            }
            no_room(w, errno, need - w->room);
            return;
        }
        w->room_off = 1; /* EOPNOTSUPP and the like: fall back on the free space */
    }
    struct statvfs fs;
    if (fstatvfs(w->room_fd, &fs) != 0)
        return;
    hsize_t held = (hsize_t)st.st_blocks * 512u;
    hsize_t avail = (hsize_t)fs.f_bavail * (hsize_t)fs.f_frsize;
    if (need > held + avail)
        no_room(w, ENOSPC, need - held);
}

/* Before a step that may write up to `bytes`: room for them (rank 0).  False on a
 * rank that has failed, and on the others, which make no HDF5 call. */
int ech_h5_ready(writer *w, hsize_t bytes)
{
    reserve_room(w, bytes);
    return w->rank == 0 && !w->failed;
}

/* Rank 0, once the file is closed: returns the reserved blocks it did not use. */
void ech_h5_release_room(writer *w)
{
    if (w->room_fd < 0)
        return;
    struct stat st;
    if (w->room > 0 && fstat(w->room_fd, &st) == 0 && (hsize_t)st.st_size < w->room) {
#if defined(FALLOC_FL_PUNCH_HOLE) && defined(FALLOC_FL_KEEP_SIZE)
        (void)fallocate(w->room_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size,
                        (off_t)(w->room - (hsize_t)st.st_size));
#endif
        (void)ftruncate(w->room_fd, st.st_size); /* ext4 and XFS trim beyond the end so */
    }
    close(w->room_fd);
    w->room_fd = -1;
}

/* Makes every rank hold the same status and message: those of the lowest rank that
 * recorded a failure, or ECH_OK.  Collective. */
ech_status ech_h5_agree(writer *w)
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
 * Attributes (rank 0; the other ranks hold no HDF5 objects)
 * ------------------------------------------------------------------------------ */

/* An attribute holding one value (n < 0) or an array of n >= 0 values. */
void ech_h5_attr(writer *w, hid_t obj, const char *name, hid_t type, hssize_t n, const void *value)
{
    if (w->failed || obj < 0)
        return;
    hsize_t len = n > 0 ? (hsize_t)n : 0;
    hid_t space = n < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &len, NULL);
    hid_t attr = space < 0 ? -1 : H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || (n != 0 && H5Awrite(attr, type, value) < 0))
        ech_h5_fail(w, "attribute %s", name);
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
}

/* A text attribute, stored as a variable-length UTF-8 string.  NULL is written as "". */
void ech_h5_attr_text(writer *w, hid_t obj, const char *name, const char *value)
{
    const char *v = value ? value : "";
    size_t len = strlen(v);
    if (len > ((size_t)64 << 10) && obj >= 0) /* a scenario's text: room first */
        ech_h5_ready(w, (hsize_t)len);
    ech_h5_attr(w, obj, name, w->vlstr, -1, &v);
}

void ech_h5_attr_i32(writer *w, hid_t obj, const char *name, int32_t v)
{
    ech_h5_attr(w, obj, name, H5T_NATIVE_INT32, -1, &v);
}

void ech_h5_attr_i64(writer *w, hid_t obj, const char *name, int64_t v)
{
    ech_h5_attr(w, obj, name, H5T_NATIVE_INT64, -1, &v);
}

void ech_h5_attr_u64(writer *w, hid_t obj, const char *name, uint64_t v)
{
    ech_h5_attr(w, obj, name, H5T_NATIVE_UINT64, -1, &v);
}

void ech_h5_attr_f64(writer *w, hid_t obj, const char *name, double v)
{
    ech_h5_attr(w, obj, name, H5T_NATIVE_DOUBLE, -1, &v);
}

/* The units and description every dataset carries (units NULL: none, for text). */
void ech_h5_describe(writer *w, hid_t obj, const char *units, const char *description)
{
    if (units)
        ech_h5_attr_text(w, obj, "units", units);
    ech_h5_attr_text(w, obj, "description", description);
}

/* ------------------------------------------------------------------------------
 * Groups and datasets
 * ------------------------------------------------------------------------------ */

hid_t ech_h5_group(writer *w, hid_t loc, const char *name, const char *description)
{
    if (w->failed || loc < 0)
        return -1;
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
    if (g < 0) {
        ech_h5_fail(w, "creating group %s", name);
        return -1;
    }
    if (description)
        ech_h5_attr_text(w, g, "description", description);
    return g;
}

void ech_h5_close_group(hid_t g)
{
    if (g >= 0)
        H5Gclose(g);
}

/* ------------------------------------------------------------------------------
 * Dimension scales: the attributes H5DSattach_scale makes, written once
 * ------------------------------------------------------------------------------ */

/* An entry of a scale's REFERENCE_LIST, laid out as HDF5's dimension-scale library
 * lays out its own (ds_list_t), so that the attribute has the same type. */
typedef struct ref_entry {
    hobj_ref_t dataset;
    int dimension;
} ref_entry;

/* What an open dataset still has to write: as a dataset, the scale of each axis
 * (DIMENSION_LIST); as a scale, the datasets attached to it (REFERENCE_LIST). */
typedef struct pending {
    hid_t id;
    int rank;
    hobj_ref_t axis[3];
    unsigned char has_axis[3];
    ref_entry *list;
    size_t n, cap;
} pending;

struct ech_h5_refs {
    pending *p;
    size_t n, cap;
};

static pending *pending_of(writer *w, hid_t id, int create)
{
    if (!w->refs) {
        if (!create)
            return NULL;
        w->refs = ech_xcalloc(1, sizeof *w->refs, "dimension-scale attachments");
    }
    struct ech_h5_refs *r = w->refs;
    for (size_t i = r->n; i-- > 0;) /* the latest first: usually the one asked for */
        if (r->p[i].id == id)
            return &r->p[i];
    if (!create)
        return NULL;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->p = ech_xrealloc(r->p, r->cap * sizeof *r->p, "dimension-scale attachments");
    }
    pending *p = &r->p[r->n++];
    memset(p, 0, sizeof *p);
    p->id = id;
    return p;
}

/* Attaches dimension scale `scale` to axis idx of dataset d (see output_h5.h). */
void ech_h5_attach(writer *w, hid_t d, hid_t scale, unsigned idx, const char *name)
{
    if (d < 0 || scale < 0 || w->failed)
        return;
    hobj_ref_t dref, sref;
    hid_t space = H5Dget_space(d);
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (rank < 1 || rank > 3 || idx >= (unsigned)rank ||
        H5Rcreate(&dref, d, ".", H5R_OBJECT, -1) < 0 ||
        H5Rcreate(&sref, scale, ".", H5R_OBJECT, -1) < 0) {
        ech_h5_fail(w, "attaching dimension scale %u to %s", idx, name);
        return;
    }
    pending *ds = pending_of(w, d, 1);
    ds->rank = rank;
    ds->axis[idx] = sref;
    ds->has_axis[idx] = 1;
    pending *sc = pending_of(w, scale, 1);
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? 2 * sc->cap : 16;
        sc->list = ech_xrealloc(sc->list, sc->cap * sizeof *sc->list, "reference list");
    }
    sc->list[sc->n].dataset = dref;
    sc->list[sc->n].dimension = (int)idx;
    sc->n++;
}

/* DIMENSION_LIST of a dataset: per axis, a variable-length list of object
 * references to its scales (none or one here). */
static void write_dimension_list(writer *w, hid_t d, const pending *p)
{
    hvl_t axes[3];
    for (int i = 0; i < p->rank; ++i) {
        axes[i].len = p->has_axis[i] ? 1 : 0;
        axes[i].p = p->has_axis[i] ? (void *)&p->axis[i] : NULL;
    }
    hsize_t n = (hsize_t)p->rank;
    hid_t type = H5Tvlen_create(H5T_STD_REF_OBJ);
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t a = type >= 0 && space >= 0
                  ? H5Acreate2(d, "DIMENSION_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT)
                  : -1;
    if (a < 0 || H5Awrite(a, type, axes) < 0)
        ech_h5_fail(w, "attribute DIMENSION_LIST");
    if (a >= 0)
        H5Aclose(a);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
}

/* REFERENCE_LIST of a scale: every (dataset, axis) attached to it, in order. */
static void write_reference_list(writer *w, hid_t scale, const pending *p)
{
    hsize_t n = (hsize_t)p->n;
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(ref_entry));
    int ok = type >= 0 &&
             H5Tinsert(type, "dataset", HOFFSET(ref_entry, dataset), H5T_STD_REF_OBJ) >= 0 &&
             H5Tinsert(type, "dimension", HOFFSET(ref_entry, dimension), H5T_NATIVE_INT) >= 0;
    hid_t space = ok ? H5Screate_simple(1, &n, NULL) : -1;
    hid_t a = space >= 0
                  ? H5Acreate2(scale, "REFERENCE_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT)
                  : -1;
    if (a < 0 || H5Awrite(a, type, p->list) < 0)
        ech_h5_fail(w, "attribute REFERENCE_LIST");
    if (a >= 0)
        H5Aclose(a);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
}

/* Closes dataset d, writing first its pending dimension-scale attributes. */
void ech_h5_close_dataset(writer *w, hid_t d)
{
    if (d < 0)
        return;
    pending *p = pending_of(w, d, 0);
    if (p) {
        if (!w->failed && p->rank > 0)
            write_dimension_list(w, d, p);
        if (!w->failed && p->n > 0)
            write_reference_list(w, d, p);
        free(p->list);
        *p = w->refs->p[--w->refs->n]; /* the last in its place */
    }
    H5Dclose(d);
}

/* Forgets whatever attachments are still pending (after a failure). */
void ech_h5_refs_free(writer *w)
{
    free(w->slab_buf);
    free(w->send_buf);
    w->slab_buf = w->send_buf = NULL;
    w->slab_cap = w->send_cap = 0;
    if (!w->refs)
        return;
    for (size_t i = 0; i < w->refs->n; ++i)
        free(w->refs->p[i].list);
    free(w->refs->p);
    free(w->refs);
    w->refs = NULL;
}

/* The chunk shape of a large dataset of `ndims` dimensions.  Rows per chunk are about
 * one rank's block (within the bounds above), as results/README.md documents (parallel
 * HDF5, which wrote the file up to format 1.5, compressed each chunk on one rank);
 * the gathers bring whole chunks, so each is compressed and written once. */
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

/* Creates a dataset of shape dims[0] (ndims 1) or dims[0] x dims[1] (ndims 2) (rank 0;
 * -1 elsewhere).  Large datasets are chunked and compressed; a dataset with a
 * zero-length dimension cannot be chunked and stays contiguous.  HDF5 allocates the
 * data's space when it is written. */
hid_t ech_h5_dataset_create(writer *w, hid_t loc, const char *name, hid_t type, int ndims,
                            const hsize_t *dims, int large)
{
    if (!ech_h5_ready(w, 0) || loc < 0)
        return -1;
    hid_t space = H5Screate_simple(ndims, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int ok = space >= 0 && dcpl >= 0;
    /* Every element is written, so filling unwritten space first is wasted I/O
     * (HDF5 insists on fill values for variable-length strings: text keeps them). */
    ok = ok && (H5Tis_variable_str(type) > 0 || H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0);
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
        ech_h5_fail(w, "creating dataset %s", name);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return d;
}

/* Rank 0: writes rows [row0, row0 + rows) of dataset d (`cols` columns) from its own
 * memory, element (i, c) at base[i * stride + offset + c]; nothing on other ranks. */
void ech_h5_write_local(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t row0,
                        hsize_t rows, hsize_t cols, const void *base, hsize_t stride,
                        hsize_t offset)
{
    if (d < 0 || rows == 0 || cols == 0 || !ech_h5_ready(w, rows * cols * H5Tget_size(memtype)))
        return;
    hid_t fspace = H5Dget_space(d);
    hsize_t fstart[2] = {row0, 0}, fcount[2] = {rows, cols};
    hsize_t mdim = (rows - 1) * stride + offset + cols;
    hid_t mspace = H5Screate_simple(1, &mdim, NULL);
    int ok = fspace >= 0 && mspace >= 0 &&
             H5Sselect_hyperslab(fspace, H5S_SELECT_SET, fstart, NULL, fcount, NULL) >= 0;
    if (ok && stride == cols) { /* one plain block */
        hsize_t n = rows * cols;
        ok = H5Sselect_hyperslab(mspace, H5S_SELECT_SET, &offset, NULL, &n, NULL) >= 0;
    } else if (ok) { /* a block of cols values every stride */
        ok = H5Sselect_hyperslab(mspace, H5S_SELECT_SET, &offset, &stride, &rows, &cols) >= 0;
    }
    if (!ok || H5Dwrite(d, memtype, mspace, fspace, w->dxpl, base) < 0)
        ech_h5_fail(w, "writing dataset %s", name);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
}

/* Rank 0: rows [row0, row0 + rows) of d from `rows x cols` contiguous values. */
static void write_block(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t row0,
                        hsize_t rows, hsize_t cols, const void *data)
{
    hid_t fspace = H5Dget_space(d);
    hsize_t start[2] = {row0, 0}, count[2] = {rows, cols}, n = rows * cols;
    hid_t mspace = H5Screate_simple(1, &n, NULL);
    if (fspace < 0 || mspace < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dwrite(d, memtype, mspace, fspace, w->dxpl, data) < 0)
        ech_h5_fail(w, "writing dataset %s", name);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
}

/* Completes a collective request of the gathers.  Rank 0 waits as MPI does (busy);
 * the others, which spend most of the writing waiting for rank 0, poll and sleep in
 * between (from 20 us up to 1 ms), leaving the core to rank 0 where ranks share
 * cores with each other or with other work: MPI's busy waiting there made writing
 * from 2 ranks on 2 busy cores several times slower than from 1. */
static void wait_for_root(writer *w, MPI_Request *req)
{
    if (w->rank == 0) {
        MPI_Wait(req, MPI_STATUS_IGNORE);
        return;
    }
    long pause_ns = 20000;
    for (int done = 0;;) {
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        struct timespec ts = {0, pause_ns};
        nanosleep(&ts, NULL);
        if (pause_ns < 1000000)
            pause_ns *= 2;
    }
}

/* A scratch buffer of at least n bytes, kept for the next gather (fresh buffers of
 * megabytes cost a page fault per page at every dataset). */
static char *scratch(char **buf, size_t *cap, size_t n)
{
    if (n > *cap) {
        free(*buf);
        *cap = n > 2 * *cap ? n : 2 * *cap;
        *buf = ech_xmalloc(*cap, "gather buffer of the results file");
    }
    return *buf;
}

/* Rows per gathered slab: whole chunks, about SLAB_BYTES (rank 0, which holds d). */
static hsize_t slab_rows(hid_t d, hsize_t cols, size_t esize)
{
    hsize_t unit = 1, chunk[2] = {1, 1};
    hid_t dcpl = d >= 0 ? H5Dget_create_plist(d) : -1;
    if (dcpl >= 0) {
        if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 2, chunk) >= 1 && chunk[0] > 0)
            unit = chunk[0];
        H5Pclose(dcpl);
    }
    hsize_t row_bytes = (cols > 0 ? cols : 1) * esize;
    hsize_t units = SLAB_BYTES / (unit * row_bytes);
    return unit * (units > 0 ? units : 1);
}

/* Writes rows [row0, row0 + rows) of dataset d (all its columns, `cols` of them: 1 for
 * a 1-d dataset): every rank its own block, rank 0 the file.  This rank's values lie
 * in memory as a matrix with arbitrary row stride: element (i, c) is at
 * base[i * stride + offset + c] (in units of memtype), so a column can be sent
 * straight out of an interleaved array (the totals are).  Collective: rank 0 learns
 * every rank's block (and whether it has failed), then gathers them slab by slab,
 * each slab whole chunks, and writes each slab once. */
void ech_h5_write_rows(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t row0,
                       hsize_t rows, hsize_t cols, const void *base, hsize_t stride, hsize_t offset)
{
    if (w->size == 1) {
        ech_h5_write_local(w, d, name, memtype, row0, rows, cols, base, stride, offset);
        return;
    }
    const size_t esize = H5Tget_size(memtype);
    const int P = w->size;
    int64_t mine[4] = {(int64_t)row0, (int64_t)rows, 0, 0};
    if (w->rank == 0) {
        reserve_room(w, 0); /* the disk is checked slab by slab below */
        mine[2] = (int64_t)slab_rows(d, cols, esize);
        mine[3] = w->failed || d < 0;
    } else {
        mine[3] = w->failed;
    }
    int64_t *all = ech_xmalloc(4 * (size_t)P * sizeof *all, "blocks of the ranks");
    MPI_Request req;
    MPI_Iallgather(mine, 4, MPI_INT64_T, all, 4, MPI_INT64_T, w->comm, &req);
    wait_for_root(w, &req);
    int64_t lo = INT64_MAX, hi = 0;
    for (int r = 0; r < P; ++r) {
        if (all[4 * r + 3])
            w->anyone_failed = 1;
        if (all[4 * r + 1] > 0) {
            lo = all[4 * r] < lo ? all[4 * r] : lo;
            hi = all[4 * r] + all[4 * r + 1] > hi ? all[4 * r] + all[4 * r + 1] : hi;
        }
    }
    const int64_t slab = all[2];
    if (w->anyone_failed || hi <= lo || cols == 0) { /* the same decision on every rank */
        free(all);
        return;
    }
    const size_t row_bytes = (size_t)cols * esize;
    int *counts = NULL, *displs = NULL;
    char *buf = NULL;
    if (w->rank == 0) {
        counts = ech_xmalloc((size_t)P * sizeof *counts, "gather counts");
        displs = ech_xmalloc((size_t)P * sizeof *displs, "gather displacements");
        buf = scratch(&w->slab_buf, &w->slab_cap,
                      (size_t)(hi - lo < slab ? hi - lo : slab) * row_bytes);
    }
    /* Rows already side by side are sent where they lie; others are packed first. */
    const int packed = stride == cols;
    char *send = packed
                     ? NULL
                     : scratch(&w->send_buf, &w->send_cap,
                               (size_t)(rows < (hsize_t)slab ? rows : (hsize_t)slab) * row_bytes);
    for (int64_t a = lo; a < hi; a += slab) {
        int64_t b = a + slab < hi ? a + slab : hi;
        /* this rank's rows of the slab, packed */
        int64_t s0 = (int64_t)row0 > a ? (int64_t)row0 : a;
        int64_t s1 = (int64_t)(row0 + rows) < b ? (int64_t)(row0 + rows) : b;
        int64_t n = s1 > s0 ? s1 - s0 : 0;
        const char *mine_at =
            n > 0 ? (const char *)base + ((size_t)(s0 - (int64_t)row0) * stride + offset) * esize
                  : NULL;
        if (packed)
            send = (char *)mine_at;
        else
            for (int64_t i = 0; i < n; ++i)
                memcpy(send + (size_t)i * row_bytes, mine_at + (size_t)i * stride * esize,
                       row_bytes);
        int64_t covered = 0;
        if (w->rank == 0)
            for (int r = 0; r < P; ++r) {
                int64_t r0 = all[4 * r] > a ? all[4 * r] : a;
                int64_t r1 = all[4 * r] + all[4 * r + 1] < b ? all[4 * r] + all[4 * r + 1] : b;
                int64_t m = r1 > r0 ? r1 - r0 : 0;
                counts[r] = (int)((size_t)m * row_bytes);
                displs[r] = (int)((size_t)(m > 0 ? r0 - a : 0) * row_bytes);
                covered += m;
            }
        MPI_Igatherv(send, (int)((size_t)n * row_bytes), MPI_BYTE, buf, counts, displs, MPI_BYTE, 0,
                     w->comm, &req);
        wait_for_root(w, &req);
        if (w->rank != 0 || w->failed)
            continue;
        if (!ech_h5_ready(w, (hsize_t)(b - a) * row_bytes))
            continue; /* failed: no more writes, but rank 0 still takes part in the gathers */
        if (covered == b - a) { /* the usual case: the slab whole, in one plain write */
            write_block(w, d, name, memtype, (hsize_t)a, (hsize_t)(b - a), cols, buf);
            continue;
        }
        for (int r = 0; r < P; ++r) /* blocks with gaps between them: one by one */
            if (counts[r] > 0)
                write_block(w, d, name, memtype, (hsize_t)(a + displs[r] / (int64_t)row_bytes),
                            (hsize_t)counts[r] / row_bytes, cols, buf + displs[r]);
    }
    free(displs);
    free(counts);
    free(all);
}

/* A whole small table, supplied by rank 0 (nothing on the others). */
void ech_h5_write_from_root(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t n,
                            hsize_t cols, const void *data)
{
    ech_h5_write_local(w, d, name, memtype, 0, n, cols, data, cols, 0);
}

/* A small 1-d table of n values of one type, written by rank 0, with its attributes,
 * attached to the dimension scale `scale`. */
void ech_h5_small_table(writer *w, hid_t loc, const char *name, hid_t type, hsize_t n,
                        const void *data, hid_t scale, const char *units, const char *description,
                        const char *codes)
{
    /* Categories (codes given) are enumerations over their uint8 values, in memory as
     * in the file: HDF5 converts no integers to enumerations. */
    hid_t etype = codes && H5Tget_size(type) == 1 && w->rank == 0 && !w->failed
                      ? ech_h5_enum_type(w, codes)
                      : -1;
    if (etype >= 0)
        type = etype;
    hid_t d = ech_h5_dataset_create(w, loc, name, type, 1, &n, 0);
    ech_h5_describe(w, d, units, description);
    if (codes)
        ech_h5_attr_text(w, d, "codes", codes);
    ech_h5_write_from_root(w, d, name, type, n, 1, data);
    ech_h5_attach(w, d, scale, 0, name);
    ech_h5_close_dataset(w, d);
    if (etype >= 0)
        H5Tclose(etype);
}

/* A small dimension scale: a 1-d dataset of n values written by rank 0, marked with
 * H5DSset_scale so that netCDF tools and xarray see a dimension of that name with
 * these coordinate values.  Returns the open dataset (or -1 after a failure).  The
 * skuloc scale, as long as the skulocs, is written like the other skuloc columns. */
hid_t ech_h5_scale_create(writer *w, hid_t loc, const char *name, hid_t type, hsize_t n,
                          const void *all_values, const char *units, const char *description)
{
    hid_t d = ech_h5_dataset_create(w, loc, name, type, 1, &n, 0);
    ech_h5_describe(w, d, units, description);
    ech_h5_write_from_root(w, d, name, type, n, 1, all_values);
    if (d >= 0 && !w->failed && H5DSset_scale(d, name) < 0)
        ech_h5_fail(w, "making %s a dimension scale", name);
    return d;
}

/* A dataset of n variable-length UTF-8 strings (NULL written as ""), written whole by
 * rank 0 in one H5Dwrite; `large` chunks and compresses it (the per-skuloc ids).
 * Format 2.0 stores text this way so that readers get strings, not NUL-padded bytes
 * (h5py's .asstr(), xarray's str coordinates).  The writer is serial on rank 0, so
 * the variable-length data parallel HDF5 could not write goes out with the rest. */
static hid_t text_dataset(writer *w, hid_t loc, const char *name, char *const *s, int64_t n,
                          int large)
{
    hsize_t dims = (hsize_t)(n > 0 ? n : 0);
    hid_t d = ech_h5_dataset_create(w, loc, name, w->vlstr, 1, &dims, large);
    if (d < 0 || n <= 0)
        return d;
    /* Room: the strings go to the global heap, each with a 16-byte header and padded
     * to 8 bytes; the dataset holds a 16-byte heap reference per string. */
    const char **all = ech_xmalloc((size_t)n * sizeof *all, "text column of the results file");
    hsize_t bytes = 0;
    for (int64_t i = 0; i < n; ++i) {
        all[i] = s && s[i] ? s[i] : "";
        bytes += 40 + strlen(all[i]);
    }
    if (ech_h5_ready(w, bytes) && H5Dwrite(d, w->vlstr, H5S_ALL, H5S_ALL, w->dxpl, all) < 0)
        ech_h5_fail(w, "writing dataset %s", name);
    free(all);
    return d;
}

/* A text column of n strings, written by rank 0, attached to `scale`. */
void ech_h5_text_table(writer *w, hid_t loc, const char *name, char *const *s, int64_t n,
                       hid_t scale, const char *description)
{
    hid_t d = text_dataset(w, loc, name, s, n, 0);
    ech_h5_describe(w, d, NULL, description);
    ech_h5_attach(w, d, scale, 0, name);
    ech_h5_close_dataset(w, d);
}

/* A per-skuloc text column of the whole skulocs (rank 0 holds every id). */
hid_t ech_h5_skuloc_text(writer *w, hid_t loc, const char *name, char *const *s, int64_t n,
                         const char *description)
{
    hid_t d = text_dataset(w, loc, name, s, n, 1);
    ech_h5_describe(w, d, NULL, description);
    return d;
}

/* A dimension scale of ids (format 2.0): n variable-length strings, so that netCDF
 * tools and xarray label the dimension with the ids. */
hid_t ech_h5_id_scale(writer *w, hid_t loc, const char *name, char *const *ids, int64_t n,
                      const char *description)
{
    hid_t d = text_dataset(w, loc, name, ids, n, 0);
    ech_h5_describe(w, d, NULL, description);
    if (d >= 0 && !w->failed && H5DSset_scale(d, name) < 0)
        ech_h5_fail(w, "making %s a dimension scale", name);
    return d;
}

/* The CF attribute that names a per-skuloc dataset's id coordinates (format 2.0). */
void ech_h5_skuloc_coordinates(writer *w, hid_t d)
{
    ech_h5_attr_text(w, d, "coordinates", "sku location");
}

/* Hard links in g to /skuloc/sku and /skuloc/location: the ids label every
 * per-skuloc group without being stored again. */
void ech_h5_link_skuloc_ids(writer *w, hid_t g)
{
    static const char *const names[2] = {"sku", "location"};
    for (int i = 0; i < 2 && g >= 0 && !w->failed; ++i) {
        char target[32];
        snprintf(target, sizeof target, "/skuloc/%s", names[i]);
        if (H5Lcreate_hard(w->file, target, g, names[i], H5P_DEFAULT, H5P_DEFAULT) < 0)
            ech_h5_fail(w, "linking %s", target);
    }
}

/* An HDF5 enumeration over uint8 from codes "0=word,1=word,..." (ech_enum_codes'
 * form): format 2.0 stores categories with their names in the type.  The caller
 * closes it; -1 after a failure. */
hid_t ech_h5_enum_type(writer *w, const char *codes)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
    const char *p = codes;
    while (t >= 0 && p && *p) {
        char *end;
        long value = strtol(p, &end, 10);
        const char *word = end + 1, *next = strchr(word, ',');
        size_t len = next ? (size_t)(next - word) : strlen(word);
        char name[128];
        if (*end != '=' || value < 0 || value > 255 || len == 0 || len >= sizeof name) {
            ech_h5_fail(w, "internal error: codes \"%s\" are not value=name pairs", codes);
            H5Tclose(t);
            return -1;
        }
        memcpy(name, word, len);
        name[len] = '\0';
        uint8_t v = (uint8_t)value;
        if (H5Tenum_insert(t, name, &v) < 0) {
            ech_h5_fail(w, "making an enumeration of \"%s\"", codes);
            H5Tclose(t);
            return -1;
        }
        p = next ? next + 1 : NULL;
    }
    if (t < 0)
        ech_h5_fail(w, "making an enumeration of \"%s\"", codes);
    return t;
}

/* The HDF5 memory type of a table column. */
hid_t ech_h5_column_type(ech_col_type type)
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
void ech_h5_table_columns(writer *w, hid_t g, const ech_table *t, const void *table, int64_t n,
                          hid_t scale)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->h5)
            continue;
        const void *a = ech_table_array(t, table, c);
        if (col->type == ECH_COL_TEXT) {
            ech_h5_text_table(w, g, col->h5, (char *const *)a, n, scale, col->description);
            continue;
        }
        char codes[512];
        if (col->values)
            ech_enum_codes(col->values, codes, sizeof codes);
        ech_h5_small_table(w, g, col->h5, ech_h5_column_type(col->type), (hsize_t)n, a, scale,
                           col->units, col->description, col->values ? codes : NULL);
    }
}

/* 0, 1, ..., n-1 as int32 (for the sku, location, supplier and segment scales). */
int32_t *ech_h5_iota32(int64_t n)
{
    int32_t *v = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *v, "index scale");
    for (int64_t i = 0; i < n; ++i)
        v[i] = (int32_t)i;
    return v;
}

/* An input column the scenario may lack (a scenario built by an older loader or
 * in code): the array itself, or n copies of its default in *owned (freed by the
 * caller). */
hid_t ech_h5_index_scale(writer *w, hid_t loc, const char *name, int64_t n, const char *description)
{
    int32_t *idx = ech_h5_iota32(n);
    hid_t d = ech_h5_scale_create(w, loc, name, H5T_NATIVE_INT32, (hsize_t)(n > 0 ? n : 0), idx,
                                  "1", description);
    free(idx);
    return d;
}

/* The replication scale 0 .. replications-1 (int64) of a group. */
hid_t ech_h5_replication_scale(writer *w, hid_t loc)
{
    const int64_t R = w->sc->replications;
    int64_t *reps = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *reps, "replication scale");
    for (int64_t r = 0; r < R; ++r)
        reps[r] = r;
    hid_t d = ech_h5_scale_create(w, loc, "replication", H5T_NATIVE_INT64, (hsize_t)R, reps, "1",
                                  "replication index");
    free(reps);
    return d;
}

hid_t ech_h5_day_scale(writer *w, hid_t loc)
{
    int32_t *days = ech_h5_iota32(w->sc->days);
    hid_t d = ech_h5_scale_create(w, loc, "day", H5T_NATIVE_INT32, (hsize_t)w->sc->days, days,
                                  "day", "measured day (0: the first day after the warm-up)");
    free(days);
    return d;
}

/* HDF5 link names for names[0..n-1]: '/' is a path separator and "." and ".." are
 * not usable, so those become '_' or "<fallback>_<i>"; a name already used by an
 * earlier entry gets "_<i>" (again, until it is unique).  Returns n malloc'd strings
 * in a malloc'd array. */
char **ech_h5_link_names(char *const *names, int32_t n, const char *fallback)
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

void ech_h5_free_names(char **names, int32_t n)
{
    for (int32_t i = 0; names && i < n; ++i)
        free(names[i]);
    free(names);
}

/* The names of the variants, in order (pointers into the scenario). */
char **ech_h5_variant_names(const ech_scenario *sc)
{
    char **names = ech_xcalloc((size_t)sc->n_variants, sizeof *names, "variant names");
    for (int32_t v = 0; v < sc->n_variants; ++v)
        names[v] = sc->variant[v].name;
    return names;
}

/* names[i] for the i with keep[i] != 0 (all when keep is NULL) joined by ", ". */
char *ech_h5_join_names(char *const *names, int32_t n, const uint8_t *keep)
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

/* A 3-d dataset [n0, n1, n2] of int64 written whole by rank 0 from `data` (row-major,
 * the others take part with nothing); chunked [1, rows, n2] and compressed.  Returns
 * the open dataset (or -1 after a failure). */
hid_t ech_h5_cube_from_root(writer *w, hid_t g, const char *name, hid_t type, const hsize_t dims[3],
                            const void *data, const char *units, const char *description)
{
    hsize_t total = dims[0] * dims[1] * dims[2];
    if (!ech_h5_ready(w, 0) || g < 0)
        return -1;
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
    hid_t d = ok ? H5Dcreate2(g, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    if (d < 0)
        ech_h5_fail(w, "creating dataset %s", name);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    ech_h5_describe(w, d, units, description);
    if (d >= 0 && total > 0 && ech_h5_ready(w, total * H5Tget_size(type)) &&
        (!data || H5Dwrite(d, type, H5S_ALL, H5S_ALL, w->dxpl, data) < 0))
        ech_h5_fail(w, "writing dataset %s", name);
    if (space >= 0)
        H5Sclose(space);
    return d;
}
