/* Allocation rules; see include/echelon/allocation.h. */
#include "echelon/allocation.h"

#include "echelon/repro_math.h"

#include <math.h>
#include <stdlib.h>

size_t ech_alloc_scratch_bytes(int32_t k)
{
    size_t n = (size_t)(k > 0 ? k : 1);
    return n * (sizeof(int64_t) + 2 * sizeof(double) + 2 * sizeof(int32_t)) + 8;
}

void ech_alloc_scratch_init(ech_alloc_scratch *s, void *buffer, int32_t k)
{
    size_t n = (size_t)(k > 0 ? k : 1);
    char *b = buffer;
    s->remainder = (int64_t *)b;
    b += n * sizeof(int64_t);
    s->gain = (double *)b;
    b += n * sizeof(double);
    s->pmf = (double *)b;
    b += n * sizeof(double);
    s->order = (int32_t *)b;
    b += n * sizeof(int32_t);
    s->level = (int32_t *)b;
}

/* ------------------------------------------------------------------------------
 * Fair share
 * ------------------------------------------------------------------------------ */

void ech_allocate_fair_share(int32_t k, const int32_t *want, int32_t avail, int32_t rotation,
                             int32_t *x, ech_alloc_scratch *s)
{
    int64_t total = 0;
    for (int32_t c = 0; c < k; ++c)
        total += want[c];
    int32_t given = 0;
    for (int32_t c = 0; c < k; ++c) {
        int64_t share = (int64_t)avail * want[c];
        x[c] = (int32_t)(share / total);
        s->remainder[c] = share % total;
        given += x[c];
    }
    /* Fewer units are left than children with a remainder: hand them out one each,
     * largest remainder first, ties by the day's rotation.  k is small and the left
     * units fewer than k, so a selection pass per unit is cheap and needs no sort. */
    const int32_t first = (rotation % k + k) % k; /* the child whose turn is 0 */
    for (int32_t left = avail - given; left > 0; --left) {
        int32_t best = -1;
        int32_t best_turn = 0;
        for (int32_t c = 0; c < k; ++c) {
            if (s->remainder[c] <= 0)
                continue;
            int32_t turn = c >= first ? c - first : c - first + k; /* (c - first) mod k */
            if (best < 0 || s->remainder[c] > s->remainder[best] ||
                (s->remainder[c] == s->remainder[best] && turn < best_turn)) {
                best = c;
                best_turn = turn;
            }
        }
        x[best]++;
        s->remainder[best] = 0;
    }
}

/* ------------------------------------------------------------------------------
 * Lost margin
 * ------------------------------------------------------------------------------ */

/* Negative binomial with mean m and variance r m (r > 1): NB(n, p) with p = 1 / r,
 * n = m / (r - 1).  Near r = 1 it is Poisson. */
static int is_poisson(const ech_claim *c)
{
    return c->var_ratio <= 1.0 + 1e-9;
}

static double pmf_at(const ech_claim *c, int32_t y)
{
    if (is_poisson(c))
        return ech_poisson_pmf((double)y, c->mean);
    double p = 1.0 / c->var_ratio;
    return ech_negbin_pmf((double)y, p, c->mean / (c->var_ratio - 1.0));
}

/* P(D > y), y >= 0. */
static double survival_at(const ech_claim *c, int32_t y)
{
    if (is_poisson(c))
        return ech_poisson_sf((double)y, c->mean);
    double p = 1.0 / c->var_ratio;
    return ech_negbin_sf((double)y, p, c->mean / (c->var_ratio - 1.0));
}

/* pmf(y + 1) from pmf(y). */
static double pmf_next(const ech_claim *c, int32_t y, double pmf)
{
    if (is_poisson(c))
        return pmf * c->mean / (double)(y + 1);
    double n = c->mean / (c->var_ratio - 1.0);
    return pmf * (n + (double)y) / (double)(y + 1) * (1.0 - 1.0 / c->var_ratio);
}

/* A max-heap of children by (gain, then earlier child); s->order holds it. */
static int heap_before(const ech_alloc_scratch *s, int32_t a, int32_t b)
{
    return s->gain[a] > s->gain[b] || (s->gain[a] == s->gain[b] && a < b);
}

static void heap_down(ech_alloc_scratch *s, int32_t n, int32_t at)
{
    int32_t *h = s->order;
    for (;;) {
        int32_t l = 2 * at + 1, r = l + 1, top = at;
        if (l < n && heap_before(s, h[l], h[top]))
            top = l;
        if (r < n && heap_before(s, h[r], h[top]))
            top = r;
        if (top == at)
            return;
        int32_t t = h[at];
        h[at] = h[top];
        h[top] = t;
        at = top;
    }
}

void ech_allocate_lost_margin(int32_t k, const ech_claim *claims, int32_t avail, int32_t *x,
                              ech_alloc_scratch *s)
{
    /* Each child's marginal gain P(D > level) at its current level, carried from
     * level to level1 by the pmf recursion: one library call per child, then O(1)
     * per unit. */
    int32_t n = 0;
    for (int32_t c = 0; c < k; ++c) {
        x[c] = 0;
        const ech_claim *cl = &claims[c];
        s->level[c] = cl->stock;
        if (cl->want <= 0)
            continue;
        if (cl->mean <= 0.0) {
            s->gain[c] = 0.0;
            s->pmf[c] = 0.0;
        } else if (cl->stock < 0) {
            s->gain[c] = 1.0; /* the first units cover what the child already owes */
            s->pmf[c] = 0.0;
        } else {
            s->gain[c] = survival_at(cl, cl->stock);
            s->pmf[c] = pmf_at(cl, cl->stock);
        }
        s->order[n++] = c;
    }
    for (int32_t i = n / 2 - 1; i >= 0; --i)
        heap_down(s, n, i);

    for (int32_t unit = 0; unit < avail && n > 0; ++unit) {
        int32_t c = s->order[0];
        const ech_claim *cl = &claims[c];
        x[c]++;
        int32_t y = ++s->level[c];
        if (x[c] >= cl->want) {
            s->order[0] = s->order[--n];
        } else if (cl->mean > 0.0) {
            if (y < 0) {
                s->gain[c] = 1.0;
            } else if (y == 0) {
                s->pmf[c] = pmf_at(cl, 0);
                s->gain[c] = 1.0 - s->pmf[c];
            } else {
                s->pmf[c] = pmf_next(cl, y - 1, s->pmf[c]);
                s->gain[c] -= s->pmf[c];
            }
            if (s->gain[c] < 0.0)
                s->gain[c] = 0.0;
        }
        heap_down(s, n, 0);
    }
}

double ech_claim_expected_shortfall(const ech_claim *c, int32_t q)
{
    /* E[(D - y)+] = m - y + E[(y - D)+], and E[(y - D)+] = sum_{j<y} P(D <= j). */
    int64_t y = (int64_t)c->stock + q;
    if (c->mean <= 0.0)
        return 0.0;
    if (y <= 0)
        return c->mean - (double)y;
    double under = 0.0;
    for (int64_t j = 0; j < y; ++j)
        under += 1.0 - survival_at(c, (int32_t)j);
    return c->mean - (double)y + under;
}
