/* What the fuzz targets share: a scratch folder with small valid tables and fixed
 * scenarios around the fuzzed one, and a load that must end in success or a
 * message. */
#ifndef ECHELON_FUZZ_COMMON_H
#define ECHELON_FUZZ_COMMON_H

#include "echelon/scenario_load.h"

#include <gsl/gsl_errno.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[256];

static void fuzz_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

static void fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
}

#define FUZZ_HEAD                                                                         \
    "name: fuzz\nseed: 1\nreplications: 2\nhorizon: {start_date: 2027-01-04, days: 30, "  \
    "warmup_days: 5}\nsuppliers:\n  - id: S\n    lead_time: {distribution: gamma, mean: " \
    "4, sd: 1}\n"

/* The folder, its valid tables and the scenarios of the CSV target, once. */
static void fuzz_setup(void)
{
    if (fuzz_dir[0])
        return;
    gsl_set_error_handler_off();
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/echelon-fuzz-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir))
        abort();
    fuzz_file("locations.csv", "id,kind,parent,lead_time_days\nCW,cw,,\nDC,dc,CW,1\n"
                               "P1,retail,DC,1\nP2,retail,CW,2\n");
    fuzz_file("skus.csv", "id,unit_cost,unit_price,pack_size,shelf_life_days\nA,1.5,2.5,2,200\n"
                          "B,3,4,1,0\n");
    fuzz_file("assortment.csv", "sku,location,demand_mean,demand_var_ratio\nA,P1,1.5,2\n"
                                "A,P2,0.5,\nB,P1,3,\n");
    fuzz_file("on_hand.csv", "sku,location,on_hand\nA,P1,4\nB,DC,10\n");
    fuzz_file("open_orders.csv", "sku,location,quantity,arrival_date\nA,CW,20,2027-01-02\n");
    fuzz_file("history.csv", "sku,location,date,quantity\nB,P1,2026-12-31,2\nB,P1,2027-01-05,1\n");
    static const char *const tables[6][4] = {
        {"t_locations.yaml", "f_locations.csv", "skus.csv", "assortment.csv"},
        {"t_skus.yaml", "locations.csv", "f_skus.csv", "assortment.csv"},
        {"t_assortment.yaml", "locations.csv", "skus.csv", "f_assortment.csv"},
        {"t_on_hand.yaml", "locations.csv", "skus.csv", "assortment.csv"},
        {"t_open_orders.yaml", "locations.csv", "skus.csv", "assortment.csv"},
        {"t_history.yaml", "locations.csv", "skus.csv", "assortment.csv"},
    };
    for (int i = 0; i < 6; ++i) {
        char text[2048];
        const char *extra = i == 3   ? "start: {stock: snapshot, on_hand: f_on_hand.csv}\n"
                            : i == 4 ? "start: {stock: snapshot, on_hand: on_hand.csv, "
                                       "open_orders: f_open_orders.csv}\n"
                            : i == 5 ? "demand: {history: f_history.csv}\n"
                                     : "";
        snprintf(text, sizeof text,
                 FUZZ_HEAD "expiry: {min_remaining_days: 10}\n%snetwork: {locations_file: %s}\n"
                           "catalogue: {skus_file: %s, assortment_file: %s}\n",
                 extra, tables[i][1], tables[i][2], tables[i][3]);
        fuzz_file(tables[i][0], text);
    }
}

/* Loads a scenario of the folder: success or a message, nothing else. */
static inline void fuzz_load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    ech_scenario sc;
    ech_error err;
    ech_status st = ech_scenario_load(path, NULL, &sc, &err);
    if (st == ECH_OK) {
        /* A loaded scenario can describe itself. */
        char *text = ech_scenario_resolved_text(&sc);
        free(text);
    } else if (!err.msg[0] || (st != ECH_ERR_INPUT && st != ECH_ERR_RUNTIME)) {
        abort(); /* a failure without a message */
    }
    ech_scenario_free(&sc);
}

#endif
