/* The stock bands of a run (run_state.h, stock_bands.h): after the passes, the
 * worst skulocs of the baseline chosen from the reduced statistics, their SKUs (or
 * substitution groups) simulated again by the units that simulated them in the
 * pass, for every replication of every variant, with the chosen skulocs'
 * end-of-day stock written to a sink; the sink summed over the ranks onto rank 0 (each cell was written by
 * one rank, the others hold 0) and summarised there.  The chosen skulocs go in
 * blocks of at most ECH_STOCK_BANDS_BLOCK_BYTES of cells (at least one skuloc),
 * in skuloc order so that a SKU's skulocs share a block where they can. */
#include "run_state.h"
#include "echelon/reduce.h"
#include "echelon/stats.h"
#include "echelon/stock_bands.h"

#include <stdlib.h>
#include <string.h>

/* Whether SKU sku has a skulocs in the sink's (ascending) list. */
static int sku_watched(const ech_scenario *sc, int32_t sku, const void *ctx)
{
    const ech_stock_days *days = ctx;
    int64_t lo = ech_lower_bound_i64(days->skuloc, days->n, sc->sl.sku_begin[sku]);
    return lo < days->n && days->skuloc[lo] < sc->sl.sku_begin[sku + 1];
}

static int unit_watched(const ech_scenario *sc, const ech_work_unit *u, const void *ctx)
{
    return ech_unit_has_sku(sc, u, sku_watched, ctx);
}

static void attach_days(ech_engine *engine, void *days)
{
    ech_engine_set_stock_days(engine, days);
}

/* A band and its skuloc, to order the bands by skuloc. */
typedef struct band_at {
    int64_t skuloc;
    int32_t band;
} band_at;

static int by_skuloc(const void *pa, const void *pb)
{
    const band_at *a = pa, *b = pb;
    return (a->skuloc > b->skuloc) - (a->skuloc < b->skuloc);
}

ech_status ech_run_stock_bands(run_state *rs)
{
    const ech_scenario *sc = rs->sc;
    ech_results *res = rs->res;
    ech_stock_bands *bands = &res->bands;
    /* Without a results file (run, tune or contract with --no-output) nothing would
     * hold them. */
    int32_t wanted = rs->opt->output_path ? sc->output.stock_bands : 0;
    ech_status st = ech_stock_bands_choose(sc, res->stats[0], res->n_stats, res->skuloc_begin,
                                           res->skuloc_end, wanted, 0, rs->comm, bands, rs->err);
    st = ech_agree(rs->comm, st, rs->err);
    if (st != ECH_OK || bands->n == 0)
        return st;

    const int32_t n = bands->n, D = sc->days;
    const int64_t R = res->n_reps, per_skuloc = R * D;
    const int64_t per_block = ech_stock_bands_block(n, R, D);
    band_at *order = ech_xmalloc((size_t)n * sizeof *order, "stock bands");
    for (int32_t b = 0; b < n; ++b)
        order[b] = (band_at){bands->skuloc[b], b};
    qsort(order, (size_t)n, sizeof *order, by_skuloc);
    int64_t *skuloc = ech_xmalloc((size_t)per_block * sizeof *skuloc, "stock bands");
    int32_t *band = ech_xmalloc((size_t)per_block * sizeof *band, "stock bands");
    ech_stock_days days = {.skuloc = skuloc, .n_reps = R, .n_days = D};
    days.on_hand = ech_xmalloc((size_t)per_block * (size_t)per_skuloc * sizeof *days.on_hand,
                               "daily stock of the stock bands");
    ech_again *again = ech_again_new(rs);
    for (int32_t start = 0; start < n && st == ECH_OK; start += (int32_t)per_block) {
        days.n = n - start < per_block ? n - start : per_block;
        for (int64_t j = 0; j < days.n; ++j) {
            skuloc[j] = order[start + j].skuloc;
            band[j] = order[start + j].band;
        }
        int64_t cells = days.n * per_skuloc;
        for (days.variant = 0; days.variant < sc->n_variants && st == ECH_OK; ++days.variant) {
            memset(days.on_hand, 0, (size_t)cells * sizeof *days.on_hand);
            st = ech_again_run(again, rs, days.variant, 0, R, unit_watched, attach_days, &days);
            st = ech_agree(rs->comm, st, rs->err);
            if (st != ECH_OK)
                break;
            if (ech_reduce_sum(days.on_hand, cells, MPI_INT32_T, rs->comm, 0) != MPI_SUCCESS)
                st = ech_fail(rs->err, ECH_ERR_RUNTIME,
                              "summing the stock bands' daily stock over the ranks failed");
            st = ech_agree(rs->comm, st, rs->err);
            if (st == ECH_OK && rs->rank == 0)
                ech_stock_bands_summarize(bands, &days, band, rs->n_threads);
        }
    }
    ech_again_free(again);
    free(days.on_hand);
    free(band);
    free(skuloc);
    free(order);
    return st;
}
