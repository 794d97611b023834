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
        rs->rooms[v].shared = rs->n_threads > 1; /* one thread: plain adds */
    }
}

static int sku_is_cold(const ech_scenario *sc, int32_t sku, const void *ctx)
{
    (void)ctx;
    return ech_cold_unit_ml(sc, sku) > 0;
}

/* Whether unit u records a cold-chain SKU (one of its group's, for a group unit). */
static int unit_is_cold(const ech_scenario *sc, const ech_work_unit *u, const void *ctx)
{
    return ech_unit_has_sku(sc, u, sku_is_cold, ctx);
}

static void attach_rooms(ech_engine *engine, void *rooms)
{
    ech_engine_set_cold_rooms(engine, rooms);
}

/* Variant v's occupancy over the ranks onto rank 0, block after block, folded into
 * a tally there; its statistics into rs->res->cold[v] on rank 0. */
static ech_status variant_end(run_state *rs, ech_again *again, int32_t v)
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
        st = ech_agree(rs->comm,
                       ech_again_run(again, rs, v, rooms->rep_begin,
                                     rooms->rep_begin + rooms->n_reps, unit_is_cold, attach_rooms,
                                     rooms),
                       rs->err);
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
    ech_again *again = more_blocks ? ech_again_new(rs) : NULL;
    ech_status st = ECH_OK;
    for (int32_t v = rs->v_begin; v < rs->v_end && st == ECH_OK; ++v) {
        st = ech_agree(rs->comm, variant_end(rs, again, v), rs->err);
        if (st == ECH_OK && ech_cold_stats_bcast(&rs->res->cold[v], rs->comm, 0) != MPI_SUCCESS)
            st = ech_fail(rs->err, ECH_ERR_RUNTIME,
                          "sending the cold-room statistics to every rank failed");
        st = ech_agree(rs->comm, st, rs->err);
    }
    ech_again_free(again);
    return st;
}
