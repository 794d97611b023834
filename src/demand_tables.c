/* The demand tables of a demand point; see include/echelon/demand_tables.h. */
#include "echelon/demand_tables.h"
#include "echelon/demand_model.h"
#include "echelon/error.h"

#include <stdlib.h>
#include <string.h>

struct ech_demand_tables {
    const ech_scenario *sc;
    ech_demand_calendar cal;
    double *mean;             /* [n_periods]: the demand point's means */
    double *base_mean;        /* [n_periods]: each distinct mean's, before extra zeros */
    int32_t *distinct;        /* [n_periods]: each period's distinct mean */
    int32_t *first_of;        /* [n_periods]: a period of each distinct mean */
    const ech_dtable **table; /* [n_periods]: the last build's table of each period */
    int32_t *slot;            /* [mask + 1]: hash of means -> distinct index */
    uint32_t *slot_gen;       /* [mask + 1]: the build that filled the slot */
    uint32_t gen;
    uint32_t mask;
};

ech_demand_tables *ech_demand_tables_new(const ech_scenario *sc, const int32_t *period_day,
                                         int32_t n_periods)
{
    ech_demand_tables *b = ech_xcalloc(1, sizeof *b, "demand table builder");
    b->sc = sc;
    ech_demand_calendar_init(&b->cal, sc, period_day, n_periods);
    size_t n = (size_t)(n_periods > 0 ? n_periods : 1);
    b->mean = ech_xmalloc(n * sizeof *b->mean, "demand table builder");
    b->base_mean = ech_xmalloc(n * sizeof *b->base_mean, "demand table builder");
    b->distinct = ech_xmalloc(n * sizeof *b->distinct, "demand table builder");
    b->first_of = ech_xmalloc(n * sizeof *b->first_of, "demand table builder");
    b->table = ech_xmalloc(n * sizeof *b->table, "demand table builder");
    /* At most half full, so probes stay short. */
    uint32_t size = 16;
    while (size < 2 * n)
        size *= 2;
    b->mask = size - 1;
    b->slot = ech_xmalloc(size * sizeof *b->slot, "demand table builder");
    b->slot_gen = ech_xcalloc(size, sizeof *b->slot_gen, "demand table builder");
    return b;
}

void ech_demand_tables_free(ech_demand_tables *b)
{
    if (!b)
        return;
    ech_demand_calendar_free(&b->cal);
    free(b->mean);
    free(b->base_mean);
    free(b->distinct);
    free(b->first_of);
    free(b->table);
    free(b->slot);
    free(b->slot_gen);
    free(b);
}

static uint32_t hash_mean(double m)
{
    uint64_t bits;
    memcpy(&bits, &m, sizeof bits);
    bits *= UINT64_C(0x9E3779B97F4A7C15);
    return (uint32_t)(bits >> 32);
}

/* Numbers the distinct means in the order they first occur: distinct[q] for each
 * period, first_of[k] a period of each; returns how many there are.  Means are
 * finite and not negative, so equal means have equal bits. */
static int32_t number_means(ech_demand_tables *b)
{
    if (++b->gen == 0) { /* the stamps wrapped: clear them once */
        memset(b->slot_gen, 0, ((size_t)b->mask + 1) * sizeof *b->slot_gen);
        b->gen = 1;
    }
    int32_t n_distinct = 0;
    for (int32_t q = 0; q < b->cal.n; ++q) {
        double m = b->mean[q];
        uint32_t h = hash_mean(m) & b->mask;
        for (;;) {
            if (b->slot_gen[h] != b->gen) {
                b->slot_gen[h] = b->gen;
                b->slot[h] = n_distinct;
                b->first_of[n_distinct] = q;
                b->distinct[q] = n_distinct++;
                break;
            }
            if (b->mean[b->first_of[b->slot[h]]] == m) {
                b->distinct[q] = b->slot[h];
                break;
            }
            h = (h + 1) & b->mask;
        }
    }
    return n_distinct;
}

const ech_dtable *const *ech_demand_tables_build(ech_demand_tables *b, ech_arena *arena, int64_t x,
                                                 double *mean, double *bad_mean)
{
    const ech_skulocs *sl = &b->sc->sl;
    ech_demand_calendar_means(b->sc, x, &b->cal, b->mean);
    if (mean)
        memcpy(mean, b->mean, (size_t)b->cal.n * sizeof *mean);
    int32_t n_distinct = number_means(b);
    ech_dtable *t = ech_arena_alloc(arena, (size_t)(n_distinct > 0 ? n_distinct : 1) * sizeof *t,
                                    "demand tables");
    double zero = sl->demand_zero_prob[x];
    ech_count_family family;
    if (ech_count_family_init(&family, sl->demand_dist[x] == ECH_DEMAND_NEGBIN,
                              sl->demand_var_ratio[x], zero) != 0) {
        *bad_mean = n_distinct > 0 ? b->mean[b->first_of[0]] : 0.0;
        return NULL;
    }
    /* The skuloc's mean includes the extra zeros; the base distribution's mean is
     * higher by 1 / (1 - zero_prob). */
    for (int32_t k = 0; k < n_distinct; ++k)
        b->base_mean[k] = b->mean[b->first_of[k]] / (1.0 - zero);
    int32_t built = ech_dtable_count_many(t, arena, &family, b->base_mean, n_distinct);
    if (built < n_distinct) {
        *bad_mean = b->mean[b->first_of[built]];
        return NULL;
    }
    for (int32_t q = 0; q < b->cal.n; ++q)
        b->table[q] = &t[b->distinct[q]];
    return b->table;
}
