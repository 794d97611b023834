/* `echelon contract`: sizes every SKU's supply contract over a communicator, then
 * lets a run verify the commitments.
 *
 * 1. The need: each SKU with contract terms (scenario.h, ech_contract_terms) is
 *    simulated under the chosen variant's policy and targets with no contract in
 *    force, on stream set 1 (never the verification's), and what its warehouse buys
 *    over the horizon is one draw of its annual need per replication.
 * 2. The commitment: the exact minimum of the mean cost over that sample
 *    (contract.h).  Where unneeded committed units are delivered, what holding them
 *    costs is learnt by simulating the first answer in force on the same numbers
 *    (the rise in holding and write-off cost per unit pushed), and the sizing is
 *    solved again with it.
 * 2b. The check in force: the answer, commitments 10% below to 35% above it and
 *    today's rule simulated with the contract in force on the same numbers (the
 *    first refine_replications), by the SKU's total cost over all its locations,
 *    which sees what the need's cost leaves out (service lost while spot orders
 *    travel or refused ones wait); a candidate replaces the answer only when it
 *    saves more than two paired standard errors.
 * 3. Today's rule for comparison: last year's volume plus a margin, last year being
 *    one simulated year (replication 0 of the sizing) — a single year's purchases,
 *    noise included, as a buyer sees them.
 * 4. The verification (the caller): variants "today" and "recommended" beside the
 *    base variant (its own commitments, or none), simulated as one run on stream set
 *    0 with paired differences; the results file gets /contract.
 *
 * SKUs are searched whole on the rank that holds them (contiguous blocks of equal
 * cost) and the results gathered everywhere; a SKU's answer depends only on its own
 * streams, so it is the same at any ranks x threads.
 */
#ifndef ECHELON_CONTRACT_RUN_H
#define ECHELON_CONTRACT_RUN_H

#include "echelon/error.h"
#include "echelon/phase_log.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_contract_run_options {
    int n_threads;
    int32_t variant;             /* whose policy and targets the need is simulated under */
    int64_t replications;        /* of the sizing (>= 2) */
    int64_t refine_replications; /* of the check of candidates in force (at most the
                                  * sizing's; < 2: none) */
    double today_margin;         /* today's rule: last year's volume x (1 + margin) */
    /* Bytes of one SKU's KPI values a thread holds at once (ech_run_options'
     * kpi_memory_limit; 0: the default): a SKU at more skulocs is simulated once per
     * window of them, every figure the same to the bit. */
    int64_t kpi_memory_limit;
    FILE *progress; /* rank 0's progress, or NULL */
    double progress_interval;
    /* Checkpoints (phase_log.h): the sizing's SKUs done are saved in
     * checkpoint.folder every checkpoint.interval seconds and at a stop (stop.h),
     * after which ech_contract_run returns ECH_STOPPED, and the sizing once
     * complete; with checkpoint.resume, what was saved is read back. */
    ech_phase_checkpoint checkpoint;
} ech_contract_run_options;

/* Per SKU (NaN for SKUs without terms or not stocked):
 * X(field, name, units, description) */
#define ECH_CONTRACT_SKU_FIELDS(X)                                                            \
    X(committed, "committed_units", "unit", "the recommended commitment over the horizon")    \
    X(analytic, "analytic_units", "unit",                                                     \
      "the commitment of least expected cost on the need's distribution, before the "         \
      "check in force")                                                                       \
    X(today, "today_units", "unit",                                                           \
      "today's rule: last year's purchases (one simulated year) x (1 + margin)")              \
    X(unit_price, "unit_price", "currency/unit", "the price of the tier the commitment buys") \
    X(minimum, "minimum_units", "unit", "the committed minimum: committed x (1 - flex)")      \
    X(limit, "limit_units", "unit",                                                           \
      "what the contract sells: committed x (1 + flex), at most the capacity")                \
    X(need_mean, "need_mean", "unit",                                                         \
      "mean annual need: what the warehouse buys under the policy without a contract")        \
    X(need_sd, "need_sd", "unit", "its standard deviation over the replications")             \
    X(need_p05, "need_p05", "unit", "its 5% quantile")                                        \
    X(need_p50, "need_p50", "unit", "its median")                                             \
    X(need_p95, "need_p95", "unit", "its 95% quantile")                                       \
    X(prob_above, "prob_need_above_commitment", "1",                                          \
      "share of years needing more than the commitment")                                      \
    X(excess_mean, "expected_excess_units", "unit", "mean need above the commitment")         \
    X(beyond_mean, "expected_beyond_units", "unit",                                           \
      "mean need beyond what the contract sells (spot or refused)")                           \
    X(shortfall_mean, "expected_shortfall_units", "unit",                                     \
      "mean committed minimum not needed (pushed, paid for or penalised)")                    \
    X(cost_mean, "expected_cost", "currency",                                                 \
      "mean contract cost of a year over buying at unit cost (the sizing's objective)")       \
    X(cost_p95, "cost_p95", "currency", "95% quantile of that cost over the years")           \
    X(today_cost_mean, "today_expected_cost", "currency", "the same under today's rule")      \
    X(value_mean, "expected_purchase_value", "currency",                                      \
      "mean value of a year's purchases under the commitment (spot and payments in)")         \
    X(pushed_cost, "pushed_unit_cost", "currency/unit",                                       \
      "cost of holding a pushed unit until it sells or expires, learnt by simulation "        \
      "(0 where nothing is pushed)")                                                          \
    X(simulated_cost, "simulated_total_cost", "currency",                                     \
      "the SKU's mean total cost (all its locations) with the commitment in force, on "       \
      "the sizing's numbers")                                                                 \
    X(simulated_cost_today, "simulated_total_cost_today", "currency", "the same under today's rule")

typedef struct ech_contract_result {
    int32_t variant;
    int64_t replications;
    int64_t refine_replications; /* of the check in force (0: none) */
    double today_margin;
#define ECH_CONTRACT_FIELD_DECL(field, name, units, desc) double *field;
    ECH_CONTRACT_SKU_FIELDS(ECH_CONTRACT_FIELD_DECL)
#undef ECH_CONTRACT_FIELD_DECL
    /* The mean need per supplier and measured calendar month:
     * supplier_month_need[supplier * n_months + m]; month_start[m] the date of its
     * first measured day (days since 1970-01-01). */
    int32_t n_months;
    double *supplier_month_need;
    double *supplier_month_value; /* ... at unit cost */
    int32_t *month_start;
    int32_t n_sized;  /* SKUs with terms that were sized */
    int resumed;      /* continued the sizing of a stopped attempt */
    char created[32]; /* when the sizing first started */
    double seconds;
    int64_t skuloc_days; /* simulated by the sizing, all ranks */
} ech_contract_result;

/* Sizes every SKU's contract.  Every rank of comm calls it with the same resolved
 * scenario; *res is the same on every rank.  Fails (ECH_ERR_INPUT) when the
 * scenario has no contract terms. */
ech_status ech_contract_run(const ech_scenario *sc, MPI_Comm comm,
                            const ech_contract_run_options *opt, ech_contract_result *res,
                            ech_error *err);
void ech_contract_result_free(ech_contract_result *res);

/* Replaces the scenario's variants by three for the verification: the base variant
 * as it is, "today" and "recommended" (commitments per SKU). */
void ech_contract_set_variants(ech_scenario *sc, const ech_contract_result *res);

/* The commitments for purchasing: one row per SKU with terms. */
ech_status ech_contract_write_csv(const char *path, const ech_scenario *sc,
                                  const ech_contract_result *res, ech_error *err);

/* The verification: the network's cost, contract cost, purchases, write-offs, lost
 * units, fill rate, inventory, pushed and spot units under today's rule and the
 * recommendation, with their paired change and its 95% interval (res: the run of
 * the variants ech_contract_set_variants made). */
struct ech_results;
void ech_contract_print_verification(FILE *out, const ech_scenario *sc,
                                     const struct ech_results *res);

/* The sizing on stdout: per supplier, commitments, need and expected cost. */
void ech_contract_print_summary(FILE *out, const ech_scenario *sc, const ech_contract_result *res);

#ifdef __cplusplus
}
#endif

#endif
