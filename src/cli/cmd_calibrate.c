/* echelon calibrate: demand models per SKU-location from sales history, written as
 * the CSV files a scenario loads (demand_fit.h). */
#include "cli.h"
#include "options.h"
#include "echelon/demand_fit.h"
#include "echelon/scenario.h"
#include "echelon/stop.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(void)
{
    printf("Usage: echelon calibrate HISTORY.csv -o DEMAND.csv [OPTIONS]\n"
           "\n"
           "Fits each SKU-location's demand model from its sales (and closing stock or\n"
           "stock-out days, when the history has them: a period that ran out of stock is\n"
           "censored, demand >= sales): level, dispersion, zero inflation, weekly and\n"
           "yearly profiles, trend and event uplifts, by maximum likelihood.  Writes\n"
           "DEMAND.csv (the assortment's demand columns), PROFILES.csv, EVENTS.csv with\n"
           "the fitted uplifts (with --events), a report per series and, with --restored,\n"
           "the demand restored in censored periods.  HISTORY.csv columns: date, sku,\n"
           "location, sales; optional stock, stockout_days, group, region.\n"
           "\n"
           "Options:\n");
}

typedef struct outputs {
    const char *demand, *profiles, *events, *report, *restored;
    char buf[4][4096];
} outputs;

/* DEMAND.csv's stem: the path without ".csv". */
static void default_name(char *buf, size_t size, const char *demand, const char *suffix)
{
    size_t n = strlen(demand);
    if (n > 4 && strcmp(demand + n - 4, ".csv") == 0)
        n -= 4;
    snprintf(buf, size, "%.*s-%s.csv", (int)n, demand, suffix);
}

static int calibrate(int argc, char **argv)
{
    ech_dfit_options o = ech_dfit_options_default();
    outputs out;
    memset(&out, 0, sizeof out);
    const char *events_in = NULL, *period = "detect", *origin = NULL;
    int64_t holdout = o.holdout_days, min_nonzero = o.min_nonzero, pool = o.pool_sample;
    int64_t max_iter = o.max_iter, threads = 0;
    int help = 0, force = 0, quiet = 0, no_weekly = 0, no_yearly = 0, no_trend = 0, no_zi = 0;
    const cli_option opts[] = {
        {"output", 'o', CLI_STRING, &out.demand, "FILE",
         "DEMAND.csv: the demand columns (required)", 0, 0, NULL},
        {"profiles", 0, CLI_STRING, &out.profiles, "FILE",
         "the weekly and yearly profiles (default DEMAND-profiles.csv)", 0, 0, NULL},
        {"events", 0, CLI_STRING, &events_in, "FILE",
         "promotions and calendar events (name,start_date,end_date[,uplift][,scope])", 0, 0, NULL},
        {"events-out", 0, CLI_STRING, &out.events, "FILE",
         "the events with fitted uplifts (default DEMAND-events.csv)", 0, 0, NULL},
        {"report", 0, CLI_STRING, &out.report, "FILE",
         "fit statistics per series (default DEMAND-report.csv)", 0, 0, NULL},
        {"restored", 0, CLI_STRING, &out.restored, "FILE",
         "sales with the demand restored in censored periods", 0, 0, NULL},
        {"period", 0, CLI_STRING, &period, "P", "day, week or month (default: from the dates)", 0,
         0, NULL},
        {"holdout", 0, CLI_INT64, &holdout, "DAYS",
         "forecast the periods of the last DAYS days for the report (default 56; 0: none)", 0, 3650,
         NULL},
        {"min-nonzero", 0, CLI_INT64, &min_nonzero, "N",
         "series with fewer non-zero periods take their shape from a pool (default 100)", 1, 1e9,
         NULL},
        {"pool-sample", 0, CLI_INT64, &pool, "N",
         "members that fit a pool's shape, at most (default 200)", 1, 1e6, NULL},
        {"origin", 0, CLI_STRING, &origin, "DATE",
         "the date the level and trend refer to (default: the day after the history)", 0, 0, NULL},
        {"no-weekly", 0, CLI_FLAG, &no_weekly, NULL, "no weekly profiles", 0, 0, NULL},
        {"no-yearly", 0, CLI_FLAG, &no_yearly, NULL, "no yearly profiles", 0, 0, NULL},
        {"no-trend", 0, CLI_FLAG, &no_trend, NULL, "no trends", 0, 0, NULL},
        {"no-zero-inflation", 0, CLI_FLAG, &no_zi, NULL, "no zero inflation", 0, 0, NULL},
        {"ignore-censoring", 0, CLI_FLAG, &o.ignore_censoring, NULL,
         "fit stock-out periods as if demand = sales (the naive estimate)", 0, 0, NULL},
        {"prior-sd", 0, CLI_DOUBLE, &o.prior_sd, "SD",
         "sd of the ridge on log profile factors and trends (default 1)", 0.01, 100, NULL},
        {"max-iter", 0, CLI_INT64, &max_iter, "N", "Newton iterations per fit (default 100)", 1,
         10000, NULL},
        {"threads", 't', CLI_INT64, &threads, "N", "OpenMP threads (default: OMP_NUM_THREADS)", 1,
         4096, NULL},
        {"force", 'f', CLI_FLAG, &force, NULL, "replace existing output files", 0, 0, NULL},
        {"quiet", 'q', CLI_FLAG, &quiet, NULL, "no summary on stdout", 0, 0, NULL},
        {"help", 'h', CLI_FLAG, &help, NULL, "this help", 0, 0, NULL},
    };
    const int n_opts = (int)(sizeof opts / sizeof opts[0]);
    const char *pos[1];
    int n_pos = 0;
    int rc = cli_parse_command(argc, argv, opts, n_opts, pos, 1, &n_pos, 0, &help, print_help);
    if (rc >= 0)
        return rc;
    if (n_pos != 1 || !out.demand) {
        fprintf(stderr, "echelon: error: calibrate needs one history file and -o DEMAND.csv (see "
                        "echelon calibrate --help)\n");
        return 2;
    }
    static const char *const period_names[] = {"day", "week", "month", "detect", NULL};
    int p = cli_choice("period", period, period_names);
    if (p < 0)
        return 2;
    o.period = p == 3 ? ECH_PERIOD_DETECT : p;
    if (origin && ech_parse_date(origin, &o.origin) != 0) {
        fprintf(stderr, "echelon: error: --origin: '%s' is not a date (YYYY-MM-DD)\n", origin);
        return 2;
    }
    o.holdout_days = (int32_t)holdout;
    o.min_nonzero = (int32_t)min_nonzero;
    o.pool_sample = (int32_t)pool;
    o.max_iter = (int32_t)max_iter;
    o.threads = (int)threads;
    o.weekly = !no_weekly;
    o.yearly = !no_yearly;
    o.trend = !no_trend;
    o.zero_inflation = !no_zi;
    if (!out.profiles) {
        default_name(out.buf[0], sizeof out.buf[0], out.demand, "profiles");
        out.profiles = out.buf[0];
    }
    if (!out.report) {
        default_name(out.buf[1], sizeof out.buf[1], out.demand, "report");
        out.report = out.buf[1];
    }
    if (events_in && !out.events) {
        default_name(out.buf[2], sizeof out.buf[2], out.demand, "events");
        out.events = out.buf[2];
    }
    if (!events_in && out.events) {
        fprintf(stderr, "echelon: error: --events-out needs --events\n");
        return 2;
    }
    /* Every output checked before any work: none may exist (without --force), be an
     * input, or be named twice. */
    const char *inputs[] = {pos[0], events_in};
    const char *files[] = {out.demand, out.profiles, out.events, out.report, out.restored};
    const char *what[] = {"--output", "--profiles", "--events-out", "--report", "--restored"};
    for (int i = 0; i < 5; ++i) {
        for (int j = 0; j < i && files[i]; ++j)
            if (files[j] && strcmp(files[i], files[j]) == 0) {
                fprintf(stderr, "echelon: error: %s: %s is also %s\n", what[i], files[i], what[j]);
                return 2;
            }
        if (cli_check_new_file(what[i], files[i], force, NULL, inputs, events_in ? 2 : 1))
            return 2;
    }

    ech_error err;
    ech_error_clear(&err);
    ech_dfit_history h;
    ech_dfit_events ev;
    ech_dfit_result res;
    memset(&ev, 0, sizeof ev);
    memset(&res, 0, sizeof res);
    double t0 = cli_wall_seconds();
    ech_status st = ech_dfit_read_history(pos[0], &o, &h, &err);
    int have_h = st == ECH_OK;
    if (st == ECH_OK && events_in)
        st = ech_dfit_read_events(events_in, &ev, &err);
    double t_read = cli_wall_seconds() - t0;
    if (st == ECH_OK)
        st = ech_dfit_run(&h, events_in ? &ev : NULL, &o, &res, &err);
    t0 = cli_wall_seconds();

    /* Written under temporary names, renamed when all are complete. */
    cli_out_file f[5];
    memset(f, 0, sizeof f);
    ech_stop_install();
    for (int i = 0; i < 5 && st == ECH_OK; ++i)
        if (files[i])
            st = cli_out_open(&f[i], files[i], NULL, &err);
    if (st == ECH_OK) {
        ech_dfit_write_demand(f[0].f, &h, &res);
        ech_dfit_write_profiles(f[1].f, &h, &res);
        if (f[2].f)
            ech_dfit_write_events(f[2].f, &ev, &res);
        ech_dfit_write_report(f[3].f, &h, &res);
        if (f[4].f)
            ech_dfit_write_restored(f[4].f, &h, &ev, &res);
        if (ech_stop_requested())
            st = ech_fail(&err, ECH_ERR_RUNTIME, "stopped at signal %d: nothing written",
                          ech_stop_requested());
    }
    for (int i = 0; i < 5; ++i) {
        ech_error e2;
        ech_error_clear(&e2);
        if (cli_out_close(&f[i], st == ECH_OK, &e2) != ECH_OK && st == ECH_OK) {
            st = e2.status;
            err = e2;
        }
    }
    if (st == ECH_OK && !quiet) {
        ech_dfit_write_summary(stdout, &h, events_in ? &ev : NULL, &res);
        printf("Time: reading %.2f s, fitting %.2f s (%d threads), writing %.2f s\n", t_read,
               res.seconds, o.threads > 0 ? o.threads : omp_get_max_threads(),
               cli_wall_seconds() - t0);
        printf("Wrote %s, %s", out.demand, out.profiles);
        for (int i = 2; i < 5; ++i)
            if (files[i])
                printf(", %s", files[i]);
        printf("\n");
    }
    if (st != ECH_OK)
        fprintf(stderr, "echelon: error: %s\n", err.msg[0] ? err.msg : "unknown failure");
    ech_dfit_result_free(&res);
    if (events_in)
        ech_dfit_events_free(&ev);
    if (have_h)
        ech_dfit_history_free(&h);
    return cli_exit_status(st);
}

int cmd_calibrate(int argc, char **argv, MPI_Comm comm)
{
    /* A serial tool (OpenMP threads over series): rank 0 does the work. */
    return cli_on_rank0(calibrate, argc, argv, comm);
}
