/* Every case under tests/bad_input/ must be rejected as bad input with a message
 * that contains each line of the case's expect.txt (file name, line number, key or
 * column).  One cmocka test per case, named after its folder.  A case is a scenario
 * (scenario.yaml, loaded) or a sales history for `echelon calibrate` (history.csv,
 * and events.csv when there is one, read; options.txt may give --period). */
#include "echelon/demand_fit.h"
#include "echelon/scenario_load.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static char root[1024];

/* Every line of expect.txt occurs in msg. */
static void check_expected_lines(const char *name, const char *expect_path, const char *msg)
{
    FILE *f = fopen(expect_path, "r");
    if (!f)
        fail_msg("%s: no expect.txt", name);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        ++n;
        if (!strstr(msg, line)) {
            fclose(f);
            fail_msg("%s: message lacks '%s': %s", name, line, msg);
        }
    }
    fclose(f);
    if (n == 0)
        fail_msg("%s: expect.txt lists nothing to check", name);
}

/* A calibrate case: the history (and events) read; 1 when they were refused. */
static ech_status read_history_case(const char *name, ech_error *err)
{
    char path[2048], opt_path[2048], ev_path[2048];
    snprintf(path, sizeof path, "%s/%s/history.csv", root, name);
    snprintf(opt_path, sizeof opt_path, "%s/%s/options.txt", root, name);
    snprintf(ev_path, sizeof ev_path, "%s/%s/events.csv", root, name);
    ech_dfit_options o = ech_dfit_options_default();
    FILE *f = fopen(opt_path, "r");
    if (f) {
        char word[64];
        static const char *const periods[] = {"day", "week", "month"};
        while (fscanf(f, "%63s", word) == 1)
            for (int k = 0; k < 3; ++k)
                if (strcmp(word, periods[k]) == 0)
                    o.period = k;
        fclose(f);
    }
    ech_dfit_history h;
    ech_status st = ech_dfit_read_history(path, &o, &h, err);
    if (st != ECH_OK) {
        assert_int_equal(h.n_series, 0); /* left empty */
        return st;
    }
    ech_dfit_events ev;
    struct stat sb;
    if (stat(ev_path, &sb) == 0) {
        st = ech_dfit_read_events(ev_path, &ev, err);
        if (st == ECH_OK)
            ech_dfit_events_free(&ev);
    }
    ech_dfit_history_free(&h);
    return st;
}

static void run_case(void **state)
{
    const char *name = *state;
    char path[2048], expect_path[2048];
    snprintf(path, sizeof path, "%s/%s/scenario.yaml", root, name);
    snprintf(expect_path, sizeof expect_path, "%s/%s/expect.txt", root, name);

    ech_scenario sc;
    ech_error err;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        ech_status st = read_history_case(name, &err);
        if (st == ECH_OK)
            fail_msg("%s: read without error", name);
        if (st != ECH_ERR_INPUT)
            fail_msg("%s: status %d (not ECH_ERR_INPUT): %s", name, (int)st, err.msg);
        print_message("%s: %s\n", name, err.msg);
        check_expected_lines(name, expect_path, err.msg);
        return;
    }
    ech_status st = ech_scenario_load(path, NULL, &sc, &err);
    if (st == ECH_OK) {
        ech_scenario_free(&sc);
        fail_msg("%s: loaded without error", name);
    }
    if (st != ECH_ERR_INPUT)
        fail_msg("%s: status %d (not ECH_ERR_INPUT): %s", name, (int)st, err.msg);
    print_message("%s: %s\n", name, err.msg);
    check_expected_lines(name, expect_path, err.msg);
    /* The scenario is left empty on failure. */
    assert_null(sc.name);
    assert_int_equal(sc.net.n, 0);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *src = getenv("ECHELON_SOURCE_DIR");
    snprintf(root, sizeof root, "%s/tests/bad_input", src ? src : ".");
    DIR *d = opendir(root);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", root);
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[2048];
        struct stat s;
        snprintf(p, sizeof p, "%s/%s/scenario.yaml", root, e->d_name);
        int is_case = stat(p, &s) == 0;
        snprintf(p, sizeof p, "%s/%s/history.csv", root, e->d_name);
        is_case |= stat(p, &s) == 0;
        if (!is_case)
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    if (n < 15) {
        fprintf(stderr, "only %zu bad-input cases in %s\n", n, root);
        return 1;
    }

    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    for (size_t i = 0; i < n; ++i) {
        tests[i].name = names[i];
        tests[i].test_func = run_case;
        tests[i].initial_state = names[i];
    }
    int failed = _cmocka_run_group_tests("bad_input", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; ++i)
        free(names[i]);
    free(names);
    free(tests);
    return failed;
}
