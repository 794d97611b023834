/* Bump allocator; see include/echelon/arena.h. */
#include "echelon/arena.h"
#include "echelon/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_ALIGN = 64 };

struct ech_arena_block {
    ech_arena_block *next;
    size_t size;
    size_t used;
    unsigned char *data; /* 64-byte aligned */
};

static ech_arena_block *block_new(size_t size, const char *what)
{
    ech_arena_block *b = ech_xmalloc(sizeof *b, what);
    b->data = aligned_alloc(ARENA_ALIGN, (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN);
    if (!b->data) {
        free(b);
        b = NULL;
        (void)ech_xmalloc(SIZE_MAX / 2, what); /* reports and aborts */
        return NULL;
    }
    b->size = size;
    b->used = 0;
    b->next = NULL;
    return b;
}

void ech_arena_init(ech_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size < 4096 ? 4096 : block_size;
    a->high_water = 0;
    a->in_use = 0;
}

void *ech_arena_alloc(ech_arena *a, size_t size, const char *what)
{
    size_t rounded = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (rounded == 0)
        rounded = ARENA_ALIGN;
    if (!a->head || a->head->size - a->head->used < rounded) {
        size_t bsize = rounded > a->block_size ? rounded : a->block_size;
        ech_arena_block *b = block_new(bsize, what);
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += rounded;
    a->in_use += rounded;
    if (a->in_use > a->high_water)
        a->high_water = a->in_use;
    return p;
}

void *ech_arena_calloc(ech_arena *a, size_t count, size_t size, const char *what)
{
    size_t bytes = count * size;
    void *p = ech_arena_alloc(a, bytes, what);
    memset(p, 0, bytes);
    return p;
}

void ech_arena_reset(ech_arena *a)
{
    /* Keep one block big enough for the whole previous use, so that a steady
     * workload stops allocating after its first SKUs. */
    ech_arena_block *keep = NULL;
    size_t total = 0;
    for (ech_arena_block *b = a->head; b; b = b->next)
        total += b->size;
    ech_arena_block *b = a->head;
    while (b) {
        ech_arena_block *next = b->next;
        if (!keep && b->size >= total) {
            keep = b;
        } else {
            free(b->data);
            free(b);
        }
        b = next;
    }
    if (!keep && total > 0) {
        keep = block_new(total > a->block_size ? total : a->block_size, "arena block");
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->in_use = 0;
}

void ech_arena_free(ech_arena *a)
{
    ech_arena_block *b = a->head;
    while (b) {
        ech_arena_block *next = b->next;
        free(b->data);
        free(b);
        b = next;
    }
    a->head = NULL;
    a->in_use = 0;
}
