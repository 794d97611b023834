/* The results file's /contract group (what `echelon contract` recommends and the
 * need it sized on) and every run's purchases by supplier and month (see
 * output_h5.h and results/README.md). */
#include "output_h5.h"
#include "echelon/contract_run.h"
#include "echelon/kpi.h"

#include <stdlib.h>
#include <string.h>

void ech_output_contract(writer *w)
{
    const ech_contract_result *c = w->res->contract;
    const ech_scenario *sc = w->sc;
    hid_t g = ech_h5_group(w, w->file, "contract",
                           "what echelon contract recommends: the variants 'today' and "
                           "'recommended' simulate these commitments on the run's random "
                           "numbers, which the sizing did not use");
    ech_h5_attr_i64(w, g, "replications", c->replications);
    ech_h5_attr_i64(w, g, "check_replications", c->refine_replications);
    ech_h5_attr_i32(w, g, "sizing_stream_set", 1);
    ech_h5_attr_i32(w, g, "need_variant", c->variant);
    ech_h5_attr_f64(w, g, "today_margin", c->today_margin);
    ech_h5_attr_i32(w, g, "sized_skus", c->n_sized);
    ech_h5_attr_i64(w, g, "skuloc_days", c->skuloc_days);

    hid_t gs = ech_h5_group(w, g, "sku",
                            "per SKU: the commitment, the need it was sized on and its expected "
                            "cost (NaN: the SKU has no contract terms)");
    int32_t nk = sc->cat.n;
    hid_t sku = ech_h5_id_scale(w, gs, "sku", sc->cat.id, nk, "SKU id (as /catalogue/sku)");
#define WRITE_FIELD(field, name, units, desc)                                                   \
    ech_h5_small_table(w, gs, name, H5T_NATIVE_DOUBLE, (hsize_t)nk, c->field, sku, units, desc, \
                       NULL);
    ECH_CONTRACT_SKU_FIELDS(WRITE_FIELD)
#undef WRITE_FIELD
    ech_h5_close_dataset(w, sku);
    ech_h5_close_group(gs);

    /* The need per supplier and month: [supplier, month]. */
    hid_t gm = ech_h5_group(w, g, "supplier_month",
                            "per supplier and measured calendar month: the mean need (units the "
                            "warehouse buys without contracts) of its SKUs with terms");
    hsize_t dims[2] = {(hsize_t)sc->suppliers.n, (hsize_t)c->n_months};
    hid_t month =
        ech_h5_scale_create(w, gm, "month_start", H5T_NATIVE_INT32, dims[1], c->month_start, "day",
                            "first measured day of the month (days since 1970-01-01)");
    hid_t sup = ech_h5_id_scale(w, gm, "supplier", sc->suppliers.id, sc->suppliers.n,
                                "supplier id (as /supply/supplier_id)");
    const double *data[2] = {c->supplier_month_need, c->supplier_month_value};
    const char *names[2] = {"need_units", "need_value"};
    const char *units[2] = {"unit", "currency"};
    const char *texts[2] = {"mean units bought in the month", "the same at unit cost"};
    for (int j = 0; j < 2; ++j) {
        hid_t d = ech_h5_dataset_create(w, gm, names[j], H5T_NATIVE_DOUBLE, 2, dims, 0);
        ech_h5_describe(w, d, units[j], texts[j]);
        ech_h5_write_from_root(w, d, names[j], H5T_NATIVE_DOUBLE, dims[0], dims[1], data[j]);
        ech_h5_attach(w, d, sup, 0, names[j]);
        ech_h5_attach(w, d, month, 1, names[j]);
        ech_h5_close_dataset(w, d);
    }
    ech_h5_close_dataset(w, sup);
    ech_h5_close_dataset(w, month);
    ech_h5_close_group(gm);
    ech_h5_close_group(g);
}

void ech_output_purchases(writer *w, hid_t parent, int32_t v)
{
    const ech_scenario *sc = w->sc;
    const ech_results *res = w->res;
    hid_t g = ech_h5_group(w, parent, "purchases",
                           "what the central warehouse bought from each supplier in each measured "
                           "calendar month, per replication (purchased_units of the SKUs, summed)");
    /* Results assembled without a run (tests) may lack the sums: zeros then. */
    int32_t ns = sc->suppliers.n, nm = ech_results_months(sc);
    int have = res->supplier_month_units && res->n_suppliers == ns && res->n_months == nm;
    hid_t sup = ech_h5_id_scale(w, g, "supplier", sc->suppliers.id, ns,
                                "supplier id (as /supply/supplier_id)");
    int32_t *start = ech_xmalloc((size_t)(nm > 0 ? nm : 1) * sizeof *start, "month starts");
    for (int32_t t = 0, m = -1; t < sc->days; ++t)
        if (t == 0 || ech_scenario_month(sc, t) != ech_scenario_month(sc, t - 1))
            start[++m] = sc->start_date + t;
    hid_t month =
        ech_h5_scale_create(w, g, "month_start", H5T_NATIVE_INT32, (hsize_t)nm, start, "day",
                            "first measured day of the month (days since 1970-01-01)");
    free(start);
    hid_t rep = ech_h5_replication_scale(w, g);
    size_t per = (size_t)ns * (size_t)nm * (size_t)res->n_reps;
    int64_t *zeros = have ? NULL : ech_xcalloc(per > 0 ? per : 1, sizeof *zeros, "purchases");
    const int64_t *units = have ? res->supplier_month_units + (size_t)v * per : zeros;
    const int64_t *fixed = have ? res->supplier_month_value + (size_t)v * per : zeros;
    double *value = ech_xmalloc((per > 0 ? per : 1) * sizeof *value, "purchase values");
    for (size_t q = 0; q < per; ++q)
        value[q] = (double)fixed[q] / ECH_MONEY_SCALE;
    hsize_t dims[3] = {(hsize_t)ns, (hsize_t)nm, (hsize_t)res->n_reps};
    hid_t du = ech_h5_cube_from_root(w, g, "units", H5T_NATIVE_INT64, dims, units, "unit",
                                     "units bought (ordered, less cancelled, plus pushed and "
                                     "expedited) in the month");
    hid_t dv = ech_h5_cube_from_root(w, g, "value", H5T_NATIVE_DOUBLE, dims, value, "currency",
                                     "the same at unit cost (exact sums of 1/10,000ths)");
    free(value);
    free(zeros);
    hid_t ds[2] = {du, dv};
    const char *names[2] = {"units", "value"};
    for (int j = 0; j < 2; ++j) {
        ech_h5_attach(w, ds[j], sup, 0, names[j]);
        ech_h5_attach(w, ds[j], month, 1, names[j]);
        ech_h5_attach(w, ds[j], rep, 2, names[j]);
        ech_h5_close_dataset(w, ds[j]);
    }
    ech_h5_close_dataset(w, rep);
    ech_h5_close_dataset(w, month);
    ech_h5_close_dataset(w, sup);
    ech_h5_close_group(g);
}
