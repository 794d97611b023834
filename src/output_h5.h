/* The results writer's internals, shared by its parts (private to the library):
 *   output_h5.c       one writer (rank 0) fed by the ranks, failures agreed over ranks,
 *                     room on the disk, attributes, groups, datasets, dimension scales
 *                     and text columns
 *   output.c          the file: root attributes, /catalogue, /network, /supply,
 *                     /variants, /runtime, and ech_output_write
 *   output_results.c  what the run computed: skuloc KPI groups, totals, comparisons,
 *                     cold rooms
 *   output_tuning.c   what a tuning chose (/tuning)
 *   output_contract.c what a contract sizing recommends (/contract)
 * See include/echelon/output.h and results/README.md for the layout.
 */
#ifndef ECHELON_OUTPUT_H5_H
#define ECHELON_OUTPUT_H5_H

#include "echelon/output.h"
#include "echelon/results.h"
#include "echelon/scenario.h"
#include "echelon/table.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <mpi.h>

typedef struct writer {
    const char *path; /* the final name, for messages */
    const ech_scenario *sc;
    const ech_results *res;
    const ech_run_info *info; /* &res->info */
    MPI_Comm comm;
    int rank, size;

    int64_t begin, end;    /* this rank's skulocs */
    int keep_replications; /* /skuloc/<kpi>/replications is written */
    int deflate;           /* the deflate filter is available */

    hid_t file;        /* rank 0: the file; -1 on the others, which make no HDF5 call */
    const char *tmp;   /* the temporary name the file is written under */
    int room_fd;       /* rank 0: a descriptor of the temporary file, for ech_h5_ready */
    int room_off;      /* rank 0: the file system cannot reserve space (no fallocate) */
    hsize_t room;      /* rank 0: bytes reserved for the file so far */
    hsize_t room_last; /* rank 0: the bytes the last step announced */
    hid_t dxpl;        /* transfers */
    hid_t gcpl;        /* groups track the creation order of their links */
    hid_t vlstr;       /* variable-length UTF-8 string, for attributes */

    struct ech_h5_refs *refs;  /* attachments not yet written (output_h5.c) */
    char *slab_buf, *send_buf; /* scratch of the gathers, kept between datasets */
    size_t slab_cap, send_cap;

    int failed;        /* this rank has recorded a failure in e */
    int anyone_failed; /* every rank knows that some rank failed */
    ech_error e;
} writer;

/* Records the first failure of this rank: what failed, and HDF5's innermost message. */
void ech_h5_fail(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True while no rank has failed; the ranks learn it together (an MPI_Allreduce), so
 * every rank must call this at the same points. */
int ech_h5_all_ok(writer *w);

/* Before a step that may write up to `bytes` of data (a dataset, a large attribute,
 * closing the file): rank 0 reserves room on the file system for everything the file
 * has allocated so far, `bytes` and some metadata (fallocate, keeping the file's
 * size), so that HDF5 only ever writes into reserved blocks and a full disk is found
 * here, with a clear message, never inside HDF5.  True on rank 0 while it has not
 * failed; false on the other ranks, which make no HDF5 call.  Not collective. */
int ech_h5_ready(writer *w, hsize_t bytes);

/* Rank 0, once the file is closed: gives back the reserved blocks the file does not
 * use and closes the descriptor (nothing on other ranks). */
void ech_h5_release_room(writer *w);

/* Makes every rank hold the same status and message: those of the lowest rank that
 * recorded a failure, or ECH_OK.  Collective. */
ech_status ech_h5_agree(writer *w);

/* An attribute holding one value (n < 0) or an array of n >= 0 values. */
void ech_h5_attr(writer *w, hid_t obj, const char *name, hid_t type, hssize_t n, const void *value);

/* A text attribute, stored as a variable-length UTF-8 string.  NULL is written as "". */
void ech_h5_attr_text(writer *w, hid_t obj, const char *name, const char *value);

void ech_h5_attr_i32(writer *w, hid_t obj, const char *name, int32_t v);

void ech_h5_attr_i64(writer *w, hid_t obj, const char *name, int64_t v);

void ech_h5_attr_u64(writer *w, hid_t obj, const char *name, uint64_t v);

void ech_h5_attr_f64(writer *w, hid_t obj, const char *name, double v);

/* The units and description every dataset carries (units NULL: none, for text). */
void ech_h5_describe(writer *w, hid_t obj, const char *units, const char *description);

hid_t ech_h5_group(writer *w, hid_t loc, const char *name, const char *description);

void ech_h5_close_group(hid_t g);

/* Closes dataset d, writing first the dimension-scale attributes its attachments
 * (ech_h5_attach) call for: DIMENSION_LIST on a dataset, REFERENCE_LIST on a scale. */
void ech_h5_close_dataset(writer *w, hid_t d);

/* Forgets the attachments still pending (the datasets were not closed: a failure) and
 * frees the gathers' scratch buffers. */
void ech_h5_refs_free(writer *w);

/* Creates a dataset of shape dims[0] (ndims 1) or dims[0] x dims[1] (ndims 2) on rank
 * 0 (-1 on the others).  Large datasets are chunked and compressed; a dataset with a
 * zero-length dimension cannot be chunked and stays contiguous. */
hid_t ech_h5_dataset_create(writer *w, hid_t loc, const char *name, hid_t type, int ndims,
                            const hsize_t *dims, int large);

/* Writes rows [row0, row0 + rows) of dataset d (all its columns, `cols` of them: 1 for
 * a 1-d dataset), every rank its own block: rank 0 gathers them and writes the file.
 * This rank's values lie in memory as a matrix with arbitrary row stride: element
 * (i, c) is at base[i * stride + offset + c] (in units of memtype), so a column can be
 * sent straight out of an interleaved array.  rows == 0 takes part with nothing.
 * Collective. */
void ech_h5_write_rows(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t row0,
                       hsize_t rows, hsize_t cols, const void *base, hsize_t stride,
                       hsize_t offset);

/* The same from rank 0's memory alone (nothing on the other ranks; not collective). */
void ech_h5_write_local(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t row0,
                        hsize_t rows, hsize_t cols, const void *base, hsize_t stride,
                        hsize_t offset);

/* Attaches dimension scale `scale` to axis idx of dataset d, as H5DSattach_scale does,
 * but writes the attributes once, when each is closed (H5DSattach_scale rewrites the
 * scale's whole REFERENCE_LIST at every attachment: a scale with hundreds of datasets
 * took most of the writing time of a file with many variants). */
void ech_h5_attach(writer *w, hid_t d, hid_t scale, unsigned idx, const char *name);

/* A whole small table, supplied by rank 0 (nothing on the others). */
void ech_h5_write_from_root(writer *w, hid_t d, const char *name, hid_t memtype, hsize_t n,
                            hsize_t cols, const void *data);

/* A small 1-d table of n values of one type, written by rank 0, with its attributes,
 * attached to the dimension scale `scale`.  With codes (a category of uint8 values)
 * the dataset is an enumeration and keeps the codes as an attribute. */
void ech_h5_small_table(writer *w, hid_t loc, const char *name, hid_t type, hsize_t n,
                        const void *data, hid_t scale, const char *units, const char *description,
                        const char *codes);

/* A small dimension scale: a 1-d dataset of n values written by rank 0, marked with
 * H5DSset_scale so that netCDF tools and xarray see a dimension of that name with
 * these coordinate values.  Returns the open dataset (or -1 after a failure).  The
 * skuloc scale, as long as the skulocs, is written like the other skuloc columns. */
hid_t ech_h5_scale_create(writer *w, hid_t loc, const char *name, hid_t type, hsize_t n,
                          const void *all_values, const char *units, const char *description);

/* A text column of n strings (variable-length UTF-8; NULL is written as ""), written
 * by rank 0, attached to `scale`. */
void ech_h5_text_table(writer *w, hid_t loc, const char *name, char *const *s, int64_t n,
                       hid_t scale, const char *description);

/* A per-skuloc text column (chunked and compressed) of all n skulocs, written by rank
 * 0 from its own memory; returns the open dataset for the caller to attach. */
hid_t ech_h5_skuloc_text(writer *w, hid_t loc, const char *name, char *const *s, int64_t n,
                         const char *description);

/* A dimension scale holding ids (variable-length UTF-8), written by rank 0: the
 * entity dimensions (sku, location, supplier, ...) of format 2.0.  Returns the open
 * dataset (or -1). */
hid_t ech_h5_id_scale(writer *w, hid_t loc, const char *name, char *const *ids, int64_t n,
                      const char *description);

/* The attribute coordinates = "sku location" of a per-skuloc dataset (format 2.0):
 * xarray makes the skulocs' ids its coordinates. */
void ech_h5_skuloc_coordinates(writer *w, hid_t d);

/* Hard links `sku` and `location` in group g to /skuloc/sku and /skuloc/location
 * (which must exist): every per-skuloc group carries the ids, stored once. */
void ech_h5_link_skuloc_ids(writer *w, hid_t g);

/* An HDF5 enumeration over uint8 from codes "0=word,1=word,..." (ech_enum_codes'
 * form), for categories; the caller closes it (-1 after a failure). */
hid_t ech_h5_enum_type(writer *w, const char *codes);

/* The HDF5 memory type of a table column. */
hid_t ech_h5_column_type(ech_col_type type);

/* Every column of a small table (catalogue, network) that has a dataset name, as
 * declared in scenario.h: written by rank 0 with its units, description and, for
 * enumerations, the codes of its values. */
void ech_h5_table_columns(writer *w, hid_t g, const ech_table *t, const void *table, int64_t n,
                          hid_t scale);

/* 0, 1, ..., n-1 as int32 (for the sku, location, supplier and segment scales). */
int32_t *ech_h5_iota32(int64_t n);

/* An input column the scenario may lack (a scenario built by an older loader or
 * in code): the array itself, or n copies of its default in *owned (freed by the
 * caller). */
hid_t ech_h5_index_scale(writer *w, hid_t loc, const char *name, int64_t n,
                         const char *description);

/* The replication scale 0 .. replications-1 (int64) of a group. */
hid_t ech_h5_replication_scale(writer *w, hid_t loc);

/* The measured-day scale 0 .. days-1 (int32) of a group. */
hid_t ech_h5_day_scale(writer *w, hid_t loc);

/* HDF5 link names for names[0..n-1]: '/' is a path separator and "." and ".." are
 * not usable, so those become '_' or "<fallback>_<i>"; a name already used by an
 * earlier entry gets "_<i>" (again, until it is unique).  Returns n malloc'd strings
 * in a malloc'd array. */
char **ech_h5_link_names(char *const *names, int32_t n, const char *fallback);

void ech_h5_free_names(char **names, int32_t n);

/* The names of the variants, in order (pointers into the scenario). */
char **ech_h5_variant_names(const ech_scenario *sc);

/* names[i] for the i with keep[i] != 0 (all when keep is NULL) joined by ", ". */
char *ech_h5_join_names(char *const *names, int32_t n, const uint8_t *keep);

/* A 3-d dataset [n0, n1, n2] of `type` (int64 or float64) written whole by rank 0 from
 * `data` (row-major; nothing on the others); chunked [1, rows, n2] and compressed.
 * Returns the open dataset (or -1 after a failure, and on the other ranks). */
hid_t ech_h5_cube_from_root(writer *w, hid_t g, const char *name, hid_t type, const hsize_t dims[3],
                            const void *data, const char *units, const char *description);

/* The purchases of variant v by supplier and measured month (output_contract.c): in
 * `parent`, a group "purchases" with units and value per replication. */
void ech_output_purchases(writer *w, hid_t parent, int32_t v);

/* The parts of the layout that output.c calls (output_results.c). */
/* The skuloc group of variant v in `parent`: the scales, the identity columns (the
 * baseline only), the resolved policy and one group per KPI. */
void ech_output_skuloc(writer *w, hid_t parent, int32_t v, const char *description);

void ech_output_totals(writer *w, hid_t parent, int32_t v);

void ech_output_comparison(writer *w, hid_t parent, int32_t v);

/* The per-SKU sums of variant v as means per replication, in a group "sku" of
 * `parent` with its own sku scale: at the root for the baseline (lost_units), in a
 * variant's comparison (lost_units_change, against the baseline). */
void ech_output_sku_sums(writer *w, hid_t parent, int32_t v);

/* The cold rooms of variant v under `parent`: per location that stocks cold-chain
 * SKUs with a volume, the distribution of its daily occupancy over all
 * (replication, measured day) cells and how often it exceeds the capacity; with
 * replications kept, the whole daily occupancy. */
void ech_output_cold_chain(writer *w, hid_t parent, int32_t v);

/* The stock bands (stock_bands.h) of variant v as a group "stock_bands" of `parent`:
 * per chosen skuloc and measured day, the mean, sd and quantiles of the end-of-day
 * stock over the replications (from rank 0's statistics); nothing when the run
 * chose none. */
void ech_output_stock_bands(writer *w, hid_t parent, int32_t v);

/* The /tuning group of a run that verifies a tuning (w->res->tuning set;
 * output_tuning.c). */
void ech_output_tuning(writer *w);

/* The /contract group of a run that verifies contract commitments (w->res->contract
 * set; output_contract.c). */
void ech_output_contract(writer *w);

#endif
