/* A run's checkpoint: what one rank has done, saved between work units and read
 * back by a resumed run (run_state.h; the file format is checkpoint.h's).
 *
 * Everything a rank accumulates is saved whole: the statistics (and kept
 * replications) of its SKUs, its integer partial sums, the replications of its
 * split SKUs gathered so far, the cold rooms' occupancy of the pass and the
 * statistics of earlier passes.  Units are taken in order and each is finished
 * before a checkpoint, so "the first units_done units" is the whole position; the
 * sums are integers and the statistics per SKU, so a resumed run ends bitwise
 * identical to an uninterrupted one. */
#include "run_state.h"

#include "echelon/kpi.h"

#include <string.h>

/* The sections, in file order: one function walks them for both directions. */
typedef struct section_io {
    ech_checkpoint *c;
    int reading;
    ech_status st;
    ech_error *err;
} section_io;

static void section(section_io *io, const char *tag, void *data, size_t bytes)
{
    if (io->st != ECH_OK)
        return;
    if (io->reading)
        io->st = ech_checkpoint_get(io->c, tag, data, bytes, io->err);
    else
        ech_checkpoint_put(io->c, tag, data, bytes);
}

static void walk_sections(run_state *rs, section_io *io)
{
    const ech_scenario *sc = rs->sc;
    ech_results *res = rs->res;
    const size_t V = (size_t)res->n_variants, R = (size_t)res->n_reps, K = ECH_KPI_COUNT;
    const size_t rows = (size_t)(res->skuloc_end - res->skuloc_begin);
    for (size_t v = 0; v < V; ++v)
        section(io, "stats", res->stats[v], rows * K * (size_t)res->n_stats * sizeof(double));
    for (size_t v = 0; res->reps && v < V; ++v)
        section(io, "reps", res->reps[v], rows * K * R * sizeof(double));
    size_t totals = V * (size_t)res->n_groups * R * ECH_TOTAL_COUNT;
    section(io, "totals", res->totals, totals * sizeof(int64_t));
    size_t per_sku = V * (size_t)res->n_skus * sizeof(int64_t);
    section(io, "skulost", res->sku_lost, per_sku);
    section(io, "skurecov", res->sku_recovery, per_sku);
    section(io, "skudisr", res->sku_disrupted, per_sku);
    section(io, "loclost", res->location_lost, V * (size_t)res->n_locations * sizeof(int64_t));
    size_t months = V * (size_t)res->n_suppliers * (size_t)res->n_months * R * sizeof(int64_t);
    section(io, "monthu", res->supplier_month_units, months);
    section(io, "monthv", res->supplier_month_value, months);
    for (int32_t s = 0; s < rs->plan->n_split; ++s) {
        pending_sku *p = &rs->pending[s];
        int32_t k = rs->plan->split[s].sku;
        int64_t b, e;
        ech_run_sku_window(rs, k, rs->window, &b, &e);
        size_t len = (size_t)(e > b ? e - b : 0) * K * R;
        section(io, "split", &p->units_left, sizeof p->units_left);
        for (int32_t v = 0; p->owned_vals && v < rs->v_end - rs->v_begin; ++v)
            section(io, "splitval", p->vals[v], len * sizeof(double));
    }
    if (!rs->rooms)
        return;
    for (int32_t v = 0; v < rs->v_end; ++v) {
        ech_cold_rooms *room = &rs->rooms[v];
        if (v < rs->v_begin) { /* an earlier pass: its statistics, and what rank 0 keeps */
            ech_cold_stats *cs = &res->cold[v];
            if (io->reading)
                ech_cold_stats_alloc(cs, res->n_cold, sc->output.n_quantiles);
            size_t n = (size_t)res->n_cold;
            section(io, "coldloc", cs->location, n * sizeof(int32_t));
            section(io, "coldstat", cs->values,
                    n * (9 + (size_t)sc->output.n_quantiles) * sizeof(double));
            if (!rs->keep_rooms)
                continue;
            if (io->reading)
                ech_cold_rooms_init(room, sc);
        }
        section(io, "rooms", room->ml, (size_t)ech_cold_rooms_cells(room) * sizeof(int64_t));
    }
}

ech_status ech_run_checkpoint_save(run_state *rs, double simulate_seconds)
{
    ech_checkpoint_header h;
    memset(&h, 0, sizeof h);
    h.fingerprint = rs->opt->checkpoint_fingerprint;
    h.rank = rs->rank;
    h.n_ranks = rs->n_ranks;
    h.n_threads = rs->n_threads;
    h.pass = rs->pass;
    h.units_done = rs->next_unit < rs->plan->n_units ? rs->next_unit : rs->plan->n_units;
    h.n_units = rs->plan->n_units;
    h.hash = rs->hash;
    h.simulate_seconds = rs->simulate_before + simulate_seconds;
    snprintf(h.created, sizeof h.created, "%s", rs->created);
    ech_checkpoint *c = ech_checkpoint_create(rs->checkpoint_folder, &h, rs->err);
    if (!c)
        return ECH_ERR_RUNTIME;
    section_io io = {.c = c, .reading = 0, .st = ECH_OK, .err = rs->err};
    walk_sections(rs, &io);
    return ech_checkpoint_commit(c, rs->err);
}

ech_status ech_run_checkpoint_open(run_state *rs)
{
    ech_checkpoint_header *h = &rs->resume;
    ech_status st =
        ech_checkpoint_open(rs->checkpoint_folder, rs->rank, &rs->resume_from, h, rs->err);
    if (st != ECH_OK || !rs->resume_from)
        return st;
    const char *why = NULL;
    if (h->fingerprint != rs->opt->checkpoint_fingerprint)
        why = "the scenario, a file it reads or the run's options changed since it was written";
    else if (h->n_ranks != rs->n_ranks || h->n_threads != rs->n_threads)
        why = "it was written by another number of ranks or threads";
    else if (h->rank != rs->rank || h->n_units != rs->plan->n_units || h->pass < 0 ||
             h->pass >= rs->res->n_passes || h->units_done < 0 || h->units_done > h->n_units)
        why = "it does not match this run's work plan";
    if (!why)
        return ECH_OK;
    if (h->n_ranks != rs->n_ranks || h->n_threads != rs->n_threads)
        ech_fail(rs->err, ECH_ERR_INPUT,
                 "--resume: the checkpoint in %s was written by %d rank(s) x %d thread(s); "
                 "resume with the same layout (now %d x %d), or start over with --force",
                 rs->checkpoint_folder, h->n_ranks, h->n_threads, rs->n_ranks, rs->n_threads);
    else
        ech_fail(rs->err, ECH_ERR_INPUT,
                 "--resume: the checkpoint in %s cannot continue this run: %s (start over "
                 "with --force instead of --resume)",
                 rs->checkpoint_folder, why);
    ech_checkpoint_close(rs->resume_from, NULL);
    rs->resume_from = NULL;
    return ECH_ERR_INPUT;
}

ech_status ech_run_checkpoint_restore(run_state *rs)
{
    section_io io = {.c = rs->resume_from, .reading = 1, .st = ECH_OK, .err = rs->err};
    walk_sections(rs, &io);
    ech_status st = ech_checkpoint_close(rs->resume_from, io.st == ECH_OK ? rs->err : NULL);
    rs->resume_from = NULL;
    if (io.st != ECH_OK)
        return io.st;
    if (st != ECH_OK)
        return st;
    rs->hash = rs->resume.hash;
    rs->next_unit = rs->resume.units_done;
    rs->simulate_before = rs->resume.simulate_seconds;
    return ECH_OK;
}
