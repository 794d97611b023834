/* The run's summary on stdout; see ech_run_print_summary in include/echelon/run.h.
 *
 * Everything here is computed from the run report's integer totals and sums, which
 * are identical on every rank, so the summary is too. */
#include "echelon/engine.h"
#include "echelon/run.h"
#include "echelon/results.h"
#include "echelon/kpi.h"
#include "echelon/stats.h"
#include "echelon/tune_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The figures of results.h, by their short names here. */
enum {
    FIG_FILL = ECH_FIG_FILL_RATE,
    FIG_STOCKOUT_SHARE = ECH_FIG_STOCKOUT_DAY_SHARE,
    FIG_LOST = ECH_FIG_LOST_UNITS,
    FIG_VALUE = ECH_FIG_MEAN_ON_HAND_VALUE,
    FIG_RETAIL_VALUE = ECH_FIG_RETAIL_ON_HAND_VALUE,
    FIG_DOS = ECH_FIG_DAYS_OF_SUPPLY,
    FIG_COST = ECH_FIG_TOTAL_COST,
    FIG_RECOVERY = ECH_FIG_MEAN_RECOVERY,
    FIG_EXPIRED = ECH_FIG_EXPIRED_UNITS,
    FIG_EXPIRED_VALUE = ECH_FIG_EXPIRED_VALUE,
    FIG_WRITE_OFF = ECH_FIG_WRITE_OFF_VALUE_SHARE,
    FIG_AGE = ECH_FIG_MEAN_AGE,
    FIG_LIFE = ECH_FIG_MEAN_REMAINING_LIFE,
    FIG_RETURNED = ECH_FIG_RETURNED_UNITS,
    FIG_SUBSTITUTED = ECH_FIG_SUBSTITUTED_UNITS,
    FIG_SUBSTITUTED_SHARE = ECH_FIG_SUBSTITUTED_SHARE,
    FIG_COUNT = ECH_FIG_COUNT
};

/* Mean and 5/50/95% quantiles across replications of each figure of group g in
 * variant v; with `base` >= 0, of the paired differences variant - base instead
 * (and then out[j][1] is the half-width of a 95% interval of the mean). */
static void group_summary(const ech_scenario *sc, const ech_results *rep, int32_t v, int32_t base,
                          int64_t g, double out[FIG_COUNT][5])
{
    int64_t n = sc->replications;
    double *series = ech_xmalloc((size_t)n * FIG_COUNT * sizeof *series, "summary series");
    double *scratch = ech_xmalloc((size_t)n * sizeof *scratch, "summary scratch");
    for (int64_t r = 0; r < n; ++r) {
        double f[FIG_COUNT], fb[FIG_COUNT];
        ech_figures(ech_results_totals(rep, v, g) + r * ECH_TOTAL_COUNT, (double)sc->days, f);
        if (base >= 0) {
            ech_figures(ech_results_totals(rep, base, g) + r * ECH_TOTAL_COUNT, (double)sc->days,
                        fb);
            for (int j = 0; j < FIG_COUNT; ++j)
                f[j] -= fb[j];
        }
        for (int j = 0; j < FIG_COUNT; ++j)
            series[(size_t)j * (size_t)n + (size_t)r] = f[j];
    }
    static const double q[3] = {0.05, 0.5, 0.95};
    for (int j = 0; j < FIG_COUNT; ++j) {
        ech_stats_summarize(series + (size_t)j * (size_t)n, n, q, 3, out[j], scratch);
        if (base >= 0)
            out[j][1] = n > 1 ? 1.96 * out[j][1] / sqrt((double)n) : NAN;
    }
    free(scratch);
    free(series);
}

static const char *human_number(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else if (a >= 1e9)
        snprintf(buf, n, "%.2fG", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, n, "%.2fM", v / 1e6);
    else if (a >= 1e3)
        snprintf(buf, n, "%.1fk", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
    return buf;
}

/* Like human_number, with a sign for positive values. */
static const char *signed_number(double v, char *buf, size_t n)
{
    if (n < 2)
        return human_number(v, buf, n);
    buf[0] = '+';
    human_number(v, buf + (v > 0), n - 1);
    return buf;
}

/* What the warehouses bought, and contracts' and express modes' figures where there
 * are any (means per replication of the network's totals). */
static void print_purchases(FILE *out, const ech_results *rep, int32_t v)
{
    enum { UNITS, VALUE, CONTRACT, SPOT, PUSHED, REFUSED, SHORT, EXPEDITED, EXPEDITE, N };
    static const int total[N] = {ECH_TOTAL_PURCHASED_UNITS,
                                 ECH_TOTAL_PURCHASED_VALUE,
                                 ECH_TOTAL_CONTRACT_COST,
                                 ECH_TOTAL_SPOT_UNITS,
                                 ECH_TOTAL_PUSHED_UNITS,
                                 ECH_TOTAL_REFUSED_UNITS,
                                 ECH_TOTAL_CONTRACT_SHORTFALL_UNITS,
                                 ECH_TOTAL_EXPEDITED_UNITS,
                                 ECH_TOTAL_EXPEDITE_COST};
    double m[N] = {0};
    const int64_t *t = ech_results_totals(rep, v, 0);
    for (int64_t r = 0; r < rep->n_reps; ++r)
        for (int k = 0; k < N; ++k)
            m[k] += (double)t[r * ECH_TOTAL_COUNT + total[k]] / (double)rep->n_reps;
    m[VALUE] /= ECH_MONEY_SCALE;
    m[CONTRACT] /= ECH_MONEY_SCALE;
    m[EXPEDITE] /= ECH_MONEY_SCALE;
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    fprintf(out, "  purchases from suppliers     %s units, value %s\n",
            human_number(m[UNITS], b1, sizeof b1), human_number(m[VALUE], b2, sizeof b2));
    if (m[CONTRACT] != 0.0 || m[SPOT] + m[PUSHED] + m[REFUSED] + m[SHORT] > 0.0)
        fprintf(out,
                "  contracts                    cost %s over unit cost; units pushed %s, spot %s, "
                "refused %s, committed not taken %s\n",
                human_number(m[CONTRACT], b1, sizeof b1), human_number(m[PUSHED], b2, sizeof b2),
                human_number(m[SPOT], b3, sizeof b3), human_number(m[REFUSED], b4, sizeof b4),
                human_number(m[SHORT], b5, sizeof b5));
    if (m[EXPEDITED] > 0.0)
        fprintf(out, "  expedited                    %s units, cost %s\n",
                human_number(m[EXPEDITED], b1, sizeof b1),
                human_number(m[EXPEDITE], b2, sizeof b2));
}

static void print_network(FILE *out, const ech_scenario *sc, const ech_results *rep, int32_t v)
{
    double s[FIG_COUNT][5];
    char b1[32], b2[32], b3[32], b4[32];
    group_summary(sc, rep, v, -1, 0, s);
    fprintf(out, "\nNetwork (mean across replications, [5%% .. 95%%]):\n");
    fprintf(out, "  fill rate at demand points   %6.2f%%  [%.2f%% .. %.2f%%]\n",
            100 * s[FIG_FILL][0], 100 * s[FIG_FILL][2], 100 * s[FIG_FILL][4]);
    fprintf(out,
            "  stockout days                %6.2f%% of demand-point days  [%.2f%% .. %.2f%%]\n",
            100 * s[FIG_STOCKOUT_SHARE][0], 100 * s[FIG_STOCKOUT_SHARE][2],
            100 * s[FIG_STOCKOUT_SHARE][4]);
    fprintf(out, "  lost or backordered units    %s  [%s .. %s]\n",
            human_number(s[FIG_LOST][0], b1, sizeof b1),
            human_number(s[FIG_LOST][2], b2, sizeof b2),
            human_number(s[FIG_LOST][4], b3, sizeof b3));
    if (sc->subst.enabled && sc->subst.n_groups > 0)
        fprintf(out,
                "  served by a substitute       %s units  [%s .. %s]  (%.2f%% of demand; not in "
                "the fill rate, not lost)\n",
                human_number(s[FIG_SUBSTITUTED][0], b1, sizeof b1),
                human_number(s[FIG_SUBSTITUTED][2], b2, sizeof b2),
                human_number(s[FIG_SUBSTITUTED][4], b3, sizeof b3),
                100 * s[FIG_SUBSTITUTED_SHARE][0]);
    fprintf(out, "  mean inventory value         %s  [%s .. %s]  (demand points %s)\n",
            human_number(s[FIG_VALUE][0], b1, sizeof b1),
            human_number(s[FIG_VALUE][2], b2, sizeof b2),
            human_number(s[FIG_VALUE][4], b3, sizeof b3),
            human_number(s[FIG_RETAIL_VALUE][0], b4, sizeof b4));
    fprintf(out, "  days of supply (at cost)     %6.1f  [%.1f .. %.1f]\n", s[FIG_DOS][0],
            s[FIG_DOS][2], s[FIG_DOS][4]);
    fprintf(out, "  total cost                   %s  [%s .. %s]\n",
            human_number(s[FIG_COST][0], b1, sizeof b1),
            human_number(s[FIG_COST][2], b2, sizeof b2),
            human_number(s[FIG_COST][4], b3, sizeof b3));
    print_purchases(out, rep, v);
    if (sc->expiry.enabled) {
        fprintf(
            out,
            "  expired (written off)        %s units, value %s  [%s .. %s]  (%.2f%% of the value "
            "leaving stock)\n",
            human_number(s[FIG_EXPIRED][0], b4, sizeof b4),
            human_number(s[FIG_EXPIRED_VALUE][0], b1, sizeof b1),
            human_number(s[FIG_EXPIRED_VALUE][2], b2, sizeof b2),
            human_number(s[FIG_EXPIRED_VALUE][4], b3, sizeof b3), 100 * s[FIG_WRITE_OFF][0]);
        fprintf(
            out,
            "  stock age                    %.1f days since receipt, %.0f days of shelf life left "
            "(batch-tracked stock)\n",
            s[FIG_AGE][0], s[FIG_LIFE][0]);
        if (sc->expiry.returns)
            fprintf(out, "  returned to the warehouse    %s units\n",
                    human_number(s[FIG_RETURNED][0], b1, sizeof b1));
    }

    if (sc->n_segments > 1) {
        fprintf(out, "\nBy segment (means):\n");
        fprintf(out, "  %-20s %7s %10s %14s %8s\n", "segment", "fill", "stockout", "inventory",
                "days");
        for (int32_t g = 0; g < sc->n_segments; ++g) {
            group_summary(sc, rep, v, -1, 1 + g, s);
            fprintf(out, "  %-20s %6.2f%% %9.2f%% %14s %8.1f\n", sc->segment[g],
                    100 * s[FIG_FILL][0], 100 * s[FIG_STOCKOUT_SHARE][0],
                    human_number(s[FIG_VALUE][0], b1, sizeof b1), s[FIG_DOS][0]);
        }
    }
}

/* Indices of the `n` largest values (ties by index), written to top[]; returns how
 * many positive values were found (at most n). */
static int top_positive(const double *x, int32_t count, int n, int32_t *top)
{
    int found = 0;
    for (int32_t i = 0; i < count; ++i) {
        if (!(x[i] > 0))
            continue;
        int pos = found < n ? found++ : n;
        if (pos == n) {
            if (!(x[i] > x[top[n - 1]]))
                continue;
            pos = n - 1;
        }
        while (pos > 0 && x[i] > x[top[pos - 1]]) {
            top[pos] = top[pos - 1];
            --pos;
        }
        top[pos] = i;
    }
    return found;
}

/* Variant v against the baseline: paired differences in the network and by segment,
 * then the SKUs and locations whose lost sales grew most. */
static void print_comparison(FILE *out, const ech_scenario *sc, const ech_results *rep, int32_t v)
{
    double s[FIG_COUNT][5];
    double rn = (double)sc->replications;
    char b1[32], b2[32];
    const ech_variant *var = &sc->variant[v];
    fprintf(out,
            "\nVariant '%s' against '%s' (mean change, +- 95%% interval; common random numbers):\n",
            var->name, sc->variant[0].name);
    group_summary(sc, rep, v, 0, 0, s);
    fprintf(out, "  fill rate            %+9.2f points +- %.2f\n", 100 * s[FIG_FILL][0],
            100 * s[FIG_FILL][1]);
    fprintf(out, "  stockout days        %+9.2f points +- %.2f\n", 100 * s[FIG_STOCKOUT_SHARE][0],
            100 * s[FIG_STOCKOUT_SHARE][1]);
    fprintf(out, "  lost/backordered     %9s units  +- %s\n",
            signed_number(s[FIG_LOST][0], b1, sizeof b1),
            human_number(s[FIG_LOST][1], b2, sizeof b2));
    if (sc->subst.enabled && sc->subst.n_groups > 0)
        fprintf(out, "  substituted          %9s units  +- %s\n",
                signed_number(s[FIG_SUBSTITUTED][0], b1, sizeof b1),
                human_number(s[FIG_SUBSTITUTED][1], b2, sizeof b2));
    fprintf(out, "  inventory value      %9s        +- %s\n",
            signed_number(s[FIG_VALUE][0], b1, sizeof b1),
            human_number(s[FIG_VALUE][1], b2, sizeof b2));
    fprintf(out, "  total cost           %9s        +- %s\n",
            signed_number(s[FIG_COST][0], b1, sizeof b1),
            human_number(s[FIG_COST][1], b2, sizeof b2));
    if (sc->expiry.enabled)
        fprintf(out, "  expired value        %9s        +- %s\n",
                signed_number(s[FIG_EXPIRED_VALUE][0], b1, sizeof b1),
                human_number(s[FIG_EXPIRED_VALUE][1], b2, sizeof b2));

    fprintf(out, "  %-20s %11s %14s %14s\n", "by segment", "fill", "lost units", "recovery days");
    for (int32_t g = 0; g < sc->n_segments; ++g) {
        double m[FIG_COUNT][5];
        group_summary(sc, rep, v, 0, 1 + g, s);
        group_summary(sc, rep, v, -1, 1 + g, m);
        fprintf(out, "  %-20s %+10.2f%% %14s %14.1f\n", sc->segment[g], 100 * s[FIG_FILL][0],
                signed_number(s[FIG_LOST][0], b1, sizeof b1), m[FIG_RECOVERY][0]);
    }

    /* Hardest hit: the largest increases in lost units per replication. */
    enum { TOP = 5 };
    int32_t n_sku = sc->cat.n, n_loc = sc->net.n;
    double *delta =
        ech_xmalloc((size_t)(n_sku > n_loc ? n_sku : n_loc) * sizeof *delta, "comparison");
    int32_t top[TOP];
    for (int32_t k = 0; k < n_sku; ++k)
        delta[k] = (double)(rep->sku_lost[(size_t)v * (size_t)n_sku + (size_t)k] -
                            rep->sku_lost[(size_t)k]) /
                   rn;
    int found = top_positive(delta, n_sku, TOP, top);
    if (found > 0) {
        fprintf(out, "  SKUs hit hardest (more lost units per replication; disrupted days; "
                     "recovery days):\n");
        for (int i = 0; i < found; ++i) {
            int32_t k = top[i];
            size_t ks = (size_t)v * (size_t)n_sku + (size_t)k;
            fprintf(out, "    %-14s %-40.40s %-14s %+9.1f  %6.1f  %6.1f\n", sc->cat.id[k],
                    sc->cat.name[k], sc->segment[sc->cat.segment[k]], delta[k],
                    (double)rep->sku_disrupted[ks] / rn, (double)rep->sku_recovery[ks] / rn);
        }
    }
    for (int32_t l = 0; l < n_loc; ++l)
        delta[l] = (double)(rep->location_lost[(size_t)v * (size_t)n_loc + (size_t)l] -
                            rep->location_lost[(size_t)l]) /
                   rn;
    found = top_positive(delta, n_loc, TOP, top);
    if (found > 0) {
        fprintf(out, "  locations hit hardest (more lost units per replication):\n");
        for (int i = 0; i < found; ++i)
            fprintf(out, "    %-14s %-40.40s %+9.1f\n", sc->net.id[top[i]], sc->net.name[top[i]],
                    delta[top[i]]);
    }
    free(delta);
}

/* Litres, short: one decimal below 100, whole litres below 10,000, then k and M. */
static const char *litres_text(double v, char *buf, size_t n)
{
    if (isfinite(v) && fabs(v) < 100)
        snprintf(buf, n, "%.1f", v);
    else if (isfinite(v) && fabs(v) < 10000)
        snprintf(buf, n, "%.0f", v);
    else
        human_number(v, buf, n);
    return buf;
}

/* A share in percent, "-" when NaN (no capacity). */
static const char *share_text(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.2f%%", 100 * v);
    return buf;
}

/* Whether cold room i is worse than room j: more often over capacity (rooms
 * without a capacity last), then fuller on average, then network order. */
static int cold_worse(const ech_cold_stats *c, int32_t i, int32_t j)
{
    double pi = c->exceed_probability[i], pj = c->exceed_probability[j];
    int ni = isnan(pi), nj = isnan(pj);
    if (ni != nj)
        return nj;
    if (!ni && pi != pj)
        return pi > pj;
    if (c->mean_litres[i] != c->mean_litres[j])
        return c->mean_litres[i] > c->mean_litres[j];
    return i < j;
}

/* The cold rooms in order, worst first (an insertion sort: rooms are few). */
static int32_t *cold_order(const ech_cold_stats *c)
{
    int32_t *order = ech_xmalloc((size_t)(c->n > 0 ? c->n : 1) * sizeof *order, "cold-room order");
    for (int32_t i = 0; i < c->n; ++i) {
        int32_t k = i;
        while (k > 0 && cold_worse(c, i, order[k - 1])) {
            order[k] = order[k - 1];
            --k;
        }
        order[k] = i;
    }
    return order;
}

/* The baseline's cold rooms (the worst when there are many) and, with variants,
 * each variant's worst room. */
static void print_cold_rooms(FILE *out, const ech_scenario *sc, const ech_results *rep)
{
    enum { SHOWN = 10 };
    if (rep->n_cold <= 0 || !rep->cold)
        return;
    const ech_cold_stats *c = &rep->cold[0];
    int32_t *order = cold_order(c);
    int32_t shown = c->n < SHOWN ? c->n : SHOWN;
    char b1[32], b2[32], b3[32], b4[32];
    fprintf(out, "\nCold rooms (daily occupancy over all replications and days, litres):\n");
    fprintf(out, "  %-14s %-28s %9s %9s %9s %11s\n", "location", "", "mean", "95%", "capacity",
            "days over");
    for (int32_t r = 0; r < shown; ++r) {
        int32_t i = order[r], loc = c->location[i];
        double cap = c->capacity_litres[i];
        fprintf(out, "  %-14.14s %-28.28s %9s %9s %9s %11s\n", sc->net.id[loc], sc->net.name[loc],
                litres_text(c->mean_litres[i], b1, sizeof b1),
                litres_text(c->p95_litres[i], b2, sizeof b2),
                cap > 0 ? litres_text(cap, b3, sizeof b3) : "-",
                share_text(c->exceed_probability[i], b4, sizeof b4));
    }
    int any_capacity = 0;
    for (int32_t i = 0; i < c->n; ++i)
        any_capacity |= c->capacity_litres[i] > 0;
    if (shown < c->n)
        fprintf(out, "  (%d of %d cold rooms, %s first; all in the results' /cold_chain)\n",
                (int)shown, (int)c->n, any_capacity ? "most often over capacity" : "fullest");
    if (!any_capacity)
        fprintf(out, "  (no cold-room capacities declared: network cold_capacity_litres)\n");
    free(order);

    if (rep->n_variants < 2)
        return;
    fprintf(out, "\nCold rooms by variant (rooms ever over capacity; the room most often over):\n");
    fprintf(out, "  %-22s %11s   %-14s %11s %13s\n", "variant", "rooms over", "worst room",
            "days over", "days/rep");
    for (int32_t v = 0; v < rep->n_variants; ++v) {
        const ech_cold_stats *cv = &rep->cold[v];
        int32_t over = 0, worst = -1;
        for (int32_t i = 0; i < cv->n; ++i) {
            over += cv->exceed_probability[i] > 0;
            if (worst < 0 || cold_worse(cv, i, worst))
                worst = i;
        }
        char count[32];
        snprintf(count, sizeof count, "%d of %d", (int)over, (int)cv->n);
        if (worst >= 0 && !isnan(cv->exceed_probability[worst]))
            fprintf(out, "  %-22.22s %11s   %-14.14s %11s %13.1f\n", sc->variant[v].name, count,
                    sc->net.id[cv->location[worst]],
                    share_text(cv->exceed_probability[worst], b1, sizeof b1),
                    cv->days_over_mean[worst]);
        else
            fprintf(out, "  %-22.22s %11s   %-14s %11s %13s\n", sc->variant[v].name, count,
                    "(no capacity)", "-", "-");
    }
}

void ech_run_print_summary(FILE *out, const ech_scenario *sc, const ech_results *rep)
{
    const ech_run_info *info = &rep->info;

    fprintf(out, "\nechelon: scenario '%s'\n", sc->name);
    fprintf(out,
            "  %d SKUs, %d locations, %lld SKU-locations, %d days (+%d warm-up), %lld "
            "replications, seed %llu\n",
            sc->cat.n, sc->net.n, (long long)sc->sl.n, sc->days, sc->warmup_days,
            (long long)sc->replications, (unsigned long long)sc->seed);
    if (rep->n_variants > 1)
        fprintf(out, "  %d variants; the figures below are the baseline '%s'\n", rep->n_variants,
                sc->variant[0].name);
    print_network(out, sc, rep, 0);
    print_cold_rooms(out, sc, rep);

    if (rep->n_variants > 1) {
        double s[FIG_COUNT][5];
        char b1[32], b2[32], b3[32];
        fprintf(out, "\nVariants (means):\n");
        int expiry = sc->expiry.enabled;
        fprintf(out, "  %-22s %8s %9s %11s %11s %6s %11s %9s", "variant", "fill", "stockout",
                "lost", "inventory", "days", "total cost", "recovery");
        fprintf(out, expiry ? " %11s %9s\n" : "\n", "expired", "write-off");
        for (int32_t v = 0; v < rep->n_variants; ++v) {
            group_summary(sc, rep, v, -1, 0, s);
            fprintf(out, "  %-22.22s %7.2f%% %8.2f%% %11s %11s %6.1f %11s %9.1f",
                    sc->variant[v].name, 100 * s[FIG_FILL][0], 100 * s[FIG_STOCKOUT_SHARE][0],
                    human_number(s[FIG_LOST][0], b1, sizeof b1),
                    human_number(s[FIG_VALUE][0], b2, sizeof b2), s[FIG_DOS][0],
                    human_number(s[FIG_COST][0], b3, sizeof b3), s[FIG_RECOVERY][0]);
            if (expiry)
                fprintf(out, " %11s %8.2f%%", human_number(s[FIG_EXPIRED_VALUE][0], b1, sizeof b1),
                        100 * s[FIG_WRITE_OFF][0]);
            fputc('\n', out);
        }
        for (int32_t v = 1; v < rep->n_variants; ++v)
            print_comparison(out, sc, rep, v);
    }

    const char *simd = ech_engine_simd();
    char how[40] = "one by one";
    if (simd && strcmp(simd, "scalar") != 0)
        snprintf(how, sizeof how, "side by side (%s)", simd);
    fprintf(out,
            "\nRun: %d rank(s) x %d thread(s), set-up %.2f s, simulation %.2f s, "
            "%.3g SKU-location-days, %.1f M SKU-location-days/s per core, replications %s\n",
            info->n_ranks, info->n_threads, info->setup_seconds, info->simulate_seconds,
            (double)info->skuloc_days, info->skuloc_days_per_second_per_core / 1e6, how);
    if (info->n_ranks > 1)
        fprintf(
            out,
            "Load balance: the fastest rank finished its SKUs in %.2f s, the slowest in %.2f s\n",
            info->simulate_seconds_min, info->simulate_seconds);
    fprintf(out,
            "Phases: plan %.2f s, simulation %.2f s (exchange of %d split SKU(s) and cold "
            "rooms %.2f s), reductions %.2f s, stock bands %.2f s\n",
            info->plan_seconds, info->simulate_seconds - info->exchange_seconds,
            (int)info->split_skus, info->exchange_seconds, info->reduce_seconds,
            info->bands_seconds);
    fprintf(out, "Verification hash: %016llx\n", (unsigned long long)info->verification_hash);
}

void ech_tune_print_summary(FILE *out, const ech_scenario *sc, const ech_tune_result *res)
{
    const ech_tune_settings *set = &res->settings;
    const ech_skulocs *sl = &sc->sl;
    int64_t skus = 0, raised = 0, lowered = 0, same = 0;
    double before = 0.0, after = 0.0;
    for (int32_t k = 0; k < sc->cat.n; ++k)
        skus += sl->sku_begin[k + 1] > sl->sku_begin[k];
    for (int64_t x = 0; x < sl->n; ++x) {
        double c = sc->cat.unit_cost[sl->sku[x]];
        before += c * res->old_order_up_to[x];
        after += c * res->order_up_to[x];
        raised += res->order_up_to[x] > res->old_order_up_to[x];
        lowered += res->order_up_to[x] < res->old_order_up_to[x];
        same += res->order_up_to[x] == res->old_order_up_to[x];
    }
    char b1[32], b2[32];
    int service = set->objective == ECH_TUNE_SERVICE;
    fprintf(out, "\nTuning of '%s' (%s objective: %s)\n", sc->variant[res->variant].name,
            ech_enum_word(&ech_tune_objective_enum, set->objective),
            ech_tune_objective_enum.meanings[set->objective]);
    if (service)
        fprintf(out,
                "  fill-rate targets at demand points: %.1f%% unless the SKU-location, the SKU or "
                "its segment gives one\n",
                100.0 * sc->tuning.fill_rate);
    fprintf(out, "  %lld SKUs searched", (long long)skus);
    if (service)
        fprintf(out, ": %lld met every target, %d did not", (long long)(skus - res->infeasible),
                (int)res->infeasible);
    fprintf(out,
            "\n  %lld candidate targets simulated (%.1f a SKU) on %lld to %lld replications "
            "each, %.3g SKU-location-days in %.1f s\n",
            (long long)res->evaluations_total,
            skus > 0 ? (double)res->evaluations_total / (double)skus : 0.0,
            (long long)set->reps_start, (long long)set->reps_max, (double)res->skuloc_days,
            res->seconds);
    fprintf(out,
            "  order-up-to levels: %lld raised, %lld lowered, %lld unchanged; stock at the "
            "levels (S x unit cost) %s -> %s\n",
            (long long)raised, (long long)lowered, (long long)same,
            human_number(before, b1, sizeof b1), human_number(after, b2, sizeof b2));
    if (res->infeasible > 0) {
        fprintf(out, "  SKUs whose targets could not all be met (see /tuning/sku/feasible):");
        int shown = 0;
        for (int32_t k = 0; k < sc->cat.n && shown < 5; ++k)
            if (sl->sku_begin[k + 1] > sl->sku_begin[k] && !res->feasible[k]) {
                fprintf(out, " %s", sc->cat.id[k]);
                ++shown;
            }
        fprintf(out, res->infeasible > shown ? " ...\n" : "\n");
    }
    char b3[32], b4[32], b5[32];
    if (!isnan(res->budget)) {
        fprintf(out,
                "  budget on mean inventory value %s: ", human_number(res->budget, b1, sizeof b1));
        if (!res->budget_binding)
            fprintf(out, "not binding (the targets hold %s unpriced)\n",
                    human_number(res->value_unconstrained, b2, sizeof b2));
        else
            fprintf(out,
                    "%s, using %s of it (%s without a budget), multiplier %.4g per currency-day, "
                    "gap %s; %d searches of every SKU\n",
                    res->budget_met ? "met" : "NOT met even at the highest price tried",
                    human_number(res->value_total, b2, sizeof b2),
                    human_number(res->value_unconstrained, b3, sizeof b3), res->value_price,
                    human_number(res->budget - res->value_total, b4, sizeof b4), (int)res->passes);
    }
    if (res->n_location_budgets > 0) {
        fprintf(out,
                "  budgets per location: %s on the searches' replications (multiplier per "
                "currency-day of value held there):\n",
                res->location_budgets_met ? "every one met" : "NOT every one met");
        fprintf(out, "    %-14s %12s %12s %12s %14s\n", "location", "budget", "value", "gap",
                "multiplier");
        for (int32_t b = 0; b < res->n_location_budgets; ++b)
            fprintf(out, "    %-14s %12s %12s %12s %14.4g\n", sc->net.id[res->budget_location[b]],
                    human_number(res->location_budget[b], b1, sizeof b1),
                    human_number(res->location_value[b], b2, sizeof b2),
                    human_number(res->location_budget[b] - res->location_value[b], b3, sizeof b3),
                    res->location_price[b]);
    }
    if (res->has_cold) {
        fprintf(out,
                "  cold rooms: at most %.2f%% of days over capacity; %s on the searches' "
                "replications (multiplier: objective per day per litre held):\n",
                100.0 * sc->tuning.cold_exceed_share,
                res->cold_met ? "every limit held" : "NOT every limit held (see below)");
        fprintf(out, "    %-14s %12s %12s %14s\n", "location", "capacity", "days over",
                "multiplier");
        for (int32_t s = 0; s < res->n_cold; ++s)
            if (res->cold_capacity[s] > 0.0)
                fprintf(out, "    %-14s %12.4g %11.2f%% %14.4g%s\n",
                        sc->net.id[res->cold_location[s]], res->cold_capacity[s],
                        100.0 * res->cold_exceed[s], res->cold_price[s],
                        res->cold_exceed[s] > sc->tuning.cold_exceed_share ? "  over" : "");
    }
    if (res->has_classic) {
        fprintf(out, "  best classic rule (variant 'classic'): one cycle service level per segment "
                     "at the pharmacies, each the least reaching the tuned fill rate on the "
                     "searches' replications:\n");
        fprintf(out, "    %-20s %14s %12s %12s\n", "segment", "service level", "tuned fill",
                "rule's fill");
        for (int32_t g = 0; g < res->n_segments; ++g)
            if (!isnan(res->tuned_fill[g]))
                fprintf(out, "    %-20s %13.2f%% %11.2f%% %11.2f%%\n", sc->segment[g],
                        100.0 * res->classic_service_level[g], 100.0 * res->tuned_fill[g],
                        100.0 * res->classic_fill[g]);
    }
    if (res->n_frontier > 0) {
        fprintf(out, "  frontier (inventory value on the searches' replications; the verified "
                     "figures are the variants frontier_1 ..):\n");
        if (service)
            fprintf(out, "    %-12s %24s %12s\n", "point", "shortfall allowed", "value");
        else
            fprintf(out, "    %-12s %12s %12s %14s\n", "point", "budget", "value", "multiplier");
        for (int32_t f = 0; f < res->n_frontier; ++f) {
            char name[32];
            snprintf(name, sizeof name, "frontier_%d", (int)f + 1);
            if (service)
                fprintf(out, "    %-12s %15.3g x target %12s\n", name, res->frontier_scale[f],
                        human_number(res->frontier_value[f], b5, sizeof b5));
            else
                fprintf(out, "    %-12s %12s %12s %14.4g\n", name,
                        human_number(res->frontier_budget[f], b4, sizeof b4),
                        human_number(res->frontier_value[f], b5, sizeof b5),
                        res->frontier_price[f]);
        }
    }
    fprintf(out,
            "  verified below on the run's %lld replications, random numbers the search did "
            "not use\n",
            (long long)sc->replications);
}
