/* Progress reports; see include/echelon/progress.h. */
#include "echelon/progress.h"
#include "echelon/error.h"
#include "echelon/job_end.h"

#include <omp.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct ech_progress {
    FILE *out;
    const char *label;
    int tty;
    int64_t total;
    int64_t done; /* updated atomically */
    double start;
    double last;
    double interval;
    omp_lock_t lock;
    time_t job_end; /* the batch job's end (job_end.h), or 0 */
    int warned;     /* the job-end warning was printed */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void format_duration(double s, char *buf, size_t n)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ldh%02ldm%02lds", t / 3600, (t / 60) % 60, t % 60);
    else if (t >= 60)
        snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, n, "%lds", t);
}

ech_progress *ech_progress_new(FILE *out, const char *label, int64_t total, double interval)
{
    ech_progress *p = ech_xcalloc(1, sizeof *p, "progress");
    p->out = out;
    p->label = label;
    p->tty = out && isatty(fileno(out));
    p->total = total > 0 ? total : 1;
    p->start = p->last = now_seconds();
    p->interval = interval > 0 ? interval : 10.0;
    p->job_end = ech_job_end();
    omp_init_lock(&p->lock);
    return p;
}

static void report(ech_progress *p, double t, int final)
{
    int64_t done;
#pragma omp atomic read
    done = p->done;
    double frac = (double)done / (double)p->total;
    if (frac > 1.0)
        frac = 1.0;
    double elapsed = t - p->start;
    char el[32], eta[32];
    format_duration(elapsed, el, sizeof el);
    if (frac > 0.0)
        format_duration(elapsed * (1.0 - frac) / frac, eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    if (p->tty) {
        enum { WIDTH = 30 };
        char bar[WIDTH + 1];
        int filled = (int)(frac * WIDTH);
        for (int i = 0; i < WIDTH; ++i)
            bar[i] = i < filled ? '#' : '.';
        bar[WIDTH] = '\0';
        fprintf(p->out, "\r%s [%s] %5.1f%%  elapsed %s  left %s   ", p->label, bar, 100.0 * frac,
                el, final ? "0s" : eta);
        if (final)
            fputc('\n', p->out);
    } else {
        fprintf(p->out, "%s: %5.1f%% done, elapsed %s, about %s left\n", p->label, 100.0 * frac, el,
                final ? "0s" : eta);
    }
    fflush(p->out);
}

/* The estimate counts once JOB_END_MIN_SHARE of the work is done or after
 * JOB_END_MIN_SECONDS: the first units' speed says little. */
static const double JOB_END_MIN_SHARE = 0.05, JOB_END_MIN_SECONDS = 10.0;

/* Warns once, on stderr (even with reports off: a batch log should say why a run
 * was stopped), when the estimate of the time left runs past the job's end. */
static void check_job_end(ech_progress *p, double t)
{
    int64_t done;
#pragma omp atomic read
    done = p->done;
    double frac = (double)done / (double)p->total, elapsed = t - p->start;
    if (frac <= 0.0 || frac >= 1.0 || (frac < JOB_END_MIN_SHARE && elapsed < JOB_END_MIN_SECONDS))
        return;
    double left = elapsed * (1.0 - frac) / frac;
    double job_left = difftime(p->job_end, time(NULL));
    if (left <= job_left)
        return;
    p->warned = 1;
    if (p->tty && p->out == stderr)
        fputc('\n', stderr);
    char need[32], ends[32];
    format_duration(left, need, sizeof need);
    format_duration(job_left > 0 ? job_left : 0.0, ends, sizeof ends);
    fprintf(stderr,
            "echelon: warning: the run needs about %s more but the batch job ends in %s: it will "
            "be stopped before it finishes (echelon run saves a checkpoint at the stop signal and "
            "continues with --resume)\n",
            need, ends);
    fflush(stderr);
}

void ech_progress_add(ech_progress *p, int64_t done)
{
    if (!p)
        return;
#pragma omp atomic update
    p->done += done;
    if ((!p->out && (!p->job_end || p->warned)) || !omp_test_lock(&p->lock))
        return;
    double t = now_seconds();
    double every = p->tty ? 0.2 : p->interval;
    if (p->out && t - p->last >= every) {
        p->last = t;
        report(p, t, 0);
    }
    if (p->job_end && !p->warned)
        check_job_end(p, t);
    omp_unset_lock(&p->lock);
}

void ech_progress_finish(ech_progress *p)
{
    if (!p)
        return;
    if (p->out)
        report(p, now_seconds(), 1);
    omp_destroy_lock(&p->lock);
    free(p);
}
