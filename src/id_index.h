/* Hash indexes for the table loaders (private to the library).
 *
 * Ids are looked up through small open-addressing hash indexes rather than linear
 * searches: an assortment extract can have millions of rows naming tens of
 * thousands of SKUs.
 */
#ifndef ECHELON_ID_INDEX_H
#define ECHELON_ID_INDEX_H

#include <stddef.h>
#include <stdint.h>

/* Id -> index into an array of strings that the caller passes on every call (the
 * array may move as it grows; the index stores positions, not pointers). */
typedef struct ech_id_map {
    int32_t *slot; /* -1 = empty */
    size_t mask;
    size_t count;
} ech_id_map;

/* (SKU, location) -> assortment row. */
typedef struct ech_pair_map {
    uint64_t *key; /* UINT64_MAX = empty */
    int64_t *val;
    size_t mask;
    size_t count;
} ech_pair_map;

void ech_id_map_free(ech_id_map *m);
void ech_id_map_put(ech_id_map *m, char *const *keys, int32_t index);
int32_t ech_id_map_find(const ech_id_map *m, char *const *keys, const char *key);
/* Rebuilds the index unless it already holds all n keys (tables may come from the
 * generator rather than through the row functions). */
void ech_id_map_sync(ech_id_map *m, char *const *keys, int32_t n);

void ech_pair_map_free(ech_pair_map *m);
void ech_pair_map_put(ech_pair_map *m, uint64_t key, int64_t val);
int64_t ech_pair_map_find(const ech_pair_map *m, uint64_t key);
uint64_t ech_pair_key(int32_t sku, int32_t loc);

#endif
