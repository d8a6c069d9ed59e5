/* runtime/core/ptrmap.h: a map from addresses to pointers, allocated through
 * the funnel. Used for the weak reference side table and the identity memos
 * of deep operations: their keys are object addresses, met in runs of
 * neighbours (objects are allocated, walked and often freed in order).
 *
 * Two levels keep neighbours together. The keys of one 64 KiB chunk of
 * address space share a small open-addressing table (linear probing;
 * removal shifts entries back, so there are no tombstones) whose home slot for
 * a key is its 16-byte granule number modulo the table's size: keys met in
 * address order touch their table in order, four to a cache line, and keys
 * of different chunks never collide. A chunk table doubles past 3/4 full (at
 * 4096 slots, one per granule, keys at least 16 bytes apart never collide)
 * and is freed with its last key; a new table next to the chunk used last
 * starts at that chunk's size, so a dense run in address order does not
 * regrow every table from the minimum. The chunk tables are found through a
 * directory (chunk number -> table; hashed, linear probing) with a one-entry
 * cache, which a run of neighbours hits.
 *
 * Invariants: `used` is the sum of the chunks' `used`; a chunk table is in the
 * directory iff it holds at least one key; `last`, when last_no != 0, is the
 * directory's table for chunk number last_no - 1. */
#ifndef MORI_PTRMAP_H
#define MORI_PTRMAP_H

#include "../mem/mem.h"

#define MORI_PTRMAP_CHUNK_SHIFT 16 /* 64 KiB chunks */
#define MORI_PTRMAP_GRAIN_SHIFT 4  /* 16-byte granules */

typedef struct mori_ptrmap_entry {
    const void *key; /* NULL: empty */
    void *value;
} mori_ptrmap_entry;

typedef struct mori_ptrchunk {
    size_t mask; /* slots - 1 */
    size_t used;
    mori_ptrmap_entry slots[];
} mori_ptrchunk;

typedef struct mori_ptrdir_entry {
    uintptr_t no; /* chunk number + 1; 0: empty */
    mori_ptrchunk *chunk;
} mori_ptrdir_entry;

typedef struct mori_ptrmap {
    mori_ptrdir_entry *dir; /* allocated MORI_MEM_BUFFER: it holds the tables' addresses */
    size_t dir_mask;        /* directory slots - 1 (0 when dir is NULL) */
    size_t nchunks;
    size_t used;            /* keys */
    uintptr_t last_no;      /* the one-entry cache: chunk number + 1 of `last`; 0: none */
    mori_ptrchunk *last;
    mori_mem_kind kind;     /* of the chunk tables */
} mori_ptrmap;

static inline void mori_ptrmap_init(mori_ptrmap *m, mori_mem_kind kind)
{
    memset(m, 0, sizeof(*m));
    m->kind = kind;
}

/* ---- "ptrmap.c" ---------------------------------------------------------------- */
/* The chunk table for chunk number no - 1, or NULL (the directory lookup
 * behind mori_ptrmap_chunk's cache). */
MOR_INTERNAL mori_ptrchunk *mori_ptrmap_chunk_slow(mori_ptrmap *m, uintptr_t no);
/* The value slot of key, inserting key with a NULL value if absent (one
 * lookup: insert-or-find). The slot is valid until the next insertion or
 * removal; store a non-NULL value before then (get cannot tell a NULL value
 * from no key). NULL with MemoryError (the map is unchanged). */
MOR_INTERNAL void **mori_ptrmap_slot(mor_rt *rt, mori_ptrmap *m, const void *key);
/* Insert or replace (replacing an existing key never allocates); -1 with
 * MemoryError (the map is unchanged). */
MOR_INTERNAL int mori_ptrmap_put(mor_rt *rt, mori_ptrmap *m, const void *key, void *value);
/* Remove key; returns its value or NULL. Never allocates (it frees a chunk
 * table whose last key goes). */
MOR_INTERNAL void *mori_ptrmap_remove(mor_rt *rt, mori_ptrmap *m, const void *key);
MOR_INTERNAL void mori_ptrmap_free(mor_rt *rt, mori_ptrmap *m);

static inline size_t mori_ptrmap_home(const void *key)
{
    return (size_t)((uintptr_t)key >> MORI_PTRMAP_GRAIN_SHIFT);
}

/* The chunk table that holds key's chunk, or NULL. */
static inline mori_ptrchunk *mori_ptrmap_chunk(mori_ptrmap *m, const void *key)
{
    uintptr_t no = ((uintptr_t)key >> MORI_PTRMAP_CHUNK_SHIFT) + 1;
    if (MOR_LIKELY(no == m->last_no))
        return m->last;
    return mori_ptrmap_chunk_slow(m, no);
}

/* The value slot of key, or NULL; valid until the next insertion or removal. */
static inline void **mori_ptrmap_find(mori_ptrmap *m, const void *key)
{
    mori_ptrchunk *c = mori_ptrmap_chunk(m, key);
    if (c == NULL)
        return NULL;
    for (size_t i = mori_ptrmap_home(key) & c->mask;; i = (i + 1) & c->mask) {
        const void *k = c->slots[i].key;
        if (k == key)
            return &c->slots[i].value;
        if (k == NULL)
            return NULL;
    }
}

/* The value stored for key, or NULL. */
static inline void *mori_ptrmap_get(mori_ptrmap *m, const void *key)
{
    void **v = mori_ptrmap_find(m, key);
    return v != NULL ? *v : NULL;
}

#endif
