/* runtime/core/ptrmap.h: a map from addresses to pointers (open addressing,
 * linear probing, tombstones), allocated through the funnel. Used for the weak
 * reference side table and the identity memos of deep operations. */
#ifndef MORI_PTRMAP_H
#define MORI_PTRMAP_H

#include "../mem/mem.h"

typedef struct mori_ptrmap_entry {
    const void *key; /* NULL: empty; MORI_PTRMAP_TOMB: removed */
    void *value;
} mori_ptrmap_entry;

typedef struct mori_ptrmap {
    mori_ptrmap_entry *slots;
    size_t mask;   /* slots - 1 (0 when slots is NULL) */
    size_t used;   /* live entries */
    size_t fill;   /* live + tombstones */
    mori_mem_kind kind;
} mori_ptrmap;

#define MORI_PTRMAP_TOMB ((const void *)(uintptr_t)1)

static inline void mori_ptrmap_init(mori_ptrmap *m, mori_mem_kind kind)
{
    m->slots = NULL;
    m->mask = m->used = m->fill = 0;
    m->kind = kind;
}

static inline size_t mori_ptrmap_hash(const void *key)
{
    uint64_t h = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 29));
}

/* The value stored for key, or NULL. */
static inline void *mori_ptrmap_get(const mori_ptrmap *m, const void *key)
{
    if (m->slots == NULL)
        return NULL;
    for (size_t i = mori_ptrmap_hash(key) & m->mask;; i = (i + 1) & m->mask) {
        const void *k = m->slots[i].key;
        if (k == key)
            return m->slots[i].value;
        if (k == NULL)
            return NULL;
    }
}

/* ---- "ptrmap.c" ---------------------------------------------------------------- */
/* Insert or replace (replacing an existing key never allocates); -1 with
 * MemoryError (the map is unchanged). */
MOR_INTERNAL int mori_ptrmap_put(mor_rt *rt, mori_ptrmap *m, const void *key, void *value);
/* Remove key; returns its value or NULL. Never allocates. */
MOR_INTERNAL void *mori_ptrmap_remove(mori_ptrmap *m, const void *key);
MOR_INTERNAL void mori_ptrmap_free(mor_rt *rt, mori_ptrmap *m);

#endif
