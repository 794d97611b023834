/* Hash indexes of ids and (SKU, location) pairs for the table loaders; see
 * id_index.h. */
#include "id_index.h"
#include "echelon/error.h"
#include "echelon/rng.h"

#include <stdlib.h>
#include <string.h>

static void ech_id_map_grow(ech_id_map *m, char *const *keys);
static void ech_pair_map_grow(ech_pair_map *m);

void ech_id_map_free(ech_id_map *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static void ech_id_map_grow(ech_id_map *m, char *const *keys)
{
    size_t cap = m->slot ? 2 * (m->mask + 1) : 64;
    int32_t *old = m->slot;
    size_t old_cap = old ? m->mask + 1 : 0;
    m->slot = ech_xmalloc(cap * sizeof *m->slot, "id index");
    for (size_t i = 0; i < cap; ++i)
        m->slot[i] = -1;
    m->mask = cap - 1;
    m->count = 0;
    for (size_t i = 0; i < old_cap; ++i)
        if (old[i] >= 0)
            ech_id_map_put(m, keys, old[i]);
    free(old);
}

void ech_id_map_put(ech_id_map *m, char *const *keys, int32_t index)
{
    if (!m->slot || 2 * (m->count + 1) > m->mask + 1)
        ech_id_map_grow(m, keys);
    size_t h = (size_t)ech_hash_string(keys[index]) & m->mask;
    while (m->slot[h] >= 0)
        h = (h + 1) & m->mask;
    m->slot[h] = index;
    m->count++;
}

int32_t ech_id_map_find(const ech_id_map *m, char *const *keys, const char *key)
{
    if (!m->slot)
        return -1;
    size_t h = (size_t)ech_hash_string(key) & m->mask;
    while (m->slot[h] >= 0) {
        if (strcmp(keys[m->slot[h]], key) == 0)
            return m->slot[h];
        h = (h + 1) & m->mask;
    }
    return -1;
}

/* Rebuilds the index unless it already holds all n keys (tables may come from the
 * generator rather than through the row functions). */
void ech_id_map_sync(ech_id_map *m, char *const *keys, int32_t n)
{
    if ((size_t)n == m->count)
        return;
    ech_id_map_free(m);
    for (int32_t i = 0; i < n; ++i)
        ech_id_map_put(m, keys, i);
}

void ech_pair_map_free(ech_pair_map *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

static void ech_pair_map_grow(ech_pair_map *m)
{
    size_t old_cap = m->key ? m->mask + 1 : 0;
    uint64_t *old_key = m->key;
    int64_t *old_val = m->val;
    size_t cap = old_cap ? 2 * old_cap : 1024;
    m->key = ech_xmalloc(cap * sizeof *m->key, "assortment index");
    m->val = ech_xmalloc(cap * sizeof *m->val, "assortment index");
    memset(m->key, 0xff, cap * sizeof *m->key);
    m->mask = cap - 1;
    m->count = 0;
    for (size_t i = 0; i < old_cap; ++i)
        if (old_key[i] != UINT64_MAX)
            ech_pair_map_put(m, old_key[i], old_val[i]);
    free(old_key);
    free(old_val);
}

void ech_pair_map_put(ech_pair_map *m, uint64_t key, int64_t val)
{
    if (!m->key || 2 * (m->count + 1) > m->mask + 1)
        ech_pair_map_grow(m);
    size_t h = (size_t)ech_mix64(key) & m->mask;
    while (m->key[h] != UINT64_MAX)
        h = (h + 1) & m->mask;
    m->key[h] = key;
    m->val[h] = val;
    m->count++;
}

int64_t ech_pair_map_find(const ech_pair_map *m, uint64_t key)
{
    if (!m->key)
        return -1;
    size_t h = (size_t)ech_mix64(key) & m->mask;
    while (m->key[h] != UINT64_MAX) {
        if (m->key[h] == key)
            return m->val[h];
        h = (h + 1) & m->mask;
    }
    return -1;
}

uint64_t ech_pair_key(int32_t sku, int32_t loc)
{
    return (uint64_t)(uint32_t)sku << 32 | (uint32_t)loc;
}
