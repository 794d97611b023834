/* echelon plan: size a job before it is queued (job_size.h). */
#include "cli.h"
#include "options.h"
#include "echelon/job_size.h"
#include "echelon/scenario_load.h"
#include "echelon/stock_bands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The Slurm time limit proposed: the prediction x SAFETY + MARGIN_MINUTES, in whole
 * minutes (the run's speed varies with the node and its neighbours; set-up on a
 * cluster file system is slower than here). */
static const double SAFETY = 1.5;
static const double MARGIN_MINUTES = 5.0;
/* Starting the program (MPI's start-up, here about a second for one or two
 * ranks), added to the measured loading time. */
static const double LAUNCH_SECONDS = 1.0;
/* Layouts tried when looking for one that fits --time-limit. */
enum { MAX_RANKS = 65536 };

static void print_help(void)
{
    printf("Usage: echelon plan SCENARIO.yaml --ranks N [--threads T] [--time-limit MINUTES]\n"
           "                    [OPTIONS]\n"
           "\n"
           "Predicts what `echelon run` of the scenario needs at N ranks x T threads: wall\n"
           "time, memory per rank, results file size, the partition's imbalance, and a\n"
           "Slurm line with a safety margin.  The speed is calibrated by simulating a spread\n"
           "of the scenario's SKUs on this machine for a few seconds (one thread).\n"
           "\n"
           "Options:\n");
}

static void format_bytes(double b, char *buf, size_t n)
{
    const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        ++u;
    }
    snprintf(buf, n, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
}

static void format_duration(double s, char *buf, size_t n)
{
    long t = (long)ceil(s);
    if (s < 10.0)
        snprintf(buf, n, "%.1f s", s);
    else if (t < 60)
        snprintf(buf, n, "%ld s", t);
    else if (t < 3600)
        snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
}

/* Slurm's --time: minutes, as [D-]HH:MM:SS. */
static void slurm_time(long minutes, char *buf, size_t n)
{
    long d = minutes / 1440, h = (minutes / 60) % 24, m = minutes % 60;
    if (d > 0)
        snprintf(buf, n, "%ld-%02ld:%02ld:00", d, h, m);
    else
        snprintf(buf, n, "%02ld:%02ld:00", h, m);
}

static long limit_minutes(double seconds)
{
    return (long)ceil((SAFETY * seconds) / 60.0 + MARGIN_MINUTES);
}

/* Ranks per node: as many as the cores take, fewer when their memory would not fit
 * (the 90% of a node's memory `echelon run` allows itself; at least one).
 * *memory_bound: memory decided it. */
static int ranks_per_node(int cores, int threads, double node_bytes, double rank_memory,
                          int *memory_bound)
{
    int per_node = cores / threads;
    if (per_node < 1)
        per_node = 1;
    double by_memory = rank_memory > 0 ? 0.9 * node_bytes / rank_memory : per_node;
    *memory_bound = by_memory < per_node;
    if (*memory_bound)
        per_node = by_memory < 1.0 ? 1 : (int)by_memory;
    return per_node;
}

/* This process's peak resident memory, bytes. */
static double peak_rss(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? 1024.0 * (double)ru.ru_maxrss : 0.0;
}

/* The fewest ranks (>= from, same threads) whose proposed limit fits `minutes`; 0
 * when none up to MAX_RANKS does (the heaviest SKU or the writing bound the time). */
static int ranks_that_fit(const ech_scenario *sc, const ech_job_calibration *cal,
                          const ech_job_assumptions *as, int from, int threads, double minutes)
{
    ech_job_size js;
    int lo = from, hi = 0;
    for (long n = from; n <= MAX_RANKS; n *= 2) {
        ech_job_size_predict(sc, cal, as, (int)n, threads, &js);
        if (limit_minutes(js.total_seconds) <= minutes) {
            hi = (int)n;
            break;
        }
        lo = (int)n;
    }
    if (!hi)
        return 0;
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        ech_job_size_predict(sc, cal, as, mid, threads, &js);
        if (limit_minutes(js.total_seconds) <= minutes)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

static int plan_rank0(const char *path, const ech_overrides *ov, int ranks, int threads,
                      double time_limit, int cores_per_node, double node_gib, double calibration,
                      double write_rate)
{
    double t0 = cli_wall_seconds();
    ech_error err;
    ech_error_clear(&err);
    ech_scenario sc;
    memset(&sc, 0, sizeof sc);
    ech_status st = ech_scenario_load(path, ov, &sc, &err);
    if (st != ECH_OK) {
        fprintf(stderr, "echelon: error: %s\n", err.msg);
        ech_scenario_free(&sc);
        return cli_exit_status(st);
    }
    double setup = cli_wall_seconds() - t0;
    double loaded_rss = peak_rss();

    ech_job_calibration cal;
    st = ech_job_calibrate(&sc, calibration, 200, &cal, &err);
    if (st != ECH_OK) {
        fprintf(stderr, "echelon: error: calibration: %s\n", err.msg);
        ech_scenario_free(&sc);
        return cli_exit_status(st);
    }
    ech_job_assumptions as = {.storage_bytes_per_second = write_rate * 1e6,
                              .setup_seconds = LAUNCH_SECONDS + setup,
                              .engine_bytes = ech_job_engine_bytes(&sc)};
    ech_job_size js;
    ech_job_size_predict(&sc, &cal, &as, ranks, threads, &js);
    ech_job_size_memory(&sc, &as, &js);

    char a[32], b[32], c[32], d[32];
    printf("echelon plan: %s: %d SKUs, %lld SKU-locations, %d variant(s), %lld replications x "
           "%d days (%d warm-up)%s\n\n",
           sc.name, sc.cat.n, (long long)sc.sl.n, sc.n_variants, (long long)sc.replications,
           sc.warmup_days + sc.days, sc.warmup_days,
           sc.output.keep_replications ? ", replications kept" : "");
    printf("Calibration: %d SKUs (%lld SKU-locations) x %lld replications x %d variant(s) "
           "simulated on this machine, one thread, in %.1f s (calibration total %.1f s):\n"
           "  %.3g s per unit of the work plan's cost; %.1f M SKU-location-days/s. The times "
           "below hold for cores like this machine's.\n\n",
           cal.n_skus, (long long)cal.n_skulocs, (long long)cal.replications, sc.n_variants,
           cal.simulate_seconds, cal.seconds, cal.seconds_per_cost,
           cal.seconds_per_cost > 0
               ? (double)cal.n_skulocs * (sc.warmup_days + sc.days) * (double)cal.replications *
                     sc.n_variants / cal.simulate_seconds / 1e6
               : 0.0);

    printf("%-24s %d rank(s) x %d thread(s)\n", "layout", ranks, threads);
    printf("%-24s %.3f (heaviest rank's cost / mean); %d SKU(s) split over ranks\n", "imbalance",
           js.imbalance, js.split_skus);
    int32_t window = ech_job_window_nodes(&sc, as.kpi_memory_limit);
    int32_t windows = ech_job_windows(&sc, window);
    if (windows > 1)
        printf("%-24s KPI values held for %d SKU-locations of a SKU at a time (run's default "
               "--kpi-memory): SKUs at more locations simulated up to %d times (in the time "
               "below)\n",
               "windows", (int)window, (int)windows);
    format_duration(js.total_seconds, a, sizeof a);
    format_duration(js.setup_seconds, b, sizeof b);
    format_duration(js.simulate_seconds, c, sizeof c);
    format_duration(js.write_seconds, d, sizeof d);
    printf("%-24s %s (start-up and loading %s + simulation %s + writing %s)\n", "wall time", a, b,
           c, d);
    double rank_memory = js.memory_per_rank + js.write_memory + loaded_rss;
    format_bytes(rank_memory, a, sizeof a);
    format_bytes(js.memory_per_rank, b, sizeof b);
    format_bytes(js.write_memory, c, sizeof c);
    format_bytes(loaded_rss, d, sizeof d);
    printf("%-24s %s: results and buffers %s + writing %s + program and scenario %s (measured "
           "here)\n",
           "memory per rank", a, b, c, d);
    format_bytes(js.file_bytes, a, sizeof a);
    format_bytes(js.file_bytes_raw, b, sizeof b);
    printf("%-24s %s (%s before compression; compression measured on the calibration's "
           "statistics)\n",
           "results file", a, b);
    printf("%-24s deflate %.0f MB/s per rank (measured here), storage %.0f MB/s (assumed; "
           "--write-rate)\n",
           "write rate", cal.deflate_bytes_per_second / 1e6, write_rate);

    long minutes = limit_minutes(js.total_seconds);
    double node_bytes = node_gib * 1073741824.0;
    int memory_bound;
    int per_node = ranks_per_node(cores_per_node, threads, node_bytes, rank_memory, &memory_bound);
    int nodes = (ranks + per_node - 1) / per_node;
    slurm_time(minutes, a, sizeof a);
    double node_memory = rank_memory * (ranks < per_node ? ranks : per_node);
    format_bytes(node_memory, b, sizeof b);
    format_bytes(node_bytes, c, sizeof c);
    printf("%-24s %s per node (%d rank(s) per node; nodes of %d cores and %s)\n", "memory per node",
           b, ranks < per_node ? ranks : per_node, cores_per_node, c);
    fflush(stdout); /* warnings after the lines they are about */
    if (rank_memory > 0.9 * node_bytes)
        fprintf(stderr,
                "echelon: warning: one rank needs more than 90%% of a node's memory (%s): use "
                "fewer replications, no --keep-replications, or more ranks (each holding less)\n",
                c);
    char tasks_per_node[48] = "";
    if (memory_bound)
        snprintf(tasks_per_node, sizeof tasks_per_node, " --ntasks-per-node=%d", per_node);
    printf("\nslurm (time = %.1f x prediction + %.0f min): sbatch --nodes=%d --ntasks=%d%s "
           "--cpus-per-task=%d --time=%s jobs/run.sbatch %s\n",
           SAFETY, MARGIN_MINUTES, nodes, ranks, tasks_per_node, threads, a, path);

    fflush(stdout);
    if (time_limit > 0 && minutes > time_limit) {
        int fit = time_limit < limit_minutes(0.0)
                      ? 0
                      : ranks_that_fit(&sc, &cal, &as, ranks, threads, time_limit);
        fprintf(stderr,
                "echelon: warning: the proposed time (%ld min) exceeds --time-limit %.0f min",
                minutes, time_limit);
        if (time_limit < limit_minutes(0.0)) {
            fprintf(stderr, ", less than the margin alone (%.0f min): give a longer limit\n",
                    MARGIN_MINUTES);
        } else if (fit > 0) {
            ech_job_size_predict(&sc, &cal, &as, fit, threads, &js);
            ech_job_size_memory(&sc, &as, &js);
            long m = limit_minutes(js.total_seconds);
            double fit_memory = js.memory_per_rank + js.write_memory + loaded_rss;
            int per_node2 =
                ranks_per_node(cores_per_node, threads, node_bytes, fit_memory, &memory_bound);
            int n2 = (fit + per_node2 - 1) / per_node2;
            tasks_per_node[0] = '\0';
            if (memory_bound)
                snprintf(tasks_per_node, sizeof tasks_per_node, " --ntasks-per-node=%d", per_node2);
            slurm_time(m, a, sizeof a);
            format_bytes(js.memory_per_rank + js.write_memory + loaded_rss, b, sizeof b);
            fprintf(stderr, "; %d rank(s) x %d thread(s) fit (predicted %.1f min, %s per rank)\n",
                    fit, threads, js.total_seconds / 60.0, b);
            printf("fits --time-limit: sbatch --nodes=%d --ntasks=%d%s --cpus-per-task=%d "
                   "--time=%s jobs/run.sbatch %s\n",
                   n2, fit, tasks_per_node, threads, a, path);
        } else {
            fprintf(stderr,
                    "; no layout up to %d ranks x %d thread(s) fits: fewer replications "
                    "or a longer limit\n",
                    MAX_RANKS, threads);
        }
    }
    ech_scenario_free(&sc);
    return 0;
}

int cmd_plan(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int64_t ranks = 0, threads = 1, replications = -1, days = -1, warmup = -1, stock_bands = -1;
    int64_t cores = sysconf(_SC_NPROCESSORS_ONLN);
    double node_gib =
        (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / 1073741824.0;
    double time_limit = 0.0, calibration = 3.0, write_rate = 500.0;
    int keep = 0, help = 0, ranks_given = 0;
    const cli_option opts[] = {
        {"ranks", 'n', CLI_INT64, &ranks, "N", "MPI ranks of the job (required)", 1, 1e6,
         &ranks_given},
        {"threads", 't', CLI_INT64, &threads, "T", "OpenMP threads per rank (default 1)", 1, 4096,
         NULL},
        {"time-limit", 0, CLI_DOUBLE, &time_limit, "MINUTES",
         "the queue's limit: warn when the proposed time exceeds it and propose more ranks", 1, 1e7,
         NULL},
        {"cores-per-node", 0, CLI_INT64, &cores, "N",
         "cores of a cluster node (default this machine's)", 1, 1e6, NULL},
        {"memory-per-node", 0, CLI_DOUBLE, &node_gib, "GIB",
         "memory of a cluster node (default this machine's)", 0.01, 1e6, NULL},
        {"replications", 'r', CLI_INT64, &replications, "N",
         "replications instead of the scenario's", 1, 1e9, NULL},
        {"days", 'd', CLI_INT64, &days, "N", "measured days instead of the scenario's", 1, 36500,
         NULL},
        {"warmup", 0, CLI_INT64, &warmup, "N", "warm-up days instead of the scenario's", 0, 36500,
         NULL},
        {"keep-replications", 0, CLI_FLAG, &keep, NULL, "the run will store every replication", 0,
         0, NULL},
        {"stock-bands", 0, CLI_INT64, &stock_bands, "N",
         "the run will record the daily stock of the N worst SKU-locations", 0, ECH_STOCK_BANDS_MAX,
         NULL},
        {"calibration-seconds", 0, CLI_DOUBLE, &calibration, "S",
         "time to spend calibrating the speed (default 3)", 0.1, 3600, NULL},
        {"write-rate", 0, CLI_DOUBLE, &write_rate, "MB/S",
         "the file system's write rate assumed for the results file (default 500)", 1e-3, 1e6,
         NULL},
        {"help", 'h', CLI_FLAG, &help, NULL, "this help", 0, 0, NULL},
    };
    const int n_opts = (int)(sizeof opts / sizeof opts[0]);
    const char *pos[1];
    int n_pos = 0;
    int rc = cli_parse_command(argc, argv, opts, n_opts, pos, 1, &n_pos, rank, &help, print_help);
    if (rc >= 0)
        return rc;
    if (n_pos != 1 || !ranks_given) {
        if (rank == 0)
            fprintf(stderr, "echelon: error: plan needs %s (see echelon plan --help)\n",
                    n_pos != 1 ? "one scenario file" : "--ranks N");
        return 2;
    }
    ech_overrides ov = ech_overrides_none();
    ov.replications = replications;
    ov.days = (int32_t)days;
    ov.warmup_days = (int32_t)warmup;
    ov.keep_replications = keep;
    ov.stock_bands = (int32_t)stock_bands;

    /* One process sizes the job; under mpirun the other ranks wait for its status. */
    int status = 0;
    if (rank == 0)
        status = plan_rank0(pos[0], &ov, (int)ranks, (int)threads, time_limit, (int)cores, node_gib,
                            calibration, write_rate);
    fflush(stdout);
    MPI_Bcast(&status, 1, MPI_INT, 0, comm);
    return status;
}
