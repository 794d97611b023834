/* Cold-room occupancy; see include/echelon/cold_chain.h. */
#include "echelon/cold_chain.h"
#include "echelon/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t ech_cold_unit_ml(const ech_scenario *sc, int32_t sku)
{
    if (sc->cat.storage[sku] != ECH_STORAGE_COLD || !sc->cat.unit_volume_litres)
        return 0;
    return (int64_t)llround(sc->cat.unit_volume_litres[sku] * 1000.0);
}

/* Marks in `has` (net.n entries) the locations stocking a SKU with a volume. */
static int32_t mark_cold_locations(const ech_scenario *sc, uint8_t *has)
{
    int32_t n = 0;
    for (int32_t k = 0; k < sc->cat.n; ++k) {
        if (ech_cold_unit_ml(sc, k) <= 0)
            continue;
        for (int64_t x = sc->sl.sku_begin[k]; x < sc->sl.sku_begin[k + 1]; ++x) {
            int32_t loc = sc->sl.location[x];
            n += !has[loc];
            has[loc] = 1;
        }
    }
    return n;
}

int32_t ech_cold_rooms_count(const ech_scenario *sc)
{
    if (!sc->cat.unit_volume_litres || sc->net.n < 1)
        return 0;
    uint8_t *has = ech_xcalloc((size_t)sc->net.n, 1, "cold-room locations");
    int32_t n = mark_cold_locations(sc, has);
    free(has);
    return n;
}

void ech_cold_rooms_init(ech_cold_rooms *c, const ech_scenario *sc)
{
    ech_cold_rooms_init_reps(c, sc, sc->replications);
}

void ech_cold_rooms_init_reps(ech_cold_rooms *c, const ech_scenario *sc, int64_t n_reps)
{
    memset(c, 0, sizeof *c);
    int32_t n = ech_cold_rooms_count(sc);
    if (n == 0)
        return;
    uint8_t *has = ech_xcalloc((size_t)sc->net.n, 1, "cold-room locations");
    mark_cold_locations(sc, has);
    c->n = n;
    c->location = ech_xmalloc((size_t)n * sizeof *c->location, "cold-room locations");
    c->slot = ech_xmalloc((size_t)sc->net.n * sizeof *c->slot, "cold-room slots");
    int32_t s = 0;
    for (int32_t loc = 0; loc < sc->net.n; ++loc) {
        c->slot[loc] = has[loc] ? s : -1;
        if (has[loc])
            c->location[s++] = loc;
    }
    free(has);
    c->n_reps = n_reps;
    c->n_days = sc->days;
    int64_t cells = ech_cold_rooms_cells(c);
    c->ml = ech_xcalloc((size_t)(cells > 0 ? cells : 1), sizeof *c->ml, "cold-room occupancy");
}

int64_t ech_cold_rooms_cells(const ech_cold_rooms *c)
{
    return (int64_t)c->n * c->n_reps * (int64_t)c->n_days;
}

void ech_cold_rooms_clear(ech_cold_rooms *c)
{
    if (c->ml)
        memset(c->ml, 0, (size_t)ech_cold_rooms_cells(c) * sizeof *c->ml);
}

void ech_cold_rooms_free(ech_cold_rooms *c)
{
    if (!c)
        return;
    free(c->location);
    free(c->slot);
    free(c->ml);
    memset(c, 0, sizeof *c);
}

int ech_cold_rooms_reduce(ech_cold_rooms *c, MPI_Comm comm, int root)
{
    enum { PIECE = 1 << 27 };
    int rank;
    MPI_Comm_rank(comm, &rank);
    int64_t cells = ech_cold_rooms_cells(c);
    for (int64_t off = 0; off < cells; off += PIECE) {
        int count = (int)(cells - off < PIECE ? cells - off : PIECE);
        int64_t *p = c->ml + off;
        int rc;
        if (root < 0)
            rc = MPI_Allreduce(MPI_IN_PLACE, p, count, MPI_INT64_T, MPI_SUM, comm);
        else if (rank == root)
            rc = MPI_Reduce(MPI_IN_PLACE, p, count, MPI_INT64_T, MPI_SUM, root, comm);
        else
            rc = MPI_Reduce(p, NULL, count, MPI_INT64_T, MPI_SUM, root, comm);
        if (rc != MPI_SUCCESS)
            return rc;
    }
    return MPI_SUCCESS;
}

/* ------------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------------ */

static double litres(int64_t ml)
{
    return (double)ml / 1000.0;
}

/* Type 7 quantile of sorted[0..n-1] (millilitres) at probability p, in litres. */
static double quantile7(const int64_t *sorted, int64_t n, double p)
{
    double h = (double)(n - 1) * p;
    int64_t lo = (int64_t)floor(h);
    if (lo >= n - 1)
        return litres(sorted[n - 1]);
    if (lo < 0)
        return litres(sorted[0]);
    double a = litres(sorted[lo]), b = litres(sorted[lo + 1]);
    return a + (h - (double)lo) * (b - a);
}

void ech_cold_stats_alloc(ech_cold_stats *out, int32_t n, int nq)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->n_quantiles = nq;
    size_t m = (size_t)(n > 0 ? n : 0);
    size_t len = m * (9 + (size_t)(nq > 0 ? nq : 0));
    out->location = ech_xcalloc(m ? m : 1, sizeof *out->location, "cold-room statistics");
    out->values = ech_xcalloc(len ? len : 1, sizeof *out->values, "cold-room statistics");
    double *p = out->values;
    out->capacity_litres = p, p += m;
    out->mean_litres = p, p += m;
    out->sd_litres = p, p += m;
    out->max_litres = p, p += m;
    out->p95_litres = p, p += m;
    out->exceed_probability = p, p += m;
    out->days_over_mean = p, p += m;
    out->any_over_share = p, p += m;
    out->quantile_litres = p; /* the (9th) spare row keeps len > 0 when nq is 0 */
}

void ech_cold_stats_free(ech_cold_stats *s)
{
    if (!s)
        return;
    free(s->location);
    free(s->values);
    memset(s, 0, sizeof *s);
}

/* Statistics of slot s into out; `scratch` holds n_reps x n_days int64. */
static void slot_stats(const ech_cold_rooms *c, int32_t s, double capacity, const double *q, int nq,
                       int64_t *scratch, ech_cold_stats *out)
{
    const int64_t R = c->n_reps, D = c->n_days, cells = R * D;
    const int64_t *x = c->ml + (size_t)s * (size_t)cells;
    out->location[s] = c->location[s];
    out->capacity_litres[s] = capacity;
    if (cells <= 0) {
        out->mean_litres[s] = out->sd_litres[s] = out->max_litres[s] = NAN;
        out->p95_litres[s] = out->exceed_probability[s] = NAN;
        out->days_over_mean[s] = out->any_over_share[s] = NAN;
        for (int j = 0; j < nq; ++j)
            out->quantile_litres[(size_t)s * (size_t)nq + (size_t)j] = NAN;
        return;
    }

    /* Over capacity, replication by replication (the cells in their own order). */
    if (capacity > 0) {
        int64_t over = 0, reps_over = 0;
        for (int64_t r = 0; r < R; ++r) {
            int64_t days = 0;
            for (int64_t t = 0; t < D; ++t)
                days += litres(x[r * D + t]) > capacity;
            over += days;
            reps_over += days > 0;
        }
        out->exceed_probability[s] = (double)over / (double)cells;
        out->days_over_mean[s] = (double)over / (double)R;
        out->any_over_share[s] = (double)reps_over / (double)R;
    } else {
        out->exceed_probability[s] = out->days_over_mean[s] = out->any_over_share[s] = NAN;
    }

    /* The distribution: sorted first, so nothing depends on the cells' order. */
    memcpy(scratch, x, (size_t)cells * sizeof *scratch);
    ech_sort_i64(scratch, cells);
    int64_t sum = 0;
    for (int64_t i = 0; i < cells; ++i)
        sum += scratch[i];
    double mean = (double)sum / 1000.0 / (double)cells;
    double ss = 0.0;
    for (int64_t i = 0; i < cells; ++i) {
        double d = litres(scratch[i]) - mean;
        ss += d * d;
    }
    out->mean_litres[s] = mean;
    out->sd_litres[s] = cells > 1 ? sqrt(ss / (double)(cells - 1)) : 0.0;
    out->max_litres[s] = litres(scratch[cells - 1]);
    out->p95_litres[s] = quantile7(scratch, cells, 0.95);
    for (int j = 0; j < nq; ++j)
        out->quantile_litres[(size_t)s * (size_t)nq + (size_t)j] = quantile7(scratch, cells, q[j]);
}

void ech_cold_stats_compute(const ech_cold_rooms *c, const double *capacity_litres, const double *q,
                            int nq, int n_threads, ech_cold_stats *out)
{
    ech_cold_stats_alloc(out, c->n, nq);
    const int64_t cells = c->n_reps * (int64_t)c->n_days;
    if (n_threads < 1)
        n_threads = 1;
    if (n_threads > c->n)
        n_threads = c->n > 0 ? c->n : 1;
#pragma omp parallel num_threads(n_threads)
    {
        int64_t *scratch = ech_xmalloc((size_t)(cells > 0 ? cells : 1) * sizeof *scratch,
                                       "cold-room statistics scratch");
#pragma omp for schedule(dynamic, 1)
        for (int32_t s = 0; s < c->n; ++s) {
            double cap = capacity_litres ? capacity_litres[c->location[s]] : 0.0;
            slot_stats(c, s, cap > 0 ? cap : 0.0, q, nq, scratch, out);
        }
        free(scratch);
    }
}

int ech_cold_stats_bcast(ech_cold_stats *s, MPI_Comm comm, int root)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int32_t shape[2] = {s->n, s->n_quantiles};
    int rc = MPI_Bcast(shape, 2, MPI_INT32_T, root, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    if (rank != root && (!s->values || s->n != shape[0] || s->n_quantiles != shape[1])) {
        ech_cold_stats_free(s);
        ech_cold_stats_alloc(s, shape[0], shape[1]);
    }
    if (shape[0] == 0)
        return MPI_SUCCESS;
    rc = MPI_Bcast(s->location, shape[0], MPI_INT32_T, root, comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Bcast(s->values, shape[0] * (9 + shape[1]), MPI_DOUBLE, root, comm);
    return rc;
}
