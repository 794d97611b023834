/* echelon tune: choose every SKU-location's targets by simulation, verify them on
 * fresh random numbers, write the results file and the targets. */
#include "cli.h"
#include "checkpoint_cli.h"
#include "options.h"
#include "echelon/checkpoint.h"
#include "echelon/phase_log.h"
#include "echelon/run.h"
#include "echelon/scenario_load.h"
#include "echelon/stop.h"
#include "echelon/tune_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void print_help(void)
{
    printf("Usage: echelon tune SCENARIO.yaml [-o OUT.h5] [--targets-csv FILE] [OPTIONS]\n"
           "\n"
           "Searches, for every SKU, the reorder points and order-up-to levels of all its\n"
           "locations together, by simulation on common random numbers: the least cost\n"
           "meeting the fill-rate targets of the scenario's tuning: section, or the least\n"
           "total cost (objective cost).  Then simulates the scenario's replications with\n"
           "the targets before ('%s' or --variant) and after ('tuned') on random numbers\n"
           "the search did not use, and writes the results file (with /tuning) and, with\n"
           "--targets-csv, the targets as the assortment's columns.  A budget on the\n"
           "network's mean inventory value (tuning.budget, --budget) prices stock by a\n"
           "Lagrange multiplier; --frontier N tunes and verifies N budgets as variants\n"
           "'frontier_1' .. 'frontier_N'.  The best classic rule (one service level\n"
           "per segment at the pharmacies, each matched to the tuned fill rate) is\n"
           "verified as variant 'classic' unless --no-classic.  Existing files are not\n"
           "replaced without --force.  Stopped (SIGTERM, SIGINT, SIGUSR1), it saves the\n"
           "phases done in OUT.h5.checkpoint and exits 75; --resume continues them.  See\n"
           "README.md, \"Tuning targets\".\n"
           "\n"
           "Options:\n",
           "the baseline");
}

int cmd_tune(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    double t0 = cli_wall_seconds();

    const char *output = NULL, *targets_csv = NULL, *variant = NULL, *objective = NULL;
    int64_t replications = -1, threads = 0, reps_start = -1, reps_max = -1, frontier = 0;
    int64_t kpi_mib = 0;
    double fill_rate = -1.0, interval = 30.0, budget = -1.0, checkpoint_minutes = 10.0;
    int quiet = 0, no_output = 0, force = 0, help = 0, no_classic = 0, resume = 0;
    const cli_option opts[] = {
        {"output", 'o', CLI_STRING, &output, "FILE", "results file (default results/NAME-tuned.h5)",
         0, 0, NULL},
        {"targets-csv", 0, CLI_STRING, &targets_csv, "FILE",
         "write the tuned targets as CSV (sku, location, policy, order_up_to, reorder_point)", 0, 0,
         NULL},
        {"variant", 0, CLI_STRING, &variant, "NAME",
         "tune this variant's targets (default the baseline)", 0, 0, NULL},
        {"objective", 0, CLI_STRING, &objective, "WORD",
         "service or cost, instead of the scenario's tuning.objective", 0, 0, NULL},
        {"fill-rate", 0, CLI_DOUBLE, &fill_rate, "X",
         "default fill-rate target instead of tuning.fill_rate", 1e-6, 0.999999, NULL},
        {"budget", 0, CLI_DOUBLE, &budget, "VALUE",
         "mean inventory value the network may hold, instead of tuning.budget", 0, 1e15, NULL},
        {"frontier", 0, CLI_INT64, &frontier, "N",
         "also tune and verify N points of the cost-inventory frontier (budgets from half "
         "the unconstrained inventory value up to all of it)",
         1, 100, NULL},
        {"no-classic", 0, CLI_FLAG, &no_classic, NULL,
         "skip the best classic rule (one service level per segment matched to the tuned "
         "fill rates, verified as variant 'classic')",
         0, 0, NULL},
        {"search-replications", 0, CLI_INT64, &reps_start, "N",
         "replications per candidate at first instead of tuning.replications", 2, 1e6, NULL},
        {"max-search-replications", 0, CLI_INT64, &reps_max, "N",
         "at most, instead of tuning.max_replications", 2, 1e6, NULL},
        {"replications", 'r', CLI_INT64, &replications, "N",
         "replications of the verification instead of the scenario's", 1, 1e6, NULL},
        {"kpi-memory", 0, CLI_INT64, &kpi_mib, "MIB",
         "MiB of one SKU's KPI values a thread holds at once in the verification (default 256)", 1,
         1 << 24, NULL},
        {"threads", 't', CLI_INT64, &threads, "N",
         "OpenMP threads per rank (default: OMP_NUM_THREADS, or cores / ranks per node)", 1, 4096,
         NULL},
        {"no-output", 0, CLI_FLAG, &no_output, NULL, "write no results file", 0, 0, NULL},
        {"force", 0, CLI_FLAG, &force, NULL,
         "replace existing output files (and discard a stopped tuning's checkpoint)", 0, 0, NULL},
        {"resume", 0, CLI_FLAG, &resume, NULL,
         "continue the stopped tuning whose checkpoint is OUT.h5.checkpoint (none: start)", 0, 0,
         NULL},
        {"checkpoint-interval", 0, CLI_DOUBLE, &checkpoint_minutes, "MINUTES",
         "save a search in progress at most this often (default 10; 0: only when stopped; "
         "completed phases are always saved)",
         0, 525600, NULL},
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
                    "echelon: error: tune needs one scenario file (see echelon tune --help)\n");
        return 2;
    }
    int objective_value = -1;
    if (objective && (objective_value = ech_enum_parse(&ech_tune_objective_enum, objective)) < 0) {
        if (rank == 0)
            fprintf(stderr, "echelon: error: --objective: '%s' is not one of: cost, service\n",
                    objective);
        return 2;
    }

    ech_overrides ov = ech_overrides_none();
    ov.replications = replications;
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

    /* The command line over the scenario's tuning: section. */
    ech_tuning *tn = &sc.tuning;
    if (objective_value >= 0)
        tn->objective = (uint8_t)objective_value;
    if (fill_rate > 0.0)
        tn->fill_rate = fill_rate;
    if (budget >= 0.0)
        tn->budget = budget;
    if (reps_start > 0)
        tn->replications = reps_start;
    if (reps_max > 0)
        tn->max_replications = reps_max;
    else if (tn->max_replications < tn->replications)
        tn->max_replications = tn->replications;
    rc = 0;
    if (tn->max_replications < tn->replications) {
        if (rank == 0)
            fprintf(stderr,
                    "echelon: error: --max-search-replications: must be at least the search's "
                    "first replications (%lld), got %lld\n",
                    (long long)tn->replications, (long long)tn->max_replications);
        rc = 2;
    }
    int32_t variant_index = 0;
    if (!rc && variant) {
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

    /* Forecast-driven targets are set at every review: there is no fixed target
     * for the search to tune. */
    if (!rc) {
        const ech_variant *vt = &sc.variant[variant_index];
        for (int64_t x = 0; x < sc.sl.n; ++x)
            if (vt->forecast[x]) {
                if (rank == 0)
                    fprintf(stderr,
                            "echelon: error: %s: variant '%s' sets the targets of SKU '%s' at "
                            "'%s' (and maybe others) from a forecast at every review: tune "
                            "searches fixed targets; tune a variant whose rules have no "
                            "forecast\n",
                            pos[0], vt->name, sc.cat.id[sc.sl.sku[x]],
                            sc.net.id[sc.sl.location[x]]);
                rc = 2;
                break;
            }
    }

    /* Outputs are checked before the work, not after it. */
    char default_path[1024];
    if (!rc && !output && !no_output) {
        char stem[1024];
        snprintf(stem, sizeof stem, "results/%s-tuned", sc.name);
        /* --resume continues the stopped tuning of this scenario, if there is one. */
        cli_default_output(comm, stem, resume, default_path, sizeof default_path);
        output = default_path;
    }
    if (no_output)
        output = NULL;
    if (!rc && rank == 0)
        rc = cli_check_new_file("-o", output, force, &sc, NULL, 0)                   ? 2
             : cli_check_new_file("--targets-csv", targets_csv, force, &sc, NULL, 0) ? 2
                                                                                     : 0;
    /* A stopped tuning's checkpoint is continued with --resume, discarded with
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
                "echelon: %s: tuning %d SKUs at %lld SKU-locations (%s objective) on %d rank(s) "
                "x %d thread(s)\n",
                sc.name, sc.cat.n, (long long)sc.sl.n,
                ech_enum_word(&ech_tune_objective_enum, tn->objective), n_ranks, n_threads);
    /* What shapes the results beyond the scenario: the options above. */
    uint64_t fingerprint = ech_checkpoint_fingerprint(&sc, NULL, 0);
    const double shape[] = {(double)variant_index,
                            (double)frontier,
                            (double)no_classic,
                            (double)tn->objective,
                            tn->fill_rate,
                            tn->budget,
                            (double)tn->replications,
                            (double)tn->max_replications,
                            (double)sc.replications,
                            (double)kpi_mib};
    fingerprint = ech_fingerprint_add(fingerprint ^ 0x74756e65u, shape, sizeof shape);
    char created[32];
    cli_created_now(comm, created);
    ech_tune_run_options to = {
        .n_threads = n_threads,
        .variant = variant_index,
        .progress = (rank == 0 && !quiet) ? stderr : NULL,
        .progress_interval = interval,
        .frontier = (int32_t)frontier,
        .classic = !no_classic,
        .checkpoint = {.folder = checkpoint,
                       .interval = 60.0 * checkpoint_minutes,
                       .resume = resume,
                       .fingerprint = fingerprint,
                       .created = created},
    };
    /* SIGTERM, SIGINT and SIGUSR1 (Slurm's --signal) stop the tuning between SKUs,
     * its phases saved: exit status 75, then --resume. */
    ech_stop_install();
    ech_tune_result tuned;
    st = ech_tune_run(&sc, comm, &to, &tuned, &err);
    if (st != ECH_OK) {
        cli_report_error(comm, &err);
        ech_tune_result_free(&tuned);
        free(checkpoint);
        ech_scenario_free(&sc);
        return cli_exit_status(st);
    }

    /* The verification: the targets before and after on the run's random numbers. */
    ech_tune_set_variants(&sc, &tuned);
    tuned.variant = 0;
    char *run_checkpoint = checkpoint ? ech_phase_checkpoint_run_folder(checkpoint) : NULL;
    char *command_line = cli_join_argv(argc, argv);
    ech_run_options ro = {
        .n_threads = n_threads,
        .output_path = output,
        .progress = (rank == 0 && !quiet) ? stderr : NULL,
        .progress_interval = interval,
        .command_line = command_line,
        .created = tuned.created, /* a resumed tuning keeps its first start */
        .setup_seconds = setup_seconds,
        .tuning = &tuned,
        .checkpoint_folder = run_checkpoint,
        .checkpoint_interval = 60.0 * checkpoint_minutes,
        .resume = resume,
        .checkpoint_fingerprint = fingerprint ^ 0x766572696679ull, /* "verify" */
        .kpi_memory_limit = kpi_mib << 20,
    };
    ech_results results;
    st = ech_run(&sc, comm, &ro, &results, &err);
    if (st == ECH_OK && rank == 0 && targets_csv)
        st = ech_tune_write_targets_csv(targets_csv, &sc, &tuned, &err);
    st = ech_agree(comm, st, &err);
    if (st == ECH_OK)
        cli_remove_checkpoint(comm, checkpoint);
    if (st == ECH_OK) {
        if (rank == 0) {
            ech_tune_print_summary(stdout, &sc, &tuned);
            ech_run_print_summary(stdout, &sc, &results);
            if (tuned.resumed || results.info.resumed)
                printf("Resumed from %s (the tuning first started %s)\n", checkpoint,
                       tuned.created);
            if (output)
                printf("Results: %s (written in %.2f s)\n", output, results.info.write_seconds);
            if (targets_csv)
                printf("Targets: %s\n", targets_csv);
        }
    } else {
        cli_report_error(comm, &err);
    }
    ech_results_free(&results);
    ech_tune_result_free(&tuned);
    free(command_line);
    free(run_checkpoint);
    free(checkpoint);
    ech_scenario_free(&sc);
    return cli_exit_status(st);
}
