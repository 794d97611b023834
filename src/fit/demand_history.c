/* Reading sales history and events for `echelon calibrate` (demand_fit.h).
 *
 * Rows are read as a stream and appended to their series (a series is one
 * SKU-location); dates must increase within a series, so duplicates and rows out of
 * order are found on the row that breaks the order.  When the file has been read
 * the period is known (given, or found from the spacing of the dates) and every
 * series becomes a dense array of periods from its first to its last row, missing
 * periods as zero sales.
 */
#include "echelon/demand_fit.h"
#include "echelon/csv_reader.h"
#include "echelon/scenario.h"
#include "echelon/table_load.h"

#include "../id_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    HC_DATE,
    HC_SKU,
    HC_LOCATION,
    HC_SALES,
    HC_STOCK,
    HC_STOCKOUT,
    HC_GROUP,
    HC_REGION,
    HC_COUNT
};

static const ech_csv_column history_columns[HC_COUNT] = {
    {"date", 1},  {"sku", 1},           {"location", 1}, {"sales", 1},
    {"stock", 0}, {"stockout_days", 0}, {"group", 0},    {"region", 0},
};

ech_dfit_options ech_dfit_options_default(void)
{
    ech_dfit_options o;
    memset(&o, 0, sizeof o);
    o.period = ECH_PERIOD_DETECT;
    o.holdout_days = 56;
    o.min_nonzero = 100;
    o.pool_sample = 200;
    o.weekly = o.yearly = o.trend = o.zero_inflation = 1;
    o.origin = INT32_MIN;
    o.prior_sd = 1.0;
    o.max_iter = 100;
    return o;
}

/* ------------------------------------------------------------------------------
 * Names (SKUs, locations, groups, regions) interned as indexes
 * ------------------------------------------------------------------------------ */

typedef struct names {
    int32_t n, cap;
    char **id;
    ech_id_map map;
} names;

static int32_t intern(names *t, const char *id);

/* A name's index, added when new (checked as the scenario checks ids, so what
 * calibrate writes loads). */
static ech_status intern_cell(names *t, const ech_row *row, int col, int32_t *out, ech_error *err)
{
    const char *id = ech_row_text(row, col);
    int32_t i = ech_id_map_find(&t->map, t->id, id);
    if (i < 0) {
        ech_status st = ech_check_id_text(row, col, err);
        if (st != ECH_OK)
            return st;
    }
    *out = intern(t, id);
    return ECH_OK;
}

static int32_t intern(names *t, const char *id)
{
    int32_t i = ech_id_map_find(&t->map, t->id, id);
    if (i >= 0)
        return i;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->id = ech_xrealloc(t->id, (size_t)t->cap * sizeof *t->id, "history ids");
    }
    t->id[t->n] = ech_xstrdup(id, "history id");
    ech_id_map_put(&t->map, t->id, t->n);
    return t->n++;
}

/* ------------------------------------------------------------------------------
 * Rows of a series while reading (before the period is known)
 * ------------------------------------------------------------------------------ */

typedef struct raw_series {
    int32_t n, cap;
    int32_t *date;
    float *sales;
    uint8_t *flags;
} raw_series;

/* Whether a day is the first of its month, remembered per day: the rows of a
 * history repeat the same few hundred dates. */
typedef struct month_memo {
    int32_t day[1024];
    int8_t first[1024]; /* -1: not known */
} month_memo;

static int is_first_of_month(month_memo *memo, int32_t day)
{
    int32_t k = day & 1023;
    if (memo->first[k] < 0 || memo->day[k] != day) {
        char buf[16];
        ech_format_date(day, buf);
        memo->day[k] = day;
        memo->first[k] = buf[8] == '0' && buf[9] == '1';
    }
    return memo->first[k];
}

/* Dates read, remembered by their digits: a history repeats the same few hundred
 * dates on millions of rows, and parsing one (sscanf, validation) costs more than
 * the rest of its row. */
typedef struct date_memo {
    int32_t key[4096]; /* YYYYMMDD, 0: empty */
    int32_t day[4096];
} date_memo;

/* The date of a cell: from the memo when its text is YYYY-MM-DD seen before, else
 * parsed (and checked) by the CSV reader. */
static ech_status row_date(date_memo *memo, const ech_row *row, int col, int32_t *out,
                           ech_error *err)
{
    const char *t = ech_row_text(row, col);
    int32_t key = 0;
    for (int i = 0; t && i < 10 && key >= 0; ++i) {
        if (i == 4 || i == 7)
            key = t[i] == '-' ? key : -1;
        else
            key = t[i] >= '0' && t[i] <= '9' ? key * 10 + (t[i] - '0') : -1;
    }
    if (!t || key <= 0 || t[10] != '\0')
        return ech_row_date(row, col, out, NULL, err);
    uint32_t slot = ((uint32_t)key * 2654435761u) >> 20;
    if (memo->key[slot] == key) {
        *out = memo->day[slot];
        return ECH_OK;
    }
    ech_status st = ech_row_date(row, col, out, NULL, err);
    if (st == ECH_OK) {
        memo->key[slot] = key;
        memo->day[slot] = *out;
    }
    return st;
}

typedef struct reader {
    const ech_dfit_options *opt;
    ech_dfit_history *h;
    names skus, locs, groups, regions;
    int32_t *sku_group, *loc_region; /* grown with skus / locs */
    long *sku_group_line, *loc_region_line;
    ech_pair_map series_of;
    raw_series *raw;
    int32_t series_cap;
    int32_t week_day; /* weekday of the first row when weeks are given; -1 */
    int32_t min_gap;  /* smallest gap between rows of a series (days) */
    int all_first_of_month, one_weekday;
    int32_t first_weekday;
    int32_t min_date, max_date;
    month_memo memo;
    date_memo dates;
    int32_t last_sku, last_loc, last_series; /* the row before's (-1: none) */
} reader;

static const char *const weekday_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                             "Friday", "Saturday", "Sunday"};

/* A SKU's group (or a location's region) given on a row: the same on every row that
 * gives one. */
static ech_status set_label(const ech_row *row, int col, names *labels, int32_t *slot, long *line,
                            const char *what, const char *owner, ech_error *err)
{
    const char *text = ech_row_text(row, col);
    if (!text)
        return ECH_OK;
    int32_t g;
    ech_status st = intern_cell(labels, row, col, &g, err);
    if (st != ECH_OK)
        return st;
    if (*slot >= 0 && *slot != g)
        return ech_row_fail(row, col, err, "'%s' differs from '%s' given for %s '%s' on line %ld",
                            text, labels->id[*slot], what, owner, *line);
    if (*slot < 0) {
        *slot = g;
        *line = row->line;
    }
    return ECH_OK;
}

static ech_status read_row(reader *r, const ech_row *row, ech_error *err)
{
    const ech_dfit_options *opt = r->opt;
    int32_t date = 0;
    double sales = 0, stock = NAN;
    int32_t stockout = 0;
    int given = 0, stock_given = 0, so_given = 0;
    ech_status st;
    for (int c = 0; c < 4; ++c)
        if ((st = ech_row_require(row, c, err)))
            return st;
    if ((st = row_date(&r->dates, row, HC_DATE, &date, err)) ||
        (st = ech_row_double(row, HC_SALES, &sales, &given, err)) ||
        (st = ech_row_double(row, HC_STOCK, &stock, &stock_given, err)) ||
        (st = ech_row_int(row, HC_STOCKOUT, &stockout, &so_given, err)))
        return st;
    if (!(sales >= 0 && sales <= ECH_DFIT_MAX_SALES))
        return ech_row_fail(row, HC_SALES, err, "must be between 0 and %.0f units, got %s",
                            ECH_DFIT_MAX_SALES, ech_row_text(row, HC_SALES));
    if (stock_given && !(stock >= 0 && stock <= ECH_MAX_UNITS))
        return ech_row_fail(row, HC_STOCK, err, "must be between 0 and %.0f units, got %s",
                            ECH_MAX_UNITS, ech_row_text(row, HC_STOCK));
    if (so_given && (stockout < 0 || stockout > 31))
        return ech_row_fail(row, HC_STOCKOUT, err, "must be between 0 and 31 days, got %d",
                            stockout);
    if (opt->period == ECH_PERIOD_MONTH && !is_first_of_month(&r->memo, date))
        return ech_row_fail(row, HC_DATE, err,
                            "'%s' is not the first day of a month (the history is monthly)",
                            ech_row_text(row, HC_DATE));
    if (opt->period == ECH_PERIOD_WEEK) {
        if (r->week_day < 0)
            r->week_day = ech_weekday_of_date(date);
        else if (ech_weekday_of_date(date) != r->week_day)
            return ech_row_fail(
                row, HC_DATE, err, "'%s' is a %s: the history's weeks start on %s (its first row)",
                ech_row_text(row, HC_DATE), weekday_names[ech_weekday_of_date(date)],
                weekday_names[r->week_day]);
    }
    if (opt->period == ECH_PERIOD_DAY && stockout > 1)
        return ech_row_fail(row, HC_STOCKOUT, err, "must be 0 or 1 in a daily history, got %d",
                            stockout);

    ech_dfit_history *h = r->h;
    int32_t sku, loc;
    const char *sku_text = ech_row_text(row, HC_SKU), *loc_text = ech_row_text(row, HC_LOCATION);
    if (r->last_series >= 0 && strcmp(sku_text, r->skus.id[r->last_sku]) == 0 &&
        strcmp(loc_text, r->locs.id[r->last_loc]) == 0) {
        /* The series of the row before (extracts usually list a series' rows
         * together): no lookups. */
        sku = r->last_sku;
        loc = r->last_loc;
    } else if ((st = intern_cell(&r->skus, row, HC_SKU, &sku, err)) ||
               (st = intern_cell(&r->locs, row, HC_LOCATION, &loc, err))) {
        return st;
    }
    if (sku == r->skus.n - 1 && r->skus.n > h->n_skus) {
        h->n_skus = r->skus.n;
        r->sku_group = ech_xrealloc(r->sku_group, (size_t)r->skus.cap * sizeof(int32_t), "groups");
        r->sku_group_line =
            ech_xrealloc(r->sku_group_line, (size_t)r->skus.cap * sizeof(long), "groups");
        r->sku_group[sku] = -1;
    }
    if (loc == r->locs.n - 1 && r->locs.n > h->n_locations) {
        h->n_locations = r->locs.n;
        r->loc_region =
            ech_xrealloc(r->loc_region, (size_t)r->locs.cap * sizeof(int32_t), "regions");
        r->loc_region_line =
            ech_xrealloc(r->loc_region_line, (size_t)r->locs.cap * sizeof(long), "regions");
        r->loc_region[loc] = -1;
    }
    if ((st = set_label(row, HC_GROUP, &r->groups, &r->sku_group[sku], &r->sku_group_line[sku],
                        "SKU", r->skus.id[sku], err)) ||
        (st = set_label(row, HC_REGION, &r->regions, &r->loc_region[loc], &r->loc_region_line[loc],
                        "location", r->locs.id[loc], err)))
        return st;

    uint64_t key = ech_pair_key(sku, loc);
    int64_t s = sku == r->last_sku && loc == r->last_loc ? r->last_series
                                                         : ech_pair_map_find(&r->series_of, key);
    if (s < 0) {
        s = h->n_series++;
        if (h->n_series > r->series_cap) {
            r->series_cap = r->series_cap ? 2 * r->series_cap : 256;
            h->series = ech_xrealloc(h->series, (size_t)r->series_cap * sizeof *h->series,
                                     "history series");
            r->raw = ech_xrealloc(r->raw, (size_t)r->series_cap * sizeof *r->raw, "history rows");
        }
        memset(&h->series[s], 0, sizeof h->series[s]);
        memset(&r->raw[s], 0, sizeof r->raw[s]);
        h->series[s].sku = sku;
        h->series[s].location = loc;
        h->series[s].line = row->line;
        ech_pair_map_put(&r->series_of, key, s);
    }
    r->last_sku = sku;
    r->last_loc = loc;
    r->last_series = (int32_t)s;
    raw_series *rs = &r->raw[s];
    if (rs->n > 0) {
        int32_t last = rs->date[rs->n - 1];
        char prev[16] = "";
        if (date <= last)
            ech_format_date(last, prev);
        if (date == last)
            return ech_row_fail(row, HC_DATE, err,
                                "a second row for SKU '%s' at '%s' on %s (one row per period)",
                                r->skus.id[sku], r->locs.id[loc], prev);
        if (date < last)
            return ech_row_fail(row, HC_DATE, err,
                                "'%s' comes after %s for SKU '%s' at '%s': dates must increase "
                                "within each SKU-location",
                                ech_row_text(row, HC_DATE), prev, r->skus.id[sku], r->locs.id[loc]);
        if (date - rs->date[0] >= ECH_DFIT_MAX_SPAN_DAYS)
            return ech_row_fail(row, HC_DATE, err,
                                "SKU '%s' at '%s' would span more than %d days (20 years) from "
                                "line %ld",
                                r->skus.id[sku], r->locs.id[loc], ECH_DFIT_MAX_SPAN_DAYS,
                                h->series[s].line);
        if (date - last < r->min_gap)
            r->min_gap = date - last;
    }
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 8;
        rs->date = ech_xrealloc(rs->date, (size_t)rs->cap * sizeof *rs->date, "history rows");
        rs->sales = ech_xrealloc(rs->sales, (size_t)rs->cap * sizeof *rs->sales, "history rows");
        rs->flags = ech_xrealloc(rs->flags, (size_t)rs->cap * sizeof *rs->flags, "history rows");
    }
    rs->date[rs->n] = date;
    rs->sales[rs->n] = (float)sales;
    rs->flags[rs->n] = (uint8_t)(ECH_DFIT_GIVEN | (stock_given ? ECH_DFIT_STOCK_KNOWN : 0) |
                                 (stock_given && stock == 0 ? ECH_DFIT_STOCK0 : 0) |
                                 (stockout << ECH_DFIT_SO_SHIFT));
    rs->n++;

    if (r->h->rows == 0 || date < r->min_date)
        r->min_date = date;
    if (r->h->rows == 0 || date > r->max_date)
        r->max_date = date;
    if (r->h->rows == 0)
        r->first_weekday = ech_weekday_of_date(date);
    r->one_weekday &= ech_weekday_of_date(date) == r->first_weekday;
    r->all_first_of_month &= is_first_of_month(&r->memo, date);
    r->h->rows++;
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Calendar and dense series
 * ------------------------------------------------------------------------------ */

/* The days and months from first_date through `last_day`. */
static void build_calendar(ech_dfit_history *h, int32_t last_day)
{
    int32_t y, m, d, ly, lm;
    ech_civil_from_days(h->first_date, &y, &m, &d);
    ech_civil_from_days(last_day, &ly, &lm, &d);
    h->cal_first_month = y * 12 + m - 1;
    h->cal_months = ly * 12 + lm - 1 - h->cal_first_month + 1;
    h->cal_days = last_day - h->first_date + 1;
    h->cal_month = ech_xmalloc((size_t)h->cal_days * sizeof(int32_t), "history calendar");
    h->cal_mid = ech_xmalloc((size_t)(h->cal_months + 1) * sizeof(int32_t), "history calendar");
    int32_t *start = ech_xmalloc((size_t)(h->cal_months + 1) * sizeof(int32_t), "calendar");
    for (int32_t k = 0; k <= h->cal_months; ++k) {
        int32_t ym = h->cal_first_month + k;
        start[k] = ech_days_from_civil(ym / 12, ym % 12 + 1, 1);
        h->cal_mid[k] = ech_days_from_civil(ym / 12, ym % 12 + 1, 15);
    }
    int32_t k = 0;
    for (int32_t d = 0; d < h->cal_days; ++d) {
        while (h->first_date + d >= start[k + 1])
            ++k;
        h->cal_month[d] = h->cal_first_month + k;
    }
    free(start);
}

static int32_t period_index(const ech_dfit_history *h, int32_t date)
{
    if (h->period == ECH_PERIOD_DAY)
        return date - h->first_date;
    if (h->period == ECH_PERIOD_WEEK)
        return (date - h->first_date) / 7;
    return h->cal_month[date - h->first_date] - h->cal_first_month;
}

int32_t ech_dfit_period_start(const ech_dfit_history *h, int32_t p)
{
    if (h->period == ECH_PERIOD_DAY)
        return h->first_date + p;
    if (h->period == ECH_PERIOD_WEEK)
        return h->first_date + 7 * p;
    int32_t ym = h->cal_first_month + p;
    return ech_days_from_civil(ym / 12, ym % 12 + 1, 1);
}

int32_t ech_dfit_period_days(const ech_dfit_history *h, int32_t p)
{
    if (h->period == ECH_PERIOD_DAY)
        return 1;
    if (h->period == ECH_PERIOD_WEEK)
        return 7;
    return ech_dfit_period_start(h, p + 1) - ech_dfit_period_start(h, p);
}

/* The period from the dates: months when every date is a month's first day and
 * rows of a series are at least 28 days apart, weeks when every date is the same
 * weekday, else days. */
static uint8_t detect_period(const reader *r)
{
    if (r->min_gap >= 28 && r->all_first_of_month)
        return ECH_PERIOD_MONTH;
    if (r->min_gap >= 7 && r->one_weekday && r->min_gap != INT32_MAX)
        return ECH_PERIOD_WEEK;
    return ECH_PERIOD_DAY;
}

/* The line of series s's row on `date`, found by reading the file again (only for a
 * message about a row found bad after the period is known). */
static long find_line(const ech_dfit_history *h, int32_t s, int32_t date)
{
    ech_csv *r;
    ech_error e;
    long line = 0;
    if (ech_csv_open(&r, h->path, history_columns, HC_COUNT, &e) != ECH_OK)
        return 0;
    const ech_row *row;
    const ech_dfit_series *se = &h->series[s];
    while (ech_csv_next(r, &row, &e) == ECH_OK && row) {
        int32_t d;
        const char *sku = ech_row_text(row, HC_SKU), *loc = ech_row_text(row, HC_LOCATION);
        if (sku && loc && strcmp(sku, h->sku[se->sku]) == 0 &&
            strcmp(loc, h->location[se->location]) == 0 &&
            ech_parse_date(ech_row_text(row, HC_DATE), &d) == 0 && d == date) {
            line = row->line;
            break;
        }
    }
    ech_csv_close(r);
    return line;
}

/* Series s as dense periods; checks what depends on the period. */
static ech_status densify(ech_dfit_history *h, raw_series *rs, int32_t s, ech_error *err)
{
    ech_dfit_series *se = &h->series[s];
    se->first = period_index(h, rs->date[0]);
    se->n = period_index(h, rs->date[rs->n - 1]) - se->first + 1;
    se->sales = ech_xcalloc((size_t)se->n, sizeof *se->sales, "history periods");
    se->flags = ech_xcalloc((size_t)se->n, sizeof *se->flags, "history periods");
    for (int32_t i = 0; i < rs->n; ++i) {
        int32_t p = period_index(h, rs->date[i]);
        int32_t so = ech_dfit_stockout_days(rs->flags[i]);
        int32_t days = ech_dfit_period_days(h, p);
        if (so > days) {
            char date[16];
            ech_format_date(rs->date[i], date);
            return ech_fail_at(err, h->path, find_line(h, s, rs->date[i]), "stockout_days",
                               "%d days without stock in a period of %d days (%s)", so, days, date);
        }
        se->sales[p - se->first] = rs->sales[i];
        se->flags[p - se->first] = rs->flags[i];
    }
    return ECH_OK;
}

static void reader_free(reader *r)
{
    for (int32_t s = 0; s < r->h->n_series; ++s) {
        free(r->raw[s].date);
        free(r->raw[s].sales);
        free(r->raw[s].flags);
    }
    free(r->raw);
    free(r->sku_group_line);
    free(r->loc_region_line);
    ech_id_map_free(&r->skus.map);
    ech_id_map_free(&r->locs.map);
    ech_id_map_free(&r->groups.map);
    ech_id_map_free(&r->regions.map);
    ech_pair_map_free(&r->series_of);
}

ech_status ech_dfit_read_history(const char *path, const ech_dfit_options *opt, ech_dfit_history *h,
                                 ech_error *err)
{
    memset(h, 0, sizeof *h);
    h->path = ech_xstrdup(path, "history path");
    ech_csv *csv;
    ech_status st = ech_csv_open(&csv, path, history_columns, HC_COUNT, err);
    if (st != ECH_OK) {
        ech_dfit_history_free(h);
        return st;
    }
    reader r;
    memset(&r, 0, sizeof r);
    r.opt = opt;
    r.h = h;
    r.week_day = -1;
    r.min_gap = INT32_MAX;
    r.all_first_of_month = r.one_weekday = 1;
    memset(r.memo.first, -1, sizeof r.memo.first);
    r.last_sku = r.last_loc = r.last_series = -1;
    h->has_stock = ech_csv_has_column(csv, HC_STOCK);
    h->has_stockout = ech_csv_has_column(csv, HC_STOCKOUT);
    const ech_row *row;
    while ((st = ech_csv_next(csv, &row, err)) == ECH_OK && row)
        if ((st = read_row(&r, row, err)) != ECH_OK)
            break;
    ech_csv_close(csv);
    h->sku = r.skus.id;
    h->n_skus = r.skus.n; /* every name interned, also when a row failed after its SKU */
    h->location = r.locs.id;
    h->n_locations = r.locs.n;
    h->group = r.groups.id;
    h->region = r.regions.id;
    h->n_groups = r.groups.n;
    h->n_regions = r.regions.n;
    h->sku_group = r.sku_group;
    h->location_region = r.loc_region;
    if (st == ECH_OK && h->rows == 0)
        st = ech_fail(err, ECH_ERR_INPUT, "%s: no data rows", path);
    if (st == ECH_OK) {
        h->period = opt->period == ECH_PERIOD_DETECT ? detect_period(&r) : (uint8_t)opt->period;
        h->first_date = r.min_date;
        if (h->period == ECH_PERIOD_DAY) {
            for (int32_t s = 0; s < h->n_series && st == ECH_OK; ++s)
                for (int32_t i = 0; i < r.raw[s].n && st == ECH_OK; ++i)
                    if (ech_dfit_stockout_days(r.raw[s].flags[i]) > 1)
                        st = ech_fail_at(err, path, find_line(h, s, r.raw[s].date[i]),
                                         "stockout_days",
                                         "must be 0 or 1 in a daily history, got %d",
                                         ech_dfit_stockout_days(r.raw[s].flags[i]));
        }
    }
    if (st == ECH_OK) {
        int32_t last = r.max_date;
        if (h->period == ECH_PERIOD_WEEK)
            last += 6;
        else if (h->period == ECH_PERIOD_MONTH) {
            int32_t y, m, d;
            ech_civil_from_days(last, &y, &m, &d);
            last = ech_days_from_civil(y + (m == 12), m % 12 + 1, 1) - 1;
        }
        build_calendar(h, last);
        h->n_periods = period_index(h, r.max_date) + 1;
        for (int32_t s = 0; s < h->n_series && st == ECH_OK; ++s) {
            st = densify(h, &r.raw[s], s, err);
            /* Each series' rows go as its periods come: the peak is one copy. */
            free(r.raw[s].date);
            free(r.raw[s].sales);
            free(r.raw[s].flags);
            memset(&r.raw[s], 0, sizeof r.raw[s]);
        }
    }
    reader_free(&r);
    if (st != ECH_OK)
        ech_dfit_history_free(h);
    return st;
}

void ech_dfit_history_free(ech_dfit_history *h)
{
    for (int32_t s = 0; s < h->n_series; ++s) {
        free(h->series[s].sales);
        free(h->series[s].flags);
    }
    free(h->series);
    ech_strings_free(h->sku, h->n_skus);
    ech_strings_free(h->location, h->n_locations);
    ech_strings_free(h->group, h->n_groups);
    ech_strings_free(h->region, h->n_regions);
    free(h->sku_group);
    free(h->location_region);
    free(h->cal_month);
    free(h->cal_mid);
    free(h->path);
    memset(h, 0, sizeof *h);
}

/* ------------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------------ */

/* The scenario's event columns (table_load.h), with `uplift` optional: calibrate
 * estimates the uplifts a file leaves out. */
#define CAL_EVENT_COLUMN(sym, name, req) {name, req && ECH_EVCOL_##sym != ECH_EVCOL_UPLIFT},
static const ech_csv_column event_columns[ECH_EVCOL_COUNT] = {ECH_EVENT_COLUMNS(CAL_EVENT_COLUMN)};

static char *dup_or_null(const char *s)
{
    return s ? ech_xstrdup(s, "event scope") : NULL;
}

static ech_status read_event(ech_dfit_events *ev, names *nm, long **first_line, const ech_row *row,
                             int32_t *cap, ech_error *err)
{
    ech_status st;
    int32_t start = 0, end = 0;
    double uplift = NAN;
    int given = 0;
    if ((st = ech_row_require(row, ECH_EVCOL_NAME, err)) ||
        (st = ech_row_require(row, ECH_EVCOL_START_DATE, err)) ||
        (st = ech_row_require(row, ECH_EVCOL_END_DATE, err)))
        return st;
    for (int c = 0; c < ECH_EVCOL_COUNT; ++c)
        if (c != ECH_EVCOL_START_DATE && c != ECH_EVCOL_END_DATE && c != ECH_EVCOL_UPLIFT &&
            (st = ech_check_id_text(row, c, err)))
            return st;
    if ((st = ech_row_date(row, ECH_EVCOL_START_DATE, &start, NULL, err)) ||
        (st = ech_row_date(row, ECH_EVCOL_END_DATE, &end, NULL, err)) ||
        (st = ech_row_double(row, ECH_EVCOL_UPLIFT, &uplift, &given, err)))
        return st;
    if (end < start)
        return ech_row_fail(row, ECH_EVCOL_END_DATE, err, "%s is before start_date %s",
                            ech_row_text(row, ECH_EVCOL_END_DATE),
                            ech_row_text(row, ECH_EVCOL_START_DATE));
    if (given && !(uplift > 0 && uplift <= ECH_DFIT_MAX_UPLIFT))
        return ech_row_fail(row, ECH_EVCOL_UPLIFT, err, "must be > 0 and at most %.0f, got %s",
                            ECH_DFIT_MAX_UPLIFT, ech_row_text(row, ECH_EVCOL_UPLIFT));
    int32_t k = intern(nm, ech_row_text(row, ECH_EVCOL_NAME));
    if (k == ev->n_names) {
        ev->n_names = nm->n;
        ev->given = ech_xrealloc(ev->given, (size_t)nm->cap * sizeof *ev->given, "events");
        *first_line = ech_xrealloc(*first_line, (size_t)nm->cap * sizeof **first_line, "events");
        ev->given[k] = given ? uplift : NAN;
        (*first_line)[k] = row->line;
    } else if ((ev->given[k] == ev->given[k]) != given || (given && ev->given[k] != uplift)) {
        return ech_row_fail(row, ECH_EVCOL_UPLIFT, err,
                            "event '%s' has one uplift or none: line %ld gives %s", nm->id[k],
                            (*first_line)[k], ev->given[k] == ev->given[k] ? "another" : "none");
    }
    if (ev->n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        size_t n = (size_t)*cap;
        ev->event = ech_xrealloc(ev->event, n * sizeof(int32_t), "events");
        ev->start = ech_xrealloc(ev->start, n * sizeof(int32_t), "events");
        ev->end = ech_xrealloc(ev->end, n * sizeof(int32_t), "events");
        ev->sku = ech_xrealloc(ev->sku, n * sizeof(char *), "events");
        ev->group = ech_xrealloc(ev->group, n * sizeof(char *), "events");
        ev->location = ech_xrealloc(ev->location, n * sizeof(char *), "events");
        ev->region = ech_xrealloc(ev->region, n * sizeof(char *), "events");
        ev->line = ech_xrealloc(ev->line, n * sizeof(long), "events");
    }
    int32_t i = ev->n++;
    ev->event[i] = k;
    ev->start[i] = start;
    ev->end[i] = end;
    ev->sku[i] = dup_or_null(ech_row_text(row, ECH_EVCOL_SKU));
    ev->group[i] = dup_or_null(ech_row_text(row, ECH_EVCOL_GROUP));
    ev->location[i] = dup_or_null(ech_row_text(row, ECH_EVCOL_LOCATION));
    ev->region[i] = dup_or_null(ech_row_text(row, ECH_EVCOL_REGION));
    ev->line[i] = row->line;
    return ECH_OK;
}

ech_status ech_dfit_read_events(const char *path, ech_dfit_events *ev, ech_error *err)
{
    memset(ev, 0, sizeof *ev);
    ev->path = ech_xstrdup(path, "events path");
    ech_csv *csv;
    ech_status st = ech_csv_open(&csv, path, event_columns, ECH_EVCOL_COUNT, err);
    if (st != ECH_OK) {
        ech_dfit_events_free(ev);
        return st;
    }
    names nm;
    memset(&nm, 0, sizeof nm);
    long *first_line = NULL;
    int32_t cap = 0;
    const ech_row *row;
    while ((st = ech_csv_next(csv, &row, err)) == ECH_OK && row)
        if ((st = read_event(ev, &nm, &first_line, row, &cap, err)) != ECH_OK)
            break;
    ech_csv_close(csv);
    ev->name = nm.id;
    ev->n_names = nm.n;
    ech_id_map_free(&nm.map);
    free(first_line);
    if (st != ECH_OK)
        ech_dfit_events_free(ev);
    return st;
}

void ech_dfit_events_free(ech_dfit_events *ev)
{
    for (int32_t i = 0; i < ev->n; ++i) {
        free(ev->sku[i]);
        free(ev->group[i]);
        free(ev->location[i]);
        free(ev->region[i]);
    }
    free(ev->sku);
    free(ev->group);
    free(ev->location);
    free(ev->region);
    free(ev->event);
    free(ev->start);
    free(ev->end);
    free(ev->line);
    ech_strings_free(ev->name, ev->n_names);
    free(ev->given);
    free(ev->path);
    memset(ev, 0, sizeof *ev);
}
