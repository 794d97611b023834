/* libFuzzer target: the sales history and events of `echelon calibrate`.  The first
 * byte of an input picks the file (even: HISTORY.csv, odd: EVENTS.csv beside a small
 * valid history) and the period (day, week, month or detected), the rest is the
 * file's text.  What reads must fit (when small enough to fit quickly) and write
 * every output; what does not must be refused with a message.  See README.md. */
#include "fuzz_common.h"

#include "echelon/demand_fit.h"

static void fuzz_calibrate(const char *hist, const char *events, int period)
{
    ech_dfit_options o = ech_dfit_options_default();
    o.period = period;
    o.threads = 1;
    o.max_iter = 30;
    ech_dfit_history h;
    ech_dfit_events ev;
    ech_error err;
    ech_status st = ech_dfit_read_history(hist, &o, &h, &err);
    if (st != ECH_OK) {
        if (!err.msg[0] || st != ECH_ERR_INPUT)
            abort();
        return;
    }
    st = events ? ech_dfit_read_events(events, &ev, &err) : ECH_OK;
    if (st != ECH_OK) {
        if (!err.msg[0] || st != ECH_ERR_INPUT)
            abort();
        ech_dfit_history_free(&h);
        return;
    }
    int64_t periods = 0;
    for (int32_t s = 0; s < h.n_series; ++s)
        periods += h.series[s].n;
    if (periods <= 20000) {
        ech_dfit_result res;
        if (ech_dfit_run(&h, events ? &ev : NULL, &o, &res, &err) != ECH_OK)
            abort();
        FILE *null = fopen("/dev/null", "w");
        if (!null)
            abort();
        ech_dfit_write_demand(null, &h, &res);
        ech_dfit_write_profiles(null, &h, &res);
        if (events)
            ech_dfit_write_events(null, &ev, &res);
        ech_dfit_write_restored(null, &h, events ? &ev : NULL, &res);
        ech_dfit_write_report(null, &h, &res);
        ech_dfit_write_summary(null, &h, events ? &ev : NULL, &res);
        fclose(null);
        ech_dfit_result_free(&res);
    }
    if (events)
        ech_dfit_events_free(&ev);
    ech_dfit_history_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 1)
        return 0;
    static const int periods[4] = {ECH_PERIOD_DETECT, ECH_PERIOD_DAY, ECH_PERIOD_WEEK,
                                   ECH_PERIOD_MONTH};
    int period = periods[(data[0] >> 1) & 3];
    char hist[512], events[512];
    snprintf(hist, sizeof hist, "%s/f_sales.csv", fuzz_dir);
    snprintf(events, sizeof events, "%s/f_events.csv", fuzz_dir);
    if (data[0] & 1) {
        fuzz_file("f_sales.csv", "date,sku,location,sales,stock,group,region\n"
                                 "2024-01-01,A,P1,3,2,N02,EAST\n2024-01-02,A,P1,1,0,N02,EAST\n"
                                 "2024-01-03,A,P1,4,5,N02,EAST\n2024-01-01,B,P2,0,,M01,WEST\n"
                                 "2024-01-05,B,P2,2,,M01,WEST\n");
        fuzz_write("f_events.csv", data + 1, size - 1);
        fuzz_calibrate(hist, events, period);
    } else {
        fuzz_write("f_sales.csv", data + 1, size - 1);
        fuzz_calibrate(hist, NULL, period);
    }
    return 0;
}
