/* echelon run: simulate a scenario and write its results file. */
#include "checkpoint_cli.h"
#include "cli.h"
#include "options.h"
#include "echelon/checkpoint.h"
#include "echelon/phase_log.h"
#include "echelon/run.h"
#include "echelon/stock_bands.h"
#include "echelon/stop.h"
#include "echelon/scenario_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void print_help(void)
{
    printf("Usage: echelon run SCENARIO.yaml [-o OUT.h5] [OPTIONS]\n"
           "\n"
           "Simulates the scenario's replications and writes the results file (HDF5; see\n"
           "README.md, \"Results file\").  Progress goes to stderr, the summary to stdout.\n"
           "Run it under mpirun or srun for several ranks; each rank uses --threads threads.\n"
           "\n"
           "Options:\n");
}

int cmd_run(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    double t0 = cli_wall_seconds();

    const char *output = NULL;
    int64_t replications = -1, days = -1, warmup = -1, threads = 0;
    uint64_t seed = 0;
    int seed_given = 0, keep = 0, quiet = 0, no_output = 0, help = 0, force = 0, resume = 0;
    double interval = 30.0, checkpoint_minutes = 10.0;
    const char *trace_sku = NULL, *trace_file = NULL, *trace_variant = NULL, *targets = NULL;
    int64_t trace_rep = 0, cold_mib = 0, kpi_mib = 0, stock_bands = -1;
    const cli_option opts[] = {
        {"output", 'o', CLI_STRING, &output, "FILE",
         "results file (default results/NAME.h5, or NAME-1.h5 ... when that exists)", 0, 0, NULL},
        {"force", 0, CLI_FLAG, &force, NULL,
         "replace an existing results or trace file (and discard a stopped run's checkpoint)", 0, 0,
         NULL},
        {"resume", 0, CLI_FLAG, &resume, NULL,
         "continue the stopped run whose checkpoint is OUT.h5.checkpoint (none: start)", 0, 0,
         NULL},
        {"checkpoint-interval", 0, CLI_DOUBLE, &checkpoint_minutes, "MINUTES",
         "save the work done at most this often (default 10; 0: only when stopped)", 0, 525600,
         NULL},
        {"replications", 'r', CLI_INT64, &replications, "N",
         "replications instead of the scenario's", 1, 1e9, NULL},
        {"days", 'd', CLI_INT64, &days, "N", "measured days instead of the scenario's", 1, 36500,
         NULL},
        {"warmup", 0, CLI_INT64, &warmup, "N", "warm-up days instead of the scenario's", 0, 36500,
         NULL},
        {"seed", 's', CLI_UINT64, &seed, "N", "master seed instead of the scenario's", 0, 0,
         &seed_given},
        {"threads", 't', CLI_INT64, &threads, "N",
         "OpenMP threads per rank (default: OMP_NUM_THREADS, or cores / ranks per node)", 1, 4096,
         NULL},
        {"targets", 0, CLI_STRING, &targets, "FILE",
         "targets over the assortment's (a CSV as echelon tune --targets-csv writes)", 0, 0, NULL},
        {"keep-replications", 0, CLI_FLAG, &keep, NULL, "also store every replication's KPI values",
         0, 0, NULL},
        {"stock-bands", 0, CLI_INT64, &stock_bands, "N",
         "record the daily stock of the N worst SKU-locations (default: the scenario's "
         "output.stock_bands, 12 unless set; 0: none)",
         0, ECH_STOCK_BANDS_MAX, NULL},
        {"no-output", 0, CLI_FLAG, &no_output, NULL, "write no results file (benchmarks)", 0, 0,
         NULL},
        {"progress-interval", 0, CLI_DOUBLE, &interval, "SECONDS",
         "seconds between progress lines in batch logs (default 30)", 0.1, 86400, NULL},
        {"cold-memory", 0, CLI_INT64, &cold_mib, "MIB",
         "MiB of cold-room occupancy a rank holds at once (default 256; more: fewer cold-chain "
         "SKUs simulated twice)",
         1, 1 << 24, NULL},
        {"kpi-memory", 0, CLI_INT64, &kpi_mib, "MIB",
         "MiB of one SKU's KPI values a thread holds at once (default 256; less: SKUs at many "
         "locations simulated once per block of locations)",
         1, 1 << 24, NULL},
        {"trace", 0, CLI_STRING, &trace_sku, "SKU",
         "write the SKU's day-by-day stock and flows to a CSV file", 0, 0, NULL},
        {"trace-replication", 0, CLI_INT64, &trace_rep, "N", "replication to trace (default 0)", 0,
         1e12, NULL},
        {"trace-variant", 0, CLI_STRING, &trace_variant, "NAME",
         "variant to trace (default the baseline)", 0, 0, NULL},
        {"trace-file", 0, CLI_STRING, &trace_file, "FILE",
         "trace file (default results/NAME-trace-SKU.csv)", 0, 0, NULL},
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
                    "echelon: error: run needs one scenario file (see echelon run --help)\n");
        return 2;
    }

    ech_overrides ov = ech_overrides_none();
    ov.replications = replications;
    ov.days = (int32_t)days;
    ov.warmup_days = (int32_t)warmup;
    ov.has_seed = seed_given;
    ov.seed = seed;
    ov.keep_replications = keep;
    ov.stock_bands = (int32_t)stock_bands;
    ov.targets_path = targets;

    ech_error err;
    ech_error_clear(&err);
    ech_scenario sc;
    memset(&sc, 0, sizeof sc);
    ech_status st = ech_scenario_load(pos[0], &ov, &sc, &err);
    st = ech_agree(comm, st, &err);
    if (st != ECH_OK) {
        cli_report_error(comm, &err);
        ech_scenario_free(&sc);
        return cli_exit_status(st);
    }

    /* Default output: results/NAME.h5, or NAME-1.h5 ... when that exists (the folder
     * is made if missing): a rerun never replaces an earlier result.  Rank 0 picks
     * the name, every rank uses it. */
    char default_path[1024];
    if (!output && !no_output) {
        char stem[1024];
        snprintf(stem, sizeof stem, "results/%s", sc.name);
        /* --resume continues the stopped run of this scenario, if there is one. */
        cli_default_output(comm, stem, resume, default_path, sizeof default_path);
        output = default_path;
    }

    char default_trace[1024];
    if (trace_sku && !trace_file) {
        snprintf(default_trace, sizeof default_trace, "results/%s-trace-%s.csv", sc.name,
                 trace_sku);
        if (rank == 0)
            cli_make_results_folder();
        MPI_Barrier(comm);
        trace_file = default_trace;
    }

    int32_t trace_variant_index = 0;
    if (trace_variant) {
        trace_variant_index = -1;
        for (int32_t v = 0; v < sc.n_variants; ++v)
            if (strcmp(sc.variant[v].name, trace_variant) == 0)
                trace_variant_index = v;
        if (trace_variant_index < 0) {
            if (rank == 0)
                fprintf(stderr, "echelon: error: --trace-variant: no variant '%s' in %s\n",
                        trace_variant, pos[0]);
            ech_scenario_free(&sc);
            return 2;
        }
    }

    /* Outputs are checked before the work, not after it: none replaces an input, an
     * existing file (without --force) or lands in a missing folder. */
    int out_rc = 0;
    if (rank == 0) {
        const char *inputs[1] = {targets};
        out_rc = cli_check_new_file("-o", no_output ? NULL : output, force, &sc, inputs, 1);
        if (!out_rc)
            out_rc = cli_check_new_file("--trace-file", trace_sku ? trace_file : NULL, force, &sc,
                                        inputs, 1);
    }
    /* A stopped run's checkpoint is continued with --resume, discarded with --force,
     * and never silently replaced. */
    char *checkpoint = no_output ? NULL : ech_checkpoint_folder(output);
    if (rank == 0 && !out_rc)
        out_rc = cli_check_checkpoint(checkpoint, resume, force);
    MPI_Bcast(&out_rc, 1, MPI_INT, 0, comm);
    if (out_rc) {
        free(checkpoint);
        ech_scenario_free(&sc);
        return out_rc;
    }
    const char *fingerprint_inputs[1] = {targets};
    uint64_t fingerprint = ech_checkpoint_fingerprint(&sc, fingerprint_inputs, 1);
    if (cold_mib > 0) /* the cold rooms' blocks shape the checkpoint */
        fingerprint = ech_fingerprint_add(fingerprint ^ 0x636f6c64ull, &cold_mib, sizeof cold_mib);
    if (kpi_mib > 0) /* so do the windows of skulocs */
        fingerprint = ech_fingerprint_add(fingerprint ^ 0x6b7069ull, &kpi_mib, sizeof kpi_mib);
    char created[32];
    cli_created_now(comm, created);

    char *command_line = cli_join_argv(argc, argv);
    ech_run_options ro = {
        .n_threads = threads > 0 ? (int)threads : cli_default_threads(comm),
        .output_path = no_output ? NULL : output,
        .progress = (rank == 0 && !quiet) ? stderr : NULL,
        .progress_interval = interval,
        .command_line = command_line,
        .created = created,
        .trace_sku = trace_sku,
        .trace_variant = trace_variant_index,
        .trace_replication = trace_rep,
        .trace_path = trace_file,
        .setup_seconds = cli_wall_seconds() - t0,
        .checkpoint_folder = checkpoint,
        .checkpoint_interval = 60.0 * checkpoint_minutes,
        .resume = resume,
        .checkpoint_fingerprint = fingerprint,
        .cold_memory_limit = cold_mib << 20,
        .kpi_memory_limit = kpi_mib << 20,
    };
    int n_ranks;
    MPI_Comm_size(comm, &n_ranks);
    if (rank == 0 && !quiet)
        fprintf(stderr,
                "echelon: %s: %d SKUs, %lld SKU-locations, %lld replications x %d days on %d "
                "rank(s) x %d thread(s)\n",
                sc.name, sc.cat.n, (long long)sc.sl.n, (long long)sc.replications,
                sc.warmup_days + sc.days, n_ranks, ro.n_threads);

    /* SIGTERM, SIGINT and SIGUSR1 (Slurm's --signal) stop the run between work units,
     * its work saved: exit status 75, then --resume. */
    ech_stop_install();
    ech_results results;
    st = ech_run(&sc, comm, &ro, &results, &err);
    if (st == ECH_OK) {
        if (rank == 0) {
            ech_run_print_summary(stdout, &sc, &results);
            if (results.info.resumed)
                printf("Resumed from %s (the run first started %s)\n", checkpoint,
                       results.info.created);
            if (ro.output_path)
                printf("Results: %s (written in %.2f s)\n", ro.output_path,
                       results.info.write_seconds);
        }
    } else {
        cli_report_error(comm, &err);
    }
    ech_results_free(&results);
    free(checkpoint);
    free(command_line);
    ech_scenario_free(&sc);
    return cli_exit_status(st);
}
