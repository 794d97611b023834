/* Checkpoint files; see include/echelon/checkpoint.h. */
#include "echelon/checkpoint.h"
#include "echelon/rng.h"
#include "echelon/scenario_load.h"
#include "echelon/stop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char MAGIC[8] = {'E', 'C', 'H', 'C', 'K', 'P', 'T', '\n'};
enum { FORMAT_VERSION = 1, TAG_LEN = 8 };

struct ech_checkpoint {
    FILE *f;
    char *folder; /* removed again when a failed save leaves it empty */
    char *path;   /* the final name */
    char *tmp;    /* the temporary name while writing */
    uint64_t sum; /* running checksum of everything after the magic */
    int failed;   /* a write failed (errno in err_no) */
    int err_no;
};

/* A checksum that sees every byte and its position; cheap next to the disk. */
static uint64_t checksum_add(uint64_t sum, const void *data, size_t bytes)
{
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        sum = (sum ^ w) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull;
        sum ^= sum >> 29;
    }
    for (; i < bytes; ++i)
        sum = (sum ^ p[i]) * 0x100000001b3ull;
    return sum;
}

static char *joined(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = ech_xmalloc(n, "checkpoint path");
    snprintf(s, n, "%s%s", a, b);
    return s;
}

char *ech_checkpoint_folder(const char *output_path)
{
    return joined(output_path, ".checkpoint");
}

char *ech_checkpoint_rank_file(const char *folder, int rank)
{
    char name[64];
    snprintf(name, sizeof name, "/rank-%06d.ckpt", rank);
    return joined(folder, name);
}

static void put_raw(ech_checkpoint *c, const void *data, size_t bytes)
{
    if (c->failed || bytes == 0)
        return;
    if (fwrite(data, 1, bytes, c->f) != bytes) {
        c->failed = 1;
        c->err_no = errno ? errno : EIO;
    }
    c->sum = checksum_add(c->sum, data, bytes);
}

ech_checkpoint *ech_checkpoint_create(const char *folder, const ech_checkpoint_header *h,
                                      ech_error *err)
{
    if (mkdir(folder, 0777) != 0 && errno != EEXIST) {
        ech_fail(err, ECH_ERR_RUNTIME, "cannot make the checkpoint folder %s: %s", folder,
                 strerror(errno));
        return NULL;
    }
    ech_checkpoint *c = ech_xcalloc(1, sizeof *c, "checkpoint");
    c->folder = ech_xstrdup(folder, "checkpoint folder");
    c->path = ech_checkpoint_rank_file(folder, h->rank);
    c->tmp = joined(c->path, ".tmp");
    ech_temp_register(c->tmp);
    c->f = fopen(c->tmp, "wb");
    if (!c->f) {
        ech_fail(err, ECH_ERR_RUNTIME, "cannot write the checkpoint %s: %s", c->tmp,
                 strerror(errno));
        ech_temp_forget(c->tmp);
        rmdir(c->folder); /* only if empty: a failed first save leaves nothing behind */
        free(c->folder);
        free(c->tmp);
        free(c->path);
        free(c);
        return NULL;
    }
    if (fwrite(MAGIC, 1, sizeof MAGIC, c->f) != sizeof MAGIC)
        c->failed = 1, c->err_no = errno;
    uint32_t version = FORMAT_VERSION;
    put_raw(c, &version, sizeof version);
    put_raw(c, h, sizeof *h);
    return c;
}

void ech_checkpoint_put(ech_checkpoint *c, const char *tag, const void *data, size_t bytes)
{
    char t[TAG_LEN] = {0};
    memcpy(t, tag, strnlen(tag, TAG_LEN));
    uint64_t n = bytes;
    put_raw(c, t, sizeof t);
    put_raw(c, &n, sizeof n);
    put_raw(c, data, bytes);
}

/* Makes a rename in folder durable. */
static void sync_folder_of(const char *path)
{
    char *dir = ech_xstrdup(path, "checkpoint folder");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

ech_status ech_checkpoint_commit(ech_checkpoint *c, ech_error *err)
{
    uint64_t sum = c->sum;
    if (!c->failed && fwrite(&sum, 1, sizeof sum, c->f) != sizeof sum)
        c->failed = 1, c->err_no = errno ? errno : EIO;
    if (!c->failed && (fflush(c->f) != 0 || fsync(fileno(c->f)) != 0))
        c->failed = 1, c->err_no = errno ? errno : EIO;
    if (fclose(c->f) != 0 && !c->failed)
        c->failed = 1, c->err_no = errno ? errno : EIO;
    ech_status st = ECH_OK;
    if (!c->failed && rename(c->tmp, c->path) != 0)
        c->failed = 1, c->err_no = errno;
    if (c->failed) {
        unlink(c->tmp);
        rmdir(c->folder); /* only if empty: a failed first save leaves nothing behind */
        st = ech_fail(err, ECH_ERR_RUNTIME, "cannot write the checkpoint %s: %s", c->path,
                      strerror(c->err_no));
    } else {
        sync_folder_of(c->path);
    }
    ech_temp_forget(c->tmp);
    free(c->folder);
    free(c->tmp);
    free(c->path);
    free(c);
    return st;
}

static ech_status damaged(ech_checkpoint *c, ech_error *err, const char *why)
{
    return ech_fail(err, ECH_ERR_INPUT, "checkpoint %s is damaged or not of this version (%s)",
                    c->path, why);
}

static int get_raw(ech_checkpoint *c, void *data, size_t bytes)
{
    if (bytes == 0)
        return 1;
    if (fread(data, 1, bytes, c->f) != bytes)
        return 0;
    c->sum = checksum_add(c->sum, data, bytes);
    return 1;
}

ech_status ech_checkpoint_open(const char *folder, int rank, ech_checkpoint **out,
                               ech_checkpoint_header *h, ech_error *err)
{
    *out = NULL;
    char *path = ech_checkpoint_rank_file(folder, rank);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        free(path);
        if (e == ENOENT)
            return ECH_OK;
        return ech_fail(err, ECH_ERR_INPUT, "cannot read the checkpoint of rank %d in %s: %s", rank,
                        folder, strerror(e));
    }
    ech_checkpoint *c = ech_xcalloc(1, sizeof *c, "checkpoint");
    c->f = f;
    c->path = path;
    char magic[sizeof MAGIC];
    uint32_t version = 0;
    ech_status st = ECH_OK;
    if (fread(magic, 1, sizeof magic, f) != sizeof magic || memcmp(magic, MAGIC, sizeof magic))
        st = damaged(c, err, "not an echelon checkpoint");
    else if (!get_raw(c, &version, sizeof version) || version != FORMAT_VERSION)
        st = damaged(c, err, "another format version");
    else if (!get_raw(c, h, sizeof *h))
        st = damaged(c, err, "cut short");
    if (st != ECH_OK) {
        fclose(f);
        free(c->path);
        free(c);
        return st;
    }
    h->created[sizeof h->created - 1] = '\0';
    *out = c;
    return ECH_OK;
}

ech_status ech_checkpoint_get(ech_checkpoint *c, const char *tag, void *data, size_t bytes,
                              ech_error *err)
{
    char t[TAG_LEN] = {0}, want[TAG_LEN] = {0};
    uint64_t n = 0;
    memcpy(want, tag, strnlen(tag, TAG_LEN));
    if (!get_raw(c, t, sizeof t) || !get_raw(c, &n, sizeof n))
        return damaged(c, err, "cut short");
    if (memcmp(t, want, TAG_LEN) != 0 || n != bytes)
        return damaged(c, err, "its sections do not match this run");
    if (!get_raw(c, data, bytes))
        return damaged(c, err, "cut short");
    return ECH_OK;
}

ech_status ech_checkpoint_close(ech_checkpoint *c, ech_error *err)
{
    if (!c)
        return ECH_OK;
    uint64_t expected = c->sum, stored = 0;
    ech_status st = ECH_OK;
    if (fread(&stored, 1, sizeof stored, c->f) != sizeof stored || stored != expected)
        st = damaged(c, err, "checksum");
    fclose(c->f);
    free(c->path);
    free(c);
    return st;
}

int ech_checkpoint_remove(const char *folder)
{
    DIR *d = opendir(folder);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = joined(folder, "/");
        char *q = joined(p, e->d_name);
        struct stat st;
        /* Sub-folders (a command's phases, its verification run) go the same way;
         * links are removed, never followed. */
        if (lstat(q, &st) == 0 && S_ISDIR(st.st_mode))
            rc |= ech_checkpoint_remove(q);
        else if (unlink(q) != 0 && errno != ENOENT)
            rc = -1;
        free(p);
        free(q);
    }
    closedir(d);
    if (rmdir(folder) != 0 && errno != ENOENT)
        rc = -1;
    return rc ? -1 : 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int ech_checkpoint_clean_stale(const char *folder, const char *output_path)
{
    int removed = 0;
    DIR *d = opendir(folder);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!ends_with(e->d_name, ".ckpt.tmp"))
                continue;
            char *p = joined(folder, "/");
            char *q = joined(p, e->d_name);
            removed += unlink(q) == 0;
            free(p);
            free(q);
        }
        closedir(d);
    }
    /* OUT.tmp-PID beside the output, of a process that is gone. */
    if (!output_path)
        return removed;
    const char *slash = strrchr(output_path, '/');
    char *dir = slash ? ech_xstrdup(output_path, "folder") : ech_xstrdup(".", "folder");
    if (slash)
        dir[slash - output_path > 0 ? slash - output_path : 1] = '\0';
    const char *base = slash ? slash + 1 : output_path;
    char *prefix = joined(base, ".tmp-");
    d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
                continue;
            char *end = NULL;
            long pid = strtol(e->d_name + strlen(prefix), &end, 10);
            if (!end || *end || pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
                continue;
            char *p = joined(dir, "/");
            char *q = joined(p, e->d_name);
            removed += unlink(q) == 0;
            free(p);
            free(q);
        }
        closedir(d);
    }
    free(prefix);
    free(dir);
    return removed;
}

static uint64_t hash_file(uint64_t h, const char *path)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    h = ech_mix64(h ^ ech_hash_string(path ? path : ""));
    if (!f)
        return ech_mix64(h + 1);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = checksum_add(h, buf, n);
    fclose(f);
    return ech_mix64(h);
}

/* A file the scenario names, relative to the scenario file's folder. */
static char *relative_to(const char *scenario, const char *name)
{
    const char *slash = strrchr(scenario, '/');
    if (name[0] == '/' || !slash)
        return ech_xstrdup(name, "input path");
    size_t n = (size_t)(slash - scenario + 1) + strlen(name) + 1;
    char *s = ech_xmalloc(n, "input path");
    snprintf(s, n, "%.*s%s", (int)(slash - scenario + 1), scenario, name);
    return s;
}

uint64_t ech_checkpoint_fingerprint(const ech_scenario *sc, const char *const *extra_files,
                                    int n_extra)
{
    char *text = ech_scenario_resolved_text(sc);
    uint64_t h = ech_hash_string(text ? text : "");
    free(text);
    const int64_t numbers[] = {sc->replications,
                               sc->days,
                               sc->warmup_days,
                               (int64_t)sc->seed,
                               sc->output.keep_replications,
                               sc->n_variants,
                               sc->sl.n,
                               sc->cat.n,
                               sc->net.n};
    h = checksum_add(h, numbers, sizeof numbers);
    const char *named[ECH_SCENARIO_MAX_INPUTS];
    int n_named = ech_scenario_input_files(sc, named);
    if (sc->source_path) {
        h = hash_file(h, sc->source_path);
        for (int k = 0; k < n_named; ++k)
            if (named[k]) {
                char *p = relative_to(sc->source_path, named[k]);
                h = hash_file(h, p);
                free(p);
            }
    }
    for (int k = 0; k < n_extra; ++k)
        if (extra_files[k])
            h = hash_file(h, extra_files[k]);
    return ech_mix64(h);
}
