/* The state of a run on one rank, shared by run.c (the phases) and
 * run_checkpoint.c (saving it and reading it back).  Internal to the library. */
#ifndef ECHELON_RUN_STATE_H
#define ECHELON_RUN_STATE_H

#include "echelon/checkpoint.h"
#include "echelon/cold_chain.h"
#include "echelon/engine.h"
#include "echelon/progress.h"
#include "echelon/run.h"
#include "echelon/work_plan.h"

/* Replications of one split SKU, gathered here until all are in: per variant of
 * the pass, [(i * ECH_KPI_COUNT + k) * n_reps + r] (on the owner of a run that keeps
 * replications, the results' own block instead). */
typedef struct pending_sku {
    double **vals;  /* [variant - v_begin] */
    int owned_vals; /* vals points into buffers of its own */
    int units_left; /* units of the SKU on this rank not yet simulated */
} pending_sku;

struct thread_acc;

typedef struct run_state {
    const ech_scenario *sc;
    const ech_run_options *opt;
    const ech_work_plan *plan;
    ech_results *res;
    MPI_Comm comm;
    int rank, n_ranks, n_threads;
    int32_t pass, per_pass; /* the pass under way, and variants per pass */
    int32_t v_begin, v_end; /* the variants of the current pass */
    /* Each SKU's KPI values are held a window of window_nodes skulocs at a time
     * (ech_job_window_nodes); a pass covers one window of its variants, so there are
     * n_windows passes per group of variants, and a SKU with no skulocs in the
     * pass's window is not simulated in it.  Totals, sums and cold rooms are taken
     * in window 0, which every SKU has. */
    int32_t window_nodes, n_windows, window;
    int keep_rooms;        /* rank 0 keeps every variant's occupancy for the file */
    ech_cold_rooms *rooms; /* per variant, NULL without cold rooms */
    int64_t cold_block;    /* replications a cold-room occupancy block holds */
    ech_trace trace;
    pending_sku *pending;   /* per split SKU of the plan */
    struct thread_acc *acc; /* per thread, during a pass */
    uint64_t hash;
    int failed; /* first failure of any thread (an ech_status) */
    ech_error *err;
    ech_progress *progress;

    /* Work units of the pass are taken in order: [0, next_unit) are taken, and
     * complete whenever no thread is inside the simulation loop. */
    int32_t next_unit;
    int pause;         /* threads stop taking units (a checkpoint is due) */
    int64_t units_run; /* units simulated by this process (opt->stop_after_units) */

    /* Checkpoints (checkpoint.h): NULL folder when the run keeps none. */
    char *checkpoint_folder;
    double checkpoint_due; /* monotonic time of the next periodic one; 0 none */
    double last_checkpoint;
    ech_checkpoint *resume_from; /* open until the resumed pass has read it */
    ech_checkpoint_header resume;
    int resumed;            /* the run continues a checkpoint */
    double simulate_before; /* simulation seconds of the earlier attempts */
    char created[32];
} run_state;

/* SKU k's local skulocs [*b, *e) in window w (rs->window: the pass's); 0 when it
 * has none there. */
static inline int ech_run_sku_window(const run_state *rs, int32_t k, int32_t w, int64_t *b,
                                     int64_t *e)
{
    int64_t n = rs->sc->sl.sku_begin[k + 1] - rs->sc->sl.sku_begin[k];
    *b = (int64_t)w * rs->window_nodes;
    *e = n < *b + rs->window_nodes ? n : *b + rs->window_nodes;
    return *e > *b;
}

/* Cold rooms (run_cold.c).  Before a pass: an occupancy array for each of its
 * variants, on the first block of replications; the previous pass's are reused
 * unless rank 0 keeps them for the file. */
void ech_run_cold_pass_begin(run_state *rs);

/* After a pass: each variant's occupancy summed over the ranks onto rank 0 (exact
 * integer sums) block by block, the later blocks simulated again for the
 * cold-chain SKUs, summarised there and the statistics sent to every rank.
 * Collective. */
ech_status ech_run_cold_pass_end(run_state *rs);

/* Units simulated again after a pass (run_again.c): a set of engines, one per
 * thread of the run, that simulate this rank's units again for the sinks a caller
 * attaches (cold rooms, daily stock), the KPIs thrown away. */
typedef struct ech_again ech_again;
ech_again *ech_again_new(const run_state *rs);
void ech_again_free(ech_again *a);

/* Simulates again, on the run's threads, this rank's units that `wants` accepts,
 * for variant v and their replications within [b, e), each thread's engine given to
 * `attach` first.  Returns the first failure. */
ech_status ech_again_run(ech_again *a, run_state *rs, int32_t v, int64_t b, int64_t e,
                         int (*wants)(const ech_scenario *sc, const ech_work_unit *u,
                                      const void *ctx),
                         void (*attach)(ech_engine *engine, void *ctx), void *ctx);

/* Whether `test` holds for unit u's SKU, or for one of its group's SKUs. */
int ech_unit_has_sku(const ech_scenario *sc, const ech_work_unit *u,
                     int (*test)(const ech_scenario *sc, int32_t sku, const void *ctx),
                     const void *ctx);

/* The stock bands (run_bands.c, stock_bands.h): after the passes and the
 * reductions, the output.stock_bands worst skulocs of the baseline chosen, their
 * SKUs simulated again in every variant with their daily stock recorded, the
 * statistics on rank 0 in rs->res->bands.  Collective. */
ech_status ech_run_stock_bands(run_state *rs);

/* Saves this rank's state between work units (no thread in the loop): the pass, the
 * units done, every partial sum and the split SKUs' replications. */
ech_status ech_run_checkpoint_save(run_state *rs, double simulate_seconds);

/* Reads the header of this rank's checkpoint (rs->resume, rs->resume_from) and checks
 * it belongs to this run; ECH_OK with no file leaves rs->resume_from NULL. */
ech_status ech_run_checkpoint_open(run_state *rs);

/* Reads the saved state into the pass just set up (rs->pass == rs->resume.pass). */
ech_status ech_run_checkpoint_restore(run_state *rs);

#endif
