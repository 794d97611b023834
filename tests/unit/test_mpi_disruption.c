/* Disruption timelines under MPI, normally with 2 ranks: a timeline belongs to
 * (seed, disruption, replication, site), never to the rank that asks for it.
 *
 * Every rank builds the same small scenario (4 supplier sites in 2 regions; a
 * regional, a supplier-wide, an each_site and a scripted disruption), computes the
 * timelines of many replications — each rank visiting the replications in its own
 * order, so that nothing can depend on what a rank computed before — and reduces
 * them to hashes: one per disruption and site, and one per site for the merged
 * outages of ech_site_outages.  MPI_Allgather then shows every rank the hashes of
 * every other; they must all be equal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "echelon/disruption.h"
#include "echelon/rng.h"
#include "support_scenario.h"

#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NORTH = 1, SOUTH = 2, N_SITES = 4, N_DIS = 4, REPS = 4000, CAP = 512 };

static int g_rank, g_size;

static void add_site(ech_scenario *sc, const char *id, int32_t supplier, int32_t region)
{
    ech_sites *s = &sc->sites;
    TS_GROW(s->id, s->n);
    TS_GROW(s->supplier, s->n);
    TS_GROW(s->region, s->n);
    TS_GROW(s->lead_time, s->n);
    s->id[s->n] = strdup(id);
    s->supplier[s->n] = supplier;
    s->region[s->n] = region;
    s->lead_time[s->n] = sc->suppliers.lead_time[supplier];
    s->n++;
}

static void add_disruption(ech_scenario *sc, const char *name, ech_disruption_kind kind,
                           ech_disruption_scope scope, int32_t target, double mtbf, double mttr,
                           int32_t from, int32_t to, double capacity)
{
    ech_disruptions *d = &sc->disruptions;
    TS_GROW(d->name, d->n);
    TS_GROW(d->kind, d->n);
    TS_GROW(d->scope, d->n);
    TS_GROW(d->target, d->n);
    TS_GROW(d->mtbf_days, d->n);
    TS_GROW(d->mttr_days, d->n);
    TS_GROW(d->from_day, d->n);
    TS_GROW(d->to_day, d->n);
    TS_GROW(d->capacity, d->n);
    TS_GROW(d->key, d->n);
    d->name[d->n] = strdup(name);
    d->kind[d->n] = (uint8_t)kind;
    d->scope[d->n] = (uint8_t)scope;
    d->target[d->n] = target;
    d->mtbf_days[d->n] = mtbf;
    d->mttr_days[d->n] = mttr;
    d->from_day[d->n] = from;
    d->to_day[d->n] = to;
    d->capacity[d->n] = capacity;
    d->key[d->n] = ech_hash_string(name);
    d->n++;
}

static void build(ech_scenario *sc)
{
    ts_init(sc, 365, 30, REPS, 20270104u);
    ts_add_supplier(sc, "supplier-a", ECH_LT_FIXED, 10, 0, 10, 10);
    ts_add_supplier(sc, "supplier-b", ECH_LT_FIXED, 12, 0, 12, 12);
    ts_add_supplier(sc, "supplier-c", ECH_LT_FIXED, 7, 0, 7, 7);
    ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    sc->n_regions = 3;
    sc->region = malloc(3 * sizeof *sc->region);
    sc->region[0] = strdup("default");
    sc->region[NORTH] = strdup("north");
    sc->region[SOUTH] = strdup("south");
    add_site(sc, "a-north", 0, NORTH);
    add_site(sc, "a-south", 0, SOUTH);
    add_site(sc, "b-north", 1, NORTH);
    add_site(sc, "c-south", 2, SOUTH);
    add_disruption(sc, "north-flood", ECH_DISRUPT_MARKOV, ECH_SCOPE_REGION, NORTH, 120, 20, 0, 0,
                   0.0);
    add_disruption(sc, "supplier-a-strike", ECH_DISRUPT_MARKOV, ECH_SCOPE_SUPPLIER, 0, 200, 10, 0,
                   0, 0.3);
    add_disruption(sc, "breakdowns", ECH_DISRUPT_MARKOV, ECH_SCOPE_EACH_SITE, -1, 40, 5, 0, 0, 0.5);
    add_disruption(sc, "fire", ECH_DISRUPT_SCRIPTED, ECH_SCOPE_SITE, 2, 0, 0, 100, 160, 0.2);
    ech_error err;
    ech_error_clear(&err);
    if (ech_scenario_finalize(sc, "test", &err) != ECH_OK) {
        fprintf(stderr, "test scenario invalid: %s\n", err.msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

static uint64_t hash_spells(uint64_t h, const ech_outage *o, int32_t n)
{
    h = ech_mix64(h ^ (uint64_t)n);
    for (int32_t k = 0; k < n; ++k) {
        uint64_t bits;
        memcpy(&bits, &o[k].capacity, sizeof bits);
        h = ech_mix64(h ^ ((uint64_t)(uint32_t)o[k].start << 32 | (uint32_t)o[k].end));
        h = ech_mix64(h ^ bits);
    }
    return h;
}

/* Hashes per replication, then combined in replication order. */
enum { H_TIMELINE = 0, H_OUTAGES = N_DIS * N_SITES, N_HASH = N_DIS * N_SITES + N_SITES + 1 };

static void test_same_on_every_rank(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc);
    uint64_t *per_rep = calloc((size_t)REPS * (N_HASH - 1), sizeof *per_rep);
    int64_t spells = 0;
    int bad = 0; /* failed checks on this rank: asserting before the collectives
                  * could leave the other ranks waiting */
    ech_outage out[CAP];
    /* Rank r starts at replication r * REPS / size and wraps around. */
    int64_t first = (int64_t)g_rank * REPS / g_size;
    for (int64_t k = 0; k < REPS; ++k) {
        int64_t r = (first + k) % REPS;
        uint64_t *h = per_rep + r * (N_HASH - 1);
        for (int32_t d = 0; d < N_DIS; ++d) {
            for (int32_t site = 0; site < N_SITES; ++site) {
                int32_t n = ech_disruption_timeline(&sc, d, site, r, out, CAP);
                bad += n > CAP;
                spells += n;
                h[H_TIMELINE + d * N_SITES + site] = hash_spells(0, out, n);
            }
        }
        for (int32_t site = 0; site < N_SITES; ++site) {
            int32_t n = ech_site_outages(&sc, &sc.variant[0], site, r, out, CAP);
            bad += n > CAP;
            h[H_OUTAGES + site] = hash_spells(1, out, n);
        }
    }
    uint64_t mine[N_HASH];
    for (int j = 0; j < N_HASH - 1; ++j) {
        uint64_t x = 0;
        for (int64_t r = 0; r < REPS; ++r)
            x = ech_mix64(x ^ per_rep[r * (N_HASH - 1) + j]);
        mine[j] = x;
    }
    mine[N_HASH - 1] = (uint64_t)spells;

    /* Sanity: the regional timeline is one timeline (equal at the north sites), the
     * each_site ones are four. */
    bad += mine[H_TIMELINE + 0 * N_SITES + 0] != mine[H_TIMELINE + 0 * N_SITES + 2];
    bad += mine[H_TIMELINE + 2 * N_SITES + 0] == mine[H_TIMELINE + 2 * N_SITES + 1];
    bad += spells <= REPS;

    uint64_t *all = malloc((size_t)g_size * N_HASH * sizeof *all);
    MPI_Allgather(mine, N_HASH, MPI_UINT64_T, all, N_HASH, MPI_UINT64_T, MPI_COMM_WORLD);
    int differ = bad;
    for (int p = 0; p < g_size; ++p)
        for (int j = 0; j < N_HASH; ++j)
            differ += all[p * N_HASH + j] != mine[j];
    if (g_rank == 0)
        print_message("  %d ranks, %d replications: regional hash %016llx, each_site hash "
                      "(site 0) %016llx, %lld spells on each rank\n",
                      g_size, REPS, (unsigned long long)mine[H_TIMELINE],
                      (unsigned long long)mine[H_TIMELINE + 2 * N_SITES], (long long)spells);
    int total = 0;
    MPI_Allreduce(&differ, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    free(all);
    free(per_rep);
    ech_scenario_free(&sc);
    assert_int_equal(total, 0);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_on_every_rank),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    int any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any ? 1 : 0;
}
