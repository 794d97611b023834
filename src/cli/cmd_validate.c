/* echelon validate: load and check a scenario, and say what it holds. */
#include "cli.h"
#include "options.h"
#include "echelon/engine.h"
#include "echelon/scenario_load.h"

#include <stdio.h>
#include <string.h>

int cmd_validate(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int help = 0;
    const cli_option opts[] = {
        {"help", 'h', CLI_FLAG, &help, NULL, "this help", 0, 0, NULL},
    };
    const char *pos[1];
    int n_pos = 0;
    int rc = cli_parse(argc, argv, 2, opts, 1, pos, 1, &n_pos, rank == 0);
    if (rc)
        return rc;
    if (help || n_pos != 1) {
        if (rank == 0) {
            printf("Usage: echelon validate SCENARIO.yaml\n\n"
                   "Loads the scenario with every check that run makes, prints what it contains,\n"
                   "and exits 0 if it is valid, 2 (with the file, line and key) if "
                   "not.\n\nOptions:\n");
            cli_print_options(stdout, opts, 1);
        }
        return help ? 0 : 2;
    }
    ech_error err;
    ech_error_clear(&err);
    ech_scenario sc;
    memset(&sc, 0, sizeof sc);
    ech_overrides ov = ech_overrides_none();
    ech_status st = ech_scenario_load(pos[0], &ov, &sc, &err);
    if (st != ECH_OK) {
        cli_report_error(comm, &err);
        ech_scenario_free(&sc);
        return cli_exit_status(st);
    }
    if (rank == 0) {
        int64_t leaves = 0, work = 0;
        for (int64_t x = 0; x < sc.sl.n; ++x)
            leaves += sc.sl.demand_dist[x] != ECH_DEMAND_NONE;
        for (int32_t k = 0; k < sc.cat.n; ++k)
            work += ech_engine_sku_work(&sc, k);
        printf("%s: valid\n", pos[0]);
        printf("  scenario '%s': %d locations, %d suppliers, %d SKUs, %d segments\n", sc.name,
               sc.net.n, sc.suppliers.n, sc.cat.n, sc.n_segments);
        printf("  %lld SKU-locations (%lld demand points), %lld open orders\n", (long long)sc.sl.n,
               (long long)leaves, (long long)sc.open_orders.n);
        printf("  %d days + %d warm-up, %lld replications: %.3g SKU-location-days\n", sc.days,
               sc.warmup_days, (long long)sc.replications, (double)work * (double)sc.replications);
    }
    ech_scenario_free(&sc);
    return 0;
}
