/* Stock bands: choosing the worst SKU-locations and the statistics of their daily
 * stock; see include/echelon/stock_bands.h. */
#include "echelon/stock_bands.h"
#include "echelon/kpi.h"
#include "echelon/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double ech_stock_band_probabilities[ECH_STOCK_BAND_QUANTILES] = {0.05, 0.25, 0.5, 0.75, 0.95};

/* A candidate: its ranking keys and its skuloc (exact in a double below 2^53), sent
 * between the ranks as three doubles. */
typedef struct candidate {
    double unmet, fill, skuloc;
} candidate;

/* a before b: more unmet units, then a lower fill rate, then the lower skuloc
 * (NaN keys last, as NumPy sorts them). */
static int worse_first(const void *pa, const void *pb)
{
    const candidate *a = pa, *b = pb;
    double ka[2] = {-a->unmet, a->fill}, kb[2] = {-b->unmet, b->fill};
    for (int k = 0; k < 2; ++k) {
        int na = isnan(ka[k]), nb = isnan(kb[k]);
        if (na != nb)
            return na - nb;
        if (!na && ka[k] != kb[k])
            return ka[k] < kb[k] ? -1 : 1;
    }
    return (a->skuloc > b->skuloc) - (a->skuloc < b->skuloc);
}

ech_status ech_stock_bands_choose(const ech_scenario *sc, const double *stats, int n_stats,
                                  int64_t skuloc_begin, int64_t skuloc_end, int32_t n_wanted,
                                  int32_t v, MPI_Comm comm, ech_stock_bands *out, ech_error *err)
{
    memset(out, 0, sizeof *out);
    out->ranked_by = v;
    out->n_variants = sc->n_variants;
    out->n_days = sc->days;
    if (n_wanted <= 0)
        return ECH_OK;
    int n_ranks;
    MPI_Comm_size(comm, &n_ranks);
    /* This rank's n_wanted worst, padded with entries after every real one. */
    int64_t n_local = skuloc_end - skuloc_begin, n_dp = 0;
    candidate *mine =
        ech_xmalloc((size_t)(n_local > 0 ? n_local : 1) * sizeof *mine, "stock-band candidates");
    for (int64_t x = skuloc_begin; x < skuloc_end; ++x) {
        if (!(sc->sl.demand_mean[x] > 0))
            continue;
        const double *s = stats + (size_t)(x - skuloc_begin) * ECH_KPI_COUNT * (size_t)n_stats;
        mine[n_dp++] = (candidate){
            .unmet = s[ECH_KPI_LOST * n_stats] + s[ECH_KPI_BACKORDERED * n_stats],
            .fill = s[ECH_KPI_FILL_RATE * n_stats],
            .skuloc = (double)x,
        };
    }
    qsort(mine, (size_t)n_dp, sizeof *mine, worse_first);
    candidate *sent = ech_xmalloc((size_t)n_wanted * sizeof *sent, "stock-band candidates");
    for (int32_t i = 0; i < n_wanted; ++i)
        sent[i] = i < n_dp ? mine[i] : (candidate){-INFINITY, NAN, -1.0};
    free(mine);
    candidate *all =
        ech_xmalloc((size_t)n_ranks * (size_t)n_wanted * sizeof *all, "stock-band candidates");
    int rc = MPI_Allgather(sent, 3 * n_wanted, MPI_DOUBLE, all, 3 * n_wanted, MPI_DOUBLE, comm);
    free(sent);
    if (rc != MPI_SUCCESS) {
        free(all);
        return ech_fail(err, ECH_ERR_RUNTIME,
                        "gathering the worst SKU-locations for the stock bands failed");
    }
    size_t n_all = (size_t)n_ranks * (size_t)n_wanted;
    qsort(all, n_all, sizeof *all, worse_first);
    int32_t n = 0;
    while (n < n_wanted && all[n].skuloc >= 0)
        ++n;
    out->n = n;
    out->skuloc = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *out->skuloc, "stock bands");
    out->unmet_mean = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *out->unmet_mean, "stock bands");
    for (int32_t i = 0; i < n; ++i) {
        out->skuloc[i] = (int64_t)all[i].skuloc;
        out->unmet_mean[i] = all[i].unmet;
    }
    free(all);
    return ECH_OK;
}

void ech_stock_bands_summarize(ech_stock_bands *b, const ech_stock_days *days, const int32_t *band,
                               int n_threads)
{
    const int64_t R = days->n_reps;
    const int32_t D = days->n_days;
    if (!b->stats)
        b->stats = ech_xcalloc((size_t)b->n_variants * (size_t)(b->n > 0 ? b->n : 1) * (size_t)D *
                                   ECH_STOCK_BAND_STATS,
                               sizeof *b->stats, "stock-band statistics");
    const size_t first = (size_t)days->variant * (size_t)b->n;
    const int64_t cells = days->n * D;
#pragma omp parallel num_threads(n_threads > 0 ? n_threads : 1)
    {
        double *x = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *x, "stock-band values");
        double *scratch = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *x, "stock-band values");
#pragma omp for schedule(static)
        for (int64_t c = 0; c < cells; ++c) {
            int64_t j = c / D, t = c % D;
            const int32_t *v = days->on_hand + (size_t)c * (size_t)R;
            for (int64_t r = 0; r < R; ++r)
                x[r] = (double)v[r];
            double *out = b->stats + ((first + (size_t)band[j]) * (size_t)D + (size_t)t) *
                                         ECH_STOCK_BAND_STATS;
            ech_stats_summarize(x, R, ech_stock_band_probabilities, ECH_STOCK_BAND_QUANTILES, out,
                                scratch);
        }
        free(x);
        free(scratch);
    }
}

int64_t ech_stock_bands_block(int64_t n, int64_t n_reps, int32_t n_days)
{
    int64_t per_skuloc = n_reps * n_days * (int64_t)sizeof(int32_t);
    int64_t fit = per_skuloc > 0 ? ECH_STOCK_BANDS_BLOCK_BYTES / per_skuloc : n;
    return fit < 1 ? 1 : fit < n ? fit : n;
}

void ech_stock_bands_free(ech_stock_bands *b)
{
    if (!b)
        return;
    free(b->skuloc);
    free(b->unmet_mean);
    free(b->stats);
    memset(b, 0, sizeof *b);
}
