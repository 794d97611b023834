/* A bump allocator for per-SKU scratch memory.
 *
 * The engine builds each SKU's sampling tables and state, simulates it, and throws it
 * all away before the next SKU.  An arena makes that one pointer reset instead of
 * thousands of malloc/free pairs, and keeps one SKU's data close together in memory.
 * Each thread owns its arena; an arena is not thread-safe.
 */
#ifndef ECHELON_ARENA_H
#define ECHELON_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_arena_block ech_arena_block;

typedef struct ech_arena {
    ech_arena_block *head; /* block being filled; earlier blocks follow via ->next */
    size_t block_size;     /* default size of new blocks */
    size_t high_water;     /* most bytes ever in use at once */
    size_t in_use;
} ech_arena;

/* Starts an empty arena whose blocks are at least block_size bytes. */
void ech_arena_init(ech_arena *a, size_t block_size);

/* Returns `size` bytes aligned to 64 bytes (a cache line); never NULL (aborts on
 * exhaustion, naming `what`).  The memory is not zeroed. */
void *ech_arena_alloc(ech_arena *a, size_t size, const char *what);

/* Like ech_arena_alloc, zeroed. */
void *ech_arena_calloc(ech_arena *a, size_t count, size_t size, const char *what);

/* Forgets everything allocated, keeping the largest block for reuse. */
void ech_arena_reset(ech_arena *a);

/* Frees all memory. */
void ech_arena_free(ech_arena *a);

#ifdef __cplusplus
}
#endif

#endif
