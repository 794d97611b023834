/* echelon contract: size every SKU's supply-contract commitment on its simulated
 * need, verify the commitments on fresh random numbers, write the results file and
 * the commitments for purchasing. */
#include "cli.h"
#include "checkpoint_cli.h"
#include "options.h"
#include "echelon/checkpoint.h"
#include "echelon/contract_run.h"
#include "echelon/phase_log.h"
#include "echelon/run.h"
#include "echelon/scenario_load.h"
#include "echelon/stop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void print_help(void)
{
    printf("Usage: echelon contract SCENARIO.yaml [-o OUT.h5] [--csv FILE] [OPTIONS]\n"
           "\n"
           "Sizes the commitment of every SKU with contract terms (the scenario's contracts:\n"
           "section) for the contract year (the measured horizon): simulates what the\n"
           "warehouse needs to buy under the policy and targets of the baseline (or\n"
           "--variant; tuned targets via catalogue.targets_file) without a contract, on\n"
           "random numbers of their own, and picks the commitment with the least expected\n"
           "cost over buying at unit cost: tier prices, take-or-pay or shortfall penalties,\n"
           "spot premiums or refused units beyond the contract, and what pushed units cost\n"
           "to hold.  Then simulates the scenario's replications with the base variant's\n"
           "own commitments, today's rule ('today': last year's purchases plus\n"
           "--today-margin) and the recommendation ('recommended') on other random numbers,\n"
           "and writes the results file (with /contract) and, with --csv, the commitments\n"
           "for purchasing.  Existing files are not replaced without --force.  Stopped\n"
           "(SIGTERM, SIGINT, SIGUSR1), it saves its work in OUT.h5.checkpoint and exits\n"
           "75; --resume continues it.  See README.md, \"Sizing supply contracts\".\n"
           "\n"
           "Options:\n");
}

int cmd_contract(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    double t0 = cli_wall_seconds();

    const char *output = NULL, *csv = NULL, *variant = NULL;
    int64_t replications = -1, threads = 0, sizing_reps = 200, check_reps = 100, kpi_mib = 0;
    double interval = 30.0, margin = 0.10, checkpoint_minutes = 10.0;
    int quiet = 0, no_output = 0, force = 0, help = 0, resume = 0;
    const cli_option opts[] = {
        {"output", 'o', CLI_STRING, &output, "FILE",
         "results file (default results/NAME-contract.h5)", 0, 0, NULL},
        {"csv", 0, CLI_STRING, &csv, "FILE",
         "write the commitments as CSV (one row per SKU with terms)", 0, 0, NULL},
        {"variant", 0, CLI_STRING, &variant, "NAME",
         "size under this variant's policy (default the baseline)", 0, 0, NULL},
        {"sizing-replications", 0, CLI_INT64, &sizing_reps, "N",
         "simulated years the commitments are sized on (default 200)", 2, 1e6, NULL},
        {"check-replications", 0, CLI_INT64, &check_reps, "N",
         "years each candidate is simulated on in force (default 100, at most the sizing's; 0: "
         "the need's optimum as it is)",
         0, 1e6, NULL},
        {"today-margin", 0, CLI_DOUBLE, &margin, "X",
         "today's rule commits last year's purchases x (1 + X) (default 0.10)", 0, 10, NULL},
        {"replications", 'r', CLI_INT64, &replications, "N",
         "replications of the verification instead of the scenario's", 1, 1e6, NULL},
        {"kpi-memory", 0, CLI_INT64, &kpi_mib, "MIB",
         "MiB of one SKU's KPI values a thread holds at once, sizing and verifying (default 256)",
         1, 1 << 24, NULL},
        {"threads", 't', CLI_INT64, &threads, "N",
         "OpenMP threads per rank (default: OMP_NUM_THREADS, or cores / ranks per node)", 1, 4096,
         NULL},
        {"no-output", 0, CLI_FLAG, &no_output, NULL, "write no results file", 0, 0, NULL},
        {"force", 0, CLI_FLAG, &force, NULL,
         "replace existing output files (and discard a stopped sizing's checkpoint)", 0, 0, NULL},
        {"resume", 0, CLI_FLAG, &resume, NULL,
         "continue the stopped sizing whose checkpoint is OUT.h5.checkpoint (none: start)", 0, 0,
         NULL},
        {"checkpoint-interval", 0, CLI_DOUBLE, &checkpoint_minutes, "MINUTES",
         "save the work done at most this often (default 10; 0: only when stopped)", 0, 525600,
         NULL},
        {"progress-interval", 0, CLI_DOUBLE, &interval, "SECONDS",
         "seconds between progress lines in batch logs (default 30)", 0.1, 86400, NULL},
        {"quiet", 'q', CLI_FLAG, &quiet, NULL, "no progress reports", 0, 0, NULL},
        {"help", 'h', CLI_FLAG, &help, NULL, "this help", 0, 0, NULL},
    };
    const int n_opts = (int)(sizeof opts / sizeof opts[0]);
    const char *pos[1];
    int n_pos = 0;
    int rc = cli_parse_command(argc, argv, opts, n_opts, pos, 1, &n_pos, rank, &help, print_help);
    if (rc >= 0)
        return rc;
    if (n_pos != 1) {
        if (rank == 0)
            fprintf(stderr,
                    "echelon: error: contract needs one scenario file (see echelon contract "
                    "--help)\n");
        return 2;
    }

    ech_overrides ov = ech_overrides_none();
    ov.replications = replications;
    ech_error err;
    ech_error_clear(&err);
    ech_scenario sc;
    memset(&sc, 0, sizeof sc);
    ech_status st = ech_scenario_load(pos[0], &ov, &sc, &err);
    if (st == ECH_OK)
        st = ech_scenario_no_groups(&sc, "contract", &err);
    if (st == ECH_OK && sc.contracts.n == 0)
        st = ech_fail_at(&err, pos[0], 0, NULL,
                         "no contracts: section, so there is nothing to size (see "
                         "scenarios/README.md, \"Supply contracts\")");
    st = ech_agree(comm, st, &err);
    if (st != ECH_OK) {
        cli_report_error(comm, &err);
        ech_scenario_free(&sc);
        return cli_exit_status(st);
    }
    rc = 0;
    int32_t variant_index = 0;
    if (variant) {
        variant_index = -1;
        for (int32_t v = 0; v < sc.n_variants; ++v)
            if (strcmp(sc.variant[v].name, variant) == 0)
                variant_index = v;
        if (variant_index < 0) {
            if (rank == 0)
                fprintf(stderr, "echelon: error: --variant: no variant '%s' in %s\n", variant,
                        pos[0]);
            rc = 2;
        }
    }

    /* Outputs are checked before the work, not after it. */
    char default_path[1024];
    if (!rc && !output && !no_output) {
        char stem[1024];
        snprintf(stem, sizeof stem, "results/%s-contract", sc.name);
        /* --resume continues the stopped sizing of this scenario, if there is one. */
        cli_default_output(comm, stem, resume, default_path, sizeof default_path);
        output = default_path;
    }
    if (no_output)
        output = NULL;
    if (!rc && rank == 0)
        rc = cli_check_new_file("-o", output, force, &sc, NULL, 0)   ? 2
             : cli_check_new_file("--csv", csv, force, &sc, NULL, 0) ? 2
                                                                     : 0;
    /* A stopped sizing's checkpoint is continued with --resume, discarded with
     * --force, and never silently replaced. */
    char *checkpoint = output ? ech_checkpoint_folder(output) : NULL;
    if (!rc && rank == 0)
        rc = cli_check_checkpoint(checkpoint, resume, force);
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc) {
        free(checkpoint);
        ech_scenario_free(&sc);
        return rc;
    }

    double setup_seconds = cli_wall_seconds() - t0;
    int n_ranks;
    MPI_Comm_size(comm, &n_ranks);
    int n_threads = threads > 0 ? (int)threads : cli_default_threads(comm);
    if (rank == 0 && !quiet)
        fprintf(stderr,
                "echelon: %s: sizing the contracts of %d SKUs on %lld simulated years each on %d "
                "rank(s) x %d thread(s)\n",
                sc.name, sc.cat.n, (long long)sizing_reps, n_ranks, n_threads);
    /* What shapes the results beyond the scenario: the options above. */
    uint64_t fingerprint = ech_checkpoint_fingerprint(&sc, NULL, 0);
    const double shape[] = {(double)variant_index,   (double)sizing_reps,
                            (double)check_reps,      margin,
                            (double)sc.replications, (double)kpi_mib};
    fingerprint = ech_fingerprint_add(fingerprint ^ 0x636f6e7472616374ull, shape, sizeof shape);
    char created[32];
    cli_created_now(comm, created);
    ech_contract_run_options co = {
        .n_threads = n_threads,
        .variant = variant_index,
        .replications = sizing_reps,
        .refine_replications = check_reps,
        .today_margin = margin,
        .kpi_memory_limit = kpi_mib << 20,
        .progress = (rank == 0 && !quiet) ? stderr : NULL,
        .progress_interval = interval,
        .checkpoint = {.folder = checkpoint,
                       .interval = 60.0 * checkpoint_minutes,
                       .resume = resume,
                       .fingerprint = fingerprint,
                       .created = created},
    };
    /* SIGTERM, SIGINT and SIGUSR1 (Slurm's --signal) stop the sizing between SKUs,
     * its work saved: exit status 75, then --resume. */
    ech_stop_install();
    ech_contract_result sized;
    st = ech_contract_run(&sc, comm, &co, &sized, &err);
    if (st != ECH_OK) {
        cli_report_error(comm, &err);
        ech_contract_result_free(&sized);
        free(checkpoint);
        ech_scenario_free(&sc);
        return cli_exit_status(st);
    }

    /* The verification: the commitments in force on the run's random numbers. */
    ech_contract_set_variants(&sc, &sized);
    sized.variant = 0;
    char *run_checkpoint = checkpoint ? ech_phase_checkpoint_run_folder(checkpoint) : NULL;
    char *command_line = cli_join_argv(argc, argv);
    ech_run_options ro = {
        .n_threads = n_threads,
        .output_path = output,
        .progress = (rank == 0 && !quiet) ? stderr : NULL,
        .progress_interval = interval,
        .command_line = command_line,
        .created = sized.created, /* a resumed sizing keeps its first start */
        .setup_seconds = setup_seconds,
        .contract = &sized,
        .checkpoint_folder = run_checkpoint,
        .checkpoint_interval = 60.0 * checkpoint_minutes,
        .resume = resume,
        .checkpoint_fingerprint = fingerprint ^ 0x766572696679ull, /* "verify" */
        .kpi_memory_limit = kpi_mib << 20,
    };
    ech_results results;
    st = ech_run(&sc, comm, &ro, &results, &err);
    if (st == ECH_OK && rank == 0 && csv)
        st = ech_contract_write_csv(csv, &sc, &sized, &err);
    st = ech_agree(comm, st, &err);
    if (st == ECH_OK)
        cli_remove_checkpoint(comm, checkpoint);
    if (st == ECH_OK) {
        if (rank == 0) {
            ech_run_print_summary(stdout, &sc, &results);
            ech_contract_print_summary(stdout, &sc, &sized);
            ech_contract_print_verification(stdout, &sc, &results);
            if (sized.resumed || results.info.resumed)
                printf("Resumed from %s (the sizing first started %s)\n", checkpoint,
                       sized.created);
            if (output)
                printf("Results: %s (written in %.2f s)\n", output, results.info.write_seconds);
            if (csv)
                printf("Commitments: %s\n", csv);
        }
    } else {
        cli_report_error(comm, &err);
    }
    ech_results_free(&results);
    ech_contract_result_free(&sized);
    free(command_line);
    free(run_checkpoint);
    free(checkpoint);
    ech_scenario_free(&sc);
    return cli_exit_status(st);
}
