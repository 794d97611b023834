/* Option parsing from declarative tables; see options.h. */
#include "options.h"
#include "echelon/csv_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_option *find_long(const cli_option *opts, int n, const char *name, size_t len)
{
    for (int i = 0; i < n; ++i)
        if (strlen(opts[i].long_name) == len && strncmp(opts[i].long_name, name, len) == 0)
            return &opts[i];
    return NULL;
}

static const cli_option *find_short(const cli_option *opts, int n, char c)
{
    for (int i = 0; i < n; ++i)
        if (opts[i].short_name && opts[i].short_name == c)
            return &opts[i];
    return NULL;
}

static int set_value(const cli_option *o, const char *text, int report)
{
    char *end = NULL;
    errno = 0;
    switch (o->kind) {
    case CLI_INT64: {
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end != '\0' || (double)v < o->min || (double)v > o->max) {
            if (report)
                fprintf(stderr,
                        "echelon: error: --%s: '%s' is not a whole number in [%.0f, %.0f]\n",
                        o->long_name, text, o->min, o->max);
            return 2;
        }
        *(int64_t *)o->target = v;
        break;
    }
    case CLI_UINT64: {
        if (text[0] == '-') {
            if (report)
                fprintf(stderr, "echelon: error: --%s: '%s' must not be negative\n", o->long_name,
                        text);
            return 2;
        }
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || end == text || *end != '\0') {
            if (report)
                fprintf(stderr, "echelon: error: --%s: '%s' is not an unsigned 64-bit number\n",
                        o->long_name, text);
            return 2;
        }
        *(uint64_t *)o->target = v;
        break;
    }
    case CLI_DOUBLE: {
        double v = strtod(text, &end);
        if (errno || end == text || *end != '\0' || !isfinite(v) || v < o->min || v > o->max) {
            if (report)
                fprintf(stderr, "echelon: error: --%s: '%s' is not a number in [%g, %g]\n",
                        o->long_name, text, o->min, o->max);
            return 2;
        }
        *(double *)o->target = v;
        break;
    }
    case CLI_STRING: *(const char **)o->target = text; break;
    case CLI_FLAG: *(int *)o->target = 1; break;
    }
    if (o->given)
        *o->given = 1;
    return 0;
}

int cli_parse(int argc, char **argv, int first, const cli_option *opts, int n_opts,
              const char **positional, int max_positional, int *n_positional, int report)
{
    *n_positional = 0;
    int only_positional = 0;
    for (int i = first; i < argc; ++i) {
        const char *a = argv[i];
        const cli_option *o = NULL;
        const char *value = NULL;
        if (!only_positional && strcmp(a, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (!only_positional && a[0] == '-' && a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(opts, n_opts, name, len);
            if (!o) {
                if (report)
                    fprintf(stderr, "echelon: error: unknown option '%.*s' (see --help)\n",
                            (int)(len + 2), a);
                return 2;
            }
            if (eq)
                value = eq + 1;
        } else if (!only_positional && a[0] == '-' && a[1] != '\0') {
            o = find_short(opts, n_opts, a[1]);
            if (!o) {
                if (report)
                    fprintf(stderr, "echelon: error: unknown option '-%c' (see --help)\n", a[1]);
                return 2;
            }
            if (a[2] != '\0')
                value = a + 2;
        } else {
            if (*n_positional >= max_positional) {
                if (report)
                    fprintf(stderr, "echelon: error: unexpected argument '%s' (see --help)\n", a);
                return 2;
            }
            positional[(*n_positional)++] = a;
            continue;
        }
        if (o->kind == CLI_FLAG) {
            if (value) {
                if (report)
                    fprintf(stderr, "echelon: error: --%s takes no value\n", o->long_name);
                return 2;
            }
        } else if (!value) {
            if (i + 1 >= argc) {
                if (report)
                    fprintf(stderr, "echelon: error: --%s needs a value (%s)\n", o->long_name,
                            o->metavar ? o->metavar : "VALUE");
                return 2;
            }
            value = argv[++i];
        }
        int rc = set_value(o, value, report);
        if (rc)
            return rc;
    }
    return 0;
}

void cli_print_options(FILE *out, const cli_option *opts, int n_opts)
{
    for (int i = 0; i < n_opts; ++i) {
        char left[64];
        const cli_option *o = &opts[i];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name,
                     o->kind == CLI_FLAG ? "" : " ", o->kind == CLI_FLAG ? "" : o->metavar);
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->long_name,
                     o->kind == CLI_FLAG ? "" : " ", o->kind == CLI_FLAG ? "" : o->metavar);
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
}

int cli_parse_command(int argc, char **argv, const cli_option *opts, int n_opts,
                      const char **positional, int max_positional, int *n_positional, int rank,
                      const int *help, void (*print_help)(void))
{
    int rc =
        cli_parse(argc, argv, 2, opts, n_opts, positional, max_positional, n_positional, rank == 0);
    if (rc)
        return rc;
    if (!*help)
        return -1;
    if (rank == 0) {
        print_help();
        cli_print_options(stdout, opts, n_opts);
    }
    return 0;
}

int cli_choice(const char *opt, const char *value, const char *const *names)
{
    for (int i = 0; names[i]; ++i)
        if (strcmp(value, names[i]) == 0)
            return i;
    char list[256];
    ech_join_names(list, sizeof list, names);
    fprintf(stderr, "echelon: error: --%s: '%s' is not one of: %s\n", opt, value, list);
    return -1;
}
