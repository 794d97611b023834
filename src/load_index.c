/* The line index of a scenario file and libcyaml's messages; see load.h. */
#include "load.h"
#include "echelon/rng.h"

#include <yaml.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * Line index (libyaml events)
 * ------------------------------------------------------------------------------ */

/* A key of a mapping or an entry of a list: its parent entry (the key or list
 * entry it is nested in, -1 at the top), its own key or list position, its line. */
typedef struct yentry {
    int32_t parent;
    int32_t index; /* list position, or -1 for a key */
    uint32_t key;  /* offset of the key's text in keys (keys only) */
    uint32_t key_len;
    long line;
} yentry;

struct ech_yaml_index {
    yentry *e;
    size_t n, cap;
    char *keys;
    size_t keys_len, keys_cap;
    int32_t *slot; /* hash of (parent, key or position) -> entry; -1 empty */
    size_t mask;
};

static uint64_t component_hash(int32_t parent, int32_t index, const char *key, size_t len)
{
    uint64_t h =
        ech_mix64((uint64_t)(uint32_t)parent * 0x9e3779b97f4a7c15ull + (uint64_t)(uint32_t)index);
    for (size_t i = 0; i < len; ++i)
        h = (h ^ (unsigned char)key[i]) * 0x100000001b3ull;
    return ech_mix64(h);
}

static int entry_is(const ech_yaml_index *ix, const yentry *e, int32_t parent, int32_t index,
                    const char *key, size_t len)
{
    if (e->parent != parent || e->index != index)
        return 0;
    return index >= 0 || (e->key_len == len && memcmp(ix->keys + e->key, key, len) == 0);
}

static void hash_insert(ech_yaml_index *ix, int32_t k)
{
    const yentry *e = &ix->e[k];
    size_t h =
        (size_t)component_hash(e->parent, e->index, ix->keys + e->key, e->key_len) & ix->mask;
    while (ix->slot[h] >= 0)
        h = (h + 1) & ix->mask;
    ix->slot[h] = k;
}

static void add_entry(ech_yaml_index *ix, int32_t parent, int32_t index, const char *key,
                      size_t len, long line)
{
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? 2 * ix->cap : 256;
        ix->e = ech_xrealloc(ix->e, ix->cap * sizeof *ix->e, "YAML line index");
    }
    yentry *e = &ix->e[ix->n];
    *e = (yentry){parent, index, 0, 0, line};
    if (index < 0) {
        if (ix->keys_len + len + 1 > ix->keys_cap) {
            ix->keys_cap = 2 * (ix->keys_len + len + 1) + 1024;
            ix->keys = ech_xrealloc(ix->keys, ix->keys_cap, "YAML keys");
        }
        memcpy(ix->keys + ix->keys_len, key, len);
        e->key = (uint32_t)ix->keys_len;
        e->key_len = (uint32_t)len;
        ix->keys_len += len;
    }
    ix->n++;
}

typedef struct yframe {
    int is_map;
    int expect_key;
    int32_t owner; /* the entry the container is the value of (-1 at the top) */
    int32_t next_index;
    int32_t last_key; /* the mapping's current key entry */
} yframe;

ech_status ech_yaml_index_build(ech_yaml_index **out, const char *path, const char *text,
                                size_t len, ech_error *err)
{
    ech_yaml_index *ix = ech_xcalloc(1, sizeof *ix, "YAML line index");
    *out = ix;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: cannot start the YAML parser", path);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    yframe stack[ECH_MAX_YAML_DEPTH];
    size_t depth = 0;
    int documents = 0, done = 0;
    ech_status st = ECH_OK;

    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            st = ech_fail_at(err, path, (long)parser.problem_mark.line + 1, NULL,
                             "YAML syntax error: %s%s%s", parser.problem ? parser.problem : "?",
                             parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        long line = (long)ev.start_mark.line + 1;
        yframe *top = depth ? &stack[depth - 1] : NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = 1; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                st = ech_fail_at(err, path, line, NULL,
                                 "a second YAML document: a scenario file holds one document");
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            if (top && top->is_map && top->expect_key) {
                if (ev.type != YAML_SCALAR_EVENT) {
                    st = ech_fail_at(err, path, line, NULL,
                                     "a key must be a plain name, not a list or mapping");
                    break;
                }
                size_t klen = ev.data.scalar.length;
                if (klen > ECH_MAX_YAML_KEY) {
                    st = ech_fail_at(err, path, line, NULL,
                                     "a key of %zu bytes: keys are names of at most %d bytes", klen,
                                     ECH_MAX_YAML_KEY);
                    break;
                }
                top->last_key = (int32_t)ix->n;
                add_entry(ix, top->owner, -1, (const char *)ev.data.scalar.value, klen, line);
                top->expect_key = 0;
                break;
            }
            /* A value: of the mapping's current key, or a new list entry. */
            int32_t owner = -1;
            if (top && top->is_map) {
                owner = top->last_key;
                top->expect_key = 1;
            } else if (top) {
                owner = (int32_t)ix->n;
                add_entry(ix, top->owner, top->next_index++, NULL, 0, line);
            }
            if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
                if (depth == ECH_MAX_YAML_DEPTH) {
                    st = ech_fail_at(err, path, line, NULL,
                                     "nested deeper than %d levels: a scenario is a few levels "
                                     "of mappings and lists",
                                     ECH_MAX_YAML_DEPTH);
                    break;
                }
                stack[depth++] = (yframe){ev.type == YAML_MAPPING_START_EVENT, 1, owner, 0, -1};
            }
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (depth)
                --depth;
            break;
        default: break;
        }
        yaml_event_delete(&ev);
        if (st != ECH_OK)
            break;
    }
    yaml_parser_delete(&parser);
    if (st == ECH_OK) {
        size_t cap = 16;
        while (cap < 2 * ix->n + 2)
            cap *= 2;
        ix->slot = ech_xmalloc(cap * sizeof *ix->slot, "YAML line index");
        ix->mask = cap - 1;
        for (size_t i = 0; i < cap; ++i)
            ix->slot[i] = -1;
        for (size_t k = 0; k < ix->n; ++k)
            hash_insert(ix, (int32_t)k);
    }
    return st;
}

void ech_yaml_index_free(ech_yaml_index *ix)
{
    if (!ix)
        return;
    free(ix->e);
    free(ix->keys);
    free(ix->slot);
    free(ix);
}

/* The entries matching component (index or key) under `parent`, appended to
 * out (document order is restored by the caller). */
static size_t find_children(const ech_yaml_index *ix, int32_t parent, int32_t index,
                            const char *key, size_t len, int32_t *out, size_t max)
{
    size_t n = 0;
    if (!ix->slot)
        return 0;
    size_t h = (size_t)component_hash(parent, index, key, len) & ix->mask;
    for (; ix->slot[h] >= 0; h = (h + 1) & ix->mask)
        if (entry_is(ix, &ix->e[ix->slot[h]], parent, index, key, len) && n < max)
            out[n++] = ix->slot[h];
    return n;
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

enum { MAX_MATCHES = 64 };

long ech_yaml_line(const ech_yaml_index *ix, const char *path, int occurrence)
{
    if (!ix || !path || !path[0])
        return 0;
    /* Every entry matching the path so far (duplicated keys make several). */
    int32_t cur[MAX_MATCHES], next[MAX_MATCHES];
    size_t n_cur = 1;
    cur[0] = -1;
    const char *p = path;
    while (*p && n_cur > 0) {
        int32_t index = -1;
        const char *key = NULL;
        size_t len = 0;
        if (*p == '[') {
            char *end;
            long v = strtol(p + 1, &end, 10);
            if (*end != ']' || v < 0)
                return 0;
            index = (int32_t)v;
            p = end + 1;
        } else {
            if (*p == '.')
                ++p;
            key = p;
            while (*p && *p != '.' && *p != '[')
                ++p;
            len = (size_t)(p - key);
        }
        size_t n_next = 0;
        for (size_t i = 0; i < n_cur; ++i)
            n_next +=
                find_children(ix, cur[i], index, key, len, next + n_next, MAX_MATCHES - n_next);
        memcpy(cur, next, n_next * sizeof *cur);
        n_cur = n_next;
    }
    if ((size_t)occurrence >= n_cur)
        return 0;
    qsort(cur, n_cur, sizeof *cur, cmp_int32);
    return ix->e[cur[occurrence]].line;
}

int ech_yaml_has(const ech_yaml_index *ix, const char *path)
{
    return ech_yaml_line(ix, path, 0) > 0;
}

/* ------------------------------------------------------------------------------
 * libcyaml's messages
 * ------------------------------------------------------------------------------ */

/* One step of a path: a key, or an index into a list. */
typedef struct path_step {
    char key[128];
    int index; /* -1 for a key */
} path_step;

enum { MAX_STEPS = 32 };

static void format_steps(char *buf, size_t size, const path_step *s, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; ++i) {
        int k = s[i].index >= 0
                    ? snprintf(buf + used, size - used, "[%d]", s[i].index)
                    : snprintf(buf + used, size - used, "%s%s", used ? "." : "", s[i].key);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* The schema value at a path, or NULL. */
static const cyaml_schema_value_t *schema_at(const path_step *s, int n)
{
    const cyaml_schema_value_t *v = &ech_yaml_scenario_schema;
    for (int i = 0; i < n && v; ++i) {
        if (s[i].index >= 0) {
            v = v->type == CYAML_SEQUENCE ? v->sequence.entry : NULL;
            continue;
        }
        if (v->type != CYAML_MAPPING)
            return NULL;
        const cyaml_schema_field_t *f = v->mapping.fields;
        while (f->key && strcmp(f->key, s[i].key) != 0)
            ++f;
        v = f->key ? &f->value : NULL;
    }
    return v;
}

static const char *describe_expected(const char *cyaml_type)
{
    if (strcmp(cyaml_type, "MAPPING") == 0)
        return "a mapping of keys to values";
    if (strcmp(cyaml_type, "SEQUENCE") == 0 || strcmp(cyaml_type, "SEQUENCE_FIXED") == 0)
        return "a list";
    return "a single value";
}

static const char *describe_event(const char *cyaml_event)
{
    if (strncmp(cyaml_event, "MAPPING", 7) == 0)
        return "a mapping";
    if (strncmp(cyaml_event, "SEQUENCE", 8) == 0)
        return "a list";
    if (strncmp(cyaml_event, "ALIAS", 5) == 0)
        return "an alias";
    return "a single value";
}

/* The rest of `s` after `prefix`, or NULL when s does not start with it. */
static const char *after_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Turns libcyaml's log of a failed load into one message. */
ech_status ech_yaml_failure(const char *path, const ech_yaml_index *ix, const ech_yaml_log *log,
                            cyaml_err_t rc, ech_error *err)
{
    /* The problem line comes first, then the backtrace, innermost entry first. */
    char problem[512] = "";
    path_step raw[MAX_STEPS];
    int raw_is_field[MAX_STEPS];
    long raw_line[MAX_STEPS];
    int n_raw = 0;
    const char *s = log->s;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), s);
        s += len + (eol ? 1 : 0);
        const char *in = strstr(line, "in ");
        long at = 0;
        const char *lp = strstr(line, "(line: ");
        if (lp)
            at = strtol(lp + 7, NULL, 10);
        if (strncmp(line, "Load: ", 6) == 0) {
            if (!problem[0] && strcmp(line + 6, "Backtrace:") != 0) {
                size_t pl = strlen(line + 6);
                if (pl >= sizeof problem)
                    pl = sizeof problem - 1;
                memcpy(problem, line + 6, pl);
                problem[pl] = '\0';
            }
        } else if (in && n_raw < MAX_STEPS) {
            path_step *st = &raw[n_raw];
            st->key[0] = '\0';
            st->index = -1;
            raw_is_field[n_raw] = 0;
            raw_line[n_raw] = at;
            const char *q;
            if ((q = strstr(in, "in mapping field '")) == in) {
                q += strlen("in mapping field '");
                const char *e = strstr(q, "' (line");
                size_t kl = e ? (size_t)(e - q) : strlen(q);
                snprintf(st->key, sizeof st->key, "%.*s",
                         (int)(kl < sizeof st->key ? kl : sizeof st->key - 1), q);
                raw_is_field[n_raw] = 1;
                n_raw++;
            } else if ((q = strstr(in, "in sequence entry '")) == in) {
                st->index = (int)strtol(q + strlen("in sequence entry '"), NULL, 10) - 1;
                if (st->index < 0)
                    st->index = 0;
                n_raw++;
            } else {
                /* "in mapping" / "in sequence": inside a container, no step. */
                raw_is_field[n_raw] = 2;
                n_raw++;
            }
        }
    }

    /* Outermost first, dropping the container-only entries. */
    path_step steps[MAX_STEPS + 1];
    int n = 0;
    long fallback_line = n_raw ? raw_line[0] : 0;
    int innermost_is_field = n_raw && raw_is_field[0] == 1;
    for (int i = n_raw - 1; i >= 0; --i)
        if (raw_is_field[i] != 2)
            steps[n++] = raw[i];

    char where[512], full[sizeof where + sizeof problem];
    const char *key;
    if (!problem[0]) {
        /* No message from libcyaml: only its return code is left. */
        format_steps(where, sizeof where, steps, n);
        return ech_fail_at(err, path, fallback_line, where[0] ? where : NULL, "%s",
                           cyaml_strerror(rc));
    }
    if ((key = after_prefix(problem, "Unexpected key: "))) {
        const cyaml_schema_value_t *v = schema_at(steps, n);
        char allowed[1024] = "";
        if (v && v->type == CYAML_MAPPING) {
            size_t used = 0;
            for (const cyaml_schema_field_t *f = v->mapping.fields; f->key && used < sizeof allowed;
                 ++f) {
                int k = snprintf(allowed + used, sizeof allowed - used, "%s%s", used ? ", " : "",
                                 f->key);
                used += k > 0 ? (size_t)k : 0;
            }
        }
        format_steps(where, sizeof where, steps, n);
        snprintf(full, sizeof full, "%s%s%s", where, where[0] ? "." : "", key);
        long line = ech_yaml_line(ix, full, 0);
        return ech_fail_at(err, path, line ? line : fallback_line, full,
                           "unknown key (allowed here: %s)", allowed);
    }
    if ((key = after_prefix(problem, "Missing required mapping field: "))) {
        /* libcyaml names the mapping's current field as the innermost entry; the
         * missing key belongs to the mapping itself. */
        if (innermost_is_field && n > 0)
            --n;
        format_steps(where, sizeof where, steps, n);
        snprintf(full, sizeof full, "%s%s%s", where, where[0] ? "." : "", key);
        long line = where[0] ? ech_yaml_line(ix, where, 0) : 0;
        if (where[0])
            return ech_fail_at(err, path, line, full, "required key is missing from %s", where);
        return ech_fail_at(err, path, 0, full, "required key is missing");
    }
    if ((key = after_prefix(problem, "Mapping field already seen: "))) {
        if (n == 0 || strcmp(steps[n - 1].key, key) != 0) {
            if (n <= MAX_STEPS - 1) {
                snprintf(steps[n].key, sizeof steps[n].key, "%.127s", key);
                steps[n++].index = -1;
            }
        }
        format_steps(where, sizeof where, steps, n);
        long first = ech_yaml_line(ix, where, 0), second = ech_yaml_line(ix, where, 1);
        return ech_fail_at(err, path, second ? second : fallback_line, where,
                           "key given twice (first on line %ld)", first);
    }
    format_steps(where, sizeof where, steps, n);
    long line = where[0] ? ech_yaml_line(ix, where, 0) : 0;
    if (!line)
        line = fallback_line;
    char expected[64], got[64];
    if (sscanf(problem, "Expecting %63[A-Z_], got event: %63[A-Z_]", expected, got) == 2) {
        if (!where[0])
            return ech_fail_at(err, path, line, NULL,
                               "the file must be a mapping of keys to values (name:, seed:, ...), "
                               "not %s",
                               describe_event(got));
        return ech_fail_at(err, path, line, where, "expected %s, got %s",
                           describe_expected(expected), describe_event(got));
    }
    return ech_fail_at(err, path, line, where[0] ? where : NULL, "%s",
                       problem[0] ? problem : cyaml_strerror(rc));
}
