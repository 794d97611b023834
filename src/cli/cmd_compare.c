/* echelon compare: a base results file against others of the same seed and
 * replications, paired replication by replication (compare.h). */
#include "cli.h"
#include "options.h"
#include "echelon/compare.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FILES = 64 };

/* A number in a short form: 1.23M, 45.6k, 789. */
static const char *fmt_num(char *buf, size_t size, double v)
{
    double a = fabs(v);
    if (v != v)
        snprintf(buf, size, "n/a");
    else if (a >= 1e9)
        snprintf(buf, size, "%.2fG", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, size, "%.2fM", v / 1e6);
    else if (a >= 1e4)
        snprintf(buf, size, "%.1fk", v / 1e3);
    else if (a >= 100 || v == floor(v))
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.2f", v);
    return buf;
}

static const char *fmt_signed(char *buf, size_t size, double v)
{
    char tmp[24];
    fmt_num(tmp, sizeof tmp, v);
    snprintf(buf, size, "%s%s", v > 0 ? "+" : "", tmp);
    return buf;
}

/* A measure's value as text: fill rates in percent (differences in points). */
static void fmt_measure(char *buf, size_t size, int m, double v, int diff)
{
    if (m == ECH_CMP_FILL_RATE) {
        if (v != v)
            snprintf(buf, size, "n/a");
        else if (diff)
            snprintf(buf, size, "%+.3f pts", 100 * v);
        else
            snprintf(buf, size, "%.2f%%", 100 * v);
    } else if (diff) {
        fmt_signed(buf, size, v);
    } else {
        fmt_num(buf, size, v);
    }
}

static void fmt_interval(char *buf, size_t size, int m, double hw)
{
    char tmp[32];
    if (hw != hw)
        buf[0] = '\0';
    else if (m == ECH_CMP_FILL_RATE)
        snprintf(buf, size, "+- %.3f", 100 * hw);
    else
        snprintf(buf, size, "+- %s", fmt_num(tmp, sizeof tmp, hw));
}

/* Whether a difference's interval excludes 0 (a change the replications show). */
static const char *significance(double diff, double hw)
{
    if (diff == 0 && (hw == 0 || hw != hw))
        return "";
    if (hw != hw)
        return "";
    return fabs(diff) > hw ? " *" : "";
}

static void print_comparison(const ech_comparison *c, int top)
{
    char a[32], b[32], d[32], h[48];
    printf("\n=== %s (%s) against the base %s (%s)\n", c->other_name, c->other_path, c->base_name,
           c->base_path);
    printf("seed %llu, %lld replications; differences are %s - %s, mean over replications "
           "+- 95%% interval (paired; * the interval excludes 0)\n",
           (unsigned long long)c->seed, (long long)c->replications, c->other_name, c->base_name);
    for (int32_t g = 0; g < c->n_groups; ++g) {
        const ech_compare_group *gr = &c->group[g];
        printf("\n%s%s:\n", g == 0 ? "" : "segment ", gr->name);
        printf("  %-24s %12s %12s %14s %14s\n", "", "base", "variant", "change", "95% interval");
        for (int m = 0; m < ECH_CMP_COUNT; ++m) {
            const ech_paired *p = &gr->measure[m];
            fmt_measure(a, sizeof a, m, p->base, 0);
            fmt_measure(b, sizeof b, m, p->other, 0);
            fmt_measure(d, sizeof d, m, p->diff, 1);
            fmt_interval(h, sizeof h, m, p->half_width);
            printf("  %-24s %12s %12s %14s %14s%s\n", ech_compare_measure_label(m), a, b, d, h,
                   significance(p->diff, p->half_width));
        }
    }

    printf("\nBy location: the fill rate over its demand points in both runs; sums over its "
           "SKU-locations\n(the variant's mean, the base's for a closed location, and the "
           "change; lost/backordered\nat a DC are its children's orders):\n");
    printf("  %-10s %-18s %8s %10s %12s %14s %12s %14s %12s %14s\n", "location", "supplied by",
           "fill", "change", "lost", "change", "total cost", "change", "inventory", "change");
    /* A large network: the changed locations and those whose cost changed most. */
    enum { MAX_ROWS = 60, BIGGEST = 20 };
    uint8_t *shown = ech_xcalloc((size_t)(c->n_locations ? c->n_locations : 1), 1, "rows");
    int32_t n_shown = 0;
    for (int32_t l = 0; l < c->n_locations; ++l) {
        const ech_compare_location *loc = &c->location[l];
        shown[l] = c->n_locations <= MAX_ROWS || !loc->parent_base || !loc->parent_other ||
                   strcmp(loc->parent_base, loc->parent_other) != 0 ||
                   loc->lead_base != loc->lead_other;
    }
    for (int k = 0; k < BIGGEST && c->n_locations > MAX_ROWS; ++k) {
        int32_t best = -1;
        for (int32_t l = 0; l < c->n_locations; ++l) {
            double d = fabs(c->location[l].measure[ECH_CMP_LOC_COST].diff);
            if (!shown[l] &&
                (best < 0 || d > fabs(c->location[best].measure[ECH_CMP_LOC_COST].diff)))
                best = l;
        }
        if (best >= 0)
            shown[best] = 1;
    }
    for (int32_t l = 0; l < c->n_locations; ++l) {
        const ech_compare_location *loc = &c->location[l];
        char from[64];
        if (!shown[l])
            continue;
        ++n_shown;
        if (!loc->parent_other)
            snprintf(from, sizeof from, "closed");
        else if (!loc->parent_base)
            snprintf(from, sizeof from, "new: %s (%dd)", loc->parent_other, loc->lead_other);
        else if (!loc->parent_other[0])
            snprintf(from, sizeof from, "suppliers");
        else if (strcmp(loc->parent_base, loc->parent_other) != 0 ||
                 loc->lead_base != loc->lead_other)
            snprintf(from, sizeof from, "%s %dd->%s %dd", loc->parent_base, loc->lead_base,
                     loc->parent_other, loc->lead_other);
        else
            snprintf(from, sizeof from, "%s (%dd)", loc->parent_other, loc->lead_other);
        printf("  %-10s %-18s", loc->id, from);
        /* Fill rate over the demand points in both runs. */
        if (loc->fill_base == loc->fill_base && loc->fill_other == loc->fill_other)
            printf(" %7.2f%% %+6.3f pts", 100 * loc->fill_other,
                   100 * (loc->fill_other - loc->fill_base));
        else
            printf(" %8s %10s", "", "");
        for (int k = 0; k < ECH_CMP_LOC_COUNT; ++k) {
            const ech_paired *p = &loc->measure[k];
            char hh[40] = "";
            if (p->half_width == p->half_width)
                snprintf(hh, sizeof hh, " +-%s", fmt_num(h, sizeof h, p->half_width));
            char both[64];
            snprintf(both, sizeof both, "%s%s", fmt_signed(d, sizeof d, p->diff), hh);
            printf(" %12s %14s", fmt_num(a, sizeof a, loc->parent_other ? p->other : p->base),
                   both);
        }
        printf("\n");
    }
    if (n_shown < c->n_locations)
        printf("  (%d of %d locations: the changed ones and the %d whose total cost changed "
               "most; all in --csv)\n",
               (int)n_shown, (int)c->n_locations, (int)BIGGEST);
    free(shown);

    printf("\nSKU-locations: %lld in both, %lld in the base only, %lld in %s only; "
           "%lld demand points of those in both had other customer demand\n",
           (long long)c->skulocs_both, (long long)c->skulocs_base_only,
           (long long)c->skulocs_other_only, c->other_name, (long long)c->skulocs_demand_differs);

    int32_t *idx = ech_xmalloc((size_t)(top > 0 ? top : 1) * sizeof *idx, "top SKUs");
    for (int by = 0; by < 2 && top > 0; ++by) {
        int32_t n = ech_compare_top_skus(c, by, top, idx);
        printf("\nHardest-hit SKUs by %s (means a replication):\n",
               by ? "increase of total cost" : "increase of lost/backordered units");
        printf("  %-16s %12s %12s %12s %12s\n", "SKU", "lost base", "lost change", "cost base",
               "cost change");
        for (int32_t i = 0; i < n; ++i) {
            const ech_compare_sku *s = &c->sku[idx[i]];
            double change = by ? s->cost_other - s->cost_base : s->lost_other - s->lost_base;
            if (change <= 0) {
                if (i == 0)
                    printf("  (no SKU got worse)\n");
                break;
            }
            char e[32], f[32];
            printf("  %-16s %12s %12s %12s %12s\n", s->id, fmt_num(a, sizeof a, s->lost_base),
                   fmt_signed(b, sizeof b, s->lost_other - s->lost_base),
                   fmt_num(e, sizeof e, s->cost_base),
                   fmt_signed(f, sizeof f, s->cost_other - s->cost_base));
        }
    }
    free(idx);
}

/* With several files: the network's changes side by side, one line per run. */
static void print_side_by_side(const ech_comparison *all, int n)
{
    static const int cols[] = {ECH_CMP_TOTAL_COST, ECH_CMP_FILL_RATE, ECH_CMP_LOST_UNITS,
                               ECH_CMP_INVENTORY_VALUE, ECH_CMP_WRITE_OFFS};
    printf("\nSide by side: the network's change against %s (mean +- 95%% interval):\n",
           all[0].base_name);
    printf("  %-22s", "run");
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; ++k)
        printf(" %22s", ech_compare_measure_label(cols[k]));
    printf("\n");
    for (int i = 0; i < n; ++i) {
        printf("  %-22s", all[i].other_name);
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; ++k) {
            const ech_paired *p = &all[i].group[0].measure[cols[k]];
            char d[32], h[48], cell[96];
            fmt_measure(d, sizeof d, cols[k], p->diff, 1);
            if (cols[k] == ECH_CMP_FILL_RATE && p->half_width == p->half_width)
                snprintf(h, sizeof h, " +-%.3f", 100 * p->half_width);
            else if (p->half_width == p->half_width)
                snprintf(h, sizeof h, " +-%s", fmt_num(cell, sizeof cell, p->half_width));
            else
                h[0] = '\0';
            snprintf(cell, sizeof cell, "%s%s", d, h);
            printf(" %22s", cell);
        }
        printf("\n");
    }
}

/* CSV: one row per figure, so one file holds every comparison. */
static void csv_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; ++s) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_row(FILE *f, const ech_comparison *c, const char *level, const char *name,
                    const char *measure, const ech_paired *p)
{
    csv_text(f, c->base_name);
    fputc(',', f);
    csv_text(f, c->other_name);
    fputc(',', f);
    csv_text(f, level);
    fputc(',', f);
    csv_text(f, name);
    fprintf(f, ",%s,%.17g,%.17g,%.17g,", measure, p->base, p->other, p->diff);
    if (p->half_width == p->half_width)
        fprintf(f, "%.17g,%.17g,%.17g", p->half_width, p->diff - p->half_width,
                p->diff + p->half_width);
    else
        fprintf(f, ",,");
    fputc('\n', f);
}

static void write_csv(FILE *f, const ech_comparison *c, int top)
{
    for (int32_t g = 0; g < c->n_groups; ++g)
        for (int m = 0; m < ECH_CMP_COUNT; ++m)
            csv_row(f, c, g == 0 ? "network" : "segment", c->group[g].name,
                    ech_compare_measure_key(m), &c->group[g].measure[m]);
    static const char *const loc_measure[ECH_CMP_LOC_COUNT] = {"lost_units", "total_cost",
                                                               "mean_on_hand_value"};
    for (int32_t l = 0; l < c->n_locations; ++l) {
        const ech_compare_location *loc = &c->location[l];
        for (int k = 0; k < ECH_CMP_LOC_COUNT; ++k)
            csv_row(f, c, "location", loc->id, loc_measure[k], &loc->measure[k]);
        if (loc->common_demand_points > 0) {
            ech_paired fill = {loc->fill_base, loc->fill_other, loc->fill_other - loc->fill_base,
                               NAN};
            csv_row(f, c, "location", loc->id, "fill_rate_common", &fill);
        }
    }
    int32_t *idx = ech_xmalloc((size_t)(top > 0 ? top : 1) * sizeof *idx, "top SKUs");
    for (int by = 0; by < 2 && top > 0; ++by) {
        int32_t n = ech_compare_top_skus(c, by, top, idx);
        for (int32_t i = 0; i < n; ++i) {
            const ech_compare_sku *s = &c->sku[idx[i]];
            ech_paired lost = {s->lost_base, s->lost_other, s->lost_other - s->lost_base, NAN};
            ech_paired cost = {s->cost_base, s->cost_other, s->cost_other - s->cost_base, NAN};
            csv_row(f, c, by ? "sku_top_cost" : "sku_top_lost", s->id, "lost_units", &lost);
            csv_row(f, c, by ? "sku_top_cost" : "sku_top_lost", s->id, "total_cost", &cost);
        }
    }
    free(idx);
}

int cmd_compare(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int help = 0, force = 0;
    int64_t top = 10;
    const char *csv = NULL;
    const cli_option opts[] = {
        {"csv", 0, CLI_STRING, &csv, "OUT.csv", "also write every figure as CSV", 0, 0, NULL},
        {"top", 0, CLI_INT64, &top, "N", "hardest-hit SKUs listed (default 10; 0: none)", 0, 1e6,
         NULL},
        {"force", 0, CLI_FLAG, &force, NULL, "replace an existing CSV file", 0, 0, NULL},
        {"help", 'h', CLI_FLAG, &help, NULL, "this help", 0, 0, NULL},
    };
    const int n_opts = (int)(sizeof opts / sizeof opts[0]);
    const char *pos[MAX_FILES];
    int n_pos = 0;
    int rc = cli_parse(argc, argv, 2, opts, n_opts, pos, MAX_FILES, &n_pos, rank == 0);
    if (rc)
        return rc;
    if (help || n_pos < 2) {
        if (rank == 0) {
            FILE *out = help ? stdout : stderr;
            fprintf(out, "Usage: echelon compare BASE.h5 OTHER.h5 [MORE.h5 ...] [--csv OUT.csv] "
                         "[--top N]\n\n"
                         "Compares each OTHER results file with BASE, replication by replication "
                         "(the runs\nneed the same seed, replications and horizon): total cost, "
                         "fill rate, lost units,\ninventory value and write-offs for the network "
                         "and each segment with 95%%\nintervals, each location, and the SKUs hit "
                         "hardest.\n\nOptions:\n");
            cli_print_options(out, opts, n_opts);
        }
        return help ? 0 : 2;
    }
    /* Serial reading: rank 0 does the work, the others wait for its status. */
    int status = 0;
    if (rank == 0) {
        status = cli_check_new_file("--csv", csv, force, NULL, pos, n_pos);
        FILE *f = NULL;
        ech_comparison *all = ech_xcalloc((size_t)n_pos, sizeof *all, "comparisons");
        for (int i = 1; i < n_pos && status == 0; ++i) {
            ech_error err;
            ech_error_clear(&err);
            ech_status st = ech_compare_files(pos[0], pos[i], &all[i], &err);
            if (st != ECH_OK) {
                fprintf(stderr, "echelon: error: %s\n", err.msg);
                status = cli_exit_status(st);
            }
        }
        if (status == 0 && csv) {
            char tmp[4200];
            snprintf(tmp, sizeof tmp, "%s.tmp", csv);
            f = fopen(tmp, "w");
            if (!f) {
                fprintf(stderr, "echelon: error: cannot write %s\n", tmp);
                status = 1;
            } else {
                fprintf(f, "base,variant,level,name,measure,base_mean,variant_mean,change,"
                           "half_width_95,low_95,high_95\n");
                for (int i = 1; i < n_pos; ++i)
                    write_csv(f, &all[i], (int)top);
                if (fclose(f) != 0 || rename(tmp, csv) != 0) {
                    fprintf(stderr, "echelon: error: cannot write %s\n", csv);
                    remove(tmp);
                    status = 1;
                }
            }
        }
        if (status == 0) {
            for (int i = 1; i < n_pos; ++i)
                print_comparison(&all[i], (int)top);
            if (n_pos > 2)
                print_side_by_side(all + 1, n_pos - 1);
        }
        for (int i = 1; i < n_pos; ++i)
            ech_comparison_free(&all[i]);
        free(all);
        fflush(stdout);
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, comm);
    return status;
}
