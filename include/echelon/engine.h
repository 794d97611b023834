/* The simulation engine: one SKU through the network, replication by replication.
 *
 * A SKU is the unit of work.  For each SKU the engine builds, in a per-thread arena,
 * the SKU's plan (its locations in topological order, the children each location
 * ships to in allocation order, the policy numbers, the demand sampling tables for
 * every month x weekday of the horizon) and then simulates replications one after
 * another, days inside, with the SKU's whole state in cache.  The day follows
 * DESIGN.md exactly: expire, receive, review and order (downstream to upstream),
 * ship (upstream to downstream), demand, account.
 *
 * The SKUs of a substitution group (demand.substitution) are simulated together, day
 * by day, since one's unmet demand may buy another: evaluating one of them simulates
 * its whole group (engine_group.c).
 *
 * A replication's random numbers come from streams keyed by (seed, purpose, SKU,
 * replication, location), so the result of a SKU-replication does not depend on
 * which rank or thread computes it, nor on which other SKUs or replications it is
 * computed with.  The engine checks stock conservation at the end of every
 * replication (start + received = sold + shipped + end, and every lane's shipments =
 * receipts + change in transit) and fails loudly if it is ever broken.
 */
#ifndef ECHELON_ENGINE_H
#define ECHELON_ENGINE_H

#include "echelon/error.h"
#include "echelon/kpi.h"
#include "echelon/scenario.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_engine ech_engine;

/* A per-thread engine for a resolved scenario (ech_policy_resolve done).  The
 * scenario must outlive the engine. */
ech_engine *ech_engine_new(const ech_scenario *sc);
void ech_engine_free(ech_engine *e);

/* The scenario an engine simulates. */
const ech_scenario *ech_engine_scenario(const ech_engine *e);

/* How engines run replications here: side by side in vector lanes with this CPU's
 * best instruction set ("avx512", "avx2", or "baseline", any x86-64's SSE2) up to
 * the one the environment's ECHELON_SIMD names, or one by one ("scalar", when it
 * says so).  The results are the same bit for bit whichever it is.  NULL when
 * ECHELON_SIMD holds another value. */
const char *ech_engine_simd(void);

/* Calendar months with measured days (the first may be partial). */
int32_t ech_engine_months(const ech_engine *e);

/* Random numbers come in stream sets: set 0 holds the run's own replications, set s
 * another independent family of the same replications (fresh numbers, to verify a
 * decision on numbers it was not chosen on).  Replication r of set s draws from the
 * streams of replication identity s x ECH_STREAM_SET_SIZE + r, for demand, supply,
 * disruptions and shelf lives alike, so every SKU of set s sees the same
 * disruption timelines, as in set 0. */
#define ECH_STREAM_SET_SIZE ((int64_t)1 << 40)

/* One evaluation: one SKU at all its locations under a variant, for replications
 * [rep_begin, rep_end) of a stream set, with the variant's targets or given ones.
 * No file is read or written: this is what a search (target tuning, contract sizing)
 * calls many times, and what a run calls once per SKU and block of replications. */
typedef struct ech_eval_request {
    int32_t sku;
    int32_t variant;
    int64_t rep_begin, rep_end;
    uint32_t stream_set; /* 0: the run's streams */
    /* Targets per node of the SKU (its skulocs in order, sl.sku_begin[sku] + i), or
     * NULL for the variant's resolved ones.  With order_up_to given, reorder_point
     * NULL means S - 1 (base stock); given, it must be below S.  A node's start stock
     * (without a snapshot) is its order-up-to level, so it follows the targets. */
    const int32_t *order_up_to;
    const int32_t *reorder_point;
    /* Expedite levels per node (only the warehouse's, node 0, is used: the supplier's
     * express mode), or NULL for the variant's; -1: never. */
    const int32_t *expedite_level;
    /* The SKU's supply contract: the variant's commitment (ECH_CONTRACT_OF_VARIANT,
     * also when zeroed), none, or `committed` units under the SKU's terms. */
    uint8_t contract;
    double committed;
} ech_eval_request;

enum { ECH_CONTRACT_OF_VARIANT = 0, ECH_CONTRACT_NONE = 1, ECH_CONTRACT_GIVEN = 2 };

/* Where an evaluation puts its results. */
typedef struct ech_eval_out {
    /* KPI values: kpi[((i - node_begin) * ECH_KPI_COUNT + k) * rep_stride +
     * (r - rep_begin)] for node i in [node_begin, node_end) and replication r.  The
     * window lets a caller short of memory keep a SKU's nodes a block at a time,
     * simulating it once per block; node_end 0 means every node from node_begin.
     * NULL: no values kept (a caller that wants only totals or its own sinks). */
    double *kpi;
    int64_t rep_stride;
    int32_t node_begin, node_end;
    /* May be NULL; else receives, per replication, the longest recovery after a
     * disruption over the SKU's demand points (its KPI recovery_days' maximum):
     * longest_recovery[r - rep_begin]. */
    int64_t *longest_recovery;
    /* May be NULL; else accumulates totals[(r - rep_begin) * ECH_TOTAL_COUNT + t]. */
    int64_t *totals;
    /* May be NULL; else receives the units the warehouse bought in each measured
     * calendar month m (ech_engine_months of them):
     * month_purchases[(r - rep_begin) * months + m]. */
    int64_t *month_purchases;
} ech_eval_out;

/* Simulates what `req` asks for.  Calls for the variants of one SKU in a row share
 * the SKU's demand tables.  Returns ECH_OK; ECH_ERR_INPUT if the SKU's numbers
 * overflow what the engine can count (costs beyond the totals' range); or
 * ECH_ERR_RUNTIME if an invariant breaks (a bug) or a sampling table cannot be built
 * from the SKU's parameters. */
ech_status ech_engine_evaluate(ech_engine *e, const ech_eval_request *req, const ech_eval_out *out,
                               ech_error *err);

/* The run's own evaluation: SKU `sku` under variant `variant` (sc->variant) for
 * replications [rep_begin, rep_end) of stream set 0, the variant's targets.
 *
 * kpi_out receives the KPI values of each of the SKU's skulocs (local index i =
 * skuloc - sc->sl.sku_begin[sku]) and replication r:
 *     kpi_out[(i * ECH_KPI_COUNT + k) * rep_stride + (r - rep_begin)]
 * totals_out (may be NULL) accumulates the SKU's per-replication totals:
 *     totals_out[(r - rep_begin) * ECH_TOTAL_COUNT + t] += ...
 * Returns ECH_OK, or ECH_ERR_RUNTIME if an invariant breaks (a bug) or a sampling
 * table cannot be built from the SKU's parameters. */
ech_status ech_engine_run_sku(ech_engine *e, int32_t sku, int32_t variant, int64_t rep_begin,
                              int64_t rep_end, double *kpi_out, int64_t rep_stride,
                              int64_t *totals_out, ech_error *err);

/* The run's evaluation of a whole substitution group (scenario.h, ech_subst_rules):
 * every SKU of group `group` under variant `variant`, replications [rep_begin,
 * rep_end) of stream set 0, the variant's targets, simulated once together.
 * outs[i] receives the results of the group's i-th SKU (sc->subst.member[
 * group_begin[group] + i]) as ech_engine_evaluate's `out` would, or NULL to skip
 * it.  A SKU's results are the same as from ech_engine_evaluate of that SKU alone
 * (which simulates its whole group too). */
ech_status ech_engine_run_group(ech_engine *e, int32_t group, int32_t variant, int64_t rep_begin,
                                int64_t rep_end, const ech_eval_out *const *outs, ech_error *err);

/* A day-by-day record of one SKU in one replication, for comparing with another
 * simulator or following a case by hand: after each simulated day, one CSV row per
 * location of the SKU with its stock, pipeline and the day's flows.  Costs nothing
 * for other SKUs and replications. */
typedef struct ech_trace {
    int32_t sku;
    int32_t variant;
    int64_t replication;
    FILE *out; /* the engine writes the header and the rows */
} ech_trace;

/* Attaches a trace (NULL detaches); the engine does not own it. */
void ech_engine_set_trace(ech_engine *e, const ech_trace *trace);

/* Attaches a sink for the daily stock of chosen skulocs (stock_bands.h; NULL
 * detaches): evaluations of its variant on the run's streams write the end-of-day
 * stock on hand of its skulocs, after the day's accounting (the trace's on_hand).
 * The engine does not own it. */
struct ech_stock_days;
void ech_engine_set_stock_days(ech_engine *e, struct ech_stock_days *days);

/* Attaches a cold-room occupancy sink (NULL detaches), set up for the scenario and
 * all its replications (cold_chain.h); the engine adds the daily occupancy of every
 * cold-chain SKU it simulates.  Sinks set up for the same scenario have the same
 * slots, so a run may switch sinks (one per variant) between calls.  The engine does
 * not own it. */
struct ech_cold_rooms;
void ech_engine_set_cold_rooms(ech_engine *e, struct ech_cold_rooms *cold);

/* Simulated skuloc-days of one SKU per replication (its skulocs x simulated days):
 * the unit of the figure of merit and of the work estimate. */
int64_t ech_engine_sku_work(const ech_scenario *sc, int32_t sku);

/* Estimated relative cost of simulating one SKU, for balancing work across ranks:
 * (demand points + 1) x simulated days.  Measured on the demo model, the time per
 * SKU is close to proportional to its demand points (sampling and serving demand
 * dominate; the warehouse and DC levels cost about one demand point together). */
int64_t ech_engine_sku_cost(const ech_scenario *sc, int32_t sku);

/* Bytes an engine holds while it simulates SKU `sku`: its plan (the demand tables
 * above all), a replication's state and the lanes' (engine_lanes.h), and their
 * batches; measured on an evaluation of a full group of lanes (32 replications) of
 * variant 0 on stream set 1.  0 when that evaluation fails (the run itself then says why). */
double ech_engine_sku_memory(const ech_scenario *sc, int32_t sku);

#ifdef __cplusplus
}
#endif

#endif
