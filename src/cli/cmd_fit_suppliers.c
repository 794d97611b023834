/* echelon fit-suppliers: fit supplier lead times and reliability from order and
 * delivery history, and write them as a scenario's `suppliers:` list. */
#include "cli.h"
#include "options.h"
#include "echelon/csv_reader.h"
#include "echelon/scenario.h"
#include "echelon/supplier_fit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(void)
{
    printf("Usage: echelon fit-suppliers HISTORY.csv [-o SUPPLIERS.yaml] [OPTIONS]\n"
           "\n"
           "Reads order lines (vendor, PO date, delivered date; optionally scheduled date,\n"
           "ordered and delivered quantities, site), fits each supplier's lead time (gamma and\n"
           "lognormal by maximum likelihood, the better by AIC, the observed days where the\n"
           "fit is poor) and its partial deliveries and cancellations, and writes a YAML\n"
           "`suppliers:` list for a scenario.  The report goes to stderr (or --report).\n"
           "Columns are found by name (plain: vendor,po_date,scheduled_date,delivered_date,\n"
           "ordered_qty,delivered_qty,site; and the USAID SCMS headers) or named by options.\n"
           "See scenarios/FIT_SUPPLIERS.md.\n"
           "\n"
           "Options:\n");
}

static int fit_suppliers(int argc, char **argv)
{
    ech_fit_options fo = ech_fit_options_default();
    const char *output = NULL, *report = NULL, *group_by = "vendor", *dates = "mdy";
    const char *shortfall = "backorder";
    int64_t min_records = 20, min_lead = 0;
    int help = 0, empirical = 0, parametric = 0;
    const cli_option opts[] = {
        {"output", 'o', CLI_STRING, &output, "FILE", "the suppliers as YAML (default stdout)", 0, 0,
         NULL},
        {"report", 0, CLI_STRING, &report, "FILE", "the report (default stderr)", 0, 0, NULL},
        {"min-records", 'n', CLI_INT64, &min_records, "N",
         "fit suppliers with at least N usable rows (default 20)", 2, 1e12, NULL},
        {"pool-small", 0, CLI_FLAG, &fo.pool_small, NULL,
         "pool suppliers with fewer rows into one supplier", 0, 0, NULL},
        {"pool-id", 0, CLI_STRING, &fo.pool_id, "ID", "id of the pooled supplier (default OTHER)",
         0, 0, NULL},
        {"drop-invalid", 0, CLI_FLAG, &fo.drop_invalid, NULL,
         "skip and count rows delivered before ordered (or below --min-lead)", 0, 0, NULL},
        {"min-lead", 0, CLI_INT64, &min_lead, "DAYS", "shorter lead times are invalid (default 0)",
         0, 3650, NULL},
        {"empirical", 0, CLI_FLAG, &empirical, NULL, "write the observed days for every supplier",
         0, 0, NULL},
        {"parametric", 0, CLI_FLAG, &parametric, NULL,
         "write the better family even where it fits poorly", 0, 0, NULL},
        {"alpha", 0, CLI_DOUBLE, &fo.alpha, "P", "chi-square level of a poor fit (default 0.01)", 0,
         1, NULL},
        {"max-ks", 0, CLI_DOUBLE, &fo.max_ks, "D",
         "KS distance tolerated whatever the test says (default 0.05)", 0, 1, NULL},
        {"group-by", 0, CLI_STRING, &group_by, "KEY", "vendor (default), site or vendor-site", 0, 0,
         NULL},
        {"dates", 0, CLI_STRING, &dates, "ORDER", "numeric dates A/B/YYYY are mdy (default) or dmy",
         0, 0, NULL},
        {"shortfall", 0, CLI_STRING, &shortfall, "RULE",
         "written with partial deliveries: backorder (default) or cancel", 0, 0, NULL},
        {"vendor-column", 0, CLI_STRING, &fo.column[ECH_FIT_VENDOR], "NAME",
         "the vendor (supplier id) column", 0, 0, NULL},
        {"po-column", 0, CLI_STRING, &fo.column[ECH_FIT_PO_DATE], "NAME",
         "the PO (order) date column", 0, 0, NULL},
        {"scheduled-column", 0, CLI_STRING, &fo.column[ECH_FIT_SCHEDULED], "NAME",
         "the scheduled delivery date column", 0, 0, NULL},
        {"delivered-column", 0, CLI_STRING, &fo.column[ECH_FIT_DELIVERED], "NAME",
         "the delivered date column", 0, 0, NULL},
        {"ordered-column", 0, CLI_STRING, &fo.column[ECH_FIT_ORDERED_QTY], "NAME",
         "the ordered quantity column", 0, 0, NULL},
        {"delivered-qty-column", 0, CLI_STRING, &fo.column[ECH_FIT_DELIVERED_QTY], "NAME",
         "the delivered quantity column", 0, 0, NULL},
        {"site-column", 0, CLI_STRING, &fo.column[ECH_FIT_SITE], "NAME", "the site column", 0, 0,
         NULL},
        {"help", 'h', CLI_FLAG, &help, NULL, "this help", 0, 0, NULL},
    };
    const int n_opts = (int)(sizeof opts / sizeof opts[0]);
    const char *pos[1];
    int n_pos = 0;
    int rc = cli_parse_command(argc, argv, opts, n_opts, pos, 1, &n_pos, 0, &help, print_help);
    if (rc >= 0)
        return rc;
    if (n_pos != 1) {
        fprintf(stderr, "echelon: error: fit-suppliers needs one history file (see echelon "
                        "fit-suppliers --help)\n");
        return 2;
    }
    if (empirical && parametric) {
        fprintf(stderr, "echelon: error: --empirical and --parametric exclude each other\n");
        return 2;
    }
    static const char *const group_names[] = {"vendor", "site", "vendor-site", NULL};
    static const char *const date_names[] = {"mdy", "dmy", NULL};
    static const char *const shortfall_names[] = {"backorder", "cancel", NULL};
    int g = cli_choice("group-by", group_by, group_names);
    int d = cli_choice("dates", dates, date_names);
    int s = cli_choice("shortfall", shortfall, shortfall_names);
    if (g < 0 || d < 0 || s < 0)
        return 2;
    fo.group_by = (uint8_t)g;
    fo.date_order = (ech_date_order)d;
    fo.shortfall = (uint8_t)(s == 0 ? ECH_SUPPLY_BACKORDER : ECH_SUPPLY_CANCEL);
    fo.min_records = min_records;
    fo.min_lead_days = (int32_t)min_lead;
    fo.lead_form = empirical    ? ECH_FORM_EMPIRICAL
                   : parametric ? ECH_FORM_PARAMETRIC
                                : ECH_FORM_AUTO;

    ech_error err;
    ech_error_clear(&err);
    ech_fit_history h;
    ech_fit_result res;
    memset(&res, 0, sizeof res);
    ech_status st = ech_fit_read_history(pos[0], &fo, &h, &err);
    if (st == ECH_OK)
        st = ech_fit_suppliers(&h, &fo, &res, &err);
    /* The YAML file is created first, so that an unwritable path fails before the
     * report is written; it is renamed into place only when complete. */
    cli_out_file yaml = {0}, rep = {0};
    if (st == ECH_OK)
        st = cli_out_open(&yaml, output, stdout, &err);
    if (st == ECH_OK) {
        st = cli_out_open(&rep, report, stderr, &err);
        if (st == ECH_OK) {
            ech_fit_write_report(rep.f, &h, &res);
            st = cli_out_close(&rep, 1, &err);
        }
    }
    if (st == ECH_OK && res.n == 0)
        st = ech_fail(&err, ECH_ERR_INPUT,
                      "%s: no supplier has %lld or more usable rows (lower --min-records, or "
                      "--pool-small)",
                      pos[0], (long long)fo.min_records);
    if (st == ECH_OK)
        ech_fit_write_yaml(yaml.f, &h, &res);
    ech_error close_err;
    ech_error_clear(&close_err);
    if (cli_out_close(&yaml, st == ECH_OK, &close_err) != ECH_OK && st == ECH_OK) {
        st = close_err.status;
        err = close_err;
    }
    if (st != ECH_OK)
        fprintf(stderr, "echelon: error: %s\n", err.msg[0] ? err.msg : "unknown failure");
    ech_fit_result_free(&res);
    ech_fit_history_free(&h);
    return cli_exit_status(st);
}

int cmd_fit_suppliers(int argc, char **argv, MPI_Comm comm)
{
    /* A serial tool: rank 0 does the work. */
    return cli_on_rank0(fit_suppliers, argc, argv, comm);
}
