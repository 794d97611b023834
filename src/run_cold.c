/* The cold rooms of a run (run_state.h): the occupancy of each pass over the SKUs,
 * held a block of replications at a time, reduced over the ranks and folded into a
 * tally on rank 0, whose statistics every rank receives.
 *
 * A pass simulates every replication of every SKU, but its occupancy array holds
 * only the first block of replications (rs->cold_block of them; every replication
 * when the whole array fits the run's cold_memory_limit, or when rank 0 keeps it for
 * the file).  The later blocks are simulated again after the pass, for the
 * cold-chain SKUs alone, by the same units on the same ranks: the streams belong to
 * (SKU, replication), so a replication's stock is the same whenever it is
 * simulated, and the occupancy and its statistics are those of one whole array.
 * The memory the cold rooms take is then the block (bounded by cold_memory_limit)
 * and the tally (16 bytes per distinct occupancy value of a location), whatever the
 * replications and days.
 */
#include "run_state.h"
#include "echelon/cold_chain.h"
#include "echelon/engine.h"
#include "echelon/kpi.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

void ech_run_cold_pass_begin(run_state *rs)
{
    for (int32_t v = rs->v_begin; rs->rooms && v < rs->v_end; ++v) {
        int32_t from = v - rs->per_pass;
        if (from >= 0 && !rs->keep_rooms && rs->rooms[from].ml) {
            rs->rooms[v] = rs->rooms[from];
            memset(&rs->rooms[from], 0, sizeof rs->rooms[from]);
            ech_cold_rooms_set_block(&rs->rooms[v], 0, rs->cold_block);
        } else {
            ech_cold_rooms_init_reps(&rs->rooms[v], rs->sc, rs->cold_block);
        }
    }
}

/* Whether unit u records a cold-chain SKU (one of its group's, for a group unit). */
static int unit_is_cold(const ech_scenario *sc, const ech_work_unit *u)
{
    if (u->group < 0)
        return ech_cold_unit_ml(sc, u->sku) > 0;
    for (int32_t i = sc->subst.group_begin[u->group]; i < sc->subst.group_begin[u->group + 1]; ++i)
        if (ech_cold_unit_ml(sc, sc->subst.member[i]) > 0)
            return 1;
    return 0;
}

/* A thread's engine (no trace: the pass wrote it) and KPI buffer for simulating
 * units again; the KPIs are thrown away, only the occupancy counts. */
typedef struct cold_thread {
    ech_engine *engine;
    double *kpi;
    size_t kpi_len;
    ech_error err;
} cold_thread;

/* Unit u again for variant v, replications [b, e), into the engine's cold rooms,
 * shaped as the pass simulated it (a group unit as its group, else its SKU). */
static ech_status unit_again(cold_thread *t, const ech_scenario *sc, const ech_work_unit *u,
                             int32_t v, int64_t b, int64_t e)
{
    const int32_t *member =
        u->group >= 0 ? sc->subst.member + sc->subst.group_begin[u->group] : &u->sku;
    int32_t n =
        u->group >= 0 ? sc->subst.group_begin[u->group + 1] - sc->subst.group_begin[u->group] : 1;
    size_t need = 0;
    for (int32_t i = 0; i < n; ++i)
        need += (size_t)(sc->sl.sku_begin[member[i] + 1] - sc->sl.sku_begin[member[i]]) *
                ECH_KPI_COUNT * (size_t)(e - b);
    if (need > t->kpi_len) {
        free(t->kpi);
        t->kpi = ech_xmalloc(need * sizeof *t->kpi, "cold-room KPI scratch");
        t->kpi_len = need;
    }
    if (u->group < 0) {
        ech_eval_request req = {.sku = u->sku, .variant = v, .rep_begin = b, .rep_end = e};
        ech_eval_out out = {.kpi = t->kpi, .rep_stride = e - b};
        return ech_engine_evaluate(t->engine, &req, &out, &t->err);
    }
    ech_eval_out out[ECH_MAX_GROUP_SKUS];
    const ech_eval_out *outs[ECH_MAX_GROUP_SKUS];
    size_t at = 0;
    for (int32_t i = 0; i < n; ++i) {
        int64_t nodes = sc->sl.sku_begin[member[i] + 1] - sc->sl.sku_begin[member[i]];
        outs[i] = NULL;
        if (nodes == 0)
            continue;
        out[i] = (ech_eval_out){.kpi = t->kpi + at, .rep_stride = e - b};
        outs[i] = &out[i];
        at += (size_t)nodes * ECH_KPI_COUNT * (size_t)(e - b);
    }
    return ech_engine_run_group(t->engine, u->group, v, b, e, outs, &t->err);
}

/* This rank's cold-chain units of variant v, on the replications of rooms' block. */
static ech_status block_again(run_state *rs, cold_thread *threads, ech_cold_rooms *rooms, int32_t v)
{
    const ech_scenario *sc = rs->sc;
    const ech_work_plan *plan = rs->plan;
    const int64_t b = rooms->rep_begin, e = rooms->rep_begin + rooms->n_reps;
    ech_status st = ECH_OK;
#pragma omp parallel num_threads(rs->n_threads)
    {
        cold_thread *t = &threads[omp_get_thread_num()];
        ech_engine_set_cold_rooms(t->engine, rooms);
#pragma omp for schedule(dynamic, 1)
        for (int32_t i = 0; i < plan->n_units; ++i) {
            const ech_work_unit *u = &plan->unit[i];
            int64_t ub = u->rep_begin > b ? u->rep_begin : b, ue = u->rep_end < e ? u->rep_end : e;
            if (ub >= ue || !unit_is_cold(sc, u))
                continue;
            ech_status one = unit_again(t, sc, u, v, ub, ue);
            if (one != ECH_OK) {
#pragma omp critical(ech_run_cold_error)
                {
                    if (st == ECH_OK) {
                        *rs->err = t->err;
                        st = one;
                    }
                }
            }
        }
    }
    return st;
}

/* Variant v's occupancy over the ranks onto rank 0, block after block, folded into
 * a tally there; its statistics into rs->res->cold[v] on rank 0. */
static ech_status variant_end(run_state *rs, cold_thread *threads, int32_t v)
{
    const ech_scenario *sc = rs->sc;
    ech_cold_rooms *rooms = &rs->rooms[v];
    const int64_t R = rs->res->n_reps;
    ech_cold_tally tally;
    memset(&tally, 0, sizeof tally);
    if (rs->rank == 0)
        ech_cold_tally_init(&tally, rooms, sc->net.cold_capacity_litres);
    ech_status st = ECH_OK;
    for (int64_t b = 0;;) {
        if (ech_cold_rooms_reduce(rooms, rs->comm, 0) != MPI_SUCCESS) {
            st = ech_fail(rs->err, ECH_ERR_RUNTIME,
                          "summing the cold-room occupancy over the ranks failed");
            break;
        }
        if (rs->rank == 0)
            ech_cold_tally_add(&tally, rooms, rs->n_threads);
        b += rooms->n_reps;
        if (b >= R)
            break;
        ech_cold_rooms_set_block(rooms, b, R - b);
        st = ech_agree(rs->comm, block_again(rs, threads, rooms, v), rs->err);
        if (st != ECH_OK)
            break;
    }
    if (st == ECH_OK && rs->rank == 0) {
        ech_cold_tally_stats(&tally, rooms->location, sc->output.quantiles, sc->output.n_quantiles,
                             rs->n_threads, &rs->res->cold[v]);
    }
    ech_cold_tally_free(&tally);
    return st;
}

ech_status ech_run_cold_pass_end(run_state *rs)
{
    const int more_blocks = rs->cold_block < rs->res->n_reps;
    cold_thread *threads = ech_xcalloc((size_t)rs->n_threads, sizeof *threads, "cold-room threads");
    for (int i = 0; more_blocks && i < rs->n_threads; ++i) {
        threads[i].engine = ech_engine_new(rs->sc);
        ech_error_clear(&threads[i].err);
    }
    ech_status st = ECH_OK;
    for (int32_t v = rs->v_begin; v < rs->v_end && st == ECH_OK; ++v) {
        st = ech_agree(rs->comm, variant_end(rs, threads, v), rs->err);
        if (st == ECH_OK && ech_cold_stats_bcast(&rs->res->cold[v], rs->comm, 0) != MPI_SUCCESS)
            st = ech_fail(rs->err, ECH_ERR_RUNTIME,
                          "sending the cold-room statistics to every rank failed");
        st = ech_agree(rs->comm, st, rs->err);
    }
    for (int i = 0; i < rs->n_threads; ++i) {
        ech_engine_free(threads[i].engine);
        free(threads[i].kpi);
    }
    free(threads);
    return st;
}
