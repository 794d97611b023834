/* Simulating some of this rank's work units again after a pass (run_state.h), for
 * what the pass did not keep: the cold rooms' later blocks of replications
 * (run_cold.c), the daily stock of the stock bands (run_bands.c).  The streams
 * belong to (SKU, replication), so a replication simulated again has the stock it
 * had in the pass; only the sinks the caller attaches count, the KPIs are not
 * kept. */
#include "run_state.h"
#include "echelon/engine.h"
#include "echelon/kpi.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* A thread's engine (no trace: the pass wrote it). */
typedef struct again_thread {
    ech_engine *engine;
    ech_error err;
} again_thread;

struct ech_again {
    int n_threads;
    again_thread *thread;
};

ech_again *ech_again_new(const run_state *rs)
{
    ech_again *a = ech_xcalloc(1, sizeof *a, "units simulated again");
    a->n_threads = rs->n_threads;
    a->thread = ech_xcalloc((size_t)rs->n_threads, sizeof *a->thread, "units simulated again");
    for (int i = 0; i < rs->n_threads; ++i) {
        a->thread[i].engine = ech_engine_new(rs->sc);
        ech_error_clear(&a->thread[i].err);
    }
    return a;
}

void ech_again_free(ech_again *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->n_threads; ++i)
        ech_engine_free(a->thread[i].engine);
    free(a->thread);
    free(a);
}

/* Unit u again for variant v, replications [b, e), shaped as the pass simulated it
 * (a group unit as its group, else its SKU). */
static ech_status unit_again(again_thread *t, const ech_scenario *sc, const ech_work_unit *u,
                             int32_t v, int64_t b, int64_t e)
{
    const int32_t *member =
        u->group >= 0 ? sc->subst.member + sc->subst.group_begin[u->group] : &u->sku;
    int32_t n =
        u->group >= 0 ? sc->subst.group_begin[u->group + 1] - sc->subst.group_begin[u->group] : 1;
    /* Outputs without KPI values: the engine records none. */
    if (u->group < 0) {
        ech_eval_request req = {.sku = u->sku, .variant = v, .rep_begin = b, .rep_end = e};
        ech_eval_out out = {.kpi = NULL, .rep_stride = e - b};
        return ech_engine_evaluate(t->engine, &req, &out, &t->err);
    }
    ech_eval_out out[ECH_MAX_GROUP_SKUS];
    const ech_eval_out *outs[ECH_MAX_GROUP_SKUS];
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (ech_eval_out){.kpi = NULL, .rep_stride = e - b};
        outs[i] = sc->sl.sku_begin[member[i] + 1] > sc->sl.sku_begin[member[i]] ? &out[i] : NULL;
    }
    return ech_engine_run_group(t->engine, u->group, v, b, e, outs, &t->err);
}

int ech_unit_has_sku(const ech_scenario *sc, const ech_work_unit *u,
                     int (*test)(const ech_scenario *sc, int32_t sku, const void *ctx),
                     const void *ctx)
{
    if (u->group < 0)
        return test(sc, u->sku, ctx);
    for (int32_t i = sc->subst.group_begin[u->group]; i < sc->subst.group_begin[u->group + 1]; ++i)
        if (test(sc, sc->subst.member[i], ctx))
            return 1;
    return 0;
}

ech_status ech_again_run(ech_again *a, run_state *rs, int32_t v, int64_t b, int64_t e,
                         int (*wants)(const ech_scenario *sc, const ech_work_unit *u,
                                      const void *ctx),
                         void (*attach)(ech_engine *engine, void *ctx), void *ctx)
{
    const ech_scenario *sc = rs->sc;
    const ech_work_plan *plan = rs->plan;
    ech_status st = ECH_OK;
#pragma omp parallel num_threads(a->n_threads)
    {
        again_thread *t = &a->thread[omp_get_thread_num()];
        attach(t->engine, ctx);
#pragma omp for schedule(dynamic, 1)
        for (int32_t i = 0; i < plan->n_units; ++i) {
            const ech_work_unit *u = &plan->unit[i];
            int64_t ub = u->rep_begin > b ? u->rep_begin : b, ue = u->rep_end < e ? u->rep_end : e;
            if (ub >= ue || !wants(sc, u, ctx))
                continue;
            ech_status one = unit_again(t, sc, u, v, ub, ue);
            if (one != ECH_OK) {
#pragma omp critical(ech_run_again_error)
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
