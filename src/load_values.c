/* Typed values of the scenario file with messages naming the key; see load.h. */
#include "load.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

long ech_key_line(const loadctx *c, const char *key)
{
    return ech_yaml_line(c->ix, key, 0);
}

ech_status ech_key_fail(const loadctx *c, const char *key, const char *fmt, ...)
{
    char msg[ECH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ech_fail_at(c->err, c->path, ech_key_line(c, key), key, "%s", msg);
}

ech_status ech_key_missing(const loadctx *c, const char *mapping, const char *key, const char *fmt,
                           ...)
{
    char msg[ECH_ERROR_MSG_MAX], full[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%s.%s", mapping, key);
    return ech_fail_at(c->err, c->path, ech_key_line(c, mapping), full, "%s", msg);
}

const char *ech_key_path(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return buf;
}

/* "028", "-07": a leading zero YAML 1.1 would read as octal. */
static int leading_zero(const char *text)
{
    const char *p = text + (text[0] == '+' || text[0] == '-');
    return p[0] == '0' && p[1] != '\0';
}

ech_status ech_key_int(const loadctx *c, const char *key, const char *text, int64_t lo, int64_t hi,
                       int64_t *out)
{
    if (!text[0])
        return ech_key_fail(c, key, "no value given");
    int64_t v;
    int rc = ech_parse_int64(text, &v);
    if (rc == ECH_PARSE_SYNTAX)
        return ech_key_fail(c, key, "'%s' is not an integer", text);
    if (leading_zero(text))
        return ech_key_fail(c, key,
                            "'%s' has a leading zero: write the number without it "
                            "(YAML 1.1 reads a leading 0 as octal, so it is ambiguous)",
                            text);
    if (rc == ECH_PARSE_RANGE || v < lo || v > hi) {
        if (hi == INT64_MAX || (hi == INT32_MAX && lo > INT32_MIN))
            return ech_key_fail(c, key, "must be >= %" PRId64 ", got %s", lo, text);
        return ech_key_fail(c, key, "must be between %" PRId64 " and %" PRId64 ", got %s", lo, hi,
                            text);
    }
    *out = v;
    return ECH_OK;
}

ech_status ech_key_int32(const loadctx *c, const char *key, const char *text, int32_t lo,
                         int32_t hi, int32_t *out)
{
    int64_t v = 0;
    ech_status st = ech_key_int(c, key, text, lo, hi, &v);
    if (st == ECH_OK)
        *out = (int32_t)v;
    return st;
}

ech_status ech_key_uint64(const loadctx *c, const char *key, const char *text, uint64_t *out)
{
    if (!text[0])
        return ech_key_fail(c, key, "no value given");
    int rc = ech_parse_uint64(text, out);
    if (rc == ECH_PARSE_SYNTAX)
        return ech_key_fail(c, key, "'%s' is not a whole number >= 0", text);
    if (rc == ECH_PARSE_RANGE)
        return ech_key_fail(c, key, "'%s' is out of range (at most %" PRIu64 ")", text, UINT64_MAX);
    return ECH_OK;
}

ech_status ech_key_double(const loadctx *c, const char *key, const char *text, double *out)
{
    if (!text[0])
        return ech_key_fail(c, key, "no value given");
    int rc = ech_parse_double(text, out);
    if (rc == ECH_PARSE_SYNTAX)
        return ech_key_fail(c, key, "'%s' is not a number", text);
    if (rc == ECH_PARSE_RANGE)
        return ech_key_fail(c, key, "'%s' is out of range", text);
    return ECH_OK;
}

ech_status ech_key_double_range(const loadctx *c, const char *key, const char *text, double lo,
                                int lo_open, double hi, int hi_open, const char *what, double *out)
{
    ech_status st = ech_key_double(c, key, text, out);
    if (st != ECH_OK)
        return st;
    double v = *out;
    if ((lo_open ? !(v > lo) : !(v >= lo)) || (hi_open ? !(v < hi) : !(v <= hi)))
        return ech_key_fail(c, key, "must be in %s%.15g, %.15g%s%s%s, got %s", lo_open ? "(" : "[",
                            lo, hi, hi_open ? ")" : "]", what[0] ? ": " : "", what, text);
    return ECH_OK;
}

ech_status ech_key_enum(const loadctx *c, const char *key, const char *text, const ech_enum *e,
                        int first, int *out)
{
    int value = ech_enum_parse(e, text);
    *out = value; /* set on every path, so that optimisers see no unset choice */
    if (value >= first)
        return ECH_OK;
    char list[256];
    ech_enum_list(e, first, list, sizeof list);
    return ech_key_fail(c, key, "'%s' is not one of: %s", text, list);
}

ech_status ech_key_bool(const loadctx *c, const char *key, const char *text, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "on", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "off", NULL};
    for (int i = 0; yes[i]; ++i)
        if (strcmp(text, yes[i]) == 0)
            return *out = 1, ECH_OK;
    for (int i = 0; no[i]; ++i)
        if (strcmp(text, no[i]) == 0)
            return *out = 0, ECH_OK;
    return ech_key_fail(c, key, "'%s' is not true or false", text);
}

ech_status ech_key_text(const loadctx *c, const char *key, const char *text)
{
    if (!text[0])
        return ech_key_fail(c, key, "no value given");
    return ECH_OK;
}

/* A file named in the scenario, relative to the scenario's directory. */
static char *resolve_path(const loadctx *c, const char *name)
{
    if (name[0] == '/' || !c->dir[0])
        return ech_xstrdup(name, "file path");
    size_t n = strlen(c->dir) + strlen(name) + 1;
    char *p = ech_xmalloc(n, "file path");
    snprintf(p, n, "%s%s", c->dir, name);
    return p;
}

ech_status ech_key_file(const loadctx *c, const char *key, const char *text, char **out)
{
    *out = NULL;
    ech_status st = ech_key_text(c, key, text);
    if (st != ECH_OK)
        return st;
    char *p = resolve_path(c, text);
    /* Checked before opening: opening a FIFO would wait for a writer, and a device
     * or a folder is no table. */
    struct stat info;
    if (stat(p, &info) == 0 && !S_ISREG(info.st_mode)) {
        st = ech_key_fail(c, key, "'%s' is not a regular file", p);
        free(p);
        return st;
    }
    FILE *f = fopen(p, "rb");
    if (!f) {
        st = ech_key_fail(c, key, "cannot open '%s'%s%s%s: %s", text, strcmp(p, text) ? " (" : "",
                          strcmp(p, text) ? p : "", strcmp(p, text) ? ")" : "", strerror(errno));
        free(p);
        return st;
    }
    fclose(f);
    *out = p;
    return ECH_OK;
}

ech_status ech_key_segment(const loadctx *c, const char *key, const char *name,
                           const ech_scenario *sc, int32_t *out)
{
    for (int32_t k = 0; k < sc->n_segments; ++k)
        if (strcmp(sc->segment[k], name) == 0) {
            *out = k;
            return ECH_OK;
        }
    char list[512];
    ech_join_list(list, sizeof list, sc->segment, sc->n_segments);
    return ech_key_fail(c, key, "no segment '%s' in the catalogue (segments: %s)", name, list);
}
