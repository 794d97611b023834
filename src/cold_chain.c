/* Cold-room occupancy; see include/echelon/cold_chain.h. */
#include "echelon/cold_chain.h"
#include "echelon/reduce.h"
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
    c->shared = 1;
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
    c->rep_begin = 0;
    c->n_reps = c->block_reps = n_reps;
    c->n_days = sc->days;
    int64_t cells = ech_cold_rooms_cells(c);
    c->ml = ech_xcalloc((size_t)(cells > 0 ? cells : 1), sizeof *c->ml, "cold-room occupancy");
}

void ech_cold_rooms_set_block(ech_cold_rooms *c, int64_t rep_begin, int64_t n_reps)
{
    c->rep_begin = rep_begin;
    c->n_reps = n_reps < c->block_reps ? n_reps : c->block_reps;
    ech_cold_rooms_clear(c);
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
    return ech_reduce_sum(c->ml, ech_cold_rooms_cells(c), MPI_INT64_T, comm, root);
}

/* ------------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------------------
 * The tally: per slot, the distinct occupancies and their counts
 * ------------------------------------------------------------------------------ */

void ech_cold_tally_init(ech_cold_tally *t, const ech_cold_rooms *c, const double *capacity_litres)
{
    memset(t, 0, sizeof *t);
    size_t n = (size_t)(c->n > 0 ? c->n : 1);
    t->n = c->n;
    t->n_days = c->n_days;
    t->capacity = ech_xcalloc(n, sizeof *t->capacity, "cold-room tally");
    t->distinct = ech_xcalloc(n, sizeof *t->distinct, "cold-room tally");
    t->value = ech_xcalloc(n, sizeof *t->value, "cold-room tally");
    t->count = ech_xcalloc(n, sizeof *t->count, "cold-room tally");
    t->sum_ml = ech_xcalloc(n, sizeof *t->sum_ml, "cold-room tally");
    t->days_over = ech_xcalloc(n, sizeof *t->days_over, "cold-room tally");
    t->reps_over = ech_xcalloc(n, sizeof *t->reps_over, "cold-room tally");
    for (int32_t s = 0; s < c->n && capacity_litres; ++s) {
        double cap = capacity_litres[c->location[s]];
        t->capacity[s] = cap > 0 ? cap : 0.0;
    }
}

void ech_cold_tally_free(ech_cold_tally *t)
{
    if (!t)
        return;
    for (int32_t s = 0; s < t->n; ++s) {
        free(t->value[s]);
        free(t->count[s]);
    }
    free(t->capacity);
    free(t->distinct);
    free(t->value);
    free(t->count);
    free(t->sum_ml);
    free(t->days_over);
    free(t->reps_over);
    memset(t, 0, sizeof *t);
}

int64_t ech_cold_tally_bytes(const ech_cold_tally *t)
{
    int64_t bytes = (int64_t)t->n * (int64_t)(sizeof(double) + 6 * sizeof(int64_t));
    for (int32_t s = 0; s < t->n; ++s)
        bytes += t->distinct[s] * (int64_t)(2 * sizeof(int64_t));
    return bytes;
}

/* Folds the cells x[0..len-1] into slot s's histogram: sorted in `scratch` (len
 * int64), counted run by run and merged with the values already held. */
static void tally_merge(ech_cold_tally *t, int32_t s, const int64_t *x, int64_t len,
                        int64_t *scratch)
{
    if (len <= 0)
        return;
    memcpy(scratch, x, (size_t)len * sizeof *scratch);
    ech_sort_i64(scratch, len);
    int64_t runs = 0;
    for (int64_t i = 0; i < len; ++i)
        runs += i == 0 || scratch[i] != scratch[i - 1];
    const int64_t m = t->distinct[s], *ov = t->value[s], *oc = t->count[s];
    size_t cap = (size_t)(m + runs > 0 ? m + runs : 1);
    int64_t *value = ech_xmalloc(cap * sizeof *value, "cold-room histogram");
    int64_t *count = ech_xmalloc(cap * sizeof *count, "cold-room histogram");
    int64_t i = 0, j = 0, k = 0;
    while (i < len || j < m) {
        if (j < m && (i >= len || ov[j] <= scratch[i])) {
            value[k] = ov[j];
            count[k] = oc[j++];
        } else {
            value[k] = scratch[i];
            count[k] = 0;
        }
        while (i < len && scratch[i] == value[k])
            ++count[k], ++i;
        ++k;
    }
    free(t->value[s]);
    free(t->count[s]);
    t->distinct[s] = k;
    /* k >= 1 (len > 0): give back what the runs that matched held values took. */
    t->value[s] = ech_xrealloc(value, (size_t)k * sizeof *value, "cold-room histogram");
    t->count[s] = ech_xrealloc(count, (size_t)k * sizeof *count, "cold-room histogram");
}

static double litres(int64_t ml)
{
    return (double)ml / 1000.0;
}

void ech_cold_tally_add(ech_cold_tally *t, const ech_cold_rooms *c, int n_threads)
{
    const int64_t R = c->n_reps, D = c->n_days, cells = R * D;
    if (n_threads < 1)
        n_threads = 1;
    if (n_threads > c->n)
        n_threads = c->n > 0 ? c->n : 1;
#pragma omp parallel num_threads(n_threads)
    {
        int64_t *scratch = ech_xmalloc((size_t)(cells > 0 ? cells : 1) * sizeof *scratch,
                                       "cold-room tally scratch");
#pragma omp for schedule(dynamic, 1)
        for (int32_t s = 0; s < c->n; ++s) {
            const int64_t *x = c->ml + (size_t)s * (size_t)cells;
            const double cap = t->capacity[s];
            int64_t sum = 0;
            for (int64_t r = 0; r < R; ++r) {
                int64_t days = 0;
                for (int64_t d = 0; d < D; ++d) {
                    sum += x[r * D + d];
                    days += cap > 0 && litres(x[r * D + d]) > cap;
                }
                t->days_over[s] += days;
                t->reps_over[s] += days > 0;
            }
            t->sum_ml[s] += sum;
            tally_merge(t, s, x, cells, scratch);
        }
        free(scratch);
    }
    t->n_reps += R;
}

/* The i-th smallest cell (0-based) of slot s, in millilitres. */
static int64_t tally_nth(const ech_cold_tally *t, int32_t s, int64_t i)
{
    for (int64_t j = 0; j < t->distinct[s]; ++j) {
        if (i < t->count[s][j])
            return t->value[s][j];
        i -= t->count[s][j];
    }
    return t->value[s][t->distinct[s] - 1];
}

/* Type 7 quantile of slot s's cells (n of them) at probability p, in litres. */
static double tally_quantile7(const ech_cold_tally *t, int32_t s, int64_t n, double p)
{
    double h = (double)(n - 1) * p;
    int64_t lo = (int64_t)floor(h);
    if (lo >= n - 1)
        return litres(tally_nth(t, s, n - 1));
    if (lo < 0)
        return litres(tally_nth(t, s, 0));
    double a = litres(tally_nth(t, s, lo)), b = litres(tally_nth(t, s, lo + 1));
    return a + (h - (double)lo) * (b - a);
}

/* Statistics of slot s into out.  The sums run over the cells in ascending order (a
 * value as many times as it occurred), as over the sorted array of every cell. */
static void slot_stats(const ech_cold_tally *t, int32_t s, const double *q, int nq,
                       ech_cold_stats *out)
{
    const int64_t R = t->n_reps, cells = R * t->n_days;
    const double capacity = t->capacity[s];
    out->capacity_litres[s] = capacity;
    if (cells <= 0) {
        out->mean_litres[s] = out->sd_litres[s] = out->max_litres[s] = NAN;
        out->p95_litres[s] = out->exceed_probability[s] = NAN;
        out->days_over_mean[s] = out->any_over_share[s] = NAN;
        for (int j = 0; j < nq; ++j)
            out->quantile_litres[(size_t)s * (size_t)nq + (size_t)j] = NAN;
        return;
    }
    if (capacity > 0) {
        out->exceed_probability[s] = (double)t->days_over[s] / (double)cells;
        out->days_over_mean[s] = (double)t->days_over[s] / (double)R;
        out->any_over_share[s] = (double)t->reps_over[s] / (double)R;
    } else {
        out->exceed_probability[s] = out->days_over_mean[s] = out->any_over_share[s] = NAN;
    }
    double mean = (double)t->sum_ml[s] / 1000.0 / (double)cells;
    double ss = 0.0;
    for (int64_t j = 0; j < t->distinct[s]; ++j) {
        double d = litres(t->value[s][j]) - mean, dd = d * d;
        for (int64_t i = 0; i < t->count[s][j]; ++i)
            ss += dd;
    }
    out->mean_litres[s] = mean;
    out->sd_litres[s] = cells > 1 ? sqrt(ss / (double)(cells - 1)) : 0.0;
    out->max_litres[s] = litres(t->value[s][t->distinct[s] - 1]);
    out->p95_litres[s] = tally_quantile7(t, s, cells, 0.95);
    for (int j = 0; j < nq; ++j)
        out->quantile_litres[(size_t)s * (size_t)nq + (size_t)j] =
            tally_quantile7(t, s, cells, q[j]);
}

void ech_cold_tally_stats(const ech_cold_tally *t, const int32_t *location, const double *q, int nq,
                          int n_threads, ech_cold_stats *out)
{
    ech_cold_stats_alloc(out, t->n, nq);
    if (n_threads < 1)
        n_threads = 1;
    if (n_threads > t->n)
        n_threads = t->n > 0 ? t->n : 1;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (int32_t s = 0; s < t->n; ++s) {
        out->location[s] = location[s];
        slot_stats(t, s, q, nq, out);
    }
}

void ech_cold_stats_compute(const ech_cold_rooms *c, const double *capacity_litres, const double *q,
                            int nq, int n_threads, ech_cold_stats *out)
{
    ech_cold_tally t;
    ech_cold_tally_init(&t, c, capacity_litres);
    ech_cold_tally_add(&t, c, n_threads);
    ech_cold_tally_stats(&t, c->location, q, nq, n_threads, out);
    ech_cold_tally_free(&t);
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
