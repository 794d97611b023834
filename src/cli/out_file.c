/* Output files written through a temporary name (cli.h). */
#include "cli.h"
#include "echelon/stop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ech_status cli_out_open(cli_out_file *o, const char *path, FILE *fallback, ech_error *err)
{
    o->path = path;
    o->direct = 0;
    o->tmp[0] = '\0';
    if (!path) {
        o->f = fallback;
        return ECH_OK;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->direct = 1;
        o->f = fopen(path, "w");
        if (!o->f)
            return ech_fail(err, ECH_ERR_RUNTIME, "%s: cannot open: %s", path, strerror(errno));
        return ECH_OK;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: cannot create (as %s): %s", path, o->tmp,
                        strerror(errno));
    ech_temp_register(o->tmp);
    return ECH_OK;
}

ech_status cli_out_close(cli_out_file *o, int keep, ech_error *err)
{
    if (!o->path || !o->f)
        return ECH_OK;
    int bad = ferror(o->f);
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    if (o->direct)
        return bad ? ech_fail(err, ECH_ERR_RUNTIME, "%s: write failed", o->path) : ECH_OK;
    ech_status st = ECH_OK;
    if (!keep || bad) {
        remove(o->tmp);
        if (bad)
            st = ech_fail(err, ECH_ERR_RUNTIME, "%s: write failed", o->path);
    } else if (rename(o->tmp, o->path) != 0) {
        int e = errno;
        remove(o->tmp);
        st = ech_fail(err, ECH_ERR_RUNTIME, "%s: cannot rename from %s: %s", o->path, o->tmp,
                      strerror(e));
    }
    ech_temp_forget(o->tmp);
    return st;
}
