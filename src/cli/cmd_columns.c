/* echelon columns: the columns of the CSV tables (and inline rows), from their
 * declarations, as Markdown. */
#include "cli.h"
#include "options.h"
#include "echelon/table.h"

#include <stdio.h>

int cmd_columns(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int help = 0;
    const cli_option opts[] = {
        {"help", 'h', CLI_FLAG, &help, NULL, "this help", 0, 0, NULL},
    };
    int n_pos = 0;
    int rc = cli_parse(argc, argv, 2, opts, 1, NULL, 0, &n_pos, rank == 0);
    if (rc)
        return rc;
    if (rank != 0)
        return 0;
    if (help) {
        printf("Usage: echelon columns\n\n"
               "Prints every column of the locations, SKU and assortment tables (CSV files and\n"
               "inline rows) with its type, default and allowed values, as Markdown tables.\n\n"
               "Options:\n");
        cli_print_options(stdout, opts, 1);
        return 0;
    }
    const ech_table *tables[] = {&ech_network_table, &ech_catalogue_table, &ech_skuloc_table};
    const char *files[] = {"locations", "skus", "assortment"};
    for (int i = 0; i < 3; ++i) {
        printf("%s### %s (`%s`)\n\n", i ? "\n" : "", files[i], tables[i]->name);
        ech_table_write_markdown(stdout, tables[i]);
    }
    return 0;
}
