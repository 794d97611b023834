/* Writing the demand calibration's outputs (demand_fit.h): the files a scenario
 * loads (DEMAND.csv, PROFILES.csv, EVENTS.csv), the restored demand, the report and
 * the summary. */
#include "demand_internal.h"
#include "echelon/repro_math.h"
#include "echelon/csv_reader.h"
#include "echelon/scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ech_dfit_own_name(const ech_dfit_history *h, int32_t s, char *buf, size_t size)
{
    const ech_dfit_series *se = &h->series[s];
    snprintf(buf, size, "%s@%s", h->sku[se->sku], h->location[se->location]);
}

/* The profile name of a block of series s: "flat" for a yearly profile not
 * estimated (the scenario's built-in), "" for a weekly one (the scenario's
 * demand.weekly_profile: the level is a daily mean over whole weeks either way). */
static void block_name(const ech_dfit_history *h, const ech_dfit_result *res, int32_t s, int b,
                       char *buf, size_t size)
{
    int32_t src = res->fit[s].source[b];
    if (src == ECH_SOURCE_OWN)
        ech_dfit_own_name(h, s, buf, size);
    else if (src >= 0)
        snprintf(buf, size, "%s", res->pool[src].name);
    else
        snprintf(buf, size, "%s", b == ECH_BLOCK_YEARLY ? "flat" : "");
}

static const char *source_name(const ech_dfit_result *res, int32_t src)
{
    return src == ECH_SOURCE_OWN ? "own" : src >= 0 ? res->pool[src].name : "none";
}

/* A number as a CSV cell: %.6g, empty for NaN. */
static void num(FILE *out, double x)
{
    if (x == x)
        fprintf(out, "%.6g", x);
}

void ech_dfit_write_demand(FILE *out, const ech_dfit_history *h, const ech_dfit_result *res)
{
    fputs("sku,location,demand_mean,demand_var_ratio,demand_zero_prob,trend_per_year,"
          "seasonality,weekly_profile\n",
          out);
    char name[1024];
    for (int32_t s = 0; s < res->n_series; ++s) {
        const ech_dfit_series *se = &h->series[s];
        const ech_dfit_series_fit *f = &res->fit[s];
        ech_csv_write_field(out, h->sku[se->sku]);
        fputc(',', out);
        ech_csv_write_field(out, h->location[se->location]);
        double r = f->m.var_ratio < 1 ? 1 : f->m.var_ratio > 100 ? 100 : f->m.var_ratio;
        double pi = f->m.zero_prob < 1e-5 ? 0 : f->m.zero_prob > 0.999 ? 0.999 : f->m.zero_prob;
        double mean = f->demand_mean > ECH_MAX_DEMAND ? ECH_MAX_DEMAND : f->demand_mean;
        fprintf(out, ",%.6g,%.6g,%.6g,%.6g,", mean, r, pi, f->m.trend);
        block_name(h, res, s, ECH_BLOCK_YEARLY, name, sizeof name);
        ech_csv_write_field(out, name);
        fputc(',', out);
        block_name(h, res, s, ECH_BLOCK_WEEKLY, name, sizeof name);
        ech_csv_write_field(out, name);
        fputc('\n', out);
    }
}

static void profile_row(FILE *out, const char *name, const char *kind, const double *logf, int n)
{
    double mean = 0;
    for (int i = 0; i < n; ++i)
        mean += ech_exp(logf[i]);
    mean /= n;
    ech_csv_write_field(out, name);
    fprintf(out, ",%s", kind);
    for (int i = 0; i < 12; ++i) {
        fputc(',', out);
        if (i < n)
            fprintf(out, "%.6g", ech_exp(logf[i]) / mean);
    }
    fputc('\n', out);
}

void ech_dfit_write_profiles(FILE *out, const ech_dfit_history *h, const ech_dfit_result *res)
{
    fputs("name,kind,v1,v2,v3,v4,v5,v6,v7,v8,v9,v10,v11,v12\n", out);
    /* Pools' profiles that a series uses, then the series' own. */
    int *used = ech_xcalloc((size_t)res->n_pools * 2 + 1, sizeof(int), "profiles");
    for (int32_t s = 0; s < res->n_series; ++s) {
        int32_t w = res->fit[s].source[ECH_BLOCK_WEEKLY], y = res->fit[s].source[ECH_BLOCK_YEARLY];
        if (w >= 0)
            used[2 * w] = 1;
        if (y >= 0)
            used[2 * y + 1] = 1;
    }
    for (int32_t q = 0; q < res->n_pools; ++q) {
        if (used[2 * q + 1])
            profile_row(out, res->pool[q].name, "yearly", res->pool[q].m.yearly, 12);
        if (used[2 * q])
            profile_row(out, res->pool[q].name, "weekly", res->pool[q].m.weekly, 7);
    }
    free(used);
    char name[1024];
    for (int32_t s = 0; s < res->n_series; ++s) {
        const ech_dfit_series_fit *f = &res->fit[s];
        ech_dfit_own_name(h, s, name, sizeof name);
        if (f->source[ECH_BLOCK_YEARLY] == ECH_SOURCE_OWN)
            profile_row(out, name, "yearly", f->m.yearly, 12);
        if (f->source[ECH_BLOCK_WEEKLY] == ECH_SOURCE_OWN)
            profile_row(out, name, "weekly", f->m.weekly, 7);
    }
}

static void opt_field(FILE *out, const char *s)
{
    fputc(',', out);
    if (s)
        ech_csv_write_field(out, s);
}

void ech_dfit_write_events(FILE *out, const ech_dfit_events *ev, const ech_dfit_result *res)
{
    fputs("name,start_date,end_date,uplift,sku,group,location,region\n", out);
    for (int32_t i = 0; i < ev->n; ++i) {
        char a[16], b[16];
        ech_format_date(ev->start[i], a);
        ech_format_date(ev->end[i], b);
        int32_t e = ev->event[i];
        ech_csv_write_field(out, ev->name[e]);
        fprintf(out, ",%s,%s,%.6g", a, b, e < res->n_events ? res->uplift[e] : ev->given[e]);
        opt_field(out, ev->sku[i]);
        opt_field(out, ev->group[i]);
        opt_field(out, ev->location[i]);
        opt_field(out, ev->region[i]);
        fputc('\n', out);
    }
}

void ech_dfit_write_restored(FILE *out, const ech_dfit_history *h, const ech_dfit_events *ev,
                             const ech_dfit_result *res)
{
    (void)ev;
    const df_context *cx = res->ctx;
    double *ev_log = ech_xmalloc((size_t)(res->n_events + 1) * sizeof(double), "uplifts");
    for (int32_t e = 0; e < res->n_events; ++e)
        ev_log[e] = ech_log(res->uplift[e]);
    fputs("sku,location,date,sales,censored,demand\n", out);
    for (int32_t s = 0; s < h->n_series; ++s) {
        const ech_dfit_series *se = &h->series[s];
        const ech_dfit_series_fit *f = &res->fit[s];
        for (int32_t i = 0; i < se->n; ++i) {
            double share, y = se->sales[i], d = y;
            int cen = df_censored(cx, se, i, &share);
            if (!cen && share < 1 && f->status != ECH_FIT_NONE) {
                /* Days of a longer period that could not sell: at the model's mean. */
                d = y + df_period_mean(cx, &f->m, ev_log, s, i) * (1 - share);
            } else if (cen && f->status != ECH_FIT_NONE) {
                /* E[demand | demand >= sales] over the share of the period that could
                 * sell, plus the mean of the rest. */
                double mu = df_period_mean(cx, &f->m, ev_log, s, i);
                double r = f->m.var_ratio, pi = f->m.zero_prob;
                double mu_e = mu * share;
                double tail = mu_e;
                if (y > 0 && mu_e > 0) {
                    double k = mu_e / (1 - pi) / (r - 1 > 1e-9 ? r - 1 : 1e-9);
                    tail = ech_dfit_nb_tail_mean(y, k, 1 / r);
                }
                d = tail + mu * (1 - share);
                if (d < y)
                    d = y;
            }
            char date[16];
            ech_format_date(ech_dfit_period_start(h, se->first + i), date);
            ech_csv_write_field(out, h->sku[se->sku]);
            fputc(',', out);
            ech_csv_write_field(out, h->location[se->location]);
            fprintf(out, ",%s,%.7g,%d,%.6g\n", date, y, cen, d);
        }
    }
    free(ev_log);
}

void ech_dfit_write_report(FILE *out, const ech_dfit_history *h, const ech_dfit_result *res)
{
    static const char *const status[] = {"converged", "iteration_limit", "failed", "none"};
    fputs("sku,location,group,region,periods,nonzero,censored,class,adi,cv2,status,iterations,"
          "loglik,demand_mean,var_ratio,zero_prob,trend_per_year,weekly_source,yearly_source,"
          "trend_source,dispersion_source,holdout_periods,mase,bias,rel_bias\n",
          out);
    for (int32_t s = 0; s < res->n_series; ++s) {
        const ech_dfit_series *se = &h->series[s];
        const ech_dfit_series_fit *f = &res->fit[s];
        int32_t g = h->sku_group[se->sku], r = h->location_region[se->location];
        ech_csv_write_field(out, h->sku[se->sku]);
        fputc(',', out);
        ech_csv_write_field(out, h->location[se->location]);
        opt_field(out, g >= 0 ? h->group[g] : NULL);
        opt_field(out, r >= 0 ? h->region[r] : NULL);
        fprintf(out, ",%d,%d,%d,%s,", f->periods, f->nonzero, f->censored,
                ech_dfit_class_name(f->cls));
        num(out, f->adi);
        fputc(',', out);
        num(out, f->cv2);
        fprintf(out, ",%s,%d,", status[f->status], f->iterations);
        if (f->status != ECH_FIT_NONE)
            num(out, f->loglik);
        fprintf(out, ",%.6g,%.6g,%.6g,%.6g", f->demand_mean, f->m.var_ratio, f->m.zero_prob,
                f->m.trend);
        for (int b = 0; b < ECH_BLOCK_COUNT; ++b)
            opt_field(out, source_name(res, f->source[b]));
        fprintf(out, ",%d,", f->ho_periods);
        num(out, f->mase);
        fputc(',', out);
        num(out, f->bias);
        fputc(',', out);
        num(out, f->rel_bias);
        fputc('\n', out);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void ech_dfit_write_summary(FILE *out, const ech_dfit_history *h, const ech_dfit_events *ev,
                            const ech_dfit_result *res)
{
    static const char *const period[] = {"daily", "weekly", "monthly"};
    char a[16], b[16], o[16];
    ech_format_date(h->first_date, a);
    ech_format_date(h->first_date + h->cal_days - 1, b);
    ech_format_date(res->origin, o);
    fprintf(out,
            "Calibrated %d SKU-locations (%d SKUs, %d locations) from %s: %lld rows, %s "
            "periods %s .. %s\n",
            res->n_series, h->n_skus, h->n_locations, h->path, (long long)h->rows,
            period[h->period], a, b);
    int64_t cls[5] = {0}, periods = 0, cen = 0;
    int32_t own = 0, pooled = 0, failed = 0;
    double *mase = ech_xmalloc((size_t)(res->n_series + 1) * sizeof(double), "summary");
    int32_t n_mase = 0;
    for (int32_t s = 0; s < res->n_series; ++s) {
        const ech_dfit_series_fit *f = &res->fit[s];
        cls[f->cls]++;
        periods += f->periods;
        cen += f->censored;
        if (f->cls != ECH_CLASS_NO_SALES) {
            if (f->source[ECH_BLOCK_DISPERSION] == ECH_SOURCE_OWN)
                own++;
            else
                pooled++;
        }
        failed += f->status == ECH_FIT_FAILED;
        if (f->mase == f->mase)
            mase[n_mase++] = f->mase;
    }
    fprintf(out,
            "Classes (ADI 1.32, CV2 0.49): smooth %lld, erratic %lld, intermittent %lld, "
            "lumpy %lld, no sales %lld (demand_mean 0)\n",
            (long long)cls[0], (long long)cls[1], (long long)cls[2], (long long)cls[3],
            (long long)cls[4]);
    if (res->opt.ignore_censoring)
        fprintf(out, "Censored periods: ignored (--ignore-censoring)\n");
    else if (!h->has_stock && !h->has_stockout)
        fprintf(out, "Censored periods: none known (no stock or stockout_days column)\n");
    else
        fprintf(out, "Censored periods: %lld of %lld (%.1f%%), fitted as demand >= sales\n",
                (long long)cen, (long long)periods, periods ? 100.0 * cen / periods : 0.0);
    fprintf(out, "Shape: %d series their own, %d from a pool (fewer than %d non-zero periods", own,
            pooled, res->opt.min_nonzero);
    if (failed)
        fprintf(out, ", or %d whose own fit failed", failed);
    fprintf(out, ")\n");
    /* The pools that lent a block: how many, and the five lending to most series. */
    int32_t *lent = ech_xcalloc((size_t)res->n_pools + 1, sizeof(int32_t), "summary");
    int32_t n_used = 0;
    for (int32_t s = 0; s < res->n_series; ++s) {
        int32_t q = -1;
        for (int b = 0; b < ECH_BLOCK_COUNT && q < 0; ++b)
            q = res->fit[s].source[b] >= 0 ? res->fit[s].source[b] : -1;
        if (q >= 0)
            lent[q]++;
    }
    for (int32_t q = 0; q < res->n_pools; ++q)
        n_used += lent[q] > 0;
    if (n_used > 0)
        fprintf(out, "Pools lending their shape: %d, the largest:\n", n_used);
    for (int k = 0; k < 5 && k < n_used; ++k) {
        int32_t best = -1;
        for (int32_t q = 0; q < res->n_pools; ++q)
            if (lent[q] > 0 && (best < 0 || lent[q] > lent[best]))
                best = q;
        fprintf(out, "  %s: lends to %d series; %d of its %d series fitted its shape\n",
                res->pool[best].name, lent[best], res->pool[best].fitted_members,
                res->pool[best].members);
        lent[best] = 0;
    }
    free(lent);
    if (n_mase > 0) {
        qsort(mase, (size_t)n_mase, sizeof(double), cmp_double);
        double med =
            n_mase % 2 ? mase[n_mase / 2] : 0.5 * (mase[n_mase / 2 - 1] + mase[n_mase / 2]);
        fprintf(out,
                "Hold-out (last %d days): median MASE %.3f over %d series (scale: in-sample "
                "MAE of the value %s before)\n",
                res->opt.holdout_days, med, n_mase,
                h->period == ECH_PERIOD_DAY ? "a week" : "one period");
    }
    free(mase);
    for (int32_t e = 0; ev && e < res->n_events; ++e) {
        fprintf(out, "Event %s: uplift %.3f", ev->name[e], res->uplift[e]);
        if (res->uplift_se[e] == res->uplift_se[e])
            fprintf(out, " (log se %.3f, %d series)", res->uplift_se[e], res->event_series[e]);
        else if (ev->given[e] == ev->given[e])
            fprintf(out, " (given)");
        else
            fprintf(out, " (no period of the history: not estimated)");
        fputc('\n', out);
    }
    fprintf(out, "Level and trend refer to %s (a scenario starting then continues the history)\n",
            o);
}
