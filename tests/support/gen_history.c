/* gen_history: writes a synthetic HISTORY.csv for `echelon calibrate` (its
 * benchmark, tools/bench-calibrate.sh, and the command's tests).
 *
 * Usage: gen_history SERIES DAYS OUT.csv [SEED]
 *
 * SERIES SKU-locations (50 locations in 5 regions; SKUs in 40 groups) over DAYS days
 * from 2022-01-03, demand drawn from the scenario's model (support_history.h) with
 * parameters spread as in a pharmacy catalogue: a lognormal level (median 1.6 units
 * a day, a tenth of the series below 0.35), variance ratios 1.2 to 5, zero inflation
 * 0.3 on three series in ten, a weekly and a yearly profile per group, small trends;
 * shelves with weekly review, two days' lead time and an order-up-to level near the
 * mean demand over nine days, so a few per cent of days run out of stock. */
#include "support_history.h"

#include <gsl/gsl_randist.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen_history SERIES DAYS OUT.csv [SEED]\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10), days = strtol(argv[2], NULL, 10);
    unsigned long seed = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
    if (n < 1 || days < 1 || days > 7000) {
        fprintf(stderr, "gen_history: bad sizes\n");
        return 2;
    }
    FILE *out = fopen(argv[3], "w");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    fputs(SH_HEADER, out);
    int32_t first = 0;
    ech_parse_date("2022-01-03", &first);
    sh_calendar c;
    sh_calendar_init(&c, first, (int32_t)days, first + (int32_t)days);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (long i = 0; i < n; ++i) {
        sh_series s;
        memset(&s, 0, sizeof s);
        long sku = i / 50, loc = i % 50, g = sku % 40;
        snprintf(s.sku, sizeof s.sku, "SKU%06ld", sku);
        snprintf(s.location, sizeof s.location, "PH%03ld", loc);
        snprintf(s.group, sizeof s.group, "G%02ld", g);
        snprintf(s.region, sizeof s.region, "R%ld", loc % 5);
        gsl_rng_set(rng, seed * 1000003UL + (unsigned long)i);
        s.mean = exp(0.5 + 1.2 * gsl_ran_ugaussian(rng));
        if (s.mean > 500)
            s.mean = 500;
        s.var_ratio = 1.2 + 3.8 * gsl_rng_uniform(rng);
        s.zero_prob = gsl_rng_uniform(rng) < 0.3 ? 0.3 : 0;
        s.trend = 0.05 * gsl_ran_ugaussian(rng);
        for (int k = 0; k < 7; ++k)
            s.weekly[k] = 1 + 0.2 * sin(1.3 * (double)(k + g));
        s.weekly[6] *= 0.4; /* Sundays */
        for (int k = 0; k < 12; ++k)
            s.yearly[k] = 1 + 0.25 * cos(2 * M_PI * (double)(k - g % 12) / 12);
        s.review_days = 7;
        s.lead_days = 2;
        s.order_up_to = (int32_t)ceil(s.mean * 9 * (1.1 + 0.3 * gsl_rng_uniform(rng))) + 1;
        sh_write_series(out, &s, &c, NULL, 0, seed * 7919UL + (unsigned long)i, NULL, 1);
    }
    gsl_rng_free(rng);
    sh_calendar_free(&c);
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
