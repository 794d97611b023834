/* Checkpoints of commands made of phases; see include/echelon/phase_log.h. */
#include "echelon/phase_log.h"
#include "echelon/checkpoint.h"
#include "echelon/rng.h"
#include "echelon/run.h"
#include "echelon/stop.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ech_phase_log {
    MPI_Comm comm;
    int rank, n_ranks, n_threads;
    ech_phase_checkpoint opt;
    char *folder, *phases, *partial; /* NULL without a checkpoint */
    FILE *progress;
    int32_t next;    /* the phase to come */
    int32_t n_saved; /* phases the folder held at the start (replayed first) */
    int broken;      /* a phase could not be saved: the later ones are not either */
    int resumed;
    double due;    /* monotonic time of the next save of a long phase; 0 none */
    double start;  /* this attempt's start */
    double before; /* seconds of work of the earlier attempts */
    int64_t units; /* units completed by this process (stop_after_units) */
    uint64_t key;  /* the long phase under way */
    char created[32];
};

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *joined(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = ech_xmalloc(n, "checkpoint path");
    snprintf(s, n, "%s%s", a, b);
    return s;
}

uint64_t ech_fingerprint_add(uint64_t h, const void *data, size_t bytes)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < bytes; ++i)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return ech_mix64(h);
}

/* What identifies a phase: its kind and parameter. */
static uint64_t phase_key(const char *kind, double param)
{
    return ech_fingerprint_add(ech_hash_string(kind), &param, sizeof param);
}

static void header_init(const ech_phase_log *log, ech_checkpoint_header *h, int32_t file_rank)
{
    memset(h, 0, sizeof *h);
    h->fingerprint = log->opt.fingerprint;
    h->rank = file_rank;
    h->n_ranks = log->n_ranks;
    h->n_threads = log->n_threads;
    h->pass = log->next;
    h->simulate_seconds = log->before + (wall_seconds() - log->start);
    snprintf(h->created, sizeof h->created, "%s", log->created);
}

/* ECH_OK when a saved file belongs to this command and layout, else why not. */
static ech_status check_header(const ech_phase_log *log, const ech_checkpoint_header *h,
                               ech_error *err)
{
    if (h->fingerprint != log->opt.fingerprint)
        return ech_fail(err, ECH_ERR_INPUT,
                        "--resume: the checkpoint in %s cannot continue this run: the scenario, "
                        "a file it reads or the run's options changed since it was written "
                        "(start over with --force instead of --resume)",
                        log->folder);
    if (h->n_ranks != log->n_ranks || h->n_threads != log->n_threads)
        return ech_fail(err, ECH_ERR_INPUT,
                        "--resume: the checkpoint in %s was written by %d rank(s) x %d "
                        "thread(s); resume with the same layout (now %d x %d), or start over "
                        "with --force",
                        log->folder, h->n_ranks, h->n_threads, log->n_ranks, log->n_threads);
    return ECH_OK;
}

/* Rank 0: the saved phases 0, 1 ... up to the first missing one. */
static ech_status count_saved(ech_phase_log *log, ech_error *err)
{
    ech_checkpoint_clean_stale(log->phases, NULL);
    ech_checkpoint_clean_stale(log->partial, NULL);
    for (;;) {
        ech_checkpoint *c = NULL;
        ech_checkpoint_header h;
        ech_status st = ech_checkpoint_open(log->phases, log->n_saved, &c, &h, err);
        if (st != ECH_OK)
            return st;
        if (!c)
            return ECH_OK;
        st = check_header(log, &h, err);
        ech_checkpoint_close(c, NULL); /* the sections are checked when replayed */
        if (st != ECH_OK)
            return st;
        if (log->n_saved == 0)
            snprintf(log->created, sizeof log->created, "%s", h.created);
        log->before = h.simulate_seconds;
        ++log->n_saved;
    }
}

/* Rank 0: whether the ranks saved units of a phase (checked as the phases are). */
static ech_status find_partial(ech_phase_log *log, int *found, ech_error *err)
{
    *found = 0;
    for (int r = 0; r < log->n_ranks; ++r) {
        ech_checkpoint *c = NULL;
        ech_checkpoint_header h;
        ech_error ignored;
        ech_status st = ech_checkpoint_open(log->partial, r, &c, &h, &ignored);
        if (st != ECH_OK || !c)
            continue; /* a damaged one is found when its rank reads it */
        st = check_header(log, &h, err);
        ech_checkpoint_close(c, NULL);
        if (st != ECH_OK)
            return st;
        if (!*found && log->n_saved == 0)
            snprintf(log->created, sizeof log->created, "%s", h.created);
        *found = 1;
    }
    return ECH_OK;
}

ech_status ech_phase_log_open(ech_phase_log **out, const ech_phase_checkpoint *opt, MPI_Comm comm,
                              int n_threads, FILE *progress, ech_error *err)
{
    ech_phase_log *log = ech_xcalloc(1, sizeof *log, "phase log");
    log->comm = comm;
    MPI_Comm_rank(comm, &log->rank);
    MPI_Comm_size(comm, &log->n_ranks);
    log->n_threads = n_threads > 0 ? n_threads : 1;
    log->opt = *opt;
    log->progress = progress;
    log->start = wall_seconds();
    snprintf(log->created, sizeof log->created, "%s", opt->created ? opt->created : "");
    ech_status st = ECH_OK;
    if (opt->folder) {
        log->folder = ech_xstrdup(opt->folder, "checkpoint folder");
        log->phases = joined(opt->folder, "/phases");
        log->partial = joined(opt->folder, "/partial");
        if (log->rank == 0) {
            const char *dirs[3] = {log->folder, log->phases, log->partial};
            for (int i = 0; i < 3 && st == ECH_OK; ++i)
                if (mkdir(dirs[i], 0777) != 0 && errno != EEXIST)
                    st = ech_fail(err, ECH_ERR_RUNTIME, "cannot make the checkpoint folder %s: %s",
                                  dirs[i], strerror(errno));
            if (st == ECH_OK && opt->resume)
                st = count_saved(log, err);
            if (st == ECH_OK && opt->resume)
                st = find_partial(log, &log->resumed, err);
            log->resumed |= log->n_saved > 0;
        }
        st = ech_agree(comm, st, err);
        if (st != ECH_OK) {
            ech_phase_log_close(log);
            *out = NULL;
            return st;
        }
        MPI_Bcast(&log->n_saved, 1, MPI_INT32_T, 0, comm);
        MPI_Bcast(&log->before, 1, MPI_DOUBLE, 0, comm);
        MPI_Bcast(log->created, (int)sizeof log->created, MPI_CHAR, 0, comm);
        MPI_Bcast(&log->resumed, 1, MPI_INT, 0, comm);
        if (opt->interval > 0)
            log->due = log->start + opt->interval;
        if (log->rank == 0 && progress && log->resumed)
            fprintf(progress, "echelon: resuming from %s: %d phase(s) done (started %s)\n",
                    log->folder, (int)log->n_saved, log->created);
    }
    *out = log;
    return ECH_OK;
}

void ech_phase_log_close(ech_phase_log *log)
{
    if (!log)
        return;
    free(log->folder);
    free(log->phases);
    free(log->partial);
    free(log);
}

int ech_phase_log_resumed(const ech_phase_log *log)
{
    return log->resumed;
}

const char *ech_phase_log_created(const ech_phase_log *log)
{
    return log->created;
}

double ech_phase_log_seconds_before(const ech_phase_log *log)
{
    return log->before;
}

char *ech_phase_checkpoint_run_folder(const char *folder)
{
    return joined(folder, "/run");
}

/* A field to every rank, in pieces MPI's int counts take. */
static void bcast_bytes(void *data, size_t bytes, MPI_Comm comm)
{
    const size_t most = (size_t)1 << 30;
    for (size_t off = 0; off < bytes; off += most) {
        size_t part = bytes - off < most ? bytes - off : most;
        MPI_Bcast((char *)data + off, (int)part, MPI_BYTE, 0, comm);
    }
}

ech_status ech_phase_replay(ech_phase_log *log, const char *kind, double param, ech_phase_field *f,
                            int n, int *replayed, ech_error *err)
{
    *replayed = 0;
    if (log->next >= log->n_saved)
        return ECH_OK;
    ech_status st = ECH_OK;
    if (log->rank == 0) {
        ech_checkpoint *c = NULL;
        ech_checkpoint_header h;
        st = ech_checkpoint_open(log->phases, log->next, &c, &h, err);
        if (st == ECH_OK && !c)
            st = ech_fail(err, ECH_ERR_INPUT, "--resume: phase %d of the checkpoint in %s is gone",
                          (int)log->next, log->folder);
        else if (st == ECH_OK && (h.hash != phase_key(kind, param) || h.units_done != n))
            st = ech_fail(err, ECH_ERR_INPUT,
                          "--resume: the checkpoint in %s cannot continue this run: its phase %d "
                          "is not this run's %s (start over with --force instead of --resume)",
                          log->folder, (int)log->next, kind);
        for (int i = 0; st == ECH_OK && i < n; ++i)
            st = ech_checkpoint_get(c, f[i].tag, f[i].data, f[i].bytes, err);
        if (c) {
            ech_status closed = ech_checkpoint_close(c, st == ECH_OK ? err : NULL);
            st = st == ECH_OK ? closed : st;
        }
    }
    st = ech_agree(log->comm, st, err);
    if (st != ECH_OK)
        return st;
    for (int i = 0; i < n; ++i)
        bcast_bytes(f[i].data, f[i].bytes, log->comm);
    ++log->next;
    *replayed = 1;
    return ECH_OK;
}

static ech_status stopped_message(const ech_phase_log *log, ech_error *err)
{
    if (log->folder)
        return ech_fail(err, ECH_STOPPED,
                        "stopped at a signal; the work done is saved in %s: run the same command "
                        "with --resume to continue",
                        log->folder);
    return ech_fail(err, ECH_STOPPED, "stopped at a signal (no results file, nothing saved)");
}

/* The ranks agree on a stop after a phase. */
static ech_status settle_stop(ech_phase_log *log, ech_error *err)
{
    int stop = ech_stop_requested() != 0, any = 0;
    MPI_Allreduce(&stop, &any, 1, MPI_INT, MPI_MAX, log->comm);
    return any ? stopped_message(log, err) : ECH_OK;
}

static char *partial_file(const ech_phase_log *log)
{
    return ech_checkpoint_rank_file(log->partial, log->rank);
}

ech_status ech_phase_record(ech_phase_log *log, const char *kind, double param,
                            const ech_phase_field *f, int n, ech_error *err)
{
    if (log->folder && log->rank == 0 && !log->broken) {
        ech_checkpoint_header h;
        header_init(log, &h, log->next);
        h.units_done = n;
        h.hash = phase_key(kind, param);
        ech_error local;
        ech_error_clear(&local);
        ech_checkpoint *c = ech_checkpoint_create(log->phases, &h, &local);
        for (int i = 0; c && i < n; ++i)
            ech_checkpoint_put(c, f[i].tag, f[i].data, f[i].bytes);
        if (!c || ech_checkpoint_commit(c, &local) != ECH_OK) {
            log->broken = 1;
            if (log->progress)
                fprintf(log->progress, "echelon: warning: %s (the run goes on, no longer saving)\n",
                        local.msg);
        }
    }
    if (log->folder) {
        char *p = partial_file(log);
        unlink(p); /* the phase's units are in the phase now */
        free(p);
    }
    ++log->next;
    return settle_stop(log, err);
}

/* The rank's partial file of the phase under way. */
static ech_status save_units(ech_phase_log *log, int32_t n, const uint8_t *done,
                             const ech_phase_field *f, int nf, ech_error *err)
{
    if (!log->folder || nf == 0)
        return ECH_OK;
    ech_checkpoint_header h;
    header_init(log, &h, log->rank);
    h.n_units = n;
    h.hash = log->key;
    for (int32_t u = 0; u < n; ++u)
        h.units_done += done[u] != 0;
    ech_checkpoint *c = ech_checkpoint_create(log->partial, &h, err);
    if (!c)
        return ECH_ERR_RUNTIME;
    ech_checkpoint_put(c, "done", done, (size_t)n);
    for (int i = 0; i < nf; ++i)
        ech_checkpoint_put(c, f[i].tag, f[i].data, f[i].bytes);
    return ech_checkpoint_commit(c, err);
}

ech_status ech_phase_units_begin(ech_phase_log *log, const char *kind, double param, int32_t n,
                                 uint8_t *done, ech_phase_field *f, int nf, ech_error *err)
{
    log->key = phase_key(kind, param);
    memset(done, 0, (size_t)n);
    ech_status st = ECH_OK;
    /* Only the first phase computed after a resume can have units saved. */
    if (log->folder && log->opt.resume && log->next == log->n_saved && nf > 0) {
        ech_checkpoint *c = NULL;
        ech_checkpoint_header h;
        st = ech_checkpoint_open(log->partial, log->rank, &c, &h, err);
        if (st == ECH_OK && c && h.pass == log->next && h.n_units == n && h.hash == log->key) {
            st = check_header(log, &h, err);
            if (st == ECH_OK)
                st = ech_checkpoint_get(c, "done", done, (size_t)n, err);
            for (int i = 0; st == ECH_OK && i < nf; ++i)
                st = ech_checkpoint_get(c, f[i].tag, f[i].data, f[i].bytes, err);
            ech_status closed = ech_checkpoint_close(c, st == ECH_OK ? err : NULL);
            st = st == ECH_OK ? closed : st;
            if (st == ECH_OK && h.simulate_seconds > log->before)
                log->before = h.simulate_seconds;
        } else if (c) {
            ech_checkpoint_close(c, NULL); /* of another phase: not this one's */
        }
        if (st != ECH_OK)
            memset(done, 0, (size_t)n);
    }
    return ech_agree(log->comm, st, err);
}

int ech_phase_units_pause(const ech_phase_log *log)
{
    return ech_stop_requested() != 0 || (log->due > 0 && wall_seconds() >= log->due);
}

void ech_phase_unit_done(ech_phase_log *log)
{
    if (log->opt.stop_after_units <= 0)
        return;
    int64_t n;
#pragma omp atomic capture
    n = ++log->units;
    if (n == log->opt.stop_after_units)
        ech_stop_request(SIGTERM);
}

int ech_phase_units_settle(ech_phase_log *log, int32_t n, const uint8_t *done,
                           const ech_phase_field *f, int nf)
{
    int stop = ech_stop_requested() != 0;
    int due = log->due > 0 && wall_seconds() >= log->due;
    if (stop || due) {
        ech_error local;
        ech_error_clear(&local);
        if (save_units(log, n, done, f, nf, &local) != ECH_OK && log->rank == 0 && log->progress)
            fprintf(log->progress, "echelon: warning: %s (the run goes on)\n", local.msg);
        if (log->opt.interval > 0)
            log->due = wall_seconds() + log->opt.interval;
    }
    return stop;
}

ech_status ech_phase_units_end(ech_phase_log *log, int complete, int32_t n, const uint8_t *done,
                               const ech_phase_field *f, int nf, ech_error *err)
{
    int stopped = !complete, any = 0;
    MPI_Allreduce(&stopped, &any, 1, MPI_INT, MPI_MAX, log->comm);
    if (!any)
        return ECH_OK;
    /* Ranks stopped in the units have saved theirs; those that completed save now. */
    ech_status st = complete ? save_units(log, n, done, f, nf, err) : ECH_OK;
    st = ech_agree(log->comm, st, err);
    if (st != ECH_OK)
        return st;
    return stopped_message(log, err);
}
