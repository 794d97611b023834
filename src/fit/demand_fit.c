/* The calibration procedure (demand_fit.h): pools, own fits, event uplifts,
 * sparse series, the hold-out, the intermittency classes.
 *
 * One pass fits every series on a stretch of its periods:
 *   1. pools: the members of each pool that some series borrows from (at most
 *      pool_sample of them, chosen by a hash of their ids) fit one shape with a
 *      level each;
 *   2. own fits: a series with at least min_nonzero non-zero periods fits every
 *      block its history can identify (weekly: daily histories; yearly: every
 *      calendar month present; trend: two years or more; dispersion), and takes
 *      the others from its pool;
 *   3. events: one uplift per name, the information-weighted mean of the own fits'
 *      estimates (of the pools' when no own fit covers the event);
 *   4. sparse series take every block from their pool and fit their level; own
 *      fits that an event covers are fitted again with the event's uplift fixed.
 * With a hold-out the pass runs first without the last periods (their forecast
 * errors go to the report) and then on everything, starting from the first pass.
 * Each series and each pool is fitted by one thread from its own data, and shared
 * figures are combined in series order, so results do not depend on the threads.
 */
#include "demand_internal.h"
#include "echelon/repro_math.h"
#include "echelon/scenario.h"

#include "../id_index.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_CHAIN = 4 };

const char *ech_dfit_class_name(int cls)
{
    static const char *const names[] = {"smooth", "erratic", "intermittent", "lumpy", "no_sales"};
    return cls >= 0 && cls <= ECH_CLASS_NO_SALES ? names[cls] : "?";
}

/* ------------------------------------------------------------------------------
 * Context: origin and the event rows that apply to each series
 * ------------------------------------------------------------------------------ */

/* The index of a scope id among names (-1: any, -2: names nothing here). */
static int32_t scope(const char *id, char **names, int32_t n, ech_id_map *map)
{
    if (!id)
        return -1;
    ech_id_map_sync(map, names, n);
    int32_t k = ech_id_map_find(map, names, id);
    return k >= 0 ? k : -2;
}

static void context_init(df_context *cx, const ech_dfit_history *h, const ech_dfit_events *ev,
                         const ech_dfit_options *opt)
{
    memset(cx, 0, sizeof *cx);
    cx->h = h;
    cx->ev = ev && ev->n > 0 ? ev : NULL;
    cx->opt = opt;
    cx->threads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    cx->origin = opt->origin != INT32_MIN ? opt->origin : h->first_date + h->cal_days;
    cx->n_events = cx->ev ? ev->n_names : 0;
    cx->ev_row_begin = ech_xcalloc((size_t)h->n_series + 1, sizeof(int64_t), "event rows");
    if (!cx->ev)
        return;
    int32_t *sk = ech_xmalloc((size_t)ev->n * 4 * sizeof(int32_t), "event scopes");
    ech_id_map m[4];
    memset(m, 0, sizeof m);
    for (int32_t r = 0; r < ev->n; ++r) {
        sk[4 * r + 0] = scope(ev->sku[r], h->sku, h->n_skus, &m[0]);
        sk[4 * r + 1] = scope(ev->group[r], h->group, h->n_groups, &m[1]);
        sk[4 * r + 2] = scope(ev->location[r], h->location, h->n_locations, &m[2]);
        sk[4 * r + 3] = scope(ev->region[r], h->region, h->n_regions, &m[3]);
    }
    for (int k = 0; k < 4; ++k)
        ech_id_map_free(&m[k]);
    int64_t n = 0, cap = 0;
    for (int32_t s = 0; s < h->n_series; ++s) {
        const ech_dfit_series *se = &h->series[s];
        int32_t first = ech_dfit_period_start(h, se->first);
        int32_t last = ech_dfit_period_start(h, se->first + se->n) - 1;
        int32_t key[4] = {se->sku, h->sku_group[se->sku], se->location,
                          h->location_region[se->location]};
        for (int32_t r = 0; r < ev->n; ++r) {
            if (ev->end[r] < first || ev->start[r] > last)
                continue;
            int match = 1;
            for (int k = 0; k < 4 && match; ++k)
                match = sk[4 * r + k] == -1 || (sk[4 * r + k] >= 0 && sk[4 * r + k] == key[k]);
            if (!match)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                cx->ev_rows = ech_xrealloc(cx->ev_rows, (size_t)cap * sizeof(int32_t), "events");
            }
            cx->ev_rows[n++] = r;
        }
        cx->ev_row_begin[s + 1] = n;
    }
    free(sk);
}

static void context_free(df_context *cx)
{
    free(cx->ev_row_begin);
    free(cx->ev_rows);
    memset(cx, 0, sizeof *cx);
}

/* ------------------------------------------------------------------------------
 * Pools
 * ------------------------------------------------------------------------------ */

typedef struct pools {
    int32_t n, cap;
    char **name;
    int32_t *chain; /* per series MAX_CHAIN pools, most specific first; -1 unused */
    uint64_t *hash; /* per series, to sample members */
} pools;

static int32_t pool_add(pools *p, char *name)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->name = ech_xrealloc(p->name, (size_t)p->cap * sizeof(char *), "pools");
    }
    p->name[p->n] = name;
    return p->n++;
}

static char *pool_name(const char *a, const char *x, const char *b, const char *y)
{
    size_t n = strlen(a) + strlen(x) + (b ? strlen(b) + strlen(y) + 1 : 0) + 1;
    char *s = ech_xmalloc(n, "pool name");
    if (b)
        snprintf(s, n, "%s%s@%s%s", a, x, b, y);
    else
        snprintf(s, n, "%s%s", a, x);
    return s;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; ++s)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static void pools_build(pools *p, const ech_dfit_history *h)
{
    memset(p, 0, sizeof *p);
    pool_add(p, ech_xstrdup("all", "pool name"));
    int32_t *gp = ech_xmalloc((size_t)(h->n_groups + 1) * sizeof(int32_t), "pools");
    int32_t *rp = ech_xmalloc((size_t)(h->n_regions + 1) * sizeof(int32_t), "pools");
    for (int32_t g = 0; g < h->n_groups; ++g)
        gp[g] = pool_add(p, pool_name("group:", h->group[g], NULL, NULL));
    for (int32_t r = 0; r < h->n_regions; ++r)
        rp[r] = pool_add(p, pool_name("region:", h->region[r], NULL, NULL));
    ech_pair_map pairs;
    memset(&pairs, 0, sizeof pairs);
    p->chain = ech_xmalloc((size_t)h->n_series * MAX_CHAIN * sizeof(int32_t), "pools");
    p->hash = ech_xmalloc((size_t)h->n_series * sizeof(uint64_t), "pools");
    for (int32_t s = 0; s < h->n_series; ++s) {
        const ech_dfit_series *se = &h->series[s];
        int32_t g = h->sku_group[se->sku], r = h->location_region[se->location];
        int32_t *c = p->chain + (size_t)s * MAX_CHAIN, n = 0;
        if (g >= 0 && r >= 0) {
            uint64_t key = ech_pair_key(g, r);
            int64_t k = ech_pair_map_find(&pairs, key);
            if (k < 0) {
                k = pool_add(p, pool_name("group:", h->group[g], "region:", h->region[r]));
                ech_pair_map_put(&pairs, key, k);
            }
            c[n++] = (int32_t)k;
        }
        if (g >= 0)
            c[n++] = gp[g];
        if (r >= 0)
            c[n++] = rp[r];
        c[n++] = 0;
        while (n < MAX_CHAIN)
            c[n++] = -1;
        p->hash[s] = fnv(fnv(14695981039346656037ULL, h->sku[se->sku]), h->location[se->location]);
    }
    ech_pair_map_free(&pairs);
    free(gp);
    free(rp);
}

static void pools_free(pools *p)
{
    ech_strings_free(p->name, p->n);
    free(p->chain);
    free(p->hash);
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------------------------
 * One pass
 * ------------------------------------------------------------------------------ */

/* What a stretch of a series' periods can identify. */
typedef struct span_info {
    int32_t n_use, nonzero, span_days;
    int month_mask; /* calendar months present (bit m) */
} span_info;

static void span_of(const df_context *cx, int32_t s, int32_t n_use, span_info *si)
{
    const ech_dfit_history *h = cx->h;
    const ech_dfit_series *se = &h->series[s];
    memset(si, 0, sizeof *si);
    si->n_use = n_use;
    if (n_use <= 0)
        return;
    for (int32_t i = 0; i < n_use; ++i)
        si->nonzero += se->sales[i] > 0;
    int32_t a = ech_dfit_period_start(h, se->first);
    int32_t b = ech_dfit_period_start(h, se->first + n_use) - 1;
    si->span_days = b - a + 1;
    if (si->span_days >= 365) {
        si->month_mask = 0xfff;
    } else {
        for (int32_t d = a; d <= b; ++d)
            si->month_mask |= 1 << (h->cal_month[d - h->first_date] % 12);
    }
}

/* The blocks a stretch (or a pool's members together) identifies. */
static void estimable(const df_context *cx, int month_mask, int32_t span_days, int est[4])
{
    const ech_dfit_options *o = cx->opt;
    est[ECH_BLOCK_WEEKLY] = o->weekly && cx->h->period == ECH_PERIOD_DAY;
    est[ECH_BLOCK_YEARLY] = o->yearly && month_mask == 0xfff;
    est[ECH_BLOCK_TREND] = o->trend && span_days >= 730;
    est[ECH_BLOCK_DISPERSION] = 1;
}

/* An estimate of an event's log uplift and its variance. */
typedef struct ev_est {
    int32_t event;
    double u, var;
} ev_est;

typedef struct pass {
    const df_context *cx;
    const pools *pl;
    const int32_t *n_use;    /* per series */
    const struct pass *warm; /* an earlier pass to start from, or NULL */
    span_info *span;
    ech_dfit_model *model; /* per series */
    int32_t (*source)[ECH_BLOCK_COUNT];
    uint8_t *status;
    int32_t *iterations;
    double *loglik;
    int8_t *sparse;         /* 1: shape from the pool; -1: no sales */
    ech_dfit_pool *pool;    /* pl->n */
    int *pool_fitted;       /* pl->n */
    double *ev_log, *ev_se; /* per event name */
    /* event estimates of the own fits (per series) and of the pools (per pool), for
     * the weighted mean of step 3 */
    ev_est **est, **pool_est;
    int32_t *n_est, *n_pool_est;
} pass;

/* Parameters, bounds and free flags of a problem whose members were added. */
static void setup(df_problem *pb, const df_context *cx, const int free_block[4],
                  const ech_dfit_model *base, const double *ev_start)
{
    const ech_dfit_options *o = cx->opt;
    double prec = 1 / (o->prior_sd * o->prior_sd);
    int zi = o->zero_inflation && cx->h->period == ECH_PERIOD_DAY;
    for (int32_t i = 0; i < pb->np; ++i) {
        pb->prior_mean[i] = 0;
        pb->prior_prec[i] = 0;
    }
    for (int d = 0; d < 7; ++d) {
        pb->theta[DF_W + d] = base ? base->weekly[d] : 0;
        pb->free[DF_W + d] = (uint8_t)free_block[ECH_BLOCK_WEEKLY];
        pb->lo[DF_W + d] = -5;
        pb->hi[DF_W + d] = 5;
        pb->prior_prec[DF_W + d] = prec;
    }
    for (int m = 0; m < 12; ++m) {
        pb->theta[DF_S + m] = base ? base->yearly[m] : 0;
        pb->free[DF_S + m] = (uint8_t)free_block[ECH_BLOCK_YEARLY];
        pb->lo[DF_S + m] = -5;
        pb->hi[DF_S + m] = 5;
        pb->prior_prec[DF_S + m] = prec;
    }
    /* The trend keeps 1 + trend x years >= 0.02 over the data. */
    double ymin = 0, ymax = 0;
    for (int32_t c = 0; c < pb->n_cells; ++c) {
        double y = pb->cell[c].years;
        ymin = y < ymin ? y : ymin;
        ymax = y > ymax ? y : ymax;
    }
    pb->lo[DF_TREND] = ymax > 0 && -0.98 / ymax > -0.99 ? -0.98 / ymax : -0.99;
    pb->hi[DF_TREND] = ymin < 0 && 0.98 / -ymin < 10 ? 0.98 / -ymin : 10;
    pb->theta[DF_TREND] = base ? base->trend : 0;
    pb->free[DF_TREND] = (uint8_t)free_block[ECH_BLOCK_TREND];
    pb->prior_prec[DF_TREND] = prec;
    double r = base ? base->var_ratio : 2;
    pb->theta[DF_PHI] = r - 1 > 1e-3 ? r - 1 : 1e-3;
    pb->lo[DF_PHI] = 1e-3;
    pb->hi[DF_PHI] = 99;
    pb->free[DF_PHI] = (uint8_t)free_block[ECH_BLOCK_DISPERSION];
    double pi = base ? base->zero_prob : 0.02;
    pb->theta[DF_PI] = zi ? (pi > 0.999 ? 0.999 : pi) : 0;
    pb->lo[DF_PI] = 0;
    pb->hi[DF_PI] = 0.999;
    pb->free[DF_PI] = (uint8_t)(zi && free_block[ECH_BLOCK_DISPERSION]);
    for (int32_t e = 0; e < pb->n_ev; ++e) {
        double u = ev_start ? ev_start[pb->ev_global[e]] : 0;
        pb->theta[DF_EV + e] = u == u ? u : 0;
        pb->free[DF_EV + e] = 1;
        pb->lo[DF_EV + e] = ech_log(1 / ECH_DFIT_MAX_UPLIFT);
        pb->hi[DF_EV + e] = ech_log(ECH_DFIT_MAX_UPLIFT);
        pb->prior_prec[DF_EV + e] = 1.0 / 9;
    }
    /* A fixed parameter stays where it is (clamped into what the data allow). */
    for (int32_t i = 0; i < pb->np; ++i) {
        if (pb->free[i])
            continue;
        double v = pb->theta[i];
        if (i == DF_TREND)
            v = v < pb->lo[i] ? pb->lo[i] : v > pb->hi[i] ? pb->hi[i] : v;
        pb->theta[i] = pb->lo[i] = pb->hi[i] = v;
    }
    /* Levels: from the base for one member, else the mean rate. */
    for (int32_t m = 0; m < pb->n_members; ++m) {
        df_member *mb = &pb->member[m];
        if (base && pb->n_members == 1) {
            mb->level = base->level;
            continue;
        }
        double sy = 0, ex = 0;
        for (int32_t c = mb->first_cell; c < mb->first_cell + mb->n_cells; ++c) {
            const dcell *cl = &pb->cell[c];
            sy += cl->sum_pos;
            for (int32_t k = 0; k < cl->n_cen; ++k)
                sy += pb->y[cl->cen_first + k];
            ex += (cl->n_pos + cl->n_zero + cl->n_cen) * ech_exp(cl->log_exposure);
        }
        mb->level = ech_log((sy + 0.1) / (ex > 0 ? ex : 1));
    }
}

static void extract(const df_problem *pb, int32_t m, ech_dfit_model *out)
{
    out->level = pb->member[m].level;
    for (int d = 0; d < 7; ++d)
        out->weekly[d] = pb->theta[DF_W + d];
    for (int k = 0; k < 12; ++k)
        out->yearly[k] = pb->theta[DF_S + k];
    out->trend = pb->theta[DF_TREND];
    out->var_ratio = 1 + pb->theta[DF_PHI];
    out->zero_prob = pb->theta[DF_PI];
}

/* Fixed event uplifts: the file's, and (after step 3) the estimated ones. */
static double *fixed_events(const df_context *cx, const double *estimated)
{
    double *f = ech_xmalloc((size_t)(cx->n_events + 1) * sizeof(double), "event uplifts");
    for (int32_t e = 0; e < cx->n_events; ++e) {
        double g = cx->ev->given[e];
        f[e] = g == g ? ech_log(g) : estimated ? estimated[e] : NAN;
    }
    return f;
}

/* The event estimates of a fit with a finite variance. */
static void keep_estimates(const df_problem *pb, ev_est **out, int32_t *n)
{
    *out = NULL;
    *n = 0;
    if (pb->status == ECH_FIT_FAILED || pb->n_ev == 0)
        return;
    *out = ech_xmalloc((size_t)pb->n_ev * sizeof(ev_est), "event estimates");
    for (int32_t e = 0; e < pb->n_ev; ++e) {
        if (!(pb->ev_var[e] > 0))
            continue;
        ev_est *x = &(*out)[(*n)++];
        x->event = pb->ev_global[e];
        x->u = pb->theta[DF_EV + e];
        x->var = pb->ev_var[e];
    }
}

/* Step 1: the shape of every pool some series borrows from. */
static void fit_pools(pass *ps, const int *needed)
{
    const df_context *cx = ps->cx;
    const pools *pl = ps->pl;
    const ech_dfit_history *h = cx->h;
    /* Members by pool, in series order, then the sample by hash. */
    int64_t *begin = ech_xcalloc((size_t)pl->n + 1, sizeof(int64_t), "pool members");
    for (int32_t s = 0; s < h->n_series; ++s)
        for (int k = 0; k < MAX_CHAIN; ++k)
            if (pl->chain[(size_t)s * MAX_CHAIN + k] >= 0 && ps->span[s].nonzero > 0)
                begin[pl->chain[(size_t)s * MAX_CHAIN + k] + 1]++;
    for (int32_t q = 0; q < pl->n; ++q)
        begin[q + 1] += begin[q];
    int32_t *mem = ech_xmalloc((size_t)(begin[pl->n] + 1) * sizeof(int32_t), "pool members");
    int64_t *fill = ech_xmalloc((size_t)(pl->n + 1) * sizeof(int64_t), "pool members");
    memcpy(fill, begin, (size_t)pl->n * sizeof(int64_t));
    for (int32_t s = 0; s < h->n_series; ++s)
        for (int k = 0; k < MAX_CHAIN; ++k) {
            int32_t q = pl->chain[(size_t)s * MAX_CHAIN + k];
            if (q >= 0 && ps->span[s].nonzero > 0)
                mem[fill[q]++] = s;
        }
    free(fill);
    double *fixed = fixed_events(cx, NULL);
#pragma omp parallel num_threads(cx->threads)
    {
        df_problem pb;
        df_problem_init(&pb);
#pragma omp for schedule(dynamic, 1)
        for (int32_t q = 0; q < pl->n; ++q) {
            if (!needed[q] || ps->pool_fitted[q])
                continue;
            ps->pool_fitted[q] = 1;
            int32_t n = (int32_t)(begin[q + 1] - begin[q]);
            int32_t *m = mem + begin[q];
            /* The members with the smallest hashes (selection, not a full sort). */
            int32_t take = n < cx->opt->pool_sample ? n : cx->opt->pool_sample;
            for (int32_t a = 0; a < take; ++a)
                for (int32_t b = a + 1; b < n; ++b)
                    if (pl->hash[m[b]] < pl->hash[m[a]] ||
                        (pl->hash[m[b]] == pl->hash[m[a]] && m[b] < m[a])) {
                        int32_t t = m[a];
                        m[a] = m[b];
                        m[b] = t;
                    }
            df_problem_reset(&pb);
            for (int32_t a = 0; a < take; ++a)
                df_add_member(&pb, cx, m[a], ps->n_use[m[a]], fixed);
            ech_dfit_pool *po = &ps->pool[q];
            setup(&pb, cx, po->estimated, NULL, NULL);
            df_fit(&pb, cx->opt->max_iter);
            po->fitted_members = take;
            po->status = pb.status;
            extract(&pb, 0, &po->m);
            keep_estimates(&pb, &ps->pool_est[q], &ps->n_pool_est[q]);
            if (pb.status == ECH_FIT_FAILED)
                for (int b = 0; b < ECH_BLOCK_COUNT; ++b)
                    po->estimated[b] = 0;
        }
        df_problem_free(&pb);
    }
    free(fixed);
    free(mem);
    free(begin);
}

/* The blocks series s fits itself, and where the others come from. */
static void sources(pass *ps, int32_t s, int own_allowed, int free_block[4])
{
    const df_context *cx = ps->cx;
    const span_info *si = &ps->span[s];
    int est[4];
    estimable(cx, si->month_mask, si->span_days, est);
    for (int b = 0; b < ECH_BLOCK_COUNT; ++b) {
        free_block[b] = own_allowed && est[b];
        ps->source[s][b] = ECH_SOURCE_NONE;
        if (free_block[b]) {
            ps->source[s][b] = ECH_SOURCE_OWN;
            continue;
        }
        for (int k = 0; k < MAX_CHAIN; ++k) {
            int32_t q = ps->pl->chain[(size_t)s * MAX_CHAIN + k];
            if (q < 0)
                break;
            const ech_dfit_pool *po = &ps->pool[q];
            if (po->estimated[b] && (q == 0 || po->nonzero >= cx->opt->min_nonzero)) {
                ps->source[s][b] = q;
                break;
            }
        }
    }
}

/* The model a series starts from: its pool's blocks where it borrows, flat
 * elsewhere; the warm pass's model when there is one. */
static void base_model(const pass *ps, int32_t s, ech_dfit_model *m)
{
    memset(m, 0, sizeof *m);
    m->var_ratio = 2;
    m->zero_prob = 0.02;
    uint8_t st = ps->status[s];
    if (ps->sparse[s] == 0 && (st == ECH_FIT_CONVERGED || st == ECH_FIT_ITER_LIMIT))
        *m = ps->model[s]; /* refitting (fixed event uplifts): from the first fit */
    else if (ps->warm && ps->warm->sparse[s] == 0 &&
             (ps->warm->status[s] == ECH_FIT_CONVERGED ||
              ps->warm->status[s] == ECH_FIT_ITER_LIMIT))
        *m = ps->warm->model[s];
    for (int b = 0; b < ECH_BLOCK_COUNT; ++b) {
        int32_t q = ps->source[s][b];
        if (q < 0) {
            if (q == ECH_SOURCE_NONE && b == ECH_BLOCK_WEEKLY)
                memset(m->weekly, 0, sizeof m->weekly);
            if (q == ECH_SOURCE_NONE && b == ECH_BLOCK_YEARLY)
                memset(m->yearly, 0, sizeof m->yearly);
            if (q == ECH_SOURCE_NONE && b == ECH_BLOCK_TREND)
                m->trend = 0;
            continue;
        }
        const ech_dfit_model *pm = &ps->pool[q].m;
        if (b == ECH_BLOCK_WEEKLY)
            memcpy(m->weekly, pm->weekly, sizeof m->weekly);
        else if (b == ECH_BLOCK_YEARLY)
            memcpy(m->yearly, pm->yearly, sizeof m->yearly);
        else if (b == ECH_BLOCK_TREND)
            m->trend = pm->trend;
        else {
            m->var_ratio = pm->var_ratio;
            m->zero_prob = pm->zero_prob;
        }
    }
}

/* Fits series s (the blocks in free_block free, the others fixed at its base
 * model); events whose uplift `fixed` gives get no parameter. */
static void fit_series(pass *ps, df_problem *pb, int32_t s, const int free_block[4],
                       const double *fixed)
{
    const df_context *cx = ps->cx;
    ech_dfit_model base;
    base_model(ps, s, &base);
    df_problem_reset(pb);
    df_add_member(pb, cx, s, ps->n_use[s], fixed);
    setup(pb, cx, free_block, &base, ps->warm ? ps->warm->ev_log : NULL);
    int any_free = 0;
    for (int32_t i = 0; i < pb->np; ++i)
        any_free |= pb->free[i];
    if (any_free)
        df_fit(pb, cx->opt->max_iter);
    else
        df_fit_levels(pb, cx->opt->max_iter);
    ps->status[s] = pb->status;
    ps->iterations[s] = pb->iterations;
    ps->loglik[s] = pb->loglik;
    ps->model[s] = base;
    if (pb->status != ECH_FIT_FAILED) {
        extract(pb, 0, &ps->model[s]);
    } else {
        /* No finite fit: the level by moments (as setup started it) on the base. */
        df_problem_reset(pb);
        df_add_member(pb, cx, s, ps->n_use[s], fixed);
        int none[4] = {0, 0, 0, 0};
        setup(pb, cx, none, NULL, NULL);
        ps->model[s].level = pb->member[0].level;
    }
}

/* Sources of every series (own blocks only where `own` allows), and the pools they
 * need fitted, until no series borrows from a pool not yet fitted. */
static void ensure_pools(pass *ps)
{
    const pools *pl = ps->pl;
    int32_t ns = ps->cx->h->n_series;
    int *needed = ech_xcalloc((size_t)pl->n, sizeof(int), "pools needed");
    for (;;) {
        int more = 0;
        for (int32_t s = 0; s < ns; ++s) {
            int fb[4];
            if (ps->sparse[s] < 0)
                continue;
            sources(ps, s, ps->sparse[s] == 0, fb);
            for (int b = 0; b < ECH_BLOCK_COUNT; ++b) {
                int32_t q = ps->source[s][b];
                if (q >= 0 && !ps->pool_fitted[q] && !needed[q]) {
                    needed[q] = 1;
                    more = 1;
                }
            }
        }
        if (!more)
            break;
        fit_pools(ps, needed);
    }
    free(needed);
}

/* Step 3: one log uplift per event name, the information-weighted mean of the own
 * fits' estimates, else of the pools'. */
static void combine_events(pass *ps)
{
    const df_context *cx = ps->cx;
    int32_t ne = cx->n_events;
    double *sw = ech_xcalloc((size_t)ne + 1, sizeof(double), "event weights");
    double *su = ech_xcalloc((size_t)ne + 1, sizeof(double), "event weights");
    for (int round = 0; round < 2; ++round) {
        int32_t n = round == 0 ? cx->h->n_series : ps->pl->n;
        for (int32_t i = 0; i < n; ++i) {
            const ev_est *x = round == 0 ? ps->est[i] : ps->pool_est[i];
            int32_t k = round == 0 ? ps->n_est[i] : ps->n_pool_est[i];
            for (int32_t j = 0; j < k; ++j) {
                int32_t e = x[j].event;
                if (round == 1 && ps->ev_se[e] == ps->ev_se[e])
                    continue; /* own fits decided it */
                sw[e] += 1 / x[j].var;
                su[e] += x[j].u / x[j].var;
            }
        }
        for (int32_t e = 0; e < ne; ++e)
            if (sw[e] > 0 && !(ps->ev_se[e] == ps->ev_se[e])) {
                ps->ev_log[e] = su[e] / sw[e];
                ps->ev_se[e] = sqrt(1 / sw[e]);
            }
    }
    for (int32_t e = 0; e < ne; ++e) {
        double g = cx->ev->given[e];
        if (g == g) {
            ps->ev_log[e] = ech_log(g);
            ps->ev_se[e] = NAN;
        } else if (!(ps->ev_se[e] == ps->ev_se[e])) {
            ps->ev_log[e] = 0; /* no period of the history: no information */
        }
    }
    free(sw);
    free(su);
}

/* Whether an event with an estimated uplift covers series s. */
static int has_estimated_event(const df_context *cx, int32_t s)
{
    for (int64_t r = cx->ev_row_begin[s]; r < cx->ev_row_begin[s + 1]; ++r) {
        double g = cx->ev->given[cx->ev->event[cx->ev_rows[r]]];
        if (!(g == g))
            return 1;
    }
    return 0;
}

static void pass_alloc(pass *ps, const df_context *cx, const pools *pl, const int32_t *n_use,
                       const pass *warm)
{
    int32_t ns = cx->h->n_series;
    size_t n = (size_t)(ns > 0 ? ns : 1), np = (size_t)pl->n, ne = (size_t)cx->n_events + 1;
    memset(ps, 0, sizeof *ps);
    ps->cx = cx;
    ps->pl = pl;
    ps->n_use = n_use;
    ps->warm = warm;
    ps->span = ech_xcalloc(n, sizeof *ps->span, "fit pass");
    ps->model = ech_xcalloc(n, sizeof *ps->model, "fit pass");
    ps->source = ech_xcalloc(n, sizeof *ps->source, "fit pass");
    ps->status = ech_xcalloc(n, sizeof *ps->status, "fit pass");
    ps->iterations = ech_xcalloc(n, sizeof *ps->iterations, "fit pass");
    ps->loglik = ech_xcalloc(n, sizeof *ps->loglik, "fit pass");
    ps->sparse = ech_xcalloc(n, sizeof *ps->sparse, "fit pass");
    ps->pool = ech_xcalloc(np, sizeof *ps->pool, "fit pass");
    ps->pool_fitted = ech_xcalloc(np, sizeof(int), "fit pass");
    ps->ev_log = ech_xcalloc(ne, sizeof(double), "fit pass");
    ps->ev_se = ech_xmalloc(ne * sizeof(double), "fit pass");
    for (size_t e = 0; e < ne; ++e)
        ps->ev_se[e] = NAN;
    ps->est = ech_xcalloc(n, sizeof *ps->est, "fit pass");
    ps->n_est = ech_xcalloc(n, sizeof *ps->n_est, "fit pass");
    ps->pool_est = ech_xcalloc(np, sizeof *ps->pool_est, "fit pass");
    ps->n_pool_est = ech_xcalloc(np, sizeof *ps->n_pool_est, "fit pass");
}

static void pass_free(pass *ps)
{
    for (int32_t s = 0; s < ps->cx->h->n_series; ++s)
        free(ps->est[s]);
    for (int32_t q = 0; q < ps->pl->n; ++q)
        free(ps->pool_est[q]);
    free(ps->span);
    free(ps->model);
    free(ps->source);
    free(ps->status);
    free(ps->iterations);
    free(ps->loglik);
    free(ps->sparse);
    free(ps->pool);
    free(ps->pool_fitted);
    free(ps->ev_log);
    free(ps->ev_se);
    free(ps->est);
    free(ps->n_est);
    free(ps->pool_est);
    free(ps->n_pool_est);
}

static void run_pass(pass *ps)
{
    const df_context *cx = ps->cx;
    const ech_dfit_history *h = cx->h;
    const pools *pl = ps->pl;
    int32_t ns = h->n_series;
    for (int32_t s = 0; s < ns; ++s) {
        span_of(cx, s, ps->n_use[s], &ps->span[s]);
        int32_t nz = ps->span[s].nonzero;
        ps->sparse[s] = (int8_t)(nz == 0 ? -1 : nz < cx->opt->min_nonzero ? 1 : 0);
        ps->status[s] = ECH_FIT_NONE;
        for (int b = 0; b < ECH_BLOCK_COUNT; ++b)
            ps->source[s][b] = ECH_SOURCE_NONE;
    }
    /* What each pool's members identify together. */
    int *mask = ech_xcalloc((size_t)pl->n, sizeof(int), "pools");
    int32_t *span = ech_xcalloc((size_t)pl->n, sizeof(int32_t), "pools");
    for (int32_t s = 0; s < ns; ++s) {
        if (ps->span[s].nonzero == 0)
            continue;
        for (int k = 0; k < MAX_CHAIN; ++k) {
            int32_t q = pl->chain[(size_t)s * MAX_CHAIN + k];
            if (q < 0)
                break;
            ps->pool[q].members++;
            ps->pool[q].nonzero += ps->span[s].nonzero;
            mask[q] |= ps->span[s].month_mask;
            span[q] = ps->span[s].span_days > span[q] ? ps->span[s].span_days : span[q];
        }
    }
    for (int32_t q = 0; q < pl->n; ++q) {
        ps->pool[q].name = pl->name[q];
        ps->pool[q].status = ECH_FIT_NONE;
        if (ps->pool[q].members > 0)
            estimable(cx, mask[q], span[q], ps->pool[q].estimated);
    }
    free(mask);
    free(span);

    ensure_pools(ps);
    double *given = fixed_events(cx, NULL);
#pragma omp parallel num_threads(cx->threads)
    {
        df_problem pb;
        df_problem_init(&pb);
#pragma omp for schedule(dynamic, 4)
        for (int32_t s = 0; s < ns; ++s) {
            if (ps->sparse[s] != 0)
                continue;
            int fb[4];
            sources(ps, s, 1, fb);
            fit_series(ps, &pb, s, fb, given);
            if (ps->status[s] == ECH_FIT_FAILED)
                ps->sparse[s] = 1; /* falls back to its pool's shape */
            else
                keep_estimates(&pb, &ps->est[s], &ps->n_est[s]);
        }
        df_problem_free(&pb);
    }
    free(given);
    ensure_pools(ps); /* pools for the series that fell back */
    if (cx->ev)
        combine_events(ps);
    double *all = fixed_events(cx, ps->ev_log);
#pragma omp parallel num_threads(cx->threads)
    {
        df_problem pb;
        df_problem_init(&pb);
#pragma omp for schedule(dynamic, 4)
        for (int32_t s = 0; s < ns; ++s) {
            int fb[4];
            if (ps->sparse[s] < 0)
                continue;
            if (ps->sparse[s] == 0 && !(cx->ev && has_estimated_event(cx, s)))
                continue;
            sources(ps, s, ps->sparse[s] == 0, fb);
            uint8_t first = ps->status[s];
            fit_series(ps, &pb, s, fb, all);
            if (ps->sparse[s] == 1 && first == ECH_FIT_FAILED && ps->status[s] != ECH_FIT_FAILED)
                ps->status[s] = ECH_FIT_FAILED; /* own fit failed: reported as such */
        }
        df_problem_free(&pb);
    }
    free(all);
    for (int32_t s = 0; s < ns; ++s)
        for (int b = 0; b < ECH_BLOCK_COUNT; ++b)
            if (ps->source[s][b] >= 0)
                ps->pool[ps->source[s][b]].used = 1;
}

/* ------------------------------------------------------------------------------
 * Statistics of the history: classes and hold-out errors
 * ------------------------------------------------------------------------------ */

/* ADI and CV2 of the sales (Syntetos and Boylan's classes). */
static void classify(const ech_dfit_series *se, ech_dfit_series_fit *f)
{
    double n = 0, sum = 0, sum2 = 0;
    for (int32_t i = 0; i < se->n; ++i)
        if (se->sales[i] > 0) {
            n++;
            sum += se->sales[i];
            sum2 += (double)se->sales[i] * se->sales[i];
        }
    f->nonzero = (int32_t)n;
    if (n == 0) {
        f->adi = f->cv2 = NAN;
        f->cls = ECH_CLASS_NO_SALES;
        return;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    f->adi = se->n / n;
    f->cv2 = var > 0 ? var / (mean * mean) : 0;
    int inter = f->adi >= 1.32, erratic = f->cv2 >= 0.49;
    f->cls = (uint8_t)(inter ? (erratic ? ECH_CLASS_LUMPY : ECH_CLASS_INTERMITTENT)
                             : (erratic ? ECH_CLASS_ERRATIC : ECH_CLASS_SMOOTH));
}

/* Forecast errors of the periods after n_train from the training pass's model: MAE
 * scaled by the in-sample MAE of the naive forecast (the value m periods back: a
 * week for daily histories, one period otherwise), over the periods that could sell
 * throughout and were not censored. */
static void holdout(const df_context *cx, const pass *tr, int32_t s, int32_t n_train,
                    ech_dfit_series_fit *f)
{
    const ech_dfit_series *se = &cx->h->series[s];
    f->ho_periods = 0;
    f->mase = f->bias = f->rel_bias = f->mae_scale = NAN;
    if (n_train >= se->n || tr->status[s] == ECH_FIT_NONE)
        return;
    int32_t lag = cx->h->period == ECH_PERIOD_DAY ? 7 : 1;
    double sc = 0, share;
    int32_t nsc = 0;
    double s2;
    for (int32_t i = lag; i < n_train; ++i)
        if (!df_censored(cx, se, i, &share) && !df_censored(cx, se, i - lag, &s2) && share == 1 &&
            s2 == 1) {
            sc += fabs((double)se->sales[i] - se->sales[i - lag]);
            nsc++;
        }
    double ae = 0, err = 0, act = 0;
    int32_t n = 0;
    for (int32_t i = n_train; i < se->n; ++i) {
        if (df_censored(cx, se, i, &share) || share < 1)
            continue;
        double fc = df_period_mean(cx, &tr->model[s], tr->ev_log, s, i);
        ae += fabs(fc - se->sales[i]);
        err += fc - se->sales[i];
        act += se->sales[i];
        n++;
    }
    f->ho_periods = n;
    if (n == 0)
        return;
    f->bias = err / n;
    f->rel_bias = act > 0 ? err / act : NAN;
    if (nsc > 0 && sc > 0) {
        f->mae_scale = sc / nsc;
        f->mase = (ae / n) / f->mae_scale;
    }
}

/* ------------------------------------------------------------------------------
 * The procedure
 * ------------------------------------------------------------------------------ */

static double mean_exp(const double *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; ++i)
        s += ech_exp(x[i]);
    return s / n;
}

ech_status ech_dfit_run(const ech_dfit_history *h, const ech_dfit_events *ev,
                        const ech_dfit_options *opt, ech_dfit_result *res, ech_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(res, 0, sizeof *res);
    res->opt = *opt;
    df_context *cx = ech_xmalloc(sizeof *cx, "fit context");
    context_init(cx, h, ev, &res->opt);
    res->ctx = cx;
    res->origin = cx->origin;
    int32_t ns = h->n_series;
    pools pl;
    pools_build(&pl, h);

    /* The hold-out: periods starting in the last holdout_days days. */
    int32_t *n_all = ech_xmalloc((size_t)(ns + 1) * sizeof(int32_t), "fit periods");
    int32_t *n_train = ech_xmalloc((size_t)(ns + 1) * sizeof(int32_t), "fit periods");
    int32_t cut = h->first_date + h->cal_days - opt->holdout_days;
    int any_holdout = 0;
    for (int32_t s = 0; s < ns; ++s) {
        const ech_dfit_series *se = &h->series[s];
        n_all[s] = se->n;
        n_train[s] = se->n;
        while (opt->holdout_days > 0 && n_train[s] > 0 &&
               ech_dfit_period_start(h, se->first + n_train[s] - 1) >= cut)
            n_train[s]--;
        any_holdout |= n_train[s] < se->n;
    }
    pass train, full;
    int have_train = 0;
    if (any_holdout) {
        pass_alloc(&train, cx, &pl, n_train, NULL);
        run_pass(&train);
        have_train = 1;
    }
    pass_alloc(&full, cx, &pl, n_all, have_train ? &train : NULL);
    run_pass(&full);

    res->n_series = ns;
    res->fit = ech_xcalloc((size_t)(ns + 1), sizeof *res->fit, "fit results");
    for (int32_t s = 0; s < ns; ++s) {
        const ech_dfit_series *se = &h->series[s];
        ech_dfit_series_fit *f = &res->fit[s];
        classify(se, f);
        f->periods = se->n;
        double share;
        for (int32_t i = 0; i < se->n; ++i)
            f->censored += df_censored(cx, se, i, &share);
        f->status = full.status[s];
        f->iterations = full.iterations[s];
        f->loglik = full.loglik[s];
        memcpy(f->source, full.source[s], sizeof f->source);
        f->m = full.model[s];
        if (full.sparse[s] < 0) {
            f->status = ECH_FIT_NONE;
            f->demand_mean = 0;
            f->m.var_ratio = 1;
            f->m.zero_prob = 0;
            f->m.trend = 0;
            for (int b = 0; b < ECH_BLOCK_COUNT; ++b)
                f->source[b] = ECH_SOURCE_NONE;
        } else {
            f->demand_mean =
                ech_exp(f->m.level) * mean_exp(f->m.weekly, 7) * mean_exp(f->m.yearly, 12);
        }
        f->ho_periods = 0;
        f->mase = f->bias = f->rel_bias = f->mae_scale = NAN;
        if (have_train)
            holdout(cx, &train, s, n_train[s], f);
    }
    res->n_pools = pl.n;
    res->pool = ech_xcalloc((size_t)pl.n, sizeof *res->pool, "pools");
    for (int32_t q = 0; q < pl.n; ++q) {
        res->pool[q] = full.pool[q];
        res->pool[q].name = ech_xstrdup(pl.name[q], "pool name");
    }
    res->n_events = cx->n_events;
    res->uplift = ech_xcalloc((size_t)cx->n_events + 1, sizeof(double), "uplifts");
    res->uplift_se = ech_xcalloc((size_t)cx->n_events + 1, sizeof(double), "uplifts");
    res->event_series = ech_xcalloc((size_t)cx->n_events + 1, sizeof(int32_t), "uplifts");
    for (int32_t e = 0; e < cx->n_events; ++e) {
        res->uplift[e] = ech_exp(full.ev_log[e]);
        res->uplift_se[e] = full.ev_se[e];
    }
    for (int32_t s = 0; s < ns && cx->ev; ++s) {
        /* Each event name once per series. */
        for (int64_t r = cx->ev_row_begin[s]; r < cx->ev_row_begin[s + 1]; ++r) {
            int32_t e = cx->ev->event[cx->ev_rows[r]], seen = 0;
            for (int64_t q = cx->ev_row_begin[s]; q < r && !seen; ++q)
                seen = cx->ev->event[cx->ev_rows[q]] == e;
            res->event_series[e] += !seen;
        }
    }
    if (have_train)
        pass_free(&train);
    pass_free(&full);
    pools_free(&pl);
    free(n_all);
    free(n_train);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    (void)err;
    return ECH_OK;
}

double ech_dfit_period_mean(const ech_dfit_result *res, int32_t s, int32_t i)
{
    const ech_dfit_series_fit *f = &res->fit[s];
    if (f->status == ECH_FIT_NONE)
        return 0;
    double *ev_log = ech_xmalloc((size_t)(res->n_events + 1) * sizeof(double), "uplifts");
    for (int32_t e = 0; e < res->n_events; ++e)
        ev_log[e] = ech_log(res->uplift[e]);
    double m = df_period_mean(res->ctx, &f->m, ev_log, s, i);
    free(ev_log);
    return m;
}

void ech_dfit_result_free(ech_dfit_result *res)
{
    if (res->ctx) {
        context_free(res->ctx);
        free(res->ctx);
    }
    for (int32_t q = 0; q < res->n_pools; ++q)
        free(res->pool[q].name);
    free(res->pool);
    free(res->fit);
    free(res->uplift);
    free(res->uplift_se);
    free(res->event_series);
    memset(res, 0, sizeof *res);
}
